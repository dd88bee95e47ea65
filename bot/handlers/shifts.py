"""Volunteers and their shifts: offers (accept, decline), /shifts (sign up), /myshifts (cancel)
and reminders (confirm, can't make it).

Every button re-checks, in the dispatch operation, that the assignment is the presser's own and
still in the state the button assumes; a stale or foreign button gets a clear answer and changes
nothing. The typed reasons (decline, late cancellation) are in flows/shift_reasons.py.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot import db, dispatch
from bot import dispatch_texts as texts
from bot.auth import VOLUNTEER
from bot.context import Context
from bot.dispatch import Outcome
from bot.i18n import _, ltr, ngettext

log = logging.getLogger(__name__)

PAGE = 5
# Conversation states of flows/shift_reasons.py (the typed reasons).
DECLINE_REASON = "shift_reasons.decline"
LATE_REASON = "shift_reasons.late"
END = ConversationHandler.END


def _ids(data: str) -> list[str]:
    return data.split(":")[2:]


def problem_text(outcome: Outcome) -> str:
    """Why a button did nothing, in words."""
    kind = outcome.kind
    if kind == dispatch.NOT_YOURS:
        return _("This button is not meant for you.")
    if kind == dispatch.ALREADY:
        return _("You have already taken this place. See /myshifts.")
    if kind == dispatch.WAITLISTED:
        return _("You are number {position} on the waitlist for this shift.").format(
            position=ltr(outcome.position)
        )
    if kind == dispatch.GONE:
        return _("This shift was cancelled or closed by the organisers.")
    if kind == dispatch.STARTED:
        return _("This shift has already started.")
    if kind == dispatch.EXPIRED:
        return _("This offer has expired.")
    if kind == dispatch.INELIGIBLE:
        return texts.ineligible_text(outcome.reason)
    if kind == dispatch.ANSWERED and outcome.assignment is not None:
        status = outcome.assignment["status"]
        if status == "declined":
            return _("You declined this offer earlier.")
        if status == "expired":
            return _("This offer has expired.")
        if status == "cancelled":
            return _("You cancelled this place earlier.")
    return _("This button is no longer active.")


async def _append_note(
    update: Update, note: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Close the pressed message: its text, then the note, and no buttons (or new ones)."""
    query = update.callback_query
    message = query.message
    original = message.text if isinstance(message, Message) and message.text else ""
    try:
        await query.edit_message_text(
            f"{original}\n\n{note}" if original else note, reply_markup=keyboard
        )
    except TelegramError:
        log.info("could not edit message of callback %s", query.data, exc_info=True)


async def _say(update: Update, context: Context, text: str, **kwargs: object) -> None:
    await context.bot.send_message(update.effective_chat.id, text, **kwargs)  # type: ignore[arg-type]


def _remember_question(context: Context, kind: str, assignment_id: int) -> None:
    context.user_data["shift_reason"] = {
        "kind": kind,
        "id": assignment_id,
        "asked_at": db.ts(context.now()),
    }


# -- offers --------------------------------------------------------------------------------------


async def accept_offer(update: Update, context: Context) -> None:
    """Accept an offer or a waitlist place: accepted, or waitlisted if it has just filled."""
    query = update.callback_query
    outcome = await dispatch.accept(
        context.db, context.settings, assignment_id=int(_ids(query.data)[0]),
        user_id=query.from_user.id, now=context.now(),
    )
    if outcome.kind == dispatch.ACCEPTED:
        await query.answer(_("Accepted. Thank you!"))
        await _append_note(update, texts.accepted_note())
    elif outcome.kind == dispatch.WAITLISTED and outcome.assignment["status"] == "offered":
        await query.answer()
        await _append_note(update, texts.waitlisted_note(outcome.position))
    else:
        await query.answer(problem_text(outcome), show_alert=True)


async def decline_offer(update: Update, context: Context) -> object:
    """Decline an offer, then ask (optionally) why."""
    query = update.callback_query
    assignment_id = int(_ids(query.data)[0])
    outcome = await dispatch.decline(
        context.db, context.settings, assignment_id=assignment_id,
        user_id=query.from_user.id, now=context.now(),
    )
    if outcome.kind != dispatch.DECLINED:
        await query.answer(problem_text(outcome), show_alert=True)
        return END
    await query.answer(_("Declined."))
    await _append_note(update, _("❌ You declined this offer."))
    await _say(
        update,
        context,
        _("Thank you for letting us know. Would you tell us why? It helps us send better "
          "offers. Tap a reason, type it, or tap Skip."),
        reply_markup=texts.decline_reason_keyboard(assignment_id),
    )
    _remember_question(context, "decline", assignment_id)
    return DECLINE_REASON


