"""The /stats charts are real PNG images in both languages (looked at by eye: see the note)."""

from __future__ import annotations

import struct
from datetime import date, timedelta

import pytest

from bot import charts
from bot.i18n import use_locale

PNG = b"\x89PNG\r\n\x1a\n"


def _size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG)
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_every_chart_is_a_png_of_the_phone_friendly_size(locale: str) -> None:
    days = [date(2026, 5, 18) + timedelta(days=i) for i in range(14)]
    with use_locale(locale):
        images = [
            charts.fill_rate(days, [charts.Series("الإرشاد", [0.5] * 14)], title="الإشغال"),
            charts.supply_and_demand(["الترجمة", "Healthcare"], [40, 3], [10, 20], title="الفجوات"),
            charts.funnel([("عُرضت", 120), ("قُبلت", 70), ("اعتذار", 30), ("انتهت", 20)], title="العروض"),
        ]
    for image in images:
        assert _size(image) == (960, 540) and len(image) > 10_000


def test_date_labels_carry_both_calendars() -> None:
    with use_locale("ar"):
        assert charts.day_label(date(2026, 5, 18)) == "18/5\n1 الحجة"
    with use_locale("en"):
        assert charts.day_label(date(2026, 5, 18)) == "18/5\n1 Hij"
