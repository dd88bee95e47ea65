"""/broadcast: coordinators and admins send one message to many people, through the outbox.

Steps: recent broadcasts with their progress, then the audience (all active volunteers, volunteers
filtered by specialty, language, gender, city, need or shift, or on shift now; representatives of
all or some entities; office staff), then the text (Telegram formatting, checked), a preview
exactly as recipients will see it with the number of recipients, and Send / Edit / Urgent /
Cancel. Sending enqueues every recipient in one transaction; the sender paces it, and tells the
coordinator when it has finished. A broadcast in progress can be stopped from /broadcast.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import catalog, db, delivery
from bot.audience import REPRESENTATIVES, STAFF, VOLUNTEERS, Audience
from bot.auth import STAFF as STAFF_ROLES
from bot.auth import requires
from bot.context import Context
from bot.flows import focus, private_flow
from bot.i18n import (
    _,
    format_datetime,
    format_short_date,
    format_time,
    get_locale,
    isolate,
    ltr,
    ngettext,
    normalize_digits,
)
from bot.richtext import SHOWN_TAGS, FormattingError, normalize_html

log = logging.getLogger(__name__)

NAME = "broadcast"
AUDIENCE = "broadcast.audience"
FILTERS = "broadcast.filters"
REPS = "broadcast.reps"
TEXT = "broadcast.text"
CONFIRM = "broadcast.confirm"

KEY = "broadcast"  # user_data scratch: audience, picker, text, urgent
RECENT = 5
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


# -- scratch paper --------------------------------------------------------------------------------


def _draft(context: Context) -> dict[str, Any]:
    return context.user_data.setdefault(KEY, {"audience": Audience().to_dict(), "urgent": False})


def _audience(context: Context) -> Audience:
    return Audience.from_dict(_draft(context).get("audience"))


def _set_audience(context: Context, audience: Audience) -> None:
    _draft(context)["audience"] = audience.to_dict()


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def _cancel_row() -> list[InlineKeyboardButton]:
    return [_button(_("✖ Cancel"), "bc:x")]


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


# -- describing an audience -----------------------------------------------------------------------


def _entity_name(row: db.Row) -> str:
    return isolate(row["name_ar"] if get_locale() == "ar" else row["name_en"])


async def describe(context: Context, audience: Audience) -> str:
    """One line naming an audience, in the current locale."""
    if audience.kind == STAFF:
        return _("Office staff (coordinators and admins)")
    if audience.kind == REPRESENTATIVES:
        if not audience.entity_ids:
            return _("Representatives of all partner entities")
        rows = await db.broadcast_entity_choices(context.db)
        names = [_entity_name(r) for r in rows if r["id"] in audience.entity_ids]
        return _("Representatives of: {entities}").format(entities=_join(names))
    if not audience.filtered:
        return _("All active volunteers")
    return _("Volunteers: {filters}").format(filters="; ".join(await _filter_parts(context, audience)))


def _join(values: list[str]) -> str:
    return ("، " if get_locale() == "ar" else ", ").join(values)


async def _filter_parts(context: Context, audience: Audience) -> list[str]:
    parts = []
    if audience.specialties:
        values = _join([catalog.label(catalog.SPECIALTIES, c) for c in audience.specialties])
        parts.append(_("specialty {values}").format(values=values))
    if audience.languages:
        values = _join([catalog.label(catalog.LANGUAGES, c) for c in audience.languages])
        parts.append(_("language {values}").format(values=values))
    if audience.genders:
        values = _join([catalog.label(catalog.GENDERS, c) for c in audience.genders])
        parts.append(_("gender {values}").format(values=values))
    if audience.cities:
        values = _join([catalog.city_label(c) for c in audience.cities])
        parts.append(_("city {values}").format(values=values))
    if audience.shift_id is not None:
        parts.append(await _shift_label(context, audience.shift_id))
    elif audience.need_id is not None:
        parts.append(await _need_label(context, audience.need_id))
    if audience.on_shift_now:
        parts.append(_("on shift now"))
    return parts


async def _need_label(context: Context, need_id: int) -> str:
    need = await db.broadcast_need(context.db, need_id)
    title = isolate(need["title"]) if need else ""
    return _("holding a shift of need {ref} {title}").format(ref=ltr(f"#{need_id}"), title=title)


def _shift_time(context: Context, row: db.Row) -> str:
    tz = context.settings.timezone
    starts, ends = db.parse_ts(row["starts_at"]), db.parse_ts(row["ends_at"])
    return _("{date} {start}–{end}").format(
        date=format_short_date(starts.astimezone(tz).date()),
        start=format_time(starts.astimezone(tz)),
        end=format_time(ends.astimezone(tz)),
    )


async def _shift_label(context: Context, shift_id: int) -> str:
    shift = await db.broadcast_shift(context.db, shift_id)
    when = _shift_time(context, shift) if shift else ltr(f"#{shift_id}")
    return _("holding the shift of {when}").format(when=when)


def _count_text(count: int) -> str:
    return ngettext("{count} person matches now.", "{count} people match now.", count).format(
        count=ltr(count)
    )


# -- /broadcast: recent broadcasts and their progress --------------------------------------------


async def _progress_text(context: Context) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = await db.recent_broadcasts(context.db, limit=RECENT)
    if not rows:
        return "", None
    tz = context.settings.timezone
    lines = [_("Recent broadcasts:")]
    stop_buttons = []
    for row in rows:
        counts = await db.broadcast_progress(context.db, row["id"])
        audience = await describe(context, Audience.from_dict(json.loads(row["audience"] or "{}")))
        urgent = " 🚨" if row["priority"] == delivery.URGENT else ""
        lines += [
            "",
            f"{ltr('#' + str(row['id']))} · {format_datetime(db.parse_ts(row['created_at']), tz)}{urgent}",
            audience,
            _("Queued {queued} · delivered {sent} · failed {failed} · blocked the bot {unreachable}").format(
                queued=ltr(counts["pending"]),
                sent=ltr(counts["sent"]),
                failed=ltr(counts["failed"]),
                unreachable=ltr(counts["unreachable"]),
            ),
        ]
        if row["stopped_at"]:
            lines.append(
                ngettext(
                    "Stopped on {when}; {count} message was not sent.",
                    "Stopped on {when}; {count} messages were not sent.",
                    counts["cancelled"],
                ).format(when=format_datetime(db.parse_ts(row["stopped_at"]), tz), count=ltr(counts["cancelled"]))
            )
        elif row["finished_at"]:
            lines.append(_("Finished on {when}.").format(when=format_datetime(db.parse_ts(row["finished_at"]), tz)))
        elif counts["pending"]:
            lines.append(await _eta_text(context, row["id"]))
            stop_buttons.append(_button(_("⏹ Stop {ref}").format(ref=f"#{row['id']}"), f"bc:stop:{row['id']}"))
    buttons = [*_pairs(stop_buttons), [_button(_("🔄 Refresh"), "bc:list")]]
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def _eta_text(context: Context, broadcast_id: int) -> str:
    """Estimated finish from SEND_RATE and the messages queued ahead of this broadcast's last."""
    ahead = await db.outbox_queue_ahead(context.db, broadcast_id)
    seconds = ahead / context.settings.send_rate
    finish = context.now() + timedelta(seconds=seconds)
    minutes = max(1, round(seconds / 60))
    return ngettext(
        "Estimated finish: {when} (in about {minutes} minute).",
        "Estimated finish: {when} (in about {minutes} minutes).",
        minutes,
    ).format(when=format_datetime(finish, context.settings.timezone), minutes=ltr(minutes))


