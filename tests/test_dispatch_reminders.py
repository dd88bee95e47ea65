"""Reminders before a shift, confirmation, at-risk flags, and what survives a restart."""

from __future__ import annotations

from datetime import date, time

from bot import db, scheduler
from tests.factories import create_entity, create_need, create_user, create_volunteer
from tests.factories_dispatch import TUESDAY, assignment, assignments_of, outbox
from tests.harness import BotHarness

# The shift: Tuesday 12 May 08:00-14:00 in Madinah = 05:00 UTC. The clock starts Sunday 06:00 UTC.
DUE_24H = "2026-05-11T05:00:00+00:00"
DEADLINE_6H = "2026-05-11T23:00:00+00:00"
DUE_2H = "2026-05-12T03:00:00+00:00"


async def _taken(bot: BotHarness, user_id: int = 101, *, locale: str | None = None) -> int:
    """A Tuesday shift the volunteer signed up for; returns the assignment id."""
    await create_user(bot.db, 50, role="coordinator", locale="en")
    entity = await create_entity(bot.db, reps=[90])
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=3)
    await create_volunteer(bot.db, user_id, locale=locale, full_name="Ali Hasan")
    await bot.press(bot.user(user_id), f"shf:sig:{shift}")
    rows = await assignments_of(bot.db, shift, "accepted")
    assert len(rows) == 1
    await bot.flush_outbox()
    return rows[0]["id"]


def _at(bot: BotHarness, moment: str) -> None:
    bot.clock.set(db.parse_ts(moment))


async def test_reminders_ask_to_confirm_first_then_just_remind(bot: BotHarness) -> None:
    taken = await _taken(bot, locale="en")
    ali = bot.user(101, language_code="en")

    _at(bot, "2026-05-11T04:59:00+00:00")
    assert (await scheduler.tick(bot.app)).reminders_sent == 0
    _at(bot, DUE_24H)
    assert (await scheduler.tick(bot.app)).reminders_sent == 1
    assert (await scheduler.tick(bot.app)).reminders_sent == 0  # a second tick sends nothing
    calls = await bot.flush_outbox()
    assert len(calls) == 1
    first = calls[0]
    assert first.chat_id == 101 and "Reminder: your shift starts in 24 hours." in first.text
    assert "Please confirm that you are coming" in first.text
    assert first.buttons == [("👍 I'm coming", f"rem:ok:{taken}"),
                             ("🚫 Can't make it", f"rem:no:{taken}")]

    await bot.press_label(ali, "I'm coming")
    assert (await assignment(bot.db, taken))["confirmed_at"] == DUE_24H
    edit = bot.last(ali)
    assert "You confirmed that you are coming" in edit.text
    assert edit.buttons == [("🚫 Can't make it", f"rem:no:{taken}")]
    again = await bot.press(ali, f"rem:ok:{taken}")
    assert "already confirmed" in bot.texts(again)

    _at(bot, DUE_2H)
    await scheduler.tick(bot.app)
    second = (await bot.flush_outbox())[0]
    assert "starts in 2 hours" in second.text and "If something has come up" in second.text
    assert second.buttons == [("🚫 Can't make it", f"rem:no:{taken}")]
    assert [r["dedupe_key"] for r in await outbox(bot.db, "rem:")] == [
        f"rem:{taken}:86400", f"rem:{taken}:7200",
    ]


async def test_unconfirmed_at_the_deadline_is_flagged_once_and_the_office_told(bot: BotHarness) -> None:
    taken = await _taken(bot)
    _at(bot, DUE_24H)
    await scheduler.tick(bot.app)
    await bot.flush_outbox()

    _at(bot, "2026-05-11T22:59:00+00:00")
    assert (await scheduler.tick(bot.app)).at_risk == 0
    _at(bot, DEADLINE_6H)
    first = await scheduler.tick(bot.app)
    second = await scheduler.tick(bot.app)

    assert first.at_risk == 1 and second.at_risk == 0
    assert (await assignment(bot.db, taken))["at_risk_at"] == DEADLINE_6H
    # 02:00 in Madinah is in the quiet hours: the office is told in its 06:00 digest.
    assert await bot.flush_outbox() == []
    _at(bot, "2026-05-12T03:00:00+00:00")
    await scheduler.tick(bot.app)
    calls = [c for c in await bot.flush_outbox() if c.chat_id != 101]
    assert sorted(c.chat_id for c in calls) == [1, 50, 90]
    to_coordinator = next(c for c in calls if c.chat_id == 50)
    assert "Not confirmed" in to_coordinator.text
    assert "Ali Hasan" in to_coordinator.text and "the shift starts in 2 hours" in to_coordinator.text


async def test_confirming_in_time_means_no_flag(bot: BotHarness) -> None:
    taken = await _taken(bot)
    _at(bot, DUE_24H)
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    await bot.press(bot.user(101), f"rem:ok:{taken}")

    _at(bot, DEADLINE_6H)
    assert (await scheduler.tick(bot.app)).at_risk == 0
    assert await outbox(bot.db, "atrisk:") == []


async def test_cant_make_it_is_a_cancellation(bot: BotHarness) -> None:
    taken = await _taken(bot)
    _at(bot, DUE_24H)
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    person = bot.user(101)

    await bot.press_label(person, "لا أستطيع الحضور")  # 24 h ahead: not late, asks to confirm
    assert "هل تريد إلغاء مكانك" in bot.last(person).text
    await bot.press_label(person, "نعم، إلغاء")

    row = await assignment(bot.db, taken)
    assert row["status"] == "cancelled" and row["late_cancel"] == 0
    skipped = await bot.db.fetchall(
        "SELECT * FROM reminders WHERE assignment_id = ? AND skipped_at IS NOT NULL", (taken,)
    )
    assert [r["lead_seconds"] for r in skipped] == [7200]
    _at(bot, DUE_2H)
    assert (await scheduler.tick(bot.app)).reminders_sent == 0


