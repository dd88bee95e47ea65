"""Attendance: volunteers check in at the site, shifts settle into completed or no-show, and the
people who were there correct the record.

Like bot/operations/dispatch.py: each operation is one `BEGIN IMMEDIATE` transaction that re-reads the
assignment, changes it with a guarded UPDATE and writes what it causes to the outbox in the same
transaction. No Telegram here; handlers put outcomes into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import db, delivery, matching
from bot.assignments import ROSTER, SERVED, Status
from bot.config import Settings
from bot.db import Database, Queryable, Row, Tx
from bot.i18n import use_locale, user_locale
from bot.notices import dispatch as texts
from bot.operations import digests, trainings

# What happened, for the handler to put into words.
UNKNOWN = "unknown"  # no such assignment
NOT_YOURS = "not_yours"  # someone else's place
GONE = "gone"  # the shift or its need was cancelled
NOT_TAKEN = "not_taken"  # the place was never taken, or was given up
EARLY = "early"  # check-in has not opened yet (opens_at)
ENDED = "ended"  # the shift is over
ALREADY = "already"  # already checked in (or already marked so)
NEEDS_LOCATION = "needs_location"  # the site has coordinates: share a location
TOO_FAR = "too_far"  # the location is outside the radius (distance_m)
CHECKED_IN = "checked_in"
NOT_STARTED = "not_started"  # corrections: the shift has not started
SUSPENDED = "suspended"  # the volunteer's account is suspended: no check-in
MARKED = "marked"  # corrections: status changed (status)


@dataclass(frozen=True)
class Attendance:
    kind: str
    assignment: Row | None = None
    distance_m: int | None = None
    opens_at: datetime | None = None
    status: str | None = None  # the status a correction set


def has_site(row: Row) -> bool:
    return row["latitude"] is not None and row["longitude"] is not None


def _gone(row: Row) -> bool:
    return row["shift_status"] == "cancelled" or row["need_status"] in ("cancelled", "rejected")


def _window(row: Row) -> tuple[datetime, datetime]:
    return db.moment(row["starts_at"]), db.moment(row["ends_at"])


def checkin_problem(
    row: Row | None, user_id: int, settings: Settings, now: datetime
) -> Attendance | None:
    """Why this volunteer cannot check in to this place now, or None."""
    if row is None:
        return Attendance(UNKNOWN)
    if row["volunteer_id"] != user_id:
        return Attendance(NOT_YOURS, row)
    if row["status"] in SERVED:
        return Attendance(ALREADY, row)
    if _gone(row):
        return Attendance(GONE, row)
    if row["status"] == Status.NO_SHOW:
        return Attendance(ENDED, row)
    if row["status"] != Status.ACCEPTED:
        return Attendance(NOT_TAKEN, row)
    starts_at, ends_at = _window(row)
    timing = matching.checkin_timing(starts_at, ends_at, settings.checkin_lead, now)
    if timing == "early":
        return Attendance(EARLY, row, opens_at=starts_at - settings.checkin_lead)
    if timing == "ended":
        return Attendance(ENDED, row)
    return None


async def check_in(
    database: Database,
    settings: Settings,
    *,
    assignment_id: int,
    user_id: int,
    now: datetime,
    location: tuple[float, float] | None = None,
) -> Attendance:
    """Check the volunteer in: at once when the site has no coordinates, else only with a
    location within the site's check-in radius."""
    async with database.transaction() as tx:
        row = await db.get_assignment(tx, assignment_id)
        problem = checkin_problem(row, user_id, settings, now)
        if problem:
            return problem
        assert row is not None
        volunteer = await db.get_volunteer(tx, user_id)
        if volunteer is not None and volunteer["status"] == "suspended":
            return Attendance(SUSPENDED, row)
        distance: int | None = None
        if has_site(row):
            if location is None:
                return Attendance(NEEDS_LOCATION, row)
            distance = round(matching.distance_m(row["latitude"], row["longitude"], *location))
            if distance > row["checkin_radius_m"]:
                return Attendance(TOO_FAR, row, distance_m=distance)
        if not await db.mark_checked_in(tx, assignment_id, now=now, distance_m=distance):
            return Attendance(ALREADY, row)
        await trainings.grant_for_attendance(tx, settings, row, actor_id=None, now=now)
        return Attendance(CHECKED_IN, row, distance_m=distance)


async def thank(tx: Tx, settings: Settings, row: Row, *, now: datetime) -> None:
    """The thank-you for a completed shift, with its hours and the volunteer's total (once)."""
    record = (await db.service_records(tx, [row["volunteer_id"]], now=now))[row["volunteer_id"]]
    with use_locale(user_locale(row, settings.default_locale)):
        text = texts.thank_you_text(row, total_hours=record.hours)
    await delivery.enqueue(
        tx, chat_id=row["volunteer_id"], dedupe_key=f"thanks:{row['id']}", now=now, text=text
    )


# -- a no-show, told with care ----------------------------------------------------------------------

NOTED = "noted"  # the no-show's reason was stored


def no_show_key(assignment_id: int) -> str:
    return f"noshow:{assignment_id}"


