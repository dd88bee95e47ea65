"""/entities (coordinators and admins): partner entities, their representatives and invite links,
and `/start rep_<token>`, which makes whoever opens a valid invite an entity's representative."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import db, delivery
from bot.auth import ENTITY_REP, STAFF, VOLUNTEER, requires
from bot.context import Context
from bot.handlers.common import display_name, refresh_user_menu
from bot.i18n import (
    _,
    format_datetime,
    format_short_date,
    isolate,
    ltr,
    ngettext,
    use_locale,
    user_locale,
)
from bot.texts import entity_kind, entity_name

log = logging.getLogger(__name__)

PAGE = 8
INVITE_PREFIX = "rep_"


# -- the list -------------------------------------------------------------------------------------


async def entities_page(context: Context, offset: int) -> tuple[str, InlineKeyboardMarkup]:
    total = await db.count_entities(context.db)
    offset = max(0, min(offset, max(0, total - 1) // PAGE * PAGE))
    rows = await db.list_entities(context.db, limit=PAGE, offset=offset)
    if not rows:
        text = _("No partner entities yet. Add the first one with the button below.")
    else:
        lines = [_("Partner entities ({count}):").format(count=total), ""]
        for row in rows:
            line = _("• {name} — {kind} — {reps}").format(
                name=entity_name(row),
                kind=entity_kind(row["kind"]),
                reps=ngettext("{n} representative", "{n} representatives", row["reps"]).format(
                    n=row["reps"]
                ),
            )
            if not row["active"]:
                line += " " + _("(inactive)")
            lines.append(line)
        text = "\n".join(lines)
    buttons = [
        [InlineKeyboardButton(entity_name(row), callback_data=f"ent:o:{row['id']}")]
        for row in rows
    ]
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(_("◀ Previous"), callback_data=f"ent:p:{max(0, offset - PAGE)}"))
    if offset + PAGE < total:
        nav.append(InlineKeyboardButton(_("Next ▶"), callback_data=f"ent:p:{offset + PAGE}"))
    if nav:
        buttons.append(nav)
    buttons.append([InlineKeyboardButton(_("➕ Add an entity"), callback_data="ent:add")])
    return text, InlineKeyboardMarkup(buttons)


@requires(STAFF)
async def entities_command(update: Update, context: Context) -> None:
    """List the partner entities with buttons to open and add them."""
    text, keyboard = await entities_page(context, 0)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


@requires(STAFF)
async def show_page(update: Update, context: Context) -> None:
    """Another page of the list."""
    query = update.callback_query
    text, keyboard = await entities_page(context, int(query.data.split(":")[2]))
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard)


# -- one entity -----------------------------------------------------------------------------------


async def entity_view(context: Context, entity_id: int) -> tuple[str, InlineKeyboardMarkup] | None:
    """An entity's details, representatives and open invite links, with their buttons."""
    entity = await db.get_entity(context.db, entity_id)
    if entity is None:
        return None
    reps = await db.entity_reps(context.db, entity_id)
    invites = await db.open_entity_invites(context.db, entity_id, now=context.now())
    tz = context.settings.timezone
    lines = [
        f"🏢 {isolate(entity['name_ar'])} / {isolate(entity['name_en'])}",
        _("Kind: {kind}").format(kind=entity_kind(entity["kind"])),
        _("Contact: {contact}").format(contact=isolate(entity["contact"]) if entity["contact"] else "—"),
        _("Status: {status}").format(status=_("active") if entity["active"] else _("inactive")),
        "",
    ]
    if reps:
        lines.append(_("Representatives:"))
        lines += [f"• {display_name(rep)} ({ltr(rep['id'])})" for rep in reps]
    else:
        lines.append(_("No representatives yet: send one an invite link."))
    if invites:
        lines += ["", _("Invite links not used yet:")]
        lines += [
            "• " + _("expires {when}").format(when=format_datetime(db.parse_ts(i["expires_at"]), tz))  # type: ignore[arg-type]
            for i in invites
        ]
    buttons = [
        [
            InlineKeyboardButton(_("✏️ Edit"), callback_data=f"ent:ed:{entity_id}"),
            InlineKeyboardButton(_("⏸ Deactivate"), callback_data=f"ent:act:{entity_id}:0")
            if entity["active"]
            else InlineKeyboardButton(_("▶ Reactivate"), callback_data=f"ent:act:{entity_id}:1"),
        ]
    ]
    if entity["active"]:
        buttons.append(
            [InlineKeyboardButton(_("🔗 Invite a representative"), callback_data=f"ent:inv:{entity_id}")]
        )
    for rep in reps:
        buttons.append(
            [
                InlineKeyboardButton(
                    _("✖ Remove {name}").format(name=rep["first_name"] or rep["id"]),
                    callback_data=f"ent:rr:{entity_id}:{rep['id']}",
                )
            ]
        )
    for invite in invites:
        expires = db.parse_ts(invite["expires_at"]).astimezone(tz)  # type: ignore[union-attr]
        buttons.append(
            [
                InlineKeyboardButton(
                    _("🚫 Revoke the link expiring {day}").format(day=format_short_date(expires.date())),
                    callback_data=f"ent:rv:{invite['id']}",
                )
            ]
        )
    buttons.append([InlineKeyboardButton(_("◀ All entities"), callback_data="ent:p:0")])
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def _show_entity(update: Update, context: Context, entity_id: int, notice: str | None = None) -> None:
    query = update.callback_query
    view = await entity_view(context, entity_id)
    if view is None:
        await query.answer(_("This entity no longer exists."), show_alert=True)
        return
    await query.answer(notice)
    await query.edit_message_text(view[0], reply_markup=view[1])


