"""Everyone's commands: /start, /help, /lang, /cancel, /privacy, the menu, and the fallbacks."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import BotCommandScopeDefault, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import db
from bot.auth import ADMIN_ROLE, COORDINATOR, ENTITY_REP, PRIVATE_CHAT_PAYLOAD, VOLUNTEER
from bot.config import SUPPORTED_LOCALES
from bot.context import Context
from bot.flows import kit
from bot.i18n import (
    N_,
    _,
    isolate,
    resolve_locale,
    set_locale,
    set_reader_gender,
    set_today,
    use_locale,
)
from bot.notices.menus import bot_commands, commands_for, refresh_user_menu
from bot.operations import users as operations

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}
CHOOSE_LANGUAGE = kit.Route("lang", None, str)
REGISTER = kit.Route("menu", "register")  # starts registration (bot/flows/registration.py)

# The /start text of someone with a volunteer record, else None (app.py passes the volunteers'
# own: bot/handlers/volunteer.py registered_greeting).
Greeting = Callable[[db.Row, str, datetime, ZoneInfo], str | None]


async def publish_command_menus(app: Application) -> None:
    """The default menu per language, and a per-chat menu for every staff member and rep."""
    settings = app.bot_data["settings"]
    try:
        for locale in SUPPORTED_LOCALES:
            with use_locale(locale):
                await app.bot.set_my_commands(
                    bot_commands(VOLUNTEER), scope=BotCommandScopeDefault(), language_code=locale
                )
        with use_locale(settings.default_locale):
            await app.bot.set_my_commands(bot_commands(VOLUNTEER), scope=BotCommandScopeDefault())
        for user in await db.list_users_by_role(
            app.bot_data["db"], (ENTITY_REP, COORDINATOR, ADMIN_ROLE)
        ):
            await refresh_user_menu(app.bot, user, settings.default_locale)
    except TelegramError:
        log.warning("could not publish the command menus", exc_info=True)


# -- group -1: who is this, and in which language do we answer -----------------------------------


async def bind_user_and_locale(update: Update, context: Context) -> None:
    """Record the user (reachable again if they had blocked us) and bind their locale."""
    user = update.effective_user
    if user is None or user.is_bot:
        set_locale(context.settings.default_locale)
        set_reader_gender(None)
        return
    blocked_us = bool(
        update.my_chat_member
        and update.my_chat_member.chat.type == "private"  # not: removed the bot from a group
        and update.my_chat_member.new_chat_member.status == "kicked"
    )
    seen = await operations.remember(
        context.db, user_id=user.id, first_name=user.first_name, username=user.username,
        language_code=user.language_code, blocked_us=blocked_us, now=context.now(),
    )
    set_locale(resolve_locale(seen.locale, user.language_code, context.settings.default_locale))
    set_today(context.now().astimezone(context.settings.timezone).date())
    set_reader_gender(seen.gender)
    context.reader_role = seen.role
    if update.callback_query and forged_callback_data(update.callback_query.data):
        log.info("ignored forged callback data %r from user %s", update.callback_query.data, user.id)
        await kit.stale(update)
        raise ApplicationHandlerStop


# Telegram ids have at most 52 significant bits; the bot's offsets are far smaller.
MAX_CALLBACK_NUMBER = 2**53
DIGITS = re.compile(r"\d+")


def forged_callback_data(data: str | None) -> bool:
    """Data the bot never puts on a button: empty (PTB would give it to the first handler with a
    pattern) or with a number too large for the database's 64-bit integers."""
    return not data or any(int(run) > MAX_CALLBACK_NUMBER for run in DIGITS.findall(data))


# -- /start, /help, /privacy, /cancel --------------------------------------------------------------


async def _role(context: Context, user_id: int) -> str:
    row = await db.get_user(context.db.quick, user_id)
    return str(row["role"]) if row else VOLUNTEER


async def start(update: Update, context: Context, *, greeting: Greeting | None = None) -> None:
    """Greet the user for their role and say what to do next."""
    user = kit.user_of(update)
    message = kit.message_of(update)
    role = context.reader_role or await _role(context, user.id)
    if context.args and context.args != [PRIVATE_CHAT_PAYLOAD]:
        # A deep link whose own handler did not claim it: unknown, used or expired.
        await message.reply_text(_("This link is not valid any more. Ask the office for a new one."))
    name = isolate(user.first_name)
    keyboard = None
    volunteer = await db.get_volunteer(context.db.quick, user.id) if role == VOLUNTEER else None
    if role == ADMIN_ROLE:
        text = _(
            "Welcome, {name}. You are an admin of the volunteer office.\n\n"
            "Approve needs with /needs, manage volunteers with /volunteers and partner "
            "entities with /entities, reach people with /broadcast, and manage office staff "
            "with /staff. /help lists everything."
        ).format(name=name)
    elif role == COORDINATOR:
        text = _(
            "Welcome, {name}. You are a coordinator of the volunteer office.\n\n"
            "Approve needs with /needs, manage volunteers with /volunteers and partner "
            "entities with /entities, and reach people with /broadcast. /help lists everything."
        ).format(name=name)
    elif role == ENTITY_REP:
        text = _(
            "Welcome, {name}. You represent a partner entity.\n\n"
            "Post a need for volunteers with /need and follow your needs and rosters with "
            "/myneeds. /help lists everything."
        ).format(name=name)
    elif (
        volunteer is not None and greeting is not None
        and (known := greeting(volunteer, user.first_name, context.now(), context.settings.timezone))
    ):
        text = known
    else:
        text = _(
            "Peace be upon you, {name}, and welcome to Aoun, the volunteer desk of the Hajj, "
            "Umrah and Visitation volunteer office.\n\n"
            "Here you can register as a volunteer, choose your specialties and the times you "
            "are free, receive shift offers that match you, and keep track of your hours.\n\n"
            "To begin, tap Register below or send /register."
        ).format(name=name)
        keyboard = kit.markup([kit.button(_("📝 Register as a volunteer"), REGISTER.data())])
    await message.reply_text(text, reply_markup=keyboard)


