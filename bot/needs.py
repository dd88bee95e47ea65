"""Rules for needs and their shifts: limits, shift windows, fill rates. No Telegram, no SQL.

A need covers a range of days with one daily time window; it becomes one shift per day. Times
are typed in the office time zone and stored in UTC; an end time earlier than the start time
means the shift runs overnight and ends on the next day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 60  # longest date range of one need (a Hajj season fits with room to spare)
MAX_DAYS_AHEAD = 366  # how far ahead the first day may be
MIN_SLOTS, MAX_SLOTS = 1, 500
MIN_AGE, MAX_AGE = 15, 90
DEFAULT_RADIUS_M = 300
MIN_RADIUS_M, MAX_RADIUS_M = 50, 5000
TITLE_MIN, TITLE_MAX = 3, 100
SITE_MIN, SITE_MAX = 2, 100
NOTES_MAX = 1000
REASON_MIN, REASON_MAX = 3, 500

AT_RISK_WITHIN = timedelta(hours=48)
AT_RISK_BELOW = 0.5


class NeedRuleError(ValueError):
    """A value breaks a rule; `code` says which (the handler turns it into a sentence)."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def tidy_notes(text: str | None) -> str:
    """Notes as they are stored and shown: each line's spaces tidied, at most one blank line
    between paragraphs, none around. The length rule is checked on this, so what was checked is
    what is kept (padding cannot slip a longer text past NOTES_MAX)."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


def check_whole_number(text: str, low: int, high: int) -> int:
    """A whole number typed by a person (Arabic-Indic digits already normalised), in range."""
    cleaned = text.strip()
    if not cleaned.isdigit():
        raise NeedRuleError("not_number", low=low, high=high)
    value = int(cleaned)
    if not low <= value <= high:
        raise NeedRuleError("out_of_range", low=low, high=high)
    return value


def check_first_day(first: date, today: date) -> None:
    if first < today:
        raise NeedRuleError("first_in_past")
    if first > today + timedelta(days=MAX_DAYS_AHEAD):
        raise NeedRuleError("first_too_far", days=MAX_DAYS_AHEAD)


def check_last_day(first: date, last: date) -> None:
    if last < first:
        raise NeedRuleError("last_before_first")
    if (last - first).days + 1 > MAX_DAYS:
        raise NeedRuleError("range_too_long", days=MAX_DAYS)


def check_window(start: time, end: time) -> None:
    if start == end:
        raise NeedRuleError("end_equals_start")


def first_window(first_day: str, start: str, end: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The first shift's (starts_at, ends_at), aware in `tz`, from a draft's ISO day and HH:MM."""
    day = date.fromisoformat(first_day)
    start_t, end_t = time.fromisoformat(start), time.fromisoformat(end)
    ends_day = day + timedelta(days=1) if is_overnight(start_t, end_t) else day
    return datetime.combine(day, start_t, tz), datetime.combine(ends_day, end_t, tz)


def check_first_shift(
    first_day: str, start: str, end: str, tz: ZoneInfo, now: datetime, *, code: str = "first_shift_ended"
) -> None:
    """A need whose first shift has ended cannot be posted."""
    starts, ends = first_window(first_day, start, end, tz)
    if ends <= now:
        raise NeedRuleError(code, starts=starts, ends=ends)


def is_overnight(start: time, end: time) -> bool:
    return end < start


def days_in_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def shift_windows(
    first: date, last: date, start: time, end: time, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """(starts_at, ends_at) in UTC for each day; an overnight window ends the next day."""
    check_window(start, end)
    windows = []
    for day in days_in_range(first, last):
        starts = datetime.combine(day, start, tz)
        end_day = day + timedelta(days=1) if is_overnight(start, end) else day
        ends = datetime.combine(end_day, end, tz)
        windows.append((starts.astimezone(UTC), ends.astimezone(UTC)))
    return windows


@dataclass(frozen=True)
class Fill:
    """How full a shift is."""

    accepted: int
    slots: int
    starts_at: datetime
    status: str = "open"

    @property
    def ratio(self) -> float:
        return self.accepted / self.slots if self.slots else 1.0

    def at_risk(self, now: datetime) -> bool:
        """Starts within 48 hours (and has not started) and is less than half filled."""
        return (
            self.status == "open"
            and now < self.starts_at <= now + AT_RISK_WITHIN
            and self.ratio < AT_RISK_BELOW
        )


def min_slots_allowed(accepted_counts: list[int]) -> int:
    """A shift's slots may not go below the volunteers already accepted on it."""
    return max([MIN_SLOTS, *accepted_counts])
