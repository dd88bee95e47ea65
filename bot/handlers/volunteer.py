"""Volunteers' one-step commands: /profile, /resume, /delete_me, and the /start greeting.

/pause asks for a date, so it is a flow (bot/flows/pause.py); editing a profile field reuses the
registration questions (bot/flows/profile_edit.py).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import db
from bot.catalog import SPECIALTIES, label
from bot.context import Context
from bot.flows.volunteer_steps import FLOW_DRAFTS, edit_buttons, join_list, profile_lines
from bot.i18n import _, format_date, isolate, ngettext
from bot.volunteers import ServiceRecord, effective_status, order_specialties

PRIVATE = filters.ChatType.PRIVATE
DELETE_MESSAGE = "delete_msg"  # user_data: the confirmation message a "Yes, delete" must come from


def status_text(row: db.Row, now: datetime, tz: ZoneInfo) -> str:
    """The volunteer's status in words (a pause that has run out reads as active)."""
    status = effective_status(row["status"], db.parse_ts(row["paused_until"]), now)
    if status == "paused":
        until = db.parse_ts(row["paused_until"])
        if until is None:
            return _("⏸ Paused until you send /resume")
        return _("⏸ Paused: offers resume on {date}").format(
            date=format_date(until.astimezone(tz).date())
        )
    return {
        "pending": _("⏳ Waiting for the office's approval"),
        "active": _("✅ Active"),
        "suspended": _("⛔ Suspended by the office"),
        "deleted": _("Deleted"),
    }[status]


def service_text(record: ServiceRecord) -> str:
    hours = f"{record.hours:g}"
    text = ngettext(
        "{count} shift completed ({hours} hours)",
        "{count} shifts completed ({hours} hours)",
        record.completed,
    ).format(count=record.completed, hours=hours)
    extras = []
    if record.upcoming:
        extras.append(
            ngettext("{count} upcoming", "{count} upcoming", record.upcoming).format(count=record.upcoming)
        )
    if record.no_shows:
        extras.append(
            ngettext("{count} no-show", "{count} no-shows", record.no_shows).format(count=record.no_shows)
        )
    if record.late_cancels:
        extras.append(
            ngettext(
                "{count} late cancellation", "{count} late cancellations", record.late_cancels
            ).format(count=record.late_cancels)
        )
    return join_list([text, *extras])


