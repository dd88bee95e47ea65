"""Telegram tells the bot when a user blocks it (my_chat_member): stop sending to them.

Blocking has the same effect as a 403 from the sender: the user is unreachable, excluded from
offers and broadcasts, and their pending messages are skipped, until they write to the bot again
(the group -1 handler in common.py marks them reachable then, and also on an unblock update).
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.ext import Application, ChatMemberHandler

from bot.context import Context
from bot.operations import users as operations

log = logging.getLogger(__name__)

# In a private chat, "kicked" is what blocking the bot looks like. Nothing that happens in a
# group (the bot removed from it, the person leaving it) says anything about the private chat.
GONE = frozenset({ChatMember.BANNED})


async def on_my_chat_member(update: Update, context: Context) -> None:
    """Mark a private chat's user unreachable when they block the bot."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    if change.new_chat_member.status in GONE:
        await operations.mark_unreachable(context.db, user_id=change.chat.id, now=context.now())
        log.info("user %s blocked the bot", change.chat.id)


def register(app: Application) -> None:
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
