"""Who may take a shift, and who is asked first: pure rules, no Telegram and no SQL.

The database narrows 100,000 volunteers to the plausible few with an indexed pre-filter
(`db.matching_candidates`); these functions are the authority on the rest and re-check
everything, so a loader may fill a `Candidate` with only the facts relevant to the shifts at hand.

Availability periods are the office's local hours (catalog.PERIOD_HOURS). A period belongs to
the weekday on which it begins: Monday's night runs from Monday 22:00 to Tuesday 06:00, so a
shift from 02:00 to 05:00 on Tuesday needs Monday's night.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.catalog import PERIOD_HOURS
from bot.language_rule import LanguageRule, admits

# Why someone is not eligible; the first failing rule is reported, in this order.
STATUS = "status"
PAUSED = "paused"
UNREACHABLE = "unreachable"
SPECIALTY = "specialty"
TRAINING = "training"
GENDER = "gender"
AGE = "age"
LANGUAGE = "language"
SEASON = "season"
AVAILABILITY = "availability"
OVERLAP = "overlap"
WEEKLY_LIMIT = "weekly_limit"

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class ShiftSpec:
    """What a shift asks of a volunteer."""

    shift_id: int
    specialty: str
    starts_at: datetime  # aware
    ends_at: datetime
    gender: str = "any"  # any | male | female
    min_age: int | None = None
    languages: frozenset[str] = frozenset()  # required: any one of them (bot/language_rule.py)
    site_languages: frozenset[str] = frozenset()  # asked for at the site: more is better
    requires_training: bool = False
    minimums: tuple[tuple[str, int], ...] = ()  # at least so many speakers of a language

    @property
    def language_rule(self) -> LanguageRule:
        return LanguageRule(self.languages, self.minimums)


@dataclass(slots=True)
class Candidate:
    """A volunteer as matching sees them (not frozen: thousands are built per shift, and a frozen
    dataclass pays for every field it sets)."""

    user_id: int
    registered_at: datetime
    status: str = "active"
    paused_until: datetime | None = None
    reachable: bool = True
    gender: str | None = None
    birth_date: date | None = None
    specialties: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    qualifications: frozenset[str] = frozenset()
    availability: frozenset[tuple[int, str]] = frozenset()  # (weekday, period), Monday = 0
    available_from: date | None = None
    available_until: date | None = None
    hours_30d: float = 0.0
    no_shows: int = 0
    late_cancels: int = 0
    held: tuple[Window, ...] = ()  # shifts they hold (accepted or served): overlap and weekly cap
    pending: tuple[Window, ...] = ()  # outstanding offers: overlap only


@dataclass(frozen=True)
class Rules:
    """The office's settings that eligibility depends on."""

    tz: ZoneInfo
    min_volunteer_age: int = 15
    max_shifts_per_week: int = 6


