"""/need: a representative (for their entity) or a coordinator (for an entity they choose) posts a
need for volunteers, field by field, checks a summary with Edit per field, and submits it.

Answers live in `user_data["need_intake"]` until Submit; then the need, its languages and one
shift per day are written in one transaction, together with an approval card for every
coordinator and admin (through the outbox).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
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
from bot.auth import ENTITY_REP, REPS_AND_STAFF, STAFF, caller_role, requires
from bot.context import Context
from bot.flows import focus, private_flow
from bot.handlers import need_notices
from bot.handlers.need_views import entity_name, need_details
from bot.i18n import (
    DateInputError,
    _,
    format_date,
    ltr,
    ngettext,
    normalize_digits,
    parse_date,
    parse_time,
)
from bot.needs import (
    DEFAULT_RADIUS_M,
    MAX_AGE,
    MAX_DAYS,
    MAX_RADIUS_M,
    MAX_SLOTS,
    MIN_AGE,
    MIN_RADIUS_M,
    MIN_SLOTS,
    NOTES_MAX,
    SITE_MAX,
    SITE_MIN,
    TITLE_MAX,
    TITLE_MIN,
    NeedRuleError,
    check_first_day,
    check_last_day,
    check_whole_number,
    check_window,
    shift_windows,
)

NAME = "need_intake"
ENTITY_PAGE = 8
RADIUS_CHOICES = (100, 300, 500, 1000)

# Questions in order; "radius" is asked only when a location was shared.
ORDER = (
    "entity", "title", "specialty", "site", "location", "radius", "first_day", "last_day",
    "start_time", "end_time", "slots", "gender", "languages", "training", "min_age", "notes",
)
# Editing a field from the summary asks these together, then returns to the summary.
EDIT_GROUPS = {
    "entity": "entity", "title": "title", "specialty": "specialty", "site": "site",
    "location": "location", "dates": "first_day", "times": "start_time", "slots": "slots",
    "gender": "gender", "languages": "languages", "training": "training", "min_age": "min_age",
    "notes": "notes",
}
CONTINUES = {"location": "radius", "first_day": "last_day", "start_time": "end_time"}
TEXT_STEPS = {
    "title", "site", "radius", "first_day", "last_day", "start_time", "end_time", "slots",
    "min_age", "notes",
}
SUMMARY = "summary"


def state(step: str) -> str:
    return f"{NAME}.{step}"


def _draft(context: Context) -> dict[str, Any]:
    return context.user_data.setdefault(NAME, {})


def _today(context: Context) -> date:
    return context.now().astimezone(context.settings.timezone).date()


# -- asking ---------------------------------------------------------------------------------------


def _rows(buttons: list[InlineKeyboardButton], per_row: int = 2) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


async def _entity_keyboard(context: Context, offset: int) -> InlineKeyboardMarkup:
    draft = _draft(context)
    if draft.get("entity_choices"):
        rows = [await db.get_entity(context.db, eid) for eid in draft["entity_choices"]]
        entities, total, offset = [r for r in rows if r is not None], len(rows), 0
    else:
        total = await db.count_entities(context.db, active_only=True)
        entities = await db.list_entities(context.db, active_only=True, limit=ENTITY_PAGE, offset=offset)
    buttons = [[InlineKeyboardButton(entity_name(e), callback_data=f"ni:ent:{e['id']}")] for e in entities]
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(_("◀ Previous"), callback_data=f"ni:entp:{max(0, offset - ENTITY_PAGE)}"))
    if offset + ENTITY_PAGE < total:
        nav.append(InlineKeyboardButton(_("Next ▶"), callback_data=f"ni:entp:{offset + ENTITY_PAGE}"))
    if nav:
        buttons.append(nav)
    return InlineKeyboardMarkup(buttons)


def _languages_keyboard(selected: list[str]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✅ " if item.code in selected else "") + item.label_text(), callback_data=f"ni:lg:{item.code}"
        )
        for item in catalog.LANGUAGES
    ]
    return InlineKeyboardMarkup([*_rows(buttons), [InlineKeyboardButton(_("Done ✔"), callback_data="ni:lgok")]])


async def _question(context: Context, step: str) -> tuple[str, InlineKeyboardMarkup | None]:
    draft = _draft(context)
    if step == "entity":
        return _("Which entity is this need for?"), await _entity_keyboard(context, 0)
    if step == "title":
        return _("What is the need called? A short title volunteers will see, for example: "
                 "Guides at Quba Mosque."), None
    if step == "specialty":
        buttons = [InlineKeyboardButton(s.label_text(), callback_data=f"ni:sp:{s.code}") for s in catalog.SPECIALTIES]
        return _("Which specialty does it need?"), InlineKeyboardMarkup(_rows(buttons))
    if step == "site":
        return _("Where exactly? Type the site's name, for example: Quba Mosque, north gate."), None
    if step == "location":
        return _(
            "Share the site's location so that volunteers find it and check in there: tap 📎, "
            "then Location, and choose the point on the map. Or tap Skip."
        ), InlineKeyboardMarkup([[InlineKeyboardButton(_("Skip"), callback_data="ni:skip")]])
    if step == "radius":
        buttons = [
            InlineKeyboardButton(_("{metres} m").format(metres=m), callback_data=f"ni:rad:{m}")
            for m in RADIUS_CHOICES
        ]
        return _(
            "Volunteers can check in when they are this close to the site. Choose a distance or "
            "type it in metres ({low} to {high}). The usual is {default} m."
        ).format(low=MIN_RADIUS_M, high=MAX_RADIUS_M, default=DEFAULT_RADIUS_M), InlineKeyboardMarkup([buttons])
    if step == "first_day":
        return _(
            "What is the first day? Type the date in Hijri or Gregorian, for example 1447-12-01 "
            "or 2026-05-18."
        ), None
    if step == "last_day":
        return _(
            "And the last day? Type it the same way, or tap “Same day” if the need is for one "
            "day only. A need covers at most {days} days."
        ).format(days=MAX_DAYS), InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("Same day"), callback_data="ni:same")]]
        )
    if step == "start_time":
        return _("At what time does the shift start each day? For example 08:00 or 14:30."), None
    if step == "end_time":
        return _(
            "And at what time does it end? For example 14:00. An end time earlier than the start "
            "means the shift ends the next day."
        ), None
    if step == "slots":
        return _("How many volunteers are needed in each shift (each day)? Type a number from "
                 "{low} to {high}.").format(low=MIN_SLOTS, high=MAX_SLOTS), None
    if step == "gender":
        return _("Who can volunteer for it?"), InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("Men or women"), callback_data="ni:g:any")],
                [
                    InlineKeyboardButton(_("Men only"), callback_data="ni:g:male"),
                    InlineKeyboardButton(_("Women only"), callback_data="ni:g:female"),
                ],
            ]
        )
    if step == "languages":
        return _(
            "Which languages must the volunteers speak? Tap to select, then Done. Select none if "
            "any language will do."
        ), _languages_keyboard(draft.get("languages", []))
    if step == "training":
        return _("Must the volunteers have completed the office's training in this specialty?"), \
            InlineKeyboardMarkup(
                [[
                    InlineKeyboardButton(_("Yes"), callback_data="ni:tr:1"),
                    InlineKeyboardButton(_("No"), callback_data="ni:tr:0"),
                ]]
            )
    if step == "min_age":
        return _("What is the minimum age? Type a number from {low} to {high}, or tap “No minimum”.").format(
            low=MIN_AGE, high=MAX_AGE
        ), InlineKeyboardMarkup([[InlineKeyboardButton(_("No minimum"), callback_data="ni:age:none")]])
    if step == "notes":
        return _(
            "Any notes for the volunteers: what to wear, where to meet, whom to ask for? Type "
            "them, or tap Skip."
        ), InlineKeyboardMarkup([[InlineKeyboardButton(_("Skip"), callback_data="ni:skip")]])
    return await _summary(context)


async def _summary(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    draft = _draft(context)
    entity = await db.get_entity(context.db, draft["entity_id"])
    days = (date.fromisoformat(draft["last_day"]) - date.fromisoformat(draft["first_day"])).days + 1
    text = "\n".join(
        [
            _("Please check the need before you submit it:"),
            "",
            need_details(draft, draft.get("languages", []), entity=entity_name(entity) if entity else "—",
                         with_status=False),
            "",
            ngettext(
                "It will make {n} shift.", "It will make {n} shifts, one per day.", days
            ).format(n=days),
            _("Tap a field to change it, or Submit."),
        ]
    )
    labels = [
        ("title", _("Title")), ("specialty", _("Specialty")), ("site", _("Site")),
        ("location", _("Location")), ("dates", _("Days")), ("times", _("Time")),
        ("slots", _("Volunteers")), ("gender", _("Gender")), ("languages", _("Languages")),
        ("training", _("Training")), ("min_age", _("Minimum age")), ("notes", _("Notes")),
    ]
    if draft.get("can_choose_entity"):
        labels.insert(0, ("entity", _("Entity")))
    buttons = [InlineKeyboardButton("✏️ " + label, callback_data=f"ni:ed:{code}") for code, label in labels]
    rows = _rows(buttons, 3)
    rows.append(
        [
            InlineKeyboardButton(_("✅ Submit"), callback_data="ni:submit"),
            InlineKeyboardButton(_("✖ Cancel"), callback_data="ni:cancel"),
        ]
    )
    return text, InlineKeyboardMarkup(rows)


async def _ask(update: Update, context: Context, step: str, problem: str | None = None) -> str:
    """Send the question of `step` (after what was wrong with the last answer) and wait there."""
    _draft(context)["step"] = step
    text, keyboard = await _question(context, step)
    if problem:
        text = f"{problem}\n\n{text}"
    if step != SUMMARY:
        text += "\n\n" + _("Send /cancel to stop; nothing is kept.")
    await update.effective_message.reply_text(text, reply_markup=keyboard)
    return state(step)


def _following(draft: Mapping[str, Any], step: str) -> str:
    if draft.get("editing"):
        nxt = CONTINUES.get(step)
        if nxt == "radius" and draft.get("latitude") is None:
            nxt = None
        return nxt or SUMMARY
    index = ORDER.index(step) + 1
    if index < len(ORDER) and ORDER[index] == "radius" and draft.get("latitude") is None:
        index += 1
    return ORDER[index] if index < len(ORDER) else SUMMARY


async def _next(update: Update, context: Context, step: str) -> str:
    return await _ask(update, context, _following(_draft(context), step))


# -- starting -------------------------------------------------------------------------------------


@requires(REPS_AND_STAFF)
async def begin(update: Update, context: Context) -> str | int:
    """/need: find the caller's entity (or let staff choose one) and ask the first question."""
    user_id = update.effective_user.id
    role = await caller_role(context, user_id)
    context.user_data[NAME] = draft = {"languages": [], "checkin_radius_m": DEFAULT_RADIUS_M}
    if role in STAFF:
        if await db.count_entities(context.db, active_only=True) == 0:
            context.user_data.pop(NAME, None)
            await update.effective_message.reply_text(
                _("There is no active partner entity yet. Add one with /entities first.")
            )
            return ConversationHandler.END
        draft["can_choose_entity"] = True
        focus.enter(context.user_data, NAME, resumable=True)
        return await _ask(update, context, "entity")
    entities = await db.rep_memberships(context.db, user_id)
    active = [e for e in entities if e["active"]]
    if not active:
        context.user_data.pop(NAME, None)
        await update.effective_message.reply_text(
            _("Your entity is not active on Aoun at the moment, so it cannot post needs. "
              "Please contact the volunteer office.")
            if entities
            else _("You do not represent any entity yet. Ask the volunteer office for an invite link.")
        )
        return ConversationHandler.END
    focus.enter(context.user_data, NAME, resumable=True)
    if len(active) > 1:
        draft["can_choose_entity"] = True
        draft["entity_choices"] = [e["id"] for e in active]
        return await _ask(update, context, "entity")
    draft["entity_id"] = active[0]["id"]
    await update.effective_message.reply_text(
        _("Let us post a need for {entity}.").format(entity=entity_name(active[0]))
    )
    return await _ask(update, context, "title")


