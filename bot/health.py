"""Heartbeats of the running bot, and `python -m bot health`, which reads them from outside.

The scheduler tick and the outbox sender each record a beat in the `heartbeats` table; the
health command (run by Docker's HEALTHCHECK, a monitor or a person) opens the database read-only
and says whether both are fresh, with the outbox's queue depth and its failed/expired counts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from bot import db
from bot.config import Settings
from bot.db import Database

log = logging.getLogger(__name__)

TICK = "tick"
SENDER = "sender"
# The sender beats at most this often: its loop turns every second or so, a write each time
# would only add work for the one writer.
SENDER_BEAT_EVERY = timedelta(seconds=15)
# Stale after: a tick that missed two runs (plus a minute for a slow one); a sender silent for
# two minutes (longer than any normal pause but Telegram's own long waits).
SENDER_STALE_AFTER = timedelta(minutes=2)

_last_beats: WeakKeyDictionary[Database, dict[str, datetime]] = WeakKeyDictionary()


def tick_stale_after(settings: Settings) -> timedelta:
    return 2 * settings.dispatch_interval + timedelta(minutes=1)


async def beat(
    database: Database,
    name: str,
    *,
    now: datetime,
    detail: dict[str, Any] | None = None,
    every: timedelta = timedelta(0),
) -> None:
    """Record that `name` is alive at `now`; skipped when the last beat is younger than
    `every`. Never raises: a heartbeat that cannot be written must not stop what it reports on."""
    last = _last_beats.setdefault(database, {})
    previous = last.get(name)
    if previous is not None and timedelta(0) <= now - previous < every:
        return
    try:
        async with database.transaction() as tx:
            await db.record_heartbeat(tx, name, now=now, detail=detail or {})
    except Exception:
        log.warning("could not record the %s heartbeat", name, exc_info=True)
        return
    last[name] = now


@dataclass
class HealthReport:
    healthy: bool
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.lines)


def _age(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    return f"{db.ts(moment)} ({seconds} s ago)"


async def check(database: Database, settings: Settings, *, now: datetime) -> HealthReport:
    """Healthy when the last tick and the sender's last beat are fresh."""
    beats = await db.heartbeats(database)
    counts = await db.outbox_health(database)
    report = HealthReport(healthy=True)
    for name, limit in ((TICK, tick_stale_after(settings)), (SENDER, SENDER_STALE_AFTER)):
        row = beats.get(name)
        moment = db.parse_ts(row["at"]) if row is not None else None
        fresh = moment is not None and now - moment <= limit
        report.healthy &= fresh
        label = "last tick" if name == TICK else "sender heartbeat"
        state = "ok" if fresh else f"STALE (limit {int(limit.total_seconds())} s)"
        extra = ""
        if row is not None and name == TICK:
            detail = json.loads(row["detail"] or "{}")
            if detail.get("errors"):
                extra = f", {detail['errors']} step(s) failed"
        report.lines.append(f"{label}: {_age(moment, now)} {state}{extra}")
    report.lines.append(f"queue depth: {counts['pending']} message(s) waiting")
    report.lines.append(f"failed: {counts['failed']}, expired: {counts['expired']}")
    report.lines.insert(0, "healthy" if report.healthy else "UNHEALTHY")
    return report
