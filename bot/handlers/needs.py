"""/needs (coordinators), /myneeds (representatives), approval buttons, rosters and cancelling.

Representatives see and change only their own entity's needs; only coordinators and admins
approve, reject and change slots. Every button re-checks both, against the database.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import catalog, db
from bot.auth import ENTITY_REP, REPS_AND_STAFF, STAFF, caller_role, refuse, requires
from bot.context import Context
from bot.handlers import need_notices
from bot.handlers.need_views import (
    entity_name,
    fill_summary,
    languages_label,
    need_details,
    need_heading,
    need_status,
    shift_line,
    shift_when,
    short_day,
)
from bot.i18n import _, isolate, ltr, ngettext
from bot.texts import display_name

log = logging.getLogger(__name__)

NEEDS_PAGE = 5
SHIFTS_PAGE = 10
ROSTER_PAGE = 25
PREVIEW_SHIFTS = 3
ACTIVE = ("submitted", "approved")


# -- who may do what ------------------------------------------------------------------------------


async def access(context: Context, user_id: int, entity_id: int) -> str | None:
    """"staff" for coordinators and admins, "rep" for a representative of this entity, else None."""
    role = await caller_role(context, user_id)
    if role in STAFF:
        return "staff"
    if role == ENTITY_REP and await db.is_entity_rep(context.db, user_id, entity_id):
        return "rep"
    return None


async def refuse_other_entity(update: Update) -> None:
    await refuse(update, _("Sorry, this belongs to another entity."))


# -- decisions (shared with the reject and change-slots flows) ------------------------------------


async def record_decision(
    context: Context,
    need_id: int,
    status: str,
    actor_id: int,
    *,
    reason: str | None = None,
    slots: int | None = None,
    pressed: tuple[int, int] | None = None,
) -> tuple[bool, bool]:
    """Approve or reject a submitted need if nobody did first; update every approval card and
    tell the representatives, all in one transaction. Returns (won, pressed message was a card)."""
    now = context.now()
    async with context.db.transaction() as tx:
        cards = await db.approval_cards(tx, need_id)
        pressed_card = pressed is not None and any(
            (c["chat_id"], c["message_id"]) == pressed for c in cards
        )
        won = await db.decide_need(tx, need_id, status, by=actor_id, now=now, reason=reason)
        if won:
            if slots is not None:
                await db.set_need_slots(tx, need_id, slots, now=now)
            if status == "rejected":
                await db.cancel_open_shifts(tx, need_id, reason="need_rejected", by=actor_id, now=now)
            await db.audit(
                tx, actor_id=actor_id, action=f"need.{'approve' if status == 'approved' else 'reject'}",
                now=now, target_type="need", target_id=need_id,
                details={"reason": reason} if reason else ({"slots": slots} if slots else {}),
            )
            await need_notices.close_approval_cards(
                tx, need_id, settings=context.settings, now=now,
                skip_message=pressed if pressed_card else None,
            )
            await need_notices.notify_decision(tx, need_id, settings=context.settings, now=now)
    return won, pressed_card


async def too_late_text(context: Context, need_id: int) -> str:
    """Why a decision button no longer works: who acted first, or that the need is gone."""
    need = await db.get_need(context.db, need_id)
    if need is None:
        return _("This need no longer exists.")
    actor_id = need["decided_by"] if need["status"] in ("approved", "rejected") else need["cancelled_by"]
    actor = await db.get_user(context.db, actor_id) if actor_id else None
    name = display_name(actor) if actor is not None else "—"
    if need["status"] == "approved":
        return _("Too late: {name} already approved this need.").format(name=name)
    if need["status"] == "rejected":
        return _("Too late: {name} already rejected this need.").format(name=name)
    if need["status"] == "cancelled":
        return _("This need was cancelled by {name}.").format(name=name)
    return _("This button is no longer active.")


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
            upcoming = [s for s in own if s["status"] == "open" and db.parse_ts(s["ends_at"]) > now]
            lines += [f"   {shift_line(s, tz, now)}" for s in upcoming[:PREVIEW_SHIFTS]]
            if len(upcoming) > PREVIEW_SHIFTS:
                rest = len(upcoming) - PREVIEW_SHIFTS
                lines.append("   " + ngettext("… and {n} more shift", "… and {n} more shifts", rest).format(n=rest))
    return "\n".join(lines)


def _list_keyboard(needs: list[db.Row], offset: int, total: int, prefix: str) -> InlineKeyboardMarkup:
    buttons = [
        [InlineKeyboardButton(_("Open {id}").format(id=f"#{n['id']}") + f" {n['title'][:30]}",
                              callback_data=f"nd:o:{n['id']}:0")]
        for n in needs
    ]
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(_("◀ Previous"), callback_data=f"{prefix}:p:{max(0, offset - NEEDS_PAGE)}"))
    if offset + NEEDS_PAGE < total:
        nav.append(InlineKeyboardButton(_("Next ▶"), callback_data=f"{prefix}:p:{offset + NEEDS_PAGE}"))
    if nav:
        buttons.append(nav)
    return InlineKeyboardMarkup(buttons)


async def staff_page(context: Context, offset: int) -> tuple[str, InlineKeyboardMarkup | None]:
    needs, total = await db.list_staff_needs(
        context.db, now=context.now(), limit=NEEDS_PAGE, offset=offset
    )
    if not needs:
        return _("No needs are waiting for approval, and no approved need has shifts ahead."), None
    waiting = await db.count_needs_by_status(context.db, "submitted")
    heading = _("Waiting for approval: {waiting}. They come first, then the active needs with "
                "their fill rates.").format(waiting=waiting)
    text = await _needs_list_text(context, needs, heading, preview=True)
    return text, _list_keyboard(needs, offset, total, "nds")


@requires(STAFF)
async def needs_command(update: Update, context: Context) -> None:
    """Pending approvals first, then active needs with each shift's fill rate."""
    text, keyboard = await staff_page(context, 0)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


