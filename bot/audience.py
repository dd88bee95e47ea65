"""Who a broadcast goes to: the audience a coordinator picks, as plain data (no SQL, no Telegram).

Filters of different kinds combine with AND (Urdu-speaking AND in Quba); several values of one
kind combine with OR (healthcare OR relief). `db.audience_select()` turns an Audience into SQL.
`AudienceNames` and `BroadcastProgress` are what the screens read about an audience and a
broadcast (loaded by bot/db.py, put into words by bot/texts/broadcasts.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.language_rule import admits

VOLUNTEERS = "volunteers"
REPRESENTATIVES = "reps"
STAFF = "staff"
KINDS = (VOLUNTEERS, REPRESENTATIVES, STAFF)

# Multi-valued volunteer filters: the field name of each, as used in toggle().
FILTER_FIELDS = ("specialties", "languages", "genders", "cities")

# Assignment states that mean "this volunteer is on that shift".
ON_SHIFT_STATES = ("accepted", "checked_in")


@dataclass(frozen=True)
class Audience:
    """One audience. An empty filter means "no restriction" (all active volunteers)."""

    kind: str = VOLUNTEERS
    specialties: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    need_id: int | None = None
    shift_id: int | None = None
    on_shift_now: bool = False
    entity_ids: tuple[int, ...] = field(default=())  # representatives: empty = all entities

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown audience kind {self.kind!r}")

    @property
    def assignment_based(self) -> bool:
        """Chosen by the shifts people hold rather than by their profile."""
        return self.need_id is not None or self.shift_id is not None or self.on_shift_now

    def speaks(self, spoken: Any) -> bool:
        """Does a volunteer who speaks `spoken` pass the language filter? Any one of the chosen
        languages, as for a need (bot/language_rule.py); db.audience_select is its SQL form."""
        return admits(frozenset(self.languages), spoken)

    @property
    def filtered(self) -> bool:
        return self.kind == VOLUNTEERS and (
            any(getattr(self, name) for name in FILTER_FIELDS) or self.assignment_based
        )

    def toggle(self, name: str, value: Any) -> Audience:
        """Add `value` to a multi-valued filter, or remove it if present."""
        if name not in (*FILTER_FIELDS, "entity_ids"):
            raise ValueError(f"not a multi-valued filter: {name}")
        current: tuple[Any, ...] = getattr(self, name)
        updated = tuple(v for v in current if v != value) if value in current else (*current, value)
        changes: dict[str, Any] = {name: updated}
        return replace(self, **changes)

    def with_need(self, need_id: int | None, shift_id: int | None = None) -> Audience:
        return replace(self, need_id=need_id, shift_id=shift_id if need_id is not None else None)

    def cleared(self) -> Audience:
        return Audience(kind=self.kind)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable (lists, not tuples) for user_data and the broadcasts table."""
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Audience:
        data = dict(data or {})
        values: dict[str, Any] = {}
        for name in ("kind", "need_id", "shift_id", "on_shift_now"):
            if name in data:
                values[name] = data[name]
        for name in (*FILTER_FIELDS, "entity_ids"):
            values[name] = tuple(data.get(name) or ())
        return cls(**values)


@dataclass(frozen=True)
class AudienceNames:
    """The rows an audience refers to, for naming it: entities (id, name_ar, name_en), the need
    (id, title) and the shift (starts_at, ends_at). Empty where the audience has none."""

    entities: tuple[Mapping[str, Any], ...] = ()
    need: Mapping[str, Any] | None = None
    shift: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BroadcastProgress:
    """One broadcast as its progress list shows it: the row, its audience, the outbox rows by
    status (pending, sent, failed, unreachable, cancelled), and how many queued messages the
    sender takes before its last one (0 once nothing is pending)."""

    broadcast: Mapping[str, Any]
    audience: Audience
    names: AudienceNames
    counts: Mapping[str, int]
    ahead: int

    @property
    def running(self) -> bool:
        return bool(self.counts["pending"]) and not self.broadcast["stopped_at"] and not self.broadcast["finished_at"]
