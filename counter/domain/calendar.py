"""Working days and deadlines (design.md, "Calendar and deadlines"). The only place the due-date rule lives.

Rule: a dossier received on a working day within office hours counts from that day; one received on a
non-working day or after closing counts as received at the start of the next working day. N >= 1 working days:
due at closing of the Nth working day after the counting day. Same-day procedures (N = 0): due at closing that
day, or, if received at or after the cut-off (15:00), at closing of the next working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OVERRIDE_OFF_NAME = "Ngày nghỉ (điều chỉnh)"


@dataclass(frozen=True)
class OfficeHours:
    morning_start: time = time(7, 30)
    morning_end: time = time(11, 30)
    afternoon_start: time = time(13, 30)
    afternoon_end: time = time(17, 0)  # closing time
    same_day_cutoff: time = time(15, 0)  # the 15:00 rule

    def __post_init__(self) -> None:
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValueError("Giờ làm việc không hợp lệ: phải có sáng bắt đầu < sáng kết thúc ≤ chiều bắt đầu "
                             "< chiều kết thúc")
        if not (self.morning_start <= self.same_day_cutoff <= self.afternoon_end):
            raise ValueError("Giờ chốt nhận hồ sơ trong ngày phải nằm trong giờ làm việc")

    @property
    def opening(self) -> time:
        return self.morning_start

    @property
    def closing(self) -> time:
        return self.afternoon_end


class WorkCalendar:
    """holidays.VN (public holidays, compensatory days, swapped Saturdays) plus the office's override table."""

    def __init__(self, hours: OfficeHours | None = None, extra_days_off: Iterable[date] = (),
                 extra_working_days: Iterable[date] = (), years: Iterable[int] | None = None):
        self.hours = hours or OfficeHours()
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        self._vn = holidays.VN(years=list(years) if years else [], language="vi")
        self._cache: dict[date, bool] = {}

    def is_working_day(self, d: date) -> bool:
        hit = self._cache.get(d)
        if hit is None:
            if d in self.extra_working_days:
                hit = True
            elif d in self.extra_days_off:
                hit = False
            else:
                hit = self._vn.is_working_day(d)
            self._cache[d] = hit
        return hit

    def holiday_name(self, d: date) -> str | None:
        if d in self.extra_working_days:
            return None
        if d in self.extra_days_off:
            return OVERRIDE_OFF_NAME
        return self._vn.get(d)

    def next_working_day(self, d: date) -> date:
        d += timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The nth working day strictly after d (n == 0 returns d)."""
        if n < 0:
            raise ValueError("Số ngày làm việc không được âm")
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def _closing(self, d: date) -> datetime:
        return datetime.combine(d, self.hours.closing, VN_TZ)

    def counting_start(self, received: datetime) -> datetime:
        """When the dossier counts as received: itself within a working day, else the next opening."""
        local = _aware(received).astimezone(VN_TZ)
        if self.is_working_day(local.date()) and local.time() < self.hours.closing:
            return local
        return datetime.combine(self.next_working_day(local.date()), self.hours.opening, VN_TZ)

    def due_at(self, received: datetime, working_days: int) -> datetime:
        if working_days < 0:
            raise ValueError("Số ngày làm việc không được âm")
        start = self.counting_start(received)
        if working_days == 0:
            if start.time() >= self.hours.same_day_cutoff:
                return self._closing(self.next_working_day(start.date()))
            return self._closing(start.date())
        return self._closing(self.add_working_days(start.date(), working_days))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days strictly after start's local date up to and including end's (negative if reversed)."""
        a = _aware(start).astimezone(VN_TZ).date()
        b = _aware(end).astimezone(VN_TZ).date()
        if b < a:
            return -self.working_days_between(end, start)
        n, d = 0, a
        while d < b:
            d += timedelta(days=1)
            n += self.is_working_day(d)
        return n

    def lateness(self, due: datetime, done: datetime) -> tuple[str, int]:
        """("early", n) finished n working days before the due date, ("on_time", 0), or ("late", n ≥ 1)."""
        if done > due:
            return "late", max(1, self.working_days_between(due, done))
        if done.astimezone(VN_TZ).date() < due.astimezone(VN_TZ).date():
            return "early", max(1, self.working_days_between(done, due))
        return "on_time", 0


def _aware(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("Thời điểm phải kèm múi giờ")
    return dt


def parse_local(text: str) -> datetime:
    """"YYYY-MM-DD HH:MM" in Vietnam time."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=VN_TZ)
    except ValueError:
        raise ValueError(f"Thời điểm không hợp lệ: '{text}' (định dạng YYYY-MM-DD HH:MM)") from None


def format_local(dt: datetime) -> str:
    return dt.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M")


def format_vn(dt: datetime) -> str:
    return dt.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
