"""The progress list's one-step buttons: Refresh, Stop and its confirmation (the list itself is
shown by /broadcast, bot/flows/broadcast.py)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot import db
from bot.auth import STAFF as STAFF_ROLES
from bot.auth import requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import _
from bot.notices import broadcasts as cards
from bot.operations import broadcasts as operations
from bot.texts import broadcasts as texts


async def progress(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    """The recent broadcasts' progress and its buttons."""
    items = await db.broadcast_progress_list(context.db, limit=cards.RECENT)
    text, keyboard = cards.progress_card(
        items, send_rate=context.settings.send_rate, now=context.now(), tz=context.settings.timezone
    )
    return text or _("No broadcast has been sent yet."), keyboard


@requires(STAFF_ROLES)
async def refresh_list(update: Update, context: Context) -> None:
    """Refresh the progress of recent broadcasts."""
    query = kit.query_of(update)
    text, keyboard = await progress(context)
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:  # nothing changed since the last look
        if "not modified" not in exc.message.lower():
            raise


@requires(STAFF_ROLES)
async def ask_stop(update: Update, context: Context) -> None:
    """Confirm before stopping a broadcast in progress."""
    query = kit.query_of(update)
    broadcast_id = cards.STOP.one(query.data)
    counts = await db.broadcast_progress(context.db, broadcast_id)
    if not counts["pending"]:
        await query.answer(_("This broadcast has already finished."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        texts.stop_question(broadcast_id, counts["pending"]), reply_markup=cards.stop_keyboard(broadcast_id)
    )


@requires(STAFF_ROLES)
async def confirm_stop(update: Update, context: Context) -> None:
    """Cancel what is still queued of a broadcast; the summary follows."""
    query = kit.query_of(update)
    outcome = await operations.stop(
        context.db, broadcast_id=cards.STOP_CONFIRMED.one(query.data), actor_id=kit.user_id_of(update),
        now=context.now(), default_locale=context.settings.default_locale,
    )
    if not outcome.cancelled:
        await query.answer(_("This broadcast has already finished."), show_alert=True)
        return
    await query.answer(_("Stopped."))
    text, keyboard = await progress(context)
    await query.edit_message_text(text, reply_markup=keyboard)


def register(app: Application) -> None:
    """Before the /broadcast flow: its stale-button answer covers every "bc:" button, and these
    work whether a draft is open or not."""
    app.add_handler(CallbackQueryHandler(refresh_list, pattern=cards.REFRESH.pattern))
    app.add_handler(CallbackQueryHandler(ask_stop, pattern=cards.STOP.pattern))
    app.add_handler(CallbackQueryHandler(confirm_stop, pattern=cards.STOP_CONFIRMED.pattern))
