"""Updates as Telegram would send them, built from plain values: one builder for the offline
console (bot/console.py) and the test harness (tests/harness.py), so both speak the same Telegram.

Payloads are the Bot API's JSON shapes; `update()` turns one into a real `telegram.Update`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Bot, Update


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")}


def group_chat(chat_id: int, title: str = "Volunteers group") -> dict[str, Any]:
    return {"id": chat_id, "type": "group", "title": title}


class UpdateBuilder:
    """Numbers updates and messages the way one Telegram chat stream would."""

    def __init__(self, bot: Bot, now: Callable[[], datetime], *, first_message_id: int) -> None:
        self._bot = bot
        self._now = now
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(first_message_id)

    def next_query_id(self) -> str:
        return str(next(self._update_ids))

    def update(self, payload: dict[str, Any]) -> Update:
        return Update.de_json({"update_id": next(self._update_ids), **payload}, self._bot)

    def message(self, sender: dict[str, Any], chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
        """A new message from `sender` (in their private chat unless `chat` is given)."""
        return {
            "message": {
                "message_id": next(self._message_ids),
                "date": int(self._now().timestamp()),
                "chat": chat or private_chat(sender),
                "from": sender,
                **content,
            }
        }

    def command(self, sender: dict[str, Any], text: str, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        command = text.split()[0]
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
        return self.message(sender, chat, text=text, entities=[entity])

    def press(
        self, sender: dict[str, Any], data: str, message: dict[str, Any], *, query_id: str | None = None
    ) -> dict[str, Any]:
        """A press of an inline button with `data` under the bot's `message`."""
        return {
            "callback_query": {
                "id": query_id or self.next_query_id(),
                "from": sender,
                "chat_instance": str(sender["id"]),
                "data": data,
                "message": message,
            }
        }