async def decline_reason_chosen(update: Update, context: Context) -> object:
    """A reason button (or Skip) under the decline question."""
    query = update.callback_query
    assignment_id, code = _ids(query.data)
    label = texts.reason_label(texts.DECLINE_REASONS, code)
    if code != "skip":
        outcome = (
            await dispatch.save_decline_reason(
                context.db, assignment_id=int(assignment_id), user_id=query.from_user.id,
                reason=label,
            )
            if label is not None
            else Outcome(dispatch.UNKNOWN)
        )
        if outcome.kind != dispatch.DECLINED:
            await query.answer(problem_text(outcome), show_alert=True)
            return END
    context.user_data.pop("shift_reason", None)
    await query.answer()
    await _append_note(update, _("Thank you, noted.") if label else _("All right."))
    return END


# -- cancelling a place (from /myshifts or a reminder) -------------------------------------------


async def _ask_late_reason(update: Update, context: Context, outcome: Outcome) -> object:
    assignment = outcome.assignment
    starts = db.parse_ts(assignment["starts_at"])
    await _say(
        update,
        context,
        _("This shift starts in {duration}, so cancelling now is a late cancellation and the "
          "organisers will be told. If you really cannot come, tell us why: tap a reason or "
          "type it.").format(duration=texts.duration_text(starts - context.now()))
        + "\n\n"
        + texts.shift_details(assignment, context.settings.timezone),
        reply_markup=texts.late_reason_keyboard(assignment["id"]),
    )
    _remember_question(context, "late", assignment["id"])
    return LATE_REASON


async def ask_cancel(update: Update, context: Context) -> object:
    """Cancel (from /myshifts) or Can't make it (from a reminder): confirm, or ask why if late."""
    query = update.callback_query
    outcome = await dispatch.cancellation_check(
        context.db, context.settings, assignment_id=int(_ids(query.data)[0]),
        user_id=query.from_user.id, now=context.now(),
    )
    if outcome.kind != dispatch.CANCELLABLE:
        await query.answer(problem_text(outcome), show_alert=True)
        return END
    await query.answer()
    if outcome.late:
        return await _ask_late_reason(update, context, outcome)
    assignment = outcome.assignment
    question = (
        _("Leave the waitlist for this shift?")
        if assignment["status"] == "waitlisted"
        else _("Cancel your place on this shift?")
    )
    await _say(
        update,
        context,
        f"{question}\n\n{texts.shift_details(assignment, context.settings.timezone)}",
        reply_markup=texts.cancel_confirm_keyboard(assignment["id"]),
    )
    return END


async def _finish_cancel(update: Update, context: Context, reason: str | None) -> object:
    data = context.user_data.get("shift_reason") or {}
    query = update.callback_query
    assignment_id = int(_ids(query.data)[0]) if query else int(data.get("id", 0))
    outcome = await dispatch.cancel(
        context.db, context.settings, assignment_id=assignment_id,
        user_id=update.effective_user.id, now=context.now(), reason=reason,
    )
    if outcome.kind == dispatch.NEEDS_REASON:  # it became late while they thought about it
        if query:
            await query.answer()
        return await _ask_late_reason(update, context, outcome)
    context.user_data.pop("shift_reason", None)
    if outcome.kind != dispatch.CANCELLED:
        if query:
            await query.answer(problem_text(outcome), show_alert=True)
        else:
            await update.effective_message.reply_text(problem_text(outcome))
        return END
    if outcome.assignment["status"] == "waitlisted":
        done = _("You have left the waitlist for this shift.")
    elif outcome.late:
        done = _("Your place is cancelled. Thank you for telling us; the organisers have been "
                 "informed.")
    else:
        done = _("Your place is cancelled. Thank you for telling us in good time.")
    if query:
        await query.answer()
        await _append_note(update, done)
    else:
        await update.effective_message.reply_text(done)
    return END


async def confirm_cancel(update: Update, context: Context) -> object:
    """Yes, cancel (an early cancellation, or leaving the waitlist)."""
    return await _finish_cancel(update, context, None)


async def late_reason_chosen(update: Update, context: Context) -> object:
    """A reason button under the late-cancellation question: cancel with that reason."""
    code = _ids(update.callback_query.data)[1]
    label = texts.reason_label(texts.LATE_REASONS, code)
    if label is None:
        await update.callback_query.answer(_("This button is no longer active."), show_alert=True)
        return END
    return await _finish_cancel(update, context, label)


