"""Training sessions and lectures: creating one from a submitted draft, the qualification its
attendance grants, and telling volunteers whose qualification runs out soon.

A session travels through dispatch as one approved need of one shift (its `session_id` points
back): invitations go out in waves like offers, and accepting, declining, the waitlist,
reminders, check-in and attendance are the shifts' own operations. A lecture is announced to its
whole audience at once (an offer to each, open until it starts); its places fill first come.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from bot import db, delivery, trainings
from bot.audience import Audience
from bot.config import Settings
from bot.db import Database, Queryable, Row, Tx
from bot.i18n import _, use_locale, user_locale
from bot.notices import trainings as notices
from bot.operations import dispatch

CREATED = "created"
NOT_ALLOWED = "not_allowed"  # a representative, for a specialty their entity's needs do not use
PAST = "past"  # the session's start has passed meanwhile
ANNOUNCE_CHUNK = 500


@dataclass(frozen=True)
class Created:
    kind: str  # created (also when the same draft was submitted before) | not_allowed | past
    session_id: int = 0
    invited: int = 0  # lectures: how many were invited at once


@dataclass(frozen=True)
class Permission:
    allowed: bool
    specialties: tuple[str, ...] = ()  # () with allowed: any specialty (staff)
    entity_id: int | None = None  # the representative's entity
    lectures: bool = False


async def permission(conn: Queryable, user_id: int) -> Permission:
    """Coordinators and admins: any session. A representative: trainings in the specialties their
    active entity's needs use. Anyone else: none."""
    user = await db.get_user(conn, user_id)
    role = None if user is None else user["role"]
    if role in ("coordinator", "admin"):
        return Permission(True, lectures=True)
    if role != "entity_rep":
        return Permission(False)
    active = [e for e in await db.rep_memberships(conn, user_id) if e["active"]]
    for entity in active:
        specialties = await db.entity_need_specialties(conn, [entity["id"]])
        if specialties:
            return Permission(True, tuple(specialties), entity_id=int(entity["id"]))
    return Permission(False)


def may(found: Permission, kind: str, specialty: str | None) -> bool:
    if not found.allowed:
        return False
    if kind == trainings.LECTURE:
        return found.lectures
    return not found.specialties or specialty in found.specialties


def _office_names() -> tuple[str, str]:
    names = []
    for locale in ("ar", "en"):
        with use_locale(locale):
            names.append(_("The volunteer office"))
    return names[0], names[1]


async def create(
    db_: Database, *, kind: str, specialty: str | None, title: str, trainer: str,
    place: str | None, latitude: float | None, longitude: float | None, link: str | None,
    starts_at: datetime, ends_at: datetime, capacity: int, validity_months: int | None,
    entity_id: int | None, created_by: int, draft_key: str, now: datetime,
    settings: Settings | None = None, audience: Audience | None = None,
) -> Created:
    """Schedule the session and its shift; the draft's key makes a second submit return the same
    session. The creator's right is checked again here. A lecture is announced at once."""
    tz = settings.timezone if settings is not None else UTC
    async with db_.transaction() as tx:
        existing = await db.get_training_session(tx, draft_key=draft_key)
        if existing is not None:
            return Created(CREATED, int(existing["id"]))
        found = await permission(tx, created_by)
        if await db.get_user(tx, created_by) is not None and not may(found, kind, specialty):
            return Created(NOT_ALLOWED)
        if starts_at <= now:
            return Created(PAST)
        if found.entity_id is not None:
            entity_id = found.entity_id
        session_id = await db.insert_training_session(
            tx, kind=kind, specialty=specialty if kind == trainings.TRAINING else None, title=title,
            trainer=trainer, place=place, latitude=latitude, longitude=longitude, link=link,
            starts_at=starts_at, ends_at=ends_at, capacity=capacity,
            validity_months=validity_months if kind == trainings.TRAINING else None,
            entity_id=entity_id, created_by=created_by, draft_key=draft_key, now=now,
        )
        assert session_id is not None  # the key was free inside this transaction
        owner = entity_id
        if owner is None:
            name_ar, name_en = _office_names()
            owner = await db.office_entity(tx, name_ar=name_ar, name_en=name_en, created_by=created_by, now=now)
        local_start, local_end = starts_at.astimezone(tz), ends_at.astimezone(tz)
        shift_id = await db.insert_session_shift(
            tx, session_id=session_id, entity_id=owner, created_by=created_by,
            specialty=specialty if kind == trainings.TRAINING and specialty else "awareness",
            title=title, site_name=place or link or "—", latitude=latitude, longitude=longitude,
            notes=trainer, starts_at=starts_at, ends_at=ends_at, slots=capacity,
            start_time=local_start.strftime("%H:%M"), end_time=local_end.strftime("%H:%M"),
            first_day=local_start.date().isoformat(), last_day=local_end.date().isoformat(), now=now,
        )
        invited = 0
        if kind == trainings.LECTURE:
            chosen = audience or Audience()
            await db.set_session_audience(tx, session_id, json.dumps(chosen.to_dict()))
            if settings is not None:
                invited = await _announce(tx, settings, shift_id, chosen, starts_at=starts_at, now=now)
        await db.audit(
            tx, actor_id=created_by, action="training.created", now=now,
            target_type="training_session", target_id=session_id,
            details={"kind": kind, "specialty": specialty, "capacity": capacity, "invited": invited},
        )
    return Created(CREATED, session_id, invited)