def _audience_menu() -> tuple[str, InlineKeyboardMarkup]:
    text = _("Who should receive the message?")
    keyboard = InlineKeyboardMarkup(
        [
            [_button(_("👥 All active volunteers"), "bc:k:all")],
            [_button(_("🎯 Volunteers, filtered"), "bc:k:vol")],
            [_button(_("🏢 Entity representatives"), "bc:k:reps")],
            [_button(_("🛡 Office staff"), "bc:k:staff")],
            _cancel_row(),
        ]
    )
    return text, keyboard


@requires(STAFF_ROLES)
async def start(update: Update, context: Context) -> str:
    """Show recent broadcasts with their progress, then ask who the new one is for."""
    context.user_data[KEY] = {"audience": Audience().to_dict(), "urgent": False}
    focus.enter(context.user_data, NAME, resumable=True)
    progress, progress_keyboard = await _progress_text(context)
    if progress:
        await update.effective_message.reply_text(progress, reply_markup=progress_keyboard)
    text, keyboard = _audience_menu()
    await update.effective_message.reply_text(text, reply_markup=keyboard)
    return AUDIENCE


# -- audience -------------------------------------------------------------------------------------


@requires(STAFF_ROLES)
async def choose_kind(update: Update, context: Context) -> str:
    """All volunteers, filtered volunteers, representatives or staff."""
    query = update.callback_query
    kind = query.data.split(":")[2]
    if kind == "vol":
        _set_audience(context, Audience(VOLUNTEERS))
        await query.answer()
        return await _show_filters(update, context)
    if kind == "reps":
        _set_audience(context, Audience(REPRESENTATIVES))
        await query.answer()
        return await _show_reps(update, context)
    _set_audience(context, Audience(STAFF if kind == "staff" else VOLUNTEERS))
    return await _ask_text(update, context, stay=AUDIENCE)


