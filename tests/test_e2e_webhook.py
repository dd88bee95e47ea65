"""End to end in webhook mode: `python -m bot` with WEBHOOK_URL serves PTB's webhook server,
checks Telegram's secret token, answers through the (fake) Bot API, and stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_bot_api import FakeBotAPI, message_update, user_dict
from tests.harness import TEST_TOKEN

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-token_for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(port: int, update: dict[str, object], secret: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        method="POST",
    )
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
    try:
        with direct.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except urllib.error.URLError:  # not listening yet
        return 0


@pytest.fixture
def server() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=TEST_TOKEN).in_thread() as running:
        yield running


def test_webhook_mode_answers_only_calls_with_the_secret_and_stops_cleanly(
    server: FakeBotAPI, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DEFAULT_LOCALE"}
    env.update(
        BOT_TOKEN=TEST_TOKEN,
        BOT_API_BASE_URL=server.base_url,
        DATABASE_PATH=str(tmp_path / "aoun.sqlite3"),
        WEBHOOK_URL="https://aoun.example.org/hooks",
        WEBHOOK_SECRET=SECRET,
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        hook = server.wait_for(lambda: server.sent(method="setWebhook") or proc.poll() is not None, 60)
        assert proc.poll() is None, log_path.read_text()
        assert hook[0].params["url"] == "https://aoun.example.org/hooks/telegram"
        assert hook[0].params["secret_token"] == SECRET
        user = user_dict(301, "Maryam", "en")
        deadline = time.monotonic() + 30
        while True:  # the webhook server may need a moment after setWebhook
            status = post(port, message_update(user, "/start"), "wrong-secret")
            if status != 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == 403
        assert post(port, {"update_id": 7, **message_update(user, "/start")}, SECRET) == 200
        reply = server.wait_for_message(301, timeout=30)
        assert "Aoun" in reply.text and "Maryam" in reply.text
        assert len(server.sent(chat_id=301, method="sendMessage")) == 1  # the forged call did nothing
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
