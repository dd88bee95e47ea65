"""The SQL pre-filter narrows exactly as the pure rules do, and ranking loads what it needs."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from bot import db, matching
from bot.operations import dispatch
from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.factories_dispatch import (
    TUESDAY,
    qualify,
    served,
    set_unreachable,
    update_volunteer,
)
from tests.harness import BotHarness

PERIODS = ("morning", "afternoon", "evening", "night")


async def _population(bot: BotHarness, entity_id: int, count: int = 160) -> list[int]:
    rng = random.Random(7)
    ids = []
    for n in range(count):
        user_id = 5000 + n
        await create_volunteer(
            bot.db,
            user_id,
            gender=rng.choice(("male", "female")),
            birth_date=date(rng.choice((1960, 1990, 2005, 2010, 2011, 2012)), rng.randint(1, 12), 12),
            status=rng.choice(("active",) * 6 + ("pending", "paused", "suspended", "deleted")),
            specialties=rng.sample(("guidance", "healthcare", "translation"), rng.randint(1, 2)),
            languages=["ar", *rng.sample(("ur", "en", "id"), rng.randint(0, 2))],
            periods=rng.sample(PERIODS, rng.randint(1, 4)),
            weekdays=rng.sample(range(7), rng.randint(3, 7)),
            registered_at=None,
        )
        if rng.random() < 0.2:
            await update_volunteer(
                bot.db, user_id,
                paused_until=bot.clock.now() + timedelta(days=rng.choice((-1, 1))),
            )
        if rng.random() < 0.2:
            await update_volunteer(
                bot.db, user_id,
                available_from=date(2026, 5, rng.choice((1, 13))),
                available_until=date(2026, 5, rng.choice((11, 30))),
            )
        if rng.random() < 0.3:
            await qualify(bot.db, user_id, "guidance")
        if rng.random() < 0.05:
            await set_unreachable(bot.db, user_id)
        ids.append(user_id)
    # Some already hold a Tuesday shift at another site that overlaps, some served hours.
    _other, (busy_shift,) = await create_need(
        bot.db, entity_id, first_day=TUESDAY, start=time(12), end=time(16), slots=100,
        title="Elsewhere", site_name="Uhud",
    )
    for user_id in rng.sample(ids, 20):
        await create_assignment(bot.db, busy_shift, user_id)
    for user_id in rng.sample(ids, 30):
        await served(bot.db, entity_id, user_id, day=date(2026, 5, rng.randint(1, 9)),
                     hours=rng.randint(1, 6))
    return ids


async def test_prefilter_and_pure_rules_agree(bot: BotHarness) -> None:
    entity_id = await create_entity(bot.db)
    ids = await _population(bot, entity_id)
    settings = bot.settings
    now = bot.clock.now()
    cases = [
        dict(),
        dict(gender="female"),
        dict(languages=("ur",)),
        dict(requires_training=True, min_age=18),
        dict(specialty="healthcare", start=time(20), end=time(2)),
        dict(start=time(2), end=time(5), gender="male"),
    ]
    checked = 0
    for case in cases:
        _need, (shift_id,) = await create_need(
            bot.db, entity_id, first_day=TUESDAY, start=case.pop("start", time(8)),
            end=case.pop("end", time(14)), **case,
        )
        row = await db.get_shift(bot.db, shift_id)
        spec = await dispatch.load_spec(bot.db, row)
        ranked = await dispatch.ranked_candidates(bot.db, settings, spec, now=now)
        expected = []
        for user_id in ids:
            candidate = await dispatch.load_candidate(bot.db, settings, user_id, shift=spec, now=now)
            if matching.is_eligible(candidate, spec, dispatch.rules(settings), now):
                expected.append(candidate)
        assert {c.user_id for c in ranked} == {c.user_id for c in expected}, case
        # Same order as ranking the fully loaded profiles.
        assert [c.user_id for c in ranked] == [c.user_id for c in matching.rank(expected, spec)]
        # A wave's best few, ranked in SQL first, are the same people in the same order.
        for limit in (1, 2, 5, 50):
            best = await dispatch.ranked_candidates(bot.db, settings, spec, now=now, limit=limit)
            assert [c.user_id for c in best] == [c.user_id for c in ranked[:limit]], (case, limit)
        checked += len(expected)
    assert checked > 20  # the population really exercises the rules


async def test_the_best_few_skip_those_turned_away_by_the_recheck(bot: BotHarness) -> None:
    """The first in ranking order hold clashing shifts (only Python sees that): a wave still
    gets the next best, asking the pre-filter for more."""
    entity = await create_entity(bot.db)
    for user_id in range(100, 130):
        await create_volunteer(bot.db, user_id)
    _other, (clash,) = await create_need(
        bot.db, entity, first_day=TUESDAY, start=time(9), end=time(10), slots=50, site_name="Uhud"
    )
    for user_id in range(100, 125):  # the 25 earliest ids (ties broken by id) are busy
        await create_assignment(bot.db, clash, user_id)
    _need, (shift_id,) = await create_need(bot.db, entity, first_day=TUESDAY)
    spec = await dispatch.load_spec(bot.db, await db.get_shift(bot.db, shift_id))

    best = await dispatch.ranked_candidates(bot.db, bot.settings, spec, now=bot.clock.now(), limit=3)

    assert [c.user_id for c in best] == [125, 126, 127]


async def test_query_plan_starts_from_the_specialty_index(bot: BotHarness) -> None:
    """With 100,000 volunteers the pre-filter must not scan the volunteers table."""
    sql_seen: list[str] = []

    class Spy:
        async def fetchall(self, sql: str, params: tuple = ()) -> list:
            sql_seen.append(sql)
            return await bot.db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)

    plan = await db.matching_candidates(
        Spy(), shift_id=1, specialty="guidance", now=bot.clock.now(), gender="female",
        born_by="2011-05-12", first_day="2026-05-12", last_day="2026-05-12", languages=["ur"],
        periods=[(1, "morning")], requires_training=True, site_languages=["ur", "en"],
    )
    details = [row["detail"] for row in plan]
    assert details[0].startswith("SEARCH vs USING COVERING INDEX volunteer_specialties_specialty")
    assert not any(d.startswith("SCAN") for d in details), details
