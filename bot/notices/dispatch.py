"""What dispatch sends on its own initiative: offers and promotions, the notes that close them,
reminders, check-in prompts, the thank-you, and notices to the office and the entity; and the
callback data of every dispatch and attendance button (one table, below).

Rendered in the current locale: the caller wraps calls in `use_locale(recipient's locale)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import catalog
from bot.assignments import Status
from bot.calendar_file import ALARM_BEFORE, ShiftEvent, shifts_calendar
from bot.flows import kit
from bot.i18n import (
    G_,
    N_,
    P_,
    _,
    format_datetime,
    format_short_date,
    format_time,
    isolate,
    ltr,
    ngettext,
    pgettext,
)
from bot.texts import Row, entity_name, shift_when
from bot.texts.shifts import duration_text, hours_text, moment_of, shift_details, time_window

# -- callback data (at most 64 bytes, re-validated on every press) --------------------------------
ACCEPT = kit.Route("off", "acc", int)  # assignment: offers
DECLINE = kit.Route("off", "dec", int)
DECLINE_REASON = kit.Route("off", "rsn", int, str)  # assignment, reason code (or skip)
SHIFTS_PAGE = kit.Route("shf", "p", int)  # offset: /shifts
SIGN_UP = kit.Route("shf", "sig", int)  # shift
CANCEL = kit.Route("my", "can", int)  # assignment: /myshifts
MY_PAGE = kit.Route("my", "sp", int)  # offset: /myshifts, a page at a time
MY_ACCEPT = kit.Route("my", "acc", int, int)  # assignment, offset: an offer accepted from /myshifts
CALENDAR = kit.Route("cal", "ics", int)  # assignment: the shift's .ics file
SERIES_ALL = kit.Route("ser", "all", int)  # series: Accept all (the days of one need in one offer)
SERIES_NONE = kit.Route("ser", "no", int)  # series: Decline all
SERIES_ACCEPT = kit.Route("ser", "acc", int)  # assignment: one day of a series
SERIES_DECLINE = kit.Route("ser", "dec", int)  # assignment
SERIES_CALENDAR = kit.Route("ser", "cal", int)  # series: the .ics of the days taken
CONFIRM_CANCEL = kit.Route("my", "cok", int)
KEEP_PLACE = kit.Route("my", "keep", int)
LATE_REASON = kit.Route("my", "lr", int, str)  # assignment, reason code: a late cancellation
COMING = kit.Route("rem", "ok", int)  # assignment: reminders
CANT_COME = kit.Route("rem", "no", int)
CHECK_IN = kit.Route("att", "in", int)  # assignment
ATTENDANCE = kit.Route("att", "v", int, int)  # shift, offset: attendance (staff, representatives)
PRESENT = kit.Route("att", "p", int, int)  # assignment, offset of the page it was pressed on
ABSENT = kit.Route("att", "a", int, int)
SHIFT_ROSTER = kit.Route("sh", "r", int, int)  # shift, offset: the roster (bot/handlers/needs.py)
NO_SHOW_WHY = kit.Route("att", "why", int)  # assignment: a no-show says what happened
NO_SHOW_REASON = kit.Route("att", "nsr", int, str)  # assignment, reason code


# -- offers --------------------------------------------------------------------------------------


def offer_text(row: Row, tz: ZoneInfo, expires_at: datetime) -> str:
    return "\n\n".join(
        [
            _("📣 A volunteer shift that matches you"),
            shift_details(row, tz),
            _("Can you come? Please answer by {deadline}.").format(
                deadline=format_datetime(expires_at, tz)
            ),
        ]
    )


def promotion_text(row: Row, tz: ZoneInfo, expires_at: datetime, ttl: timedelta) -> str:
    return "\n\n".join(
        [
            _("🎉 A place has opened up on a shift you were waiting for."),
            shift_details(row, tz),
            _(
                "Please confirm within {duration} (by {deadline}); after that the place goes to "
                "the next person on the waitlist."
            ).format(duration=duration_text(ttl, oblique=True), deadline=format_time(expires_at.astimezone(tz))),
        ]
    )


def offer_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    return kit.markup(
        [
            kit.button(_("✅ Accept"), ACCEPT.data(assignment_id)),
            kit.button(_("❌ Decline"), DECLINE.data(assignment_id)),
        ]
    )


def offer_expired_note() -> str:
    return _("⌛ This offer has expired, so the place will be offered to someone else.")


def promotion_expired_note() -> str:
    return _("⌛ The time to confirm has passed, so the place went to the next person on the waitlist.")


def offer_withdrawn_note() -> str:
    return _("🚫 This offer was withdrawn by the volunteer office.")


def shift_gone_note() -> str:
    return _("🚫 This shift was cancelled or closed by the organisers.")


# -- series offers: several days of one need in one message -----------------------------------


def in_series(row: Row) -> bool:
    """An offer asked by a series message (a promotion from the waitlist has its own)."""
    return bool(row["series_id"]) and not row["promoted_at"]


def series_day_open(row: Row, now: datetime) -> bool:
    """A day of a series that can still be answered from its message."""
    return (
        row["status"] == Status.OFFERED
        and not row["promoted_at"]
        and moment_of(row["expires_at"]) > now
        and row["shift_status"] == "open"
        and row["need_status"] == "approved"
        and moment_of(row["starts_at"]) > now
    )


def _day_state(row: Row, now: datetime, position: int) -> str:
    if row["shift_status"] != "open" or row["need_status"] != "approved":
        return _("🚫 cancelled by the organisers")
    status = row["status"]
    if status == Status.OFFERED:
        if row["promoted_at"]:
            return _("🎉 a place opened: see my newer message")
        if moment_of(row["expires_at"]) <= now or moment_of(row["starts_at"]) <= now:
            return _("⌛ expired")
        return _("❔ waiting for your answer")
    if status in (Status.ACCEPTED, Status.CHECKED_IN, Status.COMPLETED):
        return _("✅ accepted")
    if status == Status.WAITLISTED:
        return _("⏳ full: you are number {position} on its waitlist").format(position=ltr(position))
    if status == Status.DECLINED:
        return _("❌ declined")
    if status == Status.EXPIRED:
        return _("⌛ expired")
    if status == Status.CANCELLED:
        return _("🚫 cancelled")
    return _("❌ absent")


def series_text(
    rows: Sequence[Row], tz: ZoneInfo, *, now: datetime, positions: dict[int, int] | None = None
) -> str:
    """The series offer: the need once, then its days, each with where it stands."""
    first = rows[0]
    positions = positions or {}
    about = [
        _("🏢 {entity}").format(entity=entity_name(first, "entity_")),
        _("📋 {title}").format(title=isolate(first["title"])),
        _("🔖 Specialty: {specialty}").format(
            specialty=catalog.label(catalog.SPECIALTIES, first["specialty"])
        ),
        _("📍 Site: {site}").format(site=isolate(first["site_name"])),
    ]
    if first["notes"]:
        about.append(_("📝 {notes}").format(notes=isolate(first["notes"])))
    days = []
    for number, row in enumerate(rows, start=1):
        start = moment_of(row["starts_at"]).astimezone(tz)
        days.append(_("{n}. {date}, {window}: {state}").format(
            n=ltr(number), date=format_short_date(start.date()), window=time_window(row, tz),
            state=_day_state(row, now, positions.get(row["id"], 0)),
        ))
    parts = [
        ngettext(
            "📣 Volunteer shifts that match you, on {n} day",
            "📣 Volunteer shifts that match you, on {n} days",
            len(rows),
        ).format(n=ltr(len(rows))),
        "\n".join(about),
        "\n".join(days),
    ]
    waiting = [moment_of(row["expires_at"]) for row in rows if series_day_open(row, now)]
    if waiting:
        parts.append(_(
            "Can you come? Accept all the days, or answer day by day. Please answer by {deadline}."
        ).format(deadline=format_datetime(min(waiting), tz)))
    elif any(row["status"] == Status.ACCEPTED for row in rows):
        parts.append(_("Thank you! I will remind you before each shift you took."))
    return "\n\n".join(parts)


def series_keyboard(series_id: int, rows: Sequence[Row], *, now: datetime) -> InlineKeyboardMarkup | None:
    """Accept all and Decline all, then Accept and Decline per open day; Add to calendar once a
    day is taken. None when nothing is left to press."""
    open_days = [(n, row) for n, row in enumerate(rows, start=1) if series_day_open(row, now)]
    buttons: list[list[InlineKeyboardButton]] = []
    if len(open_days) > 1:
        buttons.append([
            kit.button(_("✅ Accept all"), SERIES_ALL.data(series_id)),
            kit.button(_("❌ Decline all"), SERIES_NONE.data(series_id)),
        ])
    for number, row in open_days:
        buttons.append([
            kit.button(_("✅ Day {n}").format(n=number), SERIES_ACCEPT.data(row["id"])),
            kit.button(_("❌ Day {n}").format(n=number), SERIES_DECLINE.data(row["id"])),
        ])
    if any(row["status"] == Status.ACCEPTED for row in rows):
        buttons.append([kit.button(_("🗓 Add to calendar"), SERIES_CALENDAR.data(series_id))])
    return kit.markup(buttons) if buttons else None


# -- the calendar file --------------------------------------------------------------------------


def calendar_event(row: Row) -> ShiftEvent:
    """An assignment row (with its shift's columns) as a calendar event."""
    return ShiftEvent(
        assignment_id=row["id"],
        title=row["title"],
        site=row["site_name"],
        starts_at=moment_of(row["starts_at"]),
        ends_at=moment_of(row["ends_at"]),
        office=entity_name(row, "entity_"),
        latitude=row["latitude"],
        longitude=row["longitude"],
        notes=row["notes"],
    )


def calendar_document(
    rows: Sequence[Row], tz: ZoneInfo, *, now: datetime, cancelled: bool = False
) -> dict[str, str]:
    """The .ics of these shifts (or their cancellation), as the outbox keeps a small file."""
    ics = shifts_calendar(
        [calendar_event(row) for row in rows], now=now, tz_name=tz.key, cancelled=cancelled
    )
    first = moment_of(rows[0]["starts_at"]).astimezone(tz).date().isoformat()
    name = f"shift-{first}-cancelled.ics" if cancelled else f"shift-{first}.ics"
    return {"filename": name, "text": ics.decode()}


def calendar_caption(*, cancelled: bool = False) -> str:
    if cancelled:
        return _("🗓 Open this file to remove the cancelled shift from your calendar.")
    return _("🗓 Open this file to add the shift to your calendar; it reminds you {duration} before.").format(
        duration=duration_text(ALARM_BEFORE, oblique=True)
    )


def calendar_button(assignment_id: int) -> list[InlineKeyboardButton]:
    return [kit.button(_("🗓 Add to calendar"), CALENDAR.data(assignment_id))]


# -- reminders -----------------------------------------------------------------------------------


def reminder_text(row: Row, tz: ZoneInfo, *, now: datetime, confirmed: bool) -> str:
    starts = moment_of(row["starts_at"])
    if _is_session(row):
        heading = _("⏰ Reminder: your session starts in {duration}.")
    else:
        heading = _("⏰ Reminder: your shift starts in {duration}.")
    parts = [
        heading.format(duration=duration_text(starts - now, oblique=True)),
        shift_details(row, tz),
    ]
    if not confirmed:
        parts.append(_("Please confirm that you are coming, or tell us if you cannot make it."))
    else:
        parts.append(G_("If something has come up, please tell us now so someone else can go."))
    return "\n\n".join(parts)


def reminder_keyboard(assignment_id: int, *, confirmed: bool) -> InlineKeyboardMarkup:
    row = []
    if not confirmed:
        row.append(kit.button(_("👍 I'm coming"), COMING.data(assignment_id)))
    row.append(kit.button(_("🚫 Can't make it"), CANT_COME.data(assignment_id)))
    return kit.markup(row)


# -- attendance ----------------------------------------------------------------------------------


def checkin_prompt_text(row: Row, tz: ZoneInfo, *, now: datetime) -> str:
    starts = moment_of(row["starts_at"]).astimezone(tz)
    if _is_session(row) and starts <= now:
        text = G_("Your session at {site} started at {time}. When you arrive, tap Check in.")
    elif _is_session(row):
        text = G_("Your session at {site} starts at {time}. When you arrive, tap Check in.")
    elif starts <= now:
        text = G_("Your shift at {site} started at {time}. When you arrive, tap Check in.")
    else:
        text = G_("Your shift at {site} starts at {time}. When you arrive, tap Check in.")
    return text.format(site=isolate(row["site_name"]), time=format_time(starts))


def _is_session(row: Row) -> bool:
    """A training or lecture rides dispatch as a need of one shift: it reads as a session."""
    try:
        return row["session_id"] is not None
    except (KeyError, IndexError):  # a row without the column is a shift's
        return False


def checkin_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    return kit.markup([kit.button(_("📍 Check in"), CHECK_IN.data(assignment_id))])


def thank_you_text(row: Row, *, total_hours: float) -> str:
    span = moment_of(row["ends_at"]) - moment_of(row["starts_at"])
    return "\n\n".join(
        [
            _("🙏 Thank you for your service at {site}!").format(site=isolate(row["site_name"])),
            (
                _("This session: {duration}. Your hours served in total: {total}.")
                if _is_session(row)
                else _("This shift: {duration}. Your hours served in total: {total}.")
            ).format(
                duration=duration_text(span), total=hours_text(total_hours)
            ),
        ]
    )


# The no-show notice, by the reader's gender where it is known (Arabic addresses a man and a woman
# differently; English reads the same).
Addressed = dict[str | None, "str | tuple[str, str]"]

NO_SHOW_BODY: Addressed = {
    None: N_(
        "The place was recorded as not attended. If something came up, we would be glad to "
        "hear what happened: it helps the office plan, and nobody holds it against you. If you "
        "did come, the organisers can correct the record."
    ),
    "male": P_(
        "to a man",
        "The place was recorded as not attended. If something came up, we would be glad to "
        "hear what happened: it helps the office plan, and nobody holds it against you. If you "
        "did come, the organisers can correct the record.",
    ),
    "female": P_(
        "to a woman",
        "The place was recorded as not attended. If something came up, we would be glad to "
        "hear what happened: it helps the office plan, and nobody holds it against you. If you "
        "did come, the organisers can correct the record.",
    ),
}
NO_SHOW_OPENING: Addressed = {
    None: N_("We missed you at “{title}”, {when}. We hope all is well."),
    "male": P_("to a man", "We missed you at “{title}”, {when}. We hope all is well."),
    "female": P_("to a woman", "We missed you at “{title}”, {when}. We hope all is well."),
}


def addressed(variants: Addressed, gender: str | None) -> str:
    """The variant for the reader's gender (None: not known), translated."""
    chosen = variants.get(gender) or variants[None]
    if isinstance(chosen, tuple):
        return pgettext(*chosen)
    return _(chosen)


def no_show_text(row: Row, tz: ZoneInfo, *, gender: str | None) -> str:
    """To a volunteer whose place was settled or marked as a no-show: kind, with a way to say why."""
    return "\n\n".join(
        [
            addressed(NO_SHOW_OPENING, gender).format(
                title=isolate(row["title"]), when=shift_when(row, tz)
            ),
            addressed(NO_SHOW_BODY, gender),
        ]
    )


NO_SHOW_BUTTON: Addressed = {
    None: N_("💬 Tell us what happened"),
    "male": P_("to a man", "💬 Tell us what happened"),
    "female": P_("to a woman", "💬 Tell us what happened"),
}


def no_show_keyboard(assignment_id: int, *, gender: str | None) -> InlineKeyboardMarkup:
    return kit.markup([kit.button(addressed(NO_SHOW_BUTTON, gender), NO_SHOW_WHY.data(assignment_id))])


# -- notices to the office and the entity ---------------------------------------------------------


def volunteer_label(row: Row) -> str:
    name = row["full_name"] or row["first_name"] or str(row["volunteer_id"])
    phone = f" ({ltr(row['phone'])})" if row["phone"] else ""
    return f"{isolate(name)}{phone}"


def late_cancel_notice(row: Row, tz: ZoneInfo, *, now: datetime, reason: str) -> str:
    starts = moment_of(row["starts_at"])
    return "\n\n".join(
        [
            _("⚠️ Late cancellation"),
            _("{volunteer} cancelled their place {duration} before the start.").format(
                volunteer=volunteer_label(row), duration=duration_text(starts - now, oblique=True)
            ),
            _("Reason: {reason}").format(reason=isolate(_(reason))),
            shift_details(row, tz),
        ]
    )
