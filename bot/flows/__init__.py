"""Multi-step ConversationHandlers, one flow per module; each exposes build() or register(app)."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler, ConversationHandler


def private_flow(
    name: str,
    *,
    entry_points: list[BaseHandler[Any, Any, Any]],
    states: dict[object, list[BaseHandler[Any, Any, Any]]],
    fallbacks: list[BaseHandler[Any, Any, Any]],
    allow_reentry: bool = True,
) -> ConversationHandler[Any]:
    """A persistent conversation with one person in their private chat.

    per_chat + per_user and per_message=False: the flow follows the person across messages, not
    one message, so PTB warns that its CallbackQueryHandlers are not tracked per message. That is
    deliberate: every button's handler re-checks who pressed it and whether the message's draft
    or record is still current, and buttons from old messages get a clear answer.
    """
    return ConversationHandler(
        entry_points=entry_points,
        states=states,
        fallbacks=fallbacks,
        name=name,
        persistent=True,
        per_chat=True,
        per_user=True,
        per_message=False,
        allow_reentry=allow_reentry,
    )
