"""Start-up (issue 21): the calendar loads holidays' Vietnam only, when first asked, not all ~250 countries at
import (`holidays.countries` imports every one of them)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHILD = """
import sys
import counter.domain.calendar as c
assert "holidays" not in sys.modules, "holidays imported with the calendar"
from datetime import date
cal = c.WorkCalendar()
assert not cal.is_working_day(date(2026, 9, 2)) and cal.is_working_day(date(2026, 9, 4))
assert "holidays.countries" not in sys.modules, "every country loaded"
print("ok")
"""


@pytest.mark.process
def test_the_calendar_loads_only_vietnam_and_only_when_asked():
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_vietnam_from_its_file_is_holidays_vn():
    from datetime import date, timedelta

    import holidays

    from counter.domain.calendar import _vietnam_holidays

    ours, theirs = _vietnam_holidays(), holidays.VN(years=[], language="vi")
    days = [date(2015, 1, 1) + timedelta(days=i) for i in range(366 * 15)]
    assert [ours.is_working_day(d) for d in days] == [theirs.is_working_day(d) for d in days]
    assert [ours.get(d) for d in days] == [theirs.get(d) for d in days]
    assert ours.get(date(2026, 9, 2)) == theirs.get(date(2026, 9, 2)) == "Quốc khánh"
