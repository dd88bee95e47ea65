"""Volunteers and their shifts: offers (accept), /shifts (sign up), /myshifts, and reminders
(I'm coming).

Every button re-checks, in the dispatch operation, that the assignment is the presser's own and
still in the state the button assumes; a stale or foreign button gets a clear answer and changes
nothing. Declining, cancelling and their typed reasons are in flows/shift_reasons.py; checking
in is in flows/checkin.py.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import db
from bot.assignments import Status
from bot.auth import VOLUNTEER
from bot.context import Context
from bot.flows import kit
from bot.i18n import G_, _, format_datetime, ltr, ngettext
from bot.notices import dispatch as notices
from bot.notices.dispatch import (
    ACCEPT,
    CALENDAR,
    CANCEL,
    CHECK_IN,
    COMING,
    DECLINE,
    MY_ACCEPT,
    MY_PAGE,
    SERIES_ACCEPT,
    SERIES_ALL,
    SERIES_CALENDAR,
    SERIES_DECLINE,
    SERIES_NONE,
    SHIFTS_PAGE,
    SIGN_UP,
)
from bot.operations import dispatch
from bot.texts import dispatch as texts
from bot.texts.shifts import shift_details, shift_line

log = logging.getLogger(__name__)

PAGE = 5
MY_PAGE_SIZE = 6


async def _say(update: Update, context: Context, text: str) -> None:
    await context.bot.send_message(kit.chat_id_of(update), text)


# -- offers --------------------------------------------------------------------------------------


async def accept_offer(update: Update, context: Context) -> None:
    """Accept an offer or a waitlist place: accepted, or waitlisted if it has just filled."""
    query = kit.query_of(update)
    outcome = await dispatch.accept(
        context.db, context.settings, assignment_id=ACCEPT.one(query.data),
        user_id=query.from_user.id, now=context.now(),
    )
    if outcome.kind == dispatch.ACCEPTED:
        await query.answer(_("Accepted. Thank you!"))
        await kit.close_pressed(
            update, texts.accepted_note(), kit.markup(notices.calendar_button(ACCEPT.one(query.data)))
        )
    elif (
        outcome.kind == dispatch.WAITLISTED and outcome.assignment is not None
        and outcome.assignment["status"] == Status.OFFERED
    ):
        await query.answer()
        await kit.close_pressed(update, texts.waitlisted_note(outcome.position))
    else:
        await query.answer(texts.problem_text(outcome), show_alert=True)


async def send_calendar(update: Update, context: Context) -> None:
    """Add to calendar: the shift's .ics, for a place the presser holds."""
    query = kit.query_of(update)
    now = context.now()
    outcome = await dispatch.take_calendar(
        context.db, assignment_id=CALENDAR.one(query.data), user_id=query.from_user.id, now=now
    )
    if outcome.kind != dispatch.CALENDAR or outcome.assignment is None:
        await query.answer(texts.problem_text(outcome), show_alert=True)
        return
    await query.answer()
    document = notices.calendar_document([outcome.assignment], context.settings.timezone, now=now)
    await context.bot.send_document(
        kit.chat_id_of(update),
        InputFile(document["text"].encode(), filename=document["filename"]),
        caption=notices.calendar_caption(),
    )


# -- series offers: several days of one need in one message ------------------------------------


async def _show_series(update: Update, context: Context, series_id: int) -> None:
    """The pressed series message again, as its days now stand."""
    rows = await db.series_assignments(context.db, series_id)
    if not rows:
        return
    positions = {
        row["id"]: await db.waitlist_position(context.db, row["id"])
        for row in rows if row["status"] == Status.WAITLISTED
    }
    now = context.now()
    text = notices.series_text(rows, context.settings.timezone, now=now, positions=positions)
    keyboard = notices.series_keyboard(series_id, rows, now=now)
    try:
        await kit.query_of(update).edit_message_text(text, reply_markup=keyboard)
    except TelegramError:
        log.info("could not edit the series offer %s", series_id, exc_info=True)


