"""The fake Bot API server speaks enough Telegram for PTB's real HTTP client."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter

from tests.fake_bot_api import FakeBotAPI, message_update, user_dict
from tests.harness import TEST_TOKEN


def _bot(server: FakeBotAPI) -> Bot:
    return Bot(TEST_TOKEN, base_url=f"{server.base_url}/bot")


async def test_get_me_send_and_edit_through_ptb() -> None:
    async with FakeBotAPI() as server, _bot(server) as bot:
        assert bot.username == "aoun_test_bot"
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("English", callback_data="lang:en")]])
        message = await bot.send_message(42, "مرحبا 123", reply_markup=keyboard)
        assert message.chat.id == 42 and message.text == "مرحبا 123"
        edited = await bot.edit_message_text("done", chat_id=42, message_id=message.message_id)
        assert edited.text == "done"
        assert await bot.answer_callback_query("17", text="ok") is True
        assert await bot.set_my_commands([("start", "Start")], language_code="en") is True
        assert await bot.delete_webhook() is True
        assert await bot.send_chat_action(42, "typing") is True

    sent = server.sent(42, "sendMessage")
    assert len(sent) == 1
    # Form values come back typed: ints, JSON objects, and strings kept as strings.
    assert sent[0].params["chat_id"] == 42
    assert sent[0].text == "مرحبا 123"
    assert sent[0].buttons == [("English", "lang:en")]
    methods = [c.method for c in server.calls]
    assert methods[0] == "getMe"
    assert {"editMessageText", "answerCallbackQuery", "setMyCommands", "deleteWebhook"} <= set(methods)
    commands = server.sent(method="setMyCommands")[0].params
    assert commands["commands"] == [{"command": "start", "description": "Start"}]
    assert commands["language_code"] == "en"
    assert server.sent(method="answerCallbackQuery")[0].params["callback_query_id"] == "17"


async def test_long_polling_waits_for_a_pushed_update_and_honours_offset() -> None:
    async with FakeBotAPI() as server, _bot(server) as bot:
        assert await bot.get_updates(timeout=0) == ()

        async def push_later() -> None:
            await asyncio.sleep(0.1)
            server.push_update(message_update(user_dict(5, "Sara", "en"), "/start"))

        pusher = asyncio.create_task(push_later())
        started = time.monotonic()
        updates = await bot.get_updates(timeout=5)
        await pusher
        assert time.monotonic() - started < 3  # answered when the update arrived, not at timeout
        assert len(updates) == 1
        assert updates[0].message.text == "/start"
        assert updates[0].message.from_user.language_code == "en"
        # Not confirmed yet: served again; confirmed by a higher offset: gone.
        again = await bot.get_updates(timeout=0)
        assert [u.update_id for u in again] == [updates[0].update_id]
        assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
        assert server.pending_updates() == 0

        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
        assert 0.9 <= time.monotonic() - started < 3


async def test_rate_limits_answer_429_with_retry_after_and_count_them() -> None:
    server = FakeBotAPI(rate_limit_overall=3, rate_limit_per_chat=1)
    async with server, _bot(server) as bot:
        await bot.send_message(1, "a")
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(1, "b")  # second message to one chat within a second
        assert raised.value.retry_after >= 1
        await bot.send_message(2, "c")
        await bot.send_message(3, "d")
        with pytest.raises(RetryAfter):
            await bot.send_message(4, "e")  # fourth message overall within a second
        # Other methods are not sends and are never limited.
        assert await bot.answer_callback_query("1") is True
    assert server.rate_limited == 2
    assert [c.status for c in server.calls if c.method == "sendMessage"] == [200, 429, 200, 200, 429]
    assert len(server.sent(method="sendMessage")) == 3


async def test_scripted_failure_and_wrong_token() -> None:
    server = FakeBotAPI(token=TEST_TOKEN)
    async with server, _bot(server) as bot:
        server.fail(403, method="sendMessage", chat_id=9)
        with pytest.raises(Exception, match="blocked"):
            await bot.send_message(9, "hi")
        await bot.send_message(9, "hi again")
        request = urllib.request.Request(f"{server.base_url}/bot1:wrong/getMe", method="POST")
        with pytest.raises(urllib.error.HTTPError) as raised:
            await asyncio.to_thread(urllib.request.urlopen, request, timeout=5)
        assert raised.value.code == 401


def test_json_bodies_and_get_queries_from_another_thread() -> None:
    with FakeBotAPI().in_thread() as server:
        body = json.dumps({"chat_id": 7, "text": "123", "reply_markup": {"inline_keyboard": []}})
        request = urllib.request.Request(
            f"{server.base_url}/bot{TEST_TOKEN}/sendMessage",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            answer = json.loads(response.read())
        assert answer["ok"] and answer["result"]["text"] == "123"
        with urllib.request.urlopen(
            f"{server.base_url}/bot{TEST_TOKEN}/getUpdates?timeout=0&offset=0", timeout=5
        ) as response:
            assert json.loads(response.read()) == {"ok": True, "result": []}

        # A push from this thread wakes a long poll running on the server's own loop.
        update_id = server.push_update(message_update(user_dict(8), "hello"))
        with urllib.request.urlopen(
            f"{server.base_url}/bot{TEST_TOKEN}/getUpdates?timeout=5", timeout=10
        ) as response:
            result = json.loads(response.read())["result"]
        assert [u["update_id"] for u in result] == [update_id]
        call = server.wait_for_message(7)
        assert call.text == "123"  # a numeric-looking text stays a string
        with pytest.raises(TimeoutError):
            server.wait_for_message(8, timeout=0.2)
