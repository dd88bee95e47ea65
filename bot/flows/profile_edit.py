"""Editing one field of a volunteer's profile from /profile, with the registration's own questions.

The Edit button loads the stored profile into `user_data["pe"]`, asks that field's question (the
same step code registration uses), and saves the whole profile when the answer is complete
(bot/operations/volunteers.py: update_profile). A long flow: another command keeps the edit, and
/profile goes on with it; /cancel leaves the stored profile untouched.
"""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler

from bot import db
from bot.context import Context
from bot.flows import kit
from bot.flows.kit.steps import STEP_KEY
from bot.flows.volunteer_steps import FIRST_STEP, STEPS, phone_taken, runner
from bot.i18n import N_, _
from bot.notices.volunteers import PROFILE_EDIT, profile_screen
from bot.operations import volunteers as operations
from bot.volunteers import Profile

SPEC = kit.FlowSpec(
    "profile_edit", kit.Mode.LONG, N_("profile edit"), area="pe", commands=("profile",),
    draft="pe",  # the key its answers were persisted under before the kit
)


async def _start_edit(update: Update, context: Context, code: str) -> object | None:
    """Load the stored profile and ask the field's first question; None if that cannot be."""
    first_step = FIRST_STEP.get(code)
    found = await db.get_volunteer_profile(context.db, kit.user_id_of(update))
    if first_step is None or found is None:
        return None
    kit.start(context, SPEC, found[1].to_draft())
    return await steps.ask(update, context, first_step)


async def begin(update: Update, context: Context) -> object:
    """An Edit button under /profile: ask that field's question with the stored answer loaded."""
    code = PROFILE_EDIT.one(kit.data_of(update)) or ""
    if FIRST_STEP.get(code) is None or await db.get_volunteer_profile(context.db, kit.user_id_of(update)) is None:
        await kit.stale(update)
        return kit.END
    await kit.query_of(update).answer()
    state = await _start_edit(update, context, code)
    return kit.END if state is None else state


async def save(update: Update, context: Context, step_key: str, notice: str) -> object:
    """The field is answered: store the profile and show it again."""
    draft = kit.draft(context, SPEC)
    if draft is None:
        return await lost(update, context)
    if taken := await phone_taken(update, context, SPEC, step_key):
        return await steps.ask(update, context, "phone", notice=taken)
    user_id = kit.user_id_of(update)
    outcome = await operations.update_profile(context.db, user_id, Profile.from_draft(draft), now=context.now())
    if not outcome.saved:
        return await lost(update, context)
    text, keyboard = await profile_screen(context.db, user_id, now=context.now(), tz=context.settings.timezone)
    header = f"{notice}\n\n" if notice else ""
    await context.bot.send_message(
        kit.chat_id_of(update), header + _("Saved.") + "\n\n" + text, reply_markup=keyboard
    )
    return kit.END


async def cancel(update: Update, context: Context) -> object:
    """/cancel: keep the profile as it was."""
    await context.bot.send_message(
        kit.chat_id_of(update),
        _("Cancelled. Your profile was not changed."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    """Ask the field's question again; an Edit button pressed meanwhile edits that field instead
    (the kit has answered the press already)."""
    if update.callback_query is not None:
        code = PROFILE_EDIT.one(update.callback_query.data)
        if code is not None:
            state = await _start_edit(update, context, code)
            if state is not None:
                return state
    draft = kit.draft(context, SPEC)
    step = draft.get(STEP_KEY) if draft else None
    if not isinstance(step, str) or step not in STEPS:
        return await lost(update, context)
    return await steps.ask(update, context, step, notice=notice)


async def lost(update: Update, context: Context) -> object:
    """The profile or the edit in progress is gone (e.g. the data was erased meanwhile)."""
    await context.bot.send_message(
        kit.chat_id_of(update),
        _("This edit can no longer be completed. Send /profile to see your profile."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return kit.END


steps = runner(SPEC, after=save, lost=lost)


def build() -> kit.Flow:
    return kit.flow(
        SPEC,
        entry_points=[CallbackQueryHandler(begin, pattern=PROFILE_EDIT.pattern)],
        states=steps.states(),
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
