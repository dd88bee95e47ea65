"""Coordinators add a partner entity (name in Arabic, name in English, kind, contact) or change
one of those fields of an existing one.

A short flow: another command or flow closes it (nothing is saved until its last answer), and a
long draft it interrupted comes back when it ends.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot import catalog, db
from bot.answers import strip_bidi_controls
from bot.auth import STAFF, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import N_, _, isolate, ngettext
from bot.notices import entities as card
from bot.operations import entities as operations
from bot.texts import entities as texts

SPEC = kit.FlowSpec("entity_edit", kit.Mode.SHORT, N_("the partner entity"), area="entf")
NAME = SPEC.name
NAME_AR, NAME_EN, KIND, CONTACT = (f"{NAME}.{step}" for step in ("name_ar", "name_en", "kind", "contact"))
STEPS = {"ar": NAME_AR, "en": NAME_EN, "kind": KIND, "contact": CONTACT}
ORDER = (NAME_AR, NAME_EN, KIND, CONTACT)
COLUMNS = {NAME_AR: "name_ar", NAME_EN: "name_en", KIND: "kind", CONTACT: "contact"}
NAME_MIN, NAME_MAX, CONTACT_MIN, CONTACT_MAX = 2, 120, 3, 200
ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
LATIN_LETTER = re.compile(r"[A-Za-z]")
CHOOSE_KIND = kit.Route("entf", "kind", str)
SKIP_CONTACT = kit.Route("entf", "skip")


def _draft(context: Context) -> dict[str, Any]:
    return kit.draft(context, SPEC) or kit.start(context, SPEC)


def _step(context: Context) -> str:
    return str(_draft(context).get("step", NAME_AR))


async def _ask(update: Update, context: Context, step: str, problem: str | None = None) -> str:
    """Ask the question of `step` (after the problem with the last answer, if any)."""
    draft = _draft(context)
    draft["step"] = step
    editing = draft.get("mode") == "edit"
    keyboard: InlineKeyboardMarkup | None = None
    if step == NAME_AR:
        question = _("What is the entity's name in Arabic? For example: جمعية هدية الحاج والمعتمر")
    elif step == NAME_EN:
        question = _("What is the entity's name in English? For example: Hadiyat Al-Haj Society")
    elif step == KIND:
        question = _("What kind of entity is it?")
        keyboard = kit.markup(
            [[kit.button(kind.label_text(), CHOOSE_KIND.data(kind.code))] for kind in catalog.ENTITY_KINDS]
        )
    else:
        question = _(
            "How can the office reach the entity? Type a phone number, an email or a contact "
            "person's name."
        )
        keyboard = kit.markup(
            [kit.button(_("Clear the contact") if editing else _("Skip"), SKIP_CONTACT.data())]
        )
    if editing and draft.get("current"):
        question += "\n" + _("Now: {value}").format(value=isolate(draft["current"]))
    text = f"{problem}\n\n{question}" if problem else question
    text += "\n\n" + _("Send /cancel to stop.")
    # The earlier question's buttons go first, so that this question is the last message.
    await kit.drop_buttons(update, context, SPEC)
    await kit.ask(update, context, SPEC, text, keyboard)
    return step


@requires(STAFF)
async def begin_add(update: Update, context: Context) -> str:
    """Start adding an entity."""
    await kit.query_of(update).answer()
    kit.start(context, SPEC, {"mode": "add"})
    return await _ask(update, context, NAME_AR)


@requires(STAFF)
async def begin_edit(update: Update, context: Context) -> str | None:
    """Start changing one field of an entity."""
    entity_id, field = card.EDIT_FIELD.parse(kit.data_of(update)) or (0, "")
    entity = await db.get_entity(context.db, entity_id) if field in STEPS else None
    if entity is None:
        await kit.stale(update, _("This entity no longer exists.") if field in STEPS else None)
        return None
    await kit.query_of(update).answer()
    step = STEPS[field]
    current = entity[COLUMNS[step]]
    if step == KIND:
        current = catalog.label(catalog.ENTITY_KINDS, current)
    kit.start(context, SPEC, {"mode": "edit", "entity_id": entity["id"], "current": current})
    return await _ask(update, context, step)


def _check_name(text: str, step: str) -> str | None:
    if not NAME_MIN <= len(text) <= NAME_MAX:
        return ngettext(
            "The name must be between {low} and {high} character.",
            "The name must be between {low} and {high} characters.", NAME_MAX,
        ).format(low=NAME_MIN, high=NAME_MAX)
    if step == NAME_AR and not ARABIC_LETTER.search(text):
        return _("Please type the name in Arabic letters.")
    if step == NAME_EN and not LATIN_LETTER.search(text):
        return _("Please type the name in English (Latin) letters.")
    return None


@requires(STAFF)
async def receive_text(update: Update, context: Context) -> object:
    """A typed name or contact: check it, then ask the next question or save."""
    draft = _draft(context)
    step = _step(context)
    text = strip_bidi_controls(kit.message_of(update).text or "")
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
            ngettext(
                "The contact must be between {low} and {high} character.",
                "The contact must be between {low} and {high} characters.", CONTACT_MAX,
            ).format(low=CONTACT_MIN, high=CONTACT_MAX),
        )
    return await _store(update, context, step, text)


@requires(STAFF)
async def receive_kind(update: Update, context: Context) -> object:
    """The kind, from its button."""
    code = CHOOSE_KIND.one(kit.data_of(update))
    if _step(context) != KIND or catalog.by_code(catalog.ENTITY_KINDS, code) is None:
        await kit.stale(update)
        return _step(context)
    await kit.took(update, context, SPEC)
    return await _store(update, context, KIND, code)


@requires(STAFF)
async def skip_contact(update: Update, context: Context) -> object:
    """No contact (or clear it)."""
    if _step(context) != CONTACT:
        await kit.stale(update)
        return _step(context)
    await kit.took(update, context, SPEC)
    return await _store(update, context, CONTACT, None)


async def _store(update: Update, context: Context, step: str, value: str | None) -> object:
    draft = _draft(context)
    if draft.get("mode") == "edit":
        return await _save_edit(update, context, COLUMNS[step], value)
    draft[COLUMNS[step]] = value
    if step != CONTACT:
        return await _ask(update, context, ORDER[ORDER.index(step) + 1])
    return await _save_new(update, context)


async def _save_new(update: Update, context: Context) -> object:
    draft = _draft(context)
    outcome = await operations.add(
        context.db, name_ar=draft["name_ar"], name_en=draft["name_en"], kind=draft["kind"],
        contact=draft.get("contact"), actor_id=kit.user_id_of(update), now=context.now(),
    )
    if outcome.entity_id is None:
        return await _ask(
            update, context, NAME_AR,
            _("Another entity took this name meanwhile. Please type a different one."),
        )
    return await _finish(update, context, _("Added."), outcome.entity_id)


async def _save_edit(update: Update, context: Context, column: str, value: str | None) -> object:
    entity_id = int(_draft(context)["entity_id"])
    outcome = await operations.edit(
        context.db, entity_id=entity_id, field=column, value=value, actor_id=kit.user_id_of(update),
        now=context.now(),
    )
    if not outcome.found:
        await kit.drop_buttons(update, context, SPEC)
        await kit.message_of(update).reply_text(_("This entity no longer exists."))
        return kit.END
    return await _finish(update, context, _("Saved."), entity_id)


async def _finish(update: Update, context: Context, notice: str, entity_id: int) -> object:
    """The saved entity's card, with its buttons."""
    await kit.drop_buttons(update, context, SPEC)
    view = await operations.view(context.db, entity_id, now=context.now())
    message = kit.message_of(update)
    if view is None:
        await message.reply_text(notice)
        return kit.END
    tz = context.settings.timezone
    text = texts.card_text(view.entity, view.reps, [when for _id, when in view.invites], tz)
    await message.reply_text(
        f"{notice}\n\n{text}", reply_markup=card.card_keyboard(view.entity, view.reps, view.invites, tz)
    )
    return kit.END


