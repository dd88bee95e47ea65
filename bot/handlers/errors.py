"""The one error handler: log with the traceback and the update's ids, alert the operations
chat (rate-limited, no personal data), apologise to the user in their language."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from telegram import Update
from telegram.error import Conflict, TelegramError
from telegram.ext import Application

from bot.context import Context
from bot.i18n import _
from bot.limiter import is_harmless
from bot.operations import alerts

log = logging.getLogger(__name__)

# Telegram's flag that the error handler wants the real answer, not "already done".
_STRICT = {"strict": True}

HANDLER_PACKAGES = ("bot.handlers.", "bot.flows.")


def failing_handler(error: BaseException | None) -> str:
    """`reports.export`: the outermost handler or flow function in the traceback (the callback
    PTB called), or the innermost bot function when no handler is in it."""
    tb: TracebackType | None = error.__traceback__ if error is not None else None
    innermost = "unknown"
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        name = f"{module.removeprefix('bot.')}.{tb.tb_frame.f_code.co_name}"
        if module.startswith(HANDLER_PACKAGES) and module != __name__:
            return name.removeprefix("handlers.")
        if module.startswith("bot."):
            innermost = name
        tb = tb.tb_next
    return innermost


async def on_error(update: object, context: Context) -> None:
    """Log the exception; tell the user something went wrong, without internals."""
    if isinstance(context.error, Conflict):  # another process polls this token
        stop_for_conflict(context)
        return
    if context.error is not None and is_harmless(context.error):
        log.info("Telegram had nothing to change: %s", context.error)
        return
    error = context.error
    handler = failing_handler(error)
    ids: dict[str, Any] = {"update_id": None, "user_id": None, "chat_id": None, "handler": handler}
    if isinstance(update, Update):
        ids["update_id"] = update.update_id
        ids["user_id"] = update.effective_user.id if update.effective_user else None
        ids["chat_id"] = update.effective_chat.id if update.effective_chat else None
    log.error(
        "error while handling update %s (user %s, chat %s) in %s",
        ids["update_id"], ids["user_id"], ids["chat_id"], handler,
        exc_info=error, extra=ids,
    )
    try:
        await alerts.unhandled_error(
            context.db, context.settings, error_type=type(error).__name__, handler=handler,
            update_id=ids["update_id"], now=context.now(),
        )
    except Exception:
        log.warning("could not queue the alert for the operations chat", exc_info=True)
    if not isinstance(update, Update):
        return
    text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    if update.callback_query:
        try:
            await context.bot.answer_callback_query(
                update.callback_query.id, text, show_alert=True, rate_limit_args=_STRICT
            )
            return
        except TelegramError:  # already answered before the failure: say it in the chat
            log.info("could not answer the callback query; apologising in the chat instead")
    if update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            log.warning("could not deliver the apology", exc_info=True)


async def another_poller(application: Application[Any, Any, Any, Any, Any, Any]) -> bool:
    """Before polling starts: does another process poll this token? Then stop (exit code 2).
    The probe confirms no update (no offset), so nothing is lost for whoever polls."""
    try:
        await application.bot.get_updates(timeout=0, limit=1)
    except Conflict as exc:
        if "webhook" in str(exc).lower():  # a webhook left set: polling start-up removes it
            return False
        application.bot_data["exit_code"] = 2
        application.stop_running()
        return True
    except TelegramError as exc:  # polling itself will meet the same trouble, and report it
        log.info("could not check for another poller at start-up: %s", exc)
    return False


def stop_for_conflict(context: Context) -> None:
    """Telegram answered 409 to getUpdates. Just started: another process has this token, so
    this one stops (exit code 2). Long running: a newcomer took a poll; keep going."""
    application = context.application
    started = application.bot_data.get("polling_since")
    now = application.bot_data["clock"].now()
    if started is not None and (now - started).total_seconds() > STARTUP_WINDOW_SECONDS:
        log.warning("another process is polling this bot token too (409 Conflict); it should stop")
        return
    if application.bot_data.get("exit_code") is None:
        application.bot_data["exit_code"] = 2  # python -m bot says why, in one line
        application.stop_running()


STARTUP_WINDOW_SECONDS = 30.0
