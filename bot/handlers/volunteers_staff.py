"""Coordinators manage volunteers: result lists, the volunteer card, approval, suspension,
reinstatement and training qualifications. Every button is `@requires(STAFF)` and re-reads the
volunteer on each press; the decisions are bot/operations/volunteers.py (audited, the volunteer
told through the outbox in their own language). /volunteers itself, with its search question, is
a flow (bot/flows/volunteer_search.py).

Callback data (at most 40 bytes; routes in bot/notices/volunteers.py): `vol:s:<search>:<page>`,
`vol:sp:<specialty>:<page>`, `vol:pe:<page>`, `vol:v:<id>`, `vol:ap|rj|su|re|q:<id>`,
`vol:qg|qr:<id>:<specialty>`, `vol:bk`.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot import db
from bot.auth import STAFF, requires
from bot.catalog import SPECIALTIES, by_code
from bot.context import Context
from bot.flows import kit
from bot.i18n import _, isolate
from bot.notices.manual import offer_shift_button
from bot.notices.volunteers import (
    APPROVE,
    BACK,
    GRANT,
    PENDING_PAGE,
    QUALIFICATIONS,
    REINSTATE,
    REJECT,
    REVOKE,
    SEARCH_PAGE,
    SPECIALTY_PAGE,
    SUSPEND,
    VIEW,
    results_screen,
)
from bot.operations import volunteers as operations
from bot.texts.volunteers import card_text

SEARCH = "vol_search"  # user_data: {"q": text, "n": serial} of the coordinator's last search
BACK_TO = "vol_back"  # user_data: callback data of the list page a card was opened from


def card_keyboard(row: db.Row, *, back: bool) -> InlineKeyboardMarkup:
    user_id, status = int(row["user_id"]), row["status"]
    rows = []
    if status == "pending":
        rows.append(
            [kit.button(_("✅ Approve"), APPROVE.data(user_id)), kit.button(_("✖ Reject"), REJECT.data(user_id))]
        )
    elif status in ("active", "paused"):
        rows.append(offer_shift_button(user_id))
        rows.append([kit.button(_("⛔ Suspend"), SUSPEND.data(user_id))])
    elif status == "suspended":
        rows.append([kit.button(_("↩️ Reinstate"), REINSTATE.data(user_id))])
    if status != "deleted":
        rows.append([kit.button(_("🎓 Training qualifications"), QUALIFICATIONS.data(user_id))])
    if back:
        rows.append([kit.button(kit.back_label(_("Back to the list")), BACK.data())])
    return kit.markup(*rows)


# -- lists -------------------------------------------------------------------------------------------


@requires(STAFF)
async def search_page(update: Update, context: Context) -> None:
    """A page of a search (only the coordinator's latest search pages on)."""
    await _show_list(update, context, kit.data_of(update))


@requires(STAFF)
async def specialty_page(update: Update, context: Context) -> None:
    await _show_list(update, context, kit.data_of(update))


@requires(STAFF)
async def pending_page(update: Update, context: Context) -> None:
    await _show_list(update, context, kit.data_of(update))


@requires(STAFF)
async def back_to_list(update: Update, context: Context) -> None:
    """Back from a card to the list it was opened from."""
    data = kit.scratch(context.user_data).get(BACK_TO)
    if not data:
        await kit.query_of(update).answer(_("Send /volunteers to search again."), show_alert=True)
        return
    await _show_list(update, context, str(data))


async def _show_list(update: Update, context: Context, data: str) -> None:
    query = kit.query_of(update)
    user_data = kit.scratch(context.user_data)
    keys: tuple[int | str, ...]
    if (found := SEARCH_PAGE.parse(data)) is not None:
        serial, page = found
        search = user_data.get(SEARCH) or {}
        if str(search.get("n")) != str(serial):
            await query.answer(
                _("This search is out of date. Send /volunteers with your search again."), show_alert=True
            )
            return
        kind, arg, keys = "s", str(search["q"]), (serial,)
    elif (found := SPECIALTY_PAGE.parse(data)) is not None:
        arg, page = found
        if by_code(SPECIALTIES, arg) is None:
            await kit.stale(update)
            return
        kind, keys = "sp", (arg,)
    elif (page := PENDING_PAGE.one(data)) is not None:
        kind, arg, keys = "pe", "", ()
    else:
        await kit.stale(update)
        return
    user_data[BACK_TO] = data
    await query.answer()
    text, keyboard = await results_screen(
        context.db, kind, arg, page, keys, now=context.now(), tz=context.settings.timezone
    )
    await query.edit_message_text(text, reply_markup=keyboard)


# -- the card and its actions -----------------------------------------------------------------------


async def show_card(
    update: Update, context: Context, user_id: int, *, toast: str = "", alert: bool = False
) -> None:
    """Show the card in place of the pressed message; `toast` answers the press."""
    query = kit.query_of(update)
    found = await db.get_volunteer_profile(context.db, user_id)
    if found is None:
        await query.answer(_("This volunteer has deleted their data."), show_alert=True)
        return
    row, profile = found
    now = context.now()
    qualifications = await db.volunteer_qualifications(context.db, user_id)
    record = (await db.service_records(context.db, [user_id], now=now))[user_id]
    text = card_text(row, profile, qualifications, record, now=now, tz=context.settings.timezone)
    await query.answer(toast, show_alert=alert)
    back = bool(kit.scratch(context.user_data).get(BACK_TO))
    await query.edit_message_text(text, reply_markup=card_keyboard(row, back=back))


@requires(STAFF)
async def open_card(update: Update, context: Context) -> None:
    """A volunteer's card: profile, service record, and the actions their status allows."""
    await show_card(update, context, int(VIEW.one(kit.data_of(update))))


# route -> (operation's action, refusal when the status no longer allows it, toast when done)
STATUS_BUTTONS = (
    (APPROVE, "approve"),
    (REJECT, "reject"),
    (REINSTATE, "reinstate"),
)


def _refusal(action: str) -> str:
    if action in ("approve", "reject"):
        return _("This volunteer is no longer waiting for approval.")
    return _("This volunteer is not suspended.")


def _toast(action: str) -> str:
    return {
        "approve": _("Approved. The volunteer has been told."),
        "reject": _("Rejected. The volunteer has been told."),
        "reinstate": _("Reinstated. The volunteer has been told; released places were not given back."),
    }[action]


@requires(STAFF)
async def change_status(update: Update, context: Context) -> None:
    """Approve, reject or reinstate, if the volunteer is still in a status that allows it (Suspend
    asks for a reason first: bot/flows/suspension.py)."""
    data = kit.data_of(update)
    action, user_id = next((a, r.one(data)) for r, a in STATUS_BUTTONS if r.parse(data) is not None)
    outcome = await operations.decide(
        context.db, context.settings, user_id=user_id, action=action,
        actor_id=kit.user_id_of(update), now=context.now(),
    )
    if not outcome.changed:
        # Someone else acted first, or the volunteer left: say so and show how things stand.
        await show_card(update, context, user_id, toast=_refusal(action), alert=True)
        return
    await show_card(update, context, user_id, toast=_toast(action))


# -- training qualifications -----------------------------------------------------------------------


async def show_qualifications(update: Update, context: Context, user_id: int, *, toast: str = "") -> None:
    query = kit.query_of(update)
    found = await db.get_volunteer_profile(context.db, user_id)
    if found is None:
        await query.answer(_("This volunteer has deleted their data."), show_alert=True)
        return
    granted = set(await db.volunteer_qualifications(context.db, user_id))
    buttons = [
        kit.button(f"✅ {item.label_text()}", REVOKE.data(user_id, item.code))
        if item.code in granted
        else kit.button(f"➕ {item.label_text()}", GRANT.data(user_id, item.code))
        for item in SPECIALTIES
    ]
    keyboard = kit.markup(kit.grid(buttons, 2), [kit.button(kit.back_label(_("Back to the card")), VIEW.data(user_id))])
    text = _(
        "Training qualifications of {name}. Needs that require training only go to volunteers "
        "trained for their field. Tap ➕ to record training, ✅ to remove it."
    ).format(name=isolate(found[1].full_name))
    await query.answer(toast)
    await query.edit_message_text(text, reply_markup=keyboard)


@requires(STAFF)
async def open_qualifications(update: Update, context: Context) -> None:
    """The specialties with the ones this volunteer is trained for ticked."""
    await show_qualifications(update, context, int(QUALIFICATIONS.one(kit.data_of(update))))


@requires(STAFF)
async def change_qualification(update: Update, context: Context) -> None:
    """Grant (qg) or revoke (qr) one training qualification."""
    data = kit.data_of(update)
    grant = GRANT.parse(data) is not None
    user_id, specialty = GRANT.parse(data) or REVOKE.parse(data) or (0, "")
    if by_code(SPECIALTIES, specialty) is None:
        await kit.stale(update)
        return
    outcome = await operations.qualify(
        context.db, context.settings, user_id=user_id, specialty=specialty, grant=grant,
        actor_id=kit.user_id_of(update), now=context.now(),
    )
    if grant:
        toast = _("Recorded.") if outcome.changed else _("Already recorded.")
    else:
        toast = _("Removed.") if outcome.changed else _("Already removed.")
    await show_qualifications(update, context, user_id, toast=toast)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(search_page, pattern=SEARCH_PAGE.pattern))
    app.add_handler(CallbackQueryHandler(specialty_page, pattern=SPECIALTY_PAGE.pattern))
    app.add_handler(CallbackQueryHandler(pending_page, pattern=PENDING_PAGE.pattern))
    app.add_handler(CallbackQueryHandler(back_to_list, pattern=BACK.pattern))
    app.add_handler(CallbackQueryHandler(open_card, pattern=VIEW.pattern))
    for route, _action in STATUS_BUTTONS:
        app.add_handler(CallbackQueryHandler(change_status, pattern=route.pattern))
    app.add_handler(CallbackQueryHandler(open_qualifications, pattern=QUALIFICATIONS.pattern))
    app.add_handler(CallbackQueryHandler(change_qualification, pattern=GRANT.pattern))
    app.add_handler(CallbackQueryHandler(change_qualification, pattern=REVOKE.pattern))
