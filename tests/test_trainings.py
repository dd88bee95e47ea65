"""Trainings: the qualification validity rules (table-tested) and the schema behind them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot import db, scheduler, trainings
from bot.operations import trainings as operations
from tests.factories import create_entity, create_need, create_volunteer
from tests.harness import BotHarness

T = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("granted", "months", "expected"),
    [
        (T, 1, datetime(2026, 2, 28, 9, 0, tzinfo=UTC)),  # the month's last day when shorter
        (T, 12, datetime(2027, 1, 31, 9, 0, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 12, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2026, 11, 15, tzinfo=UTC), 3, datetime(2027, 2, 15, tzinfo=UTC)),
        (T, None, None),  # a lecture, or a qualification granted by hand: no expiry
        (T, 0, None),
    ],
)
def test_expires_at(granted: datetime, months: int | None, expected: datetime | None) -> None:
    assert trainings.expires_at(granted, months) == expected


@pytest.mark.parametrize(
    ("expiry", "at", "valid", "soon"),
    [
        (None, T, True, False),
        (T + timedelta(days=60), T, True, False),
        (T + timedelta(days=30), T, True, True),
        (T + timedelta(seconds=1), T, True, True),
        (T, T, False, False),  # valid up to, not including, its expiry
        (T - timedelta(days=1), T, False, False),
    ],
)
def test_validity(expiry: datetime | None, at: datetime, valid: bool, soon: bool) -> None:
    assert trainings.is_valid(expiry, at) is valid
    assert trainings.expiring_soon(expiry, at) is soon


@pytest.mark.parametrize(
    ("check", "text", "ok"),
    [
        (trainings.check_link, "https://meet.example.org/x", True),
        (trainings.check_link, "http://meet.example.org/x", False),
        (trainings.check_link, "https://localhost", False),
        (trainings.check_capacity, "30", True),
        (trainings.check_capacity, "0", False),
        (trainings.check_capacity, "1001", False),
        (trainings.check_validity, "12", True),
        (trainings.check_validity, "121", False),
        (trainings.check_text, "  First aid   basics ", True),
        (trainings.check_text, "   ", False),
        (trainings.check_text, "x" * 121, False),
    ],
)
def test_answers(check: object, text: str, ok: bool) -> None:
    if ok:
        check(text)  # type: ignore[operator]
    else:
        with pytest.raises(trainings.TrainingInputError):
            check(text)  # type: ignore[operator]


def test_window() -> None:
    trainings.check_window(T + timedelta(hours=1), T + timedelta(hours=3), T)
    for starts, ends in ((T, T + timedelta(hours=1)), (T + timedelta(hours=2), T + timedelta(hours=1)),
                         (T + timedelta(hours=1), T + timedelta(days=20))):
        with pytest.raises(trainings.TrainingInputError):
            trainings.check_window(starts, ends, T)


async def test_create_session_once_per_draft(bot: BotHarness) -> None:
    fields = dict(
        kind="training", specialty="healthcare", title="First aid", trainer="Dr. Sara", place="Hall 2",
        latitude=None, longitude=None, link=None, starts_at=T + timedelta(days=400),
        ends_at=T + timedelta(days=400, hours=3), capacity=20, validity_months=12,
    )
    first = await operations.create(bot.db, **fields, entity_id=None, created_by=1, draft_key="d1", now=T)
    again = await operations.create(bot.db, **fields, entity_id=None, created_by=1, draft_key="d1", now=T)
    assert first.kind == again.kind == "created" and first.session_id == again.session_id
    assert await bot.db.fetchval("SELECT COUNT(*) FROM training_sessions") == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'training.created'") == 1
    row = await db.get_training_session(bot.db, session_id=first.session_id)
    assert row["validity_months"] == 12 and row["status"] == "scheduled"
    columns = {r[1] for r in await bot.db.fetchall("PRAGMA table_info(qualifications)")}
    assert {"granted_at", "expires_at", "session_id"} <= columns


async def test_expired_qualification_stops_gating(bot: BotHarness) -> None:
    entity = await create_entity(bot.db)
    await create_volunteer(bot.db, 701, specialties=("healthcare",))
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO qualifications (user_id, specialty, granted_at, expires_at)"
            " VALUES (701, 'healthcare', '2025-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')"
        )
    _need, (shift_id,) = await create_need(
        bot.db, entity, first_day=date(2026, 5, 20), specialty="healthcare", requires_training=True
    )
    await scheduler.tick(bot.app, now=bot.clock.now())
    offered = await bot.db.fetchval(
        "SELECT COUNT(*) FROM assignments WHERE shift_id = ? AND volunteer_id = 701", (shift_id,)
    )
    assert offered == 0
