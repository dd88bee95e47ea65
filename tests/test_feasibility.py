"""Feasibility (issue 13, item 2): who can fill a shift, at intake and on the approval card,
with what blocks it and what would help; the explainer as a table."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import feasibility as f
from bot.feasibility import Pool, explain
from tests.factories import create_entity, create_volunteer
from tests.factories_dispatch import qualify, update_volunteer
from tests.factories_needs import add_staff, assert_arabic, fill_intake
from tests.harness import BotHarness


def _pool(**kw: object) -> Pool:
    base: dict[str, object] = dict(places=5, specialty=30, available=30, eligible=30, age=30)
    base.update(kw)
    return Pool(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "pool", "blockers", "remedies"),
    [
        ("enough", _pool(), [], []),
        ("too few speak the language", _pool(speakers=3, eligible=3, by_language={"bn": 3}),
         [(f.LANGUAGES, 3)], [f.MORE_LANGUAGES, f.FEWER_PLACES]),
        ("no one qualified", _pool(trained=0, eligible=0),
         [(f.TRAINING, 0)], [f.SCHEDULE_TRAINING, f.DROP_TRAINING]),
        ("the tightest first", _pool(available=4, gender=2, eligible=1),
         [(f.GENDER, 2), (f.AVAILABILITY, 4)], [f.ANY_GENDER, f.OTHER_TIME, f.FEWER_PLACES]),
        ("the specialty itself", _pool(specialty=2, available=2, eligible=2, age=2),
         [(f.SPECIALTY, 2), (f.AGE, 2), (f.AVAILABILITY, 2)],
         [f.RECRUIT, f.LOWER_AGE, f.OTHER_TIME, f.FEWER_PLACES]),
        ("only together", _pool(speakers=6, available=6, eligible=4),
         [(f.TOGETHER, 4)], [f.MORE_LANGUAGES, f.FEWER_PLACES]),
        ("a minimum not met", _pool(minimums={"ur": 3}, eligible_by_language={"ur": 1}),
         [(f.MINIMUM, 1)], [f.LOWER_MINIMUM]),
    ],
)
def test_explain(case: str, pool: Pool, blockers: list[tuple[str, int]], remedies: list[str]) -> None:
    finding = explain(pool)
    assert [(b.requirement, b.count) for b in finding.blockers] == blockers, case
    assert list(finding.remedies) == remedies, case
    assert finding.short is bool(blockers)
    assert Pool.from_dict(pool.to_dict()) == pool


async def _seed(bot: BotHarness) -> None:
    for user_id in (301, 302, 303):
        await create_volunteer(bot.db, user_id, languages=("bn", "ar"))
    for user_id in range(310, 320):
        await create_volunteer(bot.db, user_id, languages=("ar",))
    await create_volunteer(bot.db, 330, languages=("bn",), status="suspended")
    await create_volunteer(bot.db, 331, languages=("bn",))
    await update_volunteer(bot.db, 331, status="paused", paused_until=bot.clock.now() + timedelta(days=30))
    await create_volunteer(bot.db, 332, languages=("bn",), periods=("evening",))  # not mornings
    await create_volunteer(bot.db, 333, languages=("bn",), specialties=("healthcare",))


async def test_a_short_pool_is_told_at_intake_and_on_the_card(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    khalid = await add_staff(bot, 701, "Khalid", "en")
    huda = await add_staff(bot, 702, "Huda", "ar")
    await _seed(bot)
    rep = bot.user(601, "Rep", "en")

    summary = await fill_intake(bot, rep, languages=("bn",), slots="5", first="2026-05-12", last=None)
    assert "Who can fill it:\n⚠️ Only 3 active volunteers meet every requirement, for 5 places." in summary.text
    assert "What blocks it: only 4 of them speak Bengali." in summary.text
    assert "What would help: accept more languages, or any language; fewer places (3)." in summary.text

    await bot.press(rep, "ni:submit")
    calls = await bot.flush_outbox()
    card = next(c for c in calls if c.chat_id == khalid.id)
    assert "⚠️ Only 3 active volunteers meet every requirement, for 5 places." in card.text
    assert "only 4 of them speak Bengali" in card.text
    arabic = next(c for c in calls if c.chat_id == huda.id)
    assert_arabic(arabic.text)
    assert "البنغالية" in arabic.text and "⚠️" in arabic.text


async def test_training_and_enough_people(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    await _seed(bot)
    await qualify(bot.db, 310, "guidance")
    rep = bot.user(601, "Rep", "en")
    summary = await fill_intake(bot, rep, languages=(), training=True, slots="3", first="2026-05-12",
                                last="2026-05-13")
    assert "Who can fill it: Each of the 2 shifts:\n⚠️ Only 1 active volunteer meets every requirement" in summary.text
    assert "only 1 of them holds a valid qualification in it" in summary.text
    assert "schedule a training in this specialty (/newtraining); do not require the training" in summary.text

    await bot.press(rep, "ni:ed:training")
    summary = bot.last(rep)
    calls = await bot.press(rep, "ni:tr:0")
    assert "Each of the 2 shifts:\n✅ 13 active volunteers meet every requirement, for 3 places." in calls[-1].text
    assert summary is not None