async def tell_no_show(
    tx: Tx, settings: Settings, row: Row, *, now: datetime, actor_id: int | None = None
) -> None:
    """A place just became a no-show (settled after the shift, or marked absent by `actor_id`):
    the volunteer gets a kind message, once per place, with a button to say what happened; the
    office and the entity's representatives (but the one who marked it) find it in their next
    alert digest."""
    await digests.queue(tx, row, kind=digests.NO_SHOW, now=now, skip=actor_id)
    volunteer = await db.get_volunteer(tx, row["volunteer_id"])
    gender = volunteer["gender"] if volunteer is not None else None
    with use_locale(user_locale(row, settings.default_locale)):
        text = texts.no_show_text(row, settings.timezone, gender=gender)
        keyboard = texts.no_show_keyboard(row["id"], gender=gender)
    await delivery.enqueue(
        tx, chat_id=row["volunteer_id"], dedupe_key=no_show_key(row["id"]), now=now,
        text=text, reply_markup=keyboard,
    )


async def no_show_problem(conn: Queryable, *, assignment_id: int, user_id: int) -> Attendance | None:
    """Why this volunteer cannot say what happened on this place, or None."""
    row = await db.get_assignment(conn, assignment_id)
    if row is None:
        return Attendance(UNKNOWN)
    if row["volunteer_id"] != user_id:
        return Attendance(NOT_YOURS, row)
    if row["status"] != Status.NO_SHOW:
        return Attendance(ALREADY, row)  # corrected to present meanwhile: nothing to explain
    return None


async def save_no_show_reason(
    database: Database, *, assignment_id: int, user_id: int, reason: str
) -> Attendance:
    """Store what the volunteer says about a no-show (the latest answer counts): NOTED."""
    async with database.transaction() as tx:
        problem = await no_show_problem(tx, assignment_id=assignment_id, user_id=user_id)
        if problem:
            return problem
        await db.set_no_show_reason(tx, assignment_id, reason[:500])
        return Attendance(NOTED, await db.get_assignment(tx, assignment_id))


# -- corrections by the people who were there ------------------------------------------------------


def corrected_status(row: Row, *, present: bool, now: datetime) -> Status:
    """Present: checked in while the shift runs, completed once it has ended. Absent: no-show."""
    if not present:
        return Status.NO_SHOW
    return Status.CHECKED_IN if now < db.moment(row["ends_at"]) else Status.COMPLETED


async def correct(
    database: Database,
    settings: Settings,
    *,
    assignment_id: int,
    actor_id: int,
    present: bool,
    now: datetime,
) -> Attendance:
    """A coordinator or the entity's representative marks a volunteer present or absent on a
    started shift (the caller has checked their role and entity). Audited."""
    async with database.transaction() as tx:
        row = await db.get_assignment(tx, assignment_id)
        if row is None:
            return Attendance(UNKNOWN)
        if _gone(row):
            return Attendance(GONE, row)
        if row["status"] not in ROSTER:
            return Attendance(NOT_TAKEN, row)
        if db.moment(row["starts_at"]) > now:
            return Attendance(NOT_STARTED, row)
        status = corrected_status(row, present=present, now=now)
        if row["status"] == status:
            return Attendance(ALREADY, row, status=status)
        if not await db.set_attendance(
            tx, assignment_id, expected=row["status"], status=status, now=now
        ):
            return Attendance(ALREADY, row, status=row["status"])
        await db.audit(
            tx, actor_id=actor_id, action=f"attendance.{'present' if present else 'absent'}",
            now=now, target_type="assignment", target_id=assignment_id,
            details={"shift": row["shift_id"], "volunteer": row["volunteer_id"],
                     "from": row["status"], "to": status},
        )
        if status == Status.COMPLETED:
            await thank(tx, settings, row, now=now)
        if status == Status.NO_SHOW:
            await tell_no_show(tx, settings, row, now=now, actor_id=actor_id)
        else:  # corrected to present: a no-show notice not yet sent is withdrawn
            await db.cancel_pending_outbox(tx, [no_show_key(assignment_id)])
            await trainings.grant_for_attendance(tx, settings, row, actor_id=actor_id, now=now)
        return Attendance(MARKED, row, status=status)


# -- who may record attendance, and for which shift ----------------------------------------------

NO_SHIFT = "no_shift"  # the shift does not exist
OTHER_ENTITY = "other_entity"  # a representative of another entity
OPEN = "open"  # attendance may be recorded (shift)


@dataclass(frozen=True)
class ShiftAccess:
    kind: str  # OPEN, NO_SHIFT, OTHER_ENTITY, GONE or NOT_STARTED
    shift: Row | None = None


async def may_record(conn: Queryable, *, user_id: int, entity_id: int) -> bool:
    """Coordinators and admins for any entity; a representative only for their own entity."""
    _volunteer, rep, coordinator, admin = db.ROLES
    user = await db.get_user(conn, user_id)
    role = None if user is None else user["role"]
    if role in (coordinator, admin):
        return True
    return role == rep and await db.is_entity_rep(conn, user_id, entity_id)


async def shift_for_attendance(
    conn: Queryable, *, shift_id: int, user_id: int, now: datetime
) -> ShiftAccess:
    """A started, not cancelled shift this person may record attendance for, or why not."""
    shift = await db.get_shift(conn, shift_id)
    if shift is None:
        return ShiftAccess(NO_SHIFT)
    if not await may_record(conn, user_id=user_id, entity_id=shift["entity_id"]):
        return ShiftAccess(OTHER_ENTITY, shift)
    if shift["status"] == "cancelled" or shift["need_status"] in ("cancelled", "rejected"):
        return ShiftAccess(GONE, shift)
    starts_at = db.parse_ts(shift["starts_at"])
    if starts_at is None or starts_at > now:
        return ShiftAccess(NOT_STARTED, shift)
    return ShiftAccess(OPEN, shift)
