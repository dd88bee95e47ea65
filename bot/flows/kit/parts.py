"""Typed access to the parts of an Update a handler was registered for.

PTB types `update.effective_message`, `update.callback_query` and friends as Optional because an
Update can be many things. A handler registered for a message always has one; these helpers say
so once (and fail loudly if the wiring is wrong) instead of `# type: ignore` in every handler.
"""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Message, Update, User


class WrongUpdate(LookupError):
    """The handler was given an update without the part it was registered for."""


def message_of(update: Update) -> Message:
    message = update.effective_message
    if message is None:
        raise WrongUpdate("this update carries no message")
    return message


def query_of(update: Update) -> CallbackQuery:
    if update.callback_query is None:
        raise WrongUpdate("this update is not a button press")
    return update.callback_query


def data_of(update: Update) -> str:
    """The pressed button's callback data."""
    return query_of(update).data or ""


def user_of(update: Update) -> User:
    user = update.effective_user
    if user is None:
        raise WrongUpdate("this update has no sender")
    return user


def user_id_of(update: Update) -> int:
    return user_of(update).id


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat
    if chat is None:
        raise WrongUpdate("this update has no chat")
    return chat.id


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


def scratch(user_data: dict[Any, Any] | None) -> dict[Any, Any]:
    """`context.user_data`, which PTB types as Optional but always gives user updates."""
    if user_data is None:
        raise WrongUpdate("this update has no user data")
    return user_data
