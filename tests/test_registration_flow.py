"""The registration flow through the real Application: every step, bad inputs, edits, restarts."""

from __future__ import annotations

from datetime import timedelta

from bot import db
from tests.factories import create_user
from tests.factories_registration import (
    alerts,
    all_callback_data,
    child_rows,
    message_ids_with,
    volunteer_row,
    walk_registration,
)
from tests.harness import BotHarness

NAME_QUESTION = "What is your full name?"
PHONE_QUESTION = "Your mobile number"
GENDER_QUESTION = "Are you male or female?"
BIRTH_QUESTION = "What is your date of birth?"
CITY_QUESTION = "Where do you live?"
LANGUAGES_QUESTION = "Which languages do you speak?"
SPECIALTIES_QUESTION = "In which fields would you like to volunteer?"
AVAILABILITY_QUESTION = "When are you usually free?"
SEASON_QUESTION = "Can you serve only between certain dates"
STALE = "This button is no longer active."


async def volunteers_count(bot: BotHarness) -> int:
    return int(await bot.db.fetchval("SELECT COUNT(*) FROM volunteers"))


async def start_at_name(bot: BotHarness, user) -> None:  # type: ignore[no-untyped-def]
    await bot.command(user, "/register")
    await bot.press(user, "reg:cn:y")


async def reach(bot: BotHarness, user, step: str) -> None:  # type: ignore[no-untyped-def]
    """Answer the questions before `step` with good answers."""
    await start_at_name(bot, user)
    order = ["name", "phone", "gender", "birth", "city", "languages", "specialties", "availability"]
    answers = {
        "name": lambda: bot.text(user, "Omar Farouk Siddiqui"),
        "phone": lambda: bot.contact(user, "966551112233"),
        "gender": lambda: bot.press(user, "reg:gd:male"),
        "birth": lambda: bot.text(user, "1990-03-15"),
        "city": lambda: bot.press(user, "reg:ct:0"),
        "languages": lambda: _two(bot.press(user, "reg:lg:ur"), lambda: bot.press(user, "reg:lg:done")),
        "specialties": lambda: _two(bot.press(user, "reg:sp:relief"), lambda: bot.press(user, "reg:sp:done")),
        "availability": lambda: bot.press(user, "reg:av:any"),
    }
    for key in order[: order.index(step)] if step in order else order:
        await answers[key]()


async def _two(first, second):  # type: ignore[no-untyped-def]
    await first
    return await second()


# -- the whole flow ------------------------------------------------------------------------------


