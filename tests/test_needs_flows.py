"""/need, Reject and Change slots beside other flows (DESIGN.md "Three owners"), and Submit once
per draft however often it is pressed (a failed answer, a crash within the persistence second)."""

from __future__ import annotations

from bot import db
from bot.flows import need_intake
from tests.factories import create_entity
from tests.factories_needs import add_staff, answer, fill_intake, intake_steps, submit_need
from tests.harness import BotHarness

GROUP = -100123
TITLE_Q = "What is the need called?"


async def _need_until_title(bot: BotHarness, admin) -> None:  # type: ignore[no-untyped-def]
    for step in intake_steps(entity_id=1)[:2]:  # /need, the entity: now it waits for the title
        await answer(bot, admin, step)
    assert TITLE_Q in bot.last(admin).text


def _summary_id(bot: BotHarness, user_id: int) -> int:
    """The message that shows the Submit button."""
    return max(
        message_id for message_id, message in bot.api.messages.items()
        if message["chat"]["id"] == user_id and any(
            button.get("callback_data") == "ni:submit"
            for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row
        )
    )


async def _count(bot: BotHarness, table: str) -> int:
    return int(await bot.db.fetchval(f"SELECT COUNT(*) FROM {table}"))


# -- from the journeys (the ones that need only these flows) ------------------------------


async def test_text_in_a_group_never_answers_a_private_question(bot: BotHarness) -> None:
    await create_entity(bot.db)
    admin = bot.admin
    await _need_until_title(bot, admin)
    await bot.text(admin, "Group chatter", group=GROUP)
    calls = await bot.text(admin, "Guides at Quba Mosque")
    assert "Which specialty does it need?" in calls[-1].text


async def test_need_in_a_group_is_not_a_flow_and_leaves_the_private_draft_alone(bot: BotHarness) -> None:
    await create_entity(bot.db)
    admin = bot.admin
    await _need_until_title(bot, admin)
    await bot.command(admin, "/need", group=GROUP)
    group_calls = [c for c in bot.api.calls if str(c.params.get("chat_id")) == str(GROUP)]
    assert not [c for c in group_calls if c.buttons]
    calls = await bot.text(admin, "Guides at Quba Mosque")
    assert "Which specialty does it need?" in calls[-1].text


# -- a short question during /need, and the other way round ---------------------------------------


