"""Declining an offer and giving up a place, with their reasons: why an offer was declined
(optional), why a place is cancelled late (required before it is cancelled), and what happened
when a volunteer did not come (optional: "Tell us what happened" under the no-show notice).

The buttons that start it: Decline (offer), Cancel (/myshifts), Can't make it (reminder) and Yes
cancel; the answer is a reason button or a typed text. A short question (bot/flows/kit): another
command or another flow's question ends it (a declined offer stays declined without a reason, a
place that needed a reason is kept), and a text arriving long after the question is not taken
as a reason. The reason buttons, Keep my place and Yes cancel also work with no question open:
each re-checks whose assignment it is and what state it is in (bot/operations/dispatch.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot import db
from bot.assignments import Status
from bot.context import Context
from bot.flows import kit
from bot.i18n import G_, N_, _
from bot.notices import dispatch as notices
from bot.notices.dispatch import (
    CANCEL,
    CANT_COME,
    CONFIRM_CANCEL,
    DECLINE,
    DECLINE_REASON,
    KEEP_PLACE,
    LATE_REASON,
    NO_SHOW_REASON,
    NO_SHOW_WHY,
)
from bot.operations import attendance, dispatch
from bot.texts import dispatch as texts
from bot.texts.shifts import duration_text, shift_details

# The area is no button's: every button of these questions (off:rsn, my:lr, my:keep, att:nsr) is
# an entry point that stays live outside the flow, so none of them is ever answered as stale by
# the kit.
SPEC = kit.FlowSpec("shift_reasons", kit.Mode.SHORT, N_("the reason"), area="sr")
DECLINE_STATE = "shift_reasons.decline"
LATE_STATE = "shift_reasons.late"
NO_SHOW_STATE = "shift_reasons.no_show"
ASKS_DECLINE, ASKS_LATE, ASKS_NO_SHOW = "decline", "late", "no_show"  # the question's kind
LEGACY_KEY = "shift_reason"  # where the question was kept before the kit
REASON_WINDOW = timedelta(minutes=30)
log = logging.getLogger(__name__)
MAX_REASON = 500


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_REASON]


def _draft(context: Context) -> dict[str, Any] | None:
    """The open question, also one persisted before the kit (read once, then kept as the draft)."""
    found = kit.draft(context, SPEC)
    legacy = kit.scratch(context.user_data).pop(LEGACY_KEY, None)
    if found is None and isinstance(legacy, dict):
        found = kit.start(context, SPEC, legacy)
    return found


def _question(context: Context, kind: str) -> dict[str, Any] | None:
    """The pending question of this kind, if it was asked recently."""
    data = _draft(context)
    if data is None or data.get("kind") != kind:
        return None
    asked_at = db.parse_ts(data.get("asked_at"))
    if asked_at is None or context.now() - asked_at > REASON_WINDOW:
        return None
    return data


def _remember(context: Context, kind: str, assignment_id: int) -> None:
    kit.start(context, SPEC, {"kind": kind, "id": assignment_id, "asked_at": db.ts(context.now())})


async def _last_word(update: Update, context: Context, text: str) -> None:
    """The flow's last message: the question's buttons go first, so this is what is read last."""
    await kit.drop_buttons(update, context, SPEC)
    await context.bot.send_message(kit.chat_id_of(update), text)


# -- keyboards -----------------------------------------------------------------------------------


def decline_reason_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    rows = [[kit.button(_(label), DECLINE_REASON.data(assignment_id, code))]
            for code, label in texts.DECLINE_REASONS]
    rows.append([kit.button(_("Skip"), DECLINE_REASON.data(assignment_id, "skip"))])
    return kit.markup(rows)


def late_reason_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    rows = [[kit.button(_(label), LATE_REASON.data(assignment_id, code))]
            for code, label in texts.LATE_REASONS]
    rows.append([kit.button(_("↩️ Keep my place"), KEEP_PLACE.data(assignment_id))])
    return kit.markup(rows)


def cancel_confirm_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    return kit.markup([
        kit.button(_("Yes, cancel"), CONFIRM_CANCEL.data(assignment_id)),
        kit.button(_("↩️ Keep my place"), KEEP_PLACE.data(assignment_id)),
    ])


# -- declining an offer --------------------------------------------------------------------------


async def _ask_decline_reason(
    update: Update, context: Context, assignment_id: int, *, notice: str = ""
) -> str:
    text = G_("Thank you for letting us know. Would you tell us why? It helps us send better "
             "offers. Tap a reason, type it, or tap Skip.")
    if notice:
        text = f"{notice}\n\n{text}"
    await kit.ask(update, context, SPEC, text, decline_reason_keyboard(assignment_id))
    return DECLINE_STATE


async def decline_offer(update: Update, context: Context) -> object:
    """Decline an offer, then ask (optionally) why."""
    query = kit.query_of(update)
    assignment_id = DECLINE.one(query.data)
    outcome = await dispatch.decline(
        context.db, context.settings, assignment_id=assignment_id,
        user_id=query.from_user.id, now=context.now(),
    )
    if outcome.kind != dispatch.DECLINED:
        await query.answer(texts.problem_text(outcome), show_alert=True)
        return kit.END
    await query.answer(_("Declined."))
    if not await _drop_from_list(update, assignment_id):
        await kit.close_pressed(update, _("❌ You declined this offer."))
    _remember(context, ASKS_DECLINE, assignment_id)
    return await _ask_decline_reason(update, context, assignment_id)


async def _drop_from_list(update: Update, assignment_id: int) -> bool:
    """Declined from a list (/myshifts): only that offer's row of buttons goes, the rest stay
    live. False when the pressed message is the offer itself."""
    query = kit.query_of(update)
    message = query.message
    keyboard = message.reply_markup if isinstance(message, Message) else None
    own = DECLINE.data(assignment_id)
    rows = [list(row) for row in keyboard.inline_keyboard] if keyboard else []
    kept = [row for row in rows if all(button.callback_data != own for button in row)]
    if len(kept) == len(rows) or not kept:
        return False
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(kept))
    except TelegramError as error:
        log.info("could not take the declined offer's buttons off the list: %s", error)
    return True


async def decline_reason_chosen(update: Update, context: Context) -> object:
    """A reason button (or Skip) under the decline question."""
    query = kit.query_of(update)
    assignment_id, code = DECLINE_REASON.parse(query.data) or (0, "")
    label = texts.reason_label(texts.DECLINE_REASONS, code)
    if code != "skip":
        outcome = (
            await dispatch.save_decline_reason(
                context.db, assignment_id=assignment_id, user_id=query.from_user.id, reason=label,
            )
            if label is not None
            else dispatch.Outcome(dispatch.UNKNOWN)
        )
        if outcome.kind != dispatch.DECLINED:
            await query.answer(texts.problem_text(outcome), show_alert=True)
            return kit.END
    await query.answer()
    await kit.close_pressed(update, _("Thank you, noted.") if label else _("All right."))
    kit.settled(context, SPEC)
    return kit.END


async def decline_reason_typed(update: Update, context: Context) -> object:
    """The typed reason for a decline."""
    question = _question(context, ASKS_DECLINE)
    message = kit.message_of(update)
    reason = _clean(message.text)
    if question is None:
        await _last_word(update, context, _("Sorry, I did not understand that. Send /help to see what I can do."))
        return kit.END
    if not reason:
        await message.reply_text(_("Please type the reason in a few words, or tap Skip."))
        return DECLINE_STATE
    await dispatch.save_decline_reason(
        context.db, assignment_id=int(question["id"]), user_id=kit.user_id_of(update), reason=reason,
    )
    await _last_word(update, context, _("Thank you, noted."))
    return kit.END


# -- cancelling a place (from /myshifts or a reminder) -------------------------------------------


async def _ask_late_reason(
    update: Update, context: Context, outcome: dispatch.Outcome, *, notice: str = ""
) -> str:
    assignment = outcome.assignment
    assert assignment is not None
    starts_at = db.parse_ts(assignment["starts_at"])
    assert starts_at is not None
    text = (
        G_("This shift starts in {duration}, so cancelling now is a late cancellation and the "
          "organisers will be told. If you really cannot come, tell us why: tap a reason or "
          "type it.").format(duration=duration_text(starts_at - context.now(), oblique=True))
        + "\n\n"
        + shift_details(assignment, context.settings.timezone)
    )
    if notice:
        text = f"{notice}\n\n{text}"
    _remember(context, ASKS_LATE, assignment["id"])
    await kit.ask(update, context, SPEC, text, late_reason_keyboard(assignment["id"]))
    return LATE_STATE


async def _check_cancel(update: Update, context: Context, assignment_id: int) -> object:
    """Cancel (from /myshifts) or Can't make it (from a reminder): confirm, or ask why if late."""
    query = kit.query_of(update)
    outcome = await dispatch.cancellation_check(
        context.db, context.settings, assignment_id=assignment_id,
        user_id=query.from_user.id, now=context.now(),
    )
    if outcome.kind != dispatch.CANCELLABLE:
        await query.answer(texts.problem_text(outcome), show_alert=True)
        return kit.END
    await query.answer()
    if outcome.late:
        return await _ask_late_reason(update, context, outcome)
    assignment = outcome.assignment
    assert assignment is not None
    question = (
        G_("Leave the waitlist for this shift?")
        if assignment["status"] == Status.WAITLISTED
        else G_("Cancel your place on this shift?")
    )
    await context.bot.send_message(
        kit.chat_id_of(update),
        f"{question}\n\n{shift_details(assignment, context.settings.timezone)}",
        reply_markup=cancel_confirm_keyboard(assignment["id"]),
    )
    return kit.END


