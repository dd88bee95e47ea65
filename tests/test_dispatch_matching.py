"""Pure matching: eligibility, periods, ranking and wave sizes (table-driven, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import matching
from bot.matching import Candidate, Rules, ShiftSpec

RIYADH = ZoneInfo("Asia/Riyadh")
NOW = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)
ALL_AVAILABILITY = frozenset(
    (d, p) for d in range(7) for p in ("morning", "afternoon", "evening", "night")
)
RULES = Rules(tz=RIYADH, min_volunteer_age=15, max_shifts_per_week=2)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), RIYADH).astimezone(UTC)


TUESDAY = date(2026, 5, 12)
SHIFT = ShiftSpec(
    shift_id=1,
    specialty="guidance",
    starts_at=local(TUESDAY, 8),
    ends_at=local(TUESDAY, 14),
    site_languages=frozenset({"ar", "ur"}),
)
BASE = Candidate(
    user_id=10,
    registered_at=datetime(2026, 1, 1, tzinfo=UTC),
    gender="male",
    birth_date=date(1995, 1, 1),
    specialties=frozenset({"guidance"}),
    languages=frozenset({"ar"}),
    availability=ALL_AVAILABILITY,
)


ELIGIBILITY_CASES = [
    ("active volunteer", {}, {}, None),
    ("pending", {"status": "pending"}, {}, matching.STATUS),
    ("suspended", {"status": "suspended"}, {}, matching.STATUS),
    ("deleted", {"status": "deleted"}, {}, matching.STATUS),
    ("paused indefinitely", {"status": "paused"}, {}, matching.PAUSED),
    ("paused until later", {"status": "paused", "paused_until": NOW + timedelta(days=1)}, {},
     matching.PAUSED),
    ("pause over", {"status": "paused", "paused_until": NOW - timedelta(seconds=1)}, {}, None),
    ("pause ends right now", {"status": "paused", "paused_until": NOW}, {}, None),
    ("unreachable", {"reachable": False}, {}, matching.UNREACHABLE),
    ("other specialty", {"specialties": frozenset({"healthcare"})}, {}, matching.SPECIALTY),
    ("training required, none", {}, {"requires_training": True}, matching.TRAINING),
    ("training required, held", {"qualifications": frozenset({"guidance"})},
     {"requires_training": True}, None),
    ("training in another specialty", {"qualifications": frozenset({"healthcare"})},
     {"requires_training": True}, matching.TRAINING),
    ("women only, man", {}, {"gender": "female"}, matching.GENDER),
    ("women only, woman", {"gender": "female"}, {"gender": "female"}, None),
    ("no birth date", {"birth_date": None}, {}, matching.AGE),
    ("14 on the day (office minimum 15)", {"birth_date": date(2011, 6, 1)}, {}, matching.AGE),
    ("turns 15 on the shift's day", {"birth_date": date(2011, 5, 12)}, {}, None),
    ("need minimum 21, is 20", {"birth_date": date(2005, 5, 13)}, {"min_age": 21}, matching.AGE),
    ("need minimum 21, turns 21 that day", {"birth_date": date(2005, 5, 12)}, {"min_age": 21},
     None),
    ("needs Urdu, speaks Arabic", {}, {"languages": frozenset({"ur"})}, matching.LANGUAGE),
    ("needs Urdu and Arabic, speaks both", {"languages": frozenset({"ar", "ur"})},
     {"languages": frozenset({"ar", "ur"})}, None),
    ("season starts later", {"available_from": date(2026, 5, 13)}, {}, matching.SEASON),
    ("season ended", {"available_until": date(2026, 5, 11)}, {}, matching.SEASON),
    ("season covers the day", {"available_from": TUESDAY, "available_until": TUESDAY}, {}, None),
    ("morning only (shift runs into the afternoon)",
     {"availability": frozenset({(1, "morning")})}, {}, matching.AVAILABILITY),
    ("Tuesday morning and afternoon", {"availability": frozenset({(1, "morning"), (1, "afternoon")})},
     {}, None),
    ("Monday only", {"availability": frozenset({(0, "morning"), (0, "afternoon")})}, {},
     matching.AVAILABILITY),
    ("holds an overlapping shift", {"held": ((local(TUESDAY, 13), local(TUESDAY, 18)),)}, {},
     matching.OVERLAP),
    ("holds a shift right after", {"held": ((local(TUESDAY, 14), local(TUESDAY, 18)),)}, {},
     None),
    ("has an overlapping offer", {"pending": ((local(TUESDAY, 7), local(TUESDAY, 9)),)}, {},
     matching.OVERLAP),
    ("two shifts already this week (limit 2)",
     {"held": ((local(date(2026, 5, 10), 8), local(date(2026, 5, 10), 9)),
               (local(date(2026, 5, 16), 8), local(date(2026, 5, 16), 9)))}, {},
     matching.WEEKLY_LIMIT),
    ("two shifts, one last week (Saturday 9 May)",
     {"held": ((local(date(2026, 5, 9), 8), local(date(2026, 5, 9), 9)),
               (local(date(2026, 5, 16), 8), local(date(2026, 5, 16), 9)))}, {}, None),
]


@pytest.mark.parametrize(
    ("candidate_changes", "shift_changes", "expected"),
    [case[1:] for case in ELIGIBILITY_CASES],
    ids=[case[0] for case in ELIGIBILITY_CASES],
)
def test_eligibility(candidate_changes: dict, shift_changes: dict, expected: str | None) -> None:
    candidate = replace(BASE, **candidate_changes)
    shift = replace(SHIFT, **shift_changes)
    assert matching.ineligibility(candidate, shift, RULES, NOW) == expected
    assert matching.is_eligible(candidate, shift, RULES, NOW) is (expected is None)


PERIOD_CASES = [
    ("08-14 Tuesday", (TUESDAY, 8), (TUESDAY, 14), {(1, "morning"), (1, "afternoon")}),
    ("06-12 exactly morning", (TUESDAY, 6), (TUESDAY, 12), {(1, "morning")}),
    ("12-17 exactly afternoon", (TUESDAY, 12), (TUESDAY, 17), {(1, "afternoon")}),
    ("16-18 spans afternoon and evening", (TUESDAY, 16), (TUESDAY, 18),
     {(1, "afternoon"), (1, "evening")}),
    ("20-02 overnight", (TUESDAY, 20), (date(2026, 5, 13), 2), {(1, "evening"), (1, "night")}),
    ("02-05 belongs to Monday's night", (TUESDAY, 2), (TUESDAY, 5), {(0, "night")}),
    ("22-08 night into Wednesday morning", (TUESDAY, 22), (date(2026, 5, 13), 8),
     {(1, "night"), (2, "morning")}),
]


@pytest.mark.parametrize(
    ("start", "end", "expected"), [c[1:] for c in PERIOD_CASES], ids=[c[0] for c in PERIOD_CASES]
)
def test_periods_needed(start: tuple, end: tuple, expected: set) -> None:
    assert matching.periods_needed(local(*start), local(*end), RIYADH) == expected


def _c(user_id: int, **changes: object) -> Candidate:
    return replace(BASE, user_id=user_id, **changes)


RANK_CASES = [
    ("fewest hours first", [_c(1, hours_30d=12), _c(2, hours_30d=0), _c(3, hours_30d=6)], [2, 3, 1]),
    ("then fewer no-shows and late cancellations",
     [_c(1, no_shows=1), _c(2), _c(3, late_cancels=3), _c(4, no_shows=1, late_cancels=1)],
     [2, 1, 4, 3]),
    ("then more of the site's languages",
     [_c(1), _c(2, languages=frozenset({"ar", "ur"})), _c(3, languages=frozenset({"en"}))],
     [2, 1, 3]),
    ("then earliest registration",
     [_c(1, registered_at=datetime(2026, 3, 1, tzinfo=UTC)),
      _c(2, registered_at=datetime(2025, 12, 1, tzinfo=UTC))], [2, 1]),
    ("hours beat no-shows", [_c(1, hours_30d=1), _c(2, no_shows=3)], [2, 1]),
    ("no-shows beat languages", [_c(1, no_shows=1, languages=frozenset({"ar", "ur"})), _c(2)],
     [2, 1]),
    ("languages beat registration",
     [_c(1, registered_at=datetime(2025, 1, 1, tzinfo=UTC)), _c(2, languages=frozenset({"ar", "ur"}))],
     [2, 1]),
    ("ties broken by id", [_c(5), _c(3), _c(4)], [3, 4, 5]),
]


@pytest.mark.parametrize(
    ("candidates", "expected"), [c[1:] for c in RANK_CASES], ids=[c[0] for c in RANK_CASES]
)
def test_rank(candidates: list[Candidate], expected: list[int]) -> None:
    assert [c.user_id for c in matching.rank(candidates, SHIFT)] == expected


def test_best_candidates_leaves_out_the_ineligible_and_ranks_the_rest() -> None:
    candidates = [_c(1, hours_30d=3), _c(2, status="pending"), _c(3), _c(4, gender="female")]
    shift = replace(SHIFT, gender="male")
    assert [c.user_id for c in matching.best_candidates(candidates, shift, RULES, NOW)] == [3, 1]


@pytest.mark.parametrize(
    ("open_slots", "outstanding", "factor", "expected"),
    [
        (5, 0, 1.5, 8),  # ceil(7.5)
        (2, 0, 1.5, 3),
        (1, 0, 1.5, 2),
        (4, 6, 1.5, 0),
        (4, 5, 1.5, 1),
        (4, 9, 1.5, 0),  # more outstanding than wanted: none new
        (0, 0, 1.5, 0),
        (-1, 0, 1.5, 0),
        (10, 0, 1.1, 11),  # 10 x 1.1 is 11.000000000000002 in floating point
        (3, 0, 0.5, 3),  # never fewer offers than open places
    ],
)
def test_offers_to_make(open_slots: int, outstanding: int, factor: float, expected: int) -> None:
    assert matching.offers_to_make(open_slots, outstanding, factor) == expected


def test_age_and_week_helpers() -> None:
    assert matching.age_on(date(2000, 2, 29), date(2015, 2, 28)) == 14
    assert matching.age_on(date(2000, 2, 29), date(2015, 3, 1)) == 15
    assert matching.born_on_or_before(date(2024, 2, 29), 15) == date(2009, 2, 28)
    assert matching.week_start(date(2026, 5, 10)) == date(2026, 5, 10)  # a Sunday
    assert matching.week_start(date(2026, 5, 16)) == date(2026, 5, 10)  # the Saturday after
