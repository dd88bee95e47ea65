"""Spreadsheets the office can hand out: XLSX (openpyxl) and CSV, built from rows, off the loop.

Every cell is a value, never a formula: text that a spreadsheet would run (starting with `=`,
`+`, `-`, `@`, a tab or a carriage return) is written as text (XLSX) or behind a `'` (CSV), and
control characters are removed, so a need titled `=HYPERLINK(...)` stays a title. Date-times are
real dates with a format in the office's time zone, each with a Hijri (Umm al-Qura) column beside
it; codes (statuses, genders, specialties) are in the reader's language and lists are joined
with the locale's own list format. Columns fit their data; the header row has an autofilter.
CSV is UTF-8 with a BOM, so that Excel reads Arabic.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel.lists import format_list

if TYPE_CHECKING:  # openpyxl is loaded when a workbook is made, not with the bot
    from openpyxl import Workbook

from bot import catalog
from bot.i18n import _, get_locale, is_rtl, pgettext, to_hijri
from bot.texts import staff as staff_texts
from bot.texts import statuses

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 8, 60


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATETIME = "datetime"  # stored UTC ISO text -> office time, plus a Hijri column
    DATE = "date"  # ISO date text -> a date, plus a Hijri column
    LIST = "list"  # a sequence of already-translated labels


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Any]


def clean_text(value: object) -> str:
    """Text without control or bidi-override characters (they break files and readers)."""
    return CONTROL.sub("", str(value))


def _moment(value: object, tz: ZoneInfo) -> datetime | None:
    if value in (None, ""):
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(tz).replace(tzinfo=None)


def _day(value: object) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _hijri(day: date | None) -> str:
    if day is None:
        return ""
    hijri = to_hijri(day)
    return f"{hijri.year:04d}-{hijri.month:02d}-{hijri.day:02d}"


def join_labels(labels: Sequence[str]) -> str:
    """`a, b and c` in the reader's language (Arabic: «أ وب وج»)."""
    items = [clean_text(label) for label in labels if label]
    return format_list(items, locale=get_locale()) if items else ""


def _cells(table: Table, tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    """Headers and values, with a Hijri column after every date or date-time."""
    headers: list[str] = []
    for column in table.columns:
        headers.append(column.header)
        if column.kind in (Kind.DATETIME, Kind.DATE):
            headers.append(_("{column} (Hijri)").format(column=column.header))
    rows = []
    for row in table.rows:
        values: list[Any] = []
        for column in table.columns:
            raw = column.value(row)
            if column.kind is Kind.DATETIME:
                moment = _moment(raw, tz)
                values += [moment, _hijri(moment.date() if moment else None)]
            elif column.kind is Kind.DATE:
                day = _day(raw)
                values += [day, _hijri(day)]
            elif column.kind is Kind.LIST:
                values.append(join_labels(list(raw or ())))
            elif column.kind is Kind.NUMBER:
                values.append(raw)
            else:
                values.append(None if raw is None else clean_text(raw))
        rows.append(values)
    return headers, rows


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0) if value is not None else 0