@requires(STAFF)
async def needs_page(update: Update, context: Context) -> None:
    """Another page of /needs."""
    query = update.callback_query
    text, keyboard = await staff_page(context, max(0, int(query.data.split(":")[2])))
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard)


async def rep_page(context: Context, user_id: int, offset: int) -> tuple[str, InlineKeyboardMarkup | None]:
    entities = await db.rep_memberships(context.db, user_id)
    if not entities:
        return _("You do not represent any entity yet. Ask the volunteer office for an invite link."), None
    needs, total = await db.list_entity_needs(
        context.db, [e["id"] for e in entities], limit=NEEDS_PAGE, offset=offset
    )
    names = "، ".join(entity_name(e) for e in entities)
    if not needs:
        return _("{entity} has not posted any need yet. Post one with /need.").format(entity=names), None
    heading = _("Needs of {entity} ({count}):").format(entity=names, count=total)
    text = await _needs_list_text(context, needs, heading, preview=False)
    return text, _list_keyboard(needs, offset, total, "my")


@requires(REPS_AND_STAFF)
async def myneeds_command(update: Update, context: Context) -> None:
    """A representative's needs, with status and fill rate (staff get the /needs view)."""
    user_id = update.effective_user.id
    if await caller_role(context, user_id) in STAFF:
        text, keyboard = await staff_page(context, 0)
    else:
        text, keyboard = await rep_page(context, user_id, 0)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


