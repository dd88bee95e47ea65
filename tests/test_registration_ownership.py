"""Volunteers' flows beside other open questions (DESIGN.md "Three owners"), and Confirm pressed
again after its answer failed or after kill -9."""

from __future__ import annotations

from tests.factories import create_user, create_volunteer
from tests.factories_registration import alerts, volunteer_row, walk_registration
from tests.harness import BotHarness

BIRTH_QUESTION = "What is your date of birth?"
NAME_QUESTION = "What is your full name?"


async def _to_birth(bot: BotHarness, user) -> None:  # type: ignore[no-untyped-def]
    await bot.command(user, "/register")
    await bot.press(user, "reg:cn:y")
    await bot.text(user, "Omar Farouk Siddiqui")
    await bot.contact(user, "966551112233")
    await bot.press(user, "reg:gd:male")
    assert BIRTH_QUESTION in bot.last(user).text


async def test_registration_left_for_another_command_is_resumed_with_register(bot: BotHarness) -> None:
    ali = bot.user(230, "Ali", "en")
    await _to_birth(bot, ali)
    calls = await bot.command(ali, "/shifts")
    assert "Your registration is kept: send /register to go on with it." in bot.texts(calls)
    calls = await bot.text(ali, "1990-03-15")  # the draft was left: not its answer
    assert "did not understand" in bot.texts(calls)
    assert "birth_date" not in bot.app.user_data[ali.id]["reg"]
    calls = await bot.command(ali, "/register")
    assert "You are in the middle of registering" in calls[0].text and BIRTH_QUESTION in calls[0].text
    calls = await bot.text(ali, "1990-03-15")
    assert "Where do you live?" in bot.texts(calls)
    assert bot.app.user_data[ali.id]["reg"]["full_name"] == "Omar Farouk Siddiqui"


async def test_a_profile_edit_and_pause_interleaved(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 401, full_name="Yusuf Ibrahim Alharbi", language_code="en")
    yusuf = bot.user(401, "Yusuf", "en")
    await bot.command(yusuf, "/profile")
    await bot.press(yusuf, "prof:e:nm")
    calls = await bot.command(yusuf, "/pause")  # a short question interrupts the long edit
    assert "Your profile edit is kept: we will come back to it after this." in bot.texts(calls)
    assert "Until when should I pause" in calls[-1].text
    calls = await bot.text(yusuf, "2026-06-01")  # the pause's date, not a name
    assert "Your shift offers are paused" in calls[0].text
    assert "You can now go on with what you were doing before." in bot.texts(calls)
    assert NAME_QUESTION in bot.texts(calls)  # the edit asks again by itself
    calls = await bot.text(yusuf, "Yusuf Ibrahim Al-Madani")
    assert "Saved." in bot.texts(calls)
    row = await volunteer_row(bot, yusuf.id)
    assert row["status"] == "paused" and row["full_name"] == "Yusuf Ibrahim Al-Madani"
    # The other order: the pause question open, then an Edit button: the question ends.
    await bot.command(yusuf, "/pause")
    calls = await bot.press(yusuf, "prof:e:ct")
    assert "I stopped waiting for your answer about the pause date." in bot.texts(calls)
    calls = await bot.text(yusuf, "Yanbu")
    assert "Saved." in bot.texts(calls)
    assert (await volunteer_row(bot, yusuf.id))["city"] == "Yanbu"
    calls = await bot.command(yusuf, "/profile")  # nothing open: the profile itself
    assert "Your volunteer profile" in calls[-1].text


async def test_profile_resumes_a_left_edit(bot: BotHarness) -> None:
    await create_volunteer(bot.db, 402, full_name="Yusuf Ibrahim Alharbi", language_code="en")
    yusuf = bot.user(402, "Yusuf", "en")
    await bot.command(yusuf, "/profile")
    await bot.press(yusuf, "prof:e:nm")
    calls = await bot.command(yusuf, "/myshifts")
    assert "Your profile edit is kept: send /profile to go on with it." in bot.texts(calls)
    calls = await bot.command(yusuf, "/profile")
    assert NAME_QUESTION in calls[-1].text
    await bot.text(yusuf, "Yusuf Omar Alharbi")
    assert (await volunteer_row(bot, yusuf.id))["full_name"] == "Yusuf Omar Alharbi"


