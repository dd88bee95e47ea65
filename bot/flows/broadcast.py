"""/broadcast: coordinators and admins send one message to many people, through the outbox.

Steps: recent broadcasts with their progress, then the audience (all active volunteers, volunteers
filtered by specialty, language, gender, city, need or shift, or on shift now; representatives of
all or some entities; office staff), then the text (Telegram formatting, checked) or a photo, a
PDF or a location (copied to everyone with copyMessage, caption included), a preview
exactly as recipients will see it with the number of recipients, and Send / Edit / Urgent /
Cancel. Send queues every recipient in one transaction (bot/operations/broadcasts.py), once per
draft; the sender paces it, and tells the coordinator when it has finished. A long draft: left
for another command it is kept, and /broadcast goes on at the same step.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import catalog, db, delivery
from bot.audience import REPRESENTATIVES, STAFF, VOLUNTEERS, Audience
from bot.auth import STAFF as STAFF_ROLES
from bot.auth import requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import N_, _, isolate, ltr, normalize_digits
from bot.notices import broadcasts as cards
from bot.operations import broadcasts as operations
from bot.richtext import SHOWN_TAGS, FormattingError, normalize_html
from bot.texts import broadcasts as texts
from bot.texts import entity_name, shift_when

SPEC = kit.FlowSpec("broadcast", kit.Mode.LONG, N_("broadcast draft"), area="bc", commands=("broadcast",))
AUDIENCE = "broadcast.audience"
FILTERS = "broadcast.filters"
REPS = "broadcast.reps"
TEXT = "broadcast.text"
CONFIRM = "broadcast.confirm"
STEP, CARD = "_step", "_card"  # draft keys: the current step, the confirm card's message id
COPY = "copy"  # draft key: the coordinator's message a file broadcast copies (chat_id, message_id, kind)

KIND = kit.Route("bc", "k", str)  # all | vol | reps | staff
PICKER = kit.Route("bc", "fp", str)  # spec | lang | gen | city | need
TOGGLE = kit.Route("bc", "ft", str, str)  # picker, value code (a city by its position)
ON_SHIFT = kit.Route("bc", "fnow")
CLEAR = kit.Route("bc", "fclr")
BACK = kit.Route("bc", "f")
NEED = kit.Route("bc", "fn", int)  # 0: any need
SHIFT = kit.Route("bc", "fs", int)  # 0: every shift of the need
GO = kit.Route("bc", "go")
ENTITY = kit.Route("bc", "rt", int)
ALL_ENTITIES = kit.Route("bc", "ra")
SEND = kit.Route("bc", "send")
EDIT = kit.Route("bc", "edit")
URGENT = kit.Route("bc", "urg")
CANCEL = kit.Route("bc", "x")

KINDS = {"all": VOLUNTEERS, "vol": VOLUNTEERS, "reps": REPRESENTATIVES, "staff": STAFF}
FIELD_OF_PICKER = {"spec": "specialties", "lang": "languages", "gen": "genders", "city": "cities"}
FORMATTING_ENTITIES = frozenset(
    {
        MessageEntity.BOLD,
        MessageEntity.ITALIC,
        MessageEntity.UNDERLINE,
        MessageEntity.STRIKETHROUGH,
        MessageEntity.SPOILER,
        MessageEntity.CODE,
        MessageEntity.PRE,
        MessageEntity.TEXT_LINK,
        MessageEntity.TEXT_MENTION,
        MessageEntity.BLOCKQUOTE,
        MessageEntity.EXPANDABLE_BLOCKQUOTE,
        MessageEntity.CUSTOM_EMOJI,
    }
)


# -- the draft ------------------------------------------------------------------------------------


def _fresh() -> dict[str, Any]:
    return {"audience": Audience().to_dict(), "urgent": False, "picker": None, STEP: AUDIENCE}


def _draft(context: Context) -> dict[str, Any]:
    return kit.draft(context, SPEC) or kit.start(context, SPEC, _fresh())


def _audience(context: Context) -> Audience:
    return Audience.from_dict(_draft(context).get("audience"))


def _set_audience(context: Context, audience: Audience) -> None:
    _draft(context)["audience"] = audience.to_dict()


def _at(context: Context, state: str) -> str:
    """The draft is at `state` now (what resuming it asks again)."""
    _draft(context)[STEP] = state
    return state


def _cancel_row() -> list[InlineKeyboardButton]:
    return [kit.button(_("✖ Cancel"), CANCEL.data())]


async def _describe(context: Context, audience: Audience) -> str:
    names = await db.broadcast_audience_names(context.db, audience)
    return texts.describe(audience, names, context.settings.timezone)


async def _count(context: Context, audience: Audience) -> int:
    return await db.count_audience(context.db, audience, now=context.now())


def _with_notice(notice: str, text: str) -> str:
    return f"{notice}\n\n{text}" if notice else text


def _closing(text: str, context: Context) -> str:
    """The flow's last message, with how to go on with a draft left earlier, if any."""
    hint = kit.kept_hint(context)
    return f"{text}\n\n{hint}" if hint else text


