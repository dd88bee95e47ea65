"""Admins add a coordinator: by picking the user, forwarding their message, or typing their id."""

from __future__ import annotations

from telegram import (
    KeyboardButton,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import db
from bot.auth import ADMIN, COORDINATOR, STAFF, requires
from bot.context import Context
from bot.flows import private_flow
from bot.handlers.common import announce_role_change, refresh_menu_of
from bot.i18n import _, ltr

WAITING_FOR_PERSON = "add_coordinator.person"
REQUEST_ID = 1


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


def _question() -> str:
    return _(
        "Who should become a coordinator? Tap “Choose the person”, forward me any message they "
        "sent, or type their numeric Telegram id. Send /cancel to stop."
    )


@requires(ADMIN)
async def begin(update: Update, context: Context) -> str:
    """Ask the admin who to add."""
    await update.callback_query.answer()
    await update.effective_message.reply_text(_question(), reply_markup=_ask_keyboard())
    return WAITING_FOR_PERSON


def _person_from(update: Update) -> tuple[int | None, str | None]:
    """(user id, error text) from a picked user, a forwarded message or a typed id."""
    message = update.effective_message
    if message.users_shared and message.users_shared.users:
        return message.users_shared.users[0].user_id, None
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
        return sender.id, None
    text = (message.text or "").strip()
    if text.isdigit() and 0 < int(text) < 10**15:
        return int(text), None
    return None, _("That is not a person I can add.")


@requires(ADMIN)
async def receive_person(update: Update, context: Context) -> str | int:
    """Make the chosen person a coordinator, or explain and ask again."""
    user_id, error = _person_from(update)
    if user_id is None:
        await update.effective_message.reply_text(f"{error}\n\n{_question()}", reply_markup=_ask_keyboard())
        return WAITING_FOR_PERSON
    actor = update.effective_user.id
    async with context.db.transaction() as tx:
        await db.ensure_user(tx, user_id, now=context.now())
        target = await db.get_user(tx, user_id)
        already = target["role"] in STAFF
        if not already:
            await db.set_user_role(tx, user_id, COORDINATOR)
            event_id = await db.audit(
                tx, actor_id=actor, action="staff.add", now=context.now(),
                target_type="user", target_id=user_id,
            )
            await announce_role_change(tx, context, user_id, removed=False, event_id=event_id)
    if already:
        await update.effective_message.reply_text(
            _("{id} is already on the office staff.").format(id=ltr(user_id)),
            reply_markup=ReplyKeyboardRemove(),
        )
        return ConversationHandler.END
    await update.effective_message.reply_text(
        _("Done: {id} is now a coordinator.").format(id=ltr(user_id)),
        reply_markup=ReplyKeyboardRemove(),
    )
    await refresh_menu_of(context, user_id)
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> int:
    """Stop without changing anything."""
    await update.effective_message.reply_text(_("Cancelled. Nothing was changed."), reply_markup=ReplyKeyboardRemove())
    return ConversationHandler.END


def build() -> ConversationHandler:
    return private_flow(
        "add_coordinator",
        entry_points=[CallbackQueryHandler(begin, pattern=r"^staff:add$")],
        states={
            WAITING_FOR_PERSON: [
                MessageHandler(
                    (filters.StatusUpdate.USERS_SHARED | filters.FORWARDED | filters.TEXT)
                    & ~filters.COMMAND,
                    receive_person,
                )
            ]
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(filters.ALL & ~filters.COMMAND, receive_person),
        ],
    )
