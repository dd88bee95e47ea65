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
from bot.i18n import _, format_datetime, pgettext
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
AUDIT_FILTERED = kit.Route("audit", "f", str, int, int)  # kind (or "all"), actor (0: anyone), offset
AUDIT_KINDS = kit.Route("audit", "k", str, int)  # the kind menu, keeping kind and actor
AUDIT_PEOPLE = kit.Route("audit", "a", str, int)  # the people menu, keeping kind and actor
AUDIT_PEOPLE_SHOWN = 20


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


ALL = "all"  # no kind filter in AUDIT_FILTERED; actor 0 is everyone


@requires(STAFF)
async def audit_command(update: Update, context: Context) -> None:
    """The most recent staff actions in words, newest first, paged; filter buttons below."""
    query = update.callback_query
    offset = max(0, AUDIT.one(query.data) or 0) if query else 0
    await _audit_page(update, context, None, None, offset)


@requires(STAFF)
async def audit_filtered(update: Update, context: Context) -> None:
    """A page of one kind of action and/or one person's actions."""
    kind, actor, offset = AUDIT_FILTERED.parse(kit.data_of(update)) or (ALL, 0, 0)
    if kind != ALL and texts.audit_kind(kind) is None:
        await kit.stale(update)
        return
    await _audit_page(update, context, None if kind == ALL else kind, actor or None, offset)


async def _audit_page(
    update: Update, context: Context, kind: str | None, actor_id: int | None, offset: int
) -> None:
    query = update.callback_query
    found = texts.audit_kind(kind) if kind else None
    actor = await db.audit_actor(context.db, actor_id) if actor_id else None
    if actor_id and actor is None:
        await kit.stale(update)
        return
    if query:
        await query.answer()
    rows = await db.filtered_audit(
        context.db, prefixes=found[1] if found else (), actor_id=actor_id,
        limit=AUDIT_PAGE + 1, offset=offset,
    )
    text = texts.audit_page(rows[:AUDIT_PAGE], context.settings.timezone,
                            heading=texts.audit_heading(kind, actor))
    # One row beyond the page says there is an older page; the pager needs no total count.
    if kind is None and actor_id is None:
        nav = kit.pager(AUDIT, offset, offset + len(rows), AUDIT_PAGE, back=_("Newer"), forward=_("Older"))
    else:
        nav = kit.pager(AUDIT_FILTERED, offset, offset + len(rows), AUDIT_PAGE, kind or ALL, actor_id or 0,
                        back=_("Newer"), forward=_("Older"))
    keys = (kind or ALL, actor_id or 0)
    filters_row = [
        kit.button(_("🗂 By kind"), AUDIT_KINDS.data(*keys)),
        kit.button(_("👤 By person"), AUDIT_PEOPLE.data(*keys)),
    ]
    reset = [kit.button(_("✖ All actions"), AUDIT.data(0))] if (kind or actor_id) else []
    keyboard = kit.markup(nav, filters_row, reset)
    if query:
        await query.edit_message_text(text, reply_markup=keyboard)
    else:
        await kit.message_of(update).reply_text(text, reply_markup=keyboard)


@requires(STAFF)
async def audit_kinds(update: Update, context: Context) -> None:
    """The kinds of action to filter by (the person filter, if any, is kept)."""
    kind, actor = AUDIT_KINDS.parse(kit.data_of(update)) or (ALL, 0)
    buttons = [
        kit.button(kit.checked(pgettext(*label), code == kind), AUDIT_FILTERED.data(code, actor, 0))
        for code, label, _prefixes in texts.AUDIT_KINDS
    ]
    buttons.append(kit.button(kit.checked(_("Every kind"), kind == ALL), AUDIT_FILTERED.data(ALL, actor, 0)))
    await kit.query_of(update).answer()
    await kit.query_of(update).edit_message_text(
        _("Show which kind of action?"), reply_markup=kit.markup(kit.grid(buttons, 2))
    )


@requires(STAFF)
async def audit_people(update: Update, context: Context) -> None:
    """The people with recorded actions, most recent first (the kind filter, if any, is kept)."""
    kind, actor = AUDIT_PEOPLE.parse(kit.data_of(update)) or (ALL, 0)
    people = await db.audit_actors(context.db, limit=AUDIT_PEOPLE_SHOWN)
    buttons = [
        kit.button(kit.checked(texts.actor_label(row), int(row["id"]) == actor),
                   AUDIT_FILTERED.data(kind, int(row["id"]), 0))
        for row in people
    ]
    buttons.append(kit.button(kit.checked(_("Everyone"), actor == 0), AUDIT_FILTERED.data(kind, 0, 0)))
    await kit.query_of(update).answer()
    await kit.query_of(update).edit_message_text(
        _("Show whose actions?"), reply_markup=kit.markup(kit.grid(buttons, 1))
    )


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
    app.add_handler(CallbackQueryHandler(audit_filtered, pattern=AUDIT_FILTERED.pattern))
    app.add_handler(CallbackQueryHandler(audit_kinds, pattern=AUDIT_KINDS.pattern))
    app.add_handler(CallbackQueryHandler(audit_people, pattern=AUDIT_PEOPLE.pattern))
