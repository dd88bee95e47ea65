"""The volunteer profile questions, one copy of each, asked by registration and by /profile edits.

`STEPS` is the table: each step builds its question (text and buttons) from the draft, and turns
a typed answer or a button press into an `Answer` (done, an error to explain, a redraw of a
multi-select, or a jump to another step). `StepRunner` turns the table into ConversationHandler
states for one flow; the flow decides what happens after a step (the next question, the summary,
or saving an edit). Drafts are plain JSON-safe dicts in `user_data`: lists, ISO dates.

Callback data: `<prefix>:<step code>:<value>`, e.g. `reg:lg:ur` or `pe:av:d:4` (at most 24 bytes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot import volunteers
from bot.catalog import (
    CITY_LABELS,
    GENDERS,
    LANGUAGES,
    PERIODS,
    SPECIALTIES,
    WEEKDAY_SHORT,
    city_label,
    label,
)
from bot.config import Settings
from bot.context import Context
from bot.i18n import N_, DateInputError, _, format_date, isolate, ltr, parse_date
from bot.volunteers import VolunteerInputError

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None

STEP_KEY, MESSAGE_KEY = "_step", "_msg"
# Days in the order a Saudi week is read: Sunday first (weekday numbers are Monday = 0).
WEEK_ORDER = (6, 0, 1, 2, 3, 4, 5)
ALL_DAYS = list(range(7))
ALL_PERIODS = [p.code for p in PERIODS]

# Only incoming new messages answer a question: an edited old message is not a new answer.
NEW_MESSAGE = filters.UpdateType.MESSAGE
# Where each volunteer flow keeps its answers in `user_data`: registration, profile edit, pause.
FLOW_DRAFTS = ("reg", "pe", "pause")


class HasDraft(filters.UpdateFilter):
    """True for users with this flow's answers in progress. A flow's message handlers use it so
    that a flow left behind for another one (its draft dropped) lets the new flow's answers by."""

    __slots__ = ("_key", "_user_data")

    def __init__(self, user_data: Mapping[int, dict[str, Any]], key: str) -> None:
        super().__init__(name=f"HasDraft({key})")
        self._user_data = user_data
        self._key = key

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and self._key in self._user_data.get(user.id, {})


def start_flow(context: Context, key: str, draft: dict[str, Any]) -> dict[str, Any]:
    """Begin a volunteer flow with a fresh draft, leaving any other volunteer flow behind."""
    for other in FLOW_DRAFTS:
        context.user_data.pop(other, None)  # type: ignore[union-attr]
    context.user_data[key] = draft  # type: ignore[index]
    return draft


@dataclass(frozen=True)
class Env:
    """What a step needs to know besides the draft."""

    settings: Settings
    today: date
    prefix: str  # callback data prefix of the flow: "reg" or "pe"


@dataclass(frozen=True)
class Answer:
    kind: str  # done | error | alert | redraw | goto
    text: str = ""
    goto: str = ""


DONE = Answer("done")
REDRAW = Answer("redraw")


def error(text: str) -> Answer:
    """Explain and ask the same question again."""
    return Answer("error", text)


def alert(text: str) -> Answer:
    """Refuse a button press with an alert; the question stays as it is."""
    return Answer("alert", text)


# -- how answers are shown (summary, /profile, echo after each step) ------------------------------


def join_list(items: list[str]) -> str:
    return _(", ").join(items)


def show_name(d: dict[str, Any]) -> str:
    return isolate(d.get("full_name") or "—")


def show_phone(d: dict[str, Any]) -> str:
    if not d.get("phone"):
        return "—"
    if d.get("phone_verified"):
        return _("{phone} (confirmed by Telegram)").format(phone=ltr(d["phone"]))
    return ltr(d["phone"])


def show_gender(d: dict[str, Any]) -> str:
    return label(GENDERS, d["gender"]) if d.get("gender") else "—"


def show_birth(d: dict[str, Any]) -> str:
    return format_date(date.fromisoformat(d["birth_date"])) if d.get("birth_date") else "—"


def show_city(d: dict[str, Any]) -> str:
    city = d.get("city")
    if not city:
        return "—"
    return city_label(city) if city in CITY_LABELS else isolate(city)


def show_languages(d: dict[str, Any]) -> str:
    return join_list([label(LANGUAGES, c) for c in d.get("languages") or []]) or "—"


def show_specialties(d: dict[str, Any]) -> str:
    return join_list([label(SPECIALTIES, c) for c in d.get("specialties") or []]) or "—"


