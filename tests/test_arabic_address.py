"""Arabic as the office writes it, and answers taken as people type them: example dates from
today, counts, gendered address, direction, typed answers at button questions."""

from __future__ import annotations

import re

from bot.i18n import parse_date
from tests.factories import create_volunteer
from tests.harness import BotHarness

EXAMPLE = re.compile(r"(\d{4}-\d{2}-\d{2})\D{1,12}?(\d{4}-\d{2}-\d{2})")


def _example_pair(text: str) -> tuple[str, str]:
    found = EXAMPLE.search(re.sub("[\u2066-\u2069]", "", text))
    assert found, text
    return found.group(1), found.group(2)


async def test_the_pause_example_is_ahead_names_one_day_and_is_accepted(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 501, full_name="منيرة سعد", gender="female", locale="ar")
    person = bot.user(501, "منيرة", "ar")
    calls = await bot.command(person, "/pause")
    hijri, gregorian = _example_pair(calls[-1].text)
    today = bot.clock.now().date()
    assert parse_date(hijri) == parse_date(gregorian) > today

    calls = await bot.text(person, f"\u2066{hijri}\u2069")  # copied with its marks
    row = await bot.db.fetchone("SELECT status FROM volunteers WHERE user_id = 501")
    assert row["status"] == "paused", bot.texts(calls)


async def test_a_badly_typed_date_gets_an_example_from_today(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 502, full_name="Omar Saleh", locale="en", language_code="en")
    person = bot.user(502, "Omar", "en")
    await bot.command(person, "/pause")
    calls = await bot.text(person, "next week")
    hijri, gregorian = _example_pair(bot.texts(calls).split("\n\n")[0])
    assert parse_date(hijri) == parse_date(gregorian) > bot.clock.now().date()
