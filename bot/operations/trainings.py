"""Training sessions and lectures: creating one from a submitted draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import db
from bot.db import Database


@dataclass(frozen=True)
class Created:
    kind: str  # created (also when the same draft was submitted before)
    session_id: int


async def create(
    db_: Database, *, kind: str, specialty: str | None, title: str, trainer: str,
    place: str | None, latitude: float | None, longitude: float | None, link: str | None,
    starts_at: datetime, ends_at: datetime, capacity: int, validity_months: int | None,
    entity_id: int | None, created_by: int, draft_key: str, now: datetime,
) -> Created:
    """Schedule the session; the draft's key makes a second submit return the same session."""
    async with db_.transaction() as tx:
        existing = await db.get_training_session(tx, draft_key=draft_key)
        if existing is not None:
            return Created("created", int(existing["id"]))
        session_id = await db.insert_training_session(
            tx, kind=kind, specialty=specialty if kind == "training" else None, title=title,
            trainer=trainer, place=place, latitude=latitude, longitude=longitude, link=link,
            starts_at=starts_at, ends_at=ends_at, capacity=capacity,
            validity_months=validity_months if kind == "training" else None,
            entity_id=entity_id, created_by=created_by, draft_key=draft_key, now=now,
        )
        assert session_id is not None  # the key was free inside this transaction
        await db.audit(
            tx, actor_id=created_by, action="training.created", now=now,
            target_type="training_session", target_id=session_id,
            details={"kind": kind, "specialty": specialty, "capacity": capacity},
        )
    return Created("created", session_id)
