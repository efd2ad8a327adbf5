"""The one-stop forms (TT 03/2025/TT-VPCP, Phụ lục I; layouts in shared/forms.md) as layout documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counter.domain.calendar import VN_TZ
from counter.printing.layout import QR, Block, Document, Field, Header, Note, Para, Signatures, Table, Title

FORM_VERSION = "TT03-2025"
CHANNELS = {1: "Trực tiếp tại Bộ phận Một cửa", 2: "Trực tuyến", 3: "Qua dịch vụ bưu chính công ích"}
COPIES = ("Liên 1: Lưu", "Liên 2: Giao khách hàng")
DIGITAL_SIGNATURE = "Chữ ký số của Tổ chức (nếu là biểu mẫu điện tử)"  # on every form (TT 01/2018, TT 03/2025)
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
    electronic: int = 0  # files uploaded online (issue 15): an online dossier's papers are these, not paper copies


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
    original_due_at: datetime | None = None  # the appointment given at intake: Mẫu 01 always shows it
    submitter_id_number: str = ""  # Mẫu 01 shows it when the submitter is not the owner
    fee_lines: tuple[tuple[str, str, int], ...] = ()  # issue 18: (charge, how it was computed, đồng) owed at intake
    fee_total: int = 0
    fee_exemption: str = ""  # "Người thuộc hộ nghèo (Giấy chứng nhận …)"
    rating_url: str = ""  # issue 19: the tracking page's rating page (codes.rating_url); the hand-over note's QR


def vn_date(dt: datetime) -> str:
    d = dt.astimezone(VN_TZ)
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def vn_time(dt: datetime) -> str:
    d = dt.astimezone(VN_TZ)
    return f"{d.hour:02d} giờ {d.minute:02d} phút, {vn_date(d)}"


def _header(r: ReceiptData, number: str, at: datetime) -> Header:
    return Header((r.parent_name.upper(), r.office_name.upper()), number, f"{r.place_name}, {vn_date(at)}")


def _papers_table(papers: tuple[Paper, ...]) -> Table:
    if any(p.electronic for p in papers):  # an online dossier: its papers came as files
        files = tuple((str(i), p.name, str(p.originals), str(p.certified_copies), str(p.photocopies),
                       str(p.electronic)) for i, p in enumerate(papers, start=1))
        return Table(("TT", "Thành phần hồ sơ", "Bản chính", "Bản chứng thực", "Bản photo", "Bản điện tử (tệp)"),
                     files, (0.8, 5, 1.2, 1.4, 1.2, 1.6))
    rows = tuple((str(i), p.name, str(p.originals), str(p.certified_copies), str(p.photocopies))
                 for i, p in enumerate(papers, start=1))
    return Table(("TT", "Thành phần hồ sơ", "Bản chính", "Bản chứng thực", "Bản photo"), rows, (0.8, 6, 1.4, 1.6, 1.3))


def _applicant(r: ReceiptData) -> list:
    out = [Field("Tiếp nhận hồ sơ của", r.owner_name)]
    if r.submitter_name and r.submitter_name != r.owner_name:
        out.append(Field("Người nộp", r.submitter_name))
        if r.submitter_id_number:
            out.append(Field("Số định danh cá nhân/CCCD của người nộp", r.submitter_id_number))
    out += [Field("Địa chỉ", r.owner_address or "…"),
            Field("Số điện thoại", f"{r.owner_phone or '…'}    Email: {r.owner_email or '…'}"),
            Field("Số định danh cá nhân/CCCD/Hộ chiếu", r.owner_id_number or "…"),
            Field("Nội dung yêu cầu giải quyết", f"{r.procedure_name} (mã TTHC {r.procedure_code})")]
    return out


def _fees(r: ReceiptData) -> list:
    """7. Phí, lệ phí: each charge with how it was computed, the total, the exemption (issue 18)."""
    if not r.fee_lines:
        return []
    lines = "; ".join(f"{name}: {how} = {_money(amount)}" for name, how, amount in r.fee_lines)
    out = [Field("7. Phí, lệ phí", lines), Field("Tổng số tiền phải nộp", _money(r.fee_total))]
    if r.fee_exemption:
        out.append(Field("Miễn phí, lệ phí", r.fee_exemption))
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
            Field("5. Thời gian trả kết quả giải quyết hồ sơ", vn_time(due) if (due := r.original_due_at or r.due_at)
                  else "…"),  # the receipt's own appointment, never a later extension (that is Mẫu 04)
            Field("6. Đăng ký nhận kết quả tại", r.return_label),
            *_fees(r),
            Field("Kênh tiếp nhận", CHANNELS.get(r.channel, str(r.channel))),
            QR(r.tracking_url, "Quét mã để tra cứu tiến độ hồ sơ; sau khi nhận kết quả, đánh giá sự hài lòng, gửi "
               f"phản ánh, kiến nghị tại trang này: {r.tracking_url}"),
            Signatures(("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)"),
                       ("NGƯỜI TIẾP NHẬN HỒ SƠ", f"(Ký và ghi rõ họ tên)\n\n{r.clerk_name}")),
            Note(RECEIPT_NOTE),
            Note(DIGITAL_SIGNATURE),
        ]
        docs.append(Document("01", FORM_VERSION, tuple(blocks)))
    return docs


def supplement_request(r: ReceiptData, missing: tuple[Paper, ...]) -> list[Document]:
    """Mẫu 02: what the citizen must add or complete."""
    blocks: list[Block] = [
        _header(r, f"Số: {r.code or '…'}/HDHS", r.received_at),  # no code: guidance only (postal staff)
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
        Note(DIGITAL_SIGNATURE),
    ]
    return [Document("02", FORM_VERSION, tuple(blocks))]


def refusal(r: ReceiptData, at: datetime | None = None, agency: str = "") -> list[Document]:
    """Mẫu 03: refusal to receive (at intake) or to resolve (after appraisal, Đ19.8: `at` and the deciding
    `agency`), with the reason."""
    blocks = [
        _header(r, f"Số: {r.code}/TCHS", at or r.received_at),
        Title("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"),
        Field(r.office_name, ""),
        Field("Tiếp nhận hồ sơ của", r.owner_name),
        Field("Địa chỉ", r.owner_address or "…"),
        Field("Số điện thoại", f"{r.owner_phone or '…'}    Email: {r.owner_email or '…'}"),
        Field("Nội dung yêu cầu giải quyết", r.procedure_name),
        *((Field("Mã hồ sơ", r.code), Field("Thời gian nhận hồ sơ", vn_time(r.received_at))) if at else ()),
        Para(f"Qua xem xét, {agency or r.office_name} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ "
             f"thể như sau: {r.reason}"),
        Para("Xin thông báo cho Ông/Bà được biết và thực hiện./."),
        Signatures(("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)"),
                   ("NGƯỜI TỪ CHỐI", f"(Ký và ghi rõ họ tên)\n\n{r.clerk_name}")),
        Note(DIGITAL_SIGNATURE),
    ]
    return [Document("03", FORM_VERSION, tuple(blocks))]


# ---- F4 / F5 (issue 6): Mẫu 04, 05, 06 and the hand-over note ----------------------------------------------

RESULT_NOTE_06 = ("Ghi chú: Trường hợp hồ sơ được chuyển qua dịch vụ bưu chính công ích theo Quyết định số "
                  "45/2016/QĐ-TTg thì thời gian giao, nhận hồ sơ và việc ký nhận thể hiện trong hóa đơn của cơ quan "
                  "Bưu chính; Kết quả giải quyết hồ sơ do bên nhận nhập thông tin/ ghi khi nhận bàn giao hồ sơ. "
                  "Trường hợp Hệ thống thông tin một cửa điện tử chưa vận hành, người giao và người nhận phải ký và "
                  "ghi rõ họ tên. Khi Hệ thống thông tin một cửa điện tử đã vận hành, việc lưu vết được thực hiện tự "
                  "động và thể hiện trên mẫu phiếu điện tử.")


def _addressee(r: ReceiptData, phone: str) -> tuple[Block, ...]:
    """Who an office letter (Mẫu 04, 05) is addressed to."""
    return (Field("Kính gửi Ông/Bà", r.owner_name), Field("Địa chỉ", r.owner_address or "…"),
            Field("Số điện thoại", phone))


def _dossier_lines(r: ReceiptData, due: str) -> tuple[Block, ...]:
    """The dossier an office letter (Mẫu 04, 05) is about: its code, procedure, receipt and appointment."""
    return (Field("Mã hồ sơ", r.code),
            Field("Nội dung yêu cầu giải quyết", f"{r.procedure_name} (mã TTHC {r.procedure_code})"),
            Field("Thời gian nhận hồ sơ", vn_time(r.received_at)), Field("Thời gian hẹn trả kết quả", due))


def _letter_close(signer: str) -> tuple[Block, Block]:
    """The end of an office letter (Mẫu 04, 05): who receives copies, the head's signature, the e-signature note."""
    return (Signatures(("Nơi nhận:", "- Như trên;\n- Lưu: VT."),
                       ("THỦ TRƯỞNG CƠ QUAN", f"(Ký, ghi rõ họ tên và đóng dấu)\n\n{signer}")),
            Note(DIGITAL_SIGNATURE))


