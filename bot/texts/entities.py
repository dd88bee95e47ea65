"""How partner entities read on screen: the list, one entity's card, and the answers to an
invite link that cannot be used."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import _, format_datetime, isolate, ltr, ngettext
from bot.texts import Row, display_name, entity_kind, entity_name


def list_text(rows: Sequence[Row], total: int) -> str:
    """One page of /entities."""
    if not rows:
        return _("No partner entities yet. Add the first one with the button below.")
    lines = [_("Partner entities ({count}):").format(count=total), ""]
    for row in rows:
        line = _("• {name} — {kind} — {reps}").format(
            name=entity_name(row),
            kind=entity_kind(row["kind"]),
            reps=ngettext("{n} representative", "{n} representatives", row["reps"]).format(n=row["reps"]),
        )
        if not row["active"]:
            line += " " + _("(inactive)")
        lines.append(line)
    return "\n".join(lines)


def card_text(
    entity: Row, reps: Sequence[Row], invites_expiring: Sequence[datetime], tz: ZoneInfo
) -> str:
    """An entity's details, its representatives and its invite links not used yet."""
    lines = [
        f"🏢 {isolate(entity['name_ar'])} / {isolate(entity['name_en'])}",
        _("Kind: {kind}").format(kind=entity_kind(entity["kind"])),
        _("Contact: {contact}").format(contact=isolate(entity["contact"]) if entity["contact"] else "—"),
        _("Status: {status}").format(status=_("active") if entity["active"] else _("inactive")),
        "",
    ]
    if reps:
        lines.append(_("Representatives:"))
        lines += [f"• {display_name(rep)} ({ltr(rep['id'])})" for rep in reps]
    else:
        lines.append(_("No representatives yet: send one an invite link."))
    if invites_expiring:
        lines += ["", _("Invite links not used yet:")]
        lines += ["• " + _("expires {when}").format(when=format_datetime(when, tz)) for when in invites_expiring]
    return "\n".join(lines)


def refusal(kind: str, entity: Row | None) -> str:
    """Why an opened representative invite did not make the person a representative."""
    name = entity_name(entity) if entity is not None else ""
    texts = {
        "unknown": _("This invite link is not valid. Ask the volunteer office for a new one."),
        "already": _("You already represent {entity}. Send /need to post a need."),
        "used": _("This invite link was already used. Ask the volunteer office for a new one."),
        "revoked": _("This invite link was cancelled by the office. Ask them for a new one."),
        "expired": _("This invite link has expired. Ask the volunteer office for a new one."),
        "inactive": _("{entity} is not active on Aoun any more, so this link cannot be used."),
        "staff": _(
            "You are on the office staff, so you cannot become an entity's representative with "
            "this account. The link was not used: pass it on to the representative."
        ),
        "other_entity": _(
            "You already represent {entity}. A person represents one entity: ask the office to "
            "remove you from it first. The link was not used."
        ),
    }
    return texts[kind].format(entity=name)
