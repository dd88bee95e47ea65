"""How /today reads: the day's board, per site and shift in time order, who is on shift now, who
checked in, who is late, who did not come, and the places still open. Telegram HTML (names link
to the person with tg://user?id=...), so everything typed by people is escaped here. Pure: rows
are mappings, the current locale renders.

Every block is bounded (names cut short, at most NAMES_SHOWN names a section, the rest counted),
so a page of blocks packed up to PAGE_BUDGET characters always fits Telegram's 4,096.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.assignments import Status
from bot.i18n import _, format_date, get_locale, isolate, ltr, ngettext
from bot.texts import Row, moment_of
from bot.texts.shifts import time_window
from bot.texts.volunteers import list_of

NAMES_SHOWN = 8  # names listed in one section of a shift; the rest are counted
NAME_LIMIT = 40
TITLE_LIMIT = 80
PAGE_BUDGET = 3500  # visible characters of the blocks of one page (Telegram allows 4,096)

CHECKED_IN, LATE, EXPECTED, NO_SHOW = "checked_in", "late", "expected", "no_show"


def cut(text: object, limit: int) -> str:
    """Typed text, whitespace folded, cut to `limit` characters, isolated and HTML-escaped."""
    value = " ".join(str(text if text is not None else "").split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return html.escape(isolate(value), quote=False)


def _entity(row: Row) -> str:
    first, other = ("entity_name_ar", "entity_name_en")
    if get_locale() != "ar":
        first, other = other, first
    return str(row[first] or row[other])


@dataclass(frozen=True)
class Board:
    """The people of one shift, sorted into the board's sections."""

    checked_in: list[Row]
    late: list[Row]
    expected: list[Row]
    no_show: list[Row]
    offered: int
    waitlisted: int
    taken: int  # places held (accepted, checked in, served)


def sort_people(people: Sequence[Row], shift: Row, *, now: datetime, grace: timedelta) -> Board:
    """Who is where on the board: late once the start plus `grace` has passed without a check-in."""
    starts = moment_of(shift["starts_at"])
    checked_in: list[Row] = []
    late: list[Row] = []
    expected: list[Row] = []
    no_show: list[Row] = []
    offered = waitlisted = 0
    for person in people:
        status = person["status"]
        if status in (Status.CHECKED_IN, Status.COMPLETED):
            checked_in.append(person)
        elif status == Status.ACCEPTED:
            (late if now >= starts + grace else expected).append(person)
        elif status == Status.NO_SHOW:
            no_show.append(person)
        elif status == Status.OFFERED:
            expires = person["expires_at"]
            offered += int(bool(expires) and moment_of(expires) > now)
        elif status == Status.WAITLISTED:
            waitlisted += 1
    taken = len(checked_in) + len(late) + len(expected)
    return Board(checked_in, late, expected, no_show, offered, waitlisted, taken)


def person_link(person: Row, *, phone: bool) -> str:
    """The name as a link that opens a chat with the person; the phone beside it for staff."""
    name = cut(person["full_name"] or person["first_name"] or person["volunteer_id"], NAME_LIMIT)
    link = f'<a href="tg://user?id={int(person["volunteer_id"])}">{name}</a>'
    if phone and person["phone"]:
        link += f" {html.escape(ltr(person['phone']), quote=False)}"
    return link


def _section(label: str, people: Sequence[Row], *, phone: bool) -> str:
    shown = [person_link(p, phone=phone) for p in people[:NAMES_SHOWN]]
    rest = len(people) - len(shown)
    if rest > 0:
        shown.append(ngettext("and {n} more", "and {n} more", rest).format(n=ltr(rest)))
    # "and 3 more" carries its own «و»: the names before it are only separated.
    names = _(", ").join(shown) if rest > 0 else list_of(shown)
    return f"   {label.format(n=ltr(len(people)))}: {names}"


def shift_state(shift: Row, now: datetime) -> str:
    starts, ends = moment_of(shift["starts_at"]), moment_of(shift["ends_at"])
    if now < starts:
        return _("starts later")
    if now < ends:
        return _("🟢 on shift now")
    return _("ended")


def shift_block(
    number: int, shift: Row, board: Board, *, now: datetime, tz: ZoneInfo, phone: bool
) -> str:
    """One shift of the board: its line, then each section that has someone in it."""
    title = _("{n}. 🕗 {window} · {title} ({entity}) — {state}").format(
        n=ltr(number), window=time_window(shift, tz), title=cut(shift["title"], TITLE_LIMIT),
        entity=cut(_entity(shift), NAME_LIMIT), state=shift_state(shift, now),
    )
    lines = [f"<b>{title}</b>"]
    if board.checked_in:
        running = moment_of(shift["starts_at"]) <= now < moment_of(shift["ends_at"])
        label = _("✅ On shift now ({n})") if running else _("✅ Checked in ({n})")
        lines.append(_section(label, board.checked_in, phone=phone))
    if board.late:
        lines.append(_section(_("⏰ Late, not checked in ({n})"), board.late, phone=phone))
    if board.expected:
        lines.append(_section(_("🕒 Expected ({n})"), board.expected, phone=phone))
    if board.no_show:
        lines.append(_section(_("❌ Did not come ({n})"), board.no_show, phone=phone))
    free = max(0, shift["slots"] - board.taken)
    places = ngettext(
        "➕ {free} open place of {slots}", "➕ {free} open places of {slots}", free
    ).format(free=ltr(free), slots=ltr(shift["slots"]))
    waiting = []
    if board.offered:
        waiting.append(ngettext("{n} offer waiting", "{n} offers waiting", board.offered).format(
            n=ltr(board.offered)))
    if board.waitlisted:
        waiting.append(ngettext("{n} on the waitlist", "{n} on the waitlist", board.waitlisted)
                       .format(n=ltr(board.waitlisted)))
    lines.append(f"   {places}" + (f" · {' · '.join(waiting)}" if waiting else ""))
    return "\n".join(lines)


def site_heading(site: str) -> str:
    return "<b>" + _("📍 {site}").format(site=cut(site, TITLE_LIMIT)) + "</b>"


def board_header(day: date, *, shifts: int, on_now: int, late: int, open_places: int) -> str:
    """The day in both calendars, and the day's totals."""
    head = _("📋 Today's board — {date}").format(date=format_date(day))
    if not shifts:
        return f"<b>{html.escape(head, quote=False)}</b>\n\n" + _("No shifts today.")
    totals = " · ".join([
        ngettext("{n} shift", "{n} shifts", shifts).format(n=ltr(shifts)),
        ngettext("{n} on shift now", "{n} on shift now", on_now).format(n=ltr(on_now)),
        ngettext("{n} late", "{n} late", late).format(n=ltr(late)),
        ngettext("{n} open place", "{n} open places", open_places).format(n=ltr(open_places)),
    ])
    return f"<b>{html.escape(head, quote=False)}</b>\n{totals}"


def page_footer(page: int, pages: int) -> str:
    return _("Page {page} of {pages}").format(page=ltr(page), pages=ltr(pages))


def visible_length(text: str) -> int:
    """Characters Telegram counts (tags dropped, entities read), in UTF-16 code units."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    return len(plain.encode("utf-16-le")) // 2