@requires(STAFF)
async def open_entity(update: Update, context: Context) -> None:
    """Show one entity."""
    await _show_entity(update, context, int(update.callback_query.data.split(":")[2]))


@requires(STAFF)
async def edit_menu(update: Update, context: Context) -> None:
    """Which field to change."""
    query = update.callback_query
    entity_id = int(query.data.split(":")[2])
    entity = await db.get_entity(context.db, entity_id)
    if entity is None:
        await query.answer(_("This entity no longer exists."), show_alert=True)
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
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=f"ent:ef:{entity_id}:{code}")] for code, label in fields]
            + [[InlineKeyboardButton(_("◀ Back"), callback_data=f"ent:o:{entity_id}")]]
        ),
    )


@requires(STAFF)
async def set_active(update: Update, context: Context) -> None:
    """Deactivate (no new needs, no invites) or reactivate an entity."""
    query = update.callback_query
    _prefix, _action, raw_id, raw_flag = query.data.split(":")
    entity_id, active = int(raw_id), raw_flag == "1"
    async with context.db.transaction() as tx:
        if await db.get_entity(tx, entity_id) is None:
            changed = None
        else:
            changed = await db.set_entity_active(tx, entity_id, active, now=context.now())
            if changed:
                await db.audit(
                    tx, actor_id=query.from_user.id, now=context.now(),
                    action="entity.reactivate" if active else "entity.deactivate",
                    target_type="entity", target_id=entity_id,
                )
    if changed is None:
        await query.answer(_("This entity no longer exists."), show_alert=True)
        return
    if not changed:
        await _show_entity(update, context, entity_id, _("Nothing to change: it already was."))
        return
    await _show_entity(
        update, context, entity_id, _("Reactivated.") if active else _("Deactivated: no new needs or invites.")
    )


# -- invites --------------------------------------------------------------------------------------


@requires(STAFF)
async def create_invite(update: Update, context: Context) -> None:
    """A one-time link that makes whoever opens it a representative of this entity."""
    query = update.callback_query
    entity_id = int(query.data.split(":")[2])
    now = context.now()
    expires_at = now + context.settings.invite_ttl
    token = secrets.token_urlsafe(12)
    async with context.db.transaction() as tx:
        entity = await db.get_entity(tx, entity_id)
        if entity is None or not entity["active"]:
            invite_id = None
        else:
            invite_id = await db.create_entity_invite(
                tx, token=token, entity_id=entity_id, created_by=query.from_user.id,
                now=now, expires_at=expires_at,
            )
            await db.audit(
                tx, actor_id=query.from_user.id, action="entity.invite", now=now,
                target_type="entity", target_id=entity_id, details={"invite": invite_id},
            )
    if invite_id is None:
        await query.answer(_("This entity is not active: reactivate it first."), show_alert=True)
        return
    await query.answer()
    link = f"https://t.me/{context.bot.username}?start={INVITE_PREFIX}{token}"
    await query.message.reply_text(
        _(
            "Send this link to the representative of {name}. It works once, for one person, "
            "and expires {when}:\n{link}"
        ).format(
            name=entity_name(entity),
            when=format_datetime(expires_at, context.settings.timezone),
            link=link,  # no isolate marks around a URL: clients would take them into the link
        ),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("🚫 Revoke this link"), callback_data=f"ent:rv:{invite_id}")]]
        ),
    )


