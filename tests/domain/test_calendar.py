"""The due-date rule against hand-computed cases on the real 2025–2026 calendars."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain.calendar import VN_TZ, OfficeHours, WorkCalendar, format_local, parse_local

CAL = WorkCalendar()


def due(received: str, days: int, cal: WorkCalendar = CAL) -> str:
    return format_local(cal.due_at(parse_local(received), days))


# Each expected value was counted by hand on a paper calendar.
@pytest.mark.parametrize("received, days, expected, why", [
    # the 15:00 rule for same-day procedures
    ("2026-11-23 14:59", 0, "2026-11-23 17:00", "Mon before 15:00: same day"),
    ("2026-11-23 15:00", 0, "2026-11-25 17:00", "Mon 15:00: next working day, Tue 24/11 is a holiday"),
    ("2026-11-23 16:59", 0, "2026-11-25 17:00", "Mon 16:59: next working day, skips 24/11"),
    ("2026-11-23 17:00", 0, "2026-11-25 17:00", "Mon 17:00, after closing: counts from Wed 25/11 opening"),
    ("2026-11-20 15:30", 0, "2026-11-23 17:00", "Fri after 15:00: Monday"),
    ("2026-11-26 06:45", 0, "2026-11-26 17:00", "before opening counts that day"),
    # after-hours receipts
    ("2026-11-26 17:05", 3, "2026-12-02 17:00", "Thu after closing counts from Fri 27: Mon 30, Tue 1, Wed 2"),
    ("2026-11-26 22:00", 1, "2026-11-30 17:00", "Thu night counts from Fri 27: Mon 30"),
    ("2026-11-26 16:59", 1, "2026-11-27 17:00", "Thu within hours: Fri"),
    # weekends
    ("2026-11-28 09:00", 0, "2026-11-30 17:00", "Saturday: counts as Monday opening, same day"),
    ("2026-11-29 16:00", 2, "2026-12-02 17:00", "Sunday: counts from Mon 30: Tue 1, Wed 2"),
    # Tết 2025 (27/1–31/1 off, Sat 1/2 a holiday) and Tết 2026 (16/2–20/2 off)
    ("2025-01-24 10:00", 3, "2025-02-05 17:00", "Fri before Tết 2025: Mon 3, Tue 4, Wed 5 Feb"),
    ("2025-01-27 10:00", 0, "2025-02-03 17:00", "received on a Tết day: first working day after"),
    ("2026-02-13 09:00", 1, "2026-02-23 17:00", "Fri before Tết 2026: Mon 23 Feb"),
    ("2026-02-12 15:01", 0, "2026-02-13 17:00", "Thu after 15:00 before Tết: Fri"),
    ("2026-02-13 15:01", 0, "2026-02-23 17:00", "Fri after 15:00 before Tết 2026: Mon 23 Feb"),
    # swapped Saturdays and their days off
    ("2025-04-25 10:00", 1, "2025-04-26 17:00", "Sat 26/4/2025 is worked"),
    ("2025-04-29 10:00", 1, "2025-05-05 17:00", "30/4, 1/5 holidays, Fri 2/5 swapped off: Mon 5/5"),
    ("2026-08-21 10:00", 1, "2026-08-22 17:00", "Sat 22/8/2026 is worked"),
    ("2026-08-28 10:00", 1, "2026-09-03 17:00", "Mon 31/8 swapped off, 1–2/9 National Day: Thu 3/9"),
    # observed (compensatory) day: Giỗ Tổ on Sun 26/4/2026, observed Mon 27/4
    ("2026-04-24 10:00", 1, "2026-04-28 17:00", "Fri: Mon 27/4 is the observed Giỗ Tổ: Tue 28/4"),
    ("2026-04-27 10:00", 0, "2026-04-28 17:00", "received on the observed day"),
    # 2/9 plus an adjacent day (2025: Mon 1 and Tue 2 Sept)
    ("2025-08-29 10:00", 2, "2025-09-04 17:00", "Fri: Wed 3, Thu 4 Sept"),
    # Ngày Văn hóa Việt Nam, from 2026
    ("2026-11-23 10:00", 1, "2026-11-25 17:00", "Mon: Tue 24/11 is off"),
    ("2025-11-21 10:00", 1, "2025-11-24 17:00", "2025: 24/11 is still a working day"),
    ("2026-11-23 10:00", 5, "2026-12-01 17:00", "25, 26, 27, 30 Nov, 1 Dec"),
])
def test_due_date_table(received, days, expected, why):
    assert due(received, days) == expected, why


def test_overrides_push_and_pull():
    storm = WorkCalendar(extra_days_off=[date(2026, 12, 2)])
    assert due("2026-12-01 09:00", 1) == "2026-12-02 17:00"
    assert due("2026-12-01 09:00", 1, storm) == "2026-12-03 17:00"
    assert storm.holiday_name(date(2026, 12, 2)) == "Ngày nghỉ (điều chỉnh)"
    saturday = WorkCalendar(extra_working_days=[date(2026, 12, 5)])
    assert due("2026-12-04 09:00", 1) == "2026-12-07 17:00"
    assert due("2026-12-04 09:00", 1, saturday) == "2026-12-05 17:00"
    assert saturday.holiday_name(date(2026, 12, 5)) is None


def test_hours_are_configurable():
    late = WorkCalendar(OfficeHours(time(8), time(12), time(13), time(17, 30), time(16)))
    assert due("2026-11-23 15:30", 0, late) == "2026-11-23 17:30"
    assert due("2026-11-23 16:00", 0, late) == "2026-11-25 17:30"
    assert due("2026-11-23 17:15", 1, late) == "2026-11-25 17:30"


@pytest.mark.parametrize("args", [
    (time(12), time(11), time(13), time(17), time(15)),
    (time(7), time(11), time(10), time(17), time(15)),
    (time(7), time(11), time(13), time(17), time(18)),
])
def test_bad_office_hours_are_refused(args):
    with pytest.raises(ValueError, match="Giờ"):
        OfficeHours(*args)


def test_bad_input():
    with pytest.raises(ValueError, match="không hợp lệ"):
        parse_local("2026-02-30 10:00")
    with pytest.raises(ValueError, match="múi giờ"):
        CAL.due_at(datetime(2026, 11, 23, 9), 1)
    with pytest.raises(ValueError, match="âm"):
        CAL.due_at(parse_local("2026-11-23 09:00"), -1)


def test_lateness():
    due_at = parse_local("2026-11-25 17:00")
    assert CAL.lateness(due_at, parse_local("2026-11-23 10:00")) == ("early", 1)  # 24/11 is off
    assert CAL.lateness(due_at, parse_local("2026-11-25 16:59")) == ("on_time", 0)
    assert CAL.lateness(due_at, parse_local("2026-11-25 17:30")) == ("late", 1)
    assert CAL.lateness(due_at, parse_local("2026-11-30 09:00")) == ("late", 3)  # 26, 27, 30


days = st.dates(date(2024, 6, 1), date(2027, 6, 1))
moments = st.datetimes(datetime(2024, 6, 1), datetime(2027, 6, 1)).map(lambda d: d.replace(tzinfo=VN_TZ))


@settings(max_examples=300)
@given(moments, st.integers(0, 30))
def test_due_is_a_working_day_at_closing(received, n):
    d = CAL.due_at(received, n)
    assert CAL.is_working_day(d.date()) and d.time() == time(17) and d > received


@settings(max_examples=200)
@given(moments, st.integers(0, 20), st.integers(0, 20))
def test_due_is_monotonic_in_days(received, a, b):
    lo, hi = sorted((a, b))
    assert CAL.due_at(received, lo) <= CAL.due_at(received, hi)


@settings(max_examples=200)
@given(moments, st.timedeltas(timedelta(0), timedelta(days=20)), st.integers(0, 10))
def test_due_is_monotonic_in_receipt_time(received, later, n):
    assert CAL.due_at(received, n) <= CAL.due_at(received + later, n)


@settings(max_examples=200)
@given(days, st.integers(0, 15), st.integers(0, 15))
def test_adding_working_days_composes(d, a, b):
    assert CAL.add_working_days(d, a + b) == CAL.add_working_days(CAL.add_working_days(d, a), b)


@settings(max_examples=200)
@given(days, st.integers(0, 25))
def test_working_days_between_inverts_adding(d, n):
    start = datetime.combine(d, time(8), VN_TZ)
    end = datetime.combine(CAL.add_working_days(d, n), time(8), VN_TZ)
    assert CAL.working_days_between(start, end) == n
    assert CAL.working_days_between(end, start) == -n
