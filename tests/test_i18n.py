"""Catalogs, the per-update locale, Hijri + Gregorian dates, and parsing what people type."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import (
    DateInputError,
    _,
    example_date,
    format_date,
    format_datetime,
    format_short_date,
    get_locale,
    isolate,
    ltr,
    ngettext,
    normalize_digits,
    parse_date,
    parse_time,
    resolve_locale,
    set_locale,
    set_today,
    translations,
    use_locale,
    user_locale,
)

RIYADH = ZoneInfo("Asia/Riyadh")
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"


# -- locale resolution -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("saved", "language_code", "default", "expected"),
    [
        ("en", "ar", "ar", "en"),  # the saved choice wins over Telegram's language
        ("ar", "en", "en", "ar"),
        (None, "en", "ar", "en"),  # else Telegram's language_code when supported
        (None, "en-GB", "ar", "en"),
        (None, "ar_SA", "en", "ar"),
        (None, "fr", "ar", "ar"),  # else the default
        (None, "fr", "en", "en"),
        (None, None, "ar", "ar"),
        ("de", None, "en", "en"),  # a saved value we no longer support is ignored
    ],
)
def test_resolve_locale(saved: str | None, language_code: str | None, default: str,
                        expected: str) -> None:
    assert resolve_locale(saved, language_code, default) == expected


def test_user_locale_from_a_row() -> None:
    assert user_locale({"locale": None, "language_code": "en"}, "ar") == "en"
    assert user_locale({"locale": "ar", "language_code": "en"}, "en") == "ar"
    assert user_locale(None, "en") == "en"


def test_translations_compile_without_a_build_step_and_switch_per_context() -> None:
    assert translations("ar").ugettext("Choose your language:") != "Choose your language:"
    set_locale("en")
    assert _("Choose your language:") == "Choose your language:"
    with use_locale("ar"):
        assert get_locale() == "ar"
        arabic = _("Choose your language:")
        assert any("\u0600" <= ch <= "\u06ff" for ch in arabic)
    assert get_locale() == "en"
    set_locale("xx")  # unsupported falls back to the first supported locale
    assert get_locale() == "ar"


def test_arabic_plurals_have_six_forms() -> None:
    catalog = translations("ar")
    assert catalog.plural(0) != catalog.plural(1)  # type: ignore[attr-defined]
    assert len({catalog.plural(n) for n in (0, 1, 2, 3, 11, 100)}) == 6  # type: ignore[attr-defined]
    with use_locale("en"):
        assert ngettext("{n} day", "{n} days", 1) == "{n} day"
        assert ngettext("{n} day", "{n} days", 3) == "{n} days"


def test_bidi_helpers_only_wrap_in_right_to_left_locales() -> None:
    with use_locale("ar"):
        assert isolate("John") == f"{FSI}John{PDI}"
        assert ltr("+966500000000") == f"{LRI}+966500000000{PDI}"
    with use_locale("en"):
        assert isolate("John") == "John"
        assert ltr("08:00") == "08:00"
    assert RLI not in isolate("x")


# -- Hijri + Gregorian formatting -----------------------------------------------------------------


def test_format_datetime_in_both_calendars_and_the_office_time_zone() -> None:
    moment = datetime(2026, 5, 24, 5, 0, tzinfo=UTC)  # 08:00 in Madinah
    # Umm al-Qura (hijridate): 24 May 2026 is 7 Dhu al-Hijjah 1447.
    with use_locale("en"):
        assert format_datetime(moment, RIYADH) == "Sunday 7 Dhu al-Hijjah 1447 AH (24 May 2026), 08:00"
    with use_locale("ar"):
        text = format_datetime(moment, RIYADH)
    assert text == f"الأحد 7 ذو الحجة 1447 هـ (24 مايو 2026)، {LRI}08:00{PDI}"


def test_format_datetime_converts_to_the_office_day() -> None:
    late = datetime(2026, 5, 24, 22, 30, tzinfo=UTC)  # already 25 May, 01:30 in Riyadh
    with use_locale("en"):
        assert format_datetime(late, RIYADH) == "Monday 8 Dhu al-Hijjah 1447 AH (25 May 2026), 01:30"
        assert format_datetime(late, ZoneInfo("UTC")).startswith("Sunday 7 Dhu al-Hijjah")


def test_format_date_month_names_in_each_language() -> None:
    with use_locale("en"):
        assert format_date(date(2026, 3, 20)) == "Friday 1 Shawwal 1447 AH (20 March 2026)"
        assert format_short_date(date(2026, 5, 24)) == "7 Dhu al-Hijjah (24 May)"
    with use_locale("ar"):
        assert format_date(date(2026, 3, 20)) == "الجمعة 1 شوال 1447 هـ (20 مارس 2026)"
        assert format_short_date(date(2026, 5, 24)) == "7 ذو الحجة (24 مايو)"


def test_format_date_outside_the_umm_al_qura_table_shows_gregorian_only() -> None:
    with use_locale("en"):
        assert format_date(date(1900, 3, 1)) == "Thursday 1 March 1900"
        assert format_short_date(date(1900, 3, 1)) == "1 March 1900"


# -- parsing dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-05-24", date(2026, 5, 24)),
        ("2026/5/24", date(2026, 5, 24)),
        ("24/05/2026", date(2026, 5, 24)),  # D/M/Y
        ("24.5.2026", date(2026, 5, 24)),
        ("24 5 2026", date(2026, 5, 24)),
        ("24-5-2026 م", date(2026, 5, 24)),
        ("2026-05-24 AD", date(2026, 5, 24)),
        ("1447-12-07", date(2026, 5, 24)),  # Hijri, told apart by its year
        ("1447-12-08", date(2026, 5, 25)),
        ("7/12/1447", date(2026, 5, 24)),
        ("7/12/1447 هـ", date(2026, 5, 24)),
        ("7/12/1447هـ", date(2026, 5, 24)),
        ("1447/12/7 AH", date(2026, 5, 24)),
        ("١٤٤٧-١٢-٠٧", date(2026, 5, 24)),  # Arabic-Indic digits
        ("٢٤/٠٥/٢٠٢٦", date(2026, 5, 24)),
        ("۲۰۲۶-۰۵-۲۴", date(2026, 5, 24)),  # Persian digits
        ("\u200f1447-12-07\u200f", date(2026, 5, 24)),  # with right-to-left marks around it
        ("  2026-05-24  ", date(2026, 5, 24)),
    ],
)
def test_parse_date_accepts_both_calendars(typed: str, expected: date) -> None:
    assert parse_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "format"),
        ("tomorrow", "format"),
        ("2026-05", "format"),
        ("24/05/26", "format"),  # a two-digit year is ambiguous
        ("2026-05-24-01", "format"),
        ("2026-02-30", "invalid"),
        ("2026-13-01", "month"),
        ("1447-13-01", "month"),
        ("1447-12-30", "invalid"),  # Dhu al-Hijjah 1447 has 29 days in Umm al-Qura
        ("05/24/2026", "month"),  # M/D/Y is not accepted: there is no month 24
        ("1200-01-01", "range"),
        ("1600-01-01", "range"),
        ("2200-01-01", "range"),
        ("2026-05-24 هـ", "range"),  # a Gregorian year marked as Hijri
        ("1447-12-07 AD", "range"),  # a Hijri year marked as Gregorian
    ],
)
def test_parse_date_rejects_bad_input_with_a_reason(typed: str, code: str) -> None:
    with pytest.raises(DateInputError) as raised:
        parse_date(typed)
    assert raised.value.code == code


def test_date_errors_explain_in_the_users_language() -> None:
    for code in ("format", "invalid", "range", "time"):
        error = DateInputError(code)
        with use_locale("en"):
            english = error.message()
        with use_locale("ar"):
            arabic = error.message()
        assert english and arabic != english
        assert any("\u0600" <= ch <= "\u06ff" for ch in arabic)
    with use_locale("en"):
        set_today(date(2026, 5, 10))
        try:
            # The example is a day ahead, named the same in both calendars (Umm al-Qura).
            assert "1447-11-30 or 2026-05-17" in DateInputError("format").message()
        finally:
            set_today(None)
        assert "for example" not in DateInputError("format").message()  # no today: no example


def test_normalize_digits() -> None:
    assert normalize_digits("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"


# -- parsing times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("08:00", time(8, 0)),
        ("8", time(8, 0)),
        ("8:30", time(8, 30)),
        ("8.30", time(8, 30)),
        ("14:30", time(14, 30)),
        ("٠٨:٠٠", time(8, 0)),
        ("١٤:٣٠", time(14, 30)),
        ("2 pm", time(14, 0)),
        ("2PM", time(14, 0)),
        ("12 am", time(0, 0)),
        ("12 pm", time(12, 0)),
        ("2 م", time(14, 0)),
        ("9 ص", time(9, 0)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_time(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["", "noon", "24:00", "8:60", "13 pm", "0 am", "8:5", "-1"])
def test_parse_time_rejects_bad_input(typed: str) -> None:
    with pytest.raises(DateInputError) as raised:
        parse_time(typed)
    assert raised.value.code == "time"


@pytest.mark.parametrize("today", [date(2026, 5, 10), date(2026, 5, 24), date(2027, 2, 28), date(2026, 12, 31)])
def test_example_dates_are_ahead_and_name_one_day_in_both_calendars(today: date) -> None:
    with use_locale("en"):
        hijri, gregorian = example_date(today)
    with use_locale("ar"):
        hijri_ar, gregorian_ar = example_date(today)
    assert gregorian_ar == f"{LRI}{gregorian}{PDI}"
    assert parse_date(hijri) == parse_date(gregorian) > today
    assert parse_date(hijri_ar) == parse_date(hijri)  # wrapped left-to-right in Arabic only
    assert hijri_ar == f"{LRI}{hijri}{PDI}"