def show_availability(d: dict[str, Any]) -> str:
    periods = [p for p in ALL_PERIODS if p in (d.get("periods") or [])]
    days = set(d.get("weekdays") or [])
    if not periods or not days:
        return "—"
    if len(periods) == len(ALL_PERIODS) and len(days) == 7:
        return _("Any time")
    times = join_list([label(PERIODS, p) for p in periods])
    if len(days) == 7:
        return _("{times}, every day").format(times=times)
    day_names = join_list([_(WEEKDAY_SHORT[n]) for n in WEEK_ORDER if n in days])
    return _("{times} on {days}").format(times=times, days=day_names)


def show_season(d: dict[str, Any]) -> str:
    first, last = d.get("available_from"), d.get("available_until")
    if first and last:
        return _("from {first} to {last}").format(
            first=format_date(date.fromisoformat(first)), last=format_date(date.fromisoformat(last))
        )
    if first:
        return _("from {first}").format(first=format_date(date.fromisoformat(first)))
    if last:
        return _("until {last}").format(last=format_date(date.fromisoformat(last)))
    return _("No date limits")


@dataclass(frozen=True)
class Field:
    """One line of the profile, and what its Edit button asks."""

    code: str
    label: str  # N_-marked
    show: Callable[[dict[str, Any]], str]
    first_step: str

    def line(self, draft: dict[str, Any]) -> str:
        return _("{label}: {value}").format(label=_(self.label), value=self.show(draft))


FIELDS = (
    Field("nm", N_("Name"), show_name, "name"),
    Field("ph", N_("Phone"), show_phone, "phone"),
    Field("gd", N_("Gender"), show_gender, "gender"),
    Field("bd", N_("Date of birth"), show_birth, "birth"),
    Field("ct", N_("City or district"), show_city, "city"),
    Field("lg", N_("Languages"), show_languages, "languages"),
    Field("sp", N_("Specialties"), show_specialties, "specialties"),
    Field("av", N_("Availability"), show_availability, "availability"),
    Field("ss", N_("Available dates"), show_season, "season_from"),
)
FIELDS_BY_CODE = {f.code: f for f in FIELDS}


def profile_lines(draft: dict[str, Any]) -> list[str]:
    return [field.line(draft) for field in FIELDS]


