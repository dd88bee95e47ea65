"""Coordinators' numbers: /stats and /export."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import catalog, charts, db, trainings
from bot import export as export_files
from bot.answers import typed_choice
from bot.auth import REPS_AND_STAFF, STAFF, refuse, requires
from bot.context import Context
from bot.flows import kit
from bot.i18n import (
    N_,
    DateInputError,
    _,
    format_date,
    format_short_date,
    isolate,
    ltr,
    ngettext,
    parse_date,
)
from bot.operations import staff as operations
from bot.texts import entity_name, statuses
from bot.texts.staff import dataset_label


def _section(title: str, figures: list[tuple[str, object]]) -> str:
    """A titled line of `label: value` pairs (no sentence, so no plural forms to get wrong)."""
    return f"{title}\n" + " · ".join(f"{label}: {value}" for label, value in figures)


def _percent(part: int, whole: int) -> str:
    return ltr(f"{round(100 * part / whole)}%") if whole else "—"


@requires(STAFF)
async def stats(update: Update, context: Context) -> None:
    """Volunteers, needs, the coming week's fill rate, service in the last 30 days, delivery."""
    now = context.now()
    database = context.db
    volunteers = await db.stats_volunteers(database, since=now - timedelta(days=7))
    specialties = await db.stats_specialties(database)
    needs = await db.stats_needs(database)
    week = await db.stats_upcoming_shifts(database, now=now, until=now + timedelta(days=7))
    service = await db.stats_assignments(database, since=now - timedelta(days=30), now=now)
    outbox = await db.stats_outbox(database)
    registered = sum(n for status, n in volunteers.items() if status in
                     {"active", "paused", "pending", "suspended"})
    tz = context.settings.timezone
    lines = [
        _("Season numbers — {date}").format(date=format_date(now.astimezone(tz).date())),
        "",
        _section(_("👥 Volunteers"), [
            (_("registered"), registered),
            (_("active volunteers"), volunteers.get("active", 0)),
            (_("awaiting approval"), volunteers.get("pending", 0)),
            (_("paused"), volunteers.get("paused", 0)),
            (_("suspended"), volunteers.get("suspended", 0)),
            (_("new this week"), volunteers["new"]),
            (_("unreachable"), volunteers["unreachable"]),
        ]),
        _section(_("📋 Needs"), [
            *((statuses.need_status(code), needs.get(code, 0))
              for code in ("submitted", "approved", "closed", "rejected", "cancelled")),
        ]),
        _section(_("📅 Next 7 days"), [
            (_("shifts"), week["shifts"]),
            (_("places filled"), _("{accepted} of {slots} ({rate})").format(
                accepted=week["accepted"], slots=week["slots"],
                rate=_percent(int(week["accepted"]), int(week["slots"])))),
            (_("shifts not yet full"), week["unfilled"]),
        ]),
        _section(_("🕒 Last 30 days"), [
            (_("shifts served"), service["completed"]),
            (_("hours served"), ltr(f"{float(service['hours']):.0f}")),
            (_("no-shows"), service["no_shows"]),
            (_("late cancellations"), service["late_cancels"]),
            (_("offers awaiting an answer now"), service["offered"]),
        ]),
        _section(_("✉️ Messages"), [
            (_("waiting to be sent"), outbox.get("pending", 0)),
            (_("sent"), outbox.get("sent", 0)),
            (_("failed"), outbox.get("failed", 0)),
            (_("expired undelivered (Telegram unreachable until too late)"), outbox.get("expired", 0)),
        ]),
    ]
    lines += await _training_lines(context)
    if specialties:
        lines += ["", _("Active volunteers by specialty:")]
        lines += [f"• {catalog.label(catalog.SPECIALTIES, row['specialty'])}: {row['n']}"
                  for row in specialties]
    chosen = typed_filter(context.args or [], now.astimezone(tz).date())
    if isinstance(chosen, str):
        await kit.message_of(update).reply_text(chosen)
        return
    await kit.message_of(update).reply_text("\n".join(lines))
    await _send_charts(update, context, {row["specialty"]: int(row["n"]) for row in specialties}, chosen)


