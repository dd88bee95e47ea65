"""Every requirement a volunteer fails for a shift, not only the first: what a coordinator sees
before offering a shift by hand, and what they may waive. Pure: no Telegram, no SQL.

matching.ineligibility stays the one rule. To find the next failure, the requirement just failed
is taken as met (the candidate or the shift relaxed on that one point) and the rule asked again,
so a change to matching's rules changes this list too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from bot import matching
from bot.matching import Candidate, Rules, ShiftSpec

# Who cannot be offered a shift at all, whatever the reason: not an active volunteer (pending,
# suspended, deleted), or unreachable (the offer would never arrive).
HARD = frozenset({matching.STATUS, matching.UNREACHABLE})
_OLD_ENOUGH = date(1900, 1, 1)


def _relaxed(reason: str, c: Candidate, s: ShiftSpec, r: Rules) -> tuple[Candidate, ShiftSpec] | None:
    """The candidate and shift with the requirement `reason` taken as met (None: unknown rule)."""
    if reason in (matching.STATUS, matching.PAUSED):
        return replace(c, status="active", paused_until=None), s
    if reason == matching.UNREACHABLE:
        return replace(c, reachable=True), s
    if reason == matching.SPECIALTY:
        return replace(c, specialties=c.specialties | {s.specialty}), s
    if reason == matching.TRAINING:
        return replace(c, qualifications=c.qualifications | {s.specialty}), s
    if reason == matching.GENDER:
        return c, replace(s, gender="any")
    if reason == matching.AGE:
        return replace(c, birth_date=_OLD_ENOUGH), s
    if reason == matching.LANGUAGE:
        return replace(c, languages=c.languages | s.languages | s.site_languages), s
    if reason == matching.SEASON:
        return replace(c, available_from=None, available_until=None), s
    if reason == matching.AVAILABILITY:
        needed = matching.periods_needed(s.starts_at, s.ends_at, r.tz)
        return replace(c, availability=c.availability | needed), s
    if reason == matching.OVERLAP:
        window = (s.starts_at, s.ends_at)
        held = tuple(w for w in c.held if not matching.overlaps(window, w))
        return replace(c, held=held, pending=()), s
    if reason == matching.WEEKLY_LIMIT:
        return replace(c, held=()), s
    return None


def failures(candidate: Candidate, shift: ShiftSpec, rules: Rules, now: datetime) -> list[str]:
    """Every rule the candidate fails for this shift, in matching's order ([] when eligible)."""
    found: list[str] = []
    c, s = candidate, shift
    while (reason := matching.ineligibility(c, s, rules, now)) is not None and reason not in found:
        found.append(reason)
        relaxed = _relaxed(reason, c, s, rules)
        if relaxed is None:
            break
        c, s = relaxed
    return found


def first_unwaived(
    candidate: Candidate, shift: ShiftSpec, rules: Rules, now: datetime, waived: Iterable[str]
) -> str | None:
    """The first failed rule that was not waived (hard rules never are), or None."""
    allowed = set(waived) - HARD
    return next((r for r in failures(candidate, shift, rules, now) if r not in allowed), None)


def waivable(reasons: Iterable[str]) -> bool:
    """Whether all these failures may be waived with a reason."""
    return not (set(reasons) & HARD)


def encode(reasons: Iterable[str]) -> str | None:
    """The stored form of waived rules (assignments.waived)."""
    codes = sorted(set(reasons))
    return ",".join(codes) if codes else None


def decode(stored: str | None) -> frozenset[str]:
    return frozenset(code for code in (stored or "").split(",") if code)
