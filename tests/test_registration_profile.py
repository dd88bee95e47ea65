"""/profile and its edits, /pause and /resume, /delete_me, and the /start greeting of volunteers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot import db
from tests.factories import RIYADH, create_assignment, create_entity, create_need, create_volunteer
from tests.factories_registration import (
    alerts,
    child_rows,
    message_ids_with,
    volunteer_row,
    walk_registration,
)
from tests.harness import BotHarness

STALE = "This button is no longer active."
PAUSE_QUESTION = "Until when should I pause your shift offers?"


async def registered(bot: BotHarness, user_id: int = 401, **kwargs):  # type: ignore[no-untyped-def]
    await create_volunteer(
        bot.db, user_id, full_name="Yusuf Ibrahim Alharbi", phone="+966501234567",
        languages=("ar", "ur"), specialties=("guidance", "relief"), language_code="en", **kwargs,
    )
    return bot.user(user_id, "Yusuf", "en")


# -- /profile ----------------------------------------------------------------------------------------


async def test_profile_of_someone_not_registered(bot: BotHarness) -> None:
    nobody = bot.user(400, "Nobody", "en")
    calls = await bot.command(nobody, "/profile")
    assert calls[0].text == "You have not registered as a volunteer yet. Send /register to begin."
    assert calls[0].buttons == []


async def test_profile_shows_everything_with_edit_buttons(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    calls = await bot.command(yusuf, "/profile")
    text = calls[0].text
    assert "Status: ✅ Active" in text
    assert "Name: Yusuf Ibrahim Alharbi" in text
    assert "Phone: +966501234567 (confirmed by Telegram)" in text
    assert "Date of birth: Sunday 30 Rajab 1415 AH (1 January 1995)" in text
    assert "Languages: Arabic and Urdu" in text
    assert "Specialties: Wayfinding and Relief" in text
    assert "Availability: Any time" in text
    assert "Service: 0 shifts completed (0 hours)" in text
    assert [data for _label, data in calls[0].buttons] == [
        "prof:e:nm", "prof:e:ph", "prof:e:gd", "prof:e:bd", "prof:e:ct",
        "prof:e:lg", "prof:e:sp", "prof:e:av", "prof:e:ss",
    ]


async def test_profile_in_arabic_is_isolated_right_to_left(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 402, full_name="John Smith Carter", phone="+966501234567")
    john = bot.user(402, "John", "ar")
    calls = await bot.command(john, "/profile")
    text = calls[0].text
    assert "الحالة: ✅ نشط" in text
    assert "الاسم: \u2068John Smith Carter\u2069" in text
    assert "الجوال: \u2066+966501234567\u2069 (موثّق عبر تيليجرام)" in text
    assert ("✏️ الاسم", "prof:e:nm") in calls[0].buttons


# -- editing from /profile ---------------------------------------------------------------------------


async def test_edit_the_name_with_the_registration_question(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/profile")
    calls = await bot.press(yusuf, "prof:e:nm")
    assert "What is your full name?" in bot.texts(calls)
    calls = await bot.text(yusuf, "Yusuf 2")
    assert "letters only" in calls[0].text and "What is your full name?" in calls[0].text
    bot.clock.advance(hours=1)
    calls = await bot.text(yusuf, "Yusuf Ibrahim Al-Madani")
    assert "✅ Name: Yusuf Ibrahim Al-Madani" in calls[0].text
    assert "Saved." in calls[0].text and "Name: Yusuf Ibrahim Al-Madani" in calls[0].text
    assert ("✏️ Name", "prof:e:nm") in calls[0].buttons
    row = await volunteer_row(bot, yusuf.id)
    assert row["full_name"] == "Yusuf Ibrahim Al-Madani"
    assert row["search_name"] == "yusuf ibrahim al-madani"
    assert row["updated_at"] == db.ts(bot.clock.now())
    assert row["status"] == "active"
    assert "pe" not in bot.app.user_data[yusuf.id]
    calls = await bot.text(yusuf, "Another Name Here")  # the edit is over
    assert "did not understand" in calls[0].text


async def test_edit_languages_starts_from_the_stored_choice(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/profile")
    calls = await bot.press(yusuf, "prof:e:lg")
    question = calls[-1]
    assert ("✅ Arabic", "pe:lg:ar") in question.buttons and ("✅ Urdu", "pe:lg:ur") in question.buttons
    await bot.press(yusuf, "pe:lg:ar")
    await bot.press(yusuf, "pe:lg:ur")
    calls = await bot.press(yusuf, "pe:lg:done")
    assert alerts(calls) == ["Please choose at least one language."]
    assert (await child_rows(bot, yusuf.id))["languages"] == ["ar", "ur"]  # untouched meanwhile
    await bot.press(yusuf, "pe:lg:id")
    calls = await bot.press(yusuf, "pe:lg:done")
    assert "Saved." in bot.texts(calls)
    assert (await child_rows(bot, yusuf.id))["languages"] == ["id"]
    assert (await child_rows(bot, yusuf.id))["specialties"] == ["guidance", "relief"]


async def test_edit_phone_by_contact_or_typing(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/profile")
    await bot.press(yusuf, "prof:e:ph")
    calls = await bot.contact(yusuf, "966551112222", owner_id=12345)
    assert "That contact is not yours" in calls[0].text
    calls = await bot.text(yusuf, "0551112222")
    assert calls[0].params["reply_markup"] == {"remove_keyboard": True}
    row = await volunteer_row(bot, yusuf.id)
    assert row["phone"] == "+966551112222" and row["phone_verified"] == 0
    await bot.press(yusuf, "prof:e:ph")
    await bot.contact(yusuf, "+966551112222")
    assert (await volunteer_row(bot, yusuf.id))["phone_verified"] == 1


async def test_edit_season_and_availability(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/profile")
    await bot.press(yusuf, "prof:e:ss")
    await bot.text(yusuf, "1447-12-01")
    calls = await bot.text(yusuf, "1447-12-13")
    assert "Saved." in bot.texts(calls)
    row = await volunteer_row(bot, yusuf.id)
    assert (row["available_from"], row["available_until"]) == ("2026-05-18", "2026-05-30")
    await bot.press(yusuf, "prof:e:ss")
    await bot.press(yusuf, "pe:sf:none")
    row = await volunteer_row(bot, yusuf.id)
    assert (row["available_from"], row["available_until"]) == (None, None)

    await bot.press(yusuf, "prof:e:av")
    question = bot.last(yusuf)
    assert ("✅ Morning (06-12)", "pe:av:p:morning") in question.buttons
    for period in ("morning", "afternoon", "night"):
        await bot.press(yusuf, f"pe:av:p:{period}")  # untick, leaving the evening
    for day in (0, 1, 2, 3, 5, 6):
        await bot.press(yusuf, f"pe:av:d:{day}")  # untick, leaving Friday
    calls = await bot.press(yusuf, "pe:av:done")
    assert "Availability: Evening (17-22) on Fri" in bot.texts(calls)
    assert (await child_rows(bot, yusuf.id))["availability"] == [(4, "evening")]


async def test_cancel_an_edit_changes_nothing(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/profile")
    await bot.press(yusuf, "prof:e:sp")
    await bot.press(yusuf, "pe:sp:guidance")  # untick, not saved yet
    calls = await bot.command(yusuf, "/cancel")
    assert calls[0].text == "Cancelled. Your profile was not changed."
    assert (await child_rows(bot, yusuf.id))["specialties"] == ["guidance", "relief"]
    calls = await bot.press(yusuf, "pe:sp:done")  # a button of the cancelled edit
    assert alerts(calls) == [STALE]


async def test_another_edit_button_switches_field(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/profile")
    await bot.press(yusuf, "prof:e:nm")
    calls = await bot.press(yusuf, "prof:e:gd")
    assert "Are you male or female?" in bot.texts(calls)
    await bot.press(yusuf, "pe:gd:female")
    row = await volunteer_row(bot, yusuf.id)
    assert row["gender"] == "female" and row["full_name"] == "Yusuf Ibrahim Alharbi"


async def test_edit_buttons_of_someone_without_a_profile(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/profile")
    await bot.command(yusuf, "/delete_me")
    await bot.press(yusuf, "del:yes")
    calls = await bot.press(yusuf, "prof:e:nm")
    assert alerts(calls) == [STALE]
    assert (await volunteer_row(bot, yusuf.id))["full_name"] is None


async def test_leaving_an_edit_for_pause_hands_the_answers_to_pause(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/profile")
    await bot.press(yusuf, "prof:e:nm")  # then changes their mind
    await bot.command(yusuf, "/pause")
    calls = await bot.text(yusuf, "2026-06-01")
    assert "Your shift offers are paused" in calls[0].text
    row = await volunteer_row(bot, yusuf.id)
    assert row["status"] == "paused" and row["full_name"] == "Yusuf Ibrahim Alharbi"
    await bot.press(yusuf, "prof:e:nm")  # and the other way round
    await bot.command(yusuf, "/pause")
    await bot.press(yusuf, "prof:e:ct")
    calls = await bot.text(yusuf, "Yanbu")
    assert "Saved." in calls[0].text
    assert (await volunteer_row(bot, yusuf.id))["city"] == "Yanbu"


# -- /pause and /resume -----------------------------------------------------------------------------


async def test_pause_until_resume_then_resume(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    calls = await bot.command(yusuf, "/pause")
    assert PAUSE_QUESTION in calls[0].text
    calls = await bot.press(yusuf, "pz:ever")
    assert "paused until you send /resume" in bot.texts(calls)
    row = await volunteer_row(bot, yusuf.id)
    assert row["status"] == "paused" and row["paused_until"] is None
    calls = await bot.command(yusuf, "/start")
    assert "Paused until you send /resume" in calls[0].text
    calls = await bot.command(yusuf, "/profile")
    assert "Status: ⏸ Paused until you send /resume" in calls[0].text
    calls = await bot.command(yusuf, "/resume")
    assert calls[0].text == "▶ Welcome back! You will receive shift offers again."
    assert (await volunteer_row(bot, yusuf.id))["status"] == "active"
    calls = await bot.command(yusuf, "/resume")
    assert "not paused" in calls[0].text


async def test_pause_until_a_hijri_date_and_bad_dates(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/pause")
    first_question = message_ids_with(bot, yusuf, "pz:ever")[-1]
    for typed, explanation in {
        "next week": "as year-month-day",
        "2026-05-10": "Please type a date after today.",  # today
        "2026-05-01": "Please type a date after today.",
    }.items():
        calls = await bot.text(yusuf, typed)
        assert explanation in calls[0].text and PAUSE_QUESTION in calls[0].text, typed
    calls = await bot.sticker(yusuf)
    assert "Please type a date, or tap a button below." in calls[0].text
    calls = await bot.press(yusuf, "pz:ever", message_id=first_question)
    assert alerts(calls) == [STALE]
    assert (await volunteer_row(bot, yusuf.id))["status"] == "active"
    calls = await bot.text(yusuf, "1447-12-20 هـ")
    assert "They start again on Saturday 20 Dhu al-Hijjah 1447 AH (6 June 2026)" in calls[0].text
    row = await volunteer_row(bot, yusuf.id)
    assert row["status"] == "paused"
    assert row["paused_until"] == db.ts(datetime.combine(date(2026, 6, 6), time(0), RIYADH))
    calls = await bot.command(yusuf, "/profile")
    assert "Status: ⏸ Paused: offers resume on Saturday 20 Dhu al-Hijjah 1447 AH (6 June 2026)" in calls[0].text


async def test_a_pause_that_ran_out_counts_as_active(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    other = await registered(bot, 403)
    await bot.command(yusuf, "/pause")
    await bot.text(yusuf, "2026-05-12")
    await bot.command(other, "/pause")
    await bot.press(other, "pz:ever")

    async def offerable() -> list[int]:
        rows = await bot.db.fetchall(
            f"SELECT user_id FROM volunteers v WHERE {db.active_volunteer_clause('v')} ORDER BY user_id",
            (db.ts(bot.clock.now()),),
        )
        return [r[0] for r in rows]

    assert await offerable() == []
    bot.clock.advance(hours=38)  # 11 May, 23:00 in Madinah: still paused
    assert await offerable() == []
    bot.clock.advance(hours=2)  # 12 May, 01:00: offers started again at midnight
    assert await offerable() == [yusuf.id]
    calls = await bot.command(yusuf, "/profile")
    assert "Status: ✅ Active" in calls[0].text
    assert (await volunteer_row(bot, yusuf.id))["status"] == "paused"  # not tidied yet
    async with bot.db.transaction() as tx:
        assert await db.expire_pauses(tx, bot.clock.now()) == 1
    row = await volunteer_row(bot, yusuf.id)
    assert row["status"] == "active" and row["paused_until"] is None
    assert (await volunteer_row(bot, other.id))["status"] == "paused"
    calls = await bot.command(yusuf, "/resume")
    assert "not paused" in calls[0].text


async def test_pause_cancel_and_who_can_pause(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/pause")
    calls = await bot.press(yusuf, "pz:x")
    assert "Cancelled. Nothing was changed." in bot.texts(calls)
    await bot.command(yusuf, "/pause")
    calls = await bot.command(yusuf, "/cancel")
    assert calls[0].text == "Cancelled. Nothing was changed."
    assert (await volunteer_row(bot, yusuf.id))["status"] == "active"

    pending = await registered(bot, 404, status="pending")
    suspended = await registered(bot, 405, status="suspended")
    nobody = bot.user(406, "Nobody", "en")
    cases = {
        pending: ("waiting for the office's approval", "still waiting for the office's approval"),
        suspended: ("suspended", "suspended"),
        nobody: ("/register", "/register"),
    }
    for user, (on_pause, on_resume) in cases.items():
        calls = await bot.command(user, "/pause")
        assert on_pause in calls[0].text and calls[0].buttons == []
        calls = await bot.command(user, "/resume")
        assert on_resume in calls[0].text
    assert (await volunteer_row(bot, pending.id))["status"] == "pending"
    assert (await volunteer_row(bot, suspended.id))["status"] == "suspended"


# -- /delete_me ----------------------------------------------------------------------------------------


async def test_delete_me_erases_personal_data_and_keeps_anonymous_history(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    async with bot.db.transaction() as tx:
        await db.grant_qualification(tx, yusuf.id, "guidance", granted_by=1, now=bot.clock.now())
    entity = await create_entity(bot.db)
    _need, shifts = await create_need(bot.db, entity, first_day=date(2026, 5, 1), days=20)
    past = await create_assignment(bot.db, shifts[0], yusuf.id, status="completed")
    upcoming = await create_assignment(bot.db, shifts[15], yusuf.id, status="accepted")

    calls = await bot.command(yusuf, "/delete_me")
    assert "permanently erases" in calls[0].text
    assert calls[0].buttons == [("🗑 Yes, erase my data", "del:yes"), ("Keep my data", "del:no")]
    calls = await bot.press(yusuf, "del:no")
    assert "Nothing was deleted" in bot.texts(calls)
    assert (await volunteer_row(bot, yusuf.id))["status"] == "active"
    calls = await bot.press(yusuf, "del:yes")  # that confirmation was answered already
    assert alerts(calls) == [STALE]

    await bot.command(yusuf, "/delete_me")
    old_confirmation = message_ids_with(bot, yusuf, "del:yes")[-1]
    await bot.command(yusuf, "/delete_me")
    calls = await bot.press(yusuf, "del:yes", message_id=old_confirmation)
    assert alerts(calls) == [STALE]  # only the latest confirmation counts
    assert (await volunteer_row(bot, yusuf.id))["status"] == "active"
    calls = await bot.press(yusuf, "del:yes")
    assert "Your personal data has been erased" in bot.texts(calls)

    row = await volunteer_row(bot, yusuf.id)
    assert row["status"] == "deleted" and row["deleted_at"] == db.ts(bot.clock.now())
    for column in ("full_name", "search_name", "phone", "gender", "birth_date", "city",
                   "available_from", "available_until", "paused_until"):
        assert row[column] is None, column
    assert await child_rows(bot, yusuf.id) == {
        "languages": [], "specialties": [], "availability": [], "qualifications": []
    }
    assert await bot.db.fetchval("SELECT COUNT(*) FROM users WHERE id = ?", (yusuf.id,)) == 1
    statuses = dict(await bot.db.fetchall("SELECT id, status FROM assignments"))
    assert statuses == {past: "completed", upcoming: "cancelled"}
    calls = await bot.command(yusuf, "/profile")
    assert "You have not registered as a volunteer yet" in calls[0].text
    calls = await bot.command(yusuf, "/start")
    assert ("📝 Register as a volunteer", "menu:register") in calls[0].buttons
    calls = await bot.command(yusuf, "/delete_me")
    assert "nothing to delete" in calls[0].text


async def test_delete_me_in_the_middle_of_registering_drops_the_answers(bot: BotHarness) -> None:
    ali = bot.user(407, "Ali", "en")
    await bot.command(ali, "/register")
    await bot.press(ali, "reg:cn:y")
    await bot.text(ali, "Ali Hasan Omar")
    calls = await bot.command(ali, "/delete_me")
    assert "nothing to delete" in calls[0].text
    assert "reg" not in bot.app.user_data[ali.id]
    calls = await bot.text(ali, "0501234567")  # the answers are gone: no half-flow goes on
    assert "did not understand" in calls[0].text
    calls = await bot.command(ali, "/register")
    assert "Before we start" in bot.texts(calls)
    assert bot.app.user_data[ali.id]["reg"]["_step"] == "consent"


async def test_delete_then_register_again(bot: BotHarness) -> None:
    ali = bot.user(408, "Ali", "en")
    await walk_registration(bot, ali)
    await bot.command(ali, "/delete_me")
    await bot.press(ali, "del:yes")
    await walk_registration(bot, ali, name="Ali Hasan Omar")
    row = await volunteer_row(bot, ali.id)
    assert row["status"] == "active" and row["full_name"] == "Ali Hasan Omar"


# -- /start ----------------------------------------------------------------------------------------


async def test_start_greets_each_kind_of_volunteer(bot: BotHarness) -> None:
    cases = {
        "active": "You are registered as a volunteer",
        "pending": "waiting for the office's approval",
        "suspended": "Your volunteer account is suspended",
    }
    for number, (status, expected) in enumerate(cases.items()):
        user = await registered(bot, 410 + number, status=status)
        calls = await bot.command(user, "/start")
        assert expected in calls[0].text, status
        assert calls[0].buttons == []
        if status == "active":
            for command in ("/shifts", "/myshifts", "/profile"):
                assert command in calls[0].text


async def test_start_in_arabic_for_a_registered_volunteer(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 420, full_name="Ali Hasan Omar", registered_at=datetime(2026, 1, 1, tzinfo=UTC))
    ali = bot.user(420, "علي", "ar")
    calls = await bot.command(ali, "/start")
    assert calls[0].text.startswith("أهلًا بعودتك يا \u2068علي\u2069. أنت مسجل متطوعًا.")


async def test_profile_service_record(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    entity = await create_entity(bot.db)
    _need, shifts = await create_need(bot.db, entity, first_day=date(2026, 5, 1), days=15)
    for shift in shifts[:3]:
        await create_assignment(bot.db, shift, yusuf.id, status="completed")
    await create_assignment(bot.db, shifts[3], yusuf.id, status="no_show")
    await create_assignment(bot.db, shifts[12], yusuf.id, status="accepted")
    calls = await bot.command(yusuf, "/profile")
    assert "Service: 3 shifts completed (18 hours), 1 upcoming, 1 no-show" in calls[0].text
    bot.clock.advance(timedelta(days=30))
    calls = await bot.command(yusuf, "/profile")
    assert "Service: 3 shifts completed (18 hours), 1 no-show" in calls[0].text


async def test_another_command_during_an_edit_drops_the_unsaved_edit(bot: BotHarness) -> None:
    yusuf = await registered(bot)
    await bot.command(yusuf, "/profile")
    await bot.press(yusuf, "prof:e:nm")
    calls = await bot.command(yusuf, "/shifts")  # answered as usual
    assert calls and "What is your full name?" not in bot.texts(calls)
    calls = await bot.text(yusuf, "hello there")  # no longer taken as the new name
    assert "did not understand" in calls[0].text
    assert (await volunteer_row(bot, yusuf.id))["full_name"] == "Yusuf Ibrahim Alharbi"
