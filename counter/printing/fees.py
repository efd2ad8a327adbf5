"""The fee papers (issue 18): the receipt (biên lai thu phí, lệ phí), the fee notice with its VietQR code, and
the day's cash report (PDF layout and XLSX). Plain data in, layouts out; the services fill the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counter.domain.calendar import VN_TZ
from counter.domain.fees import KINDS, METHODS, in_words, money
from counter.printing.layout import QR, Document, Field, Header, Note, Para, Signatures, Table, Title

FORM_VERSION = "fees-2026.1"
DIGITAL_SIGNATURE = "Chữ ký số của Tổ chức (nếu là biểu mẫu điện tử)"


def _vn(dt: datetime) -> str:
    d = dt.astimezone(VN_TZ)
    return f"{d:%H:%M} ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


@dataclass(frozen=True)
class FeeLine:
    kind: str  # "phi" | "le_phi"
    name: str
    detail: str
    amount: int


@dataclass(frozen=True)
class ReceiptPrint:
    """Everything a receipt carries (NĐ 11/2020 and TT 78/2021 list these fields for a biên lai)."""

    unit_name: str  # the collecting unit (đơn vị thu)
    tax_code: str  # its tax code (mã số thuế)
    unit_address: str
    form: str  # ký hiệu mẫu biên lai
    series: str  # ký hiệu biên lai
    number: str  # số biên lai
    payer: str
    payer_address: str
    code: str  # the dossier code
    procedure: str
    lines: tuple[FeeLine, ...]
    amount: int
    method: str  # fees.METHODS key
    at: datetime
    collector: str
    cancelled_reason: str = ""  # a cancelled receipt prints marked
    replaces: str = ""  # the number of the cancelled receipt this one replaces


@dataclass(frozen=True)
class NoticePrint:
    unit_name: str
    code: str
    owner: str
    procedure: str
    lines: tuple[FeeLine, ...]
    amount: int
    bank_name: str
    account: str
    account_name: str
    vietqr: str  # the EMVCo string ("" when no account is set up)
    at: datetime
    tracking_url: str = ""


def _lines_table(lines: tuple[FeeLine, ...]) -> Table:
    """The fee lines, numbered, as the receipt and the fee notice print them."""
    return Table(("TT", "Tên loại phí, lệ phí", "Cách tính", "Số tiền"),
                 tuple((str(i), f"{KINDS[line.kind]}: {line.name}", line.detail, money(line.amount))
                       for i, line in enumerate(lines, start=1)), (0.6, 4.5, 3.4, 1.8))


def receipt(r: ReceiptPrint) -> Document:
    """The receipt on A5 (or an 80 mm roll: the same layout, ESC/POS renders it narrow)."""
    blocks: list = [
        Header((r.unit_name.upper(), f"Mã số thuế: {r.tax_code or '…'}"), f"Số: {r.number}",
               f"Ký hiệu mẫu: {r.form} · Ký hiệu: {r.series}"),
        Title("BIÊN LAI THU PHÍ, LỆ PHÍ", "(Liên giao người nộp tiền)"),
    ]
    if r.cancelled_reason:
        blocks.append(Para(f"ĐÃ HỦY: {r.cancelled_reason}", bold=True, center=True))
    blocks += [
        Field("Đơn vị thu", r.unit_name),
        Field("Địa chỉ", r.unit_address or "…"),
        Field("Tên người nộp tiền", r.payer),
        Field("Địa chỉ người nộp", r.payer_address or "…"),
        Field("Mã hồ sơ", r.code),
        Field("Nội dung thu", r.procedure),
        _lines_table(r.lines),
        Field("Tổng số tiền", money(r.amount)),
        Field("Số tiền bằng chữ", in_words(r.amount)),
        Field("Hình thức thanh toán", METHODS.get(r.method, r.method)),
        Field("Thời điểm thu", _vn(r.at)),
    ]
    if r.replaces:
        blocks.append(Field("Thay thế biên lai số", r.replaces))
    blocks += [
        Signatures(("NGƯỜI NỘP TIỀN", "(Ký, ghi rõ họ tên)"),
                   ("NGƯỜI THU TIỀN", f"(Ký, ghi rõ họ tên)\n\n{r.collector}")),
        Note(DIGITAL_SIGNATURE),
    ]
    return Document("BL", FORM_VERSION, tuple(blocks))


def fee_notice(n: NoticePrint) -> Document:
    """Thông báo nộp phí, lệ phí: the lines owed and the VietQR code of the exact transfer."""
    blocks: list = [
        Header((n.unit_name.upper(),), f"Mã hồ sơ: {n.code}", _vn(n.at)),
        Title("THÔNG BÁO NỘP PHÍ, LỆ PHÍ"),
        Field("Người nộp", n.owner),
        Field("Nội dung yêu cầu giải quyết", n.procedure),
        _lines_table(n.lines),
        Field("Tổng số tiền phải nộp", money(n.amount)),
        Field("Số tiền bằng chữ", in_words(n.amount)),
    ]
    if n.vietqr:
        blocks += [
            Para("Nộp bằng chuyển khoản: quét mã VietQR bằng ứng dụng ngân hàng (đúng số tiền, nội dung là mã hồ sơ).",
                 italic=True),
            Field("Ngân hàng", n.bank_name or "…"),
            Field("Số tài khoản", f"{n.account} ({n.account_name})" if n.account_name else n.account),
            Field("Nội dung chuyển khoản", n.code),
            QR(n.vietqr, f"VietQR: {money(n.amount)} – {n.code}"),
        ]
    else:
        blocks.append(Para("Nộp tiền mặt tại Bộ phận tiếp nhận và trả kết quả.", italic=True))
    if n.tracking_url:
        blocks.append(Field("Tra cứu hồ sơ", n.tracking_url))
    blocks.append(Note(DIGITAL_SIGNATURE))
    return Document("TB", FORM_VERSION, tuple(blocks))


# ---- the day's money ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CashRow:
    number: str
    series: str
    code: str
    payer: str
    method: str
    amount: int
    collector: str
    at: datetime
    status: str  # "Đã thu" | "Đã hủy: lý do" | "Hoàn trả"


@dataclass(frozen=True)
class CollectorTotal:
    collector: str
    issued: int
    cancelled: int
    by_method: tuple[tuple[str, int], ...]  # (method, đồng) for the receipts that stand
    refunded: int

    @property
    def total(self) -> int:
        return sum(a for _, a in self.by_method) - self.refunded

    @property
    def cash_to_hand_over(self) -> int:
        return dict(self.by_method).get("cash", 0) - self.refunded


@dataclass(frozen=True)
class CashReport:
    unit_name: str
    day: str  # dd/mm/yyyy
    rows: tuple[CashRow, ...]
    collectors: tuple[CollectorTotal, ...]
    office: CollectorTotal  # the whole office ("Cả đơn vị")


def _totals_rows(report: CashReport) -> tuple[tuple[str, ...], ...]:
    out = []
    for t in (*report.collectors, report.office):
        by = dict(t.by_method)
        out.append((t.collector, str(t.issued), str(t.cancelled), money(by.get("cash", 0)),
                    money(by.get("transfer", 0)), money(by.get("online", 0)), money(t.refunded),
                    money(t.cash_to_hand_over)))
    return tuple(out)


TOTAL_COLUMNS = ("Người thu", "Biên lai đã cấp", "Đã hủy", "Tiền mặt", "Chuyển khoản", "Trực tuyến", "Hoàn trả",
                 "Tiền mặt phải nộp")
ROW_COLUMNS = ("Số BL", "Ký hiệu", "Mã hồ sơ", "Người nộp", "Hình thức", "Số tiền", "Người thu", "Giờ", "Tình trạng")


def cash_report(report: CashReport) -> Document:
    rows = tuple((r.number, r.series, r.code, r.payer, METHODS.get(r.method, r.method), money(r.amount), r.collector,
                  f"{r.at.astimezone(VN_TZ):%H:%M}", r.status) for r in report.rows)
    struck = tuple(i for i, r in enumerate(report.rows) if r.status.startswith("Đã hủy"))
    blocks = (
        Header((report.unit_name.upper(),), f"Ngày {report.day}", ""),
        Title("BÁO CÁO THU PHÍ, LỆ PHÍ TRONG NGÀY", f"Ngày {report.day}"),
        Para("1. Tổng hợp theo người thu", bold=True),
        Table(TOTAL_COLUMNS, _totals_rows(report), (2.4, 1.2, 1, 1.5, 1.5, 1.5, 1.3, 1.6)),
        Para("2. Chi tiết biên lai", bold=True),
        Table(ROW_COLUMNS, rows or (("", "", "(không có biên lai)", "", "", "", "", "", ""),),
              (1.7, 1.3, 2.9, 2, 1.4, 1.4, 1.8, 1.0, 1.6), struck),
        Field("Số tiền mặt nộp lại (cả đơn vị)", f"{money(report.office.cash_to_hand_over)} "
                                                  f"({in_words(max(0, report.office.cash_to_hand_over))})"),
        Signatures(("NGƯỜI NỘP TIỀN", "(Ký, ghi rõ họ tên)"), ("NGƯỜI NHẬN TIỀN", "(Ký, ghi rõ họ tên)")),
    )
    return Document("BC", FORM_VERSION, blocks)


def cash_report_xlsx(report: CashReport) -> bytes:
    from counter.printing.xlsx import fit_columns, report_workbook, workbook_bytes

    wb, ws = report_workbook("Tổng hợp", report.unit_name, f"BÁO CÁO THU PHÍ, LỆ PHÍ NGÀY {report.day}")
    ws.append([])
    ws.append(list(TOTAL_COLUMNS))
    for t in (*report.collectors, report.office):
        by = dict(t.by_method)
        ws.append([t.collector, t.issued, t.cancelled, by.get("cash", 0), by.get("transfer", 0), by.get("online", 0),
                   t.refunded, t.cash_to_hand_over])
    detail = wb.create_sheet("Chi tiết biên lai")
    detail.append(list(ROW_COLUMNS))
    for r in report.rows:
        detail.append([r.number, r.series, r.code, r.payer, METHODS.get(r.method, r.method), r.amount, r.collector,
                       f"{r.at.astimezone(VN_TZ):%H:%M}", r.status])
    for sheet in (ws, detail):
        fit_columns(sheet, 40)
    return workbook_bytes(wb)
