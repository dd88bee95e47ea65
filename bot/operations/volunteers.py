"""Decisions about volunteers: their own (register, edit the profile, pause, resume, erase) and
the office's (approve, reject, suspend, reinstate, training qualifications)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from bot import db, delivery
from bot.assignments import Status
from bot.config import Settings
from bot.db import Database
from bot.i18n import _, use_locale, user_locale
from bot.notices import dispatch as dispatch_notices
from bot.notices import volunteers as notices
from bot.operations import dispatch
from bot.volunteers import Profile

_VOLUNTEER, _REPRESENTATIVE, COORDINATOR, ADMIN = db.ROLES


@dataclass(frozen=True)
class StatusChange:
    changed: bool  # False: the status was not what the change needs (nothing happened)


async def pause(db_: Database, user_id: int, *, until: datetime | None, now: datetime) -> StatusChange:
    """Pause offers until a moment (None: until /resume); an expired pause counts as active."""
    async with db_.transaction() as tx:
        await db.expire_pauses(tx, now, user_id=user_id)
        paused = await db.pause_volunteer(tx, user_id, until=until, now=now)
    return StatusChange(paused)


# -- registration and the profile ---------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    status: str  # "active", "pending" (the office approves first) or "already" (another record)


async def register(
    db_: Database, settings: Settings, user_id: int, profile: Profile, *,
    consent_at: datetime, key: str, now: datetime,
) -> Registered:
    """Store a confirmed registration once per draft (`key`), with the office's approval cards
    when approval is required. The same draft again finds its own record and writes nothing."""
    async with db_.transaction() as tx:
        row = await db.get_volunteer(tx, user_id)
        if row is not None and row["status"] != "deleted":
            if row["registration_key"] == key:
                return Registered("pending" if row["status"] == "pending" else "active")
            return Registered("already")
        status = "pending" if settings.require_approval else "active"
        await db.register_volunteer(
            tx, user_id, profile, status=status, consent_at=consent_at, now=now, key=key
        )
        if status == "pending":
            for staff in await db.list_users_by_role(tx, (COORDINATOR, ADMIN)):
                text, keyboard = notices.approval_card(staff, settings.default_locale, user_id, profile)
                await delivery.enqueue(
                    tx, chat_id=staff["id"], dedupe_key=f"reg:approval:{key}:{staff['id']}",
                    now=now, text=text, reply_markup=keyboard,
                )
    return Registered(status)


@dataclass(frozen=True)
class PhoneCheck:
    taken: bool  # another live volunteer registered this number (the office can see it in /audit)


async def check_phone(db_: Database, user_id: int, phone: str, *, now: datetime) -> PhoneCheck:
    """A number given at registration or in a profile edit that another volunteer already
    registered: refused, and recorded for the office (once per person and number)."""
    async with db_.transaction() as tx:
        other = await db.volunteer_with_phone(tx, phone, other_than=user_id)
        if other is None:
            return PhoneCheck(False)
        if not await db.audit_exists(tx, action="volunteer.phone_clash", actor_id=user_id, target_id=other["user_id"]):
            await db.audit(
                tx, actor_id=user_id, action="volunteer.phone_clash", now=now,
                target_type="volunteer", target_id=other["user_id"],
            )
    return PhoneCheck(True)


@dataclass(frozen=True)
class ProfileSaved:
    saved: bool  # False: no live volunteer record any more (erased meanwhile)


async def update_profile(db_: Database, user_id: int, profile: Profile, *, now: datetime) -> ProfileSaved:
    """Save an edited profile as a whole (saving the same answers again changes nothing more)."""
    async with db_.transaction() as tx:
        saved = await db.update_volunteer_profile(tx, user_id, profile, now=now)
    return ProfileSaved(saved)


@dataclass(frozen=True)
class Resumed:
    status: str  # "resumed", or why not: "not_registered", "pending", "suspended", "not_paused"


async def resume(db_: Database, user_id: int, *, now: datetime) -> Resumed:
    """End a pause (one that has run out is tidied first, and counts as not paused)."""
    async with db_.transaction() as tx:
        await db.expire_pauses(tx, now, user_id=user_id)
        row = await db.get_volunteer(tx, user_id)
        resumed = await db.set_volunteer_status(tx, user_id, "active", expected=("paused",), now=now)
    if resumed:
        return Resumed("resumed")
    if row is None or row["status"] == "deleted":
        return Resumed("not_registered")
    if row["status"] in ("pending", "suspended"):
        return Resumed(row["status"])
    return Resumed("not_paused")


@dataclass(frozen=True)
class Erased:
    erased: bool  # False: there was no volunteer record to erase


def _replaced(new: str, _old: str) -> str:
    return new


async def delete_me(db_: Database, user_id: int, *, now: datetime, default_locale: str) -> Erased:
    """Erase the volunteer's personal data; their anonymous history stays."""
    async with db_.transaction() as tx:
        profile = await db.get_volunteer(tx, user_id)
        user = await db.get_user(tx, user_id)
        needles = [
            value for value in (
                profile["full_name"] if profile else None, profile["phone"] if profile else None,
                user["username"] if user else None,
            ) if value
        ]
        # Cards about them sent to others (approval cards): withdrawn if still queued, edited if
        # sent, so no coordinator's chat keeps their name and phone.
        for card in await db.outbox_mentioning(tx, needles):
            if card["chat_id"] == user_id:
                continue
            recipient = await db.get_user(tx, card["chat_id"])
            with use_locale(user_locale(recipient, default_locale)):
                erased_text = _("The data of this volunteer was erased at their request.")
            await delivery.revise(
                tx, card, dedupe_key=f"erased:{card['id']}", now=now,
                text=functools.partial(_replaced, erased_text),
            )
            await db.blank_outbox_payload(tx, card["id"])
        erased = await db.erase_volunteer(tx, user_id, now=now)
    return Erased(erased)


