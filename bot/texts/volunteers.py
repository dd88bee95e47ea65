"""How volunteers read on screen: profile lines, status, service record, the profile, the /start
greeting, the coordinators' card and result lists. Shared by registration, profile edits, the
volunteer's own commands, the coordinators' screens and the office's approval cards.

Pure: rows are mappings (a `volunteers` row), profiles are `bot.volunteers.Profile`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel.lists import format_list

from bot.catalog import (
    CITY_LABELS,
    GENDERS,
    LANGUAGES,
    PERIODS,
    SPECIALTIES,
    WEEKDAY_SHORT,
    city_label,
    label,
)
from bot.i18n import G_, N_, P_, _, format_date, get_locale, isolate, ltr, ngettext, row_gender
from bot.texts import moment_of
from bot.texts.statuses import said_of, volunteer_status
from bot.volunteer_query import Search
from bot.volunteers import Profile, ServiceRecord, age_on, effective_status, order_specialties

# Days in the order a Saudi week is read: Sunday first (weekday numbers are Monday = 0).
WEEK_ORDER = (6, 0, 1, 2, 3, 4, 5)
ALL_PERIODS = [p.code for p in PERIODS]



class Row(Protocol):
    """A stored row read by column name (a `volunteers` or `users` row)."""

    def __getitem__(self, key: str, /) -> Any: ...


def _moment(value: object) -> datetime | None:
    """A stored UTC ISO text as an aware datetime, or None."""
    return None if value is None else moment_of(value)


def join_list(items: Sequence[str]) -> str:
    """Parts of one line (counts, reasons), comma-separated in the locale."""
    return _(", ").join(items)


def list_of(items: Sequence[str]) -> str:
    """Things named one after the other: `Arabic, English, and Urdu` / «العربية والإنجليزية
    والأردية», the locale's own list pattern (CLDR, through Babel)."""
    return format_list(list(items), locale=get_locale()) if items else ""


def any_of(items: Sequence[str]) -> str:
    """Alternatives, any one of which will do: `Urdu or Indonesian` / «الأردية أو الإندونيسية»
    (a filter, a need's languages)."""
    return format_list(list(items), style="or", locale=get_locale()) if items else ""


def clauses(items: Sequence[str]) -> str:
    """Conditions that all hold, each with its own list inside: "; " / «؛ »."""
    return _("; ").join(items)


# -- one line per profile field (summary, /profile, the card, the echo after each question) -------


def show_name(d: Mapping[str, Any]) -> str:
    return isolate(d.get("full_name") or "—")


def show_phone(d: Mapping[str, Any]) -> str:
    if not d.get("phone"):
        return "—"
    if d.get("phone_verified"):
        return _("{phone} (confirmed by Telegram)").format(phone=ltr(d["phone"]))
    return ltr(d["phone"])


def show_gender(d: Mapping[str, Any]) -> str:
    return label(GENDERS, d["gender"]) if d.get("gender") else "—"


def show_birth(d: Mapping[str, Any]) -> str:
    return format_date(date.fromisoformat(d["birth_date"])) if d.get("birth_date") else "—"


def show_city(d: Mapping[str, Any]) -> str:
    city = d.get("city")
    if not city:
        return "—"
    return city_label(city) if city in CITY_LABELS else isolate(city)


def show_languages(d: Mapping[str, Any]) -> str:
    other = d.get("other_language")
    return list_of([
        isolate(other) if c == "other" and other else label(LANGUAGES, c) for c in d.get("languages") or []
    ]) or "—"


def show_specialties(d: Mapping[str, Any]) -> str:
    return list_of([label(SPECIALTIES, c) for c in d.get("specialties") or []]) or "—"


def show_availability(d: Mapping[str, Any]) -> str:
    periods = [p for p in ALL_PERIODS if p in (d.get("periods") or [])]
    days = set(d.get("weekdays") or [])
    if not periods or not days:
        return "—"
    if len(periods) == len(ALL_PERIODS) and len(days) == 7:
        return _("Any time")
    times = list_of([label(PERIODS, p) for p in periods])
    if len(days) == 7:
        return _("{times}, every day").format(times=times)
    day_names = list_of([_(WEEKDAY_SHORT[n]) for n in WEEK_ORDER if n in days])
    return _("{times} on {days}").format(times=times, days=day_names)


def show_season(d: Mapping[str, Any]) -> str:
    first, last = d.get("available_from"), d.get("available_until")
    if first and last:
        return _("from {first} to {last}").format(
            first=format_date(date.fromisoformat(first)), last=format_date(date.fromisoformat(last))
        )
    if first:
        return _("from {first}").format(first=format_date(date.fromisoformat(first)))
    if last:
        return _("until {last}").format(last=format_date(date.fromisoformat(last)))
    return _("No date limits")


