"""Coordinators add a partner entity (name in Arabic, name in English, kind, contact) or change
one of those fields of an existing one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import catalog, db
from bot.auth import STAFF, requires
from bot.context import Context
from bot.flows import focus, private_flow
from bot.handlers.entities import entity_view
from bot.i18n import _, isolate

NAME = "entity_edit"
NAME_AR, NAME_EN, KIND, CONTACT = (f"{NAME}.{step}" for step in ("name_ar", "name_en", "kind", "contact"))
STEPS = {"ar": NAME_AR, "en": NAME_EN, "kind": KIND, "contact": CONTACT}
COLUMNS = {NAME_AR: "name_ar", NAME_EN: "name_en", KIND: "kind", CONTACT: "contact"}
NAME_MIN, NAME_MAX, CONTACT_MIN, CONTACT_MAX = 2, 120, 3, 200
ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
LATIN_LETTER = re.compile(r"[A-Za-z]")


def _draft(context: Context) -> dict[str, Any]:
    return context.user_data.setdefault(NAME, {})


async def _ask(update: Update, context: Context, step: str, problem: str | None = None) -> str:
    """Ask the question of `step` (after the problem with the last answer, if any)."""
    draft = _draft(context)
    draft["step"] = step
    editing = draft.get("mode") == "edit"
    keyboard = None
    if step == NAME_AR:
        question = _("What is the entity's name in Arabic? For example: جمعية هدية الحاج والمعتمر")
    elif step == NAME_EN:
        question = _("What is the entity's name in English? For example: Hadiyat Al-Haj Society")
    elif step == KIND:
        question = _("What kind of entity is it?")
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(kind.label_text(), callback_data=f"entf:kind:{kind.code}")]
             for kind in catalog.ENTITY_KINDS]
        )
    else:
        question = _(
            "How can the office reach the entity? Type a phone number, an email or a contact "
            "person's name."
        )
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("Clear the contact") if editing else _("Skip"), callback_data="entf:skip")]]
        )
    if editing and draft.get("current"):
        question += "\n" + _("Now: {value}").format(value=isolate(draft["current"]))
    text = f"{problem}\n\n{question}" if problem else question
    text += "\n\n" + _("Send /cancel to stop.")
    await update.effective_message.reply_text(text, reply_markup=keyboard)
    return step


@requires(STAFF)
async def begin_add(update: Update, context: Context) -> str:
    """Start adding an entity."""
    await update.callback_query.answer()
    context.user_data[NAME] = {"mode": "add"}
    focus.enter(context.user_data, NAME)
    return await _ask(update, context, NAME_AR)


@requires(STAFF)
async def begin_edit(update: Update, context: Context) -> str | int:
    """Start changing one field of an entity."""
    query = update.callback_query
    _prefix, _action, raw_id, field = query.data.split(":")
    entity = await db.get_entity(context.db, int(raw_id))
    if entity is None:
        await query.answer(_("This entity no longer exists."), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    step = STEPS[field]
    current = entity[COLUMNS[step]]
    if step == KIND:
        current = catalog.label(catalog.ENTITY_KINDS, current)
    context.user_data[NAME] = {"mode": "edit", "entity_id": entity["id"], "current": current}
    focus.enter(context.user_data, NAME)
    return await _ask(update, context, step)


def _check_name(text: str, step: str) -> str | None:
    if not NAME_MIN <= len(text) <= NAME_MAX:
        return _("The name must be between {low} and {high} characters.").format(low=NAME_MIN, high=NAME_MAX)
    if step == NAME_AR and not ARABIC_LETTER.search(text):
        return _("Please type the name in Arabic letters.")
    if step == NAME_EN and not LATIN_LETTER.search(text):
        return _("Please type the name in English (Latin) letters.")
    return None


@requires(STAFF)
async def receive_text(update: Update, context: Context) -> str | int:
    """A typed name or contact: check it, then ask the next question or save."""
    draft = _draft(context)
    step = draft.get("step", NAME_AR)
    text = " ".join(update.effective_message.text.split())
    if step == KIND:
        return await _ask(update, context, KIND, _("Please choose one of the buttons."))
    if step in (NAME_AR, NAME_EN):
        problem = _check_name(text, step)
        if problem is None and await db.entity_name_taken(
            context.db, COLUMNS[step], text, except_id=draft.get("entity_id")
        ):
            problem = _("Another entity already has this name. Please type a different one.")
        if problem:
            return await _ask(update, context, step, problem)
    elif not CONTACT_MIN <= len(text) <= CONTACT_MAX:
        return await _ask(
            update, context, CONTACT,
            _("The contact must be between {low} and {high} characters.").format(low=CONTACT_MIN, high=CONTACT_MAX),
        )
    return await _store(update, context, step, text)


@requires(STAFF)
async def receive_kind(update: Update, context: Context) -> str | int:
    """The kind, from its button."""
    query = update.callback_query
    code = query.data.split(":")[2]
    if _draft(context).get("step") != KIND or catalog.by_code(catalog.ENTITY_KINDS, code) is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return _draft(context).get("step", NAME_AR)
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _store(update, context, KIND, code)


@requires(STAFF)
async def skip_contact(update: Update, context: Context) -> str | int:
    """No contact (or clear it)."""
    query = update.callback_query
    if _draft(context).get("step") != CONTACT:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return _draft(context).get("step", NAME_AR)
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _store(update, context, CONTACT, None)


async def _store(update: Update, context: Context, step: str, value: str | None) -> str | int:
    draft = _draft(context)
    if draft.get("mode") == "edit":
        return await _save_edit(update, context, COLUMNS[step], value)
    draft[COLUMNS[step]] = value
    order = [NAME_AR, NAME_EN, KIND, CONTACT]
    if step != CONTACT:
        return await _ask(update, context, order[order.index(step) + 1])
    return await _save_new(update, context)


async def _save_new(update: Update, context: Context) -> int:
    draft, actor, now = _draft(context), update.effective_user.id, context.now()
    async with context.db.transaction() as tx:
        taken = await db.entity_name_taken(tx, "name_ar", draft["name_ar"]) or await db.entity_name_taken(
            tx, "name_en", draft["name_en"]
        )
        if not taken:
            entity_id = await db.create_entity(
                tx, name_ar=draft["name_ar"], name_en=draft["name_en"], kind=draft["kind"],
                contact=draft.get("contact"), created_by=actor, now=now,
            )
            await db.audit(
                tx, actor_id=actor, action="entity.add", now=now, target_type="entity",
                target_id=entity_id, details={"name_en": draft["name_en"]},
            )
    if taken:
        return await _ask(
            update, context, NAME_AR,
            _("Another entity took this name meanwhile. Please type a different one."),
        )
    await _finish(update, context, _("Added."), entity_id)
    return ConversationHandler.END


async def _save_edit(update: Update, context: Context, column: str, value: str | None) -> str | int:
    draft, actor, now = _draft(context), update.effective_user.id, context.now()
    entity_id = int(draft["entity_id"])
    async with context.db.transaction() as tx:
        entity = await db.get_entity(tx, entity_id)
        if entity is not None:
            await db.update_entity_field(tx, entity_id, column, value, now=now)
            await db.audit(
                tx, actor_id=actor, action="entity.edit", now=now, target_type="entity",
                target_id=entity_id, details={"field": column, "old": entity[column], "new": value},
            )
    if entity is None:
        await update.effective_message.reply_text(_("This entity no longer exists."))
        focus.finish(context.user_data, NAME)
        return ConversationHandler.END
    await _finish(update, context, _("Saved."), entity_id)
    return ConversationHandler.END


async def _finish(update: Update, context: Context, notice: str, entity_id: int) -> None:
    view = await entity_view(context, entity_id)
    assert view is not None
    text = focus.close(context.user_data, NAME, f"{notice}\n\n{view[0]}")
    await update.effective_message.reply_text(text, reply_markup=view[1])


async def cancel(update: Update, context: Context) -> int:
    """Stop without changing anything."""
    focus.finish(context.user_data, NAME)
    await update.effective_message.reply_text(_("Cancelled. Nothing was changed."))
    return ConversationHandler.END


async def wrong_kind(update: Update, context: Context) -> str:
    """A sticker, photo or the like where text was expected."""
    step = _draft(context).get("step", NAME_AR)
    problem = _("Please choose one of the buttons.") if step == KIND else _("Please type your answer as text.")
    return await _ask(update, context, step, problem)


def build(all_user_data: Mapping[int, Any]) -> ConversationHandler:
    # New messages only: editing an earlier message must not answer the question open now.
    mine = focus.Focused(NAME, all_user_data) & filters.UpdateType.MESSAGE
    typed = MessageHandler(filters.TEXT & ~filters.COMMAND & mine, receive_text)
    other = MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL & mine, wrong_kind)
    return private_flow(
        NAME,
        entry_points=[
            CallbackQueryHandler(begin_add, pattern=r"^ent:add$"),
            CallbackQueryHandler(begin_edit, pattern=r"^ent:ef:\d+:(ar|en|kind|contact)$"),
        ],
        states={
            NAME_AR: [typed, other],
            NAME_EN: [typed, other],
            KIND: [CallbackQueryHandler(receive_kind, pattern=r"^entf:kind:\w+$"), typed, other],
            CONTACT: [CallbackQueryHandler(skip_contact, pattern=r"^entf:skip$"), typed, other],
        },
        fallbacks=[CommandHandler("cancel", cancel, filters=mine)],
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(build(app.user_data))
