"""Bộ chỉ số 766 (QĐ 766/QĐ-TTg 2022): the ratios a counter can compute from its own data, and periods.

Score rule (domain.md): full points when the ratio meets the target, else ratio ÷ target × points. The indicators,
their definitions, points and targets are the table in domain.md, kept as data with their source
(scorecard766.toml, read into `INDICATORS`): the point values are the national portal's charts (the decision's
annex was not read); 4.2 and 4.3 aim at 80%; the online share (3.x) aims at the office's own target, a setting.
What each indicator counts is computed in services/scorecard.py, one function per indicator.
"""

from __future__ import annotations

import calendar as _cal
import tomllib
from typing import Any
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, UTC
from fractions import Fraction
from pathlib import Path

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

#: where the point values come from (domain.md): the national portal's charts, as a public 2026 dashboard shows
#: them; the decision's annex itself was not read. The table is data (scorecard766.toml): a correction changes only it.
SOURCE_766 = "QĐ 766/QĐ-TTg 2022, điểm theo biểu đồ Cổng DVCQG (bảng công khai 2026)"
SOURCE_TARGET = "Chỉ tiêu do UBND tỉnh giao cho đơn vị (cài đặt [scorecard] online_target_percent)"
NO_DATA = "Chưa có dữ liệu"


@dataclass(frozen=True)
class IndicatorDef:
    code: str  # as numbered in QĐ 766
    name: str
    group: str
    target: Fraction  # 0..1
    points: Fraction
    definition: str = ""  # what the counter counts: numerator / denominator
    source: str = SOURCE_766


def _load_766() -> tuple[dict[str, int], tuple[IndicatorDef, ...]]:
    """scorecard766.toml beside this module: the groups' weights and the indicators, in the portal's order."""
    table = tomllib.loads(Path(__file__).with_name("scorecard766.toml").read_text("utf-8"))
    sources = {"766": SOURCE_766, "target": SOURCE_TARGET}
    return table["groups"], tuple(
        IndicatorDef(i["code"], i["name"], i["group"], Fraction(i.get("target", 1)), Fraction(i["points"]),
                     i["definition"], sources[i.get("source", "766")])
        for i in table["indicator"])


#: group -> weight in QĐ 766, and the indicators a counter can count (domain.md's table), kept as data
GROUPS, INDICATORS = _load_766()
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
    counter has no record to count it from: shown as "Chưa có dữ liệu", never a made-up 0."""

    code: str
    name: str
    group: str
    numerator: int
    denominator: int
    target: Fraction
    points: Fraction
    available: bool = True
    note: str = ""
    definition: str = ""
    source: str = ""

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
    return Indicator(d.code, d.name, d.group, numerator, denominator, d.target, d.points, available, note,
                     d.definition, d.source)


def from_parts(code: str, parts: tuple[int, int] | None, note: str = "",
               defs: dict[str, IndicatorDef] | None = None) -> Indicator:
    """An indicator from its compute function's answer: (numerator, denominator), or None (no records yet)."""
    if parts is None:
        return indicator(code, 0, 0, available=False, note=note or NO_DATA, defs=defs)
    return indicator(code, parts[0], parts[1], note=note, defs=defs)


def with_target(defs: dict[str, IndicatorDef], code: str, target: Fraction | None = None,
                points: Fraction | None = None, source: str | None = None) -> dict[str, IndicatorDef]:
    """A copy of the definitions with one target or point value changed (offices configure these)."""
    d = defs[code]
    return {**defs, code: replace(d, target=d.target if target is None else target,
                                  points=d.points if points is None else points,
                                  source=d.source if source is None else source)}


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


def verdict(row: Any, target: Any) -> str:
    """A figure held against its target, in words: "Đạt", "Chưa đạt", or "—" without a target (`row.met`)."""
    met = row.met(target)
    return "—" if met is None else "Đạt" if met else "Chưa đạt"
