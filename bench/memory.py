"""Peak RSS of the bot with 100,000 volunteers (quick: 3,000) after a full dispatch tick over
1,000 open shifts and a few hundred updates, against a bare PTB Application (the handlers
benchmark's fair reference: one handler that reads the user's row with aiosqlite) fed the same
updates on the same database. Each measured in its own subprocess, three rounds, interleaved.
Target: <= 200 MB and <= 2 x the bare one.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bench.__main__ import Result
from bench._dispatch_data import UPCOMING_NEEDS_FULL, season
from bench._rounds import interleaved

NAME = "memory"
TARGET_MB = 200.0
TARGET_RATIO = 2.0
ROOT = Path(__file__).resolve().parent.parent


async def _child(mode: str, path: Path, volunteers: int) -> float:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench._memory_child", mode, str(path), str(volunteers),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(err.decode()[-2000:])
    return float(out.decode().split()[-1])


async def run(quick: bool) -> Result:
    volunteers = 3_000 if quick else 100_000
    needs = 5 if quick else UPCOMING_NEEDS_FULL
    with tempfile.TemporaryDirectory() as tmp:

        async def bot(index: int) -> float:
            path = await season(volunteers, Path(tmp) / f"b{index}.sqlite3", upcoming_needs=needs)
            return await _child("bot", path, volunteers)

        async def bare(index: int) -> float:
            path = await season(volunteers, Path(tmp) / f"r{index}.sqlite3", upcoming_needs=needs)
            return await _child("bare", path, volunteers)

        rounds = await interleaved(bot, bare)
    peak = max(rounds.measured)
    return Result(
        f"peak RSS {rounds.median_measured:.0f} MB (max {peak:.0f}) with {volunteers:,} volunteers"
        f" after a {needs * 10:,}-shift tick vs {rounds.median_reference:.0f} MB for a bare PTB"
        f" app, {rounds.ratio_text()}",
        f"<= {TARGET_MB:.0f} MB and ratio <= {TARGET_RATIO:g}",
        peak <= TARGET_MB and rounds.ratio <= TARGET_RATIO,
    )
