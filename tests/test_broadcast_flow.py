"""/broadcast on the flow kit: a kept draft resumed at its step, its buttons stale while it is
left, Send once per draft (a retap after a lost answer, a retry after kill -9), a group beside a
private chat, and another flow open at the same time (both orders)."""

from __future__ import annotations

from typing import Any

import pytest

from bot import db
from bot.audience import Audience
from bot.offline import Call
from bot.operations import broadcasts as operations
from tests.factories import create_entity, create_user, create_volunteer
from tests.factories_needs import add_staff, answer, intake_steps, submit_need
from tests.harness import BotHarness, TgUser

COORD = 900
GROUP = -100123
STALE = "This button is no longer active."


async def huda(bot: BotHarness) -> TgUser:
    await create_user(bot.db, COORD, role="coordinator", first_name="Huda", locale="en")
    for user_id in (101, 102, 103):
        await create_volunteer(bot.db, user_id, specialties=("relief",), full_name=f"Volunteer {user_id}")
    return bot.user(COORD, "Huda", "en")


def datas(calls: list[Call]) -> list[str]:
    return [data for call in calls for _label, data in call.buttons]


async def to_card(bot: BotHarness, user: TgUser, text: str = "Water at gate 5") -> None:
    await bot.command(user, "/broadcast")
    await bot.press(user, "bc:k:all")
    await bot.text(user, text)
    assert "Recipients: 3 people" in bot.last(user).text


async def counts(bot: BotHarness) -> tuple[int, int, int]:
    """(broadcasts, their outbox rows, send audits)."""
    return (
        await bot.db.fetchval("SELECT COUNT(*) FROM broadcasts"),
        await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL"),
        await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'broadcast.send'"),
    )


# -- left for another command, resumed with /broadcast at the same step -------------------------


@pytest.mark.parametrize(
    ("steps", "question"),
    [
        ((), "Who should receive the message?"),
        (("bc:k:vol", "bc:fp:spec", "bc:ft:spec:relief", "bc:f"), "Volunteers who match all of these filters:"),
        (("bc:k:vol", "bc:fp:lang"), "Volunteers who speak any of these languages:"),
        (("bc:k:reps",), "Representatives of which entities?"),
        (("bc:k:all",), "Now send the message."),
    ],
)
async def test_a_left_draft_is_resumed_at_its_step(bot: BotHarness, steps: tuple[str, ...], question: str) -> None:
    user = await huda(bot)
    await create_entity(bot.db, reps=(201,))
    await bot.command(user, "/broadcast")
    for data in steps:
        await bot.press(user, data)
    calls = await bot.command(user, "/needs")
    assert "Your broadcast draft is kept: send /broadcast to go on with it." in bot.texts(calls)
    calls = await bot.command(user, "/broadcast")
    assert "Let us go on where you left off." in calls[-1].text
    assert question in calls[-1].text
    assert "Recent broadcasts" not in bot.texts(calls)  # resumed, not started again


async def test_a_left_card_comes_back_with_its_preview_and_choices(bot: BotHarness) -> None:
    user = await huda(bot)
    await bot.command(user, "/broadcast")
    await bot.press(user, "bc:k:vol")
    await bot.press(user, "bc:fp:spec")
    await bot.press(user, "bc:ft:spec:relief")
    await bot.press(user, "bc:go")
    await bot.text(user, "<b>Water</b> at gate 5")
    await bot.press(user, "bc:urg")
    await bot.command(user, "/myneeds")
    calls = await bot.command(user, "/broadcast")
    preview, card = [c for c in calls if c.method == "sendMessage"][-2:]
    assert preview.text == "<b>Water</b> at gate 5" and preview.params["parse_mode"] == "HTML"
    assert "Volunteers: specialty Relief" in card.text and "🚨 Urgent" in card.text
    await bot.press(user, "bc:send")
    assert (await counts(bot))[:2] == (1, 3)
    assert {r["priority"] for r in await bot.db.fetchall("SELECT priority FROM outbox")} == {0}


async def test_a_resumed_draft_takes_the_text_again(bot: BotHarness) -> None:
    user = await huda(bot)
    await bot.command(user, "/broadcast")
    await bot.press(user, "bc:k:all")
    await bot.command(user, "/needs")
    calls = await bot.text(user, "Water at gate 5")  # nobody asked: not the draft's text
    assert "bc:send" not in datas(calls)
    await bot.command(user, "/broadcast")
    calls = await bot.text(user, "Water at gate 5")
    assert "bc:send" in datas(calls)


# -- a left draft's buttons are stale -----------------------------------------------------------


