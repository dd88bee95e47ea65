"""Check in at the site: the Check in button (from the scheduler's message or /myshifts), then,
when the need has coordinates, the volunteer's location within the site's check-in radius.

The button re-checks everything in attendance.check_in (whose place, still taken, inside the
window from CHECKIN_LEAD before the start to the end); so does every location. A site without
coordinates checks the volunteer in at the press. Register this flow after the other flows:
while another flow is running, its own question takes the user's messages first.

per_message=False on purpose: the conversation follows the person (per chat and user), not one
message, because the answer is a location message (PTB warns about CallbackQueryHandlers with
it; that is the intended behaviour here: the button re-validates everything itself).
"""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import attendance, db
from bot.attendance import Attendance
from bot.config import SUPPORTED_LOCALES
from bot.context import Context
from bot.flows import private_flow
from bot.handlers.shifts import _append_note, _say
from bot.i18n import N_, _, format_datetime, format_time, isolate, ltr, use_locale

NAME = "checkin"
LOCATION = "checkin.location"
END = ConversationHandler.END
CANCEL_LABEL = N_("✖️ Cancel")


def cancel_label() -> str:
    return _(CANCEL_LABEL)


def _cancel_labels() -> set[str]:
    """The Cancel button in every language (the user may have switched with /lang meanwhile)."""
    labels = set()
    for locale in SUPPORTED_LOCALES:
        with use_locale(locale):
            labels.add(cancel_label())
    return labels


def location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📍 Share my location"), request_location=True)],
            [KeyboardButton(cancel_label())],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def distance_text(metres: int) -> str:
    if metres >= 1000:
        return _("{n} km").format(n=ltr(f"{metres / 1000:.1f}"))
    return _("{n} m").format(n=ltr(metres))


def problem_text(outcome: Attendance, context: Context) -> str:
    """Why the check-in did not happen, in words."""
    kind = outcome.kind
    if kind == attendance.NOT_YOURS:
        return _("This button is not meant for you.")
    if kind == attendance.ALREADY:
        return _("You have already checked in. Thank you!")
    if kind == attendance.GONE:
        return _("This shift was cancelled or closed by the organisers.")
    if kind == attendance.NOT_TAKEN:
        return _("You no longer hold a place on this shift, so there is nothing to check in to.")
    if kind == attendance.EARLY and outcome.opens_at is not None:
        return _("It is too early to check in. Check-in opens at {time}.").format(
            time=format_datetime(outcome.opens_at, context.settings.timezone)
        )
    if kind == attendance.ENDED:
        return _("This shift has ended, so check-in is closed.")
    return _("This button is no longer active.")


def checked_in_text(context: Context) -> str:
    moment = context.now().astimezone(context.settings.timezone)
    return _("✅ You checked in at {time}. Thank you, and have a good shift!").format(
        time=format_time(moment)
    )


def ask_location_text(outcome: Attendance) -> str:
    row = outcome.assignment
    assert row is not None
    return _(
        "To check in, share your location with the button below. You need to be within {radius} "
        "of {site}."
    ).format(radius=distance_text(row["checkin_radius_m"]), site=isolate(row["site_name"]))


def _question(context: Context) -> int | None:
    data = context.user_data.get("checkin")
    return int(data["id"]) if isinstance(data, dict) and "id" in data else None


# -- steps -----------------------------------------------------------------------------------------


async def press_check_in(update: Update, context: Context) -> object:
    """Check in: at once without site coordinates, else ask for the location."""
    query = update.callback_query
    assignment_id = int(query.data.split(":")[2])
    outcome = await attendance.check_in(
        context.db, context.settings, assignment_id=assignment_id, user_id=query.from_user.id,
        now=context.now(),
    )
    if outcome.kind == attendance.CHECKED_IN:
        await query.answer(_("Checked in. Thank you!"))
        await _append_note(update, checked_in_text(context))
        return END
    if outcome.kind == attendance.NEEDS_LOCATION:
        context.user_data["checkin"] = {"id": assignment_id, "asked_at": db.ts(context.now())}
        await query.answer()
        await _say(update, context, ask_location_text(outcome), reply_markup=location_keyboard())
        return LOCATION
    await query.answer(problem_text(outcome, context), show_alert=True)
    return None  # a check-in asked earlier (another shift) is still waiting for its location


async def _finish(update: Update, context: Context, text: str) -> object:
    context.user_data.pop("checkin", None)
    await update.effective_message.reply_text(text, reply_markup=ReplyKeyboardRemove())
    return END


async def got_location(update: Update, context: Context) -> object:
    """The shared location: checked in when close enough, else how far, and ask again."""
    message = update.effective_message
    assignment_id = _question(context)
    if assignment_id is None:
        return await _finish(update, context, _("This button is no longer active."))
    if message.forward_origin is not None or message.venue is not None:
        await message.reply_text(
            _("Please share your current location with the button below, not a forwarded or "
              "chosen place."),
            reply_markup=location_keyboard(),
        )
        return LOCATION
    location = message.location
    outcome = await attendance.check_in(
        context.db, context.settings, assignment_id=assignment_id,
        user_id=update.effective_user.id, now=context.now(),
        location=(location.latitude, location.longitude),
    )
    if outcome.kind == attendance.CHECKED_IN:
        return await _finish(update, context, checked_in_text(context))
    if outcome.kind == attendance.TOO_FAR:
        row = outcome.assignment
        await message.reply_text(
            _(
                "You seem to be {distance} away from {site}; check-in works within {radius}. "
                "Please share your location again when you are there."
            ).format(
                distance=distance_text(outcome.distance_m or 0),
                site=isolate(row["site_name"]),
                radius=distance_text(row["checkin_radius_m"]),
            ),
            reply_markup=location_keyboard(),
        )
        return LOCATION
    return await _finish(update, context, problem_text(outcome, context))


async def other_input(update: Update, context: Context) -> object:
    """Anything else while the location is awaited: ask again (or let a stale question go)."""
    assignment_id = _question(context)
    row = await db.get_attendance(context.db, assignment_id) if assignment_id else None
    if attendance.checkin_problem(row, update.effective_user.id, context.settings, context.now()):
        return await _finish(
            update, context, _("Sorry, I did not understand that. Send /help to see what I can do.")
        )
    await update.effective_message.reply_text(
        _("Please share your location with the button below, or tap Cancel."),
        reply_markup=location_keyboard(),
    )
    return LOCATION


async def stop(update: Update, context: Context) -> object:
    """Cancel (button or /cancel): not checked in; the Check in button still works later."""
    return await _finish(
        update, context,
        _("All right, you are not checked in. Tap Check in again when you arrive."),
    )


def build() -> ConversationHandler:
    cancel_text = filters.Text(sorted(_cancel_labels()))
    return private_flow(
        NAME,
        entry_points=[CallbackQueryHandler(press_check_in, pattern=r"^att:in:\d+$")],
        states={
            LOCATION: [
                MessageHandler(filters.LOCATION, got_location),
                MessageHandler(cancel_text, stop),
                MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, other_input),
            ],
        },
        fallbacks=[CommandHandler("cancel", stop)],
    )
