"""Drafts left unfinished expire (DRAFT_TTL): the person is told, once, in their language."""

from __future__ import annotations

from datetime import datetime

from bot import db, delivery
from bot.config import Settings
from bot.db import Database
from bot.i18n import _, ngettext, use_locale, user_locale


async def tell_expired(
    db_: Database, settings: Settings, *, user_id: int, subject: str, command: str, draft_id: str,
    now: datetime,
) -> bool:
    """Queue the one notice that `subject` (an N_() message) was discarded; False if told before."""
    async with db_.transaction() as tx:
        row = await db.get_user(tx, user_id)
        if row is None:
            return False
        with use_locale(user_locale(row, settings.default_locale)):
            days = max(1, settings.draft_ttl.days)
            text = ngettext(
                "What you had started ({subject}) was discarded after {days} day without an "
                "answer. Send {command} to start again whenever you like.",
                "What you had started ({subject}) was discarded after {days} days without an "
                "answer. Send {command} to start again whenever you like.",
                days,
            ).format(subject=_(subject), days=days, command=command)
        return await delivery.enqueue(
            tx, chat_id=user_id, dedupe_key=f"draft-expired:{draft_id}", now=now, text=text
        )
