"""Alerts people can bear: at-risk and no-show alerts to the office and the entity's
representatives come as one digest per person per window, never in quiet hours unless a shift
starts within 2 h, each line with a button that re-checks who pressed it; nothing is lost across
a restart."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import db, digests, scheduler
from bot.i18n import use_locale
from bot.notices.digests import AT_RISK, NO_SHOW, digest_pages
from tests.factories import (
    create_assignment,
    create_entity,
    create_need,
    create_user,
    create_volunteer,
)
from tests.factories_attendance import at, taken_shift
from tests.factories_dispatch import TUESDAY
from tests.harness import BotHarness

RIYADH = ZoneInfo("Asia/Riyadh")
QUIET = (time(23, 0), time(6, 0))
# The Tuesday 08:00 shift (05:00 UTC): 24 h reminders at Monday 05:00 UTC, the 6 h confirmation
# deadline at 02:00 in Madinah (quiet), the morning at 06:00 (03:00 UTC).
DUE_24H = "2026-05-11T05:00:00+00:00"
DEADLINE_6H = "2026-05-11T23:00:00+00:00"
MORNING = "2026-05-12T03:00:00+00:00"


def alerts(calls: list) -> list[str]:  # type: ignore[type-arg]
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"
            and c.params.get("show_alert")]


async def _take(bot: BotHarness, shift: int, user_id: int) -> int:
    """An accepted place with its reminders planned, as accepting plans them."""
    assignment_id = await create_assignment(bot.db, shift, user_id)
    starts = db.moment((await db.get_shift(bot.db, shift))["starts_at"])
    async with bot.db.transaction() as tx:
        for lead in (timedelta(hours=24), timedelta(hours=2)):
            await db.schedule_reminder(tx, assignment_id, lead_seconds=int(lead.total_seconds()),
                                       due_at=starts - lead)
    return assignment_id


async def _unconfirmed(bot: BotHarness, count: int, *, start: time = time(8, 0),
                       rep_locale: str = "en") -> int:
    """A Tuesday shift of entity (rep 90, coordinator 50, admin 1) with `count` volunteers who
    took a place and were asked to confirm; returns the shift id."""
    await create_user(bot.db, 50, role="coordinator", locale="en")
    await create_user(bot.db, 90, role="entity_rep", locale=rep_locale)
    entity = await create_entity(bot.db, reps=[90])
    _need, (shift,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=count, start=start,
                                        end=time(start.hour + 4, start.minute))
    for n in range(count):
        await create_volunteer(bot.db, 200 + n, full_name=f"Volunteer {n:02d}", locale="en")
        await _take(bot, shift, 200 + n)
    return shift


async def _remind(bot: BotHarness, moment: str) -> None:
    at(bot, moment)
    await scheduler.tick(bot.app)
    await bot.flush_outbox()


def _office(calls: list) -> list:  # type: ignore[type-arg]
    return [c for c in calls if c.chat_id in (1, 50, 90)]


async def test_n_unconfirmed_make_one_digest_each_none_at_night(bot: BotHarness) -> None:
    shift = await _unconfirmed(bot, 5, rep_locale="ar")
    await _remind(bot, DUE_24H)
    at(bot, DEADLINE_6H)
    report = await scheduler.tick(bot.app)
    assert report.at_risk == 5 and report.digests == 0
    assert _office(await bot.flush_outbox()) == []  # 02:00: quiet hours
    at(bot, "2026-05-12T02:59:00+00:00")
    await scheduler.tick(bot.app)
    assert _office(await bot.flush_outbox()) == []
    at(bot, MORNING)  # 06:00 in Madinah
    assert (await scheduler.tick(bot.app)).digests == 3
    assert (await scheduler.tick(bot.app)).digests == 0  # nothing twice
    calls = _office(await bot.flush_outbox())
    assert sorted(c.chat_id for c in calls) == [1, 50, 90]  # one message each, not five
    coordinator = next(c for c in calls if c.chat_id == 50)
    assert "🔔 5 alerts for you" in coordinator.text
    assert "⚠️ Not confirmed, the shift starts in 2 hours" in coordinator.text
    assert all(f"Volunteer {n:02d}" in coordinator.text for n in range(5))
    assert coordinator.buttons == [("👥 1. The roster", f"sh:r:{shift}:0")]
    representative = next(c for c in calls if c.chat_id == 90)
    assert "🔔 5 تنبيهات لك" in representative.text
    assert "لم يؤكَّد" in representative.text

    # The button opens the roster for staff and the entity's representative, no one else.
    roster = (await bot.press(bot.user(50, "Coord", "en"), f"sh:r:{shift}:0"))[-1]
    assert "Roster of" in roster.text and "Volunteer 00" in roster.text
    await create_volunteer(bot.db, 300, full_name="Curious", locale="en")
    calls = await bot.press(bot.user(300, "Curious", "en"), f"sh:r:{shift}:0")
    assert "Roster of" not in bot.texts(calls)
    await create_user(bot.db, 91, role="entity_rep", locale="en")
    await create_entity(bot.db, name_ar="جهة أخرى", name_en="Other", reps=[91])
    calls = await bot.press(bot.user(91, "Other", "en"), f"sh:r:{shift}:0")
    assert alerts(calls) == ["Sorry, this belongs to another entity."]


async def test_a_shift_starting_soon_is_told_in_quiet_hours(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(CONFIRM_DEADLINE="90m")
    shift = await _unconfirmed(bot, 2, start=time(3, 30))  # 03:30 in Madinah, 00:30 UTC
    await _remind(bot, "2026-05-11T00:30:00+00:00")  # the 24 h reminder
    at(bot, "2026-05-11T23:00:00+00:00")  # 02:00: the deadline, in quiet hours
    report = await scheduler.tick(bot.app)
    assert report.at_risk == 2 and report.digests == 3
    calls = _office(await bot.flush_outbox())
    assert sorted(c.chat_id for c in calls) == [1, 50, 90]
    coordinator = next(c for c in calls if c.chat_id == 50)
    assert "the shift starts in 1 hour and 30 minutes" in coordinator.text
    assert coordinator.buttons == [("👥 1. The roster", f"sh:r:{shift}:0")]
    admin = next(c for c in calls if c.chat_id == 1)  # Arabic
    assert "والمتبقي على بدء المناوبة ساعة واحدة و30 دقيقة" in admin.text


async def test_a_restart_in_quiet_hours_loses_nothing(bot: BotHarness) -> None:
    await _unconfirmed(bot, 3)
    await _remind(bot, DUE_24H)
    at(bot, DEADLINE_6H)
    await scheduler.tick(bot.app)
    bot = await bot.restart(graceful=False)
    at(bot, MORNING)
    await scheduler.tick(bot.app)
    calls = _office(await bot.flush_outbox())
    assert sorted(c.chat_id for c in calls) == [1, 50, 90]
    assert "🔔 3 alerts for you" in next(c for c in calls if c.chat_id == 50).text
    assert "🔔 3 تنبيهات لك" in next(c for c in calls if c.chat_id == 1).text


async def test_one_digest_per_window_and_what_is_no_longer_news(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(QUIET_HOURS="off")
    shift = await _unconfirmed(bot, 2)  # 08:00: flagged at 23:00 UTC
    entity = (await db.get_shift(bot.db, shift))["entity_id"]
    _need, (later,) = await create_need(bot.db, entity, first_day=TUESDAY, slots=2,
                                        start=time(8, 10), end=time(12, 0), title="Later guides")
    for user_id, name in ((210, "Zaid Karim"), (211, "Sami Nour")):
        await create_volunteer(bot.db, user_id, full_name=name, locale="en")
    await _take(bot, later, 210)
    sami = await _take(bot, later, 211)
    await _remind(bot, "2026-05-11T05:10:00+00:00")  # the 24 h reminders of both shifts
    at(bot, DEADLINE_6H)  # 02:00, but quiet hours are off
    await scheduler.tick(bot.app)
    first = [c for c in await bot.flush_outbox() if c.chat_id == 50]
    assert len(first) == 1 and "Guides at Quba Mosque" in first[0].text
    at(bot, "2026-05-11T23:10:00+00:00")  # the later shift's deadline: inside the window
    assert (await scheduler.tick(bot.app)).at_risk == 2
    assert [c for c in await bot.flush_outbox() if c.chat_id == 50] == []
    # Sami confirms meanwhile: the digest leaves him out.
    await bot.press(bot.user(211, language_code="en"), f"rem:ok:{sami}")
    at(bot, "2026-05-11T23:29:00+00:00")
    await scheduler.tick(bot.app)
    assert [c for c in await bot.flush_outbox() if c.chat_id == 50] == []
    at(bot, "2026-05-11T23:30:00+00:00")
    await scheduler.tick(bot.app)
    second = [c for c in await bot.flush_outbox() if c.chat_id == 50]
    assert len(second) == 1 and "🔔 1 alert for you" in second[0].text
    assert "Later guides" in second[0].text and "Zaid Karim" in second[0].text
    assert "Sami Nour" not in second[0].text


async def test_no_shows_reach_the_office_and_the_entity_in_a_digest(bot: BotHarness) -> None:
    _need, shift, _taken = await taken_shift(bot)
    await create_user(bot.db, 90, role="entity_rep", locale="en")
    await create_volunteer(bot.db, 102, full_name="Omar Saleh", language_code="en")
    omar = await create_assignment(bot.db, shift, 102)
    # The representative marks Omar absent during the shift: the office hears it, not the rep.
    at(bot, "2026-05-12T06:00:00+00:00")
    await bot.press(bot.user(90, "Rep", "en"), f"att:a:{omar}:0")
    await scheduler.tick(bot.app)
    calls = _office(await bot.flush_outbox())
    assert sorted(c.chat_id for c in calls) == [1, 50]
    coordinator = next(c for c in calls if c.chat_id == 50)
    assert "❌ Did not come" in coordinator.text and "Omar Saleh" in coordinator.text
    assert coordinator.buttons == [("🧾 1. Correct attendance", f"att:v:{shift}:0")]
    # Ali is settled as a no-show after the shift (12:00 UTC = 15:00, not quiet): all three.
    at(bot, "2026-05-12T12:00:00+00:00")
    await scheduler.tick(bot.app)
    calls = _office(await bot.flush_outbox())
    assert sorted(c.chat_id for c in calls) == [1, 50, 90]
    assert all("Ali Hasan" in c.text and "Omar" not in c.text for c in calls)
    view = (await bot.press(bot.user(90, "Rep", "en"), f"att:v:{shift}:0"))[-1]
    assert "Attendance of" in view.text


def test_quiet_hours_and_windows() -> None:
    night = datetime(2026, 5, 11, 23, 0, tzinfo=UTC)  # 02:00 in Madinah
    assert digests.in_quiet_hours(night, QUIET, RIYADH)
    assert not digests.in_quiet_hours(night.replace(hour=3), QUIET, RIYADH)  # 06:00
    assert digests.in_quiet_hours(night.replace(hour=20), QUIET, RIYADH)  # 23:00
    assert not digests.in_quiet_hours(night, None, RIYADH)
    assert digests.in_quiet_hours(night, (time(1, 0), time(3, 0)), RIYADH)  # not wrapping
    window = timedelta(minutes=30)
    soon, later = night + timedelta(minutes=90), night + timedelta(hours=6)
    for starts, last, moment, expected in (
        ((later,), None, night, False),  # quiet
        ((later, soon), None, night, True),  # a shift within 2 h
        ((later,), None, night.replace(hour=3), True),
        ((later,), night.replace(hour=3), night.replace(hour=3, minute=20), False),  # window
        ((later,), night.replace(hour=3), night.replace(hour=3, minute=30), True),
        ((), None, night.replace(hour=3), False),
    ):
        waiting = digests.Waiting(starts, last)
        assert digests.due(waiting, now=moment, window=window, quiet=QUIET, tz=RIYADH) is expected


def _row(n: int) -> dict[str, object]:
    starts = datetime(2026, 5, 12, 5, tzinfo=UTC) + timedelta(hours=n)
    return {
        "shift_id": n, "starts_at": db.ts(starts), "ends_at": db.ts(starts + timedelta(hours=4)),
        "title": "A rather long need title that goes on " * 3, "entity_name_ar": "جهة",
        "entity_name_en": "An entity with a long name", "full_name": "Volunteer with a long name",
        "first_name": "V", "volunteer_id": 1000 + n, "phone": "+966500000000",
    }


def test_a_long_digest_is_split_into_pages_that_fit() -> None:
    now = datetime(2026, 5, 12, 3, tzinfo=UTC)
    items = [(AT_RISK if n % 2 else NO_SHOW, _row(n // 3)) for n in range(90)]
    for locale in ("en", "ar"):
        with use_locale(locale):
            pages = digest_pages(items, RIYADH, now=now)
        assert len(pages) > 1
        assert all(len(text) <= 4096 for text, _keyboard in pages)
        assert all(len(k.inline_keyboard) <= 8 for _text, k in pages)
        assert sum(len(k.inline_keyboard) for _text, k in pages) == 60  # one per shift and kind



def test_quiet_hours_setting() -> None:
    import pytest

    from bot.config import ConfigError, Settings

    assert Settings.from_env({}, require_token=False).quiet_hours == QUIET
    assert Settings.from_env({"QUIET_HOURS": "off"}, require_token=False).quiet_hours is None
    assert Settings.from_env({"QUIET_HOURS": "22:30-5:00"}, require_token=False).quiet_hours == (
        time(22, 30), time(5, 0))
    for bad in ("23-06", "25:00-06:00", "06:00-06:00"):
        with pytest.raises(ConfigError, match="QUIET_HOURS"):
            Settings.from_env({"QUIET_HOURS": bad}, require_token=False)
    window = Settings.from_env({"ALERT_DIGEST_WINDOW": "1h"}, require_token=False)
    assert window.alert_digest_window == timedelta(hours=1)
