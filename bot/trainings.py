"""Trainings and lectures: the rules of their qualifications and of the answers that make one.

Pure: no Telegram, no SQL. A training grants its specialty's qualification for a number of
months from the day it is granted; a lecture grants nothing. A qualification granted by hand has
no expiry. A qualification is valid up to (not including) its expiry moment.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.answers import strip_bidi_controls
from bot.i18n import _, ngettext

TRAINING, LECTURE = "training", "lecture"
KINDS = (TRAINING, LECTURE)
EXPIRY_NOTICE = timedelta(days=30)
MAX_TITLE, MAX_TRAINER, MAX_PLACE = 120, 80, 200
MAX_CAPACITY = 1000
MAX_VALIDITY_MONTHS = 120
MAX_LENGTH = timedelta(days=14)


class TrainingInputError(ValueError):
    """An answer that cannot be accepted; `message()` says why in the current locale."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def message(self) -> str:
        code = self.code
        if code == "text":
            return ngettext(
                "Please type a shorter text (at most {n} character).",
                "Please type a shorter text (at most {n} characters).", MAX_TITLE,
            ).format(n=MAX_TITLE)
        if code == "empty":
            return _("Please type some text.")
        if code == "link":
            return _("An online link must start with https:// and name a website.")
        if code == "capacity":
            return _("Please type a number of seats from 1 to {n}.").format(n=MAX_CAPACITY)
        if code == "validity":
            return _("Please type a number of months from 1 to {n}.").format(n=MAX_VALIDITY_MONTHS)
        if code == "past":
            return _("The session must start in the future.")
        if code == "order":
            return _("The session must end after it starts.")
        if code == "long":
            return _("A session can last at most 14 days.")
        return _("Please check your answer.")


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expires_at(granted_at: datetime, validity_months: int | None) -> datetime | None:
    """When a qualification granted at `granted_at` runs out (None: never)."""
    return None if not validity_months else add_months(granted_at, validity_months)


def is_valid(expiry: datetime | None, at: datetime) -> bool:
    return expiry is None or at < expiry


def expiring_soon(expiry: datetime | None, now: datetime, within: timedelta = EXPIRY_NOTICE) -> bool:
    """Still valid, but not for longer than `within` (the volunteer is told and offered sessions)."""
    return expiry is not None and now < expiry <= now + within


def check_text(text: str | None, limit: int = MAX_TITLE) -> str:
    cleaned = strip_bidi_controls(text or "")  # a reversing mark in a title reverses the list
    if not cleaned:
        raise TrainingInputError("empty")
    if len(cleaned) > limit:
        raise TrainingInputError("text")
    return cleaned


def check_link(text: str) -> str:
    cleaned = text.strip()
    parts = urlsplit(cleaned)
    if parts.scheme != "https" or "." not in parts.netloc or " " in cleaned:
        raise TrainingInputError("link")
    return cleaned


def looks_like_link(text: str) -> bool:
    return text.strip().lower().startswith(("http://", "https://", "www."))


def check_capacity(text: str) -> int:
    digits = text.strip()
    if not digits.isdigit() or not 1 <= int(digits) <= MAX_CAPACITY:
        raise TrainingInputError("capacity")
    return int(digits)


def check_validity(text: str) -> int:
    digits = text.strip()
    if not digits.isdigit() or not 1 <= int(digits) <= MAX_VALIDITY_MONTHS:
        raise TrainingInputError("validity")
    return int(digits)


def check_window(starts: datetime, ends: datetime | None, now: datetime) -> None:
    if starts <= now:
        raise TrainingInputError("past")
    if ends is not None and ends <= starts:
        raise TrainingInputError("order")
    if ends is not None and ends - starts > MAX_LENGTH:
        raise TrainingInputError("long")
