"""Rank the candidates for one shift among 100,000 volunteers (quick: 5,000).

A season's worth of data in a temporary SQLite file: volunteers with specialties, languages and
availability, 30 days of service history, and upcoming shifts some volunteers already hold. Each
timed run loads one shift and ranks its best wave (open places x OVERBOOK_FACTOR) exactly as the
tick does (`dispatch.ranked_candidates(..., limit=...)`: SQL pre-filter and ranking order, then
the pure re-check and rank). For comparison the line also gives the median time to rank *every*
eligible volunteer of a shift (what the tests check the wave against). The reference, measured
in the same run on the same shifts, is the plainest query over the same candidate pool: the ids
of every volunteer with the shift's specialty.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.__main__ import Result
from bench._dispatch_data import START, seed_entity, seed_history, seed_needs, seed_volunteers
from bench._rounds import interleaved, percentile
from bot import db, matching
from bot.config import Settings
from bot.db import Database
from bot.operations import dispatch

NAME = "matching"
TARGET_P99_MS = 50.0
# The plain SELECT's median at 100,000 volunteers on the 2-core machine the target was set on:
# the target ratio is TARGET_P99_MS over it, so a faster or slower machine reads the same verdict.
REFERENCE_MS_WHEN_SET = 4.0  # measured 3.9-4.0 ms on 2026-12-01


async def run(quick: bool) -> Result:
    volunteers = 5_000 if quick else 100_000
    runs = 30 if quick else 200
    with tempfile.TemporaryDirectory() as tmp:
        database = await Database.open(Path(tmp) / "bench.sqlite3")
        try:
            await database.migrate()
            settings = Settings(database_path=Path(tmp) / "bench.sqlite3")
            await seed_volunteers(database, volunteers)
            entity = await seed_entity(database)
            past = await seed_needs(
                database, entity, needs=10, days=30, first_day=(START - timedelta(days=31)).date()
            )
            await seed_history(database, past, volunteers, per_shift=max(10, volunteers // 1000))
            upcoming = await seed_needs(
                database, entity, needs=40, days=7, first_day=(START + timedelta(days=2)).date(),
                seed=5,
            )
            held = upcoming[::3]
            await seed_history(database, held, volunteers, per_shift=5, seed=6)
            async with database.transaction() as tx:
                marks = ",".join("?" for _ in held)
                await tx.execute(
                    f"UPDATE assignments SET status = 'accepted' WHERE shift_id IN ({marks})", held
                )
            targets = [s for s in upcoming if s not in held]
            sizes: list[int] = []
            full: list[float] = []
            eligible: list[int] = []
            p99s: list[float] = []

            async def ours(index: int) -> float:
                times = []
                for n in range(runs + 5):
                    shift_id = targets[(n + index * 7) % len(targets)]
                    started = time.perf_counter()
                    row = await db.get_shift(database, shift_id)
                    spec = await dispatch.load_spec(database, row)
                    wave = matching.offers_to_make(row["slots"], 0, settings.overbook_factor)
                    ranked = await dispatch.ranked_candidates(
                        database, settings, spec, now=START, limit=wave
                    )
                    elapsed = time.perf_counter() - started
                    if n % 20 == 0:
                        started = time.perf_counter()
                        everyone = await dispatch.ranked_candidates(database, settings, spec, now=START)
                        full.append((time.perf_counter() - started) * 1000)
                        eligible.append(len(everyone))
                        assert everyone[: len(ranked)] == ranked
                    if n >= 5:  # the first runs warm the cache
                        times.append(elapsed * 1000)
                        sizes.append(len(ranked))
                p99s.append(percentile(times, 0.99))
                return statistics.median(times)

            async def reference(index: int) -> float:
                times = []
                for n in range(runs + 5):
                    shift_id = targets[(n + index * 7) % len(targets)]
                    row = await db.get_shift(database, shift_id)
                    started = time.perf_counter()
                    await database.fetchall(
                        "SELECT user_id FROM volunteer_specialties WHERE specialty = ?",
                        (row["specialty"],),
                    )
                    if n >= 5:
                        times.append((time.perf_counter() - started) * 1000)
                return statistics.median(times)

            rounds = await interleaved(ours, reference)
        finally:
            await database.close()
    p99 = statistics.median(p99s)
    # The verdict on the ratio: the target's p99 over this machine's reference when it was set.
    p99_ratio = p99 / rounds.median_reference
    target_ratio = TARGET_P99_MS / REFERENCE_MS_WHEN_SET
    return Result(
        f"best wave (~{statistics.mean(sizes):.0f}) of a shift among {volunteers:,} volunteers: "
        f"p50 {rounds.median_measured:.1f} ms, p99 {p99:.1f} ms over {runs} shifts x "
        f"{len(rounds.measured)} rounds, p50 {rounds.ratio_text(1)} x a plain SELECT of the "
        f"specialty's volunteers ({rounds.median_reference:.1f} ms), p99 ratio {p99_ratio:.1f}; "
        f"ranking all eligible (~{statistics.mean(eligible):.0f}) p50 {statistics.median(full):.1f} ms",
        f"p99 ratio <= {target_ratio:.1f} (p99 <= {TARGET_P99_MS:.0f} ms where the plain SELECT"
        f" takes {REFERENCE_MS_WHEN_SET:g} ms)",
        p99_ratio <= target_ratio,
    )
