"""Audit: odd updates (stickers, photos, voice, contacts, locations, edits, junk buttons, empty
and very long texts, commands with junk arguments) get a localized answer, never an exception:
the error handler's apology is never needed."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot import db
from bot.context import Context
from bot.i18n import _, use_locale
from bot.offline import Call
from tests.factories import create_entity, create_need, create_volunteer
from tests.factories_dispatch import TUESDAY
from tests.harness import ADMIN_ID, BotHarness, TgUser

ARABIC = re.compile(r"[\u0600-\u06FF]")
INTERNALS = re.compile(r"Traceback|Error:|Exception|\b[A-Z]\w*(Error|Exception)\b|File \"")

Odd = Callable[[BotHarness, TgUser], Awaitable[list[Call]]]


def _message(bot: BotHarness, user: TgUser, **content: Any) -> dict[str, Any]:
    return bot._message(user, **content)


ODD_UPDATES: dict[str, Odd] = {
    "sticker": lambda bot, u: bot.sticker(u),
    "photo": lambda bot, u: bot.photo(u),
    "voice": lambda bot, u: bot.process({"message": _message(
        bot, u, voice={"file_id": "v1", "file_unique_id": "v1", "duration": 3})}),
    "own contact": lambda bot, u: bot.contact(u, "+966501234567"),
    "someone's contact": lambda bot, u: bot.contact(u, "+966501234567", owner_id=None),
    "location": lambda bot, u: bot.location(u, 24.4393, 39.6174),
    "edited message": lambda bot, u: bot.process({"edited_message": {
        **_message(bot, u, text="hello"), "edit_date": 1}}),
    "button x": lambda bot, u: bot.press(u, "x"),
    "empty text": lambda bot, u: bot.text(u, ""),
    "5,000 characters": lambda bot, u: bot.text(u, "نص طويل " * 625),
    "/shifts abc": lambda bot, u: bot.command(u, "/shifts abc"),
    "/myshifts 1 2": lambda bot, u: bot.command(u, "/myshifts 1 2"),
    "/volunteers 300": lambda bot, u: bot.command(u, "/volunteers " + "أحمد" * 75),
    "/volunteers digits": lambda bot, u: bot.command(u, "/volunteers " + "9" * 40),
    "/needs junk": lambda bot, u: bot.command(u, "/needs -1 ' OR 1=1"),
    "/myneeds junk": lambda bot, u: bot.command(u, "/myneeds abc"),
    "/audit junk": lambda bot, u: bot.command(u, "/audit 99999999999999999999"),
    "/start junk": lambda bot, u: bot.command(u, "/start " + "z" * 60),
    "/start rep_ junk": lambda bot, u: bot.command(u, "/start rep_" + "z" * 60),
    "/lang junk": lambda bot, u: bot.command(u, "/lang zz"),
    "/unknown": lambda bot, u: bot.command(u, "/unknown_command"),
}


@pytest.fixture
async def people(bot: BotHarness) -> dict[str, TgUser]:
    entity = await create_entity(bot.db, reps=[90])
    await create_need(bot.db, entity, first_day=TUESDAY)
    await create_volunteer(bot.db, 101)
    return {
        "volunteer": bot.user(101, "علي"),
        "representative": bot.user(90, "رامي"),
        "admin": bot.user(ADMIN_ID, "المشرف"),
    }


def apology() -> str:
    with use_locale("ar"):
        return _("Sorry, something went wrong on our side. Please try again in a moment.")


def check_replies(calls: list[Call], what: str) -> None:
    for call in calls:
        if not call.text:
            continue
        assert ARABIC.search(call.text), (what, call.text)  # answered in the user's language
        assert not INTERNALS.search(call.text), (what, call.text)
        assert call.text != apology(), what


async def feed_all(bot: BotHarness, user: TgUser, errors: list[BaseException | None], who: str) -> None:
    for name, send in ODD_UPDATES.items():
        calls = await send(bot, user)
        check_replies(calls, f"{who}: {name}")
        assert errors == [], f"{who}: {name} raised {errors!r}"
        if name not in ("edited message",):
            assert any(c.text for c in calls), f"{who}: {name} got no answer"


@pytest.fixture
def errors(bot: BotHarness) -> list[BaseException | None]:
    """Everything that reached the error handler (which would apologise to the user)."""
    raised: list[BaseException | None] = []

    async def record(update: object, context: Context) -> None:
        raised.append(context.error)

    bot.app.add_error_handler(record)
    return raised


@pytest.mark.parametrize("who", ["volunteer", "representative", "admin"])
async def test_odd_updates_get_a_localized_answer_and_no_exception(
    bot: BotHarness, people: dict[str, TgUser], errors: list[BaseException | None], who: str
) -> None:
    await feed_all(bot, people[who], errors, who)


async def test_odd_updates_in_the_middle_of_flows(
    bot: BotHarness, people: dict[str, TgUser], errors: list[BaseException | None]
) -> None:
    """The same odd updates while a question is open: registration, /need, /broadcast."""
    newcomer = bot.user(555, "سالم")
    await bot.command(newcomer, "/register")
    await bot.press(newcomer, "reg:cn:y")
    await feed_all(bot, newcomer, errors, "registering")
    await bot.command(people["representative"], "/need")
    await feed_all(bot, people["representative"], errors, "posting a need")
    await bot.command(people["admin"], "/broadcast")
    await feed_all(bot, people["admin"], errors, "broadcasting")
    assert await db.count_entities(bot.db, active_only=False) == 1




async def test_an_edited_message_does_not_answer_the_open_question(
    bot: BotHarness, people: dict[str, TgUser], errors: list[BaseException | None]
) -> None:
    """Editing an earlier message while /need, /broadcast or a decline reason waits for text
    is ignored (as registration already did): only a new message answers."""
    rep, admin = people["representative"], people["admin"]
    await bot.command(rep, "/need")
    await bot.command(admin, "/broadcast")
    await bot.press(admin, "bc:k:all")
    await bot.press(admin, "bc:go")
    for person in (rep, admin):
        edited = {**bot._message(person, text="Guides at the Prophet's Mosque"), "edit_date": 1}
        assert await bot.process({"edited_message": edited}) == []
    assert "title" not in bot.app.user_data[rep.id]["need_intake"]
    assert "text" not in bot.app.user_data[ADMIN_ID]["broadcast"]
    calls = await bot.text(rep, "Guides at the Prophet's Mosque")
    assert bot.app.user_data[rep.id]["need_intake"]["title"] == "Guides at the Prophet's Mosque"
    check_replies(calls, "the real answer")
    assert errors == []
