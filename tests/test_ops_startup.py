"""First run and running for a season: settings that keep secrets, the token check, one clear
line at start-up, the localized bot profile, error logs and alerts, `console --demo` again."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import logs
from bot.config import ConfigError, Settings
from bot.console import Console, console_settings
from bot.handlers.errors import failing_handler
from bot.operations.alerts import ALERT_WINDOW
from tests.factories import create_user
from tests.factories_delivery import my_chat_member
from tests.fake_bot_api import FakeBotAPI
from tests.harness import TEST_TOKEN, BotHarness, make_settings
from tests.test_config import ROOT, run_cli

OPS = -1009988776655


# -- settings ---------------------------------------------------------------------------------------


def test_the_token_and_the_webhook_secret_stay_out_of_repr() -> None:
    settings = Settings.from_env({
        "BOT_TOKEN": TEST_TOKEN, "WEBHOOK_URL": "https://bot.example.org",
        "WEBHOOK_SECRET": "Very_secret-123",
    })
    shown = repr(settings) + str(settings)
    assert TEST_TOKEN not in shown and TEST_TOKEN.split(":")[1] not in shown
    assert "Very_secret-123" not in shown
    assert "bot.example.org" in shown  # the rest is still there to read


@pytest.mark.parametrize("secret", ["has space", "ümlaut", "semi;colon", "x" * 257])
def test_a_webhook_secret_telegram_would_refuse_is_refused(secret: str) -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET is malformed"):
        Settings.from_env({"BOT_TOKEN": TEST_TOKEN, "WEBHOOK_URL": "https://b.example.org",
                           "WEBHOOK_SECRET": secret})


def test_new_settings_parse_and_default() -> None:
    default = Settings.from_env({"BOT_TOKEN": TEST_TOKEN})
    assert default.log_format == "text" and default.ops_chat_id is None
    assert default.backup_dir == Path("data/backups") and default.backup_keep == 28
    s = Settings.from_env({"BOT_TOKEN": TEST_TOKEN, "LOG_FORMAT": "JSON", "OPS_CHAT_ID": str(OPS),
                           "BACKUP_INTERVAL": "0", "BACKUP_KEEP": "3"})
    assert s.log_format == "json" and s.ops_chat_id == OPS
    assert s.backup_interval.total_seconds() == 0 and s.backup_keep == 3
    for env in ({"LOG_FORMAT": "xml"}, {"OPS_CHAT_ID": "ops"}, {"BACKUP_KEEP": "0"}):
        with pytest.raises(ConfigError):
            Settings.from_env({"BOT_TOKEN": TEST_TOKEN, **env})


def test_the_readme_example_token_passes_the_check() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    token = re.search(r"BOT_TOKEN=(\S+)", readme.split("## Quick start", 1)[1]).group(1)
    assert Settings.from_env({"BOT_TOKEN": token}).bot_token == token


# -- start-up -------------------------------------------------------------------------------------


def test_a_wrong_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with FakeBotAPI(token=TEST_TOKEN).in_thread() as server:
        result = run_cli(
            BOT_TOKEN="123456789:paste-the-token-from-BotFather", BOT_API_BASE_URL=server.base_url,
            DATABASE_PATH=str(tmp_path / "aoun.sqlite3"), cwd=tmp_path,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"configuration error: BOT_TOKEN was rejected by the Bot API server at {server.base_url}"
    ]
    assert "Traceback" not in result.stdout
    assert not (tmp_path / "aoun.sqlite3").exists()  # nothing was started


def test_an_unreachable_bot_api_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = run_cli(BOT_TOKEN=TEST_TOKEN, BOT_API_BASE_URL=nobody,
                     DATABASE_PATH=str(tmp_path / "aoun.sqlite3"), cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot reach the Bot API server at {nobody}")


async def test_the_bot_profile_is_published_per_language(bot: BotHarness) -> None:
    profile = bot.api.bot_profile
    assert profile[("name", "ar")] == "عون - مكتب التطوع"
    assert profile[("name", "en")] == "Aoun volunteer desk"
    assert profile[("name", "")] == profile[("name", "ar")]  # DEFAULT_LOCALE=ar for the rest
    for field in ("description", "short_description"):
        assert re.search(r"[\u0600-\u06FF]", profile[(field, "ar")])
        assert profile[(field, "en")].isascii() and profile[(field, "en")]
    # Published again (the next start), nothing unchanged is sent (setMyName is rate-limited).
    before = len(bot.api.calls)
    await bot.app.post_init(bot.app)
    again = bot.api.calls[before:]
    assert [c.method for c in again if c.method.startswith("getMy") and "Name" in c.method]
    assert not [c for c in again if c.method in ("setMyName", "setMyDescription",
                                                 "setMyShortDescription")]


# -- logs and alerts ---------------------------------------------------------------------------------


def record(message: str, **extra: Any) -> logging.LogRecord:
    rec = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_json_logs_carry_the_update_fields_and_mask_secrets() -> None:
    formatter = logs.JsonFormatter([TEST_TOKEN])
    line = formatter.format(record(f"GET /bot{TEST_TOKEN}/getMe", update_id=5, user_id=7,
                                   chat_id=7, handler="reports.stats"))
    entry = json.loads(line)
    assert entry["update_id"] == 5 and entry["handler"] == "reports.stats"
    assert entry["level"] == "ERROR" and TEST_TOKEN not in line and "***" in entry["message"]
    text = logs.TextFormatter([TEST_TOKEN]).format(record(f"x {TEST_TOKEN}", update_id=5))
    assert TEST_TOKEN not in text and "update_id=5" in text


def test_log_format_json_makes_every_line_json(tmp_path: Path) -> None:
    result = run_cli("migrate", LOG_FORMAT="json", DATABASE_PATH=str(tmp_path / "a.sqlite3"))
    assert result.returncode == 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["logger"] for line in lines)


async def test_an_unhandled_error_is_logged_with_its_update_and_alerted_without_personal_data(
    make_bot: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_bot(OPS_CHAT_ID=str(OPS))
    await create_user(bot.db, 90817, role="coordinator", first_name="Huda", locale="en")
    huda = bot.user(90817, "Huda", "en")

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("row for Fatima Alharbi +966500000001")

    monkeypatch.setattr("bot.db.stats_volunteers", broken)
    with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
        await bot.command(huda, "/stats")
        await bot.command(huda, "/stats")
    errors = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert len(errors) == 2
    assert errors[0].update_id is not None  # type: ignore[attr-defined]
    assert errors[0].user_id == huda.id == errors[0].chat_id  # type: ignore[attr-defined]
    assert errors[0].handler == "reports.stats"  # type: ignore[attr-defined]
    sent = await bot.flush_outbox()
    alerts = [c for c in sent if c.chat_id == OPS]
    assert len(alerts) == 1  # two errors, one alert in the window
    alert = alerts[0].text
    assert "RuntimeError" in alert and "reports.stats" in alert
    assert "Fatima" not in alert and "966" not in alert and "Huda" not in alert
    assert str(huda.id) not in alert
    bot.clock.advance(seconds=ALERT_WINDOW.total_seconds())
    await bot.command(huda, "/stats")
    assert len([c for c in await bot.flush_outbox() if c.chat_id == OPS]) == 1


def test_the_failing_handler_is_named_from_the_traceback() -> None:
    assert failing_handler(None) == "unknown"
    assert failing_handler(ValueError()) == "unknown"


# -- reachability -----------------------------------------------------------------------------------


async def test_only_blocking_in_the_private_chat_marks_a_person_unreachable(bot: BotHarness) -> None:
    from bot import db

    await bot.command(bot.user(5001, "Salim"), "/start")
    group_update = my_chat_member(5001, "Salim", "member", "left", 0)
    group_update["my_chat_member"]["chat"] = {"id": -100555, "type": "group", "title": "Friends"}
    await bot.process(group_update)  # Salim removed the bot from a group
    assert (await db.get_user(bot.db, 5001))["reachable"] == 1
    await bot.process(my_chat_member(5001, "Salim", "member", "kicked", 0))
    assert (await db.get_user(bot.db, 5001))["reachable"] == 0


# -- console --demo twice ------------------------------------------------------------------------


async def test_console_demo_can_be_run_again(tmp_path: Path, clock: Any) -> None:
    settings = make_settings(tmp_path)
    settings = console_settings(settings, {"DATABASE_PATH": str(settings.database_path)})
    outputs = []
    for _ in range(2):
        out = io.StringIO()
        console = Console(settings, stdin=io.StringIO("/quit\n"), stdout=out, clock=clock)
        assert await console.run(demo=True) == 0
        outputs.append(out.getvalue())
    assert "Demo data:" in outputs[0]
    assert "already has the demo data of an earlier --demo run: it was kept" in outputs[1]
    assert "[guest] >" in outputs[1]


def test_python_m_bot_console_demo_twice_exits_0(tmp_path: Path) -> None:
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "bot", "console", "--demo"], cwd=tmp_path, input="/quit\n",
            capture_output=True, text=True, timeout=120,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert "kept" in result.stdout


def test_help_lists_the_operations_commands() -> None:
    result = run_cli("--help")
    for command in ("backup", "restore", "health"):
        assert f"\n    {command}" in result.stdout
