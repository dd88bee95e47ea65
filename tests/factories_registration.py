"""Helpers for the registration tests: walk the real flow, find old messages, list button data."""

from __future__ import annotations

import json
from typing import Any

from tests.harness import BotHarness, TgUser


async def walk_registration(
    bot: BotHarness,
    user: TgUser,
    *,
    name: str = "Ahmad Saleh Alharbi",
    phone: str | None = None,
    gender: str = "male",
    birth: str = "1416-05-20",
    city: str = "1",
    languages: tuple[str, ...] = ("ar", "en"),
    specialties: tuple[str, ...] = ("guidance", "translation"),
    any_time: bool = True,
    confirm: bool = True,
) -> None:
    """Answer every question through the real flow (own contact shared unless phone is typed)."""
    await bot.command(user, "/register")
    await bot.press(user, "reg:cn:y")
    await bot.text(user, name)
    if phone is None:
        await bot.contact(user, "966501234567")
    else:
        await bot.text(user, phone)
    await bot.press(user, f"reg:gd:{gender}")
    await bot.text(user, birth)
    if city.isdigit():
        await bot.press(user, f"reg:ct:{city}")
    else:
        await bot.text(user, city)
    for code in languages:
        await bot.press(user, f"reg:lg:{code}")
    await bot.press(user, "reg:lg:done")
    for code in specialties:
        await bot.press(user, f"reg:sp:{code}")
    await bot.press(user, "reg:sp:done")
    if any_time:
        await bot.press(user, "reg:av:any")
    else:
        await bot.press(user, "reg:av:p:morning")
        await bot.press(user, "reg:av:d:4")
        await bot.press(user, "reg:av:done")
    await bot.press(user, "reg:sf:none")
    if confirm:
        await bot.press(user, "reg:ok")


def message_ids_with(bot: BotHarness, user: TgUser, data: str) -> list[int]:
    """Ids of the bot's messages in the user's chat that carry a button with this data, oldest first."""
    found = []
    for message_id, message in bot.api.messages.items():
        if message["chat"]["id"] != user.id:
            continue
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        if any(button.get("callback_data") == data for row in rows for button in row):
            found.append(message_id)
    return sorted(found)


def all_callback_data(bot: BotHarness) -> list[str]:
    """Every callback_data the bot has sent so far (messages and edits)."""
    return [data for call in bot.api.calls for _label, data in call.buttons if data]


async def outbox_callback_data(bot: BotHarness) -> list[str]:
    rows = await bot.db.fetchall("SELECT payload FROM outbox")
    found = []
    for row in rows:
        markup: dict[str, Any] = json.loads(row["payload"]).get("reply_markup") or {}
        for line in markup.get("inline_keyboard", []):
            found += [button["callback_data"] for button in line if "callback_data" in button]
    return found


async def volunteer_row(bot: BotHarness, user_id: int) -> Any:
    return await bot.db.fetchone("SELECT * FROM volunteers WHERE user_id = ?", (user_id,))


async def child_rows(bot: BotHarness, user_id: int) -> dict[str, list[Any]]:
    tables = {
        "languages": "SELECT language FROM volunteer_languages WHERE user_id = ? ORDER BY language",
        "specialties": "SELECT specialty FROM volunteer_specialties WHERE user_id = ? ORDER BY specialty",
        "availability": "SELECT weekday, period FROM volunteer_availability WHERE user_id = ?"
        " ORDER BY weekday, period",
        "qualifications": "SELECT specialty FROM qualifications WHERE user_id = ? ORDER BY specialty",
    }
    result = {}
    for key, sql in tables.items():
        rows = await bot.db.fetchall(sql, (user_id,))
        result[key] = [tuple(r) if len(r) > 1 else r[0] for r in rows]
    return result


def alerts(calls: list[Any]) -> list[str]:
    """The texts of the callback answers shown as alerts in these calls."""
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery" and c.params.get("show_alert")]


def sent_texts(calls: list[Any]) -> list[str]:
    return [c.text for c in calls if c.method in ("sendMessage", "editMessageText")]
