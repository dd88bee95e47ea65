"""Settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SUPPORTED_LOCALES = ("ar", "en")

DEFAULT_CITIES = (
    "central_area",
    "quba",
    "uhud",
    "al_awali",
    "al_aziziyah",
    "al_iskan",
    "sultanah",
    "al_khalidiyyah",
    "airport",
    "train_station",
)


class ConfigError(Exception):
    """A required setting is missing or malformed; the message names the variable."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def _parse_duration(raw: str) -> timedelta:
    """`90s`, `15m`, `3h`, `2d` or a plain number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", raw.lower())
    if not match:
        raise ValueError("expected a duration such as 90s, 15m, 3h or 2d")
    number, unit = float(match.group(1)), match.group(2) or "s"
    return timedelta(seconds=number * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit])


def _parse_durations(raw: str) -> tuple[timedelta, ...]:
    parts = [p for p in raw.split(",") if p.strip()]
    if not parts:
        raise ValueError("expected a comma-separated list of durations such as 24h,2h")
    return tuple(sorted((_parse_duration(p) for p in parts), reverse=True))


def _parse_leads(raw: str) -> tuple[timedelta, ...]:
    """Durations such as 24h,6h, or "off" for none."""
    if raw.strip().lower() in ("off", "none", "0"):
        return ()
    return _parse_durations(raw)


def _parse_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ValueError(f"{part!r} is not a numeric Telegram id")
        ids.add(int(part))
    return frozenset(ids)


def _parse_locale(raw: str) -> str:
    value = raw.strip().lower()
    if value not in SUPPORTED_LOCALES:
        raise ValueError(f"expected one of {', '.join(SUPPORTED_LOCALES)}")
    return value


def _parse_timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("unknown time zone (expected e.g. Asia/Riyadh)") from exc


def _parse_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("expected an http:// or https:// URL")
    return value


def _parse_positive_int(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"{raw.strip()!r} is not a positive whole number")
    return value


def _parse_positive_float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{raw.strip()!r} is not a positive number")
    return value


def _parse_attempts(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"{raw.strip()!r} is not a whole number (0 for no limit)")
    return value


def _parse_paid_rate(raw: str) -> float | None:
    if not raw.strip() or raw.strip().lower() in {"off", "0"}:
        return None
    value = _parse_positive_float(raw)
    if value > 1000:
        raise ValueError("Telegram allows at most 1000 paid messages per second; use 1000 or less")
    return value


def _parse_log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return value


def _parse_send_rate(raw: str) -> float:
    value = _parse_positive_float(raw)
    if value > 30:
        raise ValueError("Telegram allows at most 30 messages per second; use 30 or less")
    return value


def _parse_cities(raw: str) -> tuple[str, ...]:
    cities = tuple(c.strip() for c in raw.split(",") if c.strip())
    if not cities:
        raise ValueError("expected a comma-separated list of city or district names")
    return cities


def _parse_webhook_secret(raw: str) -> str:
    value = raw.strip()
    # Telegram's rule for setWebhook's secret_token: 1-256 characters, A-Z a-z 0-9 _ -.
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        raise ValueError("use 1 to 256 characters among A-Z, a-z, 0-9, _ and - (Telegram's rule)")
    return value


def _parse_log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"text", "json"}:
        raise ValueError("expected text or json")
    return value


def _parse_chat_id(raw: str) -> int:
    value = raw.strip()
    if not value.lstrip("-").isdigit():
        raise ValueError(f"{value!r} is not a numeric Telegram chat id")
    return int(value)


def _parse_quiet_hours(raw: str) -> tuple[time, time] | None:
    """`23:00-06:00` (office time; may wrap past midnight), or `off`."""
    value = raw.strip().lower()
    if value in {"off", "none", "0"}:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", value)
    if not match:
        raise ValueError("expected a range such as 23:00-06:00, or off")
    hours_start, minutes_start, hours_end, minutes_end = (int(g) for g in match.groups())
    if max(hours_start, hours_end) > 23 or max(minutes_start, minutes_end) > 59:
        raise ValueError("hours go from 00 to 23 and minutes from 00 to 59")
    start, end = time(hours_start, minutes_start), time(hours_end, minutes_end)
    if start == end:
        raise ValueError("the range starts and ends at the same time; use off for none")
    return start, end


def _setting(
    env: str, parse: Callable[[str], Any], default: Any = None, *, doc: str, secret: bool = False
) -> Any:
    # Secrets stay out of repr(settings), so a logged or printed Settings never shows them.
    return field(
        default=default, repr=not secret, metadata={"env": env, "parse": parse, "doc": doc}
    )


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the environment variable that sets it."""

    bot_token: str = _setting(
        "BOT_TOKEN", str.strip, "", doc="Telegram bot token (required to run)", secret=True
    )
    database_path: Path = _setting(
        "DATABASE_PATH", Path, Path("./data/aoun.sqlite3"), doc="SQLite database file"
    )
    admin_ids: frozenset[int] = _setting(
        "ADMIN_IDS",
        _parse_ids,
        frozenset(),
        doc="comma-separated Telegram ids made admins while the office has no admin (bootstrap only)",
    )
    default_locale: str = _setting(
        "DEFAULT_LOCALE", _parse_locale, "ar", doc="language for users who have not chosen (ar or en)"
    )
    timezone: ZoneInfo = _setting(
        "TIMEZONE", _parse_timezone, ZoneInfo("Asia/Riyadh"), doc="the office's time zone"
    )
    office_name: str = _setting(
        "OFFICE_NAME", str.strip, "", doc="the office's name on hours certificates (default: the bot's name)"
    )
    bot_api_base_url: str = _setting(
        "BOT_API_BASE_URL",
        _parse_url,
        "https://api.telegram.org",
        doc="Bot API server root; /bot<token>/<method> is appended",
    )
    webhook_url: str = _setting(
        "WEBHOOK_URL", _parse_url, "", doc="public HTTPS URL; enables webhook mode when set"
    )
    webhook_secret: str = _setting(
        "WEBHOOK_SECRET",
        _parse_webhook_secret,
        "",
        doc="secret_token Telegram sends with each webhook call (A-Z a-z 0-9 _ -)",
        secret=True,
    )
    port: int = _setting("PORT", _parse_positive_int, 8443, doc="port of the webhook server")
    log_level: str = _setting("LOG_LEVEL", _parse_log_level, "INFO", doc="logging level")
    log_format: str = _setting(
        "LOG_FORMAT", _parse_log_format, "text", doc="log lines as text or json (one object a line)"
    )
    ops_chat_id: int | None = _setting(
        "OPS_CHAT_ID", _parse_chat_id, None, doc="chat that gets alerts of unhandled errors"
    )
    # Backups
    backup_dir: Path = _setting(
        "BACKUP_DIR", Path, Path("./data/backups"), doc="folder for database backups"
    )
    backup_interval: timedelta = _setting(
        "BACKUP_INTERVAL",
        _parse_duration,
        timedelta(hours=6),
        doc="backup while running every so often (0 turns it off)",
    )
    backup_keep: int = _setting(
        "BACKUP_KEEP", _parse_positive_int, 28, doc="backups kept in BACKUP_DIR (oldest go first)"
    )
    # Registration
    min_volunteer_age: int = _setting(
        "MIN_VOLUNTEER_AGE", _parse_positive_int, 15, doc="youngest age accepted at registration"
    )
    require_approval: bool = _setting(
        "REQUIRE_APPROVAL", _parse_bool, False, doc="new volunteers wait for a coordinator"
    )
    cities: tuple[str, ...] = _setting(
        "CITIES", _parse_cities, DEFAULT_CITIES, doc="city/district choices offered at registration"
    )
    draft_ttl: timedelta = _setting(
        "DRAFT_TTL", _parse_duration, timedelta(days=7),
        doc="an unfinished draft (registration, /need, /broadcast...) is discarded after this",
    )
    # Entities and needs
    invite_ttl: timedelta = _setting(
        "INVITE_TTL", _parse_duration, timedelta(days=7), doc="how long an invite link is valid"
    )
    # Delivery
    send_rate: float = _setting(
        "SEND_RATE", _parse_send_rate, 25.0, doc="messages per second overall (at most 30)"
    )
    send_max_attempts: int = _setting(
        "SEND_MAX_ATTEMPTS", _parse_attempts, 0,
        doc="tries before a message is failed (0: retried until its deadline)",
    )
    send_max_age: timedelta = _setting(
        "SEND_MAX_AGE", _parse_duration, timedelta(hours=24),
        doc="a notice or broadcast not delivered by then is expired",
    )
    paid_broadcast_rate: float | None = _setting(
        "PAID_BROADCAST_RATE", _parse_paid_rate, None,
        doc="messages/s of urgent broadcasts, paid in Telegram Stars (unset: off; at most 1000)",
    )
    # Dispatch
    dispatch_interval: timedelta = _setting(
        "DISPATCH_INTERVAL", _parse_duration, timedelta(seconds=60), doc="scheduler tick"
    )
    offer_horizon_days: int = _setting(
        "OFFER_HORIZON_DAYS", _parse_positive_int, 14, doc="offer shifts starting within N days"
    )
    overbook_factor: float = _setting(
        "OVERBOOK_FACTOR", _parse_positive_float, 1.5, doc="outstanding offers per open slot"
    )
    offer_ttl: timedelta = _setting(
        "OFFER_TTL", _parse_duration, timedelta(hours=3), doc="how long an offer stays open"
    )
    late_cancel_hours: int = _setting(
        "LATE_CANCEL_HOURS", _parse_positive_int, 12, doc="cancelling later than this is late"
    )
    reminder_leads: tuple[timedelta, ...] = _setting(
        "REMINDER_LEADS",
        _parse_durations,
        (timedelta(hours=24), timedelta(hours=2)),
        doc="reminders before a shift starts",
    )
    confirm_deadline: timedelta = _setting(
        "CONFIRM_DEADLINE",
        _parse_duration,
        timedelta(hours=6),
        doc="unconfirmed this long before start is at-risk",
    )
    escalation_leads: tuple[timedelta, ...] = _setting(
        "ESCALATION_LEADS",
        _parse_leads,
        (timedelta(hours=24), timedelta(hours=6)),
        doc="a shift still short this long before its start is escalated to the office and the entity (off: never)",
    )
    late_grace: timedelta = _setting(
        "LATE_GRACE", _parse_duration, timedelta(minutes=15),
        doc="/today shows a volunteer as late once a shift has run this long without their check-in",
    )
    max_shifts_per_week: int = _setting(
        "MAX_SHIFTS_PER_WEEK", _parse_positive_int, 6, doc="most shifts one volunteer may hold a week"
    )
    waitlist_confirm_ttl: timedelta = _setting(
        "WAITLIST_CONFIRM_TTL",
        _parse_duration,
        timedelta(minutes=30),
        doc="how long a promoted waitlisted volunteer has to confirm",
    )
    # Alerts to the office and the entities
    alert_digest_window: timedelta = _setting(
        "ALERT_DIGEST_WINDOW", _parse_duration, timedelta(minutes=30),
        doc="at-risk and no-show alerts reach each person at most once per this, in one digest",
    )
    quiet_hours: tuple[time, time] | None = _setting(
        "QUIET_HOURS", _parse_quiet_hours, (time(23, 0), time(6, 0)),
        doc="office-time hours with no alert digests unless a shift starts within 2 h (off: none)",
    )
    office_contact: str = _setting(
        "OFFICE_CONTACT", str.strip, "",
        doc="how volunteers reach the office (phone, e-mail or @username), told on suspension",
    )
    # Attendance
    checkin_lead: timedelta = _setting(
        "CHECKIN_LEAD", _parse_duration, timedelta(minutes=30), doc="check-in opens this long before a shift"
    )
    no_show_grace: timedelta = _setting(
        "NO_SHOW_GRACE",
        _parse_duration,
        timedelta(hours=1),
        doc="not checked in this long after a shift ends is a no-show",
    )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, require_token: bool = True
    ) -> Settings:
        """Read settings; raise ConfigError naming the first bad variable."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["env"]
            raw = env.get(name)
            if raw is None or (raw.strip() == "" and name != "BOT_TOKEN"):
                continue
            try:
                values[f.name] = f.metadata["parse"](raw)
            except (ValueError, TypeError) as exc:
                raise ConfigError(f"{name} is malformed: {exc}") from None
        settings = cls(**values)
        if require_token:
            if not settings.bot_token:
                raise ConfigError("BOT_TOKEN is missing: set it to the token @BotFather gave you")
            if not re.fullmatch(r"\d+:[\w-]{20,}", settings.bot_token):
                raise ConfigError("BOT_TOKEN is malformed: expected <digits>:<secret> from @BotFather")
        if settings.webhook_url and not settings.webhook_secret:
            raise ConfigError("WEBHOOK_SECRET is missing: it is required when WEBHOOK_URL is set")
        return settings

    @classmethod
    def secrets(self) -> list[str]:
        """Values that must never reach a log line (the log formatter masks them)."""
        return [value for value in (self.bot_token, self.webhook_secret) if value]

    @classmethod
    def variables(cls) -> list[tuple[str, str, str]]:
        """(name, default, description) of every variable, for --help and the README."""
        rows = []
        for f in fields(cls):
            values = f.default if isinstance(f.default, (tuple, frozenset)) else (f.default,)
            joiner = "-" if all(isinstance(v, time) for v in values) and values else ","  # hours
            shown = "" if f.default is None else joiner.join(_show(v) for v in values)
            rows.append((f.metadata["env"], shown, f.metadata["doc"]))
        return rows


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds % size == 0:
                return f"{seconds // size}{unit}"
        return f"{seconds}s"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def load_dotenv_file(path: str | os.PathLike[str] = ".env") -> None:
    """Honour an optional .env file without overriding the real environment."""
    from dotenv import load_dotenv

    if Path(path).is_file():
        load_dotenv(path, override=False)
