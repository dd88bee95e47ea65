"""The one callback-data codec: `area:action[:field...]`, at most 64 bytes, parsed by name.

    ACCEPT = Route("off", "acc", int)          # offer:accept:<assignment id>
    InlineKeyboardButton(_("Accept"), callback_data=ACCEPT.data(assignment_id))
    CallbackQueryHandler(accept_offer, pattern=ACCEPT.pattern)
    (assignment_id,) = ACCEPT.parse(data_of(update))

Fields are `int` (digits) or `str` (a code: letters, digits, `_` and `-`). A Route builds only
data Telegram accepts (64 bytes) and parses only data it built; anything else is `None`, which
the caller answers as a stale button (`kit.stale`).
"""

from __future__ import annotations

import re
from typing import Any

MAX_BYTES = 64  # Telegram's limit for callback_data
_FIELD_PATTERNS = {int: r"\d+", str: r"[\w-]+"}
_CODE = re.compile(r"^[\w-]+$")


class CallbackDataTooLong(ValueError):
    pass


class Route:
    """One shape of callback data, with its regex pattern, builder and parser."""

    __slots__ = ("action", "area", "fields", "pattern", "prefix")

    def __init__(self, area: str, action: str | None = None, *fields: type) -> None:
        for part in (area, action or ""):
            if part and not _CODE.match(part):
                raise ValueError(f"not a code: {part!r}")
        for kind in fields:
            if kind not in _FIELD_PATTERNS:
                raise TypeError(f"callback fields are int or str, not {kind!r}")
        self.area, self.action, self.fields = area, action, fields
        self.prefix = area if action is None else f"{area}:{action}"
        tail = "".join(f":({_FIELD_PATTERNS[kind]})" for kind in fields)
        self.pattern = re.compile(rf"^{re.escape(self.prefix)}{tail}$")

    def data(self, *values: int | str) -> str:
        if len(values) != len(self.fields):
            raise TypeError(f"{self.prefix} takes {len(self.fields)} values, got {len(values)}")
        parts = [self.prefix]
        for kind, value in zip(self.fields, values, strict=True):
            text = str(int(value)) if kind is int else str(value)
            if not re.fullmatch(_FIELD_PATTERNS[kind], text):
                raise ValueError(f"{text!r} cannot be a {kind.__name__} field of {self.prefix}")
            parts.append(text)
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise CallbackDataTooLong(f"{data!r} is over {MAX_BYTES} bytes")
        return data

    __call__ = data

    def parse(self, data: str | None) -> tuple[Any, ...] | None:
        """The typed fields, or None when `data` is not this route's."""
        match = self.pattern.match(data or "")
        if match is None:
            return None
        return tuple(kind(text) for kind, text in zip(self.fields, match.groups(), strict=True))

    def one(self, data: str | None) -> Any:
        """The single field of a one-field route (None when `data` is not this route's)."""
        parsed = self.parse(data)
        return None if parsed is None else parsed[0]

    def __repr__(self) -> str:
        return f"Route({self.pattern.pattern!r})"


def area_pattern(area: str) -> re.Pattern[str]:
    """Any data of an area (`ni:...`): for a flow's stale-button fallback."""
    return re.compile(rf"^{re.escape(area)}(:|$)")
