"""A coordinator changes how many volunteers a need takes per shift: on a waiting need's card
("Change slots and approve": approve with that number) or on an approved need (from now on)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import db
from bot.auth import STAFF, requires
from bot.context import Context
from bot.flows import focus, private_flow
from bot.handlers import need_notices
from bot.handlers.needs import record_decision, too_late_text
from bot.i18n import _, isolate, ltr, normalize_digits
from bot.needs import MAX_SLOTS, MIN_SLOTS, NeedRuleError, check_whole_number

NAME = "need_slots"
SLOTS = f"{NAME}.slots"
APPROVE, CHANGE = "approve", "change"


async def _question(context: Context, need: db.Row, mode: str) -> str:
    if mode == APPROVE:
        return _(
            "How many volunteers per shift should need {id} “{title}” have? It asked for {slots}. "
            "The need will be approved with the number you type ({low} to {high})."
        ).format(id=ltr(f"#{need['id']}"), title=isolate(need["title"]), slots=ltr(need["slots"]),
                 low=MIN_SLOTS, high=MAX_SLOTS) + "\n\n" + _("Send /cancel to stop.")
    floor = await db.most_accepted_on_future_shifts(context.db, need["id"], now=context.now())
    return _(
        "How many volunteers per shift should need {id} “{title}” have from now on? Now: {slots}. "
        "Shifts that have started keep their number. Type a number from {low} to {high}."
    ).format(id=ltr(f"#{need['id']}"), title=isolate(need["title"]), slots=ltr(need["slots"]),
             low=max(MIN_SLOTS, floor), high=MAX_SLOTS) + "\n\n" + _("Send /cancel to stop.")


@requires(STAFF)
async def begin(update: Update, context: Context) -> str | int:
    """Ask for the new number, if the need is still in the state the button assumes."""
    query = update.callback_query
    prefix, _action, raw_id = query.data.split(":")
    need_id, mode = int(raw_id), APPROVE if prefix == "apr" else CHANGE
    need = await db.get_need(context.db, need_id)
    expected = "submitted" if mode == APPROVE else "approved"
    if need is None or need["status"] != expected:
        await query.answer(await too_late_text(context, need_id), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    context.user_data[NAME] = {"need": need_id, "mode": mode}
    focus.enter(context.user_data, NAME)
    await update.effective_message.reply_text(await _question(context, need, mode))
    return SLOTS


@requires(STAFF)
async def receive_slots(update: Update, context: Context) -> str | int:
    """Check the number and apply it (approving the need, in the approve mode)."""
    draft = context.user_data.get(NAME, {})
    need_id, mode = int(draft.get("need", 0)), draft.get("mode", CHANGE)
    need = await db.get_need(context.db, need_id)
    if need is None:
        return await cancel(update, context)
    floor = MIN_SLOTS
    if mode == CHANGE:
        floor = max(MIN_SLOTS, await db.most_accepted_on_future_shifts(context.db, need_id, now=context.now()))
    try:
        slots = check_whole_number(normalize_digits(update.effective_message.text or ""), floor, MAX_SLOTS)
    except NeedRuleError:
        problem = _("Please type a whole number from {low} to {high}.").format(low=floor, high=MAX_SLOTS)
        if mode == CHANGE and floor > MIN_SLOTS:
            problem += " " + _("A shift ahead already has {n} accepted volunteers.").format(n=floor)
        await update.effective_message.reply_text(f"{problem}\n\n{await _question(context, need, mode)}")
        return SLOTS
    actor = update.effective_user.id
    if mode == APPROVE:
        won, _card = await record_decision(context, need_id, "approved", actor, slots=slots)
        text = (
            _("Need {id} was approved with {slots} volunteers per shift. The representatives were told.").format(
                id=ltr(f"#{need_id}"), slots=ltr(slots))
            if won else await too_late_text(context, need_id)
        )
    else:
        changed = await _change(context, need_id, slots, actor)
        text = (
            _("Need {id} now takes {slots} volunteers per shift for the shifts ahead.").format(
                id=ltr(f"#{need_id}"), slots=ltr(slots))
            if changed else await too_late_text(context, need_id)
        )
    text = focus.close(context.user_data, NAME, text)
    await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def _change(context: Context, need_id: int, slots: int, actor: int) -> bool:
    """New slots for an approved need's shifts ahead; audited; representatives told."""
    now = context.now()
    async with context.db.transaction() as tx:
        need = await db.get_need(tx, need_id)
        if need is None or need["status"] != "approved":
            return False
        await db.set_need_slots(tx, need_id, slots, now=now)
        await db.audit(
            tx, actor_id=actor, action="need.slots", now=now, target_type="need", target_id=need_id,
            details={"old": need["slots"], "new": slots},
        )

        def render() -> str:
            return _("The volunteer office changed your need {id} “{title}” to {slots} volunteers per shift.").format(
                id=ltr(f"#{need_id}"), title=isolate(need["title"]), slots=ltr(slots)
            )

        await need_notices.notify_reps(
            tx, need["entity_id"], dedupe=f"needslots:{need_id}:{db.ts(now)}", render=render,
            settings=context.settings, now=now,
        )
    return True


async def wrong_kind(update: Update, context: Context) -> str:
    """Anything but text."""
    await update.effective_message.reply_text(_("Please type the number in digits, or send /cancel."))
    return SLOTS


async def cancel(update: Update, context: Context) -> int:
    """Stop without changing anything."""
    text = focus.close(context.user_data, NAME, _("Cancelled. Nothing was changed."))
    await update.effective_message.reply_text(text)
    return ConversationHandler.END


def build(all_user_data: Mapping[int, Any]) -> ConversationHandler:
    # New messages only: editing an earlier message must not answer the question open now.
    mine = focus.Focused(NAME, all_user_data) & filters.UpdateType.MESSAGE
    return private_flow(
        NAME,
        entry_points=[CallbackQueryHandler(begin, pattern=r"^(apr|nd):sl:\d+$")],
        states={
            SLOTS: [
                MessageHandler(filters.TEXT & ~filters.COMMAND & mine, receive_slots),
                MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL & mine, wrong_kind),
            ]
        },
        fallbacks=[CommandHandler("cancel", cancel, filters=mine)],
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(build(app.user_data))
