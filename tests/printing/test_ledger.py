"""Mẫu 07 ledger: PDF on A4 landscape (pdftotext finds every column and row), XLSX with real dates."""

from __future__ import annotations

import io
import subprocess
from datetime import datetime

from openpyxl import load_workbook
import pikepdf

from counter.printing.ledger import COLUMNS, ledger_document, ledger_pdf
from counter.printing.xlsx import HEADER_ROW, ledger_xlsx
from tests.helpers.printing import LEDGER


def pdftotext(pdf: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "ledger.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_pdf_is_a4_landscape_with_every_row(tmp_path):
    pdf = ledger_pdf(LEDGER)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        w, h = float(doc.pages[0].mediabox[2]), float(doc.pages[0].mediabox[3])
    assert (round(w), round(h)) == (842, 595)  # A4 landscape in points
    words = " ".join(pdftotext(pdf, tmp_path).split())
    for needle in ("SỔ THEO DÕI HỒ SƠ", "Từ ngày 01/11/2026 đến ngày 30/11/2026", "[Tuyết]", "Bùi Văn Ước",
                   "H55.242-261119-1001", "0912345678", "19/11/2026", "25/11/2026", "23/11/2026", "Tổng số: 2 hồ sơ",
                   "Mã hồ sơ"):
        assert needle in words, needle
    assert "None" not in words  # a dossier not yet returned has an empty return date


def test_layout_data_holds_the_columns_of_forms_md():
    doc = ledger_document(LEDGER)
    assert doc.form == "07"
    text = doc.text()
    for col in ("Mã hồ sơ", "Nội dung hồ sơ", "Số lượng (bộ)", "Họ tên chủ hồ sơ", "Địa chỉ chủ hồ sơ",
                "Số điện thoại", "Ngày nhận hồ sơ", "Ngày hẹn trả kết quả", "Ngày trả kết quả", "Bên giao (ký tên)",
                "Bên nhận (ký tên)", "Người nhận hồ sơ", "Địa bàn phát sinh hồ sơ", "Ghi chú"):
        assert col in text


def test_xlsx_opens_with_openpyxl_with_vietnamese_headers_and_real_dates():
    ws = load_workbook(io.BytesIO(ledger_xlsx(LEDGER))).active
    assert ws["A2"].value == "SỔ THEO DÕI HỒ SƠ"
    assert tuple(ws.cell(row=HEADER_ROW, column=i + 1).value for i in range(len(COLUMNS))) == COLUMNS
    first = [ws.cell(row=HEADER_ROW + 1, column=i + 1).value for i in range(len(COLUMNS))]
    assert first[:7] == [1, "H55.242-261119-1001", "Cấp Giấy xác nhận tình trạng hôn nhân", 1,
                         "Đặng Thị Ánh [Tuyết]", "Thôn Đồng Tâm, xã Phục Linh", "0912345678"]
    assert first[7] == datetime(2026, 11, 19) and first[9] is None  # a real date; not yet returned: empty
    assert ws.cell(row=HEADER_ROW + 1, column=8).number_format == "DD/MM/YYYY"
    assert ws.cell(row=HEADER_ROW + 2, column=10).value == datetime(2026, 11, 23)
    assert ws.max_row == HEADER_ROW + 2
