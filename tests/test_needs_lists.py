"""/needs, /myneeds, rosters, cancelling shifts and needs, changing slots; who may do each."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot import db
from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.factories_needs import add_staff, assert_arabic, submit_need, tr
from tests.harness import BotHarness


async def _world(bot: BotHarness) -> dict:
    """Entity A (reps 601, 602) with an approved need of 3 days and a waiting one; entity B (rep
    611) with its own approved need; volunteers in several states on A's first shift."""
    a = await create_entity(bot.db, reps=(601, 602))
    b = await create_entity(bot.db, name_ar="الهلال الأحمر", name_en="Red Crescent", kind="government",
                            reps=(611,))
    coordinator = await add_staff(bot, 701, "Khalid", "en")
    # The clock is 2026-05-10 09:00 in Madinah: shifts start 08:00 on 11, 12 and 13 May.
    approved, shifts = await create_need(bot.db, a, first_day=date(2026, 5, 11), days=3, slots=4,
                                         title="Guides at Quba", created_by=601)
    waiting, _ = await create_need(bot.db, a, first_day=date(2026, 5, 20), status="submitted",
                                   title="Water at the Haram", created_by=601)
    other, other_shifts = await create_need(bot.db, b, first_day=date(2026, 5, 11), slots=10,
                                            title="First aid", created_by=611)
    await create_volunteer(bot.db, 501, full_name="Omar Farouk", phone="+966500000501",
                           languages=("ar", "ur"), locale="en", language_code="en")
    await create_volunteer(bot.db, 502, full_name="سالم الحربي", locale="ar")
    await create_volunteer(bot.db, 503, full_name="Declined Person")
    await create_volunteer(bot.db, 504, full_name="Yusuf Ali", languages=("en",), language_code="en")
    await create_assignment(bot.db, shifts[0], 501)
    await create_assignment(bot.db, shifts[0], 502, status="offered")
    await create_assignment(bot.db, shifts[0], 503, status="declined")
    await create_assignment(bot.db, shifts[1], 501)
    await create_assignment(bot.db, shifts[1], 504)
    await create_assignment(bot.db, other_shifts[0], 504)
    return {
        "a": a, "b": b, "coordinator": coordinator, "approved": approved, "shifts": shifts,
        "waiting": waiting, "other": other, "other_shifts": other_shifts,
        "rep": bot.user(601, "Rep", "en"), "rep_b": bot.user(611, "RepB", "en"),
    }


async def test_needs_lists_waiting_first_then_fill_rates_with_at_risk(bot: BotHarness) -> None:
    w = await _world(bot)
    calls = await bot.command(w["coordinator"], "/needs")
    text = calls[-1].text
    assert text.index("Water at the Haram") < text.index("Guides at Quba")
    assert "waiting for approval" in text
    assert "1/4 ⚠️ at risk" in text  # starts in 23 h, a quarter filled
    assert "2/4" in text and "2/4 ⚠️" not in text  # half filled is not at risk
    assert "0/4" in text and "0/4 ⚠️" not in text  # more than 48 h ahead
    assert "Filled 3/12 over 3 shifts · ⚠️ 1 at risk" in text
    assert "First aid" in text and "Red Crescent" in text
    assert [d for _, d in calls[-1].buttons] == [
        f"nd:o:{w['waiting']}:0", f"nd:o:{w['approved']}:0", f"nd:o:{w['other']}:0",
        "nds:f:0"]  # the finished filter


async def test_needs_pages(bot: BotHarness) -> None:
    w = await _world(bot)
    for number in range(4):
        await create_need(bot.db, w["a"], first_day=date(2026, 6, 1), status="submitted",
                          title=f"Extra {number}")
    calls = await bot.command(w["coordinator"], "/needs")
    assert ("Next ▶", "nds:p:5") in calls[-1].buttons
    assert "First aid" not in calls[-1].text
    calls = await bot.press(w["coordinator"], "nds:p:5")
    page = bot.last(w["coordinator"], "editMessageText")
    assert "First aid" in page.text and ("◀ Previous", "nds:p:0") in page.buttons


