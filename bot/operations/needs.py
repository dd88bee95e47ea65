"""Needs' decisions: submit from a /need draft, approve, reject, change slots, cancel a need or
one of its shifts. The first coordinator to decide a waiting need wins; the others are told who
did (the Outcome carries the need and who acted, for bot/texts/needs.py: too_late_text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot import db
from bot.config import Settings
from bot.db import Database, Queryable, Row
from bot.i18n import parse_time
from bot.needs import (
    DEFAULT_RADIUS_M,
    MIN_SLOTS,
    NeedRuleError,
    check_first_day,
    check_first_shift,
    min_slots_allowed,
    shift_windows,
)
from bot.notices import needs as notices
from bot.operations import feasibility
from bot.texts.needs import decider_id

_VOLUNTEER, ENTITY_REP, COORDINATOR, ADMIN = db.ROLES
STAFF = (COORDINATOR, ADMIN)
ACTIVE = ("submitted", "approved")
STAFF_VIEW, REP_VIEW = "staff", "rep"


async def access(conn: Queryable, user_id: int, entity_id: int) -> str | None:
    """"staff" for coordinators and admins, "rep" for a representative of this entity, else None."""
    user = await db.get_user(conn, user_id)
    role = None if user is None else user["role"]
    if role in STAFF:
        return STAFF_VIEW
    if role == ENTITY_REP and await db.is_entity_rep(conn, user_id, entity_id):
        return REP_VIEW
    return None


async def may_post_for(conn: Queryable, user_id: int, entity_id: int) -> bool:
    """Staff may post for any active entity; a representative only for their own."""
    entity = await db.get_entity(conn, entity_id)
    return entity is not None and bool(entity["active"]) and await access(conn, user_id, entity_id) is not None


async def need_and_decider(conn: Queryable, need_id: int) -> tuple[Row | None, Row | None]:
    """The need and whoever decided or cancelled it (for "too late" answers)."""
    need = await db.get_need(conn, need_id)
    actor_id = decider_id(need) if need is not None else None
    actor = await db.get_user(conn, actor_id) if actor_id else None
    return need, actor


# -- submit ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    kind: str  # submitted | not_allowed | first_day (the first day has passed: ask it again)
    need_id: int = 0
    shifts: int = 0
    repeated: bool = False  # this draft had been submitted already: nothing new was stored
    error: NeedRuleError | None = None


SUBMITTED, NOT_ALLOWED, FIRST_DAY = "submitted", "not_allowed", "first_day"


def _fields(draft: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "title": draft["title"], "specialty": draft["specialty"], "site_name": draft["site_name"],
        "latitude": draft.get("latitude"), "longitude": draft.get("longitude"),
        "checkin_radius_m": draft.get("checkin_radius_m", DEFAULT_RADIUS_M),
        "first_day": draft["first_day"], "last_day": draft["last_day"],
        "start_time": draft["start_time"], "end_time": draft["end_time"], "slots": draft["slots"],
        "gender": draft["gender"], "requires_training": int(bool(draft["requires_training"])),
        "min_age": draft.get("min_age"), "notes": draft.get("notes"),
    }


async def submit(
    db_: Database, settings: Settings, *, draft_key: str, draft: Mapping[str, Any], user_id: int,
    now: datetime,
) -> Submission:
    """Store the need of a finished draft with one shift per day, audit it and enqueue an approval
    card for every coordinator and admin. Once per draft: `draft_key` (the draft's `_id`) is
    unique on needs, so a second Submit returns the need stored the first time."""
    tz = settings.timezone
    async with db_.transaction() as tx:
        stored = await db.need_by_draft_key(tx, draft_key)
        if stored is not None:
            return Submission(SUBMITTED, int(stored["id"]), int(stored["shifts"]), repeated=True)
        entity_id = int(draft["entity_id"])
        if not await may_post_for(tx, user_id, entity_id):
            return Submission(NOT_ALLOWED)
        first, last = date.fromisoformat(draft["first_day"]), date.fromisoformat(draft["last_day"])
        try:
            check_first_day(first, now.astimezone(tz).date())
            check_first_shift(
                draft["first_day"], draft["start_time"], draft["end_time"], tz, now, code="first_shift_over"
            )
        except NeedRuleError as error:
            return Submission(FIRST_DAY, error=error)
        windows = shift_windows(first, last, parse_time(draft["start_time"]), parse_time(draft["end_time"]), tz)
        need_id, shift_ids = await db.insert_need(
            tx, entity_id=entity_id, created_by=user_id, now=now, fields=_fields(draft),
            languages=draft.get("languages", []), windows=windows, draft_key=draft_key,
            minimums=draft.get("minimums") or {},
        )
        await db.audit(
            tx, actor_id=user_id, action="need.submit", now=now, target_type="need",
            target_id=need_id, details={"entity": entity_id, "shifts": len(shift_ids)},
        )
        report = await feasibility.for_need(tx, settings, need_id, now=now)
        await notices.send_approval_cards(tx, need_id, settings=settings, now=now, report=report)
    return Submission(SUBMITTED, need_id, len(shift_ids))


# -- decide ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    won: bool  # False: someone decided (or cancelled) first, or the need is gone
    on_card: bool = False  # the pressed message is one of the need's approval cards
    need: Row | None = None  # as it is after the decision
    actor: Row | None = None  # who decided or cancelled it


async def _decide(
    db_: Database, settings: Settings, *, need_id: int, status: str, actor_id: int, now: datetime,
    reason: str | None = None, slots: int | None = None, pressed: tuple[int, int] | None = None,
) -> Decision:
    async with db_.transaction() as tx:
        cards = await db.approval_cards(tx, need_id)
        on_card = pressed is not None and any((c["chat_id"], c["message_id"]) == pressed for c in cards)
        if status == "approved" and await _close_if_started(tx, settings, need_id, now=now, ended=True):
            need, actor = await need_and_decider(tx, need_id)
            return Decision(False, on_card, need, actor)
        won = await db.decide_need(tx, need_id, status, by=actor_id, now=now, reason=reason)
        if won:
            if slots is not None:
                await db.set_need_slots(tx, need_id, slots, now=now)
            if status == "rejected":
                await db.cancel_open_shifts(tx, need_id, reason="need_rejected", by=actor_id, now=now)
            await db.audit(
                tx, actor_id=actor_id, action=f"need.{'approve' if status == 'approved' else 'reject'}",
                now=now, target_type="need", target_id=need_id,
                details={"reason": reason} if reason else ({"slots": slots} if slots else {}),
            )
            await notices.close_approval_cards(
                tx, need_id, settings=settings, now=now, skip_message=pressed if on_card else None,
            )
            await notices.notify_decision(tx, need_id, settings=settings, now=now)
        need, actor = await need_and_decider(tx, need_id)
    return Decision(won, on_card, need, actor)


async def approve(
    db_: Database, settings: Settings, *, need_id: int, actor_id: int, now: datetime,
    slots: int | None = None, pressed: tuple[int, int] | None = None,
) -> Decision:
    """Approve a waiting need (with `slots` volunteers per shift instead of those asked for);
    every approval card then says who did, and the representatives are told."""
    return await _decide(
        db_, settings, need_id=need_id, status="approved", actor_id=actor_id, now=now,
        slots=slots, pressed=pressed,
    )


async def reject(
    db_: Database, settings: Settings, *, need_id: int, actor_id: int, reason: str, now: datetime
) -> Decision:
    """Reject a waiting need with a reason the representatives receive; its shifts are cancelled."""
    return await _decide(
        db_, settings, need_id=need_id, status="rejected", actor_id=actor_id, now=now, reason=reason
    )


# -- waiting too long -----------------------------------------------------------------------------


async def _close_if_started(
    tx: db.Tx, settings: Settings, need_id: int, *, now: datetime, ended: bool = False
) -> bool:
    """Close a waiting need whose first shift has started (the scheduler), or has ended (an
    approval, which is then refused): its shifts are cancelled, its approval cards say so, the
    representatives are told; audited."""
    first = await db.first_shift_start(tx, need_id)
    if first is None or first > now:
        return False
    if ended and await db.first_shift_end(tx, need_id) > now:
        return False
    if not await db.close_waiting_need(tx, need_id, now=now):
        return False
    await db.audit(
        tx, actor_id=None, action="need.expire", now=now, target_type="need", target_id=need_id,
        details={"first_shift": db.ts(first)},
    )
    await notices.close_approval_cards(tx, need_id, settings=settings, now=now)
    await notices.notify_closed_unapproved(tx, need_id, first, settings=settings, now=now)
    return True


async def close_started_waiting(db_: Database, settings: Settings, *, now: datetime) -> int:
    """The scheduler's step: every waiting need whose first shift has started is closed (once:
    the guarded update), each in its own transaction; returns how many."""
    closed = 0
    for need_id in await db.waiting_needs_started(db_, now=now):
        async with db_.transaction() as tx:
            closed += await _close_if_started(tx, settings, need_id, now=now)
    return closed


# -- change slots ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotsChange:
    kind: str  # changed | below (a shift ahead has more accepted volunteers) | too_late
    floor: int = MIN_SLOTS
    need: Row | None = None
    actor: Row | None = None


CHANGED, BELOW, TOO_LATE = "changed", "below", "too_late"


async def change_slots(
    db_: Database, settings: Settings, *, need_id: int, actor_id: int, slots: int, now: datetime
) -> SlotsChange:
    """New volunteers per shift for an approved need's shifts ahead (never below the volunteers
    one of them has accepted already); audited; the representatives are told."""
    async with db_.transaction() as tx:
        need = await db.get_need(tx, need_id)
        if need is None or need["status"] != "approved":
            found, actor = await need_and_decider(tx, need_id)
            return SlotsChange(TOO_LATE, need=found, actor=actor)
        floor = min_slots_allowed([await db.most_accepted_on_future_shifts(tx, need_id, now=now)])
        if slots < floor:
            return SlotsChange(BELOW, floor=floor, need=need)
        if slots != need["slots"]:
            await db.set_need_slots(tx, need_id, slots, now=now)
            await db.audit(
                tx, actor_id=actor_id, action="need.slots", now=now, target_type="need",
                target_id=need_id, details={"old": need["slots"], "new": slots},
            )
            await notices.notify_slots_changed(tx, need, slots, settings=settings, now=now)
    return SlotsChange(CHANGED, floor=floor, need=need)


# -- cancel ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cancellation:
    cancelled: bool  # False: already cancelled, decided against, or started
    need: Row | None = None
    actor: Row | None = None
    volunteers_told: int = 0


async def cancel_need(
    db_: Database, settings: Settings, *, need_id: int, actor_id: int, now: datetime
) -> Cancellation:
    """Cancel a waiting or approved need and its shifts ahead: their volunteers are told, its
    approval cards close, the representatives hear of it unless one of them did it; audited."""
    async with db_.transaction() as tx:
        need = await db.get_need(tx, need_id)
        viewer = await access(tx, actor_id, need["entity_id"]) if need is not None else None
        if need is None or viewer is None or need["status"] not in ACTIVE:
            found, actor = await need_and_decider(tx, need_id)
            return Cancellation(False, found, actor)
        shift_ids = await db.cancel_need(tx, need_id, by=actor_id, now=now)
        told = await notices.cancel_assignments_and_notify(
            tx, need, shift_ids, scope=f"need:{need_id}", settings=settings, now=now
        )
        if need["status"] == "submitted":
            await notices.close_approval_cards(tx, need_id, settings=settings, now=now)
        await db.audit(
            tx, actor_id=actor_id, action="need.cancel", now=now, target_type="need",
            target_id=need_id, details={"shifts": len(shift_ids), "volunteers_told": told},
        )
        actor = await db.get_user(tx, actor_id)
        await notices.notify_reps_of_cancel(
            tx, need, actor, by_staff=viewer == STAFF_VIEW, shift=None, settings=settings, now=now
        )
    return Cancellation(True, need, actor, told)


async def cancel_shift(
    db_: Database, settings: Settings, *, shift_id: int, actor_id: int, now: datetime
) -> Cancellation:
    """Cancel one open shift that has not started: its volunteers are told, and the
    representatives unless one of them did it; audited."""
    async with db_.transaction() as tx:
        shift = await db.get_shift(tx, shift_id)
        viewer = await access(tx, actor_id, shift["entity_id"]) if shift is not None else None
        if shift is None or viewer is None or shift["need_status"] not in ACTIVE:
            return Cancellation(False)
        if not await db.cancel_shift(tx, shift_id, by=actor_id, now=now):
            return Cancellation(False)
        need = await db.get_need(tx, shift["need_id"])
        assert need is not None  # the shift's need, read in this transaction
        told = await notices.cancel_assignments_and_notify(
            tx, need, [shift_id], scope=f"shift:{shift_id}", settings=settings, now=now
        )
        await db.audit(
            tx, actor_id=actor_id, action="shift.cancel", now=now, target_type="shift",
            target_id=shift_id, details={"need": shift["need_id"], "volunteers_told": told},
        )
        actor = await db.get_user(tx, actor_id)
        await notices.notify_reps_of_cancel(
            tx, need, actor, by_staff=viewer == STAFF_VIEW, shift=shift, settings=settings, now=now
        )
    return Cancellation(True, need, actor, told)
