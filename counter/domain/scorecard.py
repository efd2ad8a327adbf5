"""Bộ chỉ số 766 (QĐ 766/QĐ-TTg 2022): the ratios a counter can compute from its own data, and periods.

Score rule (domain.md): full points when the ratio meets the target, else ratio ÷ target × points. The targets
of 4.2, 4.3 and 5.4 come from domain.md; the other targets and every per-indicator point value are *unverified*
(the groups' weights are known, the split inside a group is not): they are data here, so an office can change
them without touching the rule.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, UTC
from fractions import Fraction

from counter.domain.calendar import VN_TZ
from counter.domain.errors import CounterError


class PeriodError(CounterError):
    pass


# ---- periods -----------------------------------------------------------------------------------------------

PERIOD_KINDS = ("day", "week", "month")
PERIOD_LABELS = {"day": "Ngày", "week": "Tuần", "month": "Tháng"}


@dataclass(frozen=True)
class Period:
    """Local (Vietnam) calendar days from `start` to `end`, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"Kỳ báo cáo không hợp lệ: ngày cuối {self.end:%d/%m/%Y} trước ngày đầu "
                              f"{self.start:%d/%m/%Y}")

    @classmethod
    def day(cls, d: date) -> Period:
        return cls(d, d)

    @classmethod
    def week(cls, d: date) -> Period:
        monday = d - timedelta(days=d.weekday())
        return cls(monday, monday + timedelta(days=6))

    @classmethod
    def month(cls, d: date) -> Period:
        return cls(d.replace(day=1), d.replace(day=_cal.monthrange(d.year, d.month)[1]))

    @classmethod
    def of(cls, kind: str, d: date) -> Period:
        if kind not in PERIOD_KINDS:
            raise PeriodError(f"Loại kỳ không hợp lệ: “{kind}” (ngày, tuần hoặc tháng)")
        return getattr(cls, kind)(d)

    def shift(self, kind: str, n: int) -> Period:
        """The period of the same kind n steps before (n < 0) or after."""
        if kind == "day":
            return Period.day(self.start + timedelta(days=n))
        if kind == "week":
            return Period.week(self.start + timedelta(days=7 * n))
        month = self.start.year * 12 + self.start.month - 1 + n
        return Period.month(date(month // 12, month % 12 + 1, 1))

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to local midnight after the last."""
        lo = datetime.combine(self.start, time(0), VN_TZ).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time(0), VN_TZ).astimezone(UTC)
        return lo, hi

    @property
    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%d/%m/%Y}"
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


MIN_YEAR, MAX_YEAR = 1900, 2200  # the dates a report period can name


def parse_day(text: str) -> date:
    """dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy) or ISO yyyy-mm-dd."""
    t = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = datetime.strptime(t, fmt).date()
        except ValueError:
            continue
        if not MIN_YEAR <= day.year <= MAX_YEAR:  # 0001-01-01 in Vietnam is before UTC's year 1
            raise PeriodError(f"Ngày “{text}” nằm ngoài khoảng cho phép (năm {MIN_YEAR}–{MAX_YEAR})")
        return day
    raise PeriodError(f"Ngày không hợp lệ: “{text}” (dd/mm/yyyy hoặc yyyy-mm-dd)")


def local_date(dt: datetime) -> date:
    return dt.astimezone(VN_TZ).date()


# ---- indicators --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorDef:
    code: str  # as numbered in QĐ 766
    name: str
    group: str
    target: Fraction  # 0..1
    points: Fraction


GROUPS = {  # group -> weight in QĐ 766
    "Công khai, minh bạch": 18, "Tiến độ giải quyết": 20, "Dịch vụ công trực tuyến": 12,
    "Thanh toán trực tuyến": 10, "Số hóa hồ sơ": 22, "Mức độ hài lòng": 18,
}

INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef("1.4", "Hồ sơ đã đồng bộ / hồ sơ tiếp nhận", "Công khai, minh bạch", Fraction(1), Fraction(4)),
    IndicatorDef("2.1", "Hồ sơ giải quyết / đang giải quyết đúng hạn", "Tiến độ giải quyết", Fraction(1),
                 Fraction(10)),
    IndicatorDef("3.1", "Hồ sơ trực tuyến / tổng số hồ sơ", "Dịch vụ công trực tuyến", Fraction(1, 2), Fraction(6)),
    IndicatorDef("3.6", "Hồ sơ thanh toán trực tuyến / hồ sơ có phí", "Thanh toán trực tuyến", Fraction(1, 2),
                 Fraction(10)),
    IndicatorDef("4.2", "Hồ sơ được số hóa, có kết quả điện tử / tổng số", "Số hóa hồ sơ", Fraction(4, 5),
                 Fraction(11)),
    IndicatorDef("4.3", "Hồ sơ tái sử dụng giấy tờ đã số hóa / tổng số", "Số hóa hồ sơ", Fraction(4, 5),
                 Fraction(11)),
    IndicatorDef("5.4", "100% − (tỷ lệ trễ hạn + tỷ lệ khiếu nại)", "Mức độ hài lòng", Fraction(9, 10),
                 Fraction(6)),
)
DEFS = {d.code: d for d in INDICATORS}


def score(ratio: Fraction | None, target: Fraction, points: Fraction) -> Fraction | None:
    """Full points when the ratio meets the target, else ratio ÷ target × points (None: not available)."""
    if ratio is None:
        return None
    if target <= 0 or ratio >= target:
        return points
    return max(Fraction(0), ratio) / target * points


@dataclass(frozen=True)
class Indicator:
    """One line of the scorecard: numerator / denominator against the target. `available` False when the
    counter has no data for it (e.g. no record of how fees were paid): shown as such, never invented."""

    code: str
    name: str
    group: str
    numerator: int
    denominator: int
    target: Fraction
    points: Fraction
    available: bool = True
    note: str = ""

    @property
    def ratio(self) -> Fraction | None:
        if not self.available or self.denominator <= 0:
            return None
        return Fraction(self.numerator, self.denominator)

    @property
    def score(self) -> Fraction | None:
        return score(self.ratio, self.target, self.points)

    @property
    def met(self) -> bool | None:
        r = self.ratio
        return None if r is None else r >= self.target


def indicator(code: str, numerator: int, denominator: int, available: bool = True, note: str = "",
              defs: dict[str, IndicatorDef] | None = None) -> Indicator:
    d = (defs or DEFS)[code]
    return Indicator(d.code, d.name, d.group, numerator, denominator, d.target, d.points, available, note)


def complement_indicator(code: str, late: int, complaints: int, handled: int, note: str = "",
                         defs: dict[str, IndicatorDef] | None = None) -> Indicator:
    """5.4: 100% − (late % + complaint %), as a fraction (handled − late − complaints) / handled."""
    ind = indicator(code, max(0, handled - late - complaints), handled, note=note, defs=defs)
    return ind


def with_target(defs: dict[str, IndicatorDef], code: str, target: Fraction | None = None,
                points: Fraction | None = None) -> dict[str, IndicatorDef]:
    """A copy of the definitions with one target or point value changed (offices configure these)."""
    d = defs[code]
    return {**defs, code: replace(d, target=d.target if target is None else target,
                                  points=d.points if points is None else points)}


def percent(value: Fraction | None, digits: int = 1) -> str:
    """"87,5%" (Vietnamese decimal comma); "—" when not available."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.{digits}f}%".replace(".", ",")


def number(value: Fraction | float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") or "0"
