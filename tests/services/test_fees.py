"""Issue 18 against a real store: the amount owed at intake, payments (cash, VietQR, online), the refusals that
write nothing, refunds, receipts cancelled and reissued, the printed receipt and fee notice, the cash report,
and the figures for the portal payload and 766's 3.6."""

from __future__ import annotations

import binascii
import shutil
import subprocess
from datetime import date, timedelta

import pytest
import zxingcpp
from PIL import Image

from counter.domain.errors import CounterError
from counter.domain.intake import ValidationError
from counter.domain.lifecycle import TransitionError
from counter.services import fees as fee_service
from counter.services.dossiers import get_detail
from counter.services.store import Store
from tests.conftest import NOW, actor_for, receive
from tests.helpers.fees import FEES, check_vietqr, parse_tlv, take
from tests.helpers.printing import pdf_text
from tests.helpers.store import snapshot

@pytest.fixture
def office(store: Store) -> Store:
    (store.data_dir / "config.toml").write_text(FEES, "utf-8")
    return store


def test_a_certified_copy_of_five_pages_owes_seven_thousand_line_by_line(office):
    code = take(office, units={"pages": "5", "copies": "1"})
    view = fee_service.fee_view(office, actor_for(office, "canbo"), code)
    assert view.fee == 7000 and view.due == 7000 and not view.paid
    [line] = view.lines
    assert (line.kind, line.name, line.amount, line.detail) == (
        "phi", "Phí chứng thực bản sao từ bản chính", 7000, "5 trang: 2 × 2.000 đ + 3 × 1.000 đ")
    top = check_vietqr(view.vietqr)  # shown on screen, printed on the notice and the tracking page
    assert top["54"] == "7000" and parse_tlv(top["62"])["08"] == code


def test_intake_asks_only_the_quantities_the_charges_need(office):
    copy = fee_service.quote(office, "2.000815", {})
    assert [k for k, _ in copy.quantities] == ["pages", "copies"] and "Thiếu số trang" in copy.message
    residence = fee_service.quote(office, "1.004222", {})
    assert residence.quantities == () and residence.total == 20000
    assert [g for g, _, _ in residence.grounds] == ["merit", "poor", "disability"]
    assert fee_service.quote(office, "1.004222", {}, channel=2).total == 10000
    assert fee_service.quote(office, "1.001193", {}).total == 0  # khai sinh: nothing to ask, nothing owed


def test_an_exemption_is_recorded_with_its_ground_and_paper(office):
    code = take(office, "1.004222", ground="poor", paper="Giấy chứng nhận hộ nghèo số 15/2026")
    view = fee_service.fee_view(office, actor_for(office, "canbo"), code)
    assert view.fee == 0 and view.lines[0].exempt == "poor" and view.vietqr == ""
    assert view.exemption == "Người thuộc hộ nghèo (Giấy chứng nhận hộ nghèo số 15/2026)"


@pytest.mark.parametrize("units, ground, paper, field, message", [
    ({"copies": 1}, "", "", "units", "Thiếu số trang"),
    ({"pages": "-2", "copies": 1}, "", "", "units", "số nguyên dương"),
    ({"pages": 5, "copies": 1}, "poor", "Sổ hộ nghèo", "exemption", "không áp dụng"),
])
def test_bad_intake_fee_input_writes_nothing(office, units, ground, paper, field, message):
    before = snapshot(office)
    with pytest.raises(ValidationError) as err:
        take(office, units=units, ground=ground, paper=paper)
    assert message in err.value.errors[field]
    assert snapshot(office) == before


def test_exemption_without_a_paper_or_a_ground_writes_nothing(office):
    before = snapshot(office)
    with pytest.raises(ValidationError, match="giấy tờ chứng minh"):
        take(office, "1.004222", ground="disability")
    with pytest.raises(ValidationError, match="chưa chọn căn cứ"):
        take(office, "1.004222", paper="Giấy xác nhận khuyết tật")
    assert snapshot(office) == before


