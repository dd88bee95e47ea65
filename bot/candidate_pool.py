"""The candidates of one specialty, loaded once per tick and shared by every shift that needs them.

Pure: no Telegram and no SQL (`build` is async only to yield the loop while it works). A tick asks the database once per specialty for the volunteers who
could ever be offered its shifts (status, reachable, birth date known) and once for everyone's
service statistics; `SpecialtyPool` keeps them in the fairness order without the one term that
depends on the shift (how many of the site's languages they speak). For each shift, `best()`
walks that order and stops as soon as the wave is full, so ranking a shift costs about the wave
it makes, not the specialty's thousands of volunteers.

The order produced is exactly `matching.rank_key`'s: within a tier of equal (hours, no-shows +
late cancellations) the site's languages come first, then registration and id; and every
candidate taken is re-checked by `matching.is_eligible` (overlaps, weekly cap) like the SQL path.
"""

from __future__ import annotations

import asyncio
from array import array
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from bot import language_rule, matching

YIELD_EVERY = 1000  # members built between two chances for handlers to run
PERIOD_BITS = {"morning": 0, "afternoon": 1, "evening": 2, "night": 3}


def availability_mask(periods: frozenset[tuple[int, str]]) -> int:
    mask = 0
    for weekday, period in periods:
        mask |= 1 << (weekday * 4 + PERIOD_BITS[period])
    return mask


class BusyLike(Protocol):
    def of(
        self, user_id: int, shift_id: int
    ) -> tuple[tuple[matching.Window, ...], tuple[matching.Window, ...]]: ...


@dataclass(slots=True)
class Member:
    """One volunteer of the pool: the facts every shift of the specialty filters on."""

    user_id: int
    status: str
    paused_until: datetime | None
    gender: str | None
    birth_date: str  # ISO: compared as text with the shift's born-by date
    available_from: str | None
    available_until: str | None
    registered_at: str
    mask: int
    languages: frozenset[str]
    qualified: bool
    hours: float
    no_shows: int
    late_cancels: int


