"""Arabic grammar around numbers: a duration or a count after a preposition or as an object takes
the oblique case («بعد ساعتين», «خلال يومين»), a label or a subject the nominative («ساعتان»)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import db, scheduler
from bot.audience import Audience, AudienceNames
from bot.certificates import Certificate, Period
from bot.i18n import use_locale
from bot.notices.dispatch import calendar_caption, promotion_text
from bot.notices.escalations import lead_text
from bot.texts import certificates as certificate_texts
from bot.texts.broadcasts import describe
from bot.texts.needs import languages_label, requirement_label
from bot.texts.shifts import duration_text, hours_text
from bot.texts.volunteers import any_of, clauses, list_of
from tests.factories import create_entity, create_need, create_user, create_volunteer
from tests.factories_dispatch import TUESDAY, assignments_of, outbox
from tests.harness import BotHarness

RIYADH = ZoneInfo("Asia/Riyadh")
FSI, PDI = "\u2068", "\u2069"


def _plain(text: str) -> str:
    """Without the bidi marks around numbers, to compare with the words as read."""
    return "".join(c for c in text if c not in "\u2066\u2067\u2068\u2069")


@pytest.mark.parametrize(
    ("delta", "nominative", "oblique"),
    [
        (timedelta(hours=1), "ساعة واحدة", "ساعة واحدة"),
        (timedelta(hours=2), "ساعتان", "ساعتين"),
        (timedelta(hours=3), "3 ساعات", "3 ساعات"),
        (timedelta(hours=10), "10 ساعات", "10 ساعات"),
        (timedelta(hours=11), "11 ساعة", "11 ساعة"),
        (timedelta(hours=24), "24 ساعة", "24 ساعة"),
        (timedelta(minutes=2), "دقيقتان", "دقيقتين"),
        (timedelta(minutes=45), "45 دقيقة", "45 دقيقة"),
        (timedelta(minutes=5), "5 دقائق", "5 دقائق"),
        (timedelta(hours=2, minutes=2), "ساعتان ودقيقتان", "ساعتين ودقيقتين"),
        (timedelta(days=2, hours=2), "يومان وساعتان", "يومين وساعتين"),
        (timedelta(days=3, hours=1), "3 أيام وساعة واحدة", "3 أيام وساعة واحدة"),
        (timedelta(days=11, minutes=30), "11 يومًا و30 دقيقة", "11 يومًا و30 دقيقة"),
    ],
)
def test_arabic_durations_in_both_cases(delta: timedelta, nominative: str, oblique: str) -> None:
    with use_locale("ar"):
        assert duration_text(delta) == nominative
        assert duration_text(delta, oblique=True) == oblique


def test_english_durations_have_no_case() -> None:
    with use_locale("en"):
        for delta, text in [(timedelta(hours=2), "2 hours"), (timedelta(days=1, minutes=1),
                                                              "1 day and 1 minute")]:
            assert duration_text(delta) == duration_text(delta, oblique=True) == text


def test_hours_in_both_cases() -> None:
    with use_locale("ar"):
        assert hours_text(2) == "ساعتان" and hours_text(2, oblique=True) == "ساعتين"
        assert _plain(hours_text(12.5, oblique=True)) == "12.5 ساعة"
        assert certificate_texts.hours_text(2) == "ساعتان"
        assert certificate_texts.hours_text(2, oblique=True) == "ساعتين"


def test_sentences_with_a_duration_after_a_preposition() -> None:
    row = {
        "entity_name_ar": "جمعية", "entity_name_en": "Society", "title": "إرشاد", "specialty":
        "guidance", "site_name": "قباء", "notes": None, "starts_at": "2026-05-12T05:00:00+00:00",
        "ends_at": "2026-05-12T11:00:00+00:00",
    }
    expires = datetime(2026, 5, 11, 7, 0, tzinfo=UTC)
    with use_locale("ar"):
        assert "قبل ساعتين" in calendar_caption()  # the calendar reminds two hours before
        promoted = promotion_text(row, RIYADH, expires, timedelta(hours=2))
        assert "نرجو التأكيد خلال ساعتين" in promoted
    with use_locale("en"):
        assert "within 2 hours" in promotion_text(row, RIYADH, expires, timedelta(hours=2))


def test_the_certificate_says_served_two_hours_in_the_oblique() -> None:
    certificate = Certificate(
        code="ABCD1234", volunteer_id=1, full_name="علي حسن",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)), hours=2, specialties=(), entities=(),
        trainings=(), issued_at=datetime(2026, 5, 1, tzinfo=UTC), locale="ar",
    )
    with use_locale("ar"):
        page = certificate_texts.sheet(certificate, office="مكتب التطوع", url="https://t.me/x", tz=RIYADH)
    assert "أمضى ساعتين في مناوبات" in _plain(page.statement)
    assert ("إجمالي الساعات", "ساعتان") in [(k, _plain(v)) for k, v in page.facts]


async def test_a_reminder_two_hours_ahead_reads_in_two_hours_and_so_do_the_late_cancel_texts(
    bot: BotHarness,
) -> None:
    """The real Application: the 2-hour reminder, the late-cancellation question and the notice
    to the office all put «ساعتين» after their preposition."""
    await create_user(bot.db, 50, role="coordinator", locale="ar")
    entity = await create_entity(bot.db, reps=[90])
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=3)
    await create_volunteer(bot.db, 101, full_name="علي حسن")
    person = bot.user(101)
    await bot.press(person, f"shf:sig:{shift}")
    assert len(await assignments_of(bot.db, shift, "accepted")) == 1
    await bot.flush_outbox()

    bot.clock.set(db.parse_ts("2026-05-12T03:00:00+00:00"))  # two hours before 08:00 Madinah
    await scheduler.tick(bot.app)
    (reminder,) = [c for c in await bot.flush_outbox() if c.chat_id == 101]
    assert "⏰ تذكير: تبدأ مناوبتك بعد ساعتين." in reminder.text
    assert "ساعتان" not in reminder.text

    await bot.press_label(person, "لا أستطيع الحضور")
    assert "تبدأ هذه المناوبة بعد ساعتين" in bot.last(person).text
    await bot.press_label(person, "لا تتوفر لديّ وسيلة نقل")
    assert {r["chat_id"] for r in await outbox(bot.db, "latecancel:")} == {1, 50, 90}
    notices = [c for c in await bot.flush_outbox() if c.chat_id == 50]
    assert any("مكانه قبل ساعتين من موعد البدء" in c.text for c in notices), [c.text for c in notices]


# -- lists in the locale's own pattern -------------------------------------------------------------


def test_lists_join_with_the_locales_pattern() -> None:
    with use_locale("ar"):
        assert list_of(["العربية", "الإنجليزية", "الأردية"]) == "العربية والإنجليزية والأردية"
        assert any_of(["الأردية", "الإندونيسية"]) == "الأردية أو الإندونيسية"
        assert clauses(["أ", "ب"]) == "أ؛ ب"
        assert requirement_label(["ur", "id"]) == "الأردية أو الإندونيسية (أيٌّ منها)"
        assert languages_label(["ar", "ur"]) == "العربية والأردية"
    with use_locale("en"):
        assert list_of(["Arabic", "English", "Urdu"]) == "Arabic, English, and Urdu"
        assert any_of(["Urdu", "Indonesian"]) == "Urdu or Indonesian"
        assert clauses(["a", "b"]) == "a; b"


def test_a_broadcast_audience_reads_as_alternatives_in_arabic() -> None:
    audience = Audience(specialties=("healthcare", "relief"), languages=("ur", "id"))
    with use_locale("ar"):
        text = describe(audience, AudienceNames(), RIYADH)
    assert "الرعاية الصحية أو الإغاثة" in text and "الأردية أو الإندونيسية" in text
    assert "؛ " in text


def test_the_escalation_says_how_long_before_the_start_after_its_preposition() -> None:
    with use_locale("ar"):
        assert lead_text(2 * 3600) == "ساعتين"
        assert lead_text(24 * 3600) == "24 ساعة"
        assert lead_text(30 * 60) == "30 دقيقة"
    with use_locale("en"):
        assert lead_text(2 * 3600) == "2 hours"


# -- screens read in Arabic -----------------------------------------------------------------------


def test_a_date_with_its_weekday_follows_yawm_not_fi() -> None:
    """«يوم الأربعاء 22 جمادى الآخرة»، never «في الأربعاء»: every {when}/{date} is a full date."""
    from babel.messages.pofile import read_po

    from bot.i18n import LOCALES_DIR

    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    wrong = [
        message.id for message in catalog if message.id and any(
            " في {when}" in text or " في {date}" in text
            for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        )
    ]
    assert wrong == []


def test_audit_lines_do_not_give_the_staff_member_a_gender() -> None:
    from bot.texts.staff import audit_line

    row = {"actor_name": "منيرة", "actor_username": None, "actor_id": 7, "target_id": 15,
           "action": "need.approve", "details": None}
    with use_locale("ar"):
        assert _plain(audit_line(row)) == "منيرة (7): اعتماد الاحتياج 15"


def test_the_training_day_example_is_a_day_ahead_in_both_calendars() -> None:
    from bot.flows.training_session import Env, _ask_day
    from bot.i18n import parse_date

    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    with use_locale("ar"):
        text, _markup = _ask_day({}, Env(now=now, tz=RIYADH))
    hijri, gregorian = (part.strip("\u2066\u2069") for part in _plain(text).split("مثل ")[1].split(".")[0].split(" أو "))
    assert parse_date(hijri) == parse_date(gregorian) == date(2026, 12, 8)
