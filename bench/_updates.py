"""Telegram updates as dicts, for the benchmarks (no import of the bot: the bare references use it)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

START = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)  # as bench._dispatch_data.START
_ids = itertools.count(1)


def first_name(user_id: int) -> str:
    """The name the seeded season gave this user (bench._dispatch_data): a returning user's
    update changes nothing in their users row."""
    return f"V{user_id - 10_000_000}"


def message(user_id: int, text: str, *, language: str = "ar") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(START.timestamp()),
        "chat": {"id": user_id, "type": "private", "first_name": first_name(user_id)},
        "from": {"id": user_id, "is_bot": False, "first_name": first_name(user_id),
                 "language_code": language},
        "text": text,
    }
    if text.startswith("/"):
        payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_ids), "message": payload}


def press(user_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": {"id": user_id, "is_bot": False, "first_name": first_name(user_id),
                     "language_code": "ar"},
            "chat_instance": str(user_id),
            "data": data,
            "message": {
                "message_id": next(_ids), "date": int(START.timestamp()),
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": 123456789, "is_bot": True, "first_name": "Aoun"},
                "text": "offer",
            },
        },
    }
