"""Check-in: the scheduler's prompt, the button, the shared location within the site's radius."""

from __future__ import annotations

from bot import matching, scheduler
from tests.factories import create_assignment, create_volunteer
from tests.factories_attendance import (
    CHECKIN_OPENS,
    ENDS,
    FAR,
    NEAR,
    QUBA,
    STARTS,
    at,
    taken_shift,
)
from tests.factories_dispatch import assignment, outbox
from tests.harness import BotHarness


def test_distance_is_haversine_in_metres() -> None:
    assert matching.distance_m(*QUBA, *QUBA) == 0
    assert 45 < matching.distance_m(*QUBA, *NEAR) < 55
    assert 1100 < matching.distance_m(*QUBA, *FAR) < 1125  # 0.01 degree of latitude
    # Madinah to Makkah, about 340 km as the crow flies
    assert 335_000 < matching.distance_m(24.4672, 39.6111, 21.4225, 39.8262) < 345_000


async def test_prompt_goes_out_30_minutes_before_once(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot)
    at(bot, "2026-05-12T04:29:00+00:00")
    assert (await scheduler.tick(bot.app)).checkins_asked == 0
    await bot.flush_outbox()
    at(bot, CHECKIN_OPENS)
    assert (await scheduler.tick(bot.app)).checkins_asked == 1
    assert (await scheduler.tick(bot.app)).checkins_asked == 0  # a second tick sends nothing
    calls = [c for c in await bot.flush_outbox() if "Check in" in c.text]
    assert len(calls) == 1
    assert calls[0].chat_id == 101
    assert "Your shift at" in calls[0].text and "Quba Mosque" in calls[0].text
    assert "starts at" in calls[0].text and "08:00" in calls[0].text
    assert "When you arrive, tap Check in." in calls[0].text
    assert calls[0].buttons == [("📍 Check in", f"att:in:{taken}")]
    assert [r["dedupe_key"] for r in await outbox(bot.db, "checkin:")] == [f"checkin:{taken}"]
    assert (await assignment(bot.db, taken))["checkin_asked_at"] == CHECKIN_OPENS


async def test_accepted_after_the_start_is_asked_at_once_until_the_end(bot: BotHarness) -> None:
    _need, shift, taken = await taken_shift(bot)
    at(bot, "2026-05-12T04:00:00+00:00")
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    await create_volunteer(bot.db, 102, locale="en", language_code="en", full_name="Omar Saleh")
    # Taken an hour after the start (a place is still free): asked on the next tick.
    at(bot, "2026-05-12T06:00:00+00:00")
    late = await create_assignment(bot.db, shift, 102)
    report = await scheduler.tick(bot.app)
    assert report.checkins_asked == 2  # 101 (window opened) and 102
    texts = {c.chat_id: c.text for c in await bot.flush_outbox() if "Check in" in c.text}
    assert "started at" in texts[102] and "08:00" in texts[102]
    assert (await assignment(bot.db, taken))["checkin_asked_at"] is not None
    # Taken after the end: never asked.
    await create_volunteer(bot.db, 103, full_name="Late Comer")
    at(bot, ENDS)
    too_late = await create_assignment(bot.db, shift, 103)
    assert (await scheduler.tick(bot.app)).checkins_asked == 0
    assert (await assignment(bot.db, too_late))["checkin_asked_at"] is None
    assert (await assignment(bot.db, late))["checkin_asked_at"] is not None


async def test_no_coordinates_checks_in_at_the_press(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot)
    ali = bot.user(101, language_code="en")
    at(bot, CHECKIN_OPENS)
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    at(bot, "2026-05-12T04:50:00+00:00")
    calls = await bot.press(ali, f"att:in:{taken}")
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert answer.text == "Checked in. Thank you!"
    edit = next(c for c in calls if c.method == "editMessageText")
    assert "When you arrive, tap Check in." in edit.text
    assert "You checked in at 07:50" in edit.text and edit.buttons == []
    row = await assignment(bot.db, taken)
    assert row["status"] == "checked_in" and row["checked_in_at"] == "2026-05-12T04:50:00+00:00"
    assert row["checkin_distance_m"] is None
    again = await bot.press(ali, f"att:in:{taken}")
    assert "You have already checked in" in bot.texts(again)
    assert (await assignment(bot.db, taken))["checked_in_at"] == "2026-05-12T04:50:00+00:00"


async def test_outside_the_window_is_refused_clearly(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot)
    ali = bot.user(101, language_code="en")
    at(bot, "2026-05-12T04:00:00+00:00")
    early = await bot.press(ali, f"att:in:{taken}")
    assert "too early to check in" in bot.texts(early) and "07:30" in bot.texts(early)
    at(bot, ENDS)
    ended = await bot.press(ali, f"att:in:{taken}")
    assert "This shift has ended, so check-in is closed." in bot.texts(ended)
    assert (await assignment(bot.db, taken))["status"] == "accepted"


