"""The only module that talks to SQL: connection, transactions, migrations and named queries.

Two aiosqlite connections to one WAL database: a writer, used inside `transaction()` one
coroutine at a time (`BEGIN IMMEDIATE` under an asyncio lock, so two coroutines never interleave
inside one transaction), and a reader for plain reads outside transactions, which sees only
committed data. Query functions take a `Queryable` (the Database or an open Tx) so that a read
can run inside the caller's transaction; functions that write take a `Tx`.

Times are stored as ISO-8601 UTC text (`2026-05-24T05:00:00+00:00`), which sorts correctly.
Keep SQL portable (plain SELECT/INSERT/UPDATE, ON CONFLICT upserts) so PostgreSQL stays possible.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import (
    UTC,
    date,
    datetime,
    timedelta,
)
from pathlib import Path
from typing import Any, NamedTuple, Protocol, cast

import aiosqlite

from bot import roles
from bot.assignments import (
    BUSY,
    CANCELLABLE,
    HOLDS_PLACE,
    LIVE,
    ROSTER,
    SERVED,
    UPCOMING,
    Status,
)
from bot.audience import ON_SHIFT_STATES, Audience, AudienceNames, BroadcastProgress
from bot.audience import REPRESENTATIVES as AUDIENCE_REPS
from bot.audience import STAFF as AUDIENCE_STAFF
from bot.volunteers import Profile, ServiceRecord, order_specialties, search_key

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

Row = aiosqlite.Row


def ts(moment: datetime | None) -> str | None:
    """Store a datetime as UTC ISO text."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the database; use aware UTC times")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _new_id(cursor: Any) -> int:
    """The id the INSERT just made (SQLite always has one after a successful INSERT)."""
    if cursor.lastrowid is None:
        raise RuntimeError("the INSERT made no row")
    return int(cursor.lastrowid)


def moment(value: str | None) -> datetime:
    """A stored time that must be there (a shift's start, an offer's expiry), as an aware
    datetime; a missing one is a broken row, not a case to handle."""
    parsed = parse_ts(value)
    if parsed is None:
        raise ValueError("a required time is missing")
    return parsed


def parse_ts(value: str | None) -> datetime | None:
    """Read a stored UTC ISO text back as an aware datetime."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def status_in(statuses: Iterable[str]) -> str:
    """A set of assignment statuses (bot/assignments.py) as an SQL list: `('accepted', 'completed')`.
    They are the fixed vocabulary, never user input, so they are written into the query (its text
    and plan stay the same); anything outside the vocabulary raises ValueError."""
    values = sorted(Status(status).value for status in statuses)
    if not values:
        raise ValueError("an empty status list")
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


class Queryable(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor: ...
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def chunks(
        self, sql: str, params: Sequence[Any] = (), *, size: int | None = None
    ) -> AsyncIterator[list[tuple[Any, ...]]]: ...


# Rows a large read builds at a time (Queryable.chunks). Building them holds the GIL, which the
# event loop then waits for: 1,000 held it up to ~5 ms (a forced switch), 250 about 1 ms.
CHUNK_ROWS = 250


def _run(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> sqlite3.Cursor:
    cursor = conn.execute(sql, params)
    cursor.close()
    return cursor


def _one(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> Row | None:
    cursor = conn.execute(sql, params)
    try:
        row: Row | None = cursor.fetchone()
        return row
    finally:
        cursor.close()


def _all(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[Row]:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


BUSY_TIMEOUT_MS = 5000  # how long a statement waits for another connection's lock
CHECKPOINT_EVERY = 100  # commits between two WAL checkpoints (Database._committed)
BACKGROUND_NICENESS = 10  # the background connection's thread, relative to the others


def _lower_priority(_conn: sqlite3.Connection) -> None:
    """Run in the background connection's own thread: on Linux, where a thread has its own
    scheduling priority, make it yield the CPU to the event loop and the handlers' connection
    when both want it (the tick's large reads otherwise took a core from the handlers on a busy
    machine). Elsewhere, or where it is not allowed, nothing happens."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICENESS)
    except (AttributeError, OSError):
        pass


class _QueryMixin:
    """Each statement is one trip to the connection's thread (execute, fetch and close there
    together): aiosqlite's own cursor API takes three, and on the per-update path the trips,
    not SQLite, were most of a short query's cost."""

    _conn: aiosqlite.Connection

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        conn = self._conn
        # aiosqlite's queue of calls into its thread; its `_conn` is the sqlite3 connection.
        return await conn._execute(function, conn._conn, *args)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """Run a statement to completion; the closed cursor still has rowcount and lastrowid."""
        return aiosqlite.Cursor(self._conn, await self._in_thread(_run, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = await self._in_thread(_one, sql, params)
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows: list[Row] = await self._in_thread(_all, sql, params)
        return rows

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def chunks(
        self, sql: str, params: Sequence[Any] = (), *, size: int | None = None
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """A large read `size` rows at a time, as plain tuples (no Row objects): the rows are
        never all in memory at once, and building them holds the GIL a chunk at a time."""
        cursor = await self._conn.cursor()
        cursor.row_factory = None
        try:
            await cursor.execute(sql, params)
            while rows := await cursor.fetchmany(size or CHUNK_ROWS):
                yield cast(list[tuple[Any, ...]], rows)  # a list of tuples: no row factory
        finally:
            await cursor.close()


# Set while an update is being answered (bot/app.py) or a tick runs (bot/scheduler.py): the
# transactions opened then run their statements on the event loop's thread (Tx), where a trip
# to the writer's thread cost more than most statements. The value is how many statements such
# a transaction runs between two breaks that let the loop answer others: 0 for a handler's few
# statements (no break), some dozens for the tick's; None (elsewhere): the writer's thread.
WRITES_ON_LOOP: contextvars.ContextVar[int | None] = contextvars.ContextVar("writes_on_loop", default=None)


class Tx(_QueryMixin):
    """An open write transaction; valid only inside `async with db.transaction()`. `breaks` is
    WRITES_ON_LOOP's value when it opened: None, its statements go to the writer's thread; a
    number, they run where they are awaited (the writer is held by this transaction, so none of
    them waits for a lock), saving a trip to a thread per statement, and every `breaks` of them
    (0: never) the loop runs whatever else is ready."""

    def __init__(self, conn: aiosqlite.Connection, db: Database, *, breaks: int | None = None) -> None:
        self._conn = conn
        self.db = db
        self._after_commit: list[Any] = []
        self._breaks = breaks
        self._statements = 0

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        if self._breaks is not None:
            if self._breaks:
                self._statements += 1
                if self._statements % self._breaks == 0:
                    await asyncio.sleep(0)
            return function(self._conn._conn, *args)
        return await super()._in_thread(function, *args)

    def after_commit(self, callback: Any) -> None:
        """Run a plain callable once this transaction has committed (e.g. wake the sender)."""
        self._after_commit.append(callback)


class _Reader(_QueryMixin):
    """A read-only connection of its own (see Database.background)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn


class _Quick(_QueryMixin):
    """Short reads on the event loop's own thread (see Database.quick): a read by key takes
    SQLite ~5 us, the trip to a connection's thread and back ~15 us more, and on the per-update
    path the trips were most of the statements' cost. Its statements run on `local`, a
    read-only connection of this thread; a large read in chunks goes to `conn`, the threaded
    reader."""

    def __init__(self, conn: aiosqlite.Connection, local: sqlite3.Connection) -> None:
        self._conn, self._local = conn, local

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return function(self._local, *args)

    def close(self) -> None:
        self._local.close()


class Database(_QueryMixin):
    """Connection owner. Open with `await Database.open(path)`; close with `close()`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._background: _Reader | None = None
        self._quick: _Quick | None = None
        self._commits = 0  # since the last checkpoint (_committed)
        self._checkpointing: asyncio.Task[None] | None = None
        self._write_lock = asyncio.Lock()
        self._writing_task: asyncio.Task[Any] | None = None
        # Called after a transaction that queued a message commits: bot/app.py points it at the
        # sender's wake(), so a message goes out at once instead of at the next poll.
        self.on_enqueue: Callable[[], None] | None = None

    @property
    def _conn(self) -> aiosqlite.Connection:  # type: ignore[override]  # the mixin's attribute, read-only here
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        db = cls(Path(path))
        await db.connect()
        return db

    async def connect(self) -> None:
        if self._writer is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The writer is used from the event loop's thread too, one statement at a time and only
        # by the task holding the write lock (Tx with breaks).
        self._writer = await self._connect(check_same_thread=False)
        await _pragma(self._writer, "journal_mode=WAL")
        await _pragma(self._writer, "wal_autocheckpoint=0")  # checkpoints: Database._committed
        self._reader = await self._connect()
        self._background = _Reader(await self._connect())
        await self._background._in_thread(_lower_priority)
        quick = sqlite3.connect(self.path, isolation_level=None)  # used from this thread only
        quick.row_factory = aiosqlite.Row
        for pragma in ("query_only=ON", f"busy_timeout={BUSY_TIMEOUT_MS}"):
            quick.execute(f"PRAGMA {pragma}").close()
        self._quick = _Quick(self._reader, quick)

    @property
    def quick(self) -> Queryable:
        """A fourth connection, read-only, that runs its statements on the event loop's thread
        instead of a thread of its own: for the short reads every update makes (a row by its
        key, an indexed lookup of a few rows), which cost more in the trip to a thread than in
        SQLite. Never for a read that can take long (a search, a report, an export): the whole
        bot waits for it."""
        if self._quick is None:
            raise RuntimeError("database is not open")
        return self._quick

    @property
    def background(self) -> Queryable:
        """A third connection for the scheduler's large reads: each aiosqlite connection runs its
        statements one after another in its own thread, so a tick's pool query on the shared
        reader would make every handler's read wait behind it."""
        if self._background is None:
            raise RuntimeError("database is not open")
        return self._background

    async def _connect(self, *, check_same_thread: bool = True) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(
            self.path, isolation_level=None, check_same_thread=check_same_thread
        )
        conn.row_factory = aiosqlite.Row
        for pragma in ("foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}", "synchronous=NORMAL"):
            await _pragma(conn, pragma)
        return conn

    async def close(self) -> None:
        if self._checkpointing is not None:
            await self._checkpointing
        if self._writer is not None:
            try:
                await self.refresh_statistics()
            except sqlite3.Error:  # a full disk or a broken file: closing matters more
                log.exception("could not refresh the planner's statistics on close")
        background = self._background._conn if self._background is not None else None
        if self._quick is not None:
            self._quick.close()
        for conn in (background, self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = self._background = self._quick = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """`BEGIN IMMEDIATE` ... `COMMIT`, one writer at a time; rolls back on any exception."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        task = asyncio.current_task()
        if task is not None and task is self._writing_task:
            # Waiting for our own lock would hang the bot for good; fail loudly instead.
            raise RuntimeError("a transaction is already open in this task: pass its Tx down")
        breaks = WRITES_ON_LOOP.get()
        on_loop = breaks is not None
        async with self._write_lock:
            self._writing_task = task
            try:
                if not (on_loop and self._begin_here()):
                    await self._writer.execute("BEGIN IMMEDIATE")  # may wait for the lock there
                tx = Tx(self._writer, self, breaks=breaks)
                try:
                    yield tx
                except BaseException:
                    await self._writer.execute("ROLLBACK")
                    raise
                if on_loop:  # a WAL commit without a checkpoint: writes, no waits, no fsync
                    self._writer._conn.execute("COMMIT").close()
                else:
                    await self._writer.execute("COMMIT")
            finally:
                self._writing_task = None
        self._committed()
        for callback in tx._after_commit:
            callback()

    def _begin_here(self) -> bool:
        """BEGIN IMMEDIATE on this thread if the write lock is free: True then. If another
        process holds it, False at once (busy_timeout 0 for this one statement), and the caller
        waits for it in the writer's thread, as long as busy_timeout allows."""
        assert self._writer is not None
        conn = self._writer._conn
        conn.execute("PRAGMA busy_timeout = 0").close()
        try:
            conn.execute("BEGIN IMMEDIATE").close()
            return True
        except sqlite3.OperationalError:  # database is locked
            return False
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}").close()

    def _committed(self) -> None:
        """Count a commit; every CHECKPOINT_EVERY, copy the WAL back into the database on the
        background connection's thread (PASSIVE: it waits for no one). The writer does not
        checkpoint itself (wal_autocheckpoint=0): a commit on the event loop's thread must not
        turn into a checkpoint's writes and fsync there."""
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or self._checkpointing is not None:
            return
        self._commits = 0
        self._checkpointing = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        try:
            if self._background is not None:
                await self._background.fetchall("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:  # the next one tries again; the WAL only grows meanwhile
            log.exception("WAL checkpoint failed")
        finally:
            self._checkpointing = None

    # -- migrations -------------------------------------------------------------------------

    async def migrate(self, *, backup_dir: Path | None = None) -> list[int]:
        """Apply the numbered migrations not yet applied; return the versions applied.

        Refuses (MigrationError) a database that has a migration this code does not know (it
        was made by a newer version) or whose applied migration files have changed since. Before
        changing a database that already has a schema, a backup goes to `backup_dir` (default:
        a `backups` folder next to the database)."""
        migrations = load_migrations()
        async with self.transaction() as tx:
            await tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL,"
                " checksum TEXT)"
            )
            columns = {r["name"] for r in await tx.fetchall("PRAGMA table_info(schema_migrations)")}
            if "checksum" not in columns:  # databases from before checksums were recorded
                await tx.execute("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
            applied_rows = await tx.fetchall("SELECT version, checksum FROM schema_migrations")
            known = {version: migration_checksum(sql) for version, _name, sql in migrations}
            unknown = sorted(r["version"] for r in applied_rows if r["version"] not in known)
            if unknown:
                raise MigrationError(
                    f"the database {self.path} has migration {unknown[-1]:04d}, which this version "
                    f"of Aoun does not know (it knows up to {max(known, default=0):04d}): it was "
                    "made by a newer version; run that version, or restore an older backup"
                )
            for row in applied_rows:
                if row["checksum"] is None:
                    await tx.execute(
                        "UPDATE schema_migrations SET checksum = ? WHERE version = ?",
                        (known[row["version"]], row["version"]),
                    )
                elif row["checksum"] != known[row["version"]]:
                    raise MigrationError(
                        f"migration {row['version']:04d} was changed after it was applied to "
                        f"{self.path}; never edit a landed migration, add a new one"
                    )
            done = {r["version"] for r in applied_rows}
        pending = [m for m in migrations if m[0] not in done]
        if pending and done:
            folder = backup_dir if backup_dir is not None else self.path.parent / "backups"
            target = await self.backup(folder, label=f"before-{pending[0][0]:04d}")
            log.info("backed up %s to %s before migrating", self.path, target)
        applied = []
        for version, name, sql in pending:
            async with self.transaction() as tx:
                for statement in _split_sql(sql):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at, checksum)"
                    " VALUES (?, ?, ?, ?)",
                    (version, name, ts(datetime.now(UTC)), migration_checksum(sql)),
                )
                await tx.execute(f"PRAGMA user_version = {int(version)}")
            log.info("applied migration %04d %s", version, name)
            applied.append(version)
        await self.refresh_statistics(full=bool(applied))
        return applied

    async def refresh_statistics(self, *, full: bool = False) -> None:
        """The query planner's statistics (sqlite_stat1). Without them SQLite guesses from the
        schema alone, and at season scale some guesses walk every live offer of the season where
        an index would read a few rows (the benchmarks' seeded databases are analysed, so they
        measured the plans with statistics). ANALYZE when there are none yet or the schema just
        changed (`full`); otherwise PRAGMA optimize, which re-analyses only the tables whose
        statistics have gone stale (run at start-up, after each backup and at close)."""
        if self._writer is None:
            return
        analysed = await self.fetchval(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
        )
        async with self._write_lock:
            if full or not analysed:
                async with self._writer.execute("ANALYZE") as cursor:
                    await cursor.fetchall()
            else:
                await _pragma(self._writer, "optimize")

    async def schema_version(self) -> int:
        return int(await self.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))

    # -- backups ----------------------------------------------------------------------------

    async def backup(self, folder: Path, *, label: str = "", now: datetime | None = None) -> Path:
        """A consistent copy of the live database in `folder` (VACUUM INTO, on its own
        connection in a thread, so the bot keeps reading and writing); returns its path."""
        return await asyncio.to_thread(backup_file, self.path, Path(folder), label=label, now=now)


class MigrationError(RuntimeError):
    """The database and this code's migrations disagree; the message says what to do."""


def migration_checksum(sql: str) -> str:
    """sha256 of a migration's text, line endings normalised (a checkout may convert them)."""
    return hashlib.sha256(sql.replace("\r\n", "\n").encode("utf-8")).hexdigest()


BACKUP_PREFIX = "aoun-"
BACKUP_SUFFIX = ".sqlite3"


def backup_file(
    source: Path, folder: Path, *, label: str = "", now: datetime | None = None
) -> Path:
    """Copy `source` into `folder` as aoun-<UTC time>[-label].sqlite3 with VACUUM INTO (one read
    transaction: a snapshot of committed data, WAL included), check the copy, then rename it
    into place, so a file with the backup name is always complete."""
    folder.mkdir(parents=True, exist_ok=True)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    stem = f"{BACKUP_PREFIX}{moment.strftime('%Y%m%dT%H%M%S%fZ')}{'-' + label if label else ''}"
    target = folder / f"{stem}{BACKUP_SUFFIX}"
    partial = folder / f".{stem}.partial"
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(source, timeout=30)
    try:
        conn.execute("VACUUM INTO ?", (str(partial),))
    finally:
        conn.close()
    problem = check_database_file(partial)
    if problem:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"the backup of {source} failed its check: {problem}")
    partial.replace(target)
    return target


def check_database_file(path: Path) -> str | None:
    """None when `path` is a sound Aoun database; otherwise what is wrong, in a few words."""
    if not path.is_file():
        return "no such file"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                return "integrity check failed: " + "; ".join(str(r) for r in result[:3])
            if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                return "foreign key check failed"
            has_schema = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ).fetchone()
            if not has_schema:
                return "not an Aoun database (no schema_migrations table)"
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"not a readable SQLite database ({exc})"
    return None


def database_file_version(path: Path) -> int:
    """The highest migration applied to a database file (0 when none)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])
    finally:
        conn.close()


def list_backups(folder: Path) -> list[Path]:
    """Backups in `folder`, oldest first (their names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}") if p.is_file()
    )


def restore_file(backup: Path, target: Path) -> None:
    """Put a checked backup in place of the database file `target` (the bot must be stopped):
    copy next to it, drop the old WAL and shared-memory files, then rename over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(backup, partial)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    partial.replace(target)


# ================================================================================================
# connection, transactions, migrations and stored times
# ================================================================================================


async def _pragma(conn: aiosqlite.Connection, pragma: str) -> None:
    # Finish the statement: an unread PRAGMA result keeps the database locked.
    async with conn.execute(f"PRAGMA {pragma}") as cursor:
        await cursor.fetchall()


def load_migrations() -> list[tuple[int, str, str]]:
    """`bot/migrations/NNNN_name.sql`, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        number, _, name = path.stem.partition("_")
        found.append((int(number), name, path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers in {MIGRATIONS_DIR}")
    return found


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, line by line, as sqlite3 sees them complete."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in current.splitlines()
    ):
        raise RuntimeError(f"incomplete SQL at the end of a migration: {current[:80]!r}")
    return statements


def shift_hours(alias: str = "s") -> str:
    """SQL for a shift's length in hours. julianday() is SQLite's; on PostgreSQL this becomes
    EXTRACT(EPOCH FROM ends_at - starts_at) / 3600, in this one place."""
    return f"((julianday({alias}.ends_at) - julianday({alias}.starts_at)) * 24)"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ================================================================================================
# users: roles, locale, reachability
# ================================================================================================


ROLES = roles.ROLES


async def get_user(conn: Queryable, user_id: int) -> Row | None:
    return await conn.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))


async def touch_user(
    tx: Tx,
    user_id: int,
    *,
    now: datetime,
    first_name: str = "",
    username: str | None = None,
    language_code: str | None = None,
) -> Row:
    """Insert a user seen for the first time, refresh names, and mark them reachable again."""
    row = await tx.fetchone(
        f"{_TOUCH_USER} RETURNING *", (user_id, first_name, username, language_code, ts(now), ts(now))
    )
    assert row is not None
    return row


_TOUCH_USER = (  # touch_user and remember_user
    "INSERT INTO users (id, first_name, username, language_code, created_at, last_seen_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,"
    " username = excluded.username, language_code = excluded.language_code,"
    " reachable = 1, last_seen_at = excluded.last_seen_at"
)


async def set_user_locale(tx: Tx, user_id: int, locale: str) -> None:
    await tx.execute("UPDATE users SET locale = ? WHERE id = ?", (locale, user_id))