async def test_open_a_need_shows_each_shift_with_its_buttons(bot: BotHarness) -> None:
    w = await _world(bot)
    await bot.command(w["coordinator"], "/needs")
    await bot.press(w["coordinator"], f"nd:o:{w['approved']}:0")
    view = bot.last(w["coordinator"], "editMessageText")
    assert "Guides at Quba" in view.text and "1/4 ⚠️ at risk" in view.text
    data = [d for _, d in view.buttons]
    for shift_id in w["shifts"]:
        assert f"sh:r:{shift_id}:0" in data and f"sh:cx:{shift_id}" in data
    assert f"nd:sl:{w['approved']}" in data and f"nd:cx:{w['approved']}" in data
    assert "apr:ok" not in " ".join(data)

    await bot.press(w["rep"], f"nd:o:{w['approved']}:0")
    rep_view = bot.last(w["rep"])
    rep_data = [d for _, d in rep_view.buttons]
    assert f"nd:cx:{w['approved']}" in rep_data and f"nd:sl:{w['approved']}" not in rep_data
    assert "my:p:0" in rep_data


async def test_rosters_show_name_phone_languages_to_the_entitys_own_rep(bot: BotHarness) -> None:
    w = await _world(bot)
    calls = await bot.command(w["rep"], "/myneeds")
    text = calls[-1].text
    assert "Guides at Quba" in text and "Water at the Haram" in text and "First aid" not in text
    await bot.press(w["rep"], f"nd:o:{w['approved']}:0")
    await bot.press(w["rep"], f"sh:r:{w['shifts'][0]}:0")
    roster = bot.last(w["rep"], "editMessageText").text
    assert "Places taken: 1 of 4." in roster
    assert "1. Omar Farouk — +966500000501 — Arabic and Urdu" in roster
    assert "سالم" not in roster and "Declined" not in roster  # offered and declined are not on it

    # Another entity's representative sees only their own.
    calls = await bot.command(w["rep_b"], "/myneeds")
    assert "First aid" in calls[-1].text and "Guides at Quba" not in calls[-1].text


async def test_another_entitys_rep_is_refused_every_button(bot: BotHarness) -> None:
    w = await _world(bot)
    forged = [
        f"nd:o:{w['approved']}:0", f"sh:r:{w['shifts'][0]}:0", f"nd:cx:{w['approved']}",
        f"nd:cxok:{w['approved']}", f"sh:cx:{w['shifts'][0]}", f"sh:cxok:{w['shifts'][0]}",
    ]
    for data in forged:
        calls = await bot.press(w["rep_b"], data)
        assert calls[0].params.get("show_alert") is True, data
        assert calls[0].text == "Sorry, this belongs to another entity.", data
        assert len(calls) == 1, data
    assert (await db.get_need(bot.db, w["approved"]))["status"] == "approved"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM shifts WHERE status = 'cancelled'") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox") == 0


async def test_volunteers_and_reps_are_refused_staff_commands(bot: BotHarness) -> None:
    w = await _world(bot)
    volunteer = bot.user(501, "Omar", "en")
    for command in ("/needs", "/myneeds", "/need", "/entities"):
        calls = await bot.command(volunteer, command)
        assert calls[-1].text.startswith("Sorry, this is only for"), command
    calls = await bot.command(w["rep"], "/needs")
    assert calls[-1].text == "Sorry, this is only for the office's coordinators."
    for data in (f"nd:o:{w['approved']}:0", f"sh:r:{w['shifts'][0]}:0", f"sh:cxok:{w['shifts'][0]}",
                 "nds:p:0", "my:p:0"):
        calls = await bot.press(volunteer, data)
        assert calls[0].params.get("show_alert") is True and calls[0].text.startswith("Sorry"), data
    calls = await bot.press(w["rep"], "nds:p:0")
    assert calls[0].text == "Sorry, this is only for the office's coordinators."
    # A volunteer's roster view would leak phone numbers: make sure nothing was edited.
    assert not bot.sent(volunteer, "editMessageText")


