"""Coordinators' numbers: /stats and /export."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from datetime import timedelta

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import catalog, charts, db, trainings
from bot.auth import STAFF, requires
from bot.context import Context
from bot.export import build_workbook, qualifications_table, training_sessions_table
from bot.flows import kit
from bot.i18n import _, format_date, ltr
from bot.operations import staff as operations
from bot.texts import statuses


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
    await kit.message_of(update).reply_text("\n".join(lines))
    await _send_charts(update, context, {row["specialty"]: int(row["n"]) for row in specialties})


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


async def _send_charts(update: Update, context: Context, volunteers: dict[str, int]) -> None:
    """The three charts beside the numbers, drawn in a worker thread (in the reader's language)."""
    now, tz = context.now(), context.settings.timezone
    shifts = await db.stats_fill_by_shift(context.db, now=now, until=now + timedelta(days=CHART_DAYS))
    funnel = await db.stats_offer_funnel(context.db, since=now - timedelta(days=7))
    today = now.astimezone(tz).date()
    days = [today + timedelta(days=i) for i in range(CHART_DAYS)]

    def specialty(code: str) -> str:
        return catalog.label(catalog.SPECIALTIES, code)

    def draw() -> list[bytes]:
        labels, people, places = charts.gaps(volunteers, shifts, specialty)
        return [
            charts.fill_rate(days, charts.fill_series(shifts, days, tz, specialty),
                             title=_("Places taken, next 14 days, by specialty")),
            charts.supply_and_demand(labels, people, places,
                                     title=_("Active volunteers and open places, by specialty")),
            charts.funnel([(_("Offered"), int(funnel["offered"])), (_("Accepted"), int(funnel["accepted"])),
                           (_("Declined"), int(funnel["declined"])), (_("Expired"), int(funnel["expired"]))],
                          title=_("Offers in the last 7 days")),
        ]

    images = await asyncio.to_thread(contextvars.copy_context().run, draw)
    chat_id = kit.chat_id_of(update)
    for index, image in enumerate(images, start=1):
        await context.bot.send_photo(chat_id, photo=image, filename=f"stats-{index}.png")


@requires(STAFF)
async def export(update: Update, context: Context) -> None:
    """A spreadsheet of volunteers, shifts and assignments; audit-logged (it holds personal data)."""
    database = context.db
    volunteers = await db.export_volunteers(database)
    shifts = await db.export_shifts(database)
    assignments = await db.export_assignments(database)
    tz = context.settings.timezone
    # Built in a worker thread; copy_context keeps the caller's locale for the headers.
    ctx = contextvars.copy_context()
    training = [
        training_sessions_table(await db.export_training_sessions(database)),
        qualifications_table(await db.export_qualifications(database)),
    ]
    content = await asyncio.to_thread(
        ctx.run, functools.partial(build_workbook, training=training), volunteers, shifts, assignments, tz
    )
    now = context.now()
    await operations.record_export(
        database, actor_id=kit.user_id_of(update), now=now, volunteers=len(volunteers), shifts=len(shifts)
    )
    stamp = now.astimezone(tz).strftime("%Y-%m-%d")
    await kit.message_of(update).reply_document(
        document=content,
        filename=f"aoun-export-{stamp}.xlsx",
        caption=_("Volunteers: {volunteers}, shifts: {shifts}, assignments: {assignments}. "
                  "This file holds personal data: keep it inside the office.").format(
            volunteers=len(volunteers), shifts=len(shifts), assignments=len(assignments)),
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("stats", stats))
    app.add_handler(CommandHandler("export", export))
