"""Partner entities' decisions: added, edited, (de)activated; representatives' invite links made,
revoked and used; representatives removed. Also the one read that shows an entity's card."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot import db, delivery
from bot.db import Database, Queryable, Tx
from bot.notices import entities as notices
from bot.roles import ENTITY_REP, STAFF, VOLUNTEER

ClaimKind = Literal[
    "joined", "unknown", "already", "used", "revoked", "expired", "inactive", "staff", "other_entity"
]


@dataclass(frozen=True)
class EntityView:
    entity: db.Row
    reps: list[db.Row]
    invites: list[tuple[int, datetime]]  # open invite links: (id, expires at)


@dataclass(frozen=True)
class Added:
    entity_id: int | None  # None: another entity has one of these names


@dataclass(frozen=True)
class Edited:
    found: bool  # False: the entity no longer exists


@dataclass(frozen=True)
class ActiveChange:
    kind: Literal["changed", "unchanged", "missing"]


@dataclass(frozen=True)
class RepInvite:
    invite_id: int | None  # None: the entity is missing or inactive
    token: str
    entity: db.Row | None


@dataclass(frozen=True)
class Revocation:
    kind: Literal["revoked", "already", "unknown"]  # already: used or revoked before
    entity_id: int | None


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    entity: db.Row | None  # for "other_entity": the entity they represent already


@dataclass(frozen=True)
class RepRemoval:
    removed: bool  # False: they did not represent it (any more)


async def view(conn: Queryable, entity_id: int, *, now: datetime) -> EntityView | None:
    """What an entity's card shows, or None when it does not exist."""
    entity = await db.get_entity(conn, entity_id)
    if entity is None:
        return None
    reps = await db.entity_reps(conn, entity_id)
    invites = []
    for invite in await db.open_entity_invites(conn, entity_id, now=now):
        expires = db.parse_ts(invite["expires_at"])
        if expires is not None:
            invites.append((int(invite["id"]), expires))
    return EntityView(entity, list(reps), invites)


async def add(
    database: Database, *, name_ar: str, name_en: str, kind: str, contact: str | None,
    actor_id: int, now: datetime,
) -> Added:
    """A new partner entity (names are unique: a second try of the same entity is refused)."""
    async with database.transaction() as tx:
        if await db.entity_name_taken(tx, "name_ar", name_ar) or await db.entity_name_taken(
            tx, "name_en", name_en
        ):
            return Added(None)
        entity_id = await db.create_entity(
            tx, name_ar=name_ar, name_en=name_en, kind=kind, contact=contact, created_by=actor_id, now=now
        )
        await db.audit(
            tx, actor_id=actor_id, action="entity.add", now=now, target_type="entity",
            target_id=entity_id, details={"name_en": name_en},
        )
    return Added(entity_id)


async def edit(
    database: Database, *, entity_id: int, field: str, value: str | None, actor_id: int, now: datetime
) -> Edited:
    """Change one field (name_ar, name_en, kind or contact), audited with its old value."""
    async with database.transaction() as tx:
        entity = await db.get_entity(tx, entity_id)
        if entity is None:
            return Edited(False)
        if entity[field] != value:
            await db.update_entity_field(tx, entity_id, field, value, now=now)
            await db.audit(
                tx, actor_id=actor_id, action="entity.edit", now=now, target_type="entity",
                target_id=entity_id, details={"field": field, "old": entity[field], "new": value},
            )
    return Edited(True)


async def set_active(
    database: Database, *, entity_id: int, active: bool, actor_id: int, now: datetime
) -> ActiveChange:
    """Deactivate (no new needs, no invites) or reactivate."""
    async with database.transaction() as tx:
        if await db.get_entity(tx, entity_id) is None:
            return ActiveChange("missing")
        if not await db.set_entity_active(tx, entity_id, active, now=now):
            return ActiveChange("unchanged")
        await db.audit(
            tx, actor_id=actor_id, now=now, action="entity.reactivate" if active else "entity.deactivate",
            target_type="entity", target_id=entity_id,
        )
    return ActiveChange("changed")


async def create_invite(
    database: Database, *, entity_id: int, actor_id: int, now: datetime, expires_at: datetime
) -> RepInvite:
    """A one-time link that makes whoever opens it a representative of an active entity."""
    token = secrets.token_urlsafe(12)
    async with database.transaction() as tx:
        entity = await db.get_entity(tx, entity_id)
        if entity is None or not entity["active"]:
            return RepInvite(None, token, entity)
        invite_id = await db.create_entity_invite(
            tx, token=token, entity_id=entity_id, created_by=actor_id, now=now, expires_at=expires_at
        )
        await db.audit(
            tx, actor_id=actor_id, action="entity.invite", now=now, target_type="entity",
            target_id=entity_id, details={"invite": invite_id},
        )
    return RepInvite(invite_id, token, entity)


