"""The language rule (bot/language_rule.py) as a table: any of the listed languages, minimums
per language, and how a wave and a place keep room for the speakers still missing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.language_rule import LanguageRule, admits, may_take, pick_first, select, wave_size

UR_ID = LanguageRule.of(["ur", "id"])
UR5_ID3 = LanguageRule.of(["ur", "id"], {"ur": 5, "id": 3})


@pytest.mark.parametrize(
    ("rule", "spoken", "fits"),
    [
        (LanguageRule.of([]), set(), True),
        (LanguageRule.of([]), {"ar"}, True),
        (UR_ID, {"ur"}, True),
        (UR_ID, {"id"}, True),
        (UR_ID, {"ur", "id"}, True),
        (UR_ID, {"ar", "en"}, False),
        (UR_ID, set(), False),
        (UR5_ID3, {"id", "ar"}, True),
    ],
)
def test_any_of_the_listed_languages(rule: LanguageRule, spoken: set[str], fits: bool) -> None:
    assert rule.admits(spoken) is fits
    assert admits(rule.languages, spoken) is fits


def test_minimums_only_for_listed_languages_and_positive() -> None:
    rule = LanguageRule.of(["ur"], {"ur": 2, "fr": 4, "id": 0})
    assert rule.minimums == (("ur", 2),)
    assert rule.reserved(1) == 1 and rule.reserved(10) == 2


@pytest.mark.parametrize(
    ("taken", "missing"),
    [
        ([], {"ur": 5, "id": 3}),
        ([{"ur"}] * 2, {"ur": 3, "id": 3}),
        ([{"ur", "id"}] * 3, {"ur": 2}),  # one who speaks both counts for both
        ([{"ur"}] * 6 + [{"id"}] * 3, {}),
        ([{"ar"}] * 10, {"ur": 5, "id": 3}),
    ],
)
def test_shortfall(taken: list[set[str]], missing: dict[str, int]) -> None:
    assert UR5_ID3.shortfall(taken) == missing


def _people(spec: str) -> list[tuple[int, frozenset[str]]]:
    """"i i u b" -> [(0, {id}), (1, {id}), (2, {ur}), (3, {ur, id})] (b = both)."""
    codes = {"i": {"id"}, "u": {"ur"}, "b": {"ur", "id"}}
    return [(n, frozenset(codes[c])) for n, c in enumerate(spec.split())]


def _pick(rule: LanguageRule, spec: str, limit: int, taken: list[set[str]] = (), **kw: int) -> str:
    people = _people(spec)
    chosen = select(rule, people, lambda p: p[1], limit=limit, taken=taken, **kw)
    return " ".join(spec.split()[n] for n, _ in chosen)


@pytest.mark.parametrize(
    ("case", "rule", "spec", "limit", "taken", "expected"),
    [
        ("no minimum: the best first", UR_ID, "i i i u u", 3, [], "i i i"),
        ("minimum of 2 Urdu in 4: Indonesian speakers wait", LanguageRule.of(["ur", "id"], {"ur": 2}),
         "i i i i u u", 4, [], "i i u u"),
        ("20 places, 5 Urdu and 3 Indonesian, Indonesian speakers first",
         UR5_ID3, " ".join(["i"] * 30 + ["u"] * 10), 20, [], " ".join(["i"] * 15 + ["u"] * 5)),
        ("holders count: 2 Urdu hold places already", LanguageRule.of(["ur", "id"], {"ur": 3}),
         "i i i u u", 3, [{"ur"}, {"ur"}], "i i u"),
        ("too few Urdu speakers: the rest of the wave goes to the others",
         LanguageRule.of(["ur", "id"], {"ur": 3}), "i i i i u", 4, [], "i u i i"),
        ("one speaker of both meets both minimums", LanguageRule.of(["ur", "id"], {"ur": 1, "id": 1}),
         "u u b i", 2, [], "u b"),
        ("empty wave", UR5_ID3, "u u", 0, [], ""),
    ],
)
def test_a_wave_keeps_room_for_the_missing_speakers(
    case: str, rule: LanguageRule, spec: str, limit: int, taken: list[set[str]], expected: str
) -> None:
    assert _pick(rule, spec, limit, taken) == expected, case


def test_a_wave_larger_than_the_places_is_larger_for_the_missing_speakers_only() -> None:
    rule = LanguageRule.of(["ur", "id"], {"ur": 3})
    # 5 asked already, all Indonesian: no more offers would be made, but 3 Urdu are missing.
    taken = [{"id"}] * 5
    size = wave_size(rule, 0, taken)
    assert size == 3
    assert _pick(rule, "i i u i u", size, taken, others=0) == "u u"
    assert wave_size(rule, 4, taken) == 4


def test_the_walk_stops_once_the_wave_is_full() -> None:
    walked = []

    def candidates() -> Iterator[tuple[int, frozenset[str]]]:
        for person in _people("u i i i i i i"):
            walked.append(person[0])
            yield person

    assert len(select(LanguageRule.of(["ur", "id"], {"ur": 1}), candidates(), lambda p: p[1], limit=2)) == 2
    assert walked == [0, 1]


@pytest.mark.parametrize(
    ("case", "spoken", "free", "holders", "asked", "allowed"),
    [
        ("no minimum", {"id"}, 1, [], [], True),
        ("no free place", {"ur"}, 0, [], [], False),
        ("a missing speaker always may", {"ur"}, 1, [{"id"}] * 3, [{"ur"}], True),
        ("the last place is kept for the Urdu speaker being asked", {"id"}, 1, [{"id"}] * 3, [{"ur"}], False),
        ("two places: one is kept, the other is free", {"id"}, 2, [{"id"}] * 3, [{"ur"}], True),
        ("nobody asked speaks Urdu: nothing is kept", {"id"}, 1, [{"id"}] * 3, [{"id"}], True),
        ("the minimum is met already", {"id"}, 1, [{"ur"}, {"ur"}], [{"ur"}], True),
    ],
)
def test_taking_a_place(
    case: str, spoken: set[str], free: int, holders: list[set[str]], asked: list[set[str]], allowed: bool
) -> None:
    rule = LanguageRule.of(["ur", "id"], {"ur": 2})
    assert may_take(rule, spoken, free_places=free, holders=holders, asked=asked) is allowed, case


def test_the_waitlist_lets_a_missing_speaker_go_first() -> None:
    rule = LanguageRule.of(["ur", "id"], {"ur": 1})
    waiting = _people("i i u")
    first = pick_first(rule, waiting, lambda p: p[1], free_places=1, holders=[{"id"}], asked=[{"ur"}])
    assert first == waiting[2]
    first = pick_first(rule, waiting[:2], lambda p: p[1], free_places=1, holders=[{"id"}], asked=[{"ur"}])
    assert first is None
    assert pick_first(UR_ID, waiting, lambda p: p[1], free_places=1, holders=[]) == waiting[0]
