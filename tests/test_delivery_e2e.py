"""End to end: a broadcast from `python -m bot` over HTTP to a fake Bot API that enforces
Telegram's flood limits, killed with SIGKILL half-way and started again on the same database."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_bot_api import ApiCall, FakeBotAPI, callback_update, message_update, user_dict
from tests.harness import TEST_TOKEN
from tests.test_e2e_process import REPLY_TIMEOUT, BotProcess

ADMIN = user_dict(1, "Admin", "en")
VOLUNTEERS = list(range(20_001, 20_101))  # 100 volunteers: 4 s at 25/s


@pytest.fixture
def server() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=TEST_TOKEN, rate_limit_overall=30).in_thread() as running:
        yield running


@pytest.fixture
def start_bot(server: FakeBotAPI, tmp_path: Path) -> Iterator[Any]:
    processes: list[BotProcess] = []
    env = {k: v for k, v in os.environ.items() if k not in {"WEBHOOK_URL", "WEBHOOK_SECRET"}}
    env.update(
        BOT_TOKEN=TEST_TOKEN, BOT_API_BASE_URL=server.base_url, ADMIN_IDS="1",
        DATABASE_PATH=str(tmp_path / "aoun.sqlite3"), PYTHONUNBUFFERED="1", SEND_RATE="25",
    )

    def start() -> BotProcess:
        process = BotProcess(server, tmp_path, env)
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.kill()


def seed_volunteers(database: Path) -> None:
    """Active volunteers, written next to the running bot (SQLite WAL allows it)."""
    with sqlite3.connect(database, timeout=30) as conn:
        conn.executemany(
            "INSERT INTO users (id, first_name, created_at) VALUES (?, 'V', '2026-01-01T00:00:00+00:00')",
            [(v,) for v in VOLUNTEERS],
        )
        conn.executemany(
            "INSERT INTO volunteers (user_id, status, registered_at)"
            " VALUES (?, 'active', '2026-01-01T00:00:00+00:00')",
            [(v,) for v in VOLUNTEERS],
        )


def wait_for_call(server: FakeBotAPI, after: int, predicate: Any) -> ApiCall:
    def found() -> ApiCall | None:
        return next((c for c in server.calls[after:] if c.status == 200 and predicate(c)), None)

    return server.wait_for(found, REPLY_TIMEOUT)


def broadcast_texts(server: FakeBotAPI) -> Counter[int]:
    """How many times each volunteer received the broadcast."""
    return Counter(
        c.chat_id for c in server.sent(method="sendMessage")
        if c.chat_id in VOLUNTEERS and "Water" in c.text
    )


def test_a_broadcast_survives_kill_9_and_never_exceeds_the_limits(
    server: FakeBotAPI, start_bot: Any, tmp_path: Path
) -> None:
    bot = start_bot()
    seed_volunteers(tmp_path / "aoun.sqlite3")

    # The coordinator's flow, over HTTP.
    after = len(server.calls)
    server.push_update(message_update(ADMIN, "/broadcast"))
    menu = wait_for_call(server, after, lambda c: c.chat_id == 1 and "Who should" in c.text)
    after = len(server.calls)
    server.push_update(callback_update(ADMIN, "bc:k:all", menu.result))
    wait_for_call(server, after, lambda c: c.method == "editMessageText" and "100 people" in c.text)
    after = len(server.calls)
    server.push_update(message_update(ADMIN, "<b>Water</b> at gate 5"))
    card = wait_for_call(server, after, lambda c: c.chat_id == 1 and "Recipients: 100" in c.text)
    # From here on, 1 message a second per chat too (the flow's preview and card, two direct
    # replies a moment apart, would already count as a burst to the strict fake).
    server.rate_limit_per_chat = 1
    server.push_update(callback_update(ADMIN, "bc:send", card.result))

    # Half-way, kill -9.
    server.wait_for(lambda: len(broadcast_texts(server)) >= 30, REPLY_TIMEOUT)
    bot.terminate(sig=signal.SIGKILL)
    first_life = broadcast_texts(server)
    with sqlite3.connect(tmp_path / "aoun.sqlite3") as conn:
        recorded = {r[0] for r in conn.execute(
            "SELECT chat_id FROM outbox WHERE broadcast_id = 1 AND status = 'sent'")}
    assert 30 <= len(first_life) < len(VOLUNTEERS)

    # A new process on the same database finishes the job and tells the coordinator.
    bot = start_bot()
    before_second = len(server.calls)
    # The sender never blocks replies: a volunteer's /start is answered while it drains.
    asked = time.monotonic()
    server.push_update(message_update(user_dict(VOLUNTEERS[-1], "V", "ar"), "/start"))
    wait_for_call(server, before_second, lambda c: c.chat_id == VOLUNTEERS[-1] and "Water" not in c.text)
    assert time.monotonic() - asked < 5
    summary = wait_for_call(server, before_second, lambda c: c.chat_id == 1 and "has finished" in c.text)
    assert "Delivered: 100" in summary.text
    received = broadcast_texts(server)
    assert set(received) == set(VOLUNTEERS)  # nothing lost
    second_life = {
        c.chat_id for c in server.calls[before_second:]
        if c.status == 200 and c.method == "sendMessage" and "Water" in c.text
    }
    assert not recorded & second_life  # nothing recorded as sent went again
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    assert duplicates <= 8  # only sends in flight at the kill may go twice
    assert server.rate_limited == 0  # 25/s overall and 1/s per chat held across both lives
    assert bot.terminate() == 0, bot.log()
    assert "Traceback" not in bot.log()
