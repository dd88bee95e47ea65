"""The buttons of offers made by hand, shared by the handler that shows the screens
(bot/handlers/manual.py), the flow that asks for a waiver's reason (bot/flows/manual_reason.py)
and the screens that lead there (a volunteer's card, a shift's roster, /today): handlers and
flows may not import each other, so the routes and the check screen's keyboard live here."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import db
from bot.config import Settings
from bot.flows import kit
from bot.i18n import _
from bot.operations import manual
from bot.texts import manual as texts

FOR_VOLUNTEER = kit.Route("mo", "v", int, int)  # volunteer, offset: shifts to offer them
FOR_SHIFT = kit.Route("mo", "s", int, int)  # shift, offset: volunteers to offer it to
CHECK = kit.Route("mo", "c", int, int)  # shift, volunteer: the requirements, before offering
SEND = kit.Route("mo", "ok", int, int)  # shift, volunteer: offer (nothing to waive)
WAIVE = kit.Route("mw", "go", int, int)  # shift, volunteer: offer anyway, asks for the reason
BACK_TO = "mo_back"  # user_data: callback data of the list a check screen was opened from


def offer_shift_button(volunteer_id: int) -> list[InlineKeyboardButton]:
    return [kit.button(_("📣 Offer a shift"), FOR_VOLUNTEER.data(volunteer_id, 0))]


def check_keyboard(found: manual.Check, back: str | None) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if found.shift is not None and found.volunteer is not None:
        shift_id, volunteer_id = found.shift["shift_id"], found.volunteer["user_id"]
        if found.kind == manual.ELIGIBLE:
            rows.append([kit.button(_("📣 Send the offer"), SEND.data(shift_id, volunteer_id))])
        elif found.kind == manual.NEEDS_REASON:
            rows.append([kit.button(
                _("⚠️ Offer anyway, with a reason"), WAIVE.data(shift_id, volunteer_id)
            )])
    if back:
        rows.append([kit.button(kit.back_label(_("Back to the list")), back)])
    return kit.markup(*rows)


async def check_screen(
    database: db.Database, settings: Settings, found: manual.Check, back: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The check screen's text and keyboard (a shift and a volunteer were found)."""
    assert found.shift is not None
    languages = await db.need_languages(database, found.shift["need_id"])
    text = texts.check_text(
        found, settings.timezone, languages=languages,
        min_age=max(found.shift["min_age"] or 0, settings.min_volunteer_age),
        weekly_limit=settings.max_shifts_per_week,
    )
    return text, check_keyboard(found, back)
