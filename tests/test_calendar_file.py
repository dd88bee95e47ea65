"""The .ics of an accepted shift reads back with icalendar, with both calendars and an alarm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.calendar_file import ShiftEvent, shift_calendar
from bot.i18n import use_locale

EVENT = ShiftEvent(
    assignment_id=42, title="Guides at Quba Mosque", site="Quba Mosque, north gate",
    starts_at=datetime(2026, 5, 20, 5, 0, tzinfo=UTC), ends_at=datetime(2026, 5, 20, 11, 0, tzinfo=UTC),
    office="Aoun", latitude=24.439345, longitude=39.617226, notes="Wear the office vest",
)
NOW = datetime(2026, 5, 10, tzinfo=UTC)


def test_an_accepted_shift_as_a_calendar_event() -> None:
    with use_locale("en"):
        ics = shift_calendar(EVENT, now=NOW, tz_name="Asia/Riyadh")
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["summary"]) == "Guides at Quba Mosque"
    assert event.decoded("dtstart") == EVENT.starts_at
    assert str(event["location"]) == "Quba Mosque, north gate"
    description = str(event["description"])
    assert "Dhu al-Hijjah 1447" in description and "May 2026" in description and "08:00" in description
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(hours=2)
    assert event["geo"].latitude == EVENT.latitude


def test_the_cancellation_replaces_the_same_event() -> None:
    with use_locale("ar"):
        ics = shift_calendar(EVENT, now=NOW, tz_name="Asia/Riyadh", cancelled=True)
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == "assignment-42@aoun" and int(event["sequence"]) == 1
    assert "ذو الحجة" in str(event["description"])
