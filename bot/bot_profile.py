"""The bot's name, description and short description per language: the first screen a new
volunteer sees, before they press Start. Set at start-up, only where Telegram's copy differs
(setMyName in particular is rate-limited hard, so an unchanged name is never sent again)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bot.config import SUPPORTED_LOCALES
from bot.i18n import _, use_locale

log = logging.getLogger(__name__)


def profile_texts() -> dict[str, str]:
    """The three texts in the current locale (name <= 64, short <= 120, description <= 512)."""
    return {
        "name": _("Aoun volunteer desk"),
        "short_description": _(
            "Register as a volunteer, get shift offers that suit you, and keep track of your hours."
        ),
        "description": _(
            "Aoun is the volunteer desk of the volunteer office. Volunteers register here, "
            "receive shift offers that match their specialties, languages and free time, get "
            "reminders and see their hours. Partner entities post their needs, and the office "
            "approves them and follows every shift. Press Start to begin."
        ),
    }


async def _sync(
    read: Callable[..., Awaitable[Any]],
    write: Callable[..., Awaitable[Any]],
    field: str,
    value: str,
    language: str | None,
) -> bool:
    current = await read(language_code=language)
    if getattr(current, field, None) == value:
        return False
    await write(value, language_code=language)
    return True


async def publish(bot: Bot, default_locale: str) -> int:
    """Name, description and short description for each language, and the default ones (for
    users whose language has none) in DEFAULT_LOCALE; returns how many were changed."""
    changed = 0
    targets: list[tuple[str, str | None]] = [(locale, locale) for locale in SUPPORTED_LOCALES]
    targets.append((default_locale, None))
    try:
        for locale, language in targets:
            with use_locale(locale):
                texts = profile_texts()
            changed += await _sync(bot.get_my_name, bot.set_my_name, "name", texts["name"], language)
            changed += await _sync(
                bot.get_my_description, bot.set_my_description, "description",
                texts["description"], language,
            )
            changed += await _sync(
                bot.get_my_short_description, bot.set_my_short_description, "short_description",
                texts["short_description"], language,
            )
    except (TelegramError, TypeError, AttributeError, ValueError):
        # Cosmetic: a refusal (say, setMyName's own flood limit) must not stop the bot.
        log.warning("could not publish the bot's name and descriptions", exc_info=True)
    return changed
