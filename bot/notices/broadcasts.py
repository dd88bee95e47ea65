"""The progress list of recent broadcasts, as a message with its buttons: shown by /broadcast
(bot/flows/broadcast.py) and refreshed, and stopped from, by its one-step buttons
(bot/handlers/broadcasts.py). Its callback data is defined here, once, for both."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.audience import BroadcastProgress
from bot.flows.kit import Route, button, markup
from bot.i18n import _
from bot.texts import broadcasts as texts

REFRESH = Route("bc", "list")
STOP = Route("bc", "stop", int)
STOP_CONFIRMED = Route("bc", "stopok", int)
RECENT = 5  # broadcasts in the list


def progress_card(
    items: Sequence[BroadcastProgress], *, send_rate: float, now: datetime, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    """The list's text ("" when no broadcast was sent yet) and its buttons."""
    text = texts.progress_list(items, send_rate=send_rate, now=now, tz=tz)
    return text, progress_keyboard(items)


def progress_keyboard(items: Sequence[BroadcastProgress]) -> InlineKeyboardMarkup:
    """A Stop button for every broadcast still sending, two a row, then Refresh."""
    stops = [button(texts.stop_label(int(i.broadcast["id"])), STOP.data(i.broadcast["id"])) for i in items if i.running]
    rows = [stops[n : n + 2] for n in range(0, len(stops), 2)]
    return markup(*rows, [button(_("🔄 Refresh"), REFRESH.data())])


def stop_keyboard(broadcast_id: int) -> InlineKeyboardMarkup:
    return markup(
        [button(_("Yes, stop it"), STOP_CONFIRMED.data(broadcast_id)), button(_("Keep sending"), REFRESH.data())]
    )
