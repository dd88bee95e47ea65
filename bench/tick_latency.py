"""Handler latency while a dispatch tick runs: the first tick over 1,000 open shifts at
100,000 volunteers (quick: 50 shifts, 3,000 volunteers) while volunteers keep writing
(/start, /help, /shifts, /profile, one every 5 ms, each through the update processor), against
the same stream on the same data with no tick. Three rounds, each on a fresh copy, interleaved.
Target: handler p99 with the tick <= 2 x without.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _bot
from bench.__main__ import Result
from bench._dispatch_data import START, UPCOMING_NEEDS_FULL, season
from bench._rounds import interleaved, percentile
from bot import scheduler

NAME = "tick-latency"
TARGET_RATIO = 2.0
COMMANDS = ("/start", "/help", "/shifts", "/profile")
GAP_S = 0.005


async def _stream(app: Any, volunteers: int, count: int, seed: int, until: asyncio.Task[Any] | None) -> list[float]:
    rng = random.Random(seed)
    latencies: list[float] = []

    async def one(payload: dict[str, Any]) -> None:
        started = time.perf_counter()
        await _bot.feed(app, payload)
        latencies.append((time.perf_counter() - started) * 1000)

    tasks = []
    n = 0
    while n < count or (until is not None and not until.done()):
        user_id = 10_000_000 + rng.randrange(volunteers)
        tasks.append(asyncio.create_task(one(_bot.message(user_id, COMMANDS[n % len(COMMANDS)]))))
        n += 1
        await asyncio.sleep(GAP_S)
    await asyncio.gather(*tasks)
    return latencies


async def run(quick: bool) -> Result:
    volunteers = 3_000 if quick else 100_000
    needs = 5 if quick else UPCOMING_NEEDS_FULL
    count = 100 if quick else 400
    figures: dict[str, list[float]] = {"tick_s": [], "with": [], "without": []}
    with tempfile.TemporaryDirectory() as tmp:

        async def with_tick(index: int) -> float:
            app = await _bot.started(await season(volunteers, Path(tmp) / f"t{index}.sqlite3", upcoming_needs=needs))
            try:
                await _stream(app, volunteers, 20, index + 100, None)  # warm up
                started = time.perf_counter()
                tick = asyncio.create_task(scheduler.tick(app, START))
                latencies = await _stream(app, volunteers, count, index, tick)
                await tick
                figures["tick_s"].append(time.perf_counter() - started)
            finally:
                await app.shutdown()
            figures["with"].append(statistics.median(latencies))
            return percentile(latencies, 0.99)

        async def without_tick(index: int) -> float:
            app = await _bot.started(await season(volunteers, Path(tmp) / f"n{index}.sqlite3", upcoming_needs=needs))
            try:
                await _stream(app, volunteers, 20, index + 100, None)
                latencies = await _stream(app, volunteers, count, index, None)
            finally:
                await app.shutdown()
            figures["without"].append(statistics.median(latencies))
            return percentile(latencies, 0.99)

        rounds = await interleaved(with_tick, without_tick)
    return Result(
        f"handler p99 {rounds.median_measured:.1f} ms while a {needs * 10:,}-shift tick at"
        f" {volunteers:,} volunteers runs ({statistics.median(figures['tick_s']):.1f} s) vs"
        f" {rounds.median_reference:.1f} ms without, {rounds.ratio_text()}; p50"
        f" {statistics.median(figures['with']):.1f} vs {statistics.median(figures['without']):.1f} ms",
        f"p99 ratio <= {TARGET_RATIO:g}",
        rounds.ratio <= TARGET_RATIO,
    )
