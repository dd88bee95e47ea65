"""Coordinators' broadcasts: sending one (queue every recipient) and stopping one in progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import db, delivery
from bot.audience import Audience
from bot.db import BroadcastCopy, Database

PARSE_MODE = "HTML"  # telegram.constants.ParseMode.HTML: the text was checked as Telegram HTML


@dataclass(frozen=True)
class Sent:
    """What Send did. `broadcast_id` None: nobody in the audience can be reached (nothing is
    stored). `again`: this draft had been sent already (a retap, a retry after a crash), and
    nothing more was queued."""

    broadcast_id: int | None
    recipients: int
    again: bool = False


async def send(
    db_: Database,
    *,
    draft_key: str,
    created_by: int,
    audience: Audience,
    text: str,
    urgent: bool,
    now: datetime,
    copy: BroadcastCopy | None = None,
) -> Sent:
    """Store the broadcast, queue every recipient and audit it, in one transaction. The draft's
    key is the broadcast's (unique): the same draft sent twice is queued once. With `copy`, the
    broadcast is that message (a photo, a PDF, a location) copied to everyone; `text` is its
    caption."""
    priority = delivery.URGENT if urgent else delivery.BULK
    try:
        async with db_.transaction() as tx:
            earlier = await db.broadcast_by_draft_key(tx, draft_key)
            if earlier is not None:
                return Sent(int(earlier["id"]), int(earlier["recipients"]), again=True)
            broadcast_id, count = await db.create_broadcast(
                tx, created_by=created_by, audience=audience, text=text, parse_mode=PARSE_MODE,
                priority=priority, now=now, draft_key=draft_key, copy=copy,
            )
            if not count:
                raise _Nobody  # rolls the broadcast row back
            await db.audit(
                tx, actor_id=created_by, action="broadcast.send", now=now, target_type="broadcast",
                target_id=broadcast_id,
                details={
                    "audience": audience.to_dict(), "recipients": count, "urgent": urgent,
                    **({"copy": copy.kind} if copy else {}),
                },
            )
            delivery.notify_enqueued(tx)
    except _Nobody:
        return Sent(None, 0)
    return Sent(broadcast_id, count)


class _Nobody(Exception):
    """The audience is empty: nothing is stored."""


@dataclass(frozen=True)
class Stopped:
    """How many queued messages were cancelled; 0: the broadcast had finished (or was stopped)
    already, and nothing changed."""

    cancelled: int


async def stop(
    db_: Database, *, broadcast_id: int, actor_id: int, now: datetime, default_locale: str
) -> Stopped:
    """Cancel what is still queued of a broadcast and audit it; its summary follows at once."""
    async with db_.transaction() as tx:
        broadcast = await db.get_broadcast(tx, broadcast_id)
        if broadcast is None:
            return Stopped(0)
        cancelled = await db.stop_broadcast(tx, broadcast_id, by=actor_id, now=now)
        if cancelled:
            await db.audit(
                tx, actor_id=actor_id, action="broadcast.stop", now=now,
                target_type="broadcast", target_id=broadcast_id, details={"cancelled": cancelled},
            )
            await delivery.finish_broadcast_if_done(tx, broadcast_id, now=now, default_locale=default_locale)
    return Stopped(cancelled)
