"""Editing one field of a volunteer's profile from /profile, with the registration's own questions.

The Edit button loads the stored profile into `user_data["pe"]`, asks that field's question (the
same step code registration uses), and saves the whole profile in one transaction when the answer
is complete; /cancel leaves the stored profile untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import db
from bot.context import Context
from bot.flows import private_flow
from bot.flows.volunteer_steps import FIELDS_BY_CODE, HasDraft, StepRunner, start_flow
from bot.handlers import volunteer as volunteer_handlers
from bot.i18n import _
from bot.volunteers import Profile

DRAFT = "pe"


async def begin(update: Update, context: Context) -> object:
    """An Edit button under /profile: ask that field's question with the stored answer loaded."""
    query = update.callback_query
    field = FIELDS_BY_CODE.get(query.data.removeprefix("prof:e:"))
    found = await db.get_volunteer_profile(context.db, query.from_user.id)
    if field is None or found is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    start_flow(context, DRAFT, found[1].to_draft())
    return await runner.ask(update, context, field.first_step)


async def save(update: Update, context: Context, step_key: str, notice: str) -> object:
    """The field is answered: store the profile and show it again."""
    draft = context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    user_id = update.effective_user.id
    async with context.db.transaction() as tx:
        saved = await db.update_volunteer_profile(
            tx, user_id, Profile.from_draft(draft), now=context.now()
        )
    if not saved:
        return await lost(update, context)
    text, keyboard = await volunteer_handlers.profile_message(context, user_id)
    header = f"{notice}\n\n" if notice else ""
    await context.bot.send_message(
        update.effective_chat.id, header + _("Saved.") + "\n\n" + text, reply_markup=keyboard
    )
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> int:
    """/cancel: keep the profile as it was."""
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await context.bot.send_message(
        update.effective_chat.id,
        _("Cancelled. Your profile was not changed."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return ConversationHandler.END


async def abandon(update: Update, context: Context) -> None:
    """Any other command was sent while a field's answer was awaited (group 1, after that
    command's own handler ran): the unsaved edit is dropped, so a later typed text is never taken
    as that field's answer."""
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]


async def lost(update: Update, context: Context) -> int:
    """The profile or the edit in progress is gone (e.g. the data was erased meanwhile)."""
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await context.bot.send_message(
        update.effective_chat.id,
        _("This edit can no longer be completed. Send /profile to see your profile."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return ConversationHandler.END


runner = StepRunner(prefix="pe", draft_key=DRAFT, after=save, lost=lost)


def build(user_data: Mapping[int, dict[str, Any]]) -> ConversationHandler:
    """The flow; `user_data` is the application's (messages count only while a draft exists)."""
    return private_flow(
        "profile_edit",
        entry_points=[CallbackQueryHandler(begin, pattern=r"^prof:e:\w+$")],
        states=runner.states(user_data),
        fallbacks=[CommandHandler("cancel", cancel)],
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(build(app.user_data))
    app.add_handler(MessageHandler(filters.COMMAND & HasDraft(app.user_data, DRAFT), abandon), group=1)