async def test_a_left_drafts_send_button_is_stale(bot: BotHarness) -> None:
    user = await huda(bot)
    await to_card(bot, user)
    await bot.command(user, "/needs")  # leaves the draft (kept)
    for data in ("bc:send", "bc:urg", "bc:x"):
        calls = await bot.press(user, data)
        assert calls[0].method == "answerCallbackQuery" and STALE in calls[0].text
    assert await counts(bot) == (0, 0, 0)
    calls = await bot.command(user, "/broadcast")  # resumed where it was
    assert "bc:send" in datas(calls)
    await bot.press(user, "bc:send")
    assert await counts(bot) == (1, 3, 1)


async def test_a_left_drafts_audience_buttons_are_stale(bot: BotHarness) -> None:
    user = await huda(bot)
    await bot.command(user, "/broadcast")
    await bot.press(user, "bc:k:vol")
    await bot.command(user, "/needs")
    calls = await bot.press(user, "bc:fp:spec")
    assert [c.method for c in calls] == ["answerCallbackQuery"] and STALE in calls[0].text


async def test_the_progress_lists_buttons_work_while_a_draft_is_open_or_left(bot: BotHarness) -> None:
    user = await huda(bot)
    await to_card(bot, user)
    await bot.press(user, "bc:send")
    await bot.command(user, "/broadcast")  # the list, with Stop #1, and a new draft
    calls = await bot.press(user, "bc:stop:1")
    assert "Stop broadcast #1?" in calls[-1].text
    await bot.command(user, "/needs")  # the new draft is left
    calls = await bot.press(user, "bc:stopok:1")
    assert calls[0].params.get("text") == "Stopped."
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'cancelled'") == 3


# -- Send once per draft ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "description"),
    [(400, "Bad Request: query is too old and response timeout expired or query ID is invalid"),
     (502, "Bad Gateway")],
)
async def test_send_pressed_again_after_its_answer_failed_queues_once(
    bot: BotHarness, status: int, description: str
) -> None:
    user = await huda(bot)
    await to_card(bot, user)
    bot.api.fail(status, description, method="answerCallbackQuery")
    await bot.press(user, "bc:send")
    assert await counts(bot) == (1, 3, 1)
    calls = await bot.press(user, "bc:send")  # the card still shows Send: pressed again
    # The limiter takes "query is too old" as no error and retries a 502, so the first press went
    # through and the draft ended: the second is stale. Either way: queued once.
    assert calls[0].params.get("text") in ("Queued.", STALE)
    assert await counts(bot) == (1, 3, 1)
    sent = await bot.flush_outbox()
    assert sorted(c.chat_id for c in sent if c.text == "Water at gate 5") == [101, 102, 103]


async def test_send_again_after_kill_9_within_the_persistence_second_queues_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await huda(bot)
    await to_card(bot, user)
    await bot.app.update_persistence()  # the 1 s writer saved the draft at its card
    await bot.press(user, "bc:send")
    assert await counts(bot) == (1, 3, 1)

    async def killed() -> None:  # kill -9 before the writer's next second: the end is not saved
        return None

    monkeypatch.setattr(bot.app, "update_persistence", killed)
    bot = await bot.restart(graceful=False)
    try:
        calls = await bot.press(user, "bc:send")  # the card, as the person still sees it
        assert calls[0].params.get("text") == "Queued."
        assert "Broadcast #1 is queued for 3 people." in bot.last(user).text
        assert await counts(bot) == (1, 3, 1)
        calls = await bot.press(user, "bc:send")  # now the draft is over
        assert calls[0].params.get("text") == STALE
    finally:
        await bot.stop()


async def test_two_drafts_are_two_broadcasts(bot: BotHarness) -> None:
    user = await huda(bot)
    await to_card(bot, user, "first")
    await bot.press(user, "bc:send")
    await to_card(bot, user, "second")
    await bot.press(user, "bc:send")
    assert await counts(bot) == (2, 6, 2)


async def test_the_send_operation_is_idempotent_by_draft(bot: BotHarness) -> None:
    await huda(bot)

    async def send(key: str) -> operations.Sent:
        return await operations.send(
            bot.db, draft_key=key, created_by=COORD, audience=Audience(), text="hi", urgent=False,
            now=bot.clock.now(),
        )

    first = await send("a")
    again = await send("a")
    assert (again.broadcast_id, again.recipients, again.again) == (first.broadcast_id, 3, True)
    nobody = await operations.send(
        bot.db, draft_key="b", created_by=COORD, audience=Audience(genders=("female",)), text="hi",
        urgent=False, now=bot.clock.now(),
    )
    assert nobody.broadcast_id is None
    assert await db.broadcast_by_draft_key(bot.db, "b") is None  # nothing stored for nobody
    assert await counts(bot) == (1, 3, 1)


