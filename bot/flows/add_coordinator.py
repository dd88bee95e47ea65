"""Admins add a coordinator: by picking the user, forwarding their message, or typing their id.

A short question (who?), started from the /staff list: another command or flow closes it, and a
long draft it interrupted (a /need half-way) comes back once the id is given.
"""

from __future__ import annotations

from telegram import (
    KeyboardButton,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.auth import ADMIN, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import N_, _, ltr
from bot.notices.menus import refresh_menu_of
from bot.notices.staff import ADD_COORDINATOR
from bot.operations import staff as operations

SPEC = kit.FlowSpec("add_coordinator", kit.Mode.SHORT, N_("the new coordinator"), area="adc")
WAITING_FOR_PERSON = "add_coordinator.person"
REQUEST_ID = 1
MAX_ID = 10**15


def _ask_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [
                KeyboardButton(
                    _("👤 Choose the person"),
                    request_users=KeyboardButtonRequestUsers(request_id=REQUEST_ID, user_is_bot=False),
                )
            ],
            [KeyboardButton("/cancel")],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def ask(update: Update, context: Context, *, notice: str = "") -> str:
    """Who should become a coordinator (after `notice`, when there is one)."""
    question = _(
        "Who should become a coordinator? Tap “Choose the person”, forward me any message they "
        "sent, or type their numeric Telegram id. Send /cancel to stop."
    )
    await kit.ask(update, context, SPEC, f"{notice}\n\n{question}" if notice else question, _ask_keyboard())
    return WAITING_FOR_PERSON


@requires(ADMIN)
async def begin(update: Update, context: Context) -> str:
    """Ask the admin who to add."""
    await kit.query_of(update).answer()
    return await ask(update, context)


def _person_from(update: Update) -> tuple[int | None, str]:
    """(user id, "") from a picked user, a forwarded message or a typed id; else (None, why)."""
    message = kit.message_of(update)
    if message.users_shared and message.users_shared.users:
        return message.users_shared.users[0].user_id, ""
    origin = message.forward_origin
    if origin is not None:
        sender = getattr(origin, "sender_user", None)
        if sender is None and origin.type == "hidden_user":
            return None, _(
                "Their privacy settings hide who sent that message. Ask them for their numeric "
                "id, or send them an invite link from /staff instead."
            )
        if sender is None:
            return None, _("That message came from a group or a channel, not from a person.")
        if sender.is_bot:
            return None, _("That message came from a bot. Please choose a person.")
        return sender.id, ""
    text = (message.text or "").strip()
    if text.isdigit() and 0 < int(text) < MAX_ID:
        return int(text), ""
    return None, _("That is not a person I can add.")


@requires(ADMIN)
async def receive_person(update: Update, context: Context) -> object:
    """Make the chosen person a coordinator, or explain and ask again."""
    user_id, problem = _person_from(update)
    if user_id is None:
        return await ask(update, context, notice=problem)
    outcome = await operations.add_coordinator(
        context.db, user_id=user_id, actor_id=kit.user_id_of(update), now=context.now(),
        default_locale=context.settings.default_locale,
    )
    message = kit.message_of(update)
    if not outcome.changed:
        await message.reply_text(
            _("{id} is already on the office staff.").format(id=ltr(user_id)),
            reply_markup=ReplyKeyboardRemove(),
        )
        return kit.END
    await message.reply_text(
        _("Done: {id} is now a coordinator.").format(id=ltr(user_id)), reply_markup=ReplyKeyboardRemove()
    )
    await refresh_menu_of(context.bot, context.db, user_id, context.settings.default_locale)
    return kit.END


async def cancel(update: Update, context: Context) -> object:
    """/cancel: stop without changing anything."""
    await kit.message_of(update).reply_text(
        _("Cancelled. Nothing was changed."), reply_markup=ReplyKeyboardRemove()
    )
    return kit.END


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    return await ask(update, context, notice=notice)


def build() -> kit.Flow:
    # Anything but a command answers the question: a shared user (a service message), a
    # forward, an id, or something else that is explained.
    answer = (filters.StatusUpdate.USERS_SHARED | ~filters.StatusUpdate.ALL) & ~filters.COMMAND
    return kit.flow(
        SPEC,
        entry_points=[CallbackQueryHandler(begin, pattern=ADD_COORDINATOR.pattern)],
        states={WAITING_FOR_PERSON: [MessageHandler(filters.UpdateType.MESSAGE & answer, receive_person)]},
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