@requires(STAFF)
async def revoke_invite(update: Update, context: Context) -> None:
    """Make an unused invite link useless."""
    query = update.callback_query
    invite_id = int(query.data.split(":")[2])
    async with context.db.transaction() as tx:
        invite = await db.get_entity_invite(tx, invite_id=invite_id)
        revoked = invite is not None and await db.revoke_entity_invite(
            tx, invite_id, by=query.from_user.id, now=context.now()
        )
        if revoked:
            await db.audit(
                tx, actor_id=query.from_user.id, action="entity.invite_revoked", now=context.now(),
                target_type="entity", target_id=invite["entity_id"], details={"invite": invite_id},
            )
    if invite is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    if not revoked:
        await query.answer(_("This link was already used or revoked."), show_alert=True)
        return
    await _show_entity(update, context, invite["entity_id"], _("Revoked: the link no longer works."))


async def accept_invite(update: Update, context: Context) -> None:
    """/start rep_<token>: the person who opens a valid invite becomes the entity's representative."""
    user = update.effective_user
    token = context.args[0].removeprefix(INVITE_PREFIX) if context.args else ""
    now = context.now()
    async with context.db.transaction() as tx:
        outcome, entity, invite = await _claim(tx, token, user.id, now)
        if outcome == "joined":
            await db.set_user_role(tx, user.id, ENTITY_REP)
            await db.add_entity_member(tx, entity["id"], user.id, added_by=invite["created_by"], now=now)
            await db.audit(
                tx, actor_id=user.id, action="entity.rep_joined", now=now, target_type="entity",
                target_id=entity["id"], details={"invite": invite["id"], "invited_by": invite["created_by"]},
            )
            inviter = await db.get_user(tx, invite["created_by"])
            joined = await db.get_user(tx, user.id)
            if inviter is not None:
                with use_locale(user_locale(inviter, context.settings.default_locale)):
                    text = _("{person} used your invite link and now represents {entity}.").format(
                        person=display_name(joined), entity=entity_name(entity)
                    )
                await delivery.enqueue(
                    tx, chat_id=inviter["id"], dedupe_key=f"repjoined:{invite['id']}", now=now, text=text
                )
    message = update.effective_message
    if outcome != "joined":
        await message.reply_text(_refusal(outcome, entity))
        return
    await message.reply_text(
        _(
            "Welcome. You now represent {entity} on Aoun.\n\n"
            "Post a need for volunteers with /need, and follow your needs and the volunteers who "
            "accepted them with /myneeds."
        ).format(entity=entity_name(entity))
    )
    row = await db.get_user(context.db, user.id)
    await refresh_user_menu(context.bot, row, context.settings.default_locale)


async def _claim(
    tx: db.Tx, token: str, user_id: int, now: datetime
) -> tuple[str, db.Row | None, db.Row | None]:
    """What opening this invite does for this person: ("joined", entity, invite) or a refusal."""
    invite = await db.get_entity_invite(tx, token=token) if token else None
    if invite is None:
        return "unknown", None, None
    entity = await db.get_entity(tx, invite["entity_id"])
    caller = await db.get_user(tx, user_id)
    memberships = await db.rep_memberships(tx, user_id)
    if any(m["id"] == invite["entity_id"] for m in memberships):
        return "already", entity, invite
    if invite["used_by"] is not None:
        return "used", entity, invite
    if invite["revoked_at"] is not None:
        return "revoked", entity, invite
    if db.parse_ts(invite["expires_at"]) <= now:  # type: ignore[operator]
        return "expired", entity, invite
    if entity is None or not entity["active"]:
        return "inactive", entity, invite
    if caller is not None and caller["role"] in STAFF:
        return "staff", entity, invite
    if memberships:
        return "other_entity", memberships[0], invite
    if not await db.claim_entity_invite(tx, token, user_id=user_id, now=now):
        return "used", entity, invite
    return "joined", entity, invite