async def _training_lines(context: Context) -> list[str]:
    """Trainings: sessions ahead and held, attendance, the qualified per specialty, expiring."""
    now = context.now()
    held = await db.stats_trainings(context.db, now=now, since=now - timedelta(days=30))
    qualified = await db.stats_qualified(context.db, now=now, expiring_by=now + trainings.EXPIRY_NOTICE)
    lines = [_section(_("🎓 Trainings and lectures"), [
        (_("sessions ahead"), held["ahead"]),
        (_("held in the last 30 days"), held["held"]),
        (_("attended"), _("{attended} of {taken} ({rate})").format(
            attended=held["attended"], taken=held["taken"],
            rate=_percent(int(held["attended"]), int(held["taken"])))),
        (_("qualifications running out within 30 days"), sum(int(r["expiring"]) for r in qualified)),
    ])]
    if qualified:
        lines += [_("Qualified active volunteers by specialty:")]
        lines += [f"• {catalog.label(catalog.SPECIALTIES, r['specialty'])}: {r['qualified']}"
                  + (" " + _("({n} running out soon)").format(n=r["expiring"]) if r["expiring"] else "")
                  for r in qualified]
    return lines


CHART_DAYS = 14
ALL = "all"  # no specialty filter; entity 0 is every entity
# The filter of the charts last sent is kept in user_data (CHART_FILTER); a button changes one
# part of it: the entity (0: all), the specialty (ALL) or the days (first and last, ordinals).
CHART_FILTER = "chart_filter"
CHART_ENTITY = kit.Route("st", "e", int)
CHART_SPECIALTY = kit.Route("st", "s", str)
CHART_PERIOD = kit.Route("st", "p", int, int)
CHART_ENTITIES = kit.Route("st", "me", int)  # the entity menu from an offset
CHART_SPECIALTIES = kit.Route("st", "ms")
CHART_DATES = kit.Route("st", "md")
ENTITY_PAGE = 10
# (label, first day from today, number of days)
PERIODS = ((N_("Next 7 days"), 0, 7), (N_("Next 14 days"), 0, 14), (N_("Next 30 days"), 0, 30),
           (N_("Last 7 days"), -7, 7), (N_("Last 30 days"), -30, 30))


@dataclass(frozen=True)
class ChartFilter:
    """What the charts show: one entity (0: all), one specialty (ALL), the days [first, last]."""

    entity_id: int
    specialty: str
    first: date
    last: date

    @classmethod
    def default(cls, today: date) -> ChartFilter:
        return cls(0, ALL, today, today + timedelta(days=CHART_DAYS - 1))

    @classmethod
    def parse(cls, fields: tuple[Any, ...]) -> ChartFilter | None:
        entity_id, specialty, first, last = fields[:4]
        if specialty != ALL and catalog.by_code(catalog.SPECIALTIES, specialty) is None:
            return None
        try:
            first_day, last_day = date.fromordinal(first), date.fromordinal(last)
        except ValueError:
            return None
        if last_day < first_day or (last_day - first_day).days >= MAX_CHART_DAYS:
            return None
        return cls(int(entity_id), specialty, first_day, last_day)

    def keys(self) -> tuple[int, str, int, int]:
        return self.entity_id, self.specialty, self.first.toordinal(), self.last.toordinal()

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


MAX_CHART_DAYS = 92  # a season's quarter: the day axis stays readable


async def _send_charts(update: Update, context: Context, volunteers: dict[str, int],
                       chosen: ChartFilter | None = None) -> None:
    """The three charts, drawn in a worker thread in the reader's language, then the filter
    buttons with the filtered numbers. Without a filter: the next 14 days and the offers of the
    last 7 days; with one: its entity, specialty and days, and the offers for those shifts."""
    now, tz = context.now(), context.settings.timezone
    today = now.astimezone(tz).date()
    current = chosen or ChartFilter.default(today)
    since = datetime.combine(current.first, time(0), tz)
    until = datetime.combine(current.last + timedelta(days=1), time(0), tz)
    entity_id = current.entity_id or None
    specialty = None if current.specialty == ALL else current.specialty
    if chosen is None:
        shifts = await db.stats_fill_by_shift(context.db, now=now, until=now + timedelta(days=CHART_DAYS))
        funnel = await db.stats_offer_funnel(context.db, since=now - timedelta(days=7))
        funnel_title = _("Offers in the last 7 days")
    else:
        start = max(since, now) if current.first <= today <= current.last else since
        shifts = await db.stats_fill_filtered(context.db, since=start, until=until,
                                              entity_id=entity_id, specialty=specialty)
        funnel = await db.stats_offer_funnel_for_shifts(context.db, since=since, until=until,
                                                        entity_id=entity_id, specialty=specialty)
        funnel_title = _("Offers for the shifts of these days")
    if specialty:
        volunteers = {specialty: volunteers.get(specialty, 0)}
    days = current.days()

    def label(code: str) -> str:
        return catalog.label(catalog.SPECIALTIES, code)

    def draw() -> list[bytes]:
        labels, people, places = charts.gaps(volunteers, shifts, label)
        return [
            charts.fill_rate(days, charts.fill_series(shifts, days, tz, label),
                             title=_("Places taken per day, by specialty")),
            charts.supply_and_demand(labels, people, places,
                                     title=_("Active volunteers and open places, by specialty")),
            charts.funnel([(_("Offered"), int(funnel["offered"])), (_("Accepted"), int(funnel["accepted"])),
                           (_("Declined"), int(funnel["declined"])), (_("Expired"), int(funnel["expired"]))],
                          title=funnel_title),
        ]

    images = await asyncio.to_thread(contextvars.copy_context().run, draw)
    chat_id = kit.chat_id_of(update)
    for index, image in enumerate(images, start=1):
        await context.bot.send_photo(chat_id, photo=image, filename=f"stats-{index}.png")
    entity = await db.get_entity(context.db, entity_id) if entity_id else None
    text = _chart_summary(current, entity, shifts, funnel, volunteers)
    kit.scratch(context.user_data)[CHART_FILTER] = list(current.keys())
    await context.bot.send_message(chat_id, text, reply_markup=_filter_keyboard())


