"""How dispatch and attendance read on screen: the reasons offered, the notes left on a pressed
offer or reminder, why a button did nothing, check-in and the attendance roster. Pure: rows are
mappings, outcomes are bot/operations/'s, the current locale renders. A shift itself is described
in bot/texts/shifts.py; what the bot sends to other people is in bot/notices/dispatch.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import matching
from bot.assignments import Status
from bot.i18n import G_, N_, P_, _, format_datetime, format_time, isolate, ltr, ngettext, row_gender
from bot.operations import attendance, dispatch
from bot.texts import Row, shift_when, short_reason
from bot.texts.statuses import said_of

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
NO_SHOW_REASONS = (
    ("came", N_("I came but did not check in")),
    ("ill", N_("I was ill")),
    ("family", N_("A family emergency")),
    ("transport", N_("I had no transport")),
    ("forgot", N_("I forgot")),
)


def reason_label(reasons: tuple[tuple[str, str], ...], code: str) -> str | None:
    """A reason button's source text: stored as is, translated where it is shown."""
    return next((label for c, label in reasons if c == code), None)


# -- what came of a press on an offer, a reminder or /myshifts -----------------------------------


def accepted_note() -> str:
    return _("✅ You accepted this shift. Thank you! I will remind you before it starts.")


def waitlisted_note(position: int) -> str:
    return _(
        "This shift has just filled up. You are number {position} on the waitlist; "
        "I will message you if a place opens."
    ).format(position=ltr(position))


def problem_text(outcome: dispatch.Outcome) -> str:
    """Why a button did nothing, in words."""
    kind = outcome.kind
    if kind == dispatch.NOT_YOURS:
        return _("This button is not meant for you.")
    if kind == dispatch.ALREADY:
        return _("You have already taken this place. See /myshifts.")
    if kind == dispatch.WAITLISTED:
        return _("You are number {position} on the waitlist for this shift.").format(
            position=ltr(outcome.position)
        )
    if kind == dispatch.GONE:
        return _("This shift was cancelled or closed by the organisers.")
    if kind == dispatch.STARTED:
        return _("This shift has already started.")
    if kind == dispatch.EXPIRED:
        return _("This offer has expired.")
    if kind == dispatch.INELIGIBLE:
        return ineligible_text(outcome.reason)
    if kind == dispatch.ANSWERED and outcome.assignment is not None:
        status = outcome.assignment["status"]
        if status == Status.DECLINED:
            return _("You declined this offer earlier.")
        if status == Status.EXPIRED:
            return _("This offer has expired.")
        if status == Status.CANCELLED:
            return _("You cancelled this place earlier.")
    return _("This button is no longer active.")


def series_summary(outcome: dispatch.SeriesOutcome) -> tuple[str, bool]:
    """What Accept all or Decline all did, short enough for a button's answer (200
    characters), and whether it deserves an alert (something did not go as asked)."""
    taken = outcome.count(dispatch.ACCEPTED)
    waiting = outcome.count(dispatch.WAITLISTED)
    declined = outcome.count(dispatch.DECLINED)
    refused = len(outcome.days) - taken - waiting - declined
    if not outcome.days:
        return _("You have answered every day already."), False
    parts = []
    if taken:
        parts.append(ngettext("Accepted {n} day.", "Accepted {n} days.", taken).format(n=ltr(taken)))
    if declined:
        parts.append(ngettext("Declined {n} day.", "Declined {n} days.", declined).format(n=ltr(declined)))
    if waiting:
        parts.append(ngettext(
            "{n} day had filled up: you are on its waitlist.",
            "{n} days had filled up: you are on their waitlists.", waiting,
        ).format(n=ltr(waiting)))
    if refused:
        first = next(day for day in outcome.days if day.kind not in (
            dispatch.ACCEPTED, dispatch.WAITLISTED, dispatch.DECLINED))
        parts.append(ngettext(
            "{n} day was not answered: {reason}",
            "{n} days were not answered: {reason}", refused,
        ).format(n=ltr(refused), reason=problem_text(first)))
    return " ".join(parts), bool(waiting or refused)


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


def cancel_done_text(outcome: dispatch.Outcome) -> str:
    """What a finished cancellation says to the volunteer."""
    assert outcome.assignment is not None
    if outcome.assignment["status"] == Status.WAITLISTED:
        return _("You have left the waitlist for this shift.")
    if outcome.late:
        return _("Your place is cancelled. Thank you for telling us; the organisers have been "
                 "informed.")
    return _("Your place is cancelled. Thank you for telling us in good time.")


# -- check-in ---------------------------------------------------------------------------------------


def distance_text(metres: int) -> str:
    if metres >= 1000:
        return _("{n} km").format(n=ltr(f"{metres / 1000:.1f}"))
    return _("{n} m").format(n=ltr(metres))


