"""A shift still short near its start: escalated once per lead (ESCALATION_LEADS) to the
coordinators and the entity's representatives, with what they can do about it: offer the shift
to the next-ranked volunteers now, tell every volunteer who fits and was not asked yet, or change
the places (the need_slots flow). Each button acts once per escalation (a guarded update on
shift_escalations), and only for staff or the shift's own entity's representatives.

The escalation is its own message, once per lead: not part of the at-risk digest (digests.py),
which is about volunteers who have not confirmed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import db, delivery, language_rule
from bot.config import Settings
from bot.db import Database, Row, Tx
from bot.feasibility import Pool
from bot.i18n import use_locale, user_locale
from bot.notices import escalations as notices
from bot.operations import dispatch, feasibility
from bot.operations.needs import STAFF_VIEW, access

MIN_OFFER_LEAD = timedelta(minutes=30)  # as the scheduler's waves: nobody could get there in time

DONE, ALREADY, NOT_ALLOWED, GONE, FULL, NOBODY = "done", "already", "not_allowed", "gone", "full", "nobody"


@dataclass(frozen=True)
class Outcome:
    kind: str
    count: int = 0  # offers made, or volunteers told
    shift: Row | None = None
    actor: Row | None = None  # who had done it (ALREADY)


async def escalate_due(
    database: Database, settings: Settings, *, now: datetime,
    pause: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Every open shift still short at one of the leads: one message per lead to each
    coordinator, admin and representative of the entity. When several leads are due at once
    (the need was approved late, the bot was down) only the nearest is sent and the others are
    recorded with it. Returns how many shifts were escalated. `pause` is awaited before each
    shift (the scheduler's: handlers being answered go first)."""
    leads = sorted({int(lead.total_seconds()) for lead in settings.escalation_leads})
    if not leads:
        return 0
    due: dict[int, tuple[Row, list[int]]] = {}
    for lead in leads:
        for row in await db.short_shifts_due(database, now=now, lead_seconds=lead):
            due.setdefault(row["shift_id"], (row, []))[1].append(lead)
    escalated = 0
    for shift_id, (row, due_leads) in sorted(due.items()):
        if pause is not None:
            await pause()
        # Who could fill it, counted before the transaction on the background connection: the
        # count walks the specialty's volunteers (~15 ms at 100,000), which held the writer,
        # and so every handler's write, for the whole of it. It only informs the message.
        reader = database.background
        spec = await dispatch.load_spec(reader, row)
        pool = await feasibility.shift_pool(reader, settings, spec, int(row["slots"]), now=now)
        async with database.transaction() as tx:
            short_by = int(row["slots"]) - int(row["accepted"]) - int(row["holds"])
            fresh = [
                lead for lead in due_leads
                if await db.record_escalation(tx, shift_id, lead, now=now, short_by=short_by)
            ]
            if not fresh:
                continue
            await _tell_office(tx, settings, row, pool, min(fresh), now=now)
            escalated += 1
    return escalated


async def _tell_office(
    tx: Tx, settings: Settings, shift: Row, pool: Pool, lead_seconds: int, *, now: datetime
) -> None:
    recipients: dict[int, tuple[Row, bool]] = {}
    for row in await db.list_users_by_role(tx, ("coordinator", "admin")):
        recipients[row["id"]] = (row, True)
    for row in await db.entity_representatives(tx, shift["entity_id"]):
        recipients.setdefault(row["id"], (row, False))
    for user_id, (user, staff) in recipients.items():
        with use_locale(user_locale(user, settings.default_locale)):
            text = notices.escalation_text(shift, pool, lead_seconds, settings.timezone)
            keyboard = notices.escalation_keyboard(shift, lead_seconds, staff=staff)
        await delivery.enqueue(
            tx, chat_id=user_id, dedupe_key=f"escalate:{shift['shift_id']}:{lead_seconds}:{user_id}",
            now=now, text=text, reply_markup=keyboard, priority=delivery.URGENT,
            deadline=db.parse_ts(shift["starts_at"]),
        )


async def _checked(tx: Tx, shift_id: int, lead_seconds: int, actor_id: int, *, now: datetime) -> Outcome | Row:
    """The shift, if this escalation exists, the actor may act on it and it can still be helped."""
    shift = await db.get_shift(tx, shift_id)
    escalation = await db.get_escalation(tx, shift_id, lead_seconds)
    if shift is None or escalation is None:
        return Outcome(GONE)
    if await access(tx, actor_id, shift["entity_id"]) is None:
        return Outcome(NOT_ALLOWED, shift=shift)
    if (
        shift["shift_status"] != "open" or shift["need_status"] != "approved"
        or db.moment(shift["starts_at"]) < now + MIN_OFFER_LEAD
    ):
        return Outcome(GONE, shift=shift)
    return shift


