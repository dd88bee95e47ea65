"""Coordinators' numbers: /stats and /export."""

from __future__ import annotations

import asyncio
import contextvars
from datetime import timedelta

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import catalog, db
from bot.auth import STAFF, requires
from bot.context import Context
from bot.export import build_workbook
from bot.i18n import _, format_date, ltr


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
    lines = [
        _("Season numbers — {date}").format(date=format_date(now.astimezone(context.settings.timezone).date())),
        "",
        _("👥 Volunteers: {total} registered — {active} active, {pending} awaiting approval, "
          "{paused} paused, {suspended} suspended; {new} new this week; {unreachable} unreachable.").format(
            total=registered, active=volunteers.get("active", 0), pending=volunteers.get("pending", 0),
            paused=volunteers.get("paused", 0), suspended=volunteers.get("suspended", 0),
            new=volunteers["new"], unreachable=volunteers["unreachable"]),
        _("📋 Needs: {submitted} awaiting approval, {approved} approved, {closed} closed, "
          "{rejected} rejected, {cancelled} cancelled.").format(
            submitted=needs.get("submitted", 0), approved=needs.get("approved", 0),
            closed=needs.get("closed", 0), rejected=needs.get("rejected", 0),
            cancelled=needs.get("cancelled", 0)),
        _("📅 Next 7 days: {shifts} shifts, {accepted} of {slots} places filled ({rate}); "
          "{unfilled} shifts not yet full.").format(
            shifts=week["shifts"], accepted=week["accepted"], slots=week["slots"],
            rate=_percent(int(week["accepted"]), int(week["slots"])), unfilled=week["unfilled"]),
        _("🕒 Last 30 days: {completed} shifts served, {hours} hours; {no_shows} no-shows, "
          "{late} late cancellations; {offered} offers waiting for an answer now.").format(
            completed=service["completed"], hours=ltr(f"{float(service['hours']):.0f}"),
            no_shows=service["no_shows"], late=service["late_cancels"], offered=service["offered"]),
        _("✉️ Messages: {pending} waiting to be sent, {sent} sent, {failed} failed.").format(
            pending=outbox.get("pending", 0), sent=outbox.get("sent", 0), failed=outbox.get("failed", 0)),
    ]
    if specialties:
        lines += ["", _("Active volunteers by specialty:")]
        lines += [f"• {catalog.label(catalog.SPECIALTIES, row['specialty'])}: {row['n']}"
                  for row in specialties]
    await update.effective_message.reply_text("\n".join(lines))


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
    content = await asyncio.to_thread(ctx.run, build_workbook, volunteers, shifts, assignments, tz)
    now = context.now()
    async with database.transaction() as tx:
        await db.audit(tx, actor_id=update.effective_user.id, action="export", now=now,
                       details={"volunteers": len(volunteers), "shifts": len(shifts)})
    stamp = now.astimezone(tz).strftime("%Y-%m-%d")
    await update.effective_message.reply_document(
        document=content,
        filename=f"aoun-export-{stamp}.xlsx",
        caption=_("Volunteers: {volunteers}, shifts: {shifts}, assignments: {assignments}. "
                  "This file holds personal data: keep it inside the office.").format(
            volunteers=len(volunteers), shifts=len(shifts), assignments=len(assignments)),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("stats", stats))
    app.add_handler(CommandHandler("export", export))