@requires(frozenset({ENTITY_REP}))
async def myneeds_page(update: Update, context: Context) -> None:
    """Another page of /myneeds."""
    query = update.callback_query
    text, keyboard = await rep_page(context, query.from_user.id, max(0, int(query.data.split(":")[2])))
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
    lines = [
        need_heading(need),
        "",
        need_details(need, languages, entity=entity_name(need, "entity_")),
        "",
        fill_summary(all_shifts, now),
    ]
    if len(all_shifts) > SHIFTS_PAGE:
        lines.append(_("Shifts {first}–{last} of {total}:").format(
            first=offset + 1, last=offset + len(page), total=len(all_shifts)
        ))
    lines += [shift_line(s, tz, now) for s in page]
    active = need["status"] in ACTIVE
    buttons = []
    for shift in page:
        row = [InlineKeyboardButton("👥 " + short_day(shift, tz), callback_data=f"sh:r:{shift['id']}:0")]
        if active and shift["status"] == "open" and db.parse_ts(shift["starts_at"]) > now:
            row.append(InlineKeyboardButton(_("✖ Cancel {day}").format(day=short_day(shift, tz)),
                                            callback_data=f"sh:cx:{shift['id']}"))
        buttons.append(row)
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(_("◀ Earlier shifts"), callback_data=f"nd:o:{need['id']}:{max(0, offset - SHIFTS_PAGE)}"))
    if offset + SHIFTS_PAGE < len(all_shifts):
        nav.append(InlineKeyboardButton(_("Later shifts ▶"), callback_data=f"nd:o:{need['id']}:{offset + SHIFTS_PAGE}"))
    if nav:
        buttons.append(nav)
    if viewer == "staff" and need["status"] == "submitted":
        buttons.append([
            InlineKeyboardButton(_("✅ Approve"), callback_data=f"apr:ok:{need['id']}"),
            InlineKeyboardButton(_("⛔ Reject"), callback_data=f"apr:rj:{need['id']}"),
        ])
        buttons.append([InlineKeyboardButton(_("✏️ Change slots and approve"), callback_data=f"apr:sl:{need['id']}")])
    elif viewer == "staff" and need["status"] == "approved":
        buttons.append([InlineKeyboardButton(_("✏️ Change slots"), callback_data=f"nd:sl:{need['id']}")])
    if active:
        buttons.append([InlineKeyboardButton(_("✖ Cancel the whole need"), callback_data=f"nd:cx:{need['id']}")])
    buttons.append([InlineKeyboardButton(_("◀ All needs"), callback_data="nds:p:0" if viewer == "staff" else "my:p:0")])
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def _load_need_for(update: Update, context: Context, need_id: int) -> tuple[db.Row, str] | None:
    """The need and the viewer's access, or None after refusing (unknown need, other entity)."""
    need = await db.get_need(context.db, need_id)
    if need is None:
        await refuse(update, _("This need no longer exists."))
        return None
    viewer = await access(context, update.effective_user.id, need["entity_id"])
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
    await update.callback_query.answer(notice)
    await update.callback_query.edit_message_text(text, reply_markup=keyboard)


@requires(REPS_AND_STAFF)
async def open_need(update: Update, context: Context) -> None:
    """Open a need (staff: any; representative: their entity's)."""
    _prefix, _action, need_id, offset = update.callback_query.data.split(":")
    await show_need(update, context, int(need_id), int(offset))


@requires(REPS_AND_STAFF)
async def roster(update: Update, context: Context) -> None:
    """The volunteers who accepted a shift: name, phone, languages."""
    query = update.callback_query
    _prefix, _action, raw_shift, raw_offset = query.data.split(":")
    shift = await db.get_shift(context.db, int(raw_shift))
    if shift is None:
        await refuse(update, _("This shift no longer exists."))
        return
    if await access(context, query.from_user.id, shift["entity_id"]) is None:
        await refuse_other_entity(update)
        return
    offset = max(0, int(raw_offset))
    people = await db.shift_roster(context.db, shift["id"], limit=ROSTER_PAGE + 1, offset=offset)
    more, people = len(people) > ROSTER_PAGE, people[:ROSTER_PAGE]
    languages = await db.languages_of_volunteers(context.db, [p["volunteer_id"] for p in people])
    lines = [
        _("Roster of “{title}” at {site}").format(title=isolate(shift["title"]), site=isolate(shift["site_name"])),
        shift_when(shift, context.settings.timezone),
        _("{accepted} of {slots} places taken.").format(accepted=shift["accepted"], slots=shift["slots"]),
        "",
    ]
    if not people:
        lines.append(_("Nobody has accepted this shift yet."))
    for number, person in enumerate(people, start=offset + 1):
        codes = languages.get(person["volunteer_id"], [])
        spoken = languages_label(codes) if codes else ""
        lines.append(_("{n}. {name} — {phone} — {languages}").format(
            n=number,
            name=isolate(person["full_name"] or person["first_name"] or person["volunteer_id"]),
            phone=ltr(person["phone"] or "—"),
            languages=spoken or "—",
        ))
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(_("◀ Previous"), callback_data=f"sh:r:{shift['id']}:{max(0, offset - ROSTER_PAGE)}"))
    if more:
        nav.append(InlineKeyboardButton(_("Next ▶"), callback_data=f"sh:r:{shift['id']}:{offset + ROSTER_PAGE}"))
    buttons = [nav] if nav else []
    if shift["status"] != "cancelled" and db.parse_ts(shift["starts_at"]) <= context.now():
        buttons.append([InlineKeyboardButton(_("🧾 Attendance"), callback_data=f"att:v:{shift['id']}:0")])
    buttons.append([InlineKeyboardButton(_("◀ Back to the need"), callback_data=f"nd:o:{shift['need_id']}:0")])
    await query.answer()
    await query.edit_message_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons))


