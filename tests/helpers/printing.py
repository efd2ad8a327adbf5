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
