"""The volunteer profile questions, one copy of each, asked by registration and by /profile edits.

`STEPS` is the table (bot/flows/kit/steps.py runs it): each step builds its question (text and
buttons) from the draft, and turns a typed answer or a button press into an `Answer` (done, an
error to explain, a redraw of a multi-select, or a jump to another step). The flow decides what
happens after a step (the next question, the summary, or saving an edit). Drafts are plain
JSON-safe dicts in `user_data`: lists, ISO dates. How the answers read is bot/texts/volunteers.py.

Callback data: `<area>:<step code>:<value>`, e.g. `reg:lg:ur` or `pe:av:d:4` (at most 24 bytes).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from telegram import InlineKeyboardButton, KeyboardButton, Message, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import answers, volunteers
from bot.catalog import (
    CITY_LABELS,
    GENDERS,
    LANGUAGES,
    PERIODS,
    SPECIALTIES,
    WEEKDAY_SHORT,
    Item,
    city_label,
)
from bot.config import Settings
from bot.context import Context
from bot.flows import kit
from bot.flows.kit.flow import Markup
from bot.flows.kit.steps import (
    DONE,
    MESSAGE_KEY,
    REDRAW,
    STEP_KEY,
    AfterStep,
    Answer,
    Lost,
    Step,
    StepRunner,
    alert,
    error,
    goto,
)
from bot.i18n import G_, DateInputError, _, format_date, isolate, parse_date
from bot.operations import volunteers as operations
from bot.texts.volunteers import ALL_PERIODS, FIELDS_BY_CODE, WEEK_ORDER, list_of
from bot.volunteers import VolunteerInputError

ALL_DAYS = list(range(7))


@lru_cache(maxsize=64)
def _route(area: str, code: str, *fields: type) -> kit.Route:
    return kit.Route(area, code, *fields, str)


@dataclass(frozen=True)
class Env:
    """What a step needs to know besides the draft."""

    settings: Settings
    today: date
    area: str  # the flow's callback-data area: "reg" or "pe"

    def route(self, code: str, *fields: type) -> kit.Route:
        """`<area>:<code>[:<field>...]:<value>`, the data of one step's buttons."""
        return _route(self.area, code, *fields)


def env_of(area: str) -> Callable[[Context], Env]:
    def env(context: Context) -> Env:
        today = context.now().astimezone(context.settings.timezone).date()
        return Env(settings=context.settings, today=today, area=area)

    return env


# -- the questions ---------------------------------------------------------------------------------


def _done_button(env: Env, code: str) -> InlineKeyboardButton:
    return kit.button(_("Done ✔"), env.route(code).data("done"))