def _chart_summary(current: ChartFilter, entity: db.Row | None, shifts: Sequence[db.Row],
                   funnel: db.Row, volunteers: dict[str, int]) -> str:
    """The filter in force and the numbers the charts above were drawn from."""
    slots = sum(int(row["slots"]) for row in shifts)
    taken = sum(min(int(row["accepted"]), int(row["slots"])) for row in shifts)
    scope = [
        entity_name(entity) if entity is not None else _("all entities"),
        catalog.label(catalog.SPECIALTIES, current.specialty) if current.specialty != ALL
        else _("all specialties"),
        _("{first} to {last}").format(first=format_short_date(current.first),
                                      last=format_short_date(current.last)),
    ]
    return "\n".join([
        _("📊 Charts for: {scope}").format(scope=" · ".join(scope)),
        _section(_("📅 Shifts"), [
            (_("shifts"), len(shifts)),
            (_("places filled"), _("{accepted} of {slots} ({rate})").format(
                accepted=taken, slots=slots, rate=_percent(taken, slots))),
            (_("active volunteers"), sum(volunteers.values())),
        ]),
        _section(_("📨 Offers"), [
            (_("offered"), funnel["offered"]), (_("accepted"), funnel["accepted"]),
            (_("declined"), funnel["declined"]), (_("expired"), funnel["expired"]),
        ]),
        "",
        _("Filter the charts with the buttons, or send /stats with two dates (either calendar) "
          "or a specialty, for example: /stats 2026-05-20 2026-06-02 healthcare."),
    ])


def _filter_keyboard() -> InlineKeyboardMarkup:
    return kit.markup([
        kit.button(_("🏢 Entity"), CHART_ENTITIES.data(0)),
        kit.button(_("🎯 Specialty"), CHART_SPECIALTIES.data()),
        kit.button(_("📅 Dates"), CHART_DATES.data()),
    ])


def _current(context: Context) -> ChartFilter:
    """The filter of the charts last sent to this person (the default without one)."""
    saved = kit.scratch(context.user_data).get(CHART_FILTER)
    found = ChartFilter.parse(tuple(saved)) if isinstance(saved, list) and len(saved) == 4 else None
    return found or ChartFilter.default(context.now().astimezone(context.settings.timezone).date())


@requires(STAFF)
async def charts_filtered(update: Update, context: Context) -> None:
    """One part of the filter chosen: the charts again for it (the menu becomes its summary)."""
    data = kit.data_of(update)
    entity_id, specialty, first, last = _current(context).keys()
    if (found := CHART_ENTITY.parse(data)) is not None:
        entity_id = found[0]
        if entity_id and await db.get_entity(context.db, entity_id) is None:
            await kit.stale(update)
            return
    elif (found := CHART_SPECIALTY.parse(data)) is not None:
        specialty = found[0]
    elif (found := CHART_PERIOD.parse(data)) is not None:
        first, last = found
    chosen = ChartFilter.parse((entity_id, specialty, first, last))
    if chosen is None:
        await kit.stale(update)
        return
    query = kit.query_of(update)
    await query.answer(_("Drawing the charts…"))
    await query.edit_message_reply_markup(None)
    volunteers = {row["specialty"]: int(row["n"]) for row in await db.stats_specialties(context.db)}
    await _send_charts(update, context, volunteers, chosen)


