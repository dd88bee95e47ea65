"""What dispatch says: shift descriptions, offers, reminders, notices and their buttons.

Rendered in the current locale: wrap calls in `use_locale(...)` to write to another user.
Callback data (at most 64 bytes, re-validated on every press):
  off:acc:<assignment>  off:dec:<assignment>  off:rsn:<assignment>:<code>   offers
  shf:p:<offset>        shf:sig:<shift>                                     /shifts
  my:can:<assignment>   my:cok:<assignment>   my:keep:<assignment>          /myshifts
  my:lr:<assignment>:<code>                                                 late cancellation
  rem:ok:<assignment>   rem:no:<assignment>                                 reminders
  att:in:<assignment>                                                       check in
  att:v:<shift>:<offset>  att:p:<assignment>  att:a:<assignment>            attendance (staff)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import catalog, db, matching
from bot.db import Row
from bot.i18n import (
    N_,
    _,
    format_date,
    format_datetime,
    format_short_date,
    format_time,
    get_locale,
    isolate,
    ltr,
    ngettext,
)

DECLINE_REASONS = (
    ("busy", N_("I am busy at that time")),
    ("far", N_("The site is too far for me")),
    ("health", N_("Health reasons")),
    ("travel", N_("I am travelling")),
)
LATE_REASONS = (
    ("ill", N_("I am ill")),
    ("family", N_("A family emergency")),
    ("transport", N_("No transport")),
    ("work", N_("Work or study")),
)


def reason_label(reasons: tuple[tuple[str, str], ...], code: str) -> str | None:
    """A reason button's source text: stored as is, translated where it is shown."""
    return next((label for c, label in reasons if c == code), None)


# -- describing a shift ------------------------------------------------------------------------


def entity_name(row: Row) -> str:
    return row["entity_name_ar"] if get_locale() == "ar" else row["entity_name_en"]


def time_window(row: Row, tz: ZoneInfo) -> str:
    start = db.parse_ts(row["starts_at"]).astimezone(tz)
    end = db.parse_ts(row["ends_at"]).astimezone(tz)
    window = f"{format_time(start)}–{format_time(end)}"
    if end.date() > start.date() and (end.hour, end.minute) != (0, 0):
        return _("{window} (ends the next day)").format(window=window)
    return window


def shift_details(row: Row, tz: ZoneInfo) -> str:
    """Entity, need, specialty, site, date (Hijri and Gregorian), time window and notes."""
    start = db.parse_ts(row["starts_at"]).astimezone(tz)
    lines = [
        _("🏢 {entity}").format(entity=isolate(entity_name(row))),
        _("📋 {title}").format(title=isolate(row["title"])),
        _("🔖 Specialty: {specialty}").format(
            specialty=catalog.label(catalog.SPECIALTIES, row["specialty"])
        ),
        _("📍 Site: {site}").format(site=isolate(row["site_name"])),
        _("📅 {date}").format(date=format_date(start.date())),
        _("🕗 {window}").format(window=time_window(row, tz)),
    ]
    if row["notes"]:
        lines.append(_("📝 {notes}").format(notes=isolate(row["notes"])))
    return "\n".join(lines)


def shift_line(row: Row, tz: ZoneInfo) -> str:
    """One short line for lists: date, time, title and entity."""
    start = db.parse_ts(row["starts_at"]).astimezone(tz)
    return _("{date}, {window} — {title} ({entity}), {site}").format(
        date=format_short_date(start.date()),
        window=time_window(row, tz),
        title=isolate(row["title"]),
        entity=isolate(entity_name(row)),
        site=isolate(row["site_name"]),
    )


def duration_text(delta: timedelta) -> str:
    """`2 hours`, `45 minutes`, `1 day and 3 hours` (rounded to the minute)."""
    minutes = max(0, round(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days and not hours and not minutes:
        hours, days = days * 24, 0
    if days:
        parts.append(ngettext("{n} day", "{n} days", days).format(n=days))
    if hours:
        parts.append(ngettext("{n} hour", "{n} hours", hours).format(n=hours))
    if minutes or not parts:
        parts.append(ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes))
    return _(" and ").join(parts)


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
            ).format(duration=duration_text(ttl), deadline=format_time(expires_at.astimezone(tz))),
        ]
    )


def offer_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ Accept"), callback_data=f"off:acc:{assignment_id}"),
                InlineKeyboardButton(_("❌ Decline"), callback_data=f"off:dec:{assignment_id}"),
            ]
        ]
    )


def decline_reason_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(_(label), callback_data=f"off:rsn:{assignment_id}:{code}")]
        for code, label in DECLINE_REASONS
    ]
    rows.append([InlineKeyboardButton(_("Skip"), callback_data=f"off:rsn:{assignment_id}:skip")])
    return InlineKeyboardMarkup(rows)


def late_reason_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(_(label), callback_data=f"my:lr:{assignment_id}:{code}")]
        for code, label in LATE_REASONS
    ]
    rows.append(
        [InlineKeyboardButton(_("↩️ Keep my place"), callback_data=f"my:keep:{assignment_id}")]
    )
    return InlineKeyboardMarkup(rows)


def cancel_confirm_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("Yes, cancel"), callback_data=f"my:cok:{assignment_id}"),
                InlineKeyboardButton(_("↩️ Keep my place"), callback_data=f"my:keep:{assignment_id}"),
            ]
        ]
    )


def offer_expired_note() -> str:
    return _("⌛ This offer has expired, so the place will be offered to someone else.")


