"""Seeding helpers for the attendance tests (on top of the dispatch factories)."""

from __future__ import annotations

from bot import db
from tests.factories import create_entity, create_need, create_user, create_volunteer
from tests.factories_dispatch import TUESDAY, assignments_of, locate_need
from tests.harness import BotHarness

# The Tuesday shift of tests/factories_dispatch.py: 08:00-14:00 in Madinah = 05:00-11:00 UTC.
STARTS = "2026-05-12T05:00:00+00:00"
ENDS = "2026-05-12T11:00:00+00:00"
CHECKIN_OPENS = "2026-05-12T04:30:00+00:00"
# Quba Mosque, and points about 50 m and about 1.1 km from it.
QUBA = (24.439289, 39.617350)
NEAR = (24.439289, 39.617843)
FAR = (24.449289, 39.617350)


def at(bot: BotHarness, moment: str) -> None:
    bot.clock.set(db.parse_ts(moment))


async def taken_shift(
    bot: BotHarness, user_id: int = 101, *, locale: str | None = "en", located: bool = False,
    slots: int = 3,
) -> tuple[int, int, int]:
    """A Tuesday shift of entity (rep 90; coordinator 50) the volunteer signed up for, with the
    outbox delivered; returns (need id, shift id, assignment id)."""
    await create_user(bot.db, 50, role="coordinator", locale="en")
    entity = await create_entity(bot.db, reps=[90])
    need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=slots)
    if located:
        await locate_need(bot.db, need, *QUBA)
    await create_volunteer(bot.db, user_id, locale=locale, full_name="Ali Hasan",
                           language_code=locale)
    await bot.press(bot.user(user_id, language_code=locale), f"shf:sig:{shift}")
    rows = await assignments_of(bot.db, shift, "accepted")
    assert len(rows) == 1
    await bot.flush_outbox()
    return need, shift, rows[0]["id"]
