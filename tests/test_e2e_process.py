"""End to end: `python -m bot` as a real process, talking HTTP to the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_bot_api import ApiCall, FakeBotAPI, callback_update, message_update, user_dict
from tests.harness import TEST_TOKEN

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0  # two shared cores: start-up can be slow under load, but never this slow
REPLY_TIMEOUT = 30.0

ARABIC_USER = user_dict(201, "Ali", "ar")
ENGLISH_USER = user_dict(202, "John", "en")


def has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def long_polls(server: FakeBotAPI) -> list[Any]:
    """getUpdates calls that wait for updates: polling has begun (start-up's check for another
    poller asks with timeout 0)."""
    return [c for c in server.sent(method="getUpdates") if int(c.params.get("timeout") or 0) > 0]


class BotProcess:
    """One `python -m bot` subprocess; stderr goes to a file so a full pipe can never block it."""

    def __init__(self, server: FakeBotAPI, tmp_path: Path, env: dict[str, str]) -> None:
        self.server = server
        self.log_path = tmp_path / f"bot-{len(list(tmp_path.glob('bot-*.log')))}.log"
        polls_before = len(long_polls(server))
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            server.wait_for(
                lambda: len(long_polls(server)) > polls_before or self.proc.poll() is not None,
                START_TIMEOUT,
            )
        except TimeoutError:
            self.kill()
            raise
        assert self.proc.poll() is None, f"the bot exited at start-up:\n{self.log()}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def terminate(self, timeout: float = 15.0, sig: int = signal.SIGTERM) -> int:
        """SIGTERM (or another signal), and the exit code once it has stopped."""
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        finally:
            self.kill()
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def server() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=TEST_TOKEN).in_thread() as running:
        yield running


@pytest.fixture
def start_bot(server: FakeBotAPI, tmp_path: Path) -> Iterator[Any]:
    processes: list[BotProcess] = []
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"WEBHOOK_URL", "WEBHOOK_SECRET", "DEFAULT_LOCALE"}
    }
    env.update(
        BOT_TOKEN=TEST_TOKEN,
        BOT_API_BASE_URL=server.base_url,
        DATABASE_PATH=str(tmp_path / "data" / "aoun.sqlite3"),
        ADMIN_IDS="1",
        PYTHONUNBUFFERED="1",
    )

    def start() -> BotProcess:
        process = BotProcess(server, tmp_path, env)
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.kill()


def send(server: FakeBotAPI, user: dict[str, Any], text: str) -> ApiCall:
    """Push a message from user and return the bot's first sendMessage answer to it."""
    after = len(server.calls)
    server.push_update(message_update(user, text))
    return server.wait_for_message(user["id"], after=after, timeout=REPLY_TIMEOUT)


def press(server: FakeBotAPI, user: dict[str, Any], data: str, message: dict[str, Any]) -> None:
    server.push_update(callback_update(user, data, message))


def test_start_replies_in_each_users_language_and_lang_survives_a_restart(
    server: FakeBotAPI, start_bot: Any
) -> None:
    bot = start_bot()
    # Start-up: the menus were published for both languages before polling began.
    menus = server.sent(method="setMyCommands")
    assert {m.params.get("language_code") for m in menus} >= {"ar", "en"}

    arabic_reply = send(server, ARABIC_USER, "/start")
    english_reply = send(server, ENGLISH_USER, "/start")
    assert has_arabic(arabic_reply.text), arabic_reply.text
    assert "Ali" in arabic_reply.text
    assert not has_arabic(english_reply.text), english_reply.text
    assert "Aoun" in english_reply.text and "John" in english_reply.text

    # /lang -> English, for the Arabic-speaking user.
    chooser = send(server, ARABIC_USER, "/lang")
    assert ("English", "lang:en") in chooser.buttons
    after = len(server.calls)
    press(server, ARABIC_USER, "lang:en", chooser.result)

    def switched() -> bool:
        calls = server.calls[after:]
        edited = [c for c in calls if c.method == "editMessageText" and c.status == 200]
        menu = [
            c for c in calls
            if c.method == "setMyCommands"
            and (c.params.get("scope") or {}).get("chat_id") == ARABIC_USER["id"]
        ]
        return bool(edited and menu)

    server.wait_for(switched, REPLY_TIMEOUT)
    edit = next(c for c in server.calls[after:] if c.method == "editMessageText")
    assert not has_arabic(edit.text) and "English" in edit.text
    assert bot.terminate() == 0, bot.log()
    assert "Traceback" not in bot.log()

    assert server.pending_updates() == 0  # all confirmed on the way out: nothing is replayed

    # A new process on the same database: the choice holds although Telegram still says "ar".
    bot = start_bot()
    again = send(server, ARABIC_USER, "/start")
    assert not has_arabic(again.text), again.text
    assert "Aoun" in again.text and "Ali" in again.text
    assert bot.terminate() == 0, bot.log()
    assert "Traceback" not in bot.log()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_while_idle_exits_cleanly_and_closes_the_database(
    server: FakeBotAPI, start_bot: Any, tmp_path: Path, sig: int
) -> None:
    bot = start_bot()
    assert bot.terminate(timeout=10, sig=sig) == 0, bot.log()
    log = bot.log()
    assert "Traceback" not in log
    # The database was closed properly: SQLite removes the WAL file on the last clean close.
    assert (tmp_path / "data" / "aoun.sqlite3").is_file()
    assert not (tmp_path / "data" / "aoun.sqlite3-wal").exists()


def test_a_rejected_token_or_unreachable_server_stops_with_a_clear_last_line(
    server: FakeBotAPI, tmp_path: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "WEBHOOK_URL"}
    env.update(DATABASE_PATH=str(tmp_path / "aoun.sqlite3"), ADMIN_IDS="1",
               BOT_API_BASE_URL=server.base_url, BOT_TOKEN="999:another-token-abcdefghijklmnop")
    rejected = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=START_TIMEOUT)
    assert rejected.returncode == 2
    assert rejected.stderr.strip().splitlines()[-1] == (
        f"configuration error: BOT_TOKEN was rejected by the Bot API server at {server.base_url}"
    )
    assert [c.status for c in server.calls] == [401]

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env.update(BOT_TOKEN=TEST_TOKEN, BOT_API_BASE_URL=nobody)
    unreachable = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=START_TIMEOUT)
    assert unreachable.returncode == 2  # issue 15: both start-up failures exit 2
    last = unreachable.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: cannot reach the Bot API server at {nobody}")
    assert not (tmp_path / "aoun.sqlite3-wal").exists()  # the database was closed