async def offer_next_now(
    database: Database, settings: Settings, *, shift_id: int, lead_seconds: int, actor_id: int, now: datetime
) -> Outcome:
    """Offer the shift now to as many of the next-ranked eligible volunteers (not asked yet) as
    it has open places, on top of the offers already waiting; once per escalation."""
    async with database.transaction() as tx:
        found = await _checked(tx, shift_id, lead_seconds, actor_id, now=now)
        if isinstance(found, Outcome):
            return found
        shift = found
        fill = await db.shift_fill(tx, shift_id, now=now)
        open_slots = int(shift["slots"]) - int(fill["accepted"]) - int(fill["holds"])
        if open_slots <= 0:
            return Outcome(FULL, shift=shift)
        if not await db.mark_escalation_acted(tx, shift_id, lead_seconds, "next", by=actor_id, now=now):
            return await _already(tx, shift_id, lead_seconds, "next", shift)
        spec = await dispatch.load_spec(tx, shift)
        holders, asked = await db.shift_speakers(tx, shift_id, now=now)
        ranked = await dispatch.ranked_candidates(tx, settings, spec, now=now, limit=None)
        chosen = language_rule.select(
            spec.language_rule, ranked, lambda c: c.languages, limit=open_slots, taken=holders + asked
        )
        expires_at = min(now + settings.offer_ttl, spec.starts_at)
        made = 0
        for candidate in chosen:
            assignment_id = await db.insert_offer(
                tx, shift_id=shift_id, volunteer_id=candidate.user_id, now=now, expires_at=expires_at
            )
            recipient = await db.get_user(tx, candidate.user_id)
            if assignment_id is None or recipient is None:
                continue
            await dispatch.enqueue_offer(
                tx, settings, assignment_id=assignment_id, key=f"offer:{assignment_id}",
                recipient=recipient, shift=shift, now=now, expires_at=expires_at,
            )
            made += 1
        await db.audit(
            tx, actor_id=actor_id, action="shift.offer_now", now=now, target_type="shift",
            target_id=shift_id, details={"offers": made},
        )
        return Outcome(DONE if made else NOBODY, made, shift)


async def tell_eligible(
    database: Database, settings: Settings, *, shift_id: int, lead_seconds: int, actor_id: int, now: datetime
) -> Outcome:
    """Tell every eligible volunteer not asked yet that the shift needs them (through the outbox,
    each once): they sign up with /shifts; once per escalation."""
    async with database.transaction() as tx:
        found = await _checked(tx, shift_id, lead_seconds, actor_id, now=now)
        if isinstance(found, Outcome):
            return found
        shift = found
        if not await db.mark_escalation_acted(tx, shift_id, lead_seconds, "told", by=actor_id, now=now):
            return await _already(tx, shift_id, lead_seconds, "told", shift)
        spec = await dispatch.load_spec(tx, shift)
        ranked = await dispatch.ranked_candidates(tx, settings, spec, now=now, limit=None)
        users = await db.users_by_id(tx, [c.user_id for c in ranked])
        told = 0
        for candidate in ranked:
            user = users.get(candidate.user_id)
            if user is None:
                continue
            with use_locale(user_locale(user, settings.default_locale)):
                text = notices.call_text(shift, settings.timezone)
            told += await delivery.enqueue(
                tx, chat_id=candidate.user_id, dedupe_key=f"esctell:{shift_id}:{candidate.user_id}",
                now=now, text=text, deadline=spec.starts_at,
            )
        await db.audit(
            tx, actor_id=actor_id, action="shift.tell_eligible", now=now, target_type="shift",
            target_id=shift_id, details={"told": told},
        )
        return Outcome(DONE if told else NOBODY, told, shift)


async def _already(tx: Tx, shift_id: int, lead_seconds: int, action: str, shift: Row) -> Outcome:
    escalation = await db.get_escalation(tx, shift_id, lead_seconds)
    by = escalation[f"{action}_by"] if escalation is not None else None
    return Outcome(ALREADY, shift=shift, actor=await db.get_user(tx, by) if by else None)


def is_staff_view(view: str | None) -> bool:
    return view == STAFF_VIEW
