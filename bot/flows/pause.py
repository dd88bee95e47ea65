"""/pause: stop receiving shift offers until a date (typed in Hijri or Gregorian) or until /resume.

"Until" a day means offers start again at the beginning of that day in the office's time zone.
A pause that has run out counts as active at once (see the volunteers section of bot/db.py).
A short question: another command or flow closes it.
"""

from __future__ import annotations

from datetime import date, datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import db
from bot.context import Context
from bot.flows import kit
from bot.i18n import G_, N_, DateInputError, _, example_date, format_date, parse_date
from bot.operations import volunteers as operations
from bot.volunteers import VolunteerInputError, check_pause_day, effective_status, pause_end

SPEC = kit.FlowSpec("pause", kit.Mode.SHORT, N_("the pause date"), area="pz", commands=("pause",))
UNTIL = "pause.until"
FOREVER = kit.Route("pz", "ever")
CANCEL = kit.Route("pz", "x")


def _question(today: date) -> tuple[str, InlineKeyboardMarkup]:
    keyboard = kit.markup(
        [kit.button(_("⏸ Until I send /resume"), FOREVER.data())],
        [kit.button(_("✖ Cancel"), CANCEL.data())],
    )
    hijri, gregorian = example_date(today)
    text = _(
        "Until when should I pause your shift offers? Type the date from which you want offers "
        "again (Hijri or Gregorian, for example {hijri} or {gregorian}), or tap “Until I send "
        "/resume”.\n\nShifts you have already accepted stay booked; see them with /myshifts."
    ).format(hijri=hijri, gregorian=gregorian)
    return text, keyboard


async def ask(update: Update, context: Context, *, notice: str = "") -> str:
    text, keyboard = _question(context.now().astimezone(context.settings.timezone).date())
    if notice:
        text = f"{notice}\n\n{text}"
    message = await kit.ask(update, context, SPEC, text, keyboard)
    (kit.draft(context, SPEC) or kit.start(context, SPEC))["_msg"] = message.message_id
    return UNTIL


async def begin(update: Update, context: Context) -> object:
    """/pause: only an active (or already paused) volunteer can pause."""
    row = await db.get_volunteer(context.db, kit.user_id_of(update))
    status = None
    if row is not None:
        status = effective_status(row["status"], db.parse_ts(row["paused_until"]), context.now())
    if status in ("active", "paused"):
        kit.start(context, SPEC)
        return await ask(update, context)
    if status == "pending":
        text = _("Your registration is still waiting for the office's approval, so there is nothing to pause yet.")
    elif status == "suspended":
        text = _("Your volunteer account is suspended. Please contact the volunteer office.")
    else:
        text = _("You have not registered as a volunteer yet. Send /register to begin.")
    await kit.message_of(update).reply_text(text)
    return kit.END


async def typed(update: Update, context: Context) -> object:
    """A date from which offers start again."""
    message = kit.message_of(update)
    if not message.text:
        return await ask(update, context, notice=_("Please type a date, or tap a button below."))
    tz = context.settings.timezone
    today = context.now().astimezone(tz).date()
    try:
        day = parse_date(message.text)
        check_pause_day(day, today)
    except (DateInputError, VolunteerInputError) as exc:
        return await ask(update, context, notice=exc.message())
    return await _pause(update, context, until=pause_end(day, tz))


async def pressed(update: Update, context: Context) -> object:
    """Pause indefinitely, or cancel (from the latest question only)."""
    query = kit.query_of(update)
    draft = kit.draft(context, SPEC) or {}
    if query.message is None or query.message.message_id != draft.get("_msg"):
        await kit.stale(update)
        return await ask(update, context)
    await kit.took(update, context, SPEC)
    if CANCEL.parse(query.data) is not None:
        return await cancel(update, context)
    return await _pause(update, context, until=None)


async def _pause(update: Update, context: Context, *, until: datetime | None) -> object:
    outcome = await operations.pause(context.db, kit.user_id_of(update), until=until, now=context.now())
    if not outcome.changed:
        text = _("Your volunteer status has changed meanwhile, so nothing was paused. Send /profile to see it.")
    elif until is None:
        text = G_("⏸ Your shift offers are paused until you send /resume.")
    else:
        day = until.astimezone(context.settings.timezone).date()
        text = G_(
            "⏸ Your shift offers are paused. They start again on {date}; send /resume to come back sooner."
        ).format(date=format_date(day))
    await context.bot.send_message(kit.chat_id_of(update), text)
    return kit.END


async def cancel(update: Update, context: Context) -> object:
    """/cancel: nothing changes."""
    await context.bot.send_message(kit.chat_id_of(update), _("Cancelled. Nothing was changed."))
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    return await ask(update, context, notice=notice)


def build() -> kit.Flow:
    return kit.flow(
        SPEC,
        entry_points=[CommandHandler("pause", begin)],
        states={
            UNTIL: [
                CallbackQueryHandler(pressed, pattern=FOREVER.pattern),
                CallbackQueryHandler(pressed, pattern=CANCEL.pattern),
                MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, typed),
            ]
        },
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
