"""/staff and /audit: admins add and remove coordinators, invite links, and who is refused."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import db
from bot.clock import ManualClock
from tests import factories
from tests.factories_flows import probe_harness
from tests.harness import ADMIN_ID, BotHarness

COORDINATOR_ID = 800
VOLUNTEER_ID = 810


def has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


async def role_of(bot: BotHarness, user_id: int) -> str | None:
    row = await db.get_user(bot.db, user_id)
    return None if row is None else row["role"]


async def audit_actions(bot: BotHarness) -> list[tuple[str, int | None, str | None]]:
    rows = await bot.db.fetchall("SELECT action, actor_id, target_id FROM audit_log ORDER BY id")
    return [(r["action"], r["actor_id"], r["target_id"]) for r in rows]


async def outbox(bot: BotHarness) -> list[dict[str, Any]]:
    rows = await bot.db.fetchall("SELECT chat_id, payload, dedupe_key FROM outbox ORDER BY id")
    return [{"chat_id": r["chat_id"], "dedupe_key": r["dedupe_key"], **json.loads(r["payload"])}
            for r in rows]


async def snapshot(bot: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a staff action could change."""
    tables = {
        "users": "SELECT id, role, locale, reachable FROM users ORDER BY id",
        "audit_log": "SELECT * FROM audit_log ORDER BY id",
        "staff_invites": "SELECT * FROM staff_invites ORDER BY token",
        "outbox": "SELECT * FROM outbox ORDER BY id",
        "ptb_conversations": "SELECT * FROM ptb_conversations ORDER BY name, key",
    }
    return {name: [tuple(r) for r in await bot.db.fetchall(sql)] for name, sql in tables.items()}


def chat_menus(calls: list[Any], chat_id: int) -> list[Any]:
    return [
        c for c in calls
        if c.method == "setMyCommands" and (c.params.get("scope") or {}).get("chat_id") == chat_id
    ]


def invite_token(text: str) -> str:
    match = re.search(r"\?start=staff_([\w-]+)", text)
    assert match, text
    return match.group(1)


@pytest.fixture
async def staffed(bot: BotHarness) -> BotHarness:
    await factories.create_user(bot.db, COORDINATOR_ID, role="coordinator", first_name="Omar",
                                language_code="ar")
    await factories.create_user(bot.db, VOLUNTEER_ID, role="volunteer", first_name="Vera",
                                language_code="en")
    return bot


# -- the staff list ---------------------------------------------------------------------------------


async def test_admin_sees_the_staff_with_buttons(staffed: BotHarness) -> None:
    [reply] = await staffed.command(staffed.admin, "/staff")
    assert "Office staff" in reply.text
    assert f"({ADMIN_ID})" in reply.text and "admin" in reply.text
    assert f"Omar — coordinator ({COORDINATOR_ID})" in reply.text
    assert "Vera" not in reply.text
    assert reply.buttons == [
        ("Remove Omar", f"staff:rm:{COORDINATOR_ID}"),
        ("➕ Add a coordinator", "staff:add"),
        ("🔗 Invite link", "staff:inv"),
    ]
    assert all(len(data.encode()) <= 64 for _label, data in reply.buttons)


async def test_staff_list_in_arabic_isolates_latin_names(staffed: BotHarness) -> None:
    async with staffed.db.transaction() as tx:
        await db.set_user_locale(tx, ADMIN_ID, "ar")
    [reply] = await staffed.command(staffed.admin, "/staff")
    assert has_arabic(reply.text) and "\u2068Omar\u2069" in reply.text
    assert f"\u2066{COORDINATOR_ID}\u2069" in reply.text


# -- adding a coordinator ----------------------------------------------------------------------------