async def _ask_text(update: Update, context: Context, *, stay: str) -> str:
    """Continue to the text, unless nobody is in the audience."""
    query = update.callback_query
    audience = _audience(context)
    count = await db.count_audience(context.db, audience, now=context.now())
    if count == 0:
        await query.answer(
            _("Nobody in this audience can be reached right now. Choose other filters or another audience."),
            show_alert=True,
        )
        return stay
    await query.answer()
    await query.edit_message_text(await _text_prompt(context, audience, count))
    return TEXT


async def _text_prompt(context: Context, audience: Audience, count: int) -> str:
    return _(
        "To: {audience}\n{count}\n\n"
        "Now send the message. You can format it with Telegram's own bold, italic and link "
        "tools, or with the HTML tags {tags}. You will see a preview before anything is sent. "
        "Send /cancel to stop."
    ).format(audience=await describe(context, audience), count=_count_text(count), tags=ltr(SHOWN_TAGS))


def _mark(selected: bool) -> str:
    return "✅ " if selected else ""


async def _filters_view(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    audience = _audience(context)
    count = await db.count_audience(context.db, audience, now=context.now())
    parts = await _filter_parts(context, audience)
    lines = [_("Volunteers who match all of these filters:")]
    lines += [f"• {part}" for part in parts] or [_("• no filter yet: all active volunteers")]
    lines += ["", _count_text(count)]
    now_label = _("🟢 On shift now: yes") if audience.on_shift_now else _("⚪ On shift now: no")
    keyboard = [
        [_button(_("Specialty ▸"), "bc:fp:spec"), _button(_("Language ▸"), "bc:fp:lang")],
        [_button(_("Gender ▸"), "bc:fp:gen"), _button(_("City ▸"), "bc:fp:city")],
        [_button(_("Need or shift ▸"), "bc:fp:need"), _button(now_label, "bc:fnow")],
        [_button(_("Clear filters"), "bc:fclr"), _button(_("Continue ▸"), "bc:go")],
        _cancel_row(),
    ]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


async def _show_filters(update: Update, context: Context) -> str:
    _draft(context)["picker"] = None
    text, keyboard = await _filters_view(context)
    await update.callback_query.edit_message_text(text, reply_markup=keyboard)
    return FILTERS


def _choices(context: Context, picker: str) -> list[tuple[str, str]]:
    """(value code, label) of a picker's options; cities are referred to by position."""
    if picker == "spec":
        return [(i.code, i.label_text()) for i in catalog.SPECIALTIES]
    if picker == "lang":
        return [(i.code, i.label_text()) for i in catalog.LANGUAGES]
    if picker == "gen":
        return [(i.code, i.label_text()) for i in catalog.GENDERS]
    return [(str(n), catalog.city_label(c)) for n, c in enumerate(context.settings.cities)]


FIELD_OF_PICKER = {"spec": "specialties", "lang": "languages", "gen": "genders", "city": "cities"}


def _picker_value(context: Context, picker: str, code: str) -> str | None:
    if picker == "city":
        cities = context.settings.cities
        return cities[int(code)] if code.isdigit() and int(code) < len(cities) else None
    return code if any(c == code for c, _label in _choices(context, picker)) else None


def _picker_view(context: Context, picker: str) -> tuple[str, InlineKeyboardMarkup]:
    audience = _audience(context)
    chosen = getattr(audience, FIELD_OF_PICKER[picker])
    buttons = []
    for code, label in _choices(context, picker):
        value = _picker_value(context, picker, code)
        buttons.append(_button(f"{_mark(value in chosen)}{label}", f"bc:ft:{picker}:{code}"))
    title = {
        "spec": _("Volunteers with any of these specialties:"),
        "lang": _("Volunteers who speak any of these languages:"),
        "gen": _("Volunteers of this gender:"),
        "city": _("Volunteers living in any of these cities or districts:"),
    }[picker]
    rows = [*_pairs(buttons), [_button(_("◀ Back to the filters"), "bc:f")]]
    return title + "\n" + _("Tap to select or unselect."), InlineKeyboardMarkup(rows)


@requires(STAFF_ROLES)
async def open_picker(update: Update, context: Context) -> str:
    """Open the list of one filter's values (or the needs)."""
    query = update.callback_query
    picker = query.data.split(":")[2]
    await query.answer()
    _draft(context)["picker"] = picker
    if picker == "need":
        text, keyboard = await _needs_view(context)
    else:
        text, keyboard = _picker_view(context, picker)
    await query.edit_message_text(text, reply_markup=keyboard)
    return FILTERS


@requires(STAFF_ROLES)
async def toggle_value(update: Update, context: Context) -> str:
    """Select or unselect one value of a filter."""
    query = update.callback_query
    _, _, picker, code = query.data.split(":", 3)
    value = _picker_value(context, picker, code) if picker in FIELD_OF_PICKER else None
    if value is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return FILTERS
    _set_audience(context, _audience(context).toggle(FIELD_OF_PICKER[picker], value))
    await query.answer()
    text, keyboard = _picker_view(context, picker)
    await query.edit_message_text(text, reply_markup=keyboard)
    return FILTERS


@requires(STAFF_ROLES)
async def toggle_on_shift(update: Update, context: Context) -> str:
    """Only volunteers whose accepted shift is running now."""
    audience = _audience(context)
    _set_audience(context, replace(audience, on_shift_now=not audience.on_shift_now))
    await update.callback_query.answer()
    return await _show_filters(update, context)


@requires(STAFF_ROLES)
async def clear_filters(update: Update, context: Context) -> str:
    """Back to all active volunteers."""
    _set_audience(context, _audience(context).cleared())
    await update.callback_query.answer()
    return await _show_filters(update, context)


@requires(STAFF_ROLES)
async def back_to_filters(update: Update, context: Context) -> str:
    """From a picker back to the filter summary."""
    await update.callback_query.answer()
    return await _show_filters(update, context)


# -- need or shift --------------------------------------------------------------------------------


async def _needs_view(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    rows = await db.broadcast_need_choices(context.db, now=context.now())
    current = _audience(context).need_id
    buttons = [
        [_button(f"{_mark(r['id'] == current)}#{r['id']} {r['title']}"[:60], f"bc:fn:{r['id']}")]
        for r in rows
    ]
    buttons.append([_button(_("Any need (no filter)"), "bc:fn:0")])
    buttons.append([_button(_("◀ Back to the filters"), "bc:f")])
    text = _(
        "Volunteers holding an accepted shift of which need? Choose one below or type its number."
    )
    if not rows:
        text += "\n\n" + _("No approved need has shifts still to come.")
    return text, InlineKeyboardMarkup(buttons)


async def _shifts_view(context: Context, need_id: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = await db.broadcast_shift_choices(context.db, need_id, now=context.now())
    current = _audience(context).shift_id
    buttons = [
        [_button(f"{_mark(r['id'] == current)}{_shift_time(context, r)}", f"bc:fs:{r['id']}")]
        for r in rows
    ]
    buttons.insert(0, [_button(_("All shifts of this need"), "bc:fs:0")])
    buttons.append([_button(_("◀ Back to the filters"), "bc:f")])
    need = await db.broadcast_need(context.db, need_id)
    text = _("Need {ref} {title}: volunteers of which shift?").format(
        ref=ltr(f"#{need_id}"), title=isolate(need["title"]) if need else ""
    )
    return text, InlineKeyboardMarkup(buttons)


async def _select_need(context: Context, need_id: int) -> str | None:
    """Set the need filter; an error text when there is no such need."""
    if need_id == 0:
        _set_audience(context, _audience(context).with_need(None))
        return None
    need = await db.broadcast_need(context.db, need_id)
    if need is None:
        return _("There is no need {ref}.").format(ref=ltr(f"#{need_id}"))
    _set_audience(context, _audience(context).with_need(need_id))
    _draft(context)["picker"] = "shift"
    return None


@requires(STAFF_ROLES)
async def choose_need(update: Update, context: Context) -> str:
    """A need from the list: then which of its shifts."""
    query = update.callback_query
    need_id = int(query.data.split(":")[2])
    error = await _select_need(context, need_id)
    if error:
        await query.answer(error, show_alert=True)
        return FILTERS
    await query.answer()
    if need_id == 0:
        return await _show_filters(update, context)
    text, keyboard = await _shifts_view(context, need_id)
    await query.edit_message_text(text, reply_markup=keyboard)
    return FILTERS


@requires(STAFF_ROLES)
async def choose_shift(update: Update, context: Context) -> str:
    """One shift of the chosen need, or all of them."""
    query = update.callback_query
    shift_id = int(query.data.split(":")[2])
    audience = _audience(context)
    if audience.need_id is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return FILTERS
    if shift_id:
        shift = await db.broadcast_shift(context.db, shift_id)
        if shift is None or shift["need_id"] != audience.need_id:
            await query.answer(_("This button is no longer active."), show_alert=True)
            return FILTERS
    _set_audience(context, audience.with_need(audience.need_id, shift_id or None))
    await query.answer()
    return await _show_filters(update, context)


@requires(STAFF_ROLES)
async def typed_in_menu(update: Update, context: Context) -> str | None:
    """A need number typed in the need list; anything else: use the buttons."""
    message = update.effective_message
    picker = _draft(context).get("picker")
    typed = normalize_digits((message.text or "").strip()).lstrip("#")
    if picker == "need" and typed.isdigit():
        error = await _select_need(context, int(typed))
        if error is None:
            text, keyboard = await _shifts_view(context, int(typed))
            await message.reply_text(text, reply_markup=keyboard)
            return FILTERS
        text, keyboard = await _needs_view(context)
        await message.reply_text(f"{error}\n\n{text}", reply_markup=keyboard)
        return FILTERS
    await message.reply_text(_("Please choose with the buttons above, or send /cancel to stop."))
    return None  # stay in the same state


@requires(STAFF_ROLES)
async def filters_done(update: Update, context: Context) -> str:
    """Continue from the filters to the text."""
    return await _ask_text(update, context, stay=FILTERS)


# -- representatives ------------------------------------------------------------------------------


async def _reps_view(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    audience = _audience(context)
    rows = await db.broadcast_entity_choices(context.db)
    count = await db.count_audience(context.db, audience, now=context.now())
    buttons = [
        _button(f"{_mark(r['id'] in audience.entity_ids)}{_entity_name(r)}"[:60], f"bc:rt:{r['id']}")
        for r in rows
    ]
    keyboard = [
        *_pairs(buttons),
        [_button(f"{_mark(not audience.entity_ids)}{_('All entities')}", "bc:ra")],
        [_button(_("Continue ▸"), "bc:go")],
        _cancel_row(),
    ]
    text = "\n".join(
        [
            _("Representatives of which entities? Tap to select; none selected means all."),
            "",
            await describe(context, audience),
            _count_text(count),
        ]
    )
    return text, InlineKeyboardMarkup(keyboard)


async def _show_reps(update: Update, context: Context) -> str:
    text, keyboard = await _reps_view(context)
    await update.callback_query.edit_message_text(text, reply_markup=keyboard)
    return REPS


@requires(STAFF_ROLES)
async def toggle_entity(update: Update, context: Context) -> str:
    """Select or unselect one entity."""
    query = update.callback_query
    entity_id = int(query.data.split(":")[2])
    if entity_id not in {r["id"] for r in await db.broadcast_entity_choices(context.db)}:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return REPS
    _set_audience(context, _audience(context).toggle("entity_ids", entity_id))
    await query.answer()
    return await _show_reps(update, context)


@requires(STAFF_ROLES)
async def all_entities(update: Update, context: Context) -> str:
    """Representatives of every entity."""
    _set_audience(context, Audience(REPRESENTATIVES))
    await update.callback_query.answer()
    return await _show_reps(update, context)


@requires(STAFF_ROLES)
async def reps_done(update: Update, context: Context) -> str:
    """Continue from the entities to the text."""
    return await _ask_text(update, context, stay=REPS)


# -- the text, the preview and the decision -------------------------------------------------------


def _html_source(message: Message) -> str:
    """Formatting made with Telegram's own tools becomes HTML; otherwise the text is HTML."""
    if any(e.type in FORMATTING_ENTITIES for e in message.entities or ()):
        return message.text_html
    return message.text or ""


@requires(STAFF_ROLES)
async def receive_text(update: Update, context: Context) -> str:
    """Check the formatting, show the preview and the recipient count, ask to confirm."""
    message = update.effective_message
    try:
        text = normalize_html(_html_source(message))
    except FormattingError as exc:
        await message.reply_text(exc.message() + "\n\n" + _("Please send the message again."))
        return TEXT
    try:
        await message.reply_text(text, parse_mode=ParseMode.HTML)  # exactly what recipients get
    except BadRequest as exc:
        await message.reply_text(
            _("Telegram could not read the formatting: {error}").format(error=ltr(exc.message))
            + "\n\n" + _("Please send the message again.")
        )
        return TEXT
    draft = _draft(context)
    draft["text"] = text
    card, keyboard = await _confirm_view(context)
    await message.reply_text(card, reply_markup=keyboard)
    return CONFIRM


@requires(STAFF_ROLES)
async def not_text(update: Update, context: Context) -> str:
    """Photos, stickers and the like: a broadcast is text."""
    await update.effective_message.reply_text(
        _("A broadcast is a text message. Please send the text (formatting is fine).")
    )
    return TEXT


async def _confirm_view(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    draft = _draft(context)
    audience = _audience(context)
    count = await db.count_audience(context.db, audience, now=context.now())
    urgent = bool(draft.get("urgent"))
    lines = [
        _("The preview above is exactly what recipients will see."),
        "",
        _("To: {audience}").format(audience=await describe(context, audience)),
        ngettext("Recipients: {count} person", "Recipients: {count} people", count).format(count=ltr(count)),
        _("🚨 Urgent: sent ahead of all other messages.") if urgent else _("Priority: normal (after offers and reminders)."),
    ]
    keyboard = [
        [
            _button(ngettext("✅ Send to {count} person", "✅ Send to {count} people", count).format(count=count), "bc:send"),
            _button(_("✏️ Edit the text"), "bc:edit"),
        ],
        [_button(_("🚨 Urgent: on") if urgent else _("Urgent: off"), "bc:urg")],
        _cancel_row(),
    ]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


def _draft_ready(context: Context) -> bool:
    return bool(context.user_data.get(KEY, {}).get("text"))


@requires(STAFF_ROLES)
async def toggle_urgent(update: Update, context: Context) -> str:
    """Urgent puts the broadcast ahead of all other traffic."""
    query = update.callback_query
    if not _draft_ready(context):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return ConversationHandler.END  # type: ignore[return-value]
    draft = _draft(context)
    draft["urgent"] = not draft.get("urgent")
    await query.answer()
    card, keyboard = await _confirm_view(context)
    await query.edit_message_text(card, reply_markup=keyboard)
    return CONFIRM


@requires(STAFF_ROLES)
async def edit_text(update: Update, context: Context) -> str:
    """Write the text again."""
    query = update.callback_query
    await query.answer()
    await query.edit_message_text(_("Send the new text of the message."))
    return TEXT


@requires(STAFF_ROLES)
async def send(update: Update, context: Context) -> int:
    """Enqueue every recipient in one transaction, audit it, and say when it should finish."""
    query = update.callback_query
    if not _draft_ready(context):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return ConversationHandler.END
    draft, audience = _draft(context), _audience(context)
    urgent = bool(draft.get("urgent"))
    try:
        broadcast_id, count = await send_broadcast(
            context.db, created_by=query.from_user.id, audience=audience, text=draft["text"],
            urgent=urgent, now=context.now(),
        )
    except NobodyToSend:
        focus.finish(context.user_data, NAME, draft_key=KEY)
        await query.answer()
        await query.edit_message_text(_("Nobody in this audience can be reached right now. Nothing was sent."))
        return ConversationHandler.END
    focus.finish(context.user_data, NAME, draft_key=KEY)
    await query.answer(_("Queued."))
    await query.edit_message_text(
        ngettext(
            "Broadcast {ref} is queued for {count} person.",
            "Broadcast {ref} is queued for {count} people.",
            count,
        ).format(ref=ltr(f"#{broadcast_id}"), count=ltr(count))
        + "\n" + await _eta_text(context, broadcast_id)
        + "\n\n" + _("You will get a summary when it has finished. Send /broadcast to follow its progress.")
    )
    return ConversationHandler.END


class NobodyToSend(Exception):
    """The audience is empty: nothing is stored."""


async def send_broadcast(
    database: db.Database, *, created_by: int, audience: Audience, text: str, urgent: bool,
    now: datetime,
) -> tuple[int, int]:
    """Store a broadcast, enqueue every recipient and audit it, in one transaction;
    (broadcast id, recipients). Raises NobodyToSend (and stores nothing) for an empty audience."""
    priority = delivery.URGENT if urgent else delivery.BULK
    async with database.transaction() as tx:
        broadcast_id, count = await db.create_broadcast(
            tx, created_by=created_by, audience=audience, text=text, parse_mode=ParseMode.HTML,
            priority=priority, now=now,
        )
        if not count:
            raise NobodyToSend  # rolls the broadcast row back
        await db.audit(
            tx, actor_id=created_by, action="broadcast.send", now=now, target_type="broadcast",
            target_id=broadcast_id,
            details={"audience": audience.to_dict(), "recipients": count, "urgent": urgent},
        )
        delivery.notify_enqueued(tx)
    return broadcast_id, count


async def cancel(update: Update, context: Context) -> int:
    """Stop without sending anything (/cancel or the Cancel button)."""
    text = focus.close(context.user_data, NAME, _("Cancelled. Nothing was sent."), draft_key=KEY)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(text)
    else:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


@requires(STAFF_ROLES)
async def use_buttons(update: Update, context: Context) -> None:
    """Anything else while a menu is open: point at the buttons (and stay)."""
    await update.effective_message.reply_text(_("Please choose with the buttons above, or send /cancel to stop."))


# -- one-step buttons on the progress list --------------------------------------------------------


@requires(STAFF_ROLES)
async def refresh_list(update: Update, context: Context) -> None:
    """Refresh the progress of recent broadcasts."""
    query = update.callback_query
    text, keyboard = await _progress_text(context)
    await query.answer()
    try:
        await query.edit_message_text(text or _("No broadcast has been sent yet."), reply_markup=keyboard)
    except BadRequest as exc:  # nothing changed since the last look
        if "not modified" not in exc.message.lower():
            raise


@requires(STAFF_ROLES)
async def ask_stop(update: Update, context: Context) -> None:
    """Confirm before stopping a broadcast in progress."""
    query = update.callback_query
    broadcast_id = int(query.data.split(":")[2])
    counts = await db.broadcast_progress(context.db, broadcast_id)
    if not counts["pending"]:
        await query.answer(_("This broadcast has already finished."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        ngettext(
            "Stop broadcast {ref}? The {count} message not sent yet will be cancelled; what was delivered stays.",
            "Stop broadcast {ref}? The {count} messages not sent yet will be cancelled; what was delivered stays.",
            counts["pending"],
        ).format(ref=ltr(f"#{broadcast_id}"), count=ltr(counts["pending"])),
        reply_markup=InlineKeyboardMarkup(
            [[_button(_("Yes, stop it"), f"bc:stopok:{broadcast_id}"), _button(_("Keep sending"), "bc:list")]]
        ),
    )


@requires(STAFF_ROLES)
async def confirm_stop(update: Update, context: Context) -> None:
    """Cancel what is still queued of a broadcast, audit it; the summary follows."""
    query = update.callback_query
    broadcast_id = int(query.data.split(":")[2])
    now = context.now()
    async with context.db.transaction() as tx:
        broadcast = await db.get_broadcast(tx, broadcast_id)
        cancelled = await db.stop_broadcast(tx, broadcast_id, by=query.from_user.id, now=now) if broadcast else 0
        if cancelled:
            await db.audit(
                tx, actor_id=query.from_user.id, action="broadcast.stop", now=now,
                target_type="broadcast", target_id=broadcast_id, details={"cancelled": cancelled},
            )
            await delivery.finish_broadcast_if_done(tx, broadcast_id, now=now, default_locale=context.settings.default_locale)
    if not cancelled:
        await query.answer(_("This broadcast has already finished."), show_alert=True)
        return
    await query.answer(_("Stopped."))
    text, keyboard = await _progress_text(context)
    await query.edit_message_text(text, reply_markup=keyboard)


@requires(STAFF_ROLES)
async def stale(update: Update, context: Context) -> None:
    """A broadcast button from a finished or abandoned flow."""
    await update.callback_query.answer(_("This button is no longer active."), show_alert=True)


def build(all_user_data: Mapping[int, Any]) -> ConversationHandler:
    # Typed messages reach this flow only while it has the focus (bot/flows/focus.py).
    # New messages only: editing an earlier message must not answer the question open now.
    mine = focus.Focused(NAME, all_user_data) & filters.UpdateType.MESSAGE
    menu_text = filters.TEXT & ~filters.COMMAND & mine
    other = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL & mine
    return private_flow(
        NAME,
        entry_points=[CommandHandler("broadcast", start)],
        states={
            AUDIENCE: [CallbackQueryHandler(choose_kind, pattern=r"^bc:k:(all|vol|reps|staff)$")],
            FILTERS: [
                CallbackQueryHandler(open_picker, pattern=r"^bc:fp:(spec|lang|gen|city|need)$"),
                CallbackQueryHandler(toggle_value, pattern=r"^bc:ft:(spec|lang|gen|city):\w+$"),
                CallbackQueryHandler(toggle_on_shift, pattern=r"^bc:fnow$"),
                CallbackQueryHandler(clear_filters, pattern=r"^bc:fclr$"),
                CallbackQueryHandler(back_to_filters, pattern=r"^bc:f$"),
                CallbackQueryHandler(choose_need, pattern=r"^bc:fn:\d+$"),
                CallbackQueryHandler(choose_shift, pattern=r"^bc:fs:\d+$"),
                CallbackQueryHandler(filters_done, pattern=r"^bc:go$"),
                MessageHandler(menu_text, typed_in_menu),
            ],
            REPS: [
                CallbackQueryHandler(toggle_entity, pattern=r"^bc:rt:\d+$"),
                CallbackQueryHandler(all_entities, pattern=r"^bc:ra$"),
                CallbackQueryHandler(reps_done, pattern=r"^bc:go$"),
            ],
            TEXT: [
                MessageHandler(menu_text, receive_text),
                MessageHandler(other, not_text),
            ],
            CONFIRM: [
                CallbackQueryHandler(send, pattern=r"^bc:send$"),
                CallbackQueryHandler(edit_text, pattern=r"^bc:edit$"),
                CallbackQueryHandler(toggle_urgent, pattern=r"^bc:urg$"),
                MessageHandler(menu_text, receive_text),  # a new text replaces the draft
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel, filters=mine),
            CallbackQueryHandler(cancel, pattern=r"^bc:x$"),
            MessageHandler((filters.TEXT & ~filters.COMMAND & mine) | other, use_buttons),
        ],
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The flow, the one-step buttons of the progress list, and a check on any other
    broadcast button."""
    app.add_handler(build(app.user_data))
    app.add_handler(CallbackQueryHandler(refresh_list, pattern=r"^bc:list$"))
    app.add_handler(CallbackQueryHandler(ask_stop, pattern=r"^bc:stop:\d+$"))
    app.add_handler(CallbackQueryHandler(confirm_stop, pattern=r"^bc:stopok:\d+$"))
    app.add_handler(CallbackQueryHandler(stale, pattern=r"^bc:"))
