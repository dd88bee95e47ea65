"""The alert digest a coordinator, an admin or an entity's representative gets: at-risk and
no-show alerts gathered per shift, each with the button that acts on it (the shift's roster, its
attendance), split into pages that fit a Telegram message.

Rendered in the current locale: the caller wraps calls in `use_locale(recipient's locale)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.flows import kit
from bot.i18n import _, isolate, ngettext
from bot.notices.dispatch import ATTENDANCE, SHIFT_ROSTER, volunteer_label
from bot.texts import Row, entity_name, moment_of, shift_when
from bot.texts.shifts import duration_text

AT_RISK, NO_SHOW = "at_risk", "no_show"
PAGE_CHARS = 3500  # a page's text stays well inside Telegram's 4,096 characters
PAGE_GROUPS = 8  # and its buttons few enough to read
NAMES_PER_GROUP = 15


def _heading(kind: str, row: Row, tz: ZoneInfo, now: datetime) -> str:
    shift = _("“{title}” ({entity}), {when}").format(
        title=isolate(row["title"]), entity=entity_name(row, "entity_"), when=shift_when(row, tz)
    )
    if kind == AT_RISK:
        return _("⚠️ Not confirmed, the shift starts in {duration}: {shift}").format(
            duration=duration_text(moment_of(row["starts_at"]) - now), shift=shift
        )
    return _("❌ Did not come: {shift}").format(shift=shift)


def _button(kind: str, number: int, shift_id: int) -> InlineKeyboardButton:
    if kind == AT_RISK:
        return kit.button(_("👥 {n}. The roster").format(n=number), SHIFT_ROSTER.data(shift_id, 0))
    return kit.button(_("🧾 {n}. Correct attendance").format(n=number), ATTENDANCE.data(shift_id, 0))


def _block(kind: str, number: int, rows: Sequence[Row], tz: ZoneInfo, now: datetime) -> str:
    lines = [f"{number}. {_heading(kind, rows[0], tz, now)}"]
    lines += [f"   • {volunteer_label(r)}" for r in rows[:NAMES_PER_GROUP]]
    rest = len(rows) - NAMES_PER_GROUP
    if rest > 0:
        lines.append("   " + ngettext("… and {n} more", "… and {n} more", rest).format(n=rest))
    return "\n".join(lines)


def digest_pages(
    items: Sequence[tuple[str, Row]], tz: ZoneInfo, *, now: datetime
) -> list[tuple[str, InlineKeyboardMarkup]]:
    """(kind, assignment row) alerts as one message, or as few pages as fit: grouped per shift
    and kind, soonest shift first, each group with its button."""
    groups: dict[tuple[str, int], list[Row]] = {}
    for kind, row in items:
        groups.setdefault((kind, int(row["shift_id"])), []).append(row)
    ordered = sorted(groups.items(), key=lambda g: (g[1][0]["starts_at"], g[0][0], g[0][1]))
    blocks = [
        (_block(kind, number, rows, tz, now), _button(kind, number, shift_id))
        for number, ((kind, shift_id), rows) in enumerate(ordered, start=1)
    ]
    chunks: list[list[tuple[str, InlineKeyboardButton]]] = [[]]
    size = 0
    for block in blocks:
        if chunks[-1] and (size + len(block[0]) > PAGE_CHARS or len(chunks[-1]) >= PAGE_GROUPS):
            chunks.append([])
            size = 0
        chunks[-1].append(block)
        size += len(block[0]) + 2
    total = len(items)
    title = ngettext("🔔 {n} alert for you", "🔔 {n} alerts for you", total).format(n=total)
    pages = []
    for index, chunk in enumerate(chunks, start=1):
        heading = title if len(chunks) == 1 else _("{title} (part {page} of {pages})").format(
            title=title, page=index, pages=len(chunks)
        )
        text = "\n\n".join([heading, *(text for text, _button in chunk)])
        pages.append((text, kit.markup(*([button] for _text, button in chunk))))
    return pages
