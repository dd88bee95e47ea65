"""Enqueue a broadcast to 100,000 volunteers: one transaction, one INSERT ... SELECT.

Timed: what the Send button does (the broadcast row, every recipient's outbox row with its dedupe
key, the audit entry, in one transaction). Reference, in the same run: a plain executemany INSERT
of the same rows into a scratch table with the same unique key.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.__main__ import Result
from bot import db
from bot.audience import Audience
from bot.db import Database
from bot.operations import broadcasts

NAME = "delivery-enqueue"
TARGET_SECONDS = 3.0


async def run(quick: bool) -> Result:
    count = 10_000 if quick else 100_000
    now = datetime(2026, 5, 24, 5, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        database = await Database.open(Path(tmp) / "bench.sqlite3")
        try:
            await database.migrate()
            await _seed(database, count, now)
            started = time.perf_counter()
            sent = await broadcasts.send(
                database, draft_key="bench", created_by=1, audience=Audience(), text="<b>Bench</b>",
                urgent=False, now=now,
            )
            broadcast_id, recipients = sent.broadcast_id or 0, sent.recipients
            ours = time.perf_counter() - started
            reference = await _reference(database, broadcast_id, now)
        finally:
            await database.close()
    ratio = ours / reference if reference else float("inf")
    return Result(
        f"{recipients} recipients in {ours:.2f} s, ratio {ratio:.1f} x a plain executemany INSERT "
        f"of the same rows ({reference:.2f} s)",
        f"<= {TARGET_SECONDS:g} s for {count} recipients",
        recipients == count and ours <= TARGET_SECONDS,
    )


async def _seed(database: Database, count: int, now: datetime) -> None:
    stamp = db.ts(now)
    ids = range(100_000, 100_000 + count)
    async with database.transaction() as tx:
        await tx.execute("INSERT INTO users (id, role, created_at) VALUES (1, 'coordinator', ?)", (stamp,))
        await tx.executemany(
            "INSERT INTO users (id, created_at) VALUES (?, ?)", ((i, stamp) for i in ids)
        )
        await tx.executemany(
            "INSERT INTO volunteers (user_id, status, registered_at) VALUES (?, 'active', ?)",
            ((i, stamp) for i in ids),
        )


async def _reference(database: Database, broadcast_id: int, now: datetime) -> float:
    stamp = db.ts(now)
    async with database.transaction() as tx:
        await tx.execute(
            "CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL,"
            " method TEXT NOT NULL, payload TEXT NOT NULL, dedupe_key TEXT NOT NULL UNIQUE,"
            " priority INTEGER NOT NULL, next_attempt_at TEXT NOT NULL, created_at TEXT NOT NULL,"
            " broadcast_id INTEGER)"
        )
        chats = [r[0] for r in await tx.fetchall("SELECT user_id FROM volunteers ORDER BY user_id")]
    rows = [
        (chat, "sendMessage", "{}", f"bc:{broadcast_id}:{chat}", 9, stamp, stamp, broadcast_id)
        for chat in chats
    ]
    started = time.perf_counter()
    async with database.transaction() as tx:
        await tx.executemany(
            "INSERT INTO bench_scratch (chat_id, method, payload, dedupe_key, priority,"
            " next_attempt_at, created_at, broadcast_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return time.perf_counter() - started
