"""Office staff: /staff (admins add and remove coordinators, invite links) and /audit.

Adding a coordinator asks who: that question is bot/flows/add_coordinator.py (app.py wires it),
started by this list's ADD_COORDINATOR button.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import db
from bot.auth import ADMIN, ADMIN_ROLE, COORDINATOR, STAFF, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import _, format_datetime
from bot.notices.menus import refresh_menu_of
from bot.notices.staff import ADD_COORDINATOR
from bot.operations import staff as operations
from bot.texts import display_name
from bot.texts import staff as texts

AUDIT_PAGE = 15
LIST = kit.Route("staff", "list")
REMOVE = kit.Route("staff", "rm", int)
REMOVE_OK = kit.Route("staff", "rmok", int)
INVITE = kit.Route("staff", "inv")
REVOKE_INVITE = kit.Route("staff", "invrv", str)
AUDIT = kit.Route("audit", "p", int)  # the /audit page from an offset


async def staff_overview(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    rows = await db.list_users_by_role(context.db, (ADMIN_ROLE, COORDINATOR))
    admins = [row for row in rows if row["role"] == ADMIN_ROLE]  # the last one cannot go
    buttons = [
        [kit.button(_("Remove {name}").format(name=row["first_name"] or row["id"]), REMOVE.data(row["id"]))]
        for row in rows
        if row["role"] == COORDINATOR
    ]
    buttons.append([kit.button(_("➕ Add a coordinator"), ADD_COORDINATOR.data())])
    buttons.append([kit.button(_("🔗 Invite link"), INVITE.data())])
    if len(admins) > 1:  # an admin may remove another admin, never the last one
        buttons += [
            [kit.button(_("Remove admin {name}").format(name=row["first_name"] or row["id"]), REMOVE.data(row["id"]))]
            for row in admins
        ]
    return texts.staff_list(rows), kit.markup(buttons)


@requires(ADMIN)
async def staff_command(update: Update, context: Context) -> None:
    """List the office staff with buttons to add and remove coordinators."""
    text, keyboard = await staff_overview(context)
    await kit.message_of(update).reply_text(text, reply_markup=keyboard)


@requires(ADMIN)
async def ask_remove(update: Update, context: Context) -> None:
    """Ask the admin to confirm removing a coordinator."""
    query = kit.query_of(update)
    target_id = REMOVE.one(query.data)
    target = await db.get_user(context.db, target_id)
    if target is None or target["role"] not in (COORDINATOR, ADMIN_ROLE):
        await query.answer(_("This person is not a coordinator any more."), show_alert=True)
        return
    await query.answer()
    question = (
        _("Remove {name} from the coordinators? They will become a regular user.")
        if target["role"] == COORDINATOR
        else _("Remove {name} from the admins? They will become a regular user, and ADMIN_IDS will not make them an admin again.")
    )
    await query.edit_message_text(
        question.format(name=display_name(target)),
        reply_markup=kit.markup(
            [kit.button(_("Yes, remove"), REMOVE_OK.data(target_id)), kit.button(_("Keep"), LIST.data())]
        ),
    )


@requires(ADMIN)
async def confirm_remove(update: Update, context: Context) -> None:
    """Demote a coordinator to volunteer, audit it, and tell them."""
    query = kit.query_of(update)
    outcome = await operations.remove_coordinator(
        context.db, user_id=REMOVE_OK.one(query.data), actor_id=query.from_user.id,
        now=context.now(), default_locale=context.settings.default_locale,
    )
    if outcome.last_admin:
        await kit.answer(update, _("The office must keep at least one admin."), alert=True)
        return
    if not outcome.changed:
        await kit.answer(update, _("This person is not a coordinator any more."), alert=True)
        return
    await kit.answer(update, _("Removed."))  # refused (too old)? The list below still shows it
    text, keyboard = await staff_overview(context)
    await query.edit_message_text(text, reply_markup=keyboard)
    await refresh_menu_of(context.bot, context.db, outcome.user_id, context.settings.default_locale)


@requires(ADMIN)
async def show_list(update: Update, context: Context) -> None:
    """Back to the staff list."""
    query = kit.query_of(update)
    await query.answer()
    text, keyboard = await staff_overview(context)
    await query.edit_message_text(text, reply_markup=keyboard)


@requires(ADMIN)
async def create_invite(update: Update, context: Context) -> None:
    """A one-time link that makes whoever opens it a coordinator."""
    query = kit.query_of(update)
    now = context.now()
    invite = await operations.create_invite(
        context.db, actor_id=query.from_user.id, now=now, expires_at=now + context.settings.invite_ttl
    )
    await kit.answer(update)
    # On a line of its own and never wrapped in bidi marks: they could become part of the URL.
    link = f"https://t.me/{context.bot.username}?start=staff_{invite.token}"
    await kit.message_of(update).reply_text(
        _(
            "Send this link to the new coordinator. It works once and expires on {date}:\n{link}"
        ).format(date=format_datetime(invite.expires_at, context.settings.timezone), link=link),
        reply_markup=kit.markup([kit.button(_("Revoke this link"), REVOKE_INVITE.data(invite.token))]),
    )


@requires(ADMIN)
async def revoke_invite(update: Update, context: Context) -> None:
    """Make an unused invite link useless, and audit it."""
    query = kit.query_of(update)
    outcome = await operations.revoke_invite(
        context.db, token=REVOKE_INVITE.one(query.data), actor_id=query.from_user.id, now=context.now()
    )
    if not outcome.revoked:
        await query.answer(
            _("This invite link was already used, revoked or has expired."), show_alert=True
        )
        return
    await kit.answer(update, _("Revoked."))
    await query.edit_message_text(_("This invite link was revoked: it no longer works."))


async def accept_invite(update: Update, context: Context) -> None:
    """/start staff_<token>: the person who opens a valid invite becomes a coordinator."""
    user_id = kit.user_id_of(update)
    token = context.args[0].removeprefix("staff_") if context.args else ""
    outcome = await operations.accept_invite(
        context.db, token=token, user_id=user_id, now=context.now(),
        default_locale=context.settings.default_locale,
    )
    message = kit.message_of(update)
    if outcome.kind == "already":
        await message.reply_text(_("You are already on the office staff."))
        return
    if outcome.kind == "invalid":
        await message.reply_text(
            _("This invite link is not valid: it was used, revoked or has expired. "
              "Ask an admin for a new one.")
        )
        return
    await message.reply_text(
        _("Welcome to the office staff. You are now a coordinator: send /help to see your commands.")
    )
    await refresh_menu_of(context.bot, context.db, user_id, context.settings.default_locale)


# -- /audit ----------------------------------------------------------------------------------------


@requires(STAFF)
async def audit_command(update: Update, context: Context) -> None:
    """The most recent staff actions, newest first, paged."""
    query = update.callback_query
    offset = max(0, AUDIT.one(query.data) or 0) if query else 0
    if query:
        await query.answer()
    rows = await db.recent_audit(context.db, limit=AUDIT_PAGE + 1, offset=offset)
    text = texts.audit_page(rows[:AUDIT_PAGE], context.settings.timezone)
    # One row beyond the page says there is an older page; the pager needs no total count.
    nav = kit.pager(
        AUDIT, offset, offset + len(rows), AUDIT_PAGE, back=_("Newer"), forward=_("Older")
    )
    keyboard = kit.markup(nav) if nav else None
    if query:
        await query.edit_message_text(text, reply_markup=keyboard)
    else:
        await kit.message_of(update).reply_text(text, reply_markup=keyboard)


def register(app: Application) -> None:
    app.add_handler(
        CommandHandler("start", accept_invite, filters=filters.Regex(r"^/start staff_"))
    )
    app.add_handler(CommandHandler("staff", staff_command))
    app.add_handler(CallbackQueryHandler(ask_remove, pattern=REMOVE.pattern))
    app.add_handler(CallbackQueryHandler(confirm_remove, pattern=REMOVE_OK.pattern))
    app.add_handler(CallbackQueryHandler(show_list, pattern=LIST.pattern))
    app.add_handler(CallbackQueryHandler(create_invite, pattern=INVITE.pattern))
    app.add_handler(CallbackQueryHandler(revoke_invite, pattern=REVOKE_INVITE.pattern))
    app.add_handler(CommandHandler("audit", audit_command))
    app.add_handler(CallbackQueryHandler(audit_command, pattern=AUDIT.pattern))