async def keep_place(update: Update, context: Context) -> object:
    """Keep my place: nothing changes."""
    query = update.callback_query
    assignment = await db.get_assignment(context.db, int(_ids(query.data)[0]))
    if assignment is None or assignment["volunteer_id"] != query.from_user.id:
        await query.answer(_("This button is not meant for you."), show_alert=True)
        return END
    context.user_data.pop("shift_reason", None)
    await query.answer()
    await _append_note(update, _("Good, your place is kept. Thank you!"))
    return END


# -- reminders -----------------------------------------------------------------------------------


async def confirm_attendance(update: Update, context: Context) -> None:
    """I'm coming (from a reminder)."""
    query = update.callback_query
    assignment_id = int(_ids(query.data)[0])
    outcome = await dispatch.confirm(
        context.db, assignment_id=assignment_id, user_id=query.from_user.id, now=context.now()
    )
    if outcome.kind == dispatch.CONFIRMED:
        await query.answer(_("Thank you!"))
        await _append_note(
            update,
            _("👍 You confirmed that you are coming. See you there!"),
            texts.reminder_keyboard(assignment_id, confirmed=True),
        )
    elif outcome.kind == dispatch.ALREADY:
        await query.answer(_("You have already confirmed. Thank you!"))
    else:
        await query.answer(problem_text(outcome), show_alert=True)


# -- /shifts and /myshifts -----------------------------------------------------------------------


async def volunteer_refusal(context: Context, user_id: int, *, for_signup: bool) -> str | None:
    """Why this person cannot use the volunteers' shift commands, or None."""
    user = await db.get_user(context.db, user_id)
    if user is None or user["role"] != VOLUNTEER:
        return _("Sorry, this is only for volunteers.")
    volunteer = await db.volunteer_for_matching(context.db, user_id)
    if volunteer is None or volunteer[0]["status"] == "deleted":
        return _("You are not registered as a volunteer yet. Send /register to start.")
    status = volunteer[0]["status"]
    if status == "pending":
        return _("Your registration is waiting for the office's approval. I will tell you when "
                 "it is approved.")
    if status == "suspended":
        return _("Your volunteer account is suspended. Please contact the office.")
    paused_until = db.parse_ts(volunteer[0]["paused_until"])
    if for_signup and status == "paused" and (paused_until is None or paused_until > context.now()):
        return _("Your offers are paused. Send /resume to take shifts again.")
    return None


async def _shifts_page(context: Context, user_id: int, offset: int) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = await dispatch.open_shifts_for(
        context.db, context.settings, user_id=user_id, now=context.now()
    )
    if not rows:
        return _("There are no open shifts for you right now. I will send you offers as "
                 "they come."), None
    offset = min(max(0, offset), (len(rows) - 1) // PAGE * PAGE)
    page = rows[offset : offset + PAGE]
    tz = context.settings.timezone
    lines = [
        _("Open shifts you can sign up for ({first}–{last} of {total}):").format(
            first=ltr(offset + 1), last=ltr(offset + len(page)), total=ltr(len(rows))
        ),
        "",
    ]
    buttons = []
    for number, row in enumerate(page, start=offset + 1):
        free = row["slots"] - row["accepted"] - row["holds"]
        lines.append(f"{ltr(number)}. {texts.shift_line(row, tz)}")
        lines.append("   " + ngettext("{n} place left", "{n} places left", free).format(n=free))
        buttons.append(
            [InlineKeyboardButton(_("✍️ Sign up for #{number}").format(number=number),
                                  callback_data=f"shf:sig:{row['shift_id']}")]
        )
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(_("◀ Previous"), callback_data=f"shf:p:{offset - PAGE}"))
    if offset + PAGE < len(rows):
        nav.append(InlineKeyboardButton(_("Next ▶"), callback_data=f"shf:p:{offset + PAGE}"))
    if nav:
        buttons.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def shifts_command(update: Update, context: Context) -> None:
    """Upcoming open shifts the volunteer is eligible for, a page at a time, with Sign up."""
    user_id = update.effective_user.id
    query = update.callback_query
    refusal = await volunteer_refusal(context, user_id, for_signup=True)
    if refusal:
        if query:
            await query.answer(refusal, show_alert=True)
        else:
            await update.effective_message.reply_text(refusal)
        return
    offset = int(_ids(query.data)[0]) if query else 0
    text, keyboard = await _shifts_page(context, user_id, offset)
    if query:
        await query.answer()
        try:
            await query.edit_message_text(text, reply_markup=keyboard)
        except TelegramError:
            log.info("could not edit the /shifts page", exc_info=True)
    else:
        await update.effective_message.reply_text(text, reply_markup=keyboard)