@dataclass(frozen=True)
class ExtensionData:
    """Mẫu 04: the apology and the new appointment."""

    at: datetime  # when the letter is issued
    old_due_at: datetime | None
    new_due_at: datetime
    reason: str
    signer: str
    agency: str = ""  # the processing agency that apologises (Đ19.9); "" = the office


def apology(r: ReceiptData, x: ExtensionData) -> list[Document]:
    """Mẫu 04: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (layout inferred, forms.md)."""
    old = vn_time(x.old_due_at) if x.old_due_at else "…"
    blocks = [
        _header(r, f"Số: {r.code}/PXL", x.at),
        Title("VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ"),
        *_addressee(r, r.owner_phone or "…"),
        Para(f"Ngày {r.received_at.astimezone(VN_TZ):%d/%m/%Y}, {r.office_name} tiếp nhận hồ sơ đề nghị giải quyết "
             f"thủ tục “{r.procedure_name}” của Ông/Bà."),
        *_dossier_lines(r, old),
        Para("Tuy nhiên đến nay, cơ quan giải quyết chưa trả kết quả giải quyết hồ sơ đúng thời hạn ghi trên Giấy "
             "tiếp nhận hồ sơ và hẹn trả kết quả."),
        Field("Lý do", x.reason),
        Para(f"{x.agency or r.office_name} xin lỗi Ông/Bà vì sự chậm trễ này và đề nghị gia hạn thời gian giải "
             "quyết hồ sơ."),
        Field("Thời gian hẹn trả kết quả lại", vn_time(x.new_due_at)),
        Para("Rất mong nhận được sự thông cảm của Ông/Bà. Trân trọng./."),
        *_letter_close(x.signer),
    ]
    return [Document("04", FORM_VERSION, tuple(blocks))]


