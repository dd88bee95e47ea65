"""The /stats charts as PNG bytes (matplotlib, headless): pure, given numbers; run off the loop.

matplotlib 3.11 lays text out with libraqm, so Arabic letters join and runs read right to left
as they are (pre-shaping them, as older matplotlib needed, would now scramble them). The font
that covers Arabic ships as a Python package (Noto Sans Arabic, fontpkg-noto-sans-arabic), with
DejaVu Sans (bundled with matplotlib) for Latin text: a fresh server needs nothing installed by
hand. Date axes carry both calendars.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.i18n import _, is_rtl, to_hijri
from bot.texts import Row

# matplotlib (with numpy, ~50 MB) is loaded when the first chart is drawn, not with the bot.
if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 8.0, 4.5, 120  # 960 x 540 pixels: readable on a phone
COLORS = ("#1b7f5b", "#c8a040", "#3c6e9f", "#b5523b", "#6f5aa5", "#4d8c2a", "#8a6d3b", "#2a8c8c")

HIJRI_MONTHS_SHORT = (
    "Muh", "Saf", "Rab I", "Rab II", "Jum I", "Jum II", "Raj", "Sha", "Ram", "Shaw", "Qad", "Hij",
)
HIJRI_MONTHS_AR = (
    "محرم", "صفر", "ربيع١", "ربيع٢", "جمادى١", "جمادى٢", "رجب", "شعبان", "رمضان", "شوال", "القعدة", "الحجة",
)


@cache
def _fonts() -> list[str]:
    import fontpkg_noto_sans_arabic
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on a server
    from matplotlib import font_manager

    for path in (fontpkg_noto_sans_arabic.ROOT / "files").glob("*.ttf"):
        font_manager.fontManager.addfont(str(path))
    return [fontpkg_noto_sans_arabic.FAMILY, "DejaVu Sans"]


def _figure() -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def day_label(day: date) -> str:
    """Both calendars, one above the other: `20/5` over `3 Hij`."""
    hijri = to_hijri(day)
    months = HIJRI_MONTHS_AR if is_rtl() else HIJRI_MONTHS_SHORT
    return f"{day.day}/{day.month}\n{hijri.day} {months[hijri.month - 1]}"


def _style(axes: Axes, title: str) -> None:
    axes.set_title(title, loc="right" if is_rtl() else "left", fontsize=12)
    if is_rtl():  # the value axis on the right, where an Arabic reader starts
        axes.yaxis.tick_right()
        axes.yaxis.set_label_position("right")
    for side in ("top", "left" if is_rtl() else "right"):
        axes.spines[side].set_visible(False)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]


MAX_DAY_TICKS = 14  # day labels that fit side by side under the chart


def fill_rate(days: Sequence[date], series: Sequence[Series], *, title: str) -> bytes:
    """Places taken / places offered per day, one line per specialty (0-100 %)."""
    families = _fonts()
    figure = _figure()
    axes = figure.add_subplot()
    positions = list(range(len(days)))
    for index, item in enumerate(series):
        axes.plot(positions, [v * 100 for v in item.values], marker="o", linewidth=2,
                  color=COLORS[index % len(COLORS)], label=item.label)
    axes.set_ylim(0, 105)
    axes.set_ylabel(_("Places taken (%)"))
    step = max(1, -(-len(days) // MAX_DAY_TICKS))  # a month of days: every other or third day
    ticks = positions[::step]
    axes.set_xticks(ticks, [day_label(days[i]) for i in ticks], fontsize=8)
    if series:
        axes.legend(fontsize=8, loc="lower left" if not is_rtl() else "lower right", frameon=False)
    axes.grid(axis="y", alpha=0.3)
    _style(axes, title)
    _apply_fonts(figure, families)
    return _png(figure)


def supply_and_demand(labels: Sequence[str], volunteers: Sequence[int], open_places: Sequence[int],
                      *, title: str) -> bytes:
    """Active volunteers against open places, per specialty (where the gaps are)."""
    from matplotlib.ticker import MaxNLocator

    families = _fonts()
    figure = _figure()
    axes = figure.add_subplot()
    rows = list(range(len(labels)))
    height = 0.38
    axes.barh([r - height / 2 for r in rows], volunteers, height, color=COLORS[0], label=_("Active volunteers"))
    axes.barh([r + height / 2 for r in rows], open_places, height, color=COLORS[3], label=_("Open places"))
    axes.set_yticks(rows, list(labels), fontsize=9)
    axes.invert_yaxis()
    if is_rtl():  # bars grow from the right, labels on the right: the way Arabic reads
        axes.invert_xaxis()
    axes.legend(fontsize=8, frameon=False, loc="lower right" if not is_rtl() else "lower left")
    axes.grid(axis="x", alpha=0.3)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _style(axes, title)
    _apply_fonts(figure, families)
    return _png(figure)


def funnel(stages: Sequence[tuple[str, int]], *, title: str) -> bytes:
    """Offers over a period: offered, accepted, declined, expired."""
    from matplotlib.ticker import MaxNLocator

    families = _fonts()
    figure = _figure()
    axes = figure.add_subplot()
    labels = [label for label, _count in stages]
    counts = [count for _label, count in stages]
    order = list(range(len(stages)))
    if is_rtl():
        order = order[::-1]
    bars = axes.bar(order, counts, color=[COLORS[i % len(COLORS)] for i in range(len(stages))])
    axes.set_xticks(order, labels, fontsize=9)
    for bar, count in zip(bars, counts, strict=True):
        axes.annotate(f"{count}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom", fontsize=9)
    axes.set_ylim(0, max([1, *counts]) * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts, not fractions
    axes.grid(axis="y", alpha=0.3)
    _style(axes, title)
    _apply_fonts(figure, families)
    return _png(figure)


def _apply_fonts(figure: Figure, families: list[str]) -> None:
    from matplotlib.text import Text

    for text in figure.findobj(Text):
        text.set_fontfamily(families)


# -- from the database's numbers to the three /stats charts ------------------------------------


def fill_series(
    shifts: Sequence[Row], days: Sequence[date], tz: ZoneInfo, label: Callable[[str], str],
    *, most: int = 5,
) -> list[Series]:
    """Places taken / offered per day for the specialties with the most places (0 where a day
    has no shift of that specialty)."""
    slots: dict[str, dict[date, int]] = {}
    taken: dict[str, dict[date, int]] = {}
    for row in shifts:
        day = datetime.fromisoformat(str(row["starts_at"])).astimezone(tz).date()
        slots.setdefault(row["specialty"], {}).setdefault(day, 0)
        taken.setdefault(row["specialty"], {}).setdefault(day, 0)
        slots[row["specialty"]][day] += int(row["slots"])
        taken[row["specialty"]][day] += int(row["accepted"])
    biggest = sorted(slots, key=lambda code: -sum(slots[code].values()))[:most]
    return [
        Series(label(code), [taken[code].get(day, 0) / slots[code][day] if slots[code].get(day) else 0.0
                             for day in days])
        for code in biggest
    ]


def gaps(
    volunteers: Mapping[str, int], shifts: Sequence[Row], label: Callable[[str], str],
    *, most: int = 8,
) -> tuple[list[str], list[int], list[int]]:
    """Per specialty with open places or volunteers: labels, active volunteers, open places."""
    open_places: dict[str, int] = {}
    for row in shifts:
        open_places[row["specialty"]] = open_places.get(row["specialty"], 0) + max(
            0, int(row["slots"]) - int(row["accepted"])
        )
    codes = sorted(set(volunteers) | set(open_places), key=lambda c: -(open_places.get(c, 0) or 0))[:most]
    return [label(c) for c in codes], [volunteers.get(c, 0) for c in codes], [open_places.get(c, 0) for c in codes]
