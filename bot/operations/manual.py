"""Offers made by hand: a coordinator (any shift) or the entity's representative (its own shifts)
offers a specific shift to a specific volunteer, seeing first which requirements they fail
(bot/offer_check.py); a failed requirement may be waived with a reason, which is audit-logged.

The offer is the dispatch machinery's own (bot/operations/dispatch.py): the same message, buttons
and expiry; accepting it re-checks every requirement except the ones waived here. Repeated, an
offer is made once (the volunteer's live offer is found and reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import db, matching, offer_check
from bot.assignments import HOLDS_PLACE, Status
from bot.config import Settings
from bot.db import Database, Queryable, Row
from bot.operations import dispatch
from bot.operations.attendance import may_record

# What happened (or would happen), for the handler to put into words.
OFFERED = "offered"  # the offer is on its way (or was, the same offer: `repeated`)
NO_SHIFT = "no_shift"
OTHER_ENTITY = "other_entity"  # a representative of another entity (or not staff at all)
GONE = "gone"  # the shift or its need was cancelled or closed
STARTED = "started"
NOT_VOLUNTEER = "not_volunteer"  # no volunteer profile (never registered, or erased)
BLOCKED = "blocked"  # fails a requirement nobody may waive (failures)
NEEDS_REASON = "needs_reason"  # fails requirements: waive them with a reason (failures)
HOLDS = "holds"  # already holds a place on this shift
WAITLISTED = "waitlisted"  # already on its waitlist
PENDING = "pending"  # already has a live offer for it (assignment)
ELIGIBLE = "eligible"  # check only: may be offered as it stands


@dataclass(frozen=True)
class Check:
    """Whether a volunteer may be offered a shift by hand, and what stands in the way."""

    kind: str
    shift: Row | None = None
    volunteer: Row | None = None
    failures: tuple[str, ...] = ()
    free: int = 0  # places free now (0: accepting puts them on the waitlist)
    assignment: Row | None = None  # their assignment for this shift, if any
    repeated: bool = False  # OFFERED: the live offer made before
    waived: tuple[str, ...] = field(default=())


async def _check(
    conn: Queryable, settings: Settings, *, shift_id: int, volunteer_id: int, actor_id: int,
    now: datetime,
) -> Check:
    shift = await db.get_shift(conn, shift_id)
    if shift is None:
        return Check(NO_SHIFT)
    if not await may_record(conn, user_id=actor_id, entity_id=shift["entity_id"]):
        return Check(OTHER_ENTITY, shift)
    if shift["shift_status"] != "open" or shift["need_status"] != "approved":
        return Check(GONE, shift)
    if db.moment(shift["starts_at"]) <= now:
        return Check(STARTED, shift)
    volunteer = await db.get_volunteer(conn, volunteer_id)
    if volunteer is None or volunteer["status"] == "deleted":
        return Check(NOT_VOLUNTEER, shift)
    fill = await db.shift_fill(conn, shift_id, now=now)
    free = max(0, shift["slots"] - fill["accepted"] - fill["holds"])
    existing = await db.find_assignment(conn, shift_id, volunteer_id)
    if existing is not None:
        if existing["status"] in HOLDS_PLACE:
            return Check(HOLDS, shift, volunteer, free=free, assignment=existing)
        if existing["status"] == Status.WAITLISTED:
            return Check(WAITLISTED, shift, volunteer, free=free, assignment=existing)
        if existing["status"] == Status.OFFERED and db.moment(existing["expires_at"]) > now:
            return Check(PENDING, shift, volunteer, free=free, assignment=existing)
    spec = await dispatch.load_spec(conn, shift)
    candidate = await dispatch.load_candidate(conn, settings, volunteer_id, shift=spec, now=now)
    if candidate is None:
        return Check(NOT_VOLUNTEER, shift)
    failed = tuple(offer_check.failures(candidate, spec, dispatch.rules(settings), now))
    if not failed:
        kind = ELIGIBLE
    elif offer_check.waivable(failed):
        kind = NEEDS_REASON
    else:
        kind = BLOCKED
    return Check(kind, shift, volunteer, failures=failed, free=free, assignment=existing)


async def check(
    conn: Queryable, settings: Settings, *, shift_id: int, volunteer_id: int, actor_id: int,
    now: datetime,
) -> Check:
    """What offering this shift to this volunteer would meet (nothing changes)."""
    return await _check(
        conn, settings, shift_id=shift_id, volunteer_id=volunteer_id, actor_id=actor_id, now=now
    )


async def offer(
    database: Database,
    settings: Settings,
    *,
    shift_id: int,
    volunteer_id: int,
    actor_id: int,
    now: datetime,
    waive: Iterable[str] = (),
    reason: str | None = None,
) -> Check:
    """Offer the shift to the volunteer. Failed requirements must all be in `waive`, with a
    `reason` (else NEEDS_REASON with the failures as they stand now). Audited."""
    waive = set(waive)
    reason = (reason or "").strip()[:500] or None
    async with database.transaction() as tx:
        found = await _check(
            tx, settings, shift_id=shift_id, volunteer_id=volunteer_id, actor_id=actor_id, now=now
        )
        if found.kind == PENDING:
            assert found.assignment is not None
            if found.assignment["source"] == "manual":
                return Check(OFFERED, found.shift, found.volunteer, free=found.free,
                             assignment=found.assignment, repeated=True,
                             waived=tuple(sorted(offer_check.decode(found.assignment["waived"]))))
            return found
        if found.kind == NEEDS_REASON and (not reason or not set(found.failures) <= waive):
            return found
        if found.kind not in (ELIGIBLE, NEEDS_REASON):
            return found
        shift = found.shift
        assert shift is not None
        waived = offer_check.encode(found.failures)
        expires_at = min(now + settings.offer_ttl, db.moment(shift["starts_at"]))
        if found.assignment is None:
            assignment_id = await db.insert_offer(
                tx, shift_id=shift_id, volunteer_id=volunteer_id, now=now, expires_at=expires_at,
                source="manual",
            )
            assert assignment_id is not None  # none existed, inside this transaction
            await db.set_waived(tx, assignment_id, waived)
        else:
            assignment_id = found.assignment["id"]
            reopened = await db.reopen_for_manual_offer(
                tx, assignment_id, now=now, expires_at=expires_at, waived=waived
            )
            assert reopened  # its status was read in this transaction
        assignment = await db.get_assignment(tx, assignment_id)
        recipient = await db.get_user(tx, volunteer_id)
        assert assignment is not None and recipient is not None
        await dispatch.enqueue_offer(
            tx, settings, assignment_id=assignment_id, key=dispatch.offer_key(assignment),
            recipient=recipient, shift=shift, now=now, expires_at=expires_at,
        )
        details: dict[str, object] = {"shift": shift_id, "volunteer": volunteer_id}
        if found.failures:
            details.update(waived=list(found.failures), reason=reason)
        await db.audit(
            tx, actor_id=actor_id, action="offer.manual", now=now, target_type="assignment",
            target_id=assignment_id, details=details,
        )
        return Check(OFFERED, shift, found.volunteer, free=found.free, assignment=assignment,
                     waived=found.failures)


async def candidates(
    conn: Queryable, settings: Settings, *, shift: Row, now: datetime, limit: int
) -> list[matching.Candidate]:
    """The best-ranked eligible volunteers not asked for this shift yet (what a wave would pick)."""
    spec = await dispatch.load_spec(conn, shift)
    return await dispatch.ranked_candidates(conn, settings, spec, now=now, limit=limit)


async def open_shifts(conn: Queryable, settings: Settings, *, now: datetime) -> list[Row]:
    """Shifts that may be offered by hand: open, approved, not started, within the offer horizon,
    soonest first, with their fill counts."""
    return await db.dispatchable_shifts(
        conn, now=now, starts_after=now,
        starts_before=now + timedelta(days=settings.offer_horizon_days),
    )
