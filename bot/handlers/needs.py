"""/needs (coordinators), /myneeds (representatives), approval buttons, rosters and cancelling.

Representatives see and change only their own entity's needs; only coordinators and admins
approve, reject and change slots. Every button re-checks both, against the database; the
decisions themselves are bot/operations/needs.py's.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import catalog, db
from bot.auth import ENTITY_REP, REPS_AND_STAFF, STAFF, caller_role, refuse, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import _, isolate, ltr, ngettext
from bot.notices import needs as notices
from bot.notices.manual import FOR_SHIFT as OFFER_BY_HAND
from bot.notices.needs import APPROVE, CHANGE_SLOTS
from bot.operations import needs as operations
from bot.texts import entity_name, shift_when, short_day
from bot.texts.needs import (
    fill_summary,
    languages_label,
    need_details,
    need_heading,
    need_status,
    other_entity_text,
    roster_count_text,
    roster_status,
    shift_line,
    too_late_text,
)
from bot.texts.volunteers import list_of

log = logging.getLogger(__name__)

NEEDS_PAGE = 5
SHIFTS_PAGE = 10
# A roster line is at most ~250 characters (an 80-character name, the phone, all 14 languages)
# under a heading of at most ~400 (the longest title and site): 12 of them fit 4,096 with room.
ROSTER_PAGE = 12
PREVIEW_SHIFTS = 3
ACTIVE = operations.ACTIVE

STAFF_LIST = kit.Route("nds", "p", int)  # /needs from an offset
FINISHED_LIST = kit.Route("nds", "f", int)  # /needs's finished needs from an offset
REP_LIST = kit.Route("my", "p", int)  # /myneeds from an offset
OPEN = kit.Route("nd", "o", int, int)  # a need, its shifts from an offset
ROSTER = kit.Route("sh", "r", int, int)  # a shift's roster from an offset
ATTENDANCE = kit.Route("att", "v", int, int)  # answered by bot/handlers/attendance.py
CANCEL_NEED = kit.Route("nd", "cx", int)
CONFIRM_CANCEL_NEED = kit.Route("nd", "cxok", int)
CANCEL_SHIFT = kit.Route("sh", "cx", int)
CONFIRM_CANCEL_SHIFT = kit.Route("sh", "cxok", int)


async def refuse_other_entity(update: Update) -> None:
    await refuse(update, other_entity_text())


# -- the lists ------------------------------------------------------------------------------------


async def _needs_list_text(
    context: Context, needs: list[db.Row], heading: str, *, preview: bool
) -> str:
    tz, now = context.settings.timezone, context.now()
    shifts = await db.shifts_with_fill(context.db, [n["id"] for n in needs])
    lines = [heading]
    for need in needs:
        own = [s for s in shifts if s["need_id"] == need["id"]]
        lines += ["", need_heading(need)]
        lines.append(
            f"   {entity_name(need, 'entity_')} · {catalog.label(catalog.SPECIALTIES, need['specialty'])}"
        )
        if need["status"] == "submitted":
            lines.append("   " + _("{status} · {slots} per shift").format(
                status=need_status(need["status"]), slots=ltr(need["slots"])
            ))
            continue
        lines.append(f"   {need_status(need['status'])} · {fill_summary(own, now)}")
        if preview:
            upcoming = [s for s in own if s["status"] == "open" and _starts(s) > now]
            lines += [f"   {shift_line(s, tz, now)}" for s in upcoming[:PREVIEW_SHIFTS]]
            if len(upcoming) > PREVIEW_SHIFTS:
                rest = len(upcoming) - PREVIEW_SHIFTS
                lines.append("   " + ngettext("… and {n} more shift", "… and {n} more shifts", rest).format(n=rest))
    return "\n".join(lines)


def _starts(shift: db.Row) -> datetime:
    moment = db.parse_ts(shift["starts_at"])
    if moment is None:
        raise ValueError(f"shift {shift['id']} has no start")
    return moment


def _list_keyboard(
    needs: list[db.Row], offset: int, total: int, route: kit.Route,
    *extra: list[InlineKeyboardButton],
) -> InlineKeyboardMarkup:
    buttons = [
        kit.button(_("Open {id}").format(id=f"#{n['id']}") + f" {n['title'][:30]}", OPEN.data(n["id"], 0))
        for n in needs
    ]
    return kit.markup(kit.grid(buttons, 1), kit.pager(route, offset, total, NEEDS_PAGE), *extra)


def _finished_button() -> list[InlineKeyboardButton]:
    return [kit.button(_("🏁 Finished needs"), FINISHED_LIST.data(0))]


async def staff_page(context: Context, offset: int) -> tuple[str, InlineKeyboardMarkup | None]:
    needs, total = await db.list_staff_needs(
        context.db, now=context.now(), limit=NEEDS_PAGE, offset=offset
    )
    if not needs:
        text = _("No needs are waiting for approval, and no approved need has shifts ahead.")
        return text, kit.markup(_finished_button())
    waiting = await db.count_needs_by_status(context.db, "submitted")
    heading = _("Waiting for approval: {waiting}. They come first, then the active needs with "
                "their fill rates.").format(waiting=waiting)
    text = await _needs_list_text(context, needs, heading, preview=True)
    return text, _list_keyboard(needs, offset, total, STAFF_LIST, _finished_button())


async def finished_page(context: Context, offset: int) -> tuple[str, InlineKeyboardMarkup]:
    """Needs whose shifts have all ended, the latest first: their rosters and attendance stay
    open for corrections."""
    needs, total = await db.list_finished_needs(
        context.db, now=context.now(), limit=NEEDS_PAGE, offset=offset
    )
    back = [kit.button(kit.back_label(_("Active needs")), STAFF_LIST.data(0))]
    if not needs:
        return _("No need has finished yet."), kit.markup(back)
    heading = _("Finished needs ({count}). Open one, then a shift's roster, to correct its "
                "attendance.").format(count=total)
    text = await _needs_list_text(context, needs, heading, preview=False)
    return text, _list_keyboard(needs, offset, total, FINISHED_LIST, back)


@requires(STAFF)
async def needs_command(update: Update, context: Context) -> None:
    """Pending approvals first, then active needs with each shift's fill rate."""
    text, keyboard = await staff_page(context, 0)
    await kit.message_of(update).reply_text(text, reply_markup=keyboard)