async def set_user_role(tx: Tx, user_id: int, role: str, *, now: datetime | None = None) -> None:
    """A person's new role; what the old role gave goes with it (a representative who becomes
    anything else is no longer a member of their entities, and stops hearing about its shifts).
    Operations pass their `now`; seeding code without a clock may leave it out."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    await tx.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))
    if role != roles.ENTITY_REP:
        await tx.execute(
            "UPDATE entity_members SET removed_at = ? WHERE user_id = ? AND removed_at IS NULL",
            (ts(now or datetime.now(UTC)), user_id),
        )


async def count_admins(conn: Queryable) -> int:
    return int(await conn.fetchval("SELECT COUNT(*) FROM users WHERE role = 'admin'"))


async def ensure_user(tx: Tx, user_id: int, *, now: datetime) -> None:
    """Make sure a row exists for an id we have not seen yet (e.g. a staff id typed by hand)."""
    await tx.execute(
        "INSERT INTO users (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
        (user_id, ts(now)),
    )


async def set_user_reachable(tx: Tx, user_id: int, reachable: bool) -> None:
    await tx.execute("UPDATE users SET reachable = ? WHERE id = ?", (int(reachable), user_id))


async def list_users_by_role(conn: Queryable, roles: Sequence[str]) -> list[Row]:
    marks = ",".join("?" for _ in roles)
    return await conn.fetchall(
        f"SELECT * FROM users WHERE role IN ({marks}) ORDER BY role, id", tuple(roles)
    )


async def bootstrap_admins(tx: Tx, admin_ids: Iterable[int], *, now: datetime) -> None:
    """ADMIN_IDS make the first admins of an office that has none; once it has one, /staff
    decides (so an admin demoted there stays demoted after a restart)."""
    if await count_admins(tx):
        return
    for admin_id in admin_ids:
        await ensure_user(tx, admin_id, now=now)
        await tx.execute("UPDATE users SET role = 'admin' WHERE id = ?", (admin_id,))


async def create_staff_invite(
    tx: Tx, *, token: str, role: str, created_by: int, now: datetime, expires_at: datetime
) -> None:
    await tx.execute(
        "INSERT INTO staff_invites (token, role, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token, role, created_by, ts(now), ts(expires_at)),
    )


async def claim_staff_invite(tx: Tx, token: str, *, user_id: int, now: datetime) -> Row | None:
    """Use a staff invite once; None when unknown, used, revoked or expired."""
    row = await tx.fetchone(
        "SELECT * FROM staff_invites WHERE token = ? AND used_by IS NULL AND revoked_at IS NULL"
        " AND expires_at > ?",
        (token, ts(now)),
    )
    if row is None:
        return None
    await tx.execute(
        "UPDATE staff_invites SET used_by = ?, used_at = ? WHERE token = ?",
        (user_id, ts(now), token),
    )
    return row


async def revoke_staff_invite(tx: Tx, token: str, *, now: datetime) -> Row | None:
    """Revoke an invite nobody has used yet; None when unknown, used, revoked or expired."""
    row = await tx.fetchone(
        "SELECT * FROM staff_invites WHERE token = ? AND used_by IS NULL AND revoked_at IS NULL"
        " AND expires_at > ?",
        (token, ts(now)),
    )
    if row is None:
        return None
    await tx.execute("UPDATE staff_invites SET revoked_at = ? WHERE token = ?", (ts(now), token))
    return row


async def get_staff_invite(conn: Queryable, token: str) -> Row | None:
    return await conn.fetchone("SELECT * FROM staff_invites WHERE token = ?", (token,))


async def users_by_id(conn: Queryable, user_ids: Sequence[int]) -> dict[int, Row]:
    """Several users' rows at once (a wave's recipients), by id; unknown ids are left out."""
    found: dict[int, Row] = {}
    for chunk in _chunks(list(user_ids)):
        for row in await conn.fetchall(f"SELECT * FROM users WHERE id IN ({_marks(chunk)})", tuple(chunk)):
            found[row["id"]] = row
    return found


async def get_user_as_reader(conn: Queryable, user_id: int) -> Row | None:
    """A users row with the volunteer's gender (`volunteer_gender`, NULL for staff and people
    not registered): what one update needs to know of its reader, in one read."""
    return await conn.fetchone(
        "SELECT u.*, v.gender AS volunteer_gender FROM users u LEFT JOIN volunteers v"
        " ON v.user_id = u.id AND v.status != 'deleted' WHERE u.id = ?",
        (user_id,),
    )


async def remember_user(
    tx: Tx,
    user_id: int,
    *,
    now: datetime,
    first_name: str,
    username: str | None,
    language_code: str | None,
) -> Row | None:
    """`touch_user`, guarded in the same statement: a person seen for the first time is inserted;
    a known one is written only if their names or language changed or they were unreachable.
    Returns the row written, None when there was nothing to write (the row is as they are)."""
    return await tx.fetchone(
        f"{_TOUCH_USER} WHERE users.reachable = 0 OR users.first_name IS NOT excluded.first_name"
        " OR users.username IS NOT excluded.username"
        " OR users.language_code IS NOT excluded.language_code"
        " RETURNING *",
        (user_id, first_name, username, language_code, ts(now), ts(now)),
    )


# ================================================================================================
# audit_log: who did what to whom
# ================================================================================================


async def audit(
    tx: Tx,
    *,
    actor_id: int | None,
    action: str,
    now: datetime,
    target_type: str | None = None,
    target_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Record one staff action; returns the entry's id."""
    cursor = await tx.execute(
        "INSERT INTO audit_log (at, actor_id, action, target_type, target_id, details)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            ts(now),
            actor_id,
            action,
            target_type,
            None if target_id is None else str(target_id),
            dumps(details or {}),
        ),
    )
    return int(cursor.lastrowid or 0)


async def audit_exists(tx: Queryable, *, action: str, actor_id: int, target_id: int | str) -> bool:
    """Whether this person already has an audit row of `action` about `target_id`."""
    row = await tx.fetchone(
        "SELECT 1 FROM audit_log WHERE action = ? AND actor_id = ? AND target_id = ? LIMIT 1",
        (action, actor_id, str(target_id)),
    )
    return row is not None


