"""Staff and representatives' commands and buttons answer only in a private chat: in a group,
one line with a link to the private chat, and nothing else happens."""

from __future__ import annotations

from typing import Any

import pytest

from bot.notices.menus import COMMANDS
from tests.factories import create_entity, create_user
from tests.harness import BotHarness, TgUser

GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Madinah office"}
LINK = "https://t.me/aoun_test_bot?start=private"
REP = 201

# Every command in the menu that is not for volunteers or everyone: the staff and rep commands.
STAFF_COMMANDS = sorted(c.name for c in COMMANDS if "volunteer" not in c.roles)
BUTTONS = [
    "staff:list", "staff:inv", "staff:add", "audit:p:0", "nds:p:0", "my:p:0", "nd:o:1:0",
    "apr:ok:1", "apr:rj:1", "apr:sl:1", "sh:r:1:0", "vol:v:5", "vol:bk", "ent:o:1", "ent:p:0",
    "ent:inv:1", "att:v:1:5", "bc:k:vol", "audit:f:needs:0:0", "audit:k:all:0", "audit:a:all:0",
    "trl:p:0", "trs:new:healthcare", "nds:f:0", "vol:su:5",
    # offers made by hand
    "mo:v:5:0", "mo:s:1:0", "mo:c:1:5", "mo:ok:1:5", "mw:go:1:5",
    "td:p:0",  # /today: a page of the board
    "trl:p:0", "trs:new:healthcare", "nds:f:0", "vol:su:5", "esc:nx:1:86400", "esc:tell:1:86400",
    "exp:f:needs:xlsx", "st:me:0", "st:e:0", "st:md",
]


def test_the_list_covers_every_staff_and_rep_command() -> None:
    assert set(STAFF_COMMANDS) >= {
        "needs", "volunteers", "entities", "broadcast", "stats", "export", "audit", "staff",
        "need", "myneeds",
    }


async def in_group(bot: BotHarness, user: TgUser, **content: Any) -> list[Any]:
    message = {
        "message_id": 77, "date": int(bot.clock.now().timestamp()), "chat": GROUP,
        "from": user.as_dict(), **content,
    }
    return await bot.process({"message": message})


async def command_in_group(bot: BotHarness, user: TgUser, text: str) -> list[Any]:
    command = text.split()[0]
    entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return await in_group(bot, user, text=text, entities=entities)


async def counts(bot: BotHarness) -> tuple[int, int, int]:
    return (
        await bot.db.fetchval("SELECT COUNT(*) FROM audit_log"),
        await bot.db.fetchval("SELECT COUNT(*) FROM outbox"),
        await bot.db.fetchval("SELECT COUNT(*) FROM staff_invites"),
    )


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_a_staff_command_in_a_group_only_links_to_the_private_chat(
    bot: BotHarness, command: str
) -> None:
    await create_entity(bot.db, reps=(REP,))
    before = await counts(bot)
    calls = await command_in_group(bot, bot.admin, f"/{command}")
    assert [(c.method, c.chat_id) for c in calls] == [("sendMessage", GROUP["id"])], calls
    assert LINK in calls[0].text and "\n" not in calls[0].text
    assert calls[0].params.get("reply_markup") is None
    assert await counts(bot) == before
    # Nothing was started: the same command in the private chat begins afresh.
    assert not bot.app.user_data.get(bot.admin.id)


@pytest.mark.parametrize("command", ["myneeds", "need"])
async def test_a_representative_in_a_group_is_redirected_too(bot: BotHarness, command: str) -> None:
    await create_entity(bot.db, reps=(REP,))
    calls = await command_in_group(bot, bot.user(REP, "Rep", "en"), f"/{command}")
    assert [c.method for c in calls] == ["sendMessage"] and LINK in calls[0].text


async def test_export_in_a_group_sends_no_spreadsheet(bot: BotHarness) -> None:
    calls = await command_in_group(bot, bot.admin, "/export")
    assert not [c for c in calls if c.method == "sendDocument"]
    assert len(calls) == 1 and LINK in calls[0].text


async def test_someone_without_a_role_gets_the_link_not_a_refusal(bot: BotHarness) -> None:
    calls = await command_in_group(bot, bot.user(555, "Guest", "en"), "/stats")
    assert len(calls) == 1 and LINK in calls[0].text and "only" in calls[0].text


@pytest.mark.parametrize("data", BUTTONS)
async def test_a_staff_button_pressed_in_a_group_opens_the_private_chat(
    bot: BotHarness, data: str
) -> None:
    await create_user(bot.db, 900, role="coordinator", first_name="Huda", locale="en")
    before = await counts(bot)
    press = {
        "id": "q1", "from": bot.user(900, "Huda", "en").as_dict(), "chat_instance": "g",
        "data": data,
        "message": {"message_id": 5, "date": 0, "chat": GROUP, "from": bot.api.bot_user, "text": "…"},
    }
    calls = await bot.process({"callback_query": press})
    assert [c.method for c in calls] == ["answerCallbackQuery"], calls
    assert calls[0].params["url"] == LINK
    assert await counts(bot) == before


async def test_the_link_opens_a_plain_start(bot: BotHarness) -> None:
    calls = await bot.command(bot.admin, "/start private")
    assert "not valid" not in bot.texts(calls)
    assert "admin" in bot.texts(calls)


async def test_in_the_private_chat_staff_commands_work_as_before(bot: BotHarness) -> None:
    calls = await bot.command(bot.admin, "/stats")
    assert calls and LINK not in bot.texts(calls)
