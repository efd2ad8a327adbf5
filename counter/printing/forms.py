"""The one-stop forms (TT 03/2025/TT-VPCP, Phụ lục I; layouts in shared/forms.md) as layout documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counter.domain.calendar import VN_TZ
from counter.printing.layout import QR, Document, Field, Header, Note, Para, Signatures, Table, Title

FORM_VERSION = "TT03-2025"
CHANNELS = {1: "Trực tiếp tại Bộ phận Một cửa", 2: "Trực tuyến", 3: "Qua dịch vụ bưu chính công ích"}
COPIES = ("Liên 1: Lưu", "Liên 2: Giao khách hàng")
RECEIPT_NOTE = ("Ghi chú: Giấy tiếp nhận hồ sơ và hẹn trả kết quả được lập thành 2 liên; một liên chuyển kèm theo "
                "Phiếu kiểm soát quá trình giải quyết hồ sơ và được lưu tại Bộ phận tiếp nhận và trả kết quả; một "
                "liên giao cho cá nhân, tổ chức nộp hồ sơ. Cá nhân, tổ chức có thể đăng ký nhận kết quả tại Bộ phận "
                "tiếp nhận và trả kết quả hoặc tại nhà (trụ sở tổ chức) qua dịch vụ bưu chính.")


@dataclass(frozen=True)
class Paper:
    name: str
    originals: int
    certified_copies: int
    photocopies: int


@dataclass(frozen=True)
class ReceiptData:
    """Everything Mẫu 01, 02 and 03 print; filled by the services from the store."""

    parent_name: str  # UBND XÃ PHỤC LINH
    office_name: str  # Bộ phận Một cửa UBND xã Phục Linh
    place_name: str
    office_phone: str
    code: str
    book: str  # Quyển số
    book_no: str  # Số thứ tự
    owner_name: str
    owner_address: str
    owner_phone: str
    owner_email: str
    owner_id_number: str
    submitter_name: str
    procedure_name: str
    procedure_code: str
    papers: tuple[Paper, ...]
    sets: int
    time_label: str  # "Trong ngày" / "3 ngày làm việc"
    received_at: datetime
    due_at: datetime | None
    return_label: str
    channel: int
    tracking_url: str
    clerk_name: str
    reason: str = ""  # Mẫu 02/03


def vn_date(dt: datetime) -> str:
    d = dt.astimezone(VN_TZ)
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def vn_time(dt: datetime) -> str:
    d = dt.astimezone(VN_TZ)
    return f"{d.hour:02d} giờ {d.minute:02d} phút, {vn_date(d)}"


def _header(r: ReceiptData, number: str, at: datetime) -> Header:
    return Header((r.parent_name.upper(), r.office_name.upper()), number, f"{r.place_name}, {vn_date(at)}")


def _papers_table(papers: tuple[Paper, ...]) -> Table:
    rows = tuple((str(i), p.name, str(p.originals), str(p.certified_copies), str(p.photocopies))
                 for i, p in enumerate(papers, start=1))
    return Table(("TT", "Thành phần hồ sơ", "Bản chính", "Bản chứng thực", "Bản photo"), rows, (0.8, 6, 1.4, 1.6, 1.3))


def _applicant(r: ReceiptData) -> list:
    out = [Field("Tiếp nhận hồ sơ của", r.owner_name)]
    if r.submitter_name and r.submitter_name != r.owner_name:
        out.append(Field("Người nộp", r.submitter_name))
    out += [Field("Địa chỉ", r.owner_address or "…"),
            Field("Số điện thoại", f"{r.owner_phone or '…'}    Email: {r.owner_email or '…'}"),
            Field("Số định danh cá nhân/CCCD/Hộ chiếu", r.owner_id_number or "…"),
            Field("Nội dung yêu cầu giải quyết", f"{r.procedure_name} (mã TTHC {r.procedure_code})")]
    return out


def receipt(r: ReceiptData) -> list[Document]:
    """Mẫu 01, in two copies (liên lưu, liên giao khách hàng)."""
    docs = []
    for copy in COPIES:
        blocks = [
            _header(r, f"Mã hồ sơ: {r.code}", r.received_at),
            Title("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", f"({copy})"),
            Field("Quyển số", f"{r.book}    Số thứ tự: {r.book_no}"),
            Field("Bộ phận tiếp nhận và trả kết quả", r.office_name),
            *_applicant(r),
            Para("1. Thành phần hồ sơ nộp gồm:", bold=True),
            _papers_table(r.papers),
            Field("2. Số lượng hồ sơ", f"{r.sets:02d} (bộ)"),
            Field("3. Thời gian giải quyết hồ sơ theo quy định", r.time_label),
            Field("4. Thời gian nhận hồ sơ", vn_time(r.received_at)),
            Field("5. Thời gian trả kết quả giải quyết hồ sơ", vn_time(r.due_at) if r.due_at else "…"),
            Field("6. Đăng ký nhận kết quả tại", r.return_label),
            Field("Kênh tiếp nhận", CHANNELS.get(r.channel, str(r.channel))),
            QR(r.tracking_url, f"Quét mã để tra cứu tiến độ hồ sơ: {r.tracking_url}"),
            Signatures(("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)"),
                       ("NGƯỜI TIẾP NHẬN HỒ SƠ", f"(Ký và ghi rõ họ tên)\n\n{r.clerk_name}")),
            Note(RECEIPT_NOTE),
            Note("Chữ ký số của Tổ chức (nếu là biểu mẫu điện tử)"),
        ]
        docs.append(Document("01", FORM_VERSION, tuple(blocks)))
    return docs


def supplement_request(r: ReceiptData, missing: tuple[Paper, ...]) -> list[Document]:
    """Mẫu 02: what the citizen must add or complete."""
    blocks = [
        _header(r, f"Số: {r.code}/HDHS", r.received_at),
        Title("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"),
        Field(r.office_name, ""),
        Field("Tiếp nhận hồ sơ/yêu cầu của Ông/Bà", r.owner_name),
        Field("Nội dung yêu cầu giải quyết", r.procedure_name),
        Field("Địa chỉ", r.owner_address or "…"),
        Field("Số điện thoại", f"{r.owner_phone or '…'}    Email: {r.owner_email or '…'}"),
        Para("Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:"),
        _papers_table(missing),
        Field("Lý do", r.reason or "…"),
        Para(f"Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà có thể tra cứu tại {r.tracking_url} "
             f"hoặc liên hệ với công chức {r.clerk_name}, số điện thoại {r.office_phone or '…'} để được hướng dẫn./."),
        Signatures(None, ("NGƯỜI HƯỚNG DẪN", f"(Ký và ghi rõ họ tên)\n\n{r.clerk_name}")),
    ]
    return [Document("02", FORM_VERSION, tuple(blocks))]


def refusal(r: ReceiptData) -> list[Document]:
    """Mẫu 03: refusal to receive, with the reason."""
    blocks = [
        _header(r, f"Số: {r.code}/TCHS", r.received_at),
        Title("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"),
        Field(r.office_name, ""),
        Field("Tiếp nhận hồ sơ của", r.owner_name),
        Field("Địa chỉ", r.owner_address or "…"),
        Field("Số điện thoại", f"{r.owner_phone or '…'}    Email: {r.owner_email or '…'}"),
        Field("Nội dung yêu cầu giải quyết", r.procedure_name),
        Para(f"Qua xem xét, {r.office_name} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể "
             f"như sau: {r.reason}"),
        Para("Xin thông báo cho Ông/Bà được biết và thực hiện./."),
        Signatures(("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)"),
                   ("NGƯỜI TỪ CHỐI", f"(Ký và ghi rõ họ tên)\n\n{r.clerk_name}")),
    ]
    return [Document("03", FORM_VERSION, tuple(blocks))]
