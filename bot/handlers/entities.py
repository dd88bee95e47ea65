"""/entities (coordinators and admins): partner entities, their representatives and invite links,
and `/start rep_<token>`, which makes whoever opens a valid invite an entity's representative.

Adding an entity and changing one of its fields ask questions: bot/flows/entity_edit.py, started
by the ADD and EDIT_FIELD buttons built here.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import db
from bot.auth import STAFF, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import _, format_datetime
from bot.notices import entities as card
from bot.notices.menus import refresh_menu_of
from bot.operations import entities as operations
from bot.texts import display_name, entity_name
from bot.texts import entities as texts

PAGE = 8
INVITE_PREFIX = "rep_"


# -- the list -------------------------------------------------------------------------------------


async def entities_page(context: Context, offset: int) -> tuple[str, InlineKeyboardMarkup]:
    total = await db.count_entities(context.db)
    offset = max(0, min(offset, max(0, total - 1) // PAGE * PAGE))
    rows = await db.list_entities(context.db, limit=PAGE, offset=offset)
    buttons = [[kit.button(entity_name(row), card.OPEN.data(row["id"]))] for row in rows]
    return texts.list_text(rows, total), kit.markup(
        buttons, kit.pager(card.PAGE, offset, total, PAGE), [kit.button(_("➕ Add an entity"), card.ADD.data())]
    )


@requires(STAFF)
async def entities_command(update: Update, context: Context) -> None:
    """List the partner entities with buttons to open and add them."""
    text, keyboard = await entities_page(context, 0)
    await kit.message_of(update).reply_text(text, reply_markup=keyboard)


@requires(STAFF)
async def show_page(update: Update, context: Context) -> None:
    """Another page of the list."""
    query = kit.query_of(update)
    text, keyboard = await entities_page(context, card.PAGE.one(query.data))
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard)


# -- one entity -----------------------------------------------------------------------------------


async def _show_entity(update: Update, context: Context, entity_id: int, notice: str | None = None) -> None:
    view = await operations.view(context.db, entity_id, now=context.now())
    if view is None:
        await kit.stale(update, _("This entity no longer exists."))
        return
    tz = context.settings.timezone
    await kit.answer(update, notice)
    await kit.query_of(update).edit_message_text(
        texts.card_text(view.entity, view.reps, [when for _id, when in view.invites], tz),
        reply_markup=card.card_keyboard(view.entity, view.reps, view.invites, tz),
    )


@requires(STAFF)
async def open_entity(update: Update, context: Context) -> None:
    """Show one entity."""
    await _show_entity(update, context, card.OPEN.one(kit.data_of(update)))


@requires(STAFF)
async def edit_menu(update: Update, context: Context) -> None:
    """Which field to change."""
    query = kit.query_of(update)
    entity_id = card.EDIT_MENU.one(query.data)
    entity = await db.get_entity(context.db, entity_id)
    if entity is None:
        await kit.stale(update, _("This entity no longer exists."))
        return
    await query.answer()
    fields = (
        ("ar", _("Name in Arabic")),
        ("en", _("Name in English")),
        ("kind", _("Kind")),
        ("contact", _("Contact")),
    )
    await query.edit_message_text(
        _("What would you like to change for {name}?").format(name=entity_name(entity)),
        reply_markup=kit.markup(
            [[kit.button(label, card.EDIT_FIELD.data(entity_id, code))] for code, label in fields],
            [kit.button(kit.back_label(_("Back")), card.OPEN.data(entity_id))],
        ),
    )


@requires(STAFF)
async def set_active(update: Update, context: Context) -> None:
    """Deactivate (no new needs, no invites) or reactivate an entity."""
    query = kit.query_of(update)
    entity_id, flag = card.ACTIVE.parse(query.data) or (0, -1)
    if flag not in (0, 1):
        await kit.stale(update)
        return
    outcome = await operations.set_active(
        context.db, entity_id=entity_id, active=flag == 1, actor_id=query.from_user.id, now=context.now()
    )
    if outcome.kind == "missing":
        await kit.stale(update, _("This entity no longer exists."))
    elif outcome.kind == "unchanged":
        await _show_entity(update, context, entity_id, _("Nothing to change: it already was."))
    else:
        await _show_entity(
            update, context, entity_id, _("Reactivated.") if flag else _("Deactivated: no new needs or invites.")
        )


# -- invites --------------------------------------------------------------------------------------


@requires(STAFF)
async def create_invite(update: Update, context: Context) -> None:
    """A one-time link that makes whoever opens it a representative of this entity."""
    query = kit.query_of(update)
    now = context.now()
    expires_at = now + context.settings.invite_ttl
    outcome = await operations.create_invite(
        context.db, entity_id=card.INVITE.one(query.data), actor_id=query.from_user.id,
        now=now, expires_at=expires_at,
    )
    if outcome.invite_id is None or outcome.entity is None:
        await kit.stale(update, _("This entity is not active: reactivate it first."))
        return
    await kit.answer(update)
    link = f"https://t.me/{context.bot.username}?start={INVITE_PREFIX}{outcome.token}"
    await kit.message_of(update).reply_text(
        _(
            "Send this link to the representative of {name}. It works once, for one person, "
            "and expires {when}:\n{link}"
        ).format(
            name=entity_name(outcome.entity),
            when=format_datetime(expires_at, context.settings.timezone),
            link=link,  # no isolate marks around a URL: clients would take them into the link
        ),
        reply_markup=kit.markup([kit.button(_("🚫 Revoke this link"), card.REVOKE.data(outcome.invite_id))]),
    )


@requires(STAFF)
async def revoke_invite(update: Update, context: Context) -> None:
    """Make an unused invite link useless."""
    query = kit.query_of(update)
    outcome = await operations.revoke_invite(
        context.db, invite_id=card.REVOKE.one(query.data), actor_id=query.from_user.id, now=context.now()
    )
    if outcome.kind == "unknown" or outcome.entity_id is None:
        await kit.stale(update)
    elif outcome.kind == "already":
        await kit.stale(update, _("This link was already used or revoked."))
    else:
        await _show_entity(update, context, outcome.entity_id, _("Revoked: the link no longer works."))


async def accept_invite(update: Update, context: Context) -> None:
    """/start rep_<token>: the person who opens a valid invite becomes the entity's representative."""
    user_id = kit.user_id_of(update)
    token = context.args[0].removeprefix(INVITE_PREFIX) if context.args else ""
    outcome = await operations.accept_invite(
        context.db, token=token, user_id=user_id, now=context.now(),
        default_locale=context.settings.default_locale,
    )
    message = kit.message_of(update)
    if outcome.kind != "joined" or outcome.entity is None:
        await message.reply_text(texts.refusal(outcome.kind, outcome.entity))
        return
    await message.reply_text(
        _(
            "Welcome. You now represent {entity} on Aoun.\n\n"
            "Post a need for volunteers with /need, and follow your needs and the volunteers who "
            "accepted them with /myneeds."
        ).format(entity=entity_name(outcome.entity))
    )
    await refresh_menu_of(context.bot, context.db, user_id, context.settings.default_locale)


