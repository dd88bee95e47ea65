"""A shift described, as every dispatch screen and notice shows it: its details, one line for
lists, its time window, and durations and hours. Pure: rows are mappings, the current locale
renders."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import catalog
from bot.i18n import (
    _,
    format_date,
    format_short_date,
    format_time,
    isolate,
    ltr,
    ngettext,
    npgettext,
)
from bot.texts import Row, entity_name, moment_of

# -- describing a shift ------------------------------------------------------------------------


def time_window(row: Row, tz: ZoneInfo) -> str:
    start = moment_of(row["starts_at"]).astimezone(tz)
    end = moment_of(row["ends_at"]).astimezone(tz)
    window = f"{format_time(start)}–{format_time(end)}"
    if end.date() > start.date() and (end.hour, end.minute) != (0, 0):
        return _("{window} (ends the next day)").format(window=window)
    return window


def shift_details(row: Row, tz: ZoneInfo) -> str:
    """Entity, need, specialty, site, date (Hijri and Gregorian), time window and notes."""
    start = moment_of(row["starts_at"]).astimezone(tz)
    lines = [
        _("🏢 {entity}").format(entity=entity_name(row, "entity_")),
        _("📋 {title}").format(title=isolate(row["title"])),
        _("🔖 Specialty: {specialty}").format(
            specialty=catalog.label(catalog.SPECIALTIES, row["specialty"])
        ),
        _("📍 Site: {site}").format(site=isolate(row["site_name"])),
        _("📅 {date}").format(date=format_date(start.date())),
        _("🕗 {window}").format(window=time_window(row, tz)),
    ]
    if row["notes"]:
        lines.append(_("📝 {notes}").format(notes=isolate(row["notes"])))
    return "\n".join(lines)


def shift_line(row: Row, tz: ZoneInfo) -> str:
    """One short line for lists: date, time, title and entity."""
    start = moment_of(row["starts_at"]).astimezone(tz)
    return _("{date}, {window} — {title} ({entity}), {site}").format(
        date=format_short_date(start.date()),
        window=time_window(row, tz),
        title=isolate(row["title"]),
        entity=entity_name(row, "entity_"),
        site=isolate(row["site_name"]),
    )


def _days(n: int, oblique: bool) -> str:
    if oblique:
        return npgettext("after a preposition or as an object", "{n} day", "{n} days", n).format(n=n)
    return ngettext("{n} day", "{n} days", n).format(n=n)


def hours_phrase(n: int, shown: str, *, oblique: bool = False) -> str:
    """`{n} hours` in the plural form of `n`, showing `shown` (a fraction, an isolated number)."""
    if oblique:
        return npgettext("after a preposition or as an object", "{n} hour", "{n} hours", n).format(n=shown)
    return ngettext("{n} hour", "{n} hours", n).format(n=shown)


def _minutes(n: int, oblique: bool) -> str:
    if oblique:
        return npgettext(
            "after a preposition or as an object", "{n} minute", "{n} minutes", n
        ).format(n=n)
    return ngettext("{n} minute", "{n} minutes", n).format(n=n)


def duration_text(delta: timedelta, *, oblique: bool = False) -> str:
    """`2 hours`, `45 minutes`, `1 day and 3 hours` (rounded to the minute). `oblique` where the
    sentence puts it after a preposition or as an object: Arabic «بعد ساعتين», «خلال يومين»
    (the nominative «ساعتان» is for a label or a subject: «المتبقي: ساعتان»)."""
    minutes = max(0, round(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days and not hours and not minutes:
        hours, days = days * 24, 0
    if days:
        parts.append(_days(days, oblique))
    if hours:
        parts.append(hours_phrase(hours, str(hours), oblique=oblique))
    if minutes or not parts:
        parts.append(_minutes(minutes, oblique))
    return _(" and ").join(parts)


def hours_text(hours: float, *, oblique: bool = False) -> str:
    """`6 hours`, `12.5 hours` (a fraction takes the general plural form); `oblique` as in
    duration_text («أمضى ساعتين»)."""
    value = round(hours, 1)
    count = int(value) if float(value).is_integer() else 100
    return hours_phrase(count, ltr(f"{value:g}"), oblique=oblique)
