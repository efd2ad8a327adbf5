"""WorkCalendar.working_hours_between: the office's hours only (F8's "how long it has waited")."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.calendar import VN_TZ, WorkCalendar

CAL = WorkCalendar()


def vn(*a: int) -> datetime:
    return datetime(*a, tzinfo=VN_TZ)


@pytest.mark.parametrize(("start", "end", "hours"), [
    (vn(2026, 11, 23, 9, 0), vn(2026, 11, 23, 9, 30), 0.5),  # Monday morning
    (vn(2026, 11, 23, 11, 0), vn(2026, 11, 23, 14, 0), 1.0),  # over lunch: 11:00–11:30 + 13:30–14:00
    (vn(2026, 11, 23, 12, 0), vn(2026, 11, 23, 13, 0), 0.0),  # inside lunch
    (vn(2026, 11, 20, 9, 0), vn(2026, 11, 23, 9, 0), 7.5),  # Friday → Monday: the weekend does not count
    (vn(2026, 11, 21, 10, 0), vn(2026, 11, 22, 10, 0), 0.0),  # Saturday → Sunday
    (vn(2026, 11, 30, 18, 0), vn(2026, 12, 1, 7, 0), 0.0),  # overnight, before opening
    (vn(2026, 11, 30, 7, 30), vn(2026, 12, 1, 17, 0), 15.0),  # two whole days (7.5 h each)
    (vn(2026, 9, 1, 8, 0), vn(2026, 9, 3, 8, 0), 0.5),  # 1–2/9 National Day holidays: only 3/9 07:30–08:00
    (vn(2026, 11, 23, 10, 0), vn(2026, 11, 23, 9, 0), 0.0),  # reversed
])
def test_working_hours_table(start, end, hours):
    assert CAL.working_hours_between(start, end) == pytest.approx(hours)


moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=VN_TZ))


@given(moments, moments, moments)
def test_working_hours_add_up_over_a_middle_moment(a, b, c):
    a, b, c = sorted((a, b, c))
    assert CAL.working_hours_between(a, c) == pytest.approx(
        CAL.working_hours_between(a, b) + CAL.working_hours_between(b, c), abs=1e-6)
    assert 0 <= CAL.working_hours_between(a, c) <= ((c - a).total_seconds() / 3600) + 1e-9
