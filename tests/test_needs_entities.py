"""/entities: add, edit, deactivate; invite links for representatives; removing them."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import db
from bot.clock import ManualClock
from tests.factories import create_entity, create_user, create_volunteer
from tests.factories_flows import probe_harness
from tests.factories_needs import add_staff, assert_arabic, tr
from tests.harness import BotHarness, TgUser

LINK = re.compile(r"https://t\.me/aoun_test_bot\?start=(rep_[\w-]+)")


async def _invite(bot: BotHarness, staff: TgUser, entity_id: int) -> str:
    """Press the invite button; returns the `rep_<token>` start parameter."""
    calls = await bot.press(staff, f"ent:inv:{entity_id}")
    match = LINK.search(calls[-1].text)
    assert match, calls[-1].text
    return match.group(1)


async def test_add_an_entity_with_bad_answers_first(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    await create_entity(bot.db, name_ar="جمعية البر", name_en="Al-Birr Society")
    calls = await bot.command(khalid, "/entities")
    assert "Partner entities (1):" in calls[-1].text and "Al-Birr Society" in calls[-1].text
    calls = await bot.press(khalid, "ent:add")
    assert "name in Arabic" in calls[-1].text
    calls = await bot.text(khalid, "Quba Society")
    assert "Please type the name in Arabic letters." in calls[-1].text and "name in Arabic" in calls[-1].text
    calls = await bot.text(khalid, "جمعية البر")
    assert "Another entity already has this name." in calls[-1].text
    calls = await bot.sticker(khalid)
    assert "Please type your answer as text." in calls[-1].text
    calls = await bot.text(khalid, "  أمانة   منطقة المدينة  ")
    assert "name in English" in calls[-1].text
    calls = await bot.text(khalid, "أمانة")
    assert "Please type the name in English (Latin) letters." in calls[-1].text
    calls = await bot.text(khalid, "x")
    assert "between 2 and 120 characters" in calls[-1].text
    await bot.text(khalid, "Madinah Region Municipality")
    calls = await bot.text(khalid, "charity")
    assert "Please choose one of the buttons." in calls[-1].text
    assert [d for _, d in calls[-1].buttons] == ["entf:kind:government", "entf:kind:charity", "entf:kind:private"]
    await bot.press(khalid, "entf:kind:government")
    calls = await bot.text(khalid, "+966 14 822 0000")
    assert "Added." in calls[-1].text and "Madinah Region Municipality" in calls[-1].text
    entity = await bot.db.fetchone("SELECT * FROM entities WHERE name_en = 'Madinah Region Municipality'")
    assert (entity["name_ar"], entity["kind"], entity["contact"], entity["active"], entity["created_by"]) == (
        "أمانة منطقة المدينة", "government", "+966 14 822 0000", 1, 701)
    audit = await bot.db.fetchone("SELECT * FROM audit_log WHERE action = 'entity.add'")
    assert audit["actor_id"] == 701 and audit["target_id"] == str(entity["id"])


async def test_adding_in_arabic_and_cancelling_keeps_nothing(bot: BotHarness) -> None:
    sara = await add_staff(bot, 702, "Sara", "ar")
    await bot.command(sara, "/entities")
    calls = await bot.press(sara, "ent:add")
    assert_arabic(calls[-1].text)
    calls = await bot.text(sara, "Latin only")
    assert tr("ar", "Please type the name in Arabic letters.") in calls[-1].text
    assert_arabic(calls[-1].text)
    await bot.text(sara, "جمعية")
    calls = await bot.command(sara, "/cancel")
    assert tr("ar", "Cancelled. Nothing was changed.") == calls[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM entities") == 0
    calls = await bot.text(sara, "Another text")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM entities") == 0


async def test_add_with_skipped_contact(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    await bot.command(khalid, "/entities")
    await bot.press(khalid, "ent:add")
    await bot.text(khalid, "شركة الضيافة")
    await bot.text(khalid, "Diyafa Company")
    await bot.press(khalid, "entf:kind:private")
    calls = await bot.press(khalid, "entf:skip")
    assert "Added." in calls[-1].text and "Contact: —" in calls[-1].text
    assert await bot.db.fetchval("SELECT contact FROM entities") is None


async def test_edit_one_field(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db)
    await bot.command(khalid, "/entities")
    await bot.press(khalid, f"ent:o:{entity_id}")
    await bot.press(khalid, f"ent:ed:{entity_id}")
    calls = await bot.press(khalid, f"ent:ef:{entity_id}:en")
    assert "Now: Hadiyat Al-Haj Society" in calls[-1].text
    calls = await bot.text(khalid, "Hadiyat Al-Hajj and Umrah Society")
    assert "Saved." in calls[-1].text
    await bot.press(khalid, f"ent:ef:{entity_id}:kind")
    await bot.press(khalid, "entf:kind:government")
    await bot.press(khalid, f"ent:ef:{entity_id}:contact")
    await bot.text(khalid, "info@hadiya.org.sa")
    entity = await db.get_entity(bot.db, entity_id)
    assert (entity["name_en"], entity["kind"], entity["contact"]) == (
        "Hadiyat Al-Hajj and Umrah Society", "government", "info@hadiya.org.sa")
    edits = await bot.db.fetchall("SELECT details FROM audit_log WHERE action = 'entity.edit' ORDER BY id")
    assert [json.loads(r[0])["field"] for r in edits] == ["name_en", "kind", "contact"]
    assert json.loads(edits[0][0])["old"] == "Hadiyat Al-Haj Society"


async def test_deactivate_and_reactivate(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db, reps=(601,))
    await bot.command(khalid, "/entities")
    await bot.press(khalid, f"ent:o:{entity_id}")
    calls = await bot.press(khalid, f"ent:act:{entity_id}:0")
    assert "Deactivated" in calls[0].text
    view = bot.last(khalid, "editMessageText")
    assert "Status: inactive" in view.text and f"ent:inv:{entity_id}" not in [d for _, d in view.buttons]
    assert await bot.db.fetchval("SELECT active FROM entities") == 0
    calls = await bot.command(bot.user(601, "Rep", "en"), "/need")
    assert "not active on Aoun" in calls[-1].text
    calls = await bot.press(khalid, f"ent:inv:{entity_id}")  # a stale invite button
    assert "not active" in calls[0].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM entity_invites") == 0
    await bot.press(khalid, f"ent:act:{entity_id}:1")
    assert await bot.db.fetchval("SELECT active FROM entities") == 1
    actions = [r[0] for r in await bot.db.fetchall("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["entity.deactivate", "entity.reactivate"]


async def test_invite_link_makes_the_opener_a_representative(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db)
    await bot.command(khalid, "/entities")
    await bot.press(khalid, f"ent:o:{entity_id}")
    start = await _invite(bot, khalid, entity_id)
    assert "expires Sunday" in bot.last(khalid).text  # 7 days from Sunday 10 May

    newcomer = bot.user(801, "Fahd", "ar")
    calls = await bot.command(newcomer, f"/start {start}")
    welcome = next(c for c in calls if c.method == "sendMessage")
    assert "جمعية هدية الحاج والمعتمر" in welcome.text
    assert "/need" in welcome.text
    assert any(c.method == "setMyCommands" for c in calls)  # the representative's menu
    assert await bot.db.fetchval("SELECT role FROM users WHERE id = 801") == "entity_rep"
    assert await db.is_entity_rep(bot.db, 801, entity_id)
    invite = await bot.db.fetchone("SELECT * FROM entity_invites")
    assert invite["used_by"] == 801 and invite["used_at"] is not None
    audit = await bot.db.fetchone("SELECT * FROM audit_log WHERE action = 'entity.rep_joined'")
    assert audit["actor_id"] == 801 and json.loads(audit["details"])["invited_by"] == 701
    calls = await bot.flush_outbox()
    assert calls[-1].chat_id == 701 and "used your invite link and now represents" in calls[-1].text

    # Reused: by someone else, and by the same person.
    calls = await bot.command(bot.user(802, "Other", "en"), f"/start {start}")
    assert calls[-1].text == "This invite link was already used. Ask the volunteer office for a new one."
    assert await bot.db.fetchval("SELECT role FROM users WHERE id = 802") == "volunteer"
    calls = await bot.command(newcomer, f"/start {start}")
    assert tr("ar", "You already represent {entity}. Send /need to post a need.",
              entity="\u2068جمعية هدية الحاج والمعتمر\u2069") == calls[-1].text
    # The coordinator sees the representative.
    await bot.press(khalid, f"ent:o:{entity_id}")
    assert "Fahd" in bot.last(khalid, "editMessageText").text


async def test_expired_revoked_unknown_and_refused_links(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db)
    await bot.command(khalid, "/entities")
    expiring = await _invite(bot, khalid, entity_id)
    bot.clock.advance(days=7, seconds=1)
    stranger = bot.user(801, "Fahd", "en")
    calls = await bot.command(stranger, f"/start {expiring}")
    assert calls[-1].text == "This invite link has expired. Ask the volunteer office for a new one."

    revoked = await _invite(bot, khalid, entity_id)
    invite_id = await bot.db.fetchval("SELECT MAX(id) FROM entity_invites")
    calls = await bot.press(khalid, f"ent:rv:{invite_id}")
    assert "Revoked" in calls[0].text
    calls = await bot.command(stranger, f"/start {revoked}")
    assert calls[-1].text == "This invite link was cancelled by the office. Ask them for a new one."
    calls = await bot.press(khalid, f"ent:rv:{invite_id}")
    assert "already used or revoked" in calls[0].text

    calls = await bot.command(stranger, "/start rep_nonsense")
    assert calls[-1].text == "This invite link is not valid. Ask the volunteer office for a new one."

    # Staff cannot take it, and it stays usable for the real representative.
    fresh = await _invite(bot, khalid, entity_id)
    calls = await bot.command(khalid, f"/start {fresh}")
    assert "You are on the office staff" in calls[-1].text
    assert await bot.db.fetchval("SELECT role FROM users WHERE id = 701") == "coordinator"
    # Nor a representative of another entity.
    await create_entity(bot.db, name_ar="جهة أخرى", name_en="Other Entity", reps=(611,))
    calls = await bot.command(bot.user(611, "RepB", "en"), f"/start {fresh}")
    assert "You already represent Other Entity" in calls[-1].text
    calls = await bot.command(stranger, f"/start {fresh}")
    assert await bot.db.fetchval("SELECT role FROM users WHERE id = 801") == "entity_rep"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM entity_members WHERE entity_id = ?", (entity_id,)) == 1
    actions = [r[0] for r in await bot.db.fetchall("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["entity.invite", "entity.invite", "entity.invite_revoked", "entity.invite",
                       "entity.rep_joined"]


async def test_a_deactivated_entitys_link_does_not_work(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db)
    await bot.command(khalid, "/entities")
    start = await _invite(bot, khalid, entity_id)
    async with bot.db.transaction() as tx:
        await db.set_entity_active(tx, entity_id, False, now=bot.clock.now())
    calls = await bot.command(bot.user(801, "Fahd", "en"), f"/start {start}")
    assert "is not active on Aoun any more" in calls[-1].text
    assert await bot.db.fetchval("SELECT used_by FROM entity_invites") is None


async def test_remove_a_representative(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db, reps=(601, 602))
    await bot.command(khalid, "/entities")
    await bot.press(khalid, f"ent:o:{entity_id}")
    await bot.press(khalid, f"ent:rr:{entity_id}:601")
    assert "Remove Rep601 as a representative" in bot.last(khalid, "editMessageText").text
    calls = await bot.press(khalid, f"ent:rrok:{entity_id}:601")
    assert "Removed." in calls[0].text
    assert await bot.db.fetchval("SELECT role FROM users WHERE id = 601") == "volunteer"
    assert not await db.is_entity_rep(bot.db, 601, entity_id)
    assert await db.is_entity_rep(bot.db, 602, entity_id)
    audit = await bot.db.fetchone("SELECT * FROM audit_log WHERE action = 'entity.rep_removed'")
    assert json.loads(audit["details"]) == {"user": 601}
    calls = await bot.flush_outbox()
    assert calls[-1].chat_id == 601
    assert_arabic(calls[-1].text)
    calls = await bot.press(khalid, f"ent:rrok:{entity_id}:601")
    assert "no longer represents" in calls[0].text
    # The removed person can no longer post or see the entity's needs.
    calls = await bot.command(bot.user(601, "Rep", "ar"), "/need")
    assert calls[-1].text == tr("ar", "Sorry, this is only for partner entities' representatives and office staff.")


async def test_entity_pages(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    for number in range(10):
        await create_entity(bot.db, name_ar=f"جهة {number}", name_en=f"Entity {number:02d}")
    calls = await bot.command(khalid, "/entities")
    assert "Partner entities (10):" in calls[-1].text and ("Next ▶", "ent:p:8") in calls[-1].buttons
    await bot.press(khalid, "ent:p:8")
    page = bot.last(khalid, "editMessageText")
    assert "Entity 09" in page.text and "Entity 00" not in page.text


async def test_only_staff_manage_entities(bot: BotHarness) -> None:
    entity_id = await create_entity(bot.db, reps=(601, 602))
    await create_volunteer(bot.db, 501, language_code="en")
    await create_user(bot.db, 502, language_code="en")
    people = [bot.user(501, "Vol", "en"), bot.user(601, "Rep", "en"), bot.user(502, "New", "en")]
    buttons = [
        "ent:p:0", f"ent:o:{entity_id}", f"ent:ed:{entity_id}", f"ent:act:{entity_id}:0",
        f"ent:inv:{entity_id}", f"ent:rr:{entity_id}:602", f"ent:rrok:{entity_id}:602",
        "ent:add", f"ent:ef:{entity_id}:en", "ent:rv:1",
    ]
    for person in people:
        calls = await bot.command(person, "/entities")
        assert calls[-1].text.startswith("Sorry, this is only for"), person
        for data in buttons:
            calls = await bot.press(person, data)
            assert calls[0].params.get("show_alert") is True, data
            assert calls[0].text.startswith("Sorry, this is only for"), data
            assert len(calls) == 1, data
    assert await db.is_entity_rep(bot.db, 602, entity_id)
    assert await bot.db.fetchval("SELECT active FROM entities") == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM entity_invites") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log") == 0


async def test_expiry_is_the_configured_ttl(make_bot) -> None:
    bot = await make_bot(INVITE_TTL="2d")
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db)
    await bot.command(khalid, "/entities")
    start = await _invite(bot, khalid, entity_id)
    invite = await bot.db.fetchone("SELECT * FROM entity_invites")
    assert db.parse_ts(invite["expires_at"]) - db.parse_ts(invite["created_at"]) == timedelta(days=2)
    bot.clock.advance(days=1, hours=23)
    calls = await bot.command(bot.user(801, "Fahd", "en"), f"/start {start}")
    assert "You now represent" in calls[0].text


# -- the entity questions beside other flows (bot/flows/kit) ---------------------------------------


@pytest.fixture
async def probe_bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[BotHarness]:
    async with probe_harness(tmp_path, clock) as harness:
        yield harness


async def test_a_command_closes_an_unfinished_entity_and_keeps_nothing(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    await bot.command(khalid, "/entities")
    await bot.press(khalid, "ent:add")
    await bot.text(khalid, "شركة الضيافة")
    calls = await bot.command(khalid, "/needs")
    assert "I stopped waiting for your answer about the partner entity." in bot.texts(calls)
    calls = await bot.text(khalid, "Diyafa Company")  # no longer the name in English
    assert "did not understand" in calls[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM entities") == 0


async def test_a_left_edits_kind_buttons_are_stale(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db)
    await bot.command(khalid, "/entities")
    await bot.press(khalid, f"ent:ed:{entity_id}")
    await bot.press(khalid, f"ent:ef:{entity_id}:kind")
    calls = await bot.command(khalid, "/entities")
    # The question keeps its text and loses its buttons, and a press on it changes nothing.
    assert "editMessageReplyMarkup" in [c.method for c in calls]
    calls = await bot.press(khalid, "entf:kind:government")
    assert calls[0].params.get("show_alert") is True and "no longer active" in calls[0].text
    assert await bot.db.fetchval("SELECT kind FROM entities") == "charity"
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log") == 0


async def test_an_entity_edit_during_a_kept_draft_hands_the_text_back(probe_bot: BotHarness) -> None:
    bot = probe_bot
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db)
    await bot.command(khalid, "/probe")
    await bot.command(khalid, "/entities")
    await bot.press(khalid, f"ent:ed:{entity_id}")
    calls = await bot.press(khalid, f"ent:ef:{entity_id}:en")
    assert "Your probe draft is kept: we will come back to it after this." in calls[-1].text
    calls = await bot.text(khalid, "Hadiyat Society")
    assert "Saved." in bot.texts(calls)
    assert "What is the probe called?" in calls[-1].text
    assert (await db.get_entity(bot.db, entity_id))["name_en"] == "Hadiyat Society"
    calls = await bot.text(khalid, "Water")
    assert calls[-1].text == "Where is the probe?"


async def test_an_entity_edit_opened_first_is_closed_by_a_draft(probe_bot: BotHarness) -> None:
    bot = probe_bot
    khalid = await add_staff(bot, 701, "Khalid", "en")
    await bot.command(khalid, "/entities")
    await bot.press(khalid, "ent:add")
    calls = await bot.command(khalid, "/probe")
    assert "I stopped waiting for your answer about the partner entity." in bot.texts(calls)
    await bot.text(khalid, "جمعية")  # the probe's title
    assert await bot.db.fetchval("SELECT COUNT(*) FROM entities") == 0


async def test_removing_a_rep_retapped_after_a_failed_answer_removes_once(bot: BotHarness) -> None:
    khalid = await add_staff(bot, 701, "Khalid", "en")
    entity_id = await create_entity(bot.db, reps=(601,))
    await bot.command(khalid, "/entities")
    await bot.press(khalid, f"ent:o:{entity_id}")
    await bot.press(khalid, f"ent:rr:{entity_id}:601")
    bot.api.fail(400, "Bad Request: query ID is invalid", method="answerCallbackQuery")
    calls = await bot.press(khalid, f"ent:rrok:{entity_id}:601")
    assert [c.method for c in calls if c.method != "answerCallbackQuery"] == ["editMessageText", "setMyCommands"]
    assert "No representatives yet" in calls[-2].text
    calls = await bot.press(khalid, f"ent:rrok:{entity_id}:601")
    assert "no longer represents" in calls[0].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'entity.rep_removed'") == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE chat_id = 601") == 1
