"""A need's language requirement, as an office means it: pure, no Telegram and no SQL.

A need lists languages; a volunteer fits when they speak ANY one of them (a need that lists none
takes any language). The representative may also ask for a minimum of speakers of some listed
languages: "20 guides, at least 5 Urdu and 3 Indonesian". A volunteer who speaks both counts for
both.

The minimums are met by choosing who gets a place, not by who may be asked: matching, the
broadcast audience and the feasibility counts use `admits` (any of); a wave uses `select`, which
keeps offers back for the speakers still missing, and taking a place uses `may_take`, which
keeps places back for the speakers still being asked. Matching's candidate pre-filters (SQL and
the candidate pool) test exactly `admits`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class LanguageRule:
    """The languages a need asks for (any of them) and the minimum speakers of some of them."""

    languages: frozenset[str] = frozenset()
    minimums: tuple[tuple[str, int], ...] = ()  # (language, at least), sorted; each a listed one

    @classmethod
    def of(cls, languages: Iterable[str], minimums: Mapping[str, int] | None = None) -> LanguageRule:
        listed = frozenset(languages)
        wanted = tuple(
            sorted((code, int(count)) for code, count in (minimums or {}).items() if code in listed and count > 0)
        )
        return cls(listed, wanted)

    @property
    def minimum_of(self) -> dict[str, int]:
        return dict(self.minimums)

    def admits(self, spoken: Iterable[str]) -> bool:
        """Does a volunteer who speaks `spoken` fit? Any one listed language will do."""
        return admits(self.languages, spoken)

    def shortfall(self, taken: Iterable[Iterable[str]]) -> dict[str, int]:
        """Speakers still missing per language with a minimum, given the volunteers `taken`."""
        missing = self.minimum_of
        if not missing:
            return {}
        for spoken in taken:
            for code in set(spoken):
                if missing.get(code, 0) > 0:
                    missing[code] -= 1
        return {code: count for code, count in missing.items() if count > 0}

    def reserved(self, places: int) -> int:
        """Of `places`, how many the minimums keep for their speakers (never more than all)."""
        return min(places, sum(count for _code, count in self.minimums))


def admits(languages: frozenset[str], spoken: Iterable[str]) -> bool:
    """The rule itself: a need listing `languages` takes a volunteer who speaks any one of them
    (a need listing none takes everyone)."""
    return not languages or not languages.isdisjoint(spoken)


def wave_size(rule: LanguageRule, offers: int, taken: Iterable[Iterable[str]]) -> int:
    """How many to ask in a wave: the `offers` that keep the places covered, or more when the
    speakers still missing after `taken` (holders and those asked) are more than that."""
    return max(offers, sum(rule.shortfall(taken).values()))


def _helps(missing: Mapping[str, int], spoken: Iterable[str]) -> bool:
    return any(missing.get(code, 0) > 0 for code in spoken)


def _count(missing: dict[str, int], spoken: Iterable[str]) -> None:
    for code in set(spoken):
        if missing.get(code, 0) > 0:
            missing[code] -= 1


def select(
    rule: LanguageRule,
    candidates: Iterable[T],
    languages_of: Callable[[T], Iterable[str]],
    *,
    limit: int,
    taken: Iterable[Iterable[str]] = (),
    others: int | None = None,
) -> list[T]:
    """Up to `limit` of `candidates` (best first, each admitted by the rule) for one wave.

    The speakers still missing after `taken` (who hold a place or were asked already) are sought
    first: a candidate who adds none of them is taken only while enough of the wave stays free
    for them; one who adds one is always taken. Candidates are walked lazily and the walk stops
    once the wave is full. When the candidates run out before the missing speakers were found,
    the free part of the wave goes to those passed over, in their order: nobody else could use
    it in this wave. `others` caps how many of the wave may add no missing speaker (a wave
    made larger than the places call for, by `wave_size`, is larger only for them)."""
    if limit <= 0:
        return []
    others = limit if others is None else min(others, limit)
    missing = rule.shortfall(taken)
    chosen: list[T] = []
    passed: list[T] = []
    extra = 0  # chosen who add no missing speaker
    for candidate in candidates:
        spoken = set(languages_of(candidate))
        if _helps(missing, spoken):
            chosen.append(candidate)
            _count(missing, spoken)
        elif extra < others and limit - len(chosen) - 1 >= sum(missing.values()):
            chosen.append(candidate)
            extra += 1
        else:
            passed.append(candidate)
        if len(chosen) >= limit:
            return chosen
    return chosen + passed[: min(limit - len(chosen), others - extra)]


def may_take(
    rule: LanguageRule,
    spoken: Iterable[str],
    *,
    free_places: int,
    holders: Iterable[Iterable[str]],
    asked: Iterable[Iterable[str]] = (),
) -> bool:
    """May a volunteer who speaks `spoken` take one of `free_places` now?

    `holders` hold the shift's other places; `asked` are the volunteers still being asked (open
    offers). Places are kept back for the speakers missing after `holders`, but only for as many
    of them as are being asked: a place is never kept for someone nobody is asking."""
    if free_places <= 0:
        return False
    missing = rule.shortfall(holders)
    if not missing or _helps(missing, spoken):
        return True
    coming = {code: 0 for code in missing}
    for languages in asked:
        for code in set(languages):
            if code in coming:
                coming[code] += 1
    kept = sum(min(count, coming[code]) for code, count in missing.items())
    return free_places - 1 >= kept


def pick_first(
    rule: LanguageRule,
    waiting: Sequence[T],
    languages_of: Callable[[T], Iterable[str]],
    *,
    free_places: int,
    holders: Iterable[Iterable[str]],
    asked: Iterable[Iterable[str]] = (),
) -> T | None:
    """The first of `waiting` (a waitlist, in order) who may take a free place; a missing
    speaker further down goes before those who may not."""
    holders, asked = [list(h) for h in holders], [list(a) for a in asked]
    for person in waiting:
        if may_take(rule, languages_of(person), free_places=free_places, holders=holders, asked=asked):
            return person
    return None