def _refusal(outcome: str, entity: db.Row | None) -> str:
    name = entity_name(entity) if entity is not None else ""
    texts = {
        "unknown": _("This invite link is not valid. Ask the volunteer office for a new one."),
        "already": _("You already represent {entity}. Send /need to post a need."),
        "used": _("This invite link was already used. Ask the volunteer office for a new one."),
        "revoked": _("This invite link was cancelled by the office. Ask them for a new one."),
        "expired": _("This invite link has expired. Ask the volunteer office for a new one."),
        "inactive": _("{entity} is not active on Aoun any more, so this link cannot be used."),
        "staff": _(
            "You are on the office staff, so you cannot become an entity's representative with "
            "this account. The link was not used: pass it on to the representative."
        ),
        "other_entity": _(
            "You already represent {entity}. A person represents one entity: ask the office to "
            "remove you from it first. The link was not used."
        ),
    }
    return texts[outcome].format(entity=name)


# -- removing a representative --------------------------------------------------------------------


@requires(STAFF)
async def ask_remove_rep(update: Update, context: Context) -> None:
    """Confirm before removing a representative."""
    query = update.callback_query
    _prefix, _action, raw_entity, raw_user = query.data.split(":")
    entity_id, user_id = int(raw_entity), int(raw_user)
    entity = await db.get_entity(context.db, entity_id)
    rep = await db.get_user(context.db, user_id)
    if entity is None or rep is None or not await db.is_entity_rep(context.db, user_id, entity_id):
        await query.answer(_("This person no longer represents this entity."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        _("Remove {person} as a representative of {entity}? They will no longer post or see its needs.").format(
            person=display_name(rep), entity=entity_name(entity)
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(_("Yes, remove"), callback_data=f"ent:rrok:{entity_id}:{user_id}"),
                    InlineKeyboardButton(_("Keep"), callback_data=f"ent:o:{entity_id}"),
                ]
            ]
        ),
    )


@requires(STAFF)
async def confirm_remove_rep(update: Update, context: Context) -> None:
    """Remove the representative, audit it, tell them, and switch their menu."""
    query = update.callback_query
    _prefix, _action, raw_entity, raw_user = query.data.split(":")
    entity_id, user_id = int(raw_entity), int(raw_user)
    now = context.now()
    async with context.db.transaction() as tx:
        removed = await db.remove_entity_member(tx, entity_id, user_id, now=now)
        if removed:
            rep = await db.get_user(tx, user_id)
            if rep["role"] == ENTITY_REP and not await db.rep_memberships(tx, user_id):
                await db.set_user_role(tx, user_id, VOLUNTEER)
            await db.audit(
                tx, actor_id=query.from_user.id, action="entity.rep_removed", now=now,
                target_type="entity", target_id=entity_id, details={"user": user_id},
            )
            entity = await db.get_entity(tx, entity_id)
            with use_locale(user_locale(rep, context.settings.default_locale)):
                text = _("You no longer represent {entity} on Aoun.").format(entity=entity_name(entity))
            await delivery.enqueue(
                tx, chat_id=user_id, dedupe_key=f"repremoved:{entity_id}:{user_id}:{db.ts(now)}",
                now=now, text=text,
            )
    if not removed:
        await query.answer(_("This person no longer represents this entity."), show_alert=True)
        return
    await _show_entity(update, context, entity_id, _("Removed."))
    row = await db.get_user(context.db, user_id)
    await refresh_user_menu(context.bot, row, context.settings.default_locale)


def register(app: Application) -> None:  # type: ignore[type-arg]
    # The deep link must come before common's /start, which answers unclaimed links.
    app.add_handler(
        CommandHandler("start", accept_invite, filters=filters.Regex(rf"^/start {INVITE_PREFIX}"))
    )
    app.add_handler(CommandHandler("entities", entities_command))
    app.add_handler(CallbackQueryHandler(show_page, pattern=r"^ent:p:\d+$"))
    app.add_handler(CallbackQueryHandler(open_entity, pattern=r"^ent:o:\d+$"))
    app.add_handler(CallbackQueryHandler(edit_menu, pattern=r"^ent:ed:\d+$"))
    app.add_handler(CallbackQueryHandler(set_active, pattern=r"^ent:act:\d+:[01]$"))
    app.add_handler(CallbackQueryHandler(create_invite, pattern=r"^ent:inv:\d+$"))
    app.add_handler(CallbackQueryHandler(revoke_invite, pattern=r"^ent:rv:\d+$"))
    app.add_handler(CallbackQueryHandler(ask_remove_rep, pattern=r"^ent:rr:\d+:\d+$"))
    app.add_handler(CallbackQueryHandler(confirm_remove_rep, pattern=r"^ent:rrok:\d+:\d+$"))
