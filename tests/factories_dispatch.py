"""Seeding helpers for the dispatch tests (on top of tests/factories.py)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from bot import db
from bot.db import Database
from tests.factories import RIYADH, create_need

TUESDAY = date(2026, 5, 12)  # two days after the test clock's start (Sunday 10 May 2026)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), RIYADH)


async def update_volunteer(database: Database, user_id: int, **columns: Any) -> None:
    """Set volunteers columns (paused_until and other datetimes given as datetimes)."""
    sets = ", ".join(f"{name} = ?" for name in columns)
    values = [db.ts(v) if isinstance(v, datetime) else v for v in columns.values()]
    values = [v.isoformat() if isinstance(v, date) else v for v in values]
    async with database.transaction() as tx:
        await tx.execute(f"UPDATE volunteers SET {sets} WHERE user_id = ?", (*values, user_id))


async def qualify(database: Database, user_id: int, specialty: str) -> None:
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO qualifications (user_id, specialty, granted_at) VALUES (?, ?, ?)",
            (user_id, specialty, "2026-01-01T00:00:00+00:00"),
        )


async def set_unreachable(database: Database, user_id: int) -> None:
    async with database.transaction() as tx:
        await db.set_user_reachable(tx, user_id, False)


async def locate_need(database: Database, need_id: int, latitude: float, longitude: float) -> None:
    async with database.transaction() as tx:
        await tx.execute(
            "UPDATE needs SET latitude = ?, longitude = ?, notes = ? WHERE id = ?",
            (latitude, longitude, "Meet at gate 5", need_id),
        )


async def served(
    database: Database, entity_id: int, volunteer_id: int, *, day: date, hours: int,
    status: str = "completed", late_cancel: bool = False,
) -> int:
    """A past shift the volunteer served (or missed, or cancelled late)."""
    _need, (shift_id,) = await create_need(
        database, entity_id, first_day=day, start=time(8), end=time(8 + hours), slots=10,
        title="Past shift",
    )
    async with database.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO assignments (shift_id, volunteer_id, status, late_cancel) VALUES (?, ?, ?, ?)",
            (shift_id, volunteer_id, status, int(late_cancel)),
        )
        return int(cursor.lastrowid)


async def assignment(database: Database, assignment_id: int) -> db.Row:
    row = await database.fetchone("SELECT * FROM assignments WHERE id = ?", (assignment_id,))
    assert row is not None
    return row


async def assignments_of(database: Database, shift_id: int, status: str | None = None) -> list[db.Row]:
    sql = "SELECT * FROM assignments WHERE shift_id = ?"
    params: tuple = (shift_id,)
    if status:
        sql += " AND status = ?"
        params += (status,)
    return await database.fetchall(sql + " ORDER BY id", params)


async def outbox(database: Database, prefix: str = "") -> list[db.Row]:
    return await database.fetchall(
        "SELECT * FROM outbox WHERE dedupe_key LIKE ? ORDER BY id", (f"{prefix}%",)
    )


def payload(row: db.Row) -> dict[str, Any]:
    return json.loads(row["payload"])


async def offered_ids(database: Database, shift_id: int) -> list[int]:
    rows = await assignments_of(database, shift_id, "offered")
    return [r["volunteer_id"] for r in rows]


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
