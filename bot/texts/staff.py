"""How the office staff and their recorded actions read on screen (/staff and /audit)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import P_, _, format_datetime, isolate, ltr, ngettext, pgettext
from bot.roles import ADMIN_ROLE
from bot.texts import Row, display_name

# What every recorded action reads like, in the reader's language ({actor} did it, {target} is
# the id it was done to). tests/test_audit_words.py checks that every action code written in
# bot/ has its line here, so /audit never shows a raw code.
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "staff.add": P_("audit", "{actor} made {target} a coordinator"),
    "staff.remove": P_("audit", "{actor} removed {target} from the coordinators"),
    "staff.invite": P_("audit", "{actor} created a staff invite link"),
    "staff.invite_used": P_("audit", "{actor} joined the staff with an invite link"),
    "staff.invite_revoked": P_("audit", "{actor} revoked a staff invite link"),
    "export": P_("audit", "{actor} exported a spreadsheet"),
    "need.submit": P_("audit", "{actor} submitted need {target}"),
    "need.approve": P_("audit", "{actor} approved need {target}"),
    "need.reject": P_("audit", "{actor} rejected need {target}"),
    "need.slots": P_("audit", "{actor} changed the number of volunteers of need {target}"),
    "need.cancel": P_("audit", "{actor} cancelled need {target}"),
    "shift.cancel": P_("audit", "{actor} cancelled shift {target}"),
    "offer.manual": P_("audit", "{actor} offered a shift by hand (assignment {target})"),
    "need.expire": P_("audit", "Need {target} was closed without a decision: its first shift had started"),
    "shift.offer_now": P_("audit", "{actor} offered short shift {target} to the next volunteers at once"),
    "shift.tell_eligible": P_("audit", "{actor} told every volunteer who fits about short shift {target}"),
    "volunteer.approve": P_("audit", "{actor} approved volunteer {target}"),
    "volunteer.reject": P_("audit", "{actor} rejected volunteer {target}"),
    "volunteer.suspend": P_("audit", "{actor} suspended volunteer {target}"),
    "volunteer.reinstate": P_("audit", "{actor} reinstated volunteer {target}"),
    "volunteer.qualify": P_("audit", "{actor} recorded a training qualification for volunteer {target}"),
    "volunteer.unqualify": P_("audit", "{actor} removed a training qualification from volunteer {target}"),
    "volunteer.phone_clash": P_("audit", "{actor} gave the phone number volunteer {target} had registered (refused)"),
    "attendance.present": P_("audit", "{actor} marked assignment {target} as attended"),
    "attendance.absent": P_("audit", "{actor} marked assignment {target} as a no-show"),
    "entity.add": P_("audit", "{actor} added entity {target}"),
    "entity.edit": P_("audit", "{actor} edited entity {target}"),
    "entity.deactivate": P_("audit", "{actor} deactivated entity {target}"),
    "entity.reactivate": P_("audit", "{actor} reactivated entity {target}"),
    "entity.invite": P_("audit", "{actor} created a representative invite link for entity {target}"),
    "entity.invite_revoked": P_("audit", "{actor} revoked a representative invite link of entity {target}"),
    "entity.rep_joined": P_("audit", "{actor} joined entity {target} as its representative"),
    "entity.rep_removed": P_("audit", "{actor} removed a representative from entity {target}"),
    "broadcast.send": P_("audit", "{actor} sent broadcast {target}"),
    "broadcast.stop": P_("audit", "{actor} stopped broadcast {target}"),
    "training.created": P_("audit", "{actor} scheduled training session {target}"),
    "training.qualified": P_("audit", "{actor} qualified volunteer {target} at a training session"),
    "certificate.issued": P_("audit", "{actor} issued an hours certificate to volunteer {target}"),
}

# The kinds /audit filters by: a code (in callback data), its label, and the action prefixes.
AUDIT_KINDS: tuple[tuple[str, tuple[str, str], tuple[str, ...]], ...] = (
    ("needs", P_("audit kind", "Needs and shifts"), ("need", "shift", "offer")),
    ("vols", P_("audit kind", "Volunteers"), ("volunteer", "certificate")),
    ("attend", P_("audit kind", "Attendance"), ("attendance",)),
    ("ents", P_("audit kind", "Entities"), ("entity",)),
    ("bcast", P_("audit kind", "Broadcasts"), ("broadcast",)),
    ("staff", P_("audit kind", "Office staff"), ("staff",)),
    ("train", P_("audit kind", "Trainings"), ("training",)),
    ("export", P_("audit kind", "Exports"), ("export",)),
)


def audit_kind(code: str) -> tuple[str, tuple[str, ...]] | None:
    """(label, action prefixes) of a filter kind, or None when the code is unknown."""
    for kind, (context, message), prefixes in AUDIT_KINDS:
        if kind == code:
            return pgettext(context, message), prefixes
    return None


def _export_details(details: dict[str, Any]) -> str:
    dataset = details.get("dataset")
    if not dataset:  # an export from before the datasets: volunteers and shifts in one file
        return ""
    rows = int(details.get("rows") or 0)
    return ngettext("{dataset}, {format}, {count} row", "{dataset}, {format}, {count} rows", rows).format(
        dataset=dataset_label(str(dataset)), format=ltr(str(details.get("format") or "").upper()),
        count=rows,
    )


def dataset_label(code: str) -> str:
    """A dataset /export offers, by name."""
    labels = {
        "volunteers": pgettext("dataset", "Volunteers"),
        "needs": pgettext("dataset", "Needs and shifts with rosters"),
        "assignments": pgettext("dataset", "Assignments"),
        "hours": pgettext("dataset", "Hours per volunteer"),
        "trainings": pgettext("dataset", "Trainings and qualifications"),
        "audit": pgettext("dataset", "Staff actions"),
    }
    return labels.get(code, pgettext("dataset", "Spreadsheet"))


def staff_list(rows: Sequence[Row]) -> str:
    lines = [_("Office staff:"), ""]
    for row in rows:
        role = _("admin") if row["role"] == ADMIN_ROLE else _("coordinator")
        lines.append(f"• {display_name(row)} — {role} ({ltr(row['id'])})")
    return "\n".join(lines)


def audit_line(row: Row) -> str:
    actor_name = " ".join(
        part for part in (row["actor_name"], row["actor_username"] and f"@{row['actor_username']}")
        if part
    )
    actor = isolate(f"{actor_name} ({row['actor_id']})" if actor_name else str(row["actor_id"] or "—"))
    target = ltr(row["target_id"] or "")
    label = AUDIT_ACTIONS.get(row["action"])
    if label is None:  # a code newer than this table: said in words, never shown raw
        return pgettext("audit", "{actor} made a change to the records").format(actor=actor)
    line = pgettext(*label).format(actor=actor, target=target)
    if row["action"] == "export":
        try:
            details = json.loads(row["details"] or "{}")
        except ValueError:
            details = {}
        extra = _export_details(details) if isinstance(details, dict) else ""
        if extra:
            line += f" ({extra})"
    return line


def audit_page(rows: Sequence[Row], tz: ZoneInfo, *, heading: str = "") -> str:
    """Recent staff actions, newest first (audit rows with the actor's name); `heading` names
    the filter in force."""
    if not rows:
        if heading:
            return heading + "\n\n" + _("No recorded actions match this filter.")
        return _("No staff actions have been recorded yet.")
    lines = [heading or _("Recent staff actions:"), ""]
    for row in rows:
        when = format_datetime(datetime.fromisoformat(row["at"]), tz)
        lines.append(f"• {when}\n  {audit_line(row)}")
    return "\n".join(lines)


def audit_heading(kind: str | None, actor: Row | None) -> str:
    """"Staff actions — Needs and shifts — by Omar (12)"; empty without a filter."""
    parts = []
    found = audit_kind(kind) if kind else None
    if found:
        parts.append(found[0])
    if actor is not None:
        parts.append(_("by {person}").format(person=actor_label(actor)))
    if not parts:
        return ""
    return _("Staff actions: {filter}").format(filter=" — ".join(parts))


def actor_label(row: Row) -> str:
    """A person in the audit: name, @username and id (`first_name`, `username`, `id`)."""
    name = " ".join(p for p in (row["first_name"], row["username"] and f"@{row['username']}") if p)
    return isolate(f"{name} ({row['id']})" if name else str(row["id"]))