async def cancel(update: Update, context: Context) -> object:
    """/cancel: stop without changing anything."""
    await kit.message_of(update).reply_text(_("Cancelled. Nothing was changed."))
    return kit.END


async def wrong_kind(update: Update, context: Context) -> object:
    """A sticker, photo or the like where text was expected."""
    step = _step(context)
    problem = _("Please choose one of the buttons.") if step == KIND else _("Please type your answer as text.")
    return await _ask(update, context, step, problem)


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    return await _ask(update, context, _step(context), notice or None)


def build() -> kit.Flow:
    new = filters.UpdateType.MESSAGE & ~filters.COMMAND
    typed = MessageHandler(new & filters.TEXT, receive_text)
    other = MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, wrong_kind)
    return kit.flow(
        SPEC,
        entry_points=[
            CallbackQueryHandler(begin_add, pattern=card.ADD.pattern),
            CallbackQueryHandler(begin_edit, pattern=card.EDIT_FIELD.pattern),
        ],
        states={
            NAME_AR: [typed, other],
            NAME_EN: [typed, other],
            KIND: [CallbackQueryHandler(receive_kind, pattern=CHOOSE_KIND.pattern), typed, other],
            CONTACT: [CallbackQueryHandler(skip_contact, pattern=SKIP_CONTACT.pattern), typed, other],
        },
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
