"""The tick's candidate pools as arrays: on a seeded season they rank every shift exactly as the
SQL path (dispatch.ranked_candidates) does, hold no Python object per member, and nothing the
tick built stays referenced once it ends."""

from __future__ import annotations

import gc
import random
import tracemalloc
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from bench._dispatch_data import START, seed_entity, seed_history, seed_needs, seed_volunteers
from bot import db, scheduler
from bot.candidate_pool import SpecialtyPool, Stats
from bot.operations import dispatch
from tests.harness import BotHarness

VOLUNTEERS = 900


async def _season(bot: BotHarness) -> list[int]:
    """The benchmarks' season, small, with what it leaves alike made to vary: pauses over and
    not over, seasons of availability, lapsed trainings; returns the upcoming shifts."""
    await seed_volunteers(bot.db, VOLUNTEERS)
    entity = await seed_entity(bot.db)
    past = await seed_needs(bot.db, entity, needs=10, days=30, first_day=(START - timedelta(days=31)).date())
    await seed_history(bot.db, past, VOLUNTEERS, per_shift=12)
    upcoming = await seed_needs(
        bot.db, entity, needs=34, days=2, first_day=(START + timedelta(days=1)).date(), seed=7
    )
    rng = random.Random(11)
    async with bot.db.transaction() as tx:
        for n in rng.sample(range(VOLUNTEERS), 120):
            await tx.execute(
                "UPDATE volunteers SET status = 'paused', paused_until = ? WHERE user_id = ?",
                (db.ts(START + timedelta(days=rng.choice((-2, -1, 1, 3)))), 10_000_000 + n),
            )
        for n in rng.sample(range(VOLUNTEERS), 150):
            first = (START + timedelta(days=rng.choice((-5, 1, 2)))).date()
            await tx.execute(
                "UPDATE volunteers SET available_from = ?, available_until = ? WHERE user_id = ?",
                (first.isoformat(), (first + timedelta(days=rng.choice((1, 2, 30)))).isoformat(),
                 10_000_000 + n),
            )
        await tx.execute(
            "UPDATE qualifications SET expires_at = ? WHERE user_id % 3 = 0", (db.ts(START),)
        )
    return upcoming


async def test_array_pools_rank_a_seeded_season_as_the_sql_path(bot: BotHarness) -> None:
    upcoming = await _season(bot)
    settings, now = bot.settings, START
    busy = dispatch.Busy.from_rows(
        await db.busy_windows(bot.db, start=now - timedelta(days=30), end=now + timedelta(days=30))
    )
    stats = await Stats.load(db.all_volunteer_stats(bot.db, since=now - dispatch.STATS_WINDOW, now=now))
    assert len(stats.ids) > 100  # the history gives a real spread of tiers
    pools: dict[str, SpecialtyPool] = {}
    compared = site_ordered = 0
    for shift_id in upcoming:
        spec = await dispatch.load_spec(bot.db, await db.get_shift(bot.db, shift_id))
        if spec.specialty not in pools:
            pools[spec.specialty] = await SpecialtyPool.build(
                spec.specialty, db.matching_pool(bot.db, spec.specialty, now=now), stats, db.parse_ts
            )
        site_ordered += bool(spec.site_languages)
        for limit in (1, 6, 40):
            expected = await dispatch.ranked_candidates(bot.db, settings, spec, now=now, limit=limit)
            got = pools[spec.specialty].best(
                spec, dispatch.rules(settings), now=now, limit=limit, asked=set(), busy=busy
            )
            assert [c.user_id for c in got] == [c.user_id for c in expected], (shift_id, limit)
            assert [c.registered_at for c in got] == [c.registered_at for c in expected]
            assert [(c.hours_30d, c.no_shows, c.late_cancels) for c in got] == [
                (c.hours_30d, c.no_shows, c.late_cancels) for c in expected
            ]
            compared += len(got)
    assert compared > 1000 and site_ordered > 5


async def _rows(count: int) -> AsyncIterator[list[tuple[Any, ...]]]:
    """db.matching_pool's columns for `count` made-up volunteers, in chunks."""
    rng = random.Random(5)
    others = ("en", "ur", "id", "fa", "tr", "bn", "ha")
    chunk = []
    for n in range(count):
        chunk.append((
            n, "active", None, rng.choice(("male", "female")),
            f"{rng.randint(1960, 2009)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", None, None,
            db.ts(START - timedelta(days=rng.randint(1, 365), seconds=n)), rng.getrandbits(28),
            ",".join(["ar", *rng.sample(others, rng.randint(0, 2))]), int(rng.random() < 0.2),
        ))
        if len(chunk) == 1000:
            yield chunk
            chunk = []
    yield chunk


async def test_a_pool_holds_no_object_per_member() -> None:
    stats = Stats()
    for n in range(0, 20_000, 2):  # half have served, in a spread of tiers
        stats.ids.append(n)
        stats.hours.append(float(n % 40))
        stats.no_shows.append(n % 3)
        stats.late_cancels.append(0)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        pool = await SpecialtyPool.build("guidance", _rows(20_000), stats, db.parse_ts)
        gc.collect()
        held = tracemalloc.take_snapshot().compare_to(before, "filename")
    finally:
        tracemalloc.stop()
    assert len(pool) == 20_000 and len(pool.tiers) > 50
    assert sum(s.size_diff for s in held) / len(pool) < 60  # bytes a member (a Member object: ~250)
    assert sum(s.count_diff for s in held) < 1000  # a few hundred objects in all, none per member


async def test_nothing_the_tick_built_stays_referenced(bot: BotHarness) -> None:
    await _season(bot)
    report = await scheduler.tick(bot.app, START)
    assert report.offers_made > 50 and report.errors == 0
    gc.collect()
    left = [o for o in gc.get_objects() if isinstance(o, SpecialtyPool | Stats | dispatch.Busy)]
    assert left == []