@dataclass(frozen=True)
class StopData:
    """Mẫu 05: the notice that processing stopped."""

    at: datetime
    reason: str
    signer: str
    withdrawn: bool = False  # stopped at the citizen's request (rút hồ sơ)


def stop_notice(r: ReceiptData, s: StopData) -> list[Document]:
    """Mẫu 05: Thông báo dừng giải quyết hồ sơ (layout inferred: công văn, forms.md)."""
    why = "theo đề nghị rút hồ sơ của Ông/Bà" if s.withdrawn else "vì lý do nêu dưới đây"
    blocks = [
        _header(r, f"Số: {r.code}/TBDXL", s.at),
        Title("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"),
        *_addressee(r, f"{r.owner_phone or '…'}    Email: {r.owner_email or '…'}"),
        *_dossier_lines(r, vn_time(r.due_at) if r.due_at else "…"),
        Para(f"{r.office_name} thông báo dừng giải quyết hồ sơ nêu trên kể từ {vn_time(s.at)}, {why}."),
        Field("Lý do dừng giải quyết", s.reason),
        Para("Hồ sơ chưa có quyết định giải quyết. Phí, lệ phí đã nộp (nếu có) được xử lý theo quy định. Giấy tờ "
             "đã nộp được trả lại Ông/Bà tại Bộ phận tiếp nhận và trả kết quả."),
        Para("Xin thông báo cho Ông/Bà được biết./."),
        *_letter_close(s.signer),
    ]
    return [Document("05", FORM_VERSION, tuple(blocks))]


@dataclass(frozen=True)
class ControlLine:
    """One hand-off of Mẫu 06."""

    giver: str
    receiver: str
    giver_person: str
    receiver_person: str
    at: datetime
    result: str  # "Trước hạn 1 ngày" / "Đúng hạn" / "Quá hạn 2 ngày"
    note: str = ""