async def recent_audit(conn: Queryable, *, limit: int = 20, offset: int = 0) -> list[Row]:
    """Newest first, with the actor's `actor_name` and `actor_username` when known."""
    return await conn.fetchall(
        "SELECT a.*, u.first_name AS actor_name, u.username AS actor_username"
        " FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id"
        " ORDER BY a.id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    )


def _audit_filter(prefixes: Sequence[str], actor_id: int | None) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if prefixes:
        where.append("(" + " OR ".join("a.action = ? OR a.action LIKE ?" for _ in prefixes) + ")")
        for prefix in prefixes:
            params += [prefix, f"{prefix}.%"]
    if actor_id is not None:
        where.append("a.actor_id = ?")
        params.append(actor_id)
    return (" WHERE " + " AND ".join(where)) if where else "", params


async def filtered_audit(
    conn: Queryable, *, prefixes: Sequence[str] = (), actor_id: int | None = None,
    limit: int = 20, offset: int = 0,
) -> list[Row]:
    """recent_audit of one kind of action (`need` takes need.*) and/or of one person."""
    where, params = _audit_filter(prefixes, actor_id)
    return await conn.fetchall(
        "SELECT a.*, u.first_name AS actor_name, u.username AS actor_username"
        f" FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id{where}"
        " ORDER BY a.id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )


async def audit_actors(conn: Queryable, *, limit: int = 30) -> list[Row]:
    """The people with recorded actions (`id`, `first_name`, `username`), most recent first."""
    return await conn.fetchall(
        "SELECT a.actor_id AS id, u.first_name, u.username, MAX(a.id) AS last"
        " FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE a.actor_id IS NOT NULL"
        " GROUP BY a.actor_id, u.first_name, u.username ORDER BY last DESC LIMIT ?",
        (limit,),
    )


async def audit_actor(conn: Queryable, actor_id: int) -> Row | None:
    """One person of the audit (`id`, `first_name`, `username`), if they have recorded actions."""
    return await conn.fetchone(
        "SELECT a.actor_id AS id, u.first_name, u.username FROM audit_log a"
        " LEFT JOIN users u ON u.id = a.actor_id WHERE a.actor_id = ? LIMIT 1",
        (actor_id,),
    )


# ================================================================================================
# volunteers: profiles, specialties, languages, availability, qualifications, search
# ================================================================================================


# A pause ends by itself. Readers treat a volunteer whose `paused_until` has passed as active
# (`active_volunteer_clause()` in SQL, `volunteers.effective_status()` in Python), so nothing
# depends on a job having run; `expire_pauses(tx, now)` only tidies such rows back to 'active'
# (safe to call from any scheduler tick, and called whenever the volunteer uses /pause or /resume).
def active_volunteer_clause(alias: str = "v") -> str:
    """SQL true for volunteers who may get offers now; binds one `?` parameter: ts(now)."""
    return (
        f"({alias}.status = 'active' OR ({alias}.status = 'paused'"
        f" AND {alias}.paused_until IS NOT NULL AND {alias}.paused_until <= ?))"
    )


async def get_volunteer(conn: Queryable, user_id: int) -> Row | None:
    return await conn.fetchone("SELECT * FROM volunteers WHERE user_id = ?", (user_id,))


async def get_volunteer_profile(conn: Queryable, user_id: int) -> tuple[Row, Profile] | None:
    """The volunteers row and the profile with its lists; None when absent or deleted."""
    # One statement (it runs on /profile and every profile screen): the lists as group_concat
    # columns, split here. Codes never contain a comma.
    found = await conn.fetchone(
        "SELECT v.*,"
        " (SELECT group_concat(language) FROM volunteer_languages WHERE user_id = v.user_id)"
        "  AS profile_languages,"
        " (SELECT group_concat(specialty) FROM volunteer_specialties WHERE user_id = v.user_id)"
        "  AS profile_specialties,"
        " (SELECT group_concat(weekday || ':' || period) FROM volunteer_availability"
        "  WHERE user_id = v.user_id) AS profile_slots"
        " FROM volunteers v WHERE v.user_id = ?",
        (user_id,),
    )
    if found is None or found["status"] == "deleted":
        return None
    row = found  # the volunteers columns, and the three lists

    def listed(column: str) -> list[str]:
        value = found[column]
        return value.split(",") if value else []

    profile = Profile.from_stored(
        row,
        languages=listed("profile_languages"),
        specialties=listed("profile_specialties"),
        slots=[
            (int(weekday), period)
            for weekday, period in (item.split(":", 1) for item in listed("profile_slots"))
        ],
    )
    return row, profile


async def _write_profile(tx: Tx, user_id: int, profile: Profile, *, now: datetime) -> None:
    """Profile columns and the language/specialty/availability rows (replaced as a whole)."""
    await tx.execute(
        "UPDATE volunteers SET full_name = ?, search_name = ?, phone = ?, phone_verified = ?,"
        " gender = ?, birth_date = ?, city = ?, available_from = ?, available_until = ?,"
        " other_language = ?, updated_at = ? WHERE user_id = ?",
        (
            profile.full_name,
            search_key(profile.full_name),
            profile.phone,
            int(profile.phone_verified),
            profile.gender,
            profile.birth_date.isoformat(),
            profile.city,
            profile.available_from.isoformat() if profile.available_from else None,
            profile.available_until.isoformat() if profile.available_until else None,
            profile.other_language if "other" in profile.languages and profile.other_language else None,
            ts(now),
            user_id,
        ),
    )
    for table in ("volunteer_languages", "volunteer_specialties", "volunteer_availability"):
        await tx.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
    await tx.executemany(
        "INSERT INTO volunteer_languages (user_id, language) VALUES (?, ?)",
        [(user_id, code) for code in dict.fromkeys(profile.languages)],
    )
    await tx.executemany(
        "INSERT INTO volunteer_specialties (user_id, specialty) VALUES (?, ?)",
        [(user_id, code) for code in dict.fromkeys(profile.specialties)],
    )
    await tx.executemany(
        "INSERT INTO volunteer_availability (user_id, weekday, period) VALUES (?, ?, ?)",
        [
            (user_id, weekday, period)
            for weekday in sorted(set(profile.weekdays))
            for period in dict.fromkeys(profile.periods)
        ],
    )


async def register_volunteer(
    tx: Tx, user_id: int, profile: Profile, *, status: str, consent_at: datetime, now: datetime,
    key: str | None = None,
) -> bool:
    """Store a confirmed registration (a deleted volunteer starts again from scratch); `key` is
    the draft's identity (unique: one registration per draft).

    False, and nothing written, when the user already has a live volunteer record."""
    existing = await get_volunteer(tx, user_id)
    if existing is not None and existing["status"] != "deleted":
        return False
    if existing is None:
        await tx.execute(
            "INSERT INTO volunteers (user_id, status, consent_at, registered_at, registration_key)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, status, ts(consent_at), ts(now), key),
        )
    else:
        await tx.execute(
            "UPDATE volunteers SET status = ?, consent_at = ?, registered_at = ?,"
            " paused_until = NULL, approved_at = NULL, approved_by = NULL, deleted_at = NULL,"
            " registration_key = ? WHERE user_id = ?",
            (status, ts(consent_at), ts(now), key, user_id),
        )
        await tx.execute("DELETE FROM qualifications WHERE user_id = ?", (user_id,))
    await _write_profile(tx, user_id, profile, now=now)
    return True


async def update_volunteer_profile(tx: Tx, user_id: int, profile: Profile, *, now: datetime) -> bool:
    """Save an edited profile; False when the volunteer is gone (deleted meanwhile)."""
    existing = await get_volunteer(tx, user_id)
    if existing is None or existing["status"] == "deleted":
        return False
    await _write_profile(tx, user_id, profile, now=now)
    return True


async def set_volunteer_status(
    tx: Tx, user_id: int, status: str, *, expected: Sequence[str], now: datetime
) -> bool:
    """Move a volunteer from one of `expected` to `status` (a pause is cleared); False if not."""
    marks = ",".join("?" for _ in expected)
    cursor = await tx.execute(
        f"UPDATE volunteers SET status = ?, paused_until = NULL, updated_at = ?"
        f" WHERE user_id = ? AND status IN ({marks})",
        (status, ts(now), user_id, *expected),
    )
    return cursor.rowcount == 1


async def approve_volunteer(tx: Tx, user_id: int, *, approved_by: int, now: datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE volunteers SET status = 'active', approved_at = ?, approved_by = ?, updated_at = ?"
        " WHERE user_id = ? AND status = 'pending'",
        (ts(now), approved_by, ts(now), user_id),
    )
    return cursor.rowcount == 1


async def pause_volunteer(tx: Tx, user_id: int, *, until: datetime | None, now: datetime) -> bool:
    """Pause offers until a moment (None: until /resume); only an active or paused volunteer."""
    cursor = await tx.execute(
        "UPDATE volunteers SET status = 'paused', paused_until = ?, updated_at = ?"
        " WHERE user_id = ? AND status IN ('active', 'paused')",
        (ts(until), ts(now), user_id),
    )
    return cursor.rowcount == 1


async def expire_pauses(tx: Tx, now: datetime, *, user_id: int | None = None) -> int:
    """Turn paused volunteers whose pause has run out back to active; returns how many."""
    sql = (
        "UPDATE volunteers SET status = 'active', paused_until = NULL, updated_at = ?"
        " WHERE status = 'paused' AND paused_until IS NOT NULL AND paused_until <= ?"
    )
    params: tuple[Any, ...] = (ts(now), ts(now))
    if user_id is not None:
        sql += " AND user_id = ?"
        params += (user_id,)
    cursor = await tx.execute(sql, params)
    return cursor.rowcount


async def erase_volunteer(tx: Tx, user_id: int, *, now: datetime) -> bool:
    """Erase personal data and mark the volunteer deleted; the users row and assignments stay
    (anonymous service history), and open offers and upcoming bookings are cancelled."""
    existing = await get_volunteer(tx, user_id)
    if existing is None or existing["status"] == "deleted":
        return False
    for table in (
        "volunteer_languages", "volunteer_specialties", "volunteer_availability", "qualifications"
    ):
        await tx.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
    await tx.execute(
        "UPDATE volunteers SET full_name = NULL, search_name = NULL, phone = NULL,"
        " phone_verified = 0, gender = NULL, birth_date = NULL, city = NULL,"
        " available_from = NULL, available_until = NULL, paused_until = NULL, other_language = NULL,"
        " status = 'deleted', deleted_at = ?, updated_at = ? WHERE user_id = ?",
        (ts(now), ts(now), user_id),
    )
    await tx.execute(
        "UPDATE assignments SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?"
        f" WHERE volunteer_id = ? AND status IN {status_in(LIVE)}"
        " AND shift_id IN (SELECT id FROM shifts WHERE starts_at > ?)",
        (ts(now), "volunteer_deleted", user_id, ts(now)),
    )
    await erase_traces(tx, user_id, now=now)
    return True


async def erase_traces(tx: Tx, user_id: int, *, now: datetime) -> None:
    """What else holds a person's words or names: their Telegram name and username, reasons
    they typed, messages to them still queued or kept as sent, and their saved conversations."""
    await tx.execute("UPDATE users SET first_name = '', username = NULL WHERE id = ?", (user_id,))
    await tx.execute(
        "UPDATE assignments SET decline_reason = NULL, no_show_reason = NULL,"
        " cancel_reason = CASE WHEN cancel_reason = 'volunteer_deleted' THEN cancel_reason END"
        " WHERE volunteer_id = ?",
        (user_id,),
    )
    await tx.execute(
        "UPDATE outbox SET status = 'cancelled', error = 'erased' WHERE chat_id = ? AND status = 'pending'",
        (user_id,),
    )
    await tx.execute("UPDATE outbox SET payload = '{}' WHERE chat_id = ?", (user_id,))
    await tx.execute("DELETE FROM ptb_data WHERE kind = 'user' AND owner_id = ?", (user_id,))
    await tx.execute(
        "DELETE FROM ptb_conversations WHERE key = ?", (json.dumps([user_id, user_id]),)
    )


async def volunteer_qualifications(conn: Queryable, user_id: int) -> list[str]:
    rows = await conn.fetchall(
        "SELECT specialty FROM qualifications WHERE user_id = ?", (user_id,)
    )
    return order_specialties([r[0] for r in rows])


async def grant_qualification(
    tx: Tx, user_id: int, specialty: str, *, granted_by: int, now: datetime
) -> bool:
    cursor = await tx.execute(
        "INSERT INTO qualifications (user_id, specialty, granted_by, granted_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (user_id, specialty) DO NOTHING",
        (user_id, specialty, granted_by, ts(now)),
    )
    return cursor.rowcount == 1


async def revoke_qualification(tx: Tx, user_id: int, specialty: str) -> bool:
    cursor = await tx.execute(
        "DELETE FROM qualifications WHERE user_id = ? AND specialty = ?", (user_id, specialty)
    )
    return cursor.rowcount == 1


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_name(text: str) -> str:
    """A name as volunteer_search indexes it (migration 0062): «عبد الله» written as one word."""
    return text.replace("عبد ", "عبد")


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


async def search_volunteers(
    conn: Queryable,
    *,
    name: str | None = None,
    phone_digits: str | None = None,
    specialties: Sequence[str] = (),
    status: str | None = None,
    limit: int,
    offset: int = 0,
) -> list[Row]:
    """Volunteers (never deleted ones) whose name, phone or specialty matches any criterion
    given; with only `status`, all volunteers in that status. Pending first, then by name.

    Name and phone go through the volunteer_search full-text index (a part of a name or number
    of at least 3 characters; shorter ones fall back to a scan with LIKE); pages are read in
    the order of the volunteers_listing index."""
    where, params = [], []
    terms = []
    if name:
        keys = dict.fromkeys(_search_name(k) for k in (search_key(name), name.strip().lower()))
        terms += [f"name : {_phrase(key)}" for key in keys if len(key) >= 3]
        if not terms:
            where.append("v.search_name LIKE ? ESCAPE '\\' OR v.full_name LIKE ? ESCAPE '\\'")
            params += [_like(search_key(name)), _like(name.strip())]
    if phone_digits:
        terms.append(f"phone : {_phrase(phone_digits)}")
    if terms:
        where.append(
            "v.user_id IN (SELECT rowid FROM volunteer_search WHERE volunteer_search MATCH ?)"
        )
        params.append(" OR ".join(terms))
    if specialties:
        marks = ",".join("?" for _ in specialties)
        where.append(
            f"v.user_id IN (SELECT user_id FROM volunteer_specialties WHERE specialty IN ({marks}))"
        )
        params += list(specialties)
    sql = "SELECT v.* FROM volunteers v WHERE v.status <> 'deleted'"
    if where:
        sql += " AND (" + " OR ".join(f"({w})" for w in where) + ")"
    if status:
        sql += " AND v.status = ?"
        params.append(status)
    sql += (
        " ORDER BY CASE v.status WHEN 'pending' THEN 0 ELSE 1 END, v.full_name, v.user_id"
        " LIMIT ? OFFSET ?"
    )
    return await conn.fetchall(sql, (*params, limit, offset))


async def count_volunteers_by_status(conn: Queryable) -> dict[str, int]:
    rows = await conn.fetchall("SELECT status, COUNT(*) FROM volunteers GROUP BY status")
    return {r[0]: int(r[1]) for r in rows}


async def volunteers_specialties(conn: Queryable, user_ids: Sequence[int]) -> dict[int, list[str]]:
    if not user_ids:
        return {}
    marks = ",".join("?" for _ in user_ids)
    rows = await conn.fetchall(
        f"SELECT user_id, specialty FROM volunteer_specialties WHERE user_id IN ({marks})",
        tuple(user_ids),
    )
    found: dict[int, list[str]] = {uid: [] for uid in user_ids}
    for row in rows:
        found[int(row[0])].append(row[1])
    return {uid: order_specialties(codes) for uid, codes in found.items()}


async def service_records(
    conn: Queryable, user_ids: Sequence[int], *, now: datetime
) -> dict[int, ServiceRecord]:
    """Completed shifts and their hours, no-shows, late cancellations and upcoming bookings."""
    if not user_ids:
        return {}
    marks = ",".join("?" for _ in user_ids)
    rows = await conn.fetchall(
        "SELECT a.volunteer_id, a.status, a.late_cancel, s.starts_at, s.ends_at"
        " FROM assignments a JOIN shifts s ON s.id = a.shift_id"
        f" WHERE a.volunteer_id IN ({marks})"
        f" AND (a.status IN {status_in({Status.COMPLETED, Status.NO_SHOW})}"
        f" OR a.late_cancel = 1 OR (a.status IN {status_in(HOLDS_PLACE - {Status.COMPLETED})}"
        " AND s.ends_at > ?))",
        (*user_ids, ts(now)),
    )
    tally: dict[int, dict[str, float]] = {
        uid: {"completed": 0, "hours": 0.0, "no_shows": 0, "late": 0, "upcoming": 0}
        for uid in user_ids
    }
    for row in rows:
        counts = tally[int(row["volunteer_id"])]
        if row["status"] == "completed":
            counts["completed"] += 1
            span = moment(row["ends_at"]) - moment(row["starts_at"])
            counts["hours"] += span.total_seconds() / 3600
        elif row["status"] == "no_show":
            counts["no_shows"] += 1
        elif row["status"] in ("accepted", "checked_in"):
            counts["upcoming"] += 1
        if row["late_cancel"]:
            counts["late"] += 1
    return {
        uid: ServiceRecord(
            completed=int(c["completed"]),
            hours=round(c["hours"], 1),
            no_shows=int(c["no_shows"]),
            late_cancels=int(c["late"]),
            upcoming=int(c["upcoming"]),
        )
        for uid, c in tally.items()
    }


async def languages_of_volunteers(conn: Queryable, user_ids: Sequence[int]) -> dict[int, list[str]]:
    if not user_ids:
        return {}
    marks = ",".join("?" for _ in user_ids)
    rows = await conn.fetchall(
        f"SELECT user_id, language FROM volunteer_languages WHERE user_id IN ({marks})"
        " ORDER BY user_id, language",
        tuple(user_ids),
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(int(row[0]), []).append(row[1])
    return found


async def volunteer_names(conn: Queryable, user_ids: Sequence[int]) -> dict[int, str]:
    """Full names of these volunteers (those with a profile)."""
    found: dict[int, str] = {}
    for chunk in _chunks(list(user_ids)):
        for row in await conn.fetchall(
            f"SELECT user_id, full_name FROM volunteers WHERE user_id IN ({_marks(chunk)})",
            tuple(chunk),
        ):
            found[row[0]] = row[1]
    return found


async def volunteer_with_phone(conn: Queryable, phone: str, *, other_than: int) -> Row | None:
    """Another live volunteer who registered this number (E.164), if any."""
    return await conn.fetchone(
        "SELECT user_id, full_name FROM volunteers WHERE phone = ? AND user_id != ?"
        " AND status != 'deleted' ORDER BY user_id LIMIT 1",
        (phone, other_than),
    )


def _name_condition(name: str) -> tuple[str, list[Any]]:
    """A part of a name, through the volunteer_search index (LIKE for fewer than 3 characters)."""
    keys = dict.fromkeys(_search_name(k) for k in (search_key(name), name.strip().lower()))
    terms = [f"name : {_phrase(key)}" for key in keys if len(key) >= 3]
    if not terms:
        return ("(v.search_name LIKE ? ESCAPE '\\' OR v.full_name LIKE ? ESCAPE '\\')",
                [_like(search_key(name)), _like(name.strip())])
    return ("v.user_id IN (SELECT rowid FROM volunteer_search WHERE volunteer_search MATCH ?)",
            [" OR ".join(terms)])


async def find_volunteers(
    conn: Queryable,
    *,
    name: str = "",
    phone_digits: str | None = None,
    languages: Sequence[str] = (),
    specialty_groups: Sequence[Sequence[str]] = (),
    status: str | None = None,
    cities: Sequence[str] = (),
    or_specialties: Sequence[str] = (),
    or_cities: Sequence[str] = (),
    limit: int,
    offset: int = 0,
) -> list[Row]:
    """Volunteers (never deleted ones) meeting every criterion given: a part of the name (or, for
    a lone word, one of `or_specialties` / `or_cities` instead), the phone, every language, one
    specialty of each group, the status, one of the cities. Pending first, then by name."""
    where: list[str] = []
    params: list[Any] = []

    def marks(values: Sequence[str]) -> str:
        params.extend(values)
        return ",".join("?" for _ in values)

    if name:
        condition, name_params = _name_condition(name)
        params.extend(name_params)
        alternatives = [condition]
        if or_specialties:
            alternatives.append("v.user_id IN (SELECT user_id FROM volunteer_specialties"
                                f" WHERE specialty IN ({marks(or_specialties)}))")
        if or_cities:
            alternatives.append(f"v.city IN ({marks(or_cities)})")
        where.append("(" + " OR ".join(alternatives) + ")")
    if phone_digits:
        where.append("v.user_id IN (SELECT rowid FROM volunteer_search WHERE volunteer_search MATCH ?)")
        params.append(f"phone : {_phrase(phone_digits)}")
    for language in languages:
        where.append("EXISTS (SELECT 1 FROM volunteer_languages l WHERE l.user_id = v.user_id"
                     " AND l.language = ?)")
        params.append(language)
    for group in specialty_groups:
        where.append("EXISTS (SELECT 1 FROM volunteer_specialties s WHERE s.user_id = v.user_id"
                     f" AND s.specialty IN ({marks(group)}))")
    if cities:
        where.append(f"v.city IN ({marks(cities)})")
    if status:
        where.append("v.status = ?")
        params.append(status)
    sql = "SELECT v.* FROM volunteers v WHERE v.status <> 'deleted'"
    sql += "".join(f" AND {condition}" for condition in where)
    sql += (
        " ORDER BY CASE v.status WHEN 'pending' THEN 0 ELSE 1 END, v.full_name, v.user_id"
        " LIMIT ? OFFSET ?"
    )
    return await conn.fetchall(sql, (*params, limit, offset))


async def volunteer_cities(conn: Queryable) -> list[str]:
    """The distinct cities volunteers gave (codes of the catalogue or as typed)."""
    rows = await conn.fetchall(  # counted by triggers (migration 0128)
        "SELECT city FROM city_counts WHERE volunteers > 0"
    )
    return [row[0] for row in rows]


# ================================================================================================
# entities, their members and invites
# ================================================================================================


ENTITY_FIELDS = {"name_ar", "name_en", "kind", "contact"}


async def create_entity(
    tx: Tx, *, name_ar: str, name_en: str, kind: str, contact: str | None, created_by: int,
    now: datetime,
) -> int:
    cursor = await tx.execute(
        "INSERT INTO entities (name_ar, name_en, kind, contact, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (name_ar, name_en, kind, contact, ts(now), created_by),
    )
    return _new_id(cursor)


async def get_entity(conn: Queryable, entity_id: int) -> Row | None:
    return await conn.fetchone("SELECT * FROM entities WHERE id = ?", (entity_id,))


async def update_entity_field(
    tx: Tx, entity_id: int, field: str, value: str | None, *, now: datetime
) -> None:
    if field not in ENTITY_FIELDS:
        raise ValueError(f"unknown entity field {field!r}")
    await tx.execute(
        f"UPDATE entities SET {field} = ?, updated_at = ? WHERE id = ?", (value, ts(now), entity_id)
    )


async def set_entity_active(tx: Tx, entity_id: int, active: bool, *, now: datetime) -> bool:
    """Change the flag; False when it already had that value."""
    cursor = await tx.execute(
        "UPDATE entities SET active = ?, updated_at = ? WHERE id = ? AND active <> ?",
        (int(active), ts(now), entity_id, int(active)),
    )
    return cursor.rowcount == 1


async def list_entities(
    conn: Queryable, *, active_only: bool = False, limit: int = 10, offset: int = 0
) -> list[Row]:
    """Entities with their count of current representatives, active ones first."""
    where = "WHERE e.active = 1" if active_only else ""
    return await conn.fetchall(
        "SELECT e.*, (SELECT COUNT(*) FROM entity_members m WHERE m.entity_id = e.id"
        " AND m.removed_at IS NULL) AS reps"
        f" FROM entities e {where} ORDER BY e.active DESC, e.name_en, e.id LIMIT ? OFFSET ?",
        (limit, offset),
    )


async def count_entities(conn: Queryable, *, active_only: bool = False) -> int:
    where = " WHERE active = 1" if active_only else ""
    return int(await conn.fetchval(f"SELECT COUNT(*) FROM entities{where}"))


async def entity_name_taken(
    conn: Queryable, field: str, name: str, *, except_id: int | None = None
) -> bool:
    if field not in ("name_ar", "name_en"):
        raise ValueError(field)
    return (
        await conn.fetchval(
            f"SELECT 1 FROM entities WHERE LOWER({field}) = LOWER(?) AND id <> ?",
            (name, except_id or 0),
        )
        is not None
    )


async def entity_reps(conn: Queryable, entity_id: int) -> list[Row]:
    """The entity's current representatives (users rows, with added_at)."""
    return await conn.fetchall(
        "SELECT u.*, m.added_at FROM entity_members m JOIN users u ON u.id = m.user_id"
        " WHERE m.entity_id = ? AND m.removed_at IS NULL ORDER BY m.added_at, u.id",
        (entity_id,),
    )


async def rep_memberships(conn: Queryable, user_id: int) -> list[Row]:
    """The entities this user currently represents (entities rows)."""
    return await conn.fetchall(
        "SELECT e.* FROM entity_members m JOIN entities e ON e.id = m.entity_id"
        " WHERE m.user_id = ? AND m.removed_at IS NULL ORDER BY e.id",
        (user_id,),
    )


async def is_entity_rep(conn: Queryable, user_id: int, entity_id: int) -> bool:
    return (
        await conn.fetchval(
            "SELECT 1 FROM entity_members WHERE user_id = ? AND entity_id = ?"
            " AND removed_at IS NULL",
            (user_id, entity_id),
        )
        is not None
    )


async def add_entity_member(
    tx: Tx, entity_id: int, user_id: int, *, added_by: int | None, now: datetime
) -> None:
    await tx.execute(
        "INSERT INTO entity_members (entity_id, user_id, added_at, added_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (entity_id, user_id) DO UPDATE SET added_at = excluded.added_at,"
        " added_by = excluded.added_by, removed_at = NULL",
        (entity_id, user_id, ts(now), added_by),
    )


async def remove_entity_member(tx: Tx, entity_id: int, user_id: int, *, now: datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE entity_members SET removed_at = ? WHERE entity_id = ? AND user_id = ?"
        " AND removed_at IS NULL",
        (ts(now), entity_id, user_id),
    )
    return cursor.rowcount == 1


async def create_entity_invite(
    tx: Tx, *, token: str, entity_id: int, created_by: int, now: datetime, expires_at: datetime
) -> int:
    cursor = await tx.execute(
        "INSERT INTO entity_invites (token, entity_id, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token, entity_id, created_by, ts(now), ts(expires_at)),
    )
    return _new_id(cursor)


async def get_entity_invite(conn: Queryable, *, token: str | None = None,
                            invite_id: int | None = None) -> Row | None:
    if token is not None:
        return await conn.fetchone("SELECT * FROM entity_invites WHERE token = ?", (token,))
    return await conn.fetchone("SELECT * FROM entity_invites WHERE id = ?", (invite_id,))


async def claim_entity_invite(tx: Tx, token: str, *, user_id: int, now: datetime) -> bool:
    """Use an invite once (check-and-set); False when used, revoked or expired meanwhile."""
    cursor = await tx.execute(
        "UPDATE entity_invites SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL"
        " AND revoked_at IS NULL AND expires_at > ?",
        (user_id, ts(now), token, ts(now)),
    )
    return cursor.rowcount == 1


async def revoke_entity_invite(tx: Tx, invite_id: int, *, by: int, now: datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE entity_invites SET revoked_by = ?, revoked_at = ? WHERE id = ?"
        " AND used_by IS NULL AND revoked_at IS NULL",
        (by, ts(now), invite_id),
    )
    return cursor.rowcount == 1


async def open_entity_invites(conn: Queryable, entity_id: int, *, now: datetime) -> list[Row]:
    """Invites of an entity that could still be used."""
    return await conn.fetchall(
        "SELECT * FROM entity_invites WHERE entity_id = ? AND used_by IS NULL"
        " AND revoked_at IS NULL AND expires_at > ? ORDER BY id",
        (entity_id, ts(now)),
    )


async def entity_representatives(conn: Queryable, entity_id: int) -> list[Row]:
    return await conn.fetchall(
        "SELECT u.* FROM entity_members m JOIN users u ON u.id = m.user_id"
        " WHERE m.entity_id = ? AND m.removed_at IS NULL ORDER BY u.id",
        (entity_id,),
    )


# ================================================================================================
# needs and shifts
# ================================================================================================


ACTIVE_NEED_STATUSES = ("submitted", "approved")


async def insert_need(
    tx: Tx,
    *,
    entity_id: int,
    created_by: int,
    now: datetime,
    fields: dict[str, Any],
    languages: Sequence[str],
    windows: Sequence[tuple[datetime, datetime]],
    draft_key: str | None = None,
    minimums: Mapping[str, int] | None = None,
) -> tuple[int, list[int]]:
    """A submitted need, its languages (with the minimum speakers of each, per shift) and one
    shift per window; returns (need id, shift ids). `draft_key` (unique) is the /need draft it
    came from."""
    columns = (
        "title", "specialty", "site_name", "latitude", "longitude", "checkin_radius_m",
        "first_day", "last_day", "start_time", "end_time", "slots", "gender",
        "requires_training", "min_age", "notes",
    )
    cursor = await tx.execute(
        "INSERT INTO needs (entity_id, created_by, status, submitted_at, draft_key,"
        f" {', '.join(columns)}) VALUES (?, ?, 'submitted', ?, ?, {', '.join('?' for _ in columns)})",
        (entity_id, created_by, ts(now), draft_key, *(fields[c] for c in columns)),
    )
    need_id = _new_id(cursor)
    await tx.executemany(
        "INSERT INTO need_languages (need_id, language, minimum) VALUES (?, ?, ?)",
        [(need_id, language, int((minimums or {}).get(language, 0))) for language in languages],
    )
    shift_ids = []
    for starts_at, ends_at in windows:
        cursor = await tx.execute(
            "INSERT INTO shifts (need_id, starts_at, ends_at, slots) VALUES (?, ?, ?, ?)",
            (need_id, ts(starts_at), ts(ends_at), fields["slots"]),
        )
        shift_ids.append(_new_id(cursor))
    return need_id, shift_ids


_NEED_SELECT = (
    "SELECT n.*, e.name_ar AS entity_name_ar, e.name_en AS entity_name_en,"
    " e.active AS entity_active FROM needs n JOIN entities e ON e.id = n.entity_id"
)


async def get_need(conn: Queryable, need_id: int) -> Row | None:
    """A need with its entity's names."""
    return await conn.fetchone(f"{_NEED_SELECT} WHERE n.id = ?", (need_id,))


async def need_languages(conn: Queryable, need_id: int) -> list[str]:
    rows = await conn.fetchall(
        "SELECT language FROM need_languages WHERE need_id = ? ORDER BY language", (need_id,)
    )
    return [r[0] for r in rows]


async def decide_need(
    tx: Tx,
    need_id: int,
    status: str,
    *,
    by: int,
    now: datetime,
    reason: str | None = None,
) -> bool:
    """Approve or reject a submitted need: check-and-set, so the first decision wins."""
    if status not in ("approved", "rejected"):
        raise ValueError(status)
    cursor = await tx.execute(
        "UPDATE needs SET status = ?, decided_at = ?, decided_by = ?, reject_reason = ?"
        " WHERE id = ? AND status = 'submitted'",
        (status, ts(now), by, reason, need_id),
    )
    return cursor.rowcount == 1


async def set_need_slots(tx: Tx, need_id: int, slots: int, *, now: datetime) -> None:
    """New volunteers-per-shift for the need and its open shifts that have not started."""
    await tx.execute(
        "UPDATE needs SET requested_slots = COALESCE(requested_slots, slots), slots = ?"
        " WHERE id = ?",
        (slots, need_id),
    )
    await tx.execute(
        "UPDATE shifts SET slots = ? WHERE need_id = ? AND status = 'open' AND starts_at > ?",
        (slots, need_id, ts(now)),
    )


_FILLED = status_in(HOLDS_PLACE)


async def most_accepted_on_future_shifts(conn: Queryable, need_id: int, *, now: datetime) -> int:
    value = await conn.fetchval(
        "SELECT MAX(c) FROM (SELECT (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = s.id"
        f" AND a.status IN {_FILLED}) AS c FROM shifts s WHERE s.need_id = ?"
        " AND s.status = 'open' AND s.starts_at > ?) counts",
        (need_id, ts(now)),
    )
    return int(value or 0)


async def cancel_need(tx: Tx, need_id: int, *, by: int, now: datetime) -> list[int]:
    """Cancel a submitted or approved need and its shifts that have not started.

    Returns the ids of the shifts cancelled; raises LookupError if the need was not active."""
    cursor = await tx.execute(
        "UPDATE needs SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?"
        " WHERE id = ? AND status IN ('submitted', 'approved')",
        (ts(now), by, need_id),
    )
    if cursor.rowcount != 1:
        raise LookupError(need_id)
    return await cancel_open_shifts(tx, need_id, reason="need_cancelled", by=by, now=now)


async def cancel_open_shifts(
    tx: Tx, need_id: int, *, reason: str, by: int, now: datetime
) -> list[int]:
    """Cancel a need's open shifts that have not started; returns their ids."""
    rows = await tx.fetchall(
        "SELECT id FROM shifts WHERE need_id = ? AND status = 'open' AND starts_at > ?",
        (need_id, ts(now)),
    )
    shift_ids = [int(r[0]) for r in rows]
    await tx.executemany(
        "UPDATE shifts SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?,"
        " cancel_reason = ? WHERE id = ?",
        [(ts(now), by, reason, shift_id) for shift_id in shift_ids],
    )
    return shift_ids


async def cancel_shift(tx: Tx, shift_id: int, *, by: int, now: datetime) -> bool:
    """Cancel one open shift that has not started (check-and-set)."""
    cursor = await tx.execute(
        "UPDATE shifts SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?,"
        " cancel_reason = 'shift_cancelled' WHERE id = ? AND status = 'open' AND starts_at > ?",
        (ts(now), by, shift_id, ts(now)),
    )
    return cursor.rowcount == 1


async def future_open_shift_ids(conn: Queryable, need_id: int, *, now: datetime) -> list[int]:
    rows = await conn.fetchall(
        "SELECT id FROM shifts WHERE need_id = ? AND status = 'open' AND starts_at > ?",
        (need_id, ts(now)),
    )
    return [int(r[0]) for r in rows]


async def list_staff_needs(
    conn: Queryable, *, now: datetime, limit: int, offset: int
) -> tuple[list[Row], int]:
    """Needs waiting for approval (oldest first), then approved needs with shifts still ahead."""
    where = (
        " WHERE n.status = 'submitted' OR (n.status = 'approved' AND EXISTS (SELECT 1 FROM shifts s"
        " WHERE s.need_id = n.id AND s.status = 'open' AND s.ends_at > ?))"
    )
    rows = await conn.fetchall(
        f"{_NEED_SELECT}{where} ORDER BY CASE n.status WHEN 'submitted' THEN 0 ELSE 1 END,"
        " CASE n.status WHEN 'submitted' THEN n.submitted_at ELSE n.first_day END, n.id"
        " LIMIT ? OFFSET ?",
        (ts(now), limit, offset),
    )
    total = await conn.fetchval(
        f"SELECT COUNT(*) FROM needs n{where}", (ts(now),)
    )
    return rows, int(total)


async def count_needs_by_status(conn: Queryable, status: str) -> int:
    return int(await conn.fetchval("SELECT COUNT(*) FROM needs WHERE status = ?", (status,)))


async def list_entity_needs(
    conn: Queryable, entity_ids: Sequence[int], *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """An entity's needs: waiting and approved first, newest first within each group."""
    if not entity_ids:
        return [], 0
    marks = ",".join("?" for _ in entity_ids)
    rows = await conn.fetchall(
        f"{_NEED_SELECT} WHERE n.entity_id IN ({marks}) ORDER BY"
        " CASE WHEN n.status IN ('submitted', 'approved') THEN 0 ELSE 1 END,"
        " n.first_day DESC, n.id DESC LIMIT ? OFFSET ?",
        (*entity_ids, limit, offset),
    )
    total = await conn.fetchval(
        f"SELECT COUNT(*) FROM needs WHERE entity_id IN ({marks})", tuple(entity_ids)
    )
    return rows, int(total)


async def shifts_with_fill(
    conn: Queryable, need_ids: Sequence[int], *, limit: int = 10_000, offset: int = 0
) -> list[Row]:
    """Shifts of these needs in time order, each with `accepted` (places taken)."""
    if not need_ids:
        return []
    marks = ",".join("?" for _ in need_ids)
    return await conn.fetchall(
        "SELECT s.*, (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = s.id"
        f" AND a.status IN {_FILLED}) AS accepted FROM shifts s WHERE s.need_id IN ({marks})"
        " ORDER BY s.need_id, s.starts_at, s.id LIMIT ? OFFSET ?",
        (*need_ids, limit, offset),
    )


async def get_shift(conn: Queryable, shift_id: int) -> Row | None:
    """The one read of a shift: its own columns (`id`, `status`...), its need's and entity's as
    dispatch names them (`shift_id`, `shift_status`, `need_status`, `title`...: `_SHIFT_COLUMNS`)
    and the places taken (`accepted`)."""
    return await conn.fetchone(
        f"SELECT s.*, {_SHIFT_COLUMNS},"
        " (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = s.id"
        f" AND a.status IN {_FILLED}) AS accepted"
        f" FROM {_SHIFT_FROM} WHERE s.id = ?",
        (shift_id,),
    )


async def shift_roster(
    conn: Queryable, shift_id: int, *, limit: int, offset: int
) -> list[Row]:
    """Volunteers who took a place on the shift, whatever came of it (a no-show too, so that the
    roster and its attendance agree): name, phone, status, the no-show's reason."""
    return await conn.fetchall(
        "SELECT a.volunteer_id, a.status, a.no_show_reason, v.full_name, v.phone, v.gender, u.first_name"
        " FROM assignments a JOIN users u ON u.id = a.volunteer_id"
        " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id"
        f" WHERE a.shift_id = ? AND a.status IN {status_in(ROSTER)}"
        " ORDER BY a.accepted_at, a.id LIMIT ? OFFSET ?",
        (shift_id, limit, offset),
    )


async def approval_cards(conn: Queryable, need_id: int) -> list[Row]:
    """The outbox rows of a need's approval cards (dedupe key `needcard:<need>:<user>`)."""
    # A range on the unique dedupe_key index (';' sorts right after ':'), not a LIKE scan.
    return await conn.fetchall(
        "SELECT * FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ? ORDER BY id",
        (f"needcard:{need_id}:", f"needcard:{need_id};"),
    )


async def need_by_draft_key(conn: Queryable, draft_key: str) -> Row | None:
    """The need submitted from this /need draft, with its number of shifts."""
    return await conn.fetchone(
        "SELECT n.id, (SELECT COUNT(*) FROM shifts s WHERE s.need_id = n.id) AS shifts"
        " FROM needs n WHERE n.draft_key = ?",
        (draft_key,),
    )


_SHIFT_COLUMNS = (
    "s.id AS shift_id, s.starts_at, s.ends_at, s.slots, s.status AS shift_status, s.need_id,"
    " n.title, n.specialty, n.site_name, n.latitude, n.longitude, n.notes, n.status AS need_status,"
    " n.entity_id, n.gender, n.min_age, n.requires_training, n.checkin_radius_m, n.session_id,"
    " e.name_ar AS entity_name_ar, e.name_en AS entity_name_en"
)


_SHIFT_FROM = "shifts s JOIN needs n ON n.id = s.need_id JOIN entities e ON e.id = n.entity_id"


async def need_languages_by_need(conn: Queryable, need_ids: Sequence[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {need_id: set() for need_id in need_ids}
    for chunk in _chunks(list(need_ids)):
        for row in await conn.fetchall(
            f"SELECT need_id, language FROM need_languages WHERE need_id IN ({_marks(chunk)})",
            tuple(chunk),
        ):
            found[row["need_id"]].add(row["language"])
    return found


async def site_languages(conn: Queryable, site_names: Sequence[str]) -> dict[str, set[str]]:
    """The languages asked for by approved needs at each site (by site name)."""
    found: dict[str, set[str]] = {name: set() for name in site_names}
    if not site_names:
        return found
    for row in await conn.fetchall(
        "SELECT DISTINCT n.site_name, l.language FROM needs n"
        " JOIN need_languages l ON l.need_id = n.id"
        f" WHERE n.status = 'approved' AND n.site_name IN ({_marks(site_names)})",
        tuple(site_names),
    ):
        found[row["site_name"]].add(row["language"])
    return found


async def shift_fill(conn: Queryable, shift_id: int, *, now: datetime) -> Row:
    """accepted (places taken), holds (live offers to promoted waitlisters), outstanding (other
    live offers) and waitlisted, for one shift."""
    row = await conn.fetchone(
        "SELECT"
        f" COALESCE(SUM(CASE WHEN status IN ({_marks(TAKEN_STATUSES)}) THEN 1 ELSE 0 END), 0)"
        "  AS accepted,"
        " COALESCE(SUM(CASE WHEN status = 'offered' AND promoted_at IS NOT NULL AND expires_at > ?"
        "  THEN 1 ELSE 0 END), 0) AS holds,"
        " COALESCE(SUM(CASE WHEN status = 'offered' AND promoted_at IS NULL AND expires_at > ?"
        "  THEN 1 ELSE 0 END), 0) AS outstanding,"
        " COALESCE(SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END), 0) AS waitlisted"
        " FROM assignments WHERE shift_id = ?",
        (*TAKEN_STATUSES, ts(now), ts(now), shift_id),
    )
    assert row is not None
    return row


async def dispatchable_shifts(
    conn: Queryable, *, now: datetime, starts_after: datetime, starts_before: datetime
) -> list[Row]:
    """Open shifts of approved needs starting in the window, with their fill counts."""
    return await conn.fetchall(
        f"SELECT {_SHIFT_COLUMNS},"
        f" COALESCE(SUM(CASE WHEN a.status IN ({_marks(TAKEN_STATUSES)}) THEN 1 ELSE 0 END), 0)"
        "  AS accepted,"
        " COALESCE(SUM(CASE WHEN a.status = 'offered' AND a.promoted_at IS NOT NULL"
        "  AND a.expires_at > ? THEN 1 ELSE 0 END), 0) AS holds,"
        " COALESCE(SUM(CASE WHEN a.status = 'offered' AND a.promoted_at IS NULL"
        "  AND a.expires_at > ? THEN 1 ELSE 0 END), 0) AS outstanding,"
        " COALESCE(SUM(CASE WHEN a.status = 'waitlisted' THEN 1 ELSE 0 END), 0) AS waitlisted"
        f" FROM {_SHIFT_FROM} LEFT JOIN assignments a ON a.shift_id = s.id"
        " WHERE s.status = 'open' AND n.status = 'approved' AND s.starts_at > ? AND s.starts_at <= ?"
        " GROUP BY s.id ORDER BY s.starts_at, s.id",
        (*TAKEN_STATUSES, ts(now), ts(now), ts(starts_after), ts(starts_before)),
    )


async def open_shifts_for_volunteer(
    conn: Queryable,
    *,
    user_id: int,
    specialties: Sequence[str],
    gender: str | None,
    now: datetime,
    languages: Sequence[str] = (),
    qualifications: Sequence[str] | None = None,
    limit: int = 300,
) -> list[Row]:
    """Upcoming open shifts in the volunteer's specialties that they have not taken or joined the
    waitlist of, soonest first, with only what eligibility reads (shift_id, starts_at, ends_at,
    slots, need_id, specialty, gender, min_age, requires_training, and `need_languages`, the
    need's languages comma-separated or NULL): the caller checks eligibility, then open places
    (`shift_fills`) of the eligible ones, then reads the page it shows (`shift_rows`).

    With `qualifications` (the volunteer's valid ones), needs asking for a training they lack are
    left out, and needs whose languages (any of them) they do not speak: matching's own
    training and language rules (bot/language_rule.py `admits`), which it checks again."""
    if not specialties:
        return []
    narrow = ""
    params: list[Any] = []
    if qualifications is not None:
        narrow = (
            " AND (n.requires_training = 0"
            + (f" OR n.specialty IN ({_marks(qualifications)})" if qualifications else "")
            + ") AND (NOT EXISTS (SELECT 1 FROM need_languages k WHERE k.need_id = n.id)"
            + (
                " OR EXISTS (SELECT 1 FROM need_languages k WHERE k.need_id = n.id"
                f" AND k.language IN ({_marks(languages)}))" if languages else ""
            )
            + ")"
        )
        params = [*qualifications, *languages]
    return await conn.fetchall(
        "SELECT s.id AS shift_id, s.starts_at, s.ends_at, s.slots, s.need_id, n.specialty,"
        " n.gender, n.min_age, n.requires_training,"
        " (SELECT group_concat(language) FROM need_languages k WHERE k.need_id = n.id)"
        "  AS need_languages"
        # The needs of these specialties first, then their upcoming shifts (indexes of migration
        # 0116): a few hundred rows read instead of every upcoming shift of the season. CROSS
        # JOIN keeps that order whether or not the database has been ANALYZEd.
        " FROM needs n CROSS JOIN shifts s ON s.need_id = n.id JOIN entities e ON e.id = n.entity_id"
        " WHERE s.status = 'open' AND n.status = 'approved' AND s.starts_at > ?"
        f" AND n.specialty IN ({_marks(specialties)}) AND (n.gender = 'any' OR n.gender = ?)"
        f"{narrow}"
        " AND NOT EXISTS (SELECT 1 FROM assignments m WHERE m.shift_id = s.id"
        f"  AND m.volunteer_id = ? AND m.status IN {status_in(ROSTER | {Status.WAITLISTED})})"
        " ORDER BY s.starts_at, s.id LIMIT ?",
        (ts(now), *specialties, gender or "", *params, user_id, limit),
    )


async def need_open_shift_rows(conn: Queryable, need_id: int, *, now: datetime) -> list[Row]:
    """A need's open shifts that have not started, soonest first, with the columns dispatch
    reads (`_SHIFT_COLUMNS`)."""
    return await conn.fetchall(
        f"SELECT {_SHIFT_COLUMNS} FROM {_SHIFT_FROM}"
        " WHERE s.need_id = ? AND s.status = 'open' AND s.starts_at > ? ORDER BY s.starts_at, s.id",
        (need_id, ts(now)),
    )


async def first_shift_start(conn: Queryable, need_id: int) -> datetime | None:
    """When a need's first shift (cancelled or not) starts."""
    return parse_ts(await conn.fetchval("SELECT MIN(starts_at) FROM shifts WHERE need_id = ?", (need_id,)))


async def first_shift_end(conn: Queryable, need_id: int) -> datetime:
    """When a need's first shift ends."""
    return moment(await conn.fetchval(
        "SELECT ends_at FROM shifts WHERE need_id = ? ORDER BY starts_at, id LIMIT 1", (need_id,)
    ))


async def waiting_needs_started(conn: Queryable, *, now: datetime) -> list[int]:
    """Needs still waiting for approval whose first shift has started."""
    rows = await conn.fetchall(
        "SELECT n.id FROM needs n WHERE n.status = 'submitted'"
        " AND (SELECT MIN(s.starts_at) FROM shifts s WHERE s.need_id = n.id) <= ? ORDER BY n.id",
        (ts(now),),
    )
    return [int(r[0]) for r in rows]


async def close_waiting_need(tx: Tx, need_id: int, *, now: datetime) -> bool:
    """A waiting need is closed unapproved (check-and-set) and its open shifts cancelled."""
    cursor = await tx.execute(
        "UPDATE needs SET status = 'closed', cancelled_at = ? WHERE id = ? AND status = 'submitted'",
        (ts(now), need_id),
    )
    if cursor.rowcount != 1:
        return False
    await tx.execute(
        "UPDATE shifts SET status = 'cancelled', cancelled_at = ?, cancel_reason = 'not_approved_in_time'"
        " WHERE need_id = ? AND status = 'open'",
        (ts(now), need_id),
    )
    return True


async def need_language_minimums(conn: Queryable, need_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """The minimum speakers per language of each need (only languages with a minimum)."""
    found: dict[int, dict[str, int]] = {need_id: {} for need_id in need_ids}
    for chunk in _chunks(list(need_ids)):
        for row in await conn.fetchall(
            "SELECT need_id, language, minimum FROM need_languages"
            f" WHERE minimum > 0 AND need_id IN ({_marks(chunk)})",
            tuple(chunk),
        ):
            found[row["need_id"]][row["language"]] = int(row["minimum"])
    return found


async def shift_fills(
    conn: Queryable, shift_ids: Sequence[int], *, user_id: int, now: datetime
) -> dict[int, tuple[int, int]]:
    """(accepted, holds) of each shift, in one grouped read: places taken, and live offers to
    promoted waitlisters other than `user_id`'s own (a shift with no assignments: (0, 0))."""
    found = {shift_id: (0, 0) for shift_id in shift_ids}
    for chunk in _chunks(list(shift_ids)):
        for row in await conn.fetchall(
            "SELECT shift_id,"
            f" COALESCE(SUM(CASE WHEN status IN ({_marks(TAKEN_STATUSES)}) THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN status = 'offered' AND promoted_at IS NOT NULL"
            "  AND expires_at > ? AND volunteer_id != ? THEN 1 ELSE 0 END), 0)"
            f" FROM assignments WHERE shift_id IN ({_marks(chunk)}) GROUP BY shift_id",
            (*TAKEN_STATUSES, ts(now), user_id, *chunk),
        ):
            found[row[0]] = (int(row[1]), int(row[2]))
    return found


async def shift_rows(conn: Queryable, shift_ids: Sequence[int]) -> list[Row]:
    """These shifts with their need's and entity's columns (`_SHIFT_COLUMNS`), in the order given."""
    if not shift_ids:
        return []
    rows = await conn.fetchall(
        f"SELECT {_SHIFT_COLUMNS} FROM {_SHIFT_FROM} WHERE s.id IN ({_marks(shift_ids)})",
        tuple(shift_ids),
    )
    by_id = {row["shift_id"]: row for row in rows}
    return [by_id[shift_id] for shift_id in shift_ids if shift_id in by_id]


async def need_language_rules(
    conn: Queryable, need_ids: Sequence[int]
) -> dict[int, tuple[set[str], dict[str, int]]]:
    """Each need's languages and its minimum speakers per language (only languages with a
    minimum), in one read: `need_languages_by_need` and `need_language_minimums` together."""
    found: dict[int, tuple[set[str], dict[str, int]]] = {
        need_id: (set(), {}) for need_id in need_ids
    }
    for chunk in _chunks(list(need_ids)):
        for row in await conn.fetchall(
            "SELECT need_id, language, minimum FROM need_languages"
            f" WHERE need_id IN ({_marks(chunk)})",
            tuple(chunk),
        ):
            languages, minimums = found[row["need_id"]]
            languages.add(row["language"])
            if row["minimum"] is not None and int(row["minimum"]) > 0:
                minimums[row["language"]] = int(row["minimum"])
    return found


_FINISHED_WHERE = (
    " WHERE n.status IN ('approved', 'closed') AND EXISTS (SELECT 1 FROM shifts s"
    " WHERE s.need_id = n.id AND s.status != 'cancelled') AND NOT EXISTS (SELECT 1 FROM shifts s"
    " WHERE s.need_id = n.id AND s.status = 'open' AND s.ends_at > ?)"
)


async def list_finished_needs(
    conn: Queryable, *, now: datetime, limit: int, offset: int
) -> tuple[list[Row], int]:
    """Approved or closed needs whose shifts have all ended, the latest first: /needs's
    "finished" filter, where attendance can still be corrected."""
    rows = await conn.fetchall(
        f"{_NEED_SELECT}{_FINISHED_WHERE} ORDER BY n.last_day DESC, n.id DESC LIMIT ? OFFSET ?",
        (ts(now), limit, offset),
    )
    total = await conn.fetchval(f"SELECT COUNT(*) FROM needs n{_FINISHED_WHERE}", (ts(now),))
    return rows, int(total)


# ================================================================================================
# assignments: offers, places, waitlists, reminders, attendance
# ================================================================================================


async def cancel_shift_assignments(
    tx: Tx, shift_ids: Sequence[int], *, reason: str, now: datetime
) -> list[Row]:
    """Cancel the offered, accepted and waitlisted assignments of these shifts; returns them
    (assignment id, shift_id, volunteer_id, previous status, calendar_sent_at)."""
    if not shift_ids:
        return []
    marks = ",".join("?" for _ in shift_ids)
    rows = await tx.fetchall(
        "SELECT id, shift_id, volunteer_id, status, calendar_sent_at FROM assignments"
        f" WHERE shift_id IN ({marks}) AND status IN {status_in(LIVE)}"
        " ORDER BY volunteer_id, shift_id",
        tuple(shift_ids),
    )
    await tx.executemany(
        "UPDATE assignments SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?"
        " WHERE id = ?",
        [(ts(now), reason, row["id"]) for row in rows],
    )
    return rows


async def count_assignments_to_notify(conn: Queryable, shift_ids: Sequence[int]) -> int:
    if not shift_ids:
        return 0
    marks = ",".join("?" for _ in shift_ids)
    return int(
        await conn.fetchval(
            "SELECT COUNT(DISTINCT volunteer_id) FROM assignments"
            f" WHERE shift_id IN ({marks}) AND status IN {status_in(LIVE)}",
            tuple(shift_ids),
        )
    )


# Volunteers' assignment statuses (bot/assignments.py) as query parameters: holding a place (a
# no-show does not), having served (hours count towards fairness), busy (held or offered).
TAKEN_STATUSES = tuple(sorted(HOLDS_PLACE))


SERVED_STATUSES = tuple(sorted(SERVED))


ACTIVE_STATUSES = tuple(sorted(BUSY))
_BUSY_WINDOWS = (  # busy_windows, everyones_busy_windows: (end, start, *ACTIVE_STATUSES)
    "SELECT a.volunteer_id, a.shift_id, a.status, s.starts_at, s.ends_at"
    " FROM shifts s JOIN assignments a ON a.shift_id = s.id"
    " WHERE s.status IN ('open', 'closed') AND s.starts_at < ? AND s.ends_at > ?"
    f" AND a.status IN ({', '.join('?' for _ in ACTIVE_STATUSES)})"
)


_ASSIGNMENT_SELECT = (
    f"SELECT a.*, {_SHIFT_COLUMNS},"
    " u.locale, u.language_code, u.reachable, u.first_name, u.username, v.full_name, v.phone,"
    " v.gender AS volunteer_gender"
    " FROM assignments a JOIN shifts s ON s.id = a.shift_id JOIN needs n ON n.id = s.need_id"
    " JOIN entities e ON e.id = n.entity_id JOIN users u ON u.id = a.volunteer_id"
    " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id"
)


async def asked_by_shift(conn: Queryable, shift_ids: Sequence[int]) -> dict[int, set[int]]:
    """The volunteers with any assignment on each shift (asked before: never offered again)."""
    found: dict[int, set[int]] = {shift_id: set() for shift_id in shift_ids}
    for chunk in _chunks(list(shift_ids)):
        for row in await conn.fetchall(
            f"SELECT shift_id, volunteer_id FROM assignments WHERE shift_id IN ({_marks(chunk)})",
            tuple(chunk),
        ):
            found[row[0]].add(row[1])
    return found


async def busy_windows(
    conn: Queryable,
    *,
    start: datetime,
    end: datetime,
    user_ids: Sequence[int] | None = None,
) -> list[Row]:
    """(volunteer_id, shift_id, status, starts_at, ends_at) of offered, held and served shifts
    overlapping [start, end), for the given volunteers or for everyone."""
    sql, base = _BUSY_WINDOWS, (ts(end), ts(start), *ACTIVE_STATUSES)
    if user_ids is None:
        return await conn.fetchall(sql, base)
    rows: list[Row] = []
    for chunk in _chunks(list(user_ids)):
        rows += await conn.fetchall(
            sql + f" AND a.volunteer_id IN ({_marks(chunk)})", (*base, *chunk)
        )
    return rows


def everyones_busy_windows(
    conn: Queryable, *, start: datetime, end: datetime
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """busy_windows for everyone, in chunks of plain tuples (the tick's: tens of thousands)."""
    return conn.chunks(_BUSY_WINDOWS, (ts(end), ts(start), *ACTIVE_STATUSES))


async def get_assignment(conn: Queryable, assignment_id: int) -> Row | None:
    """An assignment with its shift, need, entity and volunteer."""
    return await conn.fetchone(f"{_ASSIGNMENT_SELECT} WHERE a.id = ?", (assignment_id,))


async def find_assignment(conn: Queryable, shift_id: int, volunteer_id: int) -> Row | None:
    return await conn.fetchone(
        f"{_ASSIGNMENT_SELECT} WHERE a.shift_id = ? AND a.volunteer_id = ?",
        (shift_id, volunteer_id),
    )


async def insert_offer(
    tx: Tx, *, shift_id: int, volunteer_id: int, now: datetime, expires_at: datetime,
    source: str = "offer",
) -> int | None:
    """A new offer; None if this volunteer already has an assignment for the shift."""
    cursor = await tx.execute(
        "INSERT INTO assignments (shift_id, volunteer_id, status, source, offered_at, expires_at)"
        " VALUES (?, ?, 'offered', ?, ?, ?) ON CONFLICT (shift_id, volunteer_id) DO NOTHING",
        (shift_id, volunteer_id, source, ts(now), ts(expires_at)),
    )
    return _new_id(cursor) if cursor.rowcount == 1 else None


async def reopen_for_signup(tx: Tx, assignment_id: int, *, now: datetime) -> None:
    """A volunteer signs up for a shift they had declined, let expire or cancelled earlier."""
    await tx.execute(
        "UPDATE assignments SET status = 'offered', source = 'signup', offered_at = ?,"
        " expires_at = ?, promoted_at = NULL WHERE id = ?",
        (ts(now), ts(now), assignment_id),
    )


async def mark_accepted(
    tx: Tx, assignment_id: int, *, now: datetime, confirmed: bool
) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET status = 'accepted', accepted_at = ?, responded_at = ?,"
        " confirmed_at = ?, at_risk_at = NULL, promoted_at = NULL"
        " WHERE id = ? AND status = 'offered'",
        (ts(now), ts(now), ts(now) if confirmed else None, assignment_id),
    )
    return cursor.rowcount == 1


async def mark_waitlisted(tx: Tx, assignment_id: int, *, now: datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET status = 'waitlisted', waitlisted_at = ?, responded_at = ?,"
        " promoted_at = NULL, waitlist_seq = (SELECT COALESCE(MAX(w.waitlist_seq), 0) + 1"
        "  FROM assignments w WHERE w.shift_id = assignments.shift_id)"
        " WHERE id = ? AND status = 'offered'",
        (ts(now), ts(now), assignment_id),
    )
    return cursor.rowcount == 1


async def mark_declined(tx: Tx, assignment_id: int, *, now: datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET status = 'declined', declined_at = ?, responded_at = ?"
        " WHERE id = ? AND status = 'offered'",
        (ts(now), ts(now), assignment_id),
    )
    return cursor.rowcount == 1


async def set_decline_reason(tx: Tx, assignment_id: int, reason: str) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET decline_reason = ? WHERE id = ? AND status = 'declined'",
        (reason, assignment_id),
    )
    return cursor.rowcount == 1


async def mark_expired(tx: Tx, assignment_id: int) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET status = 'expired' WHERE id = ? AND status = 'offered'",
        (assignment_id,),
    )
    return cursor.rowcount == 1


async def mark_cancelled(
    tx: Tx, assignment_id: int, *, now: datetime, reason: str | None, late: bool
) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?,"
        f" late_cancel = ? WHERE id = ? AND status IN {status_in(CANCELLABLE)}",
        (ts(now), reason, int(late), assignment_id),
    )
    return cursor.rowcount == 1


async def mark_confirmed(tx: Tx, assignment_id: int, *, now: datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET confirmed_at = ? WHERE id = ? AND status = 'accepted'"
        " AND confirmed_at IS NULL",
        (ts(now), assignment_id),
    )
    return cursor.rowcount == 1


async def mark_promoted(
    tx: Tx, assignment_id: int, *, now: datetime, expires_at: datetime
) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET status = 'offered', promoted_at = ?, offered_at = ?,"
        " expires_at = ? WHERE id = ? AND status = 'waitlisted'",
        (ts(now), ts(now), ts(expires_at), assignment_id),
    )
    return cursor.rowcount == 1


async def mark_at_risk(tx: Tx, assignment_id: int, *, now: datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET at_risk_at = ? WHERE id = ? AND status = 'accepted'"
        " AND confirmed_at IS NULL AND at_risk_at IS NULL",
        (ts(now), assignment_id),
    )
    return cursor.rowcount == 1


async def waitlist_position(conn: Queryable, assignment_id: int) -> int:
    """1 for the first on the shift's waitlist; 0 when not waitlisted."""
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM assignments me JOIN assignments w ON w.shift_id = me.shift_id"
            " WHERE me.id = ? AND me.status = 'waitlisted' AND w.status = 'waitlisted'"
            " AND w.waitlist_seq <= me.waitlist_seq",
            (assignment_id,),
        )
        or 0
    )


async def first_waitlisted(conn: Queryable, shift_id: int, *, now: datetime) -> Row | None:
    """The first waitlisted volunteer of a shift who can still be asked (active, reachable)."""
    row = await conn.fetchone(
        "SELECT a.id FROM assignments a JOIN volunteers v ON v.user_id = a.volunteer_id"
        " JOIN users u ON u.id = a.volunteer_id"
        " WHERE a.shift_id = ? AND a.status = 'waitlisted' AND u.reachable = 1"
        " AND (v.status = 'active' OR (v.status = 'paused' AND v.paused_until IS NOT NULL"
        "  AND v.paused_until <= ?))"
        " ORDER BY a.waitlist_seq LIMIT 1",
        (shift_id, ts(now)),
    )
    return None if row is None else await get_assignment(conn, row["id"])


async def due_offer_expiries(conn: Queryable, *, now: datetime, limit: int = 1000) -> list[Row]:
    """Offers (and promoted waitlisters' holds) whose time to answer is over."""
    ids = await conn.fetchall(
        "SELECT id FROM assignments WHERE status = 'offered' AND expires_at <= ?"
        " ORDER BY expires_at, id LIMIT ?",
        (ts(now), limit),
    )
    if not ids:
        return []
    marks = _marks(ids)
    return await conn.fetchall(
        f"{_ASSIGNMENT_SELECT} WHERE a.id IN ({marks}) ORDER BY a.expires_at, a.id",
        tuple(r["id"] for r in ids),
    )


async def volunteer_assignments(
    conn: Queryable, user_id: int, *, now: datetime, limit: int = 20
) -> list[Row]:
    """A volunteer's accepted and waitlisted shifts that have not ended, soonest first."""
    return await conn.fetchall(
        f"{_ASSIGNMENT_SELECT} WHERE a.volunteer_id = ?"
        f" AND a.status IN {status_in(UPCOMING)} AND s.ends_at > ?"
        " ORDER BY s.starts_at, a.id LIMIT ?",
        (user_id, ts(now), limit),
    )


async def schedule_reminder(
    tx: Tx, assignment_id: int, *, lead_seconds: int, due_at: datetime
) -> None:
    """Plan a reminder; one skipped earlier (the shift was cancelled, then taken again) is
    planned again, one already sent is left alone."""
    await tx.execute(
        "INSERT INTO reminders (assignment_id, lead_seconds, due_at) VALUES (?, ?, ?)"
        " ON CONFLICT (assignment_id, lead_seconds) DO UPDATE SET due_at = excluded.due_at,"
        " skipped_at = NULL WHERE reminders.sent_at IS NULL",
        (assignment_id, lead_seconds, ts(due_at)),
    )


async def skip_pending_reminders(tx: Tx, assignment_id: int, *, now: datetime) -> None:
    await tx.execute(
        "UPDATE reminders SET skipped_at = ? WHERE assignment_id = ? AND sent_at IS NULL"
        " AND skipped_at IS NULL",
        (ts(now), assignment_id),
    )


async def due_reminders(conn: Queryable, *, now: datetime, limit: int = 2000) -> list[Row]:
    """Unsent reminders whose time has come, with their assignment (any status)."""
    return await conn.fetchall(
        "SELECT r.id AS reminder_id, r.lead_seconds, r.due_at, a.status AS assignment_status,"
        " a.volunteer_id, a.confirmed_at, s.starts_at, s.status AS shift_status,"
        " n.status AS need_status, r.assignment_id"
        " FROM reminders r JOIN assignments a ON a.id = r.assignment_id"
        " JOIN shifts s ON s.id = a.shift_id JOIN needs n ON n.id = s.need_id"
        " WHERE r.sent_at IS NULL AND r.skipped_at IS NULL AND r.due_at <= ?"
        " ORDER BY r.due_at, r.id LIMIT ?",
        (ts(now), limit),
    )


async def mark_reminder(tx: Tx, reminder_id: int, *, now: datetime, sent: bool) -> bool:
    column = "sent_at" if sent else "skipped_at"
    cursor = await tx.execute(
        f"UPDATE reminders SET {column} = ? WHERE id = ? AND sent_at IS NULL AND skipped_at IS NULL",
        (ts(now), reminder_id),
    )
    return cursor.rowcount == 1


async def assignment_reminders(conn: Queryable, assignment_id: int) -> list[Row]:
    return await conn.fetchall(
        "SELECT * FROM reminders WHERE assignment_id = ? ORDER BY lead_seconds DESC",
        (assignment_id,),
    )


async def unconfirmed_before(
    conn: Queryable, *, now: datetime, starts_before: datetime
) -> list[Row]:
    """Accepted, unconfirmed, not yet flagged assignments of open shifts starting in
    (now, starts_before], with when their first reminder was sent (NULL if none)."""
    return await conn.fetchall(
        "SELECT a.id, s.starts_at,"
        " (SELECT MIN(r.sent_at) FROM reminders r WHERE r.assignment_id = a.id) AS first_sent_at"
        " FROM shifts s JOIN needs n ON n.id = s.need_id JOIN assignments a ON a.shift_id = s.id"
        " WHERE s.status = 'open' AND n.status = 'approved' AND s.starts_at > ? AND s.starts_at <= ?"
        " AND a.status = 'accepted' AND a.confirmed_at IS NULL AND a.at_risk_at IS NULL",
        (ts(now), ts(starts_before)),
    )


# A place that counts for attendance: taken, whatever came of it.
ATTENDANCE_STATUSES = tuple(sorted(ROSTER))


_ATTENDANCE_SELECT = _ASSIGNMENT_SELECT  # with the site's check-in radius (_SHIFT_COLUMNS)


async def due_checkin_prompts(
    conn: Queryable, *, now: datetime, opens_before: datetime, limit: int = 500
) -> list[Row]:
    """Accepted places not asked to check in yet, on live shifts that start by `opens_before`
    and have not ended."""
    return await conn.fetchall(
        f"{_ATTENDANCE_SELECT} WHERE s.status = 'open' AND s.ends_at > ? AND s.starts_at <= ?"
        " AND n.status = 'approved' AND a.status = 'accepted' AND a.checkin_asked_at IS NULL"
        " ORDER BY s.starts_at, a.id LIMIT ?",
        (ts(now), ts(opens_before), limit),
    )


async def mark_checkin_asked(tx: Tx, assignment_id: int, *, now: datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE assignments SET checkin_asked_at = ? WHERE id = ? AND status = 'accepted'"
        " AND checkin_asked_at IS NULL",
        (ts(now), assignment_id),
    )
    return cursor.rowcount == 1


async def mark_checked_in(
    tx: Tx, assignment_id: int, *, now: datetime, distance_m: int | None
) -> bool:
    """The volunteer checked in themselves (only from accepted)."""
    cursor = await tx.execute(
        "UPDATE assignments SET status = 'checked_in', checked_in_at = ?, checkin_distance_m = ?"
        " WHERE id = ? AND status = 'accepted'",
        (ts(now), distance_m, assignment_id),
    )
    return cursor.rowcount == 1


async def due_completions(conn: Queryable, *, now: datetime, limit: int = 500) -> list[Row]:
    """Checked-in places of shifts that have ended."""
    return await conn.fetchall(
        f"{_ATTENDANCE_SELECT} WHERE s.status IN ('open', 'closed') AND s.ends_at <= ?"
        " AND a.status = 'checked_in' ORDER BY s.ends_at, a.id LIMIT ?",
        (ts(now), limit),
    )


async def due_no_shows(conn: Queryable, *, ended_before: datetime, limit: int = 500) -> list[Row]:
    """(id) of accepted places never checked in, on shifts that ended by `ended_before`."""
    return await conn.fetchall(
        "SELECT a.id FROM shifts s JOIN assignments a ON a.shift_id = s.id"
        " WHERE s.status IN ('open', 'closed') AND s.ends_at <= ? AND a.status = 'accepted'"
        " ORDER BY s.ends_at, a.id LIMIT ?",
        (ts(ended_before), limit),
    )


async def set_attendance(
    tx: Tx, assignment_id: int, *, expected: str, status: str, now: datetime
) -> bool:
    """Move a place from `expected` to checked_in, completed (at the shift's end) or no_show,
    keeping the other attendance timestamps consistent with it."""
    if status == "checked_in":
        sets = "checked_in_at = COALESCE(checked_in_at, ?), completed_at = NULL, no_show_at = NULL"
        params: tuple[Any, ...] = (ts(now),)
    elif status == "completed":
        sets = (
            "completed_at = (SELECT s.ends_at FROM shifts s WHERE s.id = assignments.shift_id),"
            " no_show_at = NULL"
        )
        params = ()
    elif status == "no_show":
        sets = "no_show_at = ?, completed_at = NULL"
        params = (ts(now),)
    else:
        raise ValueError(f"not an attendance status: {status}")
    cursor = await tx.execute(
        f"UPDATE assignments SET status = ?, {sets} WHERE id = ? AND status = ?",
        (status, *params, assignment_id, expected),
    )
    return cursor.rowcount == 1


async def attendance_roster(
    conn: Queryable, shift_id: int, *, limit: int, offset: int
) -> list[Row]:
    """Who holds a place on the shift and what came of it, in the order they took it."""
    return await conn.fetchall(
        "SELECT a.id, a.volunteer_id, a.status, a.checked_in_at, a.no_show_reason, v.full_name,"
        " v.phone, v.gender, u.first_name FROM assignments a JOIN users u ON u.id = a.volunteer_id"
        " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id"
        f" WHERE a.shift_id = ? AND a.status IN ({_marks(ATTENDANCE_STATUSES)})"
        " ORDER BY a.accepted_at, a.id LIMIT ? OFFSET ?",
        (shift_id, *ATTENDANCE_STATUSES, limit, offset),
    )


async def reopen_for_manual_offer(
    tx: Tx, assignment_id: int, *, now: datetime, expires_at: datetime, waived: str | None
) -> bool:
    """Offer again, by hand, a shift the volunteer declined, let expire or gave up."""
    cursor = await tx.execute(
        "UPDATE assignments SET status = 'offered', source = 'manual', offered_at = ?,"
        " expires_at = ?, responded_at = NULL, promoted_at = NULL, waived = ?"
        " WHERE id = ? AND (status IN ('declined', 'expired', 'cancelled')"
        "  OR (status = 'offered' AND expires_at <= ?))",
        (ts(now), ts(expires_at), waived, assignment_id, ts(now)),
    )
    return cursor.rowcount == 1


async def shift_speakers(
    conn: Queryable, shift_id: int, *, now: datetime, leave_out: int | None = None
) -> tuple[list[list[str]], list[list[str]]]:
    """The languages of (those who hold a place or a promoted waitlister's hold, those with a
    live offer) on a shift, each a list per volunteer; `leave_out` is an assignment not counted.
    For the language minimums (bot/language_rule.py)."""
    rows = await conn.fetchall(
        "SELECT a.id, a.status, a.promoted_at,"
        " (SELECT group_concat(l.language) FROM volunteer_languages l"
        "  WHERE l.user_id = a.volunteer_id) AS languages"
        " FROM assignments a WHERE a.shift_id = ?"
        f" AND (a.status IN ({_marks(TAKEN_STATUSES)}) OR (a.status = 'offered' AND a.expires_at > ?))",
        (shift_id, *TAKEN_STATUSES, ts(now)),
    )
    holders: list[list[str]] = []
    asked: list[list[str]] = []
    for row in rows:
        if row["id"] == leave_out:
            continue
        spoken = row["languages"].split(",") if row["languages"] else []
        held = row["status"] != "offered" or row["promoted_at"] is not None
        (holders if held else asked).append(spoken)
    return holders, asked


async def waitlisted_in_order(conn: Queryable, shift_id: int, *, now: datetime) -> list[Row]:
    """The waitlisted volunteers of a shift who can still be asked, first first, with their
    languages (comma-separated)."""
    return await conn.fetchall(
        "SELECT a.id, (SELECT group_concat(l.language) FROM volunteer_languages l"
        "  WHERE l.user_id = a.volunteer_id) AS languages"
        " FROM assignments a JOIN volunteers v ON v.user_id = a.volunteer_id"
        " JOIN users u ON u.id = a.volunteer_id"
        " WHERE a.shift_id = ? AND a.status = 'waitlisted' AND u.reachable = 1"
        " AND (v.status = 'active' OR (v.status = 'paused' AND v.paused_until IS NOT NULL"
        "  AND v.paused_until <= ?))"
        " ORDER BY a.waitlist_seq",
        (shift_id, ts(now)),
    )


async def roster_counts(conn: Queryable, shift_id: int) -> dict[str, int]:
    """How many places of the shift are in each roster status (accepted, checked_in, completed,
    no_show): what its roster says in numbers."""
    rows = await conn.fetchall(
        "SELECT status, COUNT(*) AS n FROM assignments"
        f" WHERE shift_id = ? AND status IN {status_in(ROSTER)} GROUP BY status",
        (shift_id,),
    )
    return {str(r["status"]): int(r["n"]) for r in rows}


async def set_no_show_reason(tx: Tx, assignment_id: int, reason: str) -> bool:
    """Why the volunteer did not come (only while the place is a no-show)."""
    cursor = await tx.execute(
        "UPDATE assignments SET no_show_reason = ? WHERE id = ? AND status = 'no_show'",
        (reason, assignment_id),
    )
    return cursor.rowcount == 1


async def set_waived(tx: Tx, assignment_id: int, waived: str | None) -> None:
    """The requirements an offer made by hand waived (bot/offer_check.py's codes)."""
    await tx.execute("UPDATE assignments SET waived = ? WHERE id = ?", (waived, assignment_id))


async def day_shifts(
    conn: Queryable, *, start: datetime, end: datetime, entity_ids: Sequence[int] | None = None
) -> list[Row]:
    """Shifts of approved (or finished) needs that run at some time in [start, end), in time
    order, with their need's and entity's columns (`_SHIFT_COLUMNS`): the day's board."""
    sql = (
        f"SELECT {_SHIFT_COLUMNS} FROM {_SHIFT_FROM}"
        " WHERE s.status != 'cancelled' AND n.status IN ('approved', 'closed')"
        " AND s.starts_at < ? AND s.ends_at > ?"
    )
    params: list[Any] = [ts(end), ts(start)]
    if entity_ids is not None:  # a representative's entities only
        if not entity_ids:
            return []
        sql += f" AND n.entity_id IN ({_marks(list(entity_ids))})"
        params += list(entity_ids)
    return await conn.fetchall(sql + " ORDER BY s.starts_at, s.id", tuple(params))


async def day_assignments(conn: Queryable, shift_ids: Sequence[int]) -> list[Row]:
    """Who holds, held or was offered a place on these shifts (not declined, expired or
    cancelled), with the volunteer's name and phone, in the order they took it."""
    rows: list[Row] = []
    for chunk in _chunks(list(shift_ids)):
        rows += await conn.fetchall(
            "SELECT a.id, a.shift_id, a.volunteer_id, a.status, a.checked_in_at, a.expires_at,"
            " a.promoted_at, v.full_name, v.phone, u.first_name, u.username"
            " FROM assignments a JOIN users u ON u.id = a.volunteer_id"
            " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id"
            f" WHERE a.shift_id IN ({_marks(chunk)})"
            " AND a.status IN ('offered', 'accepted', 'checked_in', 'completed', 'no_show',"
            " 'waitlisted')"
            " ORDER BY a.accepted_at, a.id",
            tuple(chunk),
        )
    return rows


async def volunteer_shift_list(conn: Queryable, user_id: int, *, now: datetime) -> list[Row]:
    """/myshifts, all of it: the offers still waiting for an answer (soonest first), then the
    accepted and waitlisted shifts that have not ended (soonest first)."""
    return await conn.fetchall(
        f"{_ASSIGNMENT_SELECT} WHERE a.volunteer_id = ? AND ("
        " (a.status = 'offered' AND a.expires_at > ? AND s.starts_at > ? AND s.status = 'open'"
        "  AND n.status = 'approved')"
        f" OR (a.status IN {status_in(UPCOMING)} AND s.ends_at > ?))"
        " ORDER BY a.status <> 'offered', s.starts_at, a.id",
        (user_id, ts(now), ts(now), ts(now)),
    )


async def mark_calendar_sent(tx: Tx, assignment_id: int, *, now: datetime) -> None:
    """The volunteer took the shift's .ics (the first time counts)."""
    await tx.execute(
        "UPDATE assignments SET calendar_sent_at = COALESCE(calendar_sent_at, ?) WHERE id = ?",
        (ts(now), assignment_id),
    )


async def mark_expired_many(tx: Tx, assignment_ids: Sequence[int]) -> set[int]:
    """`mark_expired` for a chunk in one statement: the ids that were still offered."""
    if not assignment_ids:
        return set()
    rows = await tx.fetchall(
        f"UPDATE assignments SET status = 'expired' WHERE id IN ({_marks(assignment_ids)})"
        " AND status = 'offered' RETURNING id",
        tuple(assignment_ids),
    )
    return {row["id"] for row in rows}


# pending_alerts: at-risk and no-show alerts waiting for their recipient's next digest


async def queue_alert(
    tx: Tx, *, recipient_id: int, kind: str, assignment_id: int, shift_id: int,
    starts_at: str, now: datetime,
) -> bool:
    """One alert for one person's next digest; False when it was queued before."""
    cursor = await tx.execute(
        "INSERT INTO pending_alerts (recipient_id, kind, assignment_id, shift_id, starts_at,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (recipient_id, kind, assignment_id) DO NOTHING",
        (recipient_id, kind, assignment_id, shift_id, starts_at, ts(now)),
    )
    return cursor.rowcount == 1


async def unsent_alerts(conn: Queryable, recipient_id: int | None = None) -> list[Row]:
    """Alerts not sent yet (of one recipient, or everyone's), by recipient, in the order queued."""
    where = "" if recipient_id is None else " AND recipient_id = ?"
    params: tuple[Any, ...] = () if recipient_id is None else (recipient_id,)
    return await conn.fetchall(
        f"SELECT * FROM pending_alerts WHERE sent_at IS NULL{where} ORDER BY recipient_id, id",
        params,
    )


async def last_digest_at(conn: Queryable, recipient_ids: Sequence[int]) -> dict[int, datetime]:
    """When each of these people last got a digest (absent: never)."""
    found: dict[int, datetime] = {}
    for chunk in _chunks(list(recipient_ids)):
        for row in await conn.fetchall(
            "SELECT recipient_id, MAX(sent_at) AS sent_at FROM pending_alerts"
            f" WHERE sent_at IS NOT NULL AND recipient_id IN ({_marks(chunk)}) GROUP BY recipient_id",
            tuple(chunk),
        ):
            found[int(row["recipient_id"])] = moment(row["sent_at"])
    return found


async def mark_alerts_sent(tx: Tx, alert_ids: Sequence[int], *, now: datetime) -> int:
    """Alerts carried by a digest enqueued now (only those not sent yet); returns how many."""
    count = 0
    for chunk in _chunks(list(alert_ids)):
        cursor = await tx.execute(
            f"UPDATE pending_alerts SET sent_at = ? WHERE sent_at IS NULL AND id IN ({_marks(chunk)})",
            (ts(now), *chunk),
        )
        count += int(cursor.rowcount)
    return count


async def insert_series(
    tx: Tx, *, need_id: int, volunteer_id: int, assignment_ids: Sequence[int], now: datetime
) -> int:
    """One message offering a volunteer several days of a need: the days' offers point to it."""
    cursor = await tx.execute(
        "INSERT INTO offer_series (need_id, volunteer_id, created_at) VALUES (?, ?, ?)",
        (need_id, volunteer_id, ts(now)),
    )
    series_id = _new_id(cursor)
    await tx.execute(
        f"UPDATE assignments SET series_id = ? WHERE id IN ({_marks(assignment_ids)})",
        (series_id, *assignment_ids),
    )
    return series_id


async def get_series(conn: Queryable, series_id: int) -> Row | None:
    return await conn.fetchone("SELECT * FROM offer_series WHERE id = ?", (series_id,))


async def series_assignments(conn: Queryable, series_id: int) -> list[Row]:
    """The days of a series offer, in time order, as get_assignment reads each."""
    return await conn.fetchall(
        f"{_ASSIGNMENT_SELECT} WHERE a.series_id = ? ORDER BY s.starts_at, a.id", (series_id,)
    )


async def short_shifts_due(conn: Queryable, *, now: datetime, lead_seconds: int) -> list[Row]:
    """Open shifts of approved needs starting within `lead_seconds` with places still open and
    not escalated at that lead yet, with their fill counts."""
    return await conn.fetchall(
        f"SELECT * FROM (SELECT {_SHIFT_COLUMNS},"
        f" COALESCE(SUM(CASE WHEN a.status IN ({_marks(TAKEN_STATUSES)}) THEN 1 ELSE 0 END), 0)"
        "  AS accepted,"
        " COALESCE(SUM(CASE WHEN a.status = 'offered' AND a.promoted_at IS NOT NULL"
        "  AND a.expires_at > ? THEN 1 ELSE 0 END), 0) AS holds,"
        " COALESCE(SUM(CASE WHEN a.status = 'offered' AND a.promoted_at IS NULL"
        "  AND a.expires_at > ? THEN 1 ELSE 0 END), 0) AS outstanding"
        f" FROM {_SHIFT_FROM} LEFT JOIN assignments a ON a.shift_id = s.id"
        " WHERE s.status = 'open' AND n.status = 'approved' AND s.starts_at > ? AND s.starts_at <= ?"
        " AND NOT EXISTS (SELECT 1 FROM shift_escalations x WHERE x.shift_id = s.id"
        "  AND x.lead_seconds = ?)"
        " GROUP BY s.id) f WHERE f.accepted + f.holds < f.slots ORDER BY f.starts_at, f.shift_id",
        (*TAKEN_STATUSES, ts(now), ts(now), ts(now), ts(now + timedelta(seconds=lead_seconds)),
         lead_seconds),
    )


async def record_escalation(tx: Tx, shift_id: int, lead_seconds: int, *, now: datetime, short_by: int) -> bool:
    """Mark a shift escalated at a lead; False when it was already (nothing changes)."""
    cursor = await tx.execute(
        "INSERT INTO shift_escalations (shift_id, lead_seconds, escalated_at, short_by)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (shift_id, lead_seconds) DO NOTHING",
        (shift_id, lead_seconds, ts(now), short_by),
    )
    return cursor.rowcount == 1


async def get_escalation(conn: Queryable, shift_id: int, lead_seconds: int) -> Row | None:
    return await conn.fetchone(
        "SELECT * FROM shift_escalations WHERE shift_id = ? AND lead_seconds = ?", (shift_id, lead_seconds)
    )


async def mark_escalation_acted(
    tx: Tx, shift_id: int, lead_seconds: int, action: str, *, by: int, now: datetime
) -> bool:
    """One of an escalation's buttons ("next" or "told") acted, once (check-and-set)."""
    if action not in ("next", "told"):
        raise ValueError(action)
    cursor = await tx.execute(
        f"UPDATE shift_escalations SET {action}_at = ?, {action}_by = ?"
        f" WHERE shift_id = ? AND lead_seconds = ? AND {action}_at IS NULL",
        (ts(now), by, shift_id, lead_seconds),
    )
    return cursor.rowcount == 1


async def volunteer_live_places(conn: Queryable, user_id: int, *, now: datetime) -> list[Row]:
    """A volunteer's offers, places and waitlist turns on shifts that have not ended."""
    return await conn.fetchall(
        f"{_ASSIGNMENT_SELECT} WHERE a.volunteer_id = ? AND a.status IN {status_in(LIVE)}"
        " AND s.ends_at > ? ORDER BY s.starts_at, a.id",
        (user_id, ts(now)),
    )


async def withdraw_offer(tx: Tx, assignment_id: int, *, now: datetime, reason: str) -> bool:
    """The office takes back an offer not answered yet (cancelled, with why)."""
    cursor = await tx.execute(
        "UPDATE assignments SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?"
        " WHERE id = ? AND status = 'offered'",
        (ts(now), reason, assignment_id),
    )
    return cursor.rowcount == 1


# ================================================================================================
# matching: who may be offered a shift
# ================================================================================================


# Bits of volunteers.availability_mask (migration 0040): weekday * 4 + the period's index.
PERIOD_BITS = {"morning": 0, "afternoon": 1, "evening": 2, "night": 3}


def availability_mask(periods: Iterable[tuple[int, str]]) -> int:
    mask = 0
    for weekday, period in periods:
        mask |= 1 << (weekday * 4 + PERIOD_BITS[period])
    return mask


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


def _chunks(values: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def matching_candidates(
    conn: Queryable,
    *,
    shift_id: int,
    specialty: str,
    now: datetime,
    gender: str,
    born_by: str,
    first_day: str,
    last_day: str,
    languages: Sequence[str],
    periods: Sequence[tuple[int, str]],
    requires_training: bool,
    site_languages: Sequence[str] = (),
    stats_since: datetime | None = None,
    limit: int | None = None,
) -> list[Row]:
    """Volunteers who plausibly fit a shift, from the specialty index outwards: status, reachable,
    gender, age (born_by), season (first_day, last_day: ISO dates), one of the need's languages,
    availability, training, and not already asked.

    With each: `site_lang_<i>` (speaks site_languages[i]), and what ranking needs: `hours`
    served since `stats_since` (rounded as matching.rank_key rounds), `no_shows` and
    `late_cancels`. With `limit`, only the first `limit` in matching.rank_key's order, so that a
    wave ranks its best few without loading thousands of candidates into Python."""
    columns = [
        "v.user_id, v.status, v.paused_until, v.gender, v.birth_date, v.available_from,"
        " v.available_until, v.registered_at, u.reachable, u.locale, u.language_code"
    ]
    params: list[Any] = []
    for index, language in enumerate(site_languages):
        columns.append(
            "CASE WHEN EXISTS (SELECT 1 FROM volunteer_languages sl WHERE sl.user_id = v.user_id"
            f" AND sl.language = ?) THEN 1 ELSE 0 END AS site_lang_{index}"
        )
        params.append(language)
    columns.append(
        f"ROUND(COALESCE((SELECT SUM({shift_hours('hs')})"
        " FROM assignments ha JOIN shifts hs ON hs.id = ha.shift_id"
        f" WHERE ha.volunteer_id = v.user_id AND ha.status IN ({_marks(SERVED_STATUSES)})"
        " AND hs.starts_at >= ? AND hs.starts_at <= ?), 0), 6) AS hours"
    )
    params += [*SERVED_STATUSES, ts(stats_since or now), ts(now)]
    columns.append(
        "(SELECT COUNT(*) FROM assignments na WHERE na.volunteer_id = v.user_id"
        " AND na.status = 'no_show') AS no_shows"
    )
    columns.append(
        "(SELECT COUNT(*) FROM assignments la WHERE la.volunteer_id = v.user_id"
        " AND la.late_cancel = 1) AS late_cancels"
    )
    # Cheap tests on the volunteer's own row first, then index lookups, in the order written.
    mask = availability_mask(periods)
    where = [
        "vs.specialty = ?",
        "(v.status = 'active' OR (v.status = 'paused' AND v.paused_until IS NOT NULL"
        " AND v.paused_until <= ?))",
        "(v.availability_mask & ?) = ?",
        "v.birth_date IS NOT NULL AND v.birth_date <= ?",
        "(v.available_from IS NULL OR v.available_from <= ?)",
        "(v.available_until IS NULL OR v.available_until >= ?)",
    ]
    params += [specialty, ts(now), mask, mask, born_by, first_day, last_day]
    if gender != "any":
        where.append("v.gender = ?")
        params.append(gender)
    if languages:  # any one of them (bot/language_rule.py)
        where.append(
            "EXISTS (SELECT 1 FROM volunteer_languages l WHERE l.user_id = v.user_id"
            f" AND l.language IN ({_marks(languages)}))"
        )
        params += list(languages)
    if requires_training:
        where.append(
            "EXISTS (SELECT 1 FROM qualifications q WHERE q.user_id = v.user_id"
            " AND q.specialty = ? AND (q.expires_at IS NULL OR q.expires_at > ?))"
        )
        params += [specialty, ts(now)]  # an expired qualification no longer counts
    where.append(
        "NOT EXISTS (SELECT 1 FROM assignments a WHERE a.shift_id = ? AND a.volunteer_id = v.user_id)"
    )
    params.append(shift_id)
    where.append("u.reachable = 1")
    # CROSS JOIN keeps SQLite on the specialty index first (it is the most selective start).
    sql = (
        f"SELECT {', '.join(columns)} FROM volunteer_specialties vs"
        " CROSS JOIN volunteers v ON v.user_id = vs.user_id"
        " CROSS JOIN users u ON u.id = v.user_id"
        f" WHERE {' AND '.join(where)}"
    )
    if limit is not None:
        spoken = " + ".join(f"c.site_lang_{i}" for i in range(len(site_languages)))
        sql = (
            f"SELECT * FROM ({sql}) c ORDER BY c.hours, c.no_shows + c.late_cancels,"
            f"{f' {spoken} DESC,' if spoken else ''} c.registered_at, c.user_id LIMIT ?"
        )
        params.append(limit)
    return await conn.fetchall(sql, tuple(params))


def matching_pool(conn: Queryable, specialty: str, *, now: datetime) -> AsyncIterator[list[tuple[Any, ...]]]:
    """Everyone who could be offered a shift of this specialty on some day, with what the tick
    filters and ranks on in Python (candidate_pool.SpecialtyPool, whose column constants follow
    this order): status, reachable, birth date known; `languages` as a comma-separated list,
    `qualified` for the specialty's training. In the order of registration then id (the
    fairness order within a tier of equal hours), in chunks of plain tuples.
    group_concat is SQLite's; on PostgreSQL string_agg(language, ',')."""
    return conn.chunks(
        "SELECT v.user_id, v.status, v.paused_until, v.gender, v.birth_date, v.available_from,"
        " v.available_until, v.registered_at, v.availability_mask,"
        " (SELECT group_concat(l.language) FROM volunteer_languages l"
        "  WHERE l.user_id = v.user_id) AS languages,"
        " EXISTS (SELECT 1 FROM qualifications q WHERE q.user_id = v.user_id"
        "  AND q.specialty = vs.specialty"
        "  AND (q.expires_at IS NULL OR q.expires_at > ?)) AS qualified"
        " FROM volunteer_specialties vs CROSS JOIN volunteers v ON v.user_id = vs.user_id"
        " CROSS JOIN users u ON u.id = v.user_id"
        " WHERE vs.specialty = ? AND (v.status = 'active' OR (v.status = 'paused'"
        " AND v.paused_until IS NOT NULL AND v.paused_until <= ?))"
        " AND v.birth_date IS NOT NULL AND u.reachable = 1"
        " ORDER BY v.registered_at, v.user_id",
        (ts(now), specialty, ts(now)),
    )


def all_volunteer_stats(
    conn: Queryable, *, since: datetime, now: datetime
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """volunteer_stats for every volunteer with any service, no-show or late cancellation, in
    one pass over assignments_volunteer (a tick ranks many shifts with them): (volunteer_id,
    hours, no_shows, late_cancels) in id order, in chunks of plain tuples."""
    return conn.chunks(
        "SELECT a.volunteer_id,"
        f" COALESCE(SUM(CASE WHEN a.status IN ({_marks(SERVED_STATUSES)}) AND s.starts_at >= ?"
        f"  AND s.starts_at <= ? THEN {shift_hours()}"
        "  ELSE 0 END), 0) AS hours,"
        " COALESCE(SUM(CASE WHEN a.status = 'no_show' THEN 1 ELSE 0 END), 0) AS no_shows,"
        " COALESCE(SUM(a.late_cancel), 0) AS late_cancels"
        " FROM assignments a JOIN shifts s ON s.id = a.shift_id"
        f" WHERE a.status IN ({_marks(SERVED_STATUSES)}, 'no_show') OR a.late_cancel = 1"
        " GROUP BY a.volunteer_id ORDER BY a.volunteer_id",
        (*SERVED_STATUSES, ts(since), ts(now), *SERVED_STATUSES),
    )


async def volunteer_stats(
    conn: Queryable, user_ids: Sequence[int], *, since: datetime, now: datetime
) -> dict[int, tuple[float, int, int]]:
    """(hours served since `since`, no-shows, late cancellations) for volunteers with any."""
    found: dict[int, tuple[float, int, int]] = {}
    for chunk in _chunks(list(user_ids)):
        rows = await conn.fetchall(
            "SELECT a.volunteer_id,"
            f" SUM(CASE WHEN a.status IN ({_marks(SERVED_STATUSES)}) AND s.starts_at >= ?"
            f"  AND s.starts_at <= ? THEN {shift_hours()}"
            "  ELSE 0 END) AS hours,"
            " SUM(CASE WHEN a.status = 'no_show' THEN 1 ELSE 0 END) AS no_shows,"
            " SUM(a.late_cancel) AS late_cancels"
            " FROM assignments a JOIN shifts s ON s.id = a.shift_id"
            f" WHERE a.volunteer_id IN ({_marks(chunk)})"
            f" AND (a.status IN ({_marks(SERVED_STATUSES)}, 'no_show') OR a.late_cancel = 1)"
            " GROUP BY a.volunteer_id",
            (*SERVED_STATUSES, ts(since), ts(now), *chunk, *SERVED_STATUSES),
        )
        for row in rows:
            found[row["volunteer_id"]] = (
                float(row["hours"] or 0), int(row["no_shows"] or 0), int(row["late_cancels"] or 0)
            )
    return found


# A volunteer's matching profile: (row, specialties, languages, availability, qualifications).
MatchingProfile = tuple[Row, set[str], set[str], set[tuple[int, str]], set[str]]


async def volunteer_for_matching(
    conn: Queryable, user_id: int, *, now: datetime | None = None
) -> MatchingProfile | None:
    """A volunteer's whole matching profile: (row, specialties, languages, availability,
    qualifications still valid at `now`), or None when they are not registered."""
    # One statement (it runs on /shifts, every sign-up and accept): the lists as group_concat
    # columns, split here. Codes never contain a comma.
    row = await conn.fetchone(
        "SELECT v.*, u.reachable, u.locale, u.language_code,"
        " (SELECT group_concat(specialty) FROM volunteer_specialties WHERE user_id = v.user_id)"
        "  AS matching_specialties,"
        " (SELECT group_concat(language) FROM volunteer_languages WHERE user_id = v.user_id)"
        "  AS matching_languages,"
        " (SELECT group_concat(weekday || ':' || period) FROM volunteer_availability"
        "  WHERE user_id = v.user_id) AS matching_availability,"
        " (SELECT group_concat(specialty) FROM qualifications WHERE user_id = v.user_id"
        "  AND (expires_at IS NULL OR ? IS NULL OR expires_at > ?)) AS matching_qualifications"
        " FROM volunteers v JOIN users u ON u.id = v.user_id WHERE v.user_id = ?",
        (ts(now), ts(now), user_id),
    )
    if row is None:
        return None

    def listed(column: str) -> list[str]:
        value = row[column]
        return value.split(",") if value else []

    specialties = set(listed("matching_specialties"))
    languages = set(listed("matching_languages"))
    availability = {
        (int(weekday), period)
        for weekday, period in (item.split(":", 1) for item in listed("matching_availability"))
    }
    qualifications = set(listed("matching_qualifications"))
    return row, specialties, languages, availability, qualifications


async def feasibility_counts(
    conn: Queryable,
    *,
    specialty: str,
    now: datetime,
    requires_training: bool,
    languages: Sequence[str],
    gender: str,
    born_by: str,
    periods: Iterable[tuple[int, str]],
    first_day: str,
    last_day: str,
    qualified_at: datetime,
) -> Row:
    """For one shift: the specialty's active, reachable volunteers (`specialty`), and how many of
    them have a qualification valid at `qualified_at` (`trained`), speak one of `languages`
    (`speakers`, and `lang_<i>` per language), are of `gender` (`gender_ok`), were born by
    `born_by` (`age_ok`), are available for `periods` from first_day to last_day
    (`available`); `eligible` meet all of them, `eligible_<i>` of those speak languages[i]."""
    mask = availability_mask(periods)
    flags = [
        "EXISTS (SELECT 1 FROM qualifications q WHERE q.user_id = v.user_id AND q.specialty = vs.specialty"
        " AND (q.expires_at IS NULL OR q.expires_at > ?)) AS trained",
        "(v.gender = ?) AS gender_ok",
        "(v.birth_date IS NOT NULL AND v.birth_date <= ?) AS age_ok",
        "((v.availability_mask & ?) = ? AND (v.available_from IS NULL OR v.available_from <= ?)"
        " AND (v.available_until IS NULL OR v.available_until >= ?)) AS available",
    ]
    params: list[Any] = [ts(qualified_at), gender, born_by, mask, mask, first_day, last_day]
    for index, language in enumerate(languages):
        flags.append(
            "EXISTS (SELECT 1 FROM volunteer_languages l WHERE l.user_id = v.user_id"
            f" AND l.language = ?) AS lang_{index}"
        )
        params.append(language)
    spoken = " OR ".join(f"c.lang_{i}" for i in range(len(languages))) or "1"
    all_of = (
        f"({'c.trained' if requires_training else '1'}) AND ({'c.gender_ok' if gender != 'any' else '1'})"
        f" AND c.age_ok AND c.available AND ({spoken})"
    )
    sums = [
        "COUNT(*) AS specialty", "COALESCE(SUM(c.trained), 0) AS trained",
        f"COALESCE(SUM(CASE WHEN {spoken} THEN 1 ELSE 0 END), 0) AS speakers",
        "COALESCE(SUM(c.gender_ok), 0) AS gender_ok", "COALESCE(SUM(c.age_ok), 0) AS age_ok",
        "COALESCE(SUM(c.available), 0) AS available",
        f"COALESCE(SUM(CASE WHEN {all_of} THEN 1 ELSE 0 END), 0) AS eligible",
    ]
    for index in range(len(languages)):
        sums.append(f"COALESCE(SUM(c.lang_{index}), 0) AS lang_{index}")
        sums.append(f"COALESCE(SUM(CASE WHEN {all_of} AND c.lang_{index} THEN 1 ELSE 0 END), 0)"
                    f" AS eligible_{index}")
    row = await conn.fetchone(
        f"SELECT {', '.join(sums)} FROM (SELECT {', '.join(flags)}"
        " FROM volunteer_specialties vs CROSS JOIN volunteers v ON v.user_id = vs.user_id"
        " CROSS JOIN users u ON u.id = v.user_id"
        " WHERE vs.specialty = ? AND (v.status = 'active' OR (v.status = 'paused'"
        " AND v.paused_until IS NOT NULL AND v.paused_until <= ?)) AND u.reachable = 1) c",
        (*params, specialty, ts(now)),
    )
    assert row is not None
    return row


# ================================================================================================
# outbox: what the sender delivers
# ================================================================================================


async def insert_outbox(
    tx: Tx, *, chat_id: int, method: str, payload: dict[str, Any], dedupe_key: str,
    priority: int, now: datetime, broadcast_id: int | None = None,
    deadline: datetime | None = None,
) -> bool:
    """Queue one message; False when that dedupe key was queued before (nothing changes)."""
    cursor = await tx.execute(
        "INSERT INTO outbox (chat_id, method, payload, dedupe_key, priority, next_attempt_at,"
        " created_at, broadcast_id, deadline_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        (chat_id, method, dumps(payload), dedupe_key, priority, ts(now), ts(now),
         broadcast_id, ts(deadline)),
    )
    return bool(cursor.rowcount == 1)


async def blank_outbox_payload(tx: Tx, outbox_id: int) -> None:
    """Forget what a queued or sent message said (the person it was about was erased)."""
    await tx.execute("UPDATE outbox SET payload = '{}' WHERE id = ?", (outbox_id,))


async def outbox_mentioning(conn: Queryable, needles: Sequence[str]) -> list[Row]:
    """Queued or sent messages to others whose text holds one of `needles` (a name, a phone):
    the cards to withdraw or edit when that person's data is erased."""
    needles = [n for n in needles if n and len(n) >= 3]
    if not needles:
        return []
    where = " OR ".join("payload LIKE ?" for _ in needles)
    return await conn.fetchall(
        f"SELECT * FROM outbox WHERE status IN ('pending', 'sent') AND ({where})",
        [f"%{needle}%" for needle in needles],
    )


async def cancel_pending_outbox_row(tx: Tx, outbox_id: int) -> bool:
    """Withdraw a message that has not been sent yet (e.g. an approval card already decided)."""
    cursor = await tx.execute(
        "UPDATE outbox SET status = 'cancelled' WHERE id = ? AND status = 'pending'", (outbox_id,)
    )
    return cursor.rowcount == 1


OUTBOX_FINAL_STATES = ("sent", "failed", "unreachable", "cancelled", "expired")


async def next_due_outbox(
    conn: Queryable,
    *,
    now: datetime,
    exclude_chats: Iterable[int] = (),
    exclude_ids: Iterable[int] = (),
) -> Row | None:
    """The next pending row due at `now`, urgent first, then oldest; with the recipient's
    `reachable` flag (NULL for chats that are not users). Busy chats are skipped."""
    chats, ids = list(exclude_chats), list(exclude_ids)
    sql = (
        "SELECT o.*, u.reachable AS user_reachable FROM outbox o"
        " LEFT JOIN users u ON u.id = o.chat_id"
        " WHERE o.status = 'pending' AND o.next_attempt_at <= ? AND o.claimed_at IS NULL"
    )
    if chats:
        sql += f" AND o.chat_id NOT IN ({','.join('?' for _ in chats)})"
    if ids:
        sql += f" AND o.id NOT IN ({','.join('?' for _ in ids)})"
    sql += " ORDER BY o.priority, o.id LIMIT 1"
    return await conn.fetchone(sql, (ts(now), *chats, *ids))


async def has_due_outbox(conn: Queryable, *, now: datetime) -> bool:
    row = await conn.fetchone(
        "SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1",
        (ts(now),),
    )
    return row is not None


async def claim_outbox(tx: Tx, outbox_id: int, *, now: datetime) -> bool:
    """Take a pending row for one send (on the writer, so a stale read cannot send a row that
    is already sent or in flight); False when it is not pending and free any more."""
    cursor = await tx.execute(
        "UPDATE outbox SET claimed_at = ? WHERE id = ? AND status = 'pending'"
        " AND claimed_at IS NULL",
        (ts(now), outbox_id),
    )
    return cursor.rowcount == 1


async def release_outbox_claims(tx: Tx) -> list[Row]:
    """Rows claimed by a sender that died mid-send (their outcome is unknown): free them for
    another try, counting the uncertainty. Returns them as they were."""
    rows = await tx.fetchall(
        "SELECT id, chat_id, uncertain FROM outbox WHERE status = 'pending'"
        " AND claimed_at IS NOT NULL"
    )
    await tx.execute(
        "UPDATE outbox SET claimed_at = NULL, uncertain = uncertain + 1"
        " WHERE status = 'pending' AND claimed_at IS NOT NULL"
    )
    return rows


async def get_outbox(conn: Queryable, outbox_id: int) -> Row | None:
    return await conn.fetchone("SELECT * FROM outbox WHERE id = ?", (outbox_id,))


async def finish_outbox(
    tx: Tx,
    outbox_id: int,
    *,
    status: str,
    now: datetime,
    message_id: int | None = None,
    error: str | None = None,
    attempted: bool = True,
) -> None:
    """Record a row's final state (sent, failed, unreachable, expired); only a pending row
    changes."""
    if status not in OUTBOX_FINAL_STATES:
        raise ValueError(f"not a final outbox state: {status!r}")
    await tx.execute(
        "UPDATE outbox SET status = ?, message_id = ?, error = ?, sent_at = ?,"
        " attempts = attempts + ?, claimed_at = NULL WHERE id = ? AND status = 'pending'",
        (status, message_id, error, ts(now) if status == "sent" else None, int(attempted), outbox_id),
    )


async def retry_outbox_later(
    tx: Tx,
    outbox_id: int,
    *,
    next_attempt_at: datetime,
    error: str,
    attempted: bool = True,
    uncertain: bool = False,
) -> None:
    """Keep a row pending for another try at `next_attempt_at` (and free its claim);
    `uncertain`: this try's outcome is unknown, Telegram may have delivered it."""
    await tx.execute(
        "UPDATE outbox SET next_attempt_at = ?, error = ?, attempts = attempts + ?,"
        " uncertain = uncertain + ?, claimed_at = NULL WHERE id = ? AND status = 'pending'",
        (ts(next_attempt_at), error, int(attempted), int(uncertain), outbox_id),
    )


async def outbox_queue_ahead(conn: Queryable, broadcast_id: int) -> int:
    """Pending rows the sender takes before the last pending row of a broadcast, that one
    included: the basis of its estimated finish time."""
    last = await conn.fetchone(
        "SELECT priority, MAX(id) AS last_id FROM outbox"
        " WHERE broadcast_id = ? AND status = 'pending'",
        (broadcast_id,),
    )
    if last is None or last["last_id"] is None:
        return 0
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
            " AND (priority < ? OR (priority = ? AND id <= ?))",
            (last["priority"], last["priority"], last["last_id"]),
        )
    )


