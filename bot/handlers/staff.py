"""Office staff: /staff (admins add and remove coordinators, invite links) and /audit."""

from __future__ import annotations

import secrets

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import db
from bot.auth import ADMIN, ADMIN_ROLE, COORDINATOR, STAFF, requires
from bot.context import Context
from bot.flows import add_coordinator
from bot.handlers.common import announce_role_change, display_name, refresh_menu_of
from bot.i18n import N_, _, format_datetime, isolate, ltr

AUDIT_PAGE = 15


async def staff_overview(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    rows = await db.list_users_by_role(context.db, (ADMIN_ROLE, COORDINATOR))
    lines = [_("Office staff:"), ""]
    buttons = []
    for row in rows:
        role = _("admin") if row["role"] == ADMIN_ROLE else _("coordinator")
        lines.append(f"• {display_name(row)} — {role} ({ltr(row['id'])})")
        if row["role"] == COORDINATOR:
            buttons.append(
                [
                    InlineKeyboardButton(
                        _("Remove {name}").format(name=row["first_name"] or row["id"]),
                        callback_data=f"staff:rm:{row['id']}",
                    )
                ]
            )
    buttons.append([InlineKeyboardButton(_("➕ Add a coordinator"), callback_data="staff:add")])
    buttons.append([InlineKeyboardButton(_("🔗 Invite link"), callback_data="staff:inv")])
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


@requires(ADMIN)
async def staff_command(update: Update, context: Context) -> None:
    """List the office staff with buttons to add and remove coordinators."""
    text, keyboard = await staff_overview(context)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


@requires(ADMIN)
async def ask_remove(update: Update, context: Context) -> None:
    """Ask the admin to confirm removing a coordinator."""
    query = update.callback_query
    target_id = int(query.data.split(":")[2])
    target = await db.get_user(context.db, target_id)
    if target is None or target["role"] != COORDINATOR:
        await query.answer(_("This person is not a coordinator any more."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        _("Remove {name} from the coordinators? They will become a regular user.").format(
            name=display_name(target)
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(_("Yes, remove"), callback_data=f"staff:rmok:{target_id}"),
                    InlineKeyboardButton(_("Keep"), callback_data="staff:list"),
                ]
            ]
        ),
    )


@requires(ADMIN)
async def confirm_remove(update: Update, context: Context) -> None:
    """Demote a coordinator to volunteer, audit it, and tell them."""
    query = update.callback_query
    target_id = int(query.data.split(":")[2])
    async with context.db.transaction() as tx:
        target = await db.get_user(tx, target_id)
        if target is None or target["role"] != COORDINATOR:
            target = None
        else:
            await db.set_user_role(tx, target_id, "volunteer")
            event_id = await db.audit(
                tx,
                actor_id=query.from_user.id,
                action="staff.remove",
                now=context.now(),
                target_type="user",
                target_id=target_id,
            )
            await announce_role_change(tx, context, target_id, removed=True, event_id=event_id)
    if target is None:
        await query.answer(_("This person is not a coordinator any more."), show_alert=True)
        return
    await query.answer(_("Removed."))
    text, keyboard = await staff_overview(context)
    await query.edit_message_text(text, reply_markup=keyboard)
    await refresh_menu_of(context, target_id)


@requires(ADMIN)
async def show_list(update: Update, context: Context) -> None:
    """Back to the staff list."""
    await update.callback_query.answer()
    text, keyboard = await staff_overview(context)
    await update.callback_query.edit_message_text(text, reply_markup=keyboard)


@requires(ADMIN)
async def create_invite(update: Update, context: Context) -> None:
    """A one-time link that makes whoever opens it a coordinator."""
    query = update.callback_query
    token = secrets.token_urlsafe(12)
    now = context.now()
    expires_at = now + context.settings.invite_ttl
    async with context.db.transaction() as tx:
        await db.create_staff_invite(
            tx,
            token=token,
            role=COORDINATOR,
            created_by=query.from_user.id,
            now=now,
            expires_at=expires_at,
        )
        await db.audit(
            tx,
            actor_id=query.from_user.id,
            action="staff.invite",
            now=now,
            target_type="invite",
            target_id=token,
        )
    await query.answer()
    # On a line of its own and never wrapped in bidi marks: they could become part of the URL.
    link = f"https://t.me/{context.bot.username}?start=staff_{token}"
    await query.message.reply_text(
        _(
            "Send this link to the new coordinator. It works once and expires on {date}:\n{link}"
        ).format(date=format_datetime(expires_at, context.settings.timezone), link=link),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("Revoke this link"), callback_data=f"staff:invrv:{token}")]]
        ),
    )


@requires(ADMIN)
async def revoke_invite(update: Update, context: Context) -> None:
    """Make an unused invite link useless, and audit it."""
    query = update.callback_query
    token = query.data.split(":", 2)[2]
    now = context.now()
    async with context.db.transaction() as tx:
        invite = await db.revoke_staff_invite(tx, token, now=now)
        if invite is not None:
            await db.audit(
                tx,
                actor_id=query.from_user.id,
                action="staff.invite_revoked",
                now=now,
                target_type="invite",
                target_id=token,
            )
    if invite is None:
        await query.answer(
            _("This invite link was already used, revoked or has expired."), show_alert=True
        )
        return
    await query.answer(_("Revoked."))
    await query.edit_message_text(_("This invite link was revoked: it no longer works."))


