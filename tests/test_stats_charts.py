"""/stats sends its three charts as PNG images beside the numbers, drawn from the database."""

from __future__ import annotations

import struct
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import charts, db
from tests.harness import BotHarness
from tests.test_reports import seed

TZ = ZoneInfo("Asia/Riyadh")


async def test_stats_sends_three_charts_of_the_right_size(bot: BotHarness) -> None:
    await seed(bot)
    calls = await bot.command(bot.admin, "/stats")
    assert calls[0].method == "sendMessage" and "places filled: 2 of 8 (25%)" in calls[0].text
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 3
    for photo in photos:
        _name, content = next(iter(photo.files.values()))
        assert content.startswith(b"\x89PNG\r\n\x1a\n")
        assert struct.unpack(">II", content[16:24]) == (960, 540)


async def test_the_charts_numbers_match_the_database(bot: BotHarness) -> None:
    await seed(bot)  # guidance: 2 shifts of 4 places, 2 taken on the first day
    now = bot.clock.now()
    shifts = await db.stats_fill_by_shift(bot.db, now=now, until=now + timedelta(days=14))
    today = now.astimezone(TZ).date()
    days = [today + timedelta(days=i) for i in range(14)]
    [series] = charts.fill_series(shifts, days, TZ, str)
    assert series.label == "guidance"
    assert series.values[1] == 0.5 and series.values[2] == 0.0 and series.values[0] == 0.0
    labels, people, places = charts.gaps({"guidance": 2, "healthcare": 1}, shifts, str)
    assert dict(zip(labels, zip(people, places, strict=True), strict=True)) == {
        "guidance": (2, 6), "healthcare": (1, 0)
    }


async def test_a_volunteer_gets_no_chart(bot: BotHarness) -> None:
    await seed(bot)
    calls = await bot.command(bot.user(201, "V", "en"), "/stats")
    assert [c.method for c in calls] == ["sendMessage"]
