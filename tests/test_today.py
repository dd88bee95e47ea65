"""/today: the day's board for coordinators (every entity) and representatives (their own
entity's shifts only): per site and shift in time order, who checked in, who is late, who did not
come, the open places, and buttons to fill a shift or correct its attendance; paged within
Telegram's limits however long the day."""

from __future__ import annotations

from datetime import time

from bot import db
from tests.factories import create_entity, create_need, create_user, create_volunteer
from tests.factories_attendance import at
from tests.factories_dispatch import TUESDAY
from tests.harness import BotHarness

COORDINATOR, REP, OTHER_REP = 50, 90, 91
ALI, OMAR, SAAD, HIND = 101, 102, 103, 104
GROUP = -1001234567890
NINE_AM = "2026-05-12T06:00:00+00:00"  # 09:00 in Madinah: the 08:00-14:00 shift has run an hour


async def _place(bot: BotHarness, shift: int, volunteer: int, status: str) -> None:
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO assignments (shift_id, volunteer_id, status, source, accepted_at,"
            " checked_in_at) VALUES (?, ?, ?, 'signup', ?, ?)",
            (shift, volunteer, status, "2026-05-10T08:00:00+00:00",
             NINE_AM if status == "checked_in" else None),
        )


async def _day(bot: BotHarness, *, locale: str = "en") -> tuple[int, int, int]:
    """Tuesday: the entity's (rep 90) morning shift at Quba, with a volunteer checked in, one late
    and one who did not come (5 places: 2 open), its evening shift at the Prophet's Mosque
    (nobody yet), and another entity's (rep 91) shift. Returns the three shift ids."""
    await create_user(bot.db, COORDINATOR, role="coordinator", locale=locale, language_code=locale)
    entity = await create_entity(bot.db, reps=[REP])
    other = await create_entity(bot.db, name_ar="جهة أخرى", name_en="Other entity",
                                reps=[OTHER_REP])
    _n, (morning,) = await create_need(bot.db, entity, first_day=TUESDAY)
    _n, (evening,) = await create_need(
        bot.db, entity, first_day=TUESDAY, start=time(16, 0), end=time(20, 0), slots=2,
        title="Evening guides", site_name="The Prophet's Mosque",
    )
    _n, (theirs,) = await create_need(
        bot.db, other, first_day=TUESDAY, start=time(10, 0), end=time(12, 0), slots=1,
        title="Water for visitors", site_name="Quba Mosque",
    )
    for user_id, name, phone in (
        (ALI, "Ali Hasan", "+966500000101"), (OMAR, "Omar Said", "+966500000102"),
        (SAAD, "Saad Nasser", "+966500000103"), (HIND, "Hind Saleh", "+966500000104"),
    ):
        await create_volunteer(bot.db, user_id, full_name=name, phone=phone, locale="en")
    await _place(bot, morning, ALI, "checked_in")
    await _place(bot, morning, OMAR, "accepted")
    await _place(bot, morning, SAAD, "no_show")
    await _place(bot, theirs, HIND, "accepted")
    at(bot, NINE_AM)
    return morning, evening, theirs


def _section(text: str, label: str) -> str:
    (line,) = [line for line in text.splitlines() if label in line]
    return line


async def test_the_coordinator_sees_every_section_of_the_day_in_time_order(bot: BotHarness) -> None:
    morning, evening, theirs = await _day(bot)
    (reply,) = await bot.command(bot.user(COORDINATOR, "Coord", "en"), "/today")
    text = reply.text
    assert reply.params["parse_mode"] == "HTML"
    # Both calendars in the header, and the day's totals.
    assert "Tuesday" in text and "1447 AH" in text and "12 May 2026" in text
    assert "3 shifts" in text and "1 on shift now" in text and "1 late" in text
    assert "5 open places" in text  # the no-show holds no place
    # Per site, in time order: Quba (08:00, then the other entity's 10:00), then the evening.
    assert text.index("Guides at Quba Mosque") < text.index("Water for visitors")
    assert text.index("Water for visitors") < text.index("Evening guides")
    assert text.count("📍") == 2
    assert "on shift now" in _section(text, "Guides at Quba Mosque")
    on_shift = _section(text, "On shift now (1)")
    assert f'<a href="tg://user?id={ALI}">' in on_shift and "Ali Hasan" in on_shift
    assert "+966500000101" in on_shift  # staff see phones
    late = _section(text, "Late, not checked in (1)")
    assert "Omar Said" in late and f"tg://user?id={OMAR}" in late
    assert "Saad Nasser" in _section(text, "Did not come (1)")
    assert "3 open places of 5" in text and "2 open places of 2" in text
    assert "starts later" in _section(text, "Evening guides")
    # Hind's 10:00 shift has not started: she is expected, not late.
    assert "Hind Saleh" in _section(text, "Expected (1)")
    assert ("📣 Fill #3", f"mo:s:{evening}:0") in reply.buttons
    assert all(data != f"mo:s:{theirs}:0" for _label, data in reply.buttons)  # full
    assert ("🧾 Attendance #1", f"att:v:{morning}:0") in reply.buttons
    assert ("🔄 Refresh", "td:p:0") in reply.buttons
    # The buttons open the existing screens: attendance of the morning shift, a manual offer.
    opened = await bot.press(bot.user(COORDINATOR, "Coord", "en"), f"att:v:{morning}:0")
    assert "Ali Hasan" in bot.texts(opened)
    fill = await bot.press(bot.user(COORDINATOR, "Coord", "en"), f"mo:s:{evening}:0")
    assert "Evening guides" in bot.texts(fill)
    # Refresh edits the board in place.
    (edit,) = [c for c in await bot.press(bot.user(COORDINATOR, "Coord", "en"), "td:p:0")
               if c.method == "editMessageText"]
    assert "Guides at Quba Mosque" in edit.text


