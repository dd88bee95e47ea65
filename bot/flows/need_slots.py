"""A coordinator changes how many volunteers a need takes per shift: on a waiting need's card
("Change slots and approve": approve with that number) or on an approved need (from now on).
A short question: another command or flow closes it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot import db
from bot.auth import STAFF, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import N_, _, isolate, ltr, ngettext, normalize_digits
from bot.needs import MAX_SLOTS, MIN_SLOTS, NeedRuleError, check_whole_number, min_slots_allowed
from bot.notices.needs import CHANGE_SLOTS, SLOTS_AND_APPROVE
from bot.operations import needs as operations
from bot.texts.needs import too_late_text

SPEC = kit.FlowSpec(
    "need_slots", kit.Mode.SHORT, N_("the number of volunteers per shift"), area="nsl"
)
SLOTS = f"{SPEC.name}.slots"
APPROVE, CHANGE = "approve", "change"


async def _floor(context: Context, need_id: int, mode: str) -> int:
    """The fewest volunteers per shift allowed: a shift ahead keeps those it accepted."""
    if mode == APPROVE:
        return MIN_SLOTS
    return min_slots_allowed([await db.most_accepted_on_future_shifts(context.db, need_id, now=context.now())])


def _question(need: db.Row, mode: str, floor: int) -> str:
    if mode == APPROVE:
        text = _(
            "How many volunteers per shift should need {id} “{title}” have? It asked for {slots}. "
            "The need will be approved with the number you type ({low} to {high})."
        )
    else:
        text = _(
            "How many volunteers per shift should need {id} “{title}” have from now on? Now: {slots}. "
            "Shifts that have started keep their number. Type a number from {low} to {high}."
        )
    return text.format(
        id=ltr(f"#{need['id']}"), title=isolate(need["title"]), slots=ltr(need["slots"]),
        low=floor, high=MAX_SLOTS,
    ) + "\n\n" + _("Send /cancel to stop.")


async def ask(update: Update, context: Context, *, notice: str = "") -> object:
    """Ask for the number (again), unless the need is gone."""
    draft = kit.draft(context, SPEC) or {}
    mode = draft.get("mode", CHANGE)
    need = await db.get_need(context.db, int(draft.get("need", 0)))
    if need is None:
        await context.bot.send_message(kit.chat_id_of(update), _("This need no longer exists."))
        return kit.END
    text = _question(need, mode, await _floor(context, need["id"], mode))
    await kit.ask(update, context, SPEC, f"{notice}\n\n{text}" if notice else text)
    return SLOTS


async def _begin(update: Update, context: Context, need_id: int, mode: str) -> object:
    """Ask for the new number, if the need is still in the state the button assumes."""
    query = kit.query_of(update)
    need, actor = await operations.need_and_decider(context.db, need_id)
    expected = "submitted" if mode == APPROVE else "approved"
    if need is None or need["status"] != expected:
        await query.answer(too_late_text(need, actor), show_alert=True)
        return kit.END
    await query.answer()
    kit.start(context, SPEC, {"need": need_id, "mode": mode})
    return await ask(update, context)


@requires(STAFF)
async def begin_approve(update: Update, context: Context) -> object:
    """"Change slots and approve" on a waiting need."""
    return await _begin(update, context, SLOTS_AND_APPROVE.one(kit.data_of(update)), APPROVE)


@requires(STAFF)
async def begin_change(update: Update, context: Context) -> object:
    """"Change slots" on an approved need."""
    return await _begin(update, context, CHANGE_SLOTS.one(kit.data_of(update)), CHANGE)


def _problem(floor: int, mode: str) -> str:
    problem = _("Please type a whole number from {low} to {high}.").format(low=floor, high=MAX_SLOTS)
    if mode == CHANGE and floor > MIN_SLOTS:
        problem += " " + ngettext(
            "A shift ahead already has {n} accepted volunteer.",
            "A shift ahead already has {n} accepted volunteers.", floor,
        ).format(n=floor)
    return problem


@requires(STAFF)
async def receive_slots(update: Update, context: Context) -> object:
    """Check the number and apply it (approving the need, in the approve mode)."""
    draft = kit.draft(context, SPEC) or {}
    need_id, mode = int(draft.get("need", 0)), draft.get("mode", CHANGE)
    floor = await _floor(context, need_id, mode)
    try:
        slots = check_whole_number(normalize_digits(kit.message_of(update).text or ""), floor, MAX_SLOTS)
    except NeedRuleError:
        return await ask(update, context, notice=_problem(floor, mode))
    actor, now = kit.user_id_of(update), context.now()
    if mode == APPROVE:
        decision = await operations.approve(
            context.db, context.settings, need_id=need_id, actor_id=actor, now=now, slots=slots
        )
        text = (
            _("Need {id} was approved; volunteers per shift: {slots}. The representatives were told.").format(
                id=ltr(f"#{need_id}"), slots=ltr(slots))
            if decision.won else too_late_text(decision.need, decision.actor)
        )
    else:
        change = await operations.change_slots(
            context.db, context.settings, need_id=need_id, actor_id=actor, slots=slots, now=now
        )
        if change.kind == operations.BELOW:  # a volunteer accepted a shift ahead meanwhile
            return await ask(update, context, notice=_problem(change.floor, mode))
        text = (
            _("Need {id} was changed; volunteers per shift from now on: {slots}.").format(
                id=ltr(f"#{need_id}"), slots=ltr(slots))
            if change.kind == operations.CHANGED else too_late_text(change.need, change.actor)
        )
    await kit.message_of(update).reply_text(text)
    return kit.END


async def wrong_kind(update: Update, context: Context) -> object:
    """Anything but text."""
    await kit.message_of(update).reply_text(_("Please type the number in digits, or send /cancel."))
    return SLOTS


async def cancel(update: Update, context: Context) -> object:
    """Stop without changing anything."""
    await context.bot.send_message(kit.chat_id_of(update), _("Cancelled. Nothing was changed."))
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    return await ask(update, context, notice=notice)


def build() -> kit.Flow:
    return kit.flow(
        SPEC,
        entry_points=[
            CallbackQueryHandler(begin_approve, pattern=SLOTS_AND_APPROVE.pattern),
            CallbackQueryHandler(begin_change, pattern=CHANGE_SLOTS.pattern),
        ],
        states={
            SLOTS: kit.typed_answer(receive_slots, wrong_kind)
        },
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
