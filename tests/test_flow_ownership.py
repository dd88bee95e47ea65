"""Typed text has one owner (DESIGN.md "Three owners"): journeys that are open at the same time.

Each test is a journey that went wrong before the flow kit: two flows open at once (in both
orders), a flow in a group beside one in private, and a draft's buttons after it was left.
"""

from __future__ import annotations

from bot import db, scheduler
from tests.factories import create_entity, create_need, create_user, create_volunteer
from tests.factories_dispatch import TUESDAY, assignments_of
from tests.factories_needs import add_staff, answer, intake_steps, submit_need
from tests.harness import BotHarness

GROUP = -100123


async def _role(bot: BotHarness, user_id: int) -> str | None:
    return await bot.db.fetchval("SELECT role FROM users WHERE id = ?", (user_id,))


async def _need_until_title(bot: BotHarness, admin) -> None:  # type: ignore[no-untyped-def]
    for step in intake_steps(entity_id=1)[:2]:  # /need, the entity: now it waits for the title
        await answer(bot, admin, step)
    assert "What is the need called?" in bot.last(admin).text


async def test_an_id_typed_for_add_coordinator_during_need_intake_adds_the_coordinator(bot: BotHarness) -> None:
    await create_entity(bot.db)
    admin = bot.admin
    await _need_until_title(bot, admin)
    await bot.command(admin, "/staff")
    calls = await bot.press(admin, "staff:add")
    assert "Your need draft is kept" in bot.texts(calls)
    calls = await bot.text(admin, "5555")
    assert await _role(bot, 5555) == "coordinator"
    # The need draft comes back by itself, asking for the title again; the id was not taken.
    assert "You can now go on with what you were doing before." in calls[-1].text
    assert "What is the need called?" in calls[-1].text
    calls = await bot.text(admin, "Guides at the Prophet's Mosque")
    assert "Which specialty does it need?" in calls[-1].text


