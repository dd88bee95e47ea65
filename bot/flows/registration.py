"""Volunteer registration: consent, the profile questions, a summary to edit, then Confirm.

A long flow: another command keeps it (with its answers) and /register, or the Register button,
goes on where it was. Answers live in `user_data["reg"]` (persisted every second, so a restart
resumes the same question); nothing reaches the volunteers table until Confirm, which stores the
whole record once per draft (bot/operations/volunteers.py: register), with the coordinators'
approval cards when REQUIRE_APPROVAL is on.
"""

from __future__ import annotations

from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import db
from bot.answers import typed_yes_no
from bot.auth import VOLUNTEER
from bot.context import Context
from bot.flows import kit
from bot.flows.kit.steps import MESSAGE_KEY, NEW_MESSAGE, STEP_KEY
from bot.flows.volunteer_steps import (
    FIRST_STEP,
    REGISTRATION_ORDER,
    STEPS,
    phone_taken,
    runner,
    settle,
)
from bot.i18n import G_, N_, _
from bot.notices.volunteers import edit_rows, profile_screen
from bot.operations import volunteers as operations
from bot.texts.volunteers import FIELDS_BY_CODE, profile_lines
from bot.volunteers import Profile

SPEC = kit.FlowSpec(
    "registration", kit.Mode.LONG, N_("registration"), area="reg", commands=("register",),
    draft="reg",  # the key its answers were persisted under before the kit
)
CONSENT = "reg.consent"
SUMMARY = "reg.summary"
CONSENT_ANSWER = kit.Route("reg", "cn", str)  # y | n
CONFIRM = kit.Route("reg", "ok")
CANCEL = kit.Route("reg", "x")
EDIT = kit.Route("reg", "ed", str)  # field code
MENU_REGISTER = kit.Route("menu", "register")  # the /start menu's button


def _draft(context: Context) -> dict[str, Any]:
    return kit.draft(context, SPEC) or kit.start(context, SPEC)


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
    keyboard = kit.markup(
        [
            kit.button(_("✅ I agree"), CONSENT_ANSWER.data("y")),
            kit.button(_("Not now"), CONSENT_ANSWER.data("n")),
        ]
    )
    text = f"{notice}\n\n{consent_text()}" if notice else consent_text()
    message = await kit.ask(update, context, SPEC, text, keyboard)
    draft[STEP_KEY], draft[MESSAGE_KEY] = "consent", message.message_id
    return CONSENT


async def begin(update: Update, context: Context) -> object:
    """/register or the Register button: the profile if registered, else the consent notice."""
    if update.callback_query:
        await update.callback_query.answer()
    user_id = kit.user_id_of(update)
    if kit.draft(context, SPEC) is not None:  # the Register button in the middle of registering
        return await resume(update, context)
    role = context.reader_role
    if role is None:
        user = await db.get_user(context.db, user_id)
        role = None if user is None else user["role"]
    if role is not None and role != VOLUNTEER:
        await kit.message_of(update).reply_text(
            _("Office staff and partner representatives cannot register as volunteers with the same Telegram account.")
        )
        return kit.END
    if await db.get_volunteer_profile(context.db.quick, user_id) is not None:
        text, keyboard = await profile_screen(
            context.db, user_id, now=context.now(), tz=context.settings.timezone
        )
        await context.bot.send_message(
            kit.chat_id_of(update),
            G_("You are already registered. Here is your profile:") + "\n\n" + text,
            reply_markup=keyboard,
        )
        return kit.END
    kit.start(context, SPEC)
    return await ask_consent(update, context)


def _on_question(update: Update, context: Context, step: str) -> bool:
    """The press comes from the question the volunteer is on (not an older message)."""
    draft = kit.draft(context, SPEC) or {}
    message = kit.query_of(update).message
    return draft.get(STEP_KEY) == step and message is not None and message.message_id == draft.get(MESSAGE_KEY)


