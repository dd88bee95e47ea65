"""Backups while the bot runs, restore, and migrations that refuse what they cannot trust."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path

import pytest

from bot import backup, db
from bot.audience import Audience
from bot.db import Database, MigrationError, load_migrations
from tests.factories import create_user
from tests.harness import BotHarness
from tests.test_config import run_cli

COORD = 900
RECIPIENTS = 400


async def many_volunteers(bot: BotHarness, count: int) -> None:
    async with bot.db.transaction() as tx:
        now = db.ts(bot.clock.now())
        await tx.executemany(
            "INSERT INTO users (id, created_at) VALUES (?, ?)",
            [(10_000 + n, now) for n in range(count)],
        )
        await tx.executemany(
            "INSERT INTO volunteers (user_id, status, registered_at) VALUES (?, 'active', ?)",
            [(10_000 + n, now) for n in range(count)],
        )


def consistency(path: Path) -> dict[str, int]:
    """Checks a restored database and returns its broadcast's outbox counts by status."""
    assert db.check_database_file(path) is None
    with sqlite3.connect(path) as conn:
        (recipients,) = conn.execute("SELECT recipients FROM broadcasts").fetchone()
        rows = dict(conn.execute(
            "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL GROUP BY status"
        ).fetchall())
        assert sum(rows.values()) == recipients == RECIPIENTS  # every recipient, once
        # A row marked sent has its time and message id: never half-recorded.
        assert conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE status = 'sent'"
            " AND (sent_at IS NULL OR message_id IS NULL)"
        ).fetchone() == (0,)
    return rows


async def test_a_backup_taken_during_a_broadcast_restores_to_a_consistent_database(
    bot: BotHarness, tmp_path: Path
) -> None:
    await create_user(bot.db, COORD, role="coordinator", first_name="Huda", locale="en")
    await many_volunteers(bot, RECIPIENTS)
    async with bot.db.transaction() as tx:
        await db.create_broadcast(
            tx, created_by=COORD, audience=Audience(), text="Water at gate 5", parse_mode=None,
            priority=9, now=bot.clock.now(),
        )
    settings = dataclasses.replace(bot.settings, backup_dir=tmp_path / "backups", backup_keep=100)
    sending = asyncio.create_task(bot.flush_outbox())
    taken = []
    while not sending.done():
        taken.append(await backup.take(bot.db, settings))
        await asyncio.sleep(0.02)
    await sending
    assert len(taken) >= 2
    restored = []
    for number, file in enumerate(taken):
        target = dataclasses.replace(settings, database_path=tmp_path / f"restored-{number}.sqlite3")
        backup.restore(target, file)
        restored.append(consistency(target.database_path))
    # At least one was taken in the middle of the broadcast: some sent, some still to go.
    assert any(0 < counts.get("sent", 0) < RECIPIENTS for counts in restored), restored
    # The restored database opens and migrates like any other.
    again = await Database.open(tmp_path / "restored-0.sqlite3")
    try:
        assert await again.migrate() == []
    finally:
        await again.close()


async def test_old_backups_are_pruned(bot: BotHarness, tmp_path: Path) -> None:
    settings = dataclasses.replace(bot.settings, backup_dir=tmp_path / "b", backup_keep=2)
    files = [await backup.take(bot.db, settings) for _ in range(4)]
    assert db.list_backups(settings.backup_dir) == files[-2:]


def test_restore_refuses_while_the_bot_runs_and_a_broken_file(tmp_path: Path) -> None:
    database = tmp_path / "aoun.sqlite3"
    assert run_cli("migrate", DATABASE_PATH=str(database)).returncode == 0
    made = run_cli("backup", DATABASE_PATH=str(database), BACKUP_DIR=str(tmp_path / "b"))
    assert made.returncode == 0, made.stderr
    (copy,) = db.list_backups(tmp_path / "b")
    assert str(copy) in made.stdout

    with backup.run_lock(database):  # what `python -m bot` holds while it runs
        refused = run_cli("restore", str(copy), DATABASE_PATH=str(database))
    assert refused.returncode == 2 and "the bot is running" in refused.stderr
    assert "Traceback" not in refused.stderr

    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    bad = run_cli("restore", str(broken), DATABASE_PATH=str(database))
    assert bad.returncode == 2 and "cannot be restored" in bad.stderr

    good = run_cli("restore", str(copy), DATABASE_PATH=str(database), BACKUP_DIR=str(tmp_path / "b"))
    assert good.returncode == 0, good.stderr
    assert "restored" in good.stdout and "kept as" in good.stdout


def test_a_second_bot_on_the_same_database_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "aoun.sqlite3"
    with backup.run_lock(database), pytest.raises(backup.BotIsRunning), backup.run_lock(database):
        pass
    with backup.run_lock(database):  # released when the holder ends
        pass


# -- migrations ------------------------------------------------------------------------------------


async def test_a_migration_of_an_existing_database_backs_it_up_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "aoun.sqlite3"
    database = await Database.open(path)
    try:
        every = load_migrations()
        last = every[-1][0]
        with monkeypatch.context() as older_code:  # a database made before the newest migration
            older_code.setattr(db, "load_migrations", lambda: every[:-1])
            await database.migrate(backup_dir=tmp_path / "b")
        assert db.list_backups(tmp_path / "b") == []  # it was new: nothing to back up
        assert await database.migrate(backup_dir=tmp_path / "b") == [last]
    finally:
        await database.close()
    (copy,) = db.list_backups(tmp_path / "b")
    assert f"before-{last:04d}" in copy.name
    with sqlite3.connect(copy) as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", (last,)
        ).fetchone() == (0,)


async def test_a_fresh_database_is_not_backed_up(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "aoun.sqlite3")
    try:
        await database.migrate(backup_dir=tmp_path / "b")
    finally:
        await database.close()
    assert db.list_backups(tmp_path / "b") == []


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "aoun.sqlite3")
    try:
        await database.migrate()
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'x', 'y')"
            )
        with pytest.raises(MigrationError, match=r"9999.*newer version"):
            await database.migrate()
    finally:
        await database.close()
    result = run_cli("migrate", DATABASE_PATH=str(tmp_path / "aoun.sqlite3"))
    assert result.returncode == 2 and "newer version" in result.stderr
    assert "Traceback" not in result.stderr


async def test_checksums_are_recorded_for_old_databases_and_then_checked(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "aoun.sqlite3")
    try:
        await database.migrate()
        async with database.transaction() as tx:  # a database from before checksums
            await tx.execute("UPDATE schema_migrations SET checksum = NULL")
        assert await database.migrate() == []
        assert await database.fetchval(
            "SELECT COUNT(*) FROM schema_migrations WHERE checksum IS NULL"
        ) == 0
        async with database.transaction() as tx:  # as if 0002 had been edited since
            await tx.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 2")
        with pytest.raises(MigrationError, match="0002 was changed"):
            await database.migrate()
    finally:
        await database.close()


async def test_a_database_made_before_the_checksum_column_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "aoun.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
    database = await Database.open(path)
    try:
        applied = await database.migrate(backup_dir=tmp_path / "b")
        assert applied == [v for v, _n, _s in load_migrations()]
        assert await database.fetchval(
            "SELECT COUNT(*) FROM schema_migrations WHERE checksum IS NULL"
        ) == 0
    finally:
        await database.close()
