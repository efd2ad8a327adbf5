"""Issue 12, prints: the XLSX ledger's page setup, PDF table headers that wrap between words, an ESC/POS receipt
that shows the whole tracking URL and leaves room to sign, and a long office name on every form."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime, UTC

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from PIL import Image

from counter.printing import forms
from counter.printing.escpos import SIGN_SPACE, render_escpos
from counter.printing.ledger import COLUMNS, ledger_pdf
from counter.printing.pdf import _fonts, _styles, column_widths, render_pdf
from counter.printing.xlsx import HEADER_ROW, ledger_xlsx, wrapped_lines
from tests.helpers.printing import DATA, LEDGER, ROWS

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
MONTH = replace(LEDGER, rows=[replace(ROWS[i % 2], no=i + 1) for i in range(20)])
LONG_OFFICE = "Bộ phận Tiếp nhận và Trả kết quả thuộc Trung tâm Phục vụ hành chính công xã Phục Linh mới"
LONG_URL = "https://motcua.phuclinh.thainguyen.gov.vn/tra-cuu/t/CH2DHL5PUZ5ZXU3QVCIT4TMTRWO2RJM3"
AT = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def words_of(pdf: bytes, tmp_path) -> list[tuple[float, float, float, str]]:  # type: ignore[no-untyped-def]
    """(xMin, yMin, xMax, word) of every word pdftotext finds, with the page width last as ("", …)."""
    path = tmp_path / "w.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [(float(a), float(b), float(c), w) for a, b, c, w in
            re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', out)]


def page_width(pdf: bytes, tmp_path) -> float:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Page size:\s+([\d.]+)", out).group(1))


def pages(pdf: bytes, tmp_path) -> int:  # type: ignore[no-untyped-def]
    path = tmp_path / "n.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


# ---- XLSX ledger -------------------------------------------------------------------------------------------

def test_xlsx_prints_a4_landscape_one_page_wide_with_the_header_row_repeated():
    ws = load_workbook(io.BytesIO(ledger_xlsx(MONTH))).active
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows.replace("$", "") == f"{HEADER_ROW}:{HEADER_ROW}"
    widths = [ws.column_dimensions[chr(ord("A") + i)].width for i in range(len(COLUMNS))]
    assert sum(widths) < 200, widths  # was 1,260 characters wide: 15 pages across
    assert widths[1] >= len("H55.242-261119-1001") and widths[7] >= len("19/11/2026")  # a code, a date fit
    first = ws.cell(row=HEADER_ROW + 1, column=3)  # "Cấp Giấy xác nhận tình trạng hôn nhân" wraps in its cell
    assert first.alignment.wrap_text and ws.row_dimensions[HEADER_ROW + 1].height >= 30


@pytest.mark.parametrize("text, width, lines", [
    ("", 10, 1), ("Đăng ký", 10, 1), ("Đăng ký khai sinh", 10, 2), ("Cấp Giấy xác nhận tình trạng hôn nhân", 15, 3),
    ("H55.242-261119-1001", 8, 3),  # a word longer than the column breaks where the column ends
])
def test_wrapped_lines(text, width, lines):
    assert wrapped_lines(text, width) == lines


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdfinfo") is None,
                    reason="LibreOffice (soffice) or poppler-utils not installed")
@pytest.mark.process
@pytest.mark.slow
def test_a_month_of_twenty_rows_prints_on_one_or_two_pages(tmp_path):
    xlsx = tmp_path / "so.xlsx"
    xlsx.write_bytes(ledger_xlsx(MONTH))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(xlsx)], capture_output=True, timeout=180, check=True)
    pdf = (tmp_path / "so.pdf").read_bytes()
    assert 1 <= pages(pdf, tmp_path) <= 2
    assert round(page_width(pdf, tmp_path)) == 842  # A4 landscape


# ---- PDF table headers -------------------------------------------------------------------------------------

@needs_poppler
def test_ledger_pdf_headers_wrap_between_words_only(tmp_path):
    pdf = ledger_pdf(MONTH)
    found = {w for *_, w in words_of(pdf, tmp_path)}
    for header in COLUMNS:
        for word in header.split():
            assert word in found, f"“{word}” of “{header}” is split across lines"


@needs_poppler
def test_control_slip_headers_wrap_between_words_only(tmp_path):
    lines = (forms.ControlLine("Bộ phận Một cửa", "Công chức tư pháp - hộ tịch", "Hoa", "Minh", AT, "Đúng hạn"),)
    pdf = render_pdf(forms.control_slip(DATA, lines, "UBND xã"), "A5")
    found = {w for *_, w in words_of(pdf, tmp_path)}
    for word in "TÊN CƠ QUAN THỜI GIAN GIAO, NHẬN HỒ SƠ KẾT QUẢ GIẢI QUYẾT (Trước hạn/đúng GHI CHÚ".split():
        assert word in found, word


@needs_poppler
def test_the_cash_reports_cells_wrap_between_words_only(tmp_path):
    """The day's cash report (A4): a receipt's series, time, amount and method are never cut inside a word
    (it printed "AA-26 / P", "20:0 / 3", "100.00 / 0 đ", "Chuyể / n khoản" under the header-only rule)."""
    from counter.printing.fees import CashReport, CashRow, CollectorTotal, cash_report

    at = datetime(2026, 12, 2, 13, 3, tzinfo=UTC)
    rows = (CashRow("1000056", "AA-26P", "H55.242-261202-1007", "Nguyễn Văn An", "transfer", 7000, "Nguyễn Thị Hoa",
                    at, "Đã thu"),
            CashRow("1000057", "AA-26P", "H55.242-261202-1001", "Nguyễn Quang Cường", "cash", 100000,
                    "Phạm Thu Trang", at, "Đã thu"))
    total = CollectorTotal("Cả đơn vị", 2, 0, (("cash", 100000), ("transfer", 7000)), 0)
    pdf = render_pdf([cash_report(CashReport("UBND xã Phục Linh", "02/12/2026", rows, (total,), total))], "A4")
    found = {w for *_, w in words_of(pdf, tmp_path)}
    for word in ("AA-26P", "20:03", "100.000", "7.000", "Chuyển", "khoản", "(VietQR)", "Cường", "1000057"):
        assert word in found, (word, sorted(found))


@given(weights=st.lists(st.floats(0.1, 100), min_size=1, max_size=15),
       words=st.lists(st.sampled_from(["STT", "Người", "lượng", "(bộ)", "Số", "Ngày", "x", "nhận"]), min_size=1,
                      max_size=15))
def test_column_widths_keep_the_total_and_fit_each_longest_header_word(weights, words):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _fonts()
    style = _styles(8)["cell_head"]
    columns = tuple(words[i % len(words)] for i in range(len(weights)))
    widths = column_widths(columns, tuple(weights), 785.0, style)
    assert abs(sum(widths) - 785.0) < 1e-6
    need = [stringWidth(c, style.fontName, style.fontSize) + 12 for c in columns]
    if sum(need) + len(need) < 785.0:
        assert all(w >= n for w, n in zip(widths, need))


# ---- ESC/POS -----------------------------------------------------------------------------------------------

def rasters(job: bytes) -> list[Image.Image]:
    """The GS v 0 raster images of a job, as python-escpos's Dummy printer wrote them."""
    out, i = [], 0
    while (i := job.find(b"\x1dv0", i)) >= 0:
        xl, xh, yl, yh = job[i + 4:i + 8]
        w, h = xl + 256 * xh, yl + 256 * yh
        data = job[i + 8:i + 8 + w * h]
        out.append(Image.frombytes("1", (w * 8, h), bytes(255 - b for b in data)))
        i += 8 + w * h
    return out


