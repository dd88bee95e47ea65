"""Roles and the one authorization helper used by every staff command and staff button.

Decorate a handler with `@requires(STAFF)` (or `ADMIN`, `REPS_AND_STAFF`, ...): the caller's role
is read from the database on every call, so a revoked coordinator is refused at once, and a
button pressed from an old message is checked exactly like the command that sent it.

Staff and representatives' commands and buttons show personal data (rosters, phones, exports),
so they answer only in a private chat: anywhere else `requires` answers with one line and a
link to the private chat, before it even looks at the caller's role, and nothing else happens.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from telegram import Chat, Update
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

# The deep link's /start payload; /start accepts it as a plain /start.
PRIVATE_CHAT_PAYLOAD = "private"

__all__ = [
    "ADMIN",
    "ADMIN_ROLE",
    "COORDINATOR",
    "ENTITY_REP",
    "PRIVATE_CHAT_PAYLOAD",
    "REPS_AND_STAFF",
    "STAFF",
    "VOLUNTEER",
    "caller_role",
    "is_staff",
    "refusal_text",
    "refuse",
    "requires",
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


def private_chat_link(context: Context) -> str:
    return f"https://t.me/{context.bot.username}?start={PRIVATE_CHAT_PAYLOAD}"


async def redirected_to_private_chat(update: Update, context: Context) -> bool:
    """Outside a private chat: answer with the link to the private chat and return True."""
    chat = update.effective_chat
    if chat is not None and chat.type == Chat.PRIVATE:
        return False
    link = private_chat_link(context)
    log.info(
        "redirected a staff action from chat %s to the private chat", chat.id if chat else None
    )
    if update.callback_query:
        # A t.me link to the bot is the one url answerCallbackQuery opens for any bot.
        await update.callback_query.answer(
            _("This works only in a private chat with me."), url=link
        )
    elif update.effective_message:
        await update.effective_message.reply_text(
            _("This works only in a private chat with me: {link}").format(link=link),
            disable_web_page_preview=True,
        )
    return True


def requires(allowed: frozenset[str]) -> Callable[[Handler], Handler]:
    """Only in a private chat (elsewhere a link to it), and refuse (ending any conversation)
    unless the caller's stored role is in `allowed`."""

    def decorator(func: Handler) -> Handler:
        @functools.wraps(func)
        async def wrapper(update: Update, context: Context, *args: Any, **kwargs: Any) -> Any:
            if await redirected_to_private_chat(update, context):
                return ConversationHandler.END
            user = update.effective_user
            role = await caller_role(context, user.id) if user else None
            if role not in allowed:
                log.info("refused %s to user %s (role %s)", func.__name__, user and user.id, role)
                await refuse(update, refusal_text(allowed))
                return ConversationHandler.END
            return await func(update, context, *args, **kwargs)

        return cast(Handler, wrapper)

    return decorator
