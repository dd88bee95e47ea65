"""Typed answers as people give them (bot/answers.py), table-tested."""

from __future__ import annotations

import pytest

from bot.answers import (
    looks_like_a_date,
    looks_like_a_date_or_number,
    name_words,
    strip_bidi_controls,
    typed_choice,
    typed_choices,
    typed_gender,
    typed_languages,
    typed_location,
    typed_yes_no,
)
from bot.catalog import LANGUAGES, SPECIALTIES


@pytest.mark.parametrize(
    ("text", "code"),
    [("ذكر", "male"), ("أنثى", "female"), ("انثى", "female"), ("Male", "male"), ("F", "female"),
     (" امرأة ", "female"), ("رجل", "male"), ("maybe", None), ("", None)],
)
def test_gender_typed(text: str, code: str | None) -> None:
    assert typed_gender(text) == code


@pytest.mark.parametrize(
    ("text", "answer"),
    [("نعم", True), ("أجل", True), ("yes", True), ("OK", True), ("لا", False), ("No", False),
     ("ربما", None)],
)
def test_yes_no_typed(text: str, answer: bool | None) -> None:
    assert typed_yes_no(text) == answer


@pytest.mark.parametrize(
    ("text", "code"),
    [("الأردية", "ur"), ("الاردية", "ur"), ("أردو", None), ("Urdu", "ur"), ("ur", "ur"),
     ("الإندونيسية", "id"), ("indonesian", "id"), ("العربية", "ar"), ("الهوسا", "ha"),
     ("klingon", None)],
)
def test_language_typed_by_name(text: str, code: str | None) -> None:
    assert typed_choice(text, LANGUAGES) == code


def test_a_typed_list_of_languages() -> None:
    assert typed_languages("العربية والأردية") == (["ar", "ur"], [])
    assert typed_languages("Urdu, Hausa and Klingon") == (["ur", "ha"], ["Klingon"])


def test_specialty_typed_by_its_name() -> None:
    assert typed_choice("Translation", SPECIALTIES) == "translation"


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("24.4936, 39.5905", (24.4936, 39.5905)),
        ("٢٤٫٤٩٣٦، ٣٩٫٥٩٠٥".replace("٫", "."), (24.4936, 39.5905)),
        ("https://www.google.com/maps/place/Quba+Mosque/@24.43,39.61,17z/data=!3m1!4b1!4m6!3m5!1s0x0:0x0!8m2!3d24.4393!4d39.6172",
         (24.4393, 39.6172)),
        ("https://maps.google.com/?q=24.4672,39.6112", (24.4672, 39.6112)),
        ("https://www.google.com/maps/@24.4672,39.6112,15z", (24.4672, 39.6112)),
        ("https://maps.apple.com/?ll=24.4672,39.6112&q=Mosque", (24.4672, 39.6112)),
        ("https://maps.apple.com/?address=Madinah&sll=24.4,39.6", (24.4, 39.6)),
        ("Quba Mosque", None),
        ("95.1, 39.5", None),
        ("https://example.org/", None),
    ],
)
def test_a_site_as_text_or_a_maps_link(text: str, point: tuple[float, float] | None) -> None:
    assert typed_location(text) == point


def test_bidi_controls_are_removed_from_names() -> None:
    assert strip_bidi_controls("\u202eAli\u202c  Hassan\u200f") == "Ali Hassan"
    assert strip_bidi_controls("مهدی\u200cزاده") == "مهدی\u200cزاده"  # ZWNJ belongs to the name


@pytest.mark.parametrize(
    ("text", "verdict"), [("1447-12-08", True), ("12/5", True), ("٥٠٠", True), ("قباء", False), ("Al Awali 2", False)]
)
def test_a_date_or_a_number_is_not_a_city(text: str, verdict: bool) -> None:
    assert looks_like_a_date_or_number(text) is verdict


@pytest.mark.parametrize(
    ("name", "counted"),
    [("عبد الرحمن بن عبد الله آل الشيخ", (7, 4)), ("Ahmad Saleh Alharbi", (3, 0)), ("Abu Bakr bin Salim", (4, 2))],
)
def test_name_particles_are_counted_apart(name: str, counted: tuple[int, int]) -> None:
    assert name_words(name) == counted


def test_fields_typed_as_a_list_keep_their_multi_word_names() -> None:
    assert typed_choices("Crowd management, relief", SPECIALTIES) == (["crowd_management", "relief"], [])
    assert typed_choices("إدارة الحشود", SPECIALTIES)[0] == ["crowd_management"]
    assert typed_choices("gardening", SPECIALTIES) == ([], ["gardening"])


@pytest.mark.parametrize(("text", "verdict"), [("1447-12-08 هـ", True), ("8/12/1447", True), ("قباء", False)])
def test_a_date_is_not_a_city(text: str, verdict: bool) -> None:
    assert looks_like_a_date(text) is verdict
