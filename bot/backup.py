"""Backups while the bot runs, `python -m bot backup|restore`, and the lock that tells a
restore (or a second bot) that the bot is running on a database.

A backup is a VACUUM INTO copy (bot/db.py: backup_file): one read transaction, so it is a
consistent snapshot of committed data even while the sender and the scheduler write, and it is
checked (integrity and foreign keys) before it gets its name. BACKUP_KEEP newest are kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from telegram.ext import Application

from bot import db
from bot.config import Settings
from bot.context import Context
from bot.db import Database

log = logging.getLogger(__name__)

JOB_NAME = "backup"


class BotIsRunning(RuntimeError):
    """Another process holds the database's run lock."""


def lock_path(database_path: Path) -> Path:
    return database_path.with_name(f"{database_path.name}.lock")


@contextlib.contextmanager
def run_lock(database_path: Path) -> Iterator[None]:
    """Held for as long as the bot runs on `database_path`. The kernel drops it when the
    process ends, even after kill -9, so a stale lock file never blocks anything."""
    path = lock_path(database_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BotIsRunning(f"the bot is running on {database_path} (pid {holder})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backups; returns what was deleted."""
    backups = db.list_backups(folder)
    doomed = backups[: max(0, len(backups) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


async def take(database: Database, settings: Settings, *, label: str = "") -> Path:
    """One backup of the running database into BACKUP_DIR, then the old ones pruned."""
    target = await database.backup(settings.backup_dir, label=label)
    prune(settings.backup_dir, settings.backup_keep)
    return target


async def _run_backup(context: Context) -> None:
    try:
        target = await take(context.db, context.settings)
    except Exception:
        log.exception("scheduled backup failed")
        return
    log.info("backup written to %s", target)
    await context.db.refresh_statistics()


def register(app: Application) -> None:
    """Back up every BACKUP_INTERVAL on the JobQueue (BACKUP_INTERVAL=0 turns it off)."""
    settings: Settings = app.bot_data["settings"]
    if settings.backup_interval <= timedelta(0) or app.job_queue is None:
        return
    job_kwargs: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    app.job_queue.run_repeating(
        _run_backup,
        interval=settings.backup_interval,
        first=settings.backup_interval,
        name=JOB_NAME,
        job_kwargs=job_kwargs,
    )


def restore(settings: Settings, backup_file: Path) -> Path | None:
    """Put `backup_file` in place of DATABASE_PATH; the current database (if any) is backed
    up first. Raises BotIsRunning, or ValueError when the file is not a sound backup.
    Returns the safety copy of the database that was replaced (None when there was none)."""
    problem = db.check_database_file(backup_file)
    if problem:
        raise ValueError(f"{backup_file} cannot be restored: {problem}")
    known = max((version for version, _name, _sql in db.load_migrations()), default=0)
    version = db.database_file_version(backup_file)
    if version > known:
        raise ValueError(
            f"{backup_file} has migration {version:04d}, newer than this version of Aoun "
            f"knows ({known:04d})"
        )
    target = settings.database_path
    with run_lock(target):
        safety = None
        if target.is_file():
            safety = db.backup_file(target, settings.backup_dir, label="before-restore")
        db.restore_file(backup_file, target)
    return safety
