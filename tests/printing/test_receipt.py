"""Render the forms for real: read the PDF's text back (pdftotext), decode its QR (zxing-cpp), and check the
ESC/POS job's bytes from python-escpos's Dummy printer."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image

from counter.printing import forms
from counter.printing.escpos import render_escpos
from counter.printing.pdf import render_pdf
from tests.helpers.printing import DATA, URL, pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def qr_codes(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "q.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "110", str(path), str(tmp_path / "page")], check=True)
    found = []
    for png in sorted(tmp_path.glob("page-*.png")):
        found += [r.text for r in zxingcpp.read_barcodes(Image.open(png)) if r.format == zxingcpp.BarcodeFormat.QRCode]
    return found


@pytest.mark.parametrize("paper", ["A5", "A4"])
def test_receipt_pdf_has_every_mark_and_a_qr_of_the_tracking_url(tmp_path, paper):
    pdf = render_pdf(forms.receipt(DATA), paper)
    text = pdf_text(pdf, tmp_path)
    for expected in ["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Liên 1: Lưu", "Liên 2: Giao khách hàng", "H55.242-261123-1007",
                     "Nguyễn Văn An", "Đặng Thị Ngọc Ánh", "Thôn 2, xã Phục Linh, tỉnh Thái Nguyên", "Giấy chứng sinh",
                     "15 giờ 21 phút, ngày 23 tháng 11 năm 2026", "17 giờ 00 phút, ngày 25 tháng 11 năm 2026",
                     "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Nguyễn Thị Hoa", "Quyển số: 2026"]:
        assert expected in text, expected
    assert text.count("GIẤY TIẾP NHẬN HỒ SƠ") == 2  # two copies
    assert qr_codes(pdf, tmp_path) == [URL, URL]
    info = subprocess.run(["pdffonts", str(tmp_path / "q.pdf")], capture_output=True, text=True).stdout
    assert "DejaVu" in info and "yes" in info  # embedded


def test_refusal_and_supplement_forms(tmp_path):
    refusal = pdf_text(render_pdf(forms.refusal(DATA)), tmp_path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in refusal and "thiếu giấy chứng sinh" in refusal
    assert "NGƯỜI TỪ CHỐI" in refusal
    missing = (forms.Paper("Giấy chứng sinh", 1, 0, 0),)
    guide = pdf_text(render_pdf(forms.supplement_request(DATA, missing)), tmp_path)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in guide and "H55.242-261123-1007/HDHS" in guide
    assert "Giấy chứng sinh" in guide and "NGƯỜI HƯỚNG DẪN" in guide


def test_a_name_with_markup_characters_prints_literally(tmp_path):
    from dataclasses import replace

    odd = replace(DATA, owner_address="Số 5 <ngõ> & [khu] B")
    assert "Số 5 <ngõ> & [khu] B" in pdf_text(render_pdf(forms.receipt(odd)), tmp_path)


def test_escpos_job_has_text_as_image_a_native_qr_and_a_cut():
    job = render_escpos(forms.receipt(DATA)[1])
    assert job.count(b"\x1dv0") >= 2  # raster images (Vietnamese text drawn, before and after the QR)
    assert b"\x1d(k" in job and URL.encode() in job  # the printer's own QR command carries the URL
    assert job.rstrip(b"\x00").endswith((b"\x1dVA\x00", b"\x1dV\x00", b"\x1dVB\x00")) or b"\x1dV" in job[-8:]
    assert "Nguyễn".encode() not in job  # no text sent as (mis-encoded) characters


def test_layout_text_lists_what_is_printed():
    text = forms.receipt(DATA)[0].text()
    assert "Mã hồ sơ: H55.242-261123-1007" in text and URL in text
