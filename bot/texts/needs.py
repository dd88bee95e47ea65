"""How needs and their shifts read on screen (current locale, RTL-safe, both calendars): a need's
fields, its heading and status, shift lines and fill rates, and why a decision came too late.
Pure: rows are mappings; no Telegram, no SQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from bot import catalog
from bot.i18n import (
    N_,
    P_,
    _,
    format_date,
    format_short_date,
    format_time,
    isolate,
    ltr,
    ngettext,
    row_gender,
)
from bot.needs import Fill, is_overnight
from bot.texts import Row, display_name, moment_of, short_reason, statuses
from bot.texts.statuses import said_of
from bot.texts.volunteers import any_of, list_of


class NeedFields(Row, Protocol):
    """A need's row, or the /need draft's answers."""

    def keys(self) -> Iterable[str]: ...

STATUS_LABELS = {
    "submitted": "🕓",
    "approved": "✅",
    "rejected": "⛔",
    "cancelled": "✖",
    "closed": "☑",
}


def need_status(status: str) -> str:
    """In words, agreeing with a need (feminine in Arabic: «معتمدة»): bot/texts/statuses.py."""
    return statuses.need_status(status)


def gender_label(code: str) -> str:
    if code == "male":
        return _("men only")
    if code == "female":
        return _("women only")
    return _("men or women")


def languages_label(codes: list[str]) -> str:
    if not codes:
        return _("any language")
    return list_of([catalog.label(catalog.LANGUAGES, c) for c in codes])


def requirement_label(codes: list[str], minimums: Mapping[str, int] | None = None) -> str:
    """A need's languages as bot/language_rule.py reads them: `Urdu, Indonesian (any one of
    them)`, with the minimums: `Urdu (at least 5 per shift), Indonesian (any one of them)`."""
    if len(codes) < 2:
        return languages_label(codes)
    minimums = minimums or {}
    names = []
    for code in codes:
        name = catalog.label(catalog.LANGUAGES, code)
        if minimums.get(code):
            name = _("{language} (at least {n} per shift)").format(language=name, n=ltr(minimums[code]))
        names.append(name)
    return _("{languages} (any one of them)").format(languages=any_of(names))


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def window_label(start: str, end: str) -> str:
    """`08:00–14:00`, or with a note when the window runs past midnight."""
    start_t, end_t = parse_hhmm(start), parse_hhmm(end)
    text = _("{start} to {end}").format(start=format_time(start_t), end=format_time(end_t))
    if is_overnight(start_t, end_t):
        text = _("{window} (ends the next day)").format(window=text)
    return text


def days_label(first: str, last: str) -> str:
    first_d, last_d = date.fromisoformat(first), date.fromisoformat(last)
    if first_d == last_d:
        return format_date(first_d)
    count = (last_d - first_d).days + 1
    return _("from {first} to {last} ({count})").format(
        first=format_date(first_d),
        last=format_date(last_d),
        count=ngettext("{n} day", "{n} days", count).format(n=count),
    )


def location_label(latitude: float | None, longitude: float | None, radius: int) -> str:
    if latitude is None or longitude is None:
        return _("not given")
    # The URL ends the line and has no isolate marks, which clients would take into the link.
    link = f"https://maps.google.com/?q={latitude:.6f},{longitude:.6f}"
    return _("check-in within {radius} m: {link}").format(link=link, radius=ltr(radius))


def need_details(
    need: NeedFields,
    languages: list[str],
    *,
    entity: str | None = None,
    with_status: bool = True,
    minimums: Mapping[str, int] | None = None,
) -> str:
    """Every field of a need (from the database or from the intake's answers)."""
    lines = []
    if entity:
        lines.append(_("Entity: {name}").format(name=entity))
    lines += [
        _("Title: {title}").format(title=isolate(need["title"])),
        _("Specialty: {specialty}").format(
            specialty=catalog.label(catalog.SPECIALTIES, need["specialty"])
        ),
        _("Site: {site}").format(site=isolate(need["site_name"])),
        _("Location: {location}").format(
            location=location_label(
                need["latitude"], need["longitude"], need["checkin_radius_m"]
            )
        ),
        _("Days: {days}").format(days=days_label(need["first_day"], need["last_day"])),
        _("Daily time: {window}").format(window=window_label(need["start_time"], need["end_time"])),
        _("Volunteers per shift: {slots}").format(slots=ltr(need["slots"])),
        _("Gender: {gender}").format(gender=gender_label(need["gender"])),
        _("Languages: {languages}").format(languages=requirement_label(languages, minimums)),
        _("Training required: {answer}").format(
            answer=_("yes") if need["requires_training"] else _("no")
        ),
        _("Minimum age: {age}").format(
            age=ltr(need["min_age"]) if need["min_age"] else _("no minimum")
        ),
        _("Notes: {notes}").format(notes=isolate(need["notes"]) if need["notes"] else "—"),
    ]
    if with_status and "status" in need.keys():  # noqa: SIM118 (sqlite Row has keys(), not in)
        lines.append(_("Status: {status}").format(status=need_status(need["status"])))
        if need["status"] == "rejected" and need["reject_reason"]:
            lines.append(_("Reason: {reason}").format(reason=isolate(need["reject_reason"])))
    return "\n".join(lines)


def need_heading(need: Row) -> str:
    return _("{icon} Need {id}: {title}").format(
        icon=STATUS_LABELS.get(need["status"], ""),
        id=ltr(f"#{need['id']}"),
        title=isolate(need["title"]),
    )


def fill_of(shift: Row) -> Fill:
    return Fill(
        accepted=int(shift["accepted"]),
        slots=int(shift["slots"]),
        starts_at=moment_of(shift["starts_at"]),
        status=shift["status"],
    )


def shift_line(shift: Row, tz: ZoneInfo, now: datetime) -> str:
    """`• 7 Dhu al-Hijjah (24 May) 08:00 — 14/20 ⚠️ at risk`."""
    starts = moment_of(shift["starts_at"]).astimezone(tz)
    fill = fill_of(shift)
    text = _("{day} {time} — {accepted}/{slots}").format(
        day=format_short_date(starts.date()),
        time=format_time(starts),
        accepted=fill.accepted,
        slots=fill.slots,
    )
    if shift["status"] == "cancelled":
        text = _("{shift} (cancelled)").format(shift=text)
    elif fill.at_risk(now):
        text = _("{shift} ⚠️ at risk").format(shift=text)
    return f"• {text}"


def fill_summary(shifts: Sequence[Row], now: datetime) -> str:
    """`Filled 120/200 over 10 shifts, 2 at risk`, counting shifts that are not cancelled."""
    live = [s for s in shifts if s["status"] != "cancelled"]
    accepted = sum(int(s["accepted"]) for s in live)
    slots = sum(int(s["slots"]) for s in live)
    at_risk = sum(1 for s in live if fill_of(s).at_risk(now))
    text = ngettext(
        "Filled {accepted}/{slots} over {n} shift",
        "Filled {accepted}/{slots} over {n} shifts",
        len(live),
    ).format(accepted=accepted, slots=slots, n=len(live))
    if at_risk:
        text += " · " + ngettext("⚠️ {n} at risk", "⚠️ {n} at risk", at_risk).format(n=at_risk)
    return text


def roster_count_text(slots: int, counts: dict[str, int], *, started: bool, ended: bool) -> str:
    """What a shift's roster says in numbers. Before the start: places taken. Once it has
    started, who came and who did not, so the count and the attendance agree: a no-show took
    a place, but did not fill it."""
    waiting = counts.get("accepted", 0)
    present = counts.get("checked_in", 0) + counts.get("completed", 0)
    absent = counts.get("no_show", 0)
    if not started:
        return _("Places taken: {accepted} of {slots}.").format(accepted=waiting + present, slots=slots)
    parts = [
        (ngettext("{n} served", "{n} served", present) if ended
         else ngettext("{n} present", "{n} present", present)).format(n=present)
    ]
    if waiting:
        parts.append(ngettext("{n} not checked in", "{n} not checked in", waiting).format(n=waiting))
    if absent:
        parts.append(ngettext("{n} no-show", "{n} no-shows", absent).format(n=absent))
    return ngettext(
        "{slots} place: {counts}.", "{slots} places: {counts}.", slots
    ).format(slots=slots, counts=_(", ").join(parts))


def roster_status(person: Row) -> str:
    """A roster line's attendance, once the shift has started (a no-show with their reason)."""
    status = person["status"]
    gender = row_gender(person)
    if status == "checked_in":
        return said_of(gender, N_("📍 checked in"), P_("volunteer status, female", "📍 checked in"))
    if status == "completed":
        return said_of(gender, N_("✅ completed"), P_("volunteer status, female", "✅ completed"))
    if status == "no_show":
        reason = person["no_show_reason"]
        absent = said_of(gender, N_("❌ absent"), P_("volunteer status, female", "❌ absent"))
        return f"{absent} ({isolate(short_reason(_(reason)))})" if reason else absent
    return said_of(gender, N_("⏳ not checked in"), P_("volunteer status, female", "⏳ not checked in"))


def decider_id(need: Row) -> int | None:
    """Who decided the need (approved or rejected it) or cancelled it, if anyone."""
    actor = need["decided_by"] if need["status"] in ("approved", "rejected") else need["cancelled_by"]
    return int(actor) if actor else None


def too_late_text(need: Row | None, actor: Row | None) -> str:
    """Why a decision button no longer works: who acted first, or that the need is gone."""
    if need is None:
        return _("This need no longer exists.")
    name = display_name(actor) if actor is not None else "—"
    if need["status"] == "approved":
        return _("Too late: {name} already approved this need.").format(name=name)
    if need["status"] == "rejected":
        return _("Too late: {name} already rejected this need.").format(name=name)
    if need["status"] == "cancelled":
        return _("This need was cancelled by {name}.").format(name=name)
    if need["status"] == "closed" and not need["decided_at"]:
        return _("Too late: the first shift of this need has started, so it can no longer be "
                 "approved. It was closed and the representatives were told.")
    return _("This button is no longer active.")


def other_entity_text() -> str:
    """A representative pressed something of another entity's."""
    return _("Sorry, this belongs to another entity.")
