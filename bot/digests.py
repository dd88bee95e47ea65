"""When an alert digest may go to a person: at most one per window, and never in the office's
quiet hours unless a shift it tells about starts soon. Pure: times are passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# A shift starting within this long is told even in quiet hours: it cannot wait for the morning.
URGENT_LEAD = timedelta(hours=2)


def in_quiet_hours(moment: datetime, quiet: tuple[time, time] | None, tz: ZoneInfo) -> bool:
    """Is this moment inside the quiet hours (office time, a range that may wrap midnight)?"""
    if quiet is None:
        return False
    start, end = quiet
    local = moment.astimezone(tz).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def urgent(starts_at: datetime, now: datetime) -> bool:
    """A shift that has not started and starts within URGENT_LEAD."""
    return now < starts_at <= now + URGENT_LEAD


@dataclass(frozen=True)
class Waiting:
    """One recipient's alerts not sent yet, in summary."""

    starts: tuple[datetime, ...]  # the start of each alert's shift
    last_sent_at: datetime | None  # when their last digest went out


def due(waiting: Waiting, *, now: datetime, window: timedelta, quiet: tuple[time, time] | None,
        tz: ZoneInfo) -> bool:
    """May the digest of these alerts go now?"""
    if not waiting.starts:
        return False
    if waiting.last_sent_at is not None and now < waiting.last_sent_at + window:
        return False
    if in_quiet_hours(now, quiet, tz):
        return any(urgent(start, now) for start in waiting.starts)
    return True