# -- the office's decisions ---------------------------------------------------------------------

# action -> (statuses it applies to, new status, audit action)
ACTIONS = {
    "approve": (("pending",), "active", "volunteer.approve"),
    "reject": (("pending",), "suspended", "volunteer.reject"),
    "reinstate": (("suspended",), "active", "volunteer.reinstate"),
}


async def decide(
    db_: Database, settings: Settings, *, user_id: int, action: str, actor_id: int, now: datetime
) -> StatusChange:
    """Approve, reject, suspend or reinstate, if the volunteer's status still allows it; audited,
    and the volunteer is told in their language. Pressed again, the guard has passed: no effect."""
    expected, new_status, audit_action = ACTIONS[action]
    async with db_.transaction() as tx:
        if action == "approve":
            changed = await db.approve_volunteer(tx, user_id, approved_by=actor_id, now=now)
        else:
            changed = await db.set_volunteer_status(tx, user_id, new_status, expected=expected, now=now)
        if changed:
            await db.audit(
                tx, actor_id=actor_id, action=audit_action, now=now, target_type="volunteer",
                target_id=user_id,
            )
            await _tell(tx, settings, user_id, action, now=now)
    return StatusChange(changed)


SUSPENDED_REASON = "volunteer_suspended"  # cancel_reason of the places a suspension released


@dataclass(frozen=True)
class Suspension:
    changed: bool  # False: the volunteer was not active or paused (nothing happened)
    released: int = 0  # places and waitlist turns given up (the waitlist promoted)
    withdrawn: int = 0  # offers not answered yet, taken back


async def suspend(
    db_: Database, settings: Settings, *, user_id: int, reason: str, actor_id: int, now: datetime
) -> Suspension:
    """Suspend an active or paused volunteer, with the office's reason (audited, not shown to
    the volunteer): their places on shifts that have not ended are released to the waitlist,
    offers not answered yet withdrawn, reminders stopped; they are told how to reach the office.
    Pressed again, the guard has passed: no effect."""
    async with db_.transaction() as tx:
        if not await db.set_volunteer_status(
            tx, user_id, "suspended", expected=("active", "paused"), now=now
        ):
            return Suspension(False)
        released = withdrawn = 0
        for place in await db.volunteer_live_places(tx, user_id, now=now):
            await db.skip_pending_reminders(tx, place["id"], now=now)
            if place["status"] == Status.OFFERED:
                if not await db.withdraw_offer(tx, place["id"], now=now, reason=SUSPENDED_REASON):
                    continue
                withdrawn += 1
                await dispatch.close_offer_message(
                    tx, settings, place, note=dispatch_notices.offer_withdrawn_note, now=now
                )
                if not place["promoted_at"]:
                    continue  # a held place (a promotion) goes on to the next below
            elif await db.mark_cancelled(
                tx, place["id"], now=now, reason=SUSPENDED_REASON, late=False
            ):
                released += 1
            else:
                continue
            await dispatch.fill_from_waitlist(tx, settings, place["shift_id"], now=now)
        await db.audit(
            tx, actor_id=actor_id, action="volunteer.suspend", now=now, target_type="volunteer",
            target_id=user_id,
            details={"reason": reason, "released": released, "withdrawn": withdrawn},
        )
        user = await db.get_user(tx, user_id)
        await delivery.enqueue(
            tx, chat_id=user_id, dedupe_key=f"vol:suspend:{user_id}:{db.ts(now)}", now=now,
            text=notices.suspension_notice(
                user, settings.default_locale, contact=settings.office_contact,
                released=released + withdrawn,
            ),
        )
    return Suspension(True, released=released, withdrawn=withdrawn)


async def qualify(
    db_: Database, settings: Settings, *, user_id: int, specialty: str, grant: bool, actor_id: int,
    now: datetime,
) -> StatusChange:
    """Record (grant) or remove a training qualification; a grant is told to the volunteer."""
    async with db_.transaction() as tx:
        row = await db.get_volunteer(tx, user_id)
        changed = False
        if row is not None and row["status"] != "deleted":
            if grant:
                changed = await db.grant_qualification(tx, user_id, specialty, granted_by=actor_id, now=now)
            else:
                changed = await db.revoke_qualification(tx, user_id, specialty)
        if changed:
            await db.audit(
                tx, actor_id=actor_id, now=now, target_type="volunteer", target_id=user_id,
                action="volunteer.qualify" if grant else "volunteer.unqualify",
                details={"specialty": specialty},
            )
            if grant:
                await _tell(tx, settings, user_id, "qualify", now=now, specialty=specialty)
    return StatusChange(changed)


async def _tell(
    tx: db.Tx, settings: Settings, user_id: int, kind: str, *, now: datetime, specialty: str | None = None
) -> None:
    user = await db.get_user(tx, user_id)
    text = notices.decision_notice(user, settings.default_locale, kind, specialty)
    suffix = f":{specialty}" if specialty else ""
    await delivery.enqueue(
        tx, chat_id=user_id, dedupe_key=f"vol:{kind}:{user_id}{suffix}:{db.ts(now)}", now=now, text=text
    )
