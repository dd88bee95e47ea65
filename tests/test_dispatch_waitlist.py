"""The waitlist: a freed place goes to the first waiting, who must confirm in time, else the next."""

from __future__ import annotations

from bot import db, scheduler
from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.factories_dispatch import TUESDAY, assignment, assignments_of, outbox, payload
from tests.harness import BotHarness


async def waitlist(bot: BotHarness, shift_id: int, user_id: int, seq: int) -> int:
    await create_volunteer(bot.db, user_id)
    async with bot.db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO assignments (shift_id, volunteer_id, status, waitlisted_at, waitlist_seq)"
            " VALUES (?, ?, 'waitlisted', ?, ?)",
            (shift_id, user_id, db.ts(bot.clock.now()), seq),
        )
        return int(cursor.lastrowid)


async def _full_shift_with_waitlist(bot: BotHarness) -> tuple[int, int, int, int]:
    """A one-place shift held by 101, with 102 then 103 waiting; returns (shift, a101, a102, a103)."""
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await create_volunteer(bot.db, 101)
    holder = await create_assignment(bot.db, shift, 101)
    first = await waitlist(bot, shift, 102, 1)
    second = await waitlist(bot, shift, 103, 2)
    return shift, holder, first, second


async def _cancel_from_myshifts(bot: BotHarness, user_id: int) -> None:
    person = bot.user(user_id)
    await bot.command(person, "/myshifts")
    await bot.press_label(person, "إلغاء المناوبة 1")
    await bot.press_label(person, "نعم، إلغاء")


async def test_a_cancellation_offers_the_place_to_the_first_waiting(bot: BotHarness) -> None:
    _shift, holder, first, second = await _full_shift_with_waitlist(bot)

    await _cancel_from_myshifts(bot, 101)

    assert (await assignment(bot.db, holder))["status"] == "cancelled"
    promoted = await assignment(bot.db, first)
    assert promoted["status"] == "offered" and promoted["promoted_at"]
    assert promoted["expires_at"] == "2026-05-10T06:30:00+00:00"  # WAITLIST_CONFIRM_TTL 30 min
    assert (await assignment(bot.db, second))["status"] == "waitlisted"
    calls = await bot.flush_outbox()
    message = next(c for c in calls if c.chat_id == 102)
    assert "شغر مكان في مناوبة أنت في قائمة انتظارها" in message.text
    assert "خلال 30 دقيقة" in message.text
    assert message.buttons[0] == ("✅ قبول", f"off:acc:{first}")
    assert not [c for c in calls if c.chat_id == 103]

    await bot.press(bot.user(102), f"off:acc:{first}")
    assert (await assignment(bot.db, first))["status"] == "accepted"
    # The wave does not offer the shift again: it is full.
    assert (await scheduler.tick(bot.app)).offers_made == 0


async def test_an_unconfirmed_promotion_passes_to_the_next_waiting(bot: BotHarness) -> None:
    _shift, _holder, first, second = await _full_shift_with_waitlist(bot)
    await _cancel_from_myshifts(bot, 101)
    await bot.flush_outbox()

    bot.clock.advance(minutes=31)
    report = await scheduler.tick(bot.app)
    calls = await bot.flush_outbox()

    assert report.expired_holds == 1 and report.promoted == 1 and report.offers_made == 0
    assert (await assignment(bot.db, first))["status"] == "expired"
    assert (await assignment(bot.db, second))["status"] == "offered"
    edit = next(c for c in calls if c.method == "editMessageText")
    assert edit.chat_id == 102 and "انتهت مهلة التأكيد" in edit.text
    assert any(c.chat_id == 103 and c.buttons for c in calls)
    # The late press of the first gets a clear answer.
    late = await bot.press(bot.user(102), f"off:acc:{first}")
    assert "انتهت مهلة هذا العرض" in bot.texts(late)


async def test_a_declined_promotion_passes_to_the_next_at_once(bot: BotHarness) -> None:
    _shift, _holder, first, second = await _full_shift_with_waitlist(bot)
    await _cancel_from_myshifts(bot, 101)

    await bot.press(bot.user(102), f"off:dec:{first}")

    assert (await assignment(bot.db, first))["status"] == "declined"
    assert (await assignment(bot.db, second))["status"] == "offered"
    assert [r["chat_id"] for r in await outbox(bot.db, "promo:")] == [102, 103]


async def test_a_held_place_is_not_taken_by_someone_else_accepting(bot: BotHarness) -> None:
    shift, _holder, first, _second = await _full_shift_with_waitlist(bot)
    await create_volunteer(bot.db, 104)
    async with bot.db.transaction() as tx:
        other = await db.insert_offer(
            tx, shift_id=shift, volunteer_id=104, now=bot.clock.now(),
            expires_at=bot.clock.now().replace(hour=9),
        )
    await _cancel_from_myshifts(bot, 101)

    await bot.press(bot.user(104), f"off:acc:{other}")
    await bot.press(bot.user(102), f"off:acc:{first}")

    assert (await assignment(bot.db, other))["status"] == "waitlisted"
    assert (await assignment(bot.db, first))["status"] == "accepted"


async def test_without_a_waitlist_the_next_wave_refills_a_cancelled_place(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await create_volunteer(bot.db, 201)
    await create_volunteer(bot.db, 202)
    await create_assignment(bot.db, shift, 201)
    assert (await scheduler.tick(bot.app)).offers_made == 0

    await _cancel_from_myshifts(bot, 201)
    report = await scheduler.tick(bot.app)

    assert report.offers_made == 1
    assert [r["volunteer_id"] for r in await assignments_of(bot.db, shift, "offered")] == [202]
    assert payload((await outbox(bot.db, "offer:"))[0])["reply_markup"]


async def test_leaving_the_waitlist(bot: BotHarness) -> None:
    _shift, holder, first, second = await _full_shift_with_waitlist(bot)
    person = bot.user(102)

    await bot.command(person, "/myshifts")
    assert "في قائمة الانتظار: رقم \u20661\u2069" in bot.last(person).text
    await bot.press_label(person, "مغادرة قائمة الانتظار")
    await bot.press_label(person, "نعم، إلغاء")

    left = await assignment(bot.db, first)
    assert left["status"] == "cancelled" and left["late_cancel"] == 0
    assert (await assignment(bot.db, holder))["status"] == "accepted"
    assert (await assignment(bot.db, second))["status"] == "waitlisted"
    assert await db.waitlist_position(bot.db, second) == 1
    assert await outbox(bot.db, "promo:") == []