async def test_stopping_twice_stops_once(bot: BotHarness) -> None:
    await huda(bot)
    sent = await operations.send(
        bot.db, draft_key="a", created_by=COORD, audience=Audience(), text="hi", urgent=False,
        now=bot.clock.now(),
    )
    assert sent.broadcast_id is not None
    kwargs: dict[str, Any] = {
        "broadcast_id": sent.broadcast_id, "actor_id": COORD, "now": bot.clock.now(), "default_locale": "en",
    }
    assert (await operations.stop(bot.db, **kwargs)).cancelled == 3
    assert (await operations.stop(bot.db, **kwargs)).cancelled == 0
    assert (await operations.stop(bot.db, **{**kwargs, "broadcast_id": 999})).cancelled == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'broadcast.stop'") == 1
    summaries = await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE dedupe_key = 'bc:1:summary'")
    assert summaries == 1


# -- a group chat beside the private one --------------------------------------------------------


async def test_a_broadcast_in_a_group_does_not_disturb_a_private_draft(bot: BotHarness) -> None:
    user = await huda(bot)
    await bot.command(user, "/broadcast")
    await bot.press(user, "bc:k:all")
    await bot.command(user, "/broadcast", group=GROUP)
    await bot.text(user, "Group chatter", group=GROUP)
    group_calls = [c for c in bot.api.calls if str(c.params.get("chat_id")) == str(GROUP)]
    assert not [c for c in group_calls if c.buttons]  # no broadcast menu posted in the group
    calls = await bot.text(user, "Water at gate 5")
    assert "bc:send" in datas(calls)
    await bot.press(user, "bc:send")
    assert await bot.db.fetchval("SELECT text FROM broadcasts") == "Water at gate 5"


async def test_a_broadcast_in_a_group_does_not_disturb_a_private_need(bot: BotHarness) -> None:
    await create_entity(bot.db)
    admin = bot.admin
    for step in intake_steps(entity_id=1)[:2]:  # /need, the entity: now it waits for the title
        await answer(bot, admin, step)
    await bot.command(admin, "/broadcast", group=GROUP)
    calls = await bot.text(admin, "Guides at Quba Mosque")
    assert "Which specialty does it need?" in calls[-1].text
    group_calls = [c for c in bot.api.calls if str(c.params.get("chat_id")) == str(GROUP)]
    assert not [c for c in group_calls if c.buttons]


# -- another flow open at the same time ---------------------------------------------------------


async def test_a_short_question_open_then_broadcast_takes_the_text(bot: BotHarness) -> None:
    await create_entity(bot.db, reps=(601,))
    await create_volunteer(bot.db, 101)
    khalid = await add_staff(bot, 701, "Khalid", "en")
    need_id = await submit_need(bot, bot.user(601, "Rep", "en"))
    await bot.flush_outbox()
    await bot.press(khalid, f"apr:rj:{need_id}")  # asks for a reason (short)
    await bot.command(khalid, "/broadcast")  # a long flow starts: the reason question closes
    await bot.press(khalid, "bc:k:all")
    await bot.text(khalid, "Not needed this season")
    assert (await db.get_need(bot.db, need_id))["status"] == "submitted"
    assert "bc:send" in datas([bot.last(khalid)])


async def test_a_broadcast_draft_then_another_long_draft_then_back(bot: BotHarness) -> None:
    await create_entity(bot.db)
    await create_volunteer(bot.db, 101)
    admin = bot.admin
    await bot.command(admin, "/broadcast")
    await bot.press(admin, "bc:k:all")
    calls = await answer(bot, admin, intake_steps(entity_id=1)[0])  # /need: the broadcast is kept
    assert "Your broadcast draft is kept" in bot.texts(calls)
    calls = await bot.command(admin, "/broadcast")
    assert "Now send the message." in calls[-1].text
    calls = await bot.text(admin, "Water at gate 5")
    assert "bc:send" in datas(calls)
    calls = await bot.press(admin, "bc:send")
    assert "Broadcast #1 is queued for 1 person." in bot.texts(calls)


async def test_a_broadcast_draft_then_a_short_question_then_back_to_the_draft(bot: BotHarness) -> None:
    """A coordinator who also volunteers pauses their offers half-way through a broadcast."""
    await create_volunteer(bot.db, 101)
    await create_volunteer(bot.db, COORD, locale="en", language_code="en")
    async with bot.db.transaction() as tx:
        await db.set_user_role(tx, COORD, "coordinator")
    user = bot.user(COORD, "Huda", "en")
    await bot.command(user, "/broadcast")
    await bot.press(user, "bc:k:all")
    calls = await bot.command(user, "/pause")
    assert "Your broadcast draft is kept: we will come back to it after this." in bot.texts(calls)
    calls = await bot.text(user, "Water at gate 5")  # the pause's question has the text now
    assert "bc:send" not in datas(calls)
    calls = await bot.press(user, "pz:ever")
    assert "paused until you send /resume" in bot.texts(calls)
    assert "You can now go on with what you were doing before." in calls[-1].text
    assert "Now send the message." in calls[-1].text
    calls = await bot.text(user, "Water at gate 5")
    assert "bc:send" in datas(calls)
