"""Volunteers: the approval card the office gets for a new registration, what a volunteer is told
when the office decides about them, and the buttons and screens these share with the handlers
and flows that show the same things (a volunteer's card, their profile, a result list).

The routes live here because a notice, a handler and a flow all build them (handlers and flows
may not import each other): `vol:*` are the coordinators' buttons (bot/handlers/
volunteers_staff.py answers them), `prof:e:<field>` the volunteer's Edit buttons (bot/flows/
profile_edit.py starts on them).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import db, volunteer_query
from bot.catalog import SPECIALTIES, label
from bot.flows.kit import Route, button, grid, markup, pager
from bot.i18n import _, get_locale, isolate, ngettext, use_locale, user_locale
from bot.texts import volunteers as texts
from bot.volunteers import Profile

PAGE_SIZE = 5

VIEW = Route("vol", "v", int)
APPROVE = Route("vol", "ap", int)
REJECT = Route("vol", "rj", int)
SUSPEND = Route("vol", "su", int)
REINSTATE = Route("vol", "re", int)
QUALIFICATIONS = Route("vol", "q", int)
GRANT = Route("vol", "qg", int, str)
REVOKE = Route("vol", "qr", int, str)
BACK = Route("vol", "bk")
SEARCH_PAGE = Route("vol", "s", int, int)  # search serial, page
SPECIALTY_PAGE = Route("vol", "sp", str, int)  # specialty, page
PENDING_PAGE = Route("vol", "pe", int)  # page
PROFILE_EDIT = Route("prof", "e", str)  # field code


def edit_rows(route: Route) -> list[list[InlineKeyboardButton]]:
    """"✏️ Name", "✏️ Phone"... two per row; `route` takes the field code."""
    return grid([button(f.edit_label(), route.data(f.code)) for f in texts.FIELDS], 2)


# -- the approval card ---------------------------------------------------------------------------


def approval_card(
    recipient: texts.Row, default_locale: str, user_id: int, profile: Profile
) -> tuple[str, InlineKeyboardMarkup]:
    """A new volunteer's details with Approve, Reject and Open, in the recipient's language."""
    with use_locale(user_locale(recipient, default_locale)):
        text = "\n".join(
            [_("A new volunteer is waiting for approval:"), "", *texts.profile_lines(profile.to_draft())]
        )
        keyboard = markup(
            [button(_("✅ Approve"), APPROVE.data(user_id)), button(_("✖ Reject"), REJECT.data(user_id))],
            [button(_("👤 Open the card"), VIEW.data(user_id))],
        )
    return text, keyboard


# -- what the office decided, told to the volunteer -------------------------------------------------


def decision_notice(
    recipient: texts.Row | None, default_locale: str, kind: str, specialty: str | None = None
) -> str:
    """`kind`: approve | reject | reinstate | qualify (with `specialty`); a suspension is
    `suspension_notice`."""
    with use_locale(user_locale(recipient, default_locale)):
        if kind == "approve":
            return _(
                "Good news: the volunteer office has approved your registration. You will now "
                "receive shift offers that match you; see open shifts with /shifts."
            )
        if kind == "reject":
            return _(
                "The volunteer office could not approve your registration at this time. If you "
                "have questions, please contact the office."
            )
        if kind == "reinstate":
            return _(
                "Your volunteer account is active again. You will receive shift offers that "
                "match you. Places given up when your account was suspended are not given back: "
                "see open shifts with /shifts."
            )
        return _("The volunteer office has recorded you as trained for: {field}.").format(
            field=label(SPECIALTIES, specialty or "")
        )


def suspension_notice(
    recipient: texts.Row | None, default_locale: str, *, contact: str, released: int
) -> str:
    """What a suspended volunteer is told: no offers, their places released, and how to reach
    the office (OFFICE_CONTACT, or a neutral line when it is not set). Not the office's reason."""
    with use_locale(user_locale(recipient, default_locale)):
        lines = [_(
            "Your volunteer account has been suspended by the office, so you will not receive "
            "shift offers for now."
        )]
        if released:
            lines.append(ngettext(
                "Your upcoming shift or offer was released to other volunteers, and its "
                "reminders stopped.",
                "Your {n} upcoming shifts and offers were released to other volunteers, and their "
                "reminders stopped.",
                released,
            ).format(n=released))
        if contact:
            lines.append(_("To talk about it, contact the volunteer office: {contact}").format(
                contact=isolate(contact)
            ))
        else:
            lines.append(_("The volunteer office can tell you more if you get in touch with them."))
        return "\n\n".join(lines)