@dataclass(frozen=True)
class Field:
    """One line of the profile; `code` is also its Edit button's value."""

    code: str
    label: str  # N_-marked
    show: Callable[[Mapping[str, Any]], str]

    def line(self, draft: Mapping[str, Any]) -> str:
        return _("{label}: {value}").format(label=_(self.label), value=self.show(draft))

    def edit_label(self) -> str:
        return _("✏️ {field}").format(field=_(self.label))


FIELDS = (
    Field("nm", N_("Name"), show_name),
    Field("ph", N_("Phone"), show_phone),
    Field("gd", N_("Gender"), show_gender),
    Field("bd", N_("Date of birth"), show_birth),
    Field("ct", N_("City or district"), show_city),
    Field("lg", N_("Languages"), show_languages),
    Field("sp", N_("Specialties"), show_specialties),
    Field("av", N_("Availability"), show_availability),
    Field("ss", N_("Available dates"), show_season),
)
FIELDS_BY_CODE = {f.code: f for f in FIELDS}


def profile_lines(draft: Mapping[str, Any]) -> list[str]:
    return [field.line(draft) for field in FIELDS]


# -- status and service -------------------------------------------------------------------------


def status_text(row: Row, now: datetime, tz: ZoneInfo) -> str:
    """The volunteer's status in words (a pause that has run out reads as active), agreeing with
    the volunteer's gender: a woman reads «✅ نشِطة» on her /profile, and staff on her card."""
    until = _moment(row["paused_until"])
    status = effective_status(row["status"], until, now)
    gender = row_gender(row)
    if status == "paused":
        if until is None:
            return said_of(gender, N_("⏸ Paused until you send /resume"),
                           P_("volunteer status, female", "⏸ Paused until you send /resume"))
        return said_of(gender, N_("⏸ Paused: offers resume on {date}"),
                       P_("volunteer status, female", "⏸ Paused: offers resume on {date}")).format(
            date=format_date(until.astimezone(tz).date())
        )
    if status == "pending":
        return _("⏳ Waiting for the office's approval")
    if status == "active":
        return said_of(gender, N_("✅ Active"), P_("volunteer status, female", "✅ Active"))
    if status == "suspended":
        return said_of(gender, N_("⛔ Suspended by the office"),
                       P_("volunteer status, female", "⛔ Suspended by the office"))
    return said_of(gender, N_("Deleted"), P_("volunteer status, female", "Deleted"))


def service_text(record: ServiceRecord) -> str:
    hours = f"{record.hours:g}"
    text = ngettext(
        "{count} shift completed ({hours} hours)",
        "{count} shifts completed ({hours} hours)",
        record.completed,
    ).format(count=record.completed, hours=hours)
    extras = []
    if record.upcoming:
        extras.append(
            ngettext("{count} upcoming", "{count} upcoming", record.upcoming).format(count=record.upcoming)
        )
    if record.no_shows:
        extras.append(
            ngettext("{count} no-show", "{count} no-shows", record.no_shows).format(count=record.no_shows)
        )
    if record.late_cancels:
        extras.append(
            ngettext(
                "{count} late cancellation", "{count} late cancellations", record.late_cancels
            ).format(count=record.late_cancels)
        )
    return join_list([text, *extras])


def reliability_text(record: ServiceRecord) -> str:
    """`Reliability: 5 shifts served, 1 no-show, 0 late cancellations (came to 5 of 6)`: each
    counted, zeros too, so that a coordinator reads a clean record as one."""
    parts = [
        ngettext("{count} shift served", "{count} shifts served", record.completed).format(
            count=record.completed
        ),
        ngettext("{count} no-show", "{count} no-shows", record.no_shows).format(count=record.no_shows),
        ngettext(
            "{count} late cancellation", "{count} late cancellations", record.late_cancels
        ).format(count=record.late_cancels),
    ]
    text = _("Reliability: {record}").format(record=join_list(parts))
    taken = record.completed + record.no_shows
    if taken:
        text += " " + ngettext(
            "(came to {came} of {taken} shift)", "(came to {came} of {taken} shifts)", taken
        ).format(came=record.completed, taken=taken)
    return text


# Why the office suspends a volunteer: kept in the audit log (source text), not shown to them.
SUSPEND_REASONS = (
    ("noshows", N_("Repeated no-shows")),
    ("conduct", N_("Conduct on site")),
    ("request", N_("At their own request")),
    ("check", N_("Details to be checked")),
)


def not_registered() -> str:
    return _("You have not registered as a volunteer yet. Send /register to begin.")


