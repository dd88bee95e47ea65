"""The scheduler's wiring: the JobQueue job and its misfire handling, and tick()'s clock."""

from __future__ import annotations

from datetime import timedelta

from bot import scheduler
from tests.factories import create_entity, create_need, create_volunteer
from tests.factories_dispatch import TUESDAY, assignments_of
from tests.harness import BotHarness


async def test_the_tick_runs_on_the_job_queue_and_never_drops_a_late_run(make_bot) -> None:
    bot = await make_bot(DISPATCH_INTERVAL="45s")

    [job] = bot.app.job_queue.get_jobs_by_name(scheduler.JOB_NAME)

    assert job.callback is scheduler._run_tick
    assert job.job.trigger.interval == timedelta(seconds=45)
    # APScheduler 3 drops a run late by more than 1 s unless told otherwise.
    assert job.job.misfire_grace_time is None
    assert job.job.coalesce is True
    assert job.job.max_instances == 1


async def test_tick_reads_the_application_clock_and_reports(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 101)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)

    report = await scheduler.tick(bot.app)

    assert report.offers_made == 1 and report.shifts_considered == 1 and report.busy()
    [offer] = await assignments_of(bot.db, shift)
    assert offer["offered_at"] == "2026-05-10T06:00:00+00:00"
    # An explicit `now` (the console moving time) wins over the clock.
    later = bot.clock.now() + timedelta(hours=5)
    report = await scheduler.tick(bot.app, later)
    assert report.expired_offers == 1
    assert not (await scheduler.tick(bot.app, later)).busy()


async def test_the_job_callback_runs_a_tick(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 201)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)

    class JobContext:
        application = bot.app

    await scheduler._run_tick(JobContext())  # type: ignore[arg-type]

    assert [r["volunteer_id"] for r in await assignments_of(bot.db, shift, "offered")] == [201]


async def test_a_shift_that_ran_out_of_candidates_is_retried_later_not_every_tick(
    bot: BotHarness,
) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 301)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=2)
    assert (await scheduler.tick(bot.app)).offers_made == 1  # wanted 3, found 1
    await create_volunteer(bot.db, 302)  # registers a minute later

    bot.clock.advance(minutes=1)
    quiet = await scheduler.tick(bot.app)
    assert quiet.shifts_considered == 0 and quiet.offers_made == 0

    bot.clock.advance(minutes=10)
    assert (await scheduler.tick(bot.app)).offers_made == 1
    assert sorted(r["volunteer_id"] for r in await assignments_of(bot.db, shift)) == [301, 302]


async def test_a_failing_step_does_not_stop_the_others(bot: BotHarness, monkeypatch) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 401)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await bot.press(bot.user(401), f"shf:sig:{shift}")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(scheduler, "dispatch_waves", broken)
    bot.clock.advance(hours=23)  # the 24-hour reminder is due

    report = await scheduler.tick(bot.app)

    assert report.errors == 1 and report.reminders_sent == 1
