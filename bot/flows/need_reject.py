"""A coordinator rejects a submitted need: Reject on the approval card, then the reason, which
the entity's representatives receive. The first coordinator to act on a need wins.
A short question: another command or flow closes it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.auth import STAFF, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import N_, _, isolate, ltr, ngettext
from bot.needs import REASON_MAX, REASON_MIN
from bot.notices.needs import REJECT
from bot.operations import needs as operations
from bot.texts.needs import too_late_text

SPEC = kit.FlowSpec(
    "need_reject", kit.Mode.SHORT, N_("the reason for not approving the need"), area="nrj"
)
REASON = f"{SPEC.name}.reason"


async def ask(update: Update, context: Context, *, notice: str = "") -> object:
    """Ask for the reason (again), unless the need is gone."""
    draft = kit.draft(context, SPEC) or {}
    need, _actor = await operations.need_and_decider(context.db, int(draft.get("need", 0)))
    if need is None:
        await context.bot.send_message(kit.chat_id_of(update), _("This need no longer exists."))
        return kit.END
    text = _(
        "Why is need {id} “{title}” not approved? Type the reason: the entity's representatives "
        "will receive it as you write it. Send /cancel to leave the need waiting."
    ).format(id=ltr(f"#{need['id']}"), title=isolate(need["title"]))
    await kit.ask(update, context, SPEC, f"{notice}\n\n{text}" if notice else text)
    return REASON


@requires(STAFF)
async def begin(update: Update, context: Context) -> object:
    """Reject pressed: ask for the reason, unless someone already decided."""
    query = kit.query_of(update)
    need_id = REJECT.one(query.data)
    need, actor = await operations.need_and_decider(context.db, need_id)
    if need is None or need["status"] != "submitted":
        await query.answer(too_late_text(need, actor), show_alert=True)
        return kit.END
    await query.answer()
    kit.start(context, SPEC, {"need": need_id})
    return await ask(update, context)


@requires(STAFF)
async def receive_reason(update: Update, context: Context) -> object:
    """Reject with this reason if the need is still waiting; otherwise say who acted first."""
    need_id = int((kit.draft(context, SPEC) or {}).get("need", 0))
    reason = (kit.message_of(update).text or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        return await ask(update, context, notice=ngettext(
            "Please write the reason in {low} to {high} character.",
            "Please write the reason in {low} to {high} characters.", REASON_MAX,
        ).format(low=REASON_MIN, high=REASON_MAX))
    decision = await operations.reject(
        context.db, context.settings, need_id=need_id, actor_id=kit.user_id_of(update),
        reason=reason, now=context.now(),
    )
    if decision.won:
        text = _("Need {id} was not approved. The representatives were told the reason.").format(
            id=ltr(f"#{need_id}")
        )
    else:
        text = too_late_text(decision.need, decision.actor)
    await kit.message_of(update).reply_text(text)
    return kit.END


async def wrong_kind(update: Update, context: Context) -> object:
    """Anything but text."""
    await kit.message_of(update).reply_text(
        _("Please type the reason as text, or send /cancel to leave the need waiting.")
    )
    return REASON


async def cancel(update: Update, context: Context) -> object:
    """Leave the need waiting."""
    await context.bot.send_message(
        kit.chat_id_of(update), _("Nothing was changed: the need is still waiting for approval.")
    )
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    return await ask(update, context, notice=notice)


def build() -> kit.Flow:
    return kit.flow(
        SPEC,
        entry_points=[CallbackQueryHandler(begin, pattern=REJECT.pattern)],
        states={
            REASON: kit.typed_answer(receive_reason, wrong_kind)
        },
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
