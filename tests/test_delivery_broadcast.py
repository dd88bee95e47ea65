"""/broadcast: refusals, audiences and filters, formatting checks, preview, send, progress, stop."""

from __future__ import annotations

import json
from datetime import time, timedelta

from bot import db, delivery
from bot.audience import REPRESENTATIVES, STAFF, Audience
from tests.factories import (
    create_assignment,
    create_entity,
    create_need,
    create_user,
    create_volunteer,
)
from tests.harness import BotHarness

COORD = 900


async def seed(bot: BotHarness) -> dict[str, int]:
    """A small office: volunteers of every kind, two entities with reps, staff."""
    await create_user(bot.db, COORD, role="coordinator", first_name="Huda", locale="en")
    await create_volunteer(bot.db, 101, specialties=("healthcare",), languages=("ar", "ur"), gender="male", city="quba")
    await create_volunteer(bot.db, 102, specialties=("relief",), languages=("ur",), gender="male", city="quba")
    await create_volunteer(bot.db, 103, specialties=("relief",), languages=("ur",), gender="female", city="quba")
    await create_volunteer(bot.db, 104, specialties=("healthcare",), languages=("en",), gender="male", city="quba")
    await create_volunteer(bot.db, 105, specialties=("guidance",), languages=("ur",), gender="male", city="uhud")
    await create_volunteer(bot.db, 106, specialties=("healthcare",), status="paused")
    await create_volunteer(bot.db, 107, specialties=("healthcare",), status="pending")
    await create_volunteer(bot.db, 108, specialties=("healthcare",))
    async with bot.db.transaction() as tx:
        await db.set_user_reachable(tx, 108, False)  # blocked the bot
    e1 = await create_entity(bot.db, name_en="Red Crescent", name_ar="الهلال الأحمر", reps=(201, 202))
    e2 = await create_entity(bot.db, name_en="Scouts", name_ar="الكشافة", reps=(203,))
    return {"e1": e1, "e2": e2}


async def queued_chats(bot: BotHarness, broadcast_id: int | None = None) -> list[int]:
    rows = await bot.db.fetchall(
        "SELECT chat_id FROM outbox WHERE broadcast_id IS NOT NULL"
        + (" AND broadcast_id = ?" if broadcast_id else "") + " ORDER BY chat_id",
        (broadcast_id,) if broadcast_id else (),
    )
    return [r["chat_id"] for r in rows]


async def to_confirm(bot: BotHarness, user, text: str = "<b>Water</b> at gate 5") -> None:  # type: ignore[no-untyped-def]
    await bot.text(user, text)
    assert "Recipients:" in bot.last(user).text


# -- who may broadcast ----------------------------------------------------------------------------


async def test_volunteers_and_reps_are_refused(bot: BotHarness) -> None:
    await seed(bot)
    volunteer, rep = bot.user(101, "Ali", "en"), bot.user(201, "Rep", "en")
    for user in (volunteer, rep):
        calls = await bot.command(user, "/broadcast")
        assert [c.text for c in calls] == ["Sorry, this is only for the office's coordinators."]
    # Buttons of the flow and of the progress list, pressed by hand-made updates.
    for data in ("bc:k:all", "bc:send", "bc:urg", "bc:stop:1", "bc:stopok:1", "bc:list", "bc:fp:spec"):
        calls = await bot.press(volunteer, data)
        assert calls[-1].method == "answerCallbackQuery"
        assert calls[-1].params["text"] == "Sorry, this is only for the office's coordinators."
        assert calls[-1].params["show_alert"] is True
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox") == 0