# -- /broadcast -----------------------------------------------------------------------------------


def _audience_menu() -> tuple[str, InlineKeyboardMarkup]:
    return _("Who should receive the message?"), kit.markup(
        [kit.button(_("👥 All active volunteers"), KIND.data("all"))],
        [kit.button(_("🎯 Volunteers, filtered"), KIND.data("vol"))],
        [kit.button(_("🏢 Entity representatives"), KIND.data("reps"))],
        [kit.button(_("🛡 Office staff"), KIND.data("staff"))],
        _cancel_row(),
    )


@requires(STAFF_ROLES)
async def start(update: Update, context: Context) -> str:
    """Show recent broadcasts with their progress, then ask who the new one is for."""
    kit.start(context, SPEC, _fresh())
    items = await db.broadcast_progress_list(context.db, limit=cards.RECENT)
    progress, keyboard = cards.progress_card(
        items, send_rate=context.settings.send_rate, now=context.now(), tz=context.settings.timezone
    )
    if progress:
        await kit.message_of(update).reply_text(progress, reply_markup=keyboard)
    text, menu = _audience_menu()
    await kit.ask(update, context, SPEC, text, menu)
    return AUDIENCE


@requires(STAFF_ROLES)
async def resume(update: Update, context: Context, *, notice: str = "") -> str:
    """Ask the draft's current question again: the audience menu, the filters or entities, the
    text prompt, or the preview with its confirm card."""
    draft = kit.draft(context, SPEC) or kit.start(context, SPEC, _fresh())
    # A draft saved before steps were recorded: at its card if it has a text, else from the start.
    step = draft.get(STEP) or (CONFIRM if _has_message(draft) else AUDIENCE)
    if step == CONFIRM and not _has_message(draft):
        step = TEXT
    if step == CONFIRM:
        await _preview(context, kit.chat_id_of(update), draft)
    text, keyboard = await _view(context, step)
    message = await kit.ask(update, context, SPEC, _with_notice(notice, text), keyboard)
    if step == CONFIRM:
        draft[CARD] = message.message_id
    return _at(context, step)


async def _view(context: Context, step: str) -> tuple[str, InlineKeyboardMarkup | None]:
    if step == FILTERS:
        return await _filters_question(context)
    if step == REPS:
        return await _reps_view(context)
    if step == TEXT:
        audience = _audience(context)
        return await _text_prompt(context, audience, await _count(context, audience)), None
    if step == CONFIRM:
        return await _confirm_view(context)
    return _audience_menu()


# -- audience -------------------------------------------------------------------------------------


@requires(STAFF_ROLES)
async def choose_kind(update: Update, context: Context) -> str:
    """All volunteers, filtered volunteers, representatives or staff."""
    query = kit.query_of(update)
    kind = KIND.one(query.data)
    if kind not in KINDS:
        await kit.stale(update)
        return AUDIENCE
    _set_audience(context, Audience(KINDS[kind]))
    if kind == "vol":
        await query.answer()
        return await _show_filters(update, context)
    if kind == "reps":
        await query.answer()
        return await _show_reps(update, context)
    return await _to_text(update, context, stay=AUDIENCE)


async def _to_text(update: Update, context: Context, *, stay: str) -> str:
    """Continue to the text, unless nobody is in the audience."""
    audience = _audience(context)
    count = await _count(context, audience)
    if count == 0:
        await kit.query_of(update).answer(
            _("Nobody in this audience can be reached right now. Choose other filters or another audience."),
            show_alert=True,
        )
        return stay
    await kit.took(update, context, SPEC, await _text_prompt(context, audience, count))
    return _at(context, TEXT)