async def ask_cancel(update: Update, context: Context) -> object:
    """Cancel #n from /myshifts."""
    return await _check_cancel(update, context, CANCEL.one(kit.data_of(update)))


async def cant_come(update: Update, context: Context) -> object:
    """Can't make it, from a reminder."""
    return await _check_cancel(update, context, CANT_COME.one(kit.data_of(update)))


async def _finish_cancel(
    update: Update, context: Context, assignment_id: int, reason: str | None
) -> object:
    query = update.callback_query
    outcome = await dispatch.cancel(
        context.db, context.settings, assignment_id=assignment_id,
        user_id=kit.user_id_of(update), now=context.now(), reason=reason,
    )
    if outcome.kind == dispatch.NEEDS_REASON:  # it became late while they thought about it
        if query:
            await query.answer()
        return await _ask_late_reason(update, context, outcome)
    if outcome.kind != dispatch.CANCELLED:
        if query:
            await query.answer(texts.problem_text(outcome), show_alert=True)
        else:
            await _last_word(update, context, texts.problem_text(outcome))
        return kit.END
    done = texts.cancel_done_text(outcome)
    if query:
        await query.answer()
        await kit.close_pressed(update, done)
        kit.settled(context, SPEC)
    else:
        await _last_word(update, context, done)
    await _cancel_calendar(update, context, outcome)
    return kit.END


