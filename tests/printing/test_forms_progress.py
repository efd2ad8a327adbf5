"""Mẫu 02 (during processing), 04, 05, 06 and the hand-over note, rendered to PDF from a real store and read back
with pdftotext: every field is there."""

from __future__ import annotations

import shutil

import pytest

from counter.services import giveback, progress
from counter.services.printing import documents_for, print_dossier, render
from tests.conftest import actor_for, make_store, receive
from tests.helpers.printing import pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def done(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One dossier taken through the whole F4/F5 path, and one stopped."""
    store = make_store(tmp_path_factory.mktemp("forms"))
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, clerk, "Nguyễn Văn An", procedure="1.004873", id_number="001090123456",
                   address="Thôn 2, xã Phục Linh", phone="0912345678")  # Mon 23/11 09:00, due Fri 27/11 17:00
    progress.record_event(store, clerk, code, "transferred", {"to": "Công chức Tư pháp - Hộ tịch",
                                                              "person": "Lê Văn Tư", "note": "Bàn giao đủ"})
    progress.record_event(store, clerk, code, "supplement_requested",
                          {"papers": "Giấy chứng nhận kết hôn; Sổ hộ khẩu:2", "reason": "Thiếu giấy tờ chứng minh"})
    store.clock.advance(days=1)
    progress.record_event(store, clerk, code, "supplement_received", {})  # Tue 24/11 is off: counts from Wed 25
    store.clock.advance(days=3)  # Fri 27/11 09:00
    progress.record_event(store, boss, code, "extended", {"days": "2", "reason": "Cần xác minh nơi cư trú"})
    progress.record_event(store, clerk, code, "transferred", {"person": "Lê Văn Tư"})
    progress.record_event(store, clerk, code, "resolved", {"note": "Giấy xác nhận tình trạng hôn nhân"})
    giveback.return_at_counter(store, clerk, code, giveback.Collector(
        "authorized", "Trần Văn Bình", "001090999999", "typed", "",
        giveback.Authorization("Giấy ủy quyền", "15/2026", "20/11/2026", "UBND xã Phục Linh")),
        "Giấy xác nhận tình trạng hôn nhân:2", note="Đã kiểm tra bản gốc ủy quyền")
    stopped = receive(store, clerk, "Lê Thị Cúc", address="Thôn 5")
    progress.record_event(store, boss, stopped, "stopped", {"reason": "Hồ sơ có dấu hiệu giả mạo giấy tờ"})
    yield store, code, stopped
    store.close()


def text_of(store, code: str, form: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    _, docs = documents_for(store, code, form)
    return pdf_text(render(docs, "pdf-a5"), tmp_path)


def has_all(text: str, expected: list[str]) -> None:
    missing = [e for e in expected if e not in text]
    assert not missing, (missing, text)


def test_mau_02_during_processing(done, tmp_path):
    store, code, _ = done
    has_all(text_of(store, code, "02", tmp_path), [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", f"Số: {code}/HDHS", "Nguyễn Văn An",
        "Cấp Giấy xác nhận tình trạng hôn nhân", "Thôn 2, xã Phục Linh", "0912345678",
        "Giấy chứng nhận kết hôn 1 0 0", "Sổ hộ khẩu 2 0 0", "Lý do: Thiếu giấy tờ chứng minh", "NGƯỜI HƯỚNG DẪN",
        "Người Dùng Canbo", "Phục Linh, ngày 23 tháng 11 năm 2026"])


def test_mau_04_apology_with_the_new_appointment(done, tmp_path):
    store, code, _ = done
    has_all(text_of(store, code, "04", tmp_path), [
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ", f"Số: {code}/PXL",
        "Kính gửi Ông/Bà: Nguyễn Văn An", "Địa chỉ: Thôn 2, xã Phục Linh", "Số điện thoại: 0912345678",
        f"Mã hồ sơ: {code}", "Cấp Giấy xác nhận tình trạng hôn nhân (mã TTHC 1.004873)",
        "Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 23 tháng 11 năm 2026",
        # after the supplement (Tue 24/11 09:00, a holiday) the count restarted Wed 25/11: 26, 27, 30/11
        "Thời gian hẹn trả kết quả: 17 giờ 00 phút, ngày 30 tháng 11 năm 2026",
        "Lý do: Cần xác minh nơi cư trú",
        "Thời gian hẹn trả kết quả lại: 17 giờ 00 phút, ngày 02 tháng 12 năm 2026",  # 30/11 + Tue 1, Wed 2/12
        "THỦ TRƯỞNG CƠ QUAN", "Người Dùng Giamsat", "ngày 27 tháng 11 năm 2026", "Lưu: VT",
        "Chữ ký số của Tổ chức"])


def test_mau_05_stop_notice(done, tmp_path):
    store, _, stopped = done
    has_all(text_of(store, stopped, "05", tmp_path), [
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", f"Số: {stopped}/TBDXL", "Kính gửi Ông/Bà: Lê Thị Cúc", "Thôn 5",
        f"Mã hồ sơ: {stopped}", "Đăng ký khai sinh (mã TTHC 1.001193)",
        "Lý do dừng giải quyết: Hồ sơ có dấu hiệu giả mạo giấy tờ", "THỦ TRƯỞNG CƠ QUAN", "Người Dùng Giamsat"])


def test_mau_06_control_slip_one_row_per_hand_off(done, tmp_path):
    store, code, _ = done
    has_all(text_of(store, code, "06", tmp_path), [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", f"Mã hồ sơ: {code}", "Kèm theo hồ sơ của: Nguyễn Văn An",
        "Ngày nhận: 09 giờ 00 phút, ngày 23 tháng 11 năm 2026",
        "Ngày, giờ hẹn trả kết quả: 17 giờ 00 phút, ngày 02 tháng 12 năm 2026",
        # issue 17: 1.004873 carries internal steps (fixtures/procedure_steps.csv): the deciding unit is the step
        # marked so, the other units are the partners, and each row is judged against the giver's own step
        "Cơ quan (bộ phận) giải quyết hồ sơ: Công chức Tư pháp - Hộ tịch",
        "Cơ quan phối hợp giải quyết hồ sơ: Lãnh đạo UBND xã",
        "TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ", "GHI CHÚ",
        "1. Giao: Bộ phận Một cửa UBND xã Phục Linh", "Người nhận: Lê Văn Tư", "Bàn giao đủ",
        "Đúng hạn Bước 1 (trong ngày), hạn 23/11/2026 17:00",  # the desk's step: handed over the same day
        # the clerk's 2 days restarted with the papers (Tue 24/11, off: Wed 25, Fri 27/11): back on the last day
        "2. Giao: Công chức Tư pháp - Hộ tịch", "ngày 27 tháng 11 năm 2026",
        "Đúng hạn Bước 2 (2 ngày làm việc), hạn 27/11/2026 17:00",
        "3. Giao: Bộ phận Một cửa UBND xã Phục Linh", "Người được ủy quyền", "Trần Văn Bình",
        # the desk's last step is due by the appointment (moved to 2/12 by Mẫu 04)
        "Trước hạn 3 ngày làm việc Bước 4 (trong ngày), hạn 02/12/2026 17:00",
        "45/2016/QĐ-TTg"])


def test_hand_over_note(done, tmp_path):
    store, code, _ = done
    has_all(text_of(store, code, "BG", tmp_path), [
        "PHIẾU BÀN GIAO KẾT QUẢ GIẢI QUYẾT HỒ SƠ", f"Số: {code}/BGKQ", "Chủ hồ sơ: Nguyễn Văn An",
        "Người nhận kết quả: Trần Văn Bình (Người được ủy quyền)", "001090999999 (nhập tay)",
        "Giấy ủy quyền: Giấy ủy quyền số 15/2026, ngày 20/11/2026, UBND xã Phục Linh",
        "Giấy xác nhận tình trạng hôn nhân", "Số lượng 2",
        "Phí, lệ phí thu khi trả kết quả: Không", "Ghi chú: Đã kiểm tra bản gốc ủy quyền", "NGƯỜI NHẬN KẾT QUẢ",
        "NGƯỜI TRẢ KẾT QUẢ", "Người Dùng Canbo", "Thời gian trả kết quả: 09 giờ 00 phút, ngày 27 tháng 11 năm 2026"])


def test_forms_a_dossier_does_not_have_are_refused_clearly(done, tmp_path):
    store, _, stopped = done
    from counter.domain.errors import CounterError

    for form, message in (("04", "chưa có gia hạn"), ("BG", "chưa có trả kết quả"), ("02", "chưa có yêu cầu bổ sung")):
        with pytest.raises(CounterError, match=message):
            documents_for(store, stopped, form)
    result = print_dossier(store, stopped, "05", "pdf-a5", tmp_path / "m05.pdf")
    assert result.form == "05" and (tmp_path / "m05.pdf").read_bytes().startswith(b"%PDF")


def test_mau_06_judges_each_step_against_its_own_deadline(tmp_path):
    """Issue 17: a clerk who keeps the file past the 2 days of the step is late on Mẫu 06 while the dossier is
    still on time; F4 shows the step and flags it; an empty receiver sends the file to the next step's unit."""
    store = make_store(tmp_path / "s")
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, "Nguyễn Văn An", procedure="1.004873")  # Mon 23/11 09:00, due Fri 27/11 17:00
    view = progress.progress_view(store, clerk, code)
    assert view.step.startswith("Bước 1: Tiếp nhận, kiểm tra hồ sơ") and view.next_unit == "Công chức Tư pháp - Hộ tịch"
    progress.record_event(store, clerk, code, "transferred", {"person": "Lê Văn Tư"})  # to the next step's unit
    view = progress.progress_view(store, clerk, code)
    assert view.held_by == "Công chức Tư pháp - Hộ tịch" and view.step.endswith("hạn 26/11/2026 17:00")
    assert not view.step_late
    store.clock.advance(days=4)  # Fri 27/11 09:00: the step's 2 days (Wed 25, Thu 26) are over
    view = progress.progress_view(store, clerk, code)
    assert view.step_late and view.next_unit == "Lãnh đạo UBND xã"
    progress.record_event(store, clerk, code, "transferred", {"direction": "out", "person": "Trần Văn Chủ"})
    progress.record_event(store, clerk, code, "transferred", {"direction": "back"})
    has_all(text_of(store, code, "06", tmp_path), [
        "Cơ quan (bộ phận) giải quyết hồ sơ: Công chức Tư pháp - Hộ tịch",
        "Cơ quan phối hợp giải quyết hồ sơ: Lãnh đạo UBND xã",
        "Đúng hạn Bước 1 (trong ngày), hạn 23/11/2026 17:00",
        "2. Giao: Công chức Tư pháp - Hộ tịch Nhận: Lãnh đạo UBND xã",
        "Quá hạn 1 ngày làm việc Bước 2 (2 ngày làm việc), hạn 26/11/2026 17:00",
        "Trước hạn 1 ngày làm việc Bước 3 (1 ngày làm việc), hạn 30/11/2026 17:00",  # Fri 27/11 + 1: Mon 30/11
        "Ngày, giờ hẹn trả kết quả: 17 giờ 00 phút, ngày 27 tháng 11 năm 2026"])
