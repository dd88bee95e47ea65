"""The route index: which handlers of a group could take an update, so that PTB's loop tries only
those (bot/app.py `AounApplication.process_update`).

PTB tries every handler of a group in turn until one's `check_update` says yes (~120 in group 0:
16 flows, then the one-step commands and buttons). Most of them cannot take a given update, and
that shows from what it carries alone:

- a `CommandHandler` takes only a message that begins with one of its commands (read exactly as
  PTB's CommandHandler reads it, from the update's effective message);
- a `CallbackQueryHandler` takes only a button press, and one whose pattern begins with a literal
  text (every `kit.Route` does: "off:acc:") only a press whose data begins with it;
- a `ConversationHandler` (every kit flow) takes an update only if one of its entry points
  could, or if the person has a conversation open in it (then anything may reach it).

Every other handler (a MessageHandler, a TypeHandler, ...) is always tried. What is left is
tried in the registered order by PTB's own `check_update`, so the first handler that says yes is
the one PTB would have found: the index only skips handlers whose answer would have been no.

What can be decided from the handlers alone is kept per route (a command name, a callback area),
and rebuilt when a group's handlers change (compared with a copy, so handlers inserted straight
into `app.handlers`, as some tests do, count too). Whether a conversation is open is read for
every update: it changes with every answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import MessageEntity, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

Handler = BaseHandler[Any, Any, Any]
# A route: the command an update carries (None: none, or one no handler knows), whether it is a
# button press, and its callback data's area ("off:" of "off:acc:12"; None: data that is no text).
RouteKey = tuple[str | None, bool, str | None]

_ANY = None  # a handler that may take any update
_MAX_ROUTES = 1024  # routes remembered per group (callback data is the person's to choose)
_SPECIAL = set(".^$*+?{}[]\\|()")


@dataclass(frozen=True)
class _Needs:
    """What an update must carry for a handler to take it: one of `commands`, or a press whose
    data begins with one of `prefixes` (a press of any data when `any_press`)."""

    commands: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    any_press: bool = False

    def __or__(self, other: _Needs) -> _Needs:
        return _Needs(
            self.commands | other.commands, self.prefixes + other.prefixes,
            self.any_press or other.any_press,
        )

    def met_by(self, command: str | None, press: bool, area: str | None) -> bool:
        if command is not None and command in self.commands:
            return True
        if not press:
            return False
        if self.any_press or area is None:
            return bool(self.any_press or self.prefixes)
        return any(_prefix_may_match(prefix, area) for prefix in self.prefixes)


def _prefix_may_match(prefix: str, area: str) -> bool:
    """Whether data whose area is `area` ("off:", or the whole data when it has no colon) may
    begin with `prefix`."""
    colon = prefix.find(":")
    if colon < 0:
        return area.startswith(prefix)
    return prefix[: colon + 1] == area


def literal_prefix(pattern: str | re.Pattern[str]) -> str:
    """The text every string `re.match(pattern, ...)` accepts begins with ("" when unsure)."""
    if isinstance(pattern, re.Pattern):
        if pattern.flags & re.IGNORECASE:
            return ""
        source = pattern.pattern
    else:
        source = pattern
    if not isinstance(source, str) or _has_top_level_alternative(source):
        return ""
    index = 1 if source.startswith("^") else 0
    literal: list[str] = []
    while index < len(source):
        char = source[index]
        if char == "\\":
            following = source[index + 1 : index + 2]
            if not following or following.isalnum():  # \d, \w, \A...: not a literal any more
                break
            literal.append(following)
            index += 2
            continue
        if char in _SPECIAL:
            if char in "*?{" and literal:  # the last literal character may be absent
                literal.pop()
            break
        literal.append(char)
        index += 1
    return "".join(literal)


def _has_top_level_alternative(source: str) -> bool:
    depth = 0
    in_class = False
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        index += 1
    return False


def _needs(handler: Handler) -> _Needs | None:
    """What `handler` needs of an update (None: it may take any update)."""
    if isinstance(handler, CommandHandler):
        return _Needs(commands=frozenset(handler.commands))
    if isinstance(handler, CallbackQueryHandler):
        pattern = handler.pattern
        if isinstance(pattern, str | re.Pattern):
            prefix = literal_prefix(pattern)
            return _Needs(prefixes=(prefix,)) if prefix else _Needs(any_press=True)
        return _Needs(any_press=True)  # no pattern, a type or a callable: any press
    if isinstance(handler, ConversationHandler):  # with nothing open, only its entry points
        needs = _Needs()
        for entry in handler.entry_points:
            found = _needs(entry)
            if found is None:
                return None
            needs = needs | found
        return needs
    return _ANY


def route_of(update: object) -> RouteKey | None:
    """The route of an update (None for an object that is not a Telegram update)."""
    if not isinstance(update, Update):
        return None
    command: str | None = None
    message = update.effective_message
    if message is not None and message.text and message.entities:
        entity = message.entities[0]
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            command = message.text[1 : entity.length].split("@", 1)[0].lower()
    query = update.callback_query
    if query is None:
        return command, False, None
    data = query.data
    if not isinstance(data, str):
        return command, True, None
    colon = data.find(":")
    return command, True, data if colon < 0 else data[: colon + 1]


@dataclass(frozen=True)
class _Route:
    """A group's handlers for one route: those it may reach (position, handler), and the
    conversations that only an open conversation would bring in (position, handler, how it
    builds its key)."""

    always: tuple[tuple[int, Handler], ...]
    if_open: tuple[tuple[int, ConversationHandler[Any], tuple[bool, bool, bool]], ...]


class _Group:
    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = list(handlers)
        self.needs = [_needs(handler) for handler in self.handlers]
        self.commands = frozenset().union(*(n.commands for n in self.needs if n is not None))
        self.indexed = any(needs is not None for needs in self.needs)  # else: try them all
        self.routes: dict[RouteKey, _Route] = {}

    def route(self, key: RouteKey) -> _Route:
        found = self.routes.get(key)
        if found is not None:
            return found
        command, press, area = key
        always: list[tuple[int, Handler]] = []
        if_open: list[tuple[int, ConversationHandler[Any], tuple[bool, bool, bool]]] = []
        for position, (handler, needs) in enumerate(zip(self.handlers, self.needs, strict=True)):
            if needs is None or needs.met_by(command, press, area):
                always.append((position, handler))
            elif isinstance(handler, ConversationHandler):
                keyed_by = (handler.per_chat, handler.per_user, handler.per_message)
                if_open.append((position, handler, keyed_by))
        if len(self.routes) >= _MAX_ROUTES:
            self.routes.clear()
        found = self.routes[key] = _Route(tuple(always), tuple(if_open))
        return found


class RouteIndex:
    """`candidates(group, handlers, update)`: the handlers of `handlers` (one group's, in their
    order) that could take `update`; the others' `check_update` would say no."""

    def __init__(self) -> None:
        self._groups: dict[int, _Group] = {}

    def candidates(self, group: int, handlers: list[Handler], update: object) -> Sequence[Handler]:
        index = self._groups.get(group)
        if index is None or index.handlers != handlers:  # added, removed, inserted: rebuilt
            index = self._groups[group] = _Group(handlers)
        key = route_of(update) if index.indexed else None
        if key is None:
            return handlers
        command = key[0]
        if command is not None and command not in index.commands:
            key = (None, key[1], key[2])  # an unknown command: no CommandHandler takes it
        route = index.route(key)
        opened = _open_conversations(route.if_open, update) if route.if_open else None
        if not opened:
            return [handler for _, handler in route.always]
        return [handler for _, handler in sorted((*route.always, *opened), key=_position)]


def _position(item: tuple[int, Handler]) -> int:
    return item[0]


def _open_conversations(
    conversations: Sequence[tuple[int, ConversationHandler[Any], tuple[bool, bool, bool]]],
    update: Any,
) -> list[tuple[int, Handler]]:
    """The conversations that have a state for this update's key (built once per way of
    building it: from the chat, the user, the message, as each handler's settings say)."""
    keys: dict[tuple[bool, bool, bool], object] = {}
    opened: list[tuple[int, Handler]] = []
    for position, conversation, keyed_by in conversations:
        key = keys.get(keyed_by, _UNSET)
        if key is _UNSET:
            key = keys[keyed_by] = _key(conversation, update)
        if key is not None and key in conversation._conversations:
            opened.append((position, conversation))
    return opened


_UNSET = object()


def _key(conversation: ConversationHandler[Any], update: Any) -> object:
    get_key: Callable[[Any], object] = conversation._get_key
    try:
        return get_key(update)
    except RuntimeError:  # no chat, user or message to build it from: the handler says no
        return None
