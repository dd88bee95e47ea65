"""Formatting a Hijri + Gregorian date for a shift list, against a plain strftime reference."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.__main__ import Result
from bot.i18n import format_datetime, use_locale

NAME = "date-format"


async def run(quick: bool) -> Result:
    count = 2_000 if quick else 50_000
    tz = ZoneInfo("Asia/Riyadh")
    moments = [datetime(2026, 5, 1, tzinfo=UTC) + timedelta(hours=i) for i in range(count)]
    with use_locale("ar"):
        format_datetime(moments[0], tz)  # load the catalog outside the timing
        start = time.perf_counter()
        for moment in moments:
            format_datetime(moment, tz)
        ours = time.perf_counter() - start
    start = time.perf_counter()
    for moment in moments:
        moment.astimezone(tz).strftime("%A %d %B %Y, %H:%M")
    reference = time.perf_counter() - start
    per_call_us = ours / count * 1e6
    ratio = ours / reference if reference else float("inf")
    return Result(
        f"{per_call_us:.1f} us per date ({count} dates), ratio {ratio:.1f} x strftime",
        "<= 50 us per date",
        per_call_us <= 50,
    )