async def test_cant_make_it_two_hours_before_is_a_late_cancellation(bot: BotHarness) -> None:
    taken = await _taken(bot)
    _at(bot, DUE_2H)
    await scheduler.tick(bot.app)  # the 24 h reminder was missed: only the 2 h one goes out
    await bot.flush_outbox()
    person = bot.user(101)

    await bot.press_label(person, "لا أستطيع الحضور")
    await bot.press_label(person, "لا تتوفر لديّ وسيلة نقل")

    row = await assignment(bot.db, taken)
    assert row["status"] == "cancelled" and row["late_cancel"] == 1
    assert row["cancel_reason"] == "No transport"
    assert {r["chat_id"] for r in await outbox(bot.db, "latecancel:")} == {1, 50, 90}


async def test_accepting_late_gets_only_the_reminders_still_ahead(bot: BotHarness) -> None:
    _at(bot, "2026-05-11T19:00:00+00:00")  # 10 hours before the start
    taken = await _taken(bot)

    reminders = await bot.db.fetchall(
        "SELECT lead_seconds FROM reminders WHERE assignment_id = ?", (taken,)
    )
    assert [r["lead_seconds"] for r in reminders] == [7200]
    # Accepting inside the first reminder's lead counts as confirmed: never flagged.
    assert (await assignment(bot.db, taken))["confirmed_at"] == "2026-05-11T19:00:00+00:00"
    _at(bot, DEADLINE_6H)
    assert (await scheduler.tick(bot.app)).at_risk == 0
    _at(bot, DUE_2H)
    await scheduler.tick(bot.app)
    [reminder] = await bot.flush_outbox()
    assert reminder.buttons == [("🚫 لا أستطيع الحضور", f"rem:no:{taken}")]


async def test_a_reminder_due_while_the_bot_was_down_is_sent_once_after_restart(
    bot: BotHarness,
) -> None:
    taken = await _taken(bot)
    _at(bot, "2026-05-11T04:00:00+00:00")
    await scheduler.tick(bot.app)

    bot = await bot.restart(graceful=False)  # killed; back 3 hours later
    _at(bot, "2026-05-11T07:00:00+00:00")
    await scheduler.tick(bot.app)
    await scheduler.tick(bot.app)
    bot = await bot.restart(graceful=False)
    await scheduler.tick(bot.app)

    calls = await bot.flush_outbox()
    assert [c.chat_id for c in calls] == [101]
    assert [r["dedupe_key"] for r in await outbox(bot.db, "rem:")] == [f"rem:{taken}:86400"]
    # ... and its buttons work in the new process.
    await bot.press(bot.user(101), f"rem:ok:{taken}")
    assert (await assignment(bot.db, taken))["confirmed_at"] is not None
    await bot.stop()


async def test_down_across_both_reminders_sends_only_the_latest(bot: BotHarness) -> None:
    taken = await _taken(bot)
    _at(bot, "2026-05-12T04:00:00+00:00")  # an hour before the start

    report = await scheduler.tick(bot.app)

    assert report.reminders_sent == 1 and report.reminders_skipped == 1
    [reminder] = await bot.flush_outbox()
    assert "ساعة واحدة" in reminder.text
    assert [label for label, _ in reminder.buttons] == ["👍 سأحضر", "🚫 لا أستطيع الحضور"]
    # Never asked before the deadline: not flagged at risk.
    assert report.at_risk == 0 and (await assignment(bot.db, taken))["at_risk_at"] is None


async def test_no_reminder_for_a_cancelled_shift(bot: BotHarness) -> None:
    taken = await _taken(bot)
    row = await assignment(bot.db, taken)
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE shifts SET status = 'cancelled' WHERE id = ?", (row["shift_id"],))
    _at(bot, DUE_24H)

    report = await scheduler.tick(bot.app)

    assert report.reminders_sent == 0 and report.reminders_skipped == 1
    assert await bot.flush_outbox() == []
    calls = await bot.press(bot.user(101), f"rem:ok:{taken}")
    assert "ألغى المنظمون هذه المناوبة" in bot.texts(calls)


async def test_reminder_buttons_after_the_shift_started(bot: BotHarness) -> None:
    taken = await _taken(bot)
    _at(bot, "2026-05-12T05:30:00+00:00")

    for data in (f"rem:ok:{taken}", f"rem:no:{taken}"):
        calls = await bot.press(bot.user(101), data)
        assert "بدأت هذه المناوبة بالفعل" in bot.texts(calls)
    row = await assignment(bot.db, taken)
    assert row["status"] == "accepted" and row["confirmed_at"] is None


async def test_overnight_shift_reminder_shows_the_next_day(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(
        bot.db, entity, first_day=date(2026, 5, 11), start=time(22), end=time(4)
    )
    await create_volunteer(bot.db, 701, locale="en")
    await bot.press(bot.user(701, language_code="en"), f"shf:sig:{shift}")

    _at(bot, "2026-05-11T17:00:00+00:00")  # 20:00 local, 2 hours before
    await scheduler.tick(bot.app)
    [reminder] = await bot.flush_outbox()

    assert "22:00–04:00 (ends the next day)" in reminder.text
