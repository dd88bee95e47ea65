"""Logging set-up: text (default) or one JSON object a line, with secrets masked.

Fields passed with `extra=` (update_id, user_id, chat_id, handler) become JSON keys, and are
appended to text lines, so an error can be traced to its update whichever format is used.
The bot token and the webhook secret are replaced by `***` in every line, whatever logged them
(a URL in an exception message, a repr).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

CONTEXT_FIELDS = ("update_id", "user_id", "chat_id", "handler")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _mask(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class TextFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(TEXT_FORMAT)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = [
            f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS if hasattr(record, name)
        ]
        if context:
            first, newline, rest = text.partition("\n")
            text = f"{first} [{' '.join(context)}]{newline}{rest}"
        return _mask(text, self.secrets)


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", [update_id, user_id, chat_id, handler], [exception]}"""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return _mask(json.dumps(entry, ensure_ascii=False, default=str), self.secrets)


def configure(level: str, fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Root logging for the process: one stderr handler in the chosen format."""
    handler = logging.StreamHandler()
    formatter = JsonFormatter(secrets) if fmt == "json" else TextFormatter(secrets)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
    # httpx logs every request URL, and the URL holds the token: keep it to warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Refused webhook calls are logged by bot/webhook.py once, without tornado's second line.
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
