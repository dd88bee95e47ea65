"""What an assignment (a volunteer x a shift) can be, and the few sets of statuses that rules ask
about, named once. Pure: no Telegram, no SQL (bot/db.py renders these sets into its queries).

    offered -> accepted | declined | expired | waitlisted
    waitlisted -> offered (promoted: the place is held for them a short while) | cancelled
    accepted -> cancelled | checked_in | completed | no_show (settled after the shift)
    checked_in -> completed | no_show (corrected by the people who were there)

Does a no-show hold a place? No. A place is held by someone who has it or is using it (accepted,
checked in) or who served it (completed): those count against the shift's slots, in fill rates
and in "N of M places taken". A no-show is settled after the fact: the person did not come, so the
place was not filled, and counting it as taken would make a shift look full that was not. It
still belongs on the attendance roster (ROSTER), where it can be corrected to present: that
correction happens only on a started shift, which takes no new offers or sign-ups, so a
corrected no-show never competes with someone who took the place meanwhile.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


# Holds a place: counts against the shift's slots (fill, "N of M taken", overlap with other shifts).
HOLDS_PLACE = frozenset({Status.ACCEPTED, Status.CHECKED_IN, Status.COMPLETED})
# Served: was there (hours, fairness, thank-you and certificates count these).
SERVED = frozenset({Status.CHECKED_IN, Status.COMPLETED})
# Live: still waiting on the volunteer or the shift; cancelling a shift or a volunteer closes these.
LIVE = frozenset({Status.OFFERED, Status.ACCEPTED, Status.WAITLISTED})
# On the attendance roster: took the place, whatever came of it (a no-show can be corrected).
ROSTER = HOLDS_PLACE | {Status.NO_SHOW}
# What the volunteer may give up themselves (a place, or their turn on the waitlist).
CANCELLABLE = frozenset({Status.ACCEPTED, Status.WAITLISTED})
# Busy for overlap checks: what they hold, and the offers they may still accept.
BUSY = HOLDS_PLACE | {Status.OFFERED}
# Upcoming on /myshifts: held and not yet served, or waiting for a place.
UPCOMING = frozenset({Status.ACCEPTED, Status.CHECKED_IN, Status.WAITLISTED})


def holds_place(status: str) -> bool:
    return status in HOLDS_PLACE
