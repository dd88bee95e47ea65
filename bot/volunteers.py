"""Volunteer rules with no Telegram and no SQL: validating answers, ages, pauses, search keys.

A registration answer is checked here and either normalised (a name tidied, a phone in E.164) or
refused with a `VolunteerInputError`, whose `message()` explains the problem in the current
locale. `Profile` is the whole record a volunteer gives; it travels as a JSON-safe draft dict in
`user_data` while the flow runs and is written to the database only on Confirm.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from bot.answers import looks_like_a_date, name_words, strip_bidi_controls
from bot.catalog import LANGUAGES, PERIODS, SPECIALTIES, Item
from bot.i18n import _, ngettext, normalize_digits, use_locale

MAX_VOLUNTEER_AGE = 90
NAME_MIN_CHARS, NAME_MAX_CHARS = 3, 80
# «عبد الرحمن بن عبد الله آل الشيخ»: particles (بن، آل، عبد...) join names and do not count.
NAME_MIN_WORDS, NAME_MAX_WORDS = 2, 8
CITY_MAX_CHARS = 60
DEFAULT_PHONE_REGION = "SA"

STATUSES = ("pending", "active", "paused", "suspended", "deleted")


class VolunteerInputError(ValueError):
    """An answer that cannot be accepted; `message()` says why in the current locale."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.values = values

    def message(self) -> str:
        code = self.code
        if code == "name_chars":
            return _(
                "Please use letters only (Arabic, Latin or any other script), without digits "
                "or symbols."
            )
        if code == "name_words":
            return _(
                "Please type your full name as on your ID: at least two names and at most eight "
                "(bin, Al and Abd do not count), for example: Abdulrahman bin Abdullah Al Sheikh."
            )
        if code == "name_length":
            return _("Your name should be between 3 and 80 characters long.")
        if code == "phone":
            return _(
                "That does not look like a valid phone number. Type it with the country code "
                "(for example +966 50 123 4567) or as a Saudi mobile number (0501234567)."
            )
        if code == "landline":
            return _(
                "That is a landline number. Please type your mobile number (for example "
                "0501234567), or tap “Share my phone number”."
            )
        if code == "not_your_contact":
            return _(
                "That contact is not yours. Please tap “Share my phone number” to send your own "
                "number, or type it."
            )
        if code == "too_young":
            return ngettext(
                "Sorry, volunteers must be at least {age} year old.",
                "Sorry, volunteers must be at least {age} years old.", int(self.values["age"]),
            ).format(**self.values)
        if code == "too_old":
            return _("Please check the year: that date gives an age above {age}.").format(**self.values)
        if code == "future":
            return _("That date is in the future. Please type your date of birth.")
        if code == "city":
            return _("Please type the name of your city or district in letters (up to 60 characters).")
        if code == "city_date":
            return _(
                "That looks like a date or a number. Please type the name of your city or "
                "district, or choose it below."
            )
        if code == "until_before_from":
            return _("The last date cannot be before the first date ({date}).").format(**self.values)
        if code == "past":
            return _("That date has already passed. Please type a date from today on.")
        return _("Please type a date after today.")


