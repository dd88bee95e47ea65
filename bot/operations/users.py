"""Everyone the bot has seen: remembered with their Telegram names, their chosen language, and
whether they can be reached (blocking the bot makes them unreachable until they write again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import db
from bot.db import Database


@dataclass(frozen=True)
class Seen:
    locale: str | None  # the language they chose with /lang (None: not chosen)
    gender: str | None = None  # a registered volunteer's (None: staff, representatives, unknown)
    role: str | None = None  # their role now (None: not known, e.g. they have just blocked the bot)


@dataclass(frozen=True)
class LocaleChoice:
    user: db.Row | None  # their row after the change, for their menu (None: never seen)


def _stale(row: db.Row | None, first_name: str, username: str | None, language_code: str | None) -> bool:
    return (
        row is None
        or not row["reachable"]
        or row["language_code"] != language_code
        or row["first_name"] != first_name
        or row["username"] != username
    )


async def remember(
    database: Database,
    *,
    user_id: int,
    first_name: str,
    username: str | None,
    language_code: str | None,
    blocked_us: bool,
    now: datetime,
) -> Seen:
    """Record a person on every update: new, renamed, or back after blocking the bot (a write
    only when something changed, so most updates cost one read)."""
    row = await db.get_user_as_reader(database.quick, user_id)
    gender = row["volunteer_gender"] if row is not None else None
    if blocked_us:
        if row is not None and row["reachable"]:
            async with database.transaction() as tx:
                await db.set_user_reachable(tx, user_id, False)
        return Seen(row["locale"] if row is not None else None)
    if _stale(row, first_name, username, language_code):
        async with database.transaction() as tx:
            # Re-read and guarded write in one statement: written only if still stale.
            row = await db.remember_user(
                tx, user_id, now=now, first_name=first_name, username=username,
                language_code=language_code,
            ) or await db.get_user(tx, user_id)
    if row is None:
        return Seen(None, gender)
    return Seen(row["locale"], gender, row["role"])


async def choose_locale(database: Database, *, user_id: int, locale: str) -> LocaleChoice:
    async with database.transaction() as tx:
        await db.set_user_locale(tx, user_id, locale)
        row = await db.get_user(tx, user_id)
    return LocaleChoice(row)


async def mark_unreachable(database: Database, *, user_id: int, now: datetime) -> None:
    """They blocked the bot: no offers or broadcasts until they write again."""
    async with database.transaction() as tx:
        await db.ensure_user(tx, user_id, now=now)
        await db.set_user_reachable(tx, user_id, False)
