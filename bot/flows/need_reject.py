"""A coordinator rejects a submitted need: Reject on the approval card, then the reason, which
the entity's representatives receive. The first coordinator to act on a need wins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import db
from bot.auth import STAFF, requires
from bot.context import Context
from bot.flows import focus, private_flow
from bot.handlers.needs import record_decision, too_late_text
from bot.i18n import _, isolate, ltr
from bot.needs import REASON_MAX, REASON_MIN

NAME = "need_reject"
REASON = f"{NAME}.reason"


def _question(need: db.Row) -> str:
    return _(
        "Why is need {id} “{title}” not approved? Type the reason: the entity's representatives "
        "will receive it as you write it. Send /cancel to leave the need waiting."
    ).format(id=ltr(f"#{need['id']}"), title=isolate(need["title"]))


@requires(STAFF)
async def begin(update: Update, context: Context) -> str | int:
    """Reject pressed: ask for the reason, unless someone already decided."""
    query = update.callback_query
    need_id = int(query.data.split(":")[2])
    need = await db.get_need(context.db, need_id)
    if need is None or need["status"] != "submitted":
        await query.answer(await too_late_text(context, need_id), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    context.user_data[NAME] = {"need": need_id}
    focus.enter(context.user_data, NAME)
    await update.effective_message.reply_text(_question(need))
    return REASON


@requires(STAFF)
async def receive_reason(update: Update, context: Context) -> str | int:
    """Reject with this reason if the need is still waiting; otherwise say who acted first."""
    need_id = int(context.user_data.get(NAME, {}).get("need", 0))
    reason = (update.effective_message.text or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        need = await db.get_need(context.db, need_id)
        if need is None:
            return await cancel(update, context)
        await update.effective_message.reply_text(
            _("Please write the reason in {low} to {high} characters.").format(low=REASON_MIN, high=REASON_MAX)
            + "\n\n" + _question(need)
        )
        return REASON
    won, _card = await record_decision(
        context, need_id, "rejected", update.effective_user.id, reason=reason
    )
    if won:
        text = _("Need {id} was not approved. The representatives were told the reason.").format(
            id=ltr(f"#{need_id}")
        )
    else:
        text = await too_late_text(context, need_id)
    text = focus.close(context.user_data, NAME, text)
    await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def wrong_kind(update: Update, context: Context) -> str:
    """Anything but text."""
    await update.effective_message.reply_text(
        _("Please type the reason as text, or send /cancel to leave the need waiting.")
    )
    return REASON


async def cancel(update: Update, context: Context) -> int:
    """Leave the need waiting."""
    text = focus.close(
        context.user_data, NAME, _("Nothing was changed: the need is still waiting for approval.")
    )
    await update.effective_message.reply_text(text)
    return ConversationHandler.END


def build(all_user_data: Mapping[int, Any]) -> ConversationHandler:
    # New messages only: editing an earlier message must not answer the question open now.
    mine = focus.Focused(NAME, all_user_data) & filters.UpdateType.MESSAGE
    return private_flow(
        NAME,
        entry_points=[CallbackQueryHandler(begin, pattern=r"^apr:rj:\d+$")],
        states={
            REASON: [
                MessageHandler(filters.TEXT & ~filters.COMMAND & mine, receive_reason),
                MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL & mine, wrong_kind),
            ]
        },
        fallbacks=[CommandHandler("cancel", cancel, filters=mine)],
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(build(app.user_data))
