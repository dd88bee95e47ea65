"""A full dispatch tick over 1,000 open shifts (quick: 50) with enough volunteers to fill them.

The real Application (offline Bot API) on a temporary SQLite file, a season's volunteers and 30
days of history, then 1,000 freshly approved shifts over the next 10 days: the first tick ranks
each and sends its first wave of offers (the worst case: a whole season approved at once); a
second tick right after has nothing to do. Target: the first tick well inside one
DISPATCH_INTERVAL (<= 30 ms per shift, 30 s for 1,000 shifts against the default 60 s) and an
idle tick <= 1 s. The reference, in the same run, is the least any tick must do for the same
shifts: one plain SELECT of each shift's specialty pool and one INSERT per offer made.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

from bench.__main__ import Result
from bench._dispatch_data import START, seed_entity, seed_history, seed_needs, seed_volunteers
from bot import scheduler
from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Settings
from bot.offline import OfflineBotAPI

# The flows' per_message notice is expected (see flows/shift_reasons.py); keep the output one line.
warnings.filterwarnings("ignore", message="If 'per_message=False'")

NAME = "dispatch-tick"
TARGET_MS_PER_SHIFT = 30.0
TARGET_IDLE_S = 1.0


async def run(quick: bool) -> Result:
    needs = 5 if quick else 100
    days = 10
    volunteers = 3_000 if quick else 30_000
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            bot_token="123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz",
            database_path=Path(tmp) / "bench.sqlite3",
        )
        app = build_application(settings, request=OfflineBotAPI(), clock=ManualClock(START))
        await app.initialize()
        try:
            database = app.bot_data["db"]
            await seed_volunteers(database, volunteers)
            entity = await seed_entity(database)
            past = await seed_needs(
                database, entity, needs=10, days=30, first_day=(START - timedelta(days=31)).date()
            )
            await seed_history(database, past, volunteers, per_shift=max(5, volunteers // 500))
            shifts = await seed_needs(
                database, entity, needs=needs, days=days,
                first_day=(START + timedelta(days=1)).date(), seed=7,
            )

            started = time.perf_counter()
            first = await scheduler.tick(app)
            tick_s = time.perf_counter() - started
            started = time.perf_counter()
            idle = await scheduler.tick(app)
            idle_s = time.perf_counter() - started

            specialties = await database.fetchall(
                "SELECT n.specialty FROM shifts s JOIN needs n ON n.id = s.need_id"
                f" WHERE s.id IN ({','.join('?' for _ in shifts)})",
                shifts,
            )
            started = time.perf_counter()
            async with database.transaction() as tx:
                await tx.execute("CREATE TABLE bench_offers (shift_id INT, user_id INT)")
            per_shift = max(1, first.offers_made // max(1, len(shifts)))
            for row, shift_id in zip(specialties, shifts, strict=True):
                pool = await database.fetchall(
                    "SELECT user_id FROM volunteer_specialties WHERE specialty = ?",
                    (row["specialty"],),
                )
                async with database.transaction() as tx:
                    await tx.executemany(
                        "INSERT INTO bench_offers (shift_id, user_id) VALUES (?, ?)",
                        [(shift_id, r["user_id"]) for r in pool[:per_shift]],
                    )
            reference_s = time.perf_counter() - started
        finally:
            await app.shutdown()
    ms_per_shift = tick_s * 1000 / len(shifts)
    passed = ms_per_shift <= TARGET_MS_PER_SHIFT and idle_s <= TARGET_IDLE_S and not idle.busy()
    return Result(
        f"first tick over {len(shifts):,} open shifts ({volunteers:,} volunteers) {tick_s:.2f} s,"
        f" {first.offers_made:,} offers made ({ms_per_shift:.1f} ms per shift), ratio"
        f" {tick_s / reference_s:.1f} x plain select+insert; idle tick {idle_s * 1000:.0f} ms",
        f"<= {TARGET_MS_PER_SHIFT:.0f} ms per shift and idle tick <= {TARGET_IDLE_S:.0f} s",
        passed,
    )
