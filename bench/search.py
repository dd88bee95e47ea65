"""/volunteers search at 100,000 volunteers (quick: 5,000): what the handler runs for a page of
results (notices.volunteers.typed_search: the typed words understood against the stored cities,
then db.find_volunteers through the volunteer_search FTS5 index), for a mix of
what coordinators type: a first and family name, a family name alone, a whole phone number and
part of one, Arabic typed without hamza, taa marbuta or the space in «عبد». Against a plain
indexed lookup of one row (a volunteer by id), interleaved, three rounds.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

import aiosqlite

from bench.__main__ import Result
from bench._bare import one_row_lookups
from bench._dispatch_data import season, volunteer_name_parts
from bench._rounds import interleaved, percentile
from bot.db import Database
from bot.notices.volunteers import PAGE_SIZE, typed_search

NAME = "search"
TARGET_P99_MS = 10.0
# A one-row lookup by primary key through aiosqlite on the 2-core machine the target was set
# on; the verdict is read from the ratio p99 / that lookup's median (target / this).
REFERENCE_MS_WHEN_SET = 0.06  # measured 0.058 ms at 100,000 volunteers on 2026-12-01


def queries(volunteers: int, count: int) -> list[str]:
    rng = random.Random(11)
    found = []
    for n in range(count):
        person = rng.randrange(volunteers)
        first, father, family = volunteer_name_parts(person)
        kind = n % 6
        if kind == 0:
            found.append(f"{first} {family}".replace("عبد ", "عبد"))  # «عبدالله»
        elif kind == 1:
            found.append(f"{first} {father} {family}")
        elif kind == 2:
            found.append(f"0{5:d}{person:08d}")
        elif kind == 3:
            found.append(f"{person:08d}"[-6:])
        elif kind == 4:
            found.append(f"{father} {family}".replace("أ", "ا").replace("إ", "ا").replace("ة", "ه"))
        else:
            found.append(family)
    return found


async def run(quick: bool) -> Result:
    volunteers = 5_000 if quick else 100_000
    count = 60 if quick else 300
    typed = queries(volunteers, count)
    with tempfile.TemporaryDirectory() as tmp:
        path = await season(volunteers, Path(tmp) / "s.sqlite3", upcoming_needs=5)
        database = await Database.open(path)
        plain = await aiosqlite.connect(path)
        try:
            per_query: list[float] = []
            hits: list[int] = []

            async def ours(index: int) -> float:
                times = []
                for text in typed:
                    started = time.perf_counter()
                    _search, rows = await typed_search(database, text, limit=PAGE_SIZE + 1)
                    times.append((time.perf_counter() - started) * 1000)
                    hits.append(len(rows))
                per_query.append(percentile(times, 0.99))
                return statistics.median(times)

            async def reference(index: int) -> float:
                return await one_row_lookups(plain, volunteers, len(typed), index)

            rounds = await interleaved(ours, reference)
        finally:
            await plain.close()
            await database.close()
    p99 = statistics.median(per_query)
    ratio = p99 / rounds.median_reference
    target = TARGET_P99_MS / REFERENCE_MS_WHEN_SET
    found = sum(1 for h in hits if h) / len(hits)
    return Result(
        f"{len(typed)} searches among {volunteers:,} volunteers ({found:.0%} found something):"
        f" p50 {rounds.median_measured:.2f} ms, p99 {p99:.2f} ms; p50 {rounds.ratio_text(1)} x a"
        f" one-row lookup ({rounds.median_reference:.3f} ms), p99 ratio {ratio:.0f}",
        f"p99 ratio <= {target:.0f} (p99 <= {TARGET_P99_MS:.0f} ms where the lookup takes"
        f" {REFERENCE_MS_WHEN_SET:g} ms)",
        ratio <= target,
    )