async def consent_pressed(update: Update, context: Context) -> object:
    """Agree starts the questions; Not now ends the flow with nothing stored."""
    if kit.draft(context, SPEC) is None:
        await kit.query_of(update).answer()
        return await lost(update, context)
    if not _on_question(update, context, "consent"):
        return await stale(update, context)
    if CONSENT_ANSWER.one(kit.data_of(update)) == "n":
        await kit.took(update, context, SPEC, _("No problem: nothing was stored. Send /register whenever you are ready."))
        return kit.END
    _draft(context)["_consent_at"] = db.ts(context.now())
    await kit.took(update, context, SPEC, _("✅ Thank you. Let's begin: it takes about two minutes."))
    return await steps.ask(update, context, REGISTRATION_ORDER[0])


# -- after each step, the summary, and Confirm ------------------------------------------------------


async def after_step(update: Update, context: Context, step_key: str, notice: str) -> object:
    """The next question, or the summary when the last one (or an edit) is done."""
    await settle(update, context, SPEC)
    if taken := await phone_taken(update, context, SPEC, step_key):
        return await steps.ask(update, context, "phone", notice=taken)
    if _draft(context).get("_editing") or step_key in ("season_from", "season_until"):
        return await show_summary(update, context, notice=notice)
    next_key = REGISTRATION_ORDER[REGISTRATION_ORDER.index(step_key) + 1]
    if next_key == "other_language":  # asked only after "Other language" (volunteer_steps)
        next_key = REGISTRATION_ORDER[REGISTRATION_ORDER.index(next_key) + 1]
    return await steps.ask(update, context, next_key, notice=notice)


async def show_summary(update: Update, context: Context, *, notice: str = "") -> str:
    draft = _draft(context)
    text = "\n".join([_("Please check your details:"), "", *profile_lines(draft)])
    if notice:
        text = f"{notice}\n\n{text}"
    keyboard = kit.markup(
        edit_rows(EDIT),
        [kit.button(_("✅ Confirm"), CONFIRM.data()), kit.button(_("✖ Cancel"), CANCEL.data())],
    )
    message = await kit.ask(update, context, SPEC, text, keyboard)
    draft[STEP_KEY], draft[MESSAGE_KEY] = "summary", message.message_id
    draft["_editing"] = True
    return SUMMARY


async def edit_pressed(update: Update, context: Context) -> object:
    """An Edit button of the summary: that field's question, then back to the summary."""
    if not _on_question(update, context, "summary"):
        return await stale(update, context)
    field = FIELDS_BY_CODE.get(EDIT.one(kit.data_of(update)) or "")
    if field is None:
        return await stale(update, context)
    await kit.took(update, context, SPEC)
    return await steps.ask(update, context, FIRST_STEP[field.code])


async def cancel_pressed(update: Update, context: Context) -> object:
    if not _on_question(update, context, "summary"):
        return await stale(update, context)
    await kit.took(update, context, SPEC)
    return await cancel(update, context)


async def confirm(update: Update, context: Context) -> object:
    """Store the whole volunteer record (once per draft); tell the volunteer what is next."""
    if not _on_question(update, context, "summary"):
        return await stale(update, context)
    draft = _draft(context)
    try:
        profile = Profile.from_draft(draft)
        consent_at = db.parse_ts(str(draft["_consent_at"]))
    except (KeyError, TypeError, ValueError):
        await kit.query_of(update).answer()
        return await lost(update, context)
    assert consent_at is not None
    outcome = await operations.register(
        context.db, context.settings, kit.user_id_of(update), profile,
        consent_at=consent_at, key=kit.draft_id(context, SPEC), now=context.now(),
    )
    await kit.took(update, context, SPEC)
    if outcome.status == "already":
        text = G_("You are already registered. Send /profile to see your profile.")
    elif outcome.status == "pending":
        text = G_(
            "Thank you, your registration is complete. The office will review it, and I will "
            "tell you as soon as you are approved. Meanwhile you can check your details with "
            "/profile.",
            profile.gender,
        )
    else:
        text = G_(
            "Welcome aboard! You are now registered as a volunteer. I will send you shift offers "
            "that match your specialties and free times.\n\nSee open shifts with /shifts, your "
            "own shifts with /myshifts, and your details with /profile.",
            profile.gender,
        )
    await context.bot.send_message(kit.chat_id_of(update), text)
    return kit.END