@dataclass
class Profile:
    """Everything a volunteer tells us about themselves (the registration answers)."""

    full_name: str
    phone: str
    phone_verified: bool
    gender: str
    birth_date: date
    city: str
    languages: list[str] = field(default_factory=list)
    specialties: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    weekdays: list[int] = field(default_factory=list)
    available_from: date | None = None
    available_until: date | None = None
    other_language: str = ""  # which one, when "other" is among the languages

    @classmethod
    def from_draft(cls, draft: dict[str, Any]) -> Profile:
        """Build from a flow's draft; KeyError when an answer is missing."""
        return cls(
            full_name=draft["full_name"],
            phone=draft["phone"],
            phone_verified=bool(draft.get("phone_verified")),
            gender=draft["gender"],
            birth_date=date.fromisoformat(draft["birth_date"]),
            city=draft["city"],
            languages=list(draft["languages"]),
            specialties=list(draft["specialties"]),
            periods=list(draft["periods"]),
            weekdays=[int(d) for d in draft["weekdays"]],
            available_from=_iso_or_none(draft.get("available_from")),
            available_until=_iso_or_none(draft.get("available_until")),
            other_language=str(draft.get("other_language") or ""),
        )

    @classmethod
    def from_stored(
        cls,
        row: Any,
        *,
        languages: Iterable[str],
        specialties: Iterable[str],
        slots: Iterable[tuple[int, str]],
    ) -> Profile:
        """From a `volunteers` row and its language, specialty and (weekday, period) rows."""
        slots = list(slots)
        return cls(
            full_name=row["full_name"] or "",
            phone=row["phone"] or "",
            phone_verified=bool(row["phone_verified"]),
            gender=row["gender"] or "",
            birth_date=date.fromisoformat(row["birth_date"]) if row["birth_date"] else date.min,
            city=row["city"] or "",
            languages=in_catalog_order(LANGUAGES, languages),
            specialties=in_catalog_order(SPECIALTIES, specialties),
            periods=in_catalog_order(PERIODS, {period for _, period in slots}),
            weekdays=sorted({weekday for weekday, _ in slots}),
            available_from=_iso_or_none(row["available_from"]),
            available_until=_iso_or_none(row["available_until"]),
            other_language=row["other_language"] or "",
        )

    def to_draft(self) -> dict[str, Any]:
        """A JSON-safe dict (lists, ISO dates) for `user_data`."""
        return {
            "full_name": self.full_name,
            "phone": self.phone,
            "phone_verified": self.phone_verified,
            "gender": self.gender,
            "birth_date": self.birth_date.isoformat(),
            "city": self.city,
            "languages": list(self.languages),
            "specialties": list(self.specialties),
            "periods": list(self.periods),
            "weekdays": list(self.weekdays),
            "available_from": self.available_from.isoformat() if self.available_from else None,
            "available_until": self.available_until.isoformat() if self.available_until else None,
            "other_language": self.other_language,
        }


def _iso_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# -- answers ---------------------------------------------------------------------------------------

_NAME_JOINERS = {"-", "'", "’", ".", "\u200c", "\u200d"}  # hyphen, apostrophes, dot, ZWNJ/ZWJ


def validate_name(text: str) -> str:
    """2-8 names of letters in any script (particles such as بن and آل not counted), 3-80
    characters, without the invisible characters that reverse a line; returns the tidied name."""
    name = strip_bidi_controls(text or "")
    for char in name:
        if char == " " or char in _NAME_JOINERS:
            continue
        category = unicodedata.category(char)
        if not (category.startswith("L") or category.startswith("M")):
            raise VolunteerInputError("name_chars")
    if not NAME_MIN_CHARS <= len(name) <= NAME_MAX_CHARS:
        raise VolunteerInputError("name_length")
    words = [w for w in name.split(" ") if any(unicodedata.category(c).startswith("L") for c in w)]
    total, particles = name_words(name)
    if len(words) != total or not NAME_MIN_WORDS <= total - particles <= NAME_MAX_WORDS:
        raise VolunteerInputError("name_words")
    return name


