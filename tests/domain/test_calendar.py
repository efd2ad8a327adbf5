"""The due-date rule against hand-computed cases on the real 2025–2026 calendars, plus properties.

Real calendars used (Bộ luật Lao động 2019 art. 112 and the yearly announcements):
2025: 1/1 Wed; Tết Mon 27/1 – Fri 31/1 (Sat 1/2 is Mùng bốn); Giỗ Tổ Mon 7/4; 30/4 Wed, 1/5 Thu, Fri 2/5 off in
      exchange for Sat 26/4 worked; 2/9 Tue with Mon 1/9; 24/11 (a Monday) is still a working day.
2026: 1/1 Thu; Tết Mon 16/2 – Fri 20/2; Giỗ Tổ Sun 26/4, observed Mon 27/4; 30/4 Thu, 1/5 Fri; Mon 31/8 off in
      exchange for Sat 22/8 worked; 2/9 Wed with Tue 1/9; 24/11 Tue (Ngày Văn hóa Việt Nam, new from 2026).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain.calendar import (
    VN_TZ, OfficeHours, WorkCalendar, format_local, format_vn, parse_local,
)

CAL = WorkCalendar()


def due(received: str, days: int, cal: WorkCalendar = CAL) -> str:
    return format_local(cal.due_at(parse_local(received), days))


def at(text: str) -> datetime:
    return parse_local(text)


# Each expected value was counted by hand on a paper calendar (weekday names checked against the year).
@pytest.mark.parametrize("received, days, expected, why", [
    # the 15:00 rule for same-day procedures (Mon 23/11/2026; Tue 24/11/2026 is a holiday)
    ("2026-11-23 14:59", 0, "2026-11-23 17:00", "Mon before 15:00: same day"),
    ("2026-11-23 15:00", 0, "2026-11-25 17:00", "Mon 15:00: next working day, Tue 24/11 is a holiday"),
    ("2026-11-23 16:59", 0, "2026-11-25 17:00", "Mon 16:59: next working day, skips 24/11"),
    ("2026-11-23 17:00", 0, "2026-11-25 17:00", "Mon 17:00, at closing: counts from Wed 25/11 opening"),
    ("2026-11-20 15:30", 0, "2026-11-23 17:00", "Fri after 15:00: Monday"),
    ("2026-11-26 06:45", 0, "2026-11-26 17:00", "Thu before opening counts that day"),
    ("2026-11-23 12:00", 0, "2026-11-23 17:00", "lunch break, before the cut-off: same day"),
    # received before opening / after closing with a time limit
    ("2026-11-23 06:45", 1, "2026-11-25 17:00", "Mon before opening counts Mon: Wed 25 (24 off)"),
    ("2026-11-23 17:00", 1, "2026-11-26 17:00", "Mon at closing counts Wed 25: Thu 26"),
    ("2026-11-26 17:05", 3, "2026-12-02 17:00", "Thu after closing counts from Fri 27: Mon 30, Tue 1, Wed 2"),
    ("2026-11-26 22:00", 1, "2026-11-30 17:00", "Thu night counts from Fri 27: Mon 30"),
    ("2026-11-26 22:00", 0, "2026-11-27 17:00", "Thu night, same-day: counts as Fri opening, due Fri"),
    ("2026-11-26 16:59", 1, "2026-11-27 17:00", "Thu within hours: Fri"),
    # weekends
    ("2026-11-28 09:00", 0, "2026-11-30 17:00", "Saturday: counts as Monday opening, same day"),
    ("2026-11-28 16:00", 0, "2026-11-30 17:00", "Saturday after 15:00: still Monday (opening is before 15:00)"),
    ("2026-11-29 16:00", 2, "2026-12-02 17:00", "Sunday: counts from Mon 30: Tue 1, Wed 2"),
    ("2026-11-29 06:45", 1, "2026-12-01 17:00", "Sunday before opening: counts from Mon 30: Tue 1"),
    # 1/1 and the turn of the year
    ("2024-12-31 10:00", 1, "2025-01-02 17:00", "Tue 31/12/2024: Wed 1/1 off, Thu 2/1/2025"),
    ("2024-12-31 15:00", 0, "2025-01-02 17:00", "Tue 31/12/2024 at 15:00, same-day: Thu 2/1/2025"),
    # Tết 2025 (Mon 27/1 – Fri 31/1 off)
    ("2025-01-24 10:00", 3, "2025-02-05 17:00", "Fri before Tết 2025: Mon 3, Tue 4, Wed 5 Feb"),
    ("2025-01-24 16:00", 0, "2025-02-03 17:00", "Fri before Tết after 15:00: Mon 3 Feb"),
    ("2025-01-24 17:30", 1, "2025-02-04 17:00", "Fri before Tết after closing counts Mon 3: Tue 4 Feb"),
    ("2025-01-25 09:00", 1, "2025-02-04 17:00", "Sat 25/1 counts from Mon 3: Tue 4 Feb"),
    ("2025-01-27 10:00", 0, "2025-02-03 17:00", "received on a Tết day: first working day after"),
    ("2025-01-22 10:00", 5, "2025-02-05 17:00", "Wed 22/1: Thu 23, Fri 24, Mon 3, Tue 4, Wed 5"),
    # Tết 2026 (Mon 16/2 – Fri 20/2 off)
    ("2026-02-13 09:00", 1, "2026-02-23 17:00", "Fri before Tết 2026: Mon 23 Feb"),
    ("2026-02-12 15:01", 0, "2026-02-13 17:00", "Thu after 15:00 before Tết: Fri"),
    ("2026-02-13 15:01", 0, "2026-02-23 17:00", "Fri after 15:00 before Tết 2026: Mon 23 Feb"),
    ("2026-02-14 09:00", 0, "2026-02-23 17:00", "Sat 14/2 (Tết week): Mon 23 Feb"),
    ("2026-02-19 08:00", 3, "2026-02-26 17:00", "Thu 19/2 (Mùng ba) counts Mon 23: Tue 24, Wed 25, Thu 26"),
    ("2026-02-11 10:00", 10, "2026-03-04 17:00", "Wed 11/2: 12, 13, 23, 24, 25, 26, 27 Feb, 2, 3, 4 Mar"),
    # Giỗ Tổ
    ("2025-04-04 10:00", 1, "2025-04-08 17:00", "Fri 4/4/2025: Mon 7/4 is Giỗ Tổ: Tue 8/4"),
    ("2026-04-24 10:00", 1, "2026-04-28 17:00", "Fri: Mon 27/4/2026 is the observed Giỗ Tổ: Tue 28/4"),
    ("2026-04-27 10:00", 0, "2026-04-28 17:00", "received on the observed day"),
    ("2026-04-25 10:00", 0, "2026-04-28 17:00", "Sat 25/4/2026: Sun 26 Giỗ Tổ, Mon 27 observed: Tue 28"),
    ("2026-04-24 10:00", 3, "2026-05-04 17:00", "Fri 24/4/2026: Tue 28, Wed 29, (30/4, 1/5 off) Mon 4/5"),
    ("2026-04-29 15:30", 0, "2026-05-04 17:00", "Wed 29/4/2026 after 15:00: 30/4, 1/5 off: Mon 4/5"),
    # swapped Saturdays and their days off
    ("2025-04-25 10:00", 1, "2025-04-26 17:00", "Sat 26/4/2025 is worked"),
    ("2025-04-26 10:00", 0, "2025-04-26 17:00", "received on the worked Saturday: same day"),
    ("2025-04-26 15:30", 0, "2025-04-28 17:00", "worked Saturday after 15:00: Mon 28/4"),
    ("2025-04-27 10:00", 2, "2025-05-05 17:00", "Sun 27/4 counts Mon 28: Tue 29, (30/4, 1/5, 2/5 off) Mon 5/5"),
    ("2025-04-29 10:00", 1, "2025-05-05 17:00", "30/4, 1/5 holidays, Fri 2/5 swapped off: Mon 5/5"),
    ("2025-05-02 09:00", 0, "2025-05-05 17:00", "received on the swapped Friday: Mon 5/5"),
    ("2026-08-21 10:00", 1, "2026-08-22 17:00", "Sat 22/8/2026 is worked"),
    ("2026-08-22 17:30", 0, "2026-08-24 17:00", "worked Saturday after closing: counts Mon 24"),
    ("2026-08-28 10:00", 1, "2026-09-03 17:00", "Mon 31/8 swapped off, 1–2/9 National Day: Thu 3/9"),
    # 2/9 plus an adjacent day
    ("2025-08-29 10:00", 2, "2025-09-04 17:00", "Fri 29/8/2025: (Mon 1, Tue 2 off) Wed 3, Thu 4 Sept"),
    ("2026-08-31 09:00", 0, "2026-09-03 17:00", "received on the swapped Monday: Thu 3/9/2026"),
    ("2026-09-01 09:00", 1, "2026-09-04 17:00", "Tue 1/9/2026 counts Thu 3: Fri 4"),
    # Ngày Văn hóa Việt Nam, from 2026
    ("2026-11-23 10:00", 1, "2026-11-25 17:00", "Mon: Tue 24/11 is off"),
    ("2026-11-24 10:00", 0, "2026-11-25 17:00", "received on 24/11/2026: Wed 25"),
    ("2026-11-24 06:45", 1, "2026-11-26 17:00", "24/11/2026 before opening is still a holiday: counts Wed 25"),
    ("2025-11-21 10:00", 1, "2025-11-24 17:00", "2025: Mon 24/11 is still a working day"),
    ("2026-11-23 10:00", 5, "2026-12-01 17:00", "25, 26, 27, 30 Nov, 1 Dec"),
])
def test_due_date_table(received, days, expected, why):
    assert due(received, days) == expected, why


@pytest.mark.parametrize("received, days, expected", [
    (datetime(2026, 11, 23, 7, 59, tzinfo=UTC), 0, "2026-11-23 17:00"),  # 14:59 in Hà Nội
    (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), 0, "2026-11-25 17:00"),  # 15:00 in Hà Nội
    (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), 0, "2026-11-23 17:00"),  # Mon 06:30 in Hà Nội, before opening
    (datetime(2026, 11, 23, 10, 0, tzinfo=UTC), 1, "2026-11-26 17:00"),  # Mon 17:00 in Hà Nội: counts Wed 25
    (datetime(2026, 11, 27, 20, 0, tzinfo=ZoneInfo("America/New_York")), 0, "2026-11-30 17:00"),  # Sat 08:00 VN
])
def test_receipts_in_other_time_zones(received, days, expected):
    d = CAL.due_at(received, days)
    assert d.tzinfo == VN_TZ and format_local(d) == expected


@pytest.mark.parametrize("received, expected", [
    ("2026-11-23 10:00", "2026-11-23 10:00"),  # working day, within hours: itself
    ("2026-11-23 12:15", "2026-11-23 12:15"),  # lunch break: itself
    ("2026-11-23 06:45", "2026-11-23 06:45"),  # before opening on a working day: the same instant
    ("2026-11-23 16:59", "2026-11-23 16:59"),
    ("2026-11-23 17:00", "2026-11-25 07:30"),  # at closing: next working day's opening (24/11 off)
    ("2026-11-28 09:00", "2026-11-30 07:30"),  # Saturday
    ("2025-01-24 17:30", "2025-02-03 07:30"),  # Fri before Tết 2025, after closing
    ("2026-04-27 06:00", "2026-04-28 07:30"),  # observed Giỗ Tổ, before opening: still a day off
    ("2025-04-26 08:00", "2025-04-26 08:00"),  # worked Saturday
])
def test_counting_start(received, expected):
    start = CAL.counting_start(at(received))
    assert start.tzinfo == VN_TZ and format_local(start) == expected


@pytest.mark.parametrize("day, working", [
    (date(2025, 1, 1), False), (date(2025, 1, 2), True),
    (date(2025, 1, 24), True), (date(2025, 1, 27), False), (date(2025, 1, 31), False), (date(2025, 2, 3), True),
    (date(2025, 4, 7), False), (date(2025, 4, 26), True), (date(2025, 4, 27), False),
    (date(2025, 4, 30), False), (date(2025, 5, 1), False), (date(2025, 5, 2), False), (date(2025, 5, 5), True),
    (date(2025, 9, 1), False), (date(2025, 9, 2), False), (date(2025, 9, 3), True), (date(2025, 11, 24), True),
    (date(2026, 1, 1), False), (date(2026, 2, 13), True), (date(2026, 2, 16), False), (date(2026, 2, 20), False),
    (date(2026, 2, 23), True), (date(2026, 4, 26), False), (date(2026, 4, 27), False), (date(2026, 4, 28), True),
    (date(2026, 4, 30), False), (date(2026, 5, 1), False), (date(2026, 8, 22), True), (date(2026, 8, 29), False),
    (date(2026, 8, 31), False), (date(2026, 9, 1), False), (date(2026, 9, 2), False), (date(2026, 9, 3), True),
    (date(2026, 11, 24), False), (date(2026, 11, 28), False), (date(2026, 11, 29), False),
])
def test_working_days_table(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize("day, name", [
    (date(2026, 11, 24), "Ngày Văn hóa Việt Nam"),
    (date(2026, 4, 26), "Ngày Giỗ Tổ Hùng Vương"),
    (date(2026, 4, 27), "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"),
    (date(2025, 9, 2), "Quốc khánh"),
    (date(2025, 9, 1), "Quốc khánh"),
    (date(2026, 1, 1), "Tết Dương lịch"),
    (date(2026, 2, 17), "Tết Nguyên Đán"),
    (date(2026, 11, 23), None),  # an ordinary Monday
    (date(2026, 11, 28), None),  # an ordinary Saturday is not a holiday
    (date(2025, 4, 26), None),  # the worked Saturday
])
def test_holiday_names_are_vietnamese(day, name):
    assert CAL.holiday_name(day) == name


@pytest.mark.parametrize("start, end, n", [
    ("2026-11-23 10:00", "2026-11-23 16:00", 0),  # same day
    ("2026-11-23 10:00", "2026-11-25 09:00", 1),  # 24/11 off
    ("2026-02-13 10:00", "2026-02-23 10:00", 1),  # across Tết 2026
    ("2025-01-24 10:00", "2025-02-05 10:00", 3),  # across Tết 2025: 3, 4, 5 Feb
    ("2025-02-05 10:00", "2025-01-24 10:00", -3),  # reversed
    ("2026-11-27 10:00", "2026-11-29 10:00", 0),  # Fri to Sun
    ("2026-11-28 10:00", "2026-11-30 10:00", 1),  # Sat to Mon
    ("2024-12-31 10:00", "2025-01-06 10:00", 3),  # 1/1 off: Thu 2, Fri 3, Mon 6
    # whole years: 261 weekdays each; 2025 loses 12 weekday holidays and gains Sat 26/4 → 250;
    # 2026 loses 13 (1/1, 16–20/2, 27/4, 30/4, 1/5, 31/8, 1/9, 2/9, 24/11) and gains Sat 22/8 → 249
    ("2024-12-31 10:00", "2025-12-31 10:00", 250),
    ("2025-12-31 10:00", "2026-12-31 10:00", 249),
    ("2024-12-31 10:00", "2026-12-31 10:00", 499),
])
def test_working_days_between_table(start, end, n):
    assert CAL.working_days_between(at(start), at(end)) == n


def test_working_days_between_uses_local_dates():
    # 17:30 UTC on Mon 23/11 is 00:30 on Tue 24/11 in Hà Nội (a holiday); Wed 25 is the only working day after
    assert CAL.working_days_between(datetime(2026, 11, 23, 17, 30, tzinfo=UTC), at("2026-11-25 08:00")) == 1
    assert CAL.working_days_between(datetime(2026, 11, 23, 16, 59, tzinfo=UTC), at("2026-11-25 08:00")) == 1
    assert CAL.working_days_between(datetime(2026, 11, 22, 16, 59, tzinfo=UTC), at("2026-11-25 08:00")) == 2


def test_add_working_days_table():
    assert CAL.add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)
    assert CAL.add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 28)  # n == 0 returns d as is
    assert CAL.add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 25)
    assert CAL.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 23)
    assert CAL.add_working_days(date(2024, 12, 31), 250) == date(2025, 12, 31)  # Wed 31/12/2025, last of 2025
    assert CAL.add_working_days(date(2024, 12, 31), 499) == date(2026, 12, 31)  # Thu 31/12/2026
    assert CAL.next_working_day(date(2025, 1, 24)) == date(2025, 2, 3)
    assert CAL.next_working_day(date(2025, 4, 25)) == date(2025, 4, 26)
    assert CAL.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)
    with pytest.raises(ValueError, match="âm"):
        CAL.add_working_days(date(2026, 11, 23), -1)


def test_overrides_push_and_pull():
    storm = WorkCalendar(extra_days_off=[date(2026, 12, 2)])  # a Wednesday closed for a storm
    assert due("2026-12-01 09:00", 1) == "2026-12-02 17:00"
    assert due("2026-12-01 09:00", 1, storm) == "2026-12-03 17:00"
    assert due("2026-12-01 15:30", 0, storm) == "2026-12-03 17:00"
    assert due("2026-12-02 09:00", 0, storm) == "2026-12-03 17:00"
    assert storm.holiday_name(date(2026, 12, 2)) == "Ngày nghỉ (điều chỉnh)"
    assert not storm.is_working_day(date(2026, 12, 2)) and CAL.is_working_day(date(2026, 12, 2))
    saturday = WorkCalendar(extra_working_days=[date(2026, 12, 5)])  # a Saturday worked
    assert due("2026-12-04 09:00", 1) == "2026-12-07 17:00"
    assert due("2026-12-04 09:00", 1, saturday) == "2026-12-05 17:00"
    assert due("2026-12-04 15:30", 0, saturday) == "2026-12-05 17:00"
    assert due("2026-12-05 10:00", 0, saturday) == "2026-12-05 17:00"
    assert saturday.holiday_name(date(2026, 12, 5)) is None
    assert saturday.counting_start(at("2026-12-05 08:00")) == at("2026-12-05 08:00")
    assert saturday.working_days_between(at("2026-12-04 10:00"), at("2026-12-07 10:00")) == 2


def test_override_working_day_wins_over_holidays_and_days_off():
    d = date(2026, 11, 24)  # Ngày Văn hóa Việt Nam, but this office works
    cal = WorkCalendar(extra_working_days=[d], extra_days_off=[d, date(2026, 11, 25)])
    assert cal.is_working_day(d) and cal.holiday_name(d) is None
    assert not cal.is_working_day(date(2026, 11, 25))
    assert due("2026-11-23 15:00", 0, cal) == "2026-11-24 17:00"
    assert due("2026-11-23 10:00", 2, cal) == "2026-11-26 17:00"  # 24, (25 off), 26


def test_overrides_cover_a_year_change():
    # the 2026 New Year's bridge, had it been decided: Fri 2/1/2026 off, Sat 10/1/2026 worked
    cal = WorkCalendar(extra_days_off=[date(2026, 1, 2)], extra_working_days=[date(2026, 1, 10)])
    assert due("2025-12-31 10:00", 1, cal) == "2026-01-05 17:00"
    assert due("2025-12-31 10:00", 1) == "2026-01-02 17:00"
    assert cal.working_days_between(at("2025-12-31 10:00"), at("2026-01-10 10:00")) == \
        CAL.working_days_between(at("2025-12-31 10:00"), at("2026-01-10 10:00"))


def test_hours_are_configurable():
    late = WorkCalendar(OfficeHours(time(8), time(12), time(13), time(17, 30), time(16)))
    assert due("2026-11-23 15:30", 0, late) == "2026-11-23 17:30"
    assert due("2026-11-23 16:00", 0, late) == "2026-11-25 17:30"
    assert due("2026-11-23 17:15", 1, late) == "2026-11-25 17:30"  # still within hours: counts Mon
    assert due("2026-11-23 17:30", 1, late) == "2026-11-26 17:30"  # at closing: counts Wed
    assert format_local(late.counting_start(at("2026-11-28 09:00"))) == "2026-11-30 08:00"
    assert late.hours.closing == time(17, 30) and OfficeHours().closing == time(17)


def test_cutoff_at_opening_or_closing():
    strict = WorkCalendar(OfficeHours(same_day_cutoff=time(7, 30)))
    assert due("2026-11-23 07:00", 0, strict) == "2026-11-23 17:00"  # before opening: before the cut-off
    assert due("2026-11-23 07:30", 0, strict) == "2026-11-25 17:00"
    assert due("2026-11-28 10:00", 0, strict) == "2026-11-30 17:00"  # counted at Mon opening: due Mon
    lax = WorkCalendar(OfficeHours(same_day_cutoff=time(17)))
    assert due("2026-11-23 16:59", 0, lax) == "2026-11-23 17:00"
    assert due("2026-11-23 17:00", 0, lax) == "2026-11-25 17:00"


@pytest.mark.parametrize("args", [
    (time(12), time(11), time(13), time(17), time(15)),  # morning ends before it starts
    (time(7), time(11), time(10), time(17), time(15)),  # afternoon starts before the morning ends
    (time(7), time(11), time(13), time(12), time(15)),  # afternoon ends before it starts
    (time(7), time(11), time(13), time(13), time(13)),  # empty afternoon
    (time(7), time(7), time(13), time(17), time(15)),  # empty morning
    (time(7), time(11), time(13), time(17), time(18)),  # cut-off after closing
    (time(7), time(11), time(13), time(17), time(6)),  # cut-off before opening
])
def test_bad_office_hours_are_refused(args):
    with pytest.raises(ValueError, match="Giờ"):
        OfficeHours(*args)


def test_edge_office_hours_are_accepted():
    OfficeHours(time(7), time(11), time(11), time(17), time(7))  # no lunch break, cut-off at opening
    OfficeHours(time(7), time(11), time(13), time(17), time(17))  # cut-off at closing


def test_bad_input():
    with pytest.raises(ValueError, match="múi giờ"):
        CAL.due_at(datetime(2026, 11, 23, 9), 1)
    with pytest.raises(ValueError, match="múi giờ"):
        CAL.counting_start(datetime(2026, 11, 23, 9))
    with pytest.raises(ValueError, match="múi giờ"):
        CAL.working_days_between(datetime(2026, 11, 23, 9), at("2026-11-25 09:00"))
    with pytest.raises(ValueError, match="múi giờ"):
        CAL.lateness(at("2026-11-25 17:00"), datetime(2026, 11, 23, 9))
    with pytest.raises(ValueError, match="âm"):
        CAL.due_at(at("2026-11-23 09:00"), -1)


@pytest.mark.parametrize("text", ["2026-02-30 10:00", "23/11/2026 09:00", "2026-11-23", "2026-11-23 25:00", "",
                                  "hôm nay"])
def test_parse_local_refuses(text):
    with pytest.raises(ValueError) as err:
        parse_local(text)
    assert str(err.value) == f"Thời điểm không hợp lệ: '{text}' (định dạng YYYY-MM-DD HH:MM)"


def test_parse_and_format():
    t = parse_local("2026-11-23 09:05")
    assert t == datetime(2026, 11, 23, 9, 5, tzinfo=VN_TZ) and t.utcoffset() == timedelta(hours=7)
    assert format_local(t) == "2026-11-23 09:05"
    assert format_vn(t) == "23/11/2026 09:05"
    utc = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # already Tuesday in Hà Nội
    assert format_local(utc) == "2026-11-24 00:30"
    assert format_vn(utc) == "24/11/2026 00:30"
    with pytest.raises(ValueError, match="múi giờ"):
        format_vn(datetime(2026, 11, 23, 9))


def test_lateness():
    due_at = at("2026-11-25 17:00")
    assert CAL.lateness(due_at, at("2026-11-23 10:00")) == ("early", 1)  # 24/11 is off
    assert CAL.lateness(due_at, at("2026-11-20 10:00")) == ("early", 2)  # Mon 23, Wed 25
    assert CAL.lateness(due_at, at("2026-11-25 08:00")) == ("on_time", 0)
    assert CAL.lateness(due_at, at("2026-11-25 16:59")) == ("on_time", 0)
    assert CAL.lateness(due_at, at("2026-11-25 17:00")) == ("on_time", 0)
    assert CAL.lateness(due_at, datetime(2026, 11, 25, 10, 0, tzinfo=UTC)) == ("on_time", 0)  # 17:00 in VN
    assert CAL.lateness(due_at, at("2026-11-25 17:30")) == ("late", 1)
    assert CAL.lateness(due_at, at("2026-11-26 09:00")) == ("late", 1)
    assert CAL.lateness(due_at, at("2026-11-28 09:00")) == ("late", 2)  # 26, 27; Saturday adds none
    assert CAL.lateness(due_at, at("2026-11-30 09:00")) == ("late", 3)  # 26, 27, 30
    before_holidays = at("2026-09-03 17:00")
    assert CAL.lateness(before_holidays, at("2026-08-28 10:00")) == ("early", 1)  # 31/8, 1/9, 2/9 off


def test_years_are_added_as_needed():
    small = WorkCalendar(years=[2025])
    for d in (date(2019, 1, 5), date(2024, 4, 18), date(2026, 11, 24), date(2030, 9, 2), date(2030, 9, 3)):
        assert small.is_working_day(d) == CAL.is_working_day(d) == holidays.VN().is_working_day(d)
    assert small.add_working_days(date(2025, 12, 31), 300) == CAL.add_working_days(date(2025, 12, 31), 300)
    assert small.holiday_name(date(2030, 9, 2)) == holidays.VN(language="vi").get(date(2030, 9, 2))


# ---- properties ------------------------------------------------------------------------------------------

VN_REF = holidays.VN(language="vi")
days = st.dates(date(2024, 6, 1), date(2027, 6, 1))
zones = st.sampled_from([VN_TZ, UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")])
moments = st.datetimes(datetime(2024, 6, 1), datetime(2027, 6, 1), timezones=zones)
overrides = st.lists(days, max_size=12)
calendars = st.builds(WorkCalendar, extra_days_off=overrides, extra_working_days=overrides) | st.just(CAL)


def step_reference(cal: WorkCalendar, d: date, n: int) -> date:
    """add_working_days the slow way."""
    for _ in range(n):
        d += timedelta(days=1)
        while not cal.is_working_day(d):
            d += timedelta(days=1)
    return d


@settings(max_examples=300)
@given(days)
def test_is_working_day_is_holidays_vn(d):
    assert CAL.is_working_day(d) == VN_REF.is_working_day(d)
    assert CAL.holiday_name(d) == VN_REF.get(d)


@settings(max_examples=200)
@given(calendars, days)
def test_overrides_win(cal, d):
    if d in cal.extra_working_days:
        expected = True
    elif d in cal.extra_days_off:
        expected = False
    else:
        expected = VN_REF.is_working_day(d)
    assert cal.is_working_day(d) == expected
    if d in cal.extra_days_off and d not in cal.extra_working_days:
        assert cal.holiday_name(d) == "Ngày nghỉ (điều chỉnh)"


@settings(max_examples=300)
@given(calendars, moments, st.integers(0, 30))
def test_due_is_a_working_day_at_closing(cal, received, n):
    d = cal.due_at(received, n)
    assert d.tzinfo == VN_TZ
    assert cal.is_working_day(d.date()) and d.time() == time(17) and d > received


@settings(max_examples=300)
@given(calendars, moments)
def test_counting_start_is_a_working_moment_never_before_receipt(cal, received):
    start = cal.counting_start(received)
    assert start.tzinfo == VN_TZ and start >= received and cal.is_working_day(start.date())
    assert start == received or start.time() == cal.hours.opening
    assert start.time() < cal.hours.closing
    # nothing is skipped: no working time lies between receipt and the counting start
    if start != received:
        assert cal.working_days_between(received, start) == 1


@settings(max_examples=300)
@given(calendars, moments)
def test_same_day_rule(cal, received):
    local = received.astimezone(VN_TZ)
    start = cal.counting_start(received)
    d = cal.due_at(received, 0)
    if start == received and local.time() >= cal.hours.same_day_cutoff:
        assert d.date() == cal.next_working_day(local.date())
    else:
        assert d.date() == start.date()
    assert cal.working_days_between(start, d) in (0, 1)


@settings(max_examples=200)
@given(calendars, moments, st.integers(0, 20), st.integers(0, 20))
def test_due_is_monotonic_in_days(cal, received, a, b):
    lo, hi = sorted((a, b))
    assert cal.due_at(received, lo) <= cal.due_at(received, hi)
    if 1 <= lo < hi:
        assert cal.due_at(received, lo) < cal.due_at(received, hi)


@settings(max_examples=300)
@given(calendars, moments, st.timedeltas(timedelta(0), timedelta(days=20)), st.integers(0, 10))
def test_due_is_monotonic_in_receipt_time(cal, received, later, n):
    assert cal.due_at(received, n) <= cal.due_at(received + later, n)


@settings(max_examples=200)
@given(calendars, days, st.integers(0, 15), st.integers(0, 15))
def test_adding_working_days_composes(cal, d, a, b):
    assert cal.add_working_days(d, a + b) == cal.add_working_days(cal.add_working_days(d, a), b)


@settings(max_examples=200)
@given(calendars, days, st.integers(0, 300))
def test_adding_working_days_matches_stepping(cal, d, n):
    assert cal.add_working_days(d, n) == step_reference(cal, d, n)


@settings(max_examples=200)
@given(calendars, days, st.integers(0, 25), st.sampled_from([time(0), time(7, 30), time(12), time(23, 59)]))
def test_working_days_between_inverts_adding(cal, d, n, hour):
    start = datetime.combine(d, time(0), VN_TZ)
    end = datetime.combine(cal.add_working_days(d, n), hour, VN_TZ)
    assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(end, start) == -n


@settings(max_examples=200)
@given(calendars, days, days)
def test_working_days_between_counts(cal, a, b):
    lo, hi = sorted((a, b))
    count = sum(cal.is_working_day(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    start, end = datetime.combine(a, time(9), VN_TZ), datetime.combine(b, time(9), VN_TZ)
    assert cal.working_days_between(start, end) == (count if a <= b else -count)


@settings(max_examples=200)
@given(moments, moments)
def test_lateness_classifies(due, done):
    kind, n = CAL.lateness(due, done)
    if done > due:
        assert kind == "late" and n >= 1
    elif done.astimezone(VN_TZ).date() < due.astimezone(VN_TZ).date():
        assert kind == "early" and n >= 1
    else:
        assert (kind, n) == ("on_time", 0)


hours = st.times(time(5), time(20)).map(lambda t: t.replace(second=0, microsecond=0))


@settings(max_examples=300)
@given(hours, hours, hours, hours, hours)
def test_office_hours_validation(ms, me, as_, ae, cut):
    valid = ms < me <= as_ < ae and ms <= cut <= ae
    if valid:
        h = OfficeHours(ms, me, as_, ae, cut)
        assert h.closing == ae
    else:
        with pytest.raises(ValueError, match="Giờ"):
            OfficeHours(ms, me, as_, ae, cut)


@settings(max_examples=200)
@given(st.lists(hours, min_size=4, max_size=4, unique=True), st.data())
def test_well_ordered_office_hours_are_accepted(four, data):
    ms, me, as_, ae = sorted(four)
    cut = data.draw(st.sampled_from([ms, me, as_, ae]))
    h = OfficeHours(ms, me, as_, ae, cut)
    assert (h.opening, h.closing) == (ms, ae)
    OfficeHours(ms, me, me, ae, cut)  # no lunch break is fine


def test_calendar_module_is_pure():
    import ast
    import sys

    import counter.domain.calendar as module

    tree = ast.parse(open(module.__file__, encoding="utf-8").read())  # noqa: SIM115
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported - sys.stdlib_module_names == {"holidays"}
    calls = {node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not calls & {"now", "today", "utcnow"}


@settings(max_examples=100)
@given(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)))
def test_parse_format_round_trip(dt):
    text = dt.strftime("%Y-%m-%d %H:%M")
    parsed = parse_local(text)
    assert format_local(parsed) == text
    assert format_vn(parsed) == dt.strftime("%d/%m/%Y %H:%M")
