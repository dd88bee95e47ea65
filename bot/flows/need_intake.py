"""/need: a representative (for their entity) or a coordinator (for an entity they choose) posts a
need for volunteers, field by field, checks a summary with Edit per field, and submits it.

The questions are a steps table (bot/flows/kit/steps.py); answers live in the draft
`user_data["need_intake"]` until Submit, which bot/operations/needs.py turns into the need, its
languages, one shift per day and the approval cards, once per draft. A long draft: left for
another command it is kept, and /need goes on with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import answers, catalog, db
from bot.auth import REPS_AND_STAFF, STAFF, caller_role, requires
from bot.context import Context
from bot.feasibility import Pool, explain
from bot.flows import kit
from bot.flows.kit import steps
from bot.flows.kit.steps import DONE, REDRAW, Answer, Step
from bot.i18n import (
    N_,
    DateInputError,
    _,
    example_date,
    format_date,
    format_time,
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
    check_first_shift,
    check_last_day,
    check_whole_number,
    check_window,
    first_window,
    tidy_notes,
)
from bot.notices.trainings import SCHEDULE as SCHEDULE_TRAINING
from bot.operations import feasibility as feasibility_reads
from bot.operations import needs as operations
from bot.texts import Row, entity_name
from bot.texts.feasibility import report_text
from bot.texts.needs import need_details

SPEC = kit.FlowSpec("need_intake", kit.Mode.LONG, N_("need draft"), area="ni", commands=("need",))
NAME = SPEC.name
ENTITY_PAGE = 8
RADIUS_CHOICES = (100, 300, 500, 1000)

ENTITY = kit.Route("ni", "ent", int)
ENTITY_PAGER = kit.Route("ni", "entp", int)
SPECIALTY = kit.Route("ni", "sp", str)
SKIP = kit.Route("ni", "skip")
RADIUS = kit.Route("ni", "rad", int)
SAME_DAY = kit.Route("ni", "same")
GENDER = kit.Route("ni", "g", str)
LANGUAGE = kit.Route("ni", "lg", str)
LANGUAGES_DONE = kit.Route("ni", "lgok")
MINIMUM = kit.Route("ni", "mn", str)  # ni:mn:<language> sets its minimum, ni:mn:done goes on
TRAINING = kit.Route("ni", "tr", int)
MIN_AGE_NONE = kit.Route("ni", "age", str)  # ni:age:none
EDIT = kit.Route("ni", "ed", str)
SUBMIT = kit.Route("ni", "submit")
CANCEL = kit.Route("ni", "cancel")

# Questions in order; "radius" is asked only when a location was shared.
ORDER = (
    "entity", "title", "specialty", "site", "location", "radius", "first_day", "last_day",
    "start_time", "end_time", "slots", "gender", "languages", "minimums", "training", "min_age",
    "notes",
)
# Editing a field from the summary asks these together, then returns to the summary.
EDIT_GROUPS = {
    "entity": "entity", "title": "title", "specialty": "specialty", "site": "site",
    "location": "location", "dates": "first_day", "times": "start_time", "slots": "slots",
    "gender": "gender", "languages": "languages", "training": "training", "min_age": "min_age",
    "notes": "notes",
}
CONTINUES = {
    "location": "radius", "first_day": "last_day", "start_time": "end_time", "languages": "minimums",
}
TEXT_STEPS = {
    "title", "site", "radius", "first_day", "last_day", "start_time", "end_time", "slots",
    "min_age", "notes", "minimum_count",
}
SUMMARY = "summary"


@dataclass(frozen=True)
class Env:
    today: date  # in the office's time zone
    now: datetime
    tz: ZoneInfo


def _env(context: Context) -> Env:
    now, tz = context.now(), context.settings.timezone
    return Env(today=now.astimezone(tz).date(), now=now, tz=tz)


def state(step: str) -> str:
    return f"{NAME}.{step}"


def _footer(text: str) -> str:
    return f"{text}\n\n" + _("Send /cancel to stop; nothing is kept.")


def _use_buttons() -> str:
    return _("Please use the buttons below the question.")


def _share_location() -> str:
    return _(
        "Please share a location (📎, then Location), paste a Google or Apple Maps link, or "
        "type the coordinates like 24.4936, 39.5905; or tap Skip."
    )


def _clean(text: str | None) -> str:
    """Typed text without the invisible characters that would reverse other readers' lines."""
    return answers.strip_bidi_controls(text or "")


