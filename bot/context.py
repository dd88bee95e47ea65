"""The typed CallbackContext every handler receives: services reached through the context."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import Settings
    from bot.db import Database


class Context(CallbackContext[ExtBot[dict[str, Any]], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """`context.db`, `context.settings`, `context.clock` and `context.now()`."""

    # The person's role as read when their update came in (bot/handlers/common.py
    # bind_user_and_locale), so that a handler need not read their row again; None: not read.
    reader_role: str | None = None

    @property
    def db(self) -> Database:
        return self.bot_data["db"]

    @property
    def settings(self) -> Settings:
        return self.bot_data["settings"]

    @property
    def clock(self) -> Clock:
        return self.bot_data["clock"]

    def now(self) -> datetime:
        return self.clock.now()

    def service(self, name: str) -> Any:
        """Another service the composition root placed in bot_data (e.g. "sender")."""
        return self.bot_data[name]


AounApplication = Application[ExtBot[dict[str, Any]], Context, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