async def _announce(
    tx: Tx, settings: Settings, shift_id: int, audience: Audience, *, starts_at: datetime, now: datetime
) -> int:
    """Invite the whole audience to a lecture: an offer each, answerable until it starts."""
    sql, params = db.audience_select(audience, now=now)
    recipients = [int(r[0]) for r in await tx.fetchall(sql, params)]
    shift = await db.get_shift(tx, shift_id)
    assert shift is not None
    rendered: dict[str, str] = {}
    invited = 0
    for user_id in recipients:
        assignment_id = await db.insert_offer(
            tx, shift_id=shift_id, volunteer_id=user_id, now=now, expires_at=starts_at
        )
        recipient = await db.get_user(tx, user_id)
        if assignment_id is None or recipient is None:
            continue
        await dispatch.enqueue_offer(
            tx, settings, assignment_id=assignment_id, key=f"offer:{assignment_id}",
            recipient=recipient, shift=shift, now=now, expires_at=starts_at,
            texts_by_locale=rendered,
        )
        invited += 1
    return invited


# -- attendance grants the qualification -----------------------------------------------------------


async def grant_for_attendance(tx: Tx, settings: Settings, row: Row, *, actor_id: int | None, now: datetime) -> bool:
    """A volunteer attended (checked in, or marked present) a training: they hold its
    qualification for its validity from now, recorded with the session, and are told once."""
    if row["session_id"] is None:
        return False
    session = await db.get_training_session(tx, session_id=row["session_id"])
    if session is None or session["kind"] != trainings.TRAINING or not session["specialty"]:
        return False
    expires_at = trainings.expires_at(now, session["validity_months"])
    if not await db.grant_session_qualification(
        tx, user_id=row["volunteer_id"], specialty=session["specialty"], session_id=session["id"],
        granted_by=actor_id, expires_at=expires_at, now=now,
    ):
        return False
    await db.audit(
        tx, actor_id=actor_id or row["volunteer_id"], action="training.qualified", now=now,
        target_type="volunteer", target_id=row["volunteer_id"],
        details={"session": session["id"], "specialty": session["specialty"],
                 "expires_at": db.ts(expires_at)},
    )
    with use_locale(user_locale(row, settings.default_locale)):
        text = notices.qualified_text(session, expires_at, settings.timezone)
    await delivery.enqueue(
        tx, chat_id=row["volunteer_id"], dedupe_key=f"qualified:{row['id']}", now=now, text=text
    )
    return True


# -- qualifications running out --------------------------------------------------------------------


async def tell_expiring(database: Database, settings: Settings, *, now: datetime, limit: int = 500) -> int:
    """EXPIRY_NOTICE before a qualification runs out, tell its holder once, with the next
    sessions of its specialty (the waves invite them: they are about to lose it)."""
    rows = await db.qualifications_expiring(
        database, now=now, until=now + trainings.EXPIRY_NOTICE, limit=limit
    )
    told = 0
    sessions: dict[str, list[Row]] = {}
    for row in rows:
        if row["specialty"] not in sessions:
            sessions[row["specialty"]] = await db.upcoming_sessions_of(database, row["specialty"], now=now)
    if not rows:
        return 0
    async with database.transaction() as tx:
        for row in rows:
            if not await db.mark_expiry_told(tx, row["user_id"], row["specialty"], now=now):
                continue
            expires_at = db.moment(row["expires_at"])
            with use_locale(user_locale(row, settings.default_locale)):
                text = notices.expiring_text(
                    row["specialty"], expires_at, sessions[row["specialty"]], settings.timezone
                )
            await delivery.enqueue(
                tx, chat_id=row["user_id"], now=now, text=text,
                dedupe_key=f"qexpiry:{row['user_id']}:{row['specialty']}:{int(expires_at.timestamp())}",
                deadline=expires_at,
            )
            told += 1
    return told
