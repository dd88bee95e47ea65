"""/stats chart filters: entity, specialty and dates, by buttons or typed; the numbers under the
filtered charts match the database the test builds, in both languages; staff only."""

from __future__ import annotations

import struct
from datetime import date, timedelta
from typing import Any

from bot import db
from bot.offline import Call
from tests.factories import (
    create_assignment,
    create_entity,
    create_need,
    create_user,
    create_volunteer,
)
from tests.harness import BotHarness

COORDINATOR_AR = 760


async def seed(bot: BotHarness) -> dict[str, Any]:
    for uid, specialties in ((201, ("guidance",)), (202, ("guidance", "healthcare")), (203, ("healthcare",)),
                             (204, ("translation",))):
        await create_volunteer(bot.db, uid, full_name=f"Volunteer {uid}", specialties=specialties)
    crescent = await create_entity(bot.db, name_ar="الهلال الأحمر", name_en="Red Crescent")
    society = await create_entity(bot.db, name_ar="جمعية هدية", name_en="Hadiya Society")
    today = bot.clock.now().date()
    _n, guides = await create_need(bot.db, crescent, first_day=today + timedelta(days=1), days=2, slots=4,
                                   specialty="guidance")
    _n, medics = await create_need(bot.db, crescent, first_day=today + timedelta(days=3), days=1, slots=10,
                                   specialty="healthcare")
    _n, far = await create_need(bot.db, society, first_day=today + timedelta(days=20), days=1, slots=5,
                                specialty="healthcare")
    await create_assignment(bot.db, guides[0], 201)
    await create_assignment(bot.db, guides[0], 202)
    await create_assignment(bot.db, medics[0], 203)
    await create_assignment(bot.db, medics[0], 202, status="declined")
    await create_assignment(bot.db, far[0], 203, status="offered")
    await create_user(bot.db, COORDINATOR_AR, role="coordinator", first_name="هدى", locale="ar")
    return {"crescent": crescent, "society": society, "today": today}


async def expected(bot: BotHarness, *, entity: int | None = None, specialty: str | None = None,
                   first: date, last: date) -> tuple[int, int, int, int]:
    """(shifts, places, places taken, offers) straight from the tables."""
    rows = await bot.db.fetchall(
        "SELECT s.id, s.slots, s.starts_at, n.entity_id, n.specialty FROM shifts s JOIN needs n ON n.id = s.need_id")
    chosen = [r for r in rows
              if (entity is None or r["entity_id"] == entity) and (specialty is None or r["specialty"] == specialty)
              and first <= db.parse_ts(r["starts_at"]).astimezone(bot.app.bot_data["settings"].timezone).date() <= last]
    taken = offers = 0
    for r in chosen:
        taken += await bot.db.fetchval("SELECT COUNT(*) FROM assignments WHERE shift_id = ? AND status = 'accepted'",
                                       (r["id"],))
        offers += await bot.db.fetchval("SELECT COUNT(*) FROM assignments WHERE shift_id = ?", (r["id"],))
    return len(chosen), sum(r["slots"] for r in chosen), taken, offers


def summary_of(calls: list[Call]) -> Call:
    return [c for c in calls if c.method == "sendMessage"][-1]


def photos(calls: list[Call]) -> list[bytes]:
    found = [next(iter(c.files.values()))[1] for c in calls if c.method == "sendPhoto"]
    for content in found:
        assert content.startswith(b"\x89PNG") and struct.unpack(">II", content[16:24]) == (960, 540)
    return found


async def test_stats_offers_the_filters_under_the_charts(bot: BotHarness) -> None:
    await seed(bot)
    calls = await bot.command(bot.admin, "/stats")
    assert len(photos(calls)) == 3
    summary = summary_of(calls)
    assert summary.text.startswith("📊 Charts for: all entities · all specialties")
    assert [d for _l, d in summary.buttons] == ["st:me:0", "st:ms", "st:md"]
    assert "places filled: 3 of 18 (17%)" in summary.text  # the next 14 days, every entity


