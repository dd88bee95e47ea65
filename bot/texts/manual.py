"""How an offer made by hand reads: the requirements a volunteer fails, in words, the check
screen before offering, and what came of it. Pure: rows are mappings, checks are
bot/operations/manual.py's, the current locale renders."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot import catalog, matching
from bot.i18n import (
    _,
    format_date,
    format_datetime,
    format_short_date,
    get_locale,
    isolate,
    ltr,
    ngettext,
    row_gender,
)
from bot.operations import manual
from bot.texts import Row, moment_of
from bot.texts.needs import gender_label, languages_label
from bot.texts.shifts import time_window
from bot.texts.statuses import volunteer_status

NAME_LIMIT = 60  # characters of a name on a line of a list or a screen
REASON_MIN, REASON_MAX = 3, 300


def short(text: object, limit: int = NAME_LIMIT) -> str:
    """A name or title cut to `limit` characters (with an ellipsis), isolated for bidi."""
    value = " ".join(str(text or "").split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return isolate(value)


def _entity(row: Row) -> str:
    """The entity's name in the reader's language, not isolated yet (`short` isolates it)."""
    first, other = ("entity_name_ar", "entity_name_en")
    if get_locale() != "ar":
        first, other = other, first
    return str(row[first] or row[other])


def volunteer_name(row: Row) -> str:
    return short(row["full_name"] or row["user_id"])


def failure_text(
    code: str, shift: Row, volunteer: Row, *, languages: Sequence[str], min_age: int,
    weekly_limit: int, tz: ZoneInfo,
) -> str:
    """One failed requirement, said of the volunteer, for the staff member offering by hand."""
    specialty = catalog.label(catalog.SPECIALTIES, shift["specialty"])
    if code == matching.PAUSED:
        until = volunteer["paused_until"]
        if until:
            return _("Has paused their offers until {date}.").format(
                date=format_date(moment_of(until).astimezone(tz).date())
            )
        return _("Has paused their offers.")
    if code == matching.STATUS:
        return _("Is not an active volunteer (status: {status}).").format(
            status=volunteer_status(volunteer["status"], row_gender(volunteer))
        )
    if code == matching.UNREACHABLE:
        return _("Has blocked the bot, so an offer would not reach them.")
    if code == matching.SPECIALTY:
        return _("Has not registered for the specialty {specialty}.").format(specialty=specialty)
    if code == matching.TRAINING:
        return _("Has no valid training qualification in {specialty}.").format(specialty=specialty)
    if code == matching.GENDER:
        return _("The shift is for {gender}.").format(gender=gender_label(shift["gender"]))
    if code == matching.AGE:
        return _("Is younger than the shift's minimum age of {age} (or has no birth date).").format(
            age=ltr(min_age)
        )
    if code == matching.LANGUAGE:
        return _("Speaks none of the languages the shift asks for: {languages}.").format(
            languages=languages_label(list(languages))
        )
    if code == matching.SEASON:
        return _("Is not available on the shift's dates (their season dates).")
    if code == matching.AVAILABILITY:
        return _("Has not said they are available at the shift's hours.")
    if code == matching.OVERLAP:
        return _("Already holds another shift at the same time.")
    if code == matching.WEEKLY_LIMIT:
        return ngettext(
            "Already holds {n} shift that week, the most one volunteer may take.",
            "Already holds {n} shifts that week, the most one volunteer may take.",
            weekly_limit,
        ).format(n=ltr(weekly_limit))
    return _("Does not meet a requirement of this shift ({code}).").format(code=ltr(code))


def places_text(free: int) -> str:
    if free <= 0:
        return _("The shift is full: if they accept, they join its waitlist.")
    return ngettext(
        "{n} place is free.", "{n} places are free.", free
    ).format(n=ltr(free))


def check_text(
    found: manual.Check, tz: ZoneInfo, *, languages: Sequence[str], min_age: int,
    weekly_limit: int,
) -> str:
    """The screen before offering: the shift, the volunteer, and what stands in the way."""
    assert found.shift is not None and found.volunteer is not None
    lines = [
        _("Offer a shift to {name}").format(name=volunteer_name(found.volunteer)),
        shift_brief(found.shift, tz),
        "",
    ]
    if found.kind == manual.ELIGIBLE:
        lines.append(_("✅ Meets every requirement of this shift."))
    elif found.failures:
        lines.append(_("Requirements not met:"))
        lines += [
            "❌ " + failure_text(
                code, found.shift, found.volunteer, languages=languages, min_age=min_age,
                weekly_limit=weekly_limit, tz=tz,
            )
            for code in found.failures
        ]
        if found.kind == manual.NEEDS_REASON:
            lines.append(_("You may still offer it: you will be asked why (kept in the audit log)."))
        else:
            lines.append(_("This volunteer cannot be offered shifts while this is so."))
    else:
        lines.append(refusal_text(found))
    lines += ["", places_text(found.free)]
    return "\n".join(lines)


def refusal_text(found: manual.Check) -> str:
    """Why there is nothing to offer (any kind but ELIGIBLE, NEEDS_REASON and OFFERED)."""
    kind = found.kind
    if kind == manual.NO_SHIFT:
        return _("This shift no longer exists.")
    if kind == manual.OTHER_ENTITY:
        return _("Sorry, you can offer only your own entity's shifts.")
    if kind == manual.GONE:
        return _("This shift was cancelled or closed.")
    if kind == manual.STARTED:
        return _("This shift has already started.")
    if kind == manual.NOT_VOLUNTEER:
        return _("This person is not a registered volunteer (or has deleted their data).")
    if kind == manual.HOLDS:
        return _("This volunteer already holds a place on this shift.")
    if kind == manual.WAITLISTED:
        return _("This volunteer is already on this shift's waitlist.")
    if kind == manual.PENDING:
        return _("This volunteer already has an offer for this shift, waiting for their answer.")
    if kind == manual.BLOCKED:
        return _("This volunteer cannot be offered shifts right now.")
    if kind == manual.NEEDS_REASON:
        return _("Something changed meanwhile: look at the requirements again.")
    return _("This button is no longer active.")


def offered_text(found: manual.Check, tz: ZoneInfo) -> str:
    """What the staff member is told once the offer is on its way."""
    assert found.volunteer is not None and found.assignment is not None
    expires = moment_of(found.assignment["expires_at"]).astimezone(tz)
    text = _(
        "📣 Offer sent to {name}. They have until {deadline} to accept or decline."
    ).format(name=volunteer_name(found.volunteer), deadline=format_datetime(expires, tz))
    if found.repeated:
        text = _("This offer was already sent.") + "\n" + text
    if found.waived:
        text += "\n" + _("Waived with your reason, recorded in the audit log.")
    return text


def reason_question(found: manual.Check) -> str:
    assert found.volunteer is not None
    return _(
        "Why offer this shift to {name} although they do not meet every requirement? "
        "Type a short reason (a sentence is enough); it is kept in the audit log. "
        "Send /cancel to offer nothing."
    ).format(name=volunteer_name(found.volunteer))


def reason_problem(text: str) -> str | None:
    """Why a typed reason is not accepted, or None."""
    length = len(" ".join(text.split()))
    if length < REASON_MIN:
        return _("That is too short: please say in a few words why.")
    if length > REASON_MAX:
        return ngettext(
            "Please keep the reason under {most} character.",
            "Please keep the reason under {most} characters.",
            REASON_MAX,
        ).format(most=ltr(REASON_MAX))
    return None


def shift_brief(shift: Row, tz: ZoneInfo) -> str:
    """One line of a shift, its title and site cut short: date, time, title (entity), site."""
    start = moment_of(shift["starts_at"]).astimezone(tz)
    return _("{date}, {window} — {title} ({entity}), {site}").format(
        date=format_short_date(start.date()), window=time_window(shift, tz),
        title=short(shift["title"]), entity=short(_entity(shift), 40),
        site=short(shift["site_name"], 40),
    )


def shift_choice_line(number: int, shift: Row, tz: ZoneInfo) -> str:
    free = max(0, shift["slots"] - shift["accepted"] - shift["holds"])
    places = (
        ngettext("{k} free", "{k} free", free).format(k=ltr(free)) if free else _("full")
    )
    return _("{n}. {shift} — {free}").format(n=number, shift=shift_brief(shift, tz), free=places)


def choose_shift_text(volunteer: Row, lines: list[str]) -> str:
    head = _("Which shift should be offered to {name}?").format(name=volunteer_name(volunteer))
    if not lines:
        return head + "\n\n" + _("No open shift within the offer horizon.")
    return "\n".join([head, "", *lines])


def choose_volunteer_text(shift: Row, tz: ZoneInfo, lines: list[str]) -> str:
    head = _("Who should be offered this shift? The best-ranked eligible volunteers not asked yet:")
    body = [shift_brief(shift, tz), "", head]
    if not lines:
        body.append(_("Nobody eligible is left to ask. Open a volunteer's card from /volunteers to offer it to someone else."))
    return "\n".join([*body, *lines])
