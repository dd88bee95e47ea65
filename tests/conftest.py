"""Fixtures: a fresh SQLite file per test, an injectable clock, the real Application."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.i18n import set_locale
from tests.harness import DEFAULT_START, BotHarness, make_settings


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEFAULT_START)


@pytest.fixture
async def make_bot(
    tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Callable[..., Awaitable[BotHarness]]]:
    """`bot = await make_bot(REQUIRE_APPROVAL="1")`: env overrides for that test's Settings."""
    started: list[BotHarness] = []

    async def factory(**env: str) -> BotHarness:
        harness = await BotHarness(make_settings(tmp_path, **env), clock).start()
        started.append(harness)
        return harness

    yield factory
    for harness in [member for first in started for member in first.family]:
        with contextlib.suppress(Exception):
            await harness.stop()


@pytest.fixture
async def bot(make_bot: Callable[..., Awaitable[BotHarness]]) -> BotHarness:
    return await make_bot()


@pytest.fixture(autouse=True)
def _reset_locale() -> None:
    set_locale("ar")
