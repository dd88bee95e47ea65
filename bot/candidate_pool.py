"""The candidates of one specialty, loaded once per tick and shared by every shift that needs them.

Pure: no Telegram and no SQL (`build` is async only to read its rows chunk by chunk and yield
the loop while it works). A tick asks the database once per specialty for the volunteers who
could ever be offered its shifts (status, reachable, birth date known) and once for everyone's
service statistics; `SpecialtyPool` keeps them in the fairness order without the one term that
depends on the shift (how many of the site's languages they speak). For each shift, `best()`
walks that order and stops as soon as the wave is full, so ranking a shift costs about the wave
it makes, not the specialty's thousands of volunteers.

The order produced is exactly `matching.rank_key`'s: within a tier of equal (hours, no-shows +
late cancellations) the site's languages come first, then registration and id; and every
candidate taken is re-checked by `matching.is_eligible` (overlaps, weekly cap) like the SQL path.

Memory (docs/PERFORMANCE.md, "memory"): a pool is parallel arrays, one slot per member in rank
order (ids, registration as epoch microseconds, dates as ordinals, masks), with the values that
repeat (statuses, genders, language sets) as small indexes into tuples and a tier's hours kept
once per tier: under 50 bytes a member and no Python object per member. The rows arrive in
chunks in registration order, so ranking is grouping them by tier, not sorting them. A
`Candidate` is built only for the members a walk reaches that pass the cheap tests.
"""

from __future__ import annotations

import asyncio
from array import array
from bisect import bisect_left
from collections.abc import AsyncIterable, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from bot import language_rule, matching

YIELD_EVERY = 1000  # members indexed between two chances for handlers to run
PERIOD_BITS = {"morning": 0, "afternoon": 1, "evening": 2, "night": 3}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
NO_DAY_BEFORE = 0  # available_from not set: available from any day
NO_DAY_AFTER = date.max.toordinal() + 1  # available_until not set
# The columns of the rows `build` reads (db.matching_pool), in this order.
USER_ID, STATUS, PAUSED_UNTIL, GENDER, BIRTH_DATE, AVAILABLE_FROM, AVAILABLE_UNTIL = range(7)
REGISTERED_AT, AVAILABILITY_MASK, LANGUAGES, QUALIFIED = range(7, 11)

Chunks = AsyncIterable[Sequence[Sequence[Any]]]
# SpecialtyPool's arrays with one slot per member, put in rank order together.
_MEMBER_COLUMNS = (
    "user_ids", "registered", "birth", "available_from", "available_until", "masks",
    "qualified", "status_of", "gender_of", "languages_of",
)


def availability_mask(periods: frozenset[tuple[int, str]]) -> int:
    mask = 0
    for weekday, period in periods:
        mask |= 1 << (weekday * 4 + PERIOD_BITS[period])
    return mask


class BusyLike(Protocol):
    def of(
        self, user_id: int, shift_id: int
    ) -> tuple[tuple[matching.Window, ...], tuple[matching.Window, ...]]: ...


@dataclass
class Stats:
    """Everyone's (hours served lately, no-shows, late cancellations), as arrays in id order
    (db.all_volunteer_stats); volunteers with none are not in it."""

    ids: array[int] = field(default_factory=lambda: array("q"))
    hours: array[float] = field(default_factory=lambda: array("d"))
    no_shows: array[int] = field(default_factory=lambda: array("i"))
    late_cancels: array[int] = field(default_factory=lambda: array("i"))

    @classmethod
    async def load(cls, chunks: Chunks, *, pause: Callable[[], Awaitable[None]] | None = None) -> Stats:
        """From rows (volunteer_id, hours, no_shows, late_cancels) in ascending id order."""
        stats = cls()
        async for chunk in chunks:
            if pause is not None:
                await pause()
            for user_id, hours, no_shows, late in chunk:
                stats.ids.append(user_id)
                stats.hours.append(float(hours or 0))
                stats.no_shows.append(int(no_shows or 0))
                stats.late_cancels.append(int(late or 0))
        return stats

    def get(self, user_id: int) -> tuple[float, int, int]:
        index = bisect_left(self.ids, user_id)
        if index < len(self.ids) and self.ids[index] == user_id:
            return self.hours[index], self.no_shows[index], self.late_cancels[index]
        return 0.0, 0, 0


