"""Offers made by hand: from a volunteer's card (coordinators: which shift?) or a shift's roster
(coordinators, and the entity's representative for its own shifts: which volunteer?), then the
check screen that lists every requirement the volunteer fails, then Send. "Offer anyway" asks for
a reason first (bot/flows/manual_reason.py). The decision is bot/operations/manual.py's, which
re-checks the caller's entity against the database on every press.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot import db
from bot.auth import REPS_AND_STAFF, STAFF, refuse, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import _, ltr
from bot.notices.dispatch import SHIFT_ROSTER
from bot.notices.manual import BACK_TO, CHECK, FOR_SHIFT, FOR_VOLUNTEER, SEND, check_screen
from bot.notices.volunteers import VIEW
from bot.operations import manual
from bot.operations.attendance import may_record
from bot.texts import manual as texts

PAGE = 8


async def _edit(
    update: Update, text: str, keyboard: InlineKeyboardMarkup, toast: str | None = None
) -> None:
    query = kit.query_of(update)
    await query.answer(toast)
    await query.edit_message_text(text, reply_markup=keyboard)


@requires(STAFF)
async def shifts_for_volunteer(update: Update, context: Context) -> None:
    """The open shifts, soonest first, to pick the one to offer this volunteer."""
    volunteer_id, offset = FOR_VOLUNTEER.parse(kit.data_of(update)) or (0, 0)
    volunteer = await db.get_volunteer(context.db, volunteer_id)
    if volunteer is None or volunteer["status"] == "deleted":
        await refuse(update, _("This volunteer has deleted their data."))
        return
    tz = context.settings.timezone
    shifts = await manual.open_shifts(context.db, context.settings, now=context.now())
    page = shifts[offset : offset + PAGE]
    lines = [texts.shift_choice_line(n, s, tz) for n, s in enumerate(page, start=offset + 1)]
    picks = [
        kit.button(f"#{ltr(n)}", CHECK.data(s["shift_id"], volunteer_id))
        for n, s in enumerate(page, start=offset + 1)
    ]
    keyboard = kit.markup(
        kit.grid(picks, 4),
        kit.pager(FOR_VOLUNTEER, offset, len(shifts), PAGE, volunteer_id),
        [kit.button(kit.back_label(_("Back to the card")), VIEW.data(volunteer_id))],
    )
    kit.scratch(context.user_data)[BACK_TO] = kit.data_of(update)
    await _edit(update, texts.choose_shift_text(volunteer, lines), keyboard)


@requires(REPS_AND_STAFF)
async def volunteers_for_shift(update: Update, context: Context) -> None:
    """The best-ranked eligible volunteers not asked yet, to pick the one to offer this shift."""
    shift_id, offset = FOR_SHIFT.parse(kit.data_of(update)) or (0, 0)
    shift = await db.get_shift(context.db, shift_id)
    if shift is None:
        await refuse(update, _("This shift no longer exists."))
        return
    if not await may_record(context.db, user_id=kit.user_id_of(update), entity_id=shift["entity_id"]):
        await refuse(update, texts.refusal_text(manual.Check(manual.OTHER_ENTITY)))
        return
    now = context.now()
    if shift["shift_status"] != "open" or shift["need_status"] != "approved":
        await refuse(update, texts.refusal_text(manual.Check(manual.GONE)))
        return
    if db.moment(shift["starts_at"]) <= now:
        await refuse(update, texts.refusal_text(manual.Check(manual.STARTED)))
        return
    ranked = await manual.candidates(
        context.db, context.settings, shift=shift, now=now, limit=offset + PAGE + 1
    )
    page = ranked[offset : offset + PAGE]
    names = await db.volunteer_names(context.db, [c.user_id for c in page])
    lines = [
        f"{n}. {texts.short(names.get(c.user_id) or c.user_id)}"
        for n, c in enumerate(page, start=offset + 1)
    ]
    picks = [
        kit.button(f"#{ltr(n)}", CHECK.data(shift_id, c.user_id))
        for n, c in enumerate(page, start=offset + 1)
    ]
    keyboard = kit.markup(
        kit.grid(picks, 4),
        kit.pager(FOR_SHIFT, offset, len(ranked), PAGE, shift_id),
        [kit.button(kit.back_label(_("Back to the roster")), SHIFT_ROSTER.data(shift_id, 0))],
    )
    kit.scratch(context.user_data)[BACK_TO] = kit.data_of(update)
    tz = context.settings.timezone
    await _edit(update, texts.choose_volunteer_text(shift, tz, lines), keyboard)


async def show_check(update: Update, context: Context, found: manual.Check,
                     toast: str | None = None) -> None:
    """The check screen, or an alert when there is nothing to check (gone, not allowed...)."""
    if found.shift is None or found.volunteer is None or found.kind == manual.OTHER_ENTITY:
        await refuse(update, texts.refusal_text(found))
        return
    back = kit.scratch(context.user_data).get(BACK_TO)
    text, keyboard = await check_screen(
        context.db, context.settings, found, str(back) if back else None
    )
    if found.kind not in (manual.ELIGIBLE, manual.NEEDS_REASON, manual.BLOCKED):
        text = f"{texts.refusal_text(found)}\n\n{text}"
    await _edit(update, text, keyboard, toast)


@requires(REPS_AND_STAFF)
async def check(update: Update, context: Context) -> None:
    """Every requirement the volunteer fails for the shift, before offering it."""
    shift_id, volunteer_id = CHECK.parse(kit.data_of(update)) or (0, 0)
    found = await manual.check(
        context.db, context.settings, shift_id=shift_id, volunteer_id=volunteer_id,
        actor_id=kit.user_id_of(update), now=context.now(),
    )
    await show_check(update, context, found)


@requires(REPS_AND_STAFF)
async def send(update: Update, context: Context) -> None:
    """Send the offer (the volunteer meets every requirement)."""
    shift_id, volunteer_id = SEND.parse(kit.data_of(update)) or (0, 0)
    found = await manual.offer(
        context.db, context.settings, shift_id=shift_id, volunteer_id=volunteer_id,
        actor_id=kit.user_id_of(update), now=context.now(),
    )
    if found.kind != manual.OFFERED:
        await show_check(update, context, found, toast=texts.refusal_text(found))
        return
    back = kit.scratch(context.user_data).get(BACK_TO)
    rows = [[kit.button(kit.back_label(_("Back to the list")), str(back))]] if back else []
    await _edit(update, texts.offered_text(found, context.settings.timezone), kit.markup(*rows),
                toast=_("Offer sent."))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(shifts_for_volunteer, pattern=FOR_VOLUNTEER.pattern))
    app.add_handler(CallbackQueryHandler(volunteers_for_shift, pattern=FOR_SHIFT.pattern))
    app.add_handler(CallbackQueryHandler(check, pattern=CHECK.pattern))
    app.add_handler(CallbackQueryHandler(send, pattern=SEND.pattern))
