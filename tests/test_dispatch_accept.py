"""Answering offers: accept (atomically), decline with a reason, and buttons that went stale."""

from __future__ import annotations

import asyncio
import re
from datetime import time

from bot import scheduler
from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.factories_dispatch import TUESDAY, assignment, assignments_of, outbox
from tests.harness import BotHarness


async def _offered(bot: BotHarness, ids: range, *, slots: int) -> int:
    """A shift offered to `ids` (the first wave), delivered; returns the shift id."""
    entity = await create_entity(bot.db, reps=[90])
    for user_id in ids:
        await create_volunteer(bot.db, user_id)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=slots)
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    return shift


def _button(bot: BotHarness, user_id: int, action: str) -> str:
    for call in reversed(bot.api.sent(user_id)):
        for _label, data in call.buttons:
            if data.startswith(f"off:{action}:"):
                return data
    raise AssertionError(f"no off:{action} button sent to {user_id}")


def _alert(calls: list) -> str:
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers, calls
    return answers[-1].params.get("text", "")


async def test_accepting_takes_the_place_and_closes_the_offer(bot: BotHarness) -> None:
    shift = await _offered(bot, range(101, 103), slots=1)
    ali = bot.user(101)
    offer = bot.api.sent(101)[-1]

    calls = await bot.press(ali, _button(bot, 101, "acc"))

    row = (await assignments_of(bot.db, shift, "accepted"))[0]
    assert row["volunteer_id"] == 101 and row["accepted_at"] and row["confirmed_at"] is None
    assert _alert(calls) == "تم القبول. شكرًا لك!"
    edit = next(c for c in calls if c.method == "editMessageText")
    assert edit.text.startswith(offer.text) and "قبلت هذه المناوبة" in edit.text
    # Accept and Decline are gone; what is left is the shift's calendar file.
    assert [data for _label, data in edit.buttons] == [f"cal:ics:{row['id']}"]
    reminders = await bot.db.fetchall(
        "SELECT lead_seconds, due_at FROM reminders WHERE assignment_id = ? ORDER BY lead_seconds",
        (row["id"],),
    )
    assert [(r["lead_seconds"], r["due_at"]) for r in reminders] == [
        (7200, "2026-05-12T03:00:00+00:00"),
        (86400, "2026-05-11T05:00:00+00:00"),
    ]


async def test_concurrent_accepts_fill_exactly_the_open_slots(make_bot) -> None:
    bot = await make_bot(OVERBOOK_FACTOR="4")
    shift = await _offered(bot, range(201, 209), slots=3)
    assert len(await assignments_of(bot.db, shift, "offered")) == 8
    people = [bot.user(uid) for uid in range(201, 209)]

    await asyncio.gather(*(bot.press(p, _button(bot, p.id, "acc")) for p in people))

    accepted = await assignments_of(bot.db, shift, "accepted")
    waitlisted = await assignments_of(bot.db, shift, "waitlisted")
    assert len(accepted) == 3 and len(waitlisted) == 5
    # Each was told, on their own offer message (concurrent presses share the call record).
    told = {c.chat_id: c.text for c in bot.api.sent(method="editMessageText")}
    winners = {r["volunteer_id"] for r in accepted}
    assert set(told) == set(range(201, 209))
    for user_id, text in told.items():
        if user_id in winners:
            assert "قبلت هذه المناوبة" in text
        else:
            assert "اكتمل عدد هذه المناوبة للتو" in text
    positions = sorted(
        int(re.search(r"قائمة الانتظار هو \u2066(\d+)\u2069", text).group(1))
        for uid, text in told.items() if uid not in winners
    )
    assert positions == [1, 2, 3, 4, 5]


async def test_the_shift_just_filled_puts_the_late_acceptor_on_the_waitlist(bot: BotHarness) -> None:
    shift = await _offered(bot, range(301, 303), slots=1)
    await bot.press(bot.user(301), _button(bot, 301, "acc"))

    calls = await bot.press(bot.user(302), _button(bot, 302, "acc"))

    row = (await assignments_of(bot.db, shift, "waitlisted"))[0]
    assert row["volunteer_id"] == 302 and row["waitlisted_at"]
    edit = next(c for c in calls if c.method == "editMessageText")
    assert "ترتيبك في قائمة الانتظار هو \u20661\u2069" in edit.text
    # Pressing again tells them where they stand and changes nothing.
    again = await bot.press(bot.user(302), _button(bot, 302, "acc"))
    assert "ترتيبك في قائمة الانتظار لهذه المناوبة هو" in _alert(again)
    assert (await assignment(bot.db, row["id"]))["waitlisted_at"] == row["waitlisted_at"]


