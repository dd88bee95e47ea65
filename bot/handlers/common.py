"""Everyone's commands: /start, /help, /lang, /cancel, /privacy, the menu, and the fallbacks."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import db, delivery
from bot.auth import ADMIN_ROLE, COORDINATOR, ENTITY_REP, VOLUNTEER
from bot.config import SUPPORTED_LOCALES
from bot.context import Context
from bot.i18n import N_, _, isolate, resolve_locale, set_locale, use_locale, user_locale
from bot.texts import display_name
from bot.texts.volunteers import registered_greeting

log = logging.getLogger(__name__)

EVERYONE = frozenset({VOLUNTEER, ENTITY_REP, COORDINATOR, ADMIN_ROLE})


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # marked with N_, translated when shown
    roles: frozenset[str]


# The command menu and /help, in the order shown. Staff see their own commands first.
COMMANDS = (
    Command("needs", N_("Needs waiting for approval and fill rates"), frozenset({COORDINATOR, ADMIN_ROLE})),
    Command("volunteers", N_("Find, approve and manage volunteers"), frozenset({COORDINATOR, ADMIN_ROLE})),
    Command("entities", N_("Partner entities and their representatives"), frozenset({COORDINATOR, ADMIN_ROLE})),
    Command("broadcast", N_("Send a message to many people"), frozenset({COORDINATOR, ADMIN_ROLE})),
    Command("stats", N_("Numbers for the season"), frozenset({COORDINATOR, ADMIN_ROLE})),
    Command("export", N_("Download a spreadsheet"), frozenset({COORDINATOR, ADMIN_ROLE})),
    Command("audit", N_("Recent staff actions"), frozenset({COORDINATOR, ADMIN_ROLE})),
    Command("staff", N_("Office staff: add or remove coordinators"), frozenset({ADMIN_ROLE})),
    Command("need", N_("Post a need for volunteers"), frozenset({ENTITY_REP, COORDINATOR, ADMIN_ROLE})),
    Command("myneeds", N_("Your entity's needs and rosters"), frozenset({ENTITY_REP})),
    Command("register", N_("Register as a volunteer"), frozenset({VOLUNTEER})),
    Command("profile", N_("Your volunteer profile"), frozenset({VOLUNTEER})),
    Command("shifts", N_("Open shifts you can sign up for"), frozenset({VOLUNTEER})),
    Command("myshifts", N_("Your shifts"), frozenset({VOLUNTEER})),
    Command("pause", N_("Pause offers for a while"), frozenset({VOLUNTEER})),
    Command("resume", N_("Receive offers again"), frozenset({VOLUNTEER})),
    Command("delete_me", N_("Delete your personal data"), frozenset({VOLUNTEER})),
    Command("lang", N_("Change language"), EVERYONE),
    Command("help", N_("What I can do"), EVERYONE),
    Command("privacy", N_("What we store and why"), EVERYONE),
    Command("cancel", N_("Stop what you are doing"), EVERYONE),
    Command("start", N_("Start over"), EVERYONE),
)

LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}


def commands_for(role: str) -> list[Command]:
    return [c for c in COMMANDS if role in c.roles]


def bot_commands(role: str) -> list[BotCommand]:
    """The menu for a role in the current locale."""
    return [BotCommand(c.name, _(c.description)) for c in commands_for(role)]


async def publish_command_menus(app: Application) -> None:  # type: ignore[type-arg]
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


async def refresh_user_menu(bot, user: db.Row, default_locale: str) -> None:  # type: ignore[no-untyped-def]
    """A menu for one chat, in that user's language and for their role."""
    locale = resolve_locale(user["locale"], user["language_code"], default_locale)
    with use_locale(locale):
        commands = bot_commands(user["role"])
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(user["id"]))
    except TelegramError:
        log.warning("could not set the menu for user %s", user["id"], exc_info=True)





async def announce_role_change(
    tx: db.Tx,
    context: Context,
    user_id: int,
    *,
    removed: bool,
    event_id: int,
    inviter_id: int | None = None,
) -> None:
    """Queue the notices of a role change in the transaction that makes it, each in its
    recipient's language: to the person (unless they caused it themselves with an invite link)
    and to the admin whose invite they used."""
    row = await db.get_user(tx, user_id)
    if row is None:
        return
    default = context.settings.default_locale
    notices = []
    with use_locale(user_locale(row, default)):
        if removed:
            notices.append((user_id, _("You are no longer a coordinator of the volunteer office.")))
        elif inviter_id is None:
            notices.append(
                (user_id, _("You are now a coordinator of the volunteer office. Send /help to see your commands."))
            )
    inviter = await db.get_user(tx, inviter_id) if inviter_id is not None else None
    if inviter is not None:
        with use_locale(user_locale(inviter, default)):
            notices.append(
                (inviter["id"], _("{name} used your invite link and is now a coordinator.").format(
                    name=display_name(row)
                ))
            )
    for chat_id, text in notices:
        await delivery.enqueue(
            tx, chat_id=chat_id, dedupe_key=f"role:{event_id}:{chat_id}", now=context.now(),
            text=text, priority=delivery.URGENT,
        )


async def refresh_menu_of(context: Context, user_id: int) -> None:
    """After a role change: the person's command menu, for their new role and in their language."""
    row = await db.get_user(context.db, user_id)
    if row is not None:
        await refresh_user_menu(context.bot, row, context.settings.default_locale)


# -- group -1: who is this, and in which language do we answer -----------------------------------


