"""The office staff's decisions: coordinators added and removed, staff invite links made, revoked
and used, and the audit row of a data export."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import db, delivery
from bot.db import Database, Tx
from bot.notices import staff as notices
from bot.roles import ADMIN_ROLE, COORDINATOR, STAFF, VOLUNTEER


@dataclass(frozen=True)
class RoleChange:
    user_id: int
    changed: bool  # False: they already had the role asked for (or no longer had the one removed)
    last_admin: bool = False  # refused: the office would be left without an admin


@dataclass(frozen=True)
class Invite:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class Revocation:
    revoked: bool  # False: the link was used, revoked already or has expired


@dataclass(frozen=True)
class InviteUse:
    kind: str  # "joined" | "already" (on the staff before) | "invalid" (unknown, used, revoked, expired)


async def add_coordinator(
    database: Database, *, user_id: int, actor_id: int, now: datetime, default_locale: str
) -> RoleChange:
    """Make a person a coordinator (once: someone already on the staff is left as they are)."""
    async with database.transaction() as tx:
        await db.ensure_user(tx, user_id, now=now)
        target = await db.get_user(tx, user_id)
        if target is None or target["role"] in STAFF:
            return RoleChange(user_id, False)
        await db.set_user_role(tx, user_id, COORDINATOR, now=now)
        event_id = await db.audit(
            tx, actor_id=actor_id, action="staff.add", now=now, target_type="user", target_id=user_id
        )
        await _announce(tx, user_id, removed=False, event_id=event_id, now=now, default_locale=default_locale)
    return RoleChange(user_id, True)


async def remove_coordinator(
    database: Database, *, user_id: int, actor_id: int, now: datetime, default_locale: str
) -> RoleChange:
    """A coordinator, or an admin (never the last one), becomes a regular user again."""
    async with database.transaction() as tx:
        target = await db.get_user(tx, user_id)
        if target is None or target["role"] not in STAFF:
            return RoleChange(user_id, False)
        if target["role"] == ADMIN_ROLE and await db.count_admins(tx) <= 1:
            return RoleChange(user_id, False, last_admin=True)
        await db.set_user_role(tx, user_id, VOLUNTEER, now=now)
        event_id = await db.audit(
            tx, actor_id=actor_id, action="staff.remove", now=now, target_type="user", target_id=user_id
        )
        await _announce(tx, user_id, removed=True, event_id=event_id, now=now, default_locale=default_locale)
    return RoleChange(user_id, True)


async def create_invite(database: Database, *, actor_id: int, now: datetime, expires_at: datetime) -> Invite:
    """A one-time link that makes whoever opens it a coordinator."""
    token = secrets.token_urlsafe(12)
    async with database.transaction() as tx:
        await db.create_staff_invite(
            tx, token=token, role=COORDINATOR, created_by=actor_id, now=now, expires_at=expires_at
        )
        await db.audit(tx, actor_id=actor_id, action="staff.invite", now=now, target_type="invite", target_id=token)
    return Invite(token, expires_at)


async def revoke_invite(database: Database, *, token: str, actor_id: int, now: datetime) -> Revocation:
    async with database.transaction() as tx:
        invite = await db.revoke_staff_invite(tx, token, now=now)
        if invite is None:
            return Revocation(False)
        await db.audit(
            tx, actor_id=actor_id, action="staff.invite_revoked", now=now, target_type="invite", target_id=token
        )
    return Revocation(True)


async def accept_invite(
    database: Database, *, token: str, user_id: int, now: datetime, default_locale: str
) -> InviteUse:
    """The person who opens a valid staff invite becomes a coordinator; the inviter is told."""
    async with database.transaction() as tx:
        current = await db.get_user(tx, user_id)
        if current is not None and current["role"] in STAFF:
            return InviteUse("already")
        invite = await db.claim_staff_invite(tx, token, user_id=user_id, now=now) if token else None
        if invite is None:
            return InviteUse("invalid")
        await db.set_user_role(tx, user_id, COORDINATOR, now=now)
        event_id = await db.audit(
            tx, actor_id=user_id, action="staff.invite_used", now=now, target_type="user",
            target_id=user_id, details={"invited_by": invite["created_by"]},
        )
        await _announce(
            tx, user_id, removed=False, event_id=event_id, now=now, default_locale=default_locale,
            inviter_id=invite["created_by"],
        )
    return InviteUse("joined")


async def record_export(
    database: Database, *, actor_id: int, now: datetime, dataset: str, file_format: str, rows: int,
    entity_ids: Sequence[int] | None = None,
) -> None:
    """An export holds personal data: who took which dataset, in which format, how many rows
    (and, for a representative, of which entities) is audited."""
    details: dict[str, object] = {"dataset": dataset, "format": file_format, "rows": rows}
    if entity_ids is not None:
        details["entities"] = list(entity_ids)
    async with database.transaction() as tx:
        await db.audit(tx, actor_id=actor_id, action="export", now=now, target_type="dataset",
                       target_id=dataset, details=details)


async def _announce(
    tx: Tx, user_id: int, *, removed: bool, event_id: int, now: datetime, default_locale: str,
    inviter_id: int | None = None,
) -> None:
    """The notices of a role change, queued in the transaction that makes it (once per event)."""
    person = await db.get_user(tx, user_id)
    if person is None:
        return
    inviter = await db.get_user(tx, inviter_id) if inviter_id is not None else None
    for chat_id, text in notices.role_change(
        person, removed=removed, default_locale=default_locale,
        by_invite=inviter_id is not None, inviter=inviter,
    ):
        await delivery.enqueue(
            tx, chat_id=chat_id, dedupe_key=f"role:{event_id}:{chat_id}", now=now, text=text,
            priority=delivery.URGENT,
        )