async def test_cancelling_a_shift_tells_its_volunteers_in_their_language(bot: BotHarness) -> None:
    w = await _world(bot)
    shift = w["shifts"][0]
    await bot.command(w["coordinator"], "/needs")
    await bot.press(w["coordinator"], f"nd:o:{w['approved']}:0")
    await bot.press(w["coordinator"], f"sh:cx:{shift}")
    confirm = bot.last(w["coordinator"], "editMessageText")
    assert "2 volunteers will be told" in confirm.text
    calls = await bot.press(w["coordinator"], f"sh:cxok:{shift}")
    assert "The shift was cancelled" in calls[0].text

    row = await bot.db.fetchone("SELECT * FROM shifts WHERE id = ?", (shift,))
    assert row["status"] == "cancelled" and row["cancelled_by"] == 701
    statuses = dict(await bot.db.fetchall(
        "SELECT volunteer_id, status FROM assignments WHERE shift_id = ?", (shift,)))
    assert statuses == {501: "cancelled", 502: "cancelled", 503: "declined"}
    assert await bot.db.fetchval(
        "SELECT status FROM assignments WHERE shift_id = ? AND volunteer_id = 501", (w["shifts"][1],)
    ) == "accepted"
    audit = await bot.db.fetchone("SELECT * FROM audit_log WHERE action = 'shift.cancel'")
    assert audit["actor_id"] == 701 and json.loads(audit["details"])["volunteers_told"] == 2

    calls = await bot.flush_outbox()
    sent = {c.chat_id: c.text for c in calls}
    assert set(sent) == {501, 502, 601, 602}
    assert "We are sorry: the organisers cancelled “Guides at Quba”" in sent[501]
    assert "Monday" in sent[501] and "08:00 to 14:00" in sent[501]
    assert_arabic(sent[502])
    assert tr("ar", "Thank you for your readiness to serve. We will send you other offers.") in sent[502]
    # Both representatives (Arabic by default) hear that the office cancelled it.
    assert sent[601] == sent[602]
    assert sent[601].startswith(tr("ar", "{who} cancelled the shift of the need {id} “{title}” on {when}.",
                                   who=tr("ar", "The volunteer office"), id="", title="", when="")[:20])
    # The cancelled shift has no cancel button any more, and a second confirm is refused.
    calls = await bot.press(w["coordinator"], f"sh:cxok:{shift}")
    assert "can no longer be cancelled" in calls[0].text


async def test_a_rep_cancels_their_own_need_and_each_volunteer_hears_once(bot: BotHarness) -> None:
    w = await _world(bot)
    await bot.command(w["rep"], "/myneeds")
    await bot.press(w["rep"], f"nd:o:{w['approved']}:0")
    await bot.press(w["rep"], f"nd:cx:{w['approved']}")
    confirm = bot.last(w["rep"], "editMessageText")
    assert "Its 3 shifts ahead will be cancelled and 3 volunteers will be told." in confirm.text
    await bot.press(w["rep"], f"nd:cxok:{w['approved']}")
    need = await db.get_need(bot.db, w["approved"])
    assert need["status"] == "cancelled" and need["cancelled_by"] == 601
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM shifts WHERE need_id = ? AND status = 'cancelled'", (w["approved"],)) == 3
    # Entity B's shift and assignment are untouched.
    assert await bot.db.fetchval(
        "SELECT status FROM assignments WHERE shift_id = ?", (w["other_shifts"][0],)) == "accepted"
    calls = await bot.flush_outbox()
    by_chat: dict[int, list[str]] = {}
    for call in calls:
        by_chat.setdefault(call.chat_id, []).append(call.text)
    assert set(by_chat) == {501, 502, 504, 602}  # 601 did it; 602 is told
    assert len(by_chat[501]) == 1 and by_chat[501][0].count("• ") == 2  # both of Omar's shifts
    assert by_chat[602][0] == tr("ar", "{who} cancelled the need {id} “{title}”.", who="\u2068Rep\u2069",
                                 id="\u2066#1\u2069", title="\u2068Guides at Quba\u2069")
    calls = await bot.press(w["rep"], f"nd:cxok:{w['approved']}")
    assert "This need was cancelled by Rep." in calls[0].text


