"""Seed the shared schema directly for tests that need existing records (not the flows' output).

Feature tests that need more kinds of records add their own `tests/factories_<feature>.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import db
from bot.db import Database

RIYADH = ZoneInfo("Asia/Riyadh")
ALL_PERIODS = ("morning", "afternoon", "evening", "night")


async def create_user(database: Database, user_id: int, *, role: str = "volunteer",
                      first_name: str = "User", locale: str | None = None,
                      language_code: str | None = "ar") -> None:
    now = datetime.now(UTC)
    async with database.transaction() as tx:
        await db.touch_user(tx, user_id, now=now, first_name=first_name, language_code=language_code)
        await db.set_user_role(tx, user_id, role)
        if locale:
            await db.set_user_locale(tx, user_id, locale)


async def create_volunteer(
    database: Database,
    user_id: int,
    *,
    full_name: str = "Test Volunteer",
    phone: str | None = None,
    gender: str = "male",
    birth_date: date = date(1995, 1, 1),
    city: str = "quba",
    status: str = "active",
    specialties: Iterable[str] = ("guidance",),
    languages: Iterable[str] = ("ar",),
    periods: Iterable[str] = ALL_PERIODS,
    weekdays: Iterable[int] = range(7),
    registered_at: datetime | None = None,
    locale: str | None = None,
    language_code: str | None = "ar",
) -> None:
    await create_user(database, user_id, first_name=full_name.split()[0], locale=locale,
                      language_code=language_code)
    registered = registered_at or datetime(2026, 1, 1, tzinfo=UTC)
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO volunteers (user_id, full_name, phone, phone_verified, gender, birth_date,"
            " city, status, consent_at, registered_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
            (user_id, full_name, phone or f"+9665{user_id % 100000000:08d}", gender,
             birth_date.isoformat(), city, status, db.ts(registered), db.ts(registered)),
        )
        await tx.executemany(
            "INSERT INTO volunteer_specialties (user_id, specialty) VALUES (?, ?)",
            [(user_id, s) for s in specialties],
        )
        await tx.executemany(
            "INSERT INTO volunteer_languages (user_id, language) VALUES (?, ?)",
            [(user_id, lang) for lang in languages],
        )
        await tx.executemany(
            "INSERT INTO volunteer_availability (user_id, weekday, period) VALUES (?, ?, ?)",
            [(user_id, d, p) for d in weekdays for p in periods],
        )


async def create_entity(database: Database, *, name_ar: str = "جمعية هدية الحاج والمعتمر",
                        name_en: str = "Hadiyat Al-Haj Society", kind: str = "charity",
                        reps: Iterable[int] = ()) -> int:
    now = datetime.now(UTC)
    async with database.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO entities (name_ar, name_en, kind, created_at) VALUES (?, ?, ?, ?)",
            (name_ar, name_en, kind, db.ts(now)),
        )
        entity_id = int(cursor.lastrowid)
        for rep in reps:
            await db.touch_user(tx, rep, now=now, first_name=f"Rep{rep}")
            await db.set_user_role(tx, rep, "entity_rep")
            await tx.execute(
                "INSERT INTO entity_members (entity_id, user_id, added_at) VALUES (?, ?, ?)",
                (entity_id, rep, db.ts(now)),
            )
    return entity_id


async def create_need(
    database: Database,
    entity_id: int,
    *,
    first_day: date,
    days: int = 1,
    start: time = time(8, 0),
    end: time = time(14, 0),
    slots: int = 5,
    specialty: str = "guidance",
    status: str = "approved",
    gender: str = "any",
    languages: Iterable[str] = (),
    requires_training: bool = False,
    min_age: int | None = None,
    title: str = "Guides at Quba Mosque",
    site_name: str = "Quba Mosque",
    created_by: int = 1,
    tz: ZoneInfo = RIYADH,
) -> tuple[int, list[int]]:
    """A need and one shift per day; returns (need id, shift ids)."""
    now = datetime.now(UTC)
    last_day = first_day + timedelta(days=days - 1)
    async with database.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO needs (entity_id, created_by, title, specialty, site_name, first_day,"
            " last_day, start_time, end_time, slots, gender, requires_training, min_age, status,"
            " submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entity_id, created_by, title, specialty, site_name, first_day.isoformat(),
             last_day.isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M"), slots, gender,
             int(requires_training), min_age, status, db.ts(now)),
        )
        need_id = int(cursor.lastrowid)
        await tx.executemany(
            "INSERT INTO need_languages (need_id, language) VALUES (?, ?)",
            [(need_id, lang) for lang in languages],
        )
        shift_ids = []
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            starts = datetime.combine(day, start, tz)
            ends = datetime.combine(day + timedelta(days=1) if end <= start else day, end, tz)
            cursor = await tx.execute(
                "INSERT INTO shifts (need_id, starts_at, ends_at, slots) VALUES (?, ?, ?, ?)",
                (need_id, db.ts(starts), db.ts(ends), slots),
            )
            shift_ids.append(int(cursor.lastrowid))
    return need_id, shift_ids


async def create_assignment(database: Database, shift_id: int, volunteer_id: int, *,
                            status: str = "accepted", at: datetime | None = None) -> int:
    moment = db.ts(at or datetime.now(UTC))
    async with database.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO assignments (shift_id, volunteer_id, status, offered_at, accepted_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (shift_id, volunteer_id, status, moment, moment if status == "accepted" else None),
        )
        return int(cursor.lastrowid)