async def outbox_by_key(conn: Queryable, dedupe_key: str) -> Row | None:
    return await conn.fetchone("SELECT * FROM outbox WHERE dedupe_key = ?", (dedupe_key,))


async def cancel_pending_outbox(tx: Tx, dedupe_keys: Sequence[str]) -> int:
    """Withdraw messages that have not been sent yet; returns how many."""
    if not dedupe_keys:
        return 0
    cursor = await tx.execute(
        f"UPDATE outbox SET status = 'cancelled' WHERE status = 'pending'"
        f" AND dedupe_key IN ({_marks(dedupe_keys)})",
        tuple(dedupe_keys),
    )
    return int(cursor.rowcount)


async def count_due_outbox(conn: Queryable, *, now: datetime) -> int:
    """Pending outbox rows due by `now`: the console waits for them to be delivered."""
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?",
            (ts(now),),
        )
    )


async def outbox_by_keys(conn: Queryable, dedupe_keys: Sequence[str]) -> dict[str, Row]:
    """`outbox_by_key` for many keys at once, by key; keys never stored are left out."""
    found: dict[str, Row] = {}
    keys = list(dedupe_keys)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for row in await conn.fetchall(
            f"SELECT * FROM outbox WHERE dedupe_key IN ({_marks(chunk)})", tuple(chunk)
        ):
            found[row["dedupe_key"]] = row
    return found