async def profile_message(context: Context, user_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """The volunteer's own profile with an Edit button per field."""
    found = await db.get_volunteer_profile(context.db, user_id)
    if found is None:
        return _("You have not registered as a volunteer yet. Send /register to begin."), None
    row, profile = found
    now = context.now()
    qualifications = await db.volunteer_qualifications(context.db, user_id)
    record = (await db.service_records(context.db, [user_id], now=now))[user_id]
    lines = [
        _("Your volunteer profile"),
        _("Status: {status}").format(status=status_text(row, now, context.settings.timezone)),
        "",
        *profile_lines(profile.to_draft()),
    ]
    if qualifications:
        names = join_list([label(SPECIALTIES, c) for c in order_specialties(qualifications)])
        lines.append(_("Trained for: {fields}").format(fields=names))
    lines += ["", _("Service: {record}").format(record=service_text(record))]
    lines += ["", _("Tap a button to change a detail. /pause, /resume and /delete_me are always available.")]
    return "\n".join(lines), InlineKeyboardMarkup(edit_buttons("prof:e"))


async def profile_command(update: Update, context: Context) -> None:
    """/profile: the stored profile with Edit buttons."""
    text, keyboard = await profile_message(context, update.effective_user.id)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


def registered_greeting(row: db.Row, name: str, now: datetime, tz: ZoneInfo) -> str | None:
    """The /start text for someone with a volunteer record (None when deleted: invite again)."""
    status = effective_status(row["status"], db.parse_ts(row["paused_until"]), now)
    name = isolate(name)
    if status == "deleted":
        return None
    if status == "pending":
        return _(
            "Welcome back, {name}. Your volunteer registration is waiting for the office's "
            "approval; I will tell you as soon as it is approved. You can check your details "
            "with /profile."
        ).format(name=name)
    if status == "suspended":
        return _(
            "Welcome back, {name}. Your volunteer account is suspended, so you will not receive "
            "shift offers. Please contact the volunteer office if you have questions."
        ).format(name=name)
    text = _(
        "Welcome back, {name}. You are registered as a volunteer.\n\n"
        "See open shifts with /shifts and your own shifts with /myshifts, and keep your "
        "details up to date with /profile."
    ).format(name=name)
    if status == "paused":
        text += "\n\n" + status_text(row, now, tz) + "\n" + _("Send /resume to receive offers again.")
    return text


# -- /resume -----------------------------------------------------------------------------------------


async def resume_command(update: Update, context: Context) -> None:
    """/resume: end a pause and receive offers again."""
    user_id = update.effective_user.id
    now = context.now()
    async with context.db.transaction() as tx:
        await db.expire_pauses(tx, now, user_id=user_id)
        row = await db.get_volunteer(tx, user_id)
        resumed = await db.set_volunteer_status(tx, user_id, "active", expected=("paused",), now=now)
    if resumed:
        text = _("▶ Welcome back! You will receive shift offers again.")
    elif row is None or row["status"] == "deleted":
        text = _("You have not registered as a volunteer yet. Send /register to begin.")
    elif row["status"] == "pending":
        text = _("Your registration is still waiting for the office's approval.")
    elif row["status"] == "suspended":
        text = _("Your volunteer account is suspended. Please contact the volunteer office.")
    else:
        text = _("Your offers are not paused: you are active and will receive shift offers.")
    await update.effective_message.reply_text(text)


# -- /delete_me ----------------------------------------------------------------------------------------


async def delete_command(update: Update, context: Context) -> None:
    """/delete_me: explain what will be erased and ask for an explicit confirmation."""
    row = await db.get_volunteer(context.db, update.effective_user.id)
    if row is None or row["status"] == "deleted":
        for key in FLOW_DRAFTS:
            context.user_data.pop(key, None)  # type: ignore[union-attr]
        await update.effective_message.reply_text(
            _(
                "You have no volunteer profile, so there is nothing to delete. Apart from your "
                "Telegram id and chosen language, nothing about you is stored."
            )
        )
        return
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("🗑 Yes, erase my data"), callback_data="del:yes")],
            [InlineKeyboardButton(_("Keep my data"), callback_data="del:no")],
        ]
    )
    message = await update.effective_message.reply_text(
        _(
            "This permanently erases your name, phone number, gender, date of birth, city, "
            "languages, specialties, availability and training records, and cancels your "
            "upcoming shifts. Your past service is kept only as anonymous totals. This cannot "
            "be undone.\n\nErase your data?"
        ),
        reply_markup=keyboard,
    )
    context.user_data[DELETE_MESSAGE] = message.message_id  # type: ignore[index]


async def delete_pressed(update: Update, context: Context) -> None:
    """Erase (from the latest confirmation message only) or keep."""
    query = update.callback_query
    if query.message is None or query.message.message_id != context.user_data.get(DELETE_MESSAGE):  # type: ignore[union-attr]
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    context.user_data.pop(DELETE_MESSAGE, None)  # type: ignore[union-attr]
    await query.answer()
    if query.data == "del:no":
        await query.edit_message_text(_("Nothing was deleted. Your profile stays as it is."))
        return
    async with context.db.transaction() as tx:
        erased = await db.erase_volunteer(tx, query.from_user.id, now=context.now())
    for key in FLOW_DRAFTS:
        context.user_data.pop(key, None)  # type: ignore[union-attr]
    if not erased:
        await query.edit_message_text(_("There is no volunteer profile to delete."))
        return
    await query.edit_message_text(
        _(
            "Your personal data has been erased. Thank you for your service. If you want to "
            "volunteer again one day, send /register."
        )
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("profile", profile_command, filters=PRIVATE))
    app.add_handler(CommandHandler("resume", resume_command, filters=PRIVATE))
    app.add_handler(CommandHandler("delete_me", delete_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(delete_pressed, pattern=r"^del:(yes|no)$"))