def _sheet(book: Workbook, table: Table, tz: ZoneInfo) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(clean_text(table.title)[:31] or "Sheet")
    sheet.sheet_view.rightToLeft = is_rtl()
    headers, rows = _cells(table, tz)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in rows:
        sheet.append([None] * len(values))
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=sheet.max_row, column=index)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # a value, never a formula, whatever the text starts with
                cell.quotePrefix = value.startswith(FORMULA_START)
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
    for index, header in enumerate(headers, start=1):
        longest = max([len(header), *(_width(values[index - 1]) for values in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"


def workbook(tables: Sequence[Table], tz: ZoneInfo) -> bytes:
    """One sheet per table, in the reader's language and direction."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        _sheet(book, table, tz)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_file(table: Table, tz: ZoneInfo) -> bytes:
    """The table as CSV: UTF-8 with a BOM (Excel then reads Arabic), every cell a value."""
    headers, rows = _cells(table, tz)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_value(header) for header in headers])
    for values in rows:
        writer.writerow([_csv_value(value) for value in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# -- the datasets --------------------------------------------------------------------------------
# Each takes the rows of its bot/db.py export query; headers and codes in the reader's language.


def _labels(value: str | None, items: tuple[catalog.Item, ...]) -> list[str]:
    return [catalog.label(items, code) for code in (value or "").split(",") if code]


def _entity(row: Any) -> str:
    return row["name_ar"] if get_locale() == "ar" else row["name_en"]


def volunteers_table(rows: Sequence[Any]) -> Table:
    return Table(_("Volunteers"), [
        Column(_("Telegram id"), lambda r: r["user_id"], Kind.NUMBER),
        Column(_("Full name"), lambda r: r["full_name"]),
        Column(_("Phone"), lambda r: r["phone"]),
        Column(_("Phone verified"), lambda r: _("yes") if r["phone_verified"] else _("no")),
        Column(_("Gender"), lambda r: catalog.label(catalog.GENDERS, r["gender"] or "")),
        Column(_("Date of birth"), lambda r: r["birth_date"], Kind.DATE),
        Column(_("City"), lambda r: catalog.city_label(r["city"] or "")),
        Column(_("Status"), lambda r: statuses.volunteer_status(r["status"], r["gender"])),
        Column(_("Languages"), lambda r: _labels(r["languages"], catalog.LANGUAGES), Kind.LIST),
        Column(_("Specialties"), lambda r: _labels(r["specialties"], catalog.SPECIALTIES), Kind.LIST),
        Column(pgettext("export column", "Registered at"), lambda r: r["registered_at"], Kind.DATETIME),
        Column(_("Completed shifts"), lambda r: r["completed"], Kind.NUMBER),
        Column(_("Hours served"), lambda r: round(float(r["hours"] or 0), 1), Kind.NUMBER),
    ], rows)


def shifts_table(rows: Sequence[Any]) -> Table:
    return Table(_("Shifts"), [
        Column(_("Shift"), lambda r: r["shift_id"], Kind.NUMBER),
        Column(_("Need"), lambda r: r["need_id"], Kind.NUMBER),
        Column(_("Entity"), _entity),
        Column(_("Title"), lambda r: r["title"]),
        Column(_("Specialty"), lambda r: catalog.label(catalog.SPECIALTIES, r["specialty"])),
        Column(_("Site"), lambda r: r["site_name"]),
        Column(_("Need status"), lambda r: statuses.need_status(r["need_status"])),
        Column(_("Shift status"), lambda r: statuses.shift_status(r["shift_status"])),
        Column(pgettext("export column", "Starts at"), lambda r: r["starts_at"], Kind.DATETIME),
        Column(pgettext("export column", "Ends at"), lambda r: r["ends_at"], Kind.DATETIME),
        Column(_("Slots"), lambda r: r["slots"], Kind.NUMBER),
        Column(pgettext("export column", "Accepted volunteers"), lambda r: r["accepted"], Kind.NUMBER),
    ], rows)


def assignments_table(rows: Sequence[Any]) -> Table:
    return Table(_("Assignments"), [
        Column(_("Assignment"), lambda r: r["id"], Kind.NUMBER),
        Column(_("Shift"), lambda r: r["shift_id"], Kind.NUMBER),
        Column(_("Telegram id"), lambda r: r["volunteer_id"], Kind.NUMBER),
        Column(_("Full name"), lambda r: r["full_name"]),
        Column(_("Status"), lambda r: statuses.assignment_status(r["status"], r["gender"])),
        Column(pgettext("export column", "Starts at"), lambda r: r["starts_at"], Kind.DATETIME),
        Column(pgettext("export column", "Offered at"), lambda r: r["offered_at"], Kind.DATETIME),
        Column(pgettext("export column", "Accepted at"), lambda r: r["accepted_at"], Kind.DATETIME),
        Column(pgettext("export column", "Cancelled at"), lambda r: r["cancelled_at"], Kind.DATETIME),
        Column(_("Late cancellation"), lambda r: _("yes") if r["late_cancel"] else ""),
        Column(pgettext("export column", "Checked in at"), lambda r: r["checked_in_at"], Kind.DATETIME),
    ], rows)


def build_workbook(
    volunteers: Sequence[Any], shifts: Sequence[Any], assignments: Sequence[Any], tz: ZoneInfo,
    *, training: Sequence[Table] = (),
) -> bytes:
    """The coordinators' workbook: volunteers, shifts and assignments (and the trainings)."""
    return workbook(
        [volunteers_table(volunteers), shifts_table(shifts), assignments_table(assignments), *training], tz
    )


# -- trainings: sessions with their attendance, and the qualifications they granted ---------------


def _session_kind(kind: str) -> str:
    return _("Awareness lecture") if kind == "lecture" else _("Training session")


def training_sessions_table(rows: Sequence[Any]) -> Table:
    return Table(_("Trainings"), [
        Column(_("Session"), lambda r: r["id"], Kind.NUMBER),
        Column(_("Kind"), lambda r: _session_kind(r["kind"])),
        Column(_("Qualification"), lambda r: catalog.label(catalog.SPECIALTIES, r["specialty"]) if r["specialty"] else ""),
        Column(_("Title"), lambda r: r["title"]),
        Column(_("Trainer"), lambda r: r["trainer"]),
        Column(_("Place"), lambda r: r["place"] or r["link"] or ""),
        Column(pgettext("export column", "Starts at"), lambda r: r["starts_at"], Kind.DATETIME),
        Column(pgettext("export column", "Ends at"), lambda r: r["ends_at"], Kind.DATETIME),
        Column(_("Seats"), lambda r: r["capacity"], Kind.NUMBER),
        Column(_("Validity (months)"), lambda r: r["validity_months"], Kind.NUMBER),
        Column(_("Invited"), lambda r: r["invited"], Kind.NUMBER),
        Column(_("Places taken"), lambda r: r["taken"], Kind.NUMBER),
        Column(_("Attended"), lambda r: r["attended"], Kind.NUMBER),
    ], rows)


def qualifications_table(rows: Sequence[Any]) -> Table:
    return Table(_("Qualifications"), [
        Column(_("Telegram id"), lambda r: r["user_id"], Kind.NUMBER),
        Column(_("Full name"), lambda r: r["full_name"]),
        Column(_("Qualification"), lambda r: catalog.label(catalog.SPECIALTIES, r["specialty"])),
        Column(pgettext("export column", "Granted at"), lambda r: r["granted_at"], Kind.DATETIME),
        Column(pgettext("export column", "Expires at"), lambda r: r["expires_at"], Kind.DATETIME),
        Column(_("Session"), lambda r: r["session_id"], Kind.NUMBER),
    ], rows)


def roster_table(rows: Sequence[Any]) -> Table:
    """Needs and shifts with their rosters: one row per volunteer holding a place."""
    return Table(_("Rosters"), [
        Column(_("Shift"), lambda r: r["shift_id"], Kind.NUMBER),
        Column(_("Need"), lambda r: r["need_id"], Kind.NUMBER),
        Column(_("Entity"), _entity),
        Column(_("Title"), lambda r: r["title"]),
        Column(_("Specialty"), lambda r: catalog.label(catalog.SPECIALTIES, r["specialty"])),
        Column(_("Site"), lambda r: r["site_name"]),
        Column(_("Shift status"), lambda r: statuses.shift_status(r["shift_status"])),
        Column(pgettext("export column", "Starts at"), lambda r: r["starts_at"], Kind.DATETIME),
        Column(pgettext("export column", "Ends at"), lambda r: r["ends_at"], Kind.DATETIME),
        Column(_("Slots"), lambda r: r["slots"], Kind.NUMBER),
        Column(_("Telegram id"), lambda r: r["volunteer_id"], Kind.NUMBER),
        Column(_("Full name"), lambda r: r["full_name"]),
        Column(_("Phone"), lambda r: r["phone"]),
        Column(_("Status"), lambda r: statuses.assignment_status(r["assignment_status"], r["gender"])),
        Column(pgettext("export column", "Checked in at"), lambda r: r["checked_in_at"], Kind.DATETIME),
    ], rows)


def hours_table(rows: Sequence[Any]) -> Table:
    return Table(_("Hours per volunteer"), [
        Column(_("Telegram id"), lambda r: r["user_id"], Kind.NUMBER),
        Column(_("Full name"), lambda r: r["full_name"]),
        Column(_("Phone"), lambda r: r["phone"]),
        Column(_("Status"), lambda r: statuses.volunteer_status(r["status"], r["gender"])),
        Column(_("Completed shifts"), lambda r: r["completed"], Kind.NUMBER),
        Column(_("Hours served"), lambda r: round(float(r["hours"] or 0), 1), Kind.NUMBER),
        Column(_("No-shows"), lambda r: r["no_shows"], Kind.NUMBER),
        Column(_("Late cancellations"), lambda r: r["late_cancels"], Kind.NUMBER),
    ], rows)


def audit_table(rows: Sequence[Any]) -> Table:
    """The staff actions in words (as /audit says them), with the raw details for the record."""
    return Table(pgettext("dataset", "Staff actions"), [
        Column(pgettext("export column", "At"), lambda r: r["at"], Kind.DATETIME),
        Column(_("Telegram id"), lambda r: r["actor_id"], Kind.NUMBER),
        Column(pgettext("export column", "Person"), lambda r: r["actor_name"]),
        Column(pgettext("export column", "Action"), staff_texts.audit_line),
        Column(pgettext("export column", "Details"), lambda r: r["details"] if r["details"] != "{}" else ""),
    ], rows)


DATASETS = ("volunteers", "needs", "assignments", "hours", "trainings", "audit")
FORMATS = ("xlsx", "csv")


def dataset_tables(dataset: str, rows: dict[str, Sequence[Any]]) -> list[Table]:
    """The tables of a dataset, from the rows of its queries (`rows` by query name)."""
    if dataset == "volunteers":
        return [volunteers_table(rows["volunteers"])]
    if dataset == "needs":
        return [roster_table(rows["rosters"]), shifts_table(rows["shifts"])]
    if dataset == "assignments":
        return [assignments_table(rows["assignments"])]
    if dataset == "hours":
        return [hours_table(rows["hours"])]
    if dataset == "trainings":
        return [training_sessions_table(rows["sessions"]), qualifications_table(rows["qualifications"])]
    if dataset == "audit":
        return [audit_table(rows["audit"])]
    raise ValueError(dataset)


def dataset_file(tables: Sequence[Table], file_format: str, tz: ZoneInfo) -> bytes:
    """XLSX: a sheet per table; CSV: the first table (for needs, the rosters with their shifts)."""
    if file_format == "csv":
        return csv_file(tables[0], tz)
    return workbook(tables, tz)
