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
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

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


def parse_ts(value: str | None) -> datetime | None:
    """Read a stored UTC ISO text back as an aware datetime."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Queryable(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor: ...
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


class _QueryMixin:
    _conn: aiosqlite.Connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """Run a statement to completion; the closed cursor still has rowcount and lastrowid."""
        async with self._conn.execute(sql, params) as cursor:
            return cursor

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Tx(_QueryMixin):
    """An open write transaction; valid only inside `async with db.transaction()`."""

    def __init__(self, conn: aiosqlite.Connection, db: Database) -> None:
        self._conn = conn
        self.db = db
        self._after_commit: list[Any] = []

    def after_commit(self, callback: Any) -> None:
        """Run a plain callable once this transaction has committed (e.g. wake the sender)."""
        self._after_commit.append(callback)


class Database(_QueryMixin):
    """Connection owner. Open with `await Database.open(path)`; close with `close()`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def _conn(self) -> aiosqlite.Connection:  # type: ignore[override]
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
        self._writer = await self._connect()
        await _pragma(self._writer, "journal_mode=WAL")
        self._reader = await self._connect()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        for pragma in ("foreign_keys=ON", "busy_timeout=5000", "synchronous=NORMAL"):
            await _pragma(conn, pragma)
        return conn

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """`BEGIN IMMEDIATE` ... `COMMIT`, one writer at a time; rolls back on any exception."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            tx = Tx(self._writer, self)
            try:
                yield tx
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")
        for callback in tx._after_commit:
            callback()

    # -- migrations -------------------------------------------------------------------------

    async def migrate(self) -> list[int]:
        """Apply the numbered migrations not yet applied; return the versions applied."""
        async with self.transaction() as tx:
            await tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {r[0] for r in await tx.fetchall("SELECT version FROM schema_migrations")}
        applied = []
        for version, name, sql in load_migrations():
            if version in done:
                continue
            async with self.transaction() as tx:
                for statement in _split_sql(sql):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, ts(datetime.now(UTC))),
                )
                await tx.execute(f"PRAGMA user_version = {int(version)}")
            log.info("applied migration %04d %s", version, name)
            applied.append(version)
        return applied

    async def schema_version(self) -> int:
        return int(await self.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


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


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ================================================================================================
# users, roles and the audit log (foundation)
# ================================================================================================

ROLES = ("volunteer", "entity_rep", "coordinator", "admin")


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
    await tx.execute(
        "INSERT INTO users (id, first_name, username, language_code, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,"
        " username = excluded.username, language_code = excluded.language_code,"
        " reachable = 1, last_seen_at = excluded.last_seen_at",
        (user_id, first_name, username, language_code, ts(now), ts(now)),
    )
    row = await get_user(tx, user_id)
    assert row is not None
    return row


async def set_user_locale(tx: Tx, user_id: int, locale: str) -> None:
    await tx.execute("UPDATE users SET locale = ? WHERE id = ?", (locale, user_id))


async def set_user_role(tx: Tx, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    await tx.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))


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
    for admin_id in admin_ids:
        await ensure_user(tx, admin_id, now=now)
        await tx.execute("UPDATE users SET role = 'admin' WHERE id = ?", (admin_id,))


async def audit(
    tx: Tx,
    *,
    actor_id: int | None,
    action: str,
    now: datetime,
    target_type: str | None = None,
    target_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    await tx.execute(
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


async def recent_audit(conn: Queryable, *, limit: int = 20, offset: int = 0) -> list[Row]:
    return await conn.fetchall(
        "SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
    )


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


# ================================================================================================
# conversation persistence (PTB BasePersistence backed by SQLite; see bot/persistence.py)
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
# volunteers and profiles (registration issue)
# ================================================================================================


# ================================================================================================
# entities, needs and shifts (needs issue)
# ================================================================================================


# ================================================================================================
# outbox, sender and broadcasts (delivery issue)
# ================================================================================================


# ================================================================================================
# assignments, matching pre-filter, offers and reminders (dispatch issue)
# ================================================================================================


# Volunteers' assignment statuses: holding a place, and having served (hours count towards fairness).
TAKEN_STATUSES = ("accepted", "checked_in", "completed", "no_show")
SERVED_STATUSES = ("checked_in", "completed")
ACTIVE_STATUSES = ("offered", "accepted", "checked_in", "completed")

_SHIFT_COLUMNS = (
    "s.id AS shift_id, s.starts_at, s.ends_at, s.slots, s.status AS shift_status, s.need_id,"
    " n.title, n.specialty, n.site_name, n.latitude, n.longitude, n.notes, n.status AS need_status,"
    " n.entity_id, n.gender, n.min_age, n.requires_training,"
    " e.name_ar AS entity_name_ar, e.name_en AS entity_name_en"
)
_SHIFT_FROM = "shifts s JOIN needs n ON n.id = s.need_id JOIN entities e ON e.id = n.entity_id"
_ASSIGNMENT_SELECT = (
    f"SELECT a.*, {_SHIFT_COLUMNS},"
    " u.locale, u.language_code, u.reachable, u.first_name, u.username, v.full_name, v.phone"
    " FROM assignments a JOIN shifts s ON s.id = a.shift_id JOIN needs n ON n.id = s.need_id"
    " JOIN entities e ON e.id = n.entity_id JOIN users u ON u.id = a.volunteer_id"
    " LEFT JOIN volunteers v ON v.user_id = a.volunteer_id"
)


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


# -- shifts as dispatch sees them -----------------------------------------------------------------


async def get_dispatch_shift(conn: Queryable, shift_id: int) -> Row | None:
    """A shift with its need and entity (columns named as in `_SHIFT_COLUMNS`)."""
    return await conn.fetchone(
        f"SELECT {_SHIFT_COLUMNS} FROM {_SHIFT_FROM} WHERE s.id = ?", (shift_id,)
    )


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
    limit: int = 300,
) -> list[Row]:
    """Upcoming open shifts in the volunteer's specialties that they have not taken or joined the
    waitlist of, with their fill counts (the caller checks eligibility and open places)."""
    if not specialties:
        return []
    return await conn.fetchall(
        f"SELECT {_SHIFT_COLUMNS},"
        f" (SELECT COUNT(*) FROM assignments t WHERE t.shift_id = s.id"
        f"  AND t.status IN ({_marks(TAKEN_STATUSES)})) AS accepted,"
        " (SELECT COUNT(*) FROM assignments h WHERE h.shift_id = s.id AND h.status = 'offered'"
        "  AND h.promoted_at IS NOT NULL AND h.expires_at > ? AND h.volunteer_id != ?) AS holds"
        f" FROM {_SHIFT_FROM}"
        " WHERE s.status = 'open' AND n.status = 'approved' AND s.starts_at > ?"
        f" AND n.specialty IN ({_marks(specialties)}) AND (n.gender = 'any' OR n.gender = ?)"
        " AND NOT EXISTS (SELECT 1 FROM assignments m WHERE m.shift_id = s.id"
        "  AND m.volunteer_id = ? AND m.status IN ('accepted', 'waitlisted', 'checked_in',"
        "  'completed', 'no_show'))"
        " ORDER BY s.starts_at, s.id LIMIT ?",
        (*TAKEN_STATUSES, ts(now), user_id, ts(now), *specialties, gender or "", user_id, limit),
    )


# -- the matching pre-filter ----------------------------------------------------------------------


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
    gender, age (born_by), season (first_day, last_day: ISO dates), required languages,
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
        # julianday() is SQLite's; on PostgreSQL: EXTRACT(EPOCH FROM ends - starts) / 3600.
        "ROUND(COALESCE((SELECT SUM((julianday(hs.ends_at) - julianday(hs.starts_at)) * 24)"
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
    for language in languages:
        where.append(
            "EXISTS (SELECT 1 FROM volunteer_languages l WHERE l.user_id = v.user_id"
            " AND l.language = ?)"
        )
        params.append(language)
    if requires_training:
        where.append(
            "EXISTS (SELECT 1 FROM qualifications q WHERE q.user_id = v.user_id"
            " AND q.specialty = ?)"
        )
        params.append(specialty)
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


async def volunteer_stats(
    conn: Queryable, user_ids: Sequence[int], *, since: datetime, now: datetime
) -> dict[int, tuple[float, int, int]]:
    """(hours served since `since`, no-shows, late cancellations) for volunteers with any."""
    found: dict[int, tuple[float, int, int]] = {}
    for chunk in _chunks(list(user_ids)):
        rows = await conn.fetchall(
            # julianday() is SQLite's; on PostgreSQL: EXTRACT(EPOCH FROM ends - starts) / 3600.
            "SELECT a.volunteer_id,"
            f" SUM(CASE WHEN a.status IN ({_marks(SERVED_STATUSES)}) AND s.starts_at >= ?"
            "  AND s.starts_at <= ? THEN (julianday(s.ends_at) - julianday(s.starts_at)) * 24"
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


async def busy_windows(
    conn: Queryable,
    *,
    start: datetime,
    end: datetime,
    user_ids: Sequence[int] | None = None,
) -> list[Row]:
    """(volunteer_id, shift_id, status, starts_at, ends_at) of offered, held and served shifts
    overlapping [start, end), for the given volunteers or for everyone."""
    sql = (
        "SELECT a.volunteer_id, a.shift_id, a.status, s.starts_at, s.ends_at"
        " FROM shifts s JOIN assignments a ON a.shift_id = s.id"
        " WHERE s.status IN ('open', 'closed') AND s.starts_at < ? AND s.ends_at > ?"
        f" AND a.status IN ({_marks(ACTIVE_STATUSES)})"
    )
    base = (ts(end), ts(start), *ACTIVE_STATUSES)
    if user_ids is None:
        return await conn.fetchall(sql, base)
    rows: list[Row] = []
    for chunk in _chunks(list(user_ids)):
        rows += await conn.fetchall(
            sql + f" AND a.volunteer_id IN ({_marks(chunk)})", (*base, *chunk)
        )
    return rows


async def volunteer_for_matching(
    conn: Queryable, user_id: int
) -> tuple[Row, set[str], set[str], set[tuple[int, str]], set[str]] | None:
    """A volunteer's whole matching profile: (row, specialties, languages, availability,
    qualifications), or None when they are not registered."""
    row = await conn.fetchone(
        "SELECT v.*, u.reachable, u.locale, u.language_code FROM volunteers v"
        " JOIN users u ON u.id = v.user_id WHERE v.user_id = ?",
        (user_id,),
    )
    if row is None:
        return None
    specialties = {
        r[0]
        for r in await conn.fetchall(
            "SELECT specialty FROM volunteer_specialties WHERE user_id = ?", (user_id,)
        )
    }
    languages = {
        r[0]
        for r in await conn.fetchall(
            "SELECT language FROM volunteer_languages WHERE user_id = ?", (user_id,)
        )
    }
    availability = {
        (int(r[0]), r[1])
        for r in await conn.fetchall(
            "SELECT weekday, period FROM volunteer_availability WHERE user_id = ?", (user_id,)
        )
    }
    qualifications = {
        r[0]
        for r in await conn.fetchall(
            "SELECT specialty FROM qualifications WHERE user_id = ?", (user_id,)
        )
    }
    return row, specialties, languages, availability, qualifications


# -- assignments ----------------------------------------------------------------------------------


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
    return int(cursor.lastrowid) if cursor.rowcount == 1 else None


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
        " late_cancel = ? WHERE id = ? AND status IN ('accepted', 'waitlisted')",
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
        " AND a.status IN ('accepted', 'checked_in', 'waitlisted') AND s.ends_at > ?"
        " ORDER BY s.starts_at, a.id LIMIT ?",
        (user_id, ts(now), limit),
    )


# -- reminders ------------------------------------------------------------------------------------


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


# -- who hears about a shift ----------------------------------------------------------------------


async def entity_representatives(conn: Queryable, entity_id: int) -> list[Row]:
    return await conn.fetchall(
        "SELECT u.* FROM entity_members m JOIN users u ON u.id = m.user_id"
        " WHERE m.entity_id = ? AND m.removed_at IS NULL ORDER BY u.id",
        (entity_id,),
    )


# -- the messages an offer was sent as (to edit or withdraw them) ---------------------------------


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