def test_pay_by_vietqr_issues_receipt_one_and_the_receipt_prints_its_fields(office, tmp_path):
    code = take(office, units={"pages": 5, "copies": 1})
    done = fee_service.pay(office, actor_for(office, "canbo"), code, "transfer", "7.000")
    assert done.receipt == "AA-26P 1000001"
    view = fee_service.fee_view(office, actor_for(office, "canbo"), code)
    assert view.paid and view.paid_amount == 7000 and view.method == "transfer" and view.vietqr == ""
    text = pdf_text(fee_service.receipt_pdf(office, code), tmp_path)
    for expected in ["BIÊN LAI THU PHÍ, LỆ PHÍ", "UBND XÃ PHỤC LINH", "Mã số thuế: 4600123456", "Số: 1000001",
                     "01BLP0-001", "AA-26P", "Nguyễn Văn An", "Phí chứng thực bản sao từ bản chính", "7.000 đ",
                     "Bảy nghìn đồng", "Chuyển khoản (VietQR)", "Người Dùng Canbo", code]:
        assert expected in text, expected
    out = tmp_path / "bl.escpos"
    fee_service.print_fee_paper(office, actor_for(office, "canbo"), code, "receipt", "escpos", out)
    job = out.read_bytes()
    assert job.startswith(b"\x1dv0") and job.endswith(b"\x1dV\x00")  # raster lines, then the cut: an 80 mm roll


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_fee_notice_pdf_carries_a_vietqr_that_decodes_and_parses(office, tmp_path):
    code = take(office, units={"pages": 5, "copies": 1})
    out = tmp_path / "notice.pdf"
    fee_service.print_fee_paper(office, actor_for(office, "canbo"), code, "notice", "pdf-a5", out)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(out), str(tmp_path / "page")], check=True)
    found = [r.text for png in sorted(tmp_path.glob("page-*.png"))
             for r in zxingcpp.read_barcodes(Image.open(png)) if r.format == zxingcpp.BarcodeFormat.QRCode]
    [qr] = found
    top = check_vietqr(qr)
    assert top["54"] == "7000" and parse_tlv(parse_tlv(top["38"])["01"]) == {"00": "970415", "01": "113000123456"}
    assert parse_tlv(top["62"])["08"] == code
    assert binascii.crc_hqx(qr[:-4].encode(), 0xFFFF) == int(qr[-4:], 16)
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "THÔNG BÁO NỘP PHÍ, LỆ PHÍ" in text and "113000123456" in text and "Bảy nghìn đồng" in text


@pytest.mark.parametrize("method, amount, message", [
    ("cash", "-7000", "không được âm"),
    ("cash", "7000,5", "không có phần lẻ"),
    ("cash", "5000", "không nhận nộp một phần"),
    ("cash", "9000", "không nhận nộp thừa"),
    ("cheque", "7000", "Hình thức nộp không hợp lệ"),
    ("online", "7000", "mã giao dịch"),
])
def test_bad_payments_are_refused_and_write_nothing(office, method, amount, message):
    code = take(office, units={"pages": 5, "copies": 1})
    before = snapshot(office)
    with pytest.raises(CounterError, match=message):
        fee_service.pay(office, actor_for(office, "canbo"), code, method, amount)
    assert snapshot(office) == before
    # the refused payment took no receipt number: the next one is still the first
    assert fee_service.pay(office, actor_for(office, "canbo"), code, "cash", 7000).number == "1000001"


def test_a_second_payment_and_a_payment_on_a_free_procedure_are_refused(office):
    code = take(office, units={"pages": 5, "copies": 1})
    clerk = actor_for(office, "canbo")
    fee_service.pay(office, clerk, code, "cash", 7000)
    free = receive(office, clerk)  # khai sinh
    before = snapshot(office)
    with pytest.raises(TransitionError, match="không nhận nộp lần hai"):
        fee_service.pay(office, clerk, code, "cash", 7000)
    with pytest.raises(CounterError, match="không phải nộp phí, lệ phí"):
        fee_service.pay(office, clerk, free, "cash", 1000)
    assert snapshot(office) == before
    assert fee_service.pay(office, clerk, take(office, "1.004222"), "cash", 20000).number == "1000002"


def test_a_second_payment_with_the_amount_field_left_empty_says_it_is_paid(office):
    """F9 empties the amount once a dossier is paid: a second Ctrl+T/Ctrl+W must say it is paid (and a free
    dossier that it owes nothing), not "Thiếu số tiền nộp" (found trying it in tmux)."""
    code = take(office, units={"pages": 5, "copies": 1})
    clerk = actor_for(office, "canbo")
    fee_service.pay(office, clerk, code, "transfer", 7000)
    free = receive(office, clerk)
    before = snapshot(office)
    with pytest.raises(CounterError, match=r"đã nộp đủ 7\.000 đ: không nhận nộp lần hai"):
        fee_service.pay(office, clerk, code, "transfer", "")
    with pytest.raises(CounterError, match="không phải nộp phí, lệ phí"):
        fee_service.pay(office, clerk, free, "cash", "")
    assert snapshot(office) == before