async def test_whole_flow_in_english_from_the_start_menu(bot: BotHarness) -> None:
    sara = bot.user(201, "Sara", "en")
    await bot.command(sara, "/start")
    calls = await bot.press(sara, "menu:register")
    assert "Before we start" in bot.texts(calls)
    assert "/delete_me" in bot.texts(calls)
    assert await volunteers_count(bot) == 0
    consent_moment = bot.clock.now()
    calls = await bot.press(sara, "reg:cn:y")
    assert NAME_QUESTION in bot.texts(calls)
    calls = await bot.text(sara, "Sara  Ahmed   Khan")
    assert "✅ Name: Sara Ahmed Khan" in bot.texts(calls)
    phone_question = bot.last(sara)
    assert PHONE_QUESTION in phone_question.text
    assert phone_question.keyboard[0]["request_contact"] is True
    calls = await bot.contact(sara, "966501234567")
    assert calls[0].params["reply_markup"] == {"remove_keyboard": True}
    assert "+966501234567 (confirmed by Telegram)" in calls[0].text
    assert GENDER_QUESTION in calls[1].text
    calls = await bot.press(sara, "reg:gd:female")
    assert "✅ Gender: Female" in bot.texts(calls)
    calls = await bot.text(sara, "1995-10-14")
    assert "20 Jumada al-Ula 1416 AH (14 October 1995)" in bot.texts(calls)
    assert CITY_QUESTION in bot.texts(calls)
    await bot.press(sara, "reg:ct:1")
    for code in ("ar", "en", "ur"):
        calls = await bot.press(sara, f"reg:lg:{code}")
    assert calls[-1].method == "editMessageText"  # toggles edit one message in place
    assert ("✅ Urdu", "reg:lg:ur") in calls[-1].buttons
    await bot.press(sara, "reg:lg:ur")  # untick
    calls = await bot.press(sara, "reg:lg:done")
    assert "✅ Languages: Arabic and English" in bot.texts(calls)
    await bot.press(sara, "reg:sp:translation")
    await bot.press(sara, "reg:sp:lost_children")
    calls = await bot.press(sara, "reg:sp:done")
    assert "Translation and Lost children" in bot.texts(calls)
    await bot.press(sara, "reg:av:p:morning")
    await bot.press(sara, "reg:av:p:evening")
    await bot.press(sara, "reg:av:d:4")
    await bot.press(sara, "reg:av:d:5")
    calls = await bot.press(sara, "reg:av:done")
    assert "Morning (06-12) and Evening (17-22) on Fri and Sat" in bot.texts(calls)
    await bot.text(sara, "1447-12-01")
    bot.clock.advance(minutes=3)
    calls = await bot.text(sara, "2026-06-01")
    summary = calls[-1]
    assert "Please check your details" in summary.text
    assert "Available dates: from Monday 1 Dhu al-Hijjah 1447 AH (18 May 2026) to Monday 15 Dhu al-Hijjah 1447 AH (1 June 2026)" in summary.text
    assert ("✅ Confirm", "reg:ok") in summary.buttons
    assert len([b for b in summary.buttons if b[1].startswith("reg:ed:")]) == 9
    assert await volunteers_count(bot) == 0  # nothing reaches the table before Confirm

    calls = await bot.press(sara, "reg:ok")
    assert "You are now registered as a volunteer" in bot.texts(calls)
    assert "/shifts" in bot.texts(calls) and "/profile" in bot.texts(calls)
    row = await volunteer_row(bot, sara.id)
    assert row["full_name"] == "Sara Ahmed Khan"
    assert row["search_name"] == "sara ahmed khan"
    assert row["phone"] == "+966501234567" and row["phone_verified"] == 1
    assert row["gender"] == "female"
    assert row["birth_date"] == "1995-10-14"
    assert row["city"] == "quba"
    assert row["status"] == "active"
    assert row["available_from"] == "2026-05-18" and row["available_until"] == "2026-06-01"
    assert row["consent_at"] == db.ts(consent_moment)
    assert row["registered_at"] == db.ts(bot.clock.now())
    rows = await child_rows(bot, sara.id)
    assert rows["languages"] == ["ar", "en"]
    assert rows["specialties"] == ["lost_children", "translation"]
    assert rows["availability"] == [(4, "evening"), (4, "morning"), (5, "evening"), (5, "morning")]
    assert "reg" not in bot.app.user_data[sara.id]


async def test_whole_flow_in_arabic_with_typed_answers(bot: BotHarness) -> None:
    fatima = bot.user(202, "فاطمة", "ar")
    calls = await bot.command(fatima, "/register")
    assert "قبل أن نبدأ" in bot.texts(calls)
    assert [label for label, _data in calls[-1].buttons] == ["✅ أوافق", "ليس الآن"]
    calls = await bot.press(fatima, "reg:cn:y")
    assert "ما اسمك الكامل" in bot.texts(calls)
    calls = await bot.text(fatima, "فاطمة عبدالله القحطاني")
    assert "\u2068فاطمة عبدالله القحطاني\u2069" in bot.texts(calls)  # isolated in RTL text
    assert bot.last(fatima).keyboard[0]["text"] == "📱 مشاركة رقم جوالي"
    calls = await bot.text(fatima, "٠٥٠ ١٢٣ ٤٥٦٧")  # Arabic-Indic digits, typed
    assert "\u2066+966501234567\u2069" in calls[0].text
    assert "هل أنت ذكر أم أنثى" in calls[1].text
    assert [data for _label, data in calls[1].buttons] == ["reg:gd:male", "reg:gd:female"]
    await bot.press(fatima, "reg:gd:female")
    calls = await bot.text(fatima, "٢٠/٥/١٤١٦ هـ")  # Hijri, Arabic-Indic digits
    assert "✅ تاريخ الميلاد: " in calls[0].text and "1416" in calls[0].text
    assert "أين تسكنين" in calls[0].text
    calls = await bot.text(fatima, "العوالي الشرقية")
    assert "العوالي الشرقية" in bot.texts(calls)
    assert "ما اللغات التي تتحدثينها" in bot.texts(calls)
    await bot.press(fatima, "reg:lg:ar")
    await bot.press(fatima, "reg:lg:done")
    calls = await bot.press(fatima, "reg:sp:info")
    assert calls[-1].text.count("\n• ") == 17  # one line of description per specialty
    assert ("ⓘ إخفاء الأوصاف", "reg:sp:info") in calls[-1].buttons
    await bot.press(fatima, "reg:sp:elderly_care")
    await bot.press(fatima, "reg:sp:done")
    await bot.press(fatima, "reg:av:any")
    calls = await bot.press(fatima, "reg:sf:none")
    summary = calls[-1].text
    assert "يرجى مراجعة بياناتك" in summary
    assert "في أي وقت" in summary and "دون قيود على التاريخ" in summary
    calls = await bot.press(fatima, "reg:ok")
    assert "أصبحتِ مسجلةً متطوعةً" in bot.texts(calls)
    row = await volunteer_row(bot, fatima.id)
    assert row["phone"] == "+966501234567" and row["phone_verified"] == 0
    assert row["birth_date"] == "1995-10-14"
    assert row["city"] == "العوالي الشرقية"
    assert row["available_from"] is None
    assert len((await child_rows(bot, fatima.id))["availability"]) == 28


