"""/newtraining: a coordinator (any session) or an entity's representative (a training in a
specialty their entity's needs use) schedules a training session or an awareness lecture, field
by field, checks a summary with Edit per field, and creates it.

A long draft on the steps table (bot/flows/kit/steps.py): answers live in
`user_data["training_session"]` until Create, which bot/operations/trainings.py turns into the
session and its shift once per draft (its `_id`). The need card's "Schedule a training" button
starts it with the qualification already chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

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

from bot import catalog, trainings
from bot.audience import Audience
from bot.auth import REPS_AND_STAFF, requires
from bot.context import Context
from bot.flows import kit
from bot.flows.kit import steps
from bot.flows.kit.steps import DONE, REDRAW, Answer, Step
from bot.i18n import (
    N_,
    DateInputError,
    _,
    example_date,
    ltr,
    ngettext,
    normalize_digits,
    parse_date,
    parse_time,
)
from bot.notices.trainings import SCHEDULE
from bot.operations import trainings as operations
from bot.texts.trainings import qualification_both, session_details
from bot.texts.volunteers import any_of, clauses

SPEC = kit.FlowSpec(
    "training_session", kit.Mode.LONG, N_("training session draft"), area="trs", commands=("newtraining",)
)
NAME = SPEC.name

KIND = kit.Route("trs", "k", str)
SPECIALTY = kit.Route("trs", "sp", str)
SKIP = kit.Route("trs", "skip")
AUDIENCE = kit.Route("trs", "au", str, str)  # s|g, a specialty or a gender
AUDIENCE_DONE = kit.Route("trs", "auok")
EDIT = kit.Route("trs", "ed", str)
CREATE = kit.Route("trs", "create")
CANCEL = kit.Route("trs", "cancel")

ORDER = (
    "kind", "specialty", "title", "trainer", "place", "location", "day", "start_time", "end_time",
    "capacity", "validity", "audience",
)
EDIT_GROUPS = {
    "specialty": "specialty", "title": "title", "trainer": "trainer", "place": "place",
    "time": "day", "capacity": "capacity", "validity": "validity", "audience": "audience",
}
CONTINUES = {"place": "location", "day": "start_time", "start_time": "end_time"}
SUMMARY = "summary"


@dataclass(frozen=True)
class Env:
    now: datetime
    tz: Any


def _env(context: Context) -> Env:
    return Env(now=context.now(), tz=context.settings.timezone)


def state(step: str) -> str:
    return f"{NAME}.{step}"


def _footer(text: str) -> str:
    return f"{text}\n\n" + _("Send /cancel to stop; nothing is kept.")


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _checked(parse: Any) -> Answer:
    try:
        parse()
    except DateInputError as error:
        return steps.error(error.message())
    except trainings.TrainingInputError as error:
        return steps.error(error.message())
    return DONE


def _buttons_only(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    return steps.error(_("Please use the buttons below the question."))


def _is_lecture(draft: Mapping[str, Any]) -> bool:
    return draft.get("kind") == trainings.LECTURE


# -- the questions ---------------------------------------------------------------------------------


def _ask_kind(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    return _footer(_("What are you scheduling?")), kit.markup(
        [kit.button(_("🎓 A training (grants a qualification)"), KIND.data(trainings.TRAINING))],
        [kit.button(_("📢 An awareness lecture (grants none)"), KIND.data(trainings.LECTURE))],
    )


def _press_kind(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value not in trainings.KINDS:
        return None
    draft["kind"] = value
    if value == trainings.LECTURE:
        draft["specialty"] = draft["validity_months"] = None
    return DONE


def _ask_specialty(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    allowed = draft.get("specialties") or [s.code for s in catalog.SPECIALTIES]
    buttons = [kit.button(catalog.label(catalog.SPECIALTIES, code), SPECIALTY.data(code)) for code in allowed]
    return _footer(_("Which qualification does the training grant?")), kit.markup(kit.grid(buttons))


def _press_specialty(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    allowed = draft.get("specialties") or [s.code for s in catalog.SPECIALTIES]
    if value not in allowed:
        return None
    draft["specialty"] = value
    return DONE


def _ask_title(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    if _is_lecture(draft):
        return _footer(_("What is the lecture called? For example: The standing of Madinah.")), None
    return _footer(_("What is the training called? For example: First aid for crowd events.")), None


def _text(field: str, limit: int) -> Any:
    def take(draft: dict[str, Any], message: Message, env: Env) -> Answer:
        def parse() -> None:
            draft[field] = trainings.check_text(message.text, limit)

        return _checked(parse)

    return take


def _ask_trainer(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_("Who gives it? Type the trainer's name.")), None


def _ask_place(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_(
        "Where is it held? Type the place, for example: Training hall, gate 3; or, for an "
        "online session, its link starting with https://."
    )), None


def _take_place(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    text = message.text or ""

    def parse() -> None:
        if trainings.looks_like_link(text):
            draft["link"], draft["place"] = trainings.check_link(text), None
            draft["latitude"] = draft["longitude"] = None
        else:
            draft["place"], draft["link"] = trainings.check_text(text, trainings.MAX_PLACE), None

    return _checked(parse)


def _ask_location(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    return _footer(_(
        "Share the place's location so that people find it and check in there: tap 📎, then "
        "Location. Or tap Skip."
    )), kit.markup([kit.button(_("Skip"), SKIP.data())])


def _take_location(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    if message.location is None:
        return steps.error(_("Please share a location (📎, then Location), or tap Skip."))
    draft["latitude"] = round(message.location.latitude, 6)
    draft["longitude"] = round(message.location.longitude, 6)
    return DONE


def _skip_location(draft: dict[str, Any], value: str, env: Env) -> Answer:
    draft["latitude"] = draft["longitude"] = None
    return DONE


def _ask_day(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    hijri, gregorian = example_date(env.now.astimezone(env.tz).date())
    return _footer(_(
        "On which day? Type the date in Hijri or Gregorian, for example {hijri} or {gregorian}."
    ).format(hijri=hijri, gregorian=gregorian)), None


def _take_day(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    def parse() -> None:
        day = parse_date(_clean(message.text))
        if day < env.now.astimezone(env.tz).date():
            raise trainings.TrainingInputError("past")
        draft["day"] = day.isoformat()

    return _checked(parse)


def _ask_start(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_("At what time does it start? For example 09:00 or 16:30.")), None


def _take_start(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    def parse() -> None:
        draft["start_time"] = parse_time(_clean(message.text)).strftime("%H:%M")

    return _checked(parse)


def _ask_end(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_(
        "And at what time does it end? For example 12:00. An end time earlier than the start "
        "means it ends the next day."
    )), None


def window(draft: Mapping[str, Any], tz: Any) -> tuple[datetime, datetime]:
    """The session's start and end from the day and times typed in the office's time zone."""
    day = date.fromisoformat(draft["day"])
    start = datetime.combine(day, parse_time(draft["start_time"]), tzinfo=tz)
    end = datetime.combine(day, parse_time(draft["end_time"]), tzinfo=tz)
    if end <= start:
        end += timedelta(days=1)
    return start, end


def _take_end(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    try:
        end = parse_time(_clean(message.text)).strftime("%H:%M")
        if end == draft["start_time"]:
            raise trainings.TrainingInputError("order")
        starts, ends = window({**draft, "end_time": end}, env.tz)
        trainings.check_window(starts, ends, env.now)
    except DateInputError as error:
        return steps.error(error.message())
    except trainings.TrainingInputError as error:
        if error.code == "past":  # today, and the start time has passed: choose again
            return steps.goto("day", error.message())
        return steps.error(error.message())
    draft["end_time"] = end
    return DONE


def _ask_capacity(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_("How many seats are there? Type a number from 1 to {n}.").format(
        n=ltr(trainings.MAX_CAPACITY)
    )), None


def _take_capacity(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    def parse() -> None:
        draft["capacity"] = trainings.check_capacity(normalize_digits(message.text or ""))

    return _checked(parse)


def _ask_validity(draft: dict[str, Any], env: Env) -> tuple[str, None]:
    return _footer(_(
        "For how many months does the qualification stay valid after the training? Type a "
        "number from 1 to {n}, for example 12."
    ).format(n=ltr(trainings.MAX_VALIDITY_MONTHS))), None


def _take_validity(draft: dict[str, Any], message: Message, env: Env) -> Answer:
    def parse() -> None:
        draft["validity_months"] = trainings.check_validity(normalize_digits(message.text or ""))

    return _checked(parse)


def audience_of(draft: Mapping[str, Any]) -> Audience:
    return Audience(
        specialties=tuple(draft.get("audience_specialties") or ()),
        genders=tuple(draft.get("audience_genders") or ()),
    )


def audience_text(draft: Mapping[str, Any]) -> str:
    chosen = audience_of(draft)
    if not chosen.specialties and not chosen.genders:
        return _("every active volunteer")
    parts = []
    if chosen.specialties:
        parts.append(any_of([catalog.label(catalog.SPECIALTIES, c) for c in chosen.specialties]))
    if chosen.genders:
        parts.append(any_of([catalog.label(catalog.GENDERS, g) for g in chosen.genders]))
    return _("active volunteers: {filters}").format(filters=clauses(parts))


def _ask_audience(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    specialties = draft.get("audience_specialties") or []
    genders = draft.get("audience_genders") or []
    buttons = [
        kit.button(kit.checked(item.label_text(), item.code in specialties), AUDIENCE.data("s", item.code))
        for item in catalog.SPECIALTIES
    ]
    gender_buttons = [
        kit.button(kit.checked(item.label_text(), item.code in genders), AUDIENCE.data("g", item.code))
        for item in catalog.GENDERS
    ]
    return _footer(_(
        "Who is invited? Tap specialties and genders to narrow the audience, then Done. With "
        "nothing selected, every active volunteer is invited.\nNow: {audience}"
    ).format(audience=audience_text(draft))), kit.markup(
        kit.grid(buttons), gender_buttons, [kit.button(_("Done ✔"), AUDIENCE_DONE.data())]
    )


def _toggle_audience(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    kind, _sep, code = value.partition(":")
    items, field = (
        (catalog.SPECIALTIES, "audience_specialties") if kind == "s"
        else (catalog.GENDERS, "audience_genders") if kind == "g" else (None, "")
    )
    if items is None or catalog.by_code(items, code) is None:
        return None
    selected = draft.setdefault(field, [])
    if code in selected:
        selected.remove(code)
    else:
        selected.append(code)
    return REDRAW


# -- the summary -----------------------------------------------------------------------------------


def _summary_session(draft: Mapping[str, Any], env: Env) -> dict[str, Any]:
    starts, ends = window(draft, env.tz)
    return {**draft, "starts_at": starts.isoformat(), "ends_at": ends.isoformat()}


def _ask_summary(draft: dict[str, Any], env: Env) -> tuple[str, InlineKeyboardMarkup]:
    audience = audience_text(draft) if _is_lecture(draft) else ""
    text = "\n".join([
        _("Please check the session before you create it:"), "",
        session_details(_summary_session(draft, env), env.tz, audience=audience), "",
        _("Invitations go out as soon as it is created. Tap a field to change it, or Create."),
    ])
    labels = [
        ("title", _("Title")), ("trainer", _("Trainer")), ("place", _("Place")),
        ("time", _("Time")), ("capacity", _("Seats")),
    ]
    if _is_lecture(draft):
        labels.append(("audience", _("Audience")))
    else:
        labels[:0] = [("specialty", _("Qualification"))]
        labels.append(("validity", _("Validity")))
    buttons = [kit.button("✏️ " + label, EDIT.data(code)) for code, label in labels]
    return text, kit.markup(
        kit.grid(buttons, 3),
        [kit.button(_("✅ Create"), CREATE.data()), kit.button(_("✖ Cancel"), CANCEL.data())],
    )


def _edit(draft: dict[str, Any], value: str, env: Env) -> Answer | None:
    if value not in EDIT_GROUPS:
        return None
    if (value in ("specialty", "validity") and _is_lecture(draft)) or (value == "audience" and not _is_lecture(draft)):
        return steps.alert(_("This button is no longer active."))
    draft["editing"] = True
    return steps.goto(EDIT_GROUPS[value])


STEPS: dict[str, Step[Env]] = {
    "kind": Step("kind", "k", "kind", _ask_kind, _buttons_only, _press_kind),
    "specialty": Step("specialty", "sp", "specialty", _ask_specialty, _buttons_only, _press_specialty),
    "title": Step("title", "", "title", _ask_title, _text("title", trainings.MAX_TITLE)),
    "trainer": Step("trainer", "", "trainer", _ask_trainer, _text("trainer", trainings.MAX_TRAINER)),
    "place": Step("place", "", "place", _ask_place, _take_place),
    "location": Step("location", "skip", "location", _ask_location, _take_location, _skip_location,
                     accepts_location=True),
    "day": Step("day", "", "day", _ask_day, _take_day),
    "start_time": Step("start_time", "", "start_time", _ask_start, _take_start),
    "end_time": Step("end_time", "", "end_time", _ask_end, _take_end),
    "capacity": Step("capacity", "", "capacity", _ask_capacity, _take_capacity),
    "validity": Step("validity", "", "validity", _ask_validity, _take_validity),
    "audience": Step("audience", "au", "audience", _ask_audience, _buttons_only, _toggle_audience),
    SUMMARY: Step(SUMMARY, "ed", "summary", _ask_summary, _buttons_only, _edit),
}


def _skipped(draft: Mapping[str, Any], step: str) -> bool:
    if step == "specialty":
        return _is_lecture(draft) or bool(draft.get("specialty") and draft.get("prefilled"))
    if step == "validity":
        return _is_lecture(draft)
    if step == "audience":
        return not _is_lecture(draft)
    if step == "location":
        return bool(draft.get("link"))
    return False


def _following(draft: Mapping[str, Any], step: str) -> str:
    if draft.get("editing"):
        nxt = CONTINUES.get(step)
        return nxt if nxt and not _skipped(draft, nxt) else SUMMARY
    index = ORDER.index(step) + 1
    while index < len(ORDER) and _skipped(draft, ORDER[index]):
        index += 1
    return ORDER[index] if index < len(ORDER) else SUMMARY


async def _after(update: Update, context: Context, step: str, notice: str) -> object:
    draft = kit.draft(context, SPEC) or {}
    return await runner.ask(update, context, _following(draft, step), notice=notice)


async def _lost(update: Update, context: Context) -> object:
    await context.bot.send_message(
        kit.chat_id_of(update), _("This session draft is no longer open. Send /newtraining to start again.")
    )
    return kit.END


runner: steps.StepRunner[Env] = steps.StepRunner(SPEC, STEPS, env=_env, after=_after, lost=_lost, prefix=NAME)


async def _retire(update: Update, context: Context) -> None:
    """A message answers the open question: its buttons go now."""
    draft = kit.draft(context, SPEC)
    message_id = draft.get(steps.MESSAGE_KEY) if draft else None
    if draft is None or not message_id:
        return
    draft[steps.MESSAGE_KEY] = None
    kit.settled(context, SPEC)
    with suppress(BadRequest):
        await context.bot.edit_message_reply_markup(kit.chat_id_of(update), message_id, reply_markup=None)


@requires(REPS_AND_STAFF)
async def answered(update: Update, context: Context) -> object:
    """A typed answer (or a shared location) to the open question."""
    await _retire(update, context)
    return await runner.answered(update, context)


# -- starting --------------------------------------------------------------------------------------


async def _start(update: Update, context: Context, specialty: str | None) -> object:
    found = await operations.permission(context.db, kit.user_id_of(update))
    if not found.allowed:
        text = _(
            "Your entity's needs use no specialty yet, so there is no training you can schedule. "
            "Please contact the volunteer office."
        )
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await kit.message_of(update).reply_text(text)
        return kit.END
    draft: dict[str, Any] = {"specialties": list(found.specialties), "latitude": None, "longitude": None,
                             "link": None, "place": None, "end_time": None}
    if specialty and operations.may(found, trainings.TRAINING, specialty):
        draft.update(kind=trainings.TRAINING, specialty=specialty, prefilled=True)
    elif not found.lectures:
        draft["kind"] = trainings.TRAINING
    kit.start(context, SPEC, draft)
    if draft.get("prefilled"):
        await context.bot.send_message(kit.chat_id_of(update), _(
            "Let us schedule a training that grants the qualification in {name}."
        ).format(name=qualification_both(specialty or "")))
        return await runner.ask(update, context, "title")
    return await runner.ask(update, context, "specialty" if draft.get("kind") else "kind")


@requires(REPS_AND_STAFF)
async def begin(update: Update, context: Context) -> object:
    """/newtraining: check who may schedule what, then ask the first question."""
    return await _start(update, context, None)


@requires(REPS_AND_STAFF)
async def begin_prefilled(update: Update, context: Context) -> object:
    """"Schedule a training" on a need: the flow with the need's qualification chosen."""
    specialty = SCHEDULE.one(kit.data_of(update))
    await kit.query_of(update).answer()
    return await _start(update, context, specialty if catalog.by_code(catalog.SPECIALTIES, specialty) else None)