@requires(STAFF)
async def needs_page(update: Update, context: Context) -> None:
    """Another page of /needs."""
    query = kit.query_of(update)
    text, keyboard = await staff_page(context, STAFF_LIST.one(query.data))
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard)


@requires(STAFF)
async def finished_needs(update: Update, context: Context) -> None:
    """/needs's finished filter, a page of it."""
    query = kit.query_of(update)
    text, keyboard = await finished_page(context, FINISHED_LIST.one(query.data))
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard)


async def rep_page(context: Context, user_id: int, offset: int) -> tuple[str, InlineKeyboardMarkup | None]:
    entities = await db.rep_memberships(context.db, user_id)
    if not entities:
        return _("You do not represent any entity yet. Ask the volunteer office for an invite link."), None
    needs, total = await db.list_entity_needs(
        context.db, [e["id"] for e in entities], limit=NEEDS_PAGE, offset=offset
    )
    names = list_of([entity_name(e) for e in entities])
    if not needs:
        return _("{entity} has not posted any need yet. Post one with /need.").format(entity=names), None
    heading = _("Needs of {entity} ({count}):").format(entity=names, count=total)
    text = await _needs_list_text(context, needs, heading, preview=False)
    return text, _list_keyboard(needs, offset, total, REP_LIST)


@requires(REPS_AND_STAFF)
async def myneeds_command(update: Update, context: Context) -> None:
    """A representative's needs, with status and fill rate (staff get the /needs view)."""
    user_id = kit.user_id_of(update)
    if await caller_role(context, user_id) in STAFF:
        text, keyboard = await staff_page(context, 0)
    else:
        text, keyboard = await rep_page(context, user_id, 0)
    await kit.message_of(update).reply_text(text, reply_markup=keyboard)


@requires(frozenset({ENTITY_REP}))
async def myneeds_page(update: Update, context: Context) -> None:
    """Another page of /myneeds."""
    query = kit.query_of(update)
    text, keyboard = await rep_page(context, query.from_user.id, REP_LIST.one(query.data))
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard)


# -- one need -------------------------------------------------------------------------------------


