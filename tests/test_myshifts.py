"""/myshifts: offers waiting for an answer (Accept, Decline) beside the places taken, paged so
that any number of long entries stays within Telegram's limits."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.factories_dispatch import TUESDAY, assignment, hours
from tests.harness import BotHarness


def _alert(calls: list) -> str:
    return [c for c in calls if c.method == "answerCallbackQuery"][-1].params.get("text", "")


async def _offer(bot: BotHarness, shift_id: int, volunteer_id: int) -> int:
    async with bot.db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO assignments (shift_id, volunteer_id, status, offered_at, expires_at)"
            " VALUES (?, ?, 'offered', ?, ?)",
            (shift_id, volunteer_id, bot.clock.now().isoformat(),
             (bot.clock.now() + hours(6)).isoformat()),
        )
        return int(cursor.lastrowid)


async def test_sixty_long_shifts_are_paged_within_telegram_limits(bot: BotHarness) -> None:
    long_name = "جمعية " + "الخدمة التطوعية " * 7  # 120 characters
    entity = await create_entity(bot.db, name_ar=long_name[:120], name_en=("Society " * 15)[:120])
    await create_volunteer(bot.db, 101, locale="en")
    taken = []
    for day in range(60):
        title = f"{day:02d} " + ("Guides for the pilgrims " * 5)[:97]
        _need, (shift,) = await create_need(
            bot.db, entity, first_day=TUESDAY + timedelta(days=day), title=title,
            site_name=("Quba Mosque, the southern gate " * 4)[:100],
        )
        if day < 5:
            taken.append(await _offer(bot, shift, 101))
        else:
            taken.append(await create_assignment(bot.db, shift, 101))
    ali = bot.user(101, language_code="en")

    await bot.command(ali, "/myshifts")

    seen: list[str] = []
    page = bot.last(ali)
    for _round in range(30):
        assert len(page.text) <= 4096
        seen += [line for line in page.text.splitlines() if line[:1].isdigit()]
        if not any("Next" in label for label, _ in page.buttons):
            break
        calls = await bot.press_label(ali, "Next")
        page = bot.last(ali)
        assert page.method == "editMessageText", [(c.method, c.params) for c in calls]
    numbers = [int(line.split(".")[0]) for line in seen]
    assert numbers == list(range(1, 61))  # every one of the sixty, none silently left out
    assert page.text.startswith("Your shifts (55–60 of 60):")
    # Back to the first page: the offers come first, with Accept and Decline.
    for _round in range(20):
        if not any("Previous" in label for label, _ in bot.last(ali).buttons):
            break
        await bot.press_label(ali, "Previous")
    first = bot.last(ali)
    assert first.text.startswith("Your shifts (1–6 of 60):")
    assert first.text.count("Waiting for your answer") == 5
    assert ("✅ Accept #1", f"my:acc:{taken[0]}:0") in first.buttons
    assert ("❌ Decline #1", f"off:dec:{taken[0]}") in first.buttons


async def test_an_offer_accepted_and_one_declined_from_myshifts(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, shifts = await create_need(bot.db, entity, first_day=TUESDAY, days=3, slots=2)
    await create_volunteer(bot.db, 201)
    first = await _offer(bot, shifts[0], 201)
    second = await _offer(bot, shifts[1], 201)
    held = await create_assignment(bot.db, shifts[2], 201)
    person = bot.user(201)

    await bot.command(person, "/myshifts")
    listing = bot.last(person)
    assert listing.text.startswith("مناوباتك:")
    assert listing.text.count("بانتظار ردك") == 2
    assert [data for _label, data in listing.buttons] == [
        f"my:acc:{first}:0", f"off:dec:{first}", f"my:acc:{second}:0", f"off:dec:{second}",
        f"my:can:{held}",
    ]

    calls = await bot.press(person, f"my:acc:{first}:0")
    assert _alert(calls) == "تم القبول. شكرًا لك!"
    assert (await assignment(bot.db, first))["status"] == "accepted"
    page = bot.last(person)
    assert page.method == "editMessageText" and page.text.count("بانتظار ردك") == 1
    again = await bot.press(person, f"my:acc:{first}:0")  # a retap: nothing more happens
    assert _alert(again) == "هذا المكان محجوز لك بالفعل. وللاطلاع على مناوباتك: /myshifts."

    await bot.press(person, f"off:dec:{second}")  # the offer message's own Decline
    assert (await assignment(bot.db, second))["status"] == "declined"
    calls = bot.api.sent(201)
    edited = [c for c in calls if c.method == "editMessageReplyMarkup"][-1]
    rows = edited.params["reply_markup"]["inline_keyboard"]
    assert all(b["callback_data"] != f"off:dec:{second}" for row in rows for b in row)
    assert "بالسبب" in bot.last(person).text  # the reason question, as from the offer itself
    await bot.press_label(person, "تخطٍّ")

    await bot.command(person, "/myshifts")
    assert "بانتظار ردك" not in bot.last(person).text


async def test_someone_elses_offer_cannot_be_accepted_from_myshifts(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY)
    await create_volunteer(bot.db, 301)
    await create_volunteer(bot.db, 302)
    theirs = await _offer(bot, shift, 302)

    calls = await bot.press(bot.user(301), f"my:acc:{theirs}:0")

    assert _alert(calls) == "هذا الزر ليس موجّهًا إليك."
    assert (await assignment(bot.db, theirs))["status"] == "offered"
