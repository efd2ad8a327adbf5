"""Plain data the printing tests render (a receipt, a Mẫu 07 ledger) and reading a PDF's text back."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, UTC

from counter.domain.scorecard import Period
from counter.printing import forms
from counter.printing.ledger import Ledger, LedgerRow

ROWS = [
    LedgerRow(1, "H55.242-261119-1001", "Cấp Giấy xác nhận tình trạng hôn nhân", 1, "Đặng Thị Ánh [Tuyết]",
              "Thôn Đồng Tâm, xã Phục Linh", "0912345678", date(2026, 11, 19), date(2026, 11, 25), None,
              "Nguyễn Thị Hoa", "Thôn Đồng Tâm", "Đang xử lý"),
    LedgerRow(2, "H55.242-261120-1002", "Đăng ký khai sinh", 2, "Bùi Văn Ước", "Xóm Bãi, xã Phục Linh", "",
              date(2026, 11, 20), date(2026, 11, 20), date(2026, 11, 23), "Lê Văn Minh", "Xóm Bãi", ""),
]
LEDGER = Ledger("Bộ phận Một cửa UBND xã Phục Linh", "UBND XÃ PHỤC LINH", "Phục Linh",
                Period(date(2026, 11, 1), date(2026, 11, 30)), date(2026, 11, 23), ROWS)


URL = "http://127.0.0.1:8780/t/CH2DHL5PUZ5ZXU3QVCIT4TMTRWO2RJM3"
DATA = forms.ReceiptData(
    parent_name="UBND XÃ PHỤC LINH", office_name="Bộ phận Một cửa UBND xã Phục Linh", place_name="Phục Linh",
    office_phone="0208 3828 123", code="H55.242-261123-1007", book="2026", book_no="100001",
    owner_name="Nguyễn Văn An", owner_address="Thôn 2, xã Phục Linh, tỉnh Thái Nguyên", owner_phone="0912345678",
    owner_email="", owner_id_number="001090123456", submitter_name="Đặng Thị Ngọc Ánh",
    procedure_name="Đăng ký khai sinh", procedure_code="1.001193",
    papers=(forms.Paper("Tờ khai đăng ký khai sinh", 1, 0, 0), forms.Paper("Giấy chứng sinh", 1, 0, 0)),
    sets=1, time_label="Trong ngày", received_at=datetime(2026, 11, 23, 8, 21, tzinfo=UTC),
    due_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC), return_label="Bộ phận tiếp nhận và trả kết quả",
    channel=1, tracking_url=URL, clerk_name="Nguyễn Thị Hoa", reason="Hồ sơ chưa đủ giấy tờ: thiếu giấy chứng sinh")


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "f.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(out.split())  # one line: words wrapped across lines still match


def every_form(version: str | None = None) -> dict[str, list]:
    """Each form of forms.py for a demo dossier, in each of its variants (fees, a submitter who is not the owner,
    a refusal after appraisal, a hand-over by post and at the counter with the rating QR…): `name -> documents`."""
    from dataclasses import replace

    kw = {} if version is None else {"version": version}
    at = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
    rich = replace(DATA, submitter_id_number="001190654321", owner_email="an@example.vn",
                   original_due_at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC), channel=3,
                   fee_lines=(("Phí chứng thực bản sao từ bản chính", "3 trang × 2 bản", 10000),
                              ("Lệ phí", "1 hồ sơ", 20000)), fee_total=30000,
                   fee_exemption="Người thuộc hộ nghèo (Giấy chứng nhận số 12/HN)",
                   rating_url="http://127.0.0.1:8780/t/CH2DHL5PUZ5ZXU3QVCIT4TMTRWO2RJM3/danh-gia")
    bare = replace(DATA, submitter_name="Nguyễn Văn An", owner_address="", owner_phone="", due_at=None, code="",
                   office_phone="")
    lines = (forms.ControlLine("Bộ phận Một cửa UBND xã Phục Linh", "Công chức Tư pháp - Hộ tịch", "Nguyễn Thị Hoa",
                               "Lê Văn Tư", datetime(2026, 11, 23, 9, 0, tzinfo=UTC), "Đúng hạn",
                               "Bước 1 (trong ngày), hạn 23/11/2026 17:00"),
             forms.ControlLine("Công chức Tư pháp - Hộ tịch", "Bộ phận Một cửa UBND xã Phục Linh", "", "",
                               at, "Quá hạn 1 ngày làm việc"))
    counter = forms.HandoverData(at, "counter", "authorized", "Trần Văn Bình", "001090999999", "Giấy ủy quyền số 15",
                                 (("Giấy xác nhận tình trạng hôn nhân", 2),), 8000, "", "", "Đã kiểm tra", "Nguyễn Thị Hoa",
                                 "nhập tay", "01/02/1990", "AA-26P 1000002", "cả bản giấy và bản điện tử")
    post = forms.HandoverData(at, "post", "owner", "", "", "", (), 0, "RR123456789VN", "Thôn 2, xã Phục Linh", "",
                              "Nguyễn Thị Hoa")
    missing = (forms.Paper("Giấy chứng sinh", 1, 0, 0), forms.Paper("Sổ hộ khẩu", 0, 1, 2))
    return {
        "01": forms.receipt(DATA, **kw), "01-rich": forms.receipt(rich, **kw), "01-bare": forms.receipt(bare, **kw),
        "02": forms.supplement_request(DATA, missing, **kw), "02-guidance": forms.supplement_request(bare, (), **kw),
        "03": forms.refusal(DATA, **kw), "03-appraisal": forms.refusal(rich, at, "Công chức Tư pháp - Hộ tịch", **kw),
        "04": forms.apology(DATA, forms.ExtensionData(at, DATA.due_at, at, "Cần xác minh", "Lê Văn Trưởng",
                                                      "Công chức Tư pháp - Hộ tịch"), **kw),
        "04-no-due": forms.apology(bare, forms.ExtensionData(at, None, at, "Cần xác minh", "Lê Văn Trưởng"), **kw),
        "05": forms.stop_notice(DATA, forms.StopData(at, "Hồ sơ giả mạo", "Lê Văn Trưởng"), **kw),
        "05-withdrawn": forms.stop_notice(bare, forms.StopData(at, "Rút", "Lê Văn Trưởng", True), **kw),
        "06": forms.control_slip(DATA, lines, "Công chức Tư pháp - Hộ tịch", "Lãnh đạo UBND xã",
                                 "17 giờ 00 phút, ngày 23 tháng 11 năm 2026 — đúng hạn", **kw),
        "06-empty": forms.control_slip(bare, (), "", **kw),
        "BG": forms.handover(rich, counter, **kw), "BG-owner": forms.handover(DATA, replace(
            counter, receiver_kind="owner", fee_collected=0, receiver_birth_date="", receiver_id_source="",
            result_form="", fee_receipt="", note=""), **kw),
        "BG-post": forms.handover(DATA, post, **kw),
    }


def forms_dump(version: str | None = None) -> str:
    """Every form's text (Document.text()) and structure (repr of its blocks), one section a form."""
    out = []
    for name, docs in every_form(version).items():
        for i, doc in enumerate(docs, start=1):
            out += [f"==== {name} #{i} form={doc.form} version={doc.version}", doc.text(), f"-- {doc.blocks!r}"]
    return "\n".join(out) + "\n"
