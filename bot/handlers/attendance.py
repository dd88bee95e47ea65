"""Attendance on a started shift, for the people who were there: coordinators (/needs) and the
entity's representatives (/myneeds), from the shift's roster. Each volunteer can be marked
present (checked in while the shift runs, completed once it has ended) or absent (no-show).

Every press re-checks the caller's role (@requires) and, for representatives, that the shift
belongs to their entity, against the database; every change is audit-logged (bot/attendance.py).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot import attendance as marking
from bot import db
from bot.auth import REPS_AND_STAFF, refuse, requires
from bot.context import Context
from bot.i18n import _, format_time, isolate, ltr
from bot.operations.needs import access
from bot.texts import shift_when
from bot.texts.needs import other_entity_text

PAGE = 10


async def load_shift(update: Update, context: Context, shift_id: int) -> db.Row | None:
    """A started, not cancelled shift the caller may record attendance for, or None after
    refusing."""
    shift = await db.get_shift(context.db, shift_id)
    if shift is None:
        await refuse(update, _("This shift no longer exists."))
        return None
    if await access(context.db, update.effective_user.id, shift["entity_id"]) is None:
        await refuse(update, other_entity_text())
        return None
    if shift["status"] == "cancelled" or shift["need_status"] in ("cancelled", "rejected"):
        await refuse(update, _("This shift was cancelled."))
        return None
    if db.parse_ts(shift["starts_at"]) > context.now():  # type: ignore[operator]
        await refuse(update, _("Attendance can be recorded once the shift has started."))
        return None
    return shift


def status_label(row: db.Row, context: Context) -> str:
    if row["status"] == "checked_in":
        moment = db.parse_ts(row["checked_in_at"])
        if moment is None:
            return _("📍 checked in")
        return _("📍 checked in at {time}").format(
            time=format_time(moment.astimezone(context.settings.timezone))
        )
    if row["status"] == "completed":
        return _("✅ completed")
    if row["status"] == "no_show":
        return _("❌ absent")
    return _("⏳ not checked in")


async def attendance_view(
    context: Context, shift: db.Row, offset: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The volunteers holding a place, what came of it, and Present / Absent for each."""
    offset = max(0, offset)
    people = await db.attendance_roster(context.db, shift["id"], limit=PAGE + 1, offset=offset)
    more, people = len(people) > PAGE, people[:PAGE]
    ended = db.parse_ts(shift["ends_at"]) <= context.now()  # type: ignore[operator]
    lines = [
        _("Attendance of “{title}” at {site}").format(
            title=isolate(shift["title"]), site=isolate(shift["site_name"])
        ),
        shift_when(shift, context.settings.timezone),
        _("The shift has ended.") if ended else _("The shift is in progress."),
        "",
    ]
    if not people:
        lines.append(_("Nobody holds a place on this shift."))
    buttons = []
    for number, person in enumerate(people, start=offset + 1):
        name = person["full_name"] or person["first_name"] or person["volunteer_id"]
        lines.append(_("{n}. {name} — {phone} — {status}").format(
            n=number, name=isolate(name), phone=ltr(person["phone"] or "—"),
            status=status_label(person, context),
        ))
        row = []
        if person["status"] != ("completed" if ended else "checked_in"):
            row.append(InlineKeyboardButton(
                _("✅ Present #{number}").format(number=number),
                callback_data=f"att:p:{person['id']}:{offset}",
            ))
        if person["status"] != "no_show":
            row.append(InlineKeyboardButton(
                _("❌ Absent #{number}").format(number=number),
                callback_data=f"att:a:{person['id']}:{offset}",
            ))
        if row:
            buttons.append(row)
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(
            _("◀ Previous"), callback_data=f"att:v:{shift['id']}:{max(0, offset - PAGE)}"
        ))
    if more:
        nav.append(InlineKeyboardButton(
            _("Next ▶"), callback_data=f"att:v:{shift['id']}:{offset + PAGE}"
        ))
    if nav:
        buttons.append(nav)
    buttons.append([InlineKeyboardButton(
        _("◀ Back to the roster"), callback_data=f"sh:r:{shift['id']}:0"
    )])
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def _show(update: Update, context: Context, shift: db.Row, offset: int,
                notice: str | None = None) -> None:
    text, keyboard = await attendance_view(context, shift, offset)
    await update.callback_query.answer(notice)
    try:
        await update.callback_query.edit_message_text(text, reply_markup=keyboard)
    except TelegramError:  # unchanged ("message is not modified") or too old to edit
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard)


@requires(REPS_AND_STAFF)
async def open_attendance(update: Update, context: Context) -> None:
    """Open the attendance of a shift (staff: any; representative: their entity's)."""
    _prefix, _action, shift_id, offset = update.callback_query.data.split(":")
    shift = await load_shift(update, context, int(shift_id))
    if shift is not None:
        await _show(update, context, shift, int(offset))


def _notice(outcome: marking.Attendance) -> str:
    if outcome.kind == marking.MARKED:
        return {
            "checked_in": _("Marked present."),
            "completed": _("Marked present; the shift counts as served."),
            "no_show": _("Marked absent."),
        }[outcome.status or ""]
    if outcome.kind == marking.ALREADY:
        return _("Already recorded so.")
    if outcome.kind == marking.NOT_TAKEN:
        return _("This volunteer no longer holds a place on this shift.")
    return _("This button is no longer active.")


@requires(REPS_AND_STAFF)
async def mark(update: Update, context: Context) -> None:
    """Present (att:p) or absent (att:a) for one volunteer of a started shift."""
    query = update.callback_query
    _prefix, action, raw_id, offset = query.data.split(":")
    row = await db.get_attendance(context.db, int(raw_id))
    if row is None:
        await refuse(update, _("This button is no longer active."))
        return
    shift = await load_shift(update, context, row["shift_id"])
    if shift is None:
        return
    outcome = await marking.correct(
        context.db, context.settings, assignment_id=row["id"], actor_id=query.from_user.id,
        present=action == "p", now=context.now(),
    )
    await _show(update, context, shift, int(offset), notice=_notice(outcome))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(open_attendance, pattern=r"^att:v:\d+:\d+$"))
    app.add_handler(CallbackQueryHandler(mark, pattern=r"^att:[pa]:\d+:\d+$"))
