"""The pure volunteer rules (bot/volunteers.py): names, phones, ages, pauses, search keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import use_locale
from bot.volunteers import (
    Profile,
    VolunteerInputError,
    age_on,
    check_birth_date,
    check_pause_day,
    check_season,
    contact_phone,
    effective_status,
    normalize_phone,
    pause_end,
    phone_query_digits,
    search_key,
    validate_city,
    validate_name,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ahmad Saleh Alharbi", "Ahmad Saleh Alharbi"),
        ("  أحمد   صالح الحربي ", "أحمد صالح الحربي"),
        ("محمد عبدُالله", "محمد عبدُالله"),  # a diacritic is a mark, not a symbol
        ("عائشہ بی بی", "عائشہ بی بی"),  # Urdu letters
        ("Jean-Luc O'Neil", "Jean-Luc O'Neil"),
        ("Siti Nur Aisyah binti Abdullah"[:29], "Siti Nur Aisyah binti Abdulla"),
    ],
)
def test_valid_names_are_tidied(typed: str, stored: str) -> None:
    assert validate_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Ahmad", "name_words"),
        ("A B C D E F G H I", "name_words"),
        ("Ahmad 2", "name_chars"),
        ("Ahmad_Saleh Ali", "name_chars"),
        ("Ahmad 🙂 Ali", "name_chars"),
        ("Ab", "name_length"),
        ("Ahmad - Ali", "name_words"),
        ("Ab " + "c" * 80, "name_length"),
        ("", "name_length"),
    ],
)
def test_bad_names_are_refused(typed: str, code: str) -> None:
    with pytest.raises(VolunteerInputError) as caught:
        validate_name(typed)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0501234567", "+966501234567"),
        ("050 123 4567", "+966501234567"),
        ("+966 50 123 4567", "+966501234567"),
        ("00966501234567", "+966501234567"),
        ("٠٥٠١٢٣٤٥٦٧", "+966501234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+92 300 1234567", "+923001234567"),
    ],
)
def test_phones_are_normalised_to_e164(typed: str, e164: str) -> None:
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", ["12345", "0501", "hello", "+966 12", "05012345678901234567"])
def test_bad_phones_are_refused(typed: str) -> None:
    with pytest.raises(VolunteerInputError):
        normalize_phone(typed)


def test_a_shared_contact_number_without_plus() -> None:
    assert contact_phone("966501234567") == "+966501234567"
    assert contact_phone("+966501234567") == "+966501234567"


def test_ages_and_birth_dates() -> None:
    today = date(2026, 5, 10)
    assert age_on(date(2011, 5, 10), today) == 15
    assert age_on(date(2011, 5, 11), today) == 14
    check_birth_date(date(2011, 5, 10), today, min_age=15)
    check_birth_date(date(1936, 5, 10), today, min_age=15)
    for birth, code in (
        (date(2011, 5, 11), "too_young"),
        (date(1935, 5, 9), "too_old"),
        (date(2026, 5, 11), "future"),
    ):
        with pytest.raises(VolunteerInputError) as caught:
            check_birth_date(birth, today, min_age=15)
        assert caught.value.code == code
    with use_locale("en"):
        error = VolunteerInputError("too_young", age=18)
        assert error.message() == "Sorry, volunteers must be at least 18 years old."
    with use_locale("ar"):
        assert error.message() == "عذرًا، يجب ألا يقل عمر المتطوع عن 18 عامًا."


def test_every_error_has_a_message_in_both_languages() -> None:
    codes = ["name_chars", "name_words", "name_length", "phone", "not_your_contact", "future",
             "city", "past", "not_future"]
    for locale in ("ar", "en"):
        with use_locale(locale):
            texts = [VolunteerInputError(code).message() for code in codes]
            texts.append(VolunteerInputError("too_old", age=90).message())
            texts.append(VolunteerInputError("until_before_from", date="x").message())
            assert len(set(texts)) == len(texts)
            assert all(texts)


def test_cities_and_seasons() -> None:
    assert validate_city("  Al  Ula ") == "Al Ula"
    for bad in ("1", "12345", "x" * 61, "🕌🕌"):
        with pytest.raises(VolunteerInputError):
            validate_city(bad)
    today = date(2026, 5, 10)
    check_season(None, today, today)
    check_season(date(2026, 5, 1), date(2026, 6, 1), today)
    with pytest.raises(VolunteerInputError):
        check_season(None, date(2026, 5, 9), today)
    with pytest.raises(VolunteerInputError):
        check_season(date(2026, 6, 2), date(2026, 6, 1), today)


def test_pauses_end_at_the_start_of_the_day_in_the_office() -> None:
    riyadh = ZoneInfo("Asia/Riyadh")
    end = pause_end(date(2026, 6, 6), riyadh)
    assert end.astimezone(UTC) == datetime(2026, 6, 5, 21, 0, tzinfo=UTC)
    assert effective_status("paused", end, end - timedelta(seconds=1)) == "paused"
    assert effective_status("paused", end, end) == "active"
    assert effective_status("paused", None, end + timedelta(days=999)) == "paused"
    assert effective_status("suspended", end, end) == "suspended"
    with pytest.raises(VolunteerInputError):
        check_pause_day(date(2026, 5, 10), date(2026, 5, 10))
    check_pause_day(date(2026, 5, 11), date(2026, 5, 10))


def test_search_keys_fold_case_and_arabic_variants() -> None:
    assert search_key("أحمد") == search_key("احمد") == search_key("إحمد")
    assert search_key("فاطمة") == search_key("فاطمه")
    assert search_key("مُحَمَّد") == "محمد"
    assert search_key("  AHMAD  Ali ") == "ahmad ali"
    assert phone_query_digits("0501234567") == "501234567"
    assert phone_query_digits("+966 50 123 4567") == "501234567"
    assert phone_query_digits("٥٠١٢٣") == "50123"
    assert phone_query_digits("Ahmad") is None
    assert phone_query_digits("12") is None


def test_profile_drafts_round_trip() -> None:
    profile = Profile(
        full_name="Ali Hasan", phone="+966501234567", phone_verified=True, gender="male",
        birth_date=date(1990, 1, 2), city="quba", languages=["ar"], specialties=["relief"],
        periods=["morning"], weekdays=[0, 4], available_from=date(2026, 5, 18), available_until=None,
    )
    draft = profile.to_draft()
    assert draft["birth_date"] == "1990-01-02" and draft["available_until"] is None
    assert Profile.from_draft(draft) == profile
    with pytest.raises(KeyError):
        Profile.from_draft({"full_name": "Ali Hasan"})