# -- approving ------------------------------------------------------------------------------------


@requires(STAFF)
async def approve(update: Update, context: Context) -> None:
    """Approve a submitted need; the first coordinator to act wins."""
    query = update.callback_query
    need_id = int(query.data.split(":")[2])
    if await db.get_need(context.db, need_id) is None:
        await refuse(update, _("This need no longer exists."))
        return
    pressed = (query.message.chat.id, query.message.message_id) if query.message else None
    won, on_card = await record_decision(context, need_id, "approved", query.from_user.id, pressed=pressed)
    if not won:
        text = await too_late_text(context, need_id)
        if on_card:
            await query.answer(text, show_alert=True)
        else:
            await show_need(update, context, need_id, notice=text)
        return
    if on_card:
        await query.answer(_("Approved. The representatives were told."))
        await query.edit_message_text(
            await need_notices.decided_card_text(context.db, need_id, context.settings)
        )
    else:
        await show_need(update, context, need_id, notice=_("Approved. The representatives were told."))


# -- cancelling -----------------------------------------------------------------------------------


@requires(REPS_AND_STAFF)
async def ask_cancel_need(update: Update, context: Context) -> None:
    """Confirm before cancelling a whole need."""
    query = update.callback_query
    loaded = await _load_need_for(update, context, int(query.data.split(":")[2]))
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
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton(_("Yes, cancel the need"), callback_data=f"nd:cxok:{need['id']}"),
            InlineKeyboardButton(_("No, keep it"), callback_data=f"nd:o:{need['id']}:0"),
        ]]),
    )


@requires(REPS_AND_STAFF)
async def confirm_cancel_need(update: Update, context: Context) -> None:
    """Cancel the need and its shifts ahead, tell the volunteers, close approval cards, audit."""
    query = update.callback_query
    loaded = await _load_need_for(update, context, int(query.data.split(":")[2]))
    if loaded is None:
        return
    need, viewer = loaded
    actor, now, settings = query.from_user.id, context.now(), context.settings
    async with context.db.transaction() as tx:
        try:
            shift_ids = await db.cancel_need(tx, need["id"], by=actor, now=now)
        except LookupError:
            shift_ids = None
        else:
            told = await need_notices.cancel_assignments_and_notify(
                tx, need, shift_ids, scope=f"need:{need['id']}", settings=settings, now=now
            )
            if need["status"] == "submitted":
                await need_notices.close_approval_cards(tx, need["id"], settings=settings, now=now)
            await db.audit(
                tx, actor_id=actor, action="need.cancel", now=now, target_type="need",
                target_id=need["id"], details={"shifts": len(shift_ids), "volunteers_told": told},
            )
            await _tell_reps_of_cancel(tx, context, need, actor, viewer, now, shift=None)
    if shift_ids is None:
        await show_need(update, context, need["id"], notice=await too_late_text(context, need["id"]))
        return
    await show_need(update, context, need["id"], notice=_("The need was cancelled; the volunteers are being told."))


@requires(REPS_AND_STAFF)
async def ask_cancel_shift(update: Update, context: Context) -> None:
    """Confirm before cancelling one shift."""
    query = update.callback_query
    shift = await _load_shift_for(update, context, int(query.data.split(":")[2]))
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
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton(_("Yes, cancel the shift"), callback_data=f"sh:cxok:{shift['id']}"),
            InlineKeyboardButton(_("No, keep it"), callback_data=f"nd:o:{shift['need_id']}:0"),
        ]]),
    )