async def test_decline_then_pick_a_reason(bot: BotHarness) -> None:
    shift = await _offered(bot, range(401, 403), slots=1)
    ali = bot.user(401, language_code="en")

    calls = await bot.press(ali, _button(bot, 401, "dec"))

    row = (await assignments_of(bot.db, shift, "declined"))[0]
    assert row["volunteer_id"] == 401 and row["declined_at"]
    question = [c for c in calls if c.method == "sendMessage"][-1]
    assert "Would you tell us why?" in question.text
    assert [label for label, _ in question.buttons] == [
        "I am busy at that time", "The site is too far for me", "Health reasons",
        "I am travelling", "Skip",
    ]
    await bot.press_label(ali, "too far")
    assert (await assignment(bot.db, row["id"]))["decline_reason"] == "The site is too far for me"
    assert "Thank you, noted." in bot.last(ali).text


async def test_decline_with_a_typed_reason_or_skip(bot: BotHarness) -> None:
    shift = await _offered(bot, range(451, 454), slots=2)
    ali, omar = bot.user(451, language_code="en"), bot.user(452, language_code="en")
    await bot.press(ali, _button(bot, 451, "dec"))
    await bot.text(ali, "  I have   an exam that day ")
    assert "Thank you, noted." in bot.last(ali).text
    # The conversation is over: the next text is not a reason.
    calls = await bot.text(ali, "hello")
    assert "did not understand" in bot.texts(calls)

    await bot.press(omar, _button(bot, 452, "dec"))
    await bot.press_label(omar, "Skip")
    reasons = {r["volunteer_id"]: r["decline_reason"] for r in await assignments_of(bot.db, shift)}
    assert reasons[451] == "I have an exam that day" and reasons[452] is None


async def test_a_reason_typed_long_after_the_question_is_not_taken(bot: BotHarness) -> None:
    shift = await _offered(bot, range(481, 482), slots=1)
    ali = bot.user(481, language_code="en")
    await bot.press(ali, _button(bot, 481, "dec"))
    bot.clock.advance(hours=2)

    calls = await bot.text(ali, "random words")

    assert "did not understand" in bot.texts(calls)
    assert (await assignments_of(bot.db, shift))[0]["decline_reason"] is None


async def test_stale_offer_buttons_get_a_clear_answer_and_change_nothing(bot: BotHarness) -> None:
    shift = await _offered(bot, range(501, 504), slots=2)
    before = await assignments_of(bot.db, shift)

    # Expired (the tick has not run yet) ...
    bot.clock.advance(hours=3)
    calls = await bot.press(bot.user(501), _button(bot, 501, "acc"))
    assert _alert(calls) == "انتهت مهلة هذا العرض."
    # ... and after the tick marked it expired.
    await scheduler.tick(bot.app)
    calls = await bot.press(bot.user(501), _button(bot, 501, "dec"))
    assert _alert(calls) == "انتهت مهلة هذا العرض."
    assert (await assignment(bot.db, before[0]["id"]))["status"] == "expired"
    assert not [c for c in calls if c.method in ("sendMessage", "editMessageText")]


async def test_someone_elses_offer_is_refused(bot: BotHarness) -> None:
    shift = await _offered(bot, range(601, 603), slots=1)
    theirs = _button(bot, 602, "acc")
    intruder = bot.user(601)

    for data in (theirs, theirs.replace("acc", "dec")):
        calls = await bot.press(intruder, data)
        assert _alert(calls) == "هذا الزر ليس موجّهًا إليك."
    assert {r["status"] for r in await assignments_of(bot.db, shift)} == {"offered"}
    # A made-up id.
    calls = await bot.press(intruder, "off:acc:999999")
    assert _alert(calls) == "هذا الزر لم يعد صالحًا."