def normalize_phone(text: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """A phone number typed or shared, as E.164 (`+966501234567`); Saudi Arabia by default."""
    cleaned = normalize_digits(text or "").strip()
    cleaned = re.sub(r"[\s\u200e\u200f\u2066-\u2069()-]", "", cleaned)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if not re.fullmatch(r"\+?\d{5,17}", cleaned):
        raise VolunteerInputError("phone")
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise VolunteerInputError("phone") from None
    if not phonenumbers.is_valid_number(number):
        raise VolunteerInputError("phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mobile_phone(text: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """A typed number that must be a mobile ("your mobile"): a landline is refused."""
    phone = normalize_phone(text, region)
    kind = phonenumbers.number_type(phonenumbers.parse(phone))
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        raise VolunteerInputError("landline")
    return phone


def contact_phone(phone_number: str) -> str:
    """A shared contact's number (Telegram sends digits, usually without '+') as E.164."""
    digits = normalize_digits(phone_number or "").strip()
    return normalize_phone(digits if digits.startswith("+") else f"+{digits}")


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def check_birth_date(birth: date, today: date, *, min_age: int, max_age: int = MAX_VOLUNTEER_AGE) -> None:
    """Refuse a birth date in the future or giving an age outside [min_age, max_age]."""
    if birth > today:
        raise VolunteerInputError("future")
    age = age_on(birth, today)
    if age < min_age:
        raise VolunteerInputError("too_young", age=min_age)
    if age > max_age:
        raise VolunteerInputError("too_old", age=max_age)


def validate_city(text: str) -> str:
    city = strip_bidi_controls(text or "")
    if looks_like_a_date(city):
        raise VolunteerInputError("city_date")
    if not 2 <= len(city) <= CITY_MAX_CHARS or not any(c.isalpha() for c in city):
        raise VolunteerInputError("city")
    if any(unicodedata.category(c).startswith(("C", "S")) for c in city):
        raise VolunteerInputError("city")
    return city


def check_season(first: date | None, last: date, today: date) -> None:
    """The last day of a season window must not be past, nor before the first day."""
    if last < today:
        raise VolunteerInputError("past")
    if first is not None and last < first:
        raise VolunteerInputError("until_before_from", date=first.isoformat())


# -- status and pauses -------------------------------------------------------------------------


def effective_status(status: str, paused_until: datetime | None, now: datetime) -> str:
    """A pause whose end has passed counts as active, even before `expire_pauses` tidies it."""
    if status == "paused" and paused_until is not None and paused_until <= now:
        return "active"
    return status


def pause_end(day: date, tz: ZoneInfo) -> datetime:
    """Pausing "until" a day means offers start again at the beginning of that day (office time)."""
    return datetime.combine(day, time(0, 0), tz)


def check_pause_day(day: date, today: date) -> None:
    if day <= today:
        raise VolunteerInputError("not_future")


# -- search --------------------------------------------------------------------------------------

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def search_key(text: str) -> str:
    """A name folded for searching: case, Arabic diacritics and hamza/alef/taa-marbuta variants."""
    folded = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text or "")).translate(_ARABIC_FOLD)
    return " ".join(folded.casefold().split())


def phone_query_digits(text: str) -> str | None:
    """The national digits of a typed phone search (`0501234567`, `+966 50...`), else None."""
    digits = re.sub(r"[\s+()\-\u200e\u200f\u2066-\u2069]", "", normalize_digits(text or ""))
    if not digits.isdigit() or len(digits) < 4:
        return None
    for prefix in ("00966", "966", "0"):
        if digits.startswith(prefix) and len(digits) > len(prefix) + 3:
            return digits[len(prefix):]
    return digits


# -- stored records -----------------------------------------------------------------------------


def matching_specialties(query: str) -> list[str]:
    """Specialty codes whose label (in either language) or code contains the query."""
    key = search_key(query)
    if len(key) < 3:  # "a" would match half the catalogue
        return []
    found = []
    for item in SPECIALTIES:
        labels = [item.code.replace("_", " ")]
        for locale in ("ar", "en"):
            with use_locale(locale):
                labels.append(item.label_text())
        if any(key in search_key(text) for text in labels):
            found.append(item.code)
    return found


def in_catalog_order(items: tuple[Item, ...], codes: Iterable[str]) -> list[str]:
    """Codes sorted as the catalogue lists them (unknown codes last)."""
    order = {item.code: index for index, item in enumerate(items)}
    return sorted(dict.fromkeys(codes), key=lambda code: (order.get(code, len(order)), code))


def order_specialties(codes: Iterable[str]) -> list[str]:
    return in_catalog_order(SPECIALTIES, codes)


@dataclass(frozen=True)
class ServiceRecord:
    """What a volunteer has done: completed shifts and their hours, no-shows, late cancels."""

    completed: int = 0
    hours: float = 0.0
    no_shows: int = 0
    late_cancels: int = 0
    upcoming: int = 0
