"""The outbox and its sender: dedupe, priority, pacing, 429/403/400/5xx, edits, crash-resume."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from datetime import timedelta

import pytest

from bot import db, delivery
from bot.clock import ManualClock
from bot.delivery import Sender
from tests.factories import create_user
from tests.factories_delivery import (
    enqueue_texts,
    my_chat_member,
    outbox_rows,
    paced_sender,
    stamp_calls,
)
from tests.harness import DEFAULT_START, BotHarness

CHATS = list(range(5001, 5061))


async def make_users(bot: BotHarness, chat_ids) -> None:  # type: ignore[no-untyped-def]
    for chat_id in sorted(set(chat_ids)):
        await create_user(bot.db, chat_id, first_name=f"U{chat_id}")


# -- enqueue --------------------------------------------------------------------------------------


async def test_the_same_dedupe_key_is_stored_once(bot: BotHarness) -> None:
    async with bot.db.transaction() as tx:
        first = await delivery.enqueue(tx, chat_id=5001, dedupe_key="offer:1", now=bot.clock.now(), text="a")
        second = await delivery.enqueue(tx, chat_id=5001, dedupe_key="offer:1", now=bot.clock.now(), text="b")
    assert (first, second) == (True, False)
    rows = await outbox_rows(bot)
    assert [(r["chat_id"], r["status"]) for r in rows] == [(5001, "pending")]
    calls = await bot.flush_outbox()
    assert [(c.method, c.chat_id, c.text) for c in calls] == [("sendMessage", 5001, "a")]
    assert await bot.flush_outbox() == []  # sent once, never again


async def test_enqueue_rolls_back_with_the_business_change(bot: BotHarness) -> None:
    with pytest.raises(RuntimeError):
        async with bot.db.transaction() as tx:
            await delivery.enqueue(tx, chat_id=5001, dedupe_key="x", now=bot.clock.now(), text="a")
            raise RuntimeError("the business change failed")
    assert await outbox_rows(bot) == []


async def test_urgent_before_normal_before_bulk_then_oldest_first(bot: BotHarness) -> None:
    await make_users(bot, [5001, 5002, 5003, 5004, 5005])
    await enqueue_texts(bot, [5001], priority=delivery.BULK, tag="bulk")
    await enqueue_texts(bot, [5002, 5003], priority=delivery.NORMAL, tag="normal")
    await enqueue_texts(bot, [5004], priority=delivery.URGENT, tag="urgent")
    await enqueue_texts(bot, [5005], priority=delivery.NORMAL, tag="normal2")
    calls = await bot.flush_outbox()
    assert [c.chat_id for c in calls] == [5004, 5002, 5003, 5005, 5001]
    rows = await outbox_rows(bot)
    assert {r["status"] for r in rows} == {"sent"}
    assert all(r["message_id"] and r["sent_at"] == db.ts(bot.clock.now()) for r in rows)


async def test_reply_markup_and_parse_mode_reach_telegram(bot: BotHarness) -> None:
    markup = {"inline_keyboard": [[{"text": "Accept", "callback_data": "offer:acc:7"}]]}
    async with bot.db.transaction() as tx:
        await delivery.enqueue(
            tx, chat_id=5001, dedupe_key="o7", now=bot.clock.now(), text="<b>Offer</b>",
            parse_mode="HTML", reply_markup=markup,
        )
    (call,) = await bot.flush_outbox()
    assert call.params["parse_mode"] == "HTML"
    assert call.buttons == [("Accept", "offer:acc:7")]


# -- pacing on the fake clock --------------------------------------------------------------------


@pytest.mark.parametrize("in_flight", [1, 8])
async def test_n_messages_take_at_least_n_over_rate_seconds(bot: BotHarness, in_flight: int) -> None:
    await make_users(bot, CHATS[:50])
    await enqueue_texts(bot, CHATS[:50])
    sender, fake = paced_sender(bot, rate=25, max_in_flight=in_flight)
    stamps = stamp_calls(bot)
    started = bot.clock.now().timestamp()
    assert await sender.drain() == 50
    times = [t for t, _call in stamps]
    assert len(times) == 50
    # 50 messages at 25/s: the 50th goes out 49/25 s after the first, and the drain ends when its
    # slot is used up: N messages take N/rate seconds.
    assert times[-1] - times[0] >= 49 / 25 - 1e-4
    assert bot.clock.now().timestamp() - started >= 50 / 25 - 1e-4
    # ...and no faster anywhere: every gap is one slot, so no second holds more than 25.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 25 - 1e-4
    for t in times:
        assert sum(1 for u in times if t <= u < t + 1 - 1e-4) <= 25
    assert fake.slept == pytest.approx(50 / 25, abs=0.01)


async def test_at_most_one_message_per_second_to_the_same_chat(bot: BotHarness) -> None:
    await make_users(bot, [5001, *CHATS[10:20]])
    await enqueue_texts(bot, [5001] * 5 + CHATS[10:20])
    sender, _fake = paced_sender(bot, rate=25)
    stamps = stamp_calls(bot)
    await sender.drain()
    to_one = [t for t, call in stamps if call.chat_id == 5001]
    assert len(to_one) == 5
    assert all(b - a >= 1.0 - 1e-4 for a, b in itertools.pairwise(to_one))
    # The messages to that chat keep their order, and the other chats do not wait behind it.
    assert [c.text for _t, c in stamps if c.chat_id == 5001] == [f"m {n} to 5001" for n in range(5)]
    others = [t for t, call in stamps if call.chat_id != 5001]
    assert max(others) - stamps[0][0] < 1.0


async def test_a_late_loop_does_not_burst_to_catch_up(bot: BotHarness) -> None:
    """After an idle spell the schedule restarts: no saved-up slots are spent in a burst."""
    await make_users(bot, CHATS[:10])
    sender, _fake = paced_sender(bot, rate=10)
    stamps = stamp_calls(bot)
    await enqueue_texts(bot, CHATS[:5], tag="a")
    await sender.drain()
    bot.clock.advance(seconds=30)
    await enqueue_texts(bot, CHATS[5:10], tag="b")
    await sender.drain()
    times = [t for t, _c in stamps]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.1 - 1e-4


async def test_pacing_measured_in_real_time(bot: BotHarness) -> None:
    """One short run on the real clock: 10 messages at 30/s take at least 9/30 s."""
    await make_users(bot, CHATS[:10])
    await enqueue_texts(bot, CHATS[:10])
    sender = Sender(bot.app.bot, bot.db, rate=30, clock=ManualClock(DEFAULT_START, running=True))
    started = time.monotonic()
    assert await sender.drain() == 10
    elapsed = time.monotonic() - started
    sent_at = [c.at for c in bot.api.sent(method="sendMessage")]
    assert elapsed >= 9 / 30
    assert sent_at[-1] - sent_at[0] >= 9 / 30 * 0.9
    assert elapsed < 2.0


# -- Telegram's errors ----------------------------------------------------------------------------


async def test_429_pauses_all_sending_then_retries_that_message(bot: BotHarness) -> None:
    await make_users(bot, CHATS[:10])
    await enqueue_texts(bot, CHATS[:10])
    bot.api.fail(429, retry_after=3, chat_id=CHATS[3])
    sender, _fake = paced_sender(bot, rate=25, max_in_flight=1)
    stamps = stamp_calls(bot)
    await sender.drain()
    failed_at = next(t for t, c in stamps if "_failed" in c.params)
    after = [(t, c.chat_id) for t, c in stamps if t > failed_at]
    # Nothing at all for 3 seconds, then the throttled message first, then the rest.
    assert after[0][0] - failed_at >= 3.0 - 1e-4
    assert after[0][1] == CHATS[3]
    assert sorted(c.chat_id for c in bot.api.sent(method="sendMessage")) == CHATS[:10]
    assert sender.stats.throttled == 1
    rows = await outbox_rows(bot)
    assert {r["status"] for r in rows} == {"sent"}
    throttled = next(r for r in rows if r["chat_id"] == CHATS[3])
    assert throttled["attempts"] == 1  # a 429 is not the message's fault


async def test_a_429_answer_arriving_during_the_pause_does_not_end_it(bot: BotHarness) -> None:
    """Several sends in flight get 429: the pause lasts until the latest retry_after ends
    (the AIORateLimiter bug, python-telegram-bot#5338, is not repeated here)."""
    await make_users(bot, CHATS[:12])
    await enqueue_texts(bot, CHATS[:12])
    bot.api.fail(429, retry_after=2, chat_id=CHATS[2])
    bot.api.fail(429, retry_after=5, chat_id=CHATS[3])
    sender, _fake = paced_sender(bot, rate=25, max_in_flight=8)
    stamps = stamp_calls(bot)
    await sender.drain()
    last_429 = max(t for t, c in stamps if "_failed" in c.params)
    first_429 = min(t for t, c in stamps if "_failed" in c.params)
    resumed = min(t for t, c in stamps if t > last_429 and "_failed" not in c.params)
    assert resumed - first_429 >= 5.0 - 1e-4 or resumed - last_429 >= 5.0 - 1e-4
    assert sorted(c.chat_id for c in bot.api.sent(method="sendMessage")) == CHATS[:12]


async def test_flush_retries_a_429_without_waiting(bot: BotHarness) -> None:
    await enqueue_texts(bot, [5001])
    bot.api.fail(429, retry_after=30)
    calls = await bot.flush_outbox()
    assert [("_failed" in c.params, c.chat_id) for c in calls] == [(True, 5001), (False, 5001)]


async def test_403_marks_the_user_unreachable_without_retrying(bot: BotHarness) -> None:
    await make_users(bot, [5001, 5002])
    await enqueue_texts(bot, [5001, 5002])
    bot.api.fail(403, chat_id=5001)
    calls = await bot.flush_outbox()
    assert [c.chat_id for c in calls] == [5001, 5002]
    rows = {r["chat_id"]: r for r in await outbox_rows(bot)}
    assert rows[5001]["status"] == "unreachable"
    assert "blocked" in rows[5001]["error"]
    assert rows[5001]["attempts"] == 1
    assert (await db.get_user(bot.db, 5001))["reachable"] == 0
    assert rows[5002]["status"] == "sent"
    # Later messages to that user are skipped without calling Telegram.
    await enqueue_texts(bot, [5001], tag="later")
    assert await bot.flush_outbox() == []
    later = (await outbox_rows(bot))[-1]
    assert (later["status"], later["attempts"]) == ("unreachable", 0)


async def test_writing_to_the_bot_again_makes_a_user_reachable(bot: BotHarness) -> None:
    user = bot.user(5001, "Salim")
    await bot.command(user, "/start")
    await enqueue_texts(bot, [5001])
    bot.api.fail(403, chat_id=5001)
    await bot.flush_outbox()
    assert (await db.get_user(bot.db, 5001))["reachable"] == 0
    await bot.text(user, "hello")
    assert (await db.get_user(bot.db, 5001))["reachable"] == 1
    await enqueue_texts(bot, [5001], tag="again")
    assert [c.chat_id for c in await bot.flush_outbox()] == [5001]


async def test_blocking_the_bot_marks_the_user_unreachable(bot: BotHarness) -> None:
    user = bot.user(5001, "Salim")
    await bot.command(user, "/start")
    when = int(bot.clock.now().timestamp())
    await bot.process(my_chat_member(5001, "Salim", "member", "kicked", when))
    assert (await db.get_user(bot.db, 5001))["reachable"] == 0
    await enqueue_texts(bot, [5001])
    assert await bot.flush_outbox() == []
    assert (await outbox_rows(bot))[0]["status"] == "unreachable"
    # Unblocking (or writing) makes them reachable again.
    await bot.process(my_chat_member(5001, "Salim", "kicked", "member", when))
    assert (await db.get_user(bot.db, 5001))["reachable"] == 1


async def test_400_fails_the_row_and_keeps_the_error(bot: BotHarness) -> None:
    await enqueue_texts(bot, [5001, 5002])
    bot.api.fail(400, chat_id=5001)
    calls = await bot.flush_outbox()
    assert len(calls) == 2
    rows = {r["chat_id"]: r for r in await outbox_rows(bot)}
    assert rows[5001]["status"] == "failed"
    assert rows[5001]["error"] == "Chat not found"
    bot.clock.advance(hours=1)
    assert await bot.flush_outbox() == []  # no retries


async def test_server_errors_retry_with_exponential_backoff(bot: BotHarness) -> None:
    await enqueue_texts(bot, [5001])
    bot.api.fail(500, times=2)
    assert len(await bot.flush_outbox()) == 1
    row = (await outbox_rows(bot))[0]
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert db.parse_ts(row["next_attempt_at"]) == bot.clock.now() + timedelta(seconds=5)
    assert await bot.flush_outbox() == []  # not due yet
    bot.clock.advance(seconds=5)
    assert len(await bot.flush_outbox()) == 1  # fails again: now 10 s
    row = (await outbox_rows(bot))[0]
    assert db.parse_ts(row["next_attempt_at"]) == bot.clock.now() + timedelta(seconds=10)
    bot.clock.advance(seconds=9)
    assert await bot.flush_outbox() == []
    bot.clock.advance(seconds=1)
    calls = await bot.flush_outbox()
    assert [("_failed" in c.params) for c in calls] == [False]
    row = (await outbox_rows(bot))[0]
    assert (row["status"], row["attempts"]) == ("sent", 3)


async def test_gives_up_after_send_max_attempts(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(SEND_MAX_ATTEMPTS="3")
    await enqueue_texts(bot, [5001])
    bot.api.fail(502, times=10)
    attempts = 0
    for _ in range(5):
        attempts += len(await bot.flush_outbox())
        bot.clock.advance(minutes=10)
    assert attempts == 3
    row = (await outbox_rows(bot))[0]
    assert (row["status"], row["attempts"], row["error"]) == ("failed", 3, "Bad Gateway")


async def test_paced_sender_waits_out_the_backoff_on_the_fake_clock(bot: BotHarness) -> None:
    await enqueue_texts(bot, [5001])
    bot.api.fail(503, times=1)
    sender, _fake = paced_sender(bot)
    await sender.drain()
    assert (await outbox_rows(bot))[0]["status"] == "pending"
    bot.clock.advance(seconds=5)
    await sender.drain()
    assert (await outbox_rows(bot))[0]["status"] == "sent"
    assert sender.stats.retried == 1 and sender.stats.sent == 1


# -- edits ----------------------------------------------------------------------------------------


async def test_edits_go_through_the_outbox_with_the_stored_message_id(bot: BotHarness) -> None:
    await enqueue_texts(bot, [5001])
    await bot.flush_outbox()
    message_id = (await outbox_rows(bot))[0]["message_id"]
    assert message_id in bot.api.messages
    async with bot.db.transaction() as tx:
        await delivery.enqueue(
            tx, chat_id=5001, dedupe_key="edit:1", now=bot.clock.now(), text="offer expired",
            method="editMessageText", params={"message_id": message_id},
        )
    (call,) = await bot.flush_outbox()
    assert (call.method, call.params["message_id"], call.text) == ("editMessageText", message_id, "offer expired")
    assert bot.api.messages[message_id]["text"] == "offer expired"
    edit = (await outbox_rows(bot))[-1]
    assert (edit["status"], edit["message_id"]) == ("sent", message_id)


async def test_an_edit_that_changes_nothing_counts_as_sent(bot: BotHarness) -> None:
    async with bot.db.transaction() as tx:
        await delivery.enqueue(
            tx, chat_id=5001, dedupe_key="edit:2", now=bot.clock.now(), text="same",
            method="editMessageText", params={"message_id": 77},
        )
    bot.api.fail(400, "Bad Request: message is not modified: specified new message content "
                 "and reply markup are exactly the same")
    await bot.flush_outbox()
    row = (await outbox_rows(bot))[0]
    assert (row["status"], row["message_id"]) == ("sent", 77)


# -- crash safety ---------------------------------------------------------------------------------


async def test_after_kill_9_pending_rows_are_sent_and_sent_rows_are_not(bot: BotHarness) -> None:
    await make_users(bot, CHATS[:10])
    await enqueue_texts(bot, CHATS[:10])
    sender, _fake = paced_sender(bot, max_in_flight=1)
    await sender.drain(limit=4)
    before = [c.chat_id for c in bot.api.sent(method="sendMessage")]
    assert before == CHATS[:4]
    bot = await bot.restart(graceful=False)
    try:
        after = [c.chat_id for c in await bot.flush_outbox()]
        assert after == CHATS[4:10]
        rows = await outbox_rows(bot)
        assert {r["status"] for r in rows} == {"sent"}
        assert all(r["message_id"] for r in rows)
    finally:
        await bot.stop()  # the restarted harness is not the fixture's


async def test_kill_9_of_the_running_sender_loses_nothing(bot: BotHarness, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The background task is killed mid-drain (no stop, no flush); a new process on the same
    database sends the rest. Nothing recorded as sent goes twice; only sends in flight may."""
    await make_users(bot, CHATS[:40])
    await enqueue_texts(bot, CHATS[:40])
    sender = Sender(bot.app.bot, bot.db, rate=30, clock=ManualClock(DEFAULT_START, running=True))
    sender.start()
    for _ in range(200):
        await asyncio.sleep(0.01)
        if len(bot.api.sent(method="sendMessage")) >= 12:
            break
    # kill -9: the task and its sends vanish mid-flight.
    in_flight = len(sender._in_flight)
    for task in [sender._task, *sender._in_flight]:
        task.cancel()
    await asyncio.gather(sender._task, *sender._in_flight, return_exceptions=True)
    first_life = [c.chat_id for c in bot.api.sent(method="sendMessage")]
    with sqlite3.connect(bot.settings.database_path) as conn:
        recorded = {r[0] for r in conn.execute("SELECT chat_id FROM outbox WHERE status = 'sent'")}
    assert 12 <= len(first_life) < 40
    bot = await bot.restart(graceful=False)
    try:
        second_life = [c.chat_id for c in await bot.flush_outbox()]
        assert not recorded & set(second_life)  # nothing recorded as sent was sent again
        assert sorted(set(first_life) | set(second_life)) == CHATS[:40]  # nothing lost
        assert len(first_life) + len(second_life) - 40 <= max(in_flight, 1)
        assert {r["status"] for r in await outbox_rows(bot)} == {"sent"}
    finally:
        await bot.stop()


# -- the background task --------------------------------------------------------------------------


async def test_a_commit_wakes_the_running_sender_at_once(bot: BotHarness) -> None:
    sender = Sender(
        bot.app.bot, bot.db, clock=ManualClock(DEFAULT_START, running=True), poll_interval=60
    )
    bot.db.on_enqueue = sender.wake  # the composition root's wiring, for this test's sender
    sender.start(pause=0)
    delivered = asyncio.Event()
    bot.api.listeners.append(lambda call: call.chat_id == 5001 and delivered.set())
    await asyncio.sleep(0.05)  # idle, waiting up to a minute for the next poll
    started = time.monotonic()
    await enqueue_texts(bot, [5001])
    await asyncio.wait_for(delivered.wait(), timeout=5)
    assert time.monotonic() - started < 1.0
    stopping = time.monotonic()
    await sender.stop()
    assert not sender.running
    assert time.monotonic() - stopping < 1.0
    assert (await outbox_rows(bot))[0]["status"] == "sent"


async def test_the_application_starts_and_stops_its_sender(bot: BotHarness) -> None:
    sender: Sender = bot.app.bot_data["sender"]
    assert not sender.running
    await bot.app.start()
    assert sender.running
    with pytest.raises(RuntimeError):
        await sender.drain()
    await bot.app.stop()
    assert not sender.running