def profile_text(
    row: Row, profile: Profile, qualifications: Sequence[str], record: ServiceRecord,
    *, now: datetime, tz: ZoneInfo,
) -> str:
    """The volunteer's own profile (its Edit buttons are the caller's)."""
    lines = [
        _("Your volunteer profile"),
        _("Status: {status}").format(status=status_text(row, now, tz)),
        "",
        *profile_lines(profile.to_draft()),
    ]
    if qualifications:
        names = join_list([label(SPECIALTIES, c) for c in order_specialties(list(qualifications))])
        lines.append(_("Trained for: {fields}").format(fields=names))
    lines += ["", _("Service: {record}").format(record=service_text(record))]
    lines += ["", _("Tap a button to change a detail. /pause, /resume and /delete_me are always available.")]
    return "\n".join(lines)


def registered_greeting(row: Row, name: str, now: datetime, tz: ZoneInfo) -> str | None:
    """The /start text for someone with a volunteer record (None when deleted: invite again)."""
    status = effective_status(row["status"], _moment(row["paused_until"]), now)
    name = isolate(name)
    if status == "deleted":
        return None
    if status == "pending":
        return _(
            "Welcome back, {name}. Your volunteer registration is waiting for the office's "
            "approval; I will tell you as soon as it is approved. You can check your details "
            "with /profile."
        ).format(name=name)
    if status == "suspended":
        return _(
            "Welcome back, {name}. Your volunteer account is suspended, so you will not receive "
            "shift offers. Please contact the volunteer office if you have questions."
        ).format(name=name)
    text = G_(
        "Welcome back, {name}. You are registered as a volunteer.\n\n"
        "See open shifts with /shifts and your own shifts with /myshifts, and keep your "
        "details up to date with /profile."
    ).format(name=name)
    if status == "paused":
        text += "\n\n" + status_text(row, now, tz) + "\n" + _("Send /resume to receive offers again.")
    return text


# -- what coordinators see --------------------------------------------------------------------------


def card_text(
    row: Row, profile: Profile, qualifications: Sequence[str], record: ServiceRecord,
    *, now: datetime, tz: ZoneInfo,
) -> str:
    today = now.astimezone(tz).date()
    registered = _moment(row["registered_at"]) or now
    lines = [
        f"👤 {isolate(profile.full_name)} ({ltr(row['user_id'])})",
        _("Status: {status}").format(status=status_text(row, now, tz)),
        "",
        *profile_lines(profile.to_draft()),
        _("Age: {age}").format(age=age_on(profile.birth_date, today)),
        _("Trained for: {fields}").format(
            fields=list_of([label(SPECIALTIES, c) for c in qualifications]) or "—"
        ),
        _("Registered on {date}").format(date=format_date(registered.astimezone(tz).date())),
        "",
        _("Service: {record}").format(record=service_text(record)),
        reliability_text(record),
    ]
    return "\n".join(lines)


def result_lines(
    number: int, row: Row, specialties: Sequence[str], record: ServiceRecord,
    *, now: datetime, tz: ZoneInfo,
) -> list[str]:
    """One volunteer in a result list: number, name and status; phone and fields; service."""
    return [
        f"{number}. {isolate(row['full_name'])} — {status_text(row, now, tz)}",
        f"    {ltr(row['phone'])} · {join_list([label(SPECIALTIES, c) for c in specialties])}",
        f"    {service_text(record)}",
    ]


def overview_text(counts: Mapping[str, int]) -> str:
    return "\n".join(
        [
            _("Volunteers: {active} active, {pending} waiting for approval, {paused} paused, {suspended} suspended.").format(
                active=counts.get("active", 0), pending=counts.get("pending", 0),
                paused=counts.get("paused", 0), suspended=counts.get("suspended", 0),
            ),
            "",
            _(
                "To search, send /volunteers followed by a name, a phone number, a language, a "
                "specialty, a city or a status, or several of them together, for example: "
                "/volunteers Ahmad, /volunteers 0501234567 or /volunteers Urdu nurse Quba. Or "
                "choose a list below."
            ),
        ]
    )


def search_summary(search: Search) -> str:
    """How a combined search was understood ("Language: Urdu · Specialty: Healthcare"); empty
    for a plain name or phone search."""
    parts = []
    if search.languages:
        parts.append(_("Language: {names}").format(
            names=join_list([label(LANGUAGES, code) for code in search.languages])))
    for group in search.specialties:
        parts.append(_("Specialty: {names}").format(
            names=join_list([label(SPECIALTIES, code) for code in group])))
    if search.status:
        parts.append(_("Status: {status}").format(status=volunteer_status(search.status)))
    if search.cities:
        names = dict.fromkeys(isolate(city_label(city)) for city in search.cities)
        parts.append(_("City: {names}").format(names=join_list(list(names))))
    if not parts:
        return ""
    if search.name:
        parts.append(_("Name: {name}").format(name=isolate(search.name)))
    return "🔎 " + " · ".join(parts)
