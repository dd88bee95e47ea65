"""/volunteers for coordinators: search, paging, the card, status changes, qualifications, refusals."""

from __future__ import annotations

import json
from datetime import date

from bot.volunteers import search_key
from tests.factories import (
    create_assignment,
    create_entity,
    create_need,
    create_user,
    create_volunteer,
)
from tests.factories_registration import alerts, child_rows, message_ids_with, volunteer_row
from tests.harness import BotHarness

COORDINATOR_ID = 301
REFUSED = "Sorry, this is only for the office's coordinators."


async def coordinator(bot: BotHarness):  # type: ignore[no-untyped-def]
    await create_user(bot.db, COORDINATOR_ID, role="coordinator", first_name="Coord", locale="en")
    return bot.user(COORDINATOR_ID, "Coord", "en")


async def audit_rows(bot: BotHarness) -> list[tuple]:
    rows = await bot.db.fetchall("SELECT actor_id, action, target_type, target_id, details FROM audit_log ORDER BY id")
    return [tuple(r) for r in rows]


# -- refusals ---------------------------------------------------------------------------------------


async def test_volunteers_refused_for_volunteers_and_representatives(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 501, full_name="Vol One Person", language_code="en")
    volunteer = bot.user(501, "Vol", "en")
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    for user in (volunteer, rep):
        for command in ("/volunteers", "/volunteers Vol"):
            calls = await bot.command(user, command)
            assert [c.text for c in calls] == [REFUSED]


async def test_every_volunteers_button_is_refused_for_a_volunteer(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 501, full_name="Vol One Person", language_code="en")
    await create_volunteer(bot.db, 502, full_name="Pending Person Here", status="pending")
    await create_volunteer(bot.db, 503, full_name="Suspended Person Here", status="suspended")
    mallory = bot.user(501, "Vol", "en")
    presses = [
        "vol:pe:0", "vol:sp:guidance:0", "vol:s:1:0", "vol:bk", "vol:v:502",
        "vol:ap:502", "vol:rj:502", "vol:su:501", "vol:re:503", "vol:q:502",
        "vol:qg:502:crowd_management", "vol:qr:502:guidance",
    ]
    for data in presses:
        calls = await bot.press(mallory, data)
        assert alerts(calls) == [REFUSED], data
        assert [c.method for c in calls] == ["answerCallbackQuery"], data  # nothing shown or edited
    statuses = dict(await bot.db.fetchall("SELECT user_id, status FROM volunteers"))
    assert statuses == {501: "active", 502: "pending", 503: "suspended"}
    assert await bot.db.fetchval("SELECT COUNT(*) FROM qualifications") == 0
    assert await audit_rows(bot) == []
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox") == 0


