"""`python -m bot [run|migrate|console|i18n]`: see `python -m bot --help`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

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


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def run(settings: Settings) -> int:
    """Long polling, or PTB's webhook server when WEBHOOK_URL is set; SIGTERM/SIGINT stop it.
    Returns the exit code: 2 when another process already polls this token."""
    from telegram import Update

    from bot.app import build_application

    app = build_application(settings)
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
        return await database.migrate()
    finally:
        await database.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command == "i18n":
        from bot import i18n_tool

        return i18n_tool.main(args.action)
    settings = _settings(require_token=command == "run")
    _configure_logging(settings.log_level)
    if command == "migrate":
        applied = asyncio.run(migrate(settings))
        print(f"applied migrations: {applied or 'none (up to date)'}")
        return 0
    if command == "console":
        from bot import console

        return console.main(settings, demo=args.demo)
    from telegram.error import InvalidToken, NetworkError

    try:
        return run(settings)
    except InvalidToken:
        print(
            "configuration error: BOT_TOKEN was rejected by the Bot API server at "
            f"{settings.bot_api_base_url}",
            file=sys.stderr,
        )
        return 2
    except NetworkError as exc:  # only start-up gets here: PTB retries once it is polling
        print(
            f"error: cannot reach the Bot API server at {settings.bot_api_base_url}"
            f" (BOT_API_BASE_URL): {exc}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