async def answer_series_day(update: Update, context: Context) -> None:
    """Accept or decline one day of a series offer: the same operations as a one-day offer."""
    query = kit.query_of(update)
    data = kit.data_of(update)
    accepting = SERIES_ACCEPT.parse(data) is not None
    assignment_id = SERIES_ACCEPT.one(data) if accepting else SERIES_DECLINE.one(data)
    answer = dispatch.accept if accepting else dispatch.decline
    outcome = await answer(
        context.db, context.settings, assignment_id=assignment_id,
        user_id=query.from_user.id, now=context.now(),
    )
    if outcome.kind == dispatch.ACCEPTED:
        await kit.answer(update, _("Accepted. Thank you!"))
    elif outcome.kind == dispatch.DECLINED:
        await kit.answer(update, _("Declined."))
    elif (
        outcome.kind == dispatch.WAITLISTED and outcome.assignment is not None
        and outcome.assignment["status"] == Status.OFFERED
    ):
        await kit.answer(update, texts.waitlisted_note(outcome.position), alert=True)
    else:
        await kit.answer(update, texts.problem_text(outcome), alert=True)
    if outcome.assignment is not None and outcome.assignment["series_id"]:
        await _show_series(update, context, outcome.assignment["series_id"])


async def answer_series(update: Update, context: Context) -> None:
    """Accept all or Decline all on a series offer."""
    query = kit.query_of(update)
    data = kit.data_of(update)
    accepting = SERIES_ALL.parse(data) is not None
    series_id = SERIES_ALL.one(data) if accepting else SERIES_NONE.one(data)
    answer = dispatch.accept_series if accepting else dispatch.decline_series
    outcome = await answer(
        context.db, context.settings, series_id=series_id, user_id=query.from_user.id,
        now=context.now(),
    )
    if outcome.kind != dispatch.ANSWERED:
        await kit.answer(update, texts.problem_text(dispatch.Outcome(outcome.kind)), alert=True)
        return
    summary, alert = texts.series_summary(outcome)
    await kit.answer(update, summary, alert=alert)
    await _show_series(update, context, series_id)


async def send_series_calendar(update: Update, context: Context) -> None:
    """Add to calendar on a series offer: one .ics with every day taken."""
    query = kit.query_of(update)
    now = context.now()
    kind, rows = await dispatch.take_series_calendar(
        context.db, series_id=SERIES_CALENDAR.one(query.data), user_id=query.from_user.id, now=now
    )
    if kind != dispatch.CALENDAR:
        await kit.answer(update, texts.problem_text(dispatch.Outcome(kind)), alert=True)
        return
    await kit.answer(update)
    document = notices.calendar_document(rows, context.settings.timezone, now=now)
    await context.bot.send_document(
        kit.chat_id_of(update),
        InputFile(document["text"].encode(), filename=document["filename"]),
        caption=notices.calendar_caption(),
    )


# -- reminders -----------------------------------------------------------------------------------


async def confirm_attendance(update: Update, context: Context) -> None:
    """I'm coming (from a reminder)."""
    query = kit.query_of(update)
    assignment_id = COMING.one(query.data)
    outcome = await dispatch.confirm(
        context.db, assignment_id=assignment_id, user_id=query.from_user.id, now=context.now()
    )
    if outcome.kind == dispatch.CONFIRMED:
        await query.answer(_("Thank you!"))
        await kit.close_pressed(
            update,
            _("👍 You confirmed that you are coming. See you there!"),
            notices.reminder_keyboard(assignment_id, confirmed=True),
        )
    elif outcome.kind == dispatch.ALREADY:
        await query.answer(_("You have already confirmed. Thank you!"))
    else:
        await query.answer(texts.problem_text(outcome), show_alert=True)


# -- /shifts and /myshifts -----------------------------------------------------------------------


