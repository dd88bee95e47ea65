"""The buttons of a short-shift escalation (bot/operations/escalations.py): offer the shift to
the next-ranked volunteers now, or tell everyone who fits. Coordinators, admins and the shift's
own entity's representatives, in a private chat; each acts once per escalation. "Change places"
is the need_slots flow's button."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.auth import REPS_AND_STAFF, refuse, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import _, ngettext
from bot.notices.escalations import OFFER_NOW, TELL
from bot.operations import escalations as operations
from bot.texts import display_name
from bot.texts.needs import other_entity_text


def _answer(outcome: operations.Outcome, *, offers: bool) -> str:
    if outcome.kind == operations.DONE:
        if offers:
            return ngettext(
                "Done: {n} more volunteer was offered the shift.",
                "Done: {n} more volunteers were offered the shift.", outcome.count,
            ).format(n=outcome.count)
        return ngettext(
            "Done: {n} volunteer who fits was told.", "Done: {n} volunteers who fit were told.",
            outcome.count,
        ).format(n=outcome.count)
    if outcome.kind == operations.NOBODY:
        return _("Nobody else fits this shift: every eligible volunteer has been asked already.")
    if outcome.kind == operations.FULL:
        return _("The shift has no open place any more.")
    if outcome.kind == operations.ALREADY:
        name = display_name(outcome.actor) if outcome.actor is not None else "—"
        return _("Already done by {name}.").format(name=name)
    return _("This shift can no longer be helped: it was cancelled, closed or is about to start.")


async def _press(update: Update, context: Context, *, offers: bool) -> None:
    query = kit.query_of(update)
    route = OFFER_NOW if offers else TELL
    parsed = route.parse(kit.data_of(update))
    if parsed is None:
        await kit.stale(update)
        return
    shift_id, lead = parsed
    act = operations.offer_next_now if offers else operations.tell_eligible
    outcome = await act(
        context.db, context.settings, shift_id=shift_id, lead_seconds=lead,
        actor_id=kit.user_id_of(update), now=context.now(),
    )
    if outcome.kind == operations.NOT_ALLOWED:
        await refuse(update, other_entity_text())
        return
    await query.answer(_answer(outcome, offers=offers), show_alert=True)


@requires(REPS_AND_STAFF)
async def offer_now(update: Update, context: Context) -> None:
    """"Offer to the next ones now" on a short-shift escalation."""
    await _press(update, context, offers=True)


@requires(REPS_AND_STAFF)
async def tell(update: Update, context: Context) -> None:
    """"Tell everyone who fits" on a short-shift escalation."""
    await _press(update, context, offers=False)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(offer_now, pattern=OFFER_NOW.pattern))
    app.add_handler(CallbackQueryHandler(tell, pattern=TELL.pattern))
