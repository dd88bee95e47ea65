"""One process of the memory benchmark: `python -m bench._memory_child bot|bare DATABASE`.
Prints its peak RSS (VmHWM) in MB after a full tick (bot) or the same updates (bare)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bench._bare import bare_app, mix, throughput


async def main(mode: str, path: Path, volunteers: int) -> None:
    updates = mix(volunteers, [], 50_000_000, 50)
    if mode == "bot":  # imported here: the bare process must not load the bot's modules
        from bench import _bot
        from bot import scheduler

        app = await _bot.started(path)
        await scheduler.tick(app, _bot.START)
    else:
        app, _conn = await bare_app(path)
    await throughput(app, updates)
    await app.shutdown()
    print(peak_rss_mb())


def peak_rss_mb() -> float:
    """VmHWM: this process's peak RSS since its exec (ru_maxrss would count the forking parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
