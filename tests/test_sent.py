"""The bot's sends answer a SentMessage (bot/sent.py): a Message built from Telegram's answer
only when more than its message_id is read, and then the same as PTB's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageId
from telegram.request import HTTPXRequest

from bot.app import build_application
from bot.flows import kit
from bot.sent import AounBot, SentMessage
from tests.harness import BotHarness, make_settings

CHAT = 4242


def _keyboard() -> InlineKeyboardMarkup:
    return kit.markup(
        [kit.button("✍️ سجّلني في #1", "shf:sig:12")],
        [InlineKeyboardButton("Map", url="https://maps.example/1")],
    )


async def test_a_sent_message_is_the_message_ptb_would_build(bot: BotHarness) -> None:
    assert isinstance(bot.app.bot, AounBot)
    sent = await bot.app.bot.send_message(CHAT, "<b>مرحبا</b> Ahmed 12", parse_mode="HTML",
                                          reply_markup=_keyboard())
    assert isinstance(sent, SentMessage) and isinstance(sent, Message)
    answer = bot.api.messages[sent.message_id]
    assert sent._answer is not None  # message_id alone builds nothing
    whole = Message.de_json(answer, bot.app.bot)
    assert sent.text == "<b>مرحبا</b> Ahmed 12"
    assert sent._answer is None  # built once, at the first other read
    assert sent.to_dict() == whole.to_dict()
    assert sent == whole and hash(sent) == hash(whole)
    assert sent.chat_id == CHAT and sent.reply_markup == _keyboard()
    assert sent.get_bot() is bot.app.bot
    with pytest.raises(AttributeError):
        sent.no_such_field  # noqa: B018


async def test_a_sent_messages_shortcuts_reach_telegram(bot: BotHarness) -> None:
    sent = await bot.app.bot.send_message(CHAT, "first", reply_markup=_keyboard())
    edited = await sent.edit_text("second")
    call = bot.api.calls[-1]
    assert (call.method, call.chat_id, int(call.params["message_id"])) == (
        "editMessageText", CHAT, sent.message_id
    )
    assert isinstance(edited, SentMessage) and edited.text == "second"
    assert edited.reply_markup is None  # the edit took the buttons off, as Telegram does


async def test_other_answers_are_what_ptb_gives(bot: BotHarness) -> None:
    # An edit of a message Telegram does not have as a chat message answers True.
    assert await bot.app.bot.edit_message_text("x", chat_id=CHAT, message_id=999_999) is True
    copied = await bot.app.bot.copy_message(CHAT, CHAT, 1)
    assert type(copied) is MessageId
    me = await bot.app.bot.get_me()
    assert me.is_bot and me.id == bot.app.bot.id


async def test_a_sent_documents_file_id_is_read_from_the_answer(bot: BotHarness) -> None:
    sent = await bot.app.bot.send_document(CHAT, "BQACAgIAAxkBAAIB", caption="قائمة")
    assert isinstance(sent, SentMessage)
    assert sent.document is not None and sent.document.file_id == f"doc{sent.message_id}"
    assert sent.caption == "قائمة"


async def test_the_bot_keeps_the_builders_network_defaults(tmp_path: Path) -> None:
    app = build_application(make_settings(tmp_path))
    assert isinstance(app.bot, AounBot)
    calls, updates = app.bot.request, app.bot._request[0]
    assert isinstance(calls, HTTPXRequest) and isinstance(updates, HTTPXRequest)
    assert calls._client_kwargs["limits"].max_connections == 256
    assert updates._client_kwargs["limits"].max_connections == 1
    assert app.bot.rate_limiter is app.bot_data["limiter"]
