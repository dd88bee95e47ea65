"""Alerts people can bear: at-risk and no-show alerts to the office and the entity's
representatives are queued per recipient (pending_alerts) in the transaction that raises them,
and the scheduler drains them into one digest per person per ALERT_DIGEST_WINDOW, never in the
office's QUIET_HOURS unless a shift it tells about starts within 2 h (bot/digests.py).

Draining one recipient is one transaction: re-read their unsent alerts, drop what is no longer
news (confirmed since, corrected to present, the shift gone, the recipient no longer staff or
representative), mark them sent and enqueue the digest's pages with dedupe keys. A restart in
between loses nothing and a tick run twice sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from bot import db, delivery, digests
from bot.assignments import Status
from bot.config import Settings
from bot.db import Database, Row, Tx
from bot.i18n import use_locale, user_locale
from bot.notices import digests as notices

AT_RISK, NO_SHOW = notices.AT_RISK, notices.NO_SHOW
_VOLUNTEER, REPRESENTATIVE, COORDINATOR, ADMIN = db.ROLES


async def queue(
    tx: Tx, assignment: Row, *, kind: str, now: datetime, skip: int | None = None
) -> int:
    """Queue this alert for the coordinators, the admins and the entity's representatives
    (not `skip`, who did it); returns how many were queued."""
    recipients = {row["id"] for row in await db.list_users_by_role(tx, (COORDINATOR, ADMIN))}
    recipients |= {row["id"] for row in await db.entity_representatives(tx, assignment["entity_id"])}
    recipients.discard(skip)
    queued = 0
    for recipient_id in sorted(recipients):
        queued += await db.queue_alert(
            tx, recipient_id=recipient_id, kind=kind, assignment_id=assignment["id"],
            shift_id=assignment["shift_id"], starts_at=assignment["starts_at"], now=now,
        )
    return queued


def still_news(kind: str, row: Row, now: datetime) -> bool:
    """Is the alert still true when its digest goes out?"""
    if row["shift_status"] == "cancelled" or row["need_status"] in ("cancelled", "rejected"):
        return False
    if kind == AT_RISK:
        return (
            row["status"] == Status.ACCEPTED and row["confirmed_at"] is None
            and db.moment(row["starts_at"]) > now
        )
    return bool(row["status"] == Status.NO_SHOW)


async def _may_receive(tx: Tx, user: Row | None, entity_id: int) -> bool:
    if user is None:
        return False
    if user["role"] in (COORDINATOR, ADMIN):
        return True
    return bool(user["role"] == REPRESENTATIVE and await db.is_entity_rep(tx, user["id"], entity_id))


async def drain(database: Database, settings: Settings, *, now: datetime) -> int:
    """Send the digests that are due; returns how many messages were enqueued."""
    waiting: dict[int, list[Row]] = {}
    for row in await db.unsent_alerts(database):
        waiting.setdefault(int(row["recipient_id"]), []).append(row)
    if not waiting:
        return 0
    last = await db.last_digest_at(database, list(waiting))
    sent = 0
    for recipient_id, rows in waiting.items():
        summary = digests.Waiting(tuple(db.moment(r["starts_at"]) for r in rows), last.get(recipient_id))
        if not digests.due(
            summary, now=now, window=settings.alert_digest_window, quiet=settings.quiet_hours,
            tz=settings.timezone,
        ):
            continue
        async with database.transaction() as tx:
            sent += await _send_digest(tx, settings, recipient_id, now=now)
    return sent


async def _send_digest(tx: Tx, settings: Settings, recipient_id: int, *, now: datetime) -> int:
    rows = await db.unsent_alerts(tx, recipient_id)
    if not rows:
        return 0
    user = await db.get_user(tx, recipient_id)
    items: list[tuple[str, Row]] = []
    for alert in rows:
        assignment = await db.get_assignment(tx, alert["assignment_id"])
        if assignment is None or not still_news(alert["kind"], assignment, now):
            continue
        if await _may_receive(tx, user, assignment["entity_id"]):
            items.append((alert["kind"], assignment))
    await db.mark_alerts_sent(tx, [r["id"] for r in rows], now=now)
    if not items:
        return 0
    with use_locale(user_locale(user, settings.default_locale)):
        pages = notices.digest_pages(items, settings.timezone, now=now)
    for number, (text, keyboard) in enumerate(pages):
        await delivery.enqueue(
            tx, chat_id=recipient_id, dedupe_key=f"digest:{recipient_id}:{rows[0]['id']}:{number}",
            now=now, text=text, reply_markup=keyboard,
        )
    return len(pages)