# -- bad inputs, step by step ------------------------------------------------------------------------


async def test_bad_names_are_explained_and_asked_again(bot: BotHarness) -> None:
    ali = bot.user(203, "Ali", "en")
    await start_at_name(bot, ali)
    cases = {
        "Ali": "at least two names and at most eight",
        "Ali 2nd Hasan": "letters only",
        "Ali @ Hasan": "letters only",
        "A B C D E F G H I": "at least two names and at most eight",
        "Abd bin Al": "at least two names and at most eight",  # particles only
        "Ab " + "c" * 80: "between 3 and 80 characters",
    }
    for typed, explanation in cases.items():
        calls = await bot.text(ali, typed)
        assert len(calls) == 1
        assert explanation in calls[0].text and NAME_QUESTION in calls[0].text, typed
    for media in (bot.sticker, bot.photo):
        calls = await media(ali)
        assert "Please type your answer as a text message." in calls[0].text
        assert NAME_QUESTION in calls[0].text
    await bot.text(ali, "Muhammad Ali Jinnah-Khan")
    assert PHONE_QUESTION in bot.last(ali).text
    assert bot.app.user_data[ali.id]["reg"]["full_name"] == "Muhammad Ali Jinnah-Khan"
    assert await volunteers_count(bot) == 0


async def test_someone_elses_contact_and_bad_numbers(bot: BotHarness) -> None:
    ali = bot.user(204, "Ali", "en")
    await reach(bot, ali, "phone")
    calls = await bot.contact(ali, "966509998877", owner_id=999)
    assert "That contact is not yours" in calls[0].text
    assert calls[0].keyboard[0]["request_contact"] is True  # asked again, with the button
    calls = await bot.contact(ali, "966509998877", owner_id=None)  # a phone-book contact
    assert "That contact is not yours" in calls[0].text
    for typed in ("12345", "050123", "hello"):
        calls = await bot.text(ali, typed)
        assert "does not look like a valid phone number" in calls[0].text, typed
        assert PHONE_QUESTION in calls[0].text
    calls = await bot.sticker(ali)
    assert "Please tap “📱 Share my phone number” or type your number." in calls[0].text
    calls = await bot.text(ali, "+44 20 7946 0958")  # a London landline is not "your mobile"
    assert "That is a landline number." in calls[0].text and PHONE_QUESTION in calls[0].text
    calls = await bot.text(ali, "011 456 7890")  # nor a Riyadh one
    assert "That is a landline number." in calls[0].text
    calls = await bot.text(ali, "+44 7911 123456")
    assert "+447911123456" in calls[0].text
    assert calls[0].params["reply_markup"] == {"remove_keyboard": True}
    draft = bot.app.user_data[ali.id]["reg"]
    assert draft["phone"] == "+447911123456" and draft["phone_verified"] is False


async def test_birth_dates_unparseable_impossible_and_out_of_range(bot: BotHarness) -> None:
    ali = bot.user(205, "Ali", "en")
    await reach(bot, ali, "birth")
    cases = {
        "yesterday": "as year-month-day",
        "1416-13-01": "There are only 12 months",
        "1995-02-30": "That day does not exist",
        "2026-12-01": "That date is in the future",
        "2011-05-11": "at least 15 years old",  # 14 on 10 May 2026
        "1935-05-09": "age above 90",
    }
    for typed, explanation in cases.items():
        calls = await bot.text(ali, typed)
        assert explanation in calls[0].text and BIRTH_QUESTION in calls[0].text, typed
    calls = await bot.photo(ali)
    assert "Please type your answer as a text message." in calls[0].text
    calls = await bot.text(ali, "2011-05-10")  # exactly 15 today
    assert CITY_QUESTION in bot.texts(calls)


