"""Helpers for the delivery tests: fake time for the sender, stamped calls, outbox rows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot import delivery
from bot.app import build_application
from bot.clock import ManualClock
from bot.delivery import Sender
from bot.offline import Call
from tests.fake_bot_api import FakeBotAPI
from tests.harness import BotHarness, make_settings


class FakeTime:
    """The sender's sleep: moves the test's ManualClock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.slept = 0.0

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # sends already started go out now, then time passes
        self.clock.advance(seconds=seconds)
        self.slept += seconds


def paced_sender(bot: BotHarness, *, rate: float = 25.0, **options: Any) -> tuple[Sender, FakeTime]:
    """A Sender on the harness's bot and database that paces on the fake clock."""
    fake = FakeTime(bot.clock)
    options.setdefault("max_attempts", bot.settings.send_max_attempts)
    sender = Sender(bot.app.bot, bot.db, rate=rate, clock=bot.clock, sleep=fake.sleep, **options)
    return sender, fake


def stamp_calls(bot: BotHarness) -> list[tuple[float, Call]]:
    """Record the clock time (seconds) of every Bot API call from now on, failed ones too."""
    stamps: list[tuple[float, Call]] = []
    original = bot.api.do_request

    async def do_request(url: str, method: str, request_data: Any = None, **kwargs: Any) -> Any:
        result = await original(url, method, request_data, **kwargs)
        stamps.append((bot.clock.now().timestamp(), bot.api.calls[-1]))
        return result

    bot.api.do_request = do_request  # type: ignore[method-assign]
    return stamps


async def enqueue_texts(
    bot: BotHarness, chat_ids: Iterable[int], *, priority: int = delivery.NORMAL, tag: str = "m"
) -> None:
    """One text message per chat id (repeats allowed), in one transaction."""
    async with bot.db.transaction() as tx:
        for n, chat_id in enumerate(chat_ids):
            await delivery.enqueue(
                tx,
                chat_id=chat_id,
                dedupe_key=f"{tag}:{n}:{chat_id}",
                now=bot.clock.now(),
                text=f"{tag} {n} to {chat_id}",
                priority=priority,
            )


async def outbox_rows(bot: BotHarness) -> list[Any]:
    return await bot.db.fetchall("SELECT * FROM outbox ORDER BY id")


def my_chat_member(user_id: int, first_name: str, old: str, new: str, date: int) -> dict[str, Any]:
    """The update Telegram sends when a user blocks (new='kicked') or unblocks the bot."""
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "ar"}
    bot_user = {"id": 7000000001, "is_bot": True, "first_name": "Aoun"}

    def member(status: str) -> dict[str, Any]:
        return {"status": status, "user": bot_user, **({"until_date": 0} if status == "kicked" else {})}

    return {
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": user,
            "date": date,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }


class FastClock:
    """Time that runs `speed` times faster than the real one, for the sender, the limiter and
    the fake Bot API server alike: a 3-minute outage passes in seconds, with real HTTP."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed = start, speed
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    def seconds(self) -> float:
        """The fast time in seconds (the fake server's window clock)."""
        return self.now().timestamp()

    def at(self, monotonic: float) -> float:
        """A real time.monotonic() stamp (a recorded call's `at`) in fast seconds."""
        return self.start.timestamp() + (monotonic - self._t0) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0) / self.speed)


async def served_app(server: FakeBotAPI, tmp_path: Path, clock: FastClock, **env: str) -> Any:
    """The real Application on a fresh database, talking HTTP to `server`, on `clock`."""
    settings = make_settings(tmp_path, BOT_API_BASE_URL=server.base_url, **env)
    app = build_application(settings, clock=clock, sleep=clock.sleep)
    await app.initialize()
    return app


def command_update(app: Any, update_id: int, user_id: int, text: str, when: int) -> Update:
    user = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "en"}
    message = {
        "message_id": update_id, "date": when, "text": text, "from": user,
        "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return Update.de_json({"update_id": update_id, "message": message}, app.bot)