def test_refund_is_its_own_step_and_never_more_than_was_paid(office):
    code = take(office, units={"pages": 5, "copies": 1})
    boss = actor_for(office, "giamsat")
    fee_service.pay(office, boss, code, "cash", 7000)
    before = snapshot(office)
    with pytest.raises(TransitionError, match=r"lớn hơn số đã nộp còn lại 7\.000 đ"):
        fee_service.refund(office, boss, code, "8000", "nộp nhầm")
    with pytest.raises(CounterError, match="lý do"):
        fee_service.refund(office, boss, code, "1000", " ")
    with pytest.raises(CounterError, match="không có phần lẻ"):
        fee_service.refund(office, boss, code, "0,5", "x")
    assert snapshot(office) == before
    assert fee_service.refund(office, boss, code, "7.000", "Công dân rút hồ sơ") == 7000
    with pytest.raises(TransitionError, match="còn lại 0 đ"):
        fee_service.refund(office, boss, code, "1", "lần nữa")


def test_a_wrong_receipt_is_cancelled_and_reissued_and_keeps_its_number(office, tmp_path):
    code = take(office, units={"pages": 5, "copies": 1})
    clerk = actor_for(office, "canbo")
    fee_service.pay(office, clerk, code, "cash", 7000, payer="Nguyen Van An")
    again = fee_service.reissue(office, clerk, code, "Ghi sai tên người nộp", payer="Nguyễn Văn An")
    assert again.number == "1000002"
    view = fee_service.fee_view(office, clerk, code)
    assert [(r.number, r.cancelled, r.replaces) for r in view.receipts] == [
        ("1000001", "Ghi sai tên người nộp", ""), ("1000002", "", "1000001")]
    assert view.current_receipt.payer == "Nguyễn Văn An" and view.paid_amount == 7000
    old = pdf_text(fee_service.receipt_pdf(office, code, "1000001"), tmp_path)
    assert "ĐÃ HỦY: Ghi sai tên người nộp" in old
    assert "Thay thế biên lai số: 1000001" in pdf_text(fee_service.receipt_pdf(office, code), tmp_path)
    with pytest.raises(CounterError, match="lý do hủy biên lai"):
        fee_service.reissue(office, clerk, code, "")
    assert "hủy và cấp lại biên lai" in [e.label for e in get_detail(office, code).events]


def test_postal_staff_collect_a_fee_and_issue_the_receipt(office):
    code = take(office, "1.001612")  # hộ kinh doanh: postal may receive it, 100.000 đ at the counter
    postal = actor_for(office, "buudien")
    done = fee_service.pay(office, postal, code, "cash", "100.000")
    assert done.number == "1000001"
    assert fee_service.receipt_print(office, postal, code).collector == "Người Dùng Buudien"
    with pytest.raises(CounterError, match="hoàn trả"):
        fee_service.refund(office, postal, code, 1000, "x")  # they collect; they do not pay back


def test_online_payment_is_recorded_as_the_portal_reports_it_and_counts_for_766(office):
    online = take(office, "1.004222", channel=2)
    counter = take(office, "1.004222", name="Trần Thị Bình")
    clerk = actor_for(office, "canbo")
    fee_service.pay(office, clerk, online, "online", 10000, reference="DVCQG-2026-000123")
    fee_service.pay(office, clerk, counter, "cash", 20000)
    take(office, "1.001193", name="Lê Văn Cường")  # free: not a dossier with a charge
    lo = NOW - timedelta(days=1)
    assert fee_service.online_payment_counts(office, lo, NOW + timedelta(days=1)) == (1, 2)
    with office.read() as s:
        from counter.services.dossiers import dossier_row

        got = fee_service.portal_fees(s, dossier_row(s, clerk, online).id)
    assert got.paid_online and got.items == [{"TenPhiLePhi": "Lệ phí đăng ký cư trú (thường trú)",
                                              "MaPhiLePhi": "LP-1.004222", "HinhThucThu": "2", "Gia": "10000",
                                              "LoaiPhiLePhi": "2"}]


