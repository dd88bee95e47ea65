"""Storage: connection settings, migrations, transactions, and the foundation's queries."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot import db
from bot.db import Database, load_migrations
from tests.harness import BotHarness

NOW = datetime(2026, 5, 24, 5, 0, tzinfo=UTC)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await Database.open(tmp_path / "a" / "b" / "aoun.sqlite3")
    await opened.migrate()
    yield opened
    await opened.close()


async def test_folder_is_created_and_pragmas_are_set(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "aoun.sqlite3"
    database = await Database.open(path)
    try:
        assert path.is_file()
        assert await database.fetchval("PRAGMA journal_mode") == "wal"
        assert await database.fetchval("PRAGMA foreign_keys") == 1
        assert await database.fetchval("PRAGMA busy_timeout") == 5000
        async with database.transaction() as tx:
            assert await tx.fetchval("PRAGMA foreign_keys") == 1
            assert await tx.fetchval("PRAGMA busy_timeout") == 5000
    finally:
        await database.close()
    assert not database.is_open


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
async def test_the_background_connection_yields_the_cpu_to_the_others(database: Database) -> None:
    """The tick's large reads run on a thread with a lower CPU priority than the handlers'."""

    def niceness(_conn: sqlite3.Connection) -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert database._background is not None
    background = await database._background._in_thread(niceness)
    handlers = await database._in_thread(niceness)
    assert background == min(19, handlers + db.BACKGROUND_NICENESS) and background > handlers


async def test_quick_reads_run_on_the_loop_see_commits_and_never_write(database: Database) -> None:
    """Database.quick: a read is done when its coroutine first runs (no trip to a thread), it
    sees what was committed just before, and it cannot write."""
    async with database.transaction() as tx:
        await db.ensure_user(tx, 77, now=datetime(2026, 5, 1, tzinfo=UTC))
    read = database.quick.fetchval("SELECT id FROM users WHERE id = ?", (77,))
    with pytest.raises(StopIteration) as done:
        read.send(None)  # finished without suspending: nothing to wait for
    assert done.value.value == 77
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await database.quick.fetchone("INSERT INTO users (id, created_at) VALUES (78, 'x') RETURNING id")
    assert await database.fetchval("SELECT COUNT(*) FROM users WHERE id = 78") == 0


async def test_a_handlers_transaction_runs_its_statements_on_the_loop(
    make_bot: Callable[..., Awaitable[BotHarness]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While an update is being answered, a transaction runs on the event loop's thread, BEGIN
    and COMMIT included when the write lock is free; any transaction outside an update or a
    tick sends every statement to the writer's thread."""
    bot = await make_bot()
    ali = bot.user(31, "Ali", "ar")
    await bot.command(ali, "/lang")
    writer = bot.db._writer
    assert writer is not None
    trips: list[object] = []
    trip = writer._execute

    async def counted(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        trips.append(function)
        return await trip(function, *args, **kwargs)

    monkeypatch.setattr(writer, "_execute", counted)
    calls = await bot.press(ali, "lang:en")  # one transaction: the locale, then the row re-read
    assert any("English" in (c.text or "") for c in calls), bot.texts(calls)
    assert (await db.get_user(bot.db, 31))["locale"] == "en"
    assert trips == []  # BEGIN IMMEDIATE and COMMIT too: the lock was free
    trips.clear()
    async with bot.db.transaction() as tx:
        await db.set_user_locale(tx, 31, "ar")
        await db.get_user(tx, 31)
    assert len(trips) == 4  # BEGIN, both statements, COMMIT


async def test_a_transaction_with_breaks_lets_the_loop_run_others_between_its_statements(
    database: Database,
) -> None:
    """The tick's transactions (db.WRITES_ON_LOOP = its break count) run on the loop too, and
    every so many statements let whatever else is ready run: a handler is not held for a whole
    transaction of the tick."""
    assert database._writer is not None
    trips: list[object] = []
    trip = database._writer._execute

    async def counted(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        trips.append(function)
        return await trip(function, *args, **kwargs)

    database._writer._execute = counted  # type: ignore[method-assign]
    ran: list[int] = []  # how many statements the transaction had run each time the other task did
    statements = 0

    async def other() -> None:
        while True:
            ran.append(statements)
            await asyncio.sleep(0)

    token = db.WRITES_ON_LOOP.set(5)
    running = asyncio.create_task(other())
    try:
        await asyncio.sleep(0)
        async with database.transaction() as tx:
            for user_id in range(300, 312):
                await db.ensure_user(tx, user_id, now=datetime(2026, 5, 1, tzinfo=UTC))
                statements += 1
    finally:
        db.WRITES_ON_LOOP.reset(token)
        running.cancel()
        database._writer._execute = trip  # type: ignore[method-assign]
    assert trips == []  # BEGIN, the statements and COMMIT on the loop
    during = sorted({n for n in ran if 0 < n < 12})
    assert len(during) >= 2, ran  # the other task ran twice in the middle of the transaction
    assert await database.fetchval("SELECT COUNT(*) FROM users WHERE id BETWEEN 300 AND 311") == 12


async def test_a_handlers_transaction_waits_for_another_process_in_the_writers_thread(
    database: Database,
) -> None:
    """When another process holds the write lock, a handler's BEGIN does not block the event
    loop: it waits in the writer's thread (busy_timeout) while the loop goes on."""
    other = sqlite3.connect(database.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    released: list[float] = []
    loop = asyncio.get_running_loop()

    def release() -> None:
        other.execute("COMMIT")
        released.append(loop.time())

    loop.call_later(0.2, release)  # runs only if the loop is not blocked meanwhile
    token = db.WRITES_ON_LOOP.set(0)
    try:
        async with database.transaction() as tx:
            await db.ensure_user(tx, 91, now=datetime(2026, 5, 1, tzinfo=UTC))
            began = loop.time()
    finally:
        db.WRITES_ON_LOOP.reset(token)
        other.close()
    assert released and began >= released[0]
    assert await database.fetchval("SELECT COUNT(*) FROM users WHERE id = 91") == 1


async def test_the_wal_is_checkpointed_every_so_many_commits_off_the_writer(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer never checkpoints (a commit on the loop must not become a checkpoint's
    fsync): every CHECKPOINT_EVERY commits the background connection does it."""
    monkeypatch.setattr(db, "CHECKPOINT_EVERY", 3)
    assert database._writer is not None
    async with database._writer.execute("PRAGMA wal_autocheckpoint") as cursor:
        assert tuple(await cursor.fetchone() or ()) == (0,)

    def in_the_file(user_id: int) -> bool:  # the database file alone, without its WAL
        conn = sqlite3.connect(f"file:{database.path}?immutable=1", uri=True)
        try:
            return conn.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone() is not None
        except sqlite3.OperationalError:  # not even the schema is in the file yet
            return False
        finally:
            conn.close()

    database._commits = 0
    for user_id in (201, 202):
        async with database.transaction() as tx:
            await db.ensure_user(tx, user_id, now=datetime(2026, 5, 1, tzinfo=UTC))
    assert database._checkpointing is None and not in_the_file(201)
    async with database.transaction() as tx:
        await db.ensure_user(tx, 203, now=datetime(2026, 5, 1, tzinfo=UTC))
    assert database._checkpointing is not None
    await database._checkpointing
    assert in_the_file(201) and in_the_file(203)


async def test_migrations_apply_once_and_record_the_version(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "aoun.sqlite3")
    try:
        expected = [version for version, _name, _sql in load_migrations()]
        assert await database.migrate() == expected
        assert await database.schema_version() == expected[-1]
        assert await database.fetchval("PRAGMA user_version") == expected[-1]
        rows = await database.fetchall("SELECT version, name, applied_at FROM schema_migrations")
        assert [r["version"] for r in rows] == expected
        assert rows[0]["name"] == "foundation" and db.parse_ts(rows[0]["applied_at"])
        tables = {r[0] for r in await database.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )}
        assert {"users", "audit_log", "staff_invites", "ptb_conversations", "ptb_data"} <= tables
        # Twice in a row is a no-op, and so is a fresh connection to the same file.
        assert await database.migrate() == []
    finally:
        await database.close()
    again = await Database.open(tmp_path / "aoun.sqlite3")
    try:
        assert await again.migrate() == []
        assert await again.fetchval("SELECT COUNT(*) FROM schema_migrations") == len(expected)
    finally:
        await again.close()


async def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"):
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO volunteers (user_id, full_name, phone, gender, birth_date, city,"
                " status, consent_at, registered_at) VALUES (999, 'x', '+966', 'male',"
                " '2000-01-01', 'quba', 'active', ?, ?)",
                (db.ts(NOW), db.ts(NOW)),
            )


async def test_two_coroutines_never_interleave_inside_a_transaction(database: Database) -> None:
    events: list[str] = []

    async def writer(name: str, user_id: int) -> None:
        async with database.transaction() as tx:
            events.append(f"{name}:begin")
            await db.ensure_user(tx, user_id, now=NOW)
            for _ in range(5):
                await asyncio.sleep(0)  # give the other coroutine every chance to cut in
            await db.set_user_role(tx, user_id, "coordinator")
            events.append(f"{name}:end")

    await asyncio.gather(writer("a", 1), writer("b", 2), writer("c", 3))
    pairs = [events[i:i + 2] for i in range(0, len(events), 2)]
    assert all(p[0].split(":")[0] == p[1].split(":")[0] for p in pairs), events
    assert await database.fetchval("SELECT COUNT(*) FROM users WHERE role = 'coordinator'") == 3


async def test_an_error_rolls_back_only_that_transaction(database: Database) -> None:
    async def failing() -> None:
        async with database.transaction() as tx:
            await db.ensure_user(tx, 10, now=NOW)
            await asyncio.sleep(0)
            raise RuntimeError("boom")

    async def succeeding() -> None:
        async with database.transaction() as tx:
            await db.ensure_user(tx, 20, now=NOW)

    results = await asyncio.gather(failing(), succeeding(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is None
    ids = [r["id"] for r in await database.fetchall("SELECT id FROM users ORDER BY id")]
    assert ids == [20]
    # The lock was released: the next transaction runs.
    async with database.transaction() as tx:
        await db.ensure_user(tx, 30, now=NOW)
    assert await database.fetchval("SELECT COUNT(*) FROM users") == 2


async def test_reads_outside_see_only_committed_data_and_after_commit_runs_last(
    database: Database,
) -> None:
    ran: list[str] = []
    async with database.transaction() as tx:
        await db.ensure_user(tx, 5, now=NOW)
        tx.after_commit(lambda: ran.append("committed"))
        assert await db.get_user(tx, 5) is not None  # the transaction sees its own write
        assert await db.get_user(database, 5) is None  # others do not, yet
        assert ran == []
    assert ran == ["committed"]
    assert await db.get_user(database, 5) is not None

    with pytest.raises(ValueError):
        async with database.transaction() as tx:
            tx.after_commit(lambda: ran.append("never"))
            raise ValueError
    assert ran == ["committed"]


async def test_cancelled_transaction_rolls_back(database: Database) -> None:
    started = asyncio.Event()

    async def slow() -> None:
        async with database.transaction() as tx:
            await db.ensure_user(tx, 77, now=NOW)
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(slow())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await db.get_user(database, 77) is None
    async with database.transaction() as tx:
        await db.ensure_user(tx, 78, now=NOW)


def test_times_are_stored_as_utc_text() -> None:
    riyadh = timezone(timedelta(hours=3))
    stored = db.ts(datetime(2026, 5, 24, 8, 0, tzinfo=riyadh))
    assert stored == "2026-05-24T05:00:00+00:00"
    assert db.parse_ts(stored) == NOW
    assert db.ts(None) is None and db.parse_ts(None) is None
    assert db.parse_ts("2026-05-24T05:00:00") == NOW  # naive text is read as UTC
    with pytest.raises(ValueError):
        db.ts(datetime(2026, 5, 24))


async def test_remember_user_writes_only_what_changed(database: Database) -> None:
    later = NOW + timedelta(hours=1)
    async with database.transaction() as tx:
        row = await db.remember_user(tx, 7, now=NOW, first_name="Ali", username=None, language_code="ar")
        assert row is not None and row["first_name"] == "Ali" and row["reachable"] == 1
        # The same person as they are: nothing is written, not even the time they were seen.
        assert await db.remember_user(
            tx, 7, now=later, first_name="Ali", username=None, language_code="ar"
        ) is None
        assert (await db.get_user(tx, 7))["last_seen_at"] == db.ts(NOW)
        for changed in ({"first_name": "Ali H"}, {"username": "alih"}, {"language_code": None}):
            seen = {"first_name": "Ali", "username": None, "language_code": "ar", **changed}
            row = await db.remember_user(tx, 7, now=later, **seen)
            assert row is not None and row["last_seen_at"] == db.ts(later)
            assert (row["first_name"], row["username"], row["language_code"]) == tuple(seen.values())
        await db.set_user_reachable(tx, 7, False)
        row = await db.remember_user(tx, 7, now=later, first_name="Ali", username=None, language_code=None)
        assert row is not None and row["reachable"] == 1


async def test_users_roles_and_audit(database: Database) -> None:
    async with database.transaction() as tx:
        row = await db.touch_user(tx, 1, now=NOW, first_name="Ali", language_code="ar")
        assert row["role"] == "volunteer" and row["locale"] is None and row["reachable"] == 1
        await db.set_user_reachable(tx, 1, False)
        row = await db.touch_user(tx, 1, now=NOW, first_name="Ali H", username="alih")
        assert row["reachable"] == 1 and row["first_name"] == "Ali H"
        await db.set_user_locale(tx, 1, "en")
        await db.bootstrap_admins(tx, [1, 2], now=NOW)
        await db.set_user_role(tx, 1, "admin")
        with pytest.raises(ValueError):
            await db.set_user_role(tx, 1, "overlord")
        await db.audit(tx, actor_id=1, action="staff.add", now=NOW, target_type="user",
                       target_id=2, details={"why": "تجربة"})
    admins = await db.list_users_by_role(database, ["admin"])
    assert [r["id"] for r in admins] == [1, 2]
    assert (await db.get_user(database, 1))["locale"] == "en"
    entries = await db.recent_audit(database)
    assert len(entries) == 1
    assert entries[0]["target_id"] == "2" and "تجربة" in entries[0]["details"]


async def test_staff_invites_are_single_use_and_expire(database: Database) -> None:
    async with database.transaction() as tx:
        await db.ensure_user(tx, 1, now=NOW)
        await db.create_staff_invite(tx, token="tok", role="coordinator", created_by=1, now=NOW,
                                     expires_at=NOW + timedelta(days=1))
        await db.create_staff_invite(tx, token="old", role="coordinator", created_by=1, now=NOW,
                                     expires_at=NOW + timedelta(hours=1))
    async with database.transaction() as tx:
        assert await db.claim_staff_invite(tx, "old", user_id=5, now=NOW + timedelta(hours=2)) is None
        assert await db.claim_staff_invite(tx, "nope", user_id=5, now=NOW) is None
        claimed = await db.claim_staff_invite(tx, "tok", user_id=5, now=NOW)
        assert claimed is not None and claimed["created_by"] == 1
        assert await db.claim_staff_invite(tx, "tok", user_id=6, now=NOW) is None


async def test_a_nested_transaction_fails_loudly_instead_of_hanging(database: Database) -> None:
    with pytest.raises(RuntimeError, match="already open"):
        async with database.transaction() as tx:
            await db.ensure_user(tx, 1, now=NOW)
            async with database.transaction():
                pass
    assert await db.get_user(database, 1) is None  # the outer one rolled back
    async with database.transaction() as tx:  # and the lock is free again
        await db.ensure_user(tx, 2, now=NOW)


async def test_a_database_never_analysed_gets_the_planners_statistics_at_start_up(
    tmp_path: Path,
) -> None:
    """A database that has never been analysed (one from before this code, say) gets ANALYZE
    when it is opened and migrated, and the statistics describe the data it holds."""
    path = tmp_path / "aoun.sqlite3"
    database = await Database.open(path)
    try:
        await database.migrate()
        async with database.transaction() as tx:
            await tx.executemany(
                "INSERT INTO users (id, first_name, created_at) VALUES (?, 'x', ?)",
                [(n, db.ts(NOW)) for n in range(1, 3001)],
            )
    finally:
        await database.close()
    with contextlib.closing(sqlite3.connect(path)) as plain:  # as a database never analysed
        plain.execute("DROP TABLE IF EXISTS sqlite_stat1")
        plain.commit()
    again = await Database.open(path)
    try:
        assert not await again.fetchval(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        )
        assert await again.migrate() == []
        stats = await again.fetchall("SELECT tbl, stat FROM sqlite_stat1 WHERE tbl = 'users'")
        assert stats and any(row["stat"].startswith("3000") for row in stats)
    finally:
        await again.close()