def _refusal(
    role: str | None, volunteer: db.MatchingProfile | None, *, for_signup: bool, now: datetime
) -> str | None:
    if role != VOLUNTEER:
        return _("Sorry, this is only for volunteers.")
    if volunteer is None or volunteer[0]["status"] == "deleted":
        return _("You are not registered as a volunteer yet. Send /register to start.")
    status = volunteer[0]["status"]
    if status == "pending":
        return _("Your registration is waiting for the office's approval. I will tell you when "
                 "it is approved.")
    if status == "suspended":
        return _("Your volunteer account is suspended. Please contact the office.")
    paused_until = db.parse_ts(volunteer[0]["paused_until"])
    if for_signup and status == "paused" and (paused_until is None or paused_until > now):
        return _("Your offers are paused. Send /resume to take shifts again.")
    return None


async def _reader_role(context: Context, user_id: int) -> str | None:
    """The person's role: as read at the start of this update, or read now."""
    if context.reader_role is not None:
        return context.reader_role
    user = await db.get_user(context.db, user_id)
    return None if user is None else str(user["role"])


async def volunteer_refusal(context: Context, user_id: int, *, for_signup: bool) -> str | None:
    """Why this person cannot use the volunteers' shift commands, or None."""
    role = await _reader_role(context, user_id)
    volunteer = await db.volunteer_for_matching(context.db.quick, user_id) if role == VOLUNTEER else None
    return _refusal(role, volunteer, for_signup=for_signup, now=context.now())


async def _shifts_page(
    context: Context, user_id: int, offset: int, profile: db.MatchingProfile
) -> tuple[str, InlineKeyboardMarkup | None]:
    shifts = await dispatch.open_shifts_page(
        context.db, context.settings, user_id=user_id, now=context.now(), offset=offset,
        size=PAGE, profile=profile,
    )
    if not shifts.total:
        return _("There are no open shifts for you right now. I will send you offers as "
                 "they come."), None
    offset = shifts.offset
    tz = context.settings.timezone
    lines = [
        _("Open shifts you can sign up for ({first}–{last} of {total}):").format(
            first=ltr(offset + 1), last=ltr(offset + len(shifts.page)), total=ltr(shifts.total)
        ),
        "",
    ]
    buttons = []
    for number, (row, free) in enumerate(shifts.page, start=offset + 1):
        lines.append(f"{ltr(number)}. {shift_line(row, tz)}")
        lines.append("   " + ngettext("{n} place left", "{n} places left", free).format(n=free))
        buttons.append(
            [kit.button(_("✍️ Sign up for #{number}").format(number=number), SIGN_UP.data(row["shift_id"]))]
        )
    return "\n".join(lines), kit.markup(buttons, kit.pager(SHIFTS_PAGE, offset, shifts.total, PAGE))


async def shifts_command(update: Update, context: Context) -> None:
    """Upcoming open shifts the volunteer is eligible for, a page at a time, with Sign up."""
    user_id = kit.user_id_of(update)
    query = update.callback_query
    now = context.now()
    role = await _reader_role(context, user_id)
    # One read of the profile: for the refusal and for the shifts' eligibility.
    profile = (
        await db.volunteer_for_matching(context.db.quick, user_id, now=now) if role == VOLUNTEER else None
    )
    refusal = _refusal(role, profile, for_signup=True, now=now)
    if refusal is not None:
        if query:
            await query.answer(refusal, show_alert=True)
        else:
            await kit.message_of(update).reply_text(refusal)
        return
    assert profile is not None  # _refusal refuses anyone without one
    offset = (SHIFTS_PAGE.one(query.data) or 0) if query else 0
    text, keyboard = await _shifts_page(context, user_id, offset, profile)
    if query:
        await query.answer()
        try:
            await query.edit_message_text(text, reply_markup=keyboard)
        except TelegramError:
            log.info("could not edit the /shifts page", exc_info=True)
    else:
        await kit.message_of(update).reply_text(text, reply_markup=keyboard)