async def _on_question(update: Update, context: Context, step: str) -> tuple[dict[str, Any] | None, object]:
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
async def audience_done(update: Update, context: Context) -> object:
    """Done choosing the lecture's audience (nothing chosen: everyone)."""
    draft, stay = await _on_question(update, context, "audience")
    if draft is None:
        return stay
    await kit.took(update, context, SPEC)
    return await _after(update, context, "audience", "")


@requires(REPS_AND_STAFF)
async def create(update: Update, context: Context) -> object:
    """Create the session (once per draft, however often Create is pressed)."""
    draft, stay = await _on_question(update, context, SUMMARY)
    if draft is None:
        return stay
    query = kit.query_of(update)
    starts, ends = window(draft, context.settings.timezone)
    lecture = _is_lecture(draft)
    outcome = await operations.create(
        context.db, kind=draft["kind"], specialty=draft.get("specialty"), title=draft["title"],
        trainer=draft["trainer"], place=draft.get("place"), latitude=draft.get("latitude"),
        longitude=draft.get("longitude"), link=draft.get("link"), starts_at=starts, ends_at=ends,
        capacity=draft["capacity"], validity_months=draft.get("validity_months"), entity_id=None,
        created_by=kit.user_id_of(update), draft_key=kit.draft_id(context, SPEC), now=context.now(),
        settings=context.settings, audience=audience_of(draft) if lecture else None,
    )
    if outcome.kind == operations.NOT_ALLOWED:
        await query.answer(_("You can no longer schedule this session."), show_alert=True)
        return kit.END
    if outcome.kind == operations.PAST:
        await query.answer()
        draft["editing"] = True
        return await runner.ask(update, context, "day", notice=_("The session must start in the future."))
    await kit.took(update, context, SPEC)
    if lecture:
        text = ngettext(
            "Lecture {id} is scheduled. {count} person was invited; I will remind those who "
            "accept. See it with /trainings.",
            "Lecture {id} is scheduled. {count} people were invited; I will remind those who "
            "accept. See it with /trainings.",
            outcome.invited,
        ).format(id=ltr(f"#{outcome.session_id}"), count=ltr(outcome.invited))
    else:
        text = _(
            "Training {id} is scheduled. Invitations go out in waves to the volunteers of its "
            "specialty who lack the qualification or are about to lose it. See it with /trainings."
        ).format(id=ltr(f"#{outcome.session_id}"))
    await kit.message_of(update).reply_text(text)
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
    await context.bot.send_message(kit.chat_id_of(update), _("Cancelled. The session was not saved."))
    return kit.END