async def bind_user_and_locale(update: Update, context: Context) -> None:
    """Record the user (reachable again if they had blocked us) and bind their locale."""
    user = update.effective_user
    if user is None or user.is_bot:
        set_locale(context.settings.default_locale)
        return
    row = await db.get_user(context.db, user.id)
    blocked_us = bool(
        update.my_chat_member and update.my_chat_member.new_chat_member.status in {"kicked", "left"}
    )
    if blocked_us and row is not None and row["reachable"]:
        async with context.db.transaction() as tx:
            await db.set_user_reachable(tx, user.id, False)
    if not blocked_us and (
        row is None
        or not row["reachable"]
        or row["language_code"] != user.language_code
        or row["first_name"] != user.first_name
        or row["username"] != user.username
    ):
        async with context.db.transaction() as tx:
            row = await db.touch_user(
                tx,
                user.id,
                now=context.now(),
                first_name=user.first_name,
                username=user.username,
                language_code=user.language_code,
            )
    saved = row["locale"] if row is not None else None
    set_locale(resolve_locale(saved, user.language_code, context.settings.default_locale))
    if update.callback_query and forged_callback_data(update.callback_query.data):
        log.info("ignored forged callback data %r from user %s", update.callback_query.data, user.id)
        await update.callback_query.answer(_("This button is no longer active."), show_alert=True)
        raise ApplicationHandlerStop


# Telegram ids have at most 52 significant bits; the bot's offsets are far smaller.
MAX_CALLBACK_NUMBER = 2**53
DIGITS = re.compile(r"\d+")


def forged_callback_data(data: str | None) -> bool:
    """Data the bot never puts on a button: empty (PTB would give it to the first handler with a
    pattern) or with a number too large for the database's 64-bit integers."""
    return not data or any(int(run) > MAX_CALLBACK_NUMBER for run in DIGITS.findall(data))


# -- /start, /help, /privacy, /cancel --------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """Greet the user for their role and say what to do next."""
    user = update.effective_user
    row = await db.get_user(context.db, user.id)
    role = row["role"] if row else VOLUNTEER
    if context.args:
        # A deep link whose own handler did not claim it: unknown, used or expired.
        await update.effective_message.reply_text(
            _("This link is not valid any more. Ask the office for a new one.")
        )
    name = isolate(user.first_name)
    keyboard = None
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
        greeting := await _volunteer_greeting(context, user.id, user.first_name)
    ) is not None:
        text = greeting
    else:
        text = _(
            "Peace be upon you, {name}, and welcome to Aoun, the volunteer desk of the Hajj, "
            "Umrah and Visitation volunteer office.\n\n"
            "Here you can register as a volunteer, choose your specialties and the times you "
            "are free, receive shift offers that match you, and keep track of your hours.\n\n"
            "To begin, tap Register below or send /register."
        ).format(name=name)
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("📝 Register as a volunteer"), callback_data="menu:register")]]
        )
    await update.effective_message.reply_text(text, reply_markup=keyboard)


async def _volunteer_greeting(context: Context, user_id: int, first_name: str) -> str | None:
    """A registered volunteer's welcome (their status and next steps), else None."""
    row = await db.get_volunteer(context.db, user_id)
    if row is None:
        return None
    return registered_greeting(row, first_name, context.now(), context.settings.timezone)


async def help_command(update: Update, context: Context) -> None:
    """List the commands of the caller's role."""
    row = await db.get_user(context.db, update.effective_user.id)
    role = row["role"] if row else VOLUNTEER
    lines = [_("Here is what you can do:"), ""]
    lines += [f"/{c.name} — {_(c.description)}" for c in commands_for(role)]
    await update.effective_message.reply_text("\n".join(lines))


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
    await update.effective_message.reply_text(_(PRIVACY_TEXT))


async def cancel_idle(update: Update, context: Context) -> None:
    """/cancel when no flow is running."""
    await update.effective_message.reply_text(_("There is nothing to cancel right now."))


# -- /lang ----------------------------------------------------------------------------------------


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}")
                for code in SUPPORTED_LOCALES
            ]
        ]
    )


async def lang(update: Update, context: Context) -> None:
    """Offer the supported languages."""
    await update.effective_message.reply_text(
        _("Choose your language:"), reply_markup=language_keyboard()
    )


async def lang_chosen(update: Update, context: Context) -> None:
    """Save the chosen language and switch the menu to it."""
    query = update.callback_query
    code = query.data.partition(":")[2]
    if code not in SUPPORTED_LOCALES:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    async with context.db.transaction() as tx:
        await db.set_user_locale(tx, query.from_user.id, code)
        row = await db.get_user(tx, query.from_user.id)
    set_locale(code)
    await query.answer()
    await query.edit_message_text(_("Done. I will speak English with you.") if code == "en" else _("Done. I will speak Arabic with you."))
    await refresh_user_menu(context.bot, row, context.settings.default_locale)


# -- fallbacks ------------------------------------------------------------------------------------


async def not_understood(update: Update, context: Context) -> None:
    """A short hint for anything no other handler took."""
    await update.effective_message.reply_text(
        _("Sorry, I did not understand that. Send /help to see what I can do.")
    )


async def stale_button(update: Update, context: Context) -> None:
    """A button nobody handles any more (an old message, a finished flow)."""
    await update.callback_query.answer(_("This button is no longer active."), show_alert=True)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("privacy", privacy))
    app.add_handler(CommandHandler("cancel", cancel_idle))
    app.add_handler(CommandHandler("lang", lang))
    app.add_handler(CallbackQueryHandler(lang_chosen, pattern=r"^lang:"))


def register_fallbacks(app: Application) -> None:  # type: ignore[type-arg]
    """Register last: they take whatever no other handler in group 0 took."""
    # New private messages only: an edited message or a service message needs no hint.
    app.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL,
            not_understood,
        )
    )
    app.add_handler(CallbackQueryHandler(stale_button))
