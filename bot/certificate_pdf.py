"""An hours certificate as a one-page A4 PDF, laid out right-to-left for Arabic.

fpdf2 draws the page; its HarfBuzz text shaping (uharfbuzz) joins the Arabic letters and its
bidi algorithm keeps Latin names and numbers in order inside Arabic lines. Noto Sans Arabic
draws Arabic, Noto Sans (a fallback font) everything Latin. Both come from PyPI packages
(fontpkg-noto-sans-arabic, fontpkg-noto-sans), so nothing is installed by hand. Rendering is
CPU work: callers run `render` in a thread (asyncio.to_thread). No Telegram, no SQL.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic

# fpdf (with fontTools and Pillow, ~50 MB) and segno are loaded when the first certificate is
# drawn, not with the bot: _Page gets FPDF as its base then (`_page_type`).
if TYPE_CHECKING:
    from fpdf import FPDF as _Base
else:
    _Base = object

ARABIC_FONT = fontpkg_noto_sans_arabic.ROOT / "files" / "NotoSansArabic[wdth,wght].ttf"
LATIN_FONT = fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf"
INK = (33, 37, 41)
ACCENT = (16, 94, 84)  # a deep green, as on the office's own papers
MUTED = (108, 117, 125)


@dataclass(frozen=True)
class Table:
    heading: str
    columns: tuple[str, str]
    rows: tuple[tuple[str, str], ...]
    empty: str  # said instead of an empty table


@dataclass(frozen=True)
class Sheet:
    """Every word on the page, already in the reader's language."""

    rtl: bool
    office: str
    title: str
    statement: str
    facts: tuple[tuple[str, str], ...]  # label, value
    tables: tuple[Table, ...]
    verify_heading: str
    verify_lines: tuple[str, ...]
    code: str
    url: str  # what the QR code opens


# Bidi marks and isolates: fpdf2 orders the text itself (Unicode bidi algorithm), and with text
# shaping on, an isolate character loses the font of what follows it ("No font in show").
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def plain(text: str) -> str:
    return text.translate(_BIDI_CONTROLS)


def _qr_png(url: str) -> io.BytesIO:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=2)
    buffer.seek(0)
    return buffer


class _Page(_Base):
    def __init__(self, rtl: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.rtl = rtl
        self.set_margins(22, 22, 22)
        self.set_auto_page_break(auto=True, margin=20)
        for style, weight in (("", 400.0), ("B", 700.0)):
            self.add_font("arabic", style, ARABIC_FONT, variations={"wght": weight})
            self.add_font("latin", style, LATIN_FONT, variations={"wght": weight})
        first, fallback = ("arabic", "latin") if rtl else ("latin", "arabic")
        self.family = first
        self.set_font(first, size=11)
        self.set_fallback_fonts([fallback])
        self.direction = ""
        self.set_text_color(*INK)

    def cell_text(self, width: float, height: float, text: str, align: str, **kwargs: Any) -> Any:
        """A multi_cell whose paragraph direction follows its text: an Arabic line reads from
        the right, a line without Arabic (a command, a link) from the left even on an Arabic
        page, so its slash or dot stays where it belongs."""
        text = plain(text)
        direction = "rtl" if self.rtl and _ARABIC.search(text) else "ltr"
        if direction != self.direction:
            self.set_text_shaping(
                use_shaping_engine=True, direction=direction,
                script="arab" if direction == "rtl" else None,
                language="ara" if direction == "rtl" else None,
            )
            self.direction = direction
        return self.multi_cell(width, height, text, align=align, **kwargs)

    @property
    def start(self) -> str:
        return "R" if self.rtl else "L"

    def style(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*color)

    def line_of(self, text: str, height: float, align: str | None = None) -> None:
        self.cell_text(0, height, text, align or self.start, new_x="LMARGIN", new_y="NEXT")

    def rule(self, color: tuple[int, int, int] = ACCENT, width: float = 0.4) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())


@cache
def _page_type() -> type[_Page]:
    from fpdf import FPDF

    return cast("type[_Page]", type("_Page", (_Page, FPDF), {}))


