"""What the bot sends about a shift still short near its start: the escalation to the office and
the entity (with its buttons), and the call to the volunteers who fit and were not asked.

Rendered in the current locale: the caller wraps calls in `use_locale(recipient's locale)`.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.feasibility import Pool, explain
from bot.flows import kit
from bot.i18n import _, isolate, ngettext
from bot.notices.needs import CHANGE_SLOTS
from bot.texts import Row, entity_name, shift_when
from bot.texts.feasibility import finding_text
from bot.texts.shifts import duration_text, shift_details

OFFER_NOW = kit.Route("esc", "nx", int, int)  # shift, lead in seconds: offer to the next ones now
TELL = kit.Route("esc", "tell", int, int)  # shift, lead in seconds: tell everyone who fits


def lead_text(lead_seconds: int) -> str:
    """How long before the start, as the sentence puts it: after a preposition («قبل ساعتين»)."""
    return duration_text(timedelta(seconds=max(60, lead_seconds)), oblique=True)


def escalation_text(shift: Row, pool: Pool, lead_seconds: int, tz: ZoneInfo) -> str:
    taken = int(shift["accepted"]) + int(shift["holds"])
    return "\n".join(
        [
            _("🚨 A shift is still short, {lead} before it starts:").format(lead=lead_text(lead_seconds)),
            _("{title} at {site} ({entity})").format(
                title=isolate(shift["title"]), site=isolate(shift["site_name"]),
                entity=entity_name(shift, "entity_"),
            ),
            shift_when(shift, tz),
            ngettext(
                "{taken} of {slots} places taken; {waiting} offer waiting for an answer.",
                "{taken} of {slots} places taken; {waiting} offers waiting for an answer.",
                int(shift["outstanding"]),
            ).format(taken=taken, slots=shift["slots"], waiting=shift["outstanding"]),
            "",
            finding_text(pool, explain(pool), shift["specialty"], shift["gender"]),
        ]
    )


def escalation_keyboard(shift: Row, lead_seconds: int, *, staff: bool) -> InlineKeyboardMarkup:
    rows = [
        [kit.button(_("📣 Offer to the next ones now"), OFFER_NOW.data(shift["shift_id"], lead_seconds))],
        [kit.button(_("📢 Tell everyone who fits"), TELL.data(shift["shift_id"], lead_seconds))],
    ]
    if staff:  # changing places is the coordinators' (the need_slots flow)
        rows.append([kit.button(_("✏️ Change places"), CHANGE_SLOTS.data(shift["need_id"]))])
    return kit.markup(*rows)


def call_text(shift: Row, tz: ZoneInfo) -> str:
    """To a volunteer who fits a short shift and was not asked."""
    return "\n\n".join(
        [
            _("📢 A shift that matches you still needs volunteers"),
            shift_details(shift, tz),
            _("If you can come, sign up with /shifts."),
        ]
    )
