"""/stats and the /volunteers search read aggregates kept by triggers (migration 0128): they must
say exactly what counting the rows says, after every kind of change: registrations, approvals,
suspensions, erasure, a city changed, attendance recorded and corrected, a shift moved, an
assignment removed, and for windows that start and end in the middle of an hour."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot import db
from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.harness import BotHarness


async def _counted_statuses(bot: BotHarness) -> dict[str, int]:
    rows = await bot.db.fetchall("SELECT status, COUNT(*) AS n FROM volunteers GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


async def _counted_cities(bot: BotHarness) -> set[str]:
    rows = await bot.db.fetchall(
        "SELECT DISTINCT city FROM volunteers WHERE city IS NOT NULL AND status <> 'deleted'"
    )
    return {r["city"] for r in rows}


async def _counted_service(bot: BotHarness, since: datetime, now: datetime) -> tuple[int, float, int]:
    row = await bot.db.fetchone(
        "SELECT COALESCE(SUM(a.status = 'completed'), 0) AS completed,"
        " COALESCE(SUM(CASE WHEN a.status = 'completed'"
        "   THEN (julianday(s.ends_at) - julianday(s.starts_at)) * 24 ELSE 0 END), 0) AS hours,"
        " COALESCE(SUM(a.status = 'no_show'), 0) AS no_shows"
        " FROM assignments a JOIN shifts s ON s.id = a.shift_id"
        " WHERE s.starts_at >= ? AND s.starts_at < ?",
        (db.ts(since), db.ts(now)),
    )
    assert row is not None
    return int(row["completed"]), round(float(row["hours"]), 4), int(row["no_shows"])


async def _stats_service(bot: BotHarness, since: datetime, now: datetime) -> tuple[int, float, int]:
    row = await db.stats_assignments(bot.db, since=since, now=now)
    return int(row["completed"]), round(float(row["hours"]), 4), int(row["no_shows"])


async def test_volunteer_and_city_counts_follow_every_change(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 1, city="quba")
    await create_volunteer(bot.db, 2, city="quba", status="pending")
    await create_volunteer(bot.db, 3, city="العوالي", status="paused")
    await create_volunteer(bot.db, 4, city="awali")

    async def stats() -> dict[str, int]:
        counts = await db.stats_volunteers(bot.db, since=datetime(2025, 1, 1, tzinfo=UTC))
        return {k: v for k, v in counts.items() if k not in ("new", "unreachable")}

    assert await stats() == await _counted_statuses(bot) == {"active": 2, "pending": 1, "paused": 1}
    assert set(await db.volunteer_cities(bot.db)) == await _counted_cities(bot)

    now = bot.clock.now()
    async with bot.db.transaction() as tx:
        await db.approve_volunteer(tx, 2, approved_by=9, now=now)
        await db.set_volunteer_status(tx, 1, "suspended", expected=("active",), now=now)
        await db.erase_volunteer(tx, 3, now=now)  # city erased with the rest
        await tx.execute("UPDATE volunteers SET city = 'sultana' WHERE user_id = 4")
    assert await stats() == await _counted_statuses(bot) == {
        "active": 2, "suspended": 1, "deleted": 1,
    }
    assert set(await db.volunteer_cities(bot.db)) == await _counted_cities(bot) == {"quba", "sultana"}
    async with bot.db.transaction() as tx:
        await tx.execute("DELETE FROM volunteer_specialties WHERE user_id = 2")
        await tx.execute("DELETE FROM volunteer_languages WHERE user_id = 2")
        await tx.execute("DELETE FROM volunteer_availability WHERE user_id = 2")
        await tx.execute("DELETE FROM volunteers WHERE user_id = 2")
    assert await stats() == await _counted_statuses(bot)
    assert set(await db.volunteer_cities(bot.db)) == await _counted_cities(bot) == {"quba", "sultana"}


async def test_service_over_a_window_matches_the_assignments_at_every_edge(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    for user_id in range(10, 20):
        await create_volunteer(bot.db, user_id)
    # Shifts starting on the hour and at :30, 6 h and 7.5 h long, over three days.
    _need, morning = await create_need(bot.db, entity, first_day=date(2026, 5, 1), days=3,
                                       start=time(8, 0), end=time(14, 0))
    _need, late = await create_need(bot.db, entity, first_day=date(2026, 5, 1), days=3,
                                    start=time(9, 30), end=time(17, 0))
    ids = []
    for n, shift in enumerate(morning + late):
        for user_id in range(10, 13 + n % 3):
            status = ("completed", "no_show", "accepted", "completed")[user_id % 4]
            ids.append(await create_assignment(bot.db, shift, user_id, status=status))

    windows = [
        (datetime(2026, 4, 30, tzinfo=UTC), datetime(2026, 5, 5, tzinfo=UTC)),
        # 09:30 Riyadh is 06:30 UTC: windows that cut the hour of the :30 shifts.
        (datetime(2026, 5, 1, 6, 15, tzinfo=UTC), datetime(2026, 5, 2, 6, 45, tzinfo=UTC)),
        (datetime(2026, 5, 1, 6, 31, tzinfo=UTC), datetime(2026, 5, 3, 6, 30, tzinfo=UTC)),
        (datetime(2026, 5, 2, 5, 0, tzinfo=UTC), datetime(2026, 5, 2, 6, 40, tzinfo=UTC)),
        (datetime(2026, 5, 2, 6, 10, tzinfo=UTC), datetime(2026, 5, 2, 6, 50, tzinfo=UTC)),
        (datetime(2026, 5, 2, 6, 30, tzinfo=UTC), datetime(2026, 5, 2, 6, 30, tzinfo=UTC)),
    ]

    async def agree() -> None:
        for since, now in windows:
            assert await _stats_service(bot, since, now) == await _counted_service(bot, since, now)

    await agree()
    assert (await _stats_service(bot, *windows[0]))[0] > 0
    async with bot.db.transaction() as tx:
        # Attendance corrected both ways, an assignment removed, a shift moved and lengthened.
        await tx.execute("UPDATE assignments SET status = 'no_show' WHERE id = ?", (ids[0],))
        await tx.execute("UPDATE assignments SET status = 'completed' WHERE id = ?", (ids[1],))
        await tx.execute("UPDATE assignments SET status = 'completed' WHERE id = ?", (ids[2],))
        await tx.execute("DELETE FROM assignments WHERE id = ?", (ids[3],))
        await tx.execute("UPDATE assignments SET shift_id = ? WHERE id = ?", (morning[0], ids[6]))
        moved = datetime.combine(date(2026, 5, 4), time(5, 45), UTC)
        await tx.execute(
            "UPDATE shifts SET starts_at = ?, ends_at = ? WHERE id = ?",
            (db.ts(moved), db.ts(moved + timedelta(hours=9)), morning[1]),
        )
    await agree()
    since, now = windows[0]
    completed, hours, no_shows = await _stats_service(bot, since, now)
    assert completed > 0 and no_shows > 0 and hours == round(hours)  # whole shifts' lengths

    # /stats itself, through the bot, shows the same service figures.
    bot.clock.set(datetime(2026, 5, 5, tzinfo=UTC))
    text = bot.texts(await bot.command(bot.admin, "/stats"))
    now = bot.clock.now()
    completed, _hours, no_shows = await _counted_service(bot, now - timedelta(days=30), now)
    assert f"shifts served: {completed}" in text and f"no-shows: {no_shows}" in text