def render(sheet: Sheet) -> bytes:
    pdf = _page_type()(sheet.rtl)
    pdf.add_page()
    # A double frame around the page.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    pdf.set_y(24)
    pdf.style(13, bold=True, color=ACCENT)
    pdf.line_of(sheet.office, 8, "C")
    pdf.ln(2)
    pdf.style(22, bold=True)
    pdf.line_of(sheet.title, 12, "C")
    pdf.ln(2)
    pdf.rule()
    pdf.ln(6)
    pdf.style(12)
    pdf.line_of(sheet.statement, 7.5, "C")
    pdf.ln(5)

    width = pdf.w - pdf.l_margin - pdf.r_margin
    label_width = width * 0.3
    for label, value in sheet.facts:
        _pair(pdf, label, value, label_width, width - label_width, label_bold=True)
    pdf.ln(4)

    for table in sheet.tables:
        pdf.style(12.5, bold=True, color=ACCENT)
        pdf.line_of(table.heading, 8)
        if not table.rows:
            pdf.style(10.5, color=MUTED)
            pdf.line_of(table.empty, 6.5)
            pdf.ln(3)
            continue
        value_width = width * 0.22
        pdf.set_fill_color(232, 242, 240)
        pdf.style(10.5, bold=True)
        _pair(pdf, table.columns[0], table.columns[1], width - value_width, value_width, fill=True)
        pdf.style(10.5)
        for name, value in table.rows:
            _pair(pdf, name, value, width - value_width, value_width)
        pdf.ln(4)

    # Verification: the QR code on the line's far side, the code and how to check it beside.
    qr_size = 34
    top = max(pdf.get_y() + 2, pdf.h - 22 - qr_size - 4)
    if top + qr_size > pdf.h - 18:
        pdf.add_page()
        top = 24
    pdf.set_y(top - 3)
    pdf.rule(MUTED, 0.2)
    qr_x = pdf.l_margin if sheet.rtl else pdf.w - pdf.r_margin - qr_size
    pdf.image(_qr_png(sheet.url), x=qr_x, y=top, w=qr_size, h=qr_size, link=sheet.url)
    text_x = pdf.l_margin + qr_size + 6 if sheet.rtl else pdf.l_margin
    text_width = width - qr_size - 6
    pdf.set_xy(text_x, top + 2)
    pdf.style(11.5, bold=True, color=ACCENT)
    pdf.cell_text(text_width, 7, sheet.verify_heading, pdf.start, new_x="LEFT", new_y="NEXT")
    pdf.style(15, bold=True)
    pdf.set_font("latin", "B", 15)
    pdf.cell_text(text_width, 9, sheet.code, pdf.start, new_x="LEFT", new_y="NEXT")
    pdf.style(9.5, color=MUTED)
    for line in sheet.verify_lines:
        pdf.cell_text(text_width, 5.5, line, pdf.start, new_x="LEFT", new_y="NEXT")
    return bytes(pdf.output())


def _pair(
    pdf: _Page, first: str, second: str, first_width: float, second_width: float, *,
    fill: bool = False, label_bold: bool = False,
) -> None:
    """Two cells on one row, the first on the reading side (the right in Arabic); a table row
    (not `label_bold`) is underlined."""
    line = 7.0
    size = pdf.font_size_pt
    y = pdf.get_y()
    rows = max(
        len(pdf.cell_text(first_width, line, first, pdf.start, dry_run=True, output="LINES")),
        len(pdf.cell_text(second_width, line, second, pdf.start, dry_run=True, output="LINES")),
    )
    height = rows * line
    if y + height > pdf.h - pdf.b_margin:
        pdf.add_page()
        y = pdf.get_y()
    if fill:
        pdf.rect(pdf.l_margin, y, first_width + second_width, height, style="F")
    x_first = pdf.w - pdf.r_margin - first_width if pdf.rtl else pdf.l_margin
    x_second = pdf.l_margin if pdf.rtl else pdf.l_margin + first_width
    if label_bold:
        pdf.style(size, color=MUTED)
    pdf.set_xy(x_first, y)
    pdf.cell_text(first_width, line, first, pdf.start, new_x="LEFT", new_y="TOP")
    if label_bold:
        pdf.style(size, bold=True)
    pdf.set_xy(x_second, y)
    far = "L" if pdf.rtl else "R"
    pdf.cell_text(second_width, line, second, pdf.start if label_bold else far,
                   new_x="LEFT", new_y="TOP")
    if label_bold:
        pdf.style(size)
    else:
        pdf.set_draw_color(210, 214, 218)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, y + height, pdf.l_margin + first_width + second_width, y + height)
    pdf.set_xy(pdf.l_margin, y + height)