def test_escpos_receipt_shows_the_whole_tracking_url_inside_the_paper(tmp_path):
    data = replace(DATA, tracking_url=LONG_URL)
    printed: list[str] = []
    job = render_escpos(forms.receipt(data)[1], printed=printed)
    (tmp_path / "receipt.escpos").write_bytes(job)  # what the file target writes
    start = next(i for i, line in enumerate(printed) if line.startswith("Quét mã"))
    caption = "".join(printed[start:start + 4]).replace(" ", "")
    assert LONG_URL in caption  # every character, across the lines it wraps into
    for img in rasters((tmp_path / "receipt.escpos").read_bytes()):
        bw = img.convert("L")
        edge = img.width - 1  # nothing drawn on the right edge: no line runs off the paper (a centred one cut
        assert all(bw.getpixel((edge, y)) == 255 for y in range(img.height))  # on both sides touched it)


def test_escpos_receipt_leaves_room_to_sign():
    printed: list[str] = []
    job = render_escpos(forms.receipt(DATA)[1], printed=printed)
    for title in ("NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ"):
        i = printed.index(title)
        assert printed[i + 1] == "(Ký và ghi rõ họ tên)" and printed[i + 2] == ""
    assert printed[printed.index("NGƯỜI TIẾP NHẬN HỒ SƠ") + 3] == DATA.clerk_name  # the name under the space
    # the blank band under "(Ký và ghi rõ họ tên)" is really on the paper: find the longest run of empty rows
    img = rasters(job)[-1].convert("L")
    blank = [all(img.getpixel((x, y)) == 255 for x in range(0, img.width, 2)) for y in range(img.height)]
    longest = run = 0
    for b in blank:
        run = run + 1 if b else 0
        longest = max(longest, run)
    assert longest >= SIGN_SPACE >= 100  # ≥ 12 mm at 203 dpi


