"""Issue 12, services: correct the applicant's details and void a dossier received by mistake, against a real
store: refusals leave the store as it was, the receipt reprints the corrected data with the original
appointment, a voided dossier leaves the queue, is struck through in the ledger and ignored by the scorecard."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
import pikepdf

from counter.domain.calendar import VN_TZ, format_vn
from counter.domain.errors import CounterError
from counter.domain.intake import ValidationError
from counter.domain.permissions import PermissionDenied
from counter.domain.scorecard import Period, local_date
from counter.printing.ledger import ledger_pdf
from counter.printing.xlsx import HEADER_ROW, ledger_xlsx
from counter.services import audit, dossiers, printing, progress, queue, reports
from tests.conftest import actor_for, receive
from tests.helpers.store import snapshot

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def pdftotext(data: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(out.split())


# ---- correct ------------------------------------------------------------------------------------------------

def test_a_clerk_corrects_their_own_dossier_and_the_history_says_what_changed(store):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, "Nguyễn Văn An", phone="0912345678")
    done = dossiers.correct(store, clerk, code, {"owner_phone": "0987 654 321", "owner_name": "Nguyễn Văn Ân"},
                            "Gõ nhầm")
    assert done.summary == "Họ tên chủ hồ sơ Nguyễn Văn An → Nguyễn Văn Ân; Số điện thoại 0912345678 → 0987654321; lý do: Gõ nhầm"
    d = dossiers.get_detail(store, code)
    assert (d.owner_name, d.owner_phone) == ("Nguyễn Văn Ân", "0987654321")
    last = d.events[-1]
    assert (last.kind, last.label, last.actor) == ("corrected", "sửa thông tin", "Người Dùng Canbo")
    assert [s.code for s in dossiers.search(store, "0987654321").items] == [code]  # the search follows
    assert dossiers.search(store, "0912345678").items == []
    assert [s.code for s in dossiers.search(store, "nguyen van an").items] == [code]
    assert audit.verify(store).ok


@pytest.mark.parametrize("who, setup, values, reason, message", [
    ("canbo", "other", {"owner_phone": "0987654321"}, "x", "do chính mình tiếp nhận"),
    ("canbo", "handed_off", {"owner_phone": "0987654321"}, "x", "đã chuyển đi xử lý"),
    ("buudien", "", {"owner_phone": "0987654321"}, "x", "không được phép sửa thông tin"),
    ("quantri", "", {"owner_phone": "0987654321"}, "x", "không được phép sửa thông tin"),
    ("canbo", "", {"owner_phone": "0987654321"}, "  ", "Phải ghi rõ lý do"),
    ("canbo", "", {"owner_phone": "0912345678"}, "x", "Không có thông tin nào thay đổi"),
    ("canbo", "", {"owner_id_number": "12345"}, "x", "12 chữ số"),
    ("canbo", "", {"owner_birth_date": "30/02/1990"}, "x", "Ngày sinh không hợp lệ"),
    ("canbo", "voided", {"owner_phone": "0987654321"}, "x", "đã bị hủy"),
])
def test_a_refused_correction_leaves_the_store_unchanged(store, who, setup, values, reason, message):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, boss if setup == "other" else clerk, phone="0912345678")
    if setup == "handed_off":
        progress.record_event(store, clerk, code, "transferred", {"to": "Công chức tư pháp", "direction": "out"})
        progress.record_event(store, clerk, code, "transferred", {"direction": "back"})
    if setup == "voided":
        dossiers.void(store, boss, code, "nhầm")
    before = snapshot(store)
    with pytest.raises(CounterError) as err:
        dossiers.correct(store, actor_for(store, who), code, values, reason)
    assert message in err.value.message
    assert snapshot(store) == before
    if isinstance(err.value, ValidationError):
        assert set(err.value.errors) <= {"changes", "reason", *values}


def test_a_supervisor_corrects_any_dossier_after_hand_off(store):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, clerk, id_number="001090123456")
    progress.record_event(store, clerk, code, "transferred", {"to": "Công chức tư pháp", "direction": "out"})
    dossiers.correct(store, boss, code, {"owner_id_number": "001090123457"}, "Sai một chữ số")
    assert dossiers.get_detail(store, code).owner_id_number == "001090123457"
    with pytest.raises(PermissionDenied):
        dossiers.correction_form(store, clerk, code)
    form = dossiers.correction_form(store, boss, code)
    assert form.values["owner_id_number"] == "001090123457" and form.labels["owner_phone"] == "Số điện thoại"


@needs_pdftotext
def test_the_reprinted_receipt_has_the_corrected_data_and_the_original_appointment(store, tmp_path):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, clerk, "Nguyễn Văn An", phone="0912345678", procedure="1.004873")  # 3 days (Mẫu 04 before)
    first = dossiers.get_detail(store, code).due_at
    progress.record_event(store, boss, code, "extended", {"days": "2", "reason": "Cần xác minh"})
    later = dossiers.get_detail(store, code).due_at
    assert later > first
    dossiers.correct(store, clerk, code, {"owner_name": "Nguyễn Văn Bình", "owner_phone": "0987654321"}, "Gõ nhầm")
    out = tmp_path / "receipt.pdf"
    printing.print_dossier(store, code, "01", "pdf-a5", out)
    text = pdftotext(out.read_bytes(), tmp_path)
    assert "Nguyễn Văn Bình" in text and "0987654321" in text
    assert "Nguyễn Văn An" not in text and "0912345678" not in text
    local = first.astimezone(VN_TZ)
    assert f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}" in text
    new = later.astimezone(VN_TZ)
    assert f"ngày {new:%d} tháng {new:%m} năm {new:%Y}" not in text  # the new date is Mẫu 04's


# ---- void ---------------------------------------------------------------------------------------------------

def test_a_voided_dossier_leaves_the_queue_keeps_its_history_and_its_code(store):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    keep, gone = receive(store, clerk, "Nguyễn Văn An"), receive(store, clerk, "Trần Thị Bích")
    def listed() -> set[str]:
        return {i.code for b in queue.BUCKETS for i in queue.page(store, boss, b).items}
    before = queue.counts(store, boss)
    assert {keep, gone} <= listed()
    state = dossiers.void(store, boss, gone, "Tiếp nhận nhầm thủ tục")
    assert state.voided_at is not None and state.void_reason == "Tiếp nhận nhầm thủ tục"
    assert listed() == {keep} and sum(queue.counts(store, boss).values()) == sum(before.values()) - 1
    d = dossiers.get_detail(store, gone)
    assert d.voided_at == state.voided_at and [e.kind for e in d.events] == ["received", "voided"]
    assert d.events[-1].details == "lý do: Tiếp nhận nhầm thủ tục"
    found = dossiers.search(store, "tran thi bich").items
    assert [(s.code, s.status_label) for s in found] == [(gone, "Đã hủy (tiếp nhận nhầm)")]
    seq = lambda c: int(c.rsplit("-", 1)[1])  # noqa: E731
    assert seq(receive(store, clerk, "Lê Hữu Phúc")) == seq(gone) + 1  # the code is never reused
    dossiers.record(store, clerk, gone, "note_added", {"text": "Đã gọi công dân"})  # a note is still fine
    with pytest.raises(CounterError, match="đã bị hủy"):
        progress.record_event(store, clerk, gone, "resolved", {})
    with pytest.raises(CounterError, match="đã bị hủy"):
        printing.documents_for(store, gone, "01")
    assert audit.verify(store).ok


@pytest.mark.parametrize("who, days, reason, message", [
    ("canbo", 0, "nhầm", "không được phép hủy hồ sơ"),
    ("buudien", 0, "nhầm", "không được phép hủy hồ sơ"),
    ("giamsat", 0, " ", "Phải ghi rõ lý do hủy"),
    ("giamsat", 1, "nhầm", "Chỉ hủy được hồ sơ trong ngày tiếp nhận"),
])
def test_a_refused_void_leaves_the_store_unchanged(store, who, days, reason, message):
    code = receive(store, actor_for(store, "canbo"))
    store.clock.advance(days=days)
    before = snapshot(store)
    with pytest.raises(CounterError, match=message):
        dossiers.void(store, actor_for(store, who), code, reason)
    if reason.strip():  # the screen's question before it asks for a reason gives the same refusal
        with pytest.raises(CounterError, match=message):
            dossiers.void_check(store, actor_for(store, who), code)
    else:
        assert dossiers.void_check(store, actor_for(store, who), code) == code
    assert snapshot(store) == before


def _day(store) -> Period:  # type: ignore[no-untyped-def]
    return Period.day(local_date(store.clock.now()))


def test_the_ledger_strikes_a_voided_dossier_through_and_the_scorecard_ignores_it(store, tmp_path):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    keep, gone = receive(store, clerk, "Nguyễn Văn An"), receive(store, clerk, "Trần Thị Bích")
    sc_before = reports.scorecard(store, boss, _day(store))
    figures_before = {f.full_name: f.received for f in reports.clerk_figures(store, boss, _day(store))}
    dossiers.void(store, boss, gone, "Tiếp nhận nhầm thủ tục")

    led = reports.ledger(store, boss, _day(store))
    rows = {r.code: r for r in led.rows}
    assert set(rows) == {keep, gone}  # the ledger keeps its line
    assert rows[gone].voided and rows[gone].note == "Đã hủy: Tiếp nhận nhầm thủ tục" and not rows[keep].voided
    if shutil.which("pdftotext"):
        text = pdftotext(ledger_pdf(led), tmp_path)
        assert "Đã hủy: Tiếp nhận nhầm thủ tục" in text and "(trong đó 1 hồ sơ đã hủy)" in text
    # struck through: the PDF draws a line through each word of that row (more strokes than unstruck)
    plain = reports.Ledger(led.office_name, led.parent_name, led.place_name, led.period, led.made_on,
                           [r.__class__(**{**r.__dict__, "voided": False}) for r in led.rows])

    def strokes(pdf: bytes) -> int:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return len(re.findall(rb" l\b", doc.pages[0].Contents.read_bytes()))

    assert strokes(ledger_pdf(led)) > strokes(ledger_pdf(plain))
    ws = load_workbook(io.BytesIO(ledger_xlsx(led))).active
    struck = {ws.cell(row=n, column=2).value: bool(ws.cell(row=n, column=2).font.strike)
              for n in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(led.rows))}
    assert struck == {keep: False, gone: True}

    sc = reports.scorecard(store, boss, _day(store))
    assert (sc_before.received, sc.received) == (2, 1) and sc.handled == sc_before.handled - 1
    assert sc.trend[0].received == 1
    figures = {f.full_name: f.received for f in reports.clerk_figures(store, boss, _day(store))}
    assert figures["Người Dùng Canbo"] == figures_before["Người Dùng Canbo"] - 1 == 1
    assert format_vn(store.clock.now())  # (the office's local date was used throughout)


def test_migration_0007_fills_the_first_hand_off_from_the_events(store):
    import importlib.util
    import sqlite3

    from counter.db import MIGRATIONS

    clerk = actor_for(store, "canbo")
    moved, stayed = receive(store, clerk), receive(store, clerk)
    store.clock.advance(minutes=5)
    progress.record_event(store, clerk, moved, "transferred", {"to": "Công chức tư pháp", "direction": "out"})
    store.clock.advance(minutes=5)
    progress.record_event(store, clerk, moved, "transferred", {"direction": "back"})
    store.clock.advance(minutes=5)
    progress.record_event(store, clerk, moved, "transferred", {"to": "Công chức địa chính", "direction": "out"})
    expected = snapshot(store)
    path = next((MIGRATIONS / "versions").glob("0007_*.py"))
    spec = importlib.util.spec_from_file_location("m0007", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    con = sqlite3.connect(store.db_path)
    con.execute("UPDATE dossiers SET handed_off_at = NULL")  # a store from before 0007
    con.execute(module._FIRST_HAND_OFF)
    con.commit()
    con.close()
    assert snapshot(store) == expected and audit.verify(store).ok
    assert dossiers.get_detail(store, stayed) and ev_row(store, moved) == "2026-11-23 02:05:00.000000"


def ev_row(store, code):  # type: ignore[no-untyped-def]
    return store.query("SELECT handed_off_at FROM dossiers WHERE code = ?", (code,))[0][0]
