"""Alerts to the office's operations chat (OPS_CHAT_ID) about errors nobody else would see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import delivery
from bot.config import Settings
from bot.db import Database
from bot.i18n import ltr, ngettext, use_locale

# At most one alert per window: a bug hit by every update must not flood the chat (or use up
# the sender's rate); the log has every occurrence.
ALERT_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class AlertOutcome:
    enqueued: bool  # False: no OPS_CHAT_ID, or this window already had its alert


async def unhandled_error(
    database: Database,
    settings: Settings,
    *,
    error_type: str,
    handler: str,
    update_id: int | None,
    now: datetime,
) -> AlertOutcome:
    """Tell OPS_CHAT_ID an update failed: the error's type and the handler, no personal data
    (no user, chat, text or exception message, which may quote what someone typed)."""
    if settings.ops_chat_id is None:
        return AlertOutcome(enqueued=False)
    window = int(now.timestamp() // ALERT_WINDOW.total_seconds())
    with use_locale(settings.default_locale):
        minutes = int(ALERT_WINDOW.total_seconds() // 60)
        text = ngettext(
            "Aoun: an update failed with {error} in {handler} (update {update}). "
            "Further errors in the next {minutes} minute are only logged.",
            "Aoun: an update failed with {error} in {handler} (update {update}). "
            "Further errors in the next {minutes} minutes are only logged.",
            minutes,
        ).format(
            error=ltr(error_type),
            handler=ltr(handler),
            update=ltr(update_id if update_id is not None else "-"),
            minutes=ltr(minutes),
        )
    async with database.transaction() as tx:
        enqueued = await delivery.enqueue(
            tx,
            chat_id=settings.ops_chat_id,
            dedupe_key=f"ops:error:{window}",
            now=now,
            text=text,
            priority=delivery.URGENT,
        )
    return AlertOutcome(enqueued=enqueued)
