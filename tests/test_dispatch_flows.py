"""Dispatch's short questions beside other flows (DESIGN.md "Three owners"): a decline reason, a
late-cancellation reason and the check-in location, each left for something else and the other
way round; and whether a no-show holds a place (bot/assignments.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot import assignments, db, scheduler
from bot.assignments import Status
from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.factories_attendance import NEAR, STARTS, at, taken_shift
from tests.factories_dispatch import TUESDAY, assignment, assignments_of
from tests.harness import BotHarness

STOPPED_REASON = "I stopped waiting for your answer about the reason."


async def _offered(bot: BotHarness, user_id: int) -> int:
    entity = await create_entity(bot.db, reps=[90])
    await create_volunteer(bot.db, user_id)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    [offer] = await assignments_of(bot.db, shift)
    return int(offer["id"])


async def _late_place(bot: BotHarness, user_id: int) -> int:
    """A place on a shift 6 hours away (cancelling it is late)."""
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(
        bot.db, entity, first_day=date(2026, 5, 10), start=time(15), end=time(19)
    )
    await create_volunteer(bot.db, user_id)
    return await create_assignment(bot.db, shift, user_id)


# -- a decline reason left for something else ----------------------------------------------------


async def test_a_decline_reason_question_left_for_another_command_never_takes_later_text(
    bot: BotHarness,
) -> None:
    offer = await _offered(bot, 311)
    person = bot.user(311, "Huda", "en")
    calls = await bot.press(person, f"off:dec:{offer}")
    question = [c for c in calls if c.method == "sendMessage"][-1]
    assert "Would you tell us why?" in question.text

    calls = await bot.command(person, "/myshifts")
    assert STOPPED_REASON in bot.texts(calls)
    assert [c.method for c in calls].count("editMessageReplyMarkup") == 1  # its buttons are gone

    calls = await bot.text(person, "I am travelling that week")
    assert "did not understand" in bot.texts(calls)
    row = await assignment(bot.db, offer)
    assert row["status"] == "declined" and row["decline_reason"] is None


# -- a late-cancellation reason and /pause, both orders --------------------------------------------


async def test_a_late_cancel_reason_question_interrupted_by_pause_keeps_the_place(
    bot: BotHarness,
) -> None:
    taken = await _late_place(bot, 321)
    person = bot.user(321, "Omar", "en")
    calls = await bot.press(person, f"my:can:{taken}")
    assert "late cancellation" in bot.texts(calls)

    calls = await bot.command(person, "/pause")
    assert STOPPED_REASON in bot.texts(calls)
    assert "Until when should I pause" in calls[-1].text
    calls = await bot.text(person, "2026-06-06")  # the pause date, not a reason
    assert "paused" in bot.texts(calls)

    row = await assignment(bot.db, taken)
    assert row["status"] == "accepted" and row["cancel_reason"] is None and row["late_cancel"] == 0
    volunteer = await bot.db.fetchone("SELECT status FROM volunteers WHERE user_id = 321")
    assert volunteer["status"] == "paused"


async def test_pause_interrupted_by_a_late_cancel_the_reason_is_taken(bot: BotHarness) -> None:
    taken = await _late_place(bot, 331)
    person = bot.user(331, "Zaid", "en")
    await bot.command(person, "/pause")
    calls = await bot.press(person, f"my:can:{taken}")
    assert "I stopped waiting for your answer about the pause date." in bot.texts(calls)
    assert "late cancellation" in bot.texts(calls)

    calls = await bot.text(person, "My car broke down")

    assert "the organisers have been informed" in bot.texts(calls)
    row = await assignment(bot.db, taken)
    assert row["status"] == "cancelled" and row["late_cancel"] == 1
    assert row["cancel_reason"] == "My car broke down"
    volunteer = await bot.db.fetchone("SELECT status FROM volunteers WHERE user_id = 331")
    assert volunteer["status"] == "active"  # the text was not taken as a pause date


async def test_a_sticker_re_asks_the_late_reason(bot: BotHarness) -> None:
    taken = await _late_place(bot, 341)
    person = bot.user(341, "Sara", "en")
    await bot.press(person, f"my:can:{taken}")
    calls = await bot.sticker(person)
    assert "Please type your answer as text." in bot.texts(calls)
    assert "late cancellation" in bot.texts(calls)
    await bot.text(person, "Family matter")
    assert (await assignment(bot.db, taken))["cancel_reason"] == "Family matter"


# -- the check-in location question ----------------------------------------------------------------


async def test_a_check_in_question_left_for_another_command_then_asked_again(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot, located=True)
    ali = bot.user(101, language_code="en")
    at(bot, STARTS)
    await bot.press(ali, f"att:in:{taken}")

    calls = await bot.command(ali, "/myshifts")
    assert "I stopped waiting for your answer about your check-in location." in bot.texts(calls)
    calls = await bot.location(ali, *NEAR)  # nothing asks for it any more
    assert "You checked in" not in bot.texts(calls)
    assert (await assignment(bot.db, taken))["status"] == "accepted"

    await bot.press(ali, f"att:in:{taken}")
    calls = await bot.location(ali, *NEAR)
    assert "You checked in at 08:00" in bot.texts(calls)
    assert (await assignment(bot.db, taken))["status"] == "checked_in"


async def test_a_decline_during_the_check_in_question_takes_the_text(bot: BotHarness) -> None:
    _need, _shift, taken = await taken_shift(bot, located=True)
    entity = await create_entity(bot.db, name_en="Other", name_ar="أخرى")
    _other_need, (other,) = await create_need(bot.db, entity, first_day=date(2026, 5, 20))
    async with bot.db.transaction() as tx:  # an offer for another shift, still open
        offer_id = await db.insert_offer(
            tx, shift_id=other, volunteer_id=101, now=bot.clock.now(),
            expires_at=datetime(2026, 5, 19, tzinfo=UTC),
        )
    assert offer_id is not None
    ali = bot.user(101, language_code="en")
    at(bot, STARTS)
    await bot.press(ali, f"att:in:{taken}")
    calls = await bot.press(ali, f"off:dec:{offer_id}")
    assert "I stopped waiting for your answer about your check-in location." in bot.texts(calls)
    calls = await bot.text(ali, "Exams that week")
    assert "Thank you, noted." in bot.texts(calls)
    assert (await assignment(bot.db, offer_id))["decline_reason"] == "Exams that week"
    assert (await assignment(bot.db, taken))["status"] == "accepted"


# -- does a no-show hold a place? ----------------------------------------------------------------


def test_the_status_sets() -> None:
    assert assignments.holds_place(Status.CHECKED_IN) and assignments.holds_place(Status.ACCEPTED)
    assert not assignments.holds_place(Status.NO_SHOW)
    assert Status.NO_SHOW in assignments.ROSTER and Status.NO_SHOW not in assignments.SERVED
    assert assignments.SERVED <= assignments.HOLDS_PLACE <= assignments.ROSTER
    assert db.status_in(assignments.SERVED) == "('checked_in', 'completed')"
    with pytest.raises(ValueError):
        db.status_in({"accepted", "gone'; DROP TABLE users; --"})


async def test_a_no_show_does_not_hold_a_place_and_a_check_in_does(bot: BotHarness) -> None:
    _need, shift, ali = await taken_shift(bot)  # 3 places
    for user_id in (102, 103):
        await create_volunteer(bot.db, user_id, locale="en", language_code="en")
    omar = await create_assignment(bot.db, shift, 102)
    await create_assignment(bot.db, shift, 103)
    coordinator = bot.user(50, "Coordinator", "en")
    at(bot, "2026-05-12T06:00:00+00:00")  # the shift runs
    await bot.press(coordinator, f"att:p:{ali}:0")  # checked in: still holds the place
    await bot.press(coordinator, f"att:a:{omar}:0")  # absent: the place is not filled
    assert (await assignment(bot.db, ali))["status"] == "checked_in"
    assert (await assignment(bot.db, omar))["status"] == "no_show"

    fill = await db.shift_fill(bot.db, shift, now=bot.clock.now())
    assert fill["accepted"] == 2
    assert (await db.get_shift(bot.db, shift))["accepted"] == 2  # the roster's count agrees
    calls = await bot.press(coordinator, f"sh:r:{shift}:0")
    # Once started, the roster counts who came and who did not (the no-show is listed too).
    assert "3 places: 1 present, 1 not checked in, 1 no-show." in bot.texts(calls)
    # Still on the attendance roster, where the absence can be corrected.
    view = (await bot.press(coordinator, f"att:v:{shift}:0"))[-1]
    assert "absent" in view.text and ("✅ Present #2", f"att:p:{omar}:0") in view.buttons
