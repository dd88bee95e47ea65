"""The route index (bot/flows/kit/routes.py): an update is tried only against the handlers that
could take it, and reaches the same handler as PTB's own loop.

Every update of every harness test is checked against PTB's loop (tests/harness.py
`CheckedRoutes`); here are the journeys where the two could part: a flow open and a command
typed, /cancel, a stale button of a flow, the deep links of /start, a group chat, an unknown
command, plain text with nothing open, the fallbacks, a retap after a failed answer, a restart,
and handlers added after the index was built.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.flows import kit
from bot.flows.kit.routes import literal_prefix, route_of
from tests.factories import create_user, create_volunteer
from tests.harness import BotHarness

GROUP = -100777


def _name(handler: Any) -> str:
    spec = getattr(handler, "spec", None)
    if spec is not None:
        return f"flow {spec.name}"
    callback = handler.callback
    callback = getattr(callback, "func", callback)  # a functools.partial
    return str(getattr(callback, "__name__", callback))


def _taken(bot: BotHarness) -> str:
    """The handler of group 0 that took the last update ("" when none did)."""
    _group, handler = next(entry for entry in reversed(bot.routes.taken) if entry[0] == 0)
    return "" if handler is None else _name(handler)


def test_ptb_loop_is_the_one_the_application_copies() -> None:
    """bot/app.py `AounApplication.process_update` is PTB 22.8's loop with the route index in
    it: if PTB's changes (an upgrade), compare the two and carry the change over, then update
    this fingerprint."""
    source = inspect.getsource(Application.process_update)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "2bfb81bbac9806b8"


def test_literal_prefixes_of_the_patterns_in_use() -> None:
    assert literal_prefix(kit.Route("off", "acc", int).pattern) == "off:acc:"
    assert literal_prefix(kit.Route("bc", "list").pattern) == "bc:list"
    assert literal_prefix(kit.area_pattern("reg")) == "reg"
    assert literal_prefix(r"^staff:invrv:([\w-]+)$") == "staff:invrv:"
    assert literal_prefix(r"^a\-b:x") == "a-b:x"
    # Where the text is not certain, nothing is assumed.
    assert literal_prefix(r"^ab?:x") == "a"
    assert literal_prefix(r"^off:acc|^on:") == ""
    assert literal_prefix(re.compile(r"^off:", re.IGNORECASE)) == ""
    assert literal_prefix(r"(?i)off") == ""
    assert literal_prefix(r"\d+") == ""


def test_the_route_of_an_update(bot: BotHarness) -> None:
    ali = bot.user(501).as_dict()

    def update(payload: dict[str, Any]) -> Update:
        return bot.incoming.update(payload)

    assert route_of(update(bot.incoming.command(ali, "/Need@aoun_test_bot x"))) == ("need", False, None)
    assert route_of(update({"message": bot.incoming.message(ali, None, text="hello")["message"]})) == (
        None, False, None,
    )
    message = {"message_id": 1, "date": 0, "chat": {"id": 501, "type": "private"}, "text": "…"}
    assert route_of(update(bot.incoming.press(ali, "off:acc:12", message))) == (None, True, "off:")
    assert route_of(update(bot.incoming.press(ali, "lonely", message))) == (None, True, "lonely")
    assert route_of(object()) is None


async def test_plain_text_and_an_unknown_command_with_nothing_open_reach_the_fallback(bot: BotHarness) -> None:
    ali = bot.user(502, "Ali", "en")
    await bot.text(ali, "hello")
    assert _taken(bot) == "not_understood"
    await bot.command(ali, "/frobnicate")
    assert _taken(bot) == "not_understood"
    await bot.press(ali, "zz:nothing:1")  # a button no handler knows
    assert _taken(bot) == "stale_button"
    await bot.press(ali, "nocolon")
    assert _taken(bot) == "stale_button"


async def test_start_and_its_deep_links(bot: BotHarness) -> None:
    ali = bot.user(503, "Ali", "en")
    await bot.command(ali, "/start")
    assert _taken(bot) == "start"
    await bot.command(ali, "/start rep_nosuchtoken")
    assert _taken(bot) == "accept_invite"
    await bot.command(ali, "/start verify_ABCDEFGHJK")
    assert _taken(bot) == "verify"
    await bot.command(ali, "/start@aoun_test_bot")
    assert _taken(bot) == "start"


async def test_a_command_typed_while_a_flow_is_open_and_cancel(bot: BotHarness) -> None:
    ali = bot.user(504, "Ali", "en")
    await bot.command(ali, "/register")
    assert _taken(bot) == "flow registration"
    await bot.press(ali, "reg:cn:y")  # consent: registration now waits for the name
    assert _taken(bot) == "flow registration"
    await bot.command(ali, "/help")  # passive: shown, the question stays open
    assert _taken(bot) == "help_command"
    await bot.text(ali, "Ahmad Saleh Alharbi")  # the open question takes the text
    assert _taken(bot) == "flow registration"
    calls = await bot.command(ali, "/cancel")
    assert _taken(bot) == "flow registration"
    assert calls
    await bot.command(ali, "/cancel")  # nothing open any more
    assert _taken(bot) == "cancel_idle"
    await bot.text(ali, "Ahmad Saleh Alharbi")
    assert _taken(bot) == "not_understood"


async def test_a_stale_button_of_a_finished_flow_and_of_a_kept_draft(bot: BotHarness) -> None:
    ali = bot.user(505, "Ali", "en")
    await bot.command(ali, "/register")
    await bot.command(ali, "/cancel")
    calls = await bot.press(ali, "reg:cn:y")  # the consent question's button, after /cancel
    assert _taken(bot) == "stale_button"
    assert calls[-1].params.get("show_alert")
    # A kept draft: registration is left for /shifts at its name question; its buttons are stale.
    await bot.command(ali, "/register")
    await bot.press(ali, "reg:cn:y")
    await bot.command(ali, "/shifts")
    assert _taken(bot) == "shifts_command"
    calls = await bot.press(ali, "reg:cn:y")
    assert _taken(bot) == "flow registration"
    assert calls[-1].params.get("show_alert")
    await bot.text(ali, "Ahmad Saleh Alharbi")  # a kept draft never takes typed text
    assert _taken(bot) == "not_understood"
    await bot.command(ali, "/register")  # its command resumes it
    assert _taken(bot) == "flow registration"
    # A short question's button after it ended: /pause, then /profile ends it.
    await create_volunteer(bot.db, 506)
    yusuf = bot.user(506, "Yusuf", "en")
    await bot.command(yusuf, "/pause")
    assert _taken(bot) == "flow pause"
    await bot.command(yusuf, "/profile")
    assert _taken(bot) == "profile_command"
    calls = await bot.press(yusuf, "pz:ever")
    assert _taken(bot) == "stale_button"


async def test_commands_and_buttons_in_a_group_chat(bot: BotHarness) -> None:
    ali = bot.user(507, "Ali", "en")
    await bot.command(ali, "/register", group=GROUP)
    assert _taken(bot) == "flow registration"  # a link to the private chat
    assert "t.me/" in bot.last(GROUP).text
    await bot.command(ali, "/help", group=GROUP)
    assert _taken(bot) == "help_command"
    await bot.text(ali, "hello everyone", group=GROUP)
    assert _taken(bot) == ""  # the fallback answers private chats only


async def test_a_retap_after_a_failed_answer_and_a_restart_mid_flow(bot: BotHarness) -> None:
    ali = bot.user(508, "Ali", "en")
    await bot.command(ali, "/register")
    bot.api.fail(400, "Bad Request: query is too old", method="answerCallbackQuery")
    await bot.press(ali, "reg:cn:y")
    first = _taken(bot)
    await bot.press(ali, "reg:cn:y")
    assert _taken(bot) == first == "flow registration"
    fresh = await bot.restart(graceful=False)  # kill -9: the conversation comes back from disk
    await fresh.text(ali, "Ahmad Saleh Alharbi")
    assert _taken(fresh) == "flow registration"
    assert "phone" in fresh.last(ali).text


async def test_handlers_added_after_the_index_was_built_are_found(bot: BotHarness) -> None:
    await create_user(bot.db, 509)
    ali = bot.user(509, "Ali", "en")
    await bot.command(ali, "/help")  # the index of group 0 is built now
    seen: list[str] = []

    async def remember(update: Update, context: Any) -> None:
        seen.append("remember")

    async def late(update: Update, context: Any) -> None:
        seen.append("late")

    bot.app.handlers[0].insert(0, CommandHandler("remember", remember))
    bot.app.add_handler(CallbackQueryHandler(late, pattern="^late:"), group=1)
    await bot.command(ali, "/remember")
    assert _taken(bot) == "remember"
    await bot.press(ali, "late:1")  # group 0's fallback answers it, group 1 sees it too
    assert _taken(bot) == "stale_button"
    assert seen == ["remember", "late"]
    bot.app.remove_handler(bot.app.handlers[0][0])
    await bot.command(ali, "/remember")
    assert _taken(bot) == "not_understood"