async def _may_post_for(context: Context, user_id: int, entity_id: int) -> bool:
    """Staff may post for any active entity; a representative only for their own."""
    entity = await db.get_entity(context.db, entity_id)
    if entity is None or not entity["active"]:
        return False
    role = await caller_role(context, user_id)
    if role in STAFF:
        return True
    return role == ENTITY_REP and await db.is_entity_rep(context.db, user_id, entity_id)


# -- answers by button ----------------------------------------------------------------------------


def _pressed(update: Update) -> list[str]:
    return update.callback_query.data.split(":")


async def _stale(update: Update, context: Context) -> str:
    await update.callback_query.answer(_("This button is no longer active."), show_alert=True)
    return state(_draft(context).get("step", "title"))


async def _took(update: Update) -> None:
    """Acknowledge a choice and take the keyboard off the question it answered."""
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)


@requires(REPS_AND_STAFF)
async def choose_entity(update: Update, context: Context) -> str:
    """The entity, from its button (staff, or a representative of several entities)."""
    draft = _draft(context)
    entity_id = int(_pressed(update)[2])
    if draft.get("step") != "entity" or not await _may_post_for(context, update.effective_user.id, entity_id):
        return await _stale(update, context)
    if draft.get("entity_choices") and entity_id not in draft["entity_choices"]:
        return await _stale(update, context)
    await _took(update)
    draft["entity_id"] = entity_id
    return await _next(update, context, "entity")


