"""The outbox: everything the bot sends on its own initiative is enqueued here first.

`enqueue()` writes the message in the caller's transaction, so a business change and its
notification commit together or not at all; the same dedupe key is stored once.

FOUNDATION STUB: `send_due()` below delivers pending rows in priority order without pacing. The
delivery issue replaces it with the paced, crash-safe Sender (keep `enqueue`'s signature).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot import db
from bot.db import Tx

log = logging.getLogger(__name__)

URGENT, NORMAL, BULK = 0, 5, 9


async def enqueue(
    tx: Tx,
    *,
    chat_id: int,
    dedupe_key: str,
    now: datetime,
    text: str | None = None,
    reply_markup: InlineKeyboardMarkup | dict[str, Any] | None = None,
    parse_mode: str | None = None,
    method: str = "sendMessage",
    params: dict[str, Any] | None = None,
    priority: int = NORMAL,
    broadcast_id: int | None = None,
) -> bool:
    """Store one message to send; False if that dedupe key was already stored."""
    payload: dict[str, Any] = dict(params or {})
    if text is not None:
        payload["text"] = text
    if parse_mode:
        payload["parse_mode"] = parse_mode
    if reply_markup is not None:
        payload["reply_markup"] = (
            reply_markup.to_dict() if isinstance(reply_markup, InlineKeyboardMarkup) else reply_markup
        )
    cursor = await tx.execute(
        "INSERT INTO outbox (chat_id, method, payload, dedupe_key, priority, next_attempt_at,"
        " created_at, broadcast_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        (chat_id, method, db.dumps(payload), dedupe_key, priority, db.ts(now), db.ts(now), broadcast_id),
    )
    return cursor.rowcount == 1


async def send_due(bot: Bot, database: db.Database, *, now: datetime, limit: int = 1000) -> int:
    """Send pending rows now, in priority order (stub without pacing); returns how many sent."""
    rows = await database.fetchall(
        "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        " ORDER BY priority, id LIMIT ?",
        (db.ts(now), limit),
    )
    sent = 0
    for row in rows:
        params = json.loads(row["payload"])
        try:
            result = await bot.do_api_request(
                row["method"], api_kwargs={"chat_id": row["chat_id"], **params}
            )
        except Forbidden as exc:
            status, error, message_id = "unreachable", str(exc), None
        except TelegramError as exc:
            status, error, message_id = "failed", str(exc), None
        else:
            status, error = "sent", None
            message_id = result.get("message_id") if isinstance(result, dict) else None
            sent += 1
        async with database.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET status = ?, error = ?, message_id = ?, sent_at = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                (status, error, message_id, db.ts(now) if status == "sent" else None, row["id"]),
            )
    return sent