async def test_cancelling_add_coordinator_then_the_need_leaves_no_question_open(bot: BotHarness) -> None:
    await create_entity(bot.db)
    admin = bot.admin
    await _need_until_title(bot, admin)
    await bot.command(admin, "/staff")
    await bot.press(admin, "staff:add")
    await bot.command(admin, "/cancel")  # closes the open question: who to add
    calls = await bot.command(admin, "/cancel")  # then the need draft
    assert "The need was not saved." in bot.texts(calls)
    calls = await bot.text(admin, "7777")
    assert await _role(bot, 7777) is None
    assert "did not understand" in calls[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM needs") == 0


async def test_resuming_the_need_by_its_command_closes_the_add_coordinator_question(bot: BotHarness) -> None:
    await create_entity(bot.db)
    admin = bot.admin
    await _need_until_title(bot, admin)
    await bot.command(admin, "/staff")
    await bot.press(admin, "staff:add")
    calls = await bot.command(admin, "/need")
    assert "What is the need called?" in calls[-1].text
    await bot.text(admin, "8888 guides")
    assert await _role(bot, 8888) is None
    calls = await bot.text(admin, "8888")  # no longer a person to add: the need's site question
    assert await _role(bot, 8888) is None


async def test_a_decline_reason_typed_during_pause_is_stored_as_the_reason(bot: BotHarness) -> None:
    entity = await create_entity(bot.db, reps=[90])
    await create_volunteer(bot.db, 301)
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    await scheduler.tick(bot.app)
    await bot.flush_outbox()
    volunteer = bot.user(301, "Yusuf", "en")
    await bot.command(volunteer, "/pause")
    [offer] = await assignments_of(bot.db, shift)
    await bot.press(volunteer, f"off:dec:{offer['id']}")
    calls = await bot.text(volunteer, "I am travelling that week")
    assert "Thank you, noted." in bot.texts(calls)
    assert "date" not in bot.texts(calls).lower()
    declined = await bot.db.fetchone("SELECT * FROM assignments WHERE id = ?", (offer["id"],))
    assert declined["status"] == "declined" and declined["decline_reason"] == "I am travelling that week"
    assert (await bot.db.fetchone("SELECT status FROM volunteers WHERE user_id = 301"))["status"] == "active"


async def test_a_name_typed_after_volunteers_searches_instead_of_becoming_the_broadcast(bot: BotHarness) -> None:
    await create_user(bot.db, 900, role="coordinator", first_name="Huda", locale="en")
    await create_volunteer(bot.db, 101, full_name="Abdullah Alharbi")
    await create_volunteer(bot.db, 102, full_name="Omar Saleh")
    huda = bot.user(900, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    calls = await bot.command(huda, "/volunteers")
    assert "Your broadcast draft is kept" in bot.texts(calls)
    calls = await bot.text(huda, "Abdullah")
    assert "Abdullah Alharbi" in bot.texts(calls)
    assert not [data for call in calls for _label, data in call.buttons if data == "bc:send"]
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0
    # The broadcast comes back after the search, still waiting for its text.
    assert "You can now go on with what you were doing before." in bot.texts(calls)
    calls = await bot.text(huda, "Water at gate 5")
    assert [data for call in calls for _label, data in call.buttons if data == "bc:send"]


async def test_a_left_drafts_send_button_is_stale(bot: BotHarness) -> None:
    await create_user(bot.db, 900, role="coordinator", first_name="Huda", locale="en")
    await create_volunteer(bot.db, 101)
    huda = bot.user(900, "Huda", "en")
    await bot.command(huda, "/broadcast")
    await bot.press(huda, "bc:k:all")
    await bot.text(huda, "Water at gate 5")
    await bot.command(huda, "/needs")  # leaves the draft (kept)
    calls = await bot.press(huda, "bc:send")
    assert calls[0].method == "answerCallbackQuery" and "no longer active" in calls[0].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0
    calls = await bot.command(huda, "/broadcast")  # resumed where it was
    assert [data for call in calls for _label, data in call.buttons if data == "bc:send"]


async def test_a_short_question_open_then_a_long_flow_takes_the_text(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    await create_volunteer(bot.db, 101)  # someone to broadcast to
    khalid = await add_staff(bot, 701, "Khalid", "en")
    need_id = await submit_need(bot, bot.user(601, "Rep", "en"))
    await bot.flush_outbox()
    await bot.press(khalid, f"apr:rj:{need_id}")  # asks for a reason (short)
    await bot.command(khalid, "/broadcast")  # a long flow starts: the reason question closes
    await bot.press(khalid, "bc:k:all")
    await bot.text(khalid, "Not needed this season")
    assert (await db.get_need(bot.db, need_id))["status"] == "submitted"
    assert [data for _label, data in bot.last(khalid).buttons if data == "bc:send"]


async def test_a_broadcast_in_a_group_does_not_disturb_a_private_need(bot: BotHarness) -> None:
    await create_entity(bot.db)
    admin = bot.admin
    await _need_until_title(bot, admin)
    await bot.command(admin, "/broadcast", group=GROUP)
    calls = await bot.text(admin, "Guides at Quba Mosque")
    assert "Which specialty does it need?" in calls[-1].text
    group_calls = [c for c in bot.api.calls if str(c.params.get("chat_id")) == str(GROUP)]
    assert not [c for c in group_calls if c.buttons]  # no broadcast menu posted in the group


async def test_text_in_a_group_never_answers_a_private_question(bot: BotHarness) -> None:
    await create_entity(bot.db)
    admin = bot.admin
    await _need_until_title(bot, admin)
    await bot.text(admin, "Group chatter", group=GROUP)
    calls = await bot.text(admin, "Guides at Quba Mosque")
    assert "Which specialty does it need?" in calls[-1].text


async def test_a_left_question_takes_its_keyboard_under_the_text_field_with_it(bot: BotHarness) -> None:
    admin = bot.admin
    await bot.command(admin, "/staff")
    calls = await bot.press(admin, "staff:add")
    assert any(c.params.get("reply_markup", {}).get("keyboard") for c in calls if c.method == "sendMessage")
    calls = await bot.command(admin, "/needs")  # the "who?" question is closed ...
    notice = calls[0]
    assert "I stopped waiting" in notice.text
    assert notice.params["reply_markup"] == {"remove_keyboard": True}  # ... and its keyboard goes


async def test_a_question_asked_over_a_keyboard_question_removes_that_keyboard(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    need_id = await submit_need(bot, bot.user(601, "Rep", "en"))
    await bot.flush_outbox()
    admin = bot.admin
    await bot.command(admin, "/staff")
    await bot.press(admin, "staff:add")  # "who?", with its keyboard under the text field
    calls = await bot.press(admin, f"apr:rj:{need_id}")  # a button starts another question
    sent = [c for c in calls if c.method == "sendMessage"]
    assert sent[0].params["reply_markup"] == {"remove_keyboard": True}
    assert "I stopped waiting" in sent[0].text
    calls = await bot.text(admin, "Not this season")
    assert (await db.get_need(bot.db, need_id))["status"] == "rejected"
