"""Roles and the one authorization helper used by every staff command and staff button.

Decorate a handler with `@requires(STAFF)` (or `ADMIN`, `REPS_AND_STAFF`, ...): the caller's role
is read from the database on every call, so a revoked coordinator is refused at once, and a
button pressed from an old message is checked exactly like the command that sent it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from telegram import Update
from telegram.ext import ConversationHandler

from bot import db
from bot.context import Context
from bot.i18n import _
from bot.roles import (
    ADMIN,
    ADMIN_ROLE,
    COORDINATOR,
    ENTITY_REP,
    REPS_AND_STAFF,
    STAFF,
    VOLUNTEER,
    is_staff,
)

log = logging.getLogger(__name__)

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])

__all__ = [
    "ADMIN", "ADMIN_ROLE", "COORDINATOR", "ENTITY_REP", "REPS_AND_STAFF", "STAFF", "VOLUNTEER",
    "caller_role", "is_staff", "refusal_text", "refuse", "requires",
]


async def caller_role(context: Context, user_id: int) -> str | None:
    row = await db.get_user(context.db, user_id)
    return None if row is None else row["role"]


def refusal_text(allowed: frozenset[str]) -> str:
    if allowed == ADMIN:
        return _("Sorry, only the office's admins can do this.")
    if ENTITY_REP in allowed:
        return _("Sorry, this is only for partner entities' representatives and office staff.")
    return _("Sorry, this is only for the office's coordinators.")


async def refuse(update: Update, text: str) -> None:
    """Tell the caller no, as an alert for a button and as a reply for a message."""
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(text)


def requires(allowed: frozenset[str]) -> Callable[[Handler], Handler]:
    """Refuse (and end any conversation) unless the caller's stored role is in `allowed`."""

    def decorator(func: Handler) -> Handler:
        @functools.wraps(func)
        async def wrapper(update: Update, context: Context, *args: Any, **kwargs: Any) -> Any:
            user = update.effective_user
            role = await caller_role(context, user.id) if user else None
            if role not in allowed:
                log.info("refused %s to user %s (role %s)", func.__name__, user and user.id, role)
                await refuse(update, refusal_text(allowed))
                return ConversationHandler.END
            return await func(update, context, *args, **kwargs)

        return cast(Handler, wrapper)

    return decorator