async def need_view(
    context: Context, need: db.Row, offset: int, viewer: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The need in full with a page of its shifts, and the buttons this viewer may use."""
    tz, now = context.settings.timezone, context.now()
    all_shifts = await db.shifts_with_fill(context.db, [need["id"]])
    offset = max(0, min(offset, max(0, len(all_shifts) - 1) // SHIFTS_PAGE * SHIFTS_PAGE))
    page = all_shifts[offset : offset + SHIFTS_PAGE]
    languages = await db.need_languages(context.db, need["id"])
    minimums = (await db.need_language_minimums(context.db, [need["id"]]))[need["id"]]
    lines = [
        need_heading(need),
        "",
        need_details(need, languages, entity=entity_name(need, "entity_"), minimums=minimums),
        "",
        fill_summary(all_shifts, now),
    ]
    if len(all_shifts) > SHIFTS_PAGE:
        lines.append(_("Shifts {first}–{last} of {total}:").format(
            first=offset + 1, last=offset + len(page), total=len(all_shifts)
        ))
    lines += [shift_line(s, tz, now) for s in page]
    active = need["status"] in ACTIVE
    rows: list[list[InlineKeyboardButton]] = []
    for shift in page:
        row = [kit.button("👥 " + short_day(shift, tz), ROSTER.data(shift["id"], 0))]
        if active and shift["status"] == "open" and _starts(shift) > now:
            row.append(kit.button(_("✖ Cancel {day}").format(day=short_day(shift, tz)), CANCEL_SHIFT.data(shift["id"])))
        rows.append(row)
    rows.append(kit.pager(OPEN, offset, len(all_shifts), SHIFTS_PAGE, need["id"]))
    if viewer == operations.STAFF_VIEW and need["status"] == "submitted":
        rows += notices.approval_buttons(need["id"])
    elif viewer == operations.STAFF_VIEW and need["status"] == "approved":
        rows.append([kit.button(_("✏️ Change slots"), CHANGE_SLOTS.data(need["id"]))])
    if active:
        rows.append([kit.button(_("✖ Cancel the whole need"), CANCEL_NEED.data(need["id"]))])
    back = STAFF_LIST.data(0) if viewer == operations.STAFF_VIEW else REP_LIST.data(0)
    rows.append([kit.button(kit.back_label(_("All needs")), back)])
    return "\n".join(lines), kit.markup(rows)


async def _load_need_for(update: Update, context: Context, need_id: int) -> tuple[db.Row, str] | None:
    """The need and the viewer's access, or None after refusing (unknown need, other entity)."""
    need = await db.get_need(context.db, need_id)
    if need is None:
        await refuse(update, _("This need no longer exists."))
        return None
    viewer = await operations.access(context.db, kit.user_id_of(update), need["entity_id"])
    if viewer is None:
        await refuse_other_entity(update)
        return None
    return need, viewer


async def show_need(update: Update, context: Context, need_id: int, offset: int = 0,
                    notice: str | None = None) -> None:
    """Answer the press and replace the pressed message with the need's view."""
    loaded = await _load_need_for(update, context, need_id)
    if loaded is None:
        return
    text, keyboard = await need_view(context, loaded[0], offset, loaded[1])
    query = kit.query_of(update)
    await query.answer(notice)
    await query.edit_message_text(text, reply_markup=keyboard)


@requires(REPS_AND_STAFF)
async def open_need(update: Update, context: Context) -> None:
    """Open a need (staff: any; representative: their entity's)."""
    need_id, offset = OPEN.parse(kit.data_of(update)) or (0, 0)
    await show_need(update, context, need_id, offset)


@requires(REPS_AND_STAFF)
async def roster(update: Update, context: Context) -> None:
    """The volunteers who accepted a shift: name, phone, languages."""
    query = kit.query_of(update)
    shift_id, offset = ROSTER.parse(query.data) or (0, 0)
    shift = await db.get_shift(context.db, shift_id)
    if shift is None:
        await refuse(update, _("This shift no longer exists."))
        return
    if await operations.access(context.db, query.from_user.id, shift["entity_id"]) is None:
        await refuse_other_entity(update)
        return
    people = await db.shift_roster(context.db, shift["id"], limit=ROSTER_PAGE + 1, offset=offset)
    seen = offset + len(people)  # one more than the page when there is a next page
    people = people[:ROSTER_PAGE]
    languages = await db.languages_of_volunteers(context.db, [p["volunteer_id"] for p in people])
    now = context.now()
    started = _starts(shift) <= now
    ended = db.moment(shift["ends_at"]) <= now
    counts = await db.roster_counts(context.db, shift["id"])
    lines = [
        _("Roster of “{title}” at {site}").format(title=isolate(shift["title"]), site=isolate(shift["site_name"])),
        shift_when(shift, context.settings.timezone),
        roster_count_text(shift["slots"], counts, started=started, ended=ended),
        "",
    ]
    if not people:
        lines.append(_("Nobody has accepted this shift yet."))
    for number, person in enumerate(people, start=offset + 1):
        codes = languages.get(person["volunteer_id"], [])
        spoken = languages_label(codes) if codes else ""
        line = _("{n}. {name} — {phone} — {languages}").format(
            n=number,
            name=isolate(person["full_name"] or person["first_name"] or person["volunteer_id"]),
            phone=ltr(person["phone"] or "—"),
            languages=spoken or "—",
        )
        lines.append(f"{line} — {roster_status(person)}" if started else line)
    rows = [kit.pager(ROSTER, offset, seen, ROSTER_PAGE, shift["id"])]
    if shift["status"] == "open" and shift["need_status"] == "approved" and not started:
        rows.append([kit.button(_("📣 Offer to a volunteer"), OFFER_BY_HAND.data(shift["id"], 0))])
    if shift["status"] != "cancelled" and started:
        rows.append([kit.button(_("🧾 Attendance"), ATTENDANCE.data(shift["id"], 0))])
    rows.append([kit.button(kit.back_label(_("Back to the need")), OPEN.data(shift["need_id"], 0))])
    await query.answer()
    await query.edit_message_text("\n".join(lines), reply_markup=kit.markup(rows))


# -- approving ------------------------------------------------------------------------------------


@requires(STAFF)
async def approve(update: Update, context: Context) -> None:
    """Approve a submitted need; the first coordinator to act wins."""
    query = kit.query_of(update)
    need_id = APPROVE.one(query.data)
    if await db.get_need(context.db, need_id) is None:
        await refuse(update, _("This need no longer exists."))
        return
    pressed = (query.message.chat.id, query.message.message_id) if query.message else None
    decision = await operations.approve(
        context.db, context.settings, need_id=need_id, actor_id=query.from_user.id,
        now=context.now(), pressed=pressed,
    )
    if not decision.won:
        text = too_late_text(decision.need, decision.actor)
        if decision.on_card:
            await query.answer(text, show_alert=True)
        else:
            await show_need(update, context, need_id, notice=text)
        return
    if decision.on_card:
        await query.answer(_("Approved. The representatives were told."))
        await query.edit_message_text(
            await notices.decided_card_text(context.db, need_id, context.settings)
        )
    else:
        await show_need(update, context, need_id, notice=_("Approved. The representatives were told."))


# -- cancelling -----------------------------------------------------------------------------------


@requires(REPS_AND_STAFF)
async def ask_cancel_need(update: Update, context: Context) -> None:
    """Confirm before cancelling a whole need."""
    query = kit.query_of(update)
    loaded = await _load_need_for(update, context, CANCEL_NEED.one(query.data))
    if loaded is None:
        return
    need = loaded[0]
    if need["status"] not in ACTIVE:
        await refuse(update, _("This need is {status}: there is nothing to cancel.").format(status=need_status(need["status"])))
        return
    shift_ids = await db.future_open_shift_ids(context.db, need["id"], now=context.now())
    people = await db.count_assignments_to_notify(context.db, shift_ids)
    await query.answer()
    if not shift_ids:
        question = _("Cancel need {id} “{title}”? It has no shifts ahead.")
    elif not people:
        question = _("Cancel need {id} “{title}”? Its {shifts} ahead will be cancelled; no "
                     "volunteer has taken them yet.")
    else:
        question = _("Cancel need {id} “{title}”? Its {shifts} ahead will be cancelled and "
                     "{people} will be told.")
    await query.edit_message_text(
        question.format(
            id=ltr(f"#{need['id']}"), title=isolate(need["title"]),
            shifts=ngettext("{n} shift", "{n} shifts", len(shift_ids)).format(n=len(shift_ids)),
            people=ngettext("{n} volunteer", "{n} volunteers", people).format(n=people),
        ),
        reply_markup=kit.markup([
            kit.button(_("Yes, cancel the need"), CONFIRM_CANCEL_NEED.data(need["id"])),
            kit.button(_("No, keep it"), OPEN.data(need["id"], 0)),
        ]),
    )


@requires(REPS_AND_STAFF)
async def confirm_cancel_need(update: Update, context: Context) -> None:
    """Cancel the need and its shifts ahead (bot/operations/needs.py), then show it."""
    query = kit.query_of(update)
    loaded = await _load_need_for(update, context, CONFIRM_CANCEL_NEED.one(query.data))
    if loaded is None:
        return
    need_id = loaded[0]["id"]
    outcome = await operations.cancel_need(
        context.db, context.settings, need_id=need_id, actor_id=query.from_user.id, now=context.now()
    )
    notice = (
        _("The need was cancelled; the volunteers are being told.") if outcome.cancelled
        else too_late_text(outcome.need, outcome.actor)
    )
    await show_need(update, context, need_id, notice=notice)


@requires(REPS_AND_STAFF)
async def ask_cancel_shift(update: Update, context: Context) -> None:
    """Confirm before cancelling one shift."""
    query = kit.query_of(update)
    shift = await _load_shift_for(update, context, CANCEL_SHIFT.one(query.data))
    if shift is None:
        return
    people = await db.count_assignments_to_notify(context.db, [shift["id"]])
    await query.answer()
    question = (
        _("Cancel the shift of “{title}” on {when}? {people} will be told.") if people
        else _("Cancel the shift of “{title}” on {when}? No volunteer has taken it yet.")
    )
    await query.edit_message_text(
        question.format(
            title=isolate(shift["title"]), when=shift_when(shift, context.settings.timezone),
            people=ngettext("{n} volunteer", "{n} volunteers", people).format(n=people),
        ),
        reply_markup=kit.markup([
            kit.button(_("Yes, cancel the shift"), CONFIRM_CANCEL_SHIFT.data(shift["id"])),
            kit.button(_("No, keep it"), OPEN.data(shift["need_id"], 0)),
        ]),
    )


def _cannot_cancel_shift_text() -> str:
    return _("This shift can no longer be cancelled: it was cancelled already or has started.")


async def _load_shift_for(update: Update, context: Context, shift_id: int) -> db.Row | None:
    """A shift the caller may cancel, or None after refusing."""
    shift = await db.get_shift(context.db, shift_id)
    if shift is None:
        await refuse(update, _("This shift no longer exists."))
        return None
    if await operations.access(context.db, kit.user_id_of(update), shift["entity_id"]) is None:
        await refuse_other_entity(update)
        return None
    if shift["status"] != "open" or shift["need_status"] not in ACTIVE or _starts(shift) <= context.now():
        await refuse(update, _cannot_cancel_shift_text())
        return None
    return shift


@requires(REPS_AND_STAFF)
async def confirm_cancel_shift(update: Update, context: Context) -> None:
    """Cancel one shift (bot/operations/needs.py), then show its need."""
    query = kit.query_of(update)
    shift = await _load_shift_for(update, context, CONFIRM_CANCEL_SHIFT.one(query.data))
    if shift is None:
        return
    outcome = await operations.cancel_shift(
        context.db, context.settings, shift_id=shift["id"], actor_id=query.from_user.id, now=context.now()
    )
    notice = (
        _("The shift was cancelled; its volunteers are being told.") if outcome.cancelled
        else _cannot_cancel_shift_text()
    )
    await show_need(update, context, shift["need_id"], notice=notice)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("needs", needs_command))
    app.add_handler(CommandHandler("myneeds", myneeds_command))
    app.add_handler(CallbackQueryHandler(needs_page, pattern=STAFF_LIST.pattern))
    app.add_handler(CallbackQueryHandler(finished_needs, pattern=FINISHED_LIST.pattern))
    app.add_handler(CallbackQueryHandler(myneeds_page, pattern=REP_LIST.pattern))
    app.add_handler(CallbackQueryHandler(open_need, pattern=OPEN.pattern))
    app.add_handler(CallbackQueryHandler(roster, pattern=ROSTER.pattern))
    app.add_handler(CallbackQueryHandler(approve, pattern=APPROVE.pattern))
    app.add_handler(CallbackQueryHandler(ask_cancel_need, pattern=CANCEL_NEED.pattern))
    app.add_handler(CallbackQueryHandler(confirm_cancel_need, pattern=CONFIRM_CANCEL_NEED.pattern))
    app.add_handler(CallbackQueryHandler(ask_cancel_shift, pattern=CANCEL_SHIFT.pattern))
    app.add_handler(CallbackQueryHandler(confirm_cancel_shift, pattern=CONFIRM_CANCEL_SHIFT.pattern))