def ask_name(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    return (
        _(
            "What is your full name? Please type it as it appears on your ID, for example: "
            "Abdulrahman bin Abdullah Al Sheikh."
        ),
        None,
    )


def ask_phone(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(_("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    return (
        _(
            "Your mobile number: tap “📱 Share my phone number” below, or type it (for example "
            "0501234567 or +966501234567)."
        ),
        keyboard,
    )


def ask_gender(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    buttons = [kit.button(g.label_text(), env.route("gd").data(g.code)) for g in GENDERS]
    return _("Are you male or female? Some assignments are for men or women only."), kit.markup(buttons)


def ask_birth(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    return (
        G_(
            "What is your date of birth? Type it in Hijri or Gregorian, for example 1416-05-20 "
            "or 1995-10-14.",
            d.get("gender"),
        ),
        None,
    )


def ask_city(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    buttons = [
        kit.button(city_label(code), env.route("ct").data(str(index)))
        for index, code in enumerate(env.settings.cities)
    ]
    return (
        G_("Where do you live? Choose your area below, or type the name of your city or district.", d.get("gender")),
        kit.markup(kit.grid(buttons, 2)),
    )


def ask_languages(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    chosen = set(d.get("languages") or [])
    buttons = [
        kit.button(kit.checked(item.label_text(), item.code in chosen), env.route("lg").data(item.code))
        for item in LANGUAGES
    ]
    return (
        G_("Which languages do you speak? Tap every one that applies, then Done.", d.get("gender")),
        kit.markup(kit.grid(buttons, 3), [_done_button(env, "lg")]),
    )


def ask_specialties(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    chosen = set(d.get("specialties") or [])
    buttons = [
        kit.button(kit.checked(item.label_text(), item.code in chosen), env.route("sp").data(item.code))
        for item in SPECIALTIES
    ]
    info = bool(d.get("_info"))
    last_row = [
        kit.button(_("ⓘ Hide descriptions") if info else _("ⓘ What are these?"), env.route("sp").data("info")),
        _done_button(env, "sp"),
    ]
    text = G_(
        "In which fields would you like to volunteer? Tap every one that applies, then Done. "
        "Tap ⓘ to read what each field involves.",
        d.get("gender"),
    )
    if info:
        text += "\n\n" + "\n".join(
            f"• {item.label_text()}: {item.description_text()}" for item in SPECIALTIES
        )
    return text, kit.markup(kit.grid(buttons, 2), last_row)


def ask_availability(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    periods = set(d.get("periods") or [])
    days = set(d.get("weekdays") or [])
    pick = env.route("av", str)  # av:p:<period>, av:d:<weekday>
    period_buttons = [
        kit.button(kit.checked(p.label_text(), p.code in periods), pick.data("p", p.code))
        for p in PERIODS
    ]
    day_buttons = [
        kit.button(kit.checked(_(WEEKDAY_SHORT[n]), n in days), pick.data("d", str(n)))
        for n in WEEK_ORDER
    ]
    rows = kit.markup(
        kit.grid(period_buttons, 2),
        day_buttons[:4],
        day_buttons[4:],
        [kit.button(_("🕒 Any time"), env.route("av").data("any"))],
        [_done_button(env, "av")],
    )
    return (
        G_(
            "When are you usually free? Choose the times of day and the days of the week, then "
            "Done; or tap “Any time”.",
            d.get("gender"),
        ),
        rows,
    )


def ask_season_from(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    keyboard = kit.markup([kit.button(_("No date limits"), env.route("sf").data("none"))])
    return (
        G_(
            "Can you serve only between certain dates (for example just the Hajj season)? Type "
            "the first day you can serve, in Hijri or Gregorian, or tap “No date limits”.",
            d.get("gender"),
        ),
        keyboard,
    )


def ask_season_until(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    keyboard = kit.markup([kit.button(_("No end date"), env.route("su").data("none"))])
    return G_("And the last day you can serve? Type it, or tap “No end date”.", d.get("gender")), keyboard


# -- the answers -----------------------------------------------------------------------------------


def _checked(fn: Callable[[], None]) -> Answer:
    try:
        fn()
    except (VolunteerInputError, DateInputError) as exc:
        return error(exc.message())
    return DONE


def on_name(d: dict[str, Any], message: Message, env: Env) -> Answer:
    def store() -> None:
        d["full_name"] = volunteers.validate_name(message.text or "")

    return _checked(store)


def on_phone(d: dict[str, Any], message: Message, env: Env) -> Answer:
    def store() -> None:
        contact = message.contact
        if contact is not None:
            sender = message.from_user.id if message.from_user else None
            if contact.user_id is None or contact.user_id != sender:
                raise VolunteerInputError("not_your_contact")
            phone, verified = volunteers.contact_phone(contact.phone_number), True
        else:
            phone, verified = volunteers.mobile_phone(message.text or ""), False
        d["phone"], d["phone_verified"] = phone, verified

    return _checked(store)


def on_birth(d: dict[str, Any], message: Message, env: Env) -> Answer:
    def store() -> None:
        birth = parse_date(message.text or "")
        volunteers.check_birth_date(birth, env.today, min_age=env.settings.min_volunteer_age)
        d["birth_date"] = birth.isoformat()

    return _checked(store)


def on_city_text(d: dict[str, Any], message: Message, env: Env) -> Answer:
    def store() -> None:
        # A catalog area typed by name ("قباء", "Quba") is that area; anything else is free text.
        areas = tuple(Item(code, CITY_LABELS[code]) for code in env.settings.cities if code in CITY_LABELS)
        d["city"] = answers.typed_choice(message.text or "", areas) or volunteers.validate_city(message.text or "")

    return _checked(store)


def on_season_from(d: dict[str, Any], message: Message, env: Env) -> Answer:
    if on_season_none_text(d, message, env):
        d["available_from"] = d["available_until"] = None
        return DONE
    try:
        first = parse_date(message.text or "")
    except DateInputError as exc:
        return error(exc.message())
    d["available_from"], d["available_until"] = first.isoformat(), None
    return goto("season_until")


def on_season_until(d: dict[str, Any], message: Message, env: Env) -> Answer:
    if on_season_none_text(d, message, env):
        d["available_until"] = None
        return DONE

    def store() -> None:
        last = parse_date(message.text or "")
        first = date.fromisoformat(d["available_from"]) if d.get("available_from") else None
        try:
            volunteers.check_season(first, last, env.today)
        except VolunteerInputError as exc:
            if exc.code == "until_before_from" and first is not None:
                raise VolunteerInputError("until_before_from", date=format_date(first)) from None
            raise
        d["available_until"] = last.isoformat()

    return _checked(store)


def on_gender_text(d: dict[str, Any], message: Message, env: Env) -> Answer:
    """«ذكر», "female", "F": the same as the button."""
    code = answers.typed_gender(message.text or "")
    if code is None:
        return error(_("Please tap Male or Female below, or type it."))
    d["gender"] = code
    return DONE


def _not_recognised(unknown: list[str]) -> str:
    return _("I did not recognise: {words}. Please tap the buttons below, or type the names as they are written on them.").format(
        words=list_of([isolate(word) for word in unknown])
    )


def _after_languages(d: dict[str, Any]) -> Answer:
    """Done with the languages: "Other language" asks which one."""
    d["languages"] = volunteers.in_catalog_order(LANGUAGES, d["languages"])
    if "other" in d["languages"]:
        return goto("other_language")
    d.pop("other_language", None)
    return DONE


def on_languages_text(d: dict[str, Any], message: Message, env: Env) -> Answer:
    """"العربية والأردية", "Urdu, Hausa": the languages typed, added to those tapped."""
    codes, unknown = answers.typed_languages(message.text or "")
    if unknown or not codes:
        return error(_not_recognised(unknown or [message.text or ""]))
    d["languages"] = list(dict.fromkeys([*(d.get("languages") or []), *codes]))
    return _after_languages(d)


def ask_other_language(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    return _("Which other language do you speak? Please type its name, for example: Swahili."), None


def on_other_language(d: dict[str, Any], message: Message, env: Env) -> Answer:
    text = answers.strip_bidi_controls(message.text or "")
    if not 2 <= len(text) <= 40 or not any(c.isalpha() for c in text) or answers.looks_like_a_date_or_number(text):
        return error(_("Please type the name of the language in letters (up to 40 characters)."))
    d["other_language"] = text
    return DONE


def on_specialties_text(d: dict[str, Any], message: Message, env: Env) -> Answer:
    """"الترجمة والإسعاف", "Relief": the fields typed, added to those tapped."""
    codes, unknown = answers.typed_choices(message.text or "", SPECIALTIES)
    if unknown or not codes:
        return error(_not_recognised(unknown or [message.text or ""]))
    d.pop("_info", None)
    d["specialties"] = volunteers.order_specialties(list(dict.fromkeys([*(d.get("specialties") or []), *codes])))
    return DONE


def on_season_none_text(d: dict[str, Any], message: Message, env: Env) -> bool:
    """«لا» / "no" at a question whose button is "No date limits" / "No end date"."""
    return answers.typed_yes_no(message.text or "") is False


def press_gender(d: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value not in {g.code for g in GENDERS}:
        return None
    d["gender"] = value
    return DONE


def press_city(d: dict[str, Any], value: str, env: Env) -> Answer | None:
    if not value.isdigit() or int(value) >= len(env.settings.cities):
        return None
    d["city"] = env.settings.cities[int(value)]
    return DONE


def _toggle_in(d: dict[str, Any], key: str, value: Any) -> None:
    chosen = list(d.get(key) or [])
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    d[key] = chosen


def press_languages(d: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value == "done":
        if not d.get("languages"):
            return alert(_("Please choose at least one language."))
        return _after_languages(d)
    if value not in {item.code for item in LANGUAGES}:
        return None
    _toggle_in(d, "languages", value)
    return REDRAW


def press_specialties(d: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value == "done":
        if not d.get("specialties"):
            return alert(_("Please choose at least one field."))
        d.pop("_info", None)
        d["specialties"] = volunteers.order_specialties(d["specialties"])
        return DONE
    if value == "info":
        d["_info"] = not d.get("_info")
        return REDRAW
    if value not in {item.code for item in SPECIALTIES}:
        return None
    _toggle_in(d, "specialties", value)
    return REDRAW


def press_availability(d: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value == "any":
        d["periods"], d["weekdays"] = list(ALL_PERIODS), list(ALL_DAYS)
        return DONE
    if value == "done":
        if not d.get("periods"):
            return alert(_("Please choose at least one time of day."))
        if not d.get("weekdays"):
            return alert(_("Please choose at least one day of the week."))
        d["periods"] = [p for p in ALL_PERIODS if p in d["periods"]]
        d["weekdays"] = sorted(d["weekdays"])
        return DONE
    kind, _sep, item = value.partition(":")
    if kind == "p" and item in ALL_PERIODS:
        _toggle_in(d, "periods", item)
        return REDRAW
    if kind == "d" and item.isdigit() and int(item) in ALL_DAYS:
        _toggle_in(d, "weekdays", int(item))
        return REDRAW
    return None


def press_season_from(d: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value != "none":
        return None
    d["available_from"] = d["available_until"] = None
    return DONE


def press_season_until(d: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value != "none":
        return None
    d["available_until"] = None
    return DONE



VolunteerStep = Step[Env]

STEPS: dict[str, VolunteerStep] = {
    step.key: step
    for step in (
        Step("name", "nm", "nm", ask_name, on_text=on_name),
        Step("phone", "ph", "ph", ask_phone, on_text=on_phone, accepts_contact=True),
        Step("gender", "gd", "gd", ask_gender, on_text=on_gender_text, on_press=press_gender),
        Step("birth", "bd", "bd", ask_birth, on_text=on_birth),
        Step("city", "ct", "ct", ask_city, on_text=on_city_text, on_press=press_city),
        Step("languages", "lg", "lg", ask_languages, on_text=on_languages_text, on_press=press_languages),
        Step("other_language", "ol", "lg", ask_other_language, on_text=on_other_language),
        Step("specialties", "sp", "sp", ask_specialties, on_text=on_specialties_text, on_press=press_specialties),
        Step("availability", "av", "av", ask_availability, on_press=press_availability),
        Step("season_from", "sf", "ss", ask_season_from, on_text=on_season_from, on_press=press_season_from),
        Step("season_until", "su", "ss", ask_season_until, on_text=on_season_until, on_press=press_season_until),
    )
}
REGISTRATION_ORDER = (
    "name", "phone", "gender", "birth", "city", "languages", "other_language", "specialties",
    "availability", "season_from",
)
# The question an Edit button of a profile field asks first.
FIRST_STEP = {
    "nm": "name", "ph": "phone", "gd": "gender", "bd": "birth", "ct": "city", "lg": "languages",
    "sp": "specialties", "av": "availability", "ss": "season_from",
}


def echo(step: Step[Any], draft: dict[str, Any]) -> str:
    """`✅ Gender: Male`: what the step just recorded."""
    return f"✅ {FIELDS_BY_CODE[step.field].line(draft)}"


async def settle(update: Update, context: Context, spec: kit.FlowSpec) -> None:
    """Take the buttons off the flow's open question now, before the next message (unless it is
    the message being pressed: that one is edited by whoever answers the press)."""
    draft = kit.draft(context, spec) or {}
    message_id = draft.get(MESSAGE_KEY)
    pressed = update.callback_query.message if update.callback_query else None
    if not message_id or (pressed is not None and pressed.message_id == message_id):
        return
    # Too old, deleted or edited already: nothing on it is live either way.
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_reply_markup(kit.chat_id_of(update), message_id, reply_markup=None)
    draft[MESSAGE_KEY] = None
    kit.settled(context, spec)


class VolunteerSteps(StepRunner[Env]):
    """The steps runner; a question asked again after a press (a stale button) or after a typed
    answer to a question with buttons takes the old buttons away first, so the new question is
    the last message in the chat."""

    async def ask(self, update: Update, context: Context, step_key: str, *, notice: str = "") -> str:
        if update.callback_query is not None or not _asked_again(context, self.spec, step_key):
            await settle(update, context, self.spec)
        return await super().ask(update, context, step_key, notice=notice)


async def phone_taken(update: Update, context: Context, spec: kit.FlowSpec, step_key: str) -> str:
    """After the phone question: why the number cannot be used (another volunteer registered
    it; the office sees it in /audit), or "" when it can."""
    draft = kit.draft(context, spec) or {}
    if step_key != "phone" or not draft.get("phone"):
        return ""
    check = await operations.check_phone(context.db, kit.user_id_of(update), draft["phone"], now=context.now())
    if not check.taken:
        return ""
    draft.pop("phone", None)
    return _(
        "This number is already registered by another volunteer, so I cannot use it again. "
        "Please give your own mobile number. If this number really is yours, please tell the "
        "office: they can see that it was given twice."
    )


def _asked_again(context: Context, spec: kit.FlowSpec, step_key: str) -> bool:
    draft = kit.draft(context, spec) or {}
    return draft.get(STEP_KEY) == step_key


def runner(spec: kit.FlowSpec, *, after: AfterStep, lost: Lost) -> VolunteerSteps:
    """The profile questions as states `<area>.<step>` of `spec`'s flow."""
    return VolunteerSteps(spec, STEPS, env=env_of(spec.area), after=after, lost=lost, echo=echo)
