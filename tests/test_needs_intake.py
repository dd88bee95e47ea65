"""/need: the intake flow for representatives and coordinators."""

from __future__ import annotations

import json
from datetime import date

from bot import db
from bot.i18n import DateInputError, ngettext, use_locale
from tests.factories import create_entity, create_volunteer
from tests.factories_needs import (
    add_staff,
    answer,
    assert_arabic,
    fill_intake,
    intake_steps,
    tr,
)
from tests.harness import BotHarness


async def test_representative_posts_a_need_and_shifts_are_stored_in_utc(bot: BotHarness) -> None:
    entity_id = await create_entity(bot.db, reps=(601,))
    coordinator = await add_staff(bot, 701, "Khalid", "en")
    rep = bot.user(601, "Rep", "en")

    summary = await fill_intake(bot, rep, languages=("ur", "id"), training=True)
    assert "Guides at Quba Mosque" in summary.text
    assert "Urdu or Indonesian" in summary.text
    assert "maps.google.com/?q=24.439345,39.617226" in summary.text
    assert "It will make 3 shifts" in summary.text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM needs") == 0  # nothing before Submit

    calls = await bot.press(rep, "ni:submit")
    assert "was submitted with 3 shifts" in bot.texts(calls)
    need = await db.get_need(bot.db, 1)
    assert need["entity_id"] == entity_id and need["status"] == "submitted"
    assert (need["title"], need["specialty"], need["site_name"]) == (
        "Guides at Quba Mosque", "guidance", "Quba Mosque, north gate")
    assert (need["latitude"], need["longitude"], need["checkin_radius_m"]) == (24.439345, 39.617226, 300)
    assert (need["first_day"], need["last_day"], need["start_time"], need["end_time"]) == (
        "2026-05-20", "2026-05-22", "08:00", "14:00")
    assert (need["slots"], need["gender"], need["requires_training"], need["min_age"]) == (20, "any", 1, 18)
    assert need["notes"] == "Wear the office vest" and need["created_by"] == 601
    assert await db.need_languages(bot.db, 1) == ["id", "ur"]
    shifts = await bot.db.fetchall("SELECT * FROM shifts WHERE need_id = 1 ORDER BY starts_at")
    # 08:00-14:00 in Madinah (UTC+3) is 05:00-11:00 UTC.
    assert [(s["starts_at"], s["ends_at"], s["slots"]) for s in shifts] == [
        ("2026-05-20T05:00:00+00:00", "2026-05-20T11:00:00+00:00", 20),
        ("2026-05-21T05:00:00+00:00", "2026-05-21T11:00:00+00:00", 20),
        ("2026-05-22T05:00:00+00:00", "2026-05-22T11:00:00+00:00", 20),
    ]
    audit = await bot.db.fetchone("SELECT * FROM audit_log WHERE action = 'need.submit'")
    assert audit["actor_id"] == 601 and audit["target_id"] == "1"
    card = await bot.db.fetchone("SELECT * FROM outbox WHERE dedupe_key = 'needcard:1:701'")
    assert card is not None and card["chat_id"] == coordinator.id
    assert bot.db  # the flow is over: user_data cleaned
    assert "need_intake" not in bot.app.user_data[601]


async def test_coordinator_chooses_the_entity_and_posts_an_overnight_hijri_need(bot: BotHarness) -> None:
    for number in range(10):
        await create_entity(bot.db, name_ar=f"جهة {number}", name_en=f"Entity {number:02d}")
    coordinator = await add_staff(bot, 701, "Khalid", "en")

    calls = await bot.command(coordinator, "/need")
    first_page = [data for _, data in calls[-1].buttons]
    assert "ni:ent:1" in first_page and "ni:entp:8" in first_page and "ni:ent:9" not in first_page
    await bot.press(coordinator, "ni:entp:8")
    assert "ni:ent:10" in [data for _, data in bot.last(coordinator).buttons]

    # 1447-12-01 (Hijri) is 2026-05-18; 22:00-06:00 runs overnight.
    steps = intake_steps(entity_id=10, first="1447-12-01", last="١٤٤٧-١٢-٠٢ هـ", start="10 pm",
                         end="06:00", location=None, languages=(), min_age=None, notes=None)
    for step in steps[1:]:
        await answer(bot, coordinator, step)
    summary = bot.last(coordinator)
    assert "(ends the next day)" in summary.text
    assert "any language" in summary.text and "no minimum" in summary.text
    assert "Location: not given" in summary.text
    await bot.press(coordinator, "ni:submit")

    need = await db.get_need(bot.db, 1)
    assert need["entity_id"] == 10 and need["created_by"] == 701
    assert (need["first_day"], need["last_day"]) == ("2026-05-18", "2026-05-19")
    assert need["latitude"] is None and need["min_age"] is None and need["notes"] is None
    shifts = await bot.db.fetchall("SELECT starts_at, ends_at FROM shifts ORDER BY starts_at")
    assert [tuple(s) for s in shifts] == [
        ("2026-05-18T19:00:00+00:00", "2026-05-19T03:00:00+00:00"),
        ("2026-05-19T19:00:00+00:00", "2026-05-20T03:00:00+00:00"),
    ]


