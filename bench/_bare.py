"""The reference bot of the handlers and memory benchmarks: a bare PTB Application on the
offline Bot API, whose one handler reads the user's row with aiosqlite and replies (or, with no
database, echoes). It imports nothing of Aoun's but the offline Bot API double."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from pathlib import Path
from typing import Any

import aiosqlite
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from bench._updates import message, press
from bot.offline import OfflineBotAPI

TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"


def mix(volunteers: int, offers: list[tuple[int, int]], newcomer: int, cycles: int) -> list[dict[str, Any]]:
    updates: list[dict[str, Any]] = []
    for n in range(cycles):
        person = 10_000_000 + (n * 7919) % volunteers
        for command in ("/start", "/help", "/shifts", "/profile"):
            updates.append(message(person + 0, command))
        if n < len(offers):
            assignment_id, volunteer = offers[n]
            updates.append(press(volunteer, f"off:acc:{assignment_id}"))
        updates.append(message(newcomer + n, "/register"))
        updates.append(message(newcomer + n, "محمد عبد الله الحربي"))
    return updates


async def throughput(app: Any, updates: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(feed(app, payload) for payload in updates))
    return len(updates) / (time.perf_counter() - started)


async def bare_app(path: Path | None) -> tuple[Any, aiosqlite.Connection | None]:
    request = OfflineBotAPI()
    app = (
        ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request)
        .concurrent_updates(64).build()
    )
    conn = await aiosqlite.connect(path) if path is not None else None

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text = "echo"
        if conn is not None:
            async with conn.execute(
                "SELECT * FROM users WHERE id = ?", (update.effective_user.id,)
            ) as cursor:
                row = await cursor.fetchone()
            text = f"hello {row[0] if row else 'stranger'}"
        await context.bot.send_message(update.effective_chat.id, text)

    app.add_handler(TypeHandler(Update, answer))
    await app.initialize()
    return app, conn


async def feed(app: Any, payload: dict[str, Any]) -> None:
    """One update through the app's update processor, as the update fetcher passes it."""
    update = Update.de_json(payload, app.bot)
    await app.update_processor.process_update(update, app.process_update(update))


async def one_row_lookups(conn: aiosqlite.Connection, volunteers: int, count: int, seed: int) -> float:
    """The median ms of `count` reads of one volunteer by primary key through plain aiosqlite:
    the yardstick of the search and stats benchmarks. It is plain on purpose: timed through
    the bot's own Database, it would get faster whenever the bot's statement path does, and
    the bot's queries would then look slower against it."""
    rng = random.Random(seed)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        async with conn.execute(
            "SELECT * FROM volunteers WHERE user_id = ?", (10_000_000 + rng.randrange(volunteers),)
        ) as cursor:
            await cursor.fetchone()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