async def test_an_entity_filter_matches_the_database(bot: BotHarness) -> None:
    world = await seed(bot)
    await bot.command(bot.admin, "/stats")
    today = world["today"]
    menu = (await bot.press(bot.admin, "st:me:0"))[-1]
    assert menu.text == "Show the charts of which entity?"
    data = next(d for label, d in menu.buttons if "Red Crescent" in label)
    calls = await bot.press(bot.admin, data)
    assert len(photos(calls)) == 3
    text = summary_of(calls).text
    shifts, places, taken, offers = await expected(bot, entity=world["crescent"], first=today,
                                                   last=today + timedelta(days=13))
    assert (shifts, places, taken, offers) == (3, 18, 3, 4)
    assert "Red Crescent · all specialties" in text
    assert f"shifts: {shifts} · places filled: {taken} of {places} (17%)" in text
    assert f"offered: {offers} · accepted: 3 · declined: 1 · expired: 0" in text


async def test_specialty_and_dates_filters_match_the_database(bot: BotHarness) -> None:
    world = await seed(bot)
    today = world["today"]
    first, last = today, today + timedelta(days=29)
    await bot.press(bot.admin, f"st:p:{first.toordinal()}:{last.toordinal()}")
    specialties = (await bot.press(bot.admin, "st:ms"))[-1]
    assert ("Healthcare", "st:s:healthcare") in specialties.buttons
    calls = await bot.press(bot.admin, "st:s:healthcare")
    text = summary_of(calls).text
    shifts, places, taken, offers = await expected(bot, specialty="healthcare", first=first, last=last)
    assert (shifts, places, taken, offers) == (2, 15, 1, 3)
    assert "all entities · Healthcare" in text
    assert "shifts: 2 · places filled: 1 of 15 (7%) · active volunteers: 2" in text
    assert "offered: 3 · accepted: 1 · declined: 1 · expired: 0" in text

    # The dates menu offers the coming and past week and month.
    menu = (await bot.press(bot.admin, "st:md"))[-1]
    labels = [label for label, _d in menu.buttons]
    assert "✅ Next 30 days" in labels and "Last 7 days" in labels
    week = next(d for label, d in menu.buttons if label == "Next 7 days")
    text = summary_of(await bot.press(bot.admin, week)).text
    assert "shifts: 1 · places filled: 1 of 10 (10%)" in text


async def test_typed_dates_and_specialty_in_arabic(bot: BotHarness) -> None:
    world = await seed(bot)
    today = world["today"]
    huda = bot.user(COORDINATOR_AR, "هدى", "ar")
    first, last = today + timedelta(days=1), today + timedelta(days=2)
    calls = await bot.command(huda, f"/stats {first.isoformat()} الإرشاد المكاني {last.isoformat()}")
    assert len(photos(calls)) == 3
    text = summary_of(calls).text
    assert "📊" in text and "Charts" not in text
    shifts, places, taken, _offers = await expected(bot, specialty="guidance", first=first, last=last)
    assert (shifts, places, taken) == (2, 8, 2)
    assert "2 من 8" in text
    refused = await bot.command(huda, "/stats غدًا بعدغد")
    assert [c.method for c in refused] == ["sendMessage"]


async def test_bad_or_foreign_filters_are_refused(bot: BotHarness) -> None:
    world = await seed(bot)
    today = world["today"].toordinal()
    volunteer = bot.user(201, "V", "en")
    for data in (f"st:p:{today}:{today}", "st:e:0", "st:s:all", "st:me:0", "st:ms", "st:md"):
        calls = await bot.press(volunteer, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"] and calls[0].params["text"].startswith("Sorry")
    for data in ("st:s:nonsense", f"st:p:{today}:{today - 1}", f"st:p:{today}:{today + 400}",
                 "st:e:99999"):
        calls = await bot.press(bot.admin, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
