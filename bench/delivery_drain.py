"""Drain the outbox against a fake Bot API on 127.0.0.1 that enforces Telegram's flood limits,
at SEND_RATE 25 and 30, rounds interleaved.

The server (tests/fake_bot_api.py) answers 429 with retry_after past 30 messages a second overall
or 1 a second to one chat. The messages are queued chat by chat (several in a row to each chat),
the worst order for the per-chat limit. The figure is the achieved rate divided by SEND_RATE: pacing
that wastes time scores below 1, pacing that overshoots gets 429s. 30 must deliver at least as fast
as 25 (the limiter keeps Telegram's window some headroom, so 30 does not trip the limit).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.__main__ import Result
from bot import delivery
from bot.app import build_application
from bot.config import Settings
from tests.fake_bot_api import FakeBotAPI

NAME = "delivery-drain"
TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"
RATES = (25.0, 30.0)


async def drain_once(rate: float, messages: int, per_chat: int) -> tuple[float, int, int, int]:
    """(achieved msg/s, 429s, sent, still pending) of one drain at SEND_RATE=rate."""
    chats = messages // per_chat
    async with FakeBotAPI(rate_limit_overall=30, rate_limit_per_chat=1) as server:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings.from_env(
                {
                    "BOT_TOKEN": TOKEN,
                    "DATABASE_PATH": str(Path(tmp) / "bench.sqlite3"),
                    "BOT_API_BASE_URL": server.base_url,
                    "SEND_RATE": f"{rate:g}",
                }
            )
            app = build_application(settings)
            await app.initialize()
            try:
                database, sender = app.bot_data["db"], app.bot_data["sender"]
                now = app.bot_data["clock"].now()
                async with database.transaction() as tx:
                    for n in range(per_chat):
                        for chat in range(chats):
                            await delivery.enqueue(
                                tx,
                                chat_id=10_000 + chat,
                                dedupe_key=f"bench:{chat}:{n}",
                                now=now,
                                text=f"Message {n} of the drain benchmark",
                                priority=delivery.BULK,
                            )
                started = time.monotonic()
                sent = await sender.drain()
                elapsed = time.monotonic() - started
                pending = await database.fetchval(
                    "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
                )
            finally:
                await app.shutdown()
    return sent / elapsed, server.rate_limited, sent, pending


async def run(quick: bool) -> Result:
    rounds = 3
    messages, per_chat = (24, 1) if quick else (1_500, 5)
    achieved: dict[float, list[float]] = {rate: [] for rate in RATES}
    throttled = lost = 0
    for _round in range(rounds):
        for rate in RATES:  # interleaved: 25, 30, 25, 30, ...
            speed, limited, sent, pending = await drain_once(rate, messages, per_chat)
            achieved[rate].append(speed)
            throttled += limited
            lost += (messages - sent) + pending
    ratios = {rate: [a / rate for a in achieved[rate]] for rate in RATES}
    versus = [b / a for a, b in zip(achieved[25.0], achieved[30.0], strict=True)]
    parts = []
    for rate in RATES:
        r = ratios[rate]
        parts.append(
            f"{statistics.median(achieved[rate]):.1f} msg/s of {rate:g} configured, ratio "
            f"{statistics.median(r):.2f} ({min(r):.2f}-{max(r):.2f})"
        )
    passed = (
        all(statistics.median(ratios[rate]) >= 0.95 for rate in RATES)
        and throttled == 0
        and lost == 0
        and statistics.median(versus) >= 1.0
    )
    return Result(
        "; ".join(parts)
        + f"; 30 vs 25 {statistics.median(versus):.2f} ({min(versus):.2f}-{max(versus):.2f});"
        f" {throttled} x 429; {lost} lost ({rounds} rounds of {messages} messages,"
        f" {per_chat} per chat)",
        "ratio >= 0.95 at 25 and at 30, 30 >= 25, 0 x 429",
        passed,
    )