async def help_command(update: Update, context: Context) -> None:
    """List the commands of the caller's role."""
    role = context.reader_role or await _role(context, kit.user_id_of(update))
    lines = [_("Here is what you can do:"), ""]
    lines += [f"/{c.name} — {_(c.description)}" for c in commands_for(role)]
    await kit.message_of(update).reply_text("\n".join(lines))


PRIVACY_TEXT = N_(
    "What Aoun stores and why\n\n"
    "• Your Telegram id and chosen language, to talk to you.\n"
    "• If you register as a volunteer: your name, phone number, gender, date of birth, city, "
    "languages, specialties and availability, to match you to shifts that fit you and to reach "
    "you about them.\n"
    "• Your shifts, check-ins and hours, to keep your service record.\n\n"
    "Who sees it: the coordinators of the volunteer office; a partner entity's representatives "
    "see the name, phone and languages of volunteers who accepted their shifts. Nobody else.\n\n"
    "How to delete it: send /delete_me. Your personal data is erased; only anonymous totals of "
    "service remain."
)


async def privacy(update: Update, context: Context) -> None:
    """What is stored, why, who sees it, how to delete it."""
    await kit.message_of(update).reply_text(_(PRIVACY_TEXT))


async def cancel_idle(update: Update, context: Context) -> None:
    """/cancel when no flow is running."""
    await kit.message_of(update).reply_text(_("There is nothing to cancel right now."))


# -- /lang ----------------------------------------------------------------------------------------


def language_keyboard() -> InlineKeyboardMarkup:
    return kit.markup(
        [kit.button(LANGUAGE_NAMES[code], CHOOSE_LANGUAGE.data(code)) for code in SUPPORTED_LOCALES]
    )


async def lang(update: Update, context: Context) -> None:
    """Offer the supported languages."""
    await kit.message_of(update).reply_text(_("Choose your language:"), reply_markup=language_keyboard())


async def lang_chosen(update: Update, context: Context) -> None:
    """Save the chosen language and switch the menu to it."""
    query = kit.query_of(update)
    code = CHOOSE_LANGUAGE.one(query.data)
    if code not in SUPPORTED_LOCALES:
        await kit.stale(update)
        return
    outcome = await operations.choose_locale(context.db, user_id=query.from_user.id, locale=code)
    set_locale(code)
    await kit.answer(update)
    await query.edit_message_text(
        _("Done. I will speak English with you.") if code == "en" else _("Done. I will speak Arabic with you.")
    )
    if outcome.user is not None:
        await refresh_user_menu(context.bot, outcome.user, context.settings.default_locale)


# -- fallbacks ------------------------------------------------------------------------------------


async def not_understood(update: Update, context: Context) -> None:
    """A short hint for anything no other handler took (and how to go on with a kept draft)."""
    lines = [_("Sorry, I did not understand that. Send /help to see what I can do.")]
    if kept := kit.kept_hint(context):
        lines.append(kept)
    await kit.message_of(update).reply_text("\n\n".join(lines))


async def stale_button(update: Update, context: Context) -> None:
    """A button nobody handles any more (an old message, a finished flow)."""
    await kit.stale(update)


def register(app: Application, *, greeting: Greeting | None = None) -> None:
    """`greeting`: the /start text of a registered volunteer (their status and next steps)."""
    app.add_handler(CommandHandler("start", functools.partial(start, greeting=greeting)))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("privacy", privacy))
    app.add_handler(CommandHandler("cancel", cancel_idle))
    app.add_handler(CommandHandler("lang", lang))
    app.add_handler(CallbackQueryHandler(lang_chosen, pattern=CHOOSE_LANGUAGE.pattern))


def register_fallbacks(app: Application) -> None:
    """Register last: they take whatever no other handler in group 0 took."""
    # New private messages only: an edited message or a service message needs no hint.
    app.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL,
            not_understood,
        )
    )
    app.add_handler(CallbackQueryHandler(stale_button))
