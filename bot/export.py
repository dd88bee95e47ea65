"""Build the coordinators' spreadsheet (openpyxl): pure, given rows; run it in a worker thread."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot import catalog
from bot.db import parse_ts
from bot.i18n import _, is_rtl


def _local(value: str | None, tz: ZoneInfo) -> datetime | None:
    moment = parse_ts(value)
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


def _codes(value: str | None, items: tuple[catalog.Item, ...]) -> str:
    return ", ".join(catalog.label(items, code) for code in (value or "").split(",") if code)


Column = tuple[str, Callable[[Any], Any]]


def _sheet(book: Workbook, title: str, columns: Sequence[Column], rows: Sequence[Any]) -> None:
    sheet = book.create_sheet(title)
    sheet.sheet_view.rightToLeft = is_rtl()
    sheet.append([header for header, _getter in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([getter(row) for _header, getter in columns])
    for index, (header, _getter) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) + 4)
    sheet.freeze_panes = "A2"


def build_workbook(
    volunteers: Sequence[Any], shifts: Sequence[Any], assignments: Sequence[Any], tz: ZoneInfo
) -> bytes:
    """Three sheets (volunteers, shifts, assignments) with headers in the current locale."""
    book = Workbook()
    book.remove(book.active)
    _sheet(book, _("Volunteers"), [
        (_("Telegram id"), lambda r: r["user_id"]),
        (_("Full name"), lambda r: r["full_name"]),
        (_("Phone"), lambda r: r["phone"]),
        (_("Phone verified"), lambda r: _("yes") if r["phone_verified"] else _("no")),
        (_("Gender"), lambda r: catalog.label(catalog.GENDERS, r["gender"] or "")),
        (_("Date of birth"), lambda r: r["birth_date"]),
        (_("City"), lambda r: catalog.city_label(r["city"] or "")),
        (_("Status"), lambda r: r["status"]),
        (_("Languages"), lambda r: _codes(r["languages"], catalog.LANGUAGES)),
        (_("Specialties"), lambda r: _codes(r["specialties"], catalog.SPECIALTIES)),
        (_("Registered"), lambda r: _local(r["registered_at"], tz)),
        (_("Completed shifts"), lambda r: r["completed"]),
        (_("Hours served"), lambda r: round(float(r["hours"]), 1)),
    ], volunteers)
    _sheet(book, _("Shifts"), [
        (_("Shift"), lambda r: r["shift_id"]),
        (_("Need"), lambda r: r["need_id"]),
        (_("Entity"), lambda r: r["name_ar"] if is_rtl() else r["name_en"]),
        (_("Title"), lambda r: r["title"]),
        (_("Specialty"), lambda r: catalog.label(catalog.SPECIALTIES, r["specialty"])),
        (_("Site"), lambda r: r["site_name"]),
        (_("Need status"), lambda r: r["need_status"]),
        (_("Shift status"), lambda r: r["shift_status"]),
        (_("Starts"), lambda r: _local(r["starts_at"], tz)),
        (_("Ends"), lambda r: _local(r["ends_at"], tz)),
        (_("Slots"), lambda r: r["slots"]),
        (_("Accepted"), lambda r: r["accepted"]),
    ], shifts)
    _sheet(book, _("Assignments"), [
        (_("Assignment"), lambda r: r["id"]),
        (_("Shift"), lambda r: r["shift_id"]),
        (_("Telegram id"), lambda r: r["volunteer_id"]),
        (_("Full name"), lambda r: r["full_name"]),
        (_("Status"), lambda r: r["status"]),
        (_("Starts"), lambda r: _local(r["starts_at"], tz)),
        (_("Offered"), lambda r: _local(r["offered_at"], tz)),
        (_("Accepted"), lambda r: _local(r["accepted_at"], tz)),
        (_("Cancelled"), lambda r: _local(r["cancelled_at"], tz)),
        (_("Late cancellation"), lambda r: _("yes") if r["late_cancel"] else ""),
        (_("Checked in"), lambda r: _local(r["checked_in_at"], tz)),
    ], assignments)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
