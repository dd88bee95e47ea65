"""/pause: stop receiving shift offers until a date (typed in Hijri or Gregorian) or until /resume.

"Until" a day means offers start again at the beginning of that day in the office's time zone.
A pause that has run out counts as active at once (see the volunteers section of bot/db.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import db
from bot.context import Context
from bot.flows import private_flow
from bot.flows.volunteer_steps import NEW_MESSAGE, HasDraft, start_flow
from bot.i18n import DateInputError, _, format_date, parse_date
from bot.volunteers import VolunteerInputError, check_pause_day, effective_status, pause_end

UNTIL = "pause.until"
DRAFT = "pause"


def _question() -> tuple[str, InlineKeyboardMarkup]:
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("⏸ Until I send /resume"), callback_data="pz:ever")],
            [InlineKeyboardButton(_("✖ Cancel"), callback_data="pz:x")],
        ]
    )
    text = _(
        "Until when should I pause your shift offers? Type the date from which you want offers "
        "again (Hijri or Gregorian, for example 1447-12-20 or 2026-06-06), or tap “Until I send "
        "/resume”.\n\nShifts you have already accepted stay booked; see them with /myshifts."
    )
    return text, keyboard


async def ask(update: Update, context: Context, *, notice: str = "") -> str:
    text, keyboard = _question()
    if notice:
        text = f"{notice}\n\n{text}"
    message = await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard)
    start_flow(context, DRAFT, {"_msg": message.message_id})
    return UNTIL


async def begin(update: Update, context: Context) -> object:
    """/pause: only an active (or already paused) volunteer can pause."""
    row = await db.get_volunteer(context.db, update.effective_user.id)
    status = None
    if row is not None:
        status = effective_status(row["status"], db.parse_ts(row["paused_until"]), context.now())
    if status in ("active", "paused"):
        return await ask(update, context)
    if status == "pending":
        text = _("Your registration is still waiting for the office's approval, so there is nothing to pause yet.")
    elif status == "suspended":
        text = _("Your volunteer account is suspended. Please contact the volunteer office.")
    else:
        text = _("You have not registered as a volunteer yet. Send /register to begin.")
    await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def typed(update: Update, context: Context) -> object:
    """A date from which offers start again."""
    message = update.effective_message
    if not message.text:
        return await ask(update, context, notice=_("Please type a date, or tap a button below."))
    tz = context.settings.timezone
    today = context.now().astimezone(tz).date()
    try:
        day = parse_date(message.text)
        check_pause_day(day, today)
    except (DateInputError, VolunteerInputError) as exc:
        return await ask(update, context, notice=exc.message())
    return await _pause(update, context, until=pause_end(day, tz))


async def pressed(update: Update, context: Context) -> object:
    """Pause indefinitely, or cancel (from the latest question only)."""
    query = update.callback_query
    draft = context.user_data.get(DRAFT) or {}  # type: ignore[union-attr]
    if query.message.message_id != draft.get("_msg"):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return await ask(update, context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    if query.data == "pz:x":
        return await cancel(update, context)
    return await _pause(update, context, until=None)


async def _pause(update: Update, context: Context, *, until) -> int:  # type: ignore[no-untyped-def]
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    now = context.now()
    async with context.db.transaction() as tx:
        await db.expire_pauses(tx, now, user_id=update.effective_user.id)
        paused = await db.pause_volunteer(tx, update.effective_user.id, until=until, now=now)
    if not paused:
        text = _("Your volunteer status has changed meanwhile, so nothing was paused. Send /profile to see it.")
    elif until is None:
        text = _("⏸ Your shift offers are paused until you send /resume.")
    else:
        day = until.astimezone(context.settings.timezone).date()
        text = _(
            "⏸ Your shift offers are paused. They start again on {date}; send /resume to come back sooner."
        ).format(date=format_date(day))
    await context.bot.send_message(update.effective_chat.id, text)
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> int:
    """/cancel: nothing changes."""
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await context.bot.send_message(update.effective_chat.id, _("Cancelled. Nothing was changed."))
    return ConversationHandler.END


def build(user_data: Mapping[int, dict[str, Any]]) -> ConversationHandler:
    """The flow; `user_data` is the application's (messages count only while a draft exists)."""
    return private_flow(
        "pause",
        entry_points=[CommandHandler("pause", begin, filters=filters.ChatType.PRIVATE)],
        states={
            UNTIL: [
                CallbackQueryHandler(pressed, pattern=r"^pz:(ever|x)$"),
                MessageHandler(NEW_MESSAGE & ~filters.COMMAND & HasDraft(user_data, DRAFT), typed),
            ]
        },
        fallbacks=[CommandHandler("cancel", cancel)],
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(build(app.user_data))
