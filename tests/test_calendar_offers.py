"""The .ics file wired in: an accepted shift offers "Add to calendar" (the file, read back with
icalendar), and a cancelled shift sends its cancellation to those who had put it in their
calendar, through the outbox (by the office) or at once (by the volunteer)."""

from __future__ import annotations

from datetime import time, timedelta

from icalendar import Calendar

from tests.factories import (
    create_assignment,
    create_entity,
    create_need,
    create_user,
    create_volunteer,
)
from tests.factories_dispatch import TUESDAY, assignment, hours, locate_need
from tests.harness import BotHarness


def _alert(calls: list) -> str:
    return [c for c in calls if c.method == "answerCallbackQuery"][-1].params.get("text", "")


def _calendar(call) -> Calendar:
    ((filename, content),) = call.files.values()
    assert filename.endswith(".ics")
    return Calendar.from_ical(content)


async def _offer(bot: BotHarness, shift_id: int, volunteer_id: int) -> int:
    async with bot.db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO assignments (shift_id, volunteer_id, status, offered_at, expires_at)"
            " VALUES (?, ?, 'offered', ?, ?)",
            (shift_id, volunteer_id, bot.clock.now().isoformat(),
             (bot.clock.now() + hours(3)).isoformat()),
        )
        return int(cursor.lastrowid)


async def test_accepting_offers_the_calendar_file_in_both_languages(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, title="Guides at Quba")
    await locate_need(bot.db, need, 24.439345, 39.617226)
    for user_id, language, hijri, gregorian in (
        (101, "en", "Dhu al-Qadah 1447", "May 2026"), (102, "ar", "ذو القعدة 1447", "مايو 2026"),
    ):
        await create_volunteer(bot.db, user_id, locale=language)
        offer = await _offer(bot, shift, user_id)
        person = bot.user(user_id, language_code=language)
        await bot.press(person, f"off:acc:{offer}")
        closed = bot.last(person)
        assert [data for _label, data in closed.buttons] == [f"cal:ics:{offer}"]

        calls = await bot.press(person, f"cal:ics:{offer}")

        [document] = [c for c in calls if c.method == "sendDocument"]
        [event] = _calendar(document).walk("VEVENT")
        assert str(event["summary"]) == "Guides at Quba"
        assert str(event["location"]) == "Quba Mosque"
        description = str(event["description"])
        assert hijri in description and gregorian in description, description
        assert "Meet at gate 5" in description
        assert event["geo"].latitude == 24.439345
        [alarm] = event.walk("VALARM")
        assert alarm.decoded("trigger") == -timedelta(hours=2)
        assert (await assignment(bot.db, offer))["calendar_sent_at"]
    assert "add the shift to your calendar" in bot.api.sent(101, "sendDocument")[0].text
    assert "المناوبة إلى تقويمك عند فتحه" in bot.api.sent(102, "sendDocument")[0].text


async def test_the_calendar_button_is_only_for_the_place_holder(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=3)
    await create_volunteer(bot.db, 201)
    await create_volunteer(bot.db, 202)
    theirs = await create_assignment(bot.db, shift, 202)
    offered = await _offer(bot, shift, 201)

    assert _alert(await bot.press(bot.user(201), f"cal:ics:{theirs}")) == "هذا الزر ليس موجّهًا إليك."
    assert _alert(await bot.press(bot.user(201), f"cal:ics:{offered}")) == "هذا الزر لم يعد صالحًا."
    assert bot.api.sent(201, "sendDocument") == []


async def test_a_shift_cancelled_by_the_office_cancels_it_in_the_calendar(bot: BotHarness) -> None:
    await create_user(bot.db, 50, role="coordinator", locale="en")
    entity = await create_entity(bot.db)
    _need, (shift, other) = await create_need(bot.db, entity, first_day=TUESDAY, days=2, slots=3)
    await create_volunteer(bot.db, 301, locale="en")
    await create_volunteer(bot.db, 302, locale="en")
    took_file = await create_assignment(bot.db, shift, 301)
    await create_assignment(bot.db, shift, 302)  # accepted, but never took the file
    await bot.press(bot.user(301, language_code="en"), f"cal:ics:{took_file}")
    coordinator = bot.user(50, language_code="en")

    await bot.press(coordinator, f"sh:cx:{shift}")
    await bot.press(coordinator, f"sh:cxok:{shift}")
    calls = await bot.flush_outbox()

    [document] = [c for c in calls if c.method == "sendDocument"]
    assert document.chat_id == 301
    calendar = _calendar(document)
    [event] = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == f"assignment-{took_file}@aoun"
    assert "remove the cancelled shift" in document.text
    assert [c.method for c in calls if c.chat_id == 302] == ["sendMessage"]  # the words only
    assert (await assignment(bot.db, took_file))["status"] == "cancelled"
    assert other  # the other day is untouched


async def test_cancelling_ones_own_place_sends_the_cancellation_file(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, start=time(9), end=time(12))
    await create_volunteer(bot.db, 401)
    place = await create_assignment(bot.db, shift, 401)
    person = bot.user(401)
    await bot.press(person, f"cal:ics:{place}")

    await bot.press(person, f"my:can:{place}")
    calls = await bot.press_label(person, "نعم، إلغاء")

    [document] = [c for c in calls if c.method == "sendDocument"]
    assert str(_calendar(document)["method"]) == "CANCEL"
    assert "يزيل هذا الملف المناوبة الملغاة" in document.text
