"""Typed reasons: why an offer was declined (optional), why a place is cancelled late (required).

The question starts from a button (Decline, Cancel, Can't make it, Yes cancel); the answer is a
reason button or a typed text. Register this flow after the other flows: while another flow is
running, its own question takes the user's text first. A text arriving long after the question
is not taken as a reason.

per_message=False on purpose: the conversation follows the person (per chat and user), not one
message, because the answer is typed text (PTB warns about CallbackQueryHandlers with it; that is
the intended behaviour here: the buttons re-validate everything themselves).
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import db, dispatch
from bot.context import Context
from bot.flows import private_flow
from bot.handlers import shifts
from bot.handlers.shifts import DECLINE_REASON, END, LATE_REASON
from bot.i18n import _

NAME = "shift_reasons"
REASON_WINDOW = timedelta(minutes=30)
MAX_REASON = 500


def _question(context: Context, kind: str) -> dict | None:
    """The pending question of this kind, if it was asked recently."""
    data = context.user_data.get("shift_reason")
    if not isinstance(data, dict) or data.get("kind") != kind:
        return None
    asked_at = db.parse_ts(data.get("asked_at"))
    if asked_at is None or context.now() - asked_at > REASON_WINDOW:
        return None
    return data


async def _stale_text(update: Update, context: Context) -> object:
    context.user_data.pop("shift_reason", None)
    await update.effective_message.reply_text(
        _("Sorry, I did not understand that. Send /help to see what I can do.")
    )
    return END


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_REASON]


async def decline_reason_typed(update: Update, context: Context) -> object:
    """The typed reason for a decline."""
    question = _question(context, "decline")
    reason = _clean(update.effective_message.text)
    if question is None:
        return await _stale_text(update, context)
    if not reason:
        await update.effective_message.reply_text(
            _("Please type the reason in a few words, or tap Skip.")
        )
        return DECLINE_REASON
    await dispatch.save_decline_reason(
        context.db, assignment_id=int(question["id"]), user_id=update.effective_user.id,
        reason=reason,
    )
    context.user_data.pop("shift_reason", None)
    await update.effective_message.reply_text(_("Thank you, noted."))
    return END


async def late_reason_typed(update: Update, context: Context) -> object:
    """The typed reason for a late cancellation: cancel with it."""
    question = _question(context, "late")
    reason = _clean(update.effective_message.text)
    if question is None:
        context.user_data.pop("shift_reason", None)
        await update.effective_message.reply_text(
            _("Nothing was cancelled. If you still cannot come, open /myshifts and tap Cancel "
              "again.")
        )
        return END
    if len(reason) < 2:
        await update.effective_message.reply_text(
            _("Please type the reason in a few words, or tap one of the reasons above.")
        )
        return LATE_REASON
    return await shifts._finish_cancel(update, context, reason)


async def stop(update: Update, context: Context) -> object:
    """/cancel while a reason is asked: a decline stays declined, a place stays taken."""
    question = context.user_data.pop("shift_reason", None) or {}
    if question.get("kind") == "late":
        text = _("All right: nothing was cancelled, your place is kept.")
    else:
        text = _("All right.")
    await update.effective_message.reply_text(text)
    return END


def build() -> ConversationHandler:
    # New messages only: editing an earlier message is not a reason.
    reason_text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    return private_flow(
        NAME,
        entry_points=[
            CallbackQueryHandler(shifts.decline_offer, pattern=r"^off:dec:\d+$"),
            CallbackQueryHandler(shifts.ask_cancel, pattern=r"^(my:can|rem:no):\d+$"),
            CallbackQueryHandler(shifts.confirm_cancel, pattern=r"^my:cok:\d+$"),
        ],
        states={
            DECLINE_REASON: [
                CallbackQueryHandler(shifts.decline_reason_chosen, pattern=r"^off:rsn:\d+:\w+$"),
                MessageHandler(reason_text, decline_reason_typed),
            ],
            LATE_REASON: [
                CallbackQueryHandler(shifts.late_reason_chosen, pattern=r"^my:lr:\d+:\w+$"),
                CallbackQueryHandler(shifts.keep_place, pattern=r"^my:keep:\d+$"),
                MessageHandler(reason_text, late_reason_typed),
            ],
        },
        fallbacks=[CommandHandler("cancel", stop)],
    )