def promotion_expired_note() -> str:
    return _("⌛ The time to confirm has passed, so the place went to the next person on the waitlist.")


def shift_gone_note() -> str:
    return _("🚫 This shift was cancelled or closed by the organisers.")


def accepted_note() -> str:
    return _("✅ You accepted this shift. Thank you! I will remind you before it starts.")


def waitlisted_note(position: int) -> str:
    return _(
        "This shift has just filled up. You are number {position} on the waitlist; "
        "I will message you if a place opens."
    ).format(position=ltr(position))


# -- reminders -----------------------------------------------------------------------------------


def reminder_text(row: Row, tz: ZoneInfo, *, now: datetime, confirmed: bool) -> str:
    starts = db.parse_ts(row["starts_at"])
    parts = [
        _("⏰ Reminder: your shift starts in {duration}.").format(
            duration=duration_text(starts - now)
        ),
        shift_details(row, tz),
    ]
    if not confirmed:
        parts.append(_("Please confirm that you are coming, or tell us if you cannot make it."))
    else:
        parts.append(_("If something has come up, please tell us now so someone else can go."))
    return "\n\n".join(parts)


def reminder_keyboard(assignment_id: int, *, confirmed: bool) -> InlineKeyboardMarkup:
    row = []
    if not confirmed:
        row.append(InlineKeyboardButton(_("👍 I'm coming"), callback_data=f"rem:ok:{assignment_id}"))
    row.append(InlineKeyboardButton(_("🚫 Can't make it"), callback_data=f"rem:no:{assignment_id}"))
    return InlineKeyboardMarkup([row])


# -- attendance ----------------------------------------------------------------------------------


def checkin_prompt_text(row: Row, tz: ZoneInfo, *, now: datetime) -> str:
    starts = db.parse_ts(row["starts_at"]).astimezone(tz)
    if starts <= now:
        text = _("Your shift at {site} started at {time}. When you arrive, tap Check in.")
    else:
        text = _("Your shift at {site} starts at {time}. When you arrive, tap Check in.")
    return text.format(site=isolate(row["site_name"]), time=format_time(starts))


def checkin_keyboard(assignment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("📍 Check in"), callback_data=f"att:in:{assignment_id}")]]
    )


def hours_text(hours: float) -> str:
    """`6 hours`, `12.5 hours` (a fraction takes the general plural form)."""
    value = round(hours, 1)
    count = int(value) if float(value).is_integer() else 100
    return ngettext("{n} hour", "{n} hours", count).format(n=ltr(f"{value:g}"))


def thank_you_text(row: Row, *, total_hours: float) -> str:
    span = db.parse_ts(row["ends_at"]) - db.parse_ts(row["starts_at"])
    return "\n\n".join(
        [
            _("🙏 Thank you for your service at {site}!").format(site=isolate(row["site_name"])),
            _("This shift: {duration}. Your hours served in total: {total}.").format(
                duration=duration_text(span), total=hours_text(total_hours)
            ),
        ]
    )


# -- notices to the office and the entity ---------------------------------------------------------


def volunteer_label(row: Row) -> str:
    name = row["full_name"] or row["first_name"] or str(row["volunteer_id"])
    phone = f" ({ltr(row['phone'])})" if row["phone"] else ""
    return f"{isolate(name)}{phone}"


def late_cancel_notice(row: Row, tz: ZoneInfo, *, now: datetime, reason: str) -> str:
    starts = db.parse_ts(row["starts_at"])
    return "\n\n".join(
        [
            _("⚠️ Late cancellation"),
            _("{volunteer} cancelled their place {duration} before the start.").format(
                volunteer=volunteer_label(row), duration=duration_text(starts - now)
            ),
            _("Reason: {reason}").format(reason=isolate(_(reason))),
            shift_details(row, tz),
        ]
    )


def at_risk_notice(row: Row, tz: ZoneInfo, *, now: datetime) -> str:
    starts = db.parse_ts(row["starts_at"])
    return "\n\n".join(
        [
            _("⚠️ Not confirmed"),
            _(
                "{volunteer} has not confirmed their place, and the shift starts in {duration}. "
                "You may want to call them or find a replacement."
            ).format(volunteer=volunteer_label(row), duration=duration_text(starts - now)),
            shift_details(row, tz),
        ]
    )


# -- why someone cannot take a shift -------------------------------------------------------------

INELIGIBLE_TEXTS = {
    matching.STATUS: N_("Your volunteer profile is not active, so you cannot take shifts right now."),
    matching.PAUSED: N_("Your offers are paused. Send /resume to take shifts again."),
    matching.UNREACHABLE: N_("I could not reach you earlier. Please try again."),
    matching.SPECIALTY: N_("This shift needs a specialty that is not in your profile."),
    matching.TRAINING: N_("This shift needs training in its specialty that you have not completed yet."),
    matching.GENDER: N_("This shift is for volunteers of another gender."),
    matching.AGE: N_("This shift has a minimum age that your profile does not meet."),
    matching.LANGUAGE: N_("This shift needs a language that is not in your profile."),
    matching.SEASON: N_("This shift falls outside the dates you said you are available."),
    matching.AVAILABILITY: N_("This shift falls outside the times you said you are available."),
    matching.OVERLAP: N_("You already have a shift at that time."),
    matching.WEEKLY_LIMIT: N_("You have reached the most shifts one volunteer may take in a week."),
}


def ineligible_text(reason: str | None) -> str:
    return _(INELIGIBLE_TEXTS.get(reason or "", N_("You cannot take this shift.")))
