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
order (ids, registration as epoch microseconds, dates as ordinals, masks, hours), with the few
values that repeat (statuses, genders, language sets) as small indexes into tuples: about 60
bytes a member and no Python object per member. A `Candidate` is built only for the members a
walk reaches that pass the cheap tests.
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

YIELD_EVERY = 1000  # members built between two chances for handlers to run
PERIOD_BITS = {"morning": 0, "afternoon": 1, "evening": 2, "night": 3}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
NO_DAY_BEFORE = 0  # available_from not set: available from any day
NO_DAY_AFTER = date.max.toordinal() + 1  # available_until not set
# The columns of the rows `build` reads (db.matching_pool), in this order.
USER_ID, STATUS, PAUSED_UNTIL, GENDER, BIRTH_DATE, AVAILABLE_FROM, AVAILABLE_UNTIL = range(7)
REGISTERED_AT, AVAILABILITY_MASK, LANGUAGES, QUALIFIED = range(7, 11)

Chunks = AsyncIterable[Sequence[Sequence[Any]]]


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
    no_shows: array[int] = field(default_factory=lambda: array("l"))
    late_cancels: array[int] = field(default_factory=lambda: array("l"))

    @classmethod
    async def load(cls, chunks: Chunks, *, pause: Callable[[], Awaitable[None]] | None = None) -> Stats:
        """From rows (volunteer_id, hours, no_shows, late_cancels) in ascending id order."""
        stats = cls()
        async for chunk in chunks:
            for user_id, hours, no_shows, late in chunk:
                stats.ids.append(user_id)
                stats.hours.append(float(hours or 0))
                stats.no_shows.append(int(no_shows or 0))
                stats.late_cancels.append(int(late or 0))
            if pause is not None:
                await pause()
        return stats

    def get(self, user_id: int) -> tuple[float, int, int]:
        index = bisect_left(self.ids, user_id)
        if index < len(self.ids) and self.ids[index] == user_id:
            return self.hours[index], self.no_shows[index], self.late_cancels[index]
        return 0.0, 0, 0


class _StatsReader:
    """Stats looked up for ids that mostly come in ascending order: a merge, bisecting only
    when an id goes back."""

    def __init__(self, stats: Stats) -> None:
        self.ids, self.stats, self.at, self.last = stats.ids, stats, 0, -1

    def get(self, user_id: int) -> tuple[float, int, int]:
        ids, at = self.ids, self.at
        if user_id < self.last:
            at = bisect_left(ids, user_id)
        self.last = user_id
        end = len(ids)
        while at < end and ids[at] < user_id:
            at += 1
        self.at = at
        if at < end and ids[at] == user_id:
            s = self.stats
            return s.hours[at], s.no_shows[at], s.late_cancels[at]
        return 0.0, 0, 0