@requires(STAFF)
async def chart_entities(update: Update, context: Context) -> None:
    """Which entity's shifts the charts show (paged), or all."""
    current = _current(context)
    offset = int(CHART_ENTITIES.one(kit.data_of(update)) or 0)
    entities = await db.list_entities(context.db, limit=ENTITY_PAGE + 1, offset=offset)
    buttons = [
        kit.button(kit.checked(entity_name(row)[:40], int(row["id"]) == current.entity_id),
                   CHART_ENTITY.data(int(row["id"])))
        for row in entities[:ENTITY_PAGE]
    ]
    everyone = kit.button(kit.checked(_("All entities"), current.entity_id == 0), CHART_ENTITY.data(0))
    nav = kit.pager(CHART_ENTITIES, offset, offset + len(entities), ENTITY_PAGE)
    await kit.query_of(update).answer()
    await kit.query_of(update).edit_message_text(
        _("Show the charts of which entity?"), reply_markup=kit.markup([everyone], kit.grid(buttons, 1), nav))


@requires(STAFF)
async def chart_specialties(update: Update, context: Context) -> None:
    """Which specialty the charts show, or all."""
    current = _current(context)
    buttons = [
        kit.button(kit.checked(item.label_text(), item.code == current.specialty),
                   CHART_SPECIALTY.data(item.code))
        for item in catalog.SPECIALTIES
    ]
    everything = kit.button(kit.checked(_("All specialties"), current.specialty == ALL),
                            CHART_SPECIALTY.data(ALL))
    await kit.query_of(update).answer()
    await kit.query_of(update).edit_message_text(
        _("Show the charts of which specialty?"), reply_markup=kit.markup([everything], kit.grid(buttons, 2)))


@requires(STAFF)
async def chart_dates(update: Update, context: Context) -> None:
    """Which days the charts show: the coming or the past week or month."""
    current = _current(context)
    today = context.now().astimezone(context.settings.timezone).date()
    buttons = []
    for label, start, length in PERIODS:
        first = today + timedelta(days=start)
        last = first + timedelta(days=length - 1)
        picked = (first, last) == (current.first, current.last)
        buttons.append(kit.button(kit.checked(_(label), picked),
                                  CHART_PERIOD.data(first.toordinal(), last.toordinal())))
    await kit.query_of(update).answer()
    await kit.query_of(update).edit_message_text(
        _("Show the charts of which days? Or send /stats with two dates, for example "
          "/stats 1447-12-01 1447-12-10."), reply_markup=kit.markup(kit.grid(buttons, 2)))


def typed_filter(args: Sequence[str], today: date) -> ChartFilter | str | None:
    """/stats arguments as a chart filter: up to two dates (either calendar) and a specialty;
    None without arguments, a sentence saying what is wrong otherwise."""
    if not args:
        return None
    days: list[date] = []
    words: list[str] = []
    for word in args:
        try:
            days.append(parse_date(word))
        except DateInputError:
            words.append(word)
    specialty = ALL
    if words:  # the rest names a specialty, perhaps in two words («الإرشاد المكاني»)
        phrase = " ".join(words)
        code = typed_choice(phrase, catalog.SPECIALTIES)
        if code is None:
            return _("I could not read “{word}” as a date or a specialty.").format(word=isolate(phrase))
        specialty = code
    if len(days) > 2:
        return _("Please give at most two dates: the first and the last day.")
    first = days[0] if days else today
    last = days[-1] if len(days) == 2 else first + timedelta(days=CHART_DAYS - 1)
    first, last = min(first, last), max(first, last)
    if (last - first).days >= MAX_CHART_DAYS:
        return ngettext("Please choose at most {n} day.", "Please choose at most {n} days.",
                        MAX_CHART_DAYS).format(n=MAX_CHART_DAYS)
    return ChartFilter(0, specialty, first, last)


EXPORT = kit.Route("exp", "f", str, str)  # dataset, format
STAFF_DATASETS = export_files.DATASETS
REP_DATASETS = ("needs",)  # their own entity's needs and rosters; never every volunteer's phone


async def _export_scope(context: Context, user_id: int) -> tuple[tuple[str, ...], list[int] | None]:
    """The datasets this person may export, and the entities they are limited to (None: all)."""
    user = await db.get_user(context.db, user_id)
    if user is not None and user["role"] in STAFF:
        return STAFF_DATASETS, None
    entities = [int(row["id"]) for row in await db.rep_memberships(context.db, user_id)]
    return (REP_DATASETS if entities else ()), entities


