"""Approval cards: Approve / Reject (with a reason) / Change slots, first coordinator wins."""

from __future__ import annotations

import asyncio
import json

from bot import db
from tests.factories import create_entity, create_volunteer
from tests.factories_needs import add_staff, answer, intake_steps, submit_need, tr
from tests.harness import BotHarness


async def _setup(bot: BotHarness):  # type: ignore[no-untyped-def]
    await create_entity(bot.db, reps=(601, 602))
    async with bot.db.transaction() as tx:
        await db.set_user_locale(tx, 602, "ar")
    khalid = await add_staff(bot, 701, "Khalid", "en")
    sara = await add_staff(bot, 702, "Sara", "ar")
    rep = bot.user(601, "Rep", "en")
    need_id = await submit_need(bot, rep)
    return khalid, sara, rep, need_id


async def test_every_coordinator_and_admin_gets_a_card_in_their_language(bot: BotHarness) -> None:
    khalid, sara, _rep, need_id = await _setup(bot)
    calls = await bot.flush_outbox()
    cards = {c.chat_id: c for c in calls if c.method == "sendMessage"}
    assert set(cards) == {bot.admin.id, khalid.id, sara.id}
    english = cards[khalid.id]
    assert "A need is waiting for approval" in english.text
    assert "Hadiyat Al-Haj Society" in english.text and "Guides at Quba Mosque" in english.text
    assert "Volunteers per shift: 20" in english.text and "Submitted by Rep" in english.text
    assert [d for _, d in english.buttons] == [f"apr:ok:{need_id}", f"apr:rj:{need_id}", f"apr:sl:{need_id}"]
    arabic = cards[sara.id]
    assert arabic.text.startswith(tr("ar", "📋 A need is waiting for approval ({id})").split("{")[0])
    assert tr("ar", "Volunteers per shift: {slots}").split("{")[0] in arabic.text
    assert "جمعية هدية الحاج والمعتمر" in arabic.text
    rows = await bot.db.fetchall("SELECT dedupe_key, status, message_id FROM outbox ORDER BY id")
    assert {r["dedupe_key"] for r in rows} == {f"needcard:{need_id}:{u}" for u in (1, 701, 702)}
    assert all(r["status"] == "sent" and r["message_id"] for r in rows)


async def test_two_coordinators_press_approve_and_the_first_wins(bot: BotHarness) -> None:
    khalid, sara, _rep, need_id = await _setup(bot)
    await bot.flush_outbox()

    calls = await bot.press(khalid, f"apr:ok:{need_id}")
    assert calls[0].method == "answerCallbackQuery" and "Approved" in calls[0].text
    edited = [c for c in calls if c.method == "editMessageText"]
    assert len(edited) == 1 and "Approved by Khalid" in edited[0].text and not edited[0].buttons

    calls = await bot.press(sara, f"apr:ok:{need_id}")
    assert calls[0].params["show_alert"] is True
    assert tr("ar", "Too late: {name} already approved this need.", name="\u2068Khalid\u2069") == calls[0].text
    assert [c.method for c in calls] == ["answerCallbackQuery"]

    need = await db.get_need(bot.db, need_id)
    assert need["status"] == "approved" and need["decided_by"] == khalid.id
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'need.approve'") == 1

    calls = await bot.flush_outbox()
    # Sara's and the admin's cards are edited to say who acted; Khalid's was edited directly.
    edits = {c.chat_id: c for c in calls if c.method == "editMessageText"}
    assert set(edits) == {sara.id, bot.admin.id}
    assert "\u2068Khalid\u2069" in edits[sara.id].text and not edits[sara.id].buttons
    assert tr("ar", "✅ Approved by {name} on {when}.").split("{name}")[0] in edits[sara.id].text
    assert bot.api.messages[int(edits[sara.id].params["message_id"])]["text"] == edits[sara.id].text
    # The representatives are told, each in their language.
    told = {c.chat_id: c.text for c in calls if c.method == "sendMessage"}
    assert set(told) == {601, 602}
    assert "was approved" in told[601]
    assert told[602] != told[601]
    # A second press after everything: still refused, nothing new.
    calls = await bot.press(khalid, f"apr:ok:{need_id}")
    assert "Too late: Khalid already approved this need." in calls[0].text