def edit_buttons(callback_prefix: str) -> list[list[InlineKeyboardButton]]:
    """"✏️ Name", "✏️ Phone"... two per row; data `<callback_prefix>:<field code>`."""
    buttons = [
        InlineKeyboardButton(
            _("✏️ {field}").format(field=_(f.label)), callback_data=f"{callback_prefix}:{f.code}"
        )
        for f in FIELDS
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


# -- the questions ---------------------------------------------------------------------------------


def _done_button(env: Env, code: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(_("Done ✔"), callback_data=f"{env.prefix}:{code}:done")


def _toggle(selected: bool, text: str) -> str:
    return f"✅ {text}" if selected else text


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def ask_name(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    return (
        _(
            "What is your full name? Please type it as it appears on your ID, in 2 to 5 words, "
            "for example: Ahmad Saleh Alharbi."
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
    buttons = [
        InlineKeyboardButton(g.label_text(), callback_data=f"{env.prefix}:gd:{g.code}")
        for g in GENDERS
    ]
    return _("Are you male or female? Some assignments are for men or women only."), InlineKeyboardMarkup([buttons])


def ask_birth(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    return (
        _(
            "What is your date of birth? Type it in Hijri or Gregorian, for example 1416-05-20 "
            "or 1995-10-14."
        ),
        None,
    )


def ask_city(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    buttons = [
        InlineKeyboardButton(city_label(code), callback_data=f"{env.prefix}:ct:{index}")
        for index, code in enumerate(env.settings.cities)
    ]
    return (
        _("Where do you live? Choose your area below, or type the name of your city or district."),
        InlineKeyboardMarkup(_rows(buttons, 2)),
    )


def ask_languages(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    chosen = set(d.get("languages") or [])
    buttons = [
        InlineKeyboardButton(
            _toggle(item.code in chosen, item.label_text()),
            callback_data=f"{env.prefix}:lg:{item.code}",
        )
        for item in LANGUAGES
    ]
    rows = [*_rows(buttons, 3), [_done_button(env, "lg")]]
    return (
        _("Which languages do you speak? Tap every one that applies, then Done."),
        InlineKeyboardMarkup(rows),
    )


def ask_specialties(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    chosen = set(d.get("specialties") or [])
    buttons = [
        InlineKeyboardButton(
            _toggle(item.code in chosen, item.label_text()),
            callback_data=f"{env.prefix}:sp:{item.code}",
        )
        for item in SPECIALTIES
    ]
    info = bool(d.get("_info"))
    rows = [
        *_rows(buttons, 2),
        [
            InlineKeyboardButton(
                _("ⓘ Hide descriptions") if info else _("ⓘ What are these?"),
                callback_data=f"{env.prefix}:sp:info",
            ),
            _done_button(env, "sp"),
        ],
    ]
    text = _(
        "In which fields would you like to volunteer? Tap every one that applies, then Done. "
        "Tap ⓘ to read what each field involves."
    )
    if info:
        text += "\n\n" + "\n".join(
            f"• {item.label_text()}: {item.description_text()}" for item in SPECIALTIES
        )
    return text, InlineKeyboardMarkup(rows)


def ask_availability(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    periods = set(d.get("periods") or [])
    days = set(d.get("weekdays") or [])
    period_buttons = [
        InlineKeyboardButton(
            _toggle(p.code in periods, p.label_text()), callback_data=f"{env.prefix}:av:p:{p.code}"
        )
        for p in PERIODS
    ]
    day_buttons = [
        InlineKeyboardButton(
            _toggle(n in days, _(WEEKDAY_SHORT[n])), callback_data=f"{env.prefix}:av:d:{n}"
        )
        for n in WEEK_ORDER
    ]
    rows = [
        *_rows(period_buttons, 2),
        day_buttons[:4],
        day_buttons[4:],
        [InlineKeyboardButton(_("🕒 Any time"), callback_data=f"{env.prefix}:av:any")],
        [_done_button(env, "av")],
    ]
    return (
        _(
            "When are you usually free? Choose the times of day and the days of the week, then "
            "Done; or tap “Any time”."
        ),
        InlineKeyboardMarkup(rows),
    )


def ask_season_from(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("No date limits"), callback_data=f"{env.prefix}:sf:none")]]
    )
    return (
        _(
            "Can you serve only between certain dates (for example just the Hajj season)? Type "
            "the first day you can serve, in Hijri or Gregorian, or tap “No date limits”."
        ),
        keyboard,
    )


def ask_season_until(d: dict[str, Any], env: Env) -> tuple[str, Markup]:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("No end date"), callback_data=f"{env.prefix}:su:none")]]
    )
    return _("And the last day you can serve? Type it, or tap “No end date”."), keyboard


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
            phone, verified = volunteers.normalize_phone(message.text or ""), False
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
        d["city"] = volunteers.validate_city(message.text or "")

    return _checked(store)


def on_season_from(d: dict[str, Any], message: Message, env: Env) -> Answer:
    try:
        first = parse_date(message.text or "")
    except DateInputError as exc:
        return error(exc.message())
    d["available_from"], d["available_until"] = first.isoformat(), None
    return Answer("goto", goto="season_until")


def on_season_until(d: dict[str, Any], message: Message, env: Env) -> Answer:
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
        d["languages"] = volunteers.in_catalog_order(LANGUAGES, d["languages"])
        return DONE
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


TextParser = Callable[[dict[str, Any], Message, Env], Answer]
PressParser = Callable[[dict[str, Any], str, Env], Answer | None]


@dataclass(frozen=True)
class Step:
    key: str
    code: str  # in callback data
    field: str  # the Field it fills (what the echo and the Edit button show)
    ask: Callable[[dict[str, Any], Env], tuple[str, Markup]]
    on_text: TextParser | None = None
    on_press: PressParser | None = None
    accepts_contact: bool = False


STEPS = {
    step.key: step
    for step in (
        Step("name", "nm", "nm", ask_name, on_text=on_name),
        Step("phone", "ph", "ph", ask_phone, on_text=on_phone, accepts_contact=True),
        Step("gender", "gd", "gd", ask_gender, on_press=press_gender),
        Step("birth", "bd", "bd", ask_birth, on_text=on_birth),
        Step("city", "ct", "ct", ask_city, on_text=on_city_text, on_press=press_city),
        Step("languages", "lg", "lg", ask_languages, on_press=press_languages),
        Step("specialties", "sp", "sp", ask_specialties, on_press=press_specialties),
        Step("availability", "av", "av", ask_availability, on_press=press_availability),
        Step("season_from", "sf", "ss", ask_season_from, on_text=on_season_from, on_press=press_season_from),
        Step("season_until", "su", "ss", ask_season_until, on_text=on_season_until, on_press=press_season_until),
    )
}
REGISTRATION_ORDER = (
    "name", "phone", "gender", "birth", "city", "languages", "specialties", "availability",
    "season_from",
)


def wrong_kind_text(step: Step) -> str:
    if step.accepts_contact:
        return _("Please tap “📱 Share my phone number” or type your number.")
    if step.on_text is None:
        return _("Please choose with the buttons below.")
    return _("Please type your answer as a text message.")


def echo(step: Step, draft: dict[str, Any]) -> str:
    """`✅ Gender: Male`: what the step just recorded."""
    return f"✅ {FIELDS_BY_CODE[step.field].line(draft)}"


# -- turning the table into conversation states ----------------------------------------------------

AfterStep = Callable[[Update, Context, str, str], Awaitable[object]]
Lost = Callable[[Update, Context], Awaitable[object]]


class StepRunner:
    """The steps as states of one flow: `<prefix>.<step>`; answers go to the draft at
    `user_data[draft_key]`; `after(update, context, step_key, notice)` picks what comes next."""

    def __init__(self, *, prefix: str, draft_key: str, after: AfterStep, lost: Lost) -> None:
        self.prefix = prefix
        self.draft_key = draft_key
        self.after = after
        self.lost = lost

    def state(self, step_key: str) -> str:
        return f"{self.prefix}.{step_key}"

    def draft(self, context: Context) -> dict[str, Any] | None:
        return context.user_data.get(self.draft_key)  # type: ignore[union-attr]

    def env(self, context: Context) -> Env:
        today = context.now().astimezone(context.settings.timezone).date()
        return Env(settings=context.settings, today=today, prefix=self.prefix)

    def states(
        self, user_data: Mapping[int, dict[str, Any]]
    ) -> dict[object, list[BaseHandler[Any, Any, Any]]]:
        """One state per step; `user_data` is the application's, for the HasDraft filter."""
        handlers: list[BaseHandler[Any, Any, Any]] = [
            CallbackQueryHandler(self.pressed, pattern=rf"^{self.prefix}:"),
            MessageHandler(
                NEW_MESSAGE & ~filters.COMMAND & HasDraft(user_data, self.draft_key), self.answered
            ),
        ]
        return {self.state(key): handlers for key in STEPS}

    async def ask(self, update: Update, context: Context, step_key: str, *, notice: str = "") -> str:
        """Send the step's question (after an optional notice) as a new message."""
        draft = self.draft(context)
        assert draft is not None
        text, markup = STEPS[step_key].ask(draft, self.env(context))
        if notice:
            text = f"{notice}\n\n{text}"
        message = await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
        draft[STEP_KEY] = step_key
        draft[MESSAGE_KEY] = message.message_id if isinstance(markup, InlineKeyboardMarkup) else None
        return self.state(step_key)

    def current(self, context: Context) -> tuple[dict[str, Any], Step] | None:
        draft = self.draft(context)
        step = STEPS.get(draft.get(STEP_KEY, "")) if draft else None
        return (draft, step) if draft is not None and step is not None else None

    async def answered(self, update: Update, context: Context) -> object:
        """A message while a question is open: the answer, or an explanation and the question."""
        found = self.current(context)
        if found is None:
            return await self.lost(update, context)
        draft, step = found
        message = update.effective_message
        if (message.contact and step.accepts_contact) or (message.text and step.on_text):
            answer = step.on_text(draft, message, self.env(context))  # type: ignore[misc]
        else:
            answer = error(wrong_kind_text(step))
        return await self._apply(update, context, draft, step, answer)

    async def pressed(self, update: Update, context: Context) -> object:
        """A button of this flow: the current question's, or a stale one from an old message."""
        query = update.callback_query
        found = self.current(context)
        if found is None:
            await query.answer()
            return await self.lost(update, context)
        draft, step = found
        _prefix, _sep, rest = query.data.partition(":")
        code, _sep, value = rest.partition(":")
        answer = None
        if code == step.code and step.on_press and query.message.message_id == draft.get(MESSAGE_KEY):
            answer = step.on_press(draft, value, self.env(context))
        if answer is None:
            await query.answer(_("This button is no longer active."), show_alert=True)
            return await self.ask(update, context, step.key)
        return await self._apply(update, context, draft, step, answer)

    async def _apply(
        self, update: Update, context: Context, draft: dict[str, Any], step: Step, answer: Answer
    ) -> object:
        query = update.callback_query
        if answer.kind == "alert":
            await query.answer(answer.text, show_alert=True)
            return None
        if answer.kind == "redraw":
            await query.answer()
            text, markup = step.ask(draft, self.env(context))
            await query.edit_message_text(text, reply_markup=markup)
            return None
        if answer.kind == "error":
            if query:
                await query.answer()
            return await self.ask(update, context, step.key, notice=answer.text)
        notice = echo(step, draft)
        if query:
            await query.answer()
            await query.edit_message_text(notice)
            notice = ""
        elif step.accepts_contact:
            # Take the "share my phone" keyboard away before the next question's buttons.
            await update.effective_message.reply_text(notice, reply_markup=ReplyKeyboardRemove())
            notice = ""
        if answer.kind == "goto":
            return await self.ask(update, context, answer.goto, notice=notice)
        return await self.after(update, context, step.key, notice)