# -- screens shown both by handlers and by flows ----------------------------------------------------


async def profile_screen(
    conn: db.Queryable, user_id: int, *, now: datetime, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The volunteer's own profile with an Edit button per field."""
    found = await db.get_volunteer_profile(conn, user_id)
    if found is None:
        return texts.not_registered(), None
    row, profile = found
    qualifications = await db.volunteer_qualifications(conn, user_id)
    record = (await db.service_records(conn, [user_id], now=now))[user_id]
    text = texts.profile_text(row, profile, qualifications, record, now=now, tz=tz)
    return text, _profile_keyboard(get_locale())


@functools.lru_cache(maxsize=8)
def _profile_keyboard(locale: str) -> InlineKeyboardMarkup:
    """The Edit buttons of a profile: the same for everyone who reads this language (PTB's
    markup objects are immutable, so one is shared)."""
    return markup(edit_rows(PROFILE_EDIT))


def _list_route(kind: str) -> Route:
    return {"s": SEARCH_PAGE, "sp": SPECIALTY_PAGE}.get(kind, PENDING_PAGE)


async def typed_search(
    conn: db.Queryable, text: str, *, limit: int, offset: int = 0
) -> tuple[volunteer_query.Search, list[db.Row]]:
    """What a coordinator typed at /volunteers, understood, and one page of who matches it."""
    search = volunteer_query.parse(text, await db.volunteer_cities(conn))
    if search.empty:
        return search, []
    rows = await db.find_volunteers(
        conn, name=search.name, phone_digits=search.phone, languages=search.languages,
        specialty_groups=search.specialties, status=search.status, cities=search.cities,
        or_specialties=search.or_specialties, or_cities=search.or_cities, limit=limit,
        offset=offset,
    )
    return search, rows


async def results_screen(
    conn: db.Queryable, kind: str, arg: str, page: int, keys: Sequence[int | str],
    *, now: datetime, tz: ZoneInfo,
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of a list: `kind` s (a search for `arg`), sp (specialty `arg`) or pe (waiting for
    approval); `keys` are the list's own fields of its page route (the search serial...)."""
    common: dict[str, Any] = {"limit": PAGE_SIZE + 1, "offset": page * PAGE_SIZE}
    if kind == "pe":
        title = _("Volunteers waiting for approval")
        rows = await db.search_volunteers(conn, status="pending", **common)
    elif kind == "sp":
        title = _("Volunteers in {field}").format(field=label(SPECIALTIES, arg))
        rows = await db.search_volunteers(conn, specialties=[arg], **common)
    else:
        search, rows = await typed_search(conn, arg, **common)
        title = _("Search results for “{query}”").format(query=isolate(arg))
        understood = texts.search_summary(search)
        if understood:
            title += "\n" + understood
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    if not rows:
        text = title + "\n\n" + (_("Nobody matches.") if page == 0 else _("No more results."))
        return text, InlineKeyboardMarkup([])
    ids = [int(r["user_id"]) for r in rows]
    records = await db.service_records(conn, ids, now=now)
    specialties = await db.volunteers_specialties(conn, ids)
    lines = [title, ""]
    buttons = []
    for number, row in enumerate(rows, start=page * PAGE_SIZE + 1):
        uid = int(row["user_id"])
        lines += texts.result_lines(number, row, specialties[uid], records[uid], now=now, tz=tz)
        buttons.append([button(f"{number}. {(row['full_name'] or '')[:40]}", VIEW.data(uid))])
    # The pager counts in pages: the route's last field is the page number.
    nav = pager(_list_route(kind), page, page + (2 if more else 1), 1, *keys)
    return "\n".join(lines), markup(buttons, nav)
