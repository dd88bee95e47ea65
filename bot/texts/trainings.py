"""A training session or an awareness lecture described: its details (the creation summary, the
invitation, /trainings), one line for lists, and the qualification it grants in both languages.
Pure: rows are mappings (a stored session or a draft), the current locale renders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
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
    use_locale,
)
from bot.texts import Row, moment_of
from bot.trainings import LECTURE


def _fields(session: Any) -> dict[str, Any]:
    """A stored row (sqlite3.Row) or a draft, as a dict."""
    return dict(session)


def qualification_both(code: str) -> str:
    """The specialty's qualification named in Arabic and in English: `الإسعاف / Healthcare`."""
    names = []
    for locale in ("ar", "en"):
        with use_locale(locale):
            names.append(catalog.label(catalog.SPECIALTIES, code))
    return " / ".join(isolate(name) for name in dict.fromkeys(names))


def kind_label(kind: str) -> str:
    return _("Awareness lecture") if kind == LECTURE else _("Training session")


def window_text(starts: datetime, ends: datetime, tz: ZoneInfo) -> str:
    start, end = starts.astimezone(tz), ends.astimezone(tz)
    if start.date() == end.date():
        return _("{day}, {start} to {end}").format(
            day=format_date(start.date()), start=format_time(start), end=format_time(end)
        )
    return _("from {start} to {end}").format(
        start=_("{date}, {time}").format(date=format_date(start.date()), time=format_time(start)),
        end=_("{date}, {time}").format(date=format_date(end.date()), time=format_time(end)),
    )


def validity_text(months: int) -> str:
    return ngettext("{n} month", "{n} months", months).format(n=ltr(months))


def session_details(session: Row | Mapping[str, Any], tz: ZoneInfo, *, audience: str = "") -> str:
    """Kind, qualification (trainings), title, trainer, place or link, time, seats, validity."""
    session = _fields(session)
    lines = [_("🎓 {kind}").format(kind=kind_label(session["kind"]))]
    if session["kind"] != LECTURE and session.get("specialty"):
        lines.append(_("🔖 Qualification: {name}").format(name=qualification_both(session["specialty"])))
    lines.append(_("📋 {title}").format(title=isolate(session["title"])))
    lines.append(_("👤 Trainer: {name}").format(name=isolate(session["trainer"])))
    if session.get("link"):
        lines.append(_("💻 Online: {link}").format(link=ltr(session["link"])))
    else:
        place = _("📍 Place: {place}").format(place=isolate(session.get("place") or "—"))
        if session.get("latitude") is not None:
            place += " " + _("(location shared)")
        lines.append(place)
    lines.append(_("📅 {window}").format(
        window=window_text(moment_of(session["starts_at"]), moment_of(session["ends_at"]), tz)
    ))
    lines.append(ngettext("🪑 {n} seat", "🪑 {n} seats", session["capacity"]).format(n=ltr(session["capacity"])))
    if session["kind"] != LECTURE and session.get("validity_months"):
        lines.append(_("⏳ The qualification stays valid for {months}.").format(
            months=validity_text(session["validity_months"])
        ))
    if audience:
        lines.append(_("👥 Audience: {audience}").format(audience=audience))
    return "\n".join(lines)


def session_line(session: Row | Mapping[str, Any], tz: ZoneInfo) -> str:
    """`7 Dhu al-Hijjah (24 May), 09:00 — First aid (Training session), 12 of 20 seats taken`."""
    session = _fields(session)
    start = moment_of(session["starts_at"]).astimezone(tz)
    if "taken" not in session:
        return _("{date}, {time} — {title} ({kind})").format(
            date=format_short_date(start.date()), time=format_time(start),
            title=isolate(session["title"]), kind=kind_label(session["kind"]),
        )
    return _("{date}, {time} — {title} ({kind}), seats taken: {taken} of {seats}").format(
        date=format_short_date(start.date()), time=format_time(start),
        title=isolate(session["title"]), kind=kind_label(session["kind"]),
        taken=ltr(session["taken"]), seats=ltr(session["capacity"]),
    )
