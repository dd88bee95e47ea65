"""Settings from the environment and .env, and the `python -m bot` command line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import __main__ as cli
from bot.app import build_application
from bot.config import ConfigError, Settings
from tests.harness import TEST_TOKEN

ROOT = Path(__file__).resolve().parent.parent


def settings(**env: str) -> Settings:
    return Settings.from_env({"BOT_TOKEN": TEST_TOKEN, **env})


def run_cli(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ...` with a clean environment (no real token leaks in)."""
    base = {
        key: value for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR"}
    }
    base["PYTHONPATH"] = str(ROOT)
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd, env=base, capture_output=True, text=True, timeout=120,
    )


# -- Settings.from_env ---------------------------------------------------------------------------


def test_defaults() -> None:
    s = settings()
    assert s.bot_token == TEST_TOKEN
    assert s.database_path == Path("data/aoun.sqlite3")
    assert s.admin_ids == frozenset()
    assert s.default_locale == "ar"
    assert str(s.timezone) == "Asia/Riyadh"
    assert s.bot_api_base_url == "https://api.telegram.org"
    assert s.webhook_url == "" and s.port == 8443
    assert s.invite_ttl == timedelta(days=7)
    assert s.reminder_leads == (timedelta(hours=24), timedelta(hours=2))


def test_values_are_parsed() -> None:
    s = settings(
        ADMIN_IDS=" 11, 22 ,,33",
        DEFAULT_LOCALE="EN",
        TIMEZONE="Asia/Karachi",
        BOT_API_BASE_URL="http://127.0.0.1:8081/",
        INVITE_TTL="36h",
        REMINDER_LEADS="2h, 1d, 30m",
        REQUIRE_APPROVAL="yes",
        SEND_RATE="12.5",
        CITIES="quba, uhud",
        LOG_LEVEL="debug",
    )
    assert s.admin_ids == frozenset({11, 22, 33})
    assert s.default_locale == "en"
    assert str(s.timezone) == "Asia/Karachi"
    assert s.bot_api_base_url == "http://127.0.0.1:8081"
    assert s.invite_ttl == timedelta(hours=36)
    assert s.reminder_leads == (timedelta(days=1), timedelta(hours=2), timedelta(minutes=30))
    assert s.require_approval is True
    assert s.send_rate == 12.5
    assert s.cities == ("quba", "uhud")
    assert s.log_level == "DEBUG"


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        settings().port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BOT_TOKEN": ""}, "BOT_TOKEN is missing"),
        ({"BOT_TOKEN": "   "}, "BOT_TOKEN is missing"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN is malformed"),
        ({"ADMIN_IDS": "12,abc"}, "ADMIN_IDS is malformed"),
        ({"DEFAULT_LOCALE": "fr"}, "DEFAULT_LOCALE is malformed"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE is malformed"),
        ({"BOT_API_BASE_URL": "ftp://x"}, "BOT_API_BASE_URL is malformed"),
        ({"PORT": "eighty"}, "PORT is malformed"),
        ({"PORT": "-1"}, "PORT is malformed"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL is malformed"),
        ({"REQUIRE_APPROVAL": "maybe"}, "REQUIRE_APPROVAL is malformed"),
        ({"INVITE_TTL": "a week"}, "INVITE_TTL is malformed"),
        ({"REMINDER_LEADS": ","}, "REMINDER_LEADS is malformed"),
        ({"SEND_RATE": "31"}, "SEND_RATE is malformed"),
        ({"OVERBOOK_FACTOR": "lots"}, "OVERBOOK_FACTOR is malformed"),
        ({"WEBHOOK_URL": "https://bot.example.org"}, "WEBHOOK_SECRET is missing"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**env)
    message = str(raised.value)
    assert message.startswith(variable)
    assert "\n" not in message and "Traceback" not in message


def test_token_is_optional_for_commands_that_do_not_talk_to_telegram() -> None:
    assert Settings.from_env({}, require_token=False).bot_token == ""


def test_every_variable_is_documented() -> None:
    names = [name for name, _default, doc in Settings.variables() if doc]
    assert len(names) == len(Settings.variables())
    assert {"BOT_TOKEN", "DATABASE_PATH", "ADMIN_IDS", "DEFAULT_LOCALE", "TIMEZONE",
            "BOT_API_BASE_URL", "WEBHOOK_URL", "WEBHOOK_SECRET", "PORT"} <= set(names)


def test_bot_api_base_url_points_calls_and_files_at_another_server(tmp_path: Path) -> None:
    s = settings(BOT_API_BASE_URL="http://127.0.0.1:8081", DATABASE_PATH=str(tmp_path / "x.db"))
    app = build_application(s)
    assert app.bot.base_url == f"http://127.0.0.1:8081/bot{TEST_TOKEN}"
    assert app.bot.base_file_url == f"http://127.0.0.1:8081/file/bot{TEST_TOKEN}"


def test_webhook_mode_uses_ptb_server_with_the_secret(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    class FakeApp:
        def __init__(self) -> None:
            self.bot_data: dict[str, Any] = {}

        def run_webhook(self, **kwargs: Any) -> None:
            seen["webhook"] = kwargs

        def run_polling(self, **kwargs: Any) -> None:
            seen["polling"] = kwargs

    app = FakeApp()
    monkeypatch.setattr("bot.app.build_application", lambda _settings: app)
    cli.run(settings(WEBHOOK_URL="https://bot.example.org/", WEBHOOK_SECRET="s3cret", PORT="8080"))
    webhook = seen["webhook"]
    assert webhook["webhook_url"] == "https://bot.example.org/telegram"
    assert webhook["secret_token"] == "s3cret"
    assert webhook["port"] == 8080 and webhook["url_path"] == "telegram"
    assert app.bot_data["own_process"]  # its post_init freezes start-up's heap (test_scale)
    cli.run(settings())
    assert "polling" in seen


# -- the command line -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "12345"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": TEST_TOKEN, "ADMIN_IDS": "me"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": TEST_TOKEN, "TIMEZONE": "Nowhere/Else"}, "TIMEZONE"),
    ],
)
def test_run_stops_with_one_clear_line_and_no_traceback(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = run_cli(cwd=tmp_path, DATABASE_PATH=str(tmp_path / "db.sqlite3"), **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] and lines[0].startswith("configuration error:")
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "db.sqlite3").exists()  # nothing was started


def test_help_lists_subcommands_and_environment_variables() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "console", "i18n"):
        assert f"\n    {command}" in result.stdout
    for name, _default, _doc in Settings.variables():
        assert name in result.stdout


def test_migrate_creates_the_folder_applies_and_is_idempotent(tmp_path: Path) -> None:
    database = tmp_path / "deep" / "er" / "aoun.sqlite3"
    first = run_cli("migrate", DATABASE_PATH=str(database))  # no BOT_TOKEN needed
    assert first.returncode == 0, first.stderr
    assert "applied migrations: [1, 2" in first.stdout
    assert database.is_file()
    second = run_cli("migrate", DATABASE_PATH=str(database))
    assert second.returncode == 0 and "up to date" in second.stdout
    with sqlite3.connect(database) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert versions[:2] == [1, 2] and versions == sorted(set(versions))


def test_dotenv_file_is_honoured_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# office settings\nDATABASE_PATH=from-dotenv/aoun.sqlite3\nADMIN_IDS=not-a-number\n",
        encoding="utf-8",
    )
    # ADMIN_IDS from .env is malformed: reported, so the file was read.
    bad = run_cli("migrate", cwd=tmp_path)
    assert bad.returncode != 0 and "ADMIN_IDS is malformed" in bad.stderr
    # The real environment overrides .env; DATABASE_PATH still comes from .env.
    good = run_cli("migrate", cwd=tmp_path, ADMIN_IDS="5")
    assert good.returncode == 0, good.stderr
    assert (tmp_path / "from-dotenv" / "aoun.sqlite3").is_file()
