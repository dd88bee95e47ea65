"""Audit: every staff command and a sample of staff and entity buttons, pressed by people who may
not use them (a plain volunteer, another entity's representative), are refused and change
nothing in the database; forged callback data never reaches a query."""

from __future__ import annotations

from typing import Any

import pytest

from bot import db
from bot.auth import ADMIN, REPS_AND_STAFF, STAFF, refusal_text
from bot.context import Context
from bot.i18n import _, use_locale
from tests.factories import (
    create_assignment,
    create_entity,
    create_need,
    create_user,
    create_volunteer,
)
from tests.factories_dispatch import TUESDAY
from tests.harness import BotHarness

VOLUNTEER_ID = 101
PENDING_ID = 102
COORDINATOR_ID = 50
OUR_REP = 90
OTHER_REP = 91

STAFF_COMMANDS = [
    "/needs", "/volunteers", "/volunteers Ahmad", "/entities", "/broadcast", "/stats",
    "/export volunteers", "/export audit csv", "/audit", "/staff",
]


def refusals() -> set[str]:
    with use_locale("en"):
        return {refusal_text(allowed) for allowed in (ADMIN, STAFF, REPS_AND_STAFF)} | {
            _("Sorry, this belongs to another entity."),
            _("Sorry, only the office's coordinators can export this. "
              "Representatives can export their own entity's needs and rosters."),
        }


async def snapshot(bot: BotHarness) -> dict[str, Any]:
    """Row counts of every table (the bot's own conversation store aside) and everyone's role,
    plus the statuses a refused button could have flipped."""
    tables = [
        row["name"]
        for row in await bot.db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'ptb_%'"
        )
    ]
    state: dict[str, Any] = {
        table: await bot.db.fetchval(f"SELECT COUNT(*) FROM {table}") for table in tables
    }
    for label, sql in {
        "roles": "SELECT id, role FROM users ORDER BY id",
        "volunteers": "SELECT user_id, status FROM volunteers ORDER BY user_id",
        "needs": "SELECT id, status, slots FROM needs ORDER BY id",
        "shifts": "SELECT id, status, slots FROM shifts ORDER BY id",
        "assignments": "SELECT id, status FROM assignments ORDER BY id",
        "entities": "SELECT id, active FROM entities ORDER BY id",
    }.items():
        state[label] = [tuple(row) for row in await bot.db.fetchall(sql)]
    return state


@pytest.fixture
async def world(bot: BotHarness) -> dict[str, Any]:
    """Entity 1 (rep 90) with an approved need and its started shift held by volunteer 101, a
    submitted need, entity 2 (rep 91), a coordinator and a volunteer waiting for approval."""
    await create_user(bot.db, COORDINATOR_ID, role="coordinator", locale="en")
    ours = await create_entity(bot.db, reps=[OUR_REP])
    theirs = await create_entity(bot.db, name_ar="جهة أخرى", name_en="Other Entity", reps=[OTHER_REP])
    need, (shift,) = await create_need(bot.db, ours, first_day=TUESDAY)
    submitted, _shifts = await create_need(bot.db, ours, first_day=TUESDAY, status="submitted")
    await create_volunteer(bot.db, VOLUNTEER_ID, locale="en", language_code="en")
    await create_volunteer(bot.db, PENDING_ID, status="pending")
    for rep in (OUR_REP, OTHER_REP):
        async with bot.db.transaction() as tx:
            await db.set_user_locale(tx, rep, "en")
    assignment = await create_assignment(bot.db, shift, VOLUNTEER_ID)
    bot.clock.set(db.parse_ts("2026-05-12T06:00:00+00:00"))  # the Tuesday shift has started
    return {
        "entity": ours, "other_entity": theirs, "need": need, "submitted": submitted,
        "shift": shift, "assignment": assignment,
    }


def staff_buttons(w: dict[str, Any]) -> list[str]:
    """Coordinators' and admins' buttons, with the ids of things that exist."""
    e, n, s = w["entity"], w["need"], w["submitted"]
    return [
        f"apr:ok:{s}", f"apr:rj:{s}", f"apr:sl:{s}", f"nd:sl:{n}", "nds:p:0",
        "ent:p:0", f"ent:o:{e}", f"ent:ed:{e}", f"ent:act:{e}:0", f"ent:inv:{e}", "ent:rv:1",
        f"ent:rr:{e}:{OUR_REP}", f"ent:rrok:{e}:{OUR_REP}", "ent:add", f"ent:ef:{e}:ar",
        "staff:list", "staff:add", "staff:inv", f"staff:rm:{COORDINATOR_ID}",
        f"staff:rmok:{COORDINATOR_ID}", "staff:invrv:abcdefghijklmnop", "audit:p:0",
        "audit:f:needs:0:0", "audit:k:all:0", "audit:a:all:0", "exp:f:volunteers:xlsx",
        "exp:f:hours:csv", "exp:f:audit:xlsx", "exp:f:assignments:csv",
        "vol:pe:0", "vol:sp:guidance:0", "vol:bk", f"vol:v:{PENDING_ID}", f"vol:ap:{PENDING_ID}",
        f"vol:rj:{PENDING_ID}", f"vol:su:{VOLUNTEER_ID}", f"vol:q:{VOLUNTEER_ID}",
        f"vol:qg:{VOLUNTEER_ID}:guidance", f"vol:qr:{VOLUNTEER_ID}:guidance",
        "bc:list", "bc:stop:1", "bc:stopok:1", "bc:k:all", "bc:send",
    ]