async def test_cancelling_a_waiting_need_closes_the_approval_cards(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    khalid = await add_staff(bot, 701, "Khalid", "en")
    rep = bot.user(601, "Rep", "en")
    need_id = await submit_need(bot, rep)
    await bot.flush_outbox()
    await bot.command(rep, "/myneeds")
    await bot.press(rep, f"nd:o:{need_id}:0")
    await bot.press(rep, f"nd:cxok:{need_id}")
    calls = await bot.flush_outbox()
    edit = next(c for c in calls if c.chat_id == khalid.id)
    assert edit.method == "editMessageText" and "Cancelled by Rep" in edit.text and not edit.buttons
    calls = await bot.press(khalid, f"apr:ok:{need_id}")
    assert "This need was cancelled by Rep." in calls[0].text
    assert (await db.get_need(bot.db, need_id))["status"] == "cancelled"


async def test_started_shifts_cannot_be_cancelled(bot: BotHarness) -> None:
    w = await _world(bot)
    bot.clock.advance(timedelta(hours=21))  # 11 May 06:00 Madinah... shift 1 starts at 08:00
    await bot.press(w["coordinator"], f"sh:cx:{w['shifts'][0]}")
    assert "Cancel the shift of “Guides at Quba”" in bot.last(w["coordinator"]).text
    bot.clock.advance(timedelta(hours=3))  # now 09:00: it has started
    calls = await bot.press(w["coordinator"], f"sh:cxok:{w['shifts'][0]}")
    assert "can no longer be cancelled" in calls[0].text
    assert await bot.db.fetchval("SELECT status FROM shifts WHERE id = ?", (w["shifts"][0],)) == "open"
    # Cancelling the need now spares the started shift.
    await bot.press(w["coordinator"], f"nd:cxok:{w['approved']}")
    rows = dict(await bot.db.fetchall("SELECT id, status FROM shifts WHERE need_id = ?", (w["approved"],)))
    assert rows == {w["shifts"][0]: "open", w["shifts"][1]: "cancelled", w["shifts"][2]: "cancelled"}


async def test_change_slots_of_an_approved_need(bot: BotHarness) -> None:
    w = await _world(bot)
    bot.clock.advance(timedelta(hours=24))  # shift 1 has started; shifts 2 and 3 are ahead
    await bot.press(w["coordinator"], f"nd:sl:{w['approved']}")
    assert "Now: 4" in bot.last(w["coordinator"]).text
    calls = await bot.text(w["coordinator"], "1")
    assert "Please type a whole number from 2 to 500." in calls[-1].text
    assert "A shift ahead already has 2 accepted volunteers." in calls[-1].text
    calls = await bot.text(w["coordinator"], "٦")
    assert "volunteers per shift from now on: 6" in calls[-1].text
    slots = dict(await bot.db.fetchall("SELECT id, slots FROM shifts WHERE need_id = ?", (w["approved"],)))
    assert slots == {w["shifts"][0]: 4, w["shifts"][1]: 6, w["shifts"][2]: 6}
    audit = await bot.db.fetchone("SELECT * FROM audit_log WHERE action = 'need.slots'")
    assert json.loads(audit["details"]) == {"old": 4, "new": 6}
    calls = await bot.flush_outbox()
    assert {c.chat_id for c in calls} == {601, 602}
    arabic = next(c for c in calls if c.chat_id == 602)
    assert_arabic(arabic.text)