async def sign_up(update: Update, context: Context) -> None:
    """Sign up for a shift from /shifts: the same atomic path as accepting an offer."""
    query = kit.query_of(update)
    refusal = await volunteer_refusal(context, query.from_user.id, for_signup=True)
    if refusal:
        await query.answer(refusal, show_alert=True)
        return
    outcome = await dispatch.sign_up(
        context.db, context.settings, shift_id=SIGN_UP.one(query.data),
        user_id=query.from_user.id, now=context.now(),
    )
    assignment = outcome.assignment
    details = shift_details(assignment, context.settings.timezone) if assignment is not None else ""
    if outcome.kind == dispatch.ACCEPTED:
        await query.answer(_("Signed up. Thank you!"))
        assert assignment is not None
        await context.bot.send_message(
            kit.chat_id_of(update),
            _("✅ You signed up for this shift. I will remind you before it starts.")
            + f"\n\n{details}",
            reply_markup=kit.markup(notices.calendar_button(assignment["id"])),
        )
    elif (
        outcome.kind == dispatch.WAITLISTED and assignment is not None
        and assignment["status"] != Status.WAITLISTED
    ):
        await query.answer()
        await _say(update, context, texts.waitlisted_note(outcome.position) + f"\n\n{details}")
    else:
        await query.answer(texts.problem_text(outcome), show_alert=True)


def _checkin_button(row: db.Row, number: int) -> InlineKeyboardButton:
    """Check in (flows/checkin.py), offered from CHECKIN_LEAD before the start to the end."""
    return kit.button(_("📍 Check in #{number}").format(number=number), CHECK_IN.data(row["id"]))