def control_slip(r: ReceiptData, lines: tuple[ControlLine, ...], agency: str, partners: str = "",
                 handover: str = "") -> list[Document]:
    """Mẫu 06: Phiếu kiểm soát quá trình giải quyết hồ sơ, one row per hand-off; the code once (under the title),
    the person who received the dossier, and the hand-over deadline (Đ18) with whether it was kept."""
    rows = tuple((f"{i}. Giao: {x.giver}\nNhận: {x.receiver}",
                  f"{vn_time(x.at)}\nNgười giao: {x.giver_person or '…'}\nNgười nhận: {x.receiver_person or '…'}",
                  x.result, x.note) for i, x in enumerate(lines, start=1))
    blocks = [
        _header(r, "", r.received_at),
        Title("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
        Field("Mã hồ sơ", r.code),
        Field("Kèm theo hồ sơ của", r.owner_name),
        Field("Nội dung yêu cầu giải quyết", r.procedure_name),
        Field("Ngày nhận", vn_time(r.received_at)),
        Field("Người tiếp nhận hồ sơ", r.clerk_name or "…"),
        *((Field("Hạn chuyển hồ sơ đến cơ quan giải quyết", handover),) if handover else ()),
        Field("Ngày, giờ hẹn trả kết quả", vn_time(r.due_at) if r.due_at else "…"),
        Field("Cơ quan (bộ phận) giải quyết hồ sơ", agency or "…"),
        Field("Cơ quan phối hợp giải quyết hồ sơ", partners or "…"),
        Table(("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ",
               "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)", "GHI CHÚ"),
              rows or (("(chưa giao nhận)", "", "", ""),), (3.2, 3.6, 2.2, 1.6)),
        Note(RESULT_NOTE_06),
        Note(DIGITAL_SIGNATURE),
    ]
    return [Document("06", FORM_VERSION, tuple(blocks))]


@dataclass(frozen=True)
class HandoverData:
    """The hand-over of a result: at the counter (who collected it) or to the post."""

    at: datetime
    method: str  # counter | post
    receiver_kind: str  # owner | authorized
    receiver_name: str
    receiver_id_number: str
    authorization: str
    papers: tuple[tuple[str, int], ...]
    fee_collected: int
    tracking: str
    address: str
    note: str
    clerk_name: str
    receiver_id_source: str = ""  # how the ID number was taken: "quét mã QR trên CCCD" | "nhập tay"
    receiver_birth_date: str = ""  # dd/mm/yyyy, from the card
    fee_receipt: str = ""  # the receipt issued for the fee collected ("AA-26P 1000002")
    result_form: str = ""  # "bản giấy" | "bản điện tử" | "cả bản giấy và bản điện tử" (issue 20); "" by post


def _money(n: int) -> str:
    return f"{n:,} đồng".replace(",", ".")


def handover(r: ReceiptData, h: HandoverData) -> list[Document]:
    """Phiếu bàn giao kết quả: what was handed to whom (layout inferred from Mẫu 07's "Trả kết quả" columns)."""
    if h.method == "post":
        who = [Field("Hình thức trả kết quả", "Qua dịch vụ bưu chính công ích"),
               Field("Số hiệu bưu gửi", h.tracking), Field("Địa chỉ nhận", h.address or "…")]
        right = ("NHÂN VIÊN BƯU CHÍNH", "(Ký và ghi rõ họ tên)")
    else:
        kind = "Người được ủy quyền" if h.receiver_kind == "authorized" else "Chủ hồ sơ"
        who = [Field("Hình thức trả kết quả", "Tại Bộ phận tiếp nhận và trả kết quả"),
               Field("Người nhận kết quả", f"{h.receiver_name} ({kind})"),
               Field("Số CCCD/giấy tờ của người nhận", (h.receiver_id_number or "…")
                     + (f" ({h.receiver_id_source})" if h.receiver_id_source else ""))]
        if h.receiver_birth_date:
            who.append(Field("Ngày sinh của người nhận", h.receiver_birth_date))
        if h.receiver_kind == "authorized":
            who.append(Field("Giấy ủy quyền", h.authorization or "…"))
        if h.result_form:
            who.append(Field("Kết quả bàn giao", h.result_form[:1].upper() + h.result_form[1:]))
        right = ("NGƯỜI NHẬN KẾT QUẢ", f"(Ký và ghi rõ họ tên)\n\n{h.receiver_name}")
    rows = tuple((str(i), name, str(count)) for i, (name, count) in enumerate(h.papers, start=1))
    blocks: list[Block] = [
        _header(r, f"Số: {r.code}/BGKQ", h.at),
        Title("PHIẾU BÀN GIAO KẾT QUẢ GIẢI QUYẾT HỒ SƠ"),
        Field("Mã hồ sơ", r.code),
        Field("Chủ hồ sơ", r.owner_name),
        Field("Nội dung yêu cầu giải quyết", f"{r.procedure_name} (mã TTHC {r.procedure_code})"),
        Field("Thời gian hẹn trả kết quả", vn_time(r.due_at) if r.due_at else "…"),
        Field("Thời gian trả kết quả", vn_time(h.at)),
        *who,
        Para("Kết quả giải quyết hồ sơ bàn giao gồm:", bold=True),
        Table(("TT", "Giấy tờ kết quả", "Số lượng"), rows or (("", "(không ghi)", ""),), (0.8, 7, 1.6)),
        Field("Phí, lệ phí thu khi trả kết quả", (_money(h.fee_collected) + (f" (biên lai {h.fee_receipt})"
                                                                            if h.fee_receipt else ""))
              if h.fee_collected else "Không"),
        Field("Ghi chú", h.note or "…"),
        *((QR(r.rating_url, f"Quét mã để đánh giá sự hài lòng, gửi phản ánh, kiến nghị: {r.rating_url}"),)
          if r.rating_url else ()),
        Signatures((right[0], right[1]) if h.method == "post" else ("NGƯỜI NHẬN KẾT QUẢ", right[1]),
                   ("NGƯỜI TRẢ KẾT QUẢ", f"(Ký và ghi rõ họ tên)\n\n{h.clerk_name}")),
        Note(DIGITAL_SIGNATURE),
    ]
    return [Document("BG", FORM_VERSION, tuple(blocks))]