async def test_a_coordinator_demoted_mid_flow_cannot_send(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    await to_confirm(bot, huda)
    async with bot.db.transaction() as tx:
        await db.set_user_role(tx, COORD, "volunteer")
    calls = await bot.press(huda, "bc:send")
    assert calls[-1].params["text"] == "Sorry, this is only for the office's coordinators."
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox") == 0


# -- the whole flow -------------------------------------------------------------------------------


async def test_broadcast_to_all_active_volunteers(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    calls = await bot.command(huda, "/broadcast")
    assert calls[-1].text == "Who should receive the message?"
    calls = await bot.press(huda, "bc:k:all")
    prompt = bot.last(huda).text
    assert "To: All active volunteers" in prompt and "5 people match now." in prompt
    calls = await bot.text(huda, "<b>Water</b> is at gate 5 & 6 — drink <i>often</i>")
    preview, card = calls[0], calls[1]
    # The preview is exactly what recipients will get.
    assert preview.method == "sendMessage" and preview.params["parse_mode"] == "HTML"
    assert preview.text == "<b>Water</b> is at gate 5 &amp; 6 — drink <i>often</i>"
    assert "Recipients: 5 people" in card.text
    assert [label for label, _data in card.buttons] == [
        "✅ Send to 5 people", "✏️ Edit the text", "Urgent: off", "✖ Cancel",
    ]
    calls = await bot.press(huda, "bc:send")
    assert calls[0].params.get("text") == "Queued."
    done = bot.last(huda).text
    assert "Broadcast #1 is queued for 5 people." in done and "Estimated finish:" in done
    # Active, reachable volunteers only: not paused, pending or blocked ones.
    assert await queued_chats(bot) == [101, 102, 103, 104, 105]
    rows = await bot.db.fetchall("SELECT * FROM outbox WHERE broadcast_id = 1 ORDER BY chat_id")
    assert {r["dedupe_key"] for r in rows} == {f"bc:1:{c}" for c in (101, 102, 103, 104, 105)}
    assert {r["priority"] for r in rows} == {delivery.BULK}
    audit = (await db.recent_audit(bot.db))[0]
    assert (audit["action"], audit["actor_id"], audit["target_id"]) == ("broadcast.send", COORD, "1")
    assert json.loads(audit["details"])["recipients"] == 5

    calls = await bot.flush_outbox()
    to_volunteers = [c for c in calls if c.chat_id != COORD]
    assert sorted(c.chat_id for c in to_volunteers) == [101, 102, 103, 104, 105]
    assert all(c.text == preview.text and c.params["parse_mode"] == "HTML" for c in to_volunteers)
    # When the last one went out, the sender told the coordinator.
    summary = [c for c in calls if c.chat_id == COORD]
    assert len(summary) == 1
    assert summary[0].text.startswith("Your broadcast #1 has finished.")
    assert "Delivered: 5" in summary[0].text
    assert (await db.get_broadcast(bot.db, 1))["finished_at"] == db.ts(bot.clock.now())
    assert await bot.flush_outbox() == []


async def test_filters_combine_and_narrow_the_audience(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:vol")
    assert "5 people match now." in bot.last(huda).text
    for data in ("bc:fp:spec", "bc:ft:spec:healthcare", "bc:ft:spec:relief", "bc:f"):
        await bot.press(huda, data)
    assert "specialty Healthcare or Relief" in bot.last(huda).text
    assert "4 people match now." in bot.last(huda).text
    for data in ("bc:fp:lang", "bc:ft:lang:ur", "bc:fp:gen", "bc:ft:gen:male"):
        await bot.press(huda, data)
    city = bot.settings.cities.index("quba")
    await bot.press(huda, "bc:fp:city")
    await bot.press(huda, f"bc:ft:city:{city}")
    labels = [label for label, _data in bot.last(huda).buttons]
    assert "✅ Quba" in labels
    await bot.press(huda, "bc:f")
    summary = bot.last(huda).text
    assert "language Urdu" in summary and "gender Male" in summary and "city Quba" in summary
    assert "2 people match now." in summary
    await bot.press(huda, "bc:go")
    await to_confirm(bot, huda)
    await bot.press(huda, "bc:send")
    assert await queued_chats(bot) == [101, 102]  # healthcare|relief, Urdu, male, Quba


async def test_a_value_pressed_twice_is_unselected(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:vol")
    for data in ("bc:fp:spec", "bc:ft:spec:guidance", "bc:ft:spec:guidance", "bc:f"):
        await bot.press(huda, data)
    assert "5 people match now." in bot.last(huda).text
    calls = await bot.press(huda, "bc:ft:spec:no_such_thing")
    assert calls[-1].params.get("show_alert") is True


async def test_volunteers_of_a_need_or_a_shift(bot: BotHarness) -> None:
    await seed(bot)
    entity = await create_entity(bot.db, name_en="Quba Mosque Agency", name_ar="وكالة مسجد قباء")
    first = (bot.clock.now() + timedelta(days=2)).date()
    need_id, shifts = await create_need(bot.db, entity, first_day=first, days=2, title="Guides at Quba")
    await create_assignment(bot.db, shifts[0], 101)
    await create_assignment(bot.db, shifts[1], 102)
    await create_assignment(bot.db, shifts[1], 103, status="declined")
    await create_assignment(bot.db, shifts[0], 106)  # paused, but still holds the shift
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:vol")
    await bot.press(huda, "bc:fp:need")
    assert any(f"#{need_id} Guides at Quba" in label for label, _d in bot.last(huda).buttons)
    await bot.press(huda, f"bc:fn:{need_id}")
    await bot.press(huda, "bc:fs:0")  # all its shifts
    assert "3 people match now." in bot.last(huda).text
    await bot.press(huda, "bc:fp:need")
    await bot.press(huda, f"bc:fn:{need_id}")
    await bot.press(huda, f"bc:fs:{shifts[1]}")
    assert "1 person matches now." in bot.last(huda).text
    await bot.press(huda, "bc:go")
    await to_confirm(bot, huda)
    await bot.press(huda, "bc:send")
    assert await queued_chats(bot) == [102]


async def test_a_need_number_can_be_typed(bot: BotHarness) -> None:
    await seed(bot)
    entity = await create_entity(bot.db, name_en="Agency", name_ar="وكالة")
    need_id, shifts = await create_need(bot.db, entity, first_day=(bot.clock.now() + timedelta(days=1)).date())
    await create_assignment(bot.db, shifts[0], 104)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:vol")
    await bot.press(huda, "bc:fp:need")
    calls = await bot.text(huda, "#999")
    assert calls[0].text.startswith("There is no need #999.")
    calls = await bot.text(huda, "١" if need_id == 1 else str(need_id))  # Arabic digits too
    assert "volunteers of which shift?" in calls[0].text
    await bot.press(huda, "bc:fs:0")
    assert "1 person matches now." in bot.last(huda).text


async def test_volunteers_on_shift_now(bot: BotHarness) -> None:
    await seed(bot)
    entity = await create_entity(bot.db, name_en="Agency", name_ar="وكالة")
    local_now = bot.clock.now().astimezone(bot.settings.timezone)
    _, running = await create_need(
        bot.db, entity, first_day=local_now.date(), start=time(local_now.hour - 1), end=time(local_now.hour + 2)
    )
    _, later = await create_need(bot.db, entity, first_day=local_now.date() + timedelta(days=1))
    await create_assignment(bot.db, running[0], 101)
    await create_assignment(bot.db, running[0], 102, status="offered")
    await create_assignment(bot.db, later[0], 103)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:vol")
    await bot.press(huda, "bc:fnow")
    assert "on shift now" in bot.last(huda).text
    assert "1 person matches now." in bot.last(huda).text
    await bot.press(huda, "bc:fclr")
    assert "5 people match now." in bot.last(huda).text


async def test_representatives_of_some_or_all_entities(bot: BotHarness) -> None:
    ids = await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:reps")
    assert "3 people match now." in bot.last(huda).text
    await bot.press(huda, f"bc:rt:{ids['e2']}")
    assert "Representatives of: Scouts" in bot.last(huda).text
    assert "1 person matches now." in bot.last(huda).text
    await bot.press(huda, "bc:go")
    await to_confirm(bot, huda)
    await bot.press(huda, "bc:send")
    assert await queued_chats(bot) == [203]


async def test_count_audience_for_every_kind(bot: BotHarness) -> None:
    ids = await seed(bot)
    now = bot.clock.now()

    async def chats(audience: Audience) -> list[int]:
        sql, params = db.audience_select(audience, now=now)
        return sorted(r[0] for r in await bot.db.fetchall(sql, params))

    assert await chats(Audience(STAFF)) == [1, COORD]
    assert await chats(Audience(REPRESENTATIVES)) == [201, 202, 203]
    assert await chats(Audience(REPRESENTATIVES, entity_ids=(ids["e1"],))) == [201, 202]
    assert await chats(Audience(languages=("ur",))) == [101, 102, 103, 105]
    assert await chats(Audience(genders=("female",))) == [103]
    assert await chats(Audience(cities=("uhud",))) == [105]
    assert await chats(Audience(specialties=("healthcare",), languages=("en",))) == [104]
    assert await db.count_audience(bot.db, Audience(), now=now) == 5


async def test_office_staff(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:staff")
    assert "To: Office staff (coordinators and admins)" in bot.last(huda).text
    await to_confirm(bot, huda)
    await bot.press(huda, "bc:send")
    assert await queued_chats(bot) == [1, COORD]


async def test_an_empty_audience_cannot_continue(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:vol")
    await bot.press(huda, "bc:fp:gen")
    await bot.press(huda, "bc:ft:gen:female")
    await bot.press(huda, "bc:fp:city")
    await bot.press(huda, f"bc:ft:city:{bot.settings.cities.index('uhud')}")
    calls = await bot.press(huda, "bc:go")
    assert calls[-1].params["show_alert"] is True
    assert "Nobody in this audience" in calls[-1].params["text"]
    await bot.press(huda, "bc:ft:city:0")  # still in the filters
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0


# -- the text -------------------------------------------------------------------------------------


async def test_bad_formatting_is_explained_and_asked_again(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    for bad, expected in [
        ("<blink>now</blink>", "<blink>, which is not a formatting Telegram supports"),
        ("<b>bold", "<b> is opened but never closed"),
        ('<a href="javascript:alert(1)">x</a>', "A link must start with https://"),
        ("x" * 4100, "too long: 4100 characters"),
    ]:
        calls = await bot.text(huda, bad)
        assert len(calls) == 1, bad
        assert expected in calls[0].text and "Please send the message again." in calls[0].text
    calls = await bot.text(huda, "a < b and Q&A")  # plain text with signs is fine
    assert calls[0].text == "a &lt; b and Q&amp;A"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0


async def test_a_preview_telegram_rejects_is_not_sent(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    bot.api.fail(400, "Bad Request: can't parse entities: unsupported start tag", method="sendMessage")
    calls = await bot.text(huda, "<b>x</b>")
    assert "Telegram could not read the formatting" in calls[-1].text
    calls = await bot.text(huda, "<b>x</b>")
    assert "Recipients: 5 people" in calls[-1].text


async def test_telegram_formatting_becomes_html(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    message = bot._message(
        huda, text="Gate 5 <now>",
        entities=[{"type": "bold", "offset": 0, "length": 6}],
    )
    calls = await bot.process({"message": message})
    assert calls[0].text == "<b>Gate 5</b> &lt;now&gt;"


async def test_a_sticker_is_not_a_broadcast(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    calls = await bot.sticker(huda)  # a photo is a broadcast now (test_broadcast_files.py)
    assert "Please send the text" in calls[0].text
    await to_confirm(bot, huda)


async def test_edit_the_text_and_mark_it_urgent(bot: BotHarness) -> None:
    await seed(bot)
    await create_user(bot.db, 5001)
    async with bot.db.transaction() as tx:
        await delivery.enqueue(tx, chat_id=5001, dedupe_key="offer:1", now=bot.clock.now(), text="offer")
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    await to_confirm(bot, huda, "first draft")
    await bot.press(huda, "bc:edit")
    assert bot.last(huda).text == "Send the new text of the message."
    await to_confirm(bot, huda, "A lost child at gate 21: call 911")
    await bot.press(huda, "bc:urg")
    card = bot.last(huda)
    assert "🚨 Urgent: sent ahead of all other messages." in card.text
    assert ("🚨 Urgent: on", "bc:urg") in card.buttons
    await bot.press(huda, "bc:send")
    assert await bot.db.fetchval("SELECT text FROM broadcasts") == "A lost child at gate 21: call 911"
    assert {r["priority"] for r in await bot.db.fetchall("SELECT priority FROM outbox WHERE broadcast_id = 1")} == {0}
    calls = await bot.flush_outbox()
    assert calls[-1].chat_id in (COORD, 5001)
    assert 5001 not in [c.chat_id for c in calls[:5]]  # urgent went before the earlier offer
    assert {c.text for c in calls[:5]} == {"A lost child at gate 21: call 911"}


async def test_a_new_text_at_the_preview_replaces_the_draft(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    await to_confirm(bot, huda, "one")
    await to_confirm(bot, huda, "two")
    await bot.press(huda, "bc:send")
    assert await bot.db.fetchval("SELECT text FROM broadcasts") == "two"


async def test_cancel_with_the_button_or_the_command(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    await to_confirm(bot, huda)
    await bot.press(huda, "bc:x")
    assert bot.last(huda).text == "Cancelled. Nothing was sent."
    calls = await bot.press(huda, "bc:send")  # the old card's button
    assert calls[-1].params["text"] == "This button is no longer active."
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    calls = await bot.command(huda, "/cancel")
    assert calls[-1].text == "Cancelled. Nothing was sent."
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0


async def test_send_twice_stores_one_broadcast(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    await to_confirm(bot, huda)
    await bot.press(huda, "bc:send")
    calls = await bot.press(huda, "bc:send")
    assert calls[-1].params["text"] == "This button is no longer active."
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 1


async def test_the_flow_survives_a_restart(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:vol")
    await bot.press(huda, "bc:fp:spec")
    await bot.press(huda, "bc:ft:spec:relief")
    await bot.press(huda, "bc:go")
    bot = await bot.restart(graceful=False)
    try:
        await to_confirm(bot, huda, "after the restart")
        await bot.press(huda, "bc:send")
        assert await queued_chats(bot) == [102, 103]
    finally:
        await bot.stop()


# -- progress, estimated finish, stop, summary ---------------------------------------------------


async def test_progress_estimated_finish_stop_and_summary(bot: BotHarness) -> None:
    await create_user(bot.db, COORD, role="coordinator", first_name="Huda", locale="en")
    for n in range(60):
        await create_volunteer(bot.db, 3000 + n)
    await create_user(bot.db, 5001)
    async with bot.db.transaction() as tx:
        for n in range(15):  # offers queued ahead of the broadcast
            await delivery.enqueue(tx, chat_id=5001, dedupe_key=f"o{n}", now=bot.clock.now(), text="o")
    huda = bot.user(COORD, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    await to_confirm(bot, huda, "Meeting at 8")
    await bot.press(huda, "bc:send")
    # 15 offers and 60 broadcast messages at 25/s: about 3 s.
    assert "Estimated finish:" in bot.last(huda).text

    sender = bot.app.bot_data["sender"]
    bot.api.fail(403, chat_id=3000)
    await sender.drain(pace=False, limit=35)  # 15 offers, 20 of the broadcast
    calls = await bot.command(huda, "/broadcast")
    progress = calls[0]
    assert "#1" in progress.text and "All active volunteers" in progress.text
    assert "Queued 40 · delivered 19 · failed 0 · blocked the bot 1" in progress.text
    eta = bot.clock.now() + timedelta(seconds=40 / 25)
    from bot.i18n import format_datetime, use_locale

    with use_locale("en"):
        assert f"Estimated finish: {format_datetime(eta, bot.settings.timezone)} (in about 1 minute)." in progress.text
    assert ("⏹ Stop #1", "bc:stop:1") in progress.buttons

    await bot.press(huda, "bc:stop:1")
    assert "The 40 messages not sent yet will be cancelled" in bot.last(huda).text
    await bot.press(huda, "bc:stopok:1")
    assert "40 messages were not sent." in bot.last(huda).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE broadcast_id = 1 AND status = 'cancelled'") == 40
    audit = (await db.recent_audit(bot.db))[0]
    assert (audit["action"], json.loads(audit["details"])) == ("broadcast.stop", {"cancelled": 40})
    calls = await bot.flush_outbox()
    assert [c.chat_id for c in calls] == [COORD]  # only the summary; nothing more of the broadcast
    summary = calls[0].text
    assert "Your broadcast #1 has finished." in summary
    assert "Delivered: 19" in summary and "blocked the bot: 1" in summary
    assert "Stopped before sending: 40" in summary
    # Stopping again: already finished.
    calls = await bot.press(huda, "bc:stopok:1")
    assert calls[-1].params["text"] == "This broadcast has already finished."


async def test_the_summary_is_in_the_senders_language(bot: BotHarness) -> None:
    await create_user(bot.db, COORD, role="coordinator", first_name="Huda", locale="ar")
    await create_volunteer(bot.db, 101)
    huda = bot.user(COORD, "Huda", "ar")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    await bot.text(huda, "اجتماع الساعة الثامنة")
    await bot.press(huda, "bc:send")
    calls = await bot.flush_outbox()
    summary = next(c for c in calls if c.chat_id == COORD)
    assert "#1" in summary.text and "has finished" not in summary.text


async def test_no_broadcast_yet_shows_only_the_audience_question(bot: BotHarness) -> None:
    await create_user(bot.db, COORD, role="coordinator", first_name="Huda", locale="en")
    calls = await bot.command(bot.user(COORD, "Huda", "en"), "/broadcast")
    assert [c.text for c in calls] == ["Who should receive the message?"]


async def test_a_large_audience_is_enqueued_in_one_statement(bot: BotHarness) -> None:
    await create_user(bot.db, COORD, role="coordinator", first_name="Huda", locale="en")
    async with bot.db.transaction() as tx:
        now = db.ts(bot.clock.now())
        await tx.executemany(
            "INSERT INTO users (id, created_at) VALUES (?, ?)", [(10_000 + n, now) for n in range(5000)]
        )
        await tx.executemany(
            "INSERT INTO volunteers (user_id, status, registered_at) VALUES (?, 'active', ?)",
            [(10_000 + n, now) for n in range(5000)],
        )
    broadcast_id, count = await _send(bot, Audience())
    assert count == 5000
    assert await bot.db.fetchval(
        "SELECT COUNT(DISTINCT dedupe_key) FROM outbox WHERE broadcast_id = ?", (broadcast_id,)
    ) == 5000
    assert (await db.get_broadcast(bot.db, broadcast_id))["recipients"] == 5000


async def _send(bot: BotHarness, audience: Audience) -> tuple[int, int]:
    from bot.operations import broadcasts

    sent = await broadcasts.send(
        bot.db, draft_key="draft-1", created_by=COORD, audience=audience, text="hello", urgent=False,
        now=bot.clock.now(),
    )
    assert sent.broadcast_id is not None
    return sent.broadcast_id, sent.recipients


def test_an_audience_round_trips_through_json() -> None:
    audience = Audience(specialties=("relief",), cities=("quba",), need_id=3, shift_id=9, on_shift_now=True)
    assert Audience.from_dict(json.loads(json.dumps(audience.to_dict()))) == audience
    assert audience.toggle("cities", "quba").cities == ()
    assert audience.with_need(None).shift_id is None
