"""Seed a realistic season for the dispatch benchmarks: volunteers, history, needs and shifts."""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import db
from bot.catalog import LANGUAGES, SPECIALTIES
from bot.db import Database
from bot.volunteers import search_key

TZ = ZoneInfo("Asia/Riyadh")
START = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)  # the benchmarks' "now"
PERIODS = ("morning", "afternoon", "evening", "night")
SPECIALTY_CODES = [s.code for s in SPECIALTIES]
OTHER_LANGUAGES = [lang.code for lang in LANGUAGES if lang.code not in ("ar", "other")]
FIRST_NAMES = (
    "محمد", "أحمد", "عبد الله", "عبد الرحمن", "خالد", "فيصل", "سعود", "عمر", "يوسف", "إبراهيم",
    "فاطمة", "عائشة", "نورة", "سارة", "مريم", "هيفاء", "أسماء", "رُقيّة", "Ahmad", "Yusuf",
)
FAMILY_NAMES = (
    "الحربي", "العتيبي", "القحطاني", "الشمري", "الغامدي", "الزهراني", "المطيري", "الدوسري",
    "السبيعي", "الجهني", "المالكي", "العنزي", "البلوي", "الأنصاري", "المدني", "Khan", "Siddiqui",
)


def volunteer_name_parts(n: int) -> tuple[str, str, str]:
    """Volunteer n's first name, father's name and family name."""
    rng = random.Random(n)
    return rng.choice(FIRST_NAMES), rng.choice(FIRST_NAMES), rng.choice(FAMILY_NAMES)


def volunteer_name(n: int) -> str:
    return " ".join(volunteer_name_parts(n))


def _ts(moment: datetime) -> str:
    return db.ts(moment)  # type: ignore[return-value]


async def seed_volunteers(database: Database, count: int, *, seed: int = 1) -> None:
    """`count` volunteers: 1-3 specialties, Arabic plus 0-2 languages, free about half the week,
    90% active, a few qualified; registered over the past year."""
    rng = random.Random(seed)
    users, volunteers, specialties, languages, availability, qualifications = [], [], [], [], [], []
    for n in range(count):
        user_id = 10_000_000 + n
        registered = START - timedelta(days=rng.randint(1, 365), seconds=n)
        users.append((user_id, f"V{n}", "ar", _ts(registered)))
        status = "active" if rng.random() < 0.9 else rng.choice(("pending", "paused", "suspended"))
        birth = date(rng.randint(1960, 2009), rng.randint(1, 12), rng.randint(1, 28))
        name = volunteer_name(n)
        volunteers.append(
            (user_id, name, search_key(name), f"+9665{n:08d}", rng.choice(("male", "female")),
             birth.isoformat(), status, _ts(registered), _ts(registered))
        )
        chosen = rng.sample(SPECIALTY_CODES, rng.randint(1, 3))
        specialties += [(user_id, s) for s in chosen]
        languages += [(user_id, lang) for lang in ["ar", *rng.sample(OTHER_LANGUAGES, rng.randint(0, 2))]]
        availability += [
            (user_id, d, p) for d in range(7) for p in PERIODS if rng.random() < 0.5
        ]
        if rng.random() < 0.2:
            qualifications.append((user_id, chosen[0], _ts(registered)))
    async with database.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, first_name, language_code, created_at) VALUES (?, ?, ?, ?)",
            users,
        )
        await tx.executemany(
            "INSERT INTO volunteers (user_id, full_name, search_name, phone, gender, birth_date,"
            " status, registered_at, consent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            volunteers,
        )
        await tx.executemany(
            "INSERT INTO volunteer_specialties (user_id, specialty) VALUES (?, ?)", specialties
        )
        await tx.executemany(
            "INSERT INTO volunteer_languages (user_id, language) VALUES (?, ?)", languages
        )
        await tx.executemany(
            "INSERT INTO volunteer_availability (user_id, weekday, period) VALUES (?, ?, ?)",
            availability,
        )
        await tx.executemany(
            "INSERT INTO qualifications (user_id, specialty, granted_at) VALUES (?, ?, ?)",
            qualifications,
        )
    await database.execute("ANALYZE")


async def seed_entity(database: Database) -> int:
    async with database.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO entities (name_ar, name_en, kind, created_at) VALUES (?, ?, ?, ?)",
            ("وكالة شؤون المسجد النبوي", "Prophet's Mosque Affairs", "government", _ts(START)),
        )
        return int(cursor.lastrowid)