async def _cancel_calendar(update: Update, context: Context, outcome: dispatch.Outcome) -> None:
    """A place that was in the volunteer's calendar: its cancellation .ics follows."""
    place = outcome.assignment
    if place is None or place["status"] != Status.ACCEPTED or not place["calendar_sent_at"]:
        return
    document = notices.calendar_document(
        [place], context.settings.timezone, now=context.now(), cancelled=True
    )
    await context.bot.send_document(
        kit.chat_id_of(update),
        InputFile(document["text"].encode(), filename=document["filename"]),
        caption=notices.calendar_caption(cancelled=True),
    )


async def confirm_cancel(update: Update, context: Context) -> object:
    """Yes, cancel (an early cancellation, or leaving the waitlist)."""
    return await _finish_cancel(update, context, CONFIRM_CANCEL.one(kit.data_of(update)), None)


async def late_reason_chosen(update: Update, context: Context) -> object:
    """A reason button under the late-cancellation question: cancel with that reason."""
    assignment_id, code = LATE_REASON.parse(kit.data_of(update)) or (0, "")
    label = texts.reason_label(texts.LATE_REASONS, code)
    if label is None:
        await kit.stale(update)
        return kit.END
    return await _finish_cancel(update, context, assignment_id, label)


async def late_reason_typed(update: Update, context: Context) -> object:
    """The typed reason for a late cancellation: cancel with it."""
    question = _question(context, ASKS_LATE)
    message = kit.message_of(update)
    reason = _clean(message.text)
    if question is None:
        await _last_word(update, context, G_(
            "Nothing was cancelled. If you still cannot come, open /myshifts and tap Cancel again."
        ))
        return kit.END
    if len(reason) < 2:
        await message.reply_text(
            _("Please type the reason in a few words, or tap one of the reasons above.")
        )
        return LATE_STATE
    return await _finish_cancel(update, context, int(question["id"]), reason)


async def keep_place(update: Update, context: Context) -> object:
    """Keep my place: nothing changes."""
    query = kit.query_of(update)
    assignment = await db.get_assignment(context.db, KEEP_PLACE.one(query.data))
    if assignment is None or assignment["volunteer_id"] != query.from_user.id:
        await query.answer(_("This button is not meant for you."), show_alert=True)
        return kit.END
    await query.answer()
    await kit.close_pressed(update, _("Good, your place is kept. Thank you!"))
    kit.settled(context, SPEC)
    return kit.END


# -- what happened, after a no-show --------------------------------------------------------------


def no_show_reason_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    return kit.markup([[kit.button(_(label), NO_SHOW_REASON.data(assignment_id, code))]
                       for code, label in texts.NO_SHOW_REASONS])


async def _ask_no_show_reason(
    update: Update, context: Context, assignment_id: int, *, notice: str = ""
) -> str:
    text = _("What happened? Tap a reason or type it in a few words.")
    if notice:
        text = f"{notice}\n\n{text}"
    _remember(context, ASKS_NO_SHOW, assignment_id)
    await kit.ask(update, context, SPEC, text, no_show_reason_keyboard(assignment_id))
    return NO_SHOW_STATE


