"""Updates per second through the real Application at 50,000 volunteers (quick: 3,000), for a
realistic mix: /start, /help, /shifts, /profile from registered volunteers, an offer accepted
(off:acc), and a registration step (/register, then the first answer) from newcomers; each
update through the update processor, as the update fetcher passes them, all queued at once.

The fair reference is a bare PTB Application on the same offline Bot API whose one handler reads
the user's row with aiosqlite (same database file) and replies: the I/O any real bot does. The
line also gives the ratio to a bare echo (no database). Three rounds, interleaved; each round
uses its own offers and newcomers. Target: >= 0.5 of the fair reference.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench import _bot
from bench.__main__ import Result
from bench._bare import bare_app, mix, throughput
from bench._dispatch_data import START, season
from bench._rounds import interleaved
from bot import scheduler

NAME = "handlers"
TARGET_RATIO = 0.5


async def run(quick: bool) -> Result:
    volunteers = 3_000 if quick else 50_000
    cycles = 40 if quick else 400
    echo: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = await season(volunteers, Path(tmp) / "h.sqlite3", upcoming_needs=5 if quick else 100)
        app = await _bot.started(path)
        fair, conn = await bare_app(path)
        bare, _none = await bare_app(None)
        try:
            await scheduler.tick(app, START)
            rows = await app.bot_data["db"].fetchall(
                "SELECT id, volunteer_id FROM assignments WHERE status = 'offered' ORDER BY id"
            )
            offers = [(r[0], r[1]) for r in rows]
            per_round = max(1, len(offers) // 4)

            def updates(index: int) -> list[dict[str, Any]]:
                mine = offers[index * per_round : (index + 1) * per_round]
                return mix(volunteers, mine, 50_000_000 + index * 100_000, cycles)

            await throughput(app, updates(3)[:50])  # warm up
            await throughput(fair, updates(3)[:50])

            async def ours(index: int) -> float:
                return await throughput(app, updates(index))

            async def reference(index: int) -> float:
                batch = updates(index)
                echo.append(await throughput(bare, batch))
                return await throughput(fair, batch)

            rounds = await interleaved(ours, reference)
        finally:
            await app.shutdown()
            await fair.shutdown()
            await bare.shutdown()
            if conn is not None:
                await conn.close()
    echo_ratios = [m / e for m, e in zip(rounds.measured, echo, strict=True)]
    return Result(
        f"{rounds.median_measured:.0f} updates/s at {volunteers:,} volunteers"
        f" ({cycles * 7:,}-update mix) vs {rounds.median_reference:.0f}/s for a bare PTB app that"
        f" reads the user's row, {rounds.ratio_text()}; vs {statistics.median(echo):.0f}/s bare"
        f" echo, ratio {statistics.median(echo_ratios):.2f}",
        f"ratio >= {TARGET_RATIO:g} of the bare app with a row read",
        rounds.ratio >= TARGET_RATIO,
    )
