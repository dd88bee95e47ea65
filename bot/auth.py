"""Roles and the one authorization helper used by every staff command and staff button.

Decorate a handler with `@requires(STAFF)` (or `ADMIN`, `REPS_AND_STAFF`, ...): the caller's role
is read from the database on every call, so a revoked coordinator is refused at once, and a
button pressed from an old message is checked exactly like the command that sent it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import ConversationHandler

from bot import db
from bot.context import Context
from bot.i18n import _

log = logging.getLogger(__name__)

VOLUNTEER, ENTITY_REP, COORDINATOR, ADMIN_ROLE = db.ROLES
ADMIN = frozenset({ADMIN_ROLE})
STAFF = frozenset({COORDINATOR, ADMIN_ROLE})
REPS_AND_STAFF = frozenset({ENTITY_REP, COORDINATOR, ADMIN_ROLE})

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


def is_staff(role: str | None) -> bool:
    return role in STAFF


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

        return wrapper  # type: ignore[return-value]

    return decorator