# -- time helpers --------------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # called once per candidate with the same shift: compute it once
def periods_needed(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> frozenset[tuple[int, str]]:
    """Every (weekday, period) the shift overlaps, in local time; a night belongs to its evening."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    needed = set()
    day = start.date() - timedelta(days=1)
    while day <= end.date():
        for period, (first_hour, last_hour) in PERIOD_HOURS.items():
            begins = datetime.combine(day, time(first_hour), tz)
            ends_day = day + timedelta(days=1) if last_hour <= first_hour else day
            finishes = datetime.combine(ends_day, time(last_hour), tz)
            if begins < end and finishes > start:
                needed.add((day.weekday(), period))
        day += timedelta(days=1)
    return frozenset(needed)


def local_days(shift: ShiftSpec, tz: ZoneInfo) -> tuple[date, date]:
    """The local dates a shift starts and ends on (an end at midnight belongs to the day before)."""
    return _local_days(shift.starts_at, shift.ends_at, tz)


@lru_cache(maxsize=4096)  # keyed on the times: hashing a whole ShiftSpec per check cost more
def _local_days(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> tuple[date, date]:
    first = starts_at.astimezone(tz).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(tz).date()
    return first, max(first, last)


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def born_on_or_before(day: date, years: int) -> date:
    """The latest birth date of someone at least `years` old on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@lru_cache(maxsize=4096)
def week_start(day: date) -> date:
    """The Sunday that begins the (Saudi) week of `day`."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def overlaps(a: Window, b: Window) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def minimum_age(shift: ShiftSpec, rules: Rules) -> int:
    return max(shift.min_age or 0, rules.min_volunteer_age)


# -- eligibility ---------------------------------------------------------------------------------


def ineligibility(candidate: Candidate, shift: ShiftSpec, rules: Rules, now: datetime) -> str | None:
    """The first rule the candidate fails for this shift, or None when eligible."""
    c = candidate
    if c.status == "paused":
        if c.paused_until is None or c.paused_until > now:
            return PAUSED
    elif c.status != "active":
        return STATUS
    if not c.reachable:
        return UNREACHABLE
    if shift.specialty not in c.specialties:
        return SPECIALTY
    if shift.requires_training and shift.specialty not in c.qualifications:
        return TRAINING
    if shift.gender != "any" and c.gender != shift.gender:
        return GENDER
    first_day, last_day = local_days(shift, rules.tz)
    if c.birth_date is None or age_on(c.birth_date, first_day) < minimum_age(shift, rules):
        return AGE
    if not admits(shift.languages, c.languages):
        return LANGUAGE
    if (c.available_from and first_day < c.available_from) or (
        c.available_until and last_day > c.available_until
    ):
        return SEASON
    if not periods_needed(shift.starts_at, shift.ends_at, rules.tz) <= c.availability:
        return AVAILABILITY
    window = (shift.starts_at, shift.ends_at)
    if any(overlaps(window, other) for other in (*c.held, *c.pending)):
        return OVERLAP
    week = week_start(first_day)
    same_week = sum(1 for start, _ in c.held if week_start(start.astimezone(rules.tz).date()) == week)
    if same_week >= rules.max_shifts_per_week:
        return WEEKLY_LIMIT
    return None


def is_eligible(candidate: Candidate, shift: ShiftSpec, rules: Rules, now: datetime) -> bool:
    return ineligibility(candidate, shift, rules, now) is None


# -- ranking -------------------------------------------------------------------------------------


def rank_key(candidate: Candidate, shift: ShiftSpec) -> tuple[float, int, int, datetime, int]:
    """Fewest hours served lately, fewest no-shows and late cancellations, most of the site's
    languages, earliest registration (then the id, so the order is total)."""
    return (
        round(candidate.hours_30d, 6),
        candidate.no_shows + candidate.late_cancels,
        -len(candidate.languages & shift.site_languages),
        candidate.registered_at,
        candidate.user_id,
    )


def rank(candidates: Iterable[Candidate], shift: ShiftSpec) -> list[Candidate]:
    """Candidates in the order they should be asked (eligibility is checked separately)."""
    return sorted(candidates, key=lambda c: rank_key(c, shift))


def best_candidates(
    candidates: Iterable[Candidate], shift: ShiftSpec, rules: Rules, now: datetime
) -> list[Candidate]:
    """The eligible candidates, best first."""
    return rank((c for c in candidates if is_eligible(c, shift, rules, now)), shift)


# -- waves ---------------------------------------------------------------------------------------


def offers_to_make(open_slots: int, outstanding: int, overbook_factor: float) -> int:
    """How many new offers keep the outstanding ones at about open slots x the overbook factor."""
    if open_slots <= 0:
        return 0
    target = math.ceil(round(open_slots * overbook_factor, 6))
    return max(0, max(target, open_slots) - outstanding)


# -- attendance ----------------------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def distance_m(latitude1: float, longitude1: float, latitude2: float, longitude2: float) -> float:
    """Great-circle distance in metres between two points (haversine): well under a metre off
    at the few hundred metres a check-in radius spans."""
    phi1, phi2 = math.radians(latitude1), math.radians(latitude2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(longitude2 - longitude1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def checkin_window(starts_at: datetime, ends_at: datetime, lead: timedelta) -> Window:
    """When a volunteer may check in: from `lead` before the start until the end."""
    return starts_at - lead, ends_at


def checkin_timing(starts_at: datetime, ends_at: datetime, lead: timedelta, now: datetime) -> str:
    """"early", "open" or "ended": where `now` falls against the check-in window."""
    opens, closes = checkin_window(starts_at, ends_at, lead)
    if now < opens:
        return "early"
    return "open" if now < closes else "ended"
