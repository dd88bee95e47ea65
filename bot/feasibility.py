"""Can a shift be filled? Pure: no Telegram and no SQL.

`db.feasibility_counts` counts, for one shift, the active volunteers of its specialty (reachable,
not paused or suspended) and how many of them meet each hard requirement: a valid qualification
when training is required, one of the need's languages (bot/language_rule.py), the gender asked,
the minimum age, and availability for the shift's day and period within their season. `explain`
turns the counts into a finding: how many meet every requirement against the places, and, when
that is short, which requirement blocks and what would help.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

# Requirements, in the order a finding names them.
SPECIALTY = "specialty"
TRAINING = "training"
LANGUAGES = "languages"
GENDER = "gender"
AGE = "age"
AVAILABILITY = "availability"
MINIMUM = "minimum"  # too few of those who fit speak a language with a minimum
TOGETHER = "together"  # no single requirement, but all of them together

# What would help.
RECRUIT = "recruit"  # invite more volunteers of the specialty
SCHEDULE_TRAINING = "schedule_training"
DROP_TRAINING = "drop_training"
MORE_LANGUAGES = "more_languages"
LOWER_MINIMUM = "lower_minimum"
ANY_GENDER = "any_gender"
LOWER_AGE = "lower_age"
OTHER_TIME = "other_time"
FEWER_PLACES = "fewer_places"


@dataclass(frozen=True)
class Pool:
    """Counts for one shift. Each requirement's count is of the specialty's volunteers who meet
    that requirement alone; None when the shift does not ask it."""

    places: int
    specialty: int
    available: int
    eligible: int  # meet every requirement
    trained: int | None = None
    speakers: int | None = None
    gender: int | None = None
    age: int | None = None
    by_language: Mapping[str, int] = field(default_factory=dict)  # speakers of each listed language
    eligible_by_language: Mapping[str, int] = field(default_factory=dict)  # of `eligible`
    minimums: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON for a draft (the /need summary keeps its finding)."""
        data = asdict(self)
        data["by_language"] = dict(self.by_language)
        data["eligible_by_language"] = dict(self.eligible_by_language)
        data["minimums"] = dict(self.minimums)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Pool:
        return cls(**dict(data))


@dataclass(frozen=True)
class Blocker:
    requirement: str
    count: int
    language: str | None = None  # MINIMUM (and LANGUAGES with one language)
    minimum: int = 0


@dataclass(frozen=True)
class Finding:
    eligible: int
    places: int
    blockers: tuple[Blocker, ...] = ()
    remedies: tuple[str, ...] = ()

    @property
    def short(self) -> bool:
        return bool(self.blockers)


def explain(pool: Pool) -> Finding:
    """How many fit against the places; when short, what blocks (each requirement that alone
    leaves fewer volunteers than places, the tightest first) and what would help."""
    missing_speakers = [
        Blocker(MINIMUM, pool.eligible_by_language.get(code, 0), code, minimum)
        for code, minimum in sorted(pool.minimums.items())
        if pool.eligible_by_language.get(code, 0) < minimum
    ]
    if pool.eligible >= pool.places and not missing_speakers:
        return Finding(pool.eligible, pool.places)
    single = [
        (requirement, count)
        for requirement, count in (
            (SPECIALTY, pool.specialty), (TRAINING, pool.trained), (LANGUAGES, pool.speakers),
            (GENDER, pool.gender), (AGE, pool.age), (AVAILABILITY, pool.available),
        )
        if count is not None and count < pool.places
    ]
    blockers = [Blocker(requirement, count) for requirement, count in sorted(single, key=lambda b: b[1])]
    blockers += missing_speakers
    if not blockers:
        blockers.append(Blocker(TOGETHER, pool.eligible))
    remedies: list[str] = []
    helps = {
        SPECIALTY: [RECRUIT],
        TRAINING: [SCHEDULE_TRAINING, DROP_TRAINING],
        LANGUAGES: [MORE_LANGUAGES],
        GENDER: [ANY_GENDER],
        AGE: [LOWER_AGE],
        AVAILABILITY: [OTHER_TIME],
        MINIMUM: [LOWER_MINIMUM],
        TOGETHER: [MORE_LANGUAGES if pool.speakers is not None else OTHER_TIME],
    }
    for blocker in blockers:
        for remedy in helps[blocker.requirement]:
            if remedy not in remedies:
                remedies.append(remedy)
    if 0 < pool.eligible < pool.places:
        remedies.append(FEWER_PLACES)
    return Finding(pool.eligible, pool.places, tuple(blockers), tuple(remedies))