async def accept_invite(update: Update, context: Context) -> None:
    """/start staff_<token>: the person who opens a valid invite becomes a coordinator."""
    user = update.effective_user
    token = context.args[0].removeprefix("staff_") if context.args else ""
    async with context.db.transaction() as tx:
        current = await db.get_user(tx, user.id)
        if current is not None and current["role"] in STAFF:
            invite = None
            already = True
        else:
            already = False
            invite = await db.claim_staff_invite(tx, token, user_id=user.id, now=context.now())
            if invite is not None:
                await db.set_user_role(tx, user.id, COORDINATOR)
                event_id = await db.audit(
                    tx,
                    actor_id=user.id,
                    action="staff.invite_used",
                    now=context.now(),
                    target_type="user",
                    target_id=user.id,
                    details={"invited_by": invite["created_by"]},
                )
                await announce_role_change(
                    tx, context, user.id, removed=False, event_id=event_id,
                    inviter_id=invite["created_by"],
                )
    if already:
        await update.effective_message.reply_text(_("You are already on the office staff."))
        return
    if invite is None:
        await update.effective_message.reply_text(
            _("This invite link is not valid: it was used, revoked or has expired. "
              "Ask an admin for a new one.")
        )
        return
    await update.effective_message.reply_text(
        _("Welcome to the office staff. You are now a coordinator: send /help to see your commands.")
    )
    await refresh_menu_of(context, user.id)


# -- /audit ----------------------------------------------------------------------------------------

# What the foundation's actions read like; other actions are shown by their code.
AUDIT_ACTIONS = {
    "staff.add": N_("{actor} made {target} a coordinator"),
    "staff.remove": N_("{actor} removed {target} from the coordinators"),
    "staff.invite": N_("{actor} created a staff invite link"),
    "staff.invite_used": N_("{actor} joined the staff with an invite link"),
    "staff.invite_revoked": N_("{actor} revoked a staff invite link"),
}


def _audit_line(row: db.Row) -> str:
    actor_name = " ".join(
        part for part in (row["actor_name"], row["actor_username"] and f"@{row['actor_username']}")
        if part
    )
    actor = isolate(f"{actor_name} ({row['actor_id']})" if actor_name else str(row["actor_id"]))
    target = ltr(row["target_id"] or "")
    label = AUDIT_ACTIONS.get(row["action"])
    if label is not None:
        return _(label).format(actor=actor, target=target)
    suffix = f" → {row['target_type']} {target}" if row["target_type"] else ""
    return f"{actor}: {ltr(row['action'])}{suffix}"


@requires(STAFF)
async def audit_command(update: Update, context: Context) -> None:
    """The most recent staff actions, newest first, paged."""
    offset = 0
    if update.callback_query:
        offset = max(0, int(update.callback_query.data.split(":")[2]))
        await update.callback_query.answer()
    rows = await db.recent_audit(context.db, limit=AUDIT_PAGE + 1, offset=offset)
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    if not rows:
        text = _("No staff actions have been recorded yet.")
    else:
        lines = [_("Recent staff actions:"), ""]
        for row in rows:
            when = format_datetime(db.parse_ts(row["at"]), context.settings.timezone)
            lines.append(f"• {when}\n  {_audit_line(row)}")
        text = "\n".join(lines)
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(_("◀ Newer"), callback_data=f"audit:p:{max(0, offset - AUDIT_PAGE)}"))
    if more:
        nav.append(InlineKeyboardButton(_("Older ▶"), callback_data=f"audit:p:{offset + AUDIT_PAGE}"))
    keyboard = InlineKeyboardMarkup([nav]) if nav else None
    if update.callback_query:
        await update.callback_query.edit_message_text(text, reply_markup=keyboard)
    else:
        await update.effective_message.reply_text(text, reply_markup=keyboard)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        CommandHandler("start", accept_invite, filters=filters.Regex(r"^/start staff_"))
    )
    app.add_handler(add_coordinator.build())
    app.add_handler(CommandHandler("staff", staff_command))
    app.add_handler(CallbackQueryHandler(ask_remove, pattern=r"^staff:rm:\d+$"))
    app.add_handler(CallbackQueryHandler(confirm_remove, pattern=r"^staff:rmok:\d+$"))
    app.add_handler(CallbackQueryHandler(show_list, pattern=r"^staff:list$"))
    app.add_handler(CallbackQueryHandler(create_invite, pattern=r"^staff:inv$"))
    app.add_handler(CallbackQueryHandler(revoke_invite, pattern=r"^staff:invrv:[\w-]+$"))
    app.add_handler(CommandHandler("audit", audit_command))
    app.add_handler(CallbackQueryHandler(audit_command, pattern=r"^audit:p:\d+$"))