async def cancel_pending_outbox_rows(tx: Tx, outbox_ids: Sequence[int]) -> int:
    """`cancel_pending_outbox_row` for many rows in one statement; returns how many."""
    if not outbox_ids:
        return 0
    cursor = await tx.execute(
        f"UPDATE outbox SET status = 'cancelled' WHERE id IN ({_marks(outbox_ids)})"
        " AND status = 'pending'",
        tuple(outbox_ids),
    )
    return int(cursor.rowcount)


class OutboxRow(NamedTuple):
    """One message for `insert_outbox_many`, the same fields as `insert_outbox` takes."""

    chat_id: int
    method: str
    payload: dict[str, Any]
    dedupe_key: str
    priority: int
    deadline: datetime | None = None


async def insert_outbox_many(tx: Tx, rows: Sequence[OutboxRow], *, now: datetime) -> None:
    """`insert_outbox` for many messages in one statement (keys stored before are skipped)."""
    if not rows:
        return
    await tx.executemany(
        "INSERT INTO outbox (chat_id, method, payload, dedupe_key, priority, next_attempt_at,"
        " created_at, broadcast_id, deadline_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        [
            (r.chat_id, r.method, dumps(r.payload), r.dedupe_key, r.priority, ts(now), ts(now),
             ts(r.deadline))
            for r in rows
        ],
    )


