"""What trainings and lectures send on their own initiative: the invitation (an offer of the
session's place), the qualification granted at check-in, and the notice that one runs out soon
with the next sessions. Rendered in the current locale (the caller sets the recipient's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.flows import kit
from bot.i18n import _, format_date, format_datetime
from bot.texts import Row
from bot.texts.trainings import qualification_both, session_details, session_line
from bot.trainings import LECTURE


def invitation_text(session: Row, tz: ZoneInfo, expires_at: datetime) -> str:
    if session["kind"] == LECTURE:
        head = _("📣 You are invited to an awareness lecture of the volunteer office.")
        ask = _("Will you attend? Please answer by {deadline}.")
    else:
        head = _("📣 A training session for your specialty: attending it qualifies you.")
        ask = _("Will you attend? Please answer by {deadline}.")
    return "\n\n".join(
        [head, session_details(session, tz), ask.format(deadline=format_datetime(expires_at, tz))]
    )


def qualified_text(session: Row, expires_at: datetime | None, tz: ZoneInfo) -> str:
    name = qualification_both(session["specialty"])
    if expires_at is None:
        return _("🎓 You are now qualified in {name}.").format(name=name)
    return _("🎓 You are now qualified in {name}, valid until {day}.").format(
        name=name, day=format_date(expires_at.astimezone(tz).date())
    )


def expiring_text(
    specialty: str, expires_at: datetime, sessions: Sequence[Row], tz: ZoneInfo
) -> str:
    lines = [
        _("⏳ Your qualification in {name} runs out on {day}. Needs that require it will stop "
          "reaching you then.").format(
            name=qualification_both(specialty), day=format_date(expires_at.astimezone(tz).date())
        )
    ]
    if sessions:
        lines.append(_("The next sessions (you will be invited to them):"))
        lines += [f"• {session_line(s, tz)}" for s in sessions]
    else:
        lines.append(_("No session is scheduled yet; you will be invited when one is."))
    return "\n".join(lines)


# -- callback data of the screens that start a session (the need card's "Schedule a training") --

SCHEDULE = kit.Route("trs", "new", str)  # specialty: start /newtraining prefilled
