"""A burst of N users' commands at once, against a fake Bot API that enforces Telegram's flood
limits (30 messages a second overall, 1 a second per chat), with and without outbox traffic.

Measured: the fraction of users answered, and the p99 delay from the burst to a user's answer.
Reference, in the same run and interleaved: the same burst with an empty outbox. With a bulk
broadcast draining at SEND_RATE at the same time, replies go first (the outbox backs off while
they peak), so the p99 delay stays close to the reference's.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update

from bench.__main__ import Result
from bot import delivery
from bot.app import build_application
from bot.config import Settings
from tests.fake_bot_api import FakeBotAPI

NAME = "delivery-burst"
TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"
MAX_P99_RATIO = 1.5
# Bulk sent in the second before the burst holds part of Telegram's window: a small burst pays up
# to one window (and the 429 that shows it) more than its reference, whatever the pacing.
ONE_WINDOW = 1.1


def _update(app: Any, n: int, user_id: int, when: int) -> Update:
    user = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "en"}
    message = {
        "message_id": n, "date": when, "text": "/help", "from": user,
        "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    }
    return Update.de_json({"update_id": n, "message": message}, app.bot)


async def burst_once(users: int, *, outbox: int) -> tuple[float, float, int]:
    """(answered fraction, p99 answer delay in s, 429s) of one burst; `outbox` bulk messages
    are draining meanwhile."""
    async with FakeBotAPI(rate_limit_overall=30, rate_limit_per_chat=1) as server:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings.from_env(
                {
                    "BOT_TOKEN": TOKEN,
                    "DATABASE_PATH": str(Path(tmp) / "bench.sqlite3"),
                    "BOT_API_BASE_URL": server.base_url,
                    "DEFAULT_LOCALE": "en",
                }
            )
            app = build_application(settings)
            await app.initialize()
            sender = app.bot_data["sender"]
            try:
                if outbox:
                    now = app.bot_data["clock"].now()
                    async with app.bot_data["db"].transaction() as tx:
                        for n in range(outbox):
                            await delivery.enqueue(
                                tx, chat_id=90_000 + n, dedupe_key=f"bulk:{n}", now=now,
                                text=f"Bulk {n}", priority=delivery.BULK,
                            )
                    sender.start(pause=0)
                    await asyncio.sleep(1.0)  # the outbox at full rate when the burst comes
                ids = range(20_000, 20_000 + users)
                when = int(time.time())
                started = time.monotonic()
                await asyncio.gather(
                    *(app.process_update(_update(app, n, u, when)) for n, u in enumerate(ids, 1))
                )
                await sender.stop()
            finally:
                await app.shutdown()
        first: dict[int, float] = {}
        for call in server.sent(method="sendMessage"):
            if call.chat_id in ids and call.chat_id not in first:
                first[call.chat_id] = call.at - started
        delays = sorted(first.values())
        p99 = delays[min(len(delays) - 1, int(0.99 * len(delays)))] if delays else float("inf")
        return len(first) / users, p99, server.rate_limited


async def run(quick: bool) -> Result:
    logging.getLogger("bot").setLevel(logging.ERROR)  # the 429 warnings are the figure here
    rounds = 3
    users = 30 if quick else 300
    outbox = 60 if quick else 2_000
    ratios, fractions, p99s, refs, throttled = [], [], [], [], 0
    for _round in range(rounds):
        ref_fraction, ref_p99, ref_429 = await burst_once(users, outbox=0)
        fraction, p99, limited = await burst_once(users, outbox=outbox)
        fractions += [ref_fraction, fraction]
        p99s.append(p99)
        refs.append(ref_p99)
        ratios.append(p99 / ref_p99 if ref_p99 > 0 else float("inf"))
        throttled += ref_429 + limited
    ratio = statistics.median(ratios)
    answered = min(fractions)
    extra = statistics.median(p - r for p, r in zip(p99s, refs, strict=True))
    return Result(
        f"{answered:.2f} of {users} users answered; p99 answer delay {statistics.median(p99s):.2f} s"
        f" with the outbox draining vs {statistics.median(refs):.2f} s without, ratio {ratio:.2f}"
        f" ({min(ratios):.2f}-{max(ratios):.2f}), +{extra:.2f} s; {throttled} x 429"
        f" ({rounds} rounds, {outbox} bulk messages queued)",
        f"answered 1.00 and p99 ratio <= {MAX_P99_RATIO:g} (or at most one flood window,"
        f" {ONE_WINDOW:g} s, more)",
        answered == 1.0 and (ratio <= MAX_P99_RATIO or extra <= ONE_WINDOW),
    )