async def test_a_removed_coordinator_is_refused_at_once(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    await create_volunteer(bot.db, 502, full_name="Pending Person Here", status="pending")
    await bot.command(coord, "/volunteers")
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE users SET role = 'volunteer' WHERE id = ?", (coord.id,))
    calls = await bot.press(coord, "vol:ap:502")
    assert alerts(calls) == [REFUSED]
    assert (await volunteer_row(bot, 502))["status"] == "pending"


# -- lists and search -------------------------------------------------------------------------------


async def test_overview_counts_and_quick_lists(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    await create_volunteer(bot.db, 501, full_name="Active Person One")
    await create_volunteer(bot.db, 502, full_name="Pending Person Two", status="pending")
    await create_volunteer(bot.db, 503, full_name="Paused Person Three", status="paused")
    calls = await bot.command(coord, "/volunteers")
    assert "Volunteers: 1 active, 1 waiting for approval, 1 paused, 0 suspended." in calls[0].text
    assert "/volunteers Ahmad" in calls[0].text
    assert calls[0].buttons[0] == ("⏳ Waiting for approval (1)", "vol:pe:0")
    assert ("Crowd management", "vol:sp:crowd_management:0") in calls[0].buttons
    assert len(calls[0].buttons) == 18
    calls = await bot.press(coord, "vol:pe:0")
    text = calls[-1].text
    assert text.startswith("Volunteers waiting for approval")
    assert "Pending Person Two" in text and "Active Person One" not in text
    assert calls[-1].buttons == [("1. Pending Person Two", "vol:v:502")]


async def test_search_by_name_phone_and_specialty(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    for uid, name, phone, specialties in (
        (501, "أحمد صالح الحربي", "+966501111111", ("guidance",)),
        (502, "Ahmad Khan", "+966502222222", ("translation",)),
        (503, "Sara Ali Omar", "+966503333333", ("crowd_management",)),
    ):
        await create_volunteer(bot.db, uid, full_name=name, phone=phone, specialties=specialties)
    async with bot.db.transaction() as tx:  # as registration stores it (factories do not)
        for uid in (501, 502, 503):
            name = await tx.fetchval("SELECT full_name FROM volunteers WHERE user_id = ?", (uid,))
            await tx.execute("UPDATE volunteers SET search_name = ? WHERE user_id = ?", (search_key(name), uid))

    async def found(query: str) -> list[str]:
        calls = await bot.command(coord, f"/volunteers {query}")
        return [data for _label, data in calls[0].buttons if data.startswith("vol:v:")]

    assert await found("احمد") == ["vol:v:501"]  # hamza folded
    assert await found("AHMAD") == ["vol:v:502"]
    assert await found("0502222222") == ["vol:v:502"]
    assert await found("+966 50 333 3333") == ["vol:v:503"]
    assert await found("٠٥٠١١١١١١١") == ["vol:v:501"]
    assert await found("crowd") == ["vol:v:503"]
    assert await found("Translation") == ["vol:v:502"]
    assert await found("Nobody Here") == []
    calls = await bot.command(coord, "/volunteers Nobody Here")
    assert "Nobody matches." in calls[0].text


async def test_results_show_profile_summary_and_service_record(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    await create_volunteer(bot.db, 501, full_name="Khalid Omar Saeed", phone="+966501234567",
                           specialties=("traffic", "relief"))
    entity = await create_entity(bot.db)
    _need, shifts = await create_need(bot.db, entity, first_day=date(2026, 5, 1), days=2)
    for shift in shifts:
        await create_assignment(bot.db, shift, 501, status="completed")
    calls = await bot.command(coord, "/volunteers Khalid")
    text = calls[0].text
    assert "1. Khalid Omar Saeed — ✅ Active" in text
    assert "+966501234567 · Traffic, Relief" in text
    assert "2 shifts completed (12 hours)" in text


async def test_paging_through_results(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    for n in range(12):
        await create_volunteer(bot.db, 700 + n, full_name=f"Guide Number {chr(65 + n)}")
    calls = await bot.command(coord, "/volunteers Guide")
    first = calls[0]
    assert [label for label, data in first.buttons if data.startswith("vol:v:")] == [
        "1. Guide Number A", "2. Guide Number B", "3. Guide Number C", "4. Guide Number D", "5. Guide Number E"
    ]
    assert first.buttons[-1] == ("Next ▶", "vol:s:1:1")
    calls = await bot.press(coord, "vol:s:1:1")
    assert calls[-1].method == "editMessageText"
    assert ("◀ Previous", "vol:s:1:0") in calls[-1].buttons and ("Next ▶", "vol:s:1:2") in calls[-1].buttons
    assert "6. Guide Number F" in calls[-1].text
    calls = await bot.press(coord, "vol:s:1:2")
    assert "12. Guide Number L" in calls[-1].text
    assert [d for _l, d in calls[-1].buttons if d.startswith("vol:s:")] == ["vol:s:1:1"]
    # A newer search makes the old pages stale rather than paging through something else.
    await bot.command(coord, "/volunteers Number")
    calls = await bot.press(coord, "vol:s:1:1", message_id=message_ids_with(bot, coord, "vol:s:1:1")[0])
    assert alerts(calls) == ["This search is out of date. Send /volunteers with your search again."]
    # Specialty lists page the same way.
    calls = await bot.press(coord, "vol:sp:guidance:0")
    assert ("Next ▶", "vol:sp:guidance:1") in calls[-1].buttons
    calls = await bot.press(coord, "vol:sp:unknown:0")
    assert alerts(calls) == ["This button is no longer active."]


async def test_deleted_volunteers_are_not_found(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    await create_volunteer(bot.db, 501, full_name="Gone Person Here", status="deleted")
    calls = await bot.command(coord, "/volunteers Gone")
    assert "Nobody matches." in calls[0].text
    calls = await bot.press(coord, "vol:v:501")
    assert alerts(calls) == ["This volunteer has deleted their data."]


# -- the card and its actions -------------------------------------------------------------------------


async def test_card_suspend_and_reinstate_are_audited_and_told(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    await create_volunteer(bot.db, 501, full_name="Khalid Omar Saeed", language_code="en")
    khalid = bot.user(501, "Khalid", "en")
    await bot.command(coord, "/volunteers Khalid")
    calls = await bot.press(coord, "vol:v:501")
    card = calls[-1]
    assert card.method == "editMessageText"
    assert "👤 Khalid Omar Saeed (501)" in card.text
    assert "Age: 31" in card.text and "Trained for: —" in card.text
    assert "Registered on Thursday 12 Rajab 1447 AH (1 January 2026)" in card.text
    assert "Service: 0 shifts completed (0 hours)" in card.text
    assert [d for _l, d in card.buttons] == ["mo:v:501:0", "vol:su:501", "vol:q:501", "vol:bk"]

    # Suspending asks why first (bot/flows/suspension.py); the reason is the confirmation.
    calls = await bot.press(coord, "vol:su:501")
    assert "Why? Tap a reason or type it." in calls[-1].text
    calls = await bot.press(coord, "susp:r:501:conduct")
    assert "⛔ Suspended. Reason: Conduct on site" in bot.texts(calls)
    calls = await bot.press(coord, "vol:v:501")
    assert "Status: ⛔ Suspended by the office" in calls[-1].text
    assert ("↩️ Reinstate", "vol:re:501") in calls[-1].buttons
    assert (await volunteer_row(bot, 501))["status"] == "suspended"
    # The old card's Suspend button is stale now.
    calls = await bot.press(coord, "vol:su:501")
    assert alerts(calls) == ["This volunteer cannot be suspended in their current status."]
    calls = await bot.command(khalid, "/start")
    assert "Your volunteer account is suspended" in calls[0].text

    await bot.press(coord, "vol:re:501")
    assert (await volunteer_row(bot, 501))["status"] == "active"
    calls = await bot.press(coord, "vol:re:501")
    assert alerts(calls) == ["This volunteer is not suspended."]
    assert [(a[0], a[1], a[2], a[3]) for a in await audit_rows(bot)] == [
        (COORDINATOR_ID, "volunteer.suspend", "volunteer", "501"),
        (COORDINATOR_ID, "volunteer.reinstate", "volunteer", "501"),
    ]
    calls = await bot.flush_outbox()
    assert [c.chat_id for c in calls] == [501, 501]
    assert "suspended by the office" in calls[0].text
    assert "active again" in calls[1].text and "not given back" in calls[1].text

    calls = await bot.press(coord, "vol:bk")
    assert "Search results for “Khalid”" in calls[-1].text


async def test_a_paused_volunteer_can_be_suspended(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    await create_volunteer(bot.db, 501, full_name="Khalid Omar Saeed", status="paused")
    await bot.press(coord, "vol:su:501")
    await bot.text(coord, "Asked to stop for the season")
    row = await volunteer_row(bot, 501)
    assert row["status"] == "suspended" and row["paused_until"] is None


async def test_grant_and_revoke_qualifications(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    await create_volunteer(bot.db, 501, full_name="Khalid Omar Saeed", language_code="en")
    calls = await bot.press(coord, "vol:q:501")
    assert "Training qualifications of Khalid Omar Saeed" in calls[-1].text
    assert ("➕ Crowd management", "vol:qg:501:crowd_management") in calls[-1].buttons
    assert calls[-1].buttons[-1] == ("◀ Back to the card", "vol:v:501")

    calls = await bot.press(coord, "vol:qg:501:crowd_management")
    assert calls[0].params["text"] == "Recorded."
    assert ("✅ Crowd management", "vol:qr:501:crowd_management") in calls[-1].buttons
    assert (await child_rows(bot, 501))["qualifications"] == ["crowd_management"]
    row = await bot.db.fetchone("SELECT * FROM qualifications WHERE user_id = 501")
    assert row["granted_by"] == COORDINATOR_ID

    calls = await bot.press(coord, "vol:qg:501:crowd_management")  # a second press of an old button
    assert calls[0].params["text"] == "Already recorded."
    calls = await bot.press(coord, "vol:v:501")
    assert "Trained for: Crowd management" in calls[-1].text

    calls = await bot.press(coord, "vol:qr:501:crowd_management")
    assert calls[0].params["text"] == "Removed."
    assert (await child_rows(bot, 501))["qualifications"] == []
    calls = await bot.press(coord, "vol:qg:501:no_such_field")
    assert alerts(calls) == ["This button is no longer active."]

    audit = await audit_rows(bot)
    assert [(a[1], json.loads(a[4])) for a in audit] == [
        ("volunteer.qualify", {"specialty": "crowd_management"}),
        ("volunteer.unqualify", {"specialty": "crowd_management"}),
    ]
    calls = await bot.flush_outbox()
    assert [c.chat_id for c in calls] == [501]
    assert "trained for: Crowd management" in calls[0].text


async def test_approve_from_the_pending_list(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    await create_volunteer(bot.db, 502, full_name="Pending Person Two", status="pending", language_code="ar")
    await bot.press(coord, "vol:pe:0")
    calls = await bot.press(coord, "vol:v:502")
    assert [d for _l, d in calls[-1].buttons][:2] == ["vol:ap:502", "vol:rj:502"]
    await bot.press(coord, "vol:ap:502")
    row = await volunteer_row(bot, 502)
    assert row["status"] == "active" and row["approved_by"] == COORDINATOR_ID
    assert row["approved_at"] is not None
    calls = await bot.flush_outbox()
    assert [c.chat_id for c in calls] == [502]
    assert "وافق على تسجيلك" in calls[0].text  # in the volunteer's language
    calls = await bot.press(coord, "vol:bk")
    assert "Nobody matches." in calls[-1].text


async def test_search_by_replying_to_the_prompt(bot: BotHarness) -> None:
    coord = await coordinator(bot)
    await create_volunteer(bot.db, 502, full_name="Ahmad Khan", phone="+966502222222")
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE volunteers SET search_name = ? WHERE user_id = 502",
                         (search_key("Ahmad Khan"),))
    calls = await bot.command(coord, "/volunteers")
    prompt = calls[-1]
    assert "reply to this message" in prompt.text
    assert prompt.params["reply_markup"]["force_reply"] is True
    prompt_message = bot.api.messages[max(bot.api.messages)]

    async def reply(user, text):  # type: ignore[no-untyped-def]
        message = bot._message(user, text=text, reply_to_message=prompt_message)
        return await bot.process({"message": message})

    calls = await reply(coord, "ahmad")
    assert [d for _l, d in calls[0].buttons if d.startswith("vol:v:")] == ["vol:v:502"]
    calls = await bot.text(coord, "ahmad")  # not a reply: not a search
    assert "did not understand" in calls[0].text
    # Demoted since: the same reply is refused.
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE users SET role = 'volunteer' WHERE id = ?", (coord.id,))
    calls = await reply(coord, "ahmad")
    assert REFUSED in bot.texts(calls)
