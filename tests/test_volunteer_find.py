"""/volunteers finds anyone: a name however it is spelled in Arabic, a phone in any format, a
language or specialty by name in either language, a city, a status, and all of them combined;
the results are paged within Telegram's limits. The parsing is bot/volunteer_query.py."""

from __future__ import annotations

import pytest

from bot import volunteer_query
from bot.volunteers import search_key
from tests.factories import create_entity, create_user, create_volunteer
from tests.harness import BotHarness

COORDINATOR_ID = 311
PEOPLE = {
    # id: (name, phone, languages, specialties, city, status)
    901: ("عبدالله المدني", "+966501234567", ("ar", "ur"), ("healthcare",), "المدينة المنورة", "active"),
    902: ("عبد الله أحمد", "+966502222222", ("ar",), ("translation",), "quba", "active"),
    903: ("Fatimah Khan", "+966503333333", ("ur", "en"), ("translation",), "Madinah", "paused"),
    904: ("أسامة فؤاد", "+966504444444", ("ar",), ("healthcare",), "quba", "pending"),
    905: ("Ravi Kumar Nair", "+966505555555", ("hi", "en"), ("healthcare", "relief"), "quba", "active"),
    906: ("مريم الهاشمي", "+966506666666", ("ar", "ur"), ("guidance",), "المدينة المنورة", "suspended"),
}


async def add(bot: BotHarness, user_id: int, name: str, phone: str, languages: tuple[str, ...],
              specialties: tuple[str, ...], city: str, status: str) -> None:
    await create_volunteer(bot.db, user_id, full_name=name, phone=phone, languages=languages,
                           specialties=specialties, city=city, status=status)
    async with bot.db.transaction() as tx:  # as registration stores it (db.save_volunteer)
        await tx.execute("UPDATE volunteers SET search_name = ? WHERE user_id = ?", (search_key(name), user_id))


@pytest.fixture
async def desk(bot: BotHarness) -> BotHarness:
    await create_user(bot.db, COORDINATOR_ID, role="coordinator", first_name="Coord", locale="en")
    for user_id, person in PEOPLE.items():
        await add(bot, user_id, *person)
    return bot


def found(text: str) -> set[int]:
    """The volunteers listed on a result page, by id (their names are unique)."""
    return {uid for uid, person in PEOPLE.items() if person[0] in text}


async def search(bot: BotHarness, query: str, locale: str = "en") -> str:
    user = bot.user(COORDINATOR_ID, "Coord", locale)
    reply = (await bot.command(user, f"/volunteers {query}"))[-1]
    assert len(reply.text) <= 4096
    return reply.text


@pytest.mark.parametrize("query, expected", [
    ("عبد الله", {901, 902}),
    ("عبدالله", {901, 902}),
    ("اسامه", {904}),
    ("أُسَامَة", {904}),
    ("إسامة", {904}),
    ("فواد", {904}),
    ("fatimah", {903}),
    ("KHAN", {903}),
])
async def test_a_name_however_it_is_spelled(desk: BotHarness, query: str, expected: set[int]) -> None:
    assert found(await search(desk, query)) == expected


@pytest.mark.parametrize("query", [
    "+966 50 123 4567", "0501234567", "050 123 4567", "966501234567", "00966501234567",
    "٠٥٠١٢٣٤٥٦٧", "(050) 123-4567", "1234567",
])
async def test_a_phone_in_any_format(desk: BotHarness, query: str) -> None:
    assert found(await search(desk, query)) == {901}


@pytest.mark.parametrize("query, expected", [
    ("الأردية", {901, 903, 906}),
    ("اردو", {901, 903, 906}),
    ("Urdu", {901, 903, 906}),
    ("urdu speakers", {901, 903, 906}),
    ("Hindi", {905}),
    ("الهندية", {905}),
    ("الترجمة", {902, 903}),
    ("Translation", {902, 903}),
    ("nurse", {901, 904, 905}),
    ("ممرض", {901, 904, 905}),
    ("trans", {902, 903}),  # a part of a specialty's label, as before
    ("Quba", {902, 904, 905}),
    ("قباء", {902, 904, 905}),
    ("المدينة", {901, 906}),
    ("Madinah", {903}),
    ("paused", {903}),
    ("بانتظار الموافقة", {904}),
    ("موقوف", {906}),
])
async def test_language_specialty_city_and_status_by_name(
    desk: BotHarness, query: str, expected: set[int]
) -> None:
    assert found(await search(desk, query)) == expected


