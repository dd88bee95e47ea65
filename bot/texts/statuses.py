"""Every status and role in words, in one place, so no screen or file ever shows a raw code.

Arabic agrees with what the status is said of (a need is feminine: «معتمدة»; a volunteer
masculine by default), hence one gettext context per kind of thing; a woman volunteer's own
status, and what became of her place, have their "…, female" contexts («نشِطة»، «سجّلت حضورها»):
pass the volunteer's stored gender.
"""

from __future__ import annotations

from bot.i18n import P_, _, pgettext

_VOLUNTEER = {
    "pending": P_("volunteer status", "waiting for approval"),
    "active": P_("volunteer status", "active"),
    "paused": P_("volunteer status", "paused"),
    "suspended": P_("volunteer status", "suspended"),
    "deleted": P_("volunteer status", "erased"),
}
_VOLUNTEER_FEMALE = {
    "pending": P_("volunteer status, female", "waiting for approval"),
    "active": P_("volunteer status, female", "active"),
    "paused": P_("volunteer status, female", "paused"),
    "suspended": P_("volunteer status, female", "suspended"),
    "deleted": P_("volunteer status, female", "erased"),
}
_NEED = {
    "submitted": P_("need status", "waiting for approval"),
    "approved": P_("need status", "approved"),
    "rejected": P_("need status", "not approved"),
    "cancelled": P_("need status", "cancelled"),
    "closed": P_("need status", "closed"),
}
_SHIFT = {
    "open": P_("shift status", "open"),
    "cancelled": P_("shift status", "cancelled"),
    "closed": P_("shift status", "closed"),
}
_ASSIGNMENT = {
    "offered": P_("assignment status", "offered"),
    "accepted": P_("assignment status", "accepted"),
    "declined": P_("assignment status", "declined"),
    "expired": P_("assignment status", "offer expired"),
    "waitlisted": P_("assignment status", "on the waitlist"),
    "cancelled": P_("assignment status", "cancelled"),
    "checked_in": P_("assignment status", "checked in"),
    "completed": P_("assignment status", "served"),
    "no_show": P_("assignment status", "did not come"),
}
_ASSIGNMENT_FEMALE = {
    "offered": P_("assignment status, female", "offered"),
    "accepted": P_("assignment status, female", "accepted"),
    "declined": P_("assignment status, female", "declined"),
    "expired": P_("assignment status, female", "offer expired"),
    "waitlisted": P_("assignment status, female", "on the waitlist"),
    "cancelled": P_("assignment status, female", "cancelled"),
    "checked_in": P_("assignment status, female", "checked in"),
    "completed": P_("assignment status, female", "served"),
    "no_show": P_("assignment status, female", "did not come"),
}
_ROLE = {
    "volunteer": P_("role", "volunteer"),
    "entity_rep": P_("role", "entity representative"),
    "coordinator": P_("role", "coordinator"),
    "admin": P_("role", "admin"),
}


def _say(table: dict[str, tuple[str, str]], code: str | None) -> str:
    if not code:
        return ""
    found = table.get(code)
    return pgettext(*found) if found else code


def volunteer_status(code: str | None, gender: str | None = None) -> str:
    """A volunteer's status, agreeing with the volunteer («نشِط»، «نشِطة»; masculine when the
    gender is not known)."""
    return _say(_VOLUNTEER_FEMALE if gender == "female" else _VOLUNTEER, code)


def need_status(code: str | None) -> str:
    return _say(_NEED, code)


def shift_status(code: str | None) -> str:
    return _say(_SHIFT, code)


def assignment_status(code: str | None, gender: str | None = None) -> str:
    """What became of a volunteer's place, agreeing with the volunteer («سجّل حضوره»،
    «سجّلت حضورها»)."""
    return _say(_ASSIGNMENT_FEMALE if gender == "female" else _ASSIGNMENT, code)


def role_name(code: str | None) -> str:
    return _say(_ROLE, code)


def said_of(gender: str | None, neutral: str, female: tuple[str, str]) -> str:
    """A line said of a volunteer: `neutral` (an `N_()` string) translated, or, for a woman, its
    "volunteer status, female" entry (`P_()`): «✅ نشِطة», «📍 سجّلت حضورها»."""
    return pgettext(*female) if gender == "female" else _(neutral)
