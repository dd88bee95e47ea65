"""Check in at the site: the Check in button (from the scheduler's message or /myshifts), then,
when the need has coordinates, the volunteer's location within the site's check-in radius.

The button re-checks everything in operations.attendance.check_in (whose place, still taken,
inside the window from CHECKIN_LEAD before the start to the end); so does every location. A site
without coordinates checks the volunteer in at the press. The location question is short
(bot/flows/kit): another command or another flow's question ends it, and Check in asks again.
"""

from __future__ import annotations

from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot import db
from bot.config import SUPPORTED_LOCALES
from bot.context import Context
from bot.flows import kit
from bot.i18n import G_, N_, _, use_locale
from bot.notices.dispatch import CHECK_IN
from bot.operations import attendance
from bot.texts import dispatch as texts

SPEC = kit.FlowSpec("checkin", kit.Mode.SHORT, N_("your check-in location"), area="att:in")
LOCATION = "checkin.location"
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


def _question(context: Context) -> dict[str, Any] | None:
    found = kit.draft(context, SPEC)
    return found if found is not None and "id" in found else None


async def _ask(update: Update, context: Context, text: str) -> str:
    await kit.ask(update, context, SPEC, text, location_keyboard())
    return LOCATION


# -- steps -----------------------------------------------------------------------------------------


async def press_check_in(update: Update, context: Context) -> object:
    """Check in: at once without site coordinates, else ask for the location."""
    query = kit.query_of(update)
    assignment_id = CHECK_IN.one(query.data)
    outcome = await attendance.check_in(
        context.db, context.settings, assignment_id=assignment_id, user_id=query.from_user.id,
        now=context.now(),
    )
    tz = context.settings.timezone
    if outcome.kind == attendance.CHECKED_IN:
        await query.answer(_("Checked in. Thank you!"))
        await kit.close_pressed(update, texts.checked_in_text(context.now(), tz))
        return kit.END
    if outcome.kind == attendance.NEEDS_LOCATION and outcome.assignment is not None:
        kit.start(context, SPEC, {"id": assignment_id, "asked_at": db.ts(context.now())})
        await query.answer()
        return await _ask(update, context, texts.ask_location_text(outcome.assignment))
    await query.answer(texts.checkin_problem_text(outcome, tz), show_alert=True)
    return None  # a check-in asked earlier (another shift) is still waiting for its location


async def _finish(update: Update, context: Context, text: str) -> object:
    await kit.message_of(update).reply_text(text, reply_markup=ReplyKeyboardRemove())
    return kit.END


async def got_location(update: Update, context: Context) -> object:
    """The shared location: checked in when close enough, else how far, and ask again."""
    message = kit.message_of(update)
    question = _question(context)
    if question is None or message.location is None:
        return await _finish(update, context, _("This button is no longer active."))
    if message.forward_origin is not None or message.venue is not None:
        return await _ask(update, context, _(
            "Please share your current location with the button below, not a forwarded or "
            "chosen place."
        ))
    location = message.location
    tz = context.settings.timezone
    outcome = await attendance.check_in(
        context.db, context.settings, assignment_id=int(question["id"]),
        user_id=kit.user_id_of(update), now=context.now(),
        location=(location.latitude, location.longitude),
    )
    if outcome.kind == attendance.CHECKED_IN:
        return await _finish(update, context, texts.checked_in_text(context.now(), tz))
    if outcome.kind == attendance.TOO_FAR and outcome.assignment is not None:
        return await _ask(update, context, texts.too_far_text(outcome.assignment, outcome.distance_m or 0))
    return await _finish(update, context, texts.checkin_problem_text(outcome, tz))


async def other_input(update: Update, context: Context) -> object:
    """Anything else while the location is awaited: ask again (or let a stale question go)."""
    question = _question(context)
    row = await db.get_assignment(context.db, int(question["id"])) if question else None
    if attendance.checkin_problem(row, kit.user_id_of(update), context.settings, context.now()):
        return await _finish(
            update, context, _("Sorry, I did not understand that. Send /help to see what I can do.")
        )
    return await _ask(update, context, _("Please share your location with the button below, or tap Cancel."))


async def stop(update: Update, context: Context) -> object:
    """Cancel (button or /cancel): not checked in; the Check in button still works later."""
    return await _finish(
        update, context,
        G_("All right, you are not checked in. Tap Check in again when you arrive."),
    )


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    """Ask for the location again (the kit calls this after an answer it cannot take)."""
    question = _question(context)
    row = await db.get_assignment(context.db, int(question["id"])) if question else None
    if row is None or attendance.checkin_problem(row, kit.user_id_of(update), context.settings, context.now()):
        return kit.END
    text = texts.ask_location_text(row)
    return await _ask(update, context, f"{notice}\n\n{text}" if notice else text)


def build() -> kit.Flow:
    cancel_text = filters.Text(sorted(_cancel_labels()))
    return kit.flow(
        SPEC,
        entry_points=[CallbackQueryHandler(press_check_in, pattern=CHECK_IN.pattern)],
        states={
            LOCATION: [
                MessageHandler(filters.LOCATION, got_location),
                MessageHandler(cancel_text, stop),
                MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, other_input),
            ],
        },
        on_cancel=stop,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
