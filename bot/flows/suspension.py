"""A coordinator suspends a volunteer from their card: Suspend, then the reason (a button or
typed), which is the confirmation. The reason goes to the audit log, not to the volunteer; the
volunteer's places on shifts not ended are released to the waitlist, their offers withdrawn,
their reminders stopped, and they are told how to reach the office (bot/operations/volunteers.py).
A short question: another command or flow closes it, and its buttons are dead after it.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot import db
from bot.auth import STAFF, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import N_, _, isolate, ltr, ngettext
from bot.notices.volunteers import SUSPEND, VIEW
from bot.operations import volunteers as operations
from bot.texts.volunteers import SUSPEND_REASONS

SPEC = kit.FlowSpec(
    "suspension", kit.Mode.SHORT, N_("the reason for suspending the volunteer"), area="susp"
)
REASON = f"{SPEC.name}.reason"
REASON_BUTTON = kit.Route("susp", "r", int, str)  # volunteer, reason code
KEEP = kit.Route("susp", "x", int)  # volunteer: keep them active
REASON_MIN, REASON_MAX = 3, 300


def _not_suspendable() -> str:
    return _("This volunteer cannot be suspended in their current status.")


def _keyboard(user_id: int) -> InlineKeyboardMarkup:
    rows = [[kit.button(_(label), REASON_BUTTON.data(user_id, code))] for code, label in SUSPEND_REASONS]
    rows.append([kit.button(_("↩️ Keep them active"), KEEP.data(user_id))])
    return kit.markup(rows)


async def ask(update: Update, context: Context, *, notice: str = "") -> object:
    """The question: what suspending does to this volunteer, and why."""
    user_id = int((kit.draft(context, SPEC) or {}).get("volunteer", 0))
    row = await db.get_volunteer(context.db, user_id)
    if row is None or row["status"] not in ("active", "paused"):
        await context.bot.send_message(kit.chat_id_of(update), _not_suspendable())
        return kit.END
    places = await db.volunteer_live_places(context.db, user_id, now=context.now())
    lines = [_("Suspend {name} ({id})? They will receive no shift offers.").format(
        name=isolate(row["full_name"] or "—"), id=ltr(user_id)
    )]
    if places:
        lines.append(ngettext(
            "Their upcoming shift or offer will be released to other volunteers (the "
            "waitlist moves up) and its reminders stopped.",
            "Their {n} upcoming shifts and offers will be released to other volunteers (the "
            "waitlists move up) and their reminders stopped.",
            len(places),
        ).format(n=len(places)))
    lines.append(_(
        "They will be told how to reach the office. Reinstating them later gives nothing back "
        "automatically."
    ))
    lines.append(_(
        "Why? Tap a reason or type it. It is kept in the audit log; the volunteer is not shown it."
    ))
    text = "\n\n".join(lines)
    await kit.ask(update, context, SPEC, f"{notice}\n\n{text}" if notice else text, _keyboard(user_id))
    return REASON


@requires(STAFF)
async def begin(update: Update, context: Context) -> object:
    """Suspend pressed on a card: ask why, if the volunteer may still be suspended."""
    query = kit.query_of(update)
    user_id = SUSPEND.one(query.data)
    row = await db.get_volunteer(context.db, user_id)
    if row is None or row["status"] not in ("active", "paused"):
        await query.answer(_not_suspendable(), show_alert=True)
        return kit.END
    await query.answer()
    kit.start(context, SPEC, {"volunteer": user_id})
    return await ask(update, context)


async def _suspend(update: Update, context: Context, user_id: int, reason: str) -> object:
    outcome = await operations.suspend(
        context.db, context.settings, user_id=user_id, reason=reason,
        actor_id=kit.user_id_of(update), now=context.now(),
    )
    if not outcome.changed:
        text = _not_suspendable()
    else:
        lines = [_("⛔ Suspended. Reason: {reason}").format(reason=isolate(_(reason)))]
        if outcome.released or outcome.withdrawn:
            lines.append(ngettext(
                "{n} place released", "{n} places released", outcome.released
            ).format(n=outcome.released) + _(", ") + ngettext(
                "{n} offer withdrawn", "{n} offers withdrawn", outcome.withdrawn
            ).format(n=outcome.withdrawn) + ".")
        lines.append(_("The volunteer has been told how to reach the office."))
        text = "\n".join(lines)
    card = kit.markup([kit.button(_("👤 Open the card"), VIEW.data(user_id))])
    await context.bot.send_message(kit.chat_id_of(update), text, reply_markup=card)
    return kit.END


@requires(STAFF)
async def reason_pressed(update: Update, context: Context) -> object:
    """A reason button of the open question: suspend with it."""
    user_id, code = REASON_BUTTON.parse(kit.data_of(update)) or (0, "")
    label = next((label for c, label in SUSPEND_REASONS if c == code), None)
    if label is None or user_id != int((kit.draft(context, SPEC) or {}).get("volunteer", 0)):
        await kit.stale(update)
        return REASON
    await kit.took(update, context, SPEC)
    return await _suspend(update, context, user_id, label)


@requires(STAFF)
async def reason_typed(update: Update, context: Context) -> object:
    """A typed reason: suspend with it."""
    user_id = int((kit.draft(context, SPEC) or {}).get("volunteer", 0))
    reason = " ".join((kit.message_of(update).text or "").split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        return await ask(update, context, notice=ngettext(
            "Please write the reason in {low} to {high} character.",
            "Please write the reason in {low} to {high} characters.", REASON_MAX,
        ).format(low=REASON_MIN, high=REASON_MAX))
    return await _suspend(update, context, user_id, reason)


@requires(STAFF)
async def keep(update: Update, context: Context) -> object:
    """Keep them active."""
    await kit.took(update, context, SPEC)
    return await cancel(update, context)


async def wrong_kind(update: Update, context: Context) -> object:
    """Anything but text."""
    return await ask(update, context, notice=_("Please type the reason as text, or tap a button."))


async def cancel(update: Update, context: Context) -> object:
    """/cancel or Keep them active: nothing changes."""
    await context.bot.send_message(
        kit.chat_id_of(update), _("Nothing was changed: the volunteer is still active.")
    )
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    return await ask(update, context, notice=notice)


def build() -> kit.Flow:
    return kit.flow(
        SPEC,
        entry_points=[CallbackQueryHandler(begin, pattern=SUSPEND.pattern)],
        states={
            REASON: [
                CallbackQueryHandler(reason_pressed, pattern=REASON_BUTTON.pattern),
                CallbackQueryHandler(keep, pattern=KEEP.pattern),
                *kit.typed_answer(reason_typed, wrong_kind),
            ]
        },
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