async def test_simultaneous_presses_have_exactly_one_winner(bot: BotHarness) -> None:
    khalid, sara, _rep, need_id = await _setup(bot)
    await bot.flush_outbox()
    before = len(bot.api.calls)
    await asyncio.gather(
        bot.press(khalid, f"apr:ok:{need_id}"), bot.press(sara, f"apr:ok:{need_id}")
    )
    answers = [c for c in bot.api.calls[before:] if c.method == "answerCallbackQuery"]
    assert len(answers) == 2
    assert len([a for a in answers if not a.params.get("show_alert")]) == 1
    assert len([a for a in answers if a.params.get("show_alert")]) == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'need.approve'") == 1
    need = await db.get_need(bot.db, need_id)
    loser = sara if need["decided_by"] == khalid.id else khalid
    calls = await bot.flush_outbox()
    edit = next(c for c in calls if c.method == "editMessageText" and c.chat_id == loser.id)
    winner = "Khalid" if need["decided_by"] == khalid.id else "Sara"
    assert winner in edit.text and not edit.buttons


async def test_a_card_not_sent_yet_is_withdrawn(bot: BotHarness) -> None:
    khalid, _sara, _rep, need_id = await _setup(bot)
    # Khalid approves from /needs before the sender delivered any card.
    await bot.command(khalid, "/needs")
    calls = await bot.press(khalid, f"apr:ok:{need_id}")
    assert "Approved" in calls[0].text
    assert "✅ Need #1" in bot.last(khalid, "editMessageText").text
    rows = await bot.db.fetchall("SELECT dedupe_key, status FROM outbox WHERE dedupe_key LIKE 'needcard:%'")
    assert {r["status"] for r in rows} == {"cancelled"}
    calls = await bot.flush_outbox()
    assert {c.chat_id for c in calls} == {601, 602}  # only the representatives hear about it


async def test_reject_asks_for_a_reason_and_tells_the_representatives(bot: BotHarness) -> None:
    khalid, _sara, _rep, need_id = await _setup(bot)
    await bot.flush_outbox()
    calls = await bot.press(khalid, f"apr:rj:{need_id}")
    assert "Why is need #1" in calls[-1].text
    calls = await bot.text(khalid, "no")
    assert "Please write the reason in 3 to 500 characters." in calls[-1].text
    calls = await bot.sticker(khalid)
    assert "Please type the reason as text" in calls[-1].text
    assert (await db.get_need(bot.db, need_id))["status"] == "submitted"
    calls = await bot.text(khalid, "The dates overlap with the Quba maintenance works.")
    assert "was not approved. The representatives were told the reason." in calls[-1].text

    need = await db.get_need(bot.db, need_id)
    assert need["status"] == "rejected" and need["reject_reason"].startswith("The dates overlap")
    assert await bot.db.fetchval(
        "SELECT COUNT(*) FROM shifts WHERE need_id = ? AND status = 'open'", (need_id,)
    ) == 0
    audit = await bot.db.fetchone("SELECT * FROM audit_log WHERE action = 'need.reject'")
    assert json.loads(audit["details"])["reason"].startswith("The dates overlap")
    calls = await bot.flush_outbox()
    to_rep = next(c for c in calls if c.chat_id == 601)
    assert "was not approved" in to_rep.text and "The dates overlap with the Quba maintenance works." in to_rep.text
    khalid_card = next(c for c in calls if c.chat_id == khalid.id)
    assert khalid_card.method == "editMessageText" and "Not approved by Khalid" in khalid_card.text
    assert "The dates overlap" in khalid_card.text


async def test_reject_loses_to_an_approval_made_while_typing(bot: BotHarness) -> None:
    khalid, sara, _rep, need_id = await _setup(bot)
    await bot.flush_outbox()
    await bot.press(sara, f"apr:rj:{need_id}")
    await bot.press(khalid, f"apr:ok:{need_id}")
    calls = await bot.text(sara, "سبب الرفض هنا")
    assert tr("ar", "Too late: {name} already approved this need.", name="\u2068Khalid\u2069") in calls[-1].text
    need = await db.get_need(bot.db, need_id)
    assert need["status"] == "approved" and need["reject_reason"] is None
    # And pressing Reject after the decision does not even ask.
    calls = await bot.press(sara, f"apr:rj:{need_id}")
    assert calls[0].params["show_alert"] is True and len(calls) == 1


