"""How things read on screen, shared by every caller: one display name, one entity name, one
shift line. Feature texts live beside this in bot/texts/<aggregate>.py; messages the bot sends on
its own initiative are rendered in bot/notices/. Pure: no Telegram, no SQL (rows are mappings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot import catalog
from bot.i18n import _, format_date, format_short_date, format_time, get_locale, isolate


class Row(Protocol):
    """What texts read from: a database row (sqlite3.Row) or a dict, by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


def moment_of(value: object) -> datetime:
    """A stored UTC ISO time as an aware datetime (texts cannot import bot.db)."""
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))


def display_name(row: Row) -> str:
    """A Telegram user as staff see them: first name and @username, isolated for bidi."""
    name = row["first_name"] or ""
    if row["username"]:
        name = f"{name} @{row['username']}".strip()
    return isolate(name or str(row["id"]))


def entity_name(row: Row, prefix: str = "") -> str:
    """The entity's name in the reader's language (Arabic name for Arabic readers)."""
    key = f"{prefix}name_ar" if get_locale() == "ar" else f"{prefix}name_en"
    other = f"{prefix}name_en" if key.endswith("_ar") else f"{prefix}name_ar"
    return isolate(row[key] or row[other])


def entity_kind(code: str) -> str:
    return catalog.label(catalog.ENTITY_KINDS, code)


def shift_when(shift: Row, tz: ZoneInfo) -> str:
    """`Saturday 20 Dhu al-Hijjah 1447 AH (6 June 2026), 08:00 to 14:00`."""
    starts = moment_of(shift["starts_at"]).astimezone(tz)
    ends = moment_of(shift["ends_at"]).astimezone(tz)
    return _("{day}, {start} to {end}").format(
        day=format_date(starts.date()), start=format_time(starts), end=format_time(ends)
    )


def short_day(shift: Row, tz: ZoneInfo) -> str:
    return format_short_date(moment_of(shift["starts_at"]).astimezone(tz).date())


def short_reason(text: str, most: int = 80) -> str:
    """A reason someone typed, cut to fit a list line."""
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"
