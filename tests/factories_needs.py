"""Helpers for the entities and needs tests: drive /need to its summary, seed staff."""

from __future__ import annotations

import re
from typing import Any

from bot.i18n import _, use_locale
from bot.offline import Call
from tests.factories import create_user
from tests.harness import BotHarness, TgUser

ARABIC = re.compile(r"[\u0621-\u064A]")


def tr(locale: str, message: str, **values: Any) -> str:
    """A catalog string as the bot renders it for `locale` (placeholders filled when given)."""
    with use_locale(locale):
        text = _(message)
    return text.format(**values) if values else text


def assert_arabic(text: str) -> None:
    assert ARABIC.search(text), f"expected Arabic text, got {text!r}"


async def add_staff(bot: BotHarness, user_id: int, name: str, locale: str = "ar",
                    role: str = "coordinator") -> TgUser:
    await create_user(bot.db, user_id, role=role, first_name=name, language_code=locale)
    return bot.user(user_id, name, locale)


async def answer(bot: BotHarness, user: TgUser, step: Any) -> list[Call]:
    """One answer: text, ("press", data), ("location", lat, lon)."""
    if isinstance(step, tuple) and step[0] == "press":
        return await bot.press(user, step[1])
    if isinstance(step, tuple) and step[0] == "location":
        return await bot.location(user, step[1], step[2])
    if isinstance(step, str) and step.startswith("/"):
        return await bot.command(user, step)
    return await bot.text(user, step)


def intake_steps(
    *,
    entity_id: int | None = None,
    title: str = "Guides at Quba Mosque",
    specialty: str = "guidance",
    site: str = "Quba Mosque, north gate",
    location: tuple[float, float] | None = (24.439345, 39.617226),
    radius: int = 300,
    first: str = "2026-05-20",
    last: str | None = "2026-05-22",
    start: str = "08:00",
    end: str = "14:00",
    slots: str = "20",
    gender: str = "any",
    languages: tuple[str, ...] = ("ur",),
    minimums: dict[str, int] | None = None,
    training: bool = False,
    min_age: str | None = "18",
    notes: str | None = "Wear the office vest",
) -> list[Any]:
    steps: list[Any] = ["/need"]
    if entity_id is not None:
        steps.append(("press", f"ni:ent:{entity_id}"))
    steps += [title, ("press", f"ni:sp:{specialty}"), site]
    if location is None:
        steps.append(("press", "ni:skip"))
    else:
        steps += [("location", *location), ("press", f"ni:rad:{radius}")]
    steps.append(first)
    steps.append(last if last is not None else ("press", "ni:same"))
    steps += [start, end, slots, ("press", f"ni:g:{gender}")]
    steps += [("press", f"ni:lg:{code}") for code in languages]
    steps.append(("press", "ni:lgok"))
    if len(languages) >= 2:  # a minimum per language may be set
        for code, count in (minimums or {}).items():
            steps += [("press", f"ni:mn:{code}"), str(count)]
        steps.append(("press", "ni:mn:done"))
    steps.append(("press", f"ni:tr:{int(training)}"))
    steps.append(min_age if min_age is not None else ("press", "ni:age:none"))
    steps.append(notes if notes is not None else ("press", "ni:skip"))
    return steps


async def fill_intake(bot: BotHarness, user: TgUser, **fields: Any) -> Call:
    """Answer every question of /need; returns the summary message."""
    for step in intake_steps(**fields):
        await answer(bot, user, step)
    summary = bot.last(user, "sendMessage")
    assert any(data == "ni:submit" for _, data in summary.buttons), summary.text
    return summary


async def submit_need(bot: BotHarness, user: TgUser, **fields: Any) -> int:
    """Post a need through /need and Submit; returns its id."""
    await fill_intake(bot, user, **fields)
    await bot.press(user, "ni:submit")
    need_id = await bot.db.fetchval("SELECT MAX(id) FROM needs")
    assert need_id is not None
    return int(need_id)