async def test_minimum_age_follows_the_setting(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(MIN_VOLUNTEER_AGE="18")
    ali = bot.user(206, "Ali", "en")
    await reach(bot, ali, "birth")
    calls = await bot.text(ali, "2010-01-01")
    assert "at least 18 years old" in calls[0].text


async def test_button_steps_refuse_text_and_stale_buttons(bot: BotHarness) -> None:
    ali = bot.user(207, "Ali", "en")
    await reach(bot, ali, "gender")
    first_gender_message = message_ids_with(bot, ali, "reg:gd:male")[-1]
    calls = await bot.text(ali, "maybe")  # a typed "male" is taken (tests/test_arabic_address.py)
    assert "Please tap Male or Female below, or type it." in calls[0].text
    assert GENDER_QUESTION in calls[0].text and calls[0].buttons
    calls = await bot.sticker(ali)
    assert "Please choose with the buttons below." in calls[0].text
    # The first gender question is now an old message: its buttons are stale.
    calls = await bot.press(ali, "reg:gd:male", message_id=first_gender_message)
    assert alerts(calls) == [STALE]
    assert GENDER_QUESTION in calls[-1].text  # the same step again
    assert "gender" not in bot.app.user_data[ali.id]["reg"]
    # A button of an earlier step (the consent notice) is stale too.
    calls = await bot.press(ali, "reg:cn:y")
    assert alerts(calls) == [STALE]
    # A forged value on the live message changes nothing.
    calls = await bot.press(ali, "reg:gd:other")
    assert alerts(calls) == [STALE]
    calls = await bot.press(ali, "reg:gd:male")
    assert "✅ Gender: Male" in bot.texts(calls)
    assert bot.app.user_data[ali.id]["reg"]["gender"] == "male"


async def test_done_with_nothing_selected_is_refused(bot: BotHarness) -> None:
    ali = bot.user(208, "Ali", "en")
    await reach(bot, ali, "languages")
    calls = await bot.press(ali, "reg:lg:done")
    assert alerts(calls) == ["Please choose at least one language."]
    assert len(calls) == 1  # the question stays as it is
    calls = await bot.text(ali, "Klingon")  # a language typed by name is taken; this one is unknown
    assert "I did not recognise: Klingon." in calls[0].text
    await bot.press(ali, "reg:lg:ar")
    await bot.press(ali, "reg:lg:done")
    calls = await bot.press(ali, "reg:sp:done")
    assert alerts(calls) == ["Please choose at least one field."]
    await bot.press(ali, "reg:sp:relief")
    await bot.press(ali, "reg:sp:done")
    calls = await bot.press(ali, "reg:av:done")
    assert alerts(calls) == ["Please choose at least one time of day."]
    await bot.press(ali, "reg:av:p:night")
    calls = await bot.press(ali, "reg:av:done")
    assert alerts(calls) == ["Please choose at least one day of the week."]
    await bot.press(ali, "reg:av:d:3")
    calls = await bot.press(ali, "reg:av:done")
    assert "Night (22-06) on Thu" in bot.texts(calls)
    assert SEASON_QUESTION in bot.texts(calls)


async def test_old_multiselect_message_cannot_toggle(bot: BotHarness) -> None:
    ali = bot.user(209, "Ali", "en")
    await reach(bot, ali, "languages")
    await bot.press(ali, "reg:lg:ar")
    old = message_ids_with(bot, ali, "reg:lg:en")[-1]
    await bot.photo(ali)  # asked again: a new languages message
    calls = await bot.press(ali, "reg:lg:en", message_id=old)
    assert alerts(calls) == [STALE]
    assert bot.app.user_data[ali.id]["reg"]["languages"] == ["ar"]
    assert ("✅ Arabic", "reg:lg:ar") in calls[-1].buttons  # asked again with the earlier answer


async def test_city_free_text_and_bad_city(bot: BotHarness) -> None:
    ali = bot.user(210, "Ali", "en")
    await reach(bot, ali, "city")
    for typed in ("12345", "x", "🕌🕌🕌"):
        calls = await bot.text(ali, typed)
        assert "name of your city or district" in calls[0].text, typed
        assert CITY_QUESTION in calls[0].text
    calls = await bot.press(ali, "reg:ct:99")  # no such choice
    assert alerts(calls) == [STALE]
    calls = await bot.text(ali, "Yanbu")
    assert "✅ City or district: Yanbu" in bot.texts(calls)


async def test_city_buttons_follow_the_cities_setting(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(CITIES="quba,Al Ula,uhud")
    ali = bot.user(211, "Ali", "en")
    await reach(bot, ali, "city")
    question = bot.last(ali)
    assert question.buttons == [("Quba", "reg:ct:0"), ("Al Ula", "reg:ct:1"), ("Uhud", "reg:ct:2")]
    await bot.press(ali, "reg:ct:1")
    assert bot.app.user_data[ali.id]["reg"]["city"] == "Al Ula"


async def test_season_window_checks(bot: BotHarness) -> None:
    ali = bot.user(212, "Ali", "en")
    await reach(bot, ali, "season")
    calls = await bot.text(ali, "someday")
    assert "as year-month-day" in calls[0].text and SEASON_QUESTION in calls[0].text
    await bot.text(ali, "2026-06-10")
    calls = await bot.text(ali, "2026-06-01")
    assert "cannot be before the first date" in calls[0].text
    assert "Wednesday 24 Dhu al-Hijjah 1447 AH (10 June 2026)" in calls[0].text
    calls = await bot.text(ali, "2026-05-01")
    assert "already passed" in calls[0].text
    calls = await bot.press(ali, "reg:su:none")
    assert "Available dates: from Wednesday 24 Dhu al-Hijjah 1447 AH (10 June 2026)" in calls[-1].text
    assert "Please check your details" in calls[-1].text


# -- summary, edits, cancel -------------------------------------------------------------------------


async def test_editing_from_the_summary_returns_to_it(bot: BotHarness) -> None:
    ali = bot.user(213, "Ali", "en")
    await walk_registration(bot, ali, confirm=False)
    calls = await bot.press(ali, "reg:ed:nm")
    assert NAME_QUESTION in bot.texts(calls)
    old_summary = message_ids_with(bot, ali, "reg:ok")
    assert old_summary == []  # the summary's buttons were taken away while editing
    calls = await bot.text(ali, "Ali Reza Tehrani")
    assert "Name: Ali Reza Tehrani" in calls[-1].text and "Please check your details" in calls[-1].text

    await bot.press(ali, "reg:ed:lg")
    question = bot.last(ali)
    assert ("✅ Arabic", "reg:lg:ar") in question.buttons  # the earlier answer, ready to change
    await bot.press(ali, "reg:lg:en")  # untick English
    await bot.press(ali, "reg:lg:fa")
    calls = await bot.press(ali, "reg:lg:done")
    assert "Languages: Arabic and Persian" in calls[-1].text

    await bot.press(ali, "reg:ed:ph")
    calls = await bot.text(ali, "0551234567")
    assert calls[0].params["reply_markup"] == {"remove_keyboard": True}
    assert "Phone: +966551234567" in calls[-1].text

    await bot.press(ali, "reg:ed:ss")
    await bot.text(ali, "1447-12-01")
    calls = await bot.text(ali, "1447-12-20")
    assert "Available dates: from" in calls[-1].text and "Please check your details" in calls[-1].text
    assert await volunteers_count(bot) == 0

    await bot.press(ali, "reg:ok")
    row = await volunteer_row(bot, ali.id)
    assert row["full_name"] == "Ali Reza Tehrani"
    assert row["phone"] == "+966551234567" and row["phone_verified"] == 0
    assert row["available_from"] == "2026-05-18" and row["available_until"] == "2026-06-06"
    assert (await child_rows(bot, ali.id))["languages"] == ["ar", "fa"]


async def test_cancel_keeps_nothing(bot: BotHarness) -> None:
    ali = bot.user(214, "Ali", "en")
    await reach(bot, ali, "birth")
    calls = await bot.command(ali, "/cancel")
    assert "Registration cancelled. Nothing was saved." in calls[0].text
    assert calls[0].params["reply_markup"] == {"remove_keyboard": True}
    assert "reg" not in bot.app.user_data[ali.id]
    assert await volunteers_count(bot) == 0
    calls = await bot.text(ali, "1990-01-01")  # no flow any more
    assert "did not understand" in calls[0].text
    calls = await bot.command(ali, "/register")
    assert "Before we start" in bot.texts(calls)  # from scratch
    draft = bot.app.user_data[ali.id]["reg"]
    assert draft["_step"] == "consent" and "full_name" not in draft


async def test_cancel_button_on_the_summary(bot: BotHarness) -> None:
    ali = bot.user(215, "Ali", "en")
    await walk_registration(bot, ali, confirm=False)
    calls = await bot.press(ali, "reg:x")
    assert "Registration cancelled. Nothing was saved." in bot.texts(calls)
    assert await volunteers_count(bot) == 0
    calls = await bot.press(ali, "reg:ok", message_id=max(bot.api.messages))
    assert alerts(calls) == [STALE]
    assert await volunteers_count(bot) == 0


async def test_not_now_stores_nothing(bot: BotHarness) -> None:
    ali = bot.user(216, "Ali", "en")
    await bot.command(ali, "/register")
    calls = await bot.press(ali, "reg:cn:n")
    assert "nothing was stored" in bot.texts(calls)
    assert "reg" not in bot.app.user_data[ali.id]
    assert await volunteers_count(bot) == 0
    calls = await bot.text(ali, "Ali Hasan")
    assert "did not understand" in calls[0].text


async def test_consent_notice_wants_a_button(bot: BotHarness) -> None:
    ali = bot.user(217, "Ali", "en")
    await bot.command(ali, "/register")
    calls = await bot.text(ali, "perhaps")  # «نعم» / "yes" is the same as the button
    assert "Please choose with the buttons below." in calls[0].text
    assert "Before we start" in calls[0].text
    assert ("✅ I agree", "reg:cn:y") in calls[0].buttons


async def test_register_again_mid_flow_continues_where_they_were(bot: BotHarness) -> None:
    ali = bot.user(218, "Ali", "en")
    await reach(bot, ali, "birth")
    calls = await bot.command(ali, "/register")
    assert "You are in the middle of registering" in calls[0].text
    assert BIRTH_QUESTION in calls[0].text
    calls = await bot.press(ali, "menu:register")
    assert "You are in the middle of registering" in bot.texts(calls)
    assert bot.app.user_data[ali.id]["reg"]["full_name"] == "Omar Farouk Siddiqui"


async def test_other_commands_mid_flow_leave_it_alone(bot: BotHarness) -> None:
    ali = bot.user(219, "Ali", "en")
    await reach(bot, ali, "birth")
    calls = await bot.command(ali, "/help")
    assert "Here is what you can do" in calls[0].text
    calls = await bot.text(ali, "1990-01-01")
    assert CITY_QUESTION in bot.texts(calls)


# -- restart -----------------------------------------------------------------------------------------


async def test_state_survives_a_hard_restart_mid_flow(bot: BotHarness) -> None:
    ali = bot.user(220, "Ali", "en")
    await start_at_name(bot, ali)
    await bot.text(ali, "Hamza Yusuf Alamri")
    await bot.contact(ali, "966501112222")
    await bot.press(ali, "reg:gd:male")

    bot = await bot.restart(graceful=False)  # kill -9: only what the 1 s writer had saved
    try:
        calls = await bot.text(ali, "1992-07-01")  # continues at the date-of-birth question
        assert CITY_QUESTION in bot.texts(calls)
        await bot.press(ali, "reg:ct:2")
        await bot.press(ali, "reg:lg:ar")
        await bot.press(ali, "reg:lg:done")
        await bot.press(ali, "reg:sp:guidance")
        await bot.press(ali, "reg:sp:done")
        await bot.press(ali, "reg:av:any")
        calls = await bot.press(ali, "reg:sf:none")
        assert "Name: Hamza Yusuf Alamri" in calls[-1].text  # answered before the restart
        await bot.press(ali, "reg:ok")
        row = await volunteer_row(bot, ali.id)
        assert row["full_name"] == "Hamza Yusuf Alamri"
        assert row["phone"] == "+966501112222" and row["gender"] == "male"
        assert row["birth_date"] == "1992-07-01" and row["city"] == "uhud"
    finally:
        await bot.stop()  # the fixture stops only the first process


async def test_multiselect_ticks_survive_a_hard_restart(bot: BotHarness) -> None:
    ali = bot.user(229, "Ali", "en")
    await reach(bot, ali, "languages")
    await bot.press(ali, "reg:lg:ar")
    await bot.press(ali, "reg:lg:ur")

    bot = await bot.restart(graceful=False)
    try:
        # This test process has no record of the keyboard message sent before the restart, so a
        # press on it is answered as stale and the question comes back with the earlier ticks.
        calls = await bot.press(ali, "reg:lg:en")
        assert alerts(calls) == [STALE]
        assert ("✅ Arabic", "reg:lg:ar") in calls[-1].buttons
        assert ("✅ Urdu", "reg:lg:ur") in calls[-1].buttons
        await bot.press(ali, "reg:lg:en")
        calls = await bot.press(ali, "reg:lg:done")
        assert "✅ Languages: Arabic, English, and Urdu" in bot.texts(calls)
    finally:
        await bot.stop()


async def test_summary_survives_a_restart(bot: BotHarness) -> None:
    ali = bot.user(221, "Ali", "en")
    await walk_registration(bot, ali, confirm=False)
    bot = await bot.restart(graceful=False)
    try:
        calls = await bot.text(ali, "ok")
        assert "Please check your details" in calls[0].text  # asked to use the summary's buttons
        await bot.press(ali, "reg:ok")
        assert (await volunteer_row(bot, ali.id))["status"] == "active"
    finally:
        await bot.stop()


# -- already registered, deleted, staff ---------------------------------------------------------------


async def test_register_when_registered_shows_the_profile(bot: BotHarness) -> None:
    ali = bot.user(222, "Ali", "en")
    await walk_registration(bot, ali)
    calls = await bot.command(ali, "/register")
    assert "You are already registered" in calls[0].text
    assert "Name: Ahmad Saleh Alharbi" in calls[0].text
    assert ("✏️ Name", "prof:e:nm") in calls[0].buttons
    assert "reg" not in bot.app.user_data[ali.id]


async def test_deleted_volunteer_registers_again_from_scratch(bot: BotHarness) -> None:
    ali = bot.user(223, "Ali", "en")
    await walk_registration(bot, ali, specialties=("relief",))
    async with bot.db.transaction() as tx:
        await db.grant_qualification(tx, ali.id, "relief", granted_by=1, now=bot.clock.now())
    await bot.command(ali, "/delete_me")
    await bot.press(ali, "del:yes")
    bot.clock.advance(days=30)
    calls = await bot.command(ali, "/register")
    assert "Before we start" in bot.texts(calls)
    await walk_registration(bot, ali, name="Ali Hasan Omar", specialties=("traffic",), any_time=False)
    row = await volunteer_row(bot, ali.id)
    assert row["status"] == "active" and row["deleted_at"] is None
    assert row["full_name"] == "Ali Hasan Omar"
    assert row["registered_at"] == db.ts(bot.clock.now())
    rows = await child_rows(bot, ali.id)
    assert rows["specialties"] == ["traffic"] and rows["qualifications"] == []
    assert rows["availability"] == [(4, "morning")]


async def test_staff_cannot_register_as_volunteers(bot: BotHarness) -> None:
    await create_user(bot.db, 301, role="coordinator", language_code="en")
    coordinator = bot.user(301, "Coord", "en")
    calls = await bot.command(coordinator, "/register")
    assert "cannot register as volunteers" in calls[0].text
    assert await volunteers_count(bot) == 0


async def test_a_double_confirm_writes_once(bot: BotHarness) -> None:
    ali = bot.user(224, "Ali", "en")
    await walk_registration(bot, ali, confirm=False)
    summary = message_ids_with(bot, ali, "reg:ok")[-1]
    await bot.press(ali, "reg:ok", message_id=summary)
    calls = await bot.press(ali, "reg:ok", message_id=summary)
    assert alerts(calls) == [STALE]
    assert await volunteers_count(bot) == 1


# -- approval ---------------------------------------------------------------------------------------


async def test_approval_cards_and_approval(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(REQUIRE_APPROVAL="1")
    await create_user(bot.db, 301, role="coordinator", first_name="Coord", locale="en")
    coordinator = bot.user(301, "Coord", "en")
    admin = bot.admin  # a bootstrap admin the bot has not heard from: cards in the default, Arabic
    ali = bot.user(225, "Ali", "en")
    await walk_registration(bot, ali)
    assert "The office will review it" in bot.last(ali).text
    row = await volunteer_row(bot, ali.id)
    assert row["status"] == "pending"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox") == 2  # one card per staff member

    calls = await bot.flush_outbox()
    cards = {c.chat_id: c for c in calls if c.method == "sendMessage"}
    assert set(cards) == {coordinator.id, admin.id}
    assert "A new volunteer is waiting for approval" in cards[coordinator.id].text
    assert "Name: Ahmad Saleh Alharbi" in cards[coordinator.id].text
    assert "متطوع جديد بانتظار الموافقة" in cards[admin.id].text  # in the admin's language
    assert ("✅ Approve", f"vol:ap:{ali.id}") in cards[coordinator.id].buttons
    assert ("✖ Reject", f"vol:rj:{ali.id}") in cards[coordinator.id].buttons

    calls = await bot.command(ali, "/start")
    assert "waiting for the office's approval" in calls[0].text

    # Another volunteer presses the card's button (a forged press): refused, nothing changes.
    await walk_registration(bot, bot.user(226, "Eve", "en"), name="Eve Mallory Smith")
    eve = bot.user(226, "Eve", "en")
    calls = await bot.press(eve, f"vol:ap:{ali.id}")
    assert alerts(calls) == ["Sorry, this is only for the office's coordinators."]
    assert (await volunteer_row(bot, ali.id))["status"] == "pending"

    calls = await bot.press(coordinator, f"vol:ap:{ali.id}")
    assert calls[0].params["text"] == "Approved. The volunteer has been told."
    assert "Status: ✅ Active" in calls[-1].text  # the card, updated in place
    row = await volunteer_row(bot, ali.id)
    assert row["status"] == "active" and row["approved_by"] == coordinator.id
    audit = await bot.db.fetchall("SELECT * FROM audit_log WHERE action = 'volunteer.approve'")
    assert [(a["actor_id"], a["target_id"]) for a in audit] == [(coordinator.id, str(ali.id))]

    calls = await bot.flush_outbox()
    told = [c for c in calls if c.chat_id == ali.id]
    assert len(told) == 1 and "approved your registration" in told[0].text

    # The admin's card is now out of date (the admin's Telegram is in English).
    calls = await bot.press(admin, f"vol:ap:{ali.id}")
    assert alerts(calls) == ["This volunteer is no longer waiting for approval."]
    assert "Status: ✅ Active" in calls[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'volunteer.approve'") == 1
    calls = await bot.command(ali, "/start")
    assert "You are registered as a volunteer" in calls[0].text


async def test_rejection_from_the_approval_card(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(REQUIRE_APPROVAL="1")
    admin = bot.admin
    ali = bot.user(227, "Ali", "ar")
    await walk_registration(bot, ali)
    await bot.flush_outbox()
    calls = await bot.press(admin, f"vol:rj:{ali.id}")
    assert "Status" in calls[-1].text or "الحالة" in calls[-1].text
    assert (await volunteer_row(bot, ali.id))["status"] == "suspended"
    assert await bot.db.fetchval("SELECT action FROM audit_log") == "volunteer.reject"
    calls = await bot.flush_outbox()
    assert [c.chat_id for c in calls] == [ali.id]
    assert "لم يتمكن مكتب التطوع من اعتماد تسجيلك" in calls[0].text


async def test_callback_data_stays_within_64_bytes(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(REQUIRE_APPROVAL="1")
    big = bot.user(9_999_999_999_999, "Big", "en")
    await walk_registration(bot, big, any_time=False)
    await bot.flush_outbox()
    admin = bot.admin
    await bot.press(admin, f"vol:v:{big.id}")
    await bot.press(admin, f"vol:q:{big.id}")
    await bot.press(admin, f"vol:qg:{big.id}:reception_farewell")
    await bot.command(admin, "/volunteers")
    await bot.command(admin, "/volunteers Ahmad")
    await bot.command(big, "/profile")
    await bot.command(big, "/pause")
    await bot.command(big, "/delete_me")
    data = all_callback_data(bot)
    assert len(data) > 100
    too_long = [d for d in data if len(d.encode()) > 64]
    assert too_long == []
    assert max(len(d.encode()) for d in data) <= 40


async def test_consent_time_is_when_they_agreed(bot: BotHarness) -> None:
    ali = bot.user(228, "Ali", "en")
    await bot.command(ali, "/register")
    agreed = bot.clock.now()
    await bot.press(ali, "reg:cn:y")
    bot.clock.advance(timedelta(minutes=10))
    await bot.text(ali, "Ali Hasan")
    await bot.contact(ali, "966501234567")
    await bot.press(ali, "reg:gd:male")
    await bot.text(ali, "1990-01-01")
    await bot.press(ali, "reg:ct:0")
    await bot.press(ali, "reg:lg:ar")
    await bot.press(ali, "reg:lg:done")
    await bot.press(ali, "reg:sp:relief")
    await bot.press(ali, "reg:sp:done")
    await bot.press(ali, "reg:av:any")
    await bot.press(ali, "reg:sf:none")
    await bot.press(ali, "reg:ok")
    row = await volunteer_row(bot, ali.id)
    assert row["consent_at"] == db.ts(agreed)
    assert row["registered_at"] == db.ts(agreed + timedelta(minutes=10))
