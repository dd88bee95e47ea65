"""Roles and the one authorization helper (`@requires`)."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import auth, db
from bot.auth import ADMIN, REPS_AND_STAFF, STAFF, requires
from bot.context import Context
from tests import factories
from tests.harness import ADMIN_ID, BotHarness

calls_through: list[int] = []


@requires(STAFF)
async def staff_only(update: Update, context: Context) -> str:
    calls_through.append(update.effective_user.id)
    await update.effective_message.reply_text("staff area")
    return "next-state"


@requires(REPS_AND_STAFF)
async def reps_and_staff(update: Update, context: Context) -> None:
    calls_through.append(update.effective_user.id)
    if update.callback_query:
        await update.callback_query.answer("ok")


@pytest.fixture
def guarded(bot: BotHarness) -> BotHarness:
    calls_through.clear()
    bot.app.handlers[0][:0] = [
        CommandHandler("guarded", staff_only),
        CallbackQueryHandler(reps_and_staff, pattern="^guarded$"),
    ]
    return bot


def test_role_sets() -> None:
    assert {"admin"} == ADMIN
    assert {"coordinator", "admin"} == STAFF
    assert {"entity_rep", "coordinator", "admin"} == REPS_AND_STAFF
    assert auth.is_staff("coordinator") and auth.is_staff("admin")
    assert not auth.is_staff("volunteer") and not auth.is_staff(None)


async def test_admins_are_bootstrapped_from_admin_ids(make_bot: Any) -> None:
    bot = await make_bot(ADMIN_IDS=f"{ADMIN_ID}, 42")
    admins = await db.list_users_by_role(bot.db, ["admin"])
    assert [r["id"] for r in admins] == [ADMIN_ID, 42]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("volunteer", False), ("entity_rep", False), ("coordinator", True), ("admin", True)],
)
async def test_requires_checks_the_stored_role(guarded: BotHarness, role: str, allowed: bool) -> None:
    await factories.create_user(guarded.db, 900, role=role, language_code="en")
    [reply] = await guarded.command(guarded.user(900, "Sam", "en"), "/guarded")
    if allowed:
        assert reply.text == "staff area" and calls_through == [900]
    else:
        assert reply.text == "Sorry, this is only for the office's coordinators."
        assert calls_through == []


async def test_role_is_read_on_every_call(guarded: BotHarness) -> None:
    await factories.create_user(guarded.db, 901, role="coordinator", language_code="en")
    sam = guarded.user(901, "Sam", "en")
    [reply] = await guarded.command(sam, "/guarded")
    assert reply.text == "staff area"
    async with guarded.db.transaction() as tx:
        await db.set_user_role(tx, 901, "volunteer")
    [reply] = await guarded.command(sam, "/guarded")
    assert reply.text.startswith("Sorry")


async def test_buttons_are_refused_with_an_alert_in_the_users_language(guarded: BotHarness) -> None:
    await factories.create_user(guarded.db, 902, role="volunteer")
    [alert] = await guarded.press(guarded.user(902, "Ali", "ar"), "guarded")
    assert alert.method == "answerCallbackQuery" and alert.params["show_alert"] is True
    assert any("\u0600" <= ch <= "\u06ff" for ch in alert.params["text"])
    assert calls_through == []
    await factories.create_user(guarded.db, 903, role="entity_rep")
    [answer] = await guarded.press(guarded.user(903, "Rep", "en"), "guarded")
    assert answer.params.get("text") == "ok" and calls_through == [903]


def test_refusal_texts() -> None:
    from bot.i18n import use_locale

    with use_locale("en"):
        assert "admins" in auth.refusal_text(ADMIN)
        assert "coordinators" in auth.refusal_text(STAFF)
        assert "representatives" in auth.refusal_text(REPS_AND_STAFF)
