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
from tests.harness import BotHarness


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
    [("الأردية", "ur"), ("الاردية", "ur"), ("أردو", "ur"), ("Urdu", "ur"), ("ur", "ur"),
     ("الإندونيسية", "id"), ("indonesian", "id"), ("العربية", "ar"), ("الهوسا", "ha"),
     ("klingon", None)],
)
def test_language_typed_by_name(text: str, code: str | None) -> None:
    assert typed_choice(text, LANGUAGES) == code


def test_a_typed_list_of_languages() -> None:
    assert typed_languages("العربية والأردية") == (["ar", "ur"], [])
    assert typed_languages("Urdu, Hausa and Klingon") == (["ur", "ha"], ["Klingon"])


@pytest.mark.parametrize(
    ("text", "codes", "unknown"),
    [
        ("العربية ولغة أخرى", ["ar", "other"], []),  # a name of two words, after «و»
        ("عربي، انجليزي", ["ar", "en"], []),  # the adjectives people say, no hamza
        ("عربى و إنجليزى", ["ar", "en"], []),
        ("العربية و الإنجليزية و التركية", ["ar", "en", "tr"], []),  # «و» on its own
        ("الانجليزيه", ["en"], []),
        ("اوردو", ["ur"], []),
        ("أوردو وبنغالي", ["ur", "bn"], []),
        ("انكليزي وفرنسي", ["en", "fr"], []),
        ("اللغة العربية واللغة الإنجليزية", ["ar", "en"], []),
        ("Arabic & Urdu", ["ar", "ur"], []),
        ("English + French", ["en", "fr"], []),
        ("Arabic, English and other language", ["ar", "en", "other"], []),
        ("arabic and farsi", ["ar", "fa"], []),
        ("العربية والعربية", ["ar"], []),  # once
        ("العربية والسواحيلية", ["ar"], ["والسواحيلية"]),
        ("Klingon Elvish and Arabic", ["ar"], ["Klingon Elvish"]),
        ("و", [], []),
    ],
)
def test_languages_typed_as_people_type_them(text: str, codes: list[str], unknown: list[str]) -> None:
    assert typed_languages(text) == (codes, unknown)


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


@pytest.mark.parametrize(
    ("text", "codes", "unknown"),
    [
        ("الترجمة والإرشاد", ["translation", "guidance"], []),
        ("الترجمة والاستقبال والتوديع", ["translation", "reception_farewell"], []),  # «و» in a name
        ("ترجمة و اسعافات أولية", ["translation", "healthcare"], []),
        ("رعاية كبار السن والأطفال التائهين", ["elderly_care", "lost_children"], []),
        ("الإغاثة، التوعية، المرور", ["relief", "awareness", "traffic"], []),
        ("Reception and farewell, first aid", ["reception_farewell", "healthcare"], []),
        ("Translation & relief", ["translation", "relief"], []),
        ("زراعة الورد والترجمة", ["translation"], ["زراعة الورد"]),
    ],
)
def test_fields_typed_as_people_type_them(text: str, codes: list[str], unknown: list[str]) -> None:
    assert typed_choices(text, SPECIALTIES) == (codes, unknown)


@pytest.mark.parametrize(("text", "verdict"), [("1447-12-08 هـ", True), ("8/12/1447", True), ("قباء", False)])
def test_a_date_is_not_a_city(text: str, verdict: bool) -> None:
    assert looks_like_a_date(text) is verdict


# -- through the registration flow ------------------------------------------------------------------


async def test_registration_takes_lists_as_people_type_them(bot: BotHarness) -> None:
    """The real Application: «عربي، انجليزي ولغة أخرى» at the languages question asks which other
    language; «الترجمة والاستقبال والتوديع» at the fields question takes both fields."""
    huda = bot.user(231, "هدى", "ar")
    await bot.command(huda, "/register")
    await bot.press(huda, "reg:cn:y")
    await bot.text(huda, "هدى سالم الحربي")
    await bot.contact(huda, "966551112244")
    await bot.press(huda, "reg:gd:female")
    await bot.text(huda, "1995-03-15")
    calls = await bot.press(huda, "reg:ct:0")
    assert "ما اللغات التي تتحدثينها" in bot.texts(calls)

    calls = await bot.text(huda, "عربي و كلينغوني")
    assert "كلينغوني" in calls[0].text and "ما اللغات" in bot.texts(calls)  # asked again
    calls = await bot.text(huda, "عربي، انجليزي ولغة أخرى")
    assert "السواحيلية" in bot.texts(calls)  # which other language? (the example)
    calls = await bot.text(huda, "السواحيلية")
    assert "في أي المجالات" in bot.texts(calls)
    draft = bot.app.user_data[huda.id]["reg"]
    assert draft["languages"] == ["ar", "en", "other"] and draft["other_language"] == "السواحيلية"

    await bot.text(huda, "الترجمة والاستقبال والتوديع")
    assert bot.app.user_data[huda.id]["reg"]["specialties"] == ["translation", "reception_farewell"]
