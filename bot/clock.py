"""Time is injected: domain and scheduler code ask a clock, so tests and the console move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests), or runs with an offset (the console)."""

    def __init__(self, start: datetime | None = None, *, running: bool = False) -> None:
        self._base = start or datetime.now(UTC)
        self._running = running
        self._started = datetime.now(UTC)
        self._offset = timedelta()

    def now(self) -> datetime:
        elapsed = datetime.now(UTC) - self._started if self._running else timedelta()
        return self._base + elapsed + self._offset

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._offset += delta if delta is not None else timedelta(**kwargs)
        return self.now()

    def set(self, moment: datetime) -> None:
        self._base, self._offset, self._started = moment, timedelta(), datetime.now(UTC)