def _rule_message(error: NeedRuleError, draft: Mapping[str, Any]) -> str:
    details = error.details
    texts = {
        "not_number": _("Please type a whole number from {low} to {high}, in digits."),
        "out_of_range": _("Please type a number from {low} to {high}."),
        "first_in_past": _("The first day cannot be in the past. Please type today's date or a later one."),
        "first_too_far": ngettext(
            "The first day must be within {days} day from today.",
            "The first day must be within {days} days from today.",
            int(str(details.get("days", 0))),
        ),
        "last_before_first": _("The last day cannot be before the first day ({first})."),
        "range_too_long": ngettext(
            "A need can cover at most {days} day. Please choose an earlier last day, and post "
            "another need for the rest.",
            "A need can cover at most {days} days. Please choose an earlier last day, and post "
            "another need for the rest.",
            int(str(details.get("days", 0))),
        ),
        "end_equals_start": _("The end time must be different from the start time."),
        "first_shift_ended": _(
            "The first shift ({window}) would be over already. Please type a later end time, "
            "or choose a later first day from the summary."
        ),
        "first_shift_over": _(
            "The first shift ({window}) is over already, so the need cannot be submitted. "
            "Please choose a later first day."
        ),
    }
    first = format_date(date.fromisoformat(draft["first_day"])) if draft.get("first_day") else ""
    starts, ends = details.get("starts"), details.get("ends")
    if isinstance(starts, datetime) and isinstance(ends, datetime):
        details = {"window": _("{day}, {start} to {end}").format(
            day=format_date(starts.date()), start=format_time(starts), end=format_time(ends),
        )}
    return texts[error.code].format(first=first, **details)


def _checked(draft: dict[str, Any], parse: Any) -> Answer:
    """Run a parser that raises the flow's input errors; its explanation on failure."""
    try:
        parse()
    except DateInputError as error:
        return steps.error(error.message())
    except NeedRuleError as error:
        return steps.error(_rule_message(error, draft))
    return DONE