async def test_late_follows_the_grace(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(LATE_GRACE="2h")
    await _day(bot)
    (reply,) = await bot.command(bot.user(COORDINATOR, "Coord", "en"), "/today")
    assert "Late, not checked in" not in reply.text
    expected = [line for line in reply.text.splitlines() if "Expected (1)" in line]
    assert any("Omar Said" in line for line in expected)


async def test_a_representative_sees_only_their_entity_without_phones(bot: BotHarness) -> None:
    _morning, _evening, theirs = await _day(bot)
    await create_user(bot.db, REP, role="entity_rep", locale="en", language_code="en")
    (reply,) = await bot.command(bot.user(REP, "Rep", "en"), "/today")
    assert "Guides at Quba Mosque" in reply.text and "Evening guides" in reply.text
    assert "Water for visitors" not in reply.text and "Hind Saleh" not in reply.text
    assert "2 shifts" in reply.text
    assert "Ali Hasan" in reply.text and "+966500000101" not in reply.text
    assert all(f":{theirs}:" not in data for _label, data in reply.buttons)
    (other,) = await bot.command(bot.user(OTHER_REP, "Other", "en"), "/today")
    assert "Water for visitors" in other.text and "Guides at Quba Mosque" not in other.text


async def test_a_volunteer_and_a_group_are_refused(bot: BotHarness) -> None:
    await _day(bot)
    calls = await bot.command(bot.user(ALI, "Ali", "en"), "/today")
    assert "Guides at Quba Mosque" not in bot.texts(calls)
    assert "only for partner entities' representatives and office staff" in bot.texts(calls)
    group = await bot.command(bot.user(COORDINATOR, "Coord", "en"), "/today", group=GROUP)
    assert "Guides at Quba Mosque" not in bot.texts(group)
    pressed = await bot.press(bot.user(ALI, "Ali", "en"), "td:p:0")
    assert "Guides at Quba Mosque" not in bot.texts(pressed)


async def test_an_empty_day_and_a_representative_of_nothing(bot: BotHarness) -> None:
    await create_user(bot.db, COORDINATOR, role="coordinator", locale="en", language_code="en")
    at(bot, NINE_AM)
    (reply,) = await bot.command(bot.user(COORDINATOR, "Coord", "en"), "/today")
    assert "No shifts today." in reply.text


async def test_the_board_in_arabic(bot: BotHarness) -> None:
    await _day(bot, locale="ar")
    (reply,) = await bot.command(bot.user(COORDINATOR, "Coord", "ar"), "/today")
    text = reply.text
    assert "لوحة اليوم" in text and "1447" in text and "هـ" in text
    assert "Ali Hasan" in text and "Omar Said" in text
    assert "Late, not checked in" not in text and "open place" not in text
    assert any(label.startswith("📣") for label, _data in reply.buttons)


async def test_a_long_day_is_paged_within_telegram_limits(bot: BotHarness) -> None:
    await create_user(bot.db, COORDINATOR, role="coordinator", locale="en", language_code="en")
    entity = await create_entity(bot.db, name_en="E" * 120, name_ar="ج" * 120)
    volunteer = 1000
    for n in range(30):
        _need, (shift,) = await create_need(
            bot.db, entity, first_day=TUESDAY, start=time(6 + n % 12, 0), end=time(20, 0),
            slots=40, title=f"Shift {n} " + "a very long title " * 12,
            site_name=f"Site {n % 4} " + "x" * 150,
        )
        for k in range(12):
            volunteer += 1
            await create_volunteer(bot.db, volunteer, full_name="Long name " * 10 + str(k))
            await _place(bot, shift, volunteer, ("checked_in", "accepted", "no_show")[k % 3])
    at(bot, NINE_AM)
    staff = bot.user(COORDINATOR, "Coord", "en")
    (reply,) = await bot.command(staff, "/today")  # the offline double refuses > 4,096
    assert "Page 1 of" in reply.text
    pages = int(reply.text.rsplit("Page 1 of ", 1)[1].split()[0].strip("\u2066\u2069"))
    assert pages > 1
    seen = 0
    for page in range(pages):
        calls = await bot.press(staff, f"td:p:{page}")
        (edit,) = [c for c in calls if c.method == "editMessageText"]
        assert f"Page {page + 1} of" in edit.text.replace("\u2066", "").replace("\u2069", "")
        seen += edit.text.count("🕗")
        assert all(len(data.encode()) <= 64 for _label, data in edit.buttons)
    assert seen == 30
    assert (await db.day_shifts(bot.db, start=db.moment("2026-05-11T21:00:00+00:00"),
                                end=db.moment("2026-05-12T21:00:00+00:00"), entity_ids=[]) == [])
