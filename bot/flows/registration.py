"""Volunteer registration: consent, the profile questions, a summary to edit, then Confirm.

Answers live in `user_data["reg"]` (persisted every second, so a restart resumes the same
question); nothing reaches the volunteers table until Confirm, which writes the whole record in
one transaction (and, when REQUIRE_APPROVAL is on, the coordinators' approval cards with it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import db
from bot.auth import VOLUNTEER
from bot.context import Context
from bot.flows import private_flow
from bot.flows.volunteer_steps import (
    FIELDS_BY_CODE,
    MESSAGE_KEY,
    NEW_MESSAGE,
    REGISTRATION_ORDER,
    STEP_KEY,
    STEPS,
    HasDraft,
    StepRunner,
    edit_buttons,
    profile_lines,
    start_flow,
)
from bot.handlers import volunteer as volunteer_handlers
from bot.handlers import volunteers_staff
from bot.i18n import _
from bot.volunteers import Profile

DRAFT = "reg"
CONSENT = "reg.consent"
SUMMARY = "reg.summary"
PRIVATE = filters.ChatType.PRIVATE


def _draft(context: Context) -> dict[str, Any] | None:
    return context.user_data.get(DRAFT)  # type: ignore[union-attr]


# -- consent ---------------------------------------------------------------------------------------


def consent_text() -> str:
    return _(
        "Before we start: to register you as a volunteer we will store your name, phone "
        "number, gender, date of birth, city, languages, specialties and the times you are "
        "free. We use them only to match you to shifts and to reach you about them. The "
        "office's coordinators see them, and a partner entity sees your name, phone and "
        "languages when you accept one of its shifts. You can erase your data at any time "
        "with /delete_me.\n\nDo you agree?"
    )


async def ask_consent(update: Update, context: Context, *, notice: str = "") -> str:
    draft = _draft(context)
    assert draft is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ I agree"), callback_data="reg:cn:y"),
                InlineKeyboardButton(_("Not now"), callback_data="reg:cn:n"),
            ]
        ]
    )
    text = f"{notice}\n\n{consent_text()}" if notice else consent_text()
    message = await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard)
    draft[STEP_KEY], draft[MESSAGE_KEY] = "consent", message.message_id
    return CONSENT


async def begin(update: Update, context: Context) -> object:
    """/register or the Register button: the profile if registered, else the consent notice."""
    if update.callback_query:
        await update.callback_query.answer()
    user_id = update.effective_user.id
    user = await db.get_user(context.db, user_id)
    if user is not None and user["role"] != VOLUNTEER:
        await update.effective_message.reply_text(
            _("Office staff and partner representatives cannot register as volunteers with the same Telegram account.")
        )
        return ConversationHandler.END
    if await db.get_volunteer_profile(context.db, user_id) is not None:
        text, keyboard = await volunteer_handlers.profile_message(context, user_id)
        await context.bot.send_message(
            update.effective_chat.id,
            _("You are already registered. Here is your profile:") + "\n\n" + text,
            reply_markup=keyboard,
        )
        return ConversationHandler.END
    start_flow(context, DRAFT, {})
    return await ask_consent(update, context)


async def consent_pressed(update: Update, context: Context) -> object:
    """Agree starts the questions; Not now ends the flow with nothing stored."""
    query = update.callback_query
    draft = _draft(context)
    if draft is None:
        await query.answer()
        return await lost(update, context)
    if draft.get(STEP_KEY) != "consent" or query.message.message_id != draft.get(MESSAGE_KEY):
        return await stale(update, context)
    await query.answer()
    if query.data == "reg:cn:n":
        context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
        await query.edit_message_text(
            _("No problem: nothing was stored. Send /register whenever you are ready.")
        )
        return ConversationHandler.END
    draft["_consent_at"] = db.ts(context.now())
    await query.edit_message_text(_("✅ Thank you. Let's begin: it takes about two minutes."))
    return await runner.ask(update, context, REGISTRATION_ORDER[0])


# -- after each step, the summary, and Confirm ------------------------------------------------------


async def after_step(update: Update, context: Context, step_key: str, notice: str) -> object:
    """The next question, or the summary when the last one (or an edit) is done."""
    draft = _draft(context)
    assert draft is not None
    if draft.get("_editing") or step_key in ("season_from", "season_until"):
        return await show_summary(update, context, notice=notice)
    next_key = REGISTRATION_ORDER[REGISTRATION_ORDER.index(step_key) + 1]
    return await runner.ask(update, context, next_key, notice=notice)


async def show_summary(update: Update, context: Context, *, notice: str = "") -> str:
    draft = _draft(context)
    assert draft is not None
    lines = [_("Please check your details:"), "", *profile_lines(draft)]
    text = "\n".join(lines)
    if notice:
        text = f"{notice}\n\n{text}"
    keyboard = InlineKeyboardMarkup(
        [
            *edit_buttons("reg:ed"),
            [
                InlineKeyboardButton(_("✅ Confirm"), callback_data="reg:ok"),
                InlineKeyboardButton(_("✖ Cancel"), callback_data="reg:x"),
            ],
        ]
    )
    message = await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard)
    draft[STEP_KEY], draft[MESSAGE_KEY] = "summary", message.message_id
    draft["_editing"] = True
    return SUMMARY


async def summary_pressed(update: Update, context: Context) -> object:
    """Edit a field (back to the summary afterwards), Confirm, or Cancel."""
    query = update.callback_query
    draft = _draft(context)
    if draft is None:
        await query.answer()
        return await lost(update, context)
    if draft.get(STEP_KEY) != "summary" or query.message.message_id != draft.get(MESSAGE_KEY):
        return await stale(update, context)
    if query.data == "reg:x":
        await query.answer()
        await query.edit_message_reply_markup(None)
        return await cancel(update, context)
    if query.data == "reg:ok":
        return await confirm(update, context)
    field = FIELDS_BY_CODE.get(query.data.removeprefix("reg:ed:"))
    if field is None:
        return await stale(update, context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await runner.ask(update, context, field.first_step)


async def confirm(update: Update, context: Context) -> object:
    """Write the whole volunteer record in one transaction; tell the volunteer what is next."""
    query = update.callback_query
    draft = _draft(context)
    assert draft is not None
    try:
        profile = Profile.from_draft(draft)
        consent_at = db.parse_ts(draft["_consent_at"])
    except (KeyError, TypeError, ValueError):
        await query.answer()
        return await lost(update, context)
    user_id = update.effective_user.id
    now = context.now()
    pending = context.settings.require_approval
    async with context.db.transaction() as tx:
        stored = await db.register_volunteer(
            tx,
            user_id,
            profile,
            status="pending" if pending else "active",
            consent_at=consent_at,  # type: ignore[arg-type]
            now=now,
        )
        if stored and pending:
            await volunteers_staff.enqueue_approval_cards(tx, context, user_id, profile, now=now)
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await query.answer()
    await query.edit_message_reply_markup(None)
    if not stored:
        text = _("You are already registered. Send /profile to see your profile.")
    elif pending:
        text = _(
            "Thank you, your registration is complete. The office will review it, and I will "
            "tell you as soon as you are approved. Meanwhile you can check your details with "
            "/profile."
        )
    else:
        text = _(
            "Welcome aboard! You are now registered as a volunteer. I will send you shift offers "
            "that match your specialties and free times.\n\nSee open shifts with /shifts, your "
            "own shifts with /myshifts, and your details with /profile."
        )
    await context.bot.send_message(update.effective_chat.id, text)
    return ConversationHandler.END


# -- cancel, restarts and stale buttons ---------------------------------------------------------------


async def cancel(update: Update, context: Context) -> int:
    """/cancel (or the Cancel button): end the flow and forget every answer."""
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await context.bot.send_message(
        update.effective_chat.id,
        _("Registration cancelled. Nothing was saved. Send /register to start again."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return ConversationHandler.END


async def resume_here(update: Update, context: Context, *, notice: str = "") -> object:
    """Ask the question the volunteer is on again (from the start if the answers were dropped)."""
    draft = _draft(context)
    if draft is None:
        start_flow(context, DRAFT, {})
        return await ask_consent(update, context)
    step = draft.get(STEP_KEY)
    if step == "consent":
        return await ask_consent(update, context, notice=notice)
    if step == "summary":
        return await show_summary(update, context, notice=notice)
    if step in STEPS:
        return await runner.ask(update, context, step, notice=notice)
    return await lost(update, context)


async def already_registering(update: Update, context: Context) -> object:
    """/register or the Register button again in the middle of the flow."""
    if update.callback_query:
        await update.callback_query.answer()
    return await resume_here(
        update, context, notice=_("You are in the middle of registering. Let's continue where you left off.")
    )


async def stale(update: Update, context: Context) -> object:
    """A registration button from an old message: say so, and ask the current question again."""
    await update.callback_query.answer(_("This button is no longer active."), show_alert=True)
    return await resume_here(update, context)


async def wrong_input(update: Update, context: Context) -> object:
    """Text or media where only the buttons of the consent notice or the summary count."""
    return await resume_here(update, context, notice=_("Please choose with the buttons below."))


async def lost(update: Update, context: Context) -> object:
    """The answers are gone (e.g. erased with /delete_me meanwhile): start again cleanly."""
    start_flow(context, DRAFT, {})
    return await ask_consent(
        update, context, notice=_("Sorry, I lost track of your registration. Let's start again.")
    )


runner = StepRunner(prefix="reg", draft_key=DRAFT, after=after_step, lost=lost)


def build(user_data: Mapping[int, dict[str, Any]]) -> ConversationHandler:
    """The flow; `user_data` is the application's (messages count only while a draft exists)."""
    stray_messages = MessageHandler(
        NEW_MESSAGE & ~filters.COMMAND & HasDraft(user_data, DRAFT), wrong_input
    )
    stale_buttons = CallbackQueryHandler(stale, pattern=r"^reg:")
    return private_flow(
        "registration",
        entry_points=[
            CommandHandler("register", begin, filters=PRIVATE),
            CallbackQueryHandler(begin, pattern=r"^menu:register$"),
        ],
        states={
            CONSENT: [
                CallbackQueryHandler(consent_pressed, pattern=r"^reg:cn:[yn]$"),
                stale_buttons,
                stray_messages,
            ],
            **runner.states(user_data),
            SUMMARY: [
                CallbackQueryHandler(summary_pressed, pattern=r"^reg:(ok|x|ed:\w+)$"),
                stale_buttons,
                stray_messages,
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("register", already_registering),
            CallbackQueryHandler(already_registering, pattern=r"^menu:register$"),
        ],
        allow_reentry=False,
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(build(app.user_data))
