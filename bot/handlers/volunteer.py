"""Volunteers' one-step commands: /profile, /resume and /delete_me (the /start greeting's text is
bot/texts/volunteers.py: registered_greeting).

/pause asks for a date, so it is a flow (bot/flows/pause.py); editing a profile field reuses the
registration questions (bot/flows/profile_edit.py).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import db
from bot.context import Context
from bot.flows import kit
from bot.i18n import G_, _
from bot.notices.volunteers import profile_screen
from bot.operations import volunteers as operations
from bot.texts.volunteers import not_registered

PRIVATE = filters.ChatType.PRIVATE
DELETE_MESSAGE = "delete_msg"  # user_data: the confirmation message a "Yes, delete" must come from
ERASE = kit.Route("del", "yes")
KEEP = kit.Route("del", "no")


async def profile_command(update: Update, context: Context) -> None:
    """/profile: the stored profile with Edit buttons."""
    text, keyboard = await profile_screen(  # short reads by key: on the loop (Database.quick)
        context.db.quick, kit.user_id_of(update), now=context.now(), tz=context.settings.timezone
    )
    await kit.message_of(update).reply_text(text, reply_markup=keyboard)


# -- /resume -----------------------------------------------------------------------------------------


async def resume_command(update: Update, context: Context) -> None:
    """/resume: end a pause and receive offers again."""
    outcome = await operations.resume(context.db, kit.user_id_of(update), now=context.now())
    text = {
        "resumed": _("▶ Welcome back! You will receive shift offers again."),
        "not_registered": not_registered(),
        "pending": _("Your registration is still waiting for the office's approval."),
        "suspended": _("Your volunteer account is suspended. Please contact the volunteer office."),
    }.get(outcome.status) or G_("Your offers are not paused: you are active and will receive shift offers.")
    await kit.message_of(update).reply_text(text)


# -- /delete_me ----------------------------------------------------------------------------------------


async def delete_command(update: Update, context: Context) -> None:
    """/delete_me: explain what will be erased and ask for an explicit confirmation."""
    row = await db.get_volunteer(context.db, kit.user_id_of(update))
    if row is None or row["status"] == "deleted":
        await kit.end_all(update, context)  # answers in progress are personal data too
        await kit.message_of(update).reply_text(
            _(
                "You have no volunteer profile, so there is nothing to delete. Apart from your "
                "Telegram id and chosen language, nothing about you is stored."
            )
        )
        return
    keyboard = kit.markup(
        [kit.button(_("🗑 Yes, erase my data"), ERASE.data())],
        [kit.button(_("Keep my data"), KEEP.data())],
    )
    message = await kit.message_of(update).reply_text(
        _(
            "This permanently erases your name, phone number, gender, date of birth, city, "
            "languages, specialties, availability and training records, and cancels your "
            "upcoming shifts. Your past service is kept only as anonymous totals. This cannot "
            "be undone.\n\nErase your data?"
        ),
        reply_markup=keyboard,
    )
    kit.scratch(context.user_data)[DELETE_MESSAGE] = message.message_id


async def delete_pressed(update: Update, context: Context) -> None:
    """Erase (from the latest confirmation message only) or keep."""
    query = kit.query_of(update)
    user_data = kit.scratch(context.user_data)
    if query.message is None or query.message.message_id != user_data.get(DELETE_MESSAGE):
        await kit.stale(update)
        return
    user_data.pop(DELETE_MESSAGE, None)
    await query.answer()
    if KEEP.parse(query.data) is not None:
        await query.edit_message_text(_("Nothing was deleted. Your profile stays as it is."))
        return
    outcome = await operations.delete_me(
        context.db, kit.user_id_of(update), now=context.now(),
        default_locale=context.settings.default_locale,
    )
    await kit.end_all(update, context)
    if not outcome.erased:
        await query.edit_message_text(_("There is no volunteer profile to delete."))
        return
    await query.edit_message_text(
        _(
            "Your personal data has been erased. Thank you for your service. If you want to "
            "volunteer again one day, send /register."
        )
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("profile", profile_command, filters=PRIVATE))
    app.add_handler(CommandHandler("resume", resume_command, filters=PRIVATE))
    app.add_handler(CommandHandler("delete_me", delete_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(delete_pressed, pattern=ERASE.pattern))
    app.add_handler(CallbackQueryHandler(delete_pressed, pattern=KEEP.pattern))
