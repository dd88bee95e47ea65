"""`python -m bot [run|migrate|console|backup|restore|health|i18n]`: see `python -m bot --help`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_dotenv_file


def _parser() -> argparse.ArgumentParser:
    variables = "\n".join(
        f"  {name:<22} {doc} (default: {default or 'none'})"
        for name, default, doc in Settings.variables()
    )
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Aoun (عون): the volunteer desk of a regional volunteer office, on Telegram.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"environment variables (also read from ./.env):\n{variables}",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (the default): long polling, or a webhook if WEBHOOK_URL is set")
    sub.add_parser("migrate", help="apply database migrations and exit")
    console = sub.add_parser("console", help="use the whole bot in this terminal, offline, no token needed")
    console.add_argument("--demo", action="store_true", help="fill a fresh database with demo data")
    sub.add_parser("backup", help="write a consistent copy of the database into BACKUP_DIR")
    restore = sub.add_parser("restore", help="put a backup back in place of the database (bot stopped)")
    restore.add_argument("file", type=Path, help="the backup file to restore")
    sub.add_parser("health", help="exit 0 when the running bot's tick and sender are fresh")
    i18n = sub.add_parser("i18n", help="extract messages and update the catalogs under locales/")
    i18n.add_argument("action", choices=["update", "check"], help="update: extract + merge; check: list untranslated")
    return parser


def _settings(require_token: bool) -> Settings:
    load_dotenv_file()
    try:
        return Settings.from_env(require_token=require_token)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _configure_logging(settings: Settings) -> None:
    from bot import logs

    logs.configure(settings.log_level, settings.log_format, settings.secrets())


class StartupError(Exception):
    """The bot cannot start; the message is the one line to print."""


async def check_bot_api(settings: Settings) -> None:
    """getMe once before anything else starts: a wrong token or an unreachable Bot API server
    is one clear line (StartupError), not PTB's retry loop and its tracebacks."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    bot = Bot(
        settings.bot_token,
        base_url=f"{settings.bot_api_base_url}/bot",
        base_file_url=f"{settings.bot_api_base_url}/file/bot",
    )
    try:
        async with bot:
            pass  # initialize() calls getMe
    except InvalidToken:
        raise StartupError(
            "configuration error: BOT_TOKEN was rejected by the Bot API server at "
            f"{settings.bot_api_base_url}"
        ) from None
    except NetworkError as exc:
        raise StartupError(
            f"error: cannot reach the Bot API server at {settings.bot_api_base_url}"
            f" (BOT_API_BASE_URL): {_one_line(exc)}"
        ) from None
    except TelegramError as exc:
        raise StartupError(f"error: the Bot API server refused getMe: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0] if text else type(exc).__name__


def run(settings: Settings) -> int:
    """Long polling, or PTB's webhook server when WEBHOOK_URL is set; SIGTERM/SIGINT stop it.
    Returns the exit code: 2 when another process already polls this token."""
    from telegram import Update

    from bot.app import build_application

    app = build_application(settings)
    if hasattr(app, "bot_data"):  # the heap start-up built is frozen (app.freeze_startup_heap)
        app.bot_data["own_process"] = True
    if settings.webhook_url:
        app.run_webhook(
            listen="0.0.0.0",
            port=settings.port,
            url_path="telegram",
            webhook_url=f"{settings.webhook_url}/telegram",
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        return 0
    if hasattr(app, "bot_data"):
        app.bot_data["polling"] = True  # first make sure no other process polls this token
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    if getattr(app, "bot_data", {}).get("exit_code") == 2:
        print(
            "error: another process is already polling this bot token (Telegram answered"
            " 409 Conflict to getUpdates); run one process per token",
            file=sys.stderr,
        )
        return 2
    return 0


async def migrate(settings: Settings) -> list[int]:
    from bot.db import Database

    database = await Database.open(settings.database_path)
    try:
        return await database.migrate(backup_dir=settings.backup_dir)
    finally:
        await database.close()


async def backup_now(settings: Settings) -> Path:
    from bot import backup
    from bot.db import Database

    database = await Database.open(settings.database_path)
    try:
        return await backup.take(database, settings)
    finally:
        await database.close()


async def health_report(settings: Settings) -> tuple[bool, str]:
    from datetime import UTC, datetime

    from bot import health
    from bot.db import Database

    database = await Database.open(settings.database_path)
    try:
        report = await health.check(database, settings, now=datetime.now(UTC))
    finally:
        await database.close()
    return report.healthy, report.text()


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command == "i18n":
        from bot import i18n_tool

        return i18n_tool.main(args.action)
    settings = _settings(require_token=command == "run")
    _configure_logging(settings)
    from bot.db import MigrationError

    try:
        return _command(command, args, settings)
    except MigrationError as exc:
        return _fail(f"database error: {exc}")


def _command(command: str, args: argparse.Namespace, settings: Settings) -> int:
    import sqlite3

    from bot import backup

    if command == "migrate":
        applied = asyncio.run(migrate(settings))
        print(f"applied migrations: {applied or 'none (up to date)'}")
        return 0
    if command == "console":
        from bot import console

        return console.main(settings, demo=args.demo)
    if command == "backup":
        if not settings.database_path.is_file():
            return _fail(f"error: there is no database at {settings.database_path} (DATABASE_PATH)")
        print(f"backup written to {asyncio.run(backup_now(settings))}")
        return 0
    if command == "restore":
        try:
            safety = backup.restore(settings, args.file)
        except backup.BotIsRunning as exc:
            return _fail(f"refused: {exc}; stop it first, then restore")
        except ValueError as exc:
            return _fail(f"refused: {exc}")
        if safety is not None:
            print(f"the database that was there is kept as {safety}")
        print(f"restored {args.file} to {settings.database_path}")
        return 0
    if command == "health":
        if not settings.database_path.is_file():
            print(f"UNHEALTHY: there is no database at {settings.database_path}")
            return 1
        try:
            healthy, text = asyncio.run(health_report(settings))
        except sqlite3.Error as exc:
            print(f"UNHEALTHY: cannot read {settings.database_path}: {exc}")
            return 1
        print(text)
        return 0 if healthy else 1
    from telegram.error import InvalidToken, NetworkError

    try:
        asyncio.run(check_bot_api(settings))
        with backup.run_lock(settings.database_path):
            code = run(settings)
    except StartupError as exc:
        return _fail(str(exc))
    except backup.BotIsRunning as exc:
        return _fail(f"error: {exc}; Telegram allows one bot process per token")
    except InvalidToken:
        return _fail(
            "configuration error: BOT_TOKEN was rejected by the Bot API server at "
            f"{settings.bot_api_base_url}"
        )
    except NetworkError as exc:  # only start-up gets here: PTB retries once it is polling
        return _fail(
            f"error: cannot reach the Bot API server at {settings.bot_api_base_url}"
            f" (BOT_API_BASE_URL): {_one_line(exc)}"
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
