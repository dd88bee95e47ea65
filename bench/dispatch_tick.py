"""The dispatch tick over 1,000 open shifts (quick: 50) at 30,000 and 100,000 volunteers (quick:
3,000): the first tick (a whole season approved at once, every shift sends its first wave) and
the tick three hours later (every first-wave offer has expired: the second wave), each against
the least any tick must do for the same shifts, in the same round on the same data: one plain
SELECT of each shift's specialty pool and one INSERT per offer made. Three rounds, each on a
fresh copy of the seeded season, tick and reference interleaved.

Target: <= 1.5 x the reference (both ticks, median ratio) and <= 5 ms per shift at the largest
size (the first tick of 1,000 shifts then takes <= 5 s of the 60 s DISPATCH_INTERVAL).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import _bot
from bench.__main__ import Result
from bench._dispatch_data import START, UPCOMING_NEEDS_FULL, season
from bench._rounds import interleaved
from bot import scheduler
from bot.db import Database

NAME = "dispatch-tick"
TARGET_RATIO = 1.5
TARGET_MS_PER_SHIFT = 5.0
LATER = timedelta(hours=3)


async def _reference(database: Database, shifts: list[Any], offers: dict[int, int]) -> float:
    """Select each shift's specialty pool, insert as many offers as the tick made for it."""
    started = time.perf_counter()
    for shift in shifts:
        pool = await database.fetchall(
            "SELECT user_id FROM volunteer_specialties WHERE specialty = ?", (shift["specialty"],)
        )
        async with database.transaction() as tx:
            await tx.executemany(
                "INSERT INTO bench_offers (shift_id, user_id) VALUES (?, ?)",
                [(shift["id"], r["user_id"]) for r in pool[: offers.get(shift["id"], 0)]],
            )
    return time.perf_counter() - started


async def _size(volunteers: int, needs: int) -> tuple[str, bool, float]:
    figures: dict[str, list[float]] = {"first": [], "later": []}
    offers_made: dict[str, int] = {}
    shifts_count = needs * 10

    with tempfile.TemporaryDirectory() as tmp:
        state: dict[str, Any] = {}

        async def tick_round(index: int) -> float:
            path = await season(volunteers, Path(tmp) / f"r{index}.sqlite3", upcoming_needs=needs)
            app = await _bot.started(path)
            try:
                started = time.perf_counter()
                first = await scheduler.tick(app, START)
                first_s = time.perf_counter() - started
                started = time.perf_counter()
                later = await scheduler.tick(app, START + LATER)
                later_s = time.perf_counter() - started
                database = app.bot_data["db"]
                rows = await database.fetchall(
                    "SELECT source_wave, shift_id, COUNT(*) AS n FROM (SELECT a.shift_id,"
                    " CASE WHEN a.offered_at < ? THEN 'first' ELSE 'later' END AS source_wave"
                    " FROM assignments a WHERE a.status IN ('offered', 'expired')"
                    " AND a.offered_at IS NOT NULL AND a.offered_at >= ?)"
                    " GROUP BY source_wave, shift_id",
                    ((START + timedelta(minutes=1)).isoformat(), START.isoformat()),
                )
                state["offers"] = {
                    wave: {r["shift_id"]: r["n"] for r in rows if r["source_wave"] == wave}
                    for wave in ("first", "later")
                }
                offers_made["first"], offers_made["later"] = first.offers_made, later.offers_made
            finally:
                await app.shutdown()
            figures["first"].append(first_s)
            figures["later"].append(later_s)
            state["tick"] = (first_s, later_s)
            return first_s + later_s

        async def reference_round(index: int) -> float:
            path = await season(volunteers, Path(tmp) / f"ref{index}.sqlite3", upcoming_needs=needs)
            database = await Database.open(path)
            try:
                shifts = await database.fetchall(
                    "SELECT s.id, n.specialty FROM shifts s JOIN needs n ON n.id = s.need_id"
                    " WHERE s.starts_at > ? ORDER BY s.starts_at, s.id", (START.isoformat(),)
                )
                async with database.transaction() as tx:
                    await tx.execute("CREATE TABLE bench_offers (shift_id INT, user_id INT)")
                offers = state.get("offers") or {"first": {}, "later": {}}
                first = await _reference(database, shifts, offers["first"])
                later = await _reference(database, shifts, offers["later"])
            finally:
                await database.close()
            figures.setdefault("ref_first", []).append(first)
            figures.setdefault("ref_later", []).append(later)
            return first + later

        # Round 0 runs the tick first; the reference inserts as many offers per shift as it made.
        await interleaved(tick_round, reference_round)
    first_ratios = [t / r for t, r in zip(figures["first"], figures["ref_first"], strict=True)]
    later_ratios = [t / r for t, r in zip(figures["later"], figures["ref_later"], strict=True)]
    first_s, later_s = statistics.median(figures["first"]), statistics.median(figures["later"])
    per_shift = max(first_s, later_s) * 1000 / shifts_count
    ratio = max(statistics.median(first_ratios), statistics.median(later_ratios))
    text = (
        f"{volunteers:,} volunteers: first tick {first_s:.2f} s ({offers_made['first']:,} offers,"
        f" {first_s * 1000 / shifts_count:.1f} ms/shift), ratio {statistics.median(first_ratios):.2f}"
        f" ({min(first_ratios):.2f}-{max(first_ratios):.2f}); 3 h later {later_s:.2f} s"
        f" ({offers_made['later']:,} offers, {later_s * 1000 / shifts_count:.1f} ms/shift), ratio"
        f" {statistics.median(later_ratios):.2f} ({min(later_ratios):.2f}-{max(later_ratios):.2f})"
    )
    return text, ratio <= TARGET_RATIO, per_shift


async def run(quick: bool) -> Result:
    needs = 5 if quick else UPCOMING_NEEDS_FULL
    sizes = (3_000,) if quick else (30_000, 100_000)
    parts, passed, per_shift = [], True, 0.0
    for volunteers in sizes:
        text, ok, per_shift = await _size(volunteers, needs)
        parts.append(text)
        passed = passed and ok
    passed = passed and per_shift <= TARGET_MS_PER_SHIFT
    return Result(
        f"{needs * 10:,} open shifts; " + "; ".join(parts) + " x plain select+insert",
        f"ratio <= {TARGET_RATIO} and <= {TARGET_MS_PER_SHIFT:.0f} ms per shift at"
        f" {sizes[-1]:,} volunteers",
        passed,
    )