async def test_offer_for_a_cancelled_shift(bot: BotHarness) -> None:
    shift = await _offered(bot, range(701, 702), slots=1)
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE shifts SET status = 'cancelled' WHERE id = ?", (shift,))

    calls = await bot.press(bot.user(701), _button(bot, 701, "acc"))

    assert _alert(calls) == "ألغى المنظمون هذه المناوبة أو أغلقوها."
    assert (await assignments_of(bot.db, shift))[0]["status"] == "offered"


async def test_offer_buttons_still_work_after_a_restart(bot: BotHarness) -> None:
    shift = await _offered(bot, range(801, 803), slots=1)
    data = _button(bot, 801, "acc")
    stale = _button(bot, 802, "acc")
    bot = await bot.restart(graceful=False)

    calls = await bot.press(bot.user(801), data)
    assert _alert(calls) == "تم القبول. شكرًا لك!"
    assert (await assignments_of(bot.db, shift, "accepted"))[0]["volunteer_id"] == 801

    bot.clock.advance(hours=4)
    bot = await bot.restart(graceful=False)
    await scheduler.tick(bot.app)
    calls = await bot.press(bot.user(802), stale)
    assert _alert(calls) == "انتهت مهلة هذا العرض."
    await bot.stop()  # the fixture stops only the first process


async def test_accepting_is_refused_when_it_would_clash_with_another_shift(bot: BotHarness) -> None:
    shift = await _offered(bot, range(901, 902), slots=1)
    entity = await create_entity(bot.db, name_en="Other", name_ar="أخرى")
    _need, (other,) = await create_need(
        bot.db, entity, first_day=TUESDAY, start=time(13), end=time(15), site_name="Uhud"
    )
    await create_assignment(bot.db, other, 901)  # accepted meanwhile, e.g. from /shifts

    calls = await bot.press(bot.user(901), _button(bot, 901, "acc"))

    assert _alert(calls) == "لديك مناوبة أخرى في الوقت نفسه."
    assert (await assignments_of(bot.db, shift))[0]["status"] == "offered"


async def test_accepting_while_paused_is_refused(bot: BotHarness) -> None:
    shift = await _offered(bot, range(951, 952), slots=1)
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE volunteers SET status = 'paused' WHERE user_id = 951")

    calls = await bot.press(bot.user(951, language_code="en"), _button(bot, 951, "acc"))

    assert "paused" in _alert(calls)
    assert (await assignments_of(bot.db, shift))[0]["status"] == "offered"
    assert await outbox(bot.db, "rem:") == []


async def test_someone_elses_decline_reason_is_refused(bot: BotHarness) -> None:
    shift = await _offered(bot, range(1001, 1003), slots=1)
    await bot.press(bot.user(1002), _button(bot, 1002, "dec"))
    theirs = (await assignments_of(bot.db, shift, "declined"))[0]["id"]

    calls = await bot.press(bot.user(1001), f"off:rsn:{theirs}:far")

    assert _alert(calls) == "هذا الزر ليس موجّهًا إليك."
    assert (await assignment(bot.db, theirs))["decline_reason"] is None
    calls = await bot.press(bot.user(1002), f"off:rsn:{theirs}:nonsense")
    assert _alert(calls) == "هذا الزر لم يعد صالحًا."


async def test_an_offer_for_a_shift_cancelled_meanwhile_expires_saying_so(bot: BotHarness) -> None:
    shift = await _offered(bot, range(1101, 1102), slots=1)
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE shifts SET status = 'cancelled' WHERE id = ?", (shift,))
    bot.clock.advance(hours=3)

    await scheduler.tick(bot.app)
    [edit] = await bot.flush_outbox()

    assert edit.method == "editMessageText"
    assert "🚫 ألغى المنظمون هذه المناوبة أو أغلقوها." in edit.text


async def test_the_reason_question_survives_a_restart(bot: BotHarness) -> None:
    shift = await _offered(bot, range(1201, 1202), slots=1)
    ali = bot.user(1201, language_code="en")
    await bot.press(ali, _button(bot, 1201, "dec"))

    bot = await bot.restart(graceful=False)
    await bot.text(ali, "Exams this week")

    assert (await assignments_of(bot.db, shift))[0]["decline_reason"] == "Exams this week"
    assert "Thank you, noted." in bot.last(ali).text
    await bot.stop()
