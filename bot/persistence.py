"""Conversation state and `user_data` scratch paper, kept in the bot's own SQLite database.

PTB writes persistence every `update_interval` seconds (and on shutdown); with 1 s a kill -9
loses at most about a second of a flow. Values in `user_data` must be JSON-serialisable
(lists, not sets; dates as ISO strings).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot import db as queries
from bot.db import Database


class UnstorableScratch(TypeError):
    """A value in `user_data` that JSON would not give back as it was (a set, a tuple, a date)."""


def encode_scratch(data: dict[Any, Any]) -> str:
    """`user_data` as JSON, refusing anything that would not read back equal: `default=str`
    once turned a set into the text "{1, 2}" and the flow broke after a restart."""
    try:
        text = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise UnstorableScratch(f"user_data cannot be stored as JSON: {error}") from error
    if json.loads(text) != data:
        raise UnstorableScratch(
            "user_data would not read back as it is (tuples, non-string keys?): "
            f"{sorted(map(str, data))}"
        )
    return text


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, database: Database, *, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.database = database

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await queries.load_conversations(self.database, name)
        return {tuple(json.loads(r["key"])): json.loads(r["state"]) for r in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        state = None if new_state is None else json.dumps(new_state)
        async with self.database.transaction() as tx:
            await queries.save_conversation(tx, name, json.dumps(list(key)), state)

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        rows = await queries.load_scratch(self.database, "user")
        data: dict[int, dict[Any, Any]] = defaultdict(dict)
        for row in rows:
            data[int(row["owner_id"])] = json.loads(row["data"])
        return data

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        payload = encode_scratch(data) if data else None
        async with self.database.transaction() as tx:
            await queries.save_scratch(tx, "user", user_id, payload)

    async def drop_user_data(self, user_id: int) -> None:
        async with self.database.transaction() as tx:
            await queries.save_scratch(tx, "user", user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """The in-memory copy is authoritative while the process runs."""

    # chat_data, bot_data and callback_data are not persisted (see store_data above).
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def flush(self) -> None:
        return None
