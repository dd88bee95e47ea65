"""Rounds: the measured code and its reference, interleaved, and the verdict read from the ratio.

DESIGN.md ("Benchmarks"): where a figure depends on the machine it is given as a ratio to a
reference measured in the same run, at least three rounds, the measured code and its reference
interleaved (so that a slow patch of the machine hits both), the median ratio printed with its
range. Any benchmark can use it:

    rounds = await interleaved(measure, reference, rounds=3)   # each returns seconds (or a value)
    rounds.ratio            # median of measure / reference over the rounds
    rounds.ratio_text()     # "ratio 1.21 (1.15-1.30, 3 rounds)"
    rounds.median_measured  # the median figure of the measured code

`measure` and `reference` are called with the round's index, measured code first in even rounds
and the reference first in odd ones; each returns one number (seconds, a p99, a rate...).
`higher_is_better=True` (a throughput) makes the ratio measured / reference all the same: read it
against a target such as ">= 0.5".
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

Measure = Callable[[int], Awaitable[float]]


@dataclass(frozen=True)
class Rounds:
    measured: tuple[float, ...]
    reference: tuple[float, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        return tuple(m / r if r else float("inf") for m, r in zip(self.measured, self.reference, strict=True))

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def median_measured(self) -> float:
        return statistics.median(self.measured)

    @property
    def median_reference(self) -> float:
        return statistics.median(self.reference)

    def ratio_text(self, digits: int = 2) -> str:
        low, high = min(self.ratios), max(self.ratios)
        return (
            f"ratio {self.ratio:.{digits}f} ({low:.{digits}f}-{high:.{digits}f},"
            f" {len(self.ratios)} rounds)"
        )


async def interleaved(measure: Measure, reference: Measure, *, rounds: int = 3) -> Rounds:
    """Run `rounds` rounds (at least 3) of the measured code and its reference, alternating
    which goes first."""
    measured: list[float] = []
    references: list[float] = []
    for index in range(max(3, rounds)):
        if index % 2 == 0:
            measured.append(await measure(index))
            references.append(await reference(index))
        else:
            references.append(await reference(index))
            measured.append(await measure(index))
    return Rounds(tuple(measured), tuple(references))


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value at `fraction` (0.99 for p99) of the sorted values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
