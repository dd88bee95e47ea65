"""Hours certificates: the periods they cover, their verification codes, and what they state.

Pure: no Telegram, no SQL. A period is a span of whole days in the office's time zone, both ends
included; the hours counted are those of completed shifts that started inside it.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hijridate import Gregorian, Hijri

from bot.i18n import DateInputError, _, normalize_digits, parse_date

# Unambiguous capitals and digits (no 0/O, 1/I/L, U): 10 of them are about 49 bits, typed or
# read aloud without confusion.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 10
VERIFY_PREFIX = "verify_"
MAX_RANGE_DAYS = 731
SEASON, LAST_DAYS, RANGE = "season", "days", "range"
RECENT_DAYS = 30


class CertificateInputError(ValueError):
    """A typed period that cannot be used; `message()` says why in the current locale."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail

    def message(self) -> str:
        if self.code == "date":
            return self.detail
        if self.code == "order":
            return _("The first date must not be after the second one.")
        if self.code == "future":
            return _("The period cannot start in the future.")
        if self.code == "long":
            return _("Please choose a period of at most two years.")
        return _(
            "Please type two dates, the first and the last day, in Hijri or Gregorian, for "
            "example 1447-01-01 1447-06-29 or 2026-01-01 2026-03-31."
        )


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    kind: str = RANGE
    hijri_year: int | None = None

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[since, until) as aware datetimes: the period's days in the office's time zone."""
        since = datetime.combine(self.first, time(0), tz)
        until = datetime.combine(self.last + timedelta(days=1), time(0), tz)
        return since, until


def hijri_year_of(day: date) -> int:
    return int(Gregorian(day.year, day.month, day.day).to_hijri().year)


def season(today: date) -> Period:
    """This Hijri year's season: 1 Muharram up to today."""
    year = hijri_year_of(today)
    start = Hijri(year, 1, 1).to_gregorian()
    return Period(date(start.year, start.month, start.day), today, SEASON, year)


def recent(today: date, days: int = RECENT_DAYS) -> Period:
    """The last `days` days, today included."""
    return Period(today - timedelta(days=days - 1), today, LAST_DAYS)


_DATE_TOKEN = re.compile(r"\d{1,4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,4}(?:\s*(?:هـ|ه|AH|AD|م)(?![\w]))?")


def typed_period(text: str, today: date) -> Period:
    """Two dates typed in either calendar (`1447-01-01 1447-06-30`, `1/1/2026 - 31/3/2026`)."""
    tokens = _DATE_TOKEN.findall(normalize_digits(text or ""))
    if len(tokens) != 2:
        raise CertificateInputError("format")
    try:
        first, last = (parse_date(token) for token in tokens)
    except DateInputError as exc:
        raise CertificateInputError("date", exc.message()) from None
    if first > last:
        raise CertificateInputError("order")
    if first > today:
        raise CertificateInputError("future")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise CertificateInputError("long")
    return Period(first, min(last, today), RANGE)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """A code as typed or read (any case, with dashes or spaces), or None when it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper()
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def show_code(code: str) -> str:
    """`K7QX9-M2PAB`: easier to read out."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def verify_payload(code: str) -> str:
    return f"{VERIFY_PREFIX}{code}"


def verify_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={verify_payload(code)}"


@dataclass(frozen=True)
class EntityHours:
    name_ar: str
    name_en: str
    hours: float


@dataclass(frozen=True)
class Training:
    title: str
    specialty: str | None
    day: date


@dataclass(frozen=True)
class Certificate:
    """What a certificate states (its facts are fixed when it is issued)."""

    code: str
    volunteer_id: int
    full_name: str | None  # None once the holder deleted their data
    period: Period
    hours: float
    specialties: tuple[tuple[str, float], ...]
    entities: tuple[EntityHours, ...]
    trainings: tuple[Training, ...]
    issued_at: datetime
    locale: str
    training_hours: float = 0.0  # training sessions and awareness lectures attended

    @classmethod
    def from_row(cls, row: Any) -> Certificate:  # a certificates row (with full_name)
        facts = json.loads(row["facts"] or "{}")
        issued = datetime.fromisoformat(str(row["issued_at"]))
        return cls(
            code=str(row["code"]),
            volunteer_id=int(row["volunteer_id"]),
            full_name=row["full_name"],
            period=Period(
                date.fromisoformat(row["period_from"]), date.fromisoformat(row["period_to"]),
                str(facts.get("kind", RANGE)), facts.get("hijri_year"),
            ),
            hours=float(row["hours"]),
            specialties=tuple((str(code), float(h)) for code, h in facts.get("specialties", [])),
            entities=tuple(EntityHours(a, e, float(h)) for a, e, h in facts.get("entities", [])),
            trainings=tuple(
                Training(t, s, date.fromisoformat(d)) for t, s, d in facts.get("trainings", [])
            ),
            issued_at=issued,
            locale=str(row["locale"]),
            training_hours=float(facts.get("training_hours", 0.0)),
        )


def tally(
    rows: Sequence[Any], trainings: Sequence[Any], period: Period, tz: ZoneInfo
) -> tuple[float, dict[str, Any]]:
    """(total hours, the facts to store) from the hours rows (specialty, entity) and the
    trainings completed in the period."""
    by_specialty: dict[str, float] = {}
    by_entity: dict[int, list[Any]] = {}
    training_hours = 0.0
    for row in rows:
        hours = float(row["hours"] or 0)
        if row["training"]:
            training_hours += hours  # a category of its own, not service at an entity
            continue
        by_specialty[row["specialty"]] = by_specialty.get(row["specialty"], 0.0) + hours
        entry = by_entity.setdefault(int(row["entity_id"]), [row["name_ar"], row["name_en"], 0.0])
        entry[2] += hours
    facts: dict[str, Any] = {
        "kind": period.kind,
        "hijri_year": period.hijri_year,
        "specialties": sorted(
            ([code, round(h, 1)] for code, h in by_specialty.items()), key=lambda x: -x[1]
        ),
        "entities": sorted(
            ([a, e, round(h, 1)] for a, e, h in by_entity.values()), key=lambda x: -x[2]
        ),
        "training_hours": round(training_hours, 1),
        "trainings": [
            [t["title"], t["specialty"],
             datetime.fromisoformat(str(t["granted_at"])).astimezone(tz).date().isoformat()]
            for t in trainings
        ],
    }
    return round(sum(by_specialty.values()), 1), facts
