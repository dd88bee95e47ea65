"""A shift still short near its start escalates once per lead (ESCALATION_LEADS, default 24 h
and 6 h) to the coordinators and the entity's representatives, with buttons that act once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot import scheduler
from tests.factories import create_entity, create_need, create_volunteer
from tests.factories_dispatch import TUESDAY, local, offered_ids
from tests.factories_needs import add_staff, assert_arabic
from tests.harness import BotHarness


@pytest.fixture
async def bot(make_bot: Callable[..., Awaitable[BotHarness]]) -> BotHarness:
    return await make_bot(ESCALATION_LEADS="24h,6h")  # the production default (off in tests)


async def _short_shift(bot: BotHarness) -> tuple[int, int, int]:
    entity = await create_entity(bot.db, reps=(601,))
    other = await create_entity(bot.db, name_ar="جهة أخرى", name_en="Other", reps=(602,))
    for user_id in range(301, 311):
        await create_volunteer(bot.db, user_id, languages=("bn",) if user_id < 304 else ("ar",), locale="en")
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=5, languages=("bn",))
    return entity, other, shift


async def test_a_short_shift_escalates_once_per_lead(bot: BotHarness) -> None:
    _entity, _other, shift = await _short_shift(bot)
    khalid = await add_staff(bot, 701, "Khalid", "en")
    huda = await add_staff(bot, 702, "Huda", "ar")
    # Offers went out; nobody accepted.
    await scheduler.tick(bot.app)
    await bot.flush_outbox()

    bot.clock.advance(local(TUESDAY, 8) - timedelta(hours=24) - bot.clock.now())
    report = await scheduler.tick(bot.app)
    assert report.escalated == 1
    assert (await scheduler.tick(bot.app)).escalated == 0  # not twice for one lead
    calls = await bot.flush_outbox()
    to_khalid = [c for c in calls if c.chat_id == khalid.id and "still short" in (c.text or "")]
    assert len(to_khalid) == 1
    text = to_khalid[0].text
    assert "🚨 A shift is still short, 24 hours before it starts:" in text
    assert "0 of 5 places taken" in text
    assert "only 3 of them speak Bengali" in text
    labels = [label for label, _ in to_khalid[0].buttons]
    assert labels == ["📣 Offer to the next ones now", "📢 Tell everyone who fits", "✏️ Change places"]
    to_rep = [c for c in calls if c.chat_id == 601]
    # The representative (in Arabic) has no "change places": that is the coordinators'.
    assert len(to_rep) == 1 and [data for _, data in to_rep[0].buttons] == [
        f"esc:nx:{shift}:86400", f"esc:tell:{shift}:86400"]
    assert_arabic(to_rep[0].text)
    assert_arabic(next(c for c in calls if c.chat_id == huda.id).text)
    assert not [c for c in calls if c.chat_id == 602]  # another entity's representative

    bot.clock.advance(timedelta(hours=18))  # 6 hours before
    assert (await scheduler.tick(bot.app)).escalated == 1
    calls = await bot.flush_outbox()
    assert any("6 hours before it starts" in (c.text or "") for c in calls if c.chat_id == khalid.id)
    bot.clock.advance(timedelta(minutes=5))
    assert (await scheduler.tick(bot.app)).escalated == 0


async def test_a_late_approval_escalates_once_for_the_nearest_lead(bot: BotHarness) -> None:
    await _short_shift(bot)
    await add_staff(bot, 701, "Khalid", "en")
    bot.clock.advance(local(TUESDAY, 8) - timedelta(hours=3) - bot.clock.now())
    assert (await scheduler.tick(bot.app)).escalated == 1
    calls = await bot.flush_outbox()
    texts = [c.text for c in calls if c.chat_id == 701 and "still short" in (c.text or "")]
    assert len(texts) == 1 and "6 hours before it starts" in texts[0]
    assert (await scheduler.tick(bot.app)).escalated == 0


async def test_the_buttons_act_once_and_only_for_the_right_people(bot: BotHarness) -> None:
    _entity, _other, shift = await _short_shift(bot)
    khalid = await add_staff(bot, 701, "Khalid", "en")
    bot.clock.advance(local(TUESDAY, 8) - timedelta(hours=24) - bot.clock.now())
    await scheduler.tick(bot.app)  # the wave (3 speakers) and the escalation
    await bot.flush_outbox()
    assert sorted(await offered_ids(bot.db, shift)) == [301, 302, 303]
    for user_id in (320, 321):  # Bengali speakers who registered after the wave
        await create_volunteer(bot.db, user_id, languages=("bn", "ar"), locale="en")
    lead = 24 * 3600

    outsider = bot.user(602, "Rep", "en")
    calls = await bot.press(outsider, f"esc:nx:{shift}:{lead}")
    assert "belongs to another entity" in bot.texts(calls)
    volunteer = bot.user(301, "Vol", "en")
    calls = await bot.press(volunteer, f"esc:nx:{shift}:{lead}")
    assert calls[0].method == "answerCallbackQuery" and len(await offered_ids(bot.db, shift)) == 3

    calls = await bot.press(khalid, f"esc:nx:{shift}:{lead}")
    assert "Done: 2 more volunteers were offered the shift." in bot.texts(calls)
    assert sorted(await offered_ids(bot.db, shift)) == [301, 302, 303, 320, 321]
    bot.api.fail(400, method="answerCallbackQuery")
    calls = await bot.press(khalid, f"esc:nx:{shift}:{lead}")
    calls = await bot.press(khalid, f"esc:nx:{shift}:{lead}")  # a retap
    assert "Already done by Khalid." in bot.texts(calls)
    assert len(await offered_ids(bot.db, shift)) == 5

    await create_volunteer(bot.db, 330, languages=("bn",), locale="en")
    rep = bot.user(601, "Rep", "en")
    calls = await bot.press(rep, f"esc:tell:{shift}:{lead}")
    assert "Done: 1 volunteer who fits was told." in bot.texts(calls)
    sent = await bot.flush_outbox()
    call = [c for c in sent if c.chat_id == 330]
    assert len(call) == 1 and "sign up with /shifts" in call[0].text
    calls = await bot.press(khalid, f"esc:tell:{shift}:{lead}")
    assert "Already done by Rep." in bot.texts(calls)
