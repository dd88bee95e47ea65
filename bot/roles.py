"""The roles a person can have, and the sets the rules speak of (pure: no Telegram, no SQL).

bot/auth.py checks them on every staff command and button; operations decide with them.
"""

from __future__ import annotations

VOLUNTEER, ENTITY_REP, COORDINATOR, ADMIN_ROLE = ROLES = ("volunteer", "entity_rep", "coordinator", "admin")
ADMIN = frozenset({ADMIN_ROLE})
STAFF = frozenset({COORDINATOR, ADMIN_ROLE})
REPS_AND_STAFF = frozenset({ENTITY_REP, COORDINATOR, ADMIN_ROLE})
EVERYONE = frozenset(ROLES)


def is_staff(role: str | None) -> bool:
    return role in STAFF