@requires(REPS_AND_STAFF)
async def entity_page(update: Update, context: Context) -> str:
    """Another page of entities."""
    if _draft(context).get("step") != "entity":
        return await _stale(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(
        await _entity_keyboard(context, int(_pressed(update)[2]))
    )
    return state("entity")


@requires(REPS_AND_STAFF)
async def choose_option(update: Update, context: Context) -> str:
    """Specialty, radius, same day, gender, training, no minimum age, or skip."""
    draft = _draft(context)
    step = draft.get("step")
    parts = _pressed(update)
    kind, value = parts[1], parts[2] if len(parts) > 2 else ""
    if kind == "sp" and step == "specialty" and catalog.by_code(catalog.SPECIALTIES, value):
        draft["specialty"] = value
    elif kind == "rad" and step == "radius" and value.isdigit() and MIN_RADIUS_M <= int(value) <= MAX_RADIUS_M:
        draft["checkin_radius_m"] = int(value)
    elif kind == "same" and step == "last_day":
        draft["last_day"] = draft["first_day"]
    elif kind == "g" and step == "gender" and value in ("any", "male", "female"):
        draft["gender"] = value
    elif kind == "tr" and step == "training" and value in ("0", "1"):
        draft["requires_training"] = value == "1"
    elif kind == "age" and step == "min_age":
        draft["min_age"] = None
    elif kind == "skip" and step == "location":
        draft["latitude"] = draft["longitude"] = None
        draft["checkin_radius_m"] = DEFAULT_RADIUS_M
    elif kind == "skip" and step == "notes":
        draft["notes"] = None
    else:
        return await _stale(update, context)
    await _took(update)
    return await _next(update, context, step)


@requires(REPS_AND_STAFF)
async def toggle_language(update: Update, context: Context) -> str:
    """Select or unselect one language; the keyboard shows the selection."""
    draft = _draft(context)
    code = _pressed(update)[2]
    if draft.get("step") != "languages" or catalog.by_code(catalog.LANGUAGES, code) is None:
        return await _stale(update, context)
    selected = draft.setdefault("languages", [])
    if code in selected:
        selected.remove(code)
    else:
        selected.append(code)
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(_languages_keyboard(selected))
    return state("languages")


@requires(REPS_AND_STAFF)
async def languages_done(update: Update, context: Context) -> str:
    """Done choosing languages (none means any)."""
    if _draft(context).get("step") != "languages":
        return await _stale(update, context)
    await _took(update)
    return await _next(update, context, "languages")


@requires(REPS_AND_STAFF)
async def receive_location(update: Update, context: Context) -> str:
    """The site's location, shared from the map."""
    location = update.effective_message.location
    draft = _draft(context)
    draft["latitude"], draft["longitude"] = round(location.latitude, 6), round(location.longitude, 6)
    return await _next(update, context, "location")


# -- answers by text ------------------------------------------------------------------------------


def _rule_message(error: NeedRuleError, draft: Mapping[str, Any]) -> str:
    details = error.details
    texts = {
        "not_number": _("Please type a whole number from {low} to {high}, in digits."),
        "out_of_range": _("Please type a number from {low} to {high}."),
        "first_in_past": _("The first day cannot be in the past. Please type today's date or a later one."),
        "first_too_far": _("The first day must be within {days} days from today."),
        "last_before_first": _("The last day cannot be before the first day ({first})."),
        "range_too_long": _(
            "A need can cover at most {days} days. Please choose an earlier last day, and post "
            "another need for the rest."
        ),
        "end_equals_start": _("The end time must be different from the start time."),
    }
    first = format_date(date.fromisoformat(draft["first_day"])) if draft.get("first_day") else ""
    return texts[error.code].format(first=first, **details)


def _clean(text: str) -> str:
    return " ".join((text or "").split())


@requires(REPS_AND_STAFF)
async def receive_text(update: Update, context: Context) -> str:
    """A typed answer: check it for the current question; explain and ask again when wrong."""
    draft = _draft(context)
    step = draft.get("step", "title")
    text = _clean(update.effective_message.text)
    if step not in TEXT_STEPS:
        problem = _("Please use the buttons below the question.") if step != "location" else _(
            "Please share a location (📎, then Location), or tap Skip."
        )
        return await _ask(update, context, step, problem)
    try:
        if step in ("title", "site"):
            low, high = (TITLE_MIN, TITLE_MAX) if step == "title" else (SITE_MIN, SITE_MAX)
            if not low <= len(text) <= high:
                return await _ask(
                    update, context, step,
                    _("Please type between {low} and {high} characters.").format(low=low, high=high),
                )
            draft["title" if step == "title" else "site_name"] = text
        elif step == "notes":
            if len(text) > NOTES_MAX:
                return await _ask(
                    update, context, step,
                    _("The notes are too long: at most {high} characters, please.").format(high=NOTES_MAX),
                )
            draft["notes"] = (update.effective_message.text or "").strip()
        elif step == "radius":
            draft["checkin_radius_m"] = check_whole_number(normalize_digits(text), MIN_RADIUS_M, MAX_RADIUS_M)
        elif step == "slots":
            draft["slots"] = check_whole_number(normalize_digits(text), MIN_SLOTS, MAX_SLOTS)
        elif step == "min_age":
            draft["min_age"] = check_whole_number(normalize_digits(text), MIN_AGE, MAX_AGE)
        elif step == "first_day":
            first = parse_date(text)
            check_first_day(first, _today(context))
            draft["first_day"] = first.isoformat()
        elif step == "last_day":
            last = parse_date(text)
            check_last_day(date.fromisoformat(draft["first_day"]), last)
            draft["last_day"] = last.isoformat()
        elif step == "start_time":
            draft["start_time"] = parse_time(text).strftime("%H:%M")
        elif step == "end_time":
            end = parse_time(text)
            check_window(parse_time(draft["start_time"]), end)
            draft["end_time"] = end.strftime("%H:%M")
    except DateInputError as error:
        return await _ask(update, context, step, error.message())
    except NeedRuleError as error:
        return await _ask(update, context, step, _rule_message(error, draft))
    return await _next(update, context, step)


@requires(REPS_AND_STAFF)
async def wrong_kind(update: Update, context: Context) -> str:
    """A sticker, photo, contact or the like: say what is expected and ask again."""
    step = _draft(context).get("step", "title")
    if step in TEXT_STEPS:
        problem = _("Please type your answer as text.")
    elif step == "location":
        problem = _("Please share a location (📎, then Location), or tap Skip.")
    else:
        problem = _("Please use the buttons below the question.")
    return await _ask(update, context, step, problem)


# -- summary, edit, submit ------------------------------------------------------------------------


@requires(REPS_AND_STAFF)
async def edit_field(update: Update, context: Context) -> str:
    """Change one field from the summary: ask its question(s) again, then back to the summary."""
    draft = _draft(context)
    group = _pressed(update)[2]
    if draft.get("step") != SUMMARY or group not in EDIT_GROUPS or (
        group == "entity" and not draft.get("can_choose_entity")
    ):
        return await _stale(update, context)
    await _took(update)
    draft["editing"] = True
    return await _ask(update, context, EDIT_GROUPS[group])


@requires(REPS_AND_STAFF)
async def submit(update: Update, context: Context) -> str | int:
    """Write the need and its shifts, send the approval cards, and say what happens next."""
    query = update.callback_query
    draft = _draft(context)
    if draft.get("step") != SUMMARY:
        return await _stale(update, context)
    user_id = update.effective_user.id
    if not await _may_post_for(context, user_id, draft["entity_id"]):
        await query.answer(_("You can no longer post needs for this entity."), show_alert=True)
        return await cancel(update, context, notice=False)
    try:
        check_first_day(date.fromisoformat(draft["first_day"]), _today(context))
    except NeedRuleError as error:
        await _took(update)
        draft["editing"] = True
        return await _ask(update, context, "first_day", _rule_message(error, draft))
    tz, now = context.settings.timezone, context.now()
    windows = shift_windows(
        date.fromisoformat(draft["first_day"]), date.fromisoformat(draft["last_day"]),
        parse_time(draft["start_time"]), parse_time(draft["end_time"]), tz,
    )
    fields = {
        "title": draft["title"], "specialty": draft["specialty"], "site_name": draft["site_name"],
        "latitude": draft.get("latitude"), "longitude": draft.get("longitude"),
        "checkin_radius_m": draft.get("checkin_radius_m", DEFAULT_RADIUS_M),
        "first_day": draft["first_day"], "last_day": draft["last_day"],
        "start_time": draft["start_time"], "end_time": draft["end_time"], "slots": draft["slots"],
        "gender": draft["gender"], "requires_training": int(bool(draft["requires_training"])),
        "min_age": draft.get("min_age"), "notes": draft.get("notes"),
    }
    async with context.db.transaction() as tx:
        need_id, shift_ids = await db.insert_need(
            tx, entity_id=draft["entity_id"], created_by=user_id, now=now, fields=fields,
            languages=draft.get("languages", []), windows=windows,
        )
        await db.audit(
            tx, actor_id=user_id, action="need.submit", now=now, target_type="need",
            target_id=need_id, details={"entity": draft["entity_id"], "shifts": len(shift_ids)},
        )
        await need_notices.send_approval_cards(tx, need_id, settings=context.settings, now=now)
    await _took(update)
    focus.finish(context.user_data, NAME)
    await update.effective_message.reply_text(
        _(
            "Thank you. Need {id} was submitted with {shifts}. The office's coordinators will "
            "review it, and I will tell you here when they decide. Follow it with /myneeds."
        ).format(
            id=ltr(f"#{need_id}"),
            shifts=ngettext("{n} shift", "{n} shifts", len(shift_ids)).format(n=len(shift_ids)),
        )
    )
    return ConversationHandler.END


async def cancel(update: Update, context: Context, *, notice: bool = True) -> int:
    """/cancel or the Cancel button: forget the answers."""
    focus.finish(context.user_data, NAME)
    if update.callback_query and notice:
        await _took(update)
    if notice:
        await update.effective_message.reply_text(_("Cancelled. The need was not saved."))
    return ConversationHandler.END


async def stale_button(update: Update, context: Context) -> str:
    """An intake button from an earlier question."""
    return await _stale(update, context)


def build(all_user_data: Mapping[int, Any]) -> ConversationHandler:
    # New messages only: editing an earlier message must not answer the question open now.
    mine = focus.Focused(NAME, all_user_data) & filters.UpdateType.MESSAGE
    typed = MessageHandler(filters.TEXT & ~filters.COMMAND & mine, receive_text)
    other = MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL & mine, wrong_kind)
    option = CallbackQueryHandler(choose_option, pattern=r"^ni:(sp|rad|same|g|tr|age|skip)(:\w+)?$")
    buttons: dict[str, list[Any]] = {
        "entity": [
            CallbackQueryHandler(choose_entity, pattern=r"^ni:ent:\d+$"),
            CallbackQueryHandler(entity_page, pattern=r"^ni:entp:\d+$"),
        ],
        "location": [option, MessageHandler(filters.LOCATION & mine, receive_location)],
        "languages": [
            CallbackQueryHandler(toggle_language, pattern=r"^ni:lg:\w+$"),
            CallbackQueryHandler(languages_done, pattern=r"^ni:lgok$"),
        ],
        SUMMARY: [
            CallbackQueryHandler(edit_field, pattern=r"^ni:ed:\w+$"),
            CallbackQueryHandler(submit, pattern=r"^ni:submit$"),
            CallbackQueryHandler(cancel, pattern=r"^ni:cancel$"),
        ],
    }
    states = {
        state(step): [*buttons.get(step, [option]), typed, other] for step in (*ORDER, SUMMARY)
    }
    return private_flow(
        NAME,
        entry_points=[CommandHandler("need", begin)],
        states=states,
        fallbacks=[
            CommandHandler("cancel", cancel, filters=mine),
            CallbackQueryHandler(stale_button, pattern=r"^ni:"),
        ],
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(build(app.user_data))
