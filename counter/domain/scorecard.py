"""Bộ chỉ số 766 (QĐ 766/QĐ-TTg 2022): the ratios a counter can compute from its own data, and periods.

Score rule (domain.md): full points when the ratio meets the target, else ratio ÷ target × points. The indicators,
their definitions, points and targets are the table in domain.md, kept as data with their source (`INDICATORS`):
the point values are the national portal's charts (the decision's annex was not read); 4.2 and 4.3 aim at 80%;
the online share (3.x) aims at the office's own target, a setting. What each indicator counts is computed in
services/scorecard.py, one function per indicator.
"""

from __future__ import annotations

import calendar as _cal
from typing import Any
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

#: where the point values come from (domain.md): the national portal's charts, as a public 2026 dashboard shows
#: them; the decision's annex itself was not read. Kept as data so a corrected table is a data change.
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


GROUPS = {  # group -> weight in QĐ 766
    "Công khai, minh bạch": 18, "Tiến độ giải quyết": 20, "Dịch vụ công trực tuyến": 12,
    "Thanh toán trực tuyến": 10, "Số hóa hồ sơ": 22, "Mức độ hài lòng": 18,
}


def _d(code: str, name: str, group: str, points: int, definition: str, target: Fraction = Fraction(1),
       source: str = SOURCE_766) -> IndicatorDef:
    return IndicatorDef(code, name, group, target, Fraction(points), definition, source)


#: the indicators a counter can count (domain.md's table), in the portal's order
INDICATORS: tuple[IndicatorDef, ...] = (
    _d("1.4", "Hồ sơ đồng bộ lên Cổng DVCQG", "Công khai, minh bạch", 6,
       "hồ sơ đã đẩy lên và được Cổng DVCQG xác nhận / tổng số hồ sơ"),
    _d("2.1", "Hồ sơ xử lý trước hạn, đúng hạn", "Tiến độ giải quyết", 20,
       "đã giải quyết trước/đúng hạn + đang giải quyết chưa đến hạn / hồ sơ giải quyết trong kỳ (cả kỳ trước "
       "chuyển sang); gia hạn xác minh theo luật không tính trễ, gia hạn có xin lỗi (Mẫu 04) tính trễ"),
    _d("3.x", "Hồ sơ DVCTT toàn trình / hồ sơ đủ điều kiện toàn trình", "Dịch vụ công trực tuyến", 12,
       "hồ sơ nộp trực tuyến của thủ tục nhận trực tuyến (không cần có mặt) / mọi hồ sơ của các thủ tục đó",
       Fraction(3, 10), SOURCE_TARGET),
    _d("3.5", "TTHC có nghĩa vụ tài chính được thanh toán trên Cổng", "Thanh toán trực tuyến", 2,
       "thủ tục có phí, lệ phí cho thanh toán trực tuyến / thủ tục có phí, lệ phí"),
    _d("3.5b", "TTHC có giao dịch thanh toán trực tuyến", "Thanh toán trực tuyến", 2,
       "thủ tục có ít nhất một giao dịch thanh toán trực tuyến / thủ tục có phí, lệ phí"),
    _d("3.6", "Hồ sơ thanh toán trực tuyến", "Thanh toán trực tuyến", 6,
       "hồ sơ nộp phí trực tuyến / hồ sơ có phí, lệ phí"),
    _d("4.1", "Hồ sơ có kết quả giải quyết điện tử", "Số hóa hồ sơ", 6,
       "hồ sơ có kết quả là văn bản điện tử (ký số) / hồ sơ đã giải quyết"),
    _d("4.2", "Hồ sơ thực hiện số hóa thành phần", "Số hóa hồ sơ", 4,
       "hồ sơ có mọi thành phần đã số hóa / hồ sơ tiếp nhận", Fraction(4, 5)),
    _d("4.2b", "Chứng thực bản sao điện tử từ bản chính", "Số hóa hồ sơ", 2,
       "đơn vị có cung cấp chứng thực bản sao điện tử"),
    _d("4.3", "Hồ sơ khai thác, sử dụng lại dữ liệu số hóa", "Số hóa hồ sơ", 2,
       "hồ sơ dùng lại giấy tờ, kết quả đã số hóa / hồ sơ tiếp nhận", Fraction(4, 5)),
    _d("4.4", "Hồ sơ số hóa kết nối, chia sẻ để tái sử dụng (kho dữ liệu cá nhân)", "Số hóa hồ sơ", 4,
       "kết quả đã đẩy vào kho dữ liệu của công dân / hồ sơ có kết quả"),
    _d("4.5a", "TTHC dùng thông tin từ CSDL quốc gia về dân cư", "Số hóa hồ sơ", 2,
       "thủ tục có hồ sơ lấy thông tin từ CSDL dân cư / thủ tục có hồ sơ"),
    _d("4.5b", "Hồ sơ dùng thông tin từ CSDL quốc gia về dân cư", "Số hóa hồ sơ", 2,
       "hồ sơ lấy thông tin người nộp từ CSDL dân cư hoặc thẻ CCCD gắn chip / hồ sơ tiếp nhận"),
    _d("5.2", "Phản ánh, kiến nghị được xử lý đúng hạn", "Mức độ hài lòng", 6,
       "phản ánh, kiến nghị trả lời đúng hạn / tổng số phản ánh, kiến nghị"),
    _d("5.3", "Hài lòng trong xử lý phản ánh, kiến nghị", "Mức độ hài lòng", 6,
       "đánh giá hài lòng về xử lý phản ánh, kiến nghị / tổng số đánh giá"),
    _d("5.4", "Hài lòng trong tiếp nhận, giải quyết TTHC", "Mức độ hài lòng", 6,
       "đánh giá hài lòng của công dân về hồ sơ / tổng số đánh giá"),
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
