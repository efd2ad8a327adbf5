"""Working days and deadlines (design.md, "Calendar and deadlines"). The only place the due-date rule lives.

Rule: a dossier received on a working day before closing counts from that moment (before opening included);
one received on a non-working day or at/after closing counts as received at the opening of the next working
day. N >= 1 working days: due at closing of the Nth working day after the counting day. Same-day procedures
(N = 0, Luật Hộ tịch 2014 art. 5.3): due at closing of the counting day, or, if received on a working day at or
after the cut-off (15:00) but before closing, at closing of the next working day.

Working days come from `holidays.VN` (weekends, public holidays, compensatory days, swapped Saturdays) with the
office's override table on top (an extra working day wins over an extra day off, both win over `holidays`).
Each calendar year is turned once into a sorted table of working days (the holidays.VN part shared by all
calendars), so every question (is it a working day, the nth working day after, how many in between) is a set
lookup or a binary search: microseconds.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
#: the longest time a procedure (or an extension) may count, in working days
MAX_WORKING_DAYS = 365
OVERRIDE_OFF_NAME = "Ngày nghỉ (điều chỉnh)"

_LOCK = threading.RLock()  # guards holidays.VN (it grows itself on lookup) and table building
_NEGATIVE_DAYS = "Số ngày làm việc không được âm"


@dataclass(frozen=True)
class OfficeHours:
    morning_start: time = time(7, 30)
    morning_end: time = time(11, 30)
    afternoon_start: time = time(13, 30)
    afternoon_end: time = time(17, 0)  # closing time
    same_day_cutoff: time = time(15, 0)  # the 15:00 rule

    def __post_init__(self) -> None:
        values = (self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end,
                  self.same_day_cutoff)
        if not all(isinstance(t, time) and t.tzinfo is None for t in values):
            raise ValueError("Giờ làm việc không hợp lệ: phải là giờ:phút, không kèm múi giờ")
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValueError("Giờ làm việc không hợp lệ: phải có sáng bắt đầu < sáng kết thúc ≤ chiều bắt đầu "
                             "< chiều kết thúc")
        if not (self.morning_start <= self.same_day_cutoff <= self.afternoon_end):
            raise ValueError("Giờ chốt nhận hồ sơ trong ngày phải nằm trong giờ làm việc "
                             f"({self.morning_start:%H:%M}–{self.afternoon_end:%H:%M})")

    @property
    def opening(self) -> time:
        return self.morning_start

    @property
    def closing(self) -> time:
        return self.afternoon_end


def _vietnam_holidays() -> Any:
    """holidays' Vietnam and only it, on first use: `import holidays.countries.vietnam` runs the package
    `holidays.countries`, which imports all ~250 countries (0.15 s at every start). The module is loaded from its
    file under its own name, so a later `import holidays` (or holidays.VN) finds and reuses it."""
    name = "holidays.countries.vietnam"
    module = sys.modules.get(name)
    if module is None:
        import holidays.holiday_base  # the package (its registry is lazy) and the base classes

        spec = importlib.util.spec_from_file_location(
            name, Path(holidays.holiday_base.__file__).parent / "countries" / "vietnam.py")
        if spec is None or spec.loader is None or "holidays.countries" in sys.modules:
            from holidays.countries.vietnam import Vietnam  # already paid for: the ordinary import
            return Vietnam(years=[], language="vi")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return module.Vietnam(years=[], language="vi")  # expand=True: grows a year at a time on lookup


class _Vietnam:
    """holidays.VN turned into per-year tables, shared by every WorkCalendar (the law is the same for all)."""

    def __init__(self) -> None:
        self._vn: Any = None  # loaded at the first question, under the lock (not at import: start-up)
        self._working: dict[int, tuple[int, ...]] = {}  # year -> sorted ordinals of its working days
        self._names: dict[int, dict[date, str]] = {}

    def working(self, year: int) -> tuple[int, ...]:
        table = self._working.get(year)
        if table is None:
            with _LOCK:
                table = self._working.get(year)
                if table is None:
                    if self._vn is None:
                        self._vn = _vietnam_holidays()
                    vn = self._vn
                    first = date(year, 1, 1).toordinal()
                    last = date(year, 12, 31).toordinal()
                    table = tuple(o for o in range(first, last + 1) if vn.is_working_day(date.fromordinal(o)))
                    self._names[year] = {d: name for d, name in vn.items() if d.year == year}
                    self._working[year] = table
        return table

    def name(self, d: date) -> str | None:
        self.working(d.year)
        return self._names[d.year].get(d)


_VIETNAM = _Vietnam()


class WorkCalendar:
    """holidays.VN (public holidays, compensatory days, swapped Saturdays) plus the office's override table."""

    def __init__(self, hours: OfficeHours | None = None, extra_days_off: Iterable[date] = (),
                 extra_working_days: Iterable[date] = (), years: Iterable[int] | None = None):
        self.hours = hours or OfficeHours()
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        self._off = frozenset(d.toordinal() for d in self.extra_days_off) - {
            d.toordinal() for d in self.extra_working_days}
        self._work = frozenset(d.toordinal() for d in self.extra_working_days)
        self._years: dict[int, tuple[tuple[int, ...], frozenset[int]]] = {}
        for year in set(years or ()):
            self._year(year)

    def __repr__(self) -> str:
        return (f"WorkCalendar({self.hours!r}, extra_days_off={sorted(self.extra_days_off)!r}, "
                f"extra_working_days={sorted(self.extra_working_days)!r})")

    def _year(self, year: int) -> tuple[tuple[int, ...], frozenset[int]]:
        """The year's working days (sorted ordinals, and as a set) with the overrides applied; built once."""
        hit = self._years.get(year)
        if hit is None:
            with _LOCK:
                hit = self._years.get(year)
                if hit is None:
                    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
                    days = set(_VIETNAM.working(year))
                    days -= self._off
                    days |= {o for o in self._work if first <= o <= last}
                    hit = (tuple(sorted(days)), frozenset(days))
                    self._years[year] = hit
        return hit

    # ---- days ----------------------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        return d.toordinal() in self._year(d.year)[1]

    def holiday_name(self, d: date) -> str | None:
        """The holiday's Vietnamese name; OVERRIDE_OFF_NAME for an override day off; None otherwise."""
        if d in self.extra_working_days:
            return None
        if d in self.extra_days_off:
            return OVERRIDE_OFF_NAME
        return _VIETNAM.name(d)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after d."""
        return self.add_working_days(d, 1)

    def add_working_days(self, d: date, n: int) -> date:
        """The nth working day strictly after d (n == 0 returns d)."""
        if n < 0:
            raise ValueError(_NEGATIVE_DAYS)
        if n == 0:
            return d
        year = d.year
        days = self._year(year)[0]
        i = bisect_right(days, d.toordinal()) + n - 1  # index of the answer, if this year has it
        while i >= len(days):
            i -= len(days)
            year += 1
            days = self._year(year)[0]
        return date.fromordinal(days[i])

    # ---- times ---------------------------------------------------------------------------------------------

    def _closing(self, d: date) -> datetime:
        return datetime.combine(d, self.hours.closing, VN_TZ)

    def counting_start(self, received: datetime) -> datetime:
        """When the dossier counts as received: itself on a working day before closing, else the next opening."""
        local = _local(received)
        if local.time() < self.hours.closing and self.is_working_day(local.date()):
            return local
        return datetime.combine(self.next_working_day(local.date()), self.hours.opening, VN_TZ)

    def due_at(self, received: datetime, working_days: int) -> datetime:
        """The due time (VN_TZ, at closing) for a procedure of `working_days` working days (0: same day)."""
        if working_days < 0:
            raise ValueError(_NEGATIVE_DAYS)
        local = _local(received)
        start = self.counting_start(local)
        if working_days > 0:
            return self._closing(self.add_working_days(start.date(), working_days))
        if start == local and local.time() >= self.hours.same_day_cutoff:
            # received on a working day between the cut-off and closing: the next working day
            return self._closing(self.next_working_day(start.date()))
        # before the cut-off (or before opening), or moved to the next opening, which is before the cut-off
        return self._closing(start.date())

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days strictly after start's local date up to and including end's (negative if reversed)."""
        a = _local(start).date()
        b = _local(end).date()
        if b < a:
            return -self.working_days_between(end, start)
        days = self._year(a.year)[0]
        n = -bisect_right(days, a.toordinal())
        for year in range(a.year, b.year):
            n += len(self._year(year)[0])
        return n + bisect_right(self._year(b.year)[0], b.toordinal())

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """The office's working hours from start to end (0 if end is not after start): whole working days
        between count their morning and afternoon, the first and last day only the part inside them."""
        a, b = _local(start), _local(end)
        if b <= a:
            return 0.0
        h = self.hours
        spans = ((h.morning_start, h.morning_end), (h.afternoon_start, h.afternoon_end))

        def seconds(t: time) -> float:
            return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6

        def part(d: date, t1: float, t2: float) -> float:
            if not self.is_working_day(d):
                return 0.0
            return sum(max(0.0, min(t2, seconds(e)) - max(t1, seconds(s))) for s, e in spans)

        full = sum(seconds(e) - seconds(s) for s, e in spans)
        ta, tb = seconds(a.time()), seconds(b.time())
        if a.date() == b.date():
            return part(a.date(), ta, tb) / 3600
        between = self.working_days_between(a, b) - (1 if self.is_working_day(b.date()) else 0)
        return (part(a.date(), ta, 86400.0) + between * full + part(b.date(), 0.0, tb)) / 3600

    def lateness(self, due: datetime, done: datetime) -> tuple[str, int]:
        """("early", n ≥ 1) done n working days before the due date, ("on_time", 0), or ("late", n ≥ 1)."""
        due, done = _local(due), _local(done)
        if done > due:
            return "late", max(1, self.working_days_between(due, done))
        if done.date() < due.date():
            return "early", max(1, self.working_days_between(done, due))
        return "on_time", 0


def _local(dt: datetime) -> datetime:
    """dt (aware, any zone) in Vietnam time; naive datetimes are refused."""
    if not isinstance(dt, datetime):
        raise ValueError(f"Thời điểm không hợp lệ: {dt!r} (cần ngày giờ có múi giờ)")
    if dt.utcoffset() is None:
        raise ValueError(f"Thời điểm phải kèm múi giờ: {dt.isoformat(sep=' ')}")
    return dt.astimezone(VN_TZ)


def parse_local(text: str) -> datetime:
    """"YYYY-MM-DD HH:MM" in Vietnam time."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=VN_TZ)
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"Thời điểm không hợp lệ: '{text}' (định dạng YYYY-MM-DD HH:MM)") from None


def format_local(dt: datetime) -> str:
    """"YYYY-MM-DD HH:MM" in Vietnam time (the inverse of parse_local)."""
    return _local(dt).strftime("%Y-%m-%d %H:%M")


def format_vn(dt: datetime) -> str:
    """"dd/MM/yyyy HH:mm" in Vietnam time, as shown to citizens and staff."""
    return _local(dt).strftime("%d/%m/%Y %H:%M")
