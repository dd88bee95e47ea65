"""/stats at 100,000 volunteers (quick: 5,000) after a full dispatch tick: every query the
handler runs (handlers/reports.py: volunteers by status, per specialty from specialty_counts,
needs, the coming week's fill, the last 30 days' service, the outbox), against a plain indexed
lookup of one row, interleaved, three rounds.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import aiosqlite

from bench import _bot
from bench.__main__ import Result
from bench._bare import one_row_lookups
from bench._dispatch_data import START, season
from bench._rounds import interleaved, percentile
from bot import db, scheduler

NAME = "stats"
TARGET_P99_MS = 50.0
REFERENCE_MS_WHEN_SET = 0.06  # see bench/search.py


async def run(quick: bool) -> Result:
    volunteers = 5_000 if quick else 100_000
    runs = 20 if quick else 60
    with tempfile.TemporaryDirectory() as tmp:
        path = await season(volunteers, Path(tmp) / "s.sqlite3", upcoming_needs=5 if quick else 100)
        app = await _bot.started(path)
        plain = await aiosqlite.connect(path)
        try:
            await scheduler.tick(app, START)  # offers and their messages, as on a season's day
            database = app.bot_data["db"]
            p99s: list[float] = []

            async def ours(index: int) -> float:
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    await db.stats_volunteers(database, since=START - timedelta(days=7))
                    await db.stats_specialties(database)
                    await db.stats_needs(database)
                    await db.stats_upcoming_shifts(database, now=START, until=START + timedelta(days=7))
                    await db.stats_assignments(database, since=START - timedelta(days=30), now=START)
                    await db.stats_outbox(database)
                    times.append((time.perf_counter() - started) * 1000)
                p99s.append(percentile(times, 0.99))
                return statistics.median(times)

            async def reference(index: int) -> float:
                return await one_row_lookups(plain, volunteers, runs, index)

            rounds = await interleaved(ours, reference)
        finally:
            await plain.close()
            await app.shutdown()
    p99 = statistics.median(p99s)
    ratio = p99 / rounds.median_reference
    target = TARGET_P99_MS / REFERENCE_MS_WHEN_SET
    return Result(
        f"/stats queries at {volunteers:,} volunteers: p50 {rounds.median_measured:.1f} ms, p99"
        f" {p99:.1f} ms over {runs} x {len(rounds.measured)} rounds; p50 {rounds.ratio_text(0)} x a"
        f" one-row lookup ({rounds.median_reference:.3f} ms), p99 ratio {ratio:.0f}",
        f"p99 ratio <= {target:.0f} (p99 <= {TARGET_P99_MS:.0f} ms where the lookup takes"
        f" {REFERENCE_MS_WHEN_SET:g} ms)",
        ratio <= target,
    )
