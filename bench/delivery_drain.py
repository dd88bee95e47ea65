"""Drain the outbox against a fake Bot API on 127.0.0.1 that enforces Telegram's flood limits.

The server (tests/fake_bot_api.py) answers 429 with retry_after past 30 messages a second overall
or 1 a second to one chat. The messages are queued chat by chat (several in a row to each chat),
the worst order for the per-chat limit. The figure is the achieved rate divided by SEND_RATE: pacing
that wastes time scores below 1, pacing that overshoots gets 429s.
"""

from __future__ import annotations

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


async def run(quick: bool) -> Result:
    messages = 150 if quick else 3_000
    per_chat = 2 if quick else 10  # a short run has no time to rotate through fewer chats
    chats = messages // per_chat
    async with FakeBotAPI(rate_limit_overall=30, rate_limit_per_chat=1) as server:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings.from_env(
                {
                    "BOT_TOKEN": TOKEN,
                    "DATABASE_PATH": str(Path(tmp) / "bench.sqlite3"),
                    "BOT_API_BASE_URL": server.base_url,
                    "SEND_RATE": "25",
                }
            )
            app = build_application(settings)
            await app.initialize()
            try:
                database, sender = app.bot_data["db"], app.bot_data["sender"]
                now = app.bot_data["clock"].now()
                async with database.transaction() as tx:
                    for chat in range(chats):
                        for n in range(per_chat):
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
    achieved = sent / elapsed
    ratio = achieved / settings.send_rate
    throttled = server.rate_limited
    passed = ratio >= 0.95 and throttled == 0 and pending == 0 and sent == messages
    return Result(
        f"{achieved:.1f} msg/s of {settings.send_rate:g} configured, ratio {ratio:.2f}, "
        f"{throttled} x 429 ({sent} of {messages} messages to {chats} chats in {elapsed:.1f} s)",
        "ratio >= 0.95 and 0 x 429",
        passed,
    )