def test_the_days_cash_report_per_collector_and_office(office, tmp_path):
    clerk, postal, boss = (actor_for(office, u) for u in ("canbo", "buudien", "giamsat"))
    a = take(office, units={"pages": 5, "copies": 1})
    b = take(office, "1.004222", name="Trần Thị Bình")
    c = take(office, "1.001612", name="Lê Văn Cường")
    fee_service.pay(office, clerk, a, "cash", 7000)
    fee_service.pay(office, clerk, b, "transfer", 20000)
    fee_service.pay(office, postal, c, "cash", 100000)
    fee_service.reissue(office, clerk, a, "In mờ")
    fee_service.refund(office, boss, b, 20000, "Dừng xử lý")
    report = fee_service.cash_report(office, boss, NOW.date())
    by = {t.collector: t for t in report.collectors}
    assert by["Người Dùng Canbo"].issued == 3 and by["Người Dùng Canbo"].cancelled == 1
    assert dict(by["Người Dùng Canbo"].by_method) == {"cash": 7000, "transfer": 20000, "online": 0}
    assert by["Người Dùng Buudien"].cash_to_hand_over == 100000
    assert report.office.refunded == 20000 and report.office.cash_to_hand_over == 87000
    own = fee_service.cash_report(office, postal, NOW.date())
    assert [t.collector for t in own.collectors] == ["Người Dùng Buudien"]
    assert fee_service.cash_report(office, boss, date(2026, 1, 1)).rows == ()
    pdf, xlsx = fee_service.write_cash_report(office, boss, NOW.date(), tmp_path / "bc")
    text = pdf_text(pdf.read_bytes(), tmp_path)
    assert "BÁO CÁO THU PHÍ, LỆ PHÍ TRONG NGÀY" in text and "Tám mươi bảy nghìn đồng" in text
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Tổng hợp", "Chi tiết biên lai"] and wb["Tổng hợp"]["A4"].value == "Người thu"


def test_mau_01_prints_the_amount_line_by_line(office, tmp_path):
    from counter.services.printing import print_dossier

    code = take(office, units={"pages": 5, "copies": 1})
    out = tmp_path / "m01.pdf"
    print_dossier(office, code, "01", "pdf-a5", out)
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "7. Phí, lệ phí: Phí chứng thực bản sao từ bản chính: 5 trang: 2 × 2.000 đ + 3 × 1.000 đ = 7.000 đồng" \
        in text and "Tổng số tiền phải nộp: 7.000 đồng" in text
    poor = take(office, "1.004222", ground="poor", paper="Giấy chứng nhận hộ nghèo số 15/2026")
    print_dossier(office, poor, "01", "pdf-a5", out)
    assert "Miễn phí, lệ phí: Người thuộc hộ nghèo (Giấy chứng nhận hộ nghèo số 15/2026)" in \
        pdf_text(out.read_bytes(), tmp_path)


def test_a_fee_asked_for_later_replaces_the_intake_lines_on_screen_and_paper(office, tmp_path):
    """F4's "Yêu cầu nộp phí, lệ phí" sets a new amount: the lines shown and printed add up to what is owed
    (the demo's notice said "1 × 8.000 đ … 8.000 đ" above "Tổng số tiền phải nộp: 50.000 đ")."""
    from counter.services import progress

    clerk = actor_for(office, "canbo")
    code = take(office, "2.000635", units={"copies": 1})  # bản sao trích lục: 8.000 đ a copy
    progress.record_event(office, clerk, code, "fee_requested", {"amount": "50000", "note": "Lệ phí cấp bản sao"})
    view = fee_service.fee_view(office, clerk, code)
    assert view.fee == 50000 and sum(line.amount for line in view.lines) == 50000, view.lines
    assert [line.name for line in view.lines] == ["Lệ phí cấp bản sao"]
    out = fee_service.print_fee_paper(office, clerk, code, "notice", out=tmp_path / "tb.pdf")
    text = pdf_text((tmp_path / "tb.pdf").read_bytes(), tmp_path)
    assert "8.000 đ" not in text and "50.000 đ" in text, (out, text)


def test_f4_offers_no_fee_step_once_the_dossier_is_paid(office):
    """F4 offered "Yêu cầu nộp phí" and "Ghi nhận đã nộp phí" on a paid dossier: the second is always refused
    (no second payment) and the first would ask the citizen to pay again."""
    from counter.services import progress

    code = take(office, units={"pages": 5, "copies": 1})
    clerk = actor_for(office, "canbo")
    fee_kinds = {"fee_requested", "fee_paid"}
    assert fee_kinds & {a.kind for a in progress.progress_view(office, clerk, code).actions}
    fee_service.pay(office, clerk, code, "cash", 7000)
    assert not fee_kinds & {a.kind for a in progress.progress_view(office, clerk, code).actions}


def test_no_fee_notice_is_printed_for_a_paid_dossier(office):
    """F9's Ctrl+N on a paid dossier printed a notice saying the amount was still due."""
    code = take(office, units={"pages": 5, "copies": 1})
    clerk = actor_for(office, "canbo")
    assert "7.000" in " ".join(fee_service.notice_document(office, clerk, code).text().split())
    done = fee_service.pay(office, clerk, code, "cash", 7000)
    with pytest.raises(CounterError, match=f"đã nộp đủ 7.000 đ \\(biên lai số {done.number}\\)"):
        fee_service.notice_document(office, clerk, code)