async def test_change_slots_approves_with_the_new_number(bot: BotHarness) -> None:
    khalid, _sara, _rep, need_id = await _setup(bot)
    await bot.flush_outbox()
    calls = await bot.press(khalid, f"apr:sl:{need_id}")
    assert "It asked for 20" in calls[-1].text
    calls = await bot.text(khalid, "0")
    assert "Please type a whole number from 1 to 500." in calls[-1].text
    calls = await bot.text(khalid, "many")
    assert "Please type a whole number from 1 to 500." in calls[-1].text
    calls = await bot.text(khalid, "15")
    assert "volunteers per shift: 15" in calls[-1].text
    need = await db.get_need(bot.db, need_id)
    assert (need["status"], need["slots"], need["requested_slots"]) == ("approved", 15, 20)
    assert {r[0] for r in await bot.db.fetchall("SELECT slots FROM shifts")} == {15}
    calls = await bot.flush_outbox()
    to_rep = next(c for c in calls if c.chat_id == 601)
    assert "Volunteers per shift: 15 (you asked for 20)." in to_rep.text
    edits = [c for c in calls if c.method == "editMessageText"]
    assert {c.chat_id for c in edits} == {1, 701, 702}
    assert all("changed from" in c.text or "20" in c.text for c in edits)


async def test_only_staff_decide_even_with_forged_buttons(bot: BotHarness) -> None:
    _khalid, _sara, rep, need_id = await _setup(bot)
    await create_volunteer(bot.db, 501, language_code="en")
    volunteer = bot.user(501, "Vol", "en")
    for person in (rep, volunteer):
        for data in (f"apr:ok:{need_id}", f"apr:rj:{need_id}", f"apr:sl:{need_id}", f"nd:sl:{need_id}"):
            calls = await bot.press(person, data)
            assert calls[0].method == "answerCallbackQuery" and calls[0].params["show_alert"] is True
            assert "only for the office's coordinators" in calls[0].text
            assert len(calls) == 1
        # Nothing they type afterwards is taken as a reason or a number.
        calls = await bot.text(person, "42")
        assert (await db.get_need(bot.db, need_id))["status"] == "submitted"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'need.%'") == 1


async def test_reject_pressed_during_intake_takes_the_next_message_then_intake_resumes(bot: BotHarness) -> None:
    khalid, _sara, _rep, need_id = await _setup(bot)
    await bot.flush_outbox()
    steps = intake_steps(entity_id=1, title="Second need")
    for step in steps[:3]:  # /need, entity, title
        await answer(bot, khalid, step)
    await bot.press(khalid, f"apr:rj:{need_id}")
    calls = await bot.text(khalid, "Not needed this season")
    assert "You can now go on with what you were doing before." in calls[-1].text
    assert (await db.get_need(bot.db, need_id))["reject_reason"] == "Not needed this season"
    for step in steps[3:]:
        await answer(bot, khalid, step)
    await bot.press(khalid, "ni:submit")
    second = await db.get_need(bot.db, 2)
    assert second["title"] == "Second need" and second["status"] == "submitted"


async def test_an_abandoned_reject_never_takes_later_messages(bot: BotHarness) -> None:
    khalid, _sara, _rep, need_id = await _setup(bot)
    await bot.flush_outbox()
    await bot.press(khalid, f"apr:rj:{need_id}")  # then changes their mind and posts a need
    for step in intake_steps(entity_id=1, title="Third need"):
        await answer(bot, khalid, step)
    await bot.press(khalid, "ni:submit")
    assert (await db.get_need(bot.db, need_id))["status"] == "submitted"
    assert (await db.get_need(bot.db, 2))["title"] == "Third need"
    calls = await bot.text(khalid, "hello")
    assert "did not understand" in calls[-1].text
    assert (await db.get_need(bot.db, need_id))["status"] == "submitted"