@requires(REPS_AND_STAFF)
async def wrong_kind(update: Update, context: Context) -> object:
    """A sticker, photo or the like: say what is expected and ask again."""
    found = runner.current(context)
    if found is None:
        return await _lost(update, context)
    await _retire(update, context)
    return await runner.ask(update, context, found[1].key, notice=steps.wrong_kind_text(found[1]))


async def resume(update: Update, context: Context, *, notice: str = "") -> object:
    found = runner.current(context)
    if found is None:
        return await _lost(update, context)
    return await runner.ask(update, context, found[1].key, notice=notice)


def build() -> kit.Flow:
    new = filters.UpdateType.MESSAGE & ~filters.COMMAND
    pressed = requires(REPS_AND_STAFF)(runner.pressed)
    common: list[BaseHandler[Update, Context, object]] = [
        CallbackQueryHandler(audience_done, pattern=AUDIENCE_DONE.pattern),
        CallbackQueryHandler(create, pattern=CREATE.pattern),
        CallbackQueryHandler(cancel_button, pattern=CANCEL.pattern),
        *[
            CallbackQueryHandler(pressed, pattern=route.pattern)
            for route in (KIND, SPECIALTY, SKIP, AUDIENCE, EDIT)
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
        entry_points=[
            CommandHandler("newtraining", begin),
            CallbackQueryHandler(begin_prefilled, pattern=SCHEDULE.pattern),
        ],
        states=states,
        on_cancel=cancel,
        resume=resume,
    )


def register(app: Application) -> None:
    kit.install(app, build())
