"""Can a need's shifts be filled? Reads only: the counts for a /need draft's shifts (before it
is stored) and for a stored need's shifts, put through the pure explainer (bot/feasibility.py).
bot/operations/escalations.py asks the same question of a shift still short near its start."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot import db, matching
from bot.config import Settings
from bot.db import Queryable, Row
from bot.feasibility import Finding, Pool, explain
from bot.i18n import parse_time
from bot.language_rule import LanguageRule
from bot.needs import shift_windows
from bot.operations import dispatch

# One shift's place in a report: (starts_at, what was counted, what it means).
Report = list[tuple[datetime, Pool, Finding]]


async def shift_pool(
    conn: Queryable, settings: Settings, spec: matching.ShiftSpec, places: int, *, now: datetime
) -> Pool:
    """Who could fill this shift, requirement by requirement (db.feasibility_counts)."""
    office = dispatch.rules(settings)
    first_day, last_day = matching.local_days(spec, office.tz)
    languages = sorted(spec.languages)
    row = await db.feasibility_counts(
        conn,
        specialty=spec.specialty,
        now=now,
        requires_training=spec.requires_training,
        languages=languages,
        gender=spec.gender,
        born_by=matching.born_on_or_before(first_day, matching.minimum_age(spec, office)).isoformat(),
        periods=matching.periods_needed(spec.starts_at, spec.ends_at, office.tz),
        first_day=first_day.isoformat(),
        last_day=last_day.isoformat(),
        qualified_at=max(now, spec.starts_at),  # a qualification that lapses before the shift does not count
    )
    return Pool(
        places=places,
        specialty=int(row["specialty"]),
        available=int(row["available"]),
        eligible=int(row["eligible"]),
        trained=int(row["trained"]) if spec.requires_training else None,
        speakers=int(row["speakers"]) if languages else None,
        gender=int(row["gender_ok"]) if spec.gender != "any" else None,
        age=int(row["age_ok"]),
        by_language={code: int(row[f"lang_{i}"]) for i, code in enumerate(languages)},
        eligible_by_language={code: int(row[f"eligible_{i}"]) for i, code in enumerate(languages)},
        minimums=dict(spec.minimums),
    )


async def _report(
    conn: Queryable, settings: Settings, specs: Sequence[tuple[matching.ShiftSpec, int]], *, now: datetime
) -> Report:
    found: Report = []
    for spec, places in specs:
        pool = await shift_pool(conn, settings, spec, places, now=now)
        found.append((spec.starts_at, pool, explain(pool)))
    return found


async def for_draft(conn: Queryable, settings: Settings, draft: Mapping[str, Any], *, now: datetime) -> Report:
    """The /need draft's shifts, as they would be stored."""
    windows = shift_windows(
        date.fromisoformat(draft["first_day"]), date.fromisoformat(draft["last_day"]),
        parse_time(draft["start_time"]), parse_time(draft["end_time"]), settings.timezone,
    )
    rule = LanguageRule.of(draft.get("languages", []), draft.get("minimums") or {})
    specs = [
        (
            matching.ShiftSpec(
                shift_id=0, specialty=draft["specialty"], starts_at=starts, ends_at=ends,
                gender=draft.get("gender", "any"), min_age=draft.get("min_age"),
                languages=rule.languages, requires_training=bool(draft.get("requires_training")),
                minimums=rule.minimums,
            ),
            int(draft["slots"]),
        )
        for starts, ends in windows
    ]
    return await _report(conn, settings, specs, now=now)


async def for_need(conn: Queryable, settings: Settings, need_id: int, *, now: datetime) -> Report:
    """A stored need's open shifts that have not started, each against its places."""
    rows: list[Row] = await db.need_open_shift_rows(conn, need_id, now=now)
    specs = [(await dispatch.load_spec(conn, row), int(row["slots"])) for row in rows]
    return await _report(conn, settings, specs, now=now)
