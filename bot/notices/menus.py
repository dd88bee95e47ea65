"""The command menu of each role, in each person's language: what /help lists and what Telegram
shows beside the text field. A role change (a new coordinator, a representative removed)
switches that person's menu at once; handlers and flows call `refresh_menu_of` for it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot import db
from bot.i18n import N_, _, resolve_locale, use_locale
from bot.roles import ADMIN_ROLE, COORDINATOR, ENTITY_REP, EVERYONE, STAFF, VOLUNTEER
from bot.texts import Row

log = logging.getLogger(__name__)

STAFF_ROLES = STAFF


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # marked with N_, translated when shown
    roles: frozenset[str]


# The command menu and /help, in the order shown. Staff see their own commands first.
COMMANDS = (
    Command("needs", N_("Needs waiting for approval and fill rates"), STAFF_ROLES),
    Command("today", N_("Today's board: who is on shift, late or absent, and open places"), STAFF_ROLES),
    Command("volunteers", N_("Find, approve and manage volunteers"), STAFF_ROLES),
    Command("entities", N_("Partner entities and their representatives"), STAFF_ROLES),
    Command("broadcast", N_("Send a message to many people"), STAFF_ROLES),
    Command("stats", N_("Numbers for the season"), STAFF_ROLES),
    Command("export", N_("Download a spreadsheet"), STAFF_ROLES),
    Command("audit", N_("Recent staff actions"), STAFF_ROLES),
    Command("staff", N_("Office staff: add or remove coordinators"), frozenset({ADMIN_ROLE})),
    Command("certificate", N_("Issue a volunteer's hours certificate: /certificate ID"), STAFF_ROLES),
    Command("trainings", N_("Training sessions and awareness lectures ahead"), STAFF_ROLES),
    Command("newtraining", N_("Schedule a training session or an awareness lecture"), STAFF_ROLES),
    Command("need", N_("Post a need for volunteers"), frozenset({ENTITY_REP, COORDINATOR, ADMIN_ROLE})),
    Command("myneeds", N_("Your entity's needs and rosters"), frozenset({ENTITY_REP})),
    Command("today", N_("Today's shifts of your entity: who came, who is late, open places"), frozenset({ENTITY_REP})),
    Command("export", N_("Your entity's needs and rosters as a spreadsheet"), frozenset({ENTITY_REP})),
    Command("certificate", N_("Your entity's volunteers and their hours this season"), frozenset({ENTITY_REP})),
    Command("newtraining", N_("Schedule a training in your entity's specialties"), frozenset({ENTITY_REP})),
    Command("register", N_("Register as a volunteer"), frozenset({VOLUNTEER})),
    Command("profile", N_("Your volunteer profile"), frozenset({VOLUNTEER})),
    Command("shifts", N_("Open shifts you can sign up for"), frozenset({VOLUNTEER})),
    Command("myshifts", N_("Your shifts"), frozenset({VOLUNTEER})),
    Command("pause", N_("Pause offers for a while"), frozenset({VOLUNTEER})),
    Command("resume", N_("Receive offers again"), frozenset({VOLUNTEER})),
    Command("certificate", N_("A PDF certificate of your volunteer hours"), frozenset({VOLUNTEER})),
    Command("delete_me", N_("Delete your personal data"), frozenset({VOLUNTEER})),
    Command("lang", N_("Change language"), EVERYONE),
    Command("help", N_("What I can do"), EVERYONE),
    Command("privacy", N_("What we store and why"), EVERYONE),
    Command("cancel", N_("Stop what you are doing"), EVERYONE),
    Command("start", N_("Start over"), EVERYONE),
)


def commands_for(role: str) -> list[Command]:
    return [c for c in COMMANDS if role in c.roles]


def bot_commands(role: str) -> list[BotCommand]:
    """The menu for a role in the current locale."""
    return [BotCommand(c.name, _(c.description)) for c in commands_for(role)]


async def refresh_user_menu(bot: Bot, user: Row, default_locale: str) -> None:
    """A menu for one chat (`user` is their users row), in their language and for their role."""
    locale = resolve_locale(user["locale"], user["language_code"], default_locale)
    with use_locale(locale):
        commands = bot_commands(user["role"])
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(user["id"]))
    except TelegramError:
        log.warning("could not set the menu for user %s", user["id"], exc_info=True)


async def refresh_menu_of(bot: Bot, database: db.Database, user_id: int, default_locale: str) -> None:
    """After a role change: the person's menu, for their new role and in their language."""
    row = await db.get_user(database, user_id)
    if row is not None:
        await refresh_user_menu(bot, row, default_locale)
