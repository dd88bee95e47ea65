"""`python -m bot health`: fresh tick and sender heartbeat, queue depth, failed/expired counts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot import db, health, scheduler
from tests.factories_delivery import enqueue_texts
from tests.harness import BotHarness
from tests.test_config import run_cli


async def test_the_tick_and_the_sender_write_heartbeats(bot: BotHarness) -> None:
    assert await db.heartbeats(bot.db) == {}
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    beats = await db.heartbeats(bot.db)
    assert set(beats) == {health.TICK, health.SENDER}
    assert db.parse_ts(beats[health.TICK]["at"]) == bot.clock.now()


async def test_the_sender_beats_at_most_every_few_seconds(bot: BotHarness) -> None:
    await bot.flush_outbox()
    first = (await db.heartbeats(bot.db))[health.SENDER]["at"]
    bot.clock.advance(seconds=5)
    await bot.flush_outbox()
    assert (await db.heartbeats(bot.db))[health.SENDER]["at"] == first
    bot.clock.advance(seconds=health.SENDER_BEAT_EVERY.total_seconds())
    await bot.flush_outbox()
    assert (await db.heartbeats(bot.db))[health.SENDER]["at"] != first


async def test_healthy_when_fresh_unhealthy_when_the_tick_is_stale(bot: BotHarness) -> None:
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    await enqueue_texts(bot, [101, 102, 103])
    report = await health.check(bot.db, bot.settings, now=bot.clock.now())
    assert report.healthy, report.text()
    assert "queue depth: 3" in report.text()
    assert "failed: 0, expired: 0" in report.text()

    # The sender keeps beating, but no tick for more than two intervals and a minute: stale.
    bot.clock.advance(seconds=health.tick_stale_after(bot.settings).total_seconds() + 1)
    await health.beat(bot.db, health.SENDER, now=bot.clock.now())
    report = await health.check(bot.db, bot.settings, now=bot.clock.now())
    assert not report.healthy
    assert report.lines[0] == "UNHEALTHY"
    assert any(line.startswith("last tick:") and "STALE" in line for line in report.lines)


async def test_unhealthy_when_the_sender_is_silent(bot: BotHarness) -> None:
    await bot.flush_outbox()
    bot.clock.advance(seconds=health.SENDER_STALE_AFTER.total_seconds() + 1)
    await scheduler.tick(bot.app)
    report = await health.check(bot.db, bot.settings, now=bot.clock.now())
    assert not report.healthy
    assert any(line.startswith("sender heartbeat:") and "STALE" in line for line in report.lines)


async def test_failed_messages_are_counted(bot: BotHarness) -> None:
    await enqueue_texts(bot, [101])
    bot.api.fail(400, method="sendMessage")
    await bot.flush_outbox()
    report = await health.check(bot.db, bot.settings, now=bot.clock.now())
    assert "failed: 1" in report.text()


def test_the_command_exits_non_zero_when_stale_and_zero_when_fresh(tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime

    database_path = tmp_path / "aoun.sqlite3"
    assert run_cli("health", DATABASE_PATH=str(database_path)).returncode == 1  # no database
    assert run_cli("migrate", DATABASE_PATH=str(database_path)).returncode == 0
    never = run_cli("health", DATABASE_PATH=str(database_path))
    assert never.returncode == 1 and "last tick: never" in never.stdout

    async def beat(age: timedelta) -> None:
        database = await db.Database.open(database_path)
        try:
            for name in (health.TICK, health.SENDER):
                await health.beat(database, name, now=datetime.now(UTC) - age)
        finally:
            await database.close()

    asyncio.run(beat(timedelta(seconds=5)))
    fresh = run_cli("health", DATABASE_PATH=str(database_path))
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout.startswith("healthy") and "queue depth: 0" in fresh.stdout
    asyncio.run(beat(timedelta(hours=1)))
    stale = run_cli("health", DATABASE_PATH=str(database_path))
    assert stale.returncode == 1 and "STALE" in stale.stdout
