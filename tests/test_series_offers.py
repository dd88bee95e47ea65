"""Series offers: a volunteer picked for several days of one need is asked once, in one message
listing the days, with Accept all and per-day answers; each day stays its own assignment
(waitlist, reminders, attendance, expiry)."""

from __future__ import annotations

from bot import scheduler
from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.factories_dispatch import TUESDAY, assignments_of, locate_need, outbox
from tests.harness import BotHarness


def _alert(calls: list) -> str:
    return [c for c in calls if c.method == "answerCallbackQuery"][-1].params.get("text", "")


async def _series_offer(bot: BotHarness, user_id: int, *, days: int = 5, slots: int = 3,
                        language: str = "en", located: bool = True) -> list[int]:
    entity = await create_entity(bot.db)
    need, shifts = await create_need(
        bot.db, entity, first_day=TUESDAY, days=days, slots=slots, title="Guides at Quba"
    )
    if located:
        await locate_need(bot.db, need, 24.439345, 39.617226)
    await create_volunteer(bot.db, user_id, locale=language)
    report = await scheduler.tick(bot.app)
    assert report.offers_made == days
    await bot.flush_outbox()
    return shifts


async def _rows(bot: BotHarness, shifts: list[int], user_id: int) -> list:
    return [
        next(r for r in await assignments_of(bot.db, shift) if r["volunteer_id"] == user_id)
        for shift in shifts
    ]


async def test_a_five_day_need_is_offered_once_and_accepted_all_at_once(bot: BotHarness) -> None:
    shifts = await _series_offer(bot, 101)
    ali = bot.user(101, language_code="en")

    sent = bot.api.sent(101)
    assert [c.method for c in sent] == ["sendVenue", "sendMessage"]  # one pin, one message
    offer = sent[-1]
    assert offer.text.startswith("📣 Volunteer shifts that match you, on 5 days")
    assert offer.text.count("Guides at Quba") == 1
    for number, day in enumerate(("12 May", "13 May", "14 May", "15 May", "16 May"), start=1):
        assert f"{number}. " in offer.text and day in offer.text
    assert offer.text.count("waiting for your answer") == 5
    rows = await _rows(bot, shifts, 101)
    assert {r["status"] for r in rows} == {"offered"} and len({r["series_id"] for r in rows}) == 1
    series = rows[0]["series_id"]
    assert offer.buttons[:2] == [("✅ Accept all", f"ser:all:{series}"),
                                 ("❌ Decline all", f"ser:no:{series}")]
    assert ("✅ Day 3", f"ser:acc:{rows[2]['id']}") in offer.buttons
    assert all(len(data.encode()) <= 64 for _label, data in offer.buttons)

    calls = await bot.press_label(ali, "Accept all")

    assert _alert(calls) == "Accepted 5 days."
    rows = await _rows(bot, shifts, 101)
    assert [r["status"] for r in rows] == ["accepted"] * 5
    for row in rows:  # reminders stay per day
        reminders = await bot.db.fetchall(
            "SELECT * FROM reminders WHERE assignment_id = ?", (row["id"],))
        assert len(reminders) == 2
    edited = bot.last(ali)
    assert edited.method == "editMessageText" and edited.text.count("✅ accepted") == 5
    assert [data for _label, data in edited.buttons] == [f"ser:cal:{series}"]
    # Retapping the stale Accept all changes nothing.
    again = await bot.press(ali, f"ser:all:{series}")
    assert _alert(again) == "You have answered every day already."

    calls = await bot.press_label(ali, "Add to calendar")
    [document] = [c for c in calls if c.method == "sendDocument"]
    from icalendar import Calendar
    ((_name, content),) = document.files.values()
    assert len(Calendar.from_ical(content).walk("VEVENT")) == 5


async def test_some_days_accepted_some_declined_in_arabic(bot: BotHarness) -> None:
    shifts = await _series_offer(bot, 201, language="ar", located=False)
    person = bot.user(201)
    offer = bot.last(person)
    assert [c.method for c in bot.api.sent(201)] == ["sendMessage"]
    assert offer.text.startswith("📣 مناوبات تطوعية تناسبك موزعة على \u20665\u2069 أيام")
    rows = await _rows(bot, shifts, 201)

    calls = await bot.press(person, f"ser:acc:{rows[0]['id']}")
    assert _alert(calls) == "تم القبول. شكرًا لك!"
    await bot.press(person, f"ser:dec:{rows[2]['id']}")
    page = bot.last(person)
    assert page.method == "editMessageText"
    assert "✅ مقبولة" in page.text and "❌ اعتذرت" in page.text
    labels = [label for label, _data in page.buttons]
    assert "✅ اليوم 1" not in labels and "❌ اليوم 3" not in labels and "✅ اليوم 2" in labels

    calls = await bot.press_label(person, "قبول الكل")

    assert _alert(calls) == "تم قبول \u20663\u2069 أيام."
    statuses = [r["status"] for r in await _rows(bot, shifts, 201)]
    assert statuses == ["accepted", "accepted", "declined", "accepted", "accepted"]


