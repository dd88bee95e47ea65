"""Demo data for `python -m bot console --demo`: a realistic office a few days before a season.

Everything is generated from a seeded random generator, so two fresh databases get the same
people, entities and needs (dates are relative to the console's clock). Records are addressed by
console persona names: `/as rep1` is the Ministry of Health's representative, `/as coord` a
coordinator, `/as v001` ... `/as v200` the volunteers. The inserts go through `bot/db.py`.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot import db
from bot.catalog import PERIODS, SPECIALTIES
from bot.config import Settings
from bot.db import Database
from bot.needs import shift_windows
from bot.volunteers import Profile

SEED = 1447
VOLUNTEERS = 200
ADMIN_PERSONA = "admin"
COORDINATOR_PERSONA = "coord"


def persona_id(name: str) -> int:
    """A stable Telegram-like user id for a console persona name (digits are taken as an id)."""
    if name.isdigit():
        return int(name)
    return 100_000_000 + zlib.crc32(name.casefold().encode("utf-8")) % 900_000_000


def volunteer_persona(number: int) -> str:
    return f"v{number:03d}"


def rep_persona(number: int) -> str:
    return f"rep{number}"


@dataclass(frozen=True)
class DemoEntity:
    name_ar: str
    name_en: str
    kind: str
    contact: str
    rep_name: str
    rep_gender: str


ENTITIES = (
    DemoEntity("وزارة الصحة", "Ministry of Health", "government", "+966148612000",
               "د. خالد الجهني", "male"),
    DemoEntity("هيئة الهلال الأحمر السعودي", "Saudi Red Crescent Authority", "government",
               "+966148221997", "أ. سعد الحربي", "male"),
    DemoEntity("جمعية هدية الحاج والمعتمر", "Hadiyat Al-Haj Society", "charity",
               "+966148472222", "أ. نورة الرحيلي", "female"),
    DemoEntity("أمانة منطقة المدينة المنورة", "Madinah Region Municipality", "government",
               "+966148226666", "م. فهد الصاعدي", "male"),
    DemoEntity("الإدارة العامة للمرور", "General Directorate of Traffic", "government",
               "+966148362993", "الرائد ماجد العوفي", "male"),
    DemoEntity("شركة مطوفي حجاج دول جنوب شرق آسيا", "Motawifs of Southeast Asian Pilgrims Company",
               "private", "+966125444000", "أ. عبدالله الأنصاري", "male"),
    DemoEntity("الهيئة العامة للعناية بشؤون المسجد الحرام والمسجد النبوي",
               "General Authority for the Affairs of the Two Holy Mosques", "government",
               "+966148230000", "أ. هند المزيني", "female"),
)


@dataclass(frozen=True)
class DemoNeed:
    entity: int  # index into ENTITIES
    title: str
    specialty: str
    site: str
    latitude: float
    longitude: float
    first_day: int  # days from today (office time zone); negative = in the past
    days: int
    start: time
    end: time
    slots: int
    status: str = "approved"
    gender: str = "any"
    languages: tuple[str, ...] = ()
    requires_training: bool = False
    min_age: int | None = None
    notes: str | None = None


PROPHETS_MOSQUE = (24.4672, 39.6111)
NEEDS = (
    DemoNeed(0, "مسعفون لمساندة الفرق الطبية في ساحات المسجد النبوي", "healthcare",
             "المسجد النبوي — الساحة الشمالية", *PROPHETS_MOSQUE, 1, 3, time(8), time(14), 8,
             requires_training=True, min_age=18, notes="إحضار بطاقة الهوية وشهادة الإسعافات الأولية"),
    DemoNeed(1, "إسعافات أولية عند ميقات ذي الحليفة", "healthcare",
             "ميقات ذي الحليفة (أبيار علي)", 24.4136, 39.5436, 2, 2, time(16), time(22), 6),
    DemoNeed(2, "توزيع هدايا الترحيب على الحجاج القادمين", "gift_distribution",
             "مطار الأمير محمد بن عبدالعزيز الدولي — صالة الحج", 24.5534, 39.7051, 1, 3,
             time(20), time(2), 12),
    DemoNeed(2, "استقبال الحجاج في محطة قطار الحرمين", "reception_farewell",
             "محطة قطار الحرمين السريع بالمدينة المنورة", 24.5536, 39.5619, 2, 2, time(6),
             time(12), 10, languages=("ur", "id")),
    DemoNeed(3, "حملة نظافة وفرز للنفايات حول مسجد قباء", "environment", "مسجد قباء",
             24.4393, 39.6174, 3, 1, time(7), time(11), 15),
    DemoNeed(4, "مساندة رجال المرور في تنظيم الحركة بطريق الهجرة", "traffic",
             "طريق الهجرة — تقاطع قربان", 24.4521, 39.6033, 1, 3, time(17), time(23), 10,
             gender="male", min_age=18),
    DemoNeed(5, "مرشدون ناطقون بالإندونيسية والملايوية لقوافل الحجاج", "guidance",
             "المنطقة المركزية — فنادق الحجاج", 24.4689, 39.6125, 2, 4, time(9), time(15), 8,
             languages=("id", "ms")),
    DemoNeed(6, "إرشاد الزوار في المسجد النبوي", "guidance", "المسجد النبوي — باب السلام",
             *PROPHETS_MOSQUE, 1, 5, time(10), time(16), 20, languages=("en",)),
    DemoNeed(6, "العناية بكبار السن وذوي الإعاقة في المسجد النبوي", "elderly_care",
             "المسجد النبوي — باب الملك فهد", *PROPHETS_MOSQUE, 3, 2, time(16), time(21), 6),
    DemoNeed(3, "مركز إرشاد التائهين ورعاية الأطفال المفقودين", "lost_children",
             "المنطقة المركزية — مركز الإرشاد", 24.4665, 39.6098, 2, 3, time(15), time(21), 4,
             gender="female"),
    DemoNeed(0, "توعية صحية للحجاج بلغاتهم", "awareness",
             "مراكز الرعاية الصحية بالمنطقة المركزية", 24.4701, 39.6142, 4, 2, time(9),
             time(13), 5, status="submitted", languages=("ur", "bn")),
    DemoNeed(4, "Crowd flow at the Uhud martyrs' square", "crowd_management",
             "جبل أحد — ساحة الشهداء", 24.5025, 39.6126, 5, 1, time(6), time(10), 8,
             status="submitted"),
    DemoNeed(5, "ترجمة فورية لحجاج تركيا", "translation", "المنطقة المركزية — فنادق الحجاج",
             24.4689, 39.6125, 4, 2, time(8), time(12), 3, status="submitted",
             languages=("tr",)),
    # Last week: finished shifts with completed assignments, so /stats and /export show hours.
    DemoNeed(6, "إرشاد زوار مسجد قباء", "guidance", "مسجد قباء", 24.4393, 39.6174, -7, 3,
             time(8), time(12), 6, status="closed"),
)

ARABIC_MALE = (
    "محمد", "أحمد", "عبدالله", "خالد", "فهد", "سعد", "عبدالرحمن", "يوسف", "إبراهيم", "عمر",
    "علي", "حسن", "سلطان", "ماجد", "تركي", "بندر", "نايف", "فيصل", "سلمان", "عبدالعزيز",
    "هشام", "أنس", "زياد", "مازن",
)
ARABIC_FEMALE = (
    "فاطمة", "عائشة", "نورة", "سارة", "مريم", "هند", "ريم", "لمى", "جود", "أسماء", "خديجة",
    "رهف", "شهد", "منيرة", "هيفاء", "العنود", "بشرى", "ليلى",
)
ARABIC_FAMILIES = (
    "العتيبي", "الحربي", "الجهني", "المطيري", "الشهري", "القحطاني", "الزهراني", "الغامدي",
    "السلمي", "الأنصاري", "المدني", "الرحيلي", "الصاعدي", "العوفي", "المزيني", "البلوي",
    "السناني", "الحجيلي", "الشنقيطي", "البخاري",
)
# Residents of Madinah from the pilgrims' countries: (language, male names, female names, families)
LATIN_ORIGINS = (
    ("ur", ("Muhammad Bilal", "Ahmed", "Usman", "Hamza"), ("Ayesha", "Sana", "Hira"),
     ("Raza", "Qureshi", "Siddiqui", "Tariq")),
    ("id", ("Muhammad Rizki", "Ahmad", "Budi", "Fauzi"), ("Siti", "Dewi", "Nur"),
     ("Santoso", "Hidayat", "Lestari", "Saputra")),
    ("ms", ("Aiman", "Zaki", "Hafiz"), ("Nurul", "Farah", "Aisyah"),
     ("Hakim", "Ismail", "Rahman")),
    ("tr", ("Yusuf", "Mehmet", "Ömer", "Emre"), ("Elif", "Zeynep", "Meryem"),
     ("Demir", "Yılmaz", "Kaya", "Çelik")),
    ("bn", ("Rahim", "Tanvir", "Karim"), ("Nusrat", "Farhana", "Taslima"),
     ("Uddin", "Ahmed", "Hossain")),
    ("ha", ("Abubakar", "Ibrahim", "Sani"), ("Aisha", "Fatima", "Hauwa"),
     ("Bello", "Musa", "Lawal")),
    ("fr", ("Amadou", "Karim", "Moussa"), ("Mariam", "Samira", "Aminata"),
     ("Diallo", "Traoré", "Benali", "Haddad")),
    ("fa", ("Reza", "Hossein"), ("Zahra", "Maryam"), ("Ahmadi", "Hosseini")),
    ("hi", ("Faisal", "Imran"), ("Zainab", "Rukhsar"), ("Ansari", "Sheikh")),
    ("en", ("Idris", "Yahya", "Adam"), ("Hana", "Safiya", "Maryam"),
     ("Carter", "Brooks", "Thompson")),
    ("ru", ("Ruslan", "Shamil"), ("Amina", "Madina"), ("Aliev", "Kadyrov")),
    ("zh", ("Jun", "Yusuf"), ("Lan", "Fatima"), ("Ma", "Bai")),
)
SPECIALTY_WEIGHTS = {
    "guidance": 8, "crowd_management": 6, "healthcare": 5, "translation": 5,
    "reception_farewell": 5, "gift_distribution": 5, "elderly_care": 4, "awareness": 3,
    "relief": 3, "environment": 3, "traffic": 3, "lost_children": 2, "special_needs": 2,
    "dawah": 2, "education": 2, "training": 1, "research": 1,
}


@dataclass(frozen=True)
class DemoVolunteer:
    persona: str
    user_id: int
    full_name: str
    gender: str
    birth_date: date
    phone: str
    city: str
    status: str
    language_code: str
    specialties: tuple[str, ...]
    languages: tuple[str, ...]
    weekdays: tuple[int, ...]
    periods: tuple[str, ...]
    qualifications: tuple[str, ...]
    registered_days_ago: int


def build_volunteers(rng: random.Random, cities: tuple[str, ...], today: date, *,
                     require_approval: bool = False, count: int = VOLUNTEERS) -> list[DemoVolunteer]:
    """`count` volunteers: about two thirds Saudi, the rest residents from pilgrims' countries.

    A few wait for approval when the office requires it (REQUIRE_APPROVAL), a few are paused.
    """
    codes = [item.code for item in SPECIALTIES]
    weights = [SPECIALTY_WEIGHTS.get(code, 1) for code in codes]
    phones = rng.sample(range(50_000_000, 99_999_999), count)
    volunteers = []
    for number in range(1, count + 1):
        gender = "female" if rng.random() < 0.4 else "male"
        if rng.random() < 0.68:
            first = rng.choice(ARABIC_MALE if gender == "male" else ARABIC_FEMALE)
            father = rng.choice(ARABIC_MALE)
            full_name = f"{first} {father} {rng.choice(ARABIC_FAMILIES)}"
            languages = ["ar"]
            if rng.random() < 0.5:
                languages.append("en")
            if rng.random() < 0.12:
                languages.append(rng.choice(("ur", "fr", "tr", "id")))
            language_code = "ar"
        else:
            language, males, females, families = rng.choice(LATIN_ORIGINS)
            full_name = f"{rng.choice(males if gender == 'male' else females)} {rng.choice(families)}"
            languages = [language] if language != "en" else ["en"]
            if rng.random() < 0.7:
                languages.append("ar")
            if language != "en" and rng.random() < 0.6:
                languages.append("en")
            language_code = "en"
        # Every specialty appears: the first one goes round the catalogue.
        specialties = [codes[(number - 1) % len(codes)]]
        for code in rng.choices(codes, weights=weights, k=rng.randint(0, 2)):
            if code not in specialties:
                specialties.append(code)
        weekdays = sorted(rng.sample(range(7), rng.randint(3, 7)))
        periods = rng.sample([p.code for p in PERIODS], rng.choice((1, 2, 2, 3, 4)))
        roll = rng.random()
        status = "paused" if 0.05 <= roll < 0.09 else "active"
        if roll < 0.05 and require_approval:
            status = "pending"
        age_days = rng.randint(17 * 365 + 5, 62 * 365)
        qualifications = tuple(s for s in specialties if rng.random() < 0.3)
        volunteers.append(
            DemoVolunteer(
                persona=volunteer_persona(number),
                user_id=persona_id(volunteer_persona(number)),
                full_name=full_name,
                gender=gender,
                birth_date=today - timedelta(days=age_days),
                phone=f"+9665{phones[number - 1]:08d}",
                city=rng.choice(cities),
                status=status,
                language_code=language_code,
                specialties=tuple(specialties),
                languages=tuple(languages),
                weekdays=tuple(weekdays),
                periods=tuple(p.code for p in PERIODS if p.code in periods),
                qualifications=qualifications,
                registered_days_ago=rng.randint(2, 120),
            )
        )
    return volunteers


@dataclass(frozen=True)
class DemoSummary:
    entities: int
    representatives: int
    volunteers: int
    needs_approved: int
    needs_submitted: int
    shifts_upcoming: int
    last_day: date

    def describe(self) -> str:
        return (
            f"Demo data: {self.entities} partner entities with their representatives "
            f"(/as rep1 ... /as rep{self.representatives}), a coordinator (/as coord), "
            f"{self.volunteers} volunteers (/as v001 ... /as v{self.volunteers:03d}), "
            f"{self.needs_approved} approved needs and {self.needs_submitted} waiting for "
            f"approval, {self.shifts_upcoming} upcoming shifts until {self.last_day.isoformat()}."
        )


async def seed(database: Database, settings: Settings, *, now: datetime,
               seed_value: int = SEED) -> DemoSummary:
    """Fill a fresh database (the caller checks it is fresh) in one transaction.

    Records go in through the features' own query functions (register_volunteer, create_entity,
    insert_need, decide_need ...), so they look exactly like what the flows store; only what no
    feature writes yet (past, finished shifts) uses the demo functions of bot/db.py.
    """
    rng = random.Random(seed_value)
    tz = settings.timezone
    today = now.astimezone(tz).date()
    admin_id = persona_id(ADMIN_PERSONA)
    coordinator_id = persona_id(COORDINATOR_PERSONA)
    volunteers = build_volunteers(rng, settings.cities, today,
                                  require_approval=settings.require_approval)
    async with database.transaction() as tx:
        await db.touch_user(tx, admin_id, now=now, first_name="Admin", language_code="en")
        await db.set_user_role(tx, admin_id, "admin", now=now)
        await db.touch_user(tx, coordinator_id, now=now, first_name="منيرة", language_code="ar")
        await db.set_user_role(tx, coordinator_id, "coordinator", now=now)

        rep_ids = []
        for number, entity in enumerate(ENTITIES, start=1):
            joined = now - timedelta(days=30)
            entity_id = await db.create_entity(
                tx, name_ar=entity.name_ar, name_en=entity.name_en, kind=entity.kind,
                contact=entity.contact, created_by=admin_id, now=joined,
            )
            rep_id = persona_id(rep_persona(number))
            await db.touch_user(tx, rep_id, now=now, first_name=entity.rep_name.split()[1],
                                language_code="ar")
            await db.set_user_role(tx, rep_id, "entity_rep", now=now)
            await db.add_entity_member(tx, entity_id, rep_id, added_by=admin_id, now=joined)
            rep_ids.append((entity_id, rep_id))

        for volunteer in volunteers:
            await _seed_volunteer(tx, volunteer, now=now, approver=coordinator_id,
                                  require_approval=settings.require_approval, rng=rng)

        active = [v.user_id for v in volunteers if v.status == "active"]
        approved = submitted = upcoming = 0
        last_day = today
        for need in NEEDS:
            entity_id, rep_id = rep_ids[need.entity]
            first_day = today + timedelta(days=need.first_day)
            final_day = first_day + timedelta(days=need.days - 1)
            submitted_at = now - timedelta(hours=rng.randint(5, 48))
            if need.first_day < 0:
                submitted_at = datetime.combine(first_day, time(9), tz) - timedelta(days=5)
            windows = shift_windows(first_day, final_day, need.start, need.end, tz)
            need_id, shift_ids = await db.insert_need(
                tx, entity_id=entity_id, created_by=rep_id, now=submitted_at,
                fields={
                    "title": need.title, "specialty": need.specialty, "site_name": need.site,
                    "latitude": need.latitude, "longitude": need.longitude,
                    "checkin_radius_m": 300, "first_day": first_day.isoformat(),
                    "last_day": final_day.isoformat(), "start_time": need.start.strftime("%H:%M"),
                    "end_time": need.end.strftime("%H:%M"), "slots": need.slots,
                    "gender": need.gender, "requires_training": int(need.requires_training),
                    "min_age": need.min_age, "notes": need.notes,
                },
                languages=need.languages,
                windows=windows,
            )
            if need.status == "submitted":
                submitted += 1
                continue
            await db.decide_need(tx, need_id, "approved", by=coordinator_id,
                                 now=submitted_at + timedelta(hours=2))
            if need.status == "closed":
                # Last week's need: served, with a no-show, so /stats and /export show hours.
                await db.demo_close_need(tx, need_id)
                for offset, (shift_id, (starts, ends)) in enumerate(zip(shift_ids, windows, strict=True)):
                    for index, volunteer_id in enumerate(rng.sample(active, need.slots)):
                        await db.demo_insert_past_assignment(
                            tx, shift_id, volunteer_id,
                            status="no_show" if index == 0 and offset == 1 else "completed",
                            offered_at=starts - timedelta(days=2), starts_at=starts, ends_at=ends,
                        )
                continue
            approved += 1
            upcoming += len(shift_ids)
            last_day = max(last_day, final_day)
    return DemoSummary(
        entities=len(ENTITIES),
        representatives=len(rep_ids),
        volunteers=len(volunteers),
        needs_approved=approved,
        needs_submitted=submitted,
        shifts_upcoming=upcoming,
        last_day=last_day,
    )


async def _seed_volunteer(tx: db.Tx, volunteer: DemoVolunteer, *, now: datetime, approver: int,
                          require_approval: bool, rng: random.Random) -> None:
    """Register one volunteer as the registration flow would, then approve, pause, train."""
    registered = now - timedelta(days=volunteer.registered_days_ago)
    await db.touch_user(tx, volunteer.user_id, now=registered,
                        first_name=volunteer.full_name.split()[0],
                        language_code=volunteer.language_code)
    profile = Profile(
        full_name=volunteer.full_name,
        phone=volunteer.phone,
        phone_verified=True,
        gender=volunteer.gender,
        birth_date=volunteer.birth_date,
        city=volunteer.city,
        languages=list(volunteer.languages),
        specialties=list(volunteer.specialties),
        periods=list(volunteer.periods),
        weekdays=list(volunteer.weekdays),
    )
    waiting = require_approval or volunteer.status == "pending"
    await db.register_volunteer(
        tx, volunteer.user_id, profile, status="pending" if waiting else "active",
        consent_at=registered, now=registered,
    )
    if waiting and volunteer.status != "pending":
        await db.approve_volunteer(tx, volunteer.user_id, approved_by=approver,
                                   now=registered + timedelta(hours=rng.randint(1, 30)))
    if volunteer.status == "paused":
        until = None if rng.random() < 0.5 else now + timedelta(days=rng.randint(3, 20))
        await db.pause_volunteer(tx, volunteer.user_id, until=until, now=now)
    for specialty in volunteer.qualifications:
        await db.grant_qualification(tx, volunteer.user_id, specialty, granted_by=approver,
                                     now=registered + timedelta(days=1))
