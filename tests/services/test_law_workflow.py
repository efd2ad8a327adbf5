"""Issue 17 through the services on a real store: the law's steps (Mẫu 04 once and in time, naming the agency; the
statutory verification time from the catalogue; Mẫu 03 after appraisal; the processing agency's Mẫu 02 after 3
working days flagged), nothing written when refused, and each form read back with pdftotext."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime

import pytest

from counter.domain.calendar import VN_TZ
from counter.domain.errors import CounterError
from counter.domain.intake import Applicant, ReceiveRequest
from counter.services import dossiers, printing, progress
from counter.services.dossiers import default_papers, receive_in
from tests.conftest import actor_for, receive
from tests.helpers.store import snapshot

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def vn(d: int, h: int = 0, mi: int = 0, mo: int = 11) -> datetime:
    return datetime(2026, mo, d, h, mi, tzinfo=VN_TZ)


def text_of(store, code: str, form: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    out = tmp_path / f"{form}.pdf"
    printing.print_dossier(store, code, form, "pdf-a5", out)
    raw = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(raw.split())


def test_apology_once_and_not_on_the_due_day(store):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, clerk, procedure="1.004873")  # Mon 23/11 09:00, 3 working days -> Fri 27/11 17:00
    progress.record_event(store, clerk, code, "transferred", {"to": "Công chức tư pháp - hộ tịch"})
    store.clock.at = vn(27, 8)  # the due day itself
    before = snapshot(store)
    with pytest.raises(CounterError, match="chậm nhất ngày 26/11/2026"):
        progress.record_event(store, boss, code, "extended", {"days": "2", "reason": "Chờ xác minh"})
    assert snapshot(store) == before
    store.clock.at = vn(26, 16, 59)  # the working day before: in time
    r = progress.record_event(store, boss, code, "extended", {"days": "2", "reason": "Chờ xác minh"})
    assert r.form == "04" and r.due_at == vn(1, 17, mo=12)
    before = snapshot(store)
    with pytest.raises(CounterError, match="một lần"):  # a second extension
        progress.record_event(store, boss, code, "extended", {"days": "1", "reason": "Lại chậm"})
    assert snapshot(store) == before
    assert dossiers.get_detail(store, code).due_at == vn(1, 17, mo=12)


@needs_pdftotext
def test_apology_letter_names_the_processing_agency(store, tmp_path):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, clerk, procedure="1.004873")
    progress.record_event(store, clerk, code, "transferred", {"to": "Công chức tư pháp - hộ tịch"})
    progress.record_event(store, boss, code, "extended", {"days": "2", "reason": "Chờ xác minh"})
    text = text_of(store, code, "04", tmp_path)
    assert "Công chức tư pháp - hộ tịch xin lỗi Ông/Bà" in text
    assert "Chữ ký số của Tổ chức (nếu là biểu mẫu điện tử)" in text


def test_verification_takes_the_catalogue_days_and_is_not_an_apology(store):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, clerk, procedure="1.000894")  # marriage, Mon 23/11 09:00: due the same day
    r = progress.record_event(store, boss, code, "verification_extended", {"reason": "Xác minh tình trạng hôn nhân"})
    assert r.form is None and r.due_at == vn(1, 17, mo=12)  # +5: 25, 26, 27, 30/11, 1/12
    d = dossiers.get_detail(store, code)
    assert d.due_at == vn(1, 17, mo=12)
    with pytest.raises(CounterError, match="không gia hạn lần nữa"):
        progress.record_event(store, boss, code, "verification_extended", {"reason": "Lại"})
    birth = receive(store, clerk, "Trần Thị Bé", procedure="1.001193")  # khai sinh: no verification time
    before = snapshot(store)
    with pytest.raises(CounterError, match="không có thời gian xác minh"):
        progress.record_event(store, boss, birth, "verification_extended", {"reason": "x"})
    assert snapshot(store) == before


def test_a_late_supplement_request_is_allowed_flagged_and_counted(store):
    clerk = actor_for(store, "canbo")
    in_time = receive(store, clerk, "Nguyễn Văn Đúng", procedure="1.004222")  # 7 working days
    late = receive(store, clerk, "Nguyễn Văn Muộn", procedure="1.004222")
    for code in (in_time, late):
        progress.record_event(store, clerk, code, "transferred", {"to": "Công an xã"})  # Mon 23/11 09:00
    store.clock.at = vn(27, 16)  # exactly 3 working days (24/11 is off): in time
    progress.record_event(store, clerk, in_time, "supplement_requested", {"papers": "CT01:1/0/1", "reason": "Thiếu"})
    store.clock.at = vn(30, 8)  # the 4th working day: allowed, flagged
    progress.record_event(store, clerk, late, "supplement_requested", {"papers": "CT01", "reason": "Thiếu"})
    with store.read() as s:
        import sqlalchemy as sa

        rows = dict(s.execute(sa.text("SELECT d.code, e.payload FROM dossier_events e JOIN dossiers d ON "
                                      "d.id = e.dossier_id WHERE e.kind = 'supplement_requested'")).all())
    assert json.loads(rows[in_time])["days_after_hand_off"] == 3 and "late_request" not in json.loads(rows[in_time])
    assert json.loads(rows[late])["late_request"] is True and json.loads(rows[late])["days_after_hand_off"] == 4
    papers = json.loads(rows[in_time])["papers"]
    assert papers == [{"name": "CT01", "originals": 1, "certified_copies": 0, "photocopies": 1}]


@needs_pdftotext
def test_refusal_after_appraisal_is_the_result_and_prints_mau_03(store, tmp_path):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, procedure="1.004873")
    progress.record_event(store, clerk, code, "transferred", {"to": "Công chức tư pháp - hộ tịch"})
    store.clock.at = vn(25, 10)
    r = progress.record_event(store, clerk, code, "refused_after_appraisal", {"reason": "Không đủ điều kiện cấp"})
    assert r.form == "03" and r.status_label == "Đã xử lý xong"
    text = text_of(store, code, "03", tmp_path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and "Không đủ điều kiện cấp" in text
    assert "Công chức tư pháp - hộ tịch thông báo không tiếp nhận, giải quyết" in text and code in text
    assert "Chữ ký số của Tổ chức (nếu là biểu mẫu điện tử)" in text
    assert [c.form for c in printing.printable_forms(store, code)] == ["01", "03", "06"]


@needs_pdftotext
def test_forms_01_02_06_carry_the_fields_the_law_puts_there(store, tmp_path):
    clerk = actor_for(store, "canbo")
    with store.write() as s:
        row = receive_in(s, clerk, ReceiveRequest(
            procedure_code="1.004873", owner=Applicant(name="Nguyễn Văn An"), papers=default_papers(s, "1.004873"),
            submitter=Applicant(name="Trần Thị Bình", id_number="001192345678")), store.clock.now())
        code = row.code
    one = text_of(store, code, "01", tmp_path)
    assert "Người nộp: Trần Thị Bình" in one and "001192345678" in one
    with store.read() as s:
        import sqlalchemy as sa

        book, no = s.execute(sa.text("SELECT book, book_no FROM dossiers WHERE code = :c"), {"c": code}).one()
    assert f"Quyển số: {book} Số thứ tự: {no}" in one  # the ledger's numbering
    progress.record_event(store, clerk, code, "supplement_requested", {"papers": "Tờ khai:2/1/3", "reason": "Thiếu"})
    two = text_of(store, code, "02", tmp_path)
    assert "Tờ khai 2 1 3" in two and "Chữ ký số của Tổ chức (nếu là biểu mẫu điện tử)" in two
    six = text_of(store, code, "06", tmp_path)
    assert six.count(code) == 1  # the code once
    assert "Người tiếp nhận hồ sơ: Người Dùng Canbo" in six
    assert "Hạn chuyển hồ sơ đến cơ quan giải quyết: 17 giờ 00 phút, ngày 23 tháng 11 năm 2026" in six
    assert "Chữ ký số của Tổ chức (nếu là biểu mẫu điện tử)" in six


@needs_pdftotext
def test_mau_06_says_a_hand_over_was_late(store, tmp_path):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, procedure="1.004873", at=vn(23, 15, 1))  # after 15:00: by Wed 25/11 11:30
    store.clock.at = vn(25, 14)
    progress.record_event(store, clerk, code, "transferred", {"to": "Tư pháp"})
    six = text_of(store, code, "06", tmp_path)
    assert "11 giờ 30 phút, ngày 25 tháng 11 năm 2026 — QUÁ HẠN CHUYỂN" in six


# ---- the scorecard's 2.1 (issue 17) --------------------------------------------------------------------------

def test_2_1_counts_the_backlog_and_not_a_statutory_extension_as_late(store):
    from datetime import date

    from counter.domain.scorecard import Period
    from counter.services import reports

    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    # October: carried into November still open, due 2/11 -> late in November's count
    store.clock.at = vn(28, 9, mo=10)
    receive(store, clerk, "Nguyễn Văn Tồn", procedure="1.004873")  # the backlog
    done_oct = receive(store, clerk, "Nguyễn Văn Xong", procedure="1.004873")
    progress.record_event(store, clerk, done_oct, "resolved", {})  # finished in October: not November's
    store.clock.at = vn(23, 9)
    marriage = receive(store, clerk, "Lê Văn Cưới", procedure="1.000894")  # due 23/11 17:00
    progress.record_event(store, boss, marriage, "verification_extended", {"reason": "Xác minh"})  # -> 1/12
    apology = receive(store, clerk, "Lê Văn Chậm", procedure="1.004873")  # due 27/11
    progress.record_event(store, boss, apology, "extended", {"days": "2", "reason": "Chậm"})
    store.clock.at = vn(26, 9)
    progress.record_event(store, clerk, marriage, "resolved", {})  # after 23/11, before 1/12: on time
    progress.record_event(store, clerk, apology, "resolved", {})  # before even 27/11, but apologised: late
    sc = reports.scorecard(store, boss, Period(date(2026, 11, 1), date(2026, 11, 30)))
    two = next(i for i in sc.indicators if i.code == "2.1")
    assert (two.numerator, two.denominator) == (1, 3)  # the marriage; of backlog, marriage, apology
    assert (sc.handled, sc.on_time, sc.late) == (3, 1, 2)


# ---- dossier numbers (issue 17) -----------------------------------------------------------------------------

def test_a_single_station_office_numbers_each_day_from_0001_and_the_ledger_matches(store):
    from datetime import date

    from counter.domain.scorecard import Period
    from counter.services import office, reports

    clerk, admin = actor_for(store, "canbo"), actor_for(store, "quantri")
    office.set_single_station(store, admin, True)
    first, second = receive(store, clerk, "Nguyễn Văn Một"), receive(store, clerk, "Nguyễn Văn Hai")
    assert first.endswith("-261123-0001") and second.endswith("-261123-0002")
    store.clock.at = vn(25, 8)
    assert receive(store, clerk, "Nguyễn Văn Ba").endswith("-261125-0001")  # restarts every day
    led = reports.ledger(store, actor_for(store, "giamsat"), Period(date(2026, 11, 23), date(2026, 11, 23)))
    with store.read() as s:
        import sqlalchemy as sa

        books = dict(s.execute(sa.text("SELECT code, book_no FROM dossiers")).all())
    assert {r.code: r.no for r in led.rows} == {c: int(books[c]) for c in (first, second)}
    assert books[first] == "000001" and books[second] == "000002"  # Số thứ tự as Mẫu 01 prints it
    office.set_single_station(store, admin, False)  # back to the blocks (a second counter is coming)
    assert receive(store, clerk, "Nguyễn Văn Khối").endswith("-261125-1002")  # the day's count goes on: no reuse


def test_single_station_numbering_is_refused_with_two_stations(store):
    import sqlalchemy as sa

    from counter.services import office

    with store.write() as s:
        s.execute(sa.text("INSERT INTO stations(id, office_id, number, name) VALUES ('st-2', 'H55.242', 2, 'Quầy 2')"))
    before = snapshot(store)
    with pytest.raises(CounterError, match="2 quầy"):
        office.set_single_station(store, actor_for(store, "quantri"), True)
    assert snapshot(store) == before


@needs_pdftotext
def test_postal_staff_hand_mau_02_guidance_without_taking_a_dossier_code(store, tmp_path):
    from counter.domain.intake import PaperInput

    postal = actor_for(store, "buudien")
    before = snapshot(store)
    out = tmp_path / "guide.pdf"
    printing.print_guidance(store, postal, "1.001193", Applicant(name="Nguyễn Văn An", phone="0912345678"),
                            "Thiếu giấy chứng sinh", (PaperInput("Giấy chứng sinh", 1, 0, 0),), "pdf-a5", out)
    assert snapshot(store) == before  # no dossier, no event, no number used
    raw = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, check=True, text=True).stdout
    text = " ".join(raw.split())
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and "Số: …/HDHS" in text
    assert "Giấy chứng sinh 1 0 0" in text and "Thiếu giấy chứng sinh" in text
    assert receive(store, actor_for(store, "canbo")).endswith("-1001")  # the day's first code is still free
    with pytest.raises(CounterError):  # the checklist rule for postal staff still holds
        printing.print_guidance(store, postal, "2.000815", Applicant(name="Nguyễn Văn An"), "x",
                                (PaperInput("Bản chính", 1, 0, 0),), "pdf-a5", out)


def test_late_supplement_requests_are_counted_in_the_report_exactly_3_vs_4_working_days(store):
    from counter.domain.scorecard import Period
    from counter.services import reports

    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    codes = [receive(store, clerk, name, procedure="1.004222") for name in ("Nguyễn Văn Đúng", "Nguyễn Văn Muộn",
                                                                            "Nguyễn Văn Quầy")]
    for code in codes[:2]:
        progress.record_event(store, clerk, code, "transferred", {"to": "Công an xã"})  # Mon 23/11 09:00
    progress.record_event(store, clerk, codes[2], "supplement_requested", {"papers": "CT01", "reason": "Thiếu"})
    store.clock.at = vn(27, 16)  # exactly 3 working days (24/11 is off): in time
    progress.record_event(store, clerk, codes[0], "supplement_requested", {"papers": "CT01", "reason": "Thiếu"})
    store.clock.at = vn(30, 8)  # the 4th working day: allowed, flagged and counted
    progress.record_event(store, clerk, codes[1], "supplement_requested", {"papers": "CT01", "reason": "Thiếu"})
    sc = reports.scorecard(store, boss, Period.month(vn(1).date()))
    assert (sc.late_supplements, sc.agency_supplements) == (1, 2)  # the desk's own request is not the agency's
    csv_text = reports.scorecard_csv(sc)
    line = next(x for x in csv_text.splitlines() if x.startswith("Đ19.4"))
    assert line.startswith("Đ19.4,Yêu cầu bổ sung quá 3 ngày làm việc sau khi chuyển (Đ19.4),1,2,\"50,0%\"")
    day = reports.scorecard(store, boss, Period.day(vn(27).date()))
    assert (day.late_supplements, day.agency_supplements) == (0, 1)  # by the day the request was made


def test_a_second_request_needs_the_supervisors_override_with_its_reason(store):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, clerk, procedure="1.004222")
    progress.record_event(store, clerk, code, "transferred", {"to": "Công an xã"})
    first = progress.progress_view(store, clerk, code)
    ask = next(a for a in first.actions if a.kind == "supplement_requested")
    assert "override_reason" not in [f.name for f in ask.fields]  # the first request needs none
    progress.record_event(store, clerk, code, "supplement_requested", {"papers": "CT01", "reason": "Thiếu"})
    progress.record_event(store, clerk, code, "supplement_received")
    # once asked, F4 offers the request again only with the override's reason, and only to a supervisor
    view = progress.progress_view(store, clerk, code)
    assert "supplement_requested" not in [a.kind for a in view.actions]
    assert "yêu cầu bổ sung hồ sơ (lần thứ hai)" in view.refused_actions
    again = next(a for a in progress.progress_view(store, boss, code).actions if a.kind == "supplement_requested")
    assert again.fields[-1].name == "override_reason" and again.fields[-1].required
    before = snapshot(store)
    with pytest.raises(CounterError, match="chỉ lãnh đạo / giám sát"):
        progress.record_event(store, clerk, code, "supplement_requested",
                              {"papers": "CT01", "reason": "Lại thiếu", "override_reason": "Cần thêm"})
    with pytest.raises(CounterError, match="lãnh đạo / giám sát phải ghi rõ lý do"):
        progress.record_event(store, boss, code, "supplement_requested", {"papers": "CT01", "reason": "Lại thiếu"})
    assert snapshot(store) == before
    r = progress.record_event(store, boss, code, "supplement_requested",
                              {"papers": "CT01", "reason": "Lại thiếu", "override_reason": "Công an yêu cầu bản gốc"})
    assert r.form == "02"
    history = dossiers.get_detail(store, code).events
    assert history[-1].kind == "supplement_requested"
