"""How the office staff and their recorded actions read on screen (/staff and /audit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import N_, _, format_datetime, isolate, ltr
from bot.roles import ADMIN_ROLE
from bot.texts import Row, display_name

# What the staff's actions read like; other actions are shown by their code.
AUDIT_ACTIONS = {
    "staff.add": N_("{actor} made {target} a coordinator"),
    "staff.remove": N_("{actor} removed {target} from the coordinators"),
    "staff.invite": N_("{actor} created a staff invite link"),
    "staff.invite_used": N_("{actor} joined the staff with an invite link"),
    "staff.invite_revoked": N_("{actor} revoked a staff invite link"),
}


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
    actor = isolate(f"{actor_name} ({row['actor_id']})" if actor_name else str(row["actor_id"]))
    target = ltr(row["target_id"] or "")
    label = AUDIT_ACTIONS.get(row["action"])
    if label is not None:
        return _(label).format(actor=actor, target=target)
    suffix = f" → {row['target_type']} {target}" if row["target_type"] else ""
    return f"{actor}: {ltr(row['action'])}{suffix}"


def audit_page(rows: Sequence[Row], tz: ZoneInfo) -> str:
    """Recent staff actions, newest first (audit rows with the actor's name)."""
    if not rows:
        return _("No staff actions have been recorded yet.")
    lines = [_("Recent staff actions:"), ""]
    for row in rows:
        when = format_datetime(datetime.fromisoformat(row["at"]), tz)
        lines.append(f"• {when}\n  {audit_line(row)}")
    return "\n".join(lines)