async def _text_prompt(context: Context, audience: Audience, count: int) -> str:
    return texts.text_prompt(await _describe(context, audience), count, SHOWN_TAGS)


# -- volunteers' filters --------------------------------------------------------------------------


async def _filters_view(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    audience = _audience(context)
    count = await _count(context, audience)
    names = await db.broadcast_audience_names(context.db, audience)
    parts = texts.filter_parts(audience, names, context.settings.timezone)
    lines = [_("Volunteers who match all of these filters:")]
    lines += [f"• {part}" for part in parts] or [_("• no filter yet: all active volunteers")]
    lines += ["", texts.count_line(count)]
    now_label = _("🟢 On shift now: yes") if audience.on_shift_now else _("⚪ On shift now: no")
    keyboard = kit.markup(
        [kit.button(_("Specialty ▸"), PICKER.data("spec")), kit.button(_("Language ▸"), PICKER.data("lang"))],
        [kit.button(_("Gender ▸"), PICKER.data("gen")), kit.button(_("City ▸"), PICKER.data("city"))],
        [kit.button(_("Need or shift ▸"), PICKER.data("need")), kit.button(now_label, ON_SHIFT.data())],
        [kit.button(_("Clear filters"), CLEAR.data()), kit.button(_("Continue ▸"), GO.data())],
        _cancel_row(),
    )
    return "\n".join(lines), keyboard


async def _filters_question(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    """What the filters step shows now: the summary, or the list open in it."""
    picker = _draft(context).get("picker")
    need_id = _audience(context).need_id
    if picker in FIELD_OF_PICKER:
        return _picker_view(context, picker)
    if picker == "need":
        return await _needs_view(context)
    if picker == "shift" and need_id is not None:
        return await _shifts_view(context, need_id)
    return await _filters_view(context)


async def _show_filters(update: Update, context: Context) -> str:
    _draft(context)["picker"] = None
    text, keyboard = await _filters_view(context)
    await kit.query_of(update).edit_message_text(text, reply_markup=keyboard)
    return _at(context, FILTERS)


def _choices(context: Context, picker: str) -> list[tuple[str, str]]:
    """(value code, label) of a picker's options; cities are referred to by position."""
    if picker == "spec":
        return [(i.code, i.label_text()) for i in catalog.SPECIALTIES]
    if picker == "lang":
        return [(i.code, i.label_text()) for i in catalog.LANGUAGES]
    if picker == "gen":
        return [(i.code, i.label_text()) for i in catalog.GENDERS]
    return [(str(n), catalog.city_label(c)) for n, c in enumerate(context.settings.cities)]


def _picker_value(context: Context, picker: str, code: str) -> str | None:
    if picker == "city":
        cities = context.settings.cities
        return cities[int(code)] if code.isdigit() and int(code) < len(cities) else None
    return code if any(c == code for c, _label in _choices(context, picker)) else None


def _picker_view(context: Context, picker: str) -> tuple[str, InlineKeyboardMarkup]:
    chosen = getattr(_audience(context), FIELD_OF_PICKER[picker])
    buttons = [
        kit.button(kit.checked(label, _picker_value(context, picker, code) in chosen), TOGGLE.data(picker, code))
        for code, label in _choices(context, picker)
    ]
    title = {
        "spec": _("Volunteers with any of these specialties:"),
        "lang": _("Volunteers who speak any of these languages:"),
        "gen": _("Volunteers of this gender:"),
        "city": _("Volunteers living in any of these cities or districts:"),
    }[picker]
    keyboard = kit.markup(kit.grid(buttons), [kit.button(kit.back_label(_("Back to the filters")), BACK.data())])
    return title + "\n" + _("Tap to select or unselect."), keyboard


@requires(STAFF_ROLES)
async def open_picker(update: Update, context: Context) -> str:
    """Open the list of one filter's values (or the needs)."""
    query = kit.query_of(update)
    picker = PICKER.one(query.data)
    if picker not in (*FIELD_OF_PICKER, "need"):
        await kit.stale(update)
        return FILTERS
    await query.answer()
    _draft(context)["picker"] = picker
    text, keyboard = await _needs_view(context) if picker == "need" else _picker_view(context, picker)
    await query.edit_message_text(text, reply_markup=keyboard)
    return _at(context, FILTERS)


@requires(STAFF_ROLES)
async def toggle_value(update: Update, context: Context) -> str:
    """Select or unselect one value of a filter."""
    query = kit.query_of(update)
    picker, code = TOGGLE.parse(query.data) or ("", "")
    value = _picker_value(context, picker, code) if picker in FIELD_OF_PICKER else None
    if value is None:
        await kit.stale(update)
        return FILTERS
    _set_audience(context, _audience(context).toggle(FIELD_OF_PICKER[picker], value))
    _draft(context)["picker"] = picker
    await query.answer()
    text, keyboard = _picker_view(context, picker)
    await query.edit_message_text(text, reply_markup=keyboard)
    return _at(context, FILTERS)


@requires(STAFF_ROLES)
async def toggle_on_shift(update: Update, context: Context) -> str:
    """Only volunteers whose accepted shift is running now."""
    audience = _audience(context)
    _set_audience(context, replace(audience, on_shift_now=not audience.on_shift_now))
    await kit.query_of(update).answer()
    return await _show_filters(update, context)


@requires(STAFF_ROLES)
async def clear_filters(update: Update, context: Context) -> str:
    """Back to all active volunteers."""
    _set_audience(context, _audience(context).cleared())
    await kit.query_of(update).answer()
    return await _show_filters(update, context)


@requires(STAFF_ROLES)
async def back_to_filters(update: Update, context: Context) -> str:
    """From a picker back to the filter summary."""
    await kit.query_of(update).answer()
    return await _show_filters(update, context)


# -- need or shift --------------------------------------------------------------------------------


async def _needs_view(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    rows = await db.broadcast_need_choices(context.db, now=context.now())
    current = _audience(context).need_id
    buttons = [[kit.button(kit.checked(f"#{r['id']} {r['title']}", r["id"] == current)[:60], NEED.data(r["id"]))] for r in rows]
    keyboard = kit.markup(
        buttons,
        [kit.button(_("Any need (no filter)"), NEED.data(0))],
        [kit.button(kit.back_label(_("Back to the filters")), BACK.data())],
    )
    text = _("Volunteers holding an accepted shift of which need? Choose one below or type its number.")
    if not rows:
        text += "\n\n" + _("No approved need has shifts still to come.")
    return text, keyboard


async def _shifts_view(context: Context, need_id: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = await db.broadcast_shift_choices(context.db, need_id, now=context.now())
    current = _audience(context).shift_id
    tz = context.settings.timezone
    keyboard = kit.markup(
        [kit.button(_("All shifts of this need"), SHIFT.data(0))],
        [[kit.button(kit.checked(shift_when(dict(r), tz), r["id"] == current), SHIFT.data(r["id"]))] for r in rows],
        [kit.button(kit.back_label(_("Back to the filters")), BACK.data())],
    )
    need = await db.get_need(context.db, need_id)
    text = _("Need {ref} {title}: volunteers of which shift?").format(
        ref=ltr(f"#{need_id}"), title=isolate(need["title"]) if need else ""
    )
    return text, keyboard


async def _select_need(context: Context, need_id: int) -> str | None:
    """Set the need filter; an error text when there is no such need."""
    if need_id == 0:
        _set_audience(context, _audience(context).with_need(None))
        return None
    need = await db.get_need(context.db, need_id)
    if need is None:
        return _("There is no need {ref}.").format(ref=ltr(f"#{need_id}"))
    _set_audience(context, _audience(context).with_need(need_id))
    _draft(context)["picker"] = "shift"
    return None


@requires(STAFF_ROLES)
async def choose_need(update: Update, context: Context) -> str:
    """A need from the list: then which of its shifts."""
    query = kit.query_of(update)
    need_id = int(NEED.one(query.data))
    error = await _select_need(context, need_id)
    if error:
        await query.answer(error, show_alert=True)
        return FILTERS
    await query.answer()
    if need_id == 0:
        return await _show_filters(update, context)
    text, keyboard = await _shifts_view(context, need_id)
    await query.edit_message_text(text, reply_markup=keyboard)
    return _at(context, FILTERS)


@requires(STAFF_ROLES)
async def choose_shift(update: Update, context: Context) -> str:
    """One shift of the chosen need, or all of them."""
    shift_id = int(SHIFT.one(kit.data_of(update)))
    audience = _audience(context)
    if audience.need_id is None:
        await kit.stale(update)
        return FILTERS
    if shift_id:
        shift = await db.get_shift(context.db, shift_id)
        if shift is None or shift["need_id"] != audience.need_id:
            await kit.stale(update)
            return FILTERS
    _set_audience(context, audience.with_need(audience.need_id, shift_id or None))
    await kit.query_of(update).answer()
    return await _show_filters(update, context)


@requires(STAFF_ROLES)
async def typed_in_menu(update: Update, context: Context) -> str:
    """A need number typed in the need list; anything else: use the buttons."""
    message = kit.message_of(update)
    typed = normalize_digits((message.text or "").strip()).lstrip("#")
    if _draft(context).get("picker") != "need" or not typed.isdigit():
        return await resume(update, context, notice=_("Please use the buttons below the question."))
    error = await _select_need(context, int(typed))
    if error is None:
        text, keyboard = await _shifts_view(context, int(typed))
    else:
        text, keyboard = await _needs_view(context)
    await kit.ask(update, context, SPEC, _with_notice(error or "", text), keyboard)
    return _at(context, FILTERS)


@requires(STAFF_ROLES)
async def filters_done(update: Update, context: Context) -> str:
    """Continue from the filters to the text."""
    return await _to_text(update, context, stay=FILTERS)


# -- representatives ------------------------------------------------------------------------------


async def _reps_view(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    audience = _audience(context)
    rows = await db.broadcast_entity_choices(context.db)
    count = await _count(context, audience)
    buttons = [
        kit.button(kit.checked(entity_name(dict(r)), r["id"] in audience.entity_ids)[:60], ENTITY.data(r["id"]))
        for r in rows
    ]
    keyboard = kit.markup(
        kit.grid(buttons),
        [kit.button(kit.checked(_("All entities"), not audience.entity_ids), ALL_ENTITIES.data())],
        [kit.button(_("Continue ▸"), GO.data())],
        _cancel_row(),
    )
    text = "\n".join(
        [
            _("Representatives of which entities? Tap to select; none selected means all."),
            "",
            texts.describe(audience, await db.broadcast_audience_names(context.db, audience), context.settings.timezone),
            texts.count_line(count),
        ]
    )
    return text, keyboard


async def _show_reps(update: Update, context: Context) -> str:
    text, keyboard = await _reps_view(context)
    await kit.query_of(update).edit_message_text(text, reply_markup=keyboard)
    return _at(context, REPS)


@requires(STAFF_ROLES)
async def toggle_entity(update: Update, context: Context) -> str:
    """Select or unselect one entity."""
    entity_id = int(ENTITY.one(kit.data_of(update)))
    if entity_id not in {r["id"] for r in await db.broadcast_entity_choices(context.db)}:
        await kit.stale(update)
        return REPS
    _set_audience(context, _audience(context).toggle("entity_ids", entity_id))
    await kit.query_of(update).answer()
    return await _show_reps(update, context)


@requires(STAFF_ROLES)
async def all_entities(update: Update, context: Context) -> str:
    """Representatives of every entity."""
    _set_audience(context, Audience(REPRESENTATIVES))
    await kit.query_of(update).answer()
    return await _show_reps(update, context)


@requires(STAFF_ROLES)
async def reps_done(update: Update, context: Context) -> str:
    """Continue from the entities to the text."""
    return await _to_text(update, context, stay=REPS)


# -- the text, the preview and the decision -------------------------------------------------------


def _html_source(message: Message) -> str:
    """Formatting made with Telegram's own tools becomes HTML; otherwise the text is HTML."""
    if any(e.type in FORMATTING_ENTITIES for e in message.entities or ()):
        return message.text_html
    return message.text or ""


async def _again(update: Update, context: Context, error: str) -> str:
    await kit.ask(update, context, SPEC, error + "\n\n" + _("Please send the message again."))
    return _at(context, TEXT)


@requires(STAFF_ROLES)
async def receive_text(update: Update, context: Context) -> str:
    """Check the formatting, show the preview and the recipient count, ask to confirm."""
    message = kit.message_of(update)
    try:
        text = normalize_html(_html_source(message))
    except FormattingError as exc:
        return await _again(update, context, exc.message())
    await _retire_card(update, context)
    try:
        await message.reply_text(text, parse_mode=ParseMode.HTML)  # exactly what recipients get
    except BadRequest as exc:
        return await _again(
            update, context, _("Telegram could not read the formatting: {error}").format(error=ltr(exc.message))
        )
    _draft(context)["text"] = text
    _draft(context).pop(COPY, None)  # a text replaces a file or a location sent before
    card, keyboard = await _confirm_view(context)
    _draft(context)[CARD] = (await kit.ask(update, context, SPEC, card, keyboard)).message_id
    return _at(context, CONFIRM)


def _has_message(draft: dict[str, Any]) -> bool:
    """The draft has its message: a text, or a file or a location to copy."""
    return bool(draft.get("text") or draft.get(COPY))


def _copy_of(draft: dict[str, Any]) -> db.BroadcastCopy | None:
    source = draft.get(COPY)
    if not source:
        return None
    return db.BroadcastCopy(int(source["chat_id"]), int(source["message_id"]), str(source["kind"]))


async def _preview(context: Context, chat_id: int, draft: dict[str, Any]) -> None:
    """Exactly what recipients get: the text, or a copy of the file or location."""
    source = _copy_of(draft)
    if source is None:
        await context.bot.send_message(chat_id, draft["text"], parse_mode=ParseMode.HTML)
    else:
        await context.bot.copy_message(chat_id, from_chat_id=source.chat_id, message_id=source.message_id)


def _kind_of(message: Message) -> str:
    if message.photo:
        return "photo"
    if message.location:
        return "location"
    return "document"


@requires(STAFF_ROLES)
async def receive_file(update: Update, context: Context) -> str:
    """A photo, a PDF or a location as the broadcast: recipients get a copy of this very message
    (caption included, nothing uploaded again); the preview is such a copy, then the card."""
    message = kit.message_of(update)
    await _retire_card(update, context)
    draft = _draft(context)
    draft[COPY] = {"chat_id": message.chat_id, "message_id": message.message_id, "kind": _kind_of(message)}
    draft["text"] = message.caption_html if message.caption else ""
    try:
        await _preview(context, message.chat_id, draft)
    except BadRequest as exc:
        draft.pop(COPY, None)
        draft["text"] = ""
        return await _again(
            update, context, _("Telegram could not copy this message: {error}").format(error=ltr(exc.message))
        )
    card, keyboard = await _confirm_view(context)
    draft[CARD] = (await kit.ask(update, context, SPEC, card, keyboard)).message_id
    return _at(context, CONFIRM)


async def _retire_card(update: Update, context: Context) -> None:
    """A new text replaces the draft's: its card loses its buttons before the new preview and
    card are sent, so that they are the last thing in the chat."""
    card = _draft(context).pop(CARD, None)
    if card is None:
        return
    with contextlib.suppress(BadRequest):  # already edited or too old: nothing on it is live
        await context.bot.edit_message_reply_markup(kit.chat_id_of(update), card, reply_markup=None)
    kit.settled(context, SPEC)


@requires(STAFF_ROLES)
async def not_text(update: Update, context: Context) -> str:
    """Stickers, voice messages and the like: a broadcast is a text, a photo, a PDF or a location."""
    return await resume(
        update, context,
        notice=_("This cannot be broadcast. Please send the text (formatting is fine), a photo, a PDF or a location."),
    )


async def _confirm_view(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    audience = _audience(context)
    count = await _count(context, audience)
    urgent = bool(_draft(context).get("urgent"))
    paid = delivery.paid_broadcast_estimate(count, context.settings.paid_broadcast_rate) if urgent else None
    card = texts.confirm_card(
        await _describe(context, audience), count, urgent=urgent,
        paid=(paid.stars, paid.seconds) if paid else None,
    )
    keyboard = kit.markup(
        [kit.button(texts.send_label(count), SEND.data()), kit.button(_("✏️ Edit the text"), EDIT.data())],
        [kit.button(_("🚨 Urgent: on") if urgent else _("Urgent: off"), URGENT.data())],
        _cancel_row(),
    )
    return card, keyboard


@requires(STAFF_ROLES)
async def toggle_urgent(update: Update, context: Context) -> str:
    """Urgent puts the broadcast ahead of all other traffic."""
    draft = _draft(context)
    draft["urgent"] = not draft.get("urgent")
    query = kit.query_of(update)
    await query.answer()
    card, keyboard = await _confirm_view(context)
    await query.edit_message_text(card, reply_markup=keyboard)
    return _at(context, CONFIRM)


@requires(STAFF_ROLES)
async def edit_text(update: Update, context: Context) -> str:
    """Write the text again."""
    _draft(context).pop(CARD, None)
    await kit.took(update, context, SPEC, _("Send the new text of the message."))
    return _at(context, TEXT)


@requires(STAFF_ROLES)
async def send(update: Update, context: Context) -> object:
    """Queue every recipient (once per draft, however often Send is pressed) and say when it
    should finish."""
    query = kit.query_of(update)
    draft = _draft(context)
    if not _has_message(draft):
        await kit.stale(update)
        return kit.END
    outcome = await operations.send(
        context.db, draft_key=kit.draft_id(context, SPEC), created_by=kit.user_id_of(update),
        audience=_audience(context), text=draft["text"], urgent=bool(draft.get("urgent")), now=context.now(),
        copy=_copy_of(draft),
    )
    if outcome.broadcast_id is None:
        await kit.took(
            update, context, SPEC,
            _closing(_("Nobody in this audience can be reached right now. Nothing was sent."), context),
        )
        return kit.END
    await query.answer(_("Queued."))
    estimate = texts.estimated_finish(
        await db.outbox_queue_ahead(context.db, outcome.broadcast_id), send_rate=context.settings.send_rate,
        now=context.now(), tz=context.settings.timezone,
    )
    await query.edit_message_text(_closing(texts.sent_card(outcome.broadcast_id, outcome.recipients, estimate), context))
    kit.settled(context, SPEC)
    return kit.END


async def cancel(update: Update, context: Context) -> object:
    """Stop without sending anything (/cancel or the Cancel button)."""
    text = _closing(_("Cancelled. Nothing was sent."), context)
    if update.callback_query:
        await kit.took(update, context, SPEC, text)
    else:
        await kit.message_of(update).reply_text(text)
    return kit.END


@requires(STAFF_ROLES)
async def stale_button(update: Update, context: Context) -> None:
    """A button of a broadcast draft that was sent or cancelled."""
    await kit.stale(update)


def build() -> kit.Flow:
    new_message = filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    typed = filters.TEXT & new_message
    carried = new_message & (filters.PHOTO | filters.Document.PDF | filters.LOCATION)  # copied as they are
    return kit.flow(
        SPEC,
        entry_points=[CommandHandler("broadcast", start)],
        states={
            AUDIENCE: [CallbackQueryHandler(choose_kind, pattern=KIND.pattern)],
            FILTERS: [
                CallbackQueryHandler(open_picker, pattern=PICKER.pattern),
                CallbackQueryHandler(toggle_value, pattern=TOGGLE.pattern),
                CallbackQueryHandler(toggle_on_shift, pattern=ON_SHIFT.pattern),
                CallbackQueryHandler(clear_filters, pattern=CLEAR.pattern),
                CallbackQueryHandler(back_to_filters, pattern=BACK.pattern),
                CallbackQueryHandler(choose_need, pattern=NEED.pattern),
                CallbackQueryHandler(choose_shift, pattern=SHIFT.pattern),
                CallbackQueryHandler(filters_done, pattern=GO.pattern),
                MessageHandler(new_message, typed_in_menu),
            ],
            REPS: [
                CallbackQueryHandler(toggle_entity, pattern=ENTITY.pattern),
                CallbackQueryHandler(all_entities, pattern=ALL_ENTITIES.pattern),
                CallbackQueryHandler(reps_done, pattern=GO.pattern),
            ],
            TEXT: [
                MessageHandler(typed, receive_text),
                MessageHandler(carried, receive_file),
                MessageHandler(new_message, not_text),
            ],
            CONFIRM: [
                CallbackQueryHandler(send, pattern=SEND.pattern),
                CallbackQueryHandler(edit_text, pattern=EDIT.pattern),
                CallbackQueryHandler(toggle_urgent, pattern=URGENT.pattern),
                MessageHandler(typed, receive_text),  # a new text replaces the draft's
                MessageHandler(carried, receive_file),  # and so does a file or a location
                MessageHandler(new_message, not_text),
            ],
        },
        fallbacks=[CallbackQueryHandler(cancel, pattern=CANCEL.pattern)],
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    """The flow, then an answer for the buttons of broadcast drafts that are over (the progress
    list's own buttons are bot/handlers/broadcasts.py, registered before the flow)."""
    kit.install(app, build())
    app.add_handler(CallbackQueryHandler(stale_button, pattern=kit.area_pattern(SPEC.area)))
