"""Audit: no button the bot sends carries more than 64 bytes of callback data (Telegram's limit),
neither in a broad scenario where every id is huge nor for any registered pattern at its widest."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot import catalog, scheduler
from bot.texts.dispatch import DECLINE_REASONS, LATE_REASONS
from tests.factories import create_entity, create_need, create_user, create_volunteer
from tests.factories_dispatch import TUESDAY
from tests.factories_registration import all_callback_data, outbox_callback_data
from tests.harness import BotHarness

LIMIT = 64
# Telegram user ids have at most 52 significant bits: 16 decimal digits.
BIG_USER = 4_503_599_627_370_495
BIG_REP = 4_503_599_627_370_494
BIG_COORDINATOR = 4_503_599_627_370_493
BIG_ROW = 9_999_999_999  # the next id of every table
WIDEST_NUMBER = "-" + "9" * 16


def callback_patterns(handlers: list[BaseHandler]) -> list[str]:  # type: ignore[type-arg]
    found = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            nested = list(handler.entry_points) + list(handler.fallbacks)
            for state_handlers in handler.states.values():
                nested += state_handlers
            found += callback_patterns(nested)
        elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            found.append(handler.pattern.pattern)
    return found


def longest_code() -> str:
    codes = [item.code for group in (
        catalog.SPECIALTIES, catalog.LANGUAGES, catalog.ENTITY_KINDS,
    ) for item in group]
    codes += [code for code, _label in DECLINE_REASONS + LATE_REASONS]
    return max([*codes, "x" * 20], key=len)  # cities are sent by index, not by name


def widest(pattern: str) -> str:
    """The longest data a pattern accepts when numbers have 16 digits and words are the longest
    catalogue code (an open prefix such as ^bc: gets the longest word too)."""
    text = pattern.strip("^$")
    # Alternatives: the longest one.
    while (group := re.search(r"\(([^()]*)\)\??", text)) is not None:
        text = text[: group.start()] + max(group.group(1).split("|"), key=len) + text[group.end():]
    text = text.replace(r"-?\d+", WIDEST_NUMBER).replace(r"\d+", WIDEST_NUMBER[1:])
    text = text.replace(r"[\w-]+", "x" * 16).replace(r"\w+", longest_code())
    text = re.sub(r"\[([^\]]*)\]", lambda m: m.group(1)[0], text)
    if text.endswith(":"):
        text += longest_code()
    return text.replace("\\", "")


def test_every_pattern_at_its_widest_fits(bot: BotHarness) -> None:
    patterns = sorted(set(callback_patterns([h for g in bot.app.handlers.values() for h in g])))
    assert len(patterns) > 60
    samples = {pattern: widest(pattern) for pattern in patterns}
    for pattern, sample in samples.items():
        assert re.match(pattern, sample), (pattern, sample)  # the sample is one the bot accepts
    too_long = {p: s for p, s in samples.items() if len(s.encode()) > LIMIT}
    assert too_long == {}


async def big_ids(bot: BotHarness) -> None:
    """Every table's next row id is ten digits long."""
    async with bot.db.transaction() as tx:
        for table in (
            "entities", "needs", "shifts", "assignments", "outbox", "entity_invites",
            "broadcasts", "reminders", "audit_log",
        ):
            await tx.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
            await tx.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, BIG_ROW - 1)
            )


async def test_a_broad_scenario_with_huge_ids_sends_only_short_data(bot: BotHarness) -> None:
    await big_ids(bot)
    await create_user(bot.db, BIG_COORDINATOR, role="coordinator", locale="en")
    entity = await create_entity(bot.db, reps=[BIG_REP])
    need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=3)
    submitted, _ = await create_need(bot.db, entity, first_day=TUESDAY, status="submitted")
    await create_volunteer(bot.db, BIG_USER, locale="en", language_code="en")
    await create_volunteer(bot.db, BIG_USER - 10, status="pending")
    volunteer = bot.user(BIG_USER, "Ali", "en")
    rep = bot.user(BIG_REP, "Rami", "en")
    staff = bot.user(BIG_COORDINATOR, "Coordinator", "en")
    admin = bot.admin

    # The scheduler offers the shift; the volunteer answers from the offer and /myshifts.
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    await bot.press_label(volunteer, "Accept")
    await bot.command(volunteer, "/myshifts")
    await bot.press_label(volunteer, "Cancel")
    await bot.command(volunteer, "/shifts")
    await bot.command(volunteer, "/profile")
    # Staff and the representative look at everything.
    await bot.command(admin, "/needs")
    await bot.press(admin, f"nd:o:{need}:0")
    await bot.press(admin, f"nd:o:{submitted}:0")
    await bot.press(admin, f"sh:r:{shift}:0")
    await bot.press(admin, f"nd:cx:{need}")
    await bot.press(admin, f"sh:cx:{shift}")
    await bot.command(admin, "/entities")
    await bot.press(admin, f"ent:o:{entity}")
    await bot.press(admin, f"ent:ed:{entity}")
    await bot.press(admin, f"ent:inv:{entity}")
    await bot.press(admin, f"ent:rr:{entity}:{BIG_REP}")
    await bot.command(admin, "/volunteers")
    await bot.press(admin, "vol:pe:0")
    await bot.press(admin, f"vol:v:{BIG_USER}")
    await bot.press(admin, f"vol:q:{BIG_USER}")
    await bot.command(admin, "/volunteers Ali")
    await bot.command(admin, "/staff")
    await bot.press(admin, f"staff:rm:{BIG_COORDINATOR}")
    await bot.press(admin, "staff:inv")
    await bot.command(admin, "/audit")
    await bot.command(staff, "/broadcast")
    await bot.command(staff, "/cancel")
    await bot.command(rep, "/myneeds")
    await bot.press(rep, f"nd:o:{need}:0")
    # Reminders and check-in once the shift comes near, and attendance once it has started.
    await bot.press(volunteer, f"shf:sig:{shift}")
    bot.clock.set(bot.clock.now() + timedelta(days=1, hours=22))
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    await bot.command(volunteer, "/myshifts")
    bot.clock.set(bot.clock.now() + timedelta(hours=2))
    await scheduler.tick(bot.app)
    await bot.press(rep, f"att:v:{shift}:0")

    data: list[Any] = all_callback_data(bot) + await outbox_callback_data(bot)
    assert len(data) > 100
    assert any(str(BIG_USER) in d for d in data) and any(str(BIG_ROW) in d for d in data)
    assert {d.split(":")[0] for d in data} >= {"off", "my", "nd", "sh", "ent", "vol", "staff", "att", "rem"}
    too_long = sorted({d for d in data if len(d.encode()) > LIMIT})
    assert too_long == []