@pytest.mark.parametrize("query, expected", [
    ("Urdu nurse Madinah", set()),  # 903 speaks Urdu in Madinah but translates; 901 is in «المدينة»
    ("Urdu nurse المدينة", {901}),
    ("الأردية تمريض المدينة", {901}),
    ("Urdu translation", {903}),
    ("healthcare Quba", {904, 905}),
    ("pending healthcare", {904}),
    ("نشط صحي قباء", {905}),
    ("English Hindi relief", {905}),
    ("Urdu عبدالله", {901}),
    ("الأردية مريم", {906}),
])
async def test_criteria_combine(desk: BotHarness, query: str, expected: set[int]) -> None:
    text = await search(desk, query)
    assert found(text) == expected, text
    if not expected:
        assert "Nobody matches." in text


async def test_the_page_says_how_the_search_was_understood_in_both_languages(desk: BotHarness) -> None:
    text = await search(desk, "Urdu nurse المدينة")
    assert "🔎 Language: Urdu · Specialty: Healthcare · City: " in text
    await create_user(desk.db, 312, role="coordinator", first_name="منسق", locale="ar")
    text = (await desk.command(desk.user(312, "منسق", "ar"), "/volunteers الأردية تمريض قباء"))[-1].text
    assert "اللغة: الأردية" in text and "التخصص: الرعاية الصحية" in text and "قباء" in text
    assert found(text) == set()  # 901 is not in Quba


def test_parse_reads_words_together_and_leaves_the_name() -> None:
    parsed = volunteer_query.parse("بانتظار الموافقة الأردية أحمد", ["quba"])
    assert parsed.status == "pending" and parsed.languages == ("ur",) and parsed.name == "أحمد"
    assert volunteer_query.parse("+966 50 123 4567").phone == "501234567"
    assert volunteer_query.parse("   ").empty


async def test_many_results_are_paged_within_telegram_limits(bot: BotHarness) -> None:
    await create_user(bot.db, COORDINATOR_ID, role="coordinator", first_name="Coord", locale="en")
    long_name = "عبدالرحمن بن عبدالعزيز بن عبدالمحسن الحربي"
    for n in range(23):
        await add(bot, 1000 + n, f"{long_name} {chr(0x0627 + n)}", f"+96650700{n:04d}", ("ur",),
                  ("healthcare", "translation", "guidance", "relief", "elderly_care", "special_needs"),
                  "المدينة المنورة", "active")
    user = bot.user(COORDINATOR_ID, "Coord", "en")
    reply = (await bot.command(user, "/volunteers Urdu nurse"))[-1]
    pages = [reply]
    while any(label.startswith("Next") for label, _data in pages[-1].buttons):
        data = next(d for label, d in pages[-1].buttons if label.startswith("Next"))
        pages.append((await bot.press(user, data))[-1])
    assert len(pages) == 5
    assert all(len(page.text) <= 4096 for page in pages)
    assert sum(page.text.count(long_name) for page in pages) == 23
    card = (await bot.press(user, pages[-1].buttons[0][1]))[-1]
    assert card.method == "editMessageText" and long_name in card.text


async def test_volunteers_and_representatives_are_refused(desk: BotHarness) -> None:
    await create_entity(desk.db, reps=(950,))
    for user in (desk.user(901, "Abd", "en"), desk.user(950, "Rep", "en")):
        reply = (await desk.command(user, "/volunteers Urdu"))[-1]
        assert reply.text.startswith("Sorry")
        assert "Fatimah" not in reply.text
