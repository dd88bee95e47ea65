"""Which open flow gets a person's next typed message.

A coordinator can be half-way through /need when an approval card arrives and they press
Reject: two conversations are then open for the same chat, and both would take plain text.
Each flow that takes text records itself here when it starts (`enter`) and when it ends
(`leave`), and guards its text handlers with `Focused(name, app.user_data)`, so only the most
recently started flow answers. A long flow (`resumable=True`, e.g. /need) is kept underneath
and resumes when the short one ends; a short flow that was abandoned (Reject pressed, no reason
typed, then /need) is dropped when another flow starts, so a later message can never be taken
as its answer by surprise.

The stack lives in `user_data`, so it survives restarts with the conversations themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Update
from telegram.ext import filters

from bot.i18n import _

KEY = "flow_focus"


def enter(user_data: dict[str, Any], name: str, *, resumable: bool = False) -> None:
    """`name` now has the focus; short flows left open below it are dropped."""
    stack = [entry for entry in user_data.get(KEY, []) if entry[0] != name and entry[1]]
    stack.append([name, resumable])
    user_data[KEY] = stack


def leave(user_data: dict[str, Any], name: str) -> bool:
    """`name` ended; True when another flow (now focused again) is still open below it."""
    stack = [entry for entry in user_data.get(KEY, []) if entry[0] != name]
    if stack:
        user_data[KEY] = stack
    else:
        user_data.pop(KEY, None)
    return bool(stack)


def finish(user_data: dict[str, Any], name: str, *, draft_key: str | None = None) -> bool:
    """The flow `name` ended: forget its draft (kept under `draft_key`, by default its name) and
    its focus; True when another flow is open underneath and takes typed text again."""
    user_data.pop(draft_key or name, None)
    return leave(user_data, name)


def close(user_data: dict[str, Any], name: str, text: str, *, draft_key: str | None = None) -> str:
    """`finish` the flow and return its last message, telling the person when the flow they
    left underneath now takes their text again."""
    if finish(user_data, name, draft_key=draft_key):
        return f"{text}\n\n" + _("You can now go on with what you were doing before.")
    return text


def focused(user_data: Mapping[str, Any] | None, name: str) -> bool:
    stack = (user_data or {}).get(KEY) or []
    return bool(stack) and stack[-1][0] == name


class Focused(filters.UpdateFilter):
    """Passes updates from people whose focused flow is `name`."""

    __slots__ = ("_all_user_data", "flow")

    def __init__(self, flow: str, all_user_data: Mapping[int, Mapping[str, Any]]) -> None:
        super().__init__(name=f"Focused({flow})")
        self.flow = flow
        self._all_user_data = all_user_data

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and focused(self._all_user_data.get(user.id), self.flow)