def _export_menu(datasets: Sequence[str]) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [kit.button(f"📗 {dataset_label(code)}", EXPORT.data(code, "xlsx")),
         kit.button(_("CSV"), EXPORT.data(code, "csv"))]
        for code in datasets
    ]
    text = _("What would you like to export? The left button sends an Excel file (XLSX), the "
             "right one a CSV file. Files hold personal data: keep them inside the office.")
    return text, kit.markup(rows)


@requires(REPS_AND_STAFF)
async def export(update: Update, context: Context) -> None:
    """/export [dataset] [xlsx|csv]: the choice of datasets, or the file at once."""
    datasets, _entities = await _export_scope(context, kit.user_id_of(update))
    if not datasets:
        await kit.message_of(update).reply_text(
            _("You are not a representative of any partner entity at the moment."))
        return
    words = [word.lower() for word in context.args or []]
    dataset = next((w for w in words if w in export_files.DATASETS), None)
    file_format = next((w for w in words if w in export_files.FORMATS), "xlsx")
    if dataset is None:
        text, keyboard = _export_menu(datasets)
        await kit.message_of(update).reply_text(text, reply_markup=keyboard)
        return
    await _send_export(update, context, dataset, file_format)


@requires(REPS_AND_STAFF)
async def export_pressed(update: Update, context: Context) -> None:
    """A dataset and format chosen from the menu."""
    dataset, file_format = EXPORT.parse(kit.data_of(update)) or ("", "")
    if dataset not in export_files.DATASETS or file_format not in export_files.FORMATS:
        await kit.stale(update)
        return
    await _send_export(update, context, dataset, file_format, pressed=True)


async def _send_export(
    update: Update, context: Context, dataset: str, file_format: str, *, pressed: bool = False
) -> None:
    """Build the file off the loop, audit it, and send it; refused outside the caller's scope,
    checked again on every press."""
    user_id = kit.user_id_of(update)
    datasets, entities = await _export_scope(context, user_id)
    if dataset not in datasets:
        await refuse(update, _("Sorry, only the office's coordinators can export this. "
                               "Representatives can export their own entity's needs and rosters."))
        return
    if pressed:
        await kit.query_of(update).answer(_("Preparing the file…"))
    database = context.db
    rows: dict[str, Sequence[Any]] = {}
    if dataset == "volunteers":
        rows["volunteers"] = await db.export_volunteers(database)
    elif dataset == "needs":
        rows["rosters"] = await db.export_rosters(database, entities)
        rows["shifts"] = await db.export_shifts(database, entities)
    elif dataset == "assignments":
        rows["assignments"] = await db.export_assignments(database)
    elif dataset == "hours":
        rows["hours"] = await db.export_hours(database)
    elif dataset == "trainings":
        rows["sessions"] = await db.export_training_sessions(database)
        rows["qualifications"] = await db.export_qualifications(database)
    else:
        rows["audit"] = await db.export_audit(database)
    tz = context.settings.timezone

    def build() -> bytes:
        return export_files.dataset_file(export_files.dataset_tables(dataset, rows), file_format, tz)

    # Built in a worker thread; copy_context keeps the caller's locale for the headers.
    content = await asyncio.to_thread(contextvars.copy_context().run, build)
    count = len(next(iter(rows.values())))
    now = context.now()
    await operations.record_export(
        database, actor_id=user_id, now=now, dataset=dataset, file_format=file_format, rows=count,
        entity_ids=entities,
    )
    stamp = now.astimezone(tz).strftime("%Y-%m-%d")
    await context.bot.send_document(
        kit.chat_id_of(update),
        document=content,
        filename=f"aoun-{dataset}-{stamp}.{file_format}",
        caption=ngettext(
            "{dataset}: {count} row. This file holds personal data: keep it inside the office.",
            "{dataset}: {count} rows. This file holds personal data: keep it inside the office.",
            count,
        ).format(dataset=dataset_label(dataset), count=count),
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("stats", stats))
    for route in (CHART_ENTITY, CHART_SPECIALTY, CHART_PERIOD):
        app.add_handler(CallbackQueryHandler(charts_filtered, pattern=route.pattern))
    app.add_handler(CallbackQueryHandler(chart_entities, pattern=CHART_ENTITIES.pattern))
    app.add_handler(CallbackQueryHandler(chart_specialties, pattern=CHART_SPECIALTIES.pattern))
    app.add_handler(CallbackQueryHandler(chart_dates, pattern=CHART_DATES.pattern))
    app.add_handler(CommandHandler("export", export))
    app.add_handler(CallbackQueryHandler(export_pressed, pattern=EXPORT.pattern))