async def sign_up(update: Update, context: Context) -> None:
    """Sign up for a shift from /shifts: the same atomic path as accepting an offer."""
    query = update.callback_query
    refusal = await volunteer_refusal(context, query.from_user.id, for_signup=True)
    if refusal:
        await query.answer(refusal, show_alert=True)
        return
    outcome = await dispatch.sign_up(
        context.db, context.settings, shift_id=int(_ids(query.data)[0]),
        user_id=query.from_user.id, now=context.now(),
    )
    details = (
        texts.shift_details(outcome.assignment, context.settings.timezone)
        if outcome.assignment is not None
        else ""
    )
    if outcome.kind == dispatch.ACCEPTED:
        await query.answer(_("Signed up. Thank you!"))
        await _say(update, context, _("✅ You signed up for this shift. I will remind you before "
                                      "it starts.") + f"\n\n{details}")
    elif outcome.kind == dispatch.WAITLISTED and outcome.assignment["status"] != "waitlisted":
        await query.answer()
        await _say(update, context, texts.waitlisted_note(outcome.position) + f"\n\n{details}")
    else:
        await query.answer(problem_text(outcome), show_alert=True)


def _checkin_button(row: db.Row, number: int) -> InlineKeyboardButton:
    """Check in (flows/checkin.py), offered from CHECKIN_LEAD before the start to the end."""
    return InlineKeyboardButton(
        _("📍 Check in #{number}").format(number=number), callback_data=f"att:in:{row['id']}"
    )


async def myshifts_command(update: Update, context: Context) -> None:
    """The volunteer's accepted and waitlisted shifts, each with Cancel."""
    user_id = update.effective_user.id
    refusal = await volunteer_refusal(context, user_id, for_signup=False)
    if refusal:
        await update.effective_message.reply_text(refusal)
        return
    rows = await db.volunteer_assignments(context.db, user_id, now=context.now())
    if not rows:
        await update.effective_message.reply_text(
            _("You have no upcoming shifts. Send /shifts to see open ones.")
        )
        return
    tz = context.settings.timezone
    lines = [_("Your shifts:"), ""]
    buttons = []
    for number, row in enumerate(rows, start=1):
        lines.append(f"{ltr(number)}. {texts.shift_line(row, tz)}")
        if row["status"] == "waitlisted":
            position = await db.waitlist_position(context.db, row["id"])
            lines.append("   " + _("⏳ On the waitlist: number {position}").format(
                position=ltr(position)))
            label = _("Leave the waitlist #{number}")
        elif row["status"] == "checked_in":
            lines.append("   " + _("📍 Checked in"))
            continue
        elif db.parse_ts(row["starts_at"]) <= context.now():
            lines.append("   " + _("🟢 In progress"))
            buttons.append([_checkin_button(row, number)])
            continue
        else:
            lines.append("   " + (_("✅ Confirmed") if row["confirmed_at"] else _("✅ Accepted")))
            label = _("✖️ Cancel #{number}")
            if db.parse_ts(row["starts_at"]) - context.settings.checkin_lead <= context.now():
                buttons.append([_checkin_button(row, number)])
        buttons.append(
            [InlineKeyboardButton(label.format(number=number), callback_data=f"my:can:{row['id']}")]
        )
    await update.effective_message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons) if buttons else None
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """One-step handlers. The buttons that may ask for a typed reason are entry points of
    flows/shift_reasons.py; the ones below also work when no conversation is running."""
    app.add_handler(CommandHandler("shifts", shifts_command))
    app.add_handler(CallbackQueryHandler(shifts_command, pattern=r"^shf:p:-?\d+$"))
    app.add_handler(CallbackQueryHandler(sign_up, pattern=r"^shf:sig:\d+$"))
    app.add_handler(CommandHandler("myshifts", myshifts_command))
    app.add_handler(CallbackQueryHandler(accept_offer, pattern=r"^off:acc:\d+$"))
    app.add_handler(CallbackQueryHandler(decline_reason_chosen, pattern=r"^off:rsn:\d+:\w+$"))
    app.add_handler(CallbackQueryHandler(late_reason_chosen, pattern=r"^my:lr:\d+:\w+$"))
    app.add_handler(CallbackQueryHandler(keep_place, pattern=r"^my:keep:\d+$"))
    app.add_handler(CallbackQueryHandler(confirm_attendance, pattern=r"^rem:ok:\d+$"))