async def _myshifts_page(
    context: Context, user_id: int, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /myshifts: offers waiting for an answer (Accept, Decline), then the accepted
    and waitlisted shifts (Cancel, Check in). MY_PAGE_SIZE entries of the longest titles, sites
    and entity names stay well below Telegram's 4,096 characters."""
    rows = await db.volunteer_shift_list(context.db, user_id, now=context.now())
    if not rows:
        return G_("You have no upcoming shifts. Send /shifts to see open ones."), None
    offset = min(max(0, offset), (len(rows) - 1) // MY_PAGE_SIZE * MY_PAGE_SIZE)
    page = rows[offset : offset + MY_PAGE_SIZE]
    tz = context.settings.timezone
    now = context.now()
    if len(rows) > MY_PAGE_SIZE:
        header = _("Your shifts ({first}–{last} of {total}):").format(
            first=ltr(offset + 1), last=ltr(offset + len(page)), total=ltr(len(rows))
        )
    else:
        header = _("Your shifts:")
    lines = [header, ""]
    buttons = []
    for number, row in enumerate(page, start=offset + 1):
        lines.append(f"{ltr(number)}. {shift_line(row, tz)}")
        starts_at = db.moment(row["starts_at"])
        if row["status"] == Status.OFFERED:
            lines.append("   " + _("📨 Waiting for your answer, until {deadline}").format(
                deadline=format_datetime(db.moment(row["expires_at"]), tz)))
            buttons.append([
                kit.button(_("✅ Accept #{number}").format(number=number),
                           MY_ACCEPT.data(row["id"], offset)),
                kit.button(_("❌ Decline #{number}").format(number=number), DECLINE.data(row["id"])),
            ])
            continue
        if row["status"] == Status.WAITLISTED:
            position = await db.waitlist_position(context.db, row["id"])
            lines.append("   " + _("⏳ On the waitlist: number {position}").format(
                position=ltr(position)))
            label = _("Leave the waitlist #{number}")
        elif row["status"] == Status.CHECKED_IN:
            lines.append("   " + _("📍 Checked in"))
            continue
        elif starts_at <= now:
            lines.append("   " + _("🟢 In progress"))
            buttons.append([_checkin_button(row, number)])
            continue
        else:
            lines.append("   " + (_("✅ Confirmed") if row["confirmed_at"] else _("✅ Accepted")))
            label = _("✖️ Cancel #{number}")
            if starts_at - context.settings.checkin_lead <= now:
                buttons.append([_checkin_button(row, number)])
        buttons.append([kit.button(label.format(number=number), CANCEL.data(row["id"]))])
    nav = kit.pager(MY_PAGE, offset, len(rows), MY_PAGE_SIZE)
    return "\n".join(lines), kit.markup(buttons, nav) if buttons or nav else None


async def myshifts_command(update: Update, context: Context) -> None:
    """The volunteer's offers waiting for an answer and their accepted and waitlisted shifts,
    a page at a time."""
    user_id = kit.user_id_of(update)
    query = update.callback_query
    refusal = await volunteer_refusal(context, user_id, for_signup=False)
    if refusal:
        if query:
            await query.answer(refusal, show_alert=True)
        else:
            await kit.message_of(update).reply_text(refusal)
        return
    offset = (MY_PAGE.one(query.data) or 0) if query else 0
    text, keyboard = await _myshifts_page(context, user_id, offset)
    if query:
        await query.answer()
        await _edit_page(update, text, keyboard)
    else:
        await kit.message_of(update).reply_text(text, reply_markup=keyboard)


async def _edit_page(update: Update, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    try:
        await kit.query_of(update).edit_message_text(text, reply_markup=keyboard)
    except TelegramError:
        log.info("could not edit the /myshifts page", exc_info=True)


async def accept_listed_offer(update: Update, context: Context) -> None:
    """Accept #n on /myshifts: the offer's own Accept, then the page again as it now stands."""
    query = kit.query_of(update)
    assignment_id, offset = MY_ACCEPT.parse(query.data) or (0, 0)
    outcome = await dispatch.accept(
        context.db, context.settings, assignment_id=assignment_id,
        user_id=query.from_user.id, now=context.now(),
    )
    if outcome.kind == dispatch.ACCEPTED:
        await query.answer(_("Accepted. Thank you!"))
    elif (
        outcome.kind == dispatch.WAITLISTED and outcome.assignment is not None
        and outcome.assignment["status"] == Status.OFFERED
    ):
        await query.answer(texts.waitlisted_note(outcome.position), show_alert=True)
    else:
        await query.answer(texts.problem_text(outcome), show_alert=True)
        if outcome.kind in (dispatch.UNKNOWN, dispatch.NOT_YOURS):
            return
    text, keyboard = await _myshifts_page(context, query.from_user.id, offset)
    await _edit_page(update, text, keyboard)


def register(app: Application) -> None:
    """One-step handlers. The buttons that decline or cancel (and may ask for a typed reason) are
    entry points of flows/shift_reasons.py; Check in is flows/checkin.py's."""
    app.add_handler(CommandHandler("shifts", shifts_command))
    app.add_handler(CallbackQueryHandler(shifts_command, pattern=SHIFTS_PAGE.pattern))
    app.add_handler(CallbackQueryHandler(sign_up, pattern=SIGN_UP.pattern))
    app.add_handler(CommandHandler("myshifts", myshifts_command))
    app.add_handler(CallbackQueryHandler(myshifts_command, pattern=MY_PAGE.pattern))
    app.add_handler(CallbackQueryHandler(accept_listed_offer, pattern=MY_ACCEPT.pattern))
    app.add_handler(CallbackQueryHandler(accept_offer, pattern=ACCEPT.pattern))
    app.add_handler(CallbackQueryHandler(confirm_attendance, pattern=COMING.pattern))
    app.add_handler(CallbackQueryHandler(send_calendar, pattern=CALENDAR.pattern))
    app.add_handler(CallbackQueryHandler(answer_series, pattern=SERIES_ALL.pattern))
    app.add_handler(CallbackQueryHandler(answer_series, pattern=SERIES_NONE.pattern))
    app.add_handler(CallbackQueryHandler(answer_series_day, pattern=SERIES_ACCEPT.pattern))
    app.add_handler(CallbackQueryHandler(answer_series_day, pattern=SERIES_DECLINE.pattern))
    app.add_handler(CallbackQueryHandler(send_series_calendar, pattern=SERIES_CALENDAR.pattern))
