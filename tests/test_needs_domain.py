"""Pure rules of needs: shift windows across midnight and time zones, limits, at-risk."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.needs import (
    Fill,
    NeedRuleError,
    check_first_day,
    check_last_day,
    check_whole_number,
    min_slots_allowed,
    shift_windows,
)

RIYADH = ZoneInfo("Asia/Riyadh")


def test_day_windows_are_stored_in_utc() -> None:
    windows = shift_windows(date(2026, 5, 20), date(2026, 5, 21), time(8), time(14), RIYADH)
    assert windows == [
        (datetime(2026, 5, 20, 5, tzinfo=UTC), datetime(2026, 5, 20, 11, tzinfo=UTC)),
        (datetime(2026, 5, 21, 5, tzinfo=UTC), datetime(2026, 5, 21, 11, tzinfo=UTC)),
    ]


def test_overnight_windows_end_the_next_day_even_across_a_dst_change() -> None:
    # Asia/Riyadh has no DST; Europe/London (a branch abroad, say) does: 29 March 2026.
    london = ZoneInfo("Europe/London")
    windows = shift_windows(date(2026, 3, 28), date(2026, 3, 29), time(22), time(6), london)
    assert windows[0] == (datetime(2026, 3, 28, 22, tzinfo=UTC), datetime(2026, 3, 29, 5, tzinfo=UTC))
    assert windows[1] == (datetime(2026, 3, 29, 21, tzinfo=UTC), datetime(2026, 3, 30, 5, tzinfo=UTC))
    with pytest.raises(NeedRuleError) as error:
        shift_windows(date(2026, 5, 1), date(2026, 5, 1), time(8), time(8), RIYADH)
    assert error.value.code == "end_equals_start"


def test_limits() -> None:
    today = date(2026, 5, 10)
    check_first_day(today, today)
    for first, code in ((today - timedelta(days=1), "first_in_past"),
                        (today + timedelta(days=367), "first_too_far")):
        with pytest.raises(NeedRuleError) as error:
            check_first_day(first, today)
        assert error.value.code == code
    check_last_day(today, today + timedelta(days=59))
    with pytest.raises(NeedRuleError, match="range_too_long"):
        check_last_day(today, today + timedelta(days=60))
    with pytest.raises(NeedRuleError, match="last_before_first"):
        check_last_day(today, today - timedelta(days=1))
    assert check_whole_number("500", 1, 500) == 500
    for text, code in (("0", "out_of_range"), ("5.5", "not_number"), ("-3", "not_number"), ("", "not_number")):
        with pytest.raises(NeedRuleError) as error:
            check_whole_number(text, 1, 500)
        assert error.value.code == code
    assert min_slots_allowed([]) == 1 and min_slots_allowed([3, 7]) == 7


def test_at_risk_is_under_half_filled_within_48_hours() -> None:
    now = datetime(2026, 5, 10, 6, tzinfo=UTC)
    soon = now + timedelta(hours=47)
    assert Fill(4, 10, soon).at_risk(now)
    assert not Fill(5, 10, soon).at_risk(now)  # half is not "under half"
    assert not Fill(0, 10, now + timedelta(hours=49)).at_risk(now)
    assert not Fill(0, 10, now - timedelta(minutes=1)).at_risk(now)  # already started
    assert not Fill(0, 10, soon, status="cancelled").at_risk(now)
