"""/delete_me erases a person's data everywhere: a search of every text column of every table
finds neither their name, nor their phone, nor their Telegram name or username afterwards, while
anonymous history (assignments, hours, audit) stays."""

from __future__ import annotations

from bot import scheduler
from tests.factories import create_entity, create_need, create_volunteer
from tests.factories_dispatch import TUESDAY
from tests.harness import BotHarness

NAME, PHONE, FIRST, USERNAME = "Yusuf Ibrahim Alharbi", "+966501234567", "Yusufo", "yusuf_h"


async def _found_anywhere(bot: BotHarness, needles: tuple[str, ...]) -> list[str]:
    hits = []
    tables = await bot.db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    for (table,) in tables:
        if table.startswith("sqlite_") or "_fts" in table:
            continue
        columns = await bot.db.fetchall(f"PRAGMA table_info({table})")
        for column in columns:
            for needle in needles:
                count = await bot.db.fetchval(
                    f"SELECT COUNT(*) FROM {table} WHERE CAST({column['name']} AS TEXT) LIKE ?",
                    (f"%{needle}%",),
                )
                if count:
                    hits.append(f"{table}.{column['name']}: {needle}")
    return hits


async def test_erased_data_is_found_nowhere(bot: BotHarness) -> None:
    entity = await create_entity(bot.db, reps=[90])
    await create_volunteer(bot.db, 401, full_name=NAME, phone=PHONE, language_code="en")
    await create_need(bot.db, entity, first_day=TUESDAY, slots=1)
    yusuf = bot.user(401, FIRST, "en", username=USERNAME)
    await bot.command(yusuf, "/start")  # Telegram's first name and username are recorded
    await scheduler.tick(bot.app)  # an offer to him sits in the outbox
    await bot.command(yusuf, "/pause")  # and a draft is open
    assert await _found_anywhere(bot, (NAME, PHONE, FIRST, USERNAME))
    await bot.command(yusuf, "/delete_me")
    await bot.press(yusuf, "del:yes")
    await bot.app.update_persistence()
    assert await _found_anywhere(bot, (NAME, PHONE, FIRST, USERNAME, "Ibrahim")) == []
    # Anonymous history stays: the user row and the assignment, without personal data.
    assert await bot.db.fetchval("SELECT COUNT(*) FROM assignments WHERE volunteer_id = 401") == 1
    assert await bot.db.fetchval("SELECT status FROM volunteers WHERE user_id = 401") == "deleted"


async def test_approval_cards_about_an_erased_volunteer_are_edited_and_forgotten(make_bot) -> None:  # type: ignore[no-untyped-def]
    from tests.factories_registration import walk_registration

    bot = await make_bot(REQUIRE_APPROVAL="1")
    ahmad = bot.user(402, "Ahmad", "en", username="ahmad_s")
    await walk_registration(bot, ahmad, name="Ahmad Saleh Alharbi")
    cards = [c for c in await bot.flush_outbox() if c.chat_id == bot.admin.id]
    assert cards and "Ahmad Saleh Alharbi" in cards[0].text
    await bot.command(ahmad, "/delete_me")
    await bot.press(ahmad, "del:yes")
    edits = [c for c in await bot.flush_outbox() if c.method == "editMessageText"]
    sent_id = await bot.db.fetchval(
        "SELECT message_id FROM outbox WHERE chat_id = ? AND dedupe_key LIKE 'reg:approval:%'",
        (bot.admin.id,),
    )
    assert [int(e.params["message_id"]) for e in edits] == [sent_id]
    assert edits[0].text == "حُذفت بيانات هذا المتطوع بناءً على طلبه."  # the admin has not chosen a language: DEFAULT_LOCALE
    await bot.app.update_persistence()
    assert await _found_anywhere(bot, ("Ahmad Saleh", "ahmad_s", "501234567")) == []