async def test_the_search_prompt_left_for_another_command_never_searches_later_text(bot: BotHarness) -> None:
    await create_user(bot.db, 900, role="coordinator", first_name="Huda", locale="en")
    await create_volunteer(bot.db, 101, full_name="Abdullah Alharbi")
    huda = bot.user(900, "Huda", "en")
    await bot.command(huda, "/volunteers")
    calls = await bot.command(huda, "/needs")
    assert "I stopped waiting for your answer about the volunteer search." in bot.texts(calls)
    calls = await bot.text(huda, "Abdullah")
    assert "Abdullah Alharbi" not in bot.texts(calls)
    assert "did not understand" in bot.texts(calls)


async def test_the_search_prompt_takes_the_next_text_even_when_not_a_reply(bot: BotHarness) -> None:
    await create_user(bot.db, 900, role="coordinator", first_name="Huda", locale="en")
    await create_volunteer(bot.db, 101, full_name="Abdullah Alharbi")
    huda = bot.user(900, "Huda", "en")
    await bot.command(huda, "/volunteers")
    calls = await bot.text(huda, "Abdullah")
    assert [d for _l, d in calls[0].buttons if d.startswith("vol:v:")] == ["vol:v:101"]
    calls = await bot.text(huda, "Abdullah")  # the question was answered: not a search again
    assert "did not understand" in bot.texts(calls)


async def test_a_search_prompt_and_registration_in_a_group_are_not_opened(bot: BotHarness) -> None:
    await create_user(bot.db, 900, role="coordinator", first_name="Huda", locale="en")
    huda = bot.user(900, "Huda", "en")
    ali = bot.user(232, "Ali", "en")
    await _to_birth(bot, ali)
    await bot.command(huda, "/volunteers", group=-100123)
    await bot.command(ali, "/register", group=-100123)
    calls = await bot.text(ali, "1990-03-15")  # the private question still has the text
    assert "Where do you live?" in bot.texts(calls)
    assert not [c for c in bot.api.calls if str(c.params.get("chat_id")) == "-100123" and c.buttons]


async def test_confirm_again_after_its_answer_failed_registers_once(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(REQUIRE_APPROVAL="1")
    ali = bot.user(233, "Ali", "en")
    await walk_registration(bot, ali, confirm=False)
    bot.api.fail(400, "Bad Request: query ID is invalid",
                 method="answerCallbackQuery")
    await bot.press(ali, "reg:ok")
    assert (await volunteer_row(bot, ali.id))["status"] == "pending"
    calls = await bot.press(ali, "reg:ok")  # the same summary, pressed again
    assert "The office will review it" in bot.texts(calls)
    assert alerts(calls) == []
    assert await bot.db.fetchval("SELECT COUNT(*) FROM volunteers") == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox") == 1  # one card (the admin's)
    assert "reg" not in bot.app.user_data[ali.id]


async def test_confirm_again_after_kill_9_registers_once(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(REQUIRE_APPROVAL="1")
    ali = bot.user(234, "Ali", "en")
    await walk_registration(bot, ali, confirm=False)
    await bot.press(ali, "reg:ok")
    registered_at = (await volunteer_row(bot, ali.id))["registered_at"]
    fresh = await bot.restart(graceful=False)
    try:
        fresh.clock.advance(minutes=1)
        calls = await fresh.press(ali, "reg:ok", message_id=1)
        assert alerts(calls) == ["This button is no longer active."]
        assert (await volunteer_row(fresh, ali.id))["registered_at"] == registered_at
        assert await fresh.db.fetchval("SELECT COUNT(*) FROM volunteers") == 1
        assert await fresh.db.fetchval("SELECT COUNT(*) FROM outbox") == 1
    finally:
        await fresh.stop()


async def test_registration_key_is_one_per_draft(bot: BotHarness) -> None:
    ali = bot.user(235, "Ali", "en")
    await walk_registration(bot, ali)
    key = (await volunteer_row(bot, ali.id))["registration_key"]
    assert key and len(key) == 32