async def test_change_slots_opened_during_need_takes_the_number_then_need_resumes(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    khalid = await add_staff(bot, 701, "Khalid", "en")
    need_id = await submit_need(bot, bot.user(601, "Rep", "en"))
    steps = intake_steps(entity_id=1, title="Second need")
    for step in steps[:3]:  # /need, entity, title: waits for the specialty
        await answer(bot, khalid, step)
    calls = await bot.press(khalid, f"apr:sl:{need_id}")
    assert "Your need draft is kept: we will come back to it after this." in calls[-1].text
    calls = await bot.text(khalid, "12")
    assert "volunteers per shift: 12" in bot.texts(calls)
    assert "You can now go on with what you were doing before." in calls[-1].text
    assert "Which specialty does it need?" in calls[-1].text
    assert (await db.get_need(bot.db, need_id))["slots"] == 12
    for step in steps[3:]:
        await answer(bot, khalid, step)
    await bot.press(khalid, "ni:submit")
    assert (await db.get_need(bot.db, 2))["title"] == "Second need"


async def test_a_reject_question_open_then_need_started_ends_the_question(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    khalid = await add_staff(bot, 701, "Khalid", "en")
    need_id = await submit_need(bot, bot.user(601, "Rep", "en"))
    await bot.flush_outbox()
    await bot.press(khalid, f"apr:rj:{need_id}")
    calls = await bot.command(khalid, "/need")
    assert "I stopped waiting for your answer about the reason for not approving the need." in bot.texts(calls)
    await bot.press(khalid, "ni:ent:1")
    calls = await bot.text(khalid, "Not needed this season")  # the title now, not a reason
    assert "Which specialty does it need?" in calls[-1].text
    assert (await db.get_need(bot.db, need_id))["status"] == "submitted"
    assert bot.app.user_data[khalid.id]["need_intake"]["title"] == "Not needed this season"


async def test_a_slots_question_open_then_need_started_ends_the_question(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    khalid = await add_staff(bot, 701, "Khalid", "en")
    need_id = await submit_need(bot, bot.user(601, "Rep", "en"))
    await bot.press(khalid, f"apr:sl:{need_id}")
    await bot.command(khalid, "/need")
    await bot.press(khalid, "ni:ent:1")
    await bot.text(khalid, "Guides")
    calls = await bot.text(khalid, "15")  # the specialty question: buttons only
    assert "Please use the buttons below the question." in calls[-1].text
    need = await db.get_need(bot.db, need_id)
    assert (need["status"], need["slots"]) == ("submitted", 20)


# -- a draft left and resumed ---------------------------------------------------------------------


async def test_need_left_for_another_command_is_kept_and_resumed_with_need(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    for step in intake_steps()[:4]:  # /need, title, specialty, site: waits for the location
        await answer(bot, rep, step)
    calls = await bot.command(rep, "/myneeds")
    assert "Your need draft is kept: send /need to go on with it." in bot.texts(calls)
    calls = await bot.text(rep, "Quba Mosque")  # nobody asked: not an answer
    assert bot.app.user_data[601]["need_intake"]["site_name"] == "Quba Mosque, north gate"
    calls = await bot.command(rep, "/need")
    assert "Let us go on where you left off." in calls[-1].text
    assert "Share the site's location" in calls[-1].text
    draft = bot.app.user_data[601]["need_intake"]
    assert (draft["title"], draft["specialty"]) == ("Guides at Quba Mosque", "guidance")
    for step in intake_steps()[4:]:
        await answer(bot, rep, step)
    await bot.press(rep, "ni:submit")
    assert (await db.get_need(bot.db, 1))["site_name"] == "Quba Mosque, north gate"


async def test_a_left_drafts_submit_button_is_stale_until_resumed(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    await fill_intake(bot, rep)
    await bot.command(rep, "/myneeds")
    calls = await bot.press(rep, "ni:submit")
    assert calls[0].method == "answerCallbackQuery" and "no longer active" in calls[0].text
    assert await _count(bot, "needs") == 0
    calls = await bot.command(rep, "/need")
    assert "Please check the need before you submit it" in calls[-1].text
    calls = await bot.press(rep, "ni:submit")
    assert "was submitted with 3 shifts" in bot.texts(calls)
    assert await _count(bot, "needs") == 1


# -- Submit once per draft ------------------------------------------------------------------------


async def test_submit_pressed_again_after_its_answer_failed_stores_the_need_once(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    await add_staff(bot, 701, "Khalid", "en")
    rep = bot.user(601, "Rep", "en")
    await fill_intake(bot, rep)
    summary = _summary_id(bot, 601)
    # An answer Telegram refuses (the limiter takes "query is too old" as no error at all).
    bot.api.fail(400, "Bad Request: query ID is invalid", method="answerCallbackQuery")
    await bot.press(rep, "ni:submit", message_id=summary)
    assert await _count(bot, "needs") == 1  # stored, though the answer to the press failed
    calls = await bot.press(rep, "ni:submit", message_id=summary)
    assert "Need #1 was submitted with 3 shifts" in bot.texts(calls)
    assert (await _count(bot, "needs"), await _count(bot, "shifts")) == (1, 3)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'need.submit'") == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'needcard:%'") == 2


async def test_submit_again_after_a_crash_within_the_persistence_second_stores_the_need_once(
    bot: BotHarness,
) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    await fill_intake(bot, rep)
    summary = _summary_id(bot, 601)
    await bot.app.update_persistence()  # the periodic writer saved the summary state...
    await bot.press(rep, "ni:submit")  # ...then the need was stored, and the process is killed
    assert await _count(bot, "needs") == 1
    await bot.app.bot_data["db"].close()  # kill -9: nothing written since the last periodic save
    fresh = BotHarness(bot.settings, bot.clock)
    fresh.family, bot.family[:] = bot.family, [*bot.family, fresh]
    await fresh.start()
    message_id = summary
    fresh.api.messages[message_id] = bot.api.messages[message_id]  # Telegram still shows it
    assert fresh.app.user_data[601]["need_intake"]["_step"] == "summary"  # the draft came back
    calls = await fresh.press(rep, "ni:submit", message_id=message_id)
    assert "Need #1 was submitted with 3 shifts" in fresh.texts(calls)
    assert (await _count(fresh, "needs"), await _count(fresh, "shifts")) == (1, 3)
    assert "need_intake" not in fresh.app.user_data.get(601, {})


async def test_the_draft_key_is_unique_in_the_database(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    await submit_need(bot, bot.user(601, "Rep", "en"))
    key = await bot.db.fetchval("SELECT draft_key FROM needs WHERE id = 1")
    assert key and len(key) == 32
    row = await bot.db.fetchone("SELECT sql FROM sqlite_master WHERE name = 'needs_draft_key'")
    assert "UNIQUE" in row["sql"]


async def test_a_draft_persisted_before_the_steps_table_goes_on_where_it_was(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    rep = bot.user(601, "Rep", "en")
    await bot.command(rep, "/need")
    draft = bot.app.user_data[601]["need_intake"]
    for key in ("_step", "_msg", "_id"):
        draft.pop(key, None)
    draft["step"] = "title"  # as the flow kept it before
    calls = await bot.text(rep, "Guides")
    assert "Let us go on where you left off." in calls[-1].text and need_intake.TITLE_MIN == 3
    assert TITLE_Q in calls[-1].text
    calls = await bot.text(rep, "Guides")
    assert "Which specialty does it need?" in calls[-1].text
