"""Keyboards every flow and handler builds the same way: grids, checked options and one pager."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.flows.kit.callback import Route
from bot.i18n import _, is_rtl

Rows = list[list[InlineKeyboardButton]]


class _Button(InlineKeyboardButton):
    """A button with a label and callback data and nothing else (what `button` makes): its
    `to_dict` says so directly. PTB's walks every attribute of every button of every keyboard
    the bot sends, about 6 us a button."""

    __slots__ = ()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if self.api_kwargs:
            return super().to_dict(recursive)
        return {"text": self.text, "callback_data": self.callback_data}


class _Keyboard(InlineKeyboardMarkup):
    """PTB's markup (`markup` makes these), serialized button by button: the kit's own buttons
    directly, any other through PTB."""

    __slots__ = ()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not self.inline_keyboard or self.api_kwargs:
            return super().to_dict(recursive)  # PTB leaves an empty keyboard out
        return {"inline_keyboard": [[item.to_dict() for item in row] for row in self.inline_keyboard]}


def button(label: str, data: str) -> InlineKeyboardButton:
    return _Button(label, callback_data=data)


def grid(buttons: Sequence[InlineKeyboardButton], width: int = 2) -> Rows:
    """Buttons in rows of `width`."""
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def markup(*rows: list[InlineKeyboardButton] | Rows) -> InlineKeyboardMarkup:
    """Rows and lists of rows, in order, as one keyboard (empty rows dropped)."""
    flat: Rows = []
    for part in rows:
        if part and isinstance(part[0], list):
            flat.extend(row for row in part if row)
        elif part:
            flat.append(cast(list[InlineKeyboardButton], part))
    return _Keyboard(flat)


def checked(label: str, selected: bool) -> str:
    """An option's label with its tick when selected."""
    return f"✅ {label}" if selected else label


def back_arrow() -> str:
    """The arrow that points back in the reading direction of the current locale."""
    return "▶" if is_rtl() else "◀"


def forward_arrow() -> str:
    return "◀" if is_rtl() else "▶"


def back_label(text: str) -> str:
    """`◀ Back to the list` (the arrow mirrored in right-to-left locales)."""
    return f"{back_arrow()} {text}"


def pager(
    route: Route,
    offset: int,
    total: int,
    page: int,
    *keys: int | str,
    back: str | None = None,
    forward: str | None = None,
) -> list[InlineKeyboardButton]:
    """Previous/Next buttons of a list shown `page` at a time from `offset`; `route` takes the
    list's own keys first and the new offset last (`Route("vol", "s", int, int)`). `back` and
    `forward` name the directions when "Previous" and "Next" do not fit (translated already,
    without the arrows: the pager adds them)."""
    nav = []
    if offset > 0:
        label = back or _("Previous")  # outside the f-string, or pybabel does not extract it
        nav.append(button(f"{back_arrow()} {label}", route.data(*keys, max(0, offset - page))))
    if offset + page < total:
        label = forward or _("Next")
        nav.append(button(f"{label} {forward_arrow()}", route.data(*keys, offset + page)))
    return nav
