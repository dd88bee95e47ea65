"""An accepted shift as an .ics calendar file (icalendar), and its cancellation: pure.

The event keeps one UID per assignment, so a phone's calendar replaces the event when the
cancellation (METHOD:CANCEL, a higher SEQUENCE) arrives instead of adding a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import _, format_date, format_time

PRODID = "-//Aoun//Volunteer desk//EN"
ALARM_BEFORE = timedelta(hours=2)


@dataclass(frozen=True)
class ShiftEvent:
    assignment_id: int
    title: str
    site: str
    starts_at: datetime  # aware
    ends_at: datetime
    office: str
    latitude: float | None = None
    longitude: float | None = None
    notes: str | None = None


def _uid(event: ShiftEvent) -> str:
    return f"assignment-{event.assignment_id}@aoun"


def _description(event: ShiftEvent, tz_starts: datetime, tz_ends: datetime) -> str:
    lines = [
        _("{day}, {start} to {end}").format(
            day=format_date(tz_starts.date()), start=format_time(tz_starts), end=format_time(tz_ends)
        ),
        _("Site: {site}").format(site=event.site),
    ]
    if event.notes:
        lines.append(event.notes)
    lines.append(event.office)
    return "\n".join(lines)


def shift_calendar(event: ShiftEvent, *, now: datetime, tz_name: str, cancelled: bool = False) -> bytes:
    """The .ics of one accepted shift (or its cancellation), in the reader's language."""
    from icalendar import Alarm, Calendar, Event, vGeo  # loaded with the first calendar file

    tz = ZoneInfo(tz_name)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    item = Event()
    item.add("uid", _uid(event))
    item.add("dtstamp", now)
    item.add("sequence", 1 if cancelled else 0)
    item.add("summary", event.title)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("location", event.site)
    if event.latitude is not None and event.longitude is not None:
        item.add("geo", vGeo((event.latitude, event.longitude)))
    item.add("description", _description(event, event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)))
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.title)
        alarm.add("trigger", -ALARM_BEFORE)
        item.add_component(alarm)
    calendar.add_component(item)
    return calendar.to_ical()
