"""The one error handler: log with the traceback, apologise to the user in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import Context
from bot.i18n import _

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log the exception; tell the user something went wrong, without internals."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    if update.callback_query:
        try:
            await update.callback_query.answer(text, show_alert=True)
            return
        except TelegramError:  # already answered before the failure: say it in the chat
            log.info("could not answer the callback query; apologising in the chat instead")
    if update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            log.warning("could not deliver the apology", exc_info=True)
