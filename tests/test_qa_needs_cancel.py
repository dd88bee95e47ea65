"""QA findings on cancelling needs and shifts: the confirmation reads well when nobody has taken
them yet, and the Arabic screens call a shift «مناوبة» everywhere (as volunteers see it)."""

from __future__ import annotations

from datetime import date

from bot import db
from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.factories_needs import add_staff
from tests.harness import BotHarness


async def test_cancelling_a_need_nobody_took_says_so_in_arabic(bot: BotHarness) -> None:
    entity = await create_entity(bot.db, reps=(601,))
    coordinator = await add_staff(bot, 701, "منيرة", "ar")
    need, _shifts = await create_need(bot.db, entity, first_day=date(2026, 5, 11), days=2,
                                     title="مسعفون في قباء", created_by=601)
    await bot.command(coordinator, "/needs")
    await bot.press(coordinator, f"nd:o:{need}:0")
    await bot.press(coordinator, f"nd:cx:{need}")
    confirm = bot.last(coordinator, "editMessageText").text
    assert "لم يسجّل فيها أي متطوع بعد" in confirm
    assert "لا متطوعين" not in confirm  # was: «وسيُبلَّغ لا متطوعين»
    assert "مناوبات" in confirm or "مناوبتين" in confirm
    assert "وردي" not in confirm
    # Nothing changed yet; the confirmation still cancels.
    assert (await db.get_need(bot.db, need))["status"] == "approved"
    await bot.press(coordinator, f"nd:cxok:{need}")
    assert (await db.get_need(bot.db, need))["status"] == "cancelled"


async def test_cancelling_a_shift_nobody_took_says_so_in_english(bot: BotHarness) -> None:
    entity = await create_entity(bot.db, reps=(601,))
    coordinator = await add_staff(bot, 701, "Khalid", "en")
    need, shifts = await create_need(bot.db, entity, first_day=date(2026, 5, 11), days=2,
                                     title="Guides at Quba", created_by=601)
    await create_volunteer(bot.db, 501, full_name="Omar Farouk", locale="en", language_code="en")
    await create_assignment(bot.db, shifts[1], 501)
    await bot.command(coordinator, "/needs")
    await bot.press(coordinator, f"nd:o:{need}:0")

    await bot.press(coordinator, f"sh:cx:{shifts[0]}")
    empty = bot.last(coordinator, "editMessageText").text
    assert "No volunteer has taken it yet." in empty and "0 volunteers" not in empty

    await bot.press(coordinator, f"sh:cx:{shifts[1]}")
    taken = bot.last(coordinator, "editMessageText").text
    assert "1 volunteer will be told." in taken


async def test_arabic_rep_sees_the_same_word_for_a_shift_as_volunteers(bot: BotHarness) -> None:
    entity = await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "خالد", "ar")
    await create_need(bot.db, entity, first_day=date(2026, 5, 11), days=3, slots=4,
                      title="مرشدون", created_by=601)
    calls = await bot.command(rep, "/myneeds")
    text = calls[-1].text
    assert "في 3 مناوبات" in text
    assert "وردي" not in text
