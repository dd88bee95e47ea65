"""Waves of offers from the scheduler tick: who is asked, what they read, expiry and refills."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot import scheduler
from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.factories_dispatch import (
    TUESDAY,
    assignments_of,
    locate_need,
    offered_ids,
    outbox,
    payload,
    served,
)
from tests.harness import BotHarness


async def _volunteers(bot: BotHarness, ids: range, **kwargs: object) -> None:
    for user_id in ids:
        await create_volunteer(bot.db, user_id, **kwargs)


async def test_first_wave_offers_open_slots_times_overbook_to_the_best_ranked(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await _volunteers(bot, range(201, 211))
    # 201-204 served recently (ranked last), 205 missed a shift; the rest are fresh.
    for user_id in (201, 202, 203, 204):
        await served(bot.db, entity, user_id, day=date(2026, 5, 1), hours=4)
    await served(bot.db, entity, 205, day=date(2026, 4, 20), hours=1, status="no_show")
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=2)

    report = await scheduler.tick(bot.app)

    assert report.offers_made == 3  # ceil(2 x 1.5)
    assert sorted(await offered_ids(bot.db, shift)) == [206, 207, 208]
    calls = await bot.flush_outbox()
    assert sorted(c.chat_id for c in calls) == [206, 207, 208]
    offer = next(c for c in calls if c.chat_id == 206)
    assignment_id = (await assignments_of(bot.db, shift, "offered"))[0]["id"]
    assert offer.buttons == [
        ("✅ قبول", f"off:acc:{assignment_id}"),
        ("❌ اعتذار", f"off:dec:{assignment_id}"),
    ]
    text = offer.text
    assert "جمعية هدية الحاج والمعتمر" in text  # the entity, in the reader's language
    assert "الإرشاد المكاني" in text  # specialty "guidance"
    assert "Quba Mosque" in text
    assert "25 ذو القعدة 1447" in text and "12 مايو 2026" in text  # Hijri and Gregorian
    assert "08:00" in text and "14:00" in text


async def test_offer_in_english_with_the_site_on_a_map(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 301, locale="en")
    need, (_shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await locate_need(bot.db, need, 24.4393, 39.6172)

    await scheduler.tick(bot.app)
    calls = await bot.flush_outbox()

    assert [c.method for c in calls] == ["sendVenue", "sendMessage"]
    venue, offer = calls
    assert venue.params["latitude"] == 24.4393 and venue.params["title"] == "Quba Mosque"
    assert venue.params["address"] == "Hadiyat Al-Haj Society"
    assert "Hadiyat Al-Haj Society" in offer.text
    assert "Wayfinding" in offer.text
    assert "Tuesday 25 Dhu al-Qadah 1447 AH (12 May 2026)" in offer.text
    assert "08:00–14:00" in offer.text
    assert "Meet at gate 5" in offer.text
    assert "Please answer by Sunday 23 Dhu al-Qadah 1447 AH (10 May 2026), 12:00" in offer.text
    assert [label for label, _ in offer.buttons] == ["✅ Accept", "❌ Decline"]


async def test_a_tick_run_twice_sends_nothing_twice(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await _volunteers(bot, range(401, 411))
    await create_need(bot.db, entity, first_day=TUESDAY, slots=3)

    first = await scheduler.tick(bot.app)
    second = await scheduler.tick(bot.app)
    calls = await bot.flush_outbox()

    assert first.offers_made == 5 and not second.busy()
    assert len(calls) == 5 and len({c.chat_id for c in calls}) == 5
    assert await bot.flush_outbox() == []


async def test_expired_offers_are_edited_and_the_next_wave_goes_to_the_next_best(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await _volunteers(bot, range(501, 506))
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await scheduler.tick(bot.app)
    first_wave = await bot.flush_outbox()
    assert sorted(c.chat_id for c in first_wave) == [501, 502]
    message_id = bot.api.sent(501)[-1]
    sent_id = (await outbox(bot.db, "offer:"))[0]["message_id"]

    bot.clock.advance(hours=3)
    report = await scheduler.tick(bot.app)
    calls = await bot.flush_outbox()

    assert report.expired_offers == 2 and report.offers_made == 2
    edits = [c for c in calls if c.method == "editMessageText"]
    assert sorted(c.chat_id for c in edits) == [501, 502]
    edit = next(c for c in edits if c.chat_id == 501)
    assert edit.params["message_id"] == sent_id
    assert edit.text.startswith(message_id.text)  # the offer, then why it is closed
    assert "انتهت مهلة هذا العرض" in edit.text
    assert "reply_markup" not in edit.params  # no more buttons
    assert sorted(c.chat_id for c in calls if c.method == "sendMessage") == [503, 504]
    statuses = {r["volunteer_id"]: r["status"] for r in await assignments_of(bot.db, shift)}
    assert statuses == {501: "expired", 502: "expired", 503: "offered", 504: "offered"}


async def test_an_offer_expiring_before_it_was_sent_is_withdrawn(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 601)
    need, (_shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await locate_need(bot.db, need, 24.4, 39.6)
    await scheduler.tick(bot.app)  # enqueued, never delivered (say Telegram was unreachable)

    bot.clock.advance(hours=3, minutes=1)
    await scheduler.tick(bot.app)

    rows = await outbox(bot.db, "offer:")
    assert {r["status"] for r in rows} == {"cancelled"}  # the venue and the offer
    assert len(rows) == 2
    assert await bot.flush_outbox() == []


async def test_offers_never_outlive_the_shift_and_stop_close_to_the_start(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await _volunteers(bot, range(701, 705))
    now = bot.clock.now()
    # Starts in 2 hours (11:00 local): the offer expires at the start, not 3 hours later.
    _need, (soon,) = await create_need(
        bot.db, entity, first_day=date(2026, 5, 10), start=time(11), end=time(13), slots=1
    )
    # Starts in 20 minutes: too late for new offers.
    _need, (too_soon,) = await create_need(
        bot.db, entity, first_day=date(2026, 5, 10), start=time(9, 20), end=time(10), slots=1
    )
    await scheduler.tick(bot.app)

    offers = await assignments_of(bot.db, soon, "offered")
    assert len(offers) == 2
    assert {r["expires_at"] for r in offers} == {"2026-05-10T08:00:00+00:00"}
    assert (now + timedelta(hours=2)).isoformat() == "2026-05-10T08:00:00+00:00"
    assert await assignments_of(bot.db, too_soon) == []


async def test_only_shifts_within_the_horizon_are_offered(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 801)
    _need, (far,) = await create_need(bot.db, entity, first_day=date(2026, 5, 26), slots=1)

    await scheduler.tick(bot.app)
    assert await assignments_of(bot.db, far) == []

    bot.clock.advance(days=2)
    await scheduler.tick(bot.app)
    assert await offered_ids(bot.db, far) == [801]


async def test_no_offers_for_full_unapproved_or_cancelled_shifts(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await _volunteers(bot, range(901, 905))
    _need, (full,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await create_assignment(bot.db, full, 901)
    _need, (submitted,) = await create_need(bot.db, entity, first_day=TUESDAY, status="submitted")
    _need, (cancelled,) = await create_need(bot.db, entity, first_day=TUESDAY)
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE shifts SET status = 'cancelled' WHERE id = ?", (cancelled,))

    report = await scheduler.tick(bot.app)

    assert report.offers_made == 0
    for shift in (submitted, cancelled):
        assert await assignments_of(bot.db, shift) == []


async def test_a_volunteer_is_not_offered_two_overlapping_shifts_in_one_wave(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 1001)
    _need, (first,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    _need, (second,) = await create_need(
        bot.db, entity, first_day=TUESDAY, start=time(12), end=time(16), slots=1, site_name="Uhud"
    )

    await scheduler.tick(bot.app)

    assert await offered_ids(bot.db, first) == [1001]
    assert await offered_ids(bot.db, second) == []


async def test_declines_make_room_for_the_next_wave(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await _volunteers(bot, range(1101, 1105))
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await scheduler.tick(bot.app)
    await bot.flush_outbox()

    await bot.press(bot.user(1101), next(d for _, d in bot.last(1101).buttons if "dec" in d))
    await scheduler.tick(bot.app)

    statuses = {r["volunteer_id"]: r["status"] for r in await assignments_of(bot.db, shift)}
    assert statuses == {1101: "declined", 1102: "offered", 1103: "offered"}
    assert payload((await outbox(bot.db, "offer:"))[-1])["reply_markup"]
