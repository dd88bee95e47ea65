"""After a shift: checked in -> completed with a thank-you, never checked in -> no-show, and the
hours served then feed the fairness ranking of the next offers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot import db, scheduler
from bot.operations import dispatch
from tests.factories import create_assignment, create_need, create_volunteer
from tests.factories_attendance import CHECKIN_OPENS, ENDS, STARTS, at, taken_shift
from tests.factories_dispatch import assignment, offered_ids, outbox, served
from tests.harness import BotHarness

THURSDAY = date(2026, 5, 14)


async def _check_in(bot: BotHarness, taken: int, user_id: int = 101) -> None:
    at(bot, STARTS)
    await bot.press(bot.user(user_id, language_code="en"), f"att:in:{taken}")
    assert (await assignment(bot.db, taken))["status"] == "checked_in"


async def test_checked_in_is_completed_at_the_end_with_a_thank_you(bot: BotHarness) -> None:
    need, _shift, taken = await taken_shift(bot)
    entity = (await db.get_need(bot.db, need))["entity_id"]
    await served(bot.db, entity, 101, day=date(2026, 5, 3), hours=4)  # an earlier shift
    await _check_in(bot, taken)
    await bot.flush_outbox()
    at(bot, "2026-05-12T10:59:00+00:00")
    assert (await scheduler.tick(bot.app)).completed == 0
    at(bot, ENDS)
    assert (await scheduler.tick(bot.app)).completed == 1
    assert (await scheduler.tick(bot.app)).completed == 0  # a second tick does nothing
    row = await assignment(bot.db, taken)
    assert row["status"] == "completed" and row["completed_at"] == ENDS
    thanks = [c for c in await bot.flush_outbox() if "Thank you for your service" in c.text]
    assert len(thanks) == 1 and thanks[0].chat_id == 101
    assert "Quba Mosque" in thanks[0].text
    assert "This shift: 6 hours." in thanks[0].text
    assert "Your hours served in total: 10 hours." in thanks[0].text
    assert len(await outbox(bot.db, "thanks:")) == 1


async def test_never_checked_in_is_a_no_show_after_the_grace(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot)
    at(bot, ENDS)
    assert (await scheduler.tick(bot.app)).no_shows == 0
    at(bot, "2026-05-12T11:59:00+00:00")
    assert (await scheduler.tick(bot.app)).no_shows == 0
    assert (await assignment(bot.db, taken))["status"] == "accepted"
    at(bot, "2026-05-12T12:00:00+00:00")
    assert (await scheduler.tick(bot.app)).no_shows == 1
    assert (await scheduler.tick(bot.app)).no_shows == 0
    row = await assignment(bot.db, taken)
    assert row["status"] == "no_show" and row["no_show_at"] == "2026-05-12T12:00:00+00:00"
    assert not await outbox(bot.db, "thanks:")


async def test_grace_is_configurable(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(NO_SHOW_GRACE="10m")
    _need, _shift, taken = await taken_shift(bot)
    at(bot, "2026-05-12T11:10:00+00:00")
    assert (await scheduler.tick(bot.app)).no_shows == 1
    assert (await assignment(bot.db, taken))["status"] == "no_show"


async def test_a_tick_after_downtime_catches_up(bot: BotHarness) -> None:
    _need, shift, taken = await taken_shift(bot)
    await create_volunteer(bot.db, 102, full_name="Omar Saleh")
    other = await create_assignment(bot.db, shift, 102)
    await _check_in(bot, taken)
    # Down from before the end until the next day: one tick settles both, asks nobody.
    bot = await bot.restart(graceful=False)
    at(bot, "2026-05-13T09:00:00+00:00")
    report = await scheduler.tick(bot.app)
    assert (report.completed, report.no_shows, report.checkins_asked) == (1, 1, 0)
    assert (await assignment(bot.db, taken))["completed_at"] == ENDS
    assert (await assignment(bot.db, other))["status"] == "no_show"
    assert not await outbox(bot.db, f"checkin:{other}")


async def test_completed_hours_feed_the_ranking(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(OVERBOOK_FACTOR="1")
    need, _shift, taken = await taken_shift(bot)
    # Omar registered later: without hours served, Ali would be asked first.
    await create_volunteer(bot.db, 102, full_name="Omar Saleh",
                           registered_at=datetime(2026, 3, 1, tzinfo=UTC))
    at(bot, CHECKIN_OPENS)
    await scheduler.tick(bot.app)
    await _check_in(bot, taken)
    at(bot, ENDS)
    assert (await scheduler.tick(bot.app)).completed == 1
    stats = await db.volunteer_stats(bot.db, [101, 102], since=bot.clock.now() - dispatch.STATS_WINDOW,
                                     now=bot.clock.now())
    assert stats[101][0] == 6.0 and 102 not in stats

    entity = (await db.get_need(bot.db, need))["entity_id"]
    _need2, (thursday,) = await create_need(bot.db, entity, first_day=THURSDAY, start=time(16),
                                            end=time(20), slots=1, title="Evening guides")
    await scheduler.tick(bot.app)
    assert await offered_ids(bot.db, thursday) == [102]


async def test_without_hours_the_earlier_registration_goes_first(make_bot) -> None:  # type: ignore[no-untyped-def]
    """The control for the test above: the same two volunteers, nobody served."""
    bot = await make_bot(OVERBOOK_FACTOR="1")
    need, _shift, _taken = await taken_shift(bot)
    await create_volunteer(bot.db, 102, full_name="Omar Saleh",
                           registered_at=datetime(2026, 3, 1, tzinfo=UTC))
    entity = (await db.get_need(bot.db, need))["entity_id"]
    _need2, (thursday,) = await create_need(bot.db, entity, first_day=THURSDAY, start=time(16),
                                            end=time(20), slots=1, title="Evening guides")
    at(bot, ENDS)
    await scheduler.tick(bot.app)  # Ali: no-show not yet (grace), accepted only
    assert await offered_ids(bot.db, thursday) == [101]