# ================================================================================================
# broadcasts and their audiences
# ================================================================================================


def audience_select(audience: Audience, *, now: datetime) -> tuple[str, list[Any]]:
    """`SELECT chat_id ...` of everyone in an audience who can still be reached."""
    params: list[Any] = []

    def marks(values: Sequence[Any]) -> str:
        params.extend(values)
        return ",".join("?" for _ in values)

    if audience.kind == AUDIENCE_STAFF:
        return (
            "SELECT u.id AS chat_id FROM users u"
            " WHERE u.role IN ('coordinator', 'admin') AND u.reachable = 1",
            params,
        )
    if audience.kind == AUDIENCE_REPS:
        sql = (
            "SELECT DISTINCT u.id AS chat_id FROM users u"
            " JOIN entity_members m ON m.user_id = u.id JOIN entities e ON e.id = m.entity_id"
            " WHERE m.removed_at IS NULL AND e.active = 1 AND u.reachable = 1"
        )
        if audience.entity_ids:
            sql += f" AND m.entity_id IN ({marks(audience.entity_ids)})"
        return sql, params
    # Volunteers holding a shift still hear about it while they pause new offers.
    statuses = ("active", "paused") if audience.assignment_based else ("active",)
    sql = (
        "SELECT v.user_id AS chat_id FROM volunteers v JOIN users u ON u.id = v.user_id"
        f" WHERE u.reachable = 1 AND v.status IN ({marks(statuses)})"
    )
    if audience.specialties:
        sql += (
            " AND EXISTS (SELECT 1 FROM volunteer_specialties s WHERE s.user_id = v.user_id"
            f" AND s.specialty IN ({marks(audience.specialties)}))"
        )
    if audience.languages:
        sql += (
            " AND EXISTS (SELECT 1 FROM volunteer_languages l WHERE l.user_id = v.user_id"
            f" AND l.language IN ({marks(audience.languages)}))"
        )
    if audience.genders:
        sql += f" AND v.gender IN ({marks(audience.genders)})"
    if audience.cities:
        sql += f" AND v.city IN ({marks(audience.cities)})"
    holding = (
        " AND EXISTS (SELECT 1 FROM assignments a JOIN shifts sh ON sh.id = a.shift_id"
        " WHERE a.volunteer_id = v.user_id AND a.status IN ({states})"
        " AND sh.status <> 'cancelled'{extra})"
    )
    if audience.shift_id is not None:
        sql += holding.format(states=marks(ON_SHIFT_STATES), extra=" AND sh.id = ?")
        params.append(audience.shift_id)
    elif audience.need_id is not None:
        sql += holding.format(states=marks(ON_SHIFT_STATES), extra=" AND sh.need_id = ?")
        params.append(audience.need_id)
    if audience.on_shift_now:
        sql += holding.format(
            states=marks(ON_SHIFT_STATES), extra=" AND sh.starts_at <= ? AND sh.ends_at > ?"
        )
        params.extend((ts(now), ts(now)))
    return sql, params