@dataclass
class SpecialtyPool:
    """Members in the order (hours, no-shows + late cancels, registered, id): position p of
    every array is one member."""

    specialty: str
    user_ids: array[int] = field(default_factory=lambda: array("q"))
    registered: array[int] = field(default_factory=lambda: array("q"))  # epoch microseconds
    birth: array[int] = field(default_factory=lambda: array("i"))  # date ordinals
    available_from: array[int] = field(default_factory=lambda: array("i"))  # NO_DAY_BEFORE: none
    available_until: array[int] = field(default_factory=lambda: array("i"))  # NO_DAY_AFTER: none
    masks: array[int] = field(default_factory=lambda: array("i"))  # 28 bits (availability_mask)
    hours: array[float] = field(default_factory=lambda: array("d"))
    no_shows: array[int] = field(default_factory=lambda: array("i"))
    late_cancels: array[int] = field(default_factory=lambda: array("i"))
    qualified: bytearray = field(default_factory=bytearray)
    status_of: bytearray = field(default_factory=bytearray)  # index into `statuses`
    gender_of: bytearray = field(default_factory=bytearray)  # index into `genders`
    languages_of: array[int] = field(default_factory=lambda: array("I"))  # index into `language_sets`
    statuses: tuple[str, ...] = ()
    genders: tuple[str | None, ...] = ()
    language_sets: tuple[frozenset[str], ...] = ()
    paused_until: dict[int, datetime] = field(default_factory=dict)  # user id -> end of pause
    tiers: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of equal ranks
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
        chunks: Chunks,  # rows with the columns of db.matching_pool, in chunks
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
        paused: dict[int, datetime] = {}
        looked_up = _StatsReader(stats)
        # What each member sorts on and what they are tested on, in the order read; sorted
        # into the pool's arrays at the end.
        keys: list[tuple[float, int, int, int]] = []
        facts: list[tuple[int, ...]] = []
        count = 0
        async for chunk in chunks:
            for row in chunk:
                count += 1
                if count % YIELD_EVERY == 0:
                    await pause()  # building 10,000 members must not hold the loop
                user_id = row[USER_ID]
                hours, no_shows, late = looked_up.get(user_id)
                if row[PAUSED_UNTIL]:
                    resumes = parse_ts(row[PAUSED_UNTIL])
                    if resumes is not None:
                        paused[user_id] = resumes
                status = statuses.setdefault(row[STATUS], len(statuses))
                gender = genders.setdefault(row[GENDER], len(genders))
                languages = language_sets.setdefault(row[LANGUAGES] or "", len(language_sets))
                registered = _micros(row[REGISTERED_AT])
                # registered_at is db.ts() text (UTC, one format): its moments sort as the text.
                keys.append((round(hours, 6), no_shows + late, registered, user_id))
                facts.append((
                    _day(days, row[BIRTH_DATE], NO_DAY_AFTER),
                    _day(days, row[AVAILABLE_FROM], NO_DAY_BEFORE),
                    _day(days, row[AVAILABLE_UNTIL], NO_DAY_AFTER),
                    row[AVAILABILITY_MASK], no_shows, late,
                    1 if row[QUALIFIED] else 0, status, gender, languages,
                ))
            await pause()
        order = sorted(range(len(keys)), key=keys.__getitem__)
        await pause()
        pool = cls(
            specialty,
            statuses=tuple(statuses),
            genders=tuple(genders),
            language_sets=tuple(
                frozenset(listed.split(",")) if listed else frozenset() for listed in language_sets
            ),
            paused_until=paused,
        )
        for position, index in enumerate(order):
            if position % YIELD_EVERY == 0 and position:
                await pause()
            hours, _late_and_no_shows, registered, user_id = keys[index]
            birth, since, until, mask, no_shows, late, qualified, status, gender, spoken = facts[index]
            pool.user_ids.append(user_id)
            pool.registered.append(registered)
            pool.birth.append(birth)
            pool.available_from.append(since)
            pool.available_until.append(until)
            pool.masks.append(mask)
            pool.hours.append(hours)
            pool.no_shows.append(no_shows)
            pool.late_cancels.append(late)
            pool.qualified.append(qualified)
            pool.status_of.append(status)
            pool.gender_of.append(gender)
            pool.languages_of.append(spoken)
        del keys, facts, order
        await pause()
        pool._index()
        return pool

    def _index(self) -> None:
        """Tiers of equal (hours, no-shows + late cancels), and each language's speakers."""
        hours, no_shows, late = self.hours, self.no_shows, self.late_cancels
        sets, of = self.language_sets, self.languages_of
        start = 0
        size = len(self.user_ids)
        for index in range(size + 1):
            if index == size or (
                index > start
                and (hours[index] != hours[start]
                     or no_shows[index] + late[index] != no_shows[start] + late[start])
            ):
                if index > start:
                    self.tiers.append((start, index))
                start = index
            if index < size:
                for language in sets[of[index]]:
                    positions = self.speakers.get(language)
                    if positions is None:
                        positions = self.speakers[language] = array("i")
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
        for position in self._in_rank_order(shift.site_languages, passes):
            user_id = self.user_ids[position]
            held, pending = busy.of(user_id, shift.shift_id)
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
                hours_30d=self.hours[position],
                no_shows=self.no_shows[position],
                late_cancels=self.late_cancels[position],
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

    def _in_rank_order(self, site: frozenset[str], passes: Callable[[int], bool]) -> Iterator[int]:
        """Positions of members passing the cheap tests, tier by tier; in a tier, most site
        languages first."""
        for tier, (start, end) in enumerate(self.tiers):
            first, seen = self._speakers_first(tier, site)
            for position in first:
                if passes(position):
                    yield position
            if first:
                for position in range(start, end):
                    if not seen[position - start] and passes(position):
                        yield position
            else:
                for position in range(start, end):
                    if passes(position):
                        yield position

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