# ---- long office names -------------------------------------------------------------------------------------

LONG = replace(DATA, office_name=LONG_OFFICE, parent_name="ỦY BAN NHÂN DÂN XÃ PHỤC LINH, TỈNH THÁI NGUYÊN")


def every_form() -> dict[str, list]:
    lines = (forms.ControlLine(LONG_OFFICE, "Công chức tư pháp - hộ tịch", "Hoa", "Minh", AT, "Đúng hạn"),)
    return {
        "01": forms.receipt(LONG), "02": forms.supplement_request(LONG, LONG.papers), "03": forms.refusal(LONG),
        "04": forms.apology(LONG, forms.ExtensionData(AT, LONG.due_at, AT, "Chờ xác minh", "Lê Văn Tâm")),
        "05": forms.stop_notice(LONG, forms.StopData(AT, "Rút hồ sơ", "Lê Văn Tâm")),
        "06": forms.control_slip(LONG, lines, LONG_OFFICE),
        "BG": forms.handover(LONG, forms.HandoverData(AT, "counter", "owner", "Nguyễn Văn An", "001090123456", "",
                                                      (("Giấy khai sinh", 1),), 0, "", "", "", "Hoa")),
    }


@needs_poppler
@pytest.mark.parametrize("paper", ["A5", "A4"])
def test_a_90_character_office_name_wraps_whole_on_every_form(tmp_path, paper):
    assert len(LONG_OFFICE) >= 89
    for form, docs in every_form().items():
        pdf = render_pdf(docs, paper)
        words = words_of(pdf, tmp_path)
        width = page_width(pdf, tmp_path)
        assert all(x0 > 5 and x1 < width - 5 for x0, _, x1, _ in words), f"Mẫu {form}: a word off the page"
        found = [w for *_, w in words]
        for word in LONG_OFFICE.upper().split():  # the header's agency line: every word whole
            assert word in found, f"Mẫu {form}: “{word}”"
        if form == "01":
            flat = " ".join(subprocess.run(["pdftotext", "-layout", str(tmp_path / "w.pdf"), "-"],
                                           capture_output=True, text=True).stdout.split())
            assert LONG_OFFICE in flat  # "Bộ phận tiếp nhận và trả kết quả: …" wraps between words


@needs_poppler
def test_each_copy_of_mau_01_stays_on_one_a5_sheet_with_a_long_office_name(tmp_path):
    pdf = render_pdf(forms.receipt(LONG), "A5")
    assert pages(pdf, tmp_path) == 2  # two copies, one sheet each (was 4: the note spilled over)
    assert pages(render_pdf(forms.receipt(DATA), "A5"), tmp_path) == 2


def test_escpos_wraps_a_long_office_name_between_words():
    printed: list[str] = []
    render_escpos(forms.receipt(LONG)[1], printed=printed)
    words = {w for line in printed for w in line.split()}
    assert set(LONG_OFFICE.upper().split()) <= words


def test_a_thermal_job_draws_each_line_once_and_prints_the_same_bytes_again():
    """Issue 21: the lines of a job are drawn once and kept (most of a receipt never changes); marks above a
    capital (Ộ) and tails below a line (g, y) survive the neighbours' bands."""
    from counter.printing import escpos
    from counter.printing.layout import Document, Para

    doc = Document("x", "test", (Para("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, center=True),
                                 Para("Độc lập - Tự do - Hạnh phúc gjpqy Ỹ"), Para("Ỹ Ộ Ẫ gjpqy")))
    first = escpos.render_escpos(doc)
    hits = escpos._strip.cache_info().hits
    assert escpos.render_escpos(doc) == first
    assert escpos._strip.cache_info().hits >= hits + 3
