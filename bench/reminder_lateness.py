"""1,000 reminders (quick: 200) due over ten minutes, across a kill -9 and a restart.

The real Application ticks every DISPATCH_INTERVAL of a moved clock. Halfway, a tick is cut off
while it runs (the task cancelled, the database connections dropped without a clean shutdown,
as `kill -9` leaves them: the open transaction is lost) and a new Application on the same file
takes over two seconds later, as `python -m bot` does after a restart (its first tick runs 2 s
after start). Lateness of a reminder = the tick's clock when its message was enqueued, minus its
due time, plus how long that tick really took. Not a ratio: the figures do not depend on the
machine except through the tick's duration, which is part of the figure. Three rounds (the kill
lands at a different moment in each). Target: p99 lateness <= one tick, 0 lost, 0 sent twice.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import _bot
from bench.__main__ import Result
from bench._dispatch_data import START, seed_entity, seed_needs, seed_volunteers
from bench._rounds import percentile
from bot import db, scheduler
from bot.db import Database

NAME = "reminder-lateness"
WINDOW = timedelta(minutes=10)
LEAD = timedelta(hours=24)


async def _seed(path: Path, reminders: int, seed: int) -> None:
    database = await Database.open(path)
    try:
        await database.migrate()
        await seed_volunteers(database, reminders)
        entity = await seed_entity(database)
        shifts = await seed_needs(database, entity, needs=20, days=3, first_day=(START + timedelta(days=1)).date())
        rng = random.Random(seed)
        async with database.transaction() as tx:
            for n in range(reminders):
                cursor = await tx.execute(
                    "INSERT INTO assignments (shift_id, volunteer_id, status, offered_at, responded_at)"
                    " VALUES (?, ?, 'accepted', ?, ?)",
                    (shifts[n % len(shifts)], 10_000_000 + n, db.ts(START), db.ts(START)),
                )
                due = START + timedelta(seconds=rng.uniform(0, WINDOW.total_seconds()))
                await tx.execute(
                    "INSERT INTO reminders (assignment_id, lead_seconds, due_at) VALUES (?, ?, ?)",
                    (cursor.lastrowid, int(LEAD.total_seconds()), db.ts(due)),
                )
    finally:
        await database.close()


async def _round(path: Path, kill_after: float) -> tuple[list[float], int, int, int]:
    interval = _bot.settings(path).dispatch_interval
    app = await _bot.started(path)
    durations: dict[str, float] = {}
    now = START
    killed = False
    while now <= START + WINDOW + 2 * interval:
        if not killed and now >= START + WINDOW / 2:
            # kill -9 in the middle of a tick; the new process ticks 2 s after it starts
            tick = asyncio.create_task(scheduler.tick(app, now))
            await asyncio.sleep(kill_after)
            tick.cancel()
            await asyncio.gather(tick, return_exceptions=True)
            await app.bot_data["db"].close()
            killed = True
            now += timedelta(seconds=2)
            app = await _bot.started(path, now)
        started = time.perf_counter()
        await scheduler.tick(app, now)
        durations[db.ts(now)] = time.perf_counter() - started  # type: ignore[index]
        now += interval
    database = app.bot_data["db"]
    rows = await database.fetchall(
        "SELECT r.due_at, o.created_at FROM reminders r LEFT JOIN outbox o"
        " ON o.dedupe_key = 'rem:' || r.assignment_id || ':' || r.lead_seconds"
    )
    twice = await database.fetchval(
        "SELECT COUNT(*) FROM (SELECT r.assignment_id FROM reminders r JOIN outbox o"
        " ON o.dedupe_key LIKE 'rem:' || r.assignment_id || ':%' GROUP BY r.assignment_id"
        " HAVING COUNT(*) > 1)"
    )
    await app.shutdown()
    lateness = [
        (db.parse_ts(r["created_at"]) - db.parse_ts(r["due_at"])).total_seconds()  # type: ignore[operator]
        + durations.get(r["created_at"], 0.0)
        for r in rows if r["created_at"] is not None
    ]
    lost = sum(1 for r in rows if r["created_at"] is None)
    return lateness, lost, int(twice), len(rows)


async def run(quick: bool) -> Result:
    reminders = 200 if quick else 1_000
    interval = _bot.settings(Path("x")).dispatch_interval.total_seconds()
    p99s, lost, twice, total, worst = [], 0, 0, 0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for index, kill_after in enumerate((0.001, 0.01, 0.05)):
            path = Path(tmp) / f"r{index}.sqlite3"
            await _seed(path, reminders, seed=index)
            lateness, round_lost, round_twice, count = await _round(path, kill_after)
            p99s.append(percentile(lateness, 0.99))
            worst = max(worst, max(lateness))
            lost, twice, total = lost + round_lost, twice + round_twice, total + count
    p99 = statistics.median(p99s)
    return Result(
        f"{reminders:,} reminders due over {WINDOW.total_seconds() / 60:.0f} min across a kill -9"
        f" mid-tick and a restart, 3 rounds: p99 lateness {p99:.1f} s (rounds {min(p99s):.1f}-"
        f"{max(p99s):.1f}, worst {worst:.1f}) with a {interval:.0f} s tick; {lost} lost,"
        f" {twice} sent twice of {total:,}",
        f"p99 <= one tick ({interval:.0f} s), 0 lost, 0 sent twice",
        max(p99s) <= interval and lost == 0 and twice == 0,
    )
