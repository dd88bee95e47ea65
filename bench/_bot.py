"""The real Application on a database file, with the offline Bot API, for the benchmarks."""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bench._dispatch_data import START
from bench._updates import message, press  # noqa: F401  (the benchmarks' one import)
from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Settings
from bot.offline import OfflineBotAPI

# The flows' per_message notice is expected (see flows/shift_reasons.py); keep the output one line.
warnings.filterwarnings("ignore", message="If 'per_message=False'")

TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"


def settings(path: Path, **extra: Any) -> Settings:
    return Settings(bot_token=TOKEN, database_path=path, **extra)


async def started(path: Path, now: datetime = START) -> Application:  # type: ignore[type-arg]
    """build_application on `path`, initialized (post_init run), clock at `now`."""
    app = build_application(settings(path), request=OfflineBotAPI(), clock=ManualClock(now))
    app.bot_data["own_process"] = True  # as python -m bot: start-up's heap frozen after post_init
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    return app


async def feed(app: Application, payload: dict[str, Any]) -> None:  # type: ignore[type-arg]
    """One update through the app's update processor, as the update fetcher passes it."""
    update = Update.de_json(payload, app.bot)
    await app.update_processor.process_update(update, app.process_update(update))