async def _load_shift_for(update: Update, context: Context, shift_id: int) -> db.Row | None:
    """A shift the caller may cancel, or None after refusing."""
    shift = await db.get_shift(context.db, shift_id)
    if shift is None:
        await refuse(update, _("This shift no longer exists."))
        return None
    if await access(context, update.effective_user.id, shift["entity_id"]) is None:
        await refuse_other_entity(update)
        return None
    if (
        shift["status"] != "open"
        or shift["need_status"] not in ACTIVE
        or db.parse_ts(shift["starts_at"]) <= context.now()
    ):
        await refuse(update, _("This shift can no longer be cancelled: it was cancelled already or has started."))
        return None
    return shift


@requires(REPS_AND_STAFF)
async def confirm_cancel_shift(update: Update, context: Context) -> None:
    """Cancel one shift, tell its volunteers, audit."""
    query = update.callback_query
    shift = await _load_shift_for(update, context, int(query.data.split(":")[2]))
    if shift is None:
        return
    viewer = await access(context, query.from_user.id, shift["entity_id"])
    actor, now, settings = query.from_user.id, context.now(), context.settings
    async with context.db.transaction() as tx:
        cancelled = await db.cancel_shift(tx, shift["id"], by=actor, now=now)
        if cancelled:
            need = await db.get_need(tx, shift["need_id"])
            told = await need_notices.cancel_assignments_and_notify(
                tx, need, [shift["id"]], scope=f"shift:{shift['id']}", settings=settings, now=now
            )
            await db.audit(
                tx, actor_id=actor, action="shift.cancel", now=now, target_type="shift",
                target_id=shift["id"], details={"need": shift["need_id"], "volunteers_told": told},
            )
            await _tell_reps_of_cancel(tx, context, need, actor, viewer, now, shift=shift)
    notice = _("The shift was cancelled; its volunteers are being told.") if cancelled else _(
        "This shift can no longer be cancelled: it was cancelled already or has started."
    )
    await show_need(update, context, shift["need_id"], notice=notice)


async def _tell_reps_of_cancel(
    tx: db.Tx, context: Context, need: db.Row, actor: int, viewer: str | None, now: datetime,
    *, shift: db.Row | None,
) -> None:
    """The entity's representatives hear about a cancellation they did not make themselves."""
    tz = context.settings.timezone
    actor_row = await db.get_user(tx, actor)

    def render() -> str:
        who = _("The volunteer office") if viewer == "staff" else display_name(actor_row)
        if shift is None:
            return _("{who} cancelled the need {id} “{title}”.").format(
                who=who, id=ltr(f"#{need['id']}"), title=isolate(need["title"])
            )
        return _("{who} cancelled the shift of the need {id} “{title}” on {when}.").format(
            who=who, id=ltr(f"#{need['id']}"), title=isolate(need["title"]), when=shift_when(shift, tz)
        )

    scope = f"shift:{shift['id']}" if shift is not None else f"need:{need['id']}"
    await need_notices.notify_reps(
        tx, need["entity_id"], dedupe=f"repcancel:{scope}", render=render,
        settings=context.settings, now=now, skip_user=None if viewer == "staff" else actor,
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("needs", needs_command))
    app.add_handler(CommandHandler("myneeds", myneeds_command))
    app.add_handler(CallbackQueryHandler(needs_page, pattern=r"^nds:p:\d+$"))
    app.add_handler(CallbackQueryHandler(myneeds_page, pattern=r"^my:p:\d+$"))
    app.add_handler(CallbackQueryHandler(open_need, pattern=r"^nd:o:\d+:\d+$"))
    app.add_handler(CallbackQueryHandler(roster, pattern=r"^sh:r:\d+:\d+$"))
    app.add_handler(CallbackQueryHandler(approve, pattern=r"^apr:ok:\d+$"))
    app.add_handler(CallbackQueryHandler(ask_cancel_need, pattern=r"^nd:cx:\d+$"))
    app.add_handler(CallbackQueryHandler(confirm_cancel_need, pattern=r"^nd:cxok:\d+$"))
    app.add_handler(CallbackQueryHandler(ask_cancel_shift, pattern=r"^sh:cx:\d+$"))
    app.add_handler(CallbackQueryHandler(confirm_cancel_shift, pattern=r"^sh:cxok:\d+$"))
