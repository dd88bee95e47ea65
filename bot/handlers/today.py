"""/today: the day's board for coordinators (every entity) and representatives (their entities'
shifts only), per site and shift in time order, with buttons to fill open places (an offer made
by hand, bot/handlers/manual.py) and to correct attendance (bot/handlers/attendance.py). Names
link to the person (tg://user?id=...); staff also see phone numbers. Paged so that every page
fits Telegram's limits, however long the day, its titles and its names.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime, time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import db
from bot.assignments import HOLDS_PLACE
from bot.auth import REPS_AND_STAFF, caller_role, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import _, ltr
from bot.notices.dispatch import ATTENDANCE
from bot.notices.manual import FOR_SHIFT
from bot.roles import is_staff
from bot.texts import today as texts

TODAY = kit.Route("td", "p", int)  # the board's page
SHIFTS_PER_PAGE = 6


async def _shifts(context: Context, user_id: int, start: datetime, end: datetime) -> list[db.Row] | None:
    """The day's shifts this person may see (None: a representative of no entity)."""
    if is_staff(await caller_role(context, user_id)):
        return await db.day_shifts(context.db, start=start, end=end)
    entities = [row["id"] for row in await db.rep_memberships(context.db, user_id)]
    if not entities:
        return None
    return await db.day_shifts(context.db, start=start, end=end, entity_ids=entities)


async def board(context: Context, user_id: int, page: int) -> tuple[str, InlineKeyboardMarkup]:
    """One page of today's board (the last page when `page` is past the end)."""
    tz, now = context.settings.timezone, context.now()
    day = now.astimezone(tz).date()
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    shifts = await _shifts(context, user_id, start, end)
    if shifts is None:
        return html.escape(_("You do not represent any entity at the moment.")), kit.markup()
    staff = is_staff(await caller_role(context, user_id))
    people: dict[int, list[db.Row]] = defaultdict(list)
    for row in await db.day_assignments(context.db, [s["shift_id"] for s in shifts]):
        people[row["shift_id"]].append(row)
    by_site: dict[str, list[db.Row]] = {}
    for shift in shifts:  # in time order: sites in the order of their first shift
        by_site.setdefault(shift["site_name"], []).append(shift)
    blocks = []  # (site, text, shift, number)
    on_now = late = open_places = 0
    number = 0
    for site, site_shifts in by_site.items():
        for shift in site_shifts:
            number += 1
            sorted_people = texts.sort_people(
                people[shift["shift_id"]], shift, now=now, grace=context.settings.late_grace
            )
            running = db.moment(shift["starts_at"]) <= now < db.moment(shift["ends_at"])
            on_now += len(sorted_people.checked_in) if running else 0
            late += len(sorted_people.late) if running else 0
            open_places += max(0, shift["slots"] - sorted_people.taken)
            text = texts.shift_block(number, shift, sorted_people, now=now, tz=tz, phone=staff)
            blocks.append((site, text, shift, number))
    pages: list[list[tuple[str, str, db.Row, int]]] = []
    size = 0
    for block in blocks:
        length = texts.visible_length(block[1])
        if not pages or len(pages[-1]) >= SHIFTS_PER_PAGE or size + length > texts.PAGE_BUDGET:
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += length
    header = texts.board_header(day, shifts=len(shifts), on_now=on_now, late=late,
                                open_places=open_places)
    if not pages:
        return header, kit.markup([kit.button(_("🔄 Refresh"), TODAY.data(0))])
    page = min(max(0, page), len(pages) - 1)
    parts, site_shown, buttons = [header], None, []
    for site, text, shift, n in pages[page]:
        if site != site_shown:
            parts.append("\n" + texts.site_heading(site))
            site_shown = site
        parts.append(text)
        buttons += _shift_buttons(shift, n, people[shift["shift_id"]], now=now)
    if len(pages) > 1:
        parts.append("\n" + texts.page_footer(page + 1, len(pages)))
    keyboard = kit.markup(
        kit.grid(buttons, 2),
        kit.pager(TODAY, page, len(pages), 1),
        [kit.button(_("🔄 Refresh"), TODAY.data(page))],
    )
    return "\n".join(parts), keyboard


def _shift_buttons(shift: db.Row, number: int, people: list[db.Row], *, now: datetime
                   ) -> list[InlineKeyboardButton]:
    shift_id, starts = shift["shift_id"], db.moment(shift["starts_at"])
    found = []
    taken = sum(1 for p in people if p["status"] in HOLDS_PLACE)
    open_shift = shift["shift_status"] == "open" and shift["need_status"] == "approved"
    if open_shift and now < starts and taken < shift["slots"]:
        found.append(kit.button(_("📣 Fill #{n}").format(n=ltr(number)), FOR_SHIFT.data(shift_id, 0)))
    if starts <= now:
        found.append(kit.button(
            _("🧾 Attendance #{n}").format(n=ltr(number)), ATTENDANCE.data(shift_id, 0)
        ))
    return found


@requires(REPS_AND_STAFF)
async def today_command(update: Update, context: Context) -> None:
    """/today: the first page of the day's board."""
    text, keyboard = await board(context, kit.user_id_of(update), 0)
    await kit.message_of(update).reply_text(
        text, reply_markup=keyboard, parse_mode=ParseMode.HTML, disable_web_page_preview=True
    )


@requires(REPS_AND_STAFF)
async def today_page(update: Update, context: Context) -> None:
    """Another page of the board, or the same one refreshed."""
    page = TODAY.one(kit.data_of(update)) or 0
    text, keyboard = await board(context, kit.user_id_of(update), page)
    query = kit.query_of(update)
    await query.answer()
    try:
        await query.edit_message_text(
            text, reply_markup=keyboard, parse_mode=ParseMode.HTML, disable_web_page_preview=True
        )
    except TelegramError:  # too old to edit: send it afresh
        await context.bot.send_message(
            kit.chat_id_of(update), text, reply_markup=keyboard, parse_mode=ParseMode.HTML,
            disable_web_page_preview=True,
        )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("today", today_command))
    app.add_handler(CallbackQueryHandler(today_page, pattern=TODAY.pattern))