@dataclass
class SpecialtyPool:
    specialty: str
    members: list[Member]  # in the order (hours, no-shows + late cancels, registered, id)
    tiers: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of equal ranks
    speakers: list[dict[str, array[int]]] = field(default_factory=list)  # per tier: lang -> indexes
    # (tier, site languages) -> speakers of the site's languages, most languages first: the
    # shifts of one site share it
    _site_order: dict[tuple[int, frozenset[str]], tuple[list[int], set[int]]] = field(
        default_factory=dict
    )

    @classmethod
    async def build(
        cls,
        specialty: str,
        rows: Sequence[Any],  # rows with the columns of db.matching_pool
        stats: Mapping[int, tuple[float, int, int]],
        parse_ts: Any,
        *,
        shared: dict[Any, Any] | None = None,
        pause: Callable[[], Awaitable[None]] | None = None,
    ) -> SpecialtyPool:
        # Memory (DESIGN.md, the memory benchmark): every value a member keeps is one shared
        # object, not one per row: statuses, dates, masks and hours repeat across members, and a
        # volunteer's registration time and mask across the pools of a tick (`shared`).
        one = (shared if shared is not None else {}).setdefault
        pause = pause or _yield  # between chunks of members: handlers go first
        interned: dict[str, frozenset[str]] = {}
        members = []
        for count, row in enumerate(rows):
            if count % YIELD_EVERY == 0:
                await pause()  # building 10,000 members must not hold the loop
            user_id = row["user_id"]
            hours, no_shows, late = stats.get(user_id, (0.0, 0, 0))
            listed = row["languages"] or ""
            languages = interned.get(listed)
            if languages is None:
                languages = interned[listed] = frozenset(listed.split(",")) if listed else frozenset()
            members.append(
                Member(
                    user_id=user_id,
                    status=one(row["status"], row["status"]),
                    paused_until=parse_ts(row["paused_until"]) if row["paused_until"] else None,
                    gender=one(row["gender"], row["gender"]),
                    birth_date=one(row["birth_date"], row["birth_date"]),
                    available_from=one(row["available_from"], row["available_from"]),
                    available_until=one(row["available_until"], row["available_until"]),
                    registered_at=one(row["registered_at"], row["registered_at"]),
                    mask=one(row["availability_mask"], row["availability_mask"]),
                    languages=languages,
                    qualified=bool(row["qualified"]),
                    hours=one(round(hours, 6), round(hours, 6)),
                    no_shows=no_shows,
                    late_cancels=late,
                )
            )
        # registered_at is db.ts() text (UTC, one format), which sorts as the moments do.
        members.sort(key=lambda m: (m.hours, m.no_shows + m.late_cancels, m.registered_at, m.user_id))
        await pause()
        pool = cls(specialty, members)
        start = 0
        for index in range(1, len(members) + 1):
            if index % YIELD_EVERY == 0:
                await pause()
            if index == len(members) or _tier(members[index]) != _tier(members[start]):
                spoken: dict[str, array[int]] = {}
                for position in range(start, index):
                    for language in members[position].languages:
                        positions = spoken.get(language)
                        if positions is None:
                            positions = spoken[language] = array("l")
                        positions.append(position)
                pool.tiers.append((start, index))
                pool.speakers.append(spoken)
                start = index
        return pool

    def best(
        self,
        shift: matching.ShiftSpec,
        rules: matching.Rules,
        *,
        now: datetime,
        limit: int,
        asked: set[int],
        busy: BusyLike,
        taken: Sequence[Sequence[str]] = (),
        others: int | None = None,
    ) -> list[matching.Candidate]:
        """The first `limit` eligible volunteers for the shift, in matching.rank_key's order,
        leaving out those already asked (`asked`: any assignment on this shift). With language
        minimums, language_rule.select keeps part of the wave for the speakers still missing
        after `taken` (the languages of those holding or asked for a place); `others` caps
        the rest."""
        rule = shift.language_rule
        eligible = self._eligible(shift, rules, now=now, asked=asked, busy=busy)
        if not rule.minimums:
            found: list[matching.Candidate] = []
            for candidate in eligible:
                found.append(candidate)
                if len(found) >= limit:
                    break
            return found
        return language_rule.select(
            rule, eligible, lambda c: c.languages, limit=limit, taken=taken, others=others
        )

    def _eligible(
        self,
        shift: matching.ShiftSpec,
        rules: matching.Rules,
        *,
        now: datetime,
        asked: set[int],
        busy: BusyLike,
    ) -> Iterator[matching.Candidate]:
        """The eligible volunteers for the shift, lazily, in matching.rank_key's order."""
        first_day, last_day = matching.local_days(shift, rules.tz)
        periods = matching.periods_needed(shift.starts_at, shift.ends_at, rules.tz)
        test = _Test(
            shift=shift,
            now=now,
            mask=availability_mask(periods),
            born_by=matching.born_on_or_before(
                first_day, matching.minimum_age(shift, rules)
            ).isoformat(),
            first_day=first_day.isoformat(),
            last_day=last_day.isoformat(),
            asked=asked,
        )
        specialties = frozenset({shift.specialty})
        relevant = shift.site_languages | shift.languages
        for member in self._in_rank_order(shift.site_languages, test):
            held, pending = busy.of(member.user_id, shift.shift_id)
            candidate = matching.Candidate(
                user_id=member.user_id,
                registered_at=datetime.fromisoformat(member.registered_at),
                status=member.status,
                paused_until=member.paused_until,
                reachable=True,
                gender=member.gender,
                birth_date=date.fromisoformat(member.birth_date),
                specialties=specialties,
                languages=member.languages & relevant,
                qualifications=specialties if member.qualified else frozenset(),
                availability=periods,
                available_from=_date(member.available_from),
                available_until=_date(member.available_until),
                hours_30d=member.hours,
                no_shows=member.no_shows,
                late_cancels=member.late_cancels,
                held=held,
                pending=pending,
            )
            if matching.is_eligible(candidate, shift, rules, now):
                yield candidate

    def _in_rank_order(self, site: frozenset[str], test: _Test) -> Iterator[Member]:
        """Members passing the cheap tests, tier by tier; in a tier, most site languages first."""
        members = self.members
        for tier, (start, end) in enumerate(self.tiers):
            first, seen = self._speakers_first(tier, site)
            for position in first:
                if test.passes(members[position]):
                    yield members[position]
            for position in range(start, end):
                if position not in seen and test.passes(members[position]):
                    yield members[position]

    def _speakers_first(self, tier: int, site: frozenset[str]) -> tuple[list[int], set[int]]:
        cached = self._site_order.get((tier, site))
        if cached is None:
            counts: dict[int, int] = {}
            spoken = self.speakers[tier]
            for language in site:
                for position in spoken.get(language, ()):
                    counts[position] = counts.get(position, 0) + 1
            order = sorted(counts, key=lambda p: (-counts[p], p))
            cached = self._site_order[(tier, site)] = (order, set(counts))
        return cached


async def _yield() -> None:
    await asyncio.sleep(0)


def _tier(member: Member) -> tuple[float, int]:
    return member.hours, member.no_shows + member.late_cancels


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(slots=True)
class _Test:
    """The pre-filter's tests on one member (the SQL pre-filter's, in the same order)."""

    shift: matching.ShiftSpec
    now: datetime
    mask: int
    born_by: str
    first_day: str
    last_day: str
    asked: set[int]

    def passes(self, m: Member) -> bool:
        shift = self.shift
        if m.status != "active" and not (
            m.status == "paused" and m.paused_until is not None and m.paused_until <= self.now
        ):
            return False
        if (m.mask & self.mask) != self.mask or m.birth_date > self.born_by:
            return False
        if (m.available_from is not None and m.available_from > self.first_day) or (
            m.available_until is not None and m.available_until < self.last_day
        ):
            return False
        if shift.gender != "any" and m.gender != shift.gender:
            return False
        if not language_rule.admits(shift.languages, m.languages):
            return False
        if shift.requires_training and not m.qualified:
            return False
        return m.user_id not in self.asked
