"""Attendance on a started shift, for the people who were there: coordinators (/needs) and the
entity's representatives (/myneeds), from the shift's roster. Each volunteer can be marked
present (checked in while the shift runs, completed once it has ended) or absent (no-show).

Every press re-checks the caller's role (@requires) and, for representatives, that the shift
belongs to their entity, against the database (bot/operations/attendance.py: shift_for_attendance);
every change is audit-logged there.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot import db
from bot.assignments import Status
from bot.auth import REPS_AND_STAFF, refuse, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import _
from bot.notices.dispatch import ABSENT, ATTENDANCE, PRESENT, SHIFT_ROSTER
from bot.operations import attendance as marking
from bot.texts import dispatch as texts

PAGE = 10


async def load_shift(update: Update, context: Context, shift_id: int) -> db.Row | None:
    """A started, not cancelled shift the caller may record attendance for, or None after
    refusing."""
    access = await marking.shift_for_attendance(
        context.db, shift_id=shift_id, user_id=kit.user_id_of(update), now=context.now()
    )
    if access.kind != marking.OPEN:
        await refuse(update, texts.shift_access_refusal(access))
        return None
    return access.shift


async def attendance_view(
    context: Context, shift: db.Row, offset: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The volunteers holding a place, what came of it, and Present / Absent for each."""
    offset = max(0, offset)
    fetched = await db.attendance_roster(context.db, shift["id"], limit=PAGE + 1, offset=offset)
    people = fetched[:PAGE]
    tz = context.settings.timezone
    ends_at = db.parse_ts(shift["ends_at"])
    ended = ends_at is not None and ends_at <= context.now()
    lines = texts.attendance_header(shift, tz, ended=ended)
    if not people:
        lines.append(_("Nobody holds a place on this shift."))
    rows = []
    for number, person in enumerate(people, start=offset + 1):
        lines.append(texts.attendance_line(number, person, tz))
        row = []
        if person["status"] != (Status.COMPLETED if ended else Status.CHECKED_IN):
            row.append(kit.button(
                _("✅ Present #{number}").format(number=number), PRESENT.data(person["id"], offset)
            ))
        if person["status"] != Status.NO_SHOW:
            row.append(kit.button(
                _("❌ Absent #{number}").format(number=number), ABSENT.data(person["id"], offset)
            ))
        rows.append(row)
    nav = kit.pager(ATTENDANCE, offset, offset + len(fetched), PAGE, shift["id"])
    back = [kit.button(kit.back_label(_("Back to the roster")), SHIFT_ROSTER.data(shift["id"], 0))]
    return "\n".join(lines), kit.markup(rows, nav, back)


async def _show(update: Update, context: Context, shift: db.Row, offset: int,
                notice: str | None = None) -> None:
    text, keyboard = await attendance_view(context, shift, offset)
    query = kit.query_of(update)
    await query.answer(notice)
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except TelegramError:  # unchanged ("message is not modified") or too old to edit
        await context.bot.send_message(kit.chat_id_of(update), text, reply_markup=keyboard)


@requires(REPS_AND_STAFF)
async def open_attendance(update: Update, context: Context) -> None:
    """Open the attendance of a shift (staff: any; representative: their entity's)."""
    parsed = ATTENDANCE.parse(kit.data_of(update))
    if parsed is None:
        await kit.stale(update)
        return
    shift_id, offset = parsed
    shift = await load_shift(update, context, shift_id)
    if shift is not None:
        await _show(update, context, shift, offset)


async def _mark(update: Update, context: Context, *, present: bool) -> None:
    route = PRESENT if present else ABSENT
    parsed = route.parse(kit.data_of(update))
    row = await db.get_assignment(context.db, parsed[0]) if parsed else None
    if parsed is None or row is None:
        await refuse(update, _("This button is no longer active."))
        return
    shift = await load_shift(update, context, row["shift_id"])
    if shift is None:
        return
    outcome = await marking.correct(
        context.db, context.settings, assignment_id=row["id"], actor_id=kit.user_id_of(update),
        present=present, now=context.now(),
    )
    await _show(update, context, shift, parsed[1], notice=texts.marked_text(outcome))


@requires(REPS_AND_STAFF)
async def mark_present(update: Update, context: Context) -> None:
    """Present (checked in while the shift runs, completed after) for one volunteer."""
    await _mark(update, context, present=True)


@requires(REPS_AND_STAFF)
async def mark_absent(update: Update, context: Context) -> None:
    """Absent (no-show) for one volunteer of a started shift."""
    await _mark(update, context, present=False)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(open_attendance, pattern=ATTENDANCE.pattern))
    app.add_handler(CallbackQueryHandler(mark_present, pattern=PRESENT.pattern))
    app.add_handler(CallbackQueryHandler(mark_absent, pattern=ABSENT.pattern))
