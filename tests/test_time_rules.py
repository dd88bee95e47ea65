"""Time (issue 13, item 4): an ended shift cannot be posted, a started one is warned of before
Submit, a need whose first shift started can no longer be approved, and a waiting need whose
first shift started is closed by the scheduler with its representatives told."""

from __future__ import annotations

from datetime import timedelta

from bot import db, scheduler
from bot.notices import needs as notices
from tests.factories import create_entity, create_need
from tests.factories_dispatch import TUESDAY, local
from tests.factories_needs import add_staff, answer, assert_arabic, intake_steps, tr
from tests.harness import BotHarness

TODAY = "2026-05-10"  # the test clock starts on Sunday 10 May 2026, 09:00 in Madinah


async def _steps_to_end_time(bot: BotHarness, user, **fields) -> None:  # type: ignore[no-untyped-def]
    steps = intake_steps(**fields)
    cut = steps.index(fields.get("end", "14:00"))
    for step in steps[:cut]:
        await answer(bot, user, step)


async def test_an_ended_shift_is_refused_and_the_end_time_asked_again(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601, 602))
    for user, locale in ((bot.user(601, "Rep", "en"), "en"), (bot.user(602, "Rep", "ar"), "ar")):
        await _steps_to_end_time(bot, user, first=TODAY, last=None, start="06:00", end="08:00")
        calls = await bot.text(user, "08:00")  # 06:00-08:00 today ended an hour ago
        text = calls[-1].text
        expected = tr(locale, "The first shift ({window}) would be over already. Please type a later end "
                              "time, or choose a later first day from the summary.").split("(")[0]
        assert expected in text
        assert tr(locale, "And at what time does it end? For example 14:00. An end time earlier than "
                          "the start means the shift ends the next day.") in text
        if locale == "ar":
            assert_arabic(text)
        calls = await bot.text(user, "12:00")  # started, not ended: taken
        assert tr(locale, "How many volunteers are needed in each shift (each day)? Type a number from "
                          "{low} to {high}.").format(low=1, high=500) in calls[-1].text


async def test_a_started_shift_is_warned_of_before_submit(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    for step in intake_steps(first=TODAY, last=None, start="08:00", end="14:00"):
        await answer(bot, rep, step)
    summary = bot.last(rep)
    assert "⚠️ The first shift started at" in summary.text and "would be closed at once" in summary.text
    assert any(data == "ni:submit" for _, data in summary.buttons)
    # Later: the shift has ended meanwhile, so Submit asks for the first day again.
    bot.clock.advance(timedelta(hours=6))
    calls = await bot.press(rep, "ni:submit")
    assert "is over already, so the need cannot be submitted" in bot.texts(calls)
    assert "What is the first day?" in calls[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM needs") == 0


async def test_approving_a_need_whose_shift_has_ended_is_refused(bot: BotHarness) -> None:
    entity = await create_entity(bot.db, reps=(601,))
    khalid = await add_staff(bot, 701, "Khalid", "en")
    need_id, _shifts = await create_need(bot.db, entity, first_day=TUESDAY, status="submitted")
    bot.clock.advance(local(TUESDAY, 15) - bot.clock.now())  # the 08:00-14:00 shift has ended
    calls = await bot.press(khalid, f"apr:ok:{need_id}")
    assert "the first shift of this need has started, so it can no longer be approved" in bot.texts(calls)
    need = await db.get_need(bot.db, need_id)
    assert need["status"] == "closed" and need["decided_at"] is None
    await bot.flush_outbox()
    told = bot.last(601)
    assert "was closed without a decision" in told.text or "أُغلق" in told.text


async def test_a_waiting_need_is_closed_when_its_first_shift_starts(bot: BotHarness) -> None:
    entity = await create_entity(bot.db, reps=(601,))
    await add_staff(bot, 701, "Khalid", "ar")
    need_id, _shifts = await create_need(bot.db, entity, first_day=TUESDAY, days=3, status="submitted")
    async with bot.db.transaction() as tx:
        await notices.send_approval_cards(tx, need_id, settings=bot.app.bot_data["settings"], now=bot.clock.now())
    await bot.flush_outbox()

    bot.clock.advance(local(TUESDAY, 7, 59) - bot.clock.now())
    assert (await scheduler.tick(bot.app)).needs_closed == 0
    bot.clock.advance(timedelta(minutes=1))
    assert (await scheduler.tick(bot.app)).needs_closed == 1
    assert (await scheduler.tick(bot.app)).needs_closed == 0  # once
    calls = await bot.flush_outbox()
    need = await db.get_need(bot.db, need_id)
    assert need["status"] == "closed"
    statuses = await bot.db.fetchall("SELECT DISTINCT status FROM shifts WHERE need_id = ?", (need_id,))
    assert [r[0] for r in statuses] == ["cancelled"]
    rep_msgs = [c for c in calls if c.chat_id == 601]
    assert len(rep_msgs) == 1
    assert_arabic(rep_msgs[0].text)
    assert tr("ar", "Your need {id} “{title}” was closed without a decision: its first shift started on "
                    "{when} before the office approved it. If you still need volunteers, post it again "
                    "with later days with /need.").split("{id}")[0] in rep_msgs[0].text
    card = [c for c in calls if c.chat_id == 701]
    assert card and card[0].method == "editMessageText"
    audit = await bot.db.fetchone("SELECT * FROM audit_log WHERE action = 'need.expire'")
    assert audit is not None
