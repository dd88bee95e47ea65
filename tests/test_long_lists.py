"""Long legitimate data stays within Telegram's limits: a 25-entry roster of long names with
every language, /needs and a need's card with the longest titles, sites and notes, and notes
padded with whitespace (stored exactly as they were checked, so the approval card can be sent
and the need approved). The offline double refuses a text over 4,096 characters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import catalog, db
from bot.needs import NOTES_MAX, SITE_MAX, TITLE_MAX, tidy_notes
from bot.offline import Call
from bot.volunteers import NAME_MAX_CHARS
from tests.factories import (
    create_assignment,
    create_entity,
    create_need,
    create_user,
    create_volunteer,
)
from tests.factories_needs import add_staff, submit_need
from tests.harness import BotHarness, TgUser

REP = 640
COORDINATORS = {"en": 650, "ar": 651}
EVERY_LANGUAGE = tuple(item.code for item in catalog.LANGUAGES)


def long_name(n: int) -> str:
    name = f"عبدالرحمن{n:02d} بن عبدالعزيز بن عبدالمحسن بن عبدالكريم آلعبدالوهاب"
    name = (name + " الحربيالمطيريالعتيبي")[:NAME_MAX_CHARS]
    assert len(name) == NAME_MAX_CHARS
    return name


async def long_world(bot: BotHarness) -> tuple[int, int]:
    entity = await create_entity(bot.db, name_ar="جمعية " + "ا" * 94, name_en="Society " + "x" * 92,
                                 reps=(REP,))
    for locale, uid in COORDINATORS.items():
        await create_user(bot.db, uid, role="coordinator", first_name=f"C{locale}", locale=locale)
    need, shifts = await create_need(
        bot.db, entity, first_day=bot.clock.now().date() + timedelta(days=2), days=12, slots=25,
        title="ت" * TITLE_MAX, site_name="م" * SITE_MAX,
    )
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE needs SET notes = ? WHERE id = ?", ("ن " * (NOTES_MAX // 2), need))
    for n in range(25):
        uid = 2000 + n
        await create_volunteer(bot.db, uid, full_name=long_name(n), languages=EVERY_LANGUAGE)
        await create_assignment(bot.db, shifts[0], uid)
    return need, shifts[0]


async def pages(bot: BotHarness, user: TgUser, first: list[Call]) -> list[Call]:
    """Every page of a list, pressing Next until there is none."""
    found = [first[-1]]
    while True:
        buttons = found[-1].buttons
        nxt = [d for label, d in buttons if label.startswith(("Next", "التالي"))]
        if not nxt:
            return found
        found.append((await bot.press(user, nxt[0]))[-1])


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_roster_of_25_long_names_pages_within_the_limit(bot: BotHarness, locale: str) -> None:
    _need, shift = await long_world(bot)
    user = bot.user(COORDINATORS[locale], "C", locale)
    first = await bot.press(user, f"sh:r:{shift}:0")
    shown = await pages(bot, user, first)
    assert all(len(page.text) <= 4096 for page in shown)
    text = "\n".join(page.text for page in shown)
    assert all(text.count(long_name(n)) == 1 for n in range(25))
    assert len(shown) > 1


async def test_the_representative_sees_the_same_roster_pages(bot: BotHarness) -> None:
    _need, shift = await long_world(bot)
    rep = bot.user(REP, "Rep", "en")
    shown = await pages(bot, rep, await bot.press(rep, f"sh:r:{shift}:0"))
    text = "\n".join(page.text for page in shown)
    assert all(text.count(long_name(n)) == 1 for n in range(25))


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_needs_and_a_need_card_with_the_longest_texts_fit(bot: BotHarness, locale: str) -> None:
    need, _shift = await long_world(bot)
    for n in range(6):
        await create_need(
            bot.db, 1, first_day=bot.clock.now().date() + timedelta(days=3 + n), days=5, slots=25,
            title=f"{n}" + "ع" * (TITLE_MAX - 1), site_name="س" * SITE_MAX,
            status="submitted" if n % 2 else "approved")
    user = bot.user(COORDINATORS[locale], "C", locale)
    shown = await pages(bot, user, await bot.command(user, "/needs"))
    assert all(len(page.text) <= 4096 for page in shown)
    card = await bot.press(user, f"nd:o:{need}:0")
    assert card[-1].method == "editMessageText" and len(card[-1].text) <= 4096
    rep = bot.user(REP, "Rep", locale)
    shown = await pages(bot, rep, await bot.command(rep, "/myneeds"))
    assert all(len(page.text) <= 4096 for page in shown)


def test_notes_are_tidied_before_their_length_is_checked() -> None:
    assert tidy_notes("  Wear   the vest \n\n\n\n  Meet at gate 5  \n ") == "Wear the vest\n\nMeet at gate 5"
    assert tidy_notes(" \n \t ") == ""
    padded = "\n".join(["word " + " " * 200] * 150)
    assert len(tidy_notes(padded)) <= 150 * 5


async def test_notes_padded_with_whitespace_are_stored_as_checked_and_the_need_approved(
    bot: BotHarness,
) -> None:
    await create_entity(bot.db, reps=(REP,))
    coordinator = await add_staff(bot, 660, "Khalid", "en")
    rep = bot.user(REP, "Rep", "en")
    words = ["Bring water"] * 70  # 70 × 11 + 69 paragraph breaks: under 1,000 once tidied
    padded = "   " + ("        \n\n\n\n      ".join(words)) + "   \n\n   "
    assert len(padded) > 2 * NOTES_MAX and len(tidy_notes(padded)) <= NOTES_MAX
    need_id = await submit_need(bot, rep, notes=padded, title="ت" * TITLE_MAX, site="م" * SITE_MAX)
    need = await db.get_need(bot.db, need_id)
    assert need["notes"] == tidy_notes(padded)
    sent = await bot.flush_outbox()
    cards = [c for c in sent if c.params.get("chat_id") == 660]
    assert cards and all(len(c.params["text"]) <= 4096 for c in cards)
    await bot.press(coordinator, f"apr:ok:{need_id}")
    assert (await db.get_need(bot.db, need_id))["status"] == "approved"


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_volunteer_card_with_everything_filled_in_fits(bot: BotHarness, locale: str) -> None:
    await long_world(bot)
    everything = tuple(item.code for item in catalog.SPECIALTIES)
    await create_volunteer(bot.db, 3000, full_name=long_name(99), languages=EVERY_LANGUAGE,
                           specialties=everything, city="ق" * 60)
    async with bot.db.transaction() as tx:
        for code in everything:
            await db.grant_qualification(tx, 3000, code, granted_by=1, now=bot.clock.now())
    user = bot.user(COORDINATORS[locale], "C", locale)
    [listing] = (await bot.command(user, f"/volunteers {long_name(99)[:20]}"))[-1:]
    assert len(listing.text) <= 4096
    card = (await bot.press(user, "vol:v:3000"))[-1]
    assert card.method == "editMessageText" and len(card.text) <= 4096
    qualifications = (await bot.press(user, "vol:q:3000"))[-1]
    assert qualifications.method == "editMessageText"