@dataclass
class SpecialtyPool:
    """Members in the order (hours, no-shows + late cancels, registered, id): position p of
    every per-member array is one member; a tier is a run of equal (hours, no-shows + late
    cancels), whose values are kept once per tier."""

    specialty: str
    stats: Stats = field(default_factory=Stats)
    user_ids: array[int] = field(default_factory=lambda: array("q"))
    registered: array[int] = field(default_factory=lambda: array("q"))  # epoch microseconds
    birth: array[int] = field(default_factory=lambda: array("i"))  # date ordinals
    available_from: array[int] = field(default_factory=lambda: array("i"))  # NO_DAY_BEFORE: none
    available_until: array[int] = field(default_factory=lambda: array("i"))  # NO_DAY_AFTER: none
    masks: array[int] = field(default_factory=lambda: array("i"))  # 28 bits (availability_mask)
    qualified: bytearray = field(default_factory=bytearray)
    status_of: bytearray = field(default_factory=bytearray)  # index into `statuses`
    gender_of: bytearray = field(default_factory=bytearray)  # index into `genders`
    languages_of: array[int] = field(default_factory=lambda: array("I"))  # index into `language_sets`
    statuses: tuple[str, ...] = ()
    genders: tuple[str | None, ...] = ()
    language_sets: tuple[frozenset[str], ...] = ()
    paused_until: dict[int, datetime] = field(default_factory=dict)  # user id -> end of pause
    tiers: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of equal ranks
    tier_hours: array[float] = field(default_factory=lambda: array("d"))  # each tier's hours
    speakers: dict[str, array[int]] = field(default_factory=dict)  # language -> positions, ascending
    # (tier, site languages) -> speakers of the site's languages in the tier, most languages
    # first, and which of the tier's members they are: the shifts of one site share it
    _site_order: dict[tuple[int, frozenset[str]], tuple[array[int], bytearray]] = field(
        default_factory=dict
    )

    def __len__(self) -> int:
        return len(self.user_ids)

    @classmethod
    async def build(
        cls,
        specialty: str,
        chunks: Chunks,  # db.matching_pool's rows, in (registered_at, user_id) order, in chunks
        stats: Stats,
        parse_ts: Callable[[str], datetime | None],
        *,
        pause: Callable[[], Awaitable[None]] | None = None,
    ) -> SpecialtyPool:
        pause = pause or _yield  # between chunks of members: handlers go first
        statuses: dict[str, int] = {}
        genders: dict[str | None, int] = {}
        language_sets: dict[str, int] = {}
        days: dict[str, int] = {}  # ISO date -> ordinal: birth and season dates repeat
        # (hours, no-shows + late cancels) -> the members read with them. The rows come in
        # the order of registration then id, which is the order within a tier: the pool's
        # order is the tiers', each in the order read (no sort of the members).
        tiers: dict[tuple[float, int], array[int]] = {}
        pool = cls(specialty, stats)  # its arrays filled in the order read, then reordered
        read = 0
        async for chunk in chunks:
            # A chunk (db.CHUNK_ROWS) is about 0.8 ms of work here. Pause before it, not
            # after: the tick resumes here from its own read while an update may be being
            # answered, and the update goes first.
            await pause()
            for row in chunk:
                user_id = row[USER_ID]
                hours, no_shows, late = stats.get(user_id)
                tier = (round(hours, 6), no_shows + late)
                members = tiers.get(tier)
                if members is None:
                    members = tiers[tier] = array("i")
                members.append(read)
                read += 1
                if row[PAUSED_UNTIL]:
                    resumes = parse_ts(row[PAUSED_UNTIL])
                    if resumes is not None:
                        pool.paused_until[user_id] = resumes
                pool.user_ids.append(user_id)
                pool.registered.append(_micros(row[REGISTERED_AT]))
                pool.birth.append(_day(days, row[BIRTH_DATE], NO_DAY_AFTER))
                pool.available_from.append(_day(days, row[AVAILABLE_FROM], NO_DAY_BEFORE))
                pool.available_until.append(_day(days, row[AVAILABLE_UNTIL], NO_DAY_AFTER))
                pool.masks.append(row[AVAILABILITY_MASK])
                pool.qualified.append(1 if row[QUALIFIED] else 0)
                pool.status_of.append(statuses.setdefault(row[STATUS], len(statuses)))
                pool.gender_of.append(genders.setdefault(row[GENDER], len(genders)))
                pool.languages_of.append(
                    language_sets.setdefault(row[LANGUAGES] or "", len(language_sets))
                )
        pool.statuses, pool.genders = tuple(statuses), tuple(genders)
        pool.language_sets = tuple(
            frozenset(listed.split(",")) if listed else frozenset() for listed in language_sets
        )
        order: array[int] = array("i")
        for tier in sorted(tiers):
            start = len(order)
            order.extend(tiers.pop(tier))
            pool.tiers.append((start, len(order)))
            pool.tier_hours.append(tier[0])
        for name in _MEMBER_COLUMNS:
            await pause()
            column = getattr(pool, name)
            if isinstance(column, bytearray):
                setattr(pool, name, bytearray(map(column.__getitem__, order)))
            else:
                setattr(pool, name, array(column.typecode, map(column.__getitem__, order)))
        del order
        await pool._index(pause)
        return pool

    async def _index(self, pause: Callable[[], Awaitable[None]]) -> None:
        """Each language's speakers."""
        sets, of, speakers = self.language_sets, self.languages_of, self.speakers
        for index in range(len(self.user_ids)):
            if index % YIELD_EVERY == 0:
                await pause()
            for language in sets[of[index]]:
                positions = speakers.get(language)
                if positions is None:
                    positions = speakers[language] = array("i")
                positions.append(index)

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
        passes = self._test(
            shift, now=now, mask=availability_mask(periods), asked=asked,
            born_by=matching.born_on_or_before(first_day, matching.minimum_age(shift, rules)),
            first_day=first_day, last_day=last_day,
        )
        specialties = frozenset({shift.specialty})
        relevant = shift.site_languages | shift.languages
        spoken = [languages & relevant for languages in self.language_sets]
        for tier, position in self._in_rank_order(shift.site_languages, passes):
            user_id = self.user_ids[position]
            held, pending = busy.of(user_id, shift.shift_id)
            _hours, no_shows, late = self.stats.get(user_id)
            candidate = matching.Candidate(
                user_id=user_id,
                registered_at=EPOCH + self.registered[position] * MICROSECOND,
                status=self.statuses[self.status_of[position]],
                paused_until=self.paused_until.get(user_id),
                reachable=True,
                gender=self.genders[self.gender_of[position]],
                birth_date=date.fromordinal(self.birth[position]),
                specialties=specialties,
                languages=spoken[self.languages_of[position]],
                qualifications=specialties if self.qualified[position] else frozenset(),
                availability=periods,
                available_from=_date(self.available_from[position], NO_DAY_BEFORE),
                available_until=_date(self.available_until[position], NO_DAY_AFTER),
                hours_30d=self.tier_hours[tier],
                no_shows=no_shows,
                late_cancels=late,
                held=held,
                pending=pending,
            )
            if matching.is_eligible(candidate, shift, rules, now):
                yield candidate

    def _test(
        self,
        shift: matching.ShiftSpec,
        *,
        now: datetime,
        mask: int,
        born_by: date,
        first_day: date,
        last_day: date,
        asked: set[int],
    ) -> Callable[[int], bool]:
        """The pre-filter's tests on the member at a position (the SQL pre-filter's): what
        depends on a member's status, gender or language set is decided once per value."""
        paused_until = self.paused_until
        # status: 1 passes, 2 passes once the pause is over, 0 fails
        status_ok = bytes(
            1 if status == "active" else 2 if status == "paused" else 0 for status in self.statuses
        )
        gender_ok = bytes(
            1 if shift.gender == "any" or gender == shift.gender else 0 for gender in self.genders
        )
        language_ok = bytes(
            1 if language_rule.admits(shift.languages, spoken) else 0
            for spoken in self.language_sets
        )
        user_ids, masks, birth = self.user_ids, self.masks, self.birth
        since, until, qualified = self.available_from, self.available_until, self.qualified
        status_of, gender_of, languages_of = self.status_of, self.gender_of, self.languages_of
        born_by_day, first, last = born_by.toordinal(), first_day.toordinal(), last_day.toordinal()
        training = shift.requires_training

        def passes(p: int) -> bool:
            if (masks[p] & mask) != mask or birth[p] > born_by_day:
                return False
            if since[p] > first or until[p] < last:
                return False
            if not gender_ok[gender_of[p]] or not language_ok[languages_of[p]]:
                return False
            if training and not qualified[p]:
                return False
            state = status_ok[status_of[p]]
            if state != 1:
                if state == 0:
                    return False
                resumes = paused_until.get(user_ids[p])
                if resumes is None or resumes > now:
                    return False
            return user_ids[p] not in asked

        return passes

    def _in_rank_order(
        self, site: frozenset[str], passes: Callable[[int], bool]
    ) -> Iterator[tuple[int, int]]:
        """(tier, position) of the members passing the cheap tests, tier by tier; in a tier,
        most site languages first."""
        for tier, (start, end) in enumerate(self.tiers):
            first, seen = self._speakers_first(tier, site)
            for position in first:
                if passes(position):
                    yield tier, position
            if first:
                for position in range(start, end):
                    if not seen[position - start] and passes(position):
                        yield tier, position
            else:
                for position in range(start, end):
                    if passes(position):
                        yield tier, position

    def _speakers_first(self, tier: int, site: frozenset[str]) -> tuple[array[int], bytearray]:
        cached = self._site_order.get((tier, site))
        if cached is None:
            start, end = self.tiers[tier]
            counts: dict[int, int] = {}
            for language in site:
                positions = self.speakers.get(language)
                if positions is None:
                    continue
                low, high = bisect_left(positions, start), bisect_left(positions, end)
                for position in positions[low:high]:
                    counts[position] = counts.get(position, 0) + 1
            order = array("i", sorted(counts, key=lambda p: (-counts[p], p)))
            seen = bytearray(end - start) if order else bytearray()
            for position in order:
                seen[position - start] = 1
            cached = self._site_order[(tier, site)] = (order, seen)
        return cached


async def _yield() -> None:
    await asyncio.sleep(0)


def _micros(text: str) -> int:
    """A stored UTC time as microseconds since the epoch."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // MICROSECOND


def _day(days: dict[str, int], text: str | None, missing: int) -> int:
    if not text:
        return missing
    ordinal = days.get(text)
    if ordinal is None:
        ordinal = days[text] = date.fromisoformat(text).toordinal()
    return ordinal


def _date(ordinal: int, missing: int) -> date | None:
    return None if ordinal == missing else date.fromordinal(ordinal)