def _buttons_only(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    return steps.error(_use_buttons())


# -- the entity ------------------------------------------------------------------------------------


def _entity_row(row: Row) -> list[Any]:
    return [int(row["id"]), row["name_ar"], row["name_en"]]


def _entity_label(item: list[Any]) -> str:
    return entity_name({"name_ar": item[1], "name_en": item[2]})


async def _load_entities(context: Context, draft: dict[str, Any], offset: int) -> None:
    """The entity picker's page, kept in the draft (the question is drawn from the draft)."""
    if draft.get("entity_choices"):
        rows = [await db.get_entity(context.db, eid) for eid in draft["entity_choices"]]
        entities = [r for r in rows if r is not None]
        total, offset = len(entities), 0
    else:
        total = await db.count_entities(context.db, active_only=True)
        entities = await db.list_entities(context.db, active_only=True, limit=ENTITY_PAGE, offset=offset)
    draft["entity_page"] = {"offset": offset, "total": total, "items": [_entity_row(e) for e in entities]}


def _ask_entity(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    page = draft.get("entity_page") or {"offset": 0, "total": 0, "items": []}
    buttons = [kit.button(_entity_label(item), ENTITY.data(item[0])) for item in page["items"]]
    keyboard = kit.markup(
        kit.grid(buttons, 1), kit.pager(ENTITY_PAGER, page["offset"], page["total"], ENTITY_PAGE)
    )
    return _footer(_("Which entity is this need for?")), keyboard


def _press_entity(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    shown = {item[0]: item for item in (draft.get("entity_page") or {}).get("items", [])}
    item = shown.get(int(value)) if value.isdigit() else None
    if item is None:
        return None
    draft["entity_id"], draft["entity_name"] = item[0], [item[1], item[2]]
    return DONE


# -- one question each -----------------------------------------------------------------------------


def _ask_title(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_("What is the need called? A short title volunteers will see, for example: "
                     "Guides at Quba Mosque.")), None


def _length(field: str, low: int, high: int) -> Any:
    def take(draft: dict[str, Any], message: Message, env: Env) -> Answer:
        text = _clean(message.text)
        if not low <= len(text) <= high:
            return steps.error(ngettext(
                "Please type between {low} and {high} character.",
                "Please type between {low} and {high} characters.", high,
            ).format(low=low, high=high))
        draft[field] = text
        return DONE

    return take


def _ask_specialty(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [kit.button(s.label_text(), SPECIALTY.data(s.code)) for s in catalog.SPECIALTIES]
    return _footer(_("Which specialty does it need?")), kit.markup(kit.grid(buttons))


def _press_specialty(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if catalog.by_code(catalog.SPECIALTIES, value) is None:
        return None
    draft["specialty"] = value
    return DONE


def _ask_site(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_("Where exactly? Type the site's name, for example: Quba Mosque, north gate.")), None


def _ask_location(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    return _footer(_(
        "Share the site's location so that volunteers find it and check in there: tap 📎, "
        "then Location, and choose the point on the map; or paste a Google or Apple Maps link, "
        "or type its coordinates. Or tap Skip."
    )), kit.markup([kit.button(_("Skip"), SKIP.data())])


def _take_location(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    """A shared location, a pasted Google or Apple Maps link, or "24.4936, 39.5905"; the next
    question shows the point back."""
    if message.location is not None:
        point: tuple[float, float] | None = (message.location.latitude, message.location.longitude)
    else:
        point = answers.typed_location(message.text or "")
    if point is None:
        return steps.error(_share_location())
    draft["latitude"], draft["longitude"] = round(point[0], 6), round(point[1], 6)
    return DONE


def _skip_location(draft: dict[str, Any], value: str, env: Env) -> Answer:
    draft["latitude"] = draft["longitude"] = None
    draft["checkin_radius_m"] = DEFAULT_RADIUS_M
    return DONE


def _ask_radius(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [kit.button(_("{metres} m").format(metres=m), RADIUS.data(m)) for m in RADIUS_CHOICES]
    point = ""
    if draft.get("latitude") is not None and draft.get("longitude") is not None:
        lat, lon = float(draft["latitude"]), float(draft["longitude"])
        point = _(
            "📍 The site's point: {point} (check it on the map: {link}). If it is wrong, tap ✏️ "
            "Location in the summary."
        ).format(point=ltr(f"{lat:.5f}, {lon:.5f}"), link=f"https://maps.google.com/?q={lat:.6f},{lon:.6f}") + "\n\n"
    return _footer(point + _(
        "Volunteers can check in when they are this close to the site. Choose a distance or "
        "type it in metres ({low} to {high}). The usual is {default} m."
    ).format(low=MIN_RADIUS_M, high=MAX_RADIUS_M, default=DEFAULT_RADIUS_M)), kit.markup(buttons)


def _press_radius(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if not value.isdigit() or not MIN_RADIUS_M <= int(value) <= MAX_RADIUS_M:
        return None
    draft["checkin_radius_m"] = int(value)
    return DONE


def _number(field: str, low: int, high: int) -> Any:
    def take(draft: dict[str, Any], message: Message, env: Env) -> Answer:
        def parse() -> None:
            draft[field] = check_whole_number(normalize_digits(_clean(message.text)), low, high)

        return _checked(draft, parse)

    return take


def _ask_first_day(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    hijri, gregorian = example_date(env.today)
    return _footer(_(
        "What is the first day? Type the date in Hijri or Gregorian, for example {hijri} "
        "or {gregorian}."
    ).format(hijri=hijri, gregorian=gregorian)), None


def _take_first_day(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    def parse() -> None:
        first = parse_date(_clean(message.text))
        check_first_day(first, env.today)
        draft["first_day"] = first.isoformat()

    return _checked(draft, parse)


def _ask_last_day(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    return _footer(ngettext(
        "And the last day? Type it the same way, or tap “Same day” if the need is for one "
        "day only. A need covers at most {days} day.",
        "And the last day? Type it the same way, or tap “Same day” if the need is for one "
        "day only. A need covers at most {days} days.",
        MAX_DAYS,
    ).format(days=MAX_DAYS)), kit.markup([kit.button(_("Same day"), SAME_DAY.data())])


def _take_last_day(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    def parse() -> None:
        last = parse_date(_clean(message.text))
        check_last_day(date.fromisoformat(draft["first_day"]), last)
        draft["last_day"] = last.isoformat()

    return _checked(draft, parse)


def _same_day(draft: dict[str, Any], value: str, env: Env) -> Answer:
    draft["last_day"] = draft["first_day"]
    return DONE


def _ask_start(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_("At what time does the shift start each day? For example 08:00 or 14:30.")), None


def _take_start(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    def parse() -> None:
        draft["start_time"] = parse_time(_clean(message.text)).strftime("%H:%M")

    return _checked(draft, parse)


def _ask_end(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_(
        "And at what time does it end? For example 14:00. An end time earlier than the start "
        "means the shift ends the next day."
    )), None


def _take_end(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    def parse() -> None:
        end = parse_time(_clean(message.text))
        check_window(parse_time(draft["start_time"]), end)
        check_first_shift(draft["first_day"], draft["start_time"], end.strftime("%H:%M"), env.tz, env.now)
        draft["end_time"] = end.strftime("%H:%M")

    return _checked(draft, parse)


def _started_warning(draft: Mapping[str, Any], env: Env) -> list[str]:
    """A first shift that has started (and not ended) is said before Submit."""
    starts, ends = first_window(draft["first_day"], draft["start_time"], draft["end_time"], env.tz)
    if not starts <= env.now < ends:
        return []
    return ["", _(
        "⚠️ The first shift started at {time}. A need whose first shift starts before it is "
        "approved is closed, so this one would be closed at once: choose a later first day, or "
        "change the time, before you submit."
    ).format(time=ltr(format_time(starts.astimezone(env.tz))))]


def _ask_slots(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_("How many volunteers are needed in each shift (each day)? Type a number from "
                     "{low} to {high}.").format(low=MIN_SLOTS, high=MAX_SLOTS)), None


def _ask_gender(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    return _footer(_("Who can volunteer for it?")), kit.markup(
        [kit.button(_("Men or women"), GENDER.data("any"))],
        [kit.button(_("Men only"), GENDER.data("male")), kit.button(_("Women only"), GENDER.data("female"))],
    )


_NEED_GENDER_WORDS = {
    "any": {"الجميع", "كلاهما", "رجال او نساء", "رجال ونساء", "any", "both", "all", "everyone", "men or women"},
    "male": {"رجال", "رجال فقط", "men", "men only", "male"},
    "female": {"نساء", "نساء فقط", "women", "women only", "female"},
}


def _typed_gender(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    word = answers.fold(message.text or "")
    for code, words in _NEED_GENDER_WORDS.items():
        if word in {answers.fold(w) for w in words}:
            draft["gender"] = code
            return DONE
    typed = answers.typed_gender(message.text or "")
    if typed is None:
        return steps.error(_use_buttons())
    draft["gender"] = typed
    return DONE


def _typed_training(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    said = answers.typed_yes_no(message.text or "")
    if said is None:
        return steps.error(_use_buttons())
    draft["requires_training"] = said
    return DONE


def _typed_specialty(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    code = answers.typed_choice(message.text or "", catalog.SPECIALTIES)
    if code is None:
        return steps.error(_use_buttons())
    draft["specialty"] = code
    return DONE


def _typed_languages(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    codes, unknown = answers.typed_languages(message.text or "")
    if unknown or not codes:
        return steps.error(_use_buttons())
    draft["languages"] = list(dict.fromkeys([*draft.get("languages", []), *codes]))
    return DONE


def _press_gender(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value not in ("any", "male", "female"):
        return None
    draft["gender"] = value
    return DONE


def _ask_languages(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    selected = draft.get("languages", [])
    buttons = [
        kit.button(kit.checked(item.label_text(), item.code in selected), LANGUAGE.data(item.code))
        for item in catalog.LANGUAGES
    ]
    return _footer(_(
        "Which languages should the volunteers speak? Each volunteer must speak at least one "
        "of those you select. Tap to select, then Done. Select none if any language will do."
    )), kit.markup(kit.grid(buttons), [kit.button(_("Done ✔"), LANGUAGES_DONE.data())])


def _toggle_language(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if catalog.by_code(catalog.LANGUAGES, value) is None:
        return None
    selected = draft.setdefault("languages", [])
    if value in selected:
        selected.remove(value)
        (draft.get("minimums") or {}).pop(value, None)
    else:
        selected.append(value)
    return REDRAW


def _minimums(draft: dict[str, Any]) -> dict[str, int]:
    """The minimums kept in the draft, for the languages still selected."""
    kept = draft.get("minimums") or {}
    return {code: int(n) for code, n in kept.items() if code in draft.get("languages", []) and int(n) > 0}


def _ask_minimums(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    minimums = _minimums(draft)
    buttons = [
        kit.button(
            _("{language}: at least {n}").format(
                language=catalog.label(catalog.LANGUAGES, code), n=minimums[code]
            ) if code in minimums else catalog.label(catalog.LANGUAGES, code),
            MINIMUM.data(code),
        )
        for code in draft.get("languages", [])
    ]
    return _footer(_(
        "Each volunteer will speak at least one of these languages. Do you also need a minimum "
        "number of speakers of one of them in each shift, for example at least 5 Urdu speakers "
        "of 20? Tap a language to set its minimum, or tap Done if any mix will do."
    )), kit.markup(kit.grid(buttons), [kit.button(_("Done ✔"), MINIMUM.data("done"))])


def _press_minimum(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value == "done":
        draft["minimums"] = _minimums(draft)
        return DONE
    if value not in draft.get("languages", []):
        return None
    draft["minimum_for"] = value
    return steps.goto("minimum_count")


def _ask_minimum_count(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_(
        "At least how many volunteers who speak {language} does each shift need? Type a number "
        "from 0 to {slots} (0: no minimum)."
    ).format(
        language=catalog.label(catalog.LANGUAGES, draft.get("minimum_for", "")),
        slots=draft.get("slots", MAX_SLOTS),
    )), None


def _take_minimum_count(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    slots = int(draft.get("slots", MAX_SLOTS))
    try:
        count = check_whole_number(normalize_digits(_clean(message.text)), 0, slots)
    except NeedRuleError as error:
        return steps.error(_rule_message(error, draft))
    minimums = {**_minimums(draft), draft.get("minimum_for", ""): count}
    others = sum(n for code, n in minimums.items() if code != draft.get("minimum_for"))
    if count and others + count > slots:
        return steps.error(_(
            "The minimums would add up to more than a shift's volunteers ({slots}). Please "
            "type a smaller number."
        ).format(slots=slots))
    draft["minimums"] = {code: n for code, n in minimums.items() if n > 0}
    return steps.goto("minimums")


def _ask_training(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    return _footer(_("Must the volunteers have completed the office's training in this specialty?")), kit.markup(
        [kit.button(_("Yes"), TRAINING.data(1)), kit.button(_("No"), TRAINING.data(0))]
    )


def _press_training(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value not in ("0", "1"):
        return None
    draft["requires_training"] = value == "1"
    return DONE


def _ask_min_age(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    return _footer(_("What is the minimum age? Type a number from {low} to {high}, or tap “No minimum”.").format(
        low=MIN_AGE, high=MAX_AGE
    )), kit.markup([kit.button(_("No minimum"), MIN_AGE_NONE.data("none"))])


def _no_min_age(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value != "none":
        return None
    draft["min_age"] = None
    return DONE


def _ask_notes(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    return _footer(_(
        "Any notes for the volunteers: what to wear, where to meet, whom to ask for? Type "
        "them, or tap Skip."
    )), kit.markup([kit.button(_("Skip"), SKIP.data())])


def _take_notes(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    notes = tidy_notes(message.text)  # checked and stored alike
    if len(notes) > NOTES_MAX:
        return steps.error(ngettext(
            "The notes are too long: at most {high} character, please.",
            "The notes are too long: at most {high} characters, please.", NOTES_MAX,
        ).format(high=NOTES_MAX))
    draft["notes"] = notes or None
    return DONE


def _skip_notes(draft: dict[str, Any], value: str, env: Env) -> Answer:
    draft["notes"] = None
    return DONE


# -- the summary -----------------------------------------------------------------------------------


def _ask_summary(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    names = draft.get("entity_name")
    entity = entity_name({"name_ar": names[0], "name_en": names[1]}) if names else "—"
    days = (date.fromisoformat(draft["last_day"]) - date.fromisoformat(draft["first_day"])).days + 1
    text = "\n".join(
        [
            _("Please check the need before you submit it:"),
            "",
            need_details(
                draft, draft.get("languages", []), entity=entity, with_status=False,
                minimums=_minimums(draft),
            ),
            "",
            ngettext(
                "It will make {n} shift.", "It will make {n} shifts, one per day.", days
            ).format(n=days),
            *_qualified_line(draft),
            *_started_warning(draft, env),
        ]
    )
    report = [
        (datetime.fromisoformat(starts), pool, explain(pool))
        for starts, data in draft.get("feasibility") or []
        for pool in [Pool.from_dict(data)]
    ]
    if report:
        text += "\n\n" + report_text(
            report, env.tz, specialty=draft["specialty"], gender=draft.get("gender", "any")
        )
    text += "\n\n" + _("Tap a field to change it, or Submit.")
    labels = [
        ("title", _("Title")), ("specialty", _("Specialty")), ("site", _("Site")),
        ("location", _("Location")), ("dates", _("Days")), ("times", _("Time")),
        ("slots", _("Volunteers")), ("gender", _("Gender")), ("languages", _("Languages")),
        ("training", _("Training")), ("min_age", _("Minimum age")), ("notes", _("Notes")),
    ]
    if draft.get("can_choose_entity"):
        labels.insert(0, ("entity", _("Entity")))
    buttons = [kit.button("✏️ " + label, EDIT.data(code)) for code, label in labels]
    return text, kit.markup(
        kit.grid(buttons, 3),
        [kit.button(_("✅ Submit"), SUBMIT.data()), kit.button(_("✖ Cancel"), CANCEL.data())],
    )


def _edit(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value not in EDIT_GROUPS:
        return None
    if value == "entity" and not draft.get("can_choose_entity"):
        return steps.alert(_("This button is no longer active."))
    draft["editing"] = True
    return steps.goto(EDIT_GROUPS[value])


STEPS: dict[str, Step[Env]] = {
    "entity": Step("entity", "ent", "entity", _ask_entity, _buttons_only, _press_entity),
    "title": Step("title", "", "title", _ask_title, _length("title", TITLE_MIN, TITLE_MAX)),
    "specialty": Step("specialty", "sp", "specialty", _ask_specialty, _typed_specialty, _press_specialty),
    "site": Step("site", "", "site", _ask_site, _length("site_name", SITE_MIN, SITE_MAX)),
    "location": Step("location", "skip", "location", _ask_location, _take_location, _skip_location,
                     accepts_location=True),
    "radius": Step("radius", "rad", "radius", _ask_radius, _number("checkin_radius_m", MIN_RADIUS_M, MAX_RADIUS_M),
                   _press_radius),
    "first_day": Step("first_day", "", "first_day", _ask_first_day, _take_first_day),
    "last_day": Step("last_day", "same", "last_day", _ask_last_day, _take_last_day, _same_day),
    "start_time": Step("start_time", "", "start_time", _ask_start, _take_start),
    "end_time": Step("end_time", "", "end_time", _ask_end, _take_end),
    "slots": Step("slots", "", "slots", _ask_slots, _number("slots", MIN_SLOTS, MAX_SLOTS)),
    "gender": Step("gender", "g", "gender", _ask_gender, _typed_gender, _press_gender),
    "languages": Step("languages", "lg", "languages", _ask_languages, _typed_languages, _toggle_language),
    "minimums": Step("minimums", "mn", "minimums", _ask_minimums, _buttons_only, _press_minimum),
    "minimum_count": Step("minimum_count", "", "minimums", _ask_minimum_count, _take_minimum_count),
    "training": Step("training", "tr", "training", _ask_training, _typed_training, _press_training),
    "min_age": Step("min_age", "age", "min_age", _ask_min_age, _number("min_age", MIN_AGE, MAX_AGE), _no_min_age),
    "notes": Step("notes", "skip", "notes", _ask_notes, _take_notes, _skip_notes),
    SUMMARY: Step(SUMMARY, "ed", "summary", _ask_summary, _buttons_only, _edit),
}


def _skipped(draft: Mapping[str, Any], step: str | None) -> bool:
    """Asked only when it applies: the radius with a location, minimums with two languages."""
    if step == "radius":
        return draft.get("latitude") is None
    if step == "minimums":
        return len(draft.get("languages", [])) < 2
    return False


def _following(draft: Mapping[str, Any], step: str) -> str:
    if draft.get("editing"):
        nxt = CONTINUES.get(step)
        if _skipped(draft, nxt):
            nxt = None
        return nxt or SUMMARY
    index = ORDER.index(step) + 1
    if index < len(ORDER) and _skipped(draft, ORDER[index]):
        index += 1
    return ORDER[index] if index < len(ORDER) else SUMMARY


async def _after(update: Update, context: Context, step: str, notice: str) -> object:
    draft = kit.draft(context, SPEC) or {}
    following = _following(draft, step)
    if following == SUMMARY:
        await _count_pool(context, draft)
        await _count_qualified(context, draft)
    return await runner.ask(update, context, following, notice=notice)


async def _count_pool(context: Context, draft: dict[str, Any]) -> None:
    """Who could fill the draft's shifts, kept in the draft for its summary."""
    report = await feasibility_reads.for_draft(context.db, context.settings, draft, now=context.now())
    draft["feasibility"] = [[starts.isoformat(), pool.to_dict()] for starts, pool, _finding in report]


# -- trainings: how many hold the qualification a need requires ------------------------------------


async def _count_qualified(context: Context, draft: dict[str, Any]) -> None:
    """Kept in the draft for the summary: active volunteers qualified in the specialty."""
    draft.pop("qualified", None)
    if draft.get("requires_training") and draft.get("specialty"):
        draft["qualified"] = await db.qualified_count(context.db, draft["specialty"], now=context.now())


def _qualified_line(draft: Mapping[str, Any]) -> list[str]:
    if draft.get("qualified") is None or not draft.get("requires_training"):
        return []
    count = int(draft["qualified"])
    line = ngettext(
        "{n} active volunteer holds this specialty's qualification.",
        "{n} active volunteers hold this specialty's qualification.", count,
    ).format(n=ltr(count))
    if count < int(draft.get("slots") or 0):
        line += " " + _("That is fewer than the places: after submitting you can schedule a training.")
    return [line]


def _training_offer(draft: Mapping[str, Any]) -> InlineKeyboardMarkup | None:
    """"Schedule a training" under the submitted need, when too few hold its qualification."""
    if draft.get("qualified") is None or int(draft["qualified"]) >= int(draft.get("slots") or 0):
        return None
    return kit.markup([kit.button(_("🎓 Schedule a training"), SCHEDULE_TRAINING.data(draft["specialty"]))])


async def _lost(update: Update, context: Context) -> object:
    """An answer with no question open: a draft from before the steps table goes on where it
    was; anything else is over."""
    draft = kit.draft(context, SPEC)
    if draft is not None and draft.get("step") in STEPS:
        return await runner.ask(update, context, draft.pop("step"), notice=_("Let us go on where you left off."))
    await context.bot.send_message(
        kit.chat_id_of(update), _("This need draft is no longer open. Send /need to start again.")
    )
    return kit.END


runner: steps.StepRunner[Env] = steps.StepRunner(SPEC, STEPS, env=_env, after=_after, lost=_lost, prefix=NAME)


async def _retire(update: Update, context: Context) -> None:
    """A message answers the open question (or it is asked again): its buttons go now, so the
    bot's reply is the last thing in the chat."""
    draft = kit.draft(context, SPEC)
    message_id = draft.get(steps.MESSAGE_KEY) if draft else None
    if draft is None or not message_id:
        return
    draft[steps.MESSAGE_KEY] = None
    kit.settled(context, SPEC)
    with suppress(BadRequest):  # already edited, deleted or too old: nothing on it is live
        await context.bot.edit_message_reply_markup(kit.chat_id_of(update), message_id, reply_markup=None)


@requires(REPS_AND_STAFF)
async def answered(update: Update, context: Context) -> object:
    """A typed answer (or a shared location) to the open question."""
    await _retire(update, context)
    return await runner.answered(update, context)


# -- starting --------------------------------------------------------------------------------------


@requires(REPS_AND_STAFF)
async def begin(update: Update, context: Context) -> object:
    """/need: find the caller's entity (or let staff choose one) and ask the first question."""
    user_id = kit.user_id_of(update)
    message = kit.message_of(update)
    role = await caller_role(context, user_id)
    fresh: dict[str, Any] = {"languages": [], "checkin_radius_m": DEFAULT_RADIUS_M}
    if role in STAFF:
        if await db.count_entities(context.db, active_only=True) == 0:
            await message.reply_text(_("There is no active partner entity yet. Add one with /entities first."))
            return kit.END
        draft = kit.start(context, SPEC, {**fresh, "can_choose_entity": True})
        await _load_entities(context, draft, 0)
        return await runner.ask(update, context, "entity")
    entities = await db.rep_memberships(context.db, user_id)
    active = [e for e in entities if e["active"]]
    if not active:
        await message.reply_text(
            _("Your entity is not active on Aoun at the moment, so it cannot post needs. "
              "Please contact the volunteer office.")
            if entities
            else _("You do not represent any entity yet. Ask the volunteer office for an invite link.")
        )
        return kit.END
    if len(active) > 1:
        draft = kit.start(context, SPEC, {
            **fresh, "can_choose_entity": True, "entity_choices": [e["id"] for e in active],
        })
        await _load_entities(context, draft, 0)
        return await runner.ask(update, context, "entity")
    kit.start(context, SPEC, {
        **fresh, "entity_id": active[0]["id"], "entity_name": [active[0]["name_ar"], active[0]["name_en"]],
    })
    await message.reply_text(_("Let us post a need for {entity}.").format(entity=entity_name(active[0])))
    return await runner.ask(update, context, "title")


# -- the buttons that are not one step's answer ----------------------------------------------------


async def _on_question(update: Update, context: Context, step: str) -> tuple[dict[str, Any] | None, object]:
    """(the draft, None) when the pressed button belongs to the open `step` question; otherwise
    (None, the state to stay in) after answering the press as stale and asking the open
    question again."""
    found = runner.current(context)
    query = kit.query_of(update)
    if found is None:
        await query.answer()
        return None, await _lost(update, context)
    draft, current = found
    if current.key != step or query.message is None or query.message.message_id != draft.get(steps.MESSAGE_KEY):
        await kit.stale(update)
        return None, await runner.ask(update, context, current.key)
    return draft, None


@requires(REPS_AND_STAFF)
async def entity_page(update: Update, context: Context) -> object:
    """Another page of entities."""
    draft, stay = await _on_question(update, context, "entity")
    if draft is None:
        return stay
    await _load_entities(context, draft, ENTITY_PAGER.one(kit.data_of(update)))
    _text, keyboard = _ask_entity(draft, _env(context))
    query = kit.query_of(update)
    await query.answer()
    await query.edit_message_reply_markup(keyboard)
    return None


@requires(REPS_AND_STAFF)
async def languages_done(update: Update, context: Context) -> object:
    """Done choosing languages (none means any)."""
    draft, stay = await _on_question(update, context, "languages")
    if draft is None:
        return stay
    await kit.took(update, context, SPEC)
    return await _after(update, context, "languages", "")


@requires(REPS_AND_STAFF)
async def submit(update: Update, context: Context) -> object:
    """Store the need (once per draft, however often Submit is pressed) and say what happens next."""
    draft, stay = await _on_question(update, context, SUMMARY)
    if draft is None:
        return stay
    query = kit.query_of(update)
    outcome = await operations.submit(
        context.db, context.settings, draft_key=kit.draft_id(context, SPEC), draft=draft,
        user_id=kit.user_id_of(update), now=context.now(),
    )
    if outcome.kind == operations.NOT_ALLOWED:
        await query.answer(_("You can no longer post needs for this entity."), show_alert=True)
        return kit.END
    await kit.took(update, context, SPEC)
    if outcome.kind == operations.FIRST_DAY and outcome.error is not None:
        draft["editing"] = True
        return await runner.ask(update, context, "first_day", notice=_rule_message(outcome.error, draft))
    await kit.message_of(update).reply_text(
        _(
            "Thank you. Need {id} was submitted with {shifts}. The office's coordinators will "
            "review it, and I will tell you here when they decide. Follow it with /myneeds."
        ).format(
            id=ltr(f"#{outcome.need_id}"),
            shifts=ngettext("{n} shift", "{n} shifts", outcome.shifts).format(n=outcome.shifts),
        ),
        reply_markup=_training_offer(draft),
    )
    return kit.END


async def cancel_button(update: Update, context: Context) -> object:
    """The summary's Cancel button."""
    draft, stay = await _on_question(update, context, SUMMARY)
    if draft is None:
        return stay
    await kit.took(update, context, SPEC)
    return await cancel(update, context)


async def cancel(update: Update, context: Context) -> object:
    """/cancel or the Cancel button: forget the answers (the kit drops the draft)."""
    await _retire(update, context)
    await context.bot.send_message(kit.chat_id_of(update), _("Cancelled. The need was not saved."))
    return kit.END


@requires(REPS_AND_STAFF)
async def wrong_kind(update: Update, context: Context) -> object:
    """A sticker, photo, contact or the like: say what is expected and ask again."""
    found = runner.current(context)
    if found is None:
        return await _lost(update, context)
    step = found[1].key
    if step in TEXT_STEPS:
        problem = _("Please type your answer as text.")
    elif step == "location":
        problem = _share_location()
    else:
        problem = _use_buttons()
    await _retire(update, context)
    return await runner.ask(update, context, step, notice=problem)


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    """Ask the open question again (the draft was left and comes back)."""
    found = runner.current(context)
    if found is None:
        return await _lost(update, context)
    return await runner.ask(update, context, found[1].key, notice=notice)


def build() -> kit.Flow:
    new = filters.UpdateType.MESSAGE & ~filters.COMMAND
    pressed = requires(REPS_AND_STAFF)(runner.pressed)
    common: list[BaseHandler[Update, Context, object]] = [
        CallbackQueryHandler(entity_page, pattern=ENTITY_PAGER.pattern),
        CallbackQueryHandler(languages_done, pattern=LANGUAGES_DONE.pattern),
        CallbackQueryHandler(submit, pattern=SUBMIT.pattern),
        CallbackQueryHandler(cancel_button, pattern=CANCEL.pattern),
        *[
            CallbackQueryHandler(pressed, pattern=route.pattern)
            for route in (
                ENTITY, SPECIALTY, SKIP, RADIUS, SAME_DAY, GENDER, LANGUAGE, MINIMUM, TRAINING,
                MIN_AGE_NONE, EDIT,
            )
        ],
        MessageHandler(new & filters.TEXT, answered),
    ]
    other = MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, wrong_kind)
    location = MessageHandler(new & filters.LOCATION, answered)
    states: dict[object, list[BaseHandler[Update, Context, object]]] = {
        state(step): [*common, *([location] if step == "location" else []), other] for step in STEPS
    }
    return kit.flow(
        SPEC,
        entry_points=[CommandHandler("need", begin)],
        states=states,
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