async def count_audience(conn: Queryable, audience: Audience, *, now: datetime) -> int:
    sql, params = audience_select(audience, now=now)
    return int(await conn.fetchval(f"SELECT COUNT(*) FROM ({sql})", params))


@dataclass(frozen=True)
class BroadcastCopy:
    """The coordinator's message a broadcast copies to every recipient (copyMessage)."""

    chat_id: int
    message_id: int
    kind: str  # photo | document | location


async def create_broadcast(
    tx: Tx,
    *,
    created_by: int,
    audience: Audience,
    text: str,
    parse_mode: str | None,
    priority: int,
    now: datetime,
    draft_key: str | None = None,
    copy: BroadcastCopy | None = None,
) -> tuple[int, int]:
    """A broadcast row and one outbox row per recipient, in one statement; (id, recipients).
    Outbox rows carry an empty payload: the sender reads the text (or, for a broadcast that
    carries a file or a location, the message to copy: `copy`) from the broadcast.
    `draft_key` (unique) is the draft it was sent from."""
    cursor = await tx.execute(
        "INSERT INTO broadcasts (created_by, created_at, audience, text, parse_mode, priority,"
        " draft_key, copy_chat_id, copy_message_id, copy_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            created_by, ts(now), dumps(audience.to_dict()), text, parse_mode, priority, draft_key,
            copy.chat_id if copy else None, copy.message_id if copy else None, copy.kind if copy else None,
        ),
    )
    broadcast_id = _new_id(cursor)
    select, params = audience_select(audience, now=now)
    cursor = await tx.execute(
        "INSERT INTO outbox (chat_id, method, payload, dedupe_key, priority, next_attempt_at,"
        " created_at, broadcast_id)"
        " SELECT r.chat_id, ?, '{}', 'bc:' || ? || ':' || r.chat_id, ?, ?, ?, ?"
        f" FROM ({select}) AS r WHERE 1 ORDER BY r.chat_id"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        (
            "copyMessage" if copy else "sendMessage", broadcast_id, priority, ts(now), ts(now),
            broadcast_id, *params,
        ),
    )
    recipients = int(cursor.rowcount)
    await tx.execute(
        "UPDATE broadcasts SET recipients = ? WHERE id = ?", (recipients, broadcast_id)
    )
    return broadcast_id, recipients


async def get_broadcast(conn: Queryable, broadcast_id: int) -> Row | None:
    return await conn.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))


async def recent_broadcasts(conn: Queryable, *, limit: int = 5) -> list[Row]:
    return await conn.fetchall("SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,))


async def broadcast_progress(conn: Queryable, broadcast_id: int) -> dict[str, int]:
    """Rows of a broadcast by status: pending, sent, failed, unreachable, cancelled."""
    rows = await conn.fetchall(
        "SELECT status, COUNT(*) AS n FROM outbox WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    counts = dict.fromkeys(("pending", *OUTBOX_FINAL_STATES), 0)
    counts.update({row["status"]: int(row["n"]) for row in rows})
    return counts


async def broadcast_has_pending(conn: Queryable, broadcast_id: int) -> bool:
    row = await conn.fetchone(
        "SELECT 1 FROM outbox WHERE broadcast_id = ? AND status = 'pending' LIMIT 1",
        (broadcast_id,),
    )
    return row is not None


async def mark_broadcast_finished(tx: Tx, broadcast_id: int, *, now: datetime) -> bool:
    """True the first time only, so the summary is sent once."""
    cursor = await tx.execute(
        "UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
        (ts(now), broadcast_id),
    )
    return cursor.rowcount == 1


async def stop_broadcast(tx: Tx, broadcast_id: int, *, by: int, now: datetime) -> int:
    """Cancel what is still queued of a broadcast; returns how many rows were cancelled."""
    cursor = await tx.execute(
        "UPDATE outbox SET status = 'cancelled', error = 'stopped by a coordinator'"
        " WHERE broadcast_id = ? AND status = 'pending'",
        (broadcast_id,),
    )
    await tx.execute(
        "UPDATE broadcasts SET stopped_at = ?, stopped_by = ? WHERE id = ? AND stopped_at IS NULL",
        (ts(now), by, broadcast_id),
    )
    return int(cursor.rowcount)


async def broadcast_need_choices(conn: Queryable, *, now: datetime, limit: int = 20) -> list[Row]:
    """Approved needs with a shift not yet over, newest first, for the audience picker."""
    return await conn.fetchall(
        "SELECT n.id, n.title, n.site_name FROM needs n WHERE n.status = 'approved'"
        " AND EXISTS (SELECT 1 FROM shifts s WHERE s.need_id = n.id AND s.status <> 'cancelled'"
        " AND s.ends_at > ?) ORDER BY n.id DESC LIMIT ?",
        (ts(now), limit),
    )


async def broadcast_shift_choices(
    conn: Queryable, need_id: int, *, now: datetime, limit: int = 20
) -> list[Row]:
    """Shifts of a need not yet over, soonest first."""
    return await conn.fetchall(
        "SELECT id, starts_at, ends_at FROM shifts WHERE need_id = ? AND status <> 'cancelled'"
        " AND ends_at > ? ORDER BY starts_at, id LIMIT ?",
        (need_id, ts(now), limit),
    )


async def broadcast_entity_choices(conn: Queryable) -> list[Row]:
    """Active entities that have at least one representative."""
    return await conn.fetchall(
        "SELECT e.id, e.name_ar, e.name_en FROM entities e WHERE e.active = 1"
        " AND EXISTS (SELECT 1 FROM entity_members m WHERE m.entity_id = e.id"
        " AND m.removed_at IS NULL) ORDER BY e.name_en, e.id"
    )


async def broadcast_by_draft_key(conn: Queryable, draft_key: str) -> Row | None:
    """The broadcast already sent from this draft, if any."""
    return await conn.fetchone("SELECT * FROM broadcasts WHERE draft_key = ?", (draft_key,))


async def broadcast_audience_names(conn: Queryable, audience: Audience) -> AudienceNames:
    """The rows that name what an audience refers to: its entities, its need, its shift."""
    entities: tuple[dict[str, Any], ...] = ()
    if audience.kind == AUDIENCE_REPS and audience.entity_ids:
        entities = tuple(dict(row) for row in await broadcast_entity_choices(conn))
    need = await get_need(conn, audience.need_id) if audience.need_id is not None else None
    shift = await get_shift(conn, audience.shift_id) if audience.shift_id is not None else None
    return AudienceNames(
        entities=entities, need=dict(need) if need else None, shift=dict(shift) if shift else None
    )


async def broadcast_progress_list(conn: Queryable, *, limit: int) -> list[BroadcastProgress]:
    """The latest broadcasts, newest first, with what their progress list shows."""
    listed = []
    for row in await recent_broadcasts(conn, limit=limit):
        audience = Audience.from_dict(json.loads(row["audience"] or "{}"))
        counts = await broadcast_progress(conn, row["id"])
        listed.append(
            BroadcastProgress(
                broadcast=dict(row),
                audience=audience,
                names=await broadcast_audience_names(conn, audience),
                counts=counts,
                ahead=await outbox_queue_ahead(conn, row["id"]) if counts["pending"] else 0,
            )
        )
    return listed


# ================================================================================================
# training sessions, and the qualifications they grant
# ================================================================================================


async def completed_trainings(
    conn: Queryable, volunteer_id: int, *, since: datetime, until: datetime
) -> list[Row]:
    """Qualifications the volunteer earned at a session in [since, until): title, kind,
    specialty, starts_at, granted_at, expires_at."""
    return await conn.fetchall(
        "SELECT t.title, t.kind, t.specialty, t.starts_at, q.granted_at, q.expires_at"
        " FROM qualifications q JOIN training_sessions t ON t.id = q.session_id"
        " WHERE q.user_id = ? AND q.granted_at >= ? AND q.granted_at < ? ORDER BY q.granted_at",
        (volunteer_id, ts(since), ts(until)),
    )


async def entity_need_specialties(conn: Queryable, entity_ids: Sequence[int]) -> list[str]:
    """The specialties the entities' needs (of any status but rejected) use."""
    if not entity_ids:
        return []
    marks = ",".join("?" for _ in entity_ids)
    rows = await conn.fetchall(
        f"SELECT DISTINCT specialty FROM needs WHERE entity_id IN ({marks}) AND status <> 'rejected'",
        tuple(entity_ids),
    )
    return order_specialties([r[0] for r in rows])


async def insert_training_session(
    tx: Tx, *, kind: str, specialty: str | None, title: str, trainer: str, place: str | None,
    latitude: float | None, longitude: float | None, link: str | None, starts_at: datetime,
    ends_at: datetime, capacity: int, validity_months: int | None, entity_id: int | None,
    created_by: int, draft_key: str, now: datetime,
) -> int | None:
    """The new session's id, or None when the draft `draft_key` was submitted already."""
    cursor = await tx.execute(
        "INSERT INTO training_sessions (kind, specialty, title, trainer, place, latitude, longitude,"
        " link, starts_at, ends_at, capacity, validity_months, entity_id, created_by, created_at,"
        " draft_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (draft_key) DO NOTHING",
        (kind, specialty, title, trainer, place, latitude, longitude, link, ts(starts_at),
         ts(ends_at), capacity, validity_months, entity_id, created_by, ts(now), draft_key),
    )
    return int(cursor.lastrowid or 0) if cursor.rowcount == 1 else None


async def get_training_session(
    conn: Queryable, *, session_id: int | None = None, draft_key: str | None = None
) -> Row | None:
    column, value = ("id", session_id) if session_id is not None else ("draft_key", draft_key)
    return await conn.fetchone(f"SELECT * FROM training_sessions WHERE {column} = ?", (value,))


async def upcoming_training_sessions(conn: Queryable, *, now: datetime, limit: int) -> list[Row]:
    return await conn.fetchall(
        "SELECT * FROM training_sessions WHERE status = 'scheduled' AND ends_at > ?"
        " ORDER BY starts_at, id LIMIT ?",
        (ts(now), limit),
    )


async def office_entity(tx: Tx, *, name_ar: str, name_en: str, created_by: int, now: datetime) -> int:
    """The office's own entity (coordinators' sessions belong to it), made once, inactive."""
    found = await tx.fetchval("SELECT id FROM entities WHERE is_office = 1 ORDER BY id LIMIT 1")
    if found is not None:
        return int(found)
    cursor = await tx.execute(
        "INSERT INTO entities (name_ar, name_en, kind, active, created_at, created_by, is_office)"
        " VALUES (?, ?, 'government', 0, ?, ?, 1)",
        (name_ar, name_en, ts(now), created_by),
    )
    return _new_id(cursor)


async def insert_session_shift(
    tx: Tx, *, session_id: int, entity_id: int, created_by: int, specialty: str, title: str,
    site_name: str, latitude: float | None, longitude: float | None, notes: str | None,
    starts_at: datetime, ends_at: datetime, slots: int, start_time: str, end_time: str,
    first_day: str, last_day: str, now: datetime,
) -> int:
    """The approved need of one shift that carries a session through dispatch; the shift's id."""
    cursor = await tx.execute(
        "INSERT INTO needs (entity_id, created_by, title, specialty, site_name, latitude, longitude,"
        " first_day, last_day, start_time, end_time, slots, notes, status, submitted_at,"
        " decided_at, decided_by, session_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'approved', ?, ?, ?, ?)",
        (entity_id, created_by, title, specialty, site_name, latitude, longitude, first_day,
         last_day, start_time, end_time, slots, notes, ts(now), ts(now), created_by, session_id),
    )
    need_id = _new_id(cursor)
    cursor = await tx.execute(
        "INSERT INTO shifts (need_id, starts_at, ends_at, slots) VALUES (?, ?, ?, ?)",
        (need_id, ts(starts_at), ts(ends_at), slots),
    )
    shift_id = _new_id(cursor)
    await tx.execute(
        "UPDATE training_sessions SET shift_id = ? WHERE id = ?", (shift_id, session_id)
    )
    return shift_id


async def set_session_audience(tx: Tx, session_id: int, audience: str | None) -> None:
    await tx.execute("UPDATE training_sessions SET audience = ? WHERE id = ?", (audience, session_id))


async def sessions_by_id(conn: Queryable, session_ids: Sequence[int]) -> dict[int, Row]:
    found: dict[int, Row] = {}
    for chunk in _chunks(list(session_ids)):
        for row in await conn.fetchall(
            f"SELECT * FROM training_sessions WHERE id IN ({_marks(chunk)})", tuple(chunk)
        ):
            found[int(row["id"])] = row
    return found


async def lasting_qualified(
    conn: Queryable, specialty: str, *, until: datetime
) -> set[int]:
    """Volunteers whose qualification in `specialty` is still valid at `until` (a training of
    that specialty is not offered to them; those about to lose it are invited)."""
    rows = await conn.fetchall(
        "SELECT user_id FROM qualifications WHERE specialty = ?"
        " AND (expires_at IS NULL OR expires_at > ?)",
        (specialty, ts(until)),
    )
    return {int(r[0]) for r in rows}


async def grant_session_qualification(
    tx: Tx, *, user_id: int, specialty: str, session_id: int, granted_by: int | None,
    expires_at: datetime | None, now: datetime,
) -> bool:
    """Record (or renew) a qualification earned at a session; False when this session granted
    it already. A qualification granted by hand (no expiry) stays without one."""
    cursor = await tx.execute(
        "INSERT INTO qualifications (user_id, specialty, granted_by, granted_at, expires_at, session_id)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, specialty) DO UPDATE SET"
        " granted_by = excluded.granted_by, granted_at = excluded.granted_at,"
        " expires_at = excluded.expires_at, session_id = excluded.session_id, expiry_told_at = NULL"
        " WHERE qualifications.expires_at IS NOT NULL"
        " AND (qualifications.session_id IS NULL OR qualifications.session_id <> excluded.session_id)",
        (user_id, specialty, granted_by, ts(now), ts(expires_at), session_id),
    )
    return cursor.rowcount == 1


async def get_qualification(conn: Queryable, user_id: int, specialty: str) -> Row | None:
    return await conn.fetchone(
        "SELECT * FROM qualifications WHERE user_id = ? AND specialty = ?", (user_id, specialty)
    )


async def qualifications_expiring(
    conn: Queryable, *, now: datetime, until: datetime, limit: int
) -> list[Row]:
    """Valid qualifications that run out by `until` and whose holder was not told yet, with the
    holder's locale."""
    return await conn.fetchall(
        "SELECT q.user_id, q.specialty, q.expires_at, u.locale, u.language_code"
        " FROM qualifications q JOIN users u ON u.id = q.user_id"
        " JOIN volunteers v ON v.user_id = q.user_id"
        " WHERE q.expires_at IS NOT NULL AND q.expires_at > ? AND q.expires_at <= ?"
        " AND q.expiry_told_at IS NULL AND v.status IN ('active', 'paused') AND u.reachable = 1"
        " ORDER BY q.expires_at, q.user_id LIMIT ?",
        (ts(now), ts(until), limit),
    )


async def mark_expiry_told(tx: Tx, user_id: int, specialty: str, *, now: datetime) -> bool:
    cursor = await tx.execute(
        "UPDATE qualifications SET expiry_told_at = ? WHERE user_id = ? AND specialty = ?"
        " AND expiry_told_at IS NULL",
        (ts(now), user_id, specialty),
    )
    return cursor.rowcount == 1


async def upcoming_sessions_of(
    conn: Queryable, specialty: str, *, now: datetime, limit: int = 3
) -> list[Row]:
    return await conn.fetchall(
        "SELECT * FROM training_sessions WHERE status = 'scheduled' AND kind = 'training'"
        " AND specialty = ? AND starts_at > ? ORDER BY starts_at, id LIMIT ?",
        (specialty, ts(now), limit),
    )


async def session_list(conn: Queryable, *, now: datetime, limit: int, offset: int) -> tuple[int, list[Row]]:
    """(how many, one page of) sessions not ended yet, soonest first, with their fill counts."""
    where = " WHERE t.status = 'scheduled' AND t.ends_at > ?"
    total = await conn.fetchval(f"SELECT COUNT(*) FROM training_sessions t{where}", (ts(now),))
    rows = await conn.fetchall(
        "SELECT t.*,"
        f" (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = t.shift_id"
        f"  AND a.status IN ({_marks(TAKEN_STATUSES)})) AS taken,"
        " (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = t.shift_id"
        "  AND a.status = 'waitlisted') AS waitlisted"
        f" FROM training_sessions t{where} ORDER BY t.starts_at, t.id LIMIT ? OFFSET ?",
        (*TAKEN_STATUSES, ts(now), limit, offset),
    )
    return int(total or 0), rows


async def qualified_count(conn: Queryable, specialty: str, *, now: datetime) -> int:
    """Active volunteers holding a valid qualification in `specialty`."""
    return int(await conn.fetchval(
        "SELECT COUNT(*) FROM qualifications q JOIN volunteers v ON v.user_id = q.user_id"
        " WHERE q.specialty = ? AND (q.expires_at IS NULL OR q.expires_at > ?)"
        " AND v.status = 'active'",
        (specialty, ts(now)),
    ) or 0)


async def stats_trainings(conn: Queryable, *, now: datetime, since: datetime) -> Row:
    """Sessions ahead; sessions held since `since` with their places taken and attendance."""
    row = await conn.fetchone(
        "SELECT"
        " (SELECT COUNT(*) FROM training_sessions WHERE status = 'scheduled' AND starts_at > ?) AS ahead,"
        " (SELECT COUNT(*) FROM training_sessions WHERE status <> 'cancelled' AND starts_at <= ?"
        "  AND starts_at >= ?) AS held,"
        " (SELECT COUNT(*) FROM assignments a JOIN training_sessions t ON t.shift_id = a.shift_id"
        f"  WHERE t.starts_at <= ? AND t.starts_at >= ? AND a.status IN ({_marks(TAKEN_STATUSES)})) AS taken,"
        " (SELECT COUNT(*) FROM assignments a JOIN training_sessions t ON t.shift_id = a.shift_id"
        "  WHERE t.starts_at <= ? AND t.starts_at >= ? AND a.status IN ('checked_in', 'completed')) AS attended",
        (ts(now), ts(now), ts(since), ts(now), ts(since), *TAKEN_STATUSES, ts(now), ts(since)),
    )
    assert row is not None
    return row


async def stats_qualified(conn: Queryable, *, now: datetime, expiring_by: datetime) -> list[Row]:
    """Per specialty: active volunteers holding a valid qualification (qualified) and how many
    of those run out by `expiring_by` (expiring)."""
    return await conn.fetchall(
        "SELECT q.specialty, COUNT(*) AS qualified,"
        " SUM(CASE WHEN q.expires_at IS NOT NULL AND q.expires_at <= ? THEN 1 ELSE 0 END) AS expiring"
        " FROM qualifications q JOIN volunteers v ON v.user_id = q.user_id"
        " WHERE v.status = 'active' AND (q.expires_at IS NULL OR q.expires_at > ?)"
        " GROUP BY q.specialty ORDER BY qualified DESC, q.specialty",
        (ts(expiring_by), ts(now)),
    )


async def export_training_sessions(conn: Queryable) -> list[Row]:
    return await conn.fetchall(
        "SELECT t.*,"
        " (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = t.shift_id) AS invited,"
        f" (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = t.shift_id"
        f"  AND a.status IN ({_marks(TAKEN_STATUSES)})) AS taken,"
        " (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = t.shift_id"
        "  AND a.status IN ('checked_in', 'completed')) AS attended"
        " FROM training_sessions t ORDER BY t.starts_at, t.id",
        tuple(TAKEN_STATUSES),
    )


async def export_qualifications(conn: Queryable) -> list[Row]:
    return await conn.fetchall(
        "SELECT q.user_id, v.full_name, q.specialty, q.granted_at, q.expires_at, q.session_id"
        " FROM qualifications q JOIN volunteers v ON v.user_id = q.user_id"
        " WHERE v.status <> 'deleted' ORDER BY q.specialty, q.expires_at, q.user_id"
    )


# ================================================================================================
# certificates: issued hours certificates and the hours they state
# ================================================================================================


async def certificate_hours(
    conn: Queryable, volunteer_id: int, *, since: datetime, until: datetime
) -> list[Row]:
    """Hours of the volunteer's completed shifts that started in [since, until), one row per
    specialty and entity: specialty, entity_id, name_ar, name_en, hours; `training` is 1 for
    the hours of training sessions and lectures (their own category)."""
    return await conn.fetchall(
        f"SELECT n.specialty, e.id AS entity_id, e.name_ar, e.name_en, SUM({shift_hours()}) AS hours,"
        " CASE WHEN n.session_id IS NULL THEN 0 ELSE 1 END AS training"
        " FROM assignments a JOIN shifts s ON s.id = a.shift_id JOIN needs n ON n.id = s.need_id"
        " JOIN entities e ON e.id = n.entity_id"
        " WHERE a.volunteer_id = ? AND a.status = 'completed' AND s.starts_at >= ? AND s.starts_at < ?"
        " GROUP BY n.specialty, e.id, e.name_ar, e.name_en, training ORDER BY hours DESC, e.id",
        (volunteer_id, ts(since), ts(until)),
    )


async def entity_volunteer_hours(
    conn: Queryable, entity_id: int, *, since: datetime, until: datetime, limit: int, offset: int
) -> tuple[int, list[Row]]:
    """(how many volunteers, one page of them) with their completed hours for the entity's
    shifts that started in [since, until): volunteer_id, full_name, shifts, hours."""
    base = (
        " FROM assignments a JOIN shifts s ON s.id = a.shift_id JOIN needs n ON n.id = s.need_id"
        " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id"
        " WHERE n.entity_id = ? AND a.status = 'completed' AND s.starts_at >= ? AND s.starts_at < ?"
    )
    params = (entity_id, ts(since), ts(until))
    total = await conn.fetchval(f"SELECT COUNT(DISTINCT a.volunteer_id){base}", params)
    rows = await conn.fetchall(
        "SELECT a.volunteer_id, v.full_name, v.status, COUNT(*) AS shifts,"
        f" SUM({shift_hours()}) AS hours{base}"
        " GROUP BY a.volunteer_id, v.full_name, v.status ORDER BY hours DESC, a.volunteer_id"
        " LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return int(total or 0), rows


async def insert_certificate(
    tx: Tx, *, code: str, volunteer_id: int, period_from: date, period_to: date, hours: float,
    facts: dict[str, Any], locale: str, issued_by: int, request_key: str | None, now: datetime,
) -> int | None:
    """The certificate's id, or None when `request_key` was used already."""
    cursor = await tx.execute(
        "INSERT INTO certificates (code, volunteer_id, period_from, period_to, hours, facts,"
        " locale, issued_at, issued_by, request_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (request_key) DO NOTHING",
        (code, volunteer_id, period_from.isoformat(), period_to.isoformat(), hours, dumps(facts),
         locale, ts(now), issued_by, request_key),
    )
    return int(cursor.lastrowid or 0) if cursor.rowcount == 1 else None


async def get_certificate(
    conn: Queryable, *, code: str | None = None, request_key: str | None = None
) -> Row | None:
    """A certificate by its verification code or by the request that issued it, with the
    holder's current name (None once they deleted their data) as full_name."""
    column, value = ("c.code", code) if code is not None else ("c.request_key", request_key)
    return await conn.fetchone(
        "SELECT c.*, CASE WHEN v.status = 'deleted' THEN NULL ELSE v.full_name END AS full_name"
        f" FROM certificates c LEFT JOIN volunteers v ON v.user_id = c.volunteer_id WHERE {column} = ?",
        (value,),
    )


# ================================================================================================
# conversations and scratch data (PTB persistence; see bot/persistence.py)
# ================================================================================================


async def load_conversations(conn: Queryable, name: str) -> list[Row]:
    return await conn.fetchall(
        "SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)
    )


async def save_conversation(tx: Tx, name: str, key: str, state: str | None) -> None:
    if state is None:
        await tx.execute(
            "DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (name, key)
        )
    else:
        await tx.execute(
            "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)"
            " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            (name, key, state),
        )


async def load_scratch(conn: Queryable, kind: str) -> list[Row]:
    return await conn.fetchall("SELECT owner_id, data FROM ptb_data WHERE kind = ?", (kind,))


async def save_scratch(tx: Tx, kind: str, owner_id: int, data: str | None) -> None:
    if data is None:
        await tx.execute("DELETE FROM ptb_data WHERE kind = ? AND owner_id = ?", (kind, owner_id))
    else:
        await tx.execute(
            "INSERT INTO ptb_data (kind, owner_id, data) VALUES (?, ?, ?)"
            " ON CONFLICT (kind, owner_id) DO UPDATE SET data = excluded.data",
            (kind, owner_id, data),
        )


# ================================================================================================
# heartbeats, backups and health
# ================================================================================================


async def record_heartbeat(tx: Tx, name: str, *, now: datetime, detail: dict[str, Any]) -> None:
    await tx.execute(
        "INSERT INTO heartbeats (name, at, detail) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET at = excluded.at, detail = excluded.detail",
        (name, ts(now), dumps(detail)),
    )


async def heartbeats(conn: Queryable) -> dict[str, Row]:
    return {row["name"]: row for row in await conn.fetchall("SELECT * FROM heartbeats")}


async def outbox_health(conn: Queryable) -> dict[str, int]:
    """Messages waiting (pending), and how many ended failed or expired, ever."""
    rows = await conn.fetchall(
        "SELECT status, COUNT(*) AS n FROM outbox"
        " WHERE status IN ('pending', 'failed', 'expired') GROUP BY status"
    )
    counts = {"pending": 0, "failed": 0, "expired": 0}
    counts.update({row["status"]: int(row["n"]) for row in rows})
    return counts


# ================================================================================================
# reports: /stats and /export (read-only aggregates over every table)
# ================================================================================================


async def stats_volunteers(conn: Queryable, *, since: datetime) -> dict[str, int]:
    """Volunteers by status, and how many registered since `since`."""
    rows = await conn.fetchall(  # counted by triggers (migration 0128)
        "SELECT status, volunteers AS n FROM volunteer_counts WHERE volunteers > 0"
    )
    counts = {row["status"]: int(row["n"]) for row in rows}
    counts["new"] = int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM volunteers WHERE status != 'deleted' AND registered_at >= ?",
            (ts(since),),
        )
    )
    counts["unreachable"] = int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM volunteers v JOIN users u ON u.id = v.user_id"
            " WHERE v.status != 'deleted' AND u.reachable = 0"
        )
    )
    return counts


