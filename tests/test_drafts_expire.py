"""Drafts left unfinished expire after DRAFT_TTL: answers gone, the flow ended, the person told."""

from __future__ import annotations

from datetime import timedelta

from bot.flows import kit
from tests.factories import create_volunteer
from tests.harness import BotHarness


async def test_an_unfinished_draft_is_discarded_and_its_person_told_once(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 301)
    yusuf = bot.user(301, "Yusuf", "en")
    await bot.command(yusuf, "/pause")
    assert "pause" in bot.app.user_data[301]
    bot.clock.advance(timedelta(days=6, hours=23))
    assert await kit.expire_drafts(bot.app, now=bot.clock.now()) == 0
    bot.clock.advance(timedelta(hours=2))
    assert await kit.expire_drafts(bot.app, now=bot.clock.now()) == 1
    assert "pause" not in bot.app.user_data[301]
    calls = await bot.flush_outbox()
    assert [c.text for c in calls if c.chat_id == 301] == [
        "What you had started (the pause date) was discarded after 7 days without an answer. "
        "Send /pause to start again whenever you like."
    ]
    assert await kit.expire_drafts(bot.app, now=bot.clock.now()) == 0
    # The question is closed: a date typed now is not taken as the answer.
    calls = await bot.text(yusuf, "2026-06-06")
    assert "did not understand" in calls[-1].text
    assert await bot.db.fetchval("SELECT status FROM volunteers WHERE user_id = 301") == "active"


async def test_a_draft_being_answered_does_not_expire(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 302)
    omar = bot.user(302, "Omar", "en")
    await bot.command(omar, "/pause")
    bot.clock.advance(timedelta(days=6))
    await bot.text(omar, "yesterday")  # a wrong answer asks again: the draft is alive
    bot.clock.advance(timedelta(days=2))
    assert await kit.expire_drafts(bot.app, now=bot.clock.now()) == 0