# -- removing a representative --------------------------------------------------------------------


@requires(STAFF)
async def ask_remove_rep(update: Update, context: Context) -> None:
    """Confirm before removing a representative."""
    query = kit.query_of(update)
    entity_id, user_id = card.REMOVE_REP.parse(query.data) or (0, 0)
    entity = await db.get_entity(context.db, entity_id)
    rep = await db.get_user(context.db, user_id)
    if entity is None or rep is None or not await db.is_entity_rep(context.db, user_id, entity_id):
        await kit.stale(update, _("This person no longer represents this entity."))
        return
    await query.answer()
    await query.edit_message_text(
        _("Remove {person} as a representative of {entity}? They will no longer post or see its needs.").format(
            person=display_name(rep), entity=entity_name(entity)
        ),
        reply_markup=kit.markup(
            [
                kit.button(_("Yes, remove"), card.REMOVE_REP_OK.data(entity_id, user_id)),
                kit.button(_("Keep"), card.OPEN.data(entity_id)),
            ]
        ),
    )


@requires(STAFF)
async def confirm_remove_rep(update: Update, context: Context) -> None:
    """Remove the representative, audit it, tell them, and switch their menu."""
    query = kit.query_of(update)
    entity_id, user_id = card.REMOVE_REP_OK.parse(query.data) or (0, 0)
    outcome = await operations.remove_rep(
        context.db, entity_id=entity_id, user_id=user_id, actor_id=query.from_user.id,
        now=context.now(), default_locale=context.settings.default_locale,
    )
    if not outcome.removed:
        await kit.stale(update, _("This person no longer represents this entity."))
        return
    await _show_entity(update, context, entity_id, _("Removed."))
    await refresh_menu_of(context.bot, context.db, user_id, context.settings.default_locale)


def register(app: Application) -> None:
    # The deep link must come before common's /start, which answers unclaimed links.
    app.add_handler(
        CommandHandler("start", accept_invite, filters=filters.Regex(rf"^/start {INVITE_PREFIX}"))
    )
    app.add_handler(CommandHandler("entities", entities_command))
    app.add_handler(CallbackQueryHandler(show_page, pattern=card.PAGE.pattern))
    app.add_handler(CallbackQueryHandler(open_entity, pattern=card.OPEN.pattern))
    app.add_handler(CallbackQueryHandler(edit_menu, pattern=card.EDIT_MENU.pattern))
    app.add_handler(CallbackQueryHandler(set_active, pattern=card.ACTIVE.pattern))
    app.add_handler(CallbackQueryHandler(create_invite, pattern=card.INVITE.pattern))
    app.add_handler(CallbackQueryHandler(revoke_invite, pattern=card.REVOKE.pattern))
    app.add_handler(CallbackQueryHandler(ask_remove_rep, pattern=card.REMOVE_REP.pattern))
    app.add_handler(CallbackQueryHandler(confirm_remove_rep, pattern=card.REMOVE_REP_OK.pattern))