def checkin_problem_text(outcome: attendance.Attendance, tz: ZoneInfo) -> str:
    """Why the check-in did not happen, in words."""
    kind = outcome.kind
    if kind == attendance.NOT_YOURS:
        return _("This button is not meant for you.")
    if kind == attendance.ALREADY:
        return _("You have already checked in. Thank you!")
    if kind == attendance.GONE:
        return _("This shift was cancelled or closed by the organisers.")
    if kind == attendance.NOT_TAKEN:
        return _("You no longer hold a place on this shift, so there is nothing to check in to.")
    if kind == attendance.EARLY and outcome.opens_at is not None:
        return _("It is too early to check in. Check-in opens at {time}.").format(
            time=format_datetime(outcome.opens_at, tz)
        )
    if kind == attendance.ENDED:
        return _("This shift has ended, so check-in is closed.")
    if kind == attendance.SUSPENDED:
        return _("Your volunteer account is suspended, so you cannot check in. Please contact "
                 "the volunteer office.")
    return _("This button is no longer active.")


def checked_in_text(now: datetime, tz: ZoneInfo) -> str:
    return _("✅ You checked in at {time}. Thank you, and have a good shift!").format(
        time=format_time(now.astimezone(tz))
    )


def ask_location_text(row: Row) -> str:
    return G_(
        "To check in, share your location with the button below. You need to be within {radius} "
        "of {site}."
    ).format(radius=distance_text(row["checkin_radius_m"]), site=isolate(row["site_name"]))


def too_far_text(row: Row, distance_m: int) -> str:
    return _(
        "You seem to be {distance} away from {site}; check-in works within {radius}. "
        "Please share your location again when you are there."
    ).format(
        distance=distance_text(distance_m),
        site=isolate(row["site_name"]),
        radius=distance_text(row["checkin_radius_m"]),
    )


# -- attendance, for the people who were there --------------------------------------------------


def attendance_label(row: Row, tz: ZoneInfo) -> str:
    """What came of a volunteer's place, agreeing with the volunteer («📍 سجّلت حضورها»)."""
    gender = row_gender(row)
    if row["status"] == Status.CHECKED_IN:
        if not row["checked_in_at"]:
            return said_of(gender, N_("📍 checked in"), P_("volunteer status, female", "📍 checked in"))
        return said_of(
            gender, N_("📍 checked in at {time}"), P_("volunteer status, female", "📍 checked in at {time}")
        ).format(time=format_time(datetime.fromisoformat(row["checked_in_at"]).astimezone(tz)))
    if row["status"] == Status.COMPLETED:
        return said_of(gender, N_("✅ completed"), P_("volunteer status, female", "✅ completed"))
    if row["status"] == Status.NO_SHOW:
        reason = row["no_show_reason"]
        absent = said_of(gender, N_("❌ absent"), P_("volunteer status, female", "❌ absent"))
        return f"{absent} ({isolate(short_reason(_(reason)))})" if reason else absent
    return said_of(gender, N_("⏳ not checked in"), P_("volunteer status, female", "⏳ not checked in"))


def marked_text(outcome: attendance.Attendance) -> str:
    """What a Present / Absent press did."""
    if outcome.kind == attendance.MARKED:
        return {
            Status.CHECKED_IN: _("Marked present."),
            Status.COMPLETED: _("Marked present; the shift counts as served."),
            Status.NO_SHOW: _("Marked absent."),
        }[Status(outcome.status or "")]
    if outcome.kind == attendance.ALREADY:
        return _("Already recorded so.")
    if outcome.kind == attendance.NOT_TAKEN:
        return _("This volunteer no longer holds a place on this shift.")
    return _("This button is no longer active.")


def no_show_problem_text(outcome: attendance.Attendance) -> str:
    """Why a "what happened" press or answer about a no-show was not taken."""
    if outcome.kind == attendance.NOT_YOURS:
        return _("This button is not meant for you.")
    if outcome.kind == attendance.ALREADY:
        return _("The organisers have corrected this: you are recorded as present. Thank you!")
    return _("This button is no longer active.")


def shift_access_refusal(access: attendance.ShiftAccess) -> str:
    """Why this person cannot record attendance for this shift."""
    if access.kind == attendance.NO_SHIFT:
        return _("This shift no longer exists.")
    if access.kind == attendance.OTHER_ENTITY:
        return _("Sorry, this belongs to another entity.")
    if access.kind == attendance.GONE:
        return _("This shift was cancelled.")
    if access.kind == attendance.NOT_STARTED:
        return _("Attendance can be recorded once the shift has started.")
    return _("This button is no longer active.")


def attendance_header(shift: Row, tz: ZoneInfo, *, ended: bool) -> list[str]:
    return [
        _("Attendance of “{title}” at {site}").format(
            title=isolate(shift["title"]), site=isolate(shift["site_name"])
        ),
        shift_when(shift, tz),
        _("The shift has ended.") if ended else _("The shift is in progress."),
        "",
    ]


def attendance_line(number: int, person: Row, tz: ZoneInfo) -> str:
    name = person["full_name"] or person["first_name"] or person["volunteer_id"]
    return _("{n}. {name} — {phone} — {status}").format(
        n=number, name=isolate(name), phone=ltr(person["phone"] or "—"),
        status=attendance_label(person, tz),
    )
