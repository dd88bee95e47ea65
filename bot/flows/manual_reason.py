"""Offer a shift by hand although the volunteer fails some of its requirements: "Offer anyway" on
the check screen (bot/handlers/manual.py), then a short reason, which the audit log keeps with the
requirements waived. A short question: another command or flow closes it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.auth import REPS_AND_STAFF, refuse, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import N_, _
from bot.notices.manual import WAIVE, check_screen
from bot.operations import manual
from bot.texts import manual as texts

SPEC = kit.FlowSpec("manual_reason", kit.Mode.SHORT, N_("the reason for offering the shift"),
                    area="mw")
REASON = f"{SPEC.name}.reason"


async def ask(update: Update, context: Context, *, notice: str = "") -> object:
    """Ask for the reason (again), unless the offer can no longer be made this way."""
    draft = kit.draft(context, SPEC) or {}
    found = await manual.check(
        context.db, context.settings, shift_id=int(draft.get("shift", 0)),
        volunteer_id=int(draft.get("volunteer", 0)), actor_id=kit.user_id_of(update),
        now=context.now(),
    )
    if found.kind != manual.NEEDS_REASON:
        await context.bot.send_message(kit.chat_id_of(update), texts.refusal_text(found))
        return kit.END
    text = texts.reason_question(found)
    await kit.ask(update, context, SPEC, f"{notice}\n\n{text}" if notice else text)
    return REASON


@requires(REPS_AND_STAFF)
async def begin(update: Update, context: Context) -> object:
    """Offer anyway pressed: ask why, if the volunteer still fails only what may be waived."""
    query = kit.query_of(update)
    shift_id, volunteer_id = WAIVE.parse(query.data) or (0, 0)
    found = await manual.check(
        context.db, context.settings, shift_id=shift_id, volunteer_id=volunteer_id,
        actor_id=kit.user_id_of(update), now=context.now(),
    )
    if found.kind != manual.NEEDS_REASON:
        await refuse(update, texts.refusal_text(found))
        return kit.END
    await query.answer()
    kit.start(context, SPEC, {
        "shift": shift_id, "volunteer": volunteer_id, "waive": list(found.failures),
    })
    return await ask(update, context)


@requires(REPS_AND_STAFF)
async def receive_reason(update: Update, context: Context) -> object:
    """Offer with this reason, waiving the requirements shown when Offer anyway was pressed."""
    draft = kit.draft(context, SPEC) or {}
    reason = " ".join((kit.message_of(update).text or "").split())
    problem = texts.reason_problem(reason)
    if problem:
        return await ask(update, context, notice=problem)
    found = await manual.offer(
        context.db, context.settings, shift_id=int(draft.get("shift", 0)),
        volunteer_id=int(draft.get("volunteer", 0)), actor_id=kit.user_id_of(update),
        now=context.now(), waive=[str(code) for code in draft.get("waive", [])], reason=reason,
    )
    message = kit.message_of(update)
    if found.kind == manual.OFFERED:
        await message.reply_text(texts.offered_text(found, context.settings.timezone))
    elif found.kind == manual.NEEDS_REASON and found.shift is not None:
        # Something else fails now: show it; pressing Offer anyway again asks again.
        text, keyboard = await check_screen(context.db, context.settings, found, None)
        await message.reply_text(f"{texts.refusal_text(found)}\n\n{text}", reply_markup=keyboard)
    else:
        await message.reply_text(texts.refusal_text(found))
    return kit.END


async def wrong_kind(update: Update, context: Context) -> object:
    """Anything but text."""
    await kit.message_of(update).reply_text(
        _("Please type the reason as text, or send /cancel to offer nothing.")
    )
    return REASON


async def cancel(update: Update, context: Context) -> object:
    await context.bot.send_message(kit.chat_id_of(update), _("Cancelled. No offer was sent."))
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    return await ask(update, context, notice=notice)


def build() -> kit.Flow:
    return kit.flow(
        SPEC,
        entry_points=[CallbackQueryHandler(begin, pattern=WAIVE.pattern)],
        states={
            REASON: kit.typed_answer(receive_reason, wrong_kind)
        },
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