async def no_show_why(update: Update, context: Context) -> object:
    """"Tell us what happened" under a no-show notice: ask, if the place is still a no-show."""
    query = kit.query_of(update)
    assignment_id = NO_SHOW_WHY.one(query.data)
    problem = await attendance.no_show_problem(
        context.db, assignment_id=assignment_id, user_id=query.from_user.id
    )
    if problem:
        await query.answer(texts.no_show_problem_text(problem), show_alert=True)
        return kit.END
    await query.answer()
    return await _ask_no_show_reason(update, context, assignment_id)


async def _save_no_show_reason(
    update: Update, context: Context, assignment_id: int, reason: str
) -> object:
    outcome = await attendance.save_no_show_reason(
        context.db, assignment_id=assignment_id, user_id=kit.user_id_of(update), reason=reason
    )
    query = update.callback_query
    if outcome.kind != attendance.NOTED:
        if query:
            await query.answer(texts.no_show_problem_text(outcome), show_alert=True)
        else:
            await _last_word(update, context, texts.no_show_problem_text(outcome))
        return kit.END
    done = _("Thank you for telling us. The organisers will see it. Take care!")
    if query:
        await query.answer()
        await kit.close_pressed(update, done)
        kit.settled(context, SPEC)
    else:
        await _last_word(update, context, done)
    return kit.END


async def no_show_reason_chosen(update: Update, context: Context) -> object:
    """A reason button under "What happened?"."""
    assignment_id, code = NO_SHOW_REASON.parse(kit.data_of(update)) or (0, "")
    label = texts.reason_label(texts.NO_SHOW_REASONS, code)
    if label is None:
        await kit.stale(update)
        return kit.END
    return await _save_no_show_reason(update, context, assignment_id, label)


async def no_show_reason_typed(update: Update, context: Context) -> object:
    """What happened, typed."""
    question = _question(context, ASKS_NO_SHOW)
    message = kit.message_of(update)
    reason = _clean(message.text)
    if question is None:
        await _last_word(update, context, _(
            "Sorry, I did not understand that. Send /help to see what I can do."
        ))
        return kit.END
    if len(reason) < 2:
        await message.reply_text(
            _("Please type what happened in a few words, or tap one of the reasons above.")
        )
        return NO_SHOW_STATE
    return await _save_no_show_reason(update, context, int(question["id"]), reason)


# -- the kit's hooks -----------------------------------------------------------------------------


async def stop(update: Update, context: Context) -> object:
    """/cancel while a reason is asked: a decline stays declined, a place stays taken."""
    question = _draft(context) or {}
    if question.get("kind") == ASKS_LATE:
        text = _("All right: nothing was cancelled, your place is kept.")
    else:
        text = _("All right.")
    await _last_word(update, context, text)
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    """Ask the open question again (after an answer it cannot take, such as a sticker)."""
    question = _draft(context)
    if question is None:
        return kit.END
    assignment_id = int(question["id"])
    if question.get("kind") == ASKS_DECLINE:
        return await _ask_decline_reason(update, context, assignment_id, notice=notice)
    if question.get("kind") == ASKS_NO_SHOW:
        return await _ask_no_show_reason(update, context, assignment_id, notice=notice)
    outcome = await dispatch.cancellation_check(
        context.db, context.settings, assignment_id=assignment_id,
        user_id=kit.user_id_of(update), now=context.now(),
    )
    if outcome.kind != dispatch.CANCELLABLE:
        await _last_word(update, context, texts.problem_text(outcome))
        return kit.END
    return await _ask_late_reason(update, context, outcome, notice=notice)


def build() -> kit.Flow:
    # New text messages only (the kit ignores edits): an edited earlier message is not a reason.
    reason_text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    return kit.flow(
        SPEC,
        entry_points=[
            CallbackQueryHandler(decline_offer, pattern=DECLINE.pattern),
            CallbackQueryHandler(ask_cancel, pattern=CANCEL.pattern),
            CallbackQueryHandler(cant_come, pattern=CANT_COME.pattern),
            CallbackQueryHandler(confirm_cancel, pattern=CONFIRM_CANCEL.pattern),
            # Also with no question open (the question was left, or another one came since).
            CallbackQueryHandler(decline_reason_chosen, pattern=DECLINE_REASON.pattern),
            CallbackQueryHandler(late_reason_chosen, pattern=LATE_REASON.pattern),
            CallbackQueryHandler(keep_place, pattern=KEEP_PLACE.pattern),
            CallbackQueryHandler(no_show_why, pattern=NO_SHOW_WHY.pattern),
            CallbackQueryHandler(no_show_reason_chosen, pattern=NO_SHOW_REASON.pattern),
        ],
        states={
            DECLINE_STATE: [MessageHandler(reason_text, decline_reason_typed)],
            LATE_STATE: [MessageHandler(reason_text, late_reason_typed)],
            NO_SHOW_STATE: [MessageHandler(reason_text, no_show_reason_typed)],
        },
        on_cancel=stop,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