async def revoke_invite(database: Database, *, invite_id: int, actor_id: int, now: datetime) -> Revocation:
    async with database.transaction() as tx:
        invite = await db.get_entity_invite(tx, invite_id=invite_id)
        if invite is None:
            return Revocation("unknown", None)
        entity_id = int(invite["entity_id"])
        if not await db.revoke_entity_invite(tx, invite_id, by=actor_id, now=now):
            return Revocation("already", entity_id)
        await db.audit(
            tx, actor_id=actor_id, action="entity.invite_revoked", now=now, target_type="entity",
            target_id=entity_id, details={"invite": invite_id},
        )
    return Revocation("revoked", entity_id)


async def accept_invite(
    database: Database, *, token: str, user_id: int, now: datetime, default_locale: str
) -> Claim:
    """The person who opens a valid invite becomes the entity's representative; the staff
    member who made the link is told."""
    async with database.transaction() as tx:
        kind, entity, invite = await _claim(tx, token, user_id, now)
        if kind != "joined" or entity is None or invite is None:
            return Claim(kind, entity)
        await db.set_user_role(tx, user_id, ENTITY_REP, now=now)
        await db.add_entity_member(tx, entity["id"], user_id, added_by=invite["created_by"], now=now)
        await db.audit(
            tx, actor_id=user_id, action="entity.rep_joined", now=now, target_type="entity",
            target_id=entity["id"], details={"invite": invite["id"], "invited_by": invite["created_by"]},
        )
        inviter = await db.get_user(tx, invite["created_by"])
        joined = await db.get_user(tx, user_id)
        if inviter is not None and joined is not None:
            await delivery.enqueue(
                tx, chat_id=inviter["id"], dedupe_key=f"repjoined:{invite['id']}", now=now,
                text=notices.rep_joined(inviter, joined, entity, default_locale),
            )
    return Claim("joined", entity)


async def _claim(
    tx: Tx, token: str, user_id: int, now: datetime
) -> tuple[ClaimKind, db.Row | None, db.Row | None]:
    """What opening this invite does for this person: ("joined", entity, invite) or a refusal."""
    invite = await db.get_entity_invite(tx, token=token) if token else None
    if invite is None:
        return "unknown", None, None
    entity = await db.get_entity(tx, invite["entity_id"])
    caller = await db.get_user(tx, user_id)
    memberships = await db.rep_memberships(tx, user_id)
    expires = db.parse_ts(invite["expires_at"])
    if any(m["id"] == invite["entity_id"] for m in memberships):
        return "already", entity, invite
    if invite["used_by"] is not None:
        return "used", entity, invite
    if invite["revoked_at"] is not None:
        return "revoked", entity, invite
    if expires is None or expires <= now:
        return "expired", entity, invite
    if entity is None or not entity["active"]:
        return "inactive", entity, invite
    if caller is not None and caller["role"] in STAFF:
        return "staff", entity, invite
    if memberships:
        return "other_entity", memberships[0], invite
    if not await db.claim_entity_invite(tx, token, user_id=user_id, now=now):
        return "used", entity, invite
    return "joined", entity, invite


async def remove_rep(
    database: Database, *, entity_id: int, user_id: int, actor_id: int, now: datetime, default_locale: str
) -> RepRemoval:
    """They no longer represent the entity (a volunteer again when it was their only one); told."""
    async with database.transaction() as tx:
        if not await db.remove_entity_member(tx, entity_id, user_id, now=now):
            return RepRemoval(False)
        rep = await db.get_user(tx, user_id)
        if rep is not None and rep["role"] == ENTITY_REP and not await db.rep_memberships(tx, user_id):
            await db.set_user_role(tx, user_id, VOLUNTEER, now=now)
        await db.audit(
            tx, actor_id=actor_id, action="entity.rep_removed", now=now, target_type="entity",
            target_id=entity_id, details={"user": user_id},
        )
        entity = await db.get_entity(tx, entity_id)
        if rep is not None and entity is not None:
            await delivery.enqueue(
                tx, chat_id=user_id, dedupe_key=f"repremoved:{entity_id}:{user_id}:{db.ts(now)}",
                now=now, text=notices.rep_removed(rep, entity, default_locale),
            )
    return RepRemoval(True)