async def test_bad_answers_in_english_get_an_explanation_and_the_question_again(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    await bot.command(rep, "/need")

    async def bad(text_or_step, explanation: str, question: str) -> None:
        calls = await answer(bot, rep, text_or_step)
        sent = calls[-1].text
        assert explanation in sent, sent
        assert question in sent, sent

    title_q = tr("en", "What is the need called? A short title volunteers will see, for example: Guides at Quba Mosque.")
    await bad("ab", "Please type between 3 and 100 characters.", title_q)
    calls = await bot.sticker(rep)
    assert "Please type your answer as text." in calls[-1].text and title_q in calls[-1].text
    await answer(bot, rep, "Guides")
    await bad("gardening", "Please use the buttons below the question.", "Which specialty does it need?")
    await bot.press(rep, "ni:sp:healthcare")
    await answer(bot, rep, "Quba")
    await bad("near the north gate", "Please share a location", "Share the site's location")
    await bot.location(rep, 24.44, 39.62)
    await bad("ten", "Please type a whole number from 50 to 5000, in digits.", "this close to the site")
    await bad("20", "Please type a number from 50 to 5000.", "this close to the site")
    await answer(bot, rep, "250")
    first_q = "What is the first day?"
    await bad("tomorrow", "Please type the date as year-month-day, in Hijri or Gregorian, for example", first_q)
    await bad("2026-02-30", DateInputError("invalid").message(), first_q)
    await bad("2026-05-09", "The first day cannot be in the past.", first_q)
    await bad("2027-06-01", "The first day must be within 366 days from today.", first_q)
    await answer(bot, rep, "2026-05-20")
    last_q = "And the last day?"
    await bad("2026-05-19", "The last day cannot be before the first day (Wednesday", last_q)
    await bad("2026-07-19", "A need can cover at most 60 days.", last_q)
    await answer(bot, rep, "2026-07-18")  # exactly 60 days
    await bad("25:00", DateInputError("time").message(), "At what time does the shift start")
    await answer(bot, rep, "08:00")
    await bad("8 am", "The end time must be different from the start time.", "And at what time does it end?")
    await answer(bot, rep, "16:30")
    slots_q = "How many volunteers are needed in each shift"
    await bad("0", "Please type a number from 1 to 500.", slots_q)
    await bad("501", "Please type a number from 1 to 500.", slots_q)
    await bad("twenty", "Please type a whole number from 1 to 500, in digits.", slots_q)
    await answer(bot, rep, "12")
    await bot.press(rep, "ni:g:female")
    await bad("Klingon", "Please use the buttons below the question.", "Which languages should the volunteers speak?")
    await bot.press(rep, "ni:lgok")
    await bot.press(rep, "ni:tr:0")
    age_q = "What is the minimum age?"
    await bad("14", "Please type a number from 15 to 90.", age_q)
    await bad("91", "Please type a number from 15 to 90.", age_q)
    await answer(bot, rep, "21")
    await bad("x" * 1001, "The notes are too long: at most 1000 characters, please.", "Any notes for the volunteers")
    await answer(bot, rep, "Meet at gate 5")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM needs") == 0
    await bot.press(rep, "ni:submit")
    need = await db.get_need(bot.db, 1)
    assert (need["last_day"], need["slots"], need["gender"], need["min_age"], need["checkin_radius_m"]) == (
        "2026-07-18", 12, "female", 21, 250)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM shifts") == 60


async def test_bad_answers_in_arabic_are_explained_in_arabic(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "مندوب", "ar")
    calls = await bot.command(rep, "/need")
    assert_arabic(calls[-1].text)
    calls = await bot.text(rep, "أ")
    with use_locale("ar"):
        between = ngettext(
            "Please type between {low} and {high} character.", "Please type between {low} and {high} characters.", 100
        )
    assert between.format(low=3, high=100) in calls[-1].text
    assert tr("ar", "What is the need called? A short title volunteers will see, for example: "
                    "Guides at Quba Mosque.") in calls[-1].text
    assert_arabic(calls[-1].text)
    await bot.text(rep, "مرشدون في مسجد قباء")
    await bot.press(rep, "ni:sp:guidance")
    await bot.text(rep, "مسجد قباء")
    await bot.press(rep, "ni:skip")
    calls = await bot.text(rep, "غدا")
    with use_locale("ar"):
        assert DateInputError("format").message() in calls[-1].text
    assert_arabic(calls[-1].text)
    calls = await bot.text(rep, "١٤٤٧-١١-٢٠")  # 20 Dhu al-Qadah 1447: before today
    assert tr("ar", "The first day cannot be in the past. Please type today's date or a later one.") in calls[-1].text
    await bot.text(rep, "١٤٤٧-١٢-٠١")
    await bot.press(rep, "ni:same")
    calls = await bot.text(rep, "٣٠:٦٠")
    with use_locale("ar"):
        assert DateInputError("time").message() in calls[-1].text
    await bot.text(rep, "٨ ص")
    calls = await bot.text(rep, "٨:٠٠")
    assert tr("ar", "The end time must be different from the start time.") in calls[-1].text
    await bot.text(rep, "٢ م")
    calls = await bot.text(rep, "الف")
    assert tr("ar", "Please type a whole number from {low} to {high}, in digits.").format(low=1, high=500) in calls[-1].text
    assert_arabic(calls[-1].text)
    await bot.text(rep, "١٥")
    await bot.press(rep, "ni:g:male")
    await bot.press(rep, "ni:lg:ur")
    await bot.press(rep, "ni:lgok")
    await bot.press(rep, "ni:tr:1")
    await bot.press(rep, "ni:age:none")
    calls = await bot.press(rep, "ni:skip")
    assert_arabic(calls[-1].text)
    await bot.press(rep, "ni:submit")
    need = await db.get_need(bot.db, 1)
    assert (need["first_day"], need["last_day"], need["start_time"], need["end_time"], need["slots"]) == (
        "2026-05-18", "2026-05-18", "08:00", "14:00", 15)
    assert need["title"] == "مرشدون في مسجد قباء"


async def test_edit_from_the_summary_changes_only_that_field(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    await fill_intake(bot, rep)

    await bot.press(rep, "ni:ed:title")
    calls = await bot.text(rep, "Wayfinders at Quba")
    assert "Please check the need" in calls[-1].text and "Wayfinders at Quba" in calls[-1].text

    await bot.press(rep, "ni:ed:dates")
    await bot.text(rep, "2026-05-25")
    calls = await bot.text(rep, "2026-05-24")  # before the new first day
    assert "The last day cannot be before the first day" in calls[-1].text
    calls = await bot.press(rep, "ni:same")
    assert "It will make 1 shift." in calls[-1].text

    await bot.press(rep, "ni:ed:location")
    calls = await bot.press(rep, "ni:skip")  # no location, so no radius question
    assert "Location: not given" in calls[-1].text

    await bot.press(rep, "ni:ed:times")
    await bot.text(rep, "20:00")
    calls = await bot.text(rep, "02:00")
    assert "(ends the next day)" in calls[-1].text

    await bot.press(rep, "ni:ed:languages")
    await bot.press(rep, "ni:lg:ur")  # unselect
    await bot.press(rep, "ni:lg:fr")
    calls = await bot.press(rep, "ni:lgok")
    assert "Languages: French" in calls[-1].text

    calls = await bot.press(rep, "ni:ed:entity")  # a single-entity representative cannot
    assert calls[0].method == "answerCallbackQuery" and "no longer active" in calls[0].text

    await bot.press(rep, "ni:submit")
    need = await db.get_need(bot.db, 1)
    assert (need["title"], need["first_day"], need["last_day"], need["start_time"], need["end_time"]) == (
        "Wayfinders at Quba", "2026-05-25", "2026-05-25", "20:00", "02:00")
    assert need["latitude"] is None
    assert await db.need_languages(bot.db, 1) == ["fr"]
    shift = await bot.db.fetchone("SELECT starts_at, ends_at FROM shifts")
    assert tuple(shift) == ("2026-05-25T17:00:00+00:00", "2026-05-25T23:00:00+00:00")


async def test_cancel_keeps_nothing_and_old_buttons_are_stale(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    await bot.command(rep, "/need")
    await bot.text(rep, "Guides")
    calls = await bot.command(rep, "/cancel")
    assert "Cancelled. The need was not saved." in calls[-1].text
    calls = await bot.press(rep, "ni:sp:guidance")
    assert "no longer active" in calls[-1].text
    await fill_intake(bot, rep)
    calls = await bot.press(rep, "ni:cancel")
    assert "Cancelled. The need was not saved." in bot.texts(calls)
    calls = await bot.press(rep, "ni:submit")
    assert "no longer active" in calls[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM needs") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM shifts") == 0
    assert "need_intake" not in bot.app.user_data.get(601, {})


async def test_intake_survives_a_crash(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    steps = intake_steps()
    for step in steps[:7]:  # up to the first day
        await answer(bot, rep, step)
    assert "And the last day?" in bot.last(rep).text

    bot = await bot.restart(graceful=False)
    try:
        for step in steps[7:]:
            await answer(bot, rep, step)
        calls = await bot.press(rep, "ni:submit")
        assert "was submitted with 3 shifts" in bot.texts(calls)
        need = await db.get_need(bot.db, 1)
        assert (need["title"], need["first_day"], need["last_day"]) == (
            "Guides at Quba Mosque", "2026-05-20", "2026-05-22")
    finally:
        await bot.stop()  # the fixture stops only the harness it started


async def test_who_may_post_needs(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 501)
    volunteer = bot.user(501, "Vol", "en")
    calls = await bot.command(volunteer, "/need")
    assert "only for partner entities' representatives and office staff" in calls[-1].text
    assert "ni:" not in json.dumps([c.params for c in calls])

    inactive = await create_entity(bot.db, name_en="Closed Society", reps=(602,))
    async with bot.db.transaction() as tx:
        await db.set_entity_active(tx, inactive, False, now=bot.clock.now())
    calls = await bot.command(bot.user(602, "Rep", "en"), "/need")
    assert "not active on Aoun" in calls[-1].text

    # A representative removed half-way cannot submit.
    entity_id = await create_entity(bot.db, name_en="Open Society", reps=(603,))
    rep = bot.user(603, "Rep", "en")
    await fill_intake(bot, rep)
    async with bot.db.transaction() as tx:
        await db.remove_entity_member(tx, entity_id, 603, now=bot.clock.now())
    calls = await bot.press(rep, "ni:submit")
    assert calls[0].params.get("show_alert") and "can no longer post" in calls[0].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM needs") == 0

    # A forged entity button: a representative cannot choose another entity.
    other = await create_entity(bot.db, name_en="Other Society", reps=(604,))
    await create_entity(bot.db, name_en="Second of 604", reps=(604,))
    rep604 = bot.user(604, "Rep", "en")
    calls = await bot.command(rep604, "/need")
    assert f"ni:ent:{other}" in [d for _, d in calls[-1].buttons]
    calls = await bot.press(rep604, f"ni:ent:{entity_id}")
    assert "no longer active" in calls[0].text
    assert "Which entity is this need for?" in bot.last(rep604, "sendMessage").text


async def test_submit_on_a_day_that_has_passed_asks_the_dates_again(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    await fill_intake(bot, rep, first="2026-05-11", last="2026-05-12")
    bot.clock.advance(days=2)
    calls = await bot.press(rep, "ni:submit")
    assert "The first day cannot be in the past." in calls[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM needs") == 0
    await bot.text(rep, "2026-05-13")
    await bot.press(rep, "ni:same")
    await bot.press(rep, "ni:submit")
    assert (await db.get_need(bot.db, 1))["first_day"] == "2026-05-13"


async def test_submitted_need_is_one_transaction(bot: BotHarness, monkeypatch) -> None:
    """If anything fails while writing, neither the need nor its shifts nor the cards remain."""
    await create_entity(bot.db, reps=(601,))
    await add_staff(bot, 701, "Khalid", "en")
    rep = bot.user(601, "Rep", "en")
    await fill_intake(bot, rep)
    from bot.notices import needs as need_notices

    async def broken(*args, **kwargs):
        raise RuntimeError("outbox is down")

    monkeypatch.setattr(need_notices, "send_approval_cards", broken)
    calls = await bot.press(rep, "ni:submit")
    assert "something went wrong" in bot.texts(calls)
    for table in ("needs", "shifts", "need_languages", "outbox"):
        assert await bot.db.fetchval(f"SELECT COUNT(*) FROM {table}") == 0
    assert date  # keep the import honest