async def test_someone_else_and_stale_places_change_nothing(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot, located=True)
    await create_volunteer(bot.db, 102, locale="en", language_code="en", full_name="Omar Saleh")
    omar = bot.user(102, language_code="en")
    at(bot, STARTS)
    forged = await bot.press(omar, f"att:in:{taken}")
    assert "This button is not meant for you." in bot.texts(forged)
    assert not [c for c in forged if c.method == "sendMessage"]  # no location question
    await bot.location(omar, *QUBA)  # nothing was asked: not taken as a check-in
    assert (await assignment(bot.db, taken))["status"] == "accepted"
    unknown = await bot.press(omar, "att:in:99999")
    assert "no longer active" in bot.texts(unknown)

    # The volunteer cancels the place (late, with a reason), then presses Check in.
    ali = bot.user(101, language_code="en")
    at(bot, "2026-05-12T04:00:00+00:00")
    await bot.press(ali, f"my:can:{taken}")
    await bot.press_label(ali, "I am ill")
    assert (await assignment(bot.db, taken))["status"] == "cancelled"
    at(bot, STARTS)
    stale = await bot.press(ali, f"att:in:{taken}")
    assert "You no longer hold a place on this shift" in bot.texts(stale)
    assert (await assignment(bot.db, taken))["status"] == "cancelled"


async def test_location_inside_the_radius_checks_in_outside_asks_again(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot, located=True)
    ali = bot.user(101, language_code="en")
    at(bot, STARTS)
    calls = await bot.press(ali, f"att:in:{taken}")
    question = next(c for c in calls if c.method == "sendMessage")
    assert "share your location" in question.text and "300 m" in question.text
    assert question.keyboard[0]["request_location"] is True
    assert question.keyboard[1]["text"] == "✖️ Cancel"
    assert (await assignment(bot.db, taken))["status"] == "accepted"

    far = await bot.location(ali, *FAR)
    assert "You seem to be 1.1 km away from" in bot.texts(far)
    assert "within 300 m" in bot.texts(far)
    assert far[-1].keyboard[0]["request_location"] is True  # asked again
    assert (await assignment(bot.db, taken))["status"] == "accepted"

    typed = await bot.text(ali, "I am here")
    assert "Please share your location with the button below" in bot.texts(typed)

    near = await bot.location(ali, *NEAR)
    assert "You checked in at 08:00" in near[-1].text
    assert near[-1].params["reply_markup"] == {"remove_keyboard": True}
    row = await assignment(bot.db, taken)
    assert row["status"] == "checked_in" and row["checked_in_at"] == STARTS
    assert 45 < row["checkin_distance_m"] < 55
    # The flow is over: another location is not taken as anything.
    after = await bot.location(ali, *FAR)
    assert "You seem to be" not in bot.texts(after)


async def test_a_forwarded_location_is_not_accepted(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot, located=True)
    ali = bot.user(101, language_code="en")
    at(bot, STARTS)
    await bot.press(ali, f"att:in:{taken}")
    message = bot._message(ali, location={"latitude": NEAR[0], "longitude": NEAR[1]},
                           forward_origin={"type": "hidden_user", "date": 0,
                                           "sender_user_name": "X"})
    calls = await bot.process({"message": message})
    assert "current location" in bot.texts(calls)
    assert (await assignment(bot.db, taken))["status"] == "accepted"


async def test_cancel_leaves_the_place_unchecked(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot, located=True)
    ali = bot.user(101, language_code="en")
    at(bot, STARTS)
    await bot.press(ali, f"att:in:{taken}")
    calls = await bot.text(ali, "✖️ Cancel")
    assert "you are not checked in" in bot.texts(calls)
    assert calls[-1].params["reply_markup"] == {"remove_keyboard": True}
    await bot.press(ali, f"att:in:{taken}")
    calls = await bot.command(ali, "/cancel")
    assert "you are not checked in" in bot.texts(calls)
    assert (await assignment(bot.db, taken))["status"] == "accepted"


async def test_the_question_survives_a_restart(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot, located=True)
    ali = bot.user(101, language_code="en")
    at(bot, STARTS)
    await bot.press(ali, f"att:in:{taken}")
    bot = await bot.restart(graceful=False)
    calls = await bot.location(ali, *NEAR)
    assert "You checked in at 08:00" in bot.texts(calls)
    assert (await assignment(bot.db, taken))["status"] == "checked_in"


async def test_arabic_texts(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot, locale="ar", located=True)
    ali = bot.user(101, language_code="ar")
    at(bot, CHECKIN_OPENS)
    await scheduler.tick(bot.app)
    prompt = [c for c in await bot.flush_outbox() if c.buttons][-1]
    assert "عند وصولك" in prompt.text
    at(bot, STARTS)
    await bot.press(ali, f"att:in:{taken}")
    far = await bot.location(ali, *FAR)
    assert "كم" in bot.texts(far) and "Quba" in bot.texts(far)


async def test_myshifts_offers_check_in_inside_the_window(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot)
    ali = bot.user(101, language_code="en")
    at(bot, "2026-05-12T04:00:00+00:00")
    calls = await bot.command(ali, "/myshifts")
    assert ("📍 Check in #1", f"att:in:{taken}") not in calls[-1].buttons
    at(bot, CHECKIN_OPENS)
    calls = await bot.command(ali, "/myshifts")
    assert ("📍 Check in #1", f"att:in:{taken}") in calls[-1].buttons
    at(bot, "2026-05-12T06:00:00+00:00")
    calls = await bot.command(ali, "/myshifts")
    assert "In progress" in calls[-1].text
    assert calls[-1].buttons == [("📍 Check in #1", f"att:in:{taken}")]
    await bot.press(ali, f"att:in:{taken}")
    calls = await bot.command(ali, "/myshifts")
    assert "Checked in" in calls[-1].text and calls[-1].buttons == []
