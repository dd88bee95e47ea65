"""Translations, the per-update locale, and Hijri + Gregorian dates.

Catalogs are the `.po` files under `locales/`; they are compiled in memory the first time a locale
is used, so a fresh clone needs no compile step. The current locale lives in a ContextVar that a
TypeHandler at group -1 sets for each update (see handlers/common.py); `use_locale()` switches it
temporarily, e.g. to render a message for another user.

Write `_("Hello, {name}").format(name=isolate(name))`: never an f-string inside `_()`.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from hijridate import Gregorian, Hijri

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
RTL_LOCALES = frozenset({"ar", "fa", "ur"})

_current_locale: ContextVar[str] = ContextVar("aoun_locale", default="ar")
# The office's date for the update being handled (set with the locale, from the injected clock):
# what example dates in prompts and date errors are computed from.
_current_today: ContextVar[date | None] = ContextVar("aoun_today", default=None)
# The reader's stored gender ("male" | "female"; None when unknown: staff, representatives, people
# not registered yet), for the strings that address them (G_).
_current_gender: ContextVar[str | None] = ContextVar("aoun_gender", default=None)
GENDERS = ("male", "female")


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with `_()` where it is shown."""
    return message


@cache
def translations(locale: str) -> NullTranslations:
    """Compile `locales/<locale>/LC_MESSAGES/messages.po` in memory (cached)."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.is_file():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def get_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str) -> None:
    """Bind the locale for the rest of this update (called once per update)."""
    _current_locale.set(locale if locale in SUPPORTED_LOCALES else SUPPORTED_LOCALES[0])


@contextmanager
def use_locale(locale: str, *, gender: str | None = None) -> Iterator[None]:
    """Render in another locale for a block, e.g. a message to another user (addressed by
    `gender` when known, else in the neutral phrasing: never in the current reader's gender)."""
    token = _current_locale.set(locale if locale in SUPPORTED_LOCALES else SUPPORTED_LOCALES[0])
    gender_token = _current_gender.set(gender if gender in GENDERS else None)
    try:
        yield
    finally:
        _current_gender.reset(gender_token)
        _current_locale.reset(token)


def set_reader_gender(gender: str | None) -> None:
    """Bind the reader's stored gender for the rest of this update (with the locale)."""
    _current_gender.set(gender if gender in GENDERS else None)


def reader_gender() -> str | None:
    return _current_gender.get()


def row_gender(row: Any) -> str | None:
    """A stored row's volunteer gender (`volunteer_gender` or `gender`), None when it has none."""
    if row is None:
        return None
    keys = row.keys() if hasattr(row, "keys") else ()
    for key in ("volunteer_gender", "gender"):
        if key in keys and row[key] in GENDERS:
            return str(row[key])
    return None


@contextmanager
def use_reader(row: Any, default: str) -> Iterator[None]:
    """Render for the stored user of `row` (a users row, or one joined with the volunteer): in
    their locale, addressed by their gender when the row carries it."""
    with use_locale(user_locale(row, default), gender=row_gender(row)):
        yield


def _(message: str) -> str:
    return translations(get_locale()).ugettext(message)


def G_(message: str, gender: str | None = None) -> str:
    """A string that addresses the reader: «أنتِ مسجلة» to a woman, «أنتَ مسجل» to a man, and the
    neutral msgid translation when the gender is not known. `gender` overrides the reader's
    (e.g. the one just given at registration). `i18n update` adds the "male" and "female"
    context entries of every G_ string to the catalogs."""
    gender = gender if gender in GENDERS else reader_gender()
    if gender is not None:
        translated = str(translations(get_locale()).pgettext(gender, message))
        if translated != message or get_locale() == "en":
            return translated
    return _(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ungettext(singular, plural, n)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """A count whose wording depends on its place in the sentence: Arabic duals and sound
    plurals change after a preposition or as an object («بعد ساعتين», not «بعد ساعتان»)."""
    return str(translations(get_locale()).unpgettext(context, singular, plural, n))


def P_(context: str, message: str) -> tuple[str, str]:
    """Mark a message with its context for the catalog; translate it later with pgettext."""
    return context, message


def pgettext(context: str, message: str) -> str:
    """A message whose translation depends on what it is said of: `pgettext("need status",
    "approved")` is «معتمدة», of a volunteer «معتمد»."""
    return str(translations(get_locale()).pgettext(context, message))


def resolve_locale(saved: str | None, language_code: str | None, default: str) -> str:
    """The user's saved choice, else Telegram's language_code when supported, else the default."""
    if saved in SUPPORTED_LOCALES:
        return saved
    if language_code:
        base = language_code.split("-")[0].split("_")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


def is_rtl(locale: str | None = None) -> bool:
    return (locale or get_locale()) in RTL_LOCALES


# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO): never produced by the bot itself, and an
# RLO in a Telegram first name reverses the rest of the line for every reader.
_OVERRIDES = re.compile("[\u202a-\u202e]")


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def isolate(value: object) -> str:
    """Wrap user text (a name, title, site) in a first-strong isolate, so that it cannot carry
    the words or the phone number next to it into its own direction: always in right-to-left
    locales, and in the others whenever it holds right-to-left letters (an Arabic name in an
    English roster line). Overrides inside it are dropped."""
    text = _OVERRIDES.sub("", str(value))
    return f"\u2068{text}\u2069" if is_rtl() or _has_rtl(text) else text


def ltr(value: object) -> str:
    """Force left-to-right for phone numbers, codes and times inside RTL text."""
    text = str(value)
    return f"\u2066{text}\u2069" if is_rtl() else text


# -- calendar names -------------------------------------------------------------------------------

HIJRI_MONTHS = (
    N_("Muharram"),
    N_("Safar"),
    N_("Rabi al-Awwal"),
    N_("Rabi al-Thani"),
    N_("Jumada al-Ula"),
    N_("Jumada al-Akhirah"),
    N_("Rajab"),
    N_("Shaban"),
    N_("Ramadan"),
    N_("Shawwal"),
    N_("Dhu al-Qadah"),
    N_("Dhu al-Hijjah"),
)

GREGORIAN_MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def to_hijri(day: date) -> Hijri:
    return Gregorian(day.year, day.month, day.day).to_hijri()


def set_today(day: date | None) -> None:
    """Bind the office's date for the rest of this update (with the locale, once per update)."""
    _current_today.set(day)


def get_today() -> date | None:
    return _current_today.get()


EXAMPLE_DAYS_AHEAD = 7


def example_date(today: date, days_ahead: int = EXAMPLE_DAYS_AHEAD) -> tuple[str, str]:
    """One day `days_ahead` after `today`, typed both ways: ("1447-12-20", "2026-06-06") name the
    same day (Umm al-Qura), so an example copied from a prompt is accepted, and means what it says."""
    day = today + timedelta(days=days_ahead)
    try:
        hijri = to_hijri(day)
    except (OverflowError, ValueError):
        return ltr(day.isoformat()), ltr(day.isoformat())
    return ltr(f"{hijri.year}-{hijri.month:02d}-{hijri.day:02d}"), ltr(day.isoformat())


def format_date(day: date) -> str:
    """`Sunday 7 Dhu al-Hijjah 1447 AH (24 May 2026)` in the current locale."""
    try:
        hijri = to_hijri(day)
        hijri_part = _("{day} {month} {year} AH").format(
            day=hijri.day, month=_(HIJRI_MONTHS[hijri.month - 1]), year=hijri.year
        )
    except (OverflowError, ValueError):  # outside the Umm al-Qura table (1343-1500 AH)
        hijri_part = ""
    gregorian_part = _("{day} {month} {year}").format(
        day=day.day, month=_(GREGORIAN_MONTHS[day.month - 1]), year=day.year
    )
    weekday = _(WEEKDAYS[day.weekday()])
    if not hijri_part:
        return _("{weekday} {gregorian}").format(weekday=weekday, gregorian=gregorian_part)
    return _("{weekday} {hijri} ({gregorian})").format(
        weekday=weekday, hijri=hijri_part, gregorian=gregorian_part
    )


def format_time(moment: time | datetime) -> str:
    return ltr(f"{moment.hour:02d}:{moment.minute:02d}")


def format_datetime(moment: datetime, tz: ZoneInfo) -> str:
    """`Sunday 7 Dhu al-Hijjah 1447 AH (24 May 2026), 08:00` in the office time zone."""
    local = moment.astimezone(tz)
    return _("{date}, {time}").format(date=format_date(local.date()), time=format_time(local))


def format_short_date(day: date) -> str:
    """`7 Dhu al-Hijjah (24 May)`: for lists where the year is obvious."""
    try:
        hijri = to_hijri(day)
    except (OverflowError, ValueError):
        return _("{day} {month} {year}").format(
            day=day.day, month=_(GREGORIAN_MONTHS[day.month - 1]), year=day.year
        )
    return _("{hday} {hmonth} ({gday} {gmonth})").format(
        hday=hijri.day,
        hmonth=_(HIJRI_MONTHS[hijri.month - 1]),
        gday=day.day,
        gmonth=_(GREGORIAN_MONTHS[day.month - 1]),
    )


# -- parsing what people type ---------------------------------------------------------------------

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Direction marks and isolates a copied example or a pasted date carries (the bot's own ltr()).
_INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_HIJRI_MARKERS = re.compile(r"(هـ|ه|AH|A\.H\.|H)\s*$", re.IGNORECASE)
_GREGORIAN_MARKERS = re.compile(r"(م|AD|A\.D\.|G|CE)\s*$", re.IGNORECASE)


class DateInputError(ValueError):
    """A typed date or time could not be understood; `message()` explains it in the locale."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def message(self) -> str:
        if self.code == "month":
            return _("There are only 12 months: please check the month and try again.")
        if self.code == "invalid":
            return _("That day does not exist in that month. Please check the date and try again.")
        if self.code == "range":
            return _(
                "Please type a year between 1343 and 1500 (Hijri) or 1900 and 2100 (Gregorian)."
            )
        if self.code == "time":
            return _("Please type a time like 08:00 or 14:30 (24-hour clock).")
        today = get_today()
        if today is None:
            return _("Please type the date as year-month-day, in Hijri or Gregorian.")
        hijri, gregorian = example_date(today)
        return _(
            "Please type the date as year-month-day, in Hijri or Gregorian, "
            "for example {hijri} or {gregorian}."
        ).format(hijri=hijri, gregorian=gregorian)


def normalize_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to ASCII."""
    return text.translate(_DIGITS)


def parse_date(text: str) -> date:
    """A date typed in Hijri (Umm al-Qura) or Gregorian, returned as a Gregorian date.

    Accepts `1447-12-08`, `2026-05-24`, `24/05/2026`, `8/12/1447 هـ`, with Arabic-Indic digits
    and `-`, `/`, `.` or spaces between the parts. The year tells the calendar apart (1343-1500
    Hijri, 1900-2100 Gregorian); a trailing هـ/AH or م/AD makes it explicit.
    """
    cleaned = _INVISIBLE.sub("", normalize_digits(text or "")).strip()
    calendar = None
    if _HIJRI_MARKERS.search(cleaned):
        calendar, cleaned = "hijri", _HIJRI_MARKERS.sub("", cleaned).strip()
    elif _GREGORIAN_MARKERS.search(cleaned):
        calendar, cleaned = "gregorian", _GREGORIAN_MARKERS.sub("", cleaned).strip()
    parts = re.split(r"\s*[-/.\s]\s*", cleaned)
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise DateInputError("format")
    numbers = [int(p) for p in parts]
    if len(parts[0]) >= 3:
        year, month, day = numbers
    elif len(parts[2]) >= 3:
        day, month, year = numbers
    else:
        raise DateInputError("format")
    if calendar is None:
        calendar = "hijri" if year <= 1600 else "gregorian"
    if calendar == "hijri":
        if not 1343 <= year <= 1500:
            raise DateInputError("range")
        if not 1 <= month <= 12:
            raise DateInputError("month")
        try:
            gregorian = Hijri(year, month, day).to_gregorian()
        except (ValueError, OverflowError):
            raise DateInputError("invalid") from None
        return date(gregorian.year, gregorian.month, gregorian.day)
    if not 1900 <= year <= 2100:
        raise DateInputError("range")
    if not 1 <= month <= 12:
        raise DateInputError("month")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateInputError("invalid") from None


def parse_time(text: str) -> time:
    """`08:00`, `8`, `8:30`, `2 pm`, `2 م`, `١٤:٣٠` -> time."""
    cleaned = _INVISIBLE.sub("", normalize_digits(text or "")).strip().lower().replace(".", ":")
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|ص|م|صباحا|مساء|مساءً|صباحًا)?", cleaned)
    if not match:
        raise DateInputError("time")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix:
        if not 1 <= hour <= 12:
            raise DateInputError("time")
        pm = suffix in {"pm", "م", "مساء", "مساءً"}
        hour = (hour % 12) + (12 if pm else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise DateInputError("time")
    return time(hour, minute)


def user_locale(user_row: Any, default: str) -> str:
    """The locale to write to a stored user in (a `users` row, or None for the default)."""
    if user_row is None:
        return default
    return resolve_locale(user_row["locale"], user_row["language_code"], default)
