"""The bot's Telegram client: python-telegram-bot's ExtBot, except that a message it sends or
edits comes back as a `SentMessage`, built from Telegram's answer only when something reads
more of it than its message_id.

PTB turns every answer into a whole `Message`: some 90 fields set one by one, its chat, its
sender and every button of its keyboard. That cost 0.07 ms for a plain reply and 0.12 ms for
one with five buttons, about a sixth of all the CPU an update took at the morning peak, for an
object that nearly every caller drops, or reads only the message_id of (to edit it later).

How: `_send_message` (PTB's one path for sending and editing messages) marks its call, `_post`
keeps Telegram's answer aside and tells PTB's `_send_message` "True", as Telegram answers for an
inline message's edit, so PTB builds nothing; the `SentMessage` is built from the kept answer.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from telegram import Bot, Message
from telegram.ext import ExtBot

# Set while _send_message runs: where _post puts Telegram's answer (a message) instead of
# returning it.
_ANSWER: ContextVar[list[dict[str, Any]] | None] = ContextVar("telegram_answer", default=None)

# Every attribute a Message has (its slots and those of its base classes).
_SLOTS: tuple[str, ...] = tuple(
    slot for cls in Message.__mro__[:-1] for slot in cls.__dict__["__slots__"]
)


class SentMessage(Message):
    """A message as Telegram answered its sending or edit: `message_id` at once, every other
    attribute the first time one is read (they are then those of `Message.de_json` on the
    answer). It is a `Message`: its shortcuts, equality and `to_dict` are the same."""

    __slots__ = ("_answer",)

    def __init__(self, answer: dict[str, Any], bot: Bot) -> None:
        # Message.__init__ is what this saves: the rest is set by _parse, when it is needed.
        put = object.__setattr__
        put(self, "_answer", answer)
        put(self, "message_id", answer["message_id"])
        put(self, "_bot", bot)
        put(self, "_frozen", True)

    def __hash__(self) -> int:  # a Message's: its class is part of TelegramObject's hash
        return hash((Message, self._id_attrs))

    def __getattr__(self, name: str) -> Any:
        # Only reached for an attribute not set yet: the first read of anything but message_id.
        if name.startswith("__") or not self._parse():
            raise AttributeError(f"'Message' object has no attribute {name!r}")
        return object.__getattribute__(self, name)

    def _parse(self) -> bool:
        """Set every attribute from Telegram's answer (once); False if that was done already."""
        answer = object.__getattribute__(self, "_answer")
        if answer is None:
            return False
        object.__setattr__(self, "_answer", None)
        whole = Message.de_json(answer, object.__getattribute__(self, "_bot"))
        for slot in _SLOTS:
            try:
                value = object.__getattribute__(whole, slot)
            except AttributeError:  # an attribute Message.__init__ leaves unset
                continue
            object.__setattr__(self, slot, value)
        return True


class AounBot(ExtBot[Any]):
    """ExtBot whose sends and edits answer a `SentMessage` (see the module docstring)."""

    __slots__ = ()

    async def _send_message(self, endpoint: str, data: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        kept: list[dict[str, Any]] = []
        token = _ANSWER.set(kept)
        try:
            result = await super()._send_message(endpoint, data, *args, **kwargs)
        finally:
            _ANSWER.reset(token)
        if result is True and kept:
            message = SentMessage(kept[0], self)
            self._insert_callback_data(message)  # what ExtBot does with a Message (off here)
            return message
        return result

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        kept = _ANSWER.get()
        if kept is not None and not kept and isinstance(result, dict) and "message_id" in result:
            kept.append(result)
            return True
        return result