def entity_buttons(w: dict[str, Any]) -> list[str]:
    """Entity 1's own buttons: its representatives and the office may press them."""
    n, sh, a = w["need"], w["shift"], w["assignment"]
    return [
        f"nd:o:{n}:0", f"nd:cx:{n}", f"nd:cxok:{n}", f"sh:r:{sh}:0", f"sh:cx:{sh}",
        f"sh:cxok:{sh}", f"att:v:{sh}:0", f"att:p:{a}:0", f"att:a:{a}:0",
    ]


async def assert_refused(bot: BotHarness, calls: list[Any], what: str) -> None:
    replies = [c for c in calls if c.method in ("sendMessage", "answerCallbackQuery")]
    assert replies, f"{what}: no answer at all"
    assert all(c.text in refusals() for c in replies), (what, [c.text for c in replies])
    assert not [c for c in calls if c.method.startswith("edit") or c.method == "sendDocument"], what


async def test_a_volunteer_is_refused_every_staff_command_and_button(
    bot: BotHarness, world: dict[str, Any]
) -> None:
    volunteer = bot.user(VOLUNTEER_ID, "Ali", "en")
    before = await snapshot(bot)
    for command in STAFF_COMMANDS:
        await assert_refused(bot, await bot.command(volunteer, command), command)
    for data in staff_buttons(world) + entity_buttons(world):
        calls = await bot.press(volunteer, data)
        await assert_refused(bot, calls, data)
        assert all(c.params.get("show_alert") for c in calls if c.method == "answerCallbackQuery")
    assert await snapshot(bot) == before
    assert await bot.flush_outbox() == []  # and nobody was told anything


async def test_another_entitys_representative_is_refused(
    bot: BotHarness, world: dict[str, Any]
) -> None:
    stranger = bot.user(OTHER_REP, "Omar", "en")
    before = await snapshot(bot)
    for command in STAFF_COMMANDS:
        await assert_refused(bot, await bot.command(stranger, command), command)
    for data in staff_buttons(world) + entity_buttons(world):
        await assert_refused(bot, await bot.press(stranger, data), data)
    assert await snapshot(bot) == before
    assert await bot.flush_outbox() == []


async def test_the_same_buttons_work_for_the_entitys_own_people(
    bot: BotHarness, world: dict[str, Any]
) -> None:
    """The control: the ids above are live, so the refusals are not about missing things."""
    rep = bot.user(OUR_REP, "Rami", "en")
    calls = await bot.press(rep, f"att:a:{world['assignment']}:0")
    assert "Marked absent." in bot.texts(calls)
    admin = bot.admin
    await bot.press(admin, f"apr:ok:{world['submitted']}")
    assert (await db.get_need(bot.db, world["submitted"]))["status"] == "approved"
    await bot.press(admin, f"vol:ap:{PENDING_ID}")
    assert await bot.db.fetchval(
        "SELECT status FROM volunteers WHERE user_id = ?", (PENDING_ID,)
    ) == "active"


@pytest.mark.parametrize(
    "data", ["nd:o:99999999999999999999:0", "vol:v:99999999999999999999", "att:p:1:99999999999999999999", ""]
)
async def test_forged_callback_data_is_a_stale_button_not_a_crash(
    bot: BotHarness, world: dict[str, Any], data: str
) -> None:
    errors: list[BaseException | None] = []

    async def record(update: object, context: Context) -> None:
        errors.append(context.error)

    bot.app.add_error_handler(record)
    before = await snapshot(bot)
    calls = await bot.press(bot.admin, data)
    assert [(c.method, c.text, c.params.get("show_alert")) for c in calls] == [
        ("answerCallbackQuery", "This button is no longer active.", True)
    ]
    assert errors == []
    assert await snapshot(bot) == before


def test_the_guard_lets_every_real_id_through() -> None:
    from bot.handlers.common import forged_callback_data

    assert not forged_callback_data("vol:qg:4503599627370495:reception_farewell")
    assert not forged_callback_data("shf:p:-5")
    assert forged_callback_data("nd:o:9223372036854775808:0")
    assert forged_callback_data(None) and forged_callback_data("")
