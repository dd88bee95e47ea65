"""/stats and /export: numbers from the database, a real spreadsheet, and refusals."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from tests.factories import create_assignment, create_entity, create_need, create_volunteer
from tests.harness import BotHarness


async def seed(bot: BotHarness) -> list[int]:
    for uid, specialties in ((201, ("translation", "guidance")), (202, ("guidance",)),
                             (203, ("healthcare",))):
        await create_volunteer(bot.db, uid, full_name=f"Volunteer {uid}", specialties=specialties)
    await create_volunteer(bot.db, 204, full_name="Pending One", status="pending")
    entity = await create_entity(bot.db, name_ar="الهلال الأحمر السعودي",
                                 name_en="Saudi Red Crescent Authority")
    today = bot.clock.now().date()
    _need, shifts = await create_need(bot.db, entity, first_day=today + timedelta(days=1), days=2,
                                      slots=4)
    await create_need(bot.db, entity, first_day=today + timedelta(days=3), status="submitted")
    await create_assignment(bot.db, shifts[0], 201)
    await create_assignment(bot.db, shifts[0], 202)
    return shifts


async def test_stats_counts_volunteers_needs_and_fill_rate(bot: BotHarness) -> None:
    await seed(bot)
    calls = await bot.command(bot.admin, "/stats")
    text = bot.texts(calls)
    assert "active volunteers: 3 · awaiting approval: 1" in text
    assert "📋 Needs\nwaiting for approval: 1 · approved: 1" in text
    assert "places filled: 2 of 8 (25%)" in text
    assert "Guidance" not in text and "Wayfinding: 2" in text


async def test_stats_in_arabic_for_an_arabic_coordinator(bot: BotHarness) -> None:
    await seed(bot)
    coordinator = bot.user(7, "Huda", "ar")
    async with bot.db.transaction() as tx:
        from bot import db

        await db.touch_user(tx, 7, now=bot.clock.now(), first_name="Huda", language_code="ar")
        await db.set_user_role(tx, 7, "coordinator")
    text = bot.texts(await bot.command(coordinator, "/stats"))
    assert "المتطوعون" in text and "هـ" in text


async def test_export_sends_the_volunteers_workbook(bot: BotHarness) -> None:
    await seed(bot)
    [menu] = await bot.command(bot.admin, "/export")  # the datasets to choose from
    assert ("📗 Volunteers", "exp:f:volunteers:xlsx") in menu.buttons
    calls = await bot.press(bot.admin, "exp:f:volunteers:xlsx")
    document = next(c for c in calls if c.method == "sendDocument")
    filename, content = next(iter(document.files.values()))
    assert filename.startswith("aoun-volunteers-") and filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Volunteers"]
    volunteers = list(book["Volunteers"].iter_rows(values_only=True))
    assert volunteers[0][1] == "Full name"
    assert {row[1] for row in volunteers[1:]} == {
        "Volunteer 201", "Volunteer 202", "Volunteer 203", "Pending One"}
    calls = await bot.command(bot.admin, "/export needs")
    book = load_workbook(io.BytesIO(next(iter(next(c for c in calls if c.method == "sendDocument").files.values()))[1]))
    assert len(list(book["Shifts"].iter_rows())) == 1 + 3
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'export'") == 2


async def test_arabic_export_is_right_to_left(bot: BotHarness) -> None:
    await seed(bot)
    from bot import db

    async with bot.db.transaction() as tx:
        await db.set_user_locale(tx, 1, "ar")
    calls = await bot.command(bot.admin, "/export volunteers")
    document = next(c for c in calls if c.method == "sendDocument")
    book = load_workbook(io.BytesIO(next(iter(document.files.values()))[1]))
    sheet = book.worksheets[0]
    assert sheet.sheet_view.rightToLeft
    assert sheet.title == "المتطوعون"


async def test_volunteers_and_reps_are_refused(bot: BotHarness) -> None:
    await seed(bot)
    volunteer = bot.user(201, "Volunteer", "en")
    await create_entity(bot.db, name_en="Other", name_ar="أخرى", reps=(301,))
    rep = bot.user(301, "Rep", "en")
    for who in (volunteer, rep):
        for command in ("/stats", "/export"):
            if who is rep and command == "/export":
                continue  # a representative exports their own entity's needs (test_export_command.py)
            calls = await bot.command(who, command)
            assert [c.method for c in calls] == ["sendMessage"]
            assert "only for" in calls[0].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'export'") == 0


def test_date_helper_used_in_stats_header() -> None:
    from bot.i18n import format_date, use_locale

    with use_locale("en"):
        assert "AH" in format_date(date(2026, 5, 24))