async def test_a_day_that_filled_meanwhile_goes_to_its_waitlist(bot: BotHarness) -> None:
    shifts = await _series_offer(bot, 301, days=3, slots=1)
    await create_volunteer(bot.db, 302)
    await create_assignment(bot.db, shifts[1], 302)  # someone took day 2 in the meantime

    calls = await bot.press_label(bot.user(301, language_code="en"), "Accept all")

    assert _alert(calls) == "Accepted 2 days. 1 day had filled up: you are on its waitlist."
    assert [c for c in calls if c.method == "answerCallbackQuery"][-1].params["show_alert"]
    assert [r["status"] for r in await _rows(bot, shifts, 301)] == [
        "accepted", "waitlisted", "accepted"]
    assert "⏳ full: you are number 1 on its waitlist" in bot.last(301).text


async def test_declining_all_and_a_stranger_pressing(bot: BotHarness) -> None:
    shifts = await _series_offer(bot, 401, days=2)
    rows = await _rows(bot, shifts, 401)
    series = rows[0]["series_id"]
    await create_volunteer(bot.db, 402)
    stranger = bot.user(402, language_code="en")
    for data in (f"ser:all:{series}", f"ser:no:{series}", f"ser:acc:{rows[0]['id']}",
                 f"ser:cal:{series}"):
        assert _alert(await bot.press(stranger, data)) == "This button is not meant for you.", data
    assert {r["status"] for r in await _rows(bot, shifts, 401)} == {"offered"}

    calls = await bot.press_label(bot.user(401, language_code="en"), "Decline all")

    assert _alert(calls) == "Declined 2 days."
    assert [r["status"] for r in await _rows(bot, shifts, 401)] == ["declined", "declined"]
    assert bot.last(401).buttons == []


async def test_the_series_expires_day_by_day_and_its_message_says_so(bot: BotHarness) -> None:
    shifts = await _series_offer(bot, 501, days=3)
    rows = await _rows(bot, shifts, 501)
    await bot.press(bot.user(501, language_code="en"), f"ser:acc:{rows[0]['id']}")
    bot.clock.advance(hours=3, minutes=1)

    report = await scheduler.tick(bot.app)

    assert report.expired_offers == 2
    assert [r["status"] for r in await _rows(bot, shifts, 501)] == ["accepted", "expired", "expired"]
    series = rows[0]["series_id"]
    assert [r["dedupe_key"] for r in await outbox(bot.db, f"series:{series}:v")] == [
        f"series:{series}:venue", f"series:{series}:v3"]  # one edit: no day left open
    calls = await bot.flush_outbox()
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert edit.text.count("⌛ expired") == 2 and "✅ accepted" in edit.text
    assert "Please answer by" not in edit.text
    assert [data for _label, data in edit.buttons] == [f"ser:cal:{rows[0]['series_id']}"]
    late = await bot.press(bot.user(501, language_code="en"), f"ser:all:{rows[0]['series_id']}")
    assert _alert(late) == "2 days were not answered: This offer has expired."


async def test_a_retap_after_a_failed_answer_and_a_crash_take_each_day_once(bot: BotHarness) -> None:
    shifts = await _series_offer(bot, 601, days=3)
    series = (await _rows(bot, shifts, 601))[0]["series_id"]
    bot.api.fail(400, "Bad Request: query is too old", method="answerCallbackQuery")
    await bot.press(bot.user(601, language_code="en"), f"ser:all:{series}")
    bot = await bot.restart(graceful=False)

    calls = await bot.press(bot.user(601, language_code="en"), f"ser:all:{series}")

    assert _alert(calls) == "You have answered every day already."
    rows = await _rows(bot, shifts, 601)
    assert [r["status"] for r in rows] == ["accepted"] * 3
    reminders = await bot.db.fetchval(
        "SELECT COUNT(*) FROM reminders WHERE assignment_id IN (?, ?, ?)",
        tuple(r["id"] for r in rows))
    assert reminders == 6


async def test_a_crash_before_the_series_message_is_sent_still_sends_it_once(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, shifts = await create_need(bot.db, entity, first_day=TUESDAY, days=4, slots=2)
    await create_volunteer(bot.db, 701)
    await create_volunteer(bot.db, 702)
    await scheduler.tick(bot.app)
    bot = await bot.restart(graceful=False)
    assert (await scheduler.tick(bot.app)).offers_made == 0  # asked already

    await bot.flush_outbox()

    for user_id in (701, 702):
        [message] = bot.api.sent(user_id)
        assert message.text.count("بانتظار ردك") == 4
    assert len(await outbox(bot.db, "series:")) == 2
    assert await outbox(bot.db, "offer:") == []
    assert len({r["series_id"] for shift in shifts for r in await assignments_of(bot.db, shift)}) == 2
