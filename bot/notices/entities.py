"""Partner entities: what their changes tell people on the bot's own initiative (each in the
recipient's language), and the buttons of an entity's card, which /entities and the entity edit
flow both show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.flows import kit
from bot.i18n import _, format_short_date, use_locale, user_locale
from bot.texts import Row, display_name, entity_name

PAGE = kit.Route("ent", "p", int)  # the list from an offset
OPEN = kit.Route("ent", "o", int)
EDIT_MENU = kit.Route("ent", "ed", int)
ACTIVE = kit.Route("ent", "act", int, int)  # 1: reactivate, 0: deactivate
INVITE = kit.Route("ent", "inv", int)
REVOKE = kit.Route("ent", "rv", int)  # an invite's id
REMOVE_REP = kit.Route("ent", "rr", int, int)  # entity, representative
REMOVE_REP_OK = kit.Route("ent", "rrok", int, int)
ADD = kit.Route("ent", "add")  # starts bot/flows/entity_edit.py
EDIT_FIELD = kit.Route("ent", "ef", int, str)  # entity, field code: starts bot/flows/entity_edit.py


def card_keyboard(
    entity: Row, reps: Sequence[Row], invites: Sequence[tuple[int, datetime]], tz: ZoneInfo
) -> InlineKeyboardMarkup:
    """Edit, (de)activate, invite, remove a representative, revoke a link, back to the list."""
    entity_id = int(entity["id"])
    toggle = (
        kit.button(_("⏸ Deactivate"), ACTIVE.data(entity_id, 0))
        if entity["active"]
        else kit.button(_("▶ Reactivate"), ACTIVE.data(entity_id, 1))
    )
    rows = [[kit.button(_("✏️ Edit"), EDIT_MENU.data(entity_id)), toggle]]
    if entity["active"]:
        rows.append([kit.button(_("🔗 Invite a representative"), INVITE.data(entity_id))])
    for rep in reps:
        rows.append([kit.button(
            _("✖ Remove {name}").format(name=rep["first_name"] or rep["id"]),
            REMOVE_REP.data(entity_id, int(rep["id"])),
        )])
    for invite_id, expires in invites:
        rows.append([kit.button(
            _("🚫 Revoke the link expiring {day}").format(day=format_short_date(expires.astimezone(tz).date())),
            REVOKE.data(invite_id),
        )])
    rows.append([kit.button(kit.back_label(_("All entities")), PAGE.data(0))])
    return kit.markup(rows)


def rep_joined(inviter: Row, joined: Row, entity: Row, default_locale: str) -> str:
    """To the staff member whose invite link was used."""
    with use_locale(user_locale(inviter, default_locale)):
        return _("{person} used your invite link and now represents {entity}.").format(
            person=display_name(joined), entity=entity_name(entity)
        )


def rep_removed(rep: Row, entity: Row, default_locale: str) -> str:
    """To the representative an office member removed."""
    with use_locale(user_locale(rep, default_locale)):
        return _("You no longer represent {entity} on Aoun.").format(entity=entity_name(entity))
