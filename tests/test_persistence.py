"""Persistence keeps only JSON it can read back as it was."""

from __future__ import annotations

import pytest

from bot.persistence import UnstorableScratch, encode_scratch
from tests.factories import create_volunteer
from tests.harness import BotHarness


@pytest.mark.parametrize("value", [{1, 2}, (1, 2), object()])
def test_a_value_json_would_not_give_back_is_refused(value: object) -> None:
    with pytest.raises(UnstorableScratch):
        encode_scratch({"draft": {"languages": value}})


def test_plain_json_is_stored() -> None:
    assert encode_scratch({"draft": {"languages": ["ur", "id"], "n": 3}}) == (
        '{"draft": {"languages": ["ur", "id"], "n": 3}}'
    )


async def test_a_draft_survives_a_kill_minus_nine_as_it_was(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 301)
    yusuf = bot.user(301, "Yusuf", "en")
    await bot.command(yusuf, "/pause")
    before = dict(bot.app.user_data[301])
    bot = await bot.restart(graceful=False)
    assert dict(bot.app.user_data[301]) == before
    calls = await bot.text(yusuf, "next week")
    assert "Until when should I pause" in calls[0].text