async def stats_specialties(conn: Queryable) -> list[Row]:
    """Active volunteers per specialty, most first (counted by triggers, migration 0062)."""
    return await conn.fetchall(
        "SELECT specialty, volunteers AS n FROM specialty_counts WHERE volunteers > 0"
        " ORDER BY n DESC, specialty"
    )


async def stats_fill_by_shift(conn: Queryable, *, now: datetime, until: datetime) -> list[Row]:
    """Open shifts of approved needs starting in [now, until): starts_at, specialty, slots and
    places taken, for the fill-rate chart."""
    return await conn.fetchall(
        "SELECT s.starts_at, n.specialty, s.slots,"
        " (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = s.id"
        f"  AND a.status IN {status_in(HOLDS_PLACE)}) AS accepted"
        " FROM shifts s JOIN needs n ON n.id = s.need_id"
        " WHERE n.status = 'approved' AND s.status = 'open' AND s.starts_at >= ? AND s.starts_at < ?"
        " ORDER BY s.starts_at",
        (ts(now), ts(until)),
    )


async def stats_offer_funnel(conn: Queryable, *, since: datetime) -> Row:
    """Offers made since `since`: how many, and how many were accepted, declined or expired."""
    return await _aggregate(
        conn,
        "SELECT COUNT(*) AS offered,"
        " COALESCE(SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS accepted,"
        " COALESCE(SUM(CASE WHEN status = 'declined' THEN 1 ELSE 0 END), 0) AS declined,"
        " COALESCE(SUM(CASE WHEN status = 'expired' THEN 1 ELSE 0 END), 0) AS expired"
        " FROM assignments WHERE offered_at >= ?",
        (ts(since),),
    )


async def stats_needs(conn: Queryable) -> dict[str, int]:
    rows = await conn.fetchall("SELECT status, COUNT(*) AS n FROM needs GROUP BY status")
    return {row["status"]: int(row["n"]) for row in rows}


async def _aggregate(conn: Queryable, sql: str, params: Sequence[Any]) -> Row:
    """An aggregate SELECT, which always returns its one row."""
    row = await conn.fetchone(sql, params)
    if row is None:
        raise RuntimeError("an aggregate query returned no row")
    return row


async def stats_upcoming_shifts(conn: Queryable, *, now: datetime, until: datetime) -> Row:
    """Open shifts of approved needs starting in [now, until): count, slots, accepted, unfilled."""
    return await _aggregate(conn,
        "SELECT COUNT(*) AS shifts, COALESCE(SUM(slots), 0) AS slots,"
        " COALESCE(SUM(accepted), 0) AS accepted,"
        " COALESCE(SUM(CASE WHEN accepted < slots THEN 1 ELSE 0 END), 0) AS unfilled"
        " FROM (SELECT s.id, s.slots, (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = s.id"
        f"        AND a.status IN {status_in(HOLDS_PLACE)}) AS accepted"
        "       FROM shifts s JOIN needs n ON n.id = s.need_id"
        "       WHERE n.status = 'approved' AND s.status = 'open'"
        "       AND s.starts_at >= ? AND s.starts_at < ?)",
        (ts(now), ts(until)),
    )


async def stats_assignments(conn: Queryable, *, since: datetime, now: datetime) -> Row:
    """Service over [since, now): completed shifts and hours, no-shows, late cancellations,
    plus offers outstanding now. Whole hours come from service_hours (kept by triggers,
    migration 0128); the partial hours at both ends of the window from the assignments."""
    first_whole = _next_hour(since)
    last_whole = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    edges: list[tuple[datetime, datetime]] = [(since, now)]
    whole = ("", "")
    if first_whole <= last_whole:
        edges = [(since, first_whole), (last_whole, now)]
        whole = (first_whole.strftime("%Y-%m-%dT%H"), last_whole.strftime("%Y-%m-%dT%H"))
    edge_sql = " OR ".join("(s.starts_at >= ? AND s.starts_at < ?)" for _ in edges)
    edge_params = [ts(moment) for edge in edges for moment in edge]
    return await _aggregate(conn,
        "SELECT"
        " (SELECT COUNT(*) FROM assignments WHERE status = 'offered') AS offered,"
        " w.completed + e.completed AS completed, w.minutes / 60.0 + e.hours AS hours,"
        " w.no_shows + e.no_shows AS no_shows,"
        " (SELECT COUNT(*) FROM assignments WHERE late_cancel = 1 AND cancelled_at >= ?)"
        "   AS late_cancels"
        " FROM (SELECT COALESCE(SUM(completed), 0) AS completed, COALESCE(SUM(minutes), 0) AS minutes,"
        "       COALESCE(SUM(no_shows), 0) AS no_shows"
        "       FROM service_hours WHERE hour >= ? AND hour < ?) AS w,"
        "      (SELECT COALESCE(SUM(a.status = 'completed'), 0) AS completed,"
        "       COALESCE(SUM(CASE WHEN a.status = 'completed' THEN"
        "         CAST(round((julianday(s.ends_at) - julianday(s.starts_at)) * 1440) AS INTEGER)"
        "         ELSE 0 END), 0) / 60.0 AS hours,"
        "       COALESCE(SUM(a.status = 'no_show'), 0) AS no_shows"
        "       FROM shifts s JOIN assignments a ON a.shift_id = s.id"
        f"      AND a.status IN ('completed', 'no_show') WHERE {edge_sql}) AS e",
        (ts(since), *whole, *edge_params),
    )


def _next_hour(moment: datetime) -> datetime:
    """The first whole hour (UTC) at or after `moment`."""
    floor = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(hours=1)


async def stats_outbox(conn: Queryable) -> dict[str, int]:
    rows = await conn.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    return {row["status"]: int(row["n"]) for row in rows}


async def export_volunteers(conn: Queryable) -> list[Row]:
    """Every volunteer not deleted, with languages and specialties joined as code lists."""
    return await conn.fetchall(
        "SELECT v.user_id, v.full_name, v.phone, v.phone_verified, v.gender, v.birth_date, v.city,"
        " v.status, v.registered_at,"
        " (SELECT GROUP_CONCAT(language, ',') FROM volunteer_languages l WHERE l.user_id = v.user_id)"
        "   AS languages,"
        " (SELECT GROUP_CONCAT(specialty, ',') FROM volunteer_specialties p"
        "   WHERE p.user_id = v.user_id) AS specialties,"
        " (SELECT COUNT(*) FROM assignments a WHERE a.volunteer_id = v.user_id"
        "   AND a.status = 'completed') AS completed,"
        f" (SELECT COALESCE(SUM({shift_hours()}), 0)"
        "   FROM assignments a JOIN shifts s ON s.id = a.shift_id"
        "   WHERE a.volunteer_id = v.user_id AND a.status = 'completed') AS hours"
        " FROM volunteers v WHERE v.status != 'deleted' ORDER BY v.user_id"
    )


async def export_shifts(conn: Queryable, entity_ids: Sequence[int] | None = None) -> list[Row]:
    """Every shift with its need and entity, and how many accepted (only these entities' when
    `entity_ids` is given)."""
    where, params = _entity_filter(entity_ids)
    return await conn.fetchall(
        "SELECT s.id AS shift_id, n.id AS need_id, e.name_ar, e.name_en, n.title, n.specialty,"
        " n.site_name, n.status AS need_status, s.status AS shift_status, s.starts_at, s.ends_at,"
        " s.slots, (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = s.id"
        f"   AND a.status IN {status_in(HOLDS_PLACE)}) AS accepted"
        " FROM shifts s JOIN needs n ON n.id = s.need_id JOIN entities e ON e.id = n.entity_id"
        f"{where} ORDER BY s.starts_at, s.id",
        params,
    )


def _entity_filter(entity_ids: Sequence[int] | None) -> tuple[str, tuple[int, ...]]:
    if entity_ids is None:
        return "", ()
    marks = ",".join("?" for _ in entity_ids) or "NULL"
    return f" WHERE n.entity_id IN ({marks})", tuple(entity_ids)


async def export_assignments(conn: Queryable) -> list[Row]:
    return await conn.fetchall(
        "SELECT a.id, a.shift_id, a.volunteer_id, v.full_name, v.gender, a.status, a.source, a.offered_at,"
        " a.accepted_at, a.cancelled_at, a.late_cancel, a.checked_in_at, a.completed_at,"
        " s.starts_at, s.ends_at FROM assignments a JOIN shifts s ON s.id = a.shift_id"
        " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id ORDER BY s.starts_at, a.id"
    )


async def export_rosters(conn: Queryable, entity_ids: Sequence[int] | None = None) -> list[Row]:
    """Each shift's roster: one row per volunteer holding a place (a shift nobody took: one row
    without a volunteer); only these entities' shifts when `entity_ids` is given."""
    where, params = _entity_filter(entity_ids)
    return await conn.fetchall(
        "SELECT s.id AS shift_id, n.id AS need_id, e.name_ar, e.name_en, n.title, n.specialty,"
        " n.site_name, s.status AS shift_status, s.starts_at, s.ends_at, s.slots,"
        " a.volunteer_id, a.status AS assignment_status, a.checked_in_at,"
        " COALESCE(v.full_name, u.first_name) AS full_name, v.phone, v.gender"
        " FROM shifts s JOIN needs n ON n.id = s.need_id JOIN entities e ON e.id = n.entity_id"
        f" LEFT JOIN assignments a ON a.shift_id = s.id AND a.status IN {status_in(HOLDS_PLACE)}"
        " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id"
        " LEFT JOIN users u ON u.id = a.volunteer_id"
        f"{where} ORDER BY s.starts_at, s.id, a.accepted_at, a.id",
        params,
    )


async def export_hours(conn: Queryable) -> list[Row]:
    """Per volunteer (not deleted): shifts served and their hours, no-shows, late cancellations."""
    return await conn.fetchall(
        "SELECT v.user_id, v.full_name, v.phone, v.status, v.gender,"
        " COUNT(CASE WHEN a.status = 'completed' THEN 1 END) AS completed,"
        f" COALESCE(SUM(CASE WHEN a.status = 'completed' THEN {shift_hours()} END), 0) AS hours,"
        " COUNT(CASE WHEN a.status = 'no_show' THEN 1 END) AS no_shows,"
        " COUNT(CASE WHEN a.late_cancel THEN 1 END) AS late_cancels"
        " FROM volunteers v LEFT JOIN assignments a ON a.volunteer_id = v.user_id"
        " LEFT JOIN shifts s ON s.id = a.shift_id"
        " WHERE v.status != 'deleted' GROUP BY v.user_id, v.full_name, v.phone, v.status, v.gender"
        " ORDER BY hours DESC, v.user_id"
    )


async def export_audit(conn: Queryable) -> list[Row]:
    """The whole audit log, oldest first, with the actor's name (as recent_audit reads it)."""
    return await conn.fetchall(
        "SELECT a.*, u.first_name AS actor_name, u.username AS actor_username"
        " FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id ORDER BY a.id"
    )


def _chart_filter(entity_id: int | None, specialty: str | None) -> tuple[str, list[Any]]:
    where = ""
    params: list[Any] = []
    if entity_id:
        where += " AND n.entity_id = ?"
        params.append(entity_id)
    if specialty:
        where += " AND n.specialty = ?"
        params.append(specialty)
    return where, params


async def stats_fill_filtered(
    conn: Queryable, *, since: datetime, until: datetime, entity_id: int | None = None,
    specialty: str | None = None,
) -> list[Row]:
    """stats_fill_by_shift for one entity and/or one specialty, shifts starting in [since, until)."""
    where, params = _chart_filter(entity_id, specialty)
    return await conn.fetchall(
        "SELECT s.starts_at, n.specialty, s.slots,"
        " (SELECT COUNT(*) FROM assignments a WHERE a.shift_id = s.id"
        f"  AND a.status IN {status_in(HOLDS_PLACE)}) AS accepted"
        " FROM shifts s JOIN needs n ON n.id = s.need_id"
        " WHERE n.status = 'approved' AND s.status = 'open' AND s.starts_at >= ? AND s.starts_at < ?"
        f"{where} ORDER BY s.starts_at",
        (ts(since), ts(until), *params),
    )


async def stats_offer_funnel_for_shifts(
    conn: Queryable, *, since: datetime, until: datetime, entity_id: int | None = None,
    specialty: str | None = None,
) -> Row:
    """The offers made for shifts starting in [since, until) (of one entity and/or specialty):
    how many, and how many were accepted, declined or expired."""
    where, params = _chart_filter(entity_id, specialty)
    return await _aggregate(
        conn,
        "SELECT COUNT(*) AS offered,"
        " COALESCE(SUM(CASE WHEN a.accepted_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS accepted,"
        " COALESCE(SUM(CASE WHEN a.status = 'declined' THEN 1 ELSE 0 END), 0) AS declined,"
        " COALESCE(SUM(CASE WHEN a.status = 'expired' THEN 1 ELSE 0 END), 0) AS expired"
        " FROM assignments a JOIN shifts s ON s.id = a.shift_id JOIN needs n ON n.id = s.need_id"
        f" WHERE a.offered_at IS NOT NULL AND s.starts_at >= ? AND s.starts_at < ?{where}",
        (ts(since), ts(until), *params),
    )


# ================================================================================================
# console demo data (python -m bot console --demo)
# ================================================================================================


async def demo_data_present(conn: Queryable, coordinator_id: int) -> bool:
    """Did an earlier `console --demo` fill this database (its coordinator persona is there)?"""
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ? AND role = 'coordinator')"
        " AND EXISTS (SELECT 1 FROM entities)",
        (coordinator_id,),
    )
    return bool(found)


async def has_domain_data(conn: Queryable) -> bool:
    """True once anyone but the bootstrap admins was seen, or any volunteer/entity/need exists."""
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM users WHERE role != 'admin')"
        " OR EXISTS (SELECT 1 FROM volunteers) OR EXISTS (SELECT 1 FROM entities)"
        " OR EXISTS (SELECT 1 FROM needs)"
    )
    return bool(found)


# -- demo seeding: what no feature's query writes yet (the demo uses the features' own inserts
# -- for volunteers, entities and needs)
async def demo_close_need(tx: Tx, need_id: int) -> None:
    """Mark a need whose shifts are all over, and those shifts, as closed."""
    await tx.execute("UPDATE needs SET status = 'closed' WHERE id = ?", (need_id,))
    await tx.execute(
        "UPDATE shifts SET status = 'closed' WHERE need_id = ? AND status = 'open'", (need_id,)
    )


async def demo_insert_past_assignment(
    tx: Tx, shift_id: int, volunteer_id: int, *, status: str, offered_at: datetime,
    starts_at: datetime, ends_at: datetime,
) -> None:
    """A finished assignment (completed or no_show) of a past shift, for /stats and /export."""
    accepted = offered_at
    await tx.execute(
        "INSERT INTO assignments (shift_id, volunteer_id, status, source, offered_at,"
        " responded_at, accepted_at, confirmed_at, checked_in_at, completed_at, no_show_at)"
        " VALUES (?, ?, ?, 'offer', ?, ?, ?, ?, ?, ?, ?)",
        (shift_id, volunteer_id, status, ts(offered_at), ts(accepted), ts(accepted),
         ts(accepted), ts(starts_at) if status == "completed" else None,
         ts(ends_at) if status == "completed" else None,
         ts(starts_at) if status == "no_show" else None),
    )
