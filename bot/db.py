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
    row = await get_volunteer(conn, user_id)
    if row is None or row["status"] == "deleted":
        return None
    languages = await conn.fetchall(
        "SELECT language FROM volunteer_languages WHERE user_id = ?", (user_id,)
    )
    specialties = await conn.fetchall(
        "SELECT specialty FROM volunteer_specialties WHERE user_id = ?", (user_id,)
    )
    slots = await conn.fetchall(
        "SELECT weekday, period FROM volunteer_availability WHERE user_id = ?", (user_id,)
    )
    profile = Profile.from_stored(
        row,
        languages=[r[0] for r in languages],
        specialties=[r[0] for r in specialties],
        slots=[(int(r["weekday"]), r["period"]) for r in slots],
    )
    return row, profile


async def _write_profile(tx: Tx, user_id: int, profile: Profile, *, now: datetime) -> None:
    """Profile columns and the language/specialty/availability rows (replaced as a whole)."""
    await tx.execute(
        "UPDATE volunteers SET full_name = ?, search_name = ?, phone = ?, phone_verified = ?,"
        " gender = ?, birth_date = ?, city = ?, available_from = ?, available_until = ?,"
        " updated_at = ? WHERE user_id = ?",
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
    tx: Tx, user_id: int, profile: Profile, *, status: str, consent_at: datetime, now: datetime
) -> bool:
    """Store a confirmed registration (a deleted volunteer starts again from scratch).

    False, and nothing written, when the user already has a live volunteer record."""
    existing = await get_volunteer(tx, user_id)
    if existing is not None and existing["status"] != "deleted":
        return False
    if existing is None:
        await tx.execute(
            "INSERT INTO volunteers (user_id, status, consent_at, registered_at)"
            " VALUES (?, ?, ?, ?)",
            (user_id, status, ts(consent_at), ts(now)),
        )
    else:
        await tx.execute(
            "UPDATE volunteers SET status = ?, consent_at = ?, registered_at = ?,"
            " paused_until = NULL, approved_at = NULL, approved_by = NULL, deleted_at = NULL"
            " WHERE user_id = ?",
            (status, ts(consent_at), ts(now), user_id),
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
        " available_from = NULL, available_until = NULL, paused_until = NULL,"
        " status = 'deleted', deleted_at = ?, updated_at = ? WHERE user_id = ?",
        (ts(now), ts(now), user_id),
    )
    await tx.execute(
        "UPDATE assignments SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?"
        " WHERE volunteer_id = ? AND status IN ('offered', 'accepted', 'waitlisted')"
        " AND shift_id IN (SELECT id FROM shifts WHERE starts_at > ?)",
        (ts(now), "volunteer_deleted", user_id, ts(now)),
    )
    return True


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
    given; with only `status`, all volunteers in that status. Pending first, then by name."""
    where, params = [], []
    if name:
        where.append("v.search_name LIKE ? ESCAPE '\\' OR v.full_name LIKE ? ESCAPE '\\'")
        params += [_like(search_key(name)), _like(name.strip())]
    if phone_digits:
        where.append("v.phone LIKE ? ESCAPE '\\'")
        params.append(_like(phone_digits))
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
        " AND (a.status IN ('completed', 'no_show') OR a.late_cancel = 1"
        " OR (a.status IN ('accepted', 'checked_in') AND s.ends_at > ?))",
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
            span = parse_ts(row["ends_at"]) - parse_ts(row["starts_at"])  # type: ignore[operator]
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



# ================================================================================================
# entities, needs and shifts (needs issue)
# ================================================================================================


# ================================================================================================
# outbox, sender and broadcasts (delivery issue)
# ================================================================================================


# ================================================================================================
# assignments, matching pre-filter, offers and reminders (dispatch issue)
# ================================================================================================