# -- cancel, resuming and stale buttons -------------------------------------------------------------


async def cancel(update: Update, context: Context) -> object:
    """/cancel (or the Cancel button): end the flow and forget every answer."""
    await context.bot.send_message(
        kit.chat_id_of(update),
        _("Registration cancelled. Nothing was saved. Send /register to start again."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return kit.END


def _asked_to_go_on(update: Update) -> bool:
    """/register or the Register button sent again while registering."""
    if update.callback_query is not None:
        return MENU_REGISTER.parse(update.callback_query.data) is not None
    text = update.message.text if update.message else None
    return bool(text) and kit.command_name(text or "") in SPEC.commands


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    """Ask the question the volunteer is on again (from the start if the answers were dropped)."""
    if _asked_to_go_on(update):
        notice = _("You are in the middle of registering. Let's continue where you left off.")
    draft = kit.draft(context, SPEC)
    if draft is None:
        kit.start(context, SPEC)
        return await ask_consent(update, context)
    step = draft.get(STEP_KEY)
    if step == "consent":
        return await ask_consent(update, context, notice=notice)
    if step == "summary":
        return await show_summary(update, context, notice=notice)
    if isinstance(step, str) and step in STEPS:
        return await steps.ask(update, context, step, notice=notice)
    return await lost(update, context)


async def stale(update: Update, context: Context) -> object:
    """A registration button from an old message: say so, and ask the current question again."""
    await kit.stale(update)
    return await resume(update, context)


async def wrong_input(update: Update, context: Context) -> object:
    """Text or media where only the buttons of the consent notice or the summary count; at the
    consent notice a typed «نعم» / "no" is the same as its button."""
    draft = kit.draft(context, SPEC) or {}
    text = update.message.text if update.message else None
    if draft.get(STEP_KEY) == "consent" and text and (agreed := typed_yes_no(text)) is not None:
        await settle(update, context, SPEC)
        if not agreed:
            await kit.message_of(update).reply_text(
                _("No problem: nothing was stored. Send /register whenever you are ready.")
            )
            return kit.END
        draft["_consent_at"] = db.ts(context.now())
        return await steps.ask(
            update, context, REGISTRATION_ORDER[0], notice=_("✅ Thank you. Let's begin: it takes about two minutes.")
        )
    return await resume(update, context, notice=_("Please choose with the buttons below."))


async def lost(update: Update, context: Context) -> object:
    """The answers are gone (e.g. erased with /delete_me meanwhile): start again cleanly."""
    kit.start(context, SPEC)
    return await ask_consent(
        update, context, notice=_("Sorry, I lost track of your registration. Let's start again.")
    )


steps = runner(SPEC, after=after_step, lost=lost)


def build() -> kit.Flow:
    stray_messages = MessageHandler(NEW_MESSAGE & ~filters.COMMAND, wrong_input)
    stale_buttons = CallbackQueryHandler(stale, pattern=kit.area_pattern(SPEC.area))
    return kit.flow(
        SPEC,
        entry_points=[
            CommandHandler("register", begin),
            CallbackQueryHandler(begin, pattern=MENU_REGISTER.pattern),
        ],
        states={
            CONSENT: [
                CallbackQueryHandler(consent_pressed, pattern=CONSENT_ANSWER.pattern),
                stale_buttons,
                stray_messages,
            ],
            **steps.states(),
            SUMMARY: [
                CallbackQueryHandler(confirm, pattern=CONFIRM.pattern),
                CallbackQueryHandler(cancel_pressed, pattern=CANCEL.pattern),
                CallbackQueryHandler(edit_pressed, pattern=EDIT.pattern),
                stale_buttons,
                stray_messages,
            ],
        },
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())