async def seed_needs(
    database: Database,
    entity_id: int,
    *,
    needs: int,
    days: int,
    first_day: date,
    seed: int = 2,
    status: str = "approved",
) -> list[int]:
    """`needs` needs of `days` daily shifts each (various specialties, hours, languages)."""
    rng = random.Random(seed)
    shift_ids = []
    async with database.transaction() as tx:
        for n in range(needs):
            start_hour = rng.choice((6, 8, 12, 16, 18, 20))
            length = rng.choice((4, 5, 6))
            start = time(start_hour)
            end = time((start_hour + length) % 24)
            cursor = await tx.execute(
                "INSERT INTO needs (entity_id, created_by, title, specialty, site_name, first_day,"
                " last_day, start_time, end_time, slots, gender, requires_training, min_age,"
                " status, submitted_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entity_id, f"Need {n}", SPECIALTY_CODES[n % len(SPECIALTY_CODES)],
                    f"Site {n % 12}", first_day.isoformat(),
                    (first_day + timedelta(days=days - 1)).isoformat(),
                    start.strftime("%H:%M"), end.strftime("%H:%M"), rng.randint(2, 6),
                    rng.choice(("any", "any", "any", "male", "female")),
                    int(rng.random() < 0.1), rng.choice((None, None, 18, 21)), status, _ts(START),
                ),
            )
            need_id = int(cursor.lastrowid)
            if rng.random() < 0.3:
                await tx.execute(
                    "INSERT INTO need_languages (need_id, language) VALUES (?, ?)",
                    (need_id, rng.choice(OTHER_LANGUAGES[:5])),
                )
            for offset in range(days):
                day = first_day + timedelta(days=offset)
                starts = datetime.combine(day, start, TZ)
                ends = starts + timedelta(hours=length)
                cursor = await tx.execute(
                    "INSERT INTO shifts (need_id, starts_at, ends_at, slots) VALUES (?, ?, ?, ?)",
                    (need_id, _ts(starts), _ts(ends), rng.randint(2, 6)),
                )
                shift_ids.append(int(cursor.lastrowid))
    return shift_ids


async def seed_history(
    database: Database, shift_ids: list[int], volunteer_count: int, *, per_shift: int, seed: int = 3
) -> None:
    """Past service: each of `shift_ids` served by `per_shift` random volunteers (mostly
    completed, a few no-shows and late cancellations)."""
    rng = random.Random(seed)
    rows = []
    for shift_id in shift_ids:
        for user_index in rng.sample(range(volunteer_count), min(per_shift, volunteer_count)):
            roll = rng.random()
            status = "completed" if roll < 0.9 else ("no_show" if roll < 0.95 else "cancelled")
            rows.append((shift_id, 10_000_000 + user_index, status, int(status == "cancelled")))
    async with database.transaction() as tx:
        await tx.executemany(
            "INSERT INTO assignments (shift_id, volunteer_id, status, late_cancel)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (shift_id, volunteer_id) DO NOTHING",
            rows,
        )
    await database.execute("ANALYZE")


# -- one seeded season per size, copied for each run ----------------------------------------------

_TEMPLATES: dict[int, Path] = {}
_TEMPLATE_DIR: tempfile.TemporaryDirectory[str] | None = None
UPCOMING_NEEDS_FULL = 100  # x 10 days = 1,000 open shifts


async def season(volunteers: int, target: Path, *, upcoming_needs: int) -> Path:
    """A copy at `target` of a seeded season (volunteers, 30 days of history, `upcoming_needs`
    needs of 10 daily shifts from tomorrow, all approved, none offered yet). The season is
    seeded once per size and process, then copied: each round starts from the same state."""
    global _TEMPLATE_DIR
    key = volunteers * 1000 + upcoming_needs
    template = _TEMPLATES.get(key)
    if template is None:
        if _TEMPLATE_DIR is None:
            _TEMPLATE_DIR = tempfile.TemporaryDirectory(prefix="aoun-bench-")
        template = Path(_TEMPLATE_DIR.name) / f"season-{key}.sqlite3"
        database = await Database.open(template)
        try:
            await database.migrate()
            await seed_volunteers(database, volunteers)
            entity = await seed_entity(database)
            past = await seed_needs(
                database, entity, needs=10, days=30, first_day=(START - timedelta(days=31)).date()
            )
            await seed_history(database, past, volunteers, per_shift=max(5, volunteers // 500))
            await seed_needs(
                database, entity, needs=upcoming_needs, days=10,
                first_day=(START + timedelta(days=1)).date(), seed=7,
            )
            await database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            await database.close()
        _TEMPLATES[key] = template
    shutil.copyfile(template, target)
    return target
