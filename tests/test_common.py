"""Everyone's handlers: /start, /help, /lang, /cancel, /privacy, fallbacks, errors, menus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import db
from bot.clock import ManualClock
from bot.context import Context
from bot.handlers import common
from tests import factories
from tests.factories_flows import probe_harness
from tests.harness import ADMIN_ID, BotHarness


def has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def scope(call: Any) -> dict[str, Any]:
    value = call.params.get("scope")
    return value if isinstance(value, dict) else value.to_dict()


def menu_names(call: Any) -> list[str]:
    return [c["command"] if isinstance(c, dict) else c.command for c in call.params["commands"]]


# -- /start ----------------------------------------------------------------------------------------


async def test_start_greets_a_volunteer_in_their_telegram_language(bot: BotHarness) -> None:
    ali = bot.user(101, "Ali", "ar")
    john = bot.user(102, "John", "en")
    [arabic] = await bot.command(ali, "/start")
    [english] = await bot.command(john, "/start")
    assert arabic.method == english.method == "sendMessage"
    assert has_arabic(arabic.text) and "\u2068Ali\u2069" in arabic.text  # name isolated in RTL
    assert not has_arabic(english.text)
    assert "Aoun" in english.text and "John" in english.text and "/register" in english.text
    assert english.buttons == [("📝 Register as a volunteer", "menu:register")]
    assert arabic.buttons[0][1] == "menu:register" and has_arabic(arabic.buttons[0][0])
    row = await db.get_user(bot.db, 101)
    assert row["role"] == "volunteer" and row["language_code"] == "ar" and row["locale"] is None
    assert row["first_name"] == "Ali"


async def test_unknown_language_gets_the_default_locale(make_bot: Any) -> None:
    bot = await make_bot()
    [reply] = await bot.command(bot.user(103, "Pierre", "fr"), "/start")
    assert has_arabic(reply.text)
    bot_en = await make_bot(DEFAULT_LOCALE="en", DATABASE_PATH=str(bot.settings.database_path) + "2")
    [reply] = await bot_en.command(bot_en.user(104, "Pierre", "fr"), "/start")
    assert not has_arabic(reply.text)
    [reply] = await bot_en.command(bot_en.user(105, "Nobody", None), "/start")
    assert not has_arabic(reply.text)


@pytest.mark.parametrize(
    ("role", "expected", "unexpected"),
    [
        ("admin", ["/staff", "/needs", "admin"], []),
        ("coordinator", ["/needs", "/volunteers", "coordinator"], ["/staff"]),
        ("entity_rep", ["/need", "/myneeds", "partner entity"], ["/staff", "/register"]),
    ],
)
async def test_start_differs_per_role(bot: BotHarness, role: str, expected: list[str],
                                      unexpected: list[str]) -> None:
    await factories.create_user(bot.db, 300, role=role, language_code="en")
    [reply] = await bot.command(bot.user(300, "Sam", "en"), "/start")
    for part in expected:
        assert part in reply.text
    for part in unexpected:
        assert part not in reply.text
    assert reply.buttons == []  # the Register button is for volunteers only


async def test_start_with_an_unknown_deep_link_explains_and_greets(bot: BotHarness) -> None:
    john = bot.user(102, "John", "en")
    calls = await bot.command(john, "/start nonsense_payload")
    assert [c.method for c in calls] == ["sendMessage", "sendMessage"]
    assert "not valid" in calls[0].text
    assert "Aoun" in calls[1].text


# -- /help -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("volunteer", {"register", "profile", "shifts", "myshifts", "lang", "help", "privacy"},
         {"staff", "needs", "need", "audit"}),
        ("entity_rep", {"need", "myneeds", "lang"}, {"staff", "register", "needs"}),
        ("coordinator", {"needs", "volunteers", "broadcast", "audit", "need"},
         {"staff", "register", "myneeds"}),
        ("admin", {"staff", "needs", "audit"}, {"register", "myneeds"}),
    ],
)
async def test_help_lists_the_commands_of_the_callers_role(
    bot: BotHarness, role: str, present: set[str], absent: set[str]
) -> None:
    await factories.create_user(bot.db, 400, role=role)
    [reply] = await bot.command(bot.user(400, "Huda", "en"), "/help")
    listed = {line.split()[0].lstrip("/") for line in reply.text.splitlines() if line.startswith("/")}
    assert present <= listed
    assert not (absent & listed)
    assert listed == {c.name for c in common.commands_for(role)}


async def test_help_and_start_follow_a_role_change_at_once(bot: BotHarness) -> None:
    """The role is read once per update (with the user's row, before any handler): a volunteer
    made coordinator between two updates gets the coordinator's answers from the next one."""
    huda = bot.user(402, "Huda", "en")
    [before] = await bot.command(huda, "/help")
    assert "/register" in before.text and "/broadcast" not in before.text
    async with bot.db.transaction() as tx:
        await db.set_user_role(tx, 402, "coordinator", now=bot.clock.now())
    [after] = await bot.command(huda, "/help")
    assert "/broadcast" in after.text and "/register" not in after.text
    [welcome] = await bot.command(huda, "/start")
    assert "You are a coordinator" in welcome.text
    [refused] = await bot.command(huda, "/shifts")
    assert refused.text == "Sorry, this is only for volunteers."


async def test_help_is_localized(bot: BotHarness) -> None:
    [reply] = await bot.command(bot.user(401, "Huda", "ar"), "/help")
    assert has_arabic(reply.text) and "/register" in reply.text


# -- /lang -----------------------------------------------------------------------------------------


async def test_lang_saves_the_choice_switches_replies_and_the_menu(bot: BotHarness) -> None:
    ali = bot.user(101, "Ali", "ar")
    [chooser] = await bot.command(ali, "/lang")
    assert chooser.buttons == [("العربية", "lang:ar"), ("English", "lang:en")]

    calls = await bot.press(ali, "lang:en")
    methods = [c.method for c in calls]
    assert methods == ["answerCallbackQuery", "editMessageText", "setMyCommands"]
    assert calls[1].text == "Done. I will speak English with you."
    edited = bot.api.messages[int(calls[1].params["message_id"])]
    assert edited["chat"]["id"] == 101 and "reply_markup" not in edited  # the chooser itself
    menu = calls[2]
    assert scope(menu) == {"type": "chat", "chat_id": 101}
    assert "language_code" not in menu.params
    assert "register" in menu_names(menu)
    assert not any(has_arabic(c["description"]) for c in menu.params["commands"])
    assert (await db.get_user(bot.db, 101))["locale"] == "en"

    # Telegram still says "ar"; the saved choice wins.
    [reply] = await bot.command(ali, "/help")
    assert not has_arabic(reply.text)

    calls = await bot.press(ali, "lang:ar")
    assert has_arabic(calls[1].text)
    assert has_arabic(calls[2].params["commands"][0]["description"])
    assert (await db.get_user(bot.db, 101))["locale"] == "ar"


async def test_lang_with_a_forged_code_changes_nothing(bot: BotHarness) -> None:
    ali = bot.user(101, "Ali", "ar")
    await bot.command(ali, "/lang")
    [answer] = await bot.press(ali, "lang:fr")
    assert answer.method == "answerCallbackQuery" and answer.params["show_alert"] is True
    assert (await db.get_user(bot.db, 101))["locale"] is None


async def test_a_staff_members_menu_follows_their_language(bot: BotHarness) -> None:
    await factories.create_user(bot.db, 500, role="coordinator", language_code="ar")
    coordinator = bot.user(500, "Omar", "ar")
    await bot.command(coordinator, "/lang")
    calls = await bot.press(coordinator, "lang:en")
    [menu] = [c for c in calls if c.method == "setMyCommands"]
    assert scope(menu) == {"type": "chat", "chat_id": 500}
    assert {"needs", "audit"} <= set(menu_names(menu))
    assert "register" not in menu_names(menu)


# -- /cancel, /privacy -----------------------------------------------------------------------------


async def test_cancel_when_nothing_runs(bot: BotHarness) -> None:
    [reply] = await bot.command(bot.user(102, "John", "en"), "/cancel")
    assert reply.text == "There is nothing to cancel right now."
    [reply] = await bot.command(bot.user(101, "Ali", "ar"), "/cancel")
    assert has_arabic(reply.text)


async def test_privacy_says_what_why_who_and_how_to_delete(bot: BotHarness) -> None:
    [reply] = await bot.command(bot.user(102, "John", "en"), "/privacy")
    for part in ("store", "phone", "coordinators", "/delete_me"):
        assert part in reply.text
    [reply] = await bot.command(bot.user(101, "Ali", "ar"), "/privacy")
    assert has_arabic(reply.text) and "/delete_me" in reply.text


# -- fallbacks -------------------------------------------------------------------------------------


async def test_anything_not_understood_gets_a_short_localized_hint(bot: BotHarness) -> None:
    john = bot.user(102, "John", "en")
    for calls in (
        await bot.text(john, "hello there"),
        await bot.command(john, "/frobnicate"),
        await bot.sticker(john),
        await bot.photo(john),
        await bot.location(john, 24.47, 39.61),
    ):
        assert [c.method for c in calls] == ["sendMessage"]
        assert "/help" in calls[0].text and "did not understand" in calls[0].text
    [reply] = await bot.text(bot.user(101, "Ali", "ar"), "مرحبا")
    assert has_arabic(reply.text) and "/help" in reply.text


async def test_a_stale_or_unknown_button_gets_an_alert(bot: BotHarness) -> None:
    calls = await bot.press(bot.user(102, "John", "en"), "offer:acc:999999")
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["show_alert"] is True
    assert calls[0].params["text"] == "This button is no longer active."


async def test_group_chats_are_not_answered_by_the_fallback(bot: BotHarness) -> None:
    john = bot.user(102, "John", "en")
    message = bot._message(john, text="hello")
    message["chat"] = {"id": -100123, "type": "supergroup", "title": "Volunteers"}
    assert await bot.process({"message": message}) == []


async def test_blocking_the_bot_marks_the_user_unreachable_until_they_write(bot: BotHarness) -> None:
    john = bot.user(102, "John", "en")
    await bot.command(john, "/start")
    member = {
        "chat": {"id": 102, "type": "private"},
        "from": john.as_dict(),
        "date": 0,
        "old_chat_member": {"status": "member", "user": bot.api.bot_user},
        "new_chat_member": {"status": "kicked", "user": bot.api.bot_user, "until_date": 0},
    }
    assert await bot.process({"my_chat_member": member}) == []
    assert (await db.get_user(bot.db, 102))["reachable"] == 0
    await bot.command(john, "/start")
    assert (await db.get_user(bot.db, 102))["reachable"] == 1


# -- the error handler ------------------------------------------------------------------------------


async def _explode(update: Update, context: Context) -> None:
    raise RuntimeError("secret internals: database password is hunter2")


async def test_an_exception_becomes_a_localized_apology_without_internals(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    # Put the failing handlers first in group 0, ahead of everything else.
    bot.app.handlers[0][:0] = [
        CommandHandler("boom", _explode),
        CallbackQueryHandler(_explode, pattern="^boom$"),
    ]
    john = bot.user(102, "John", "en")
    calls = await bot.command(john, "/boom")
    assert [c.method for c in calls] == ["sendMessage"]
    assert calls[0].text == "Sorry, something went wrong on our side. Please try again in a moment."
    assert "hunter2" not in calls[0].text and "Traceback" not in calls[0].text
    assert "hunter2" in caplog.text  # logged with the traceback for the operator
    assert any(r.exc_info for r in caplog.records if r.name == "bot.handlers.errors")

    [reply] = await bot.command(bot.user(101, "Ali", "ar"), "/boom")
    assert has_arabic(reply.text) and "hunter2" not in reply.text

    [alert] = await bot.press(john, "boom")
    assert alert.method == "answerCallbackQuery" and alert.params["show_alert"] is True
    assert "went wrong" in alert.params["text"]

    # The bot keeps working afterwards.
    [reply] = await bot.command(john, "/help")
    assert "/lang" in reply.text


# -- command menus ----------------------------------------------------------------------------------


async def test_menus_are_published_per_language_and_per_staff_chat(make_bot: Any) -> None:
    bot = await make_bot(ADMIN_IDS=f"{ADMIN_ID},2")
    await factories.create_user(bot.db, 600, role="coordinator", locale="en")
    await factories.create_user(bot.db, 601, role="entity_rep", language_code="ar")
    await factories.create_user(bot.db, 602, role="volunteer")
    bot.api.clear()
    await common.publish_command_menus(bot.app)
    menus = bot.api.sent(method="setMyCommands")
    default = [m for m in menus if scope(m)["type"] == "default"]
    by_language = {m.params.get("language_code"): m for m in default}
    assert set(by_language) == {"ar", "en", None}
    assert "staff" not in menu_names(by_language["en"])
    assert "register" in menu_names(by_language["en"])
    assert has_arabic(by_language["ar"].params["commands"][0]["description"])
    assert has_arabic(by_language[None].params["commands"][0]["description"])  # DEFAULT_LOCALE ar

    chats = {scope(m)["chat_id"]: m for m in menus if scope(m)["type"] == "chat"}
    assert set(chats) == {ADMIN_ID, 2, 600, 601}  # staff and reps; volunteers use the default
    assert "staff" in menu_names(chats[ADMIN_ID])
    assert "staff" not in menu_names(chats[600]) and "audit" in menu_names(chats[600])
    assert not has_arabic(chats[600].params["commands"][0]["description"])  # chose English
    assert {"need", "myneeds"} <= set(menu_names(chats[601]))


async def test_menu_errors_do_not_stop_start_up(bot: BotHarness) -> None:
    bot.api.fail(400, "Bad Request: something", method="setMyCommands", times=10)
    await common.publish_command_menus(bot.app)  # logged, not raised
    [reply] = await bot.command(bot.user(102, "John", "en"), "/help")
    assert "/lang" in reply.text


# -- persistence -----------------------------------------------------------------------------------


async def _remember(update: Update, context: Context) -> None:
    context.user_data["draft"] = {"full_name": " ".join(context.args), "languages": ["ar", "ur"]}
    await update.effective_message.reply_text("noted")


@pytest.mark.parametrize("graceful", [True, False])
async def test_user_data_and_conversation_state_survive_a_restart(
    bot: BotHarness, graceful: bool
) -> None:
    bot.app.handlers[0].insert(0, CommandHandler("remember", _remember))
    volunteer = bot.user(700, "Ali", "en")
    await bot.command(volunteer, "/remember Ali Hassan")
    admin = bot.admin
    await bot.command(admin, "/staff")
    await bot.press(admin, "staff:add")  # the add-coordinator flow now waits for a person

    bot = await bot.restart(graceful=graceful)
    assert bot.app.user_data[700]["draft"] == {"full_name": "Ali Hassan", "languages": ["ar", "ur"]}
    calls = await bot.text(admin, "555")  # answered by the flow, not by the fallback
    assert "555" in calls[0].text and "coordinator" in calls[0].text
    assert (await db.get_user(bot.db, 555))["role"] == "coordinator"
    # The finished flow is forgotten too.
    bot = await bot.restart(graceful=graceful)
    [reply] = await bot.text(admin, "556")
    assert "did not understand" in reply.text


async def _answer_then_explode(update: Update, context: Context) -> None:
    await update.callback_query.answer()
    raise RuntimeError("after answering")


async def test_apology_goes_to_the_chat_when_the_button_was_already_answered(
    bot: BotHarness,
) -> None:
    bot.app.handlers[0].insert(0, CallbackQueryHandler(_answer_then_explode, pattern="^late$"))
    # Telegram refuses a second answer to one query; the apology then goes to the chat.
    john = bot.user(102, "John", "en")
    await bot.command(john, "/start")
    bot.api.fail(400, "Bad Request: query is too old", method="answerCallbackQuery", times=2)
    calls = await bot.press(john, "late")
    assert calls[-1].method == "sendMessage" and calls[-1].chat_id == 102
    assert "went wrong" in calls[-1].text


async def test_an_edited_message_gets_no_hint(bot: BotHarness) -> None:
    john = bot.user(102, "John", "en")
    assert await bot.process({"edited_message": {**bot._message(john, text="hello"),
                                                 "edit_date": 1}}) == []


# -- a kept draft ----------------------------------------------------------------------------------


@pytest.fixture
async def probe_bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[BotHarness]:
    async with probe_harness(tmp_path, clock) as harness:
        yield harness


async def test_not_understood_says_how_to_go_on_with_a_kept_draft(probe_bot: BotHarness) -> None:
    bot = probe_bot
    john = bot.user(102, "John", "en")
    await bot.command(john, "/probe")
    await bot.command(john, "/help")  # only shows something: the draft keeps the text
    calls = await bot.text(john, "Water")
    assert calls[-1].text == "Where is the probe?"
    await bot.command(john, "/myshifts")  # leaves the draft (kept)
    [reply] = await bot.sticker(john)
    assert reply.text.index("did not understand") < reply.text.index(
        "Your probe draft is kept: send /probe to go on with it."
    )
    [reply] = await bot.text(john, "Quba")  # typed text is not the kept draft's
    assert "did not understand" in reply.text and "/probe" in reply.text
    calls = await bot.command(john, "/probe")
    assert "Where is the probe?" in calls[-1].text
    calls = await bot.text(john, "Quba")
    assert calls[-1].text == "Probe saved: Water at Quba"
    [reply] = await bot.text(john, "hello")
    assert "/probe" not in reply.text  # nothing kept any more
