"""Mẫu 07 Sổ theo dõi hồ sơ (TT 03/2025) as layout data, printed on A4 landscape through printing/pdf.py.

The official columns were not found (forms.md §Mẫu 07); this follows the Thanh Hóa variant quoted there:
STT | Mã hồ sơ | Nội dung | Số lượng (bộ) | chủ hồ sơ: Họ tên, Địa chỉ, SĐT | Nhận hồ sơ | Hẹn trả |
Trả kết quả: ngày, Bên giao (ký), Bên nhận (ký) | Người nhận hồ sơ | Địa bàn phát sinh | Ghi chú.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from counter.domain.scorecard import Period
from counter.printing.layout import Document, Note, Para, Table, Title

FORM = "07"
VERSION = "TT03/2025-v1"
TITLE = "SỔ THEO DÕI HỒ SƠ"
COLUMNS = ("STT", "Mã hồ sơ", "Nội dung hồ sơ", "Số lượng (bộ)", "Họ tên chủ hồ sơ", "Địa chỉ chủ hồ sơ",
           "Số điện thoại", "Ngày nhận hồ sơ", "Ngày hẹn trả kết quả", "Ngày trả kết quả", "Bên giao (ký tên)",
           "Bên nhận (ký tên)", "Người nhận hồ sơ", "Địa bàn phát sinh hồ sơ", "Ghi chú")
WIDTHS = (28, 97, 58, 36, 65, 68, 57, 57, 57, 57, 34, 34, 55, 45, 40)  # points at 7 pt: a code, a date and
# the longest word of each header fit (pdf.column_widths widens a column that would split one)
DATE_COLUMNS = (7, 8, 9)  # 0-based positions of the three dates


@dataclass(frozen=True)
class LedgerRow:
    no: int
    code: str
    content: str
    sets: int
    owner_name: str
    owner_address: str
    owner_phone: str
    received: date | None
    due: date | None
    returned: date | None
    receiver: str  # người nhận hồ sơ: the member of staff who received it
    area: str  # địa bàn phát sinh hồ sơ
    note: str
    voided: bool = False  # issue 12: received by mistake and voided; printed struck through


@dataclass(frozen=True)
class Ledger:
    office_name: str
    parent_name: str
    place_name: str
    period: Period
    made_on: date
    rows: list[LedgerRow]


def values(r: LedgerRow) -> tuple[object, ...]:
    """The row's cells in COLUMNS order, dates as dates (the signature cells stay empty)."""
    return (r.no, r.code, r.content, r.sets, r.owner_name, r.owner_address, r.owner_phone, r.received, r.due,
            r.returned, "", "", r.receiver, r.area, r.note)


def _d(v: object) -> str:
    if v is None:
        return ""
    return v.strftime("%d/%m/%Y") if isinstance(v, date) else str(v)


def row_cells(r: LedgerRow) -> list[str]:
    return [_d(v) for v in values(r)]


def struck_rows(led: Ledger) -> tuple[int, ...]:
    """0-based positions of the rows printed struck through (voided dossiers)."""
    return tuple(i for i, r in enumerate(led.rows) if r.voided)


def voided_note(led: Ledger) -> str:
    n = sum(1 for r in led.rows if r.voided)
    return f" (trong đó {n} hồ sơ đã hủy)" if n else ""


def ledger_document(led: Ledger) -> Document:
    blocks: list = [
        Para(led.parent_name, bold=True) if led.parent_name else Para(led.office_name, bold=True),
        Title(TITLE, f"Từ ngày {led.period.start:%d/%m/%Y} đến ngày {led.period.end:%d/%m/%Y}"),
        Para(led.office_name, center=True),
        Table(COLUMNS, tuple(tuple(row_cells(r)) for r in led.rows), WIDTHS, struck_rows(led)),
        Note(f"Tổng số: {len(led.rows)} hồ sơ{voided_note(led)}. Lập ngày {led.made_on:%d/%m/%Y}"
             + (f" tại {led.place_name}." if led.place_name else ".")),
    ]
    return Document(FORM, VERSION, tuple(blocks))


def ledger_pdf(led: Ledger) -> bytes:
    from counter.printing.pdf import render_pdf

    return render_pdf([ledger_document(led)], paper="A4-landscape")