async def test_add_by_forwarding_a_message(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.command(admin, "/staff")
    [answer, question] = await bot.press(admin, "staff:add")
    assert answer.method == "answerCallbackQuery"
    assert "forward" in question.text and "/cancel" in question.text
    [picker, cancel] = question.keyboard
    assert picker["request_users"] == {"request_id": 1, "user_is_bot": False}
    assert cancel["text"] == "/cancel"

    calls = await bot.forward(admin, bot.user(VOLUNTEER_ID, "Vera", "en"), "my id")
    reply = next(c for c in calls if c.method == "sendMessage")
    assert reply.text == f"Done: {VOLUNTEER_ID} is now a coordinator."
    assert reply.params["reply_markup"] == {"remove_keyboard": True}
    assert await role_of(bot, VOLUNTEER_ID) == "coordinator"
    assert await audit_actions(bot) == [("staff.add", ADMIN_ID, str(VOLUNTEER_ID))]

    # Their menu switched to the coordinators' commands, in their language.
    [menu] = chat_menus(calls, VOLUNTEER_ID)
    names = [c["command"] for c in menu.params["commands"]]
    assert "needs" in names and "register" not in names and "staff" not in names
    # They are told through the outbox, in their own language.
    [notice] = await outbox(bot)
    assert notice["chat_id"] == VOLUNTEER_ID and "now a coordinator" in notice["text"]
    delivered = await bot.flush_outbox()
    assert [(c.method, c.chat_id) for c in delivered] == [("sendMessage", VOLUNTEER_ID)]
    # The flow is over: a number now is just not understood.
    [reply] = await bot.text(admin, "12345")
    assert "did not understand" in reply.text


async def test_add_by_numeric_id_in_any_digits(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.press(admin, "staff:add")
    calls = await bot.text(admin, "٥٥٥٠١")  # Arabic-Indic digits for 55501
    assert "55501" in calls[0].text
    assert await role_of(bot, 55501) == "coordinator"
    [notice] = await outbox(bot)
    assert notice["chat_id"] == 55501 and has_arabic(notice["text"])  # default locale: Arabic


async def test_add_by_the_shared_user_button(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.press(admin, "staff:add")
    calls = await bot.share_user(admin, VOLUNTEER_ID)
    assert calls[0].text == f"Done: {VOLUNTEER_ID} is now a coordinator."
    assert await role_of(bot, VOLUNTEER_ID) == "coordinator"
    assert await audit_actions(bot) == [("staff.add", ADMIN_ID, str(VOLUNTEER_ID))]


def forward_from_bot(bot: BotHarness, admin: Any) -> Any:
    origin = {"type": "user", "date": 0,
              "sender_user": {"id": 7, "is_bot": True, "first_name": "Robo"}}
    return bot.process({"message": bot._message(admin, text="beep", forward_origin=origin)})


@pytest.mark.parametrize(
    ("send", "explanation"),
    [
        (lambda bot, admin: bot.text(admin, "Vera please"), "not a person I can add"),
        (lambda bot, admin: bot.sticker(admin), "not a person I can add"),
        (lambda bot, admin: bot.forward(admin, None), "privacy settings"),
        (lambda bot, admin: forward_from_bot(bot, admin), "from a bot"),
    ],
)
async def test_bad_answers_explain_and_ask_again(staffed: BotHarness, send: Any,
                                                 explanation: str) -> None:
    bot, admin = staffed, staffed.admin
    await bot.press(admin, "staff:add")
    before = await snapshot(bot)
    calls = await send(bot, admin)
    [reply] = [c for c in calls if c.method == "sendMessage"]
    assert explanation in reply.text
    assert "Who should become a coordinator?" in reply.text  # the same question again
    assert reply.keyboard[0]["request_users"]["request_id"] == 1
    assert await snapshot(bot) == before
    # Still waiting: a good answer now works.
    await bot.share_user(admin, VOLUNTEER_ID)
    assert await role_of(bot, VOLUNTEER_ID) == "coordinator"


async def test_forward_from_a_channel_is_explained(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.press(admin, "staff:add")
    origin = {"type": "channel", "date": 0, "message_id": 5,
              "chat": {"id": -1001, "type": "channel", "title": "News"}}
    calls = await bot.process({"message": bot._message(admin, text="x", forward_origin=origin)})
    assert "channel" in calls[0].text and "Who should become" in calls[0].text


async def test_adding_someone_already_on_staff_changes_nothing(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.press(admin, "staff:add")
    before = await snapshot(bot)
    calls = await bot.text(admin, str(COORDINATOR_ID))
    assert calls[0].text == f"{COORDINATOR_ID} is already on the office staff."
    after = await snapshot(bot)
    assert after["users"] == before["users"] and after["audit_log"] == before["audit_log"]
    assert after["outbox"] == []


async def test_cancel_stops_the_flow_without_changes(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.press(admin, "staff:add")
    [reply] = await bot.command(admin, "/cancel")
    assert reply.text == "Cancelled. Nothing was changed."
    assert reply.params["reply_markup"] == {"remove_keyboard": True}
    [reply] = await bot.text(admin, str(VOLUNTEER_ID))
    assert "did not understand" in reply.text
    assert await role_of(bot, VOLUNTEER_ID) == "volunteer"
    assert await audit_actions(bot) == []


async def test_an_admin_demoted_mid_flow_is_refused(staffed: BotHarness) -> None:
    bot = staffed
    await factories.create_user(bot.db, 2, role="admin", language_code="en")
    second_admin = bot.user(2, "Second", "en")
    await bot.press(second_admin, "staff:add")
    async with bot.db.transaction() as tx:
        await db.set_user_role(tx, 2, "coordinator")
    [reply] = await bot.text(second_admin, str(VOLUNTEER_ID))
    assert reply.text == "Sorry, only the office's admins can do this."
    assert await role_of(bot, VOLUNTEER_ID) == "volunteer"


# -- removing a coordinator --------------------------------------------------------------------------


async def test_remove_a_coordinator_with_confirmation(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.command(admin, "/staff")
    [_answer, confirm] = await bot.press(admin, f"staff:rm:{COORDINATOR_ID}")
    assert confirm.method == "editMessageText" and "Remove Omar" in confirm.text
    assert confirm.buttons == [("Yes, remove", f"staff:rmok:{COORDINATOR_ID}"),
                               ("Keep", "staff:list")]
    assert await role_of(bot, COORDINATOR_ID) == "coordinator"  # nothing yet

    calls = await bot.press(admin, f"staff:rmok:{COORDINATOR_ID}")
    assert calls[0].params.get("text") == "Removed."
    assert calls[1].method == "editMessageText" and "Omar" not in calls[1].text
    assert await role_of(bot, COORDINATOR_ID) == "volunteer"
    assert await audit_actions(bot) == [("staff.remove", ADMIN_ID, str(COORDINATOR_ID))]
    [menu] = chat_menus(calls, COORDINATOR_ID)
    assert "register" in [c["command"] for c in menu.params["commands"]]
    [notice] = await outbox(bot)
    assert notice["chat_id"] == COORDINATOR_ID and has_arabic(notice["text"])

    # Pressing the confirmation again does nothing more.
    [alert] = await bot.press(admin, f"staff:rmok:{COORDINATOR_ID}")
    assert alert.params["show_alert"] is True and "not a coordinator" in alert.params["text"]
    [alert] = await bot.press(admin, f"staff:rm:{COORDINATOR_ID}")
    assert alert.params["show_alert"] is True
    assert len(await audit_actions(bot)) == 1 and len(await outbox(bot)) == 1


async def test_keep_goes_back_to_the_list(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.command(admin, "/staff")
    await bot.press(admin, f"staff:rm:{COORDINATOR_ID}")
    calls = await bot.press(admin, "staff:list")
    assert calls[-1].method == "editMessageText" and "Office staff" in calls[-1].text
    assert await role_of(bot, COORDINATOR_ID) == "coordinator"


async def test_the_last_admin_cannot_be_removed(staffed: BotHarness) -> None:
    # (Was: admins can never be removed. Issue 15: an admin may remove another admin, never the
    # last one.)
    [alert] = await staffed.press(staffed.admin, f"staff:rmok:{staffed.admin.id}")
    assert alert.params["show_alert"] is True and "at least one admin" in alert.params["text"]
    assert await role_of(staffed, staffed.admin.id) == "admin"
    assert await audit_actions(staffed) == []


async def test_an_admin_removes_another_admin_who_stays_removed_after_a_restart(
    staffed: BotHarness,
) -> None:
    await factories.create_user(staffed.db, 2, role="admin", first_name="Second")
    [reply] = await staffed.command(staffed.admin, "/staff")
    assert "staff:rm:2" in [data for _label, data in reply.buttons]
    calls = await staffed.press(staffed.admin, "staff:rm:2")
    assert "Remove Second from the admins?" in calls[-1].text
    await staffed.press(staffed.admin, "staff:rmok:2")
    assert await role_of(staffed, 2) == "volunteer"
    # Only one admin is left: no Remove button for them, and a forged press is refused.
    [reply] = await staffed.command(staffed.admin, "/staff")
    assert f"staff:rm:{staffed.admin.id}" not in [data for _label, data in reply.buttons]
    # ADMIN_IDS only bootstraps an office without admins: a restart does not undo the removal.
    bot = await staffed.restart()
    assert await role_of(bot, staffed.admin.id) == "admin"
    assert await role_of(bot, 2) == "volunteer"


async def test_a_representative_made_coordinator_is_no_longer_an_entity_member(bot: BotHarness) -> None:
    entity = await factories.create_entity(bot.db, reps=(601,))
    await bot.command(bot.admin, "/staff")
    await bot.press(bot.admin, "staff:add")
    await bot.text(bot.admin, "601")
    assert await role_of(bot, 601) == "coordinator"
    members = await bot.db.fetchval(
        "SELECT COUNT(*) FROM entity_members WHERE entity_id = ? AND user_id = 601 AND removed_at IS NULL",
        (entity,),
    )
    assert members == 0


# -- invite links ----------------------------------------------------------------------------------


async def make_invite(bot: BotHarness) -> tuple[str, Any]:
    await bot.command(bot.admin, "/staff")
    calls = await bot.press(bot.admin, "staff:inv")
    message = next(c for c in calls if c.method == "sendMessage")
    return invite_token(message.text), message


async def test_a_valid_invite_makes_a_coordinator_once(staffed: BotHarness) -> None:
    bot = staffed
    token, message = await make_invite(bot)
    assert "https://t.me/aoun_test_bot?start=staff_" in message.text
    assert len(f"staff_{token}") <= 64 and re.fullmatch(r"[\w-]+", token)
    assert message.buttons == [("Revoke this link", f"staff:invrv:{token}")]
    assert "2026" in message.text  # the expiry date is shown
    assert await audit_actions(bot) == [("staff.invite", ADMIN_ID, token)]

    newcomer = bot.user(820, "Nadia", "en")
    calls = await bot.command(newcomer, f"/start staff_{token}")
    [welcome] = [c for c in calls if c.method == "sendMessage"]
    assert "You are now a coordinator" in welcome.text
    assert await role_of(bot, 820) == "coordinator"
    assert (await audit_actions(bot))[-1] == ("staff.invite_used", 820, "820")
    assert chat_menus(calls, 820)
    # The admin who made the link is told; the newcomer already got the reply above.
    [notice] = await outbox(bot)
    assert notice["chat_id"] == ADMIN_ID and "Nadia" in notice["text"]

    # Used: nobody else can use it.
    other = bot.user(821, "Khalid", "en")
    [reply] = await bot.command(other, f"/start staff_{token}")
    assert "not valid" in reply.text
    assert await role_of(bot, 821) == "volunteer"
    # The newcomer opening it again is told they are already staff.
    [reply] = await bot.command(newcomer, f"/start staff_{token}")
    assert reply.text == "You are already on the office staff."
    assert len(await audit_actions(bot)) == 2


async def test_an_expired_invite_is_refused(staffed: BotHarness, clock: ManualClock) -> None:
    bot = staffed
    token, _message = await make_invite(bot)
    clock.advance(bot.settings.invite_ttl + timedelta(minutes=1))
    [reply] = await bot.command(bot.user(822, "Late", "ar"), f"/start staff_{token}")
    assert has_arabic(reply.text)
    assert await role_of(bot, 822) == "volunteer"
    assert [a for a, _actor, _t in await audit_actions(bot)] == ["staff.invite"]


async def test_a_revoked_invite_is_refused_and_the_revocation_audited(staffed: BotHarness) -> None:
    bot = staffed
    token, _message = await make_invite(bot)
    calls = await bot.press(bot.admin, f"staff:invrv:{token}")
    assert calls[0].params.get("text") == "Revoked."
    assert calls[1].method == "editMessageText" and "revoked" in calls[1].text
    assert await audit_actions(bot) == [
        ("staff.invite", ADMIN_ID, token), ("staff.invite_revoked", ADMIN_ID, token)
    ]
    [reply] = await bot.command(bot.user(823, "Tariq", "en"), f"/start staff_{token}")
    assert "not valid" in reply.text
    assert await role_of(bot, 823) == "volunteer"
    # Revoking twice, or a used link, is refused with an explanation.
    [alert] = await bot.press(bot.admin, f"staff:invrv:{token}")
    assert alert.params["show_alert"] is True and "already used" in alert.params["text"]
    assert len(await audit_actions(bot)) == 2


async def test_a_used_invite_cannot_be_revoked(staffed: BotHarness) -> None:
    bot = staffed
    token, _message = await make_invite(bot)
    await bot.command(bot.user(824, "Nadia", "en"), f"/start staff_{token}")
    [alert] = await bot.press(bot.admin, f"staff:invrv:{token}")
    assert alert.params["show_alert"] is True
    assert await role_of(bot, 824) == "coordinator"


async def test_an_unknown_invite_token(staffed: BotHarness) -> None:
    [reply] = await staffed.command(staffed.user(825, "X", "en"), "/start staff_doesnotexist")
    assert "not valid" in reply.text
    assert await role_of(staffed, 825) == "volunteer"


# -- /audit ----------------------------------------------------------------------------------------


async def test_audit_lists_staff_actions_newest_first_in_words(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.press(admin, "staff:add")
    await bot.text(admin, str(VOLUNTEER_ID))
    await bot.press(admin, f"staff:rmok:{COORDINATOR_ID}")
    [reply] = await bot.command(bot.user(VOLUNTEER_ID, "Vera", "en"), "/audit")  # now staff
    lines = reply.text.splitlines()
    assert lines[0] == "Recent staff actions:"
    removed = reply.text.index(f"removed {COORDINATOR_ID} from the coordinators")
    added = reply.text.index(f"made {VOLUNTEER_ID} a coordinator")
    assert removed < added  # newest first
    assert "Admin (1)" in reply.text
    assert "AH" in reply.text  # dates in both calendars


async def test_audit_pages(staffed: BotHarness) -> None:
    bot = staffed
    async with bot.db.transaction() as tx:
        for n in range(20):
            await db.audit(tx, actor_id=ADMIN_ID, action="staff.invite", now=bot.clock.now(),
                           target_type="invite", target_id=f"t{n}")
    [first] = await bot.command(bot.admin, "/audit")
    assert first.buttons[0] == ("Older ▶", "audit:p:15")  # then the filter buttons
    calls = await bot.press(bot.admin, "audit:p:15")
    page = calls[-1]
    assert page.method == "editMessageText"
    assert page.text.count("created a staff invite link") == 5
    assert page.buttons[0] == ("◀ Newer", "audit:p:0")
    assert "audit:p:15" not in [data for _label, data in page.buttons]


async def test_audit_when_empty(staffed: BotHarness) -> None:
    [reply] = await staffed.command(staffed.admin, "/audit")
    assert reply.text == "No staff actions have been recorded yet."


async def test_a_coordinator_may_read_the_audit_but_not_manage_staff(staffed: BotHarness) -> None:
    bot = staffed
    coordinator = bot.user(COORDINATOR_ID, "Omar", "en")
    [reply] = await bot.command(coordinator, "/audit")
    assert not reply.text.startswith("Sorry")
    before = await snapshot(bot)
    [reply] = await bot.command(coordinator, "/staff")
    assert reply.text == "Sorry, only the office's admins can do this."
    for data in ("staff:add", "staff:inv", f"staff:rmok:{COORDINATOR_ID}"):
        [alert] = await bot.press(coordinator, data)
        assert alert.params["show_alert"] is True
    assert await snapshot(bot) == before


# -- volunteers are refused everything and nothing changes ----------------------------------------


async def test_a_volunteer_is_refused_every_staff_command_and_button(staffed: BotHarness) -> None:
    bot = staffed
    token, _message = await make_invite(bot)  # a live invite the volunteer might try to revoke
    vera = bot.user(VOLUNTEER_ID, "Vera", "en")
    await bot.command(vera, "/help")  # seen before, so the snapshot holds their row
    before = await snapshot(bot)

    for command in ("/staff", "/audit"):
        [reply] = await bot.command(vera, command)
        assert reply.method == "sendMessage" and reply.text.startswith("Sorry"), command
    for data in (
        "staff:add", "staff:inv", "staff:list",
        f"staff:rm:{COORDINATOR_ID}", f"staff:rmok:{COORDINATOR_ID}",
        f"staff:rmok:{ADMIN_ID}", f"staff:invrv:{token}", "audit:p:0", "audit:p:15",
    ):
        calls = await bot.press(vera, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert calls[0].params["show_alert"] is True
        assert calls[0].params["text"].startswith("Sorry"), data

    # After pressing "add", the volunteer is not in a flow: their numbers are not understood.
    [reply] = await bot.text(vera, "12345")
    assert "did not understand" in reply.text
    assert await snapshot(bot) == before


async def test_refusals_are_in_the_volunteers_language(staffed: BotHarness) -> None:
    await factories.create_user(staffed.db, 811, role="volunteer", language_code="ar")
    [reply] = await staffed.command(staffed.user(811, "Ali", "ar"), "/staff")
    assert has_arabic(reply.text)


async def test_the_invite_link_stands_alone_on_its_line_in_arabic(staffed: BotHarness) -> None:
    async with staffed.db.transaction() as tx:
        await db.set_user_locale(tx, ADMIN_ID, "ar")
    token, message = await make_invite(staffed)
    assert has_arabic(message.text)
    assert message.text.splitlines()[-1] == f"https://t.me/aoun_test_bot?start=staff_{token}"


# -- the add-coordinator question beside other flows (bot/flows/kit) --------------------------------

GROUP = -100123


@pytest.fixture
async def probe_bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[BotHarness]:
    async with probe_harness(tmp_path, clock) as harness:
        yield harness


async def test_an_id_typed_during_a_kept_draft_adds_the_coordinator_and_the_draft_comes_back(
    probe_bot: BotHarness,
) -> None:
    bot, admin = probe_bot, probe_bot.admin
    await bot.command(admin, "/probe")
    calls = await bot.command(admin, "/staff")
    assert "Your probe draft is kept: send /probe to go on with it." in bot.texts(calls)
    calls = await bot.press(admin, "staff:add")
    assert "Your probe draft is kept: we will come back to it after this." in bot.texts(calls)
    calls = await bot.text(admin, "5555")
    assert calls[0].text == "Done: 5555 is now a coordinator."
    assert await role_of(bot, 5555) == "coordinator"
    # The draft asks its question again by itself; the id was not taken as its answer.
    assert "You can now go on with what you were doing before." in calls[-1].text
    assert "What is the probe called?" in calls[-1].text
    calls = await bot.text(admin, "Water at gate 5")
    assert calls[-1].text == "Where is the probe?"
    calls = await bot.text(admin, "Quba")
    assert calls[-1].text == "Probe saved: Water at gate 5 at Quba"


async def test_a_draft_started_while_the_question_is_open_closes_the_question(
    probe_bot: BotHarness,
) -> None:
    bot, admin = probe_bot, probe_bot.admin
    await bot.press(admin, "staff:add")
    calls = await bot.command(admin, "/probe")
    assert "I stopped waiting for your answer about the new coordinator." in bot.texts(calls)
    assert calls[-1].text == "What is the probe called?"
    await bot.text(admin, "5556")  # the probe's title now, not a person to add
    assert await role_of(bot, 5556) is None
    assert await audit_actions(bot) == []
    calls = await bot.text(admin, "5557")
    assert calls[-1].text == "Probe saved: 5556 at 5557"
    assert await role_of(bot, 5557) is None


async def test_cancel_closes_the_question_then_the_draft(probe_bot: BotHarness) -> None:
    bot, admin = probe_bot, probe_bot.admin
    await bot.command(admin, "/probe")
    await bot.command(admin, "/staff")
    await bot.press(admin, "staff:add")
    calls = await bot.command(admin, "/cancel")  # the open question: who to add
    assert calls[0].text == "Cancelled. Nothing was changed."
    assert "What is the probe called?" in calls[-1].text  # the draft is back
    calls = await bot.command(admin, "/cancel")
    assert calls[-1].text == "Probe dropped."
    calls = await bot.text(admin, "7777")
    assert "did not understand" in calls[-1].text
    assert await role_of(bot, 7777) is None


async def test_resuming_the_draft_by_its_command_closes_the_question(probe_bot: BotHarness) -> None:
    bot, admin = probe_bot, probe_bot.admin
    await bot.command(admin, "/probe")
    await bot.command(admin, "/staff")
    await bot.press(admin, "staff:add")
    calls = await bot.command(admin, "/probe")
    assert "I stopped waiting for your answer about the new coordinator." in bot.texts(calls)
    assert "What is the probe called?" in calls[-1].text
    await bot.text(admin, "8888")
    assert await role_of(bot, 8888) is None
    calls = await bot.text(admin, "8889")
    assert calls[-1].text == "Probe saved: 8888 at 8889"


async def test_text_in_a_group_never_answers_the_private_question(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.press(admin, "staff:add")
    assert await bot.text(admin, str(VOLUNTEER_ID), group=GROUP) == []
    assert await role_of(bot, VOLUNTEER_ID) == "volunteer"
    calls = await bot.text(admin, str(VOLUNTEER_ID))
    assert calls[0].text == f"Done: {VOLUNTEER_ID} is now a coordinator."


async def test_the_question_survives_kill_9_and_adds_once(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.press(admin, "staff:add")
    bot = await bot.restart(graceful=False)
    calls = await bot.text(admin, str(VOLUNTEER_ID))
    assert calls[0].text == f"Done: {VOLUNTEER_ID} is now a coordinator."
    calls = await bot.text(admin, str(VOLUNTEER_ID))  # the question is over
    assert "did not understand" in calls[-1].text
    assert await audit_actions(bot) == [("staff.add", ADMIN_ID, str(VOLUNTEER_ID))]
    assert len(await outbox(bot)) == 1


# -- a retap after a failed answer has its effect once ----------------------------------------------


async def test_remove_retapped_after_a_failed_answer_removes_once(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.command(admin, "/staff")
    await bot.press(admin, f"staff:rm:{COORDINATOR_ID}")
    bot.api.fail(400, "Bad Request: query ID is invalid", method="answerCallbackQuery")
    calls = await bot.press(admin, f"staff:rmok:{COORDINATOR_ID}")
    # The answer was refused, but the removal is done and shown: the list and the menu.
    assert [c.method for c in calls if c.method != "answerCallbackQuery"] == [
        "editMessageText", "setMyCommands"
    ]
    assert "Omar" not in calls[-2].text
    assert await role_of(bot, COORDINATOR_ID) == "volunteer"
    [alert] = await bot.press(admin, f"staff:rmok:{COORDINATOR_ID}")  # the person taps again
    assert alert.params["show_alert"] is True and "not a coordinator" in alert.params["text"]
    assert await audit_actions(bot) == [("staff.remove", ADMIN_ID, str(COORDINATOR_ID))]
    assert len(await outbox(bot)) == 1


async def test_an_invite_link_is_shown_even_when_the_answer_fails(staffed: BotHarness) -> None:
    bot, admin = staffed, staffed.admin
    await bot.command(admin, "/staff")
    bot.api.fail(400, "Bad Request: query ID is invalid", method="answerCallbackQuery")
    calls = await bot.press(admin, "staff:inv")
    token = invite_token(next(c for c in calls if c.method == "sendMessage").text)
    assert await audit_actions(bot) == [("staff.invite", ADMIN_ID, token)]
