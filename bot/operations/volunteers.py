"""Volunteers' own decisions about their status: pause and resume."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import db
from bot.db import Database


@dataclass(frozen=True)
class StatusChange:
    changed: bool  # False: the status was not what the change needs (nothing happened)


async def pause(db_: Database, user_id: int, *, until: datetime | None, now: datetime) -> StatusChange:
    """Pause offers until a moment (None: until /resume); an expired pause counts as active."""
    async with db_.transaction() as tx:
        await db.expire_pauses(tx, now, user_id=user_id)
        paused = await db.pause_volunteer(tx, user_id, until=until, now=now)
    return StatusChange(paused)
