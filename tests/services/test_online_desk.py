"""F8's services on a real SQLite store: the waiting list in working hours, one online dossier's checklist and
files, and the three outcomes (receive, ask once, refuse) with what each writes or refuses."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter.domain.errors import CounterError
from counter.domain.permissions import PermissionDenied
from counter.services import online
from counter.services.blobs import BlobNotFound, blob_store
from counter.services.remote_blobs import ensure_blob
from tests.conftest import actor_for
from tests.helpers.online import BIRTH_CERT, BIRTH_FORM, online_dossier, pdf_bytes, png_bytes
from tests.helpers.printing import pdf_text


def counts(store) -> tuple[int, int]:
    with store.read() as s:
        return (s.execute(sa.text("SELECT count(*) FROM dossier_events")).scalar_one(),
                s.execute(sa.text("SELECT count(*) FROM dossier_documents")).scalar_one())


def test_waiting_list_oldest_first_in_working_hours_with_the_late_mark(store):
    clerk = actor_for(store, "canbo")
    now = store.clock.now()  # Monday 23/11/2026 09:00 (VN)
    new = online_dossier(store, clerk, "Đỗ Minh Tâm", at=now - timedelta(minutes=30))
    old = online_dossier(store, clerk, "Phan Thị Hồng", at=now - timedelta(days=3))  # Friday 09:00
    asked = online_dossier(store, clerk, "Lê Văn Cường", at=now - timedelta(days=4))
    online.ask_missing(store, clerk, asked, {BIRTH_CERT: "Ảnh mờ"})
    result = online.waiting_list(store, clerk)
    assert [w.code for w in result.waiting] == [old, new]  # oldest first, whatever order they arrived in
    by = {w.code: w for w in result.waiting}
    assert by[new].hours == pytest.approx(0.5) and not by[new].late
    # Friday 09:00 → Monday 09:00: Fri 09:00–11:30 + 13:30–17:00 (6 h) + Mon 07:30–09:00 (1.5 h) = 7.5 h
    assert by[old].hours == pytest.approx(7.5) and not by[old].late
    assert online.waiting_list(store, clerk, limit=7).late_total == 1
    assert [a.code for a in result.awaiting] == [asked] and not result.awaiting[0].late
    assert (result.waiting_total, result.awaiting_total) == (2, 1)


def test_the_postal_role_may_not_check_online_dossiers(store):
    with pytest.raises(PermissionDenied):
        online.waiting_list(store, actor_for(store, "buudien"))


def test_open_shows_the_checklist_beside_the_files(store):
    clerk = actor_for(store, "canbo")
    code = online_dossier(store, clerk, files=[(pdf_bytes(1), "to-khai.pdf", BIRTH_FORM),
                                               (png_bytes(), "anh.png", None)])
    d = online.open_dossier(store, clerk, code)
    assert [(p.name, p.required, [f.name for f in p.files]) for p in d.papers] == [
        (BIRTH_FORM, True, ["to-khai.pdf"]), (BIRTH_CERT, True, []),
        ("Giấy tờ tùy thân của người đi đăng ký", False, []), (online.OTHER_PAPER, False, ["anh.png"])]
    assert d.owner_id_number == "001203004567" and d.owner_phone == "0912345678"
    p = online.preview(store, clerk, code, d.files[0].sha256)
    assert p.note.startswith("to-khai.pdf · PDF · 1 trang") and any("█" in line for line in p.lines)
    img = online.preview(store, clerk, code, d.files[1].sha256)
    assert "ảnh PNG" in img.note and any("█" in line for line in img.lines)


def test_receive_counts_the_due_date_from_now_and_keeps_the_uploads_as_digitized_papers(store, tmp_path):
    clerk = actor_for(store, "canbo")
    code = online_dossier(store, clerk, at=store.clock.now() - timedelta(days=2))
    d = online.open_dossier(store, clerk, code)
    result = online.receive(store, clerk, code)
    assert result.status_label == "Được tiếp nhận"
    with store.read() as s:
        row = s.execute(sa.text("SELECT id, status, received_at, due_at, received_by, book_no FROM dossiers "
                                "WHERE code = :c"), {"c": code}).one()
        docs = s.execute(sa.text("SELECT name, digitization, blobs FROM dossier_documents WHERE dossier_id = :d "
                                 "ORDER BY position"), {"d": row.id}).all()
        event = s.execute(sa.text("SELECT actor_id, payload FROM dossier_events WHERE dossier_id = :d AND "
                                  "kind = 'received'"), {"d": row.id}).one()
    assert row.status == 2 and row.received_by == clerk.user_id and row.book_no
    assert str(row.received_at).startswith("2026-11-23 02:00")  # now (09:00 VN), not the filing
    assert str(row.due_at).startswith("2026-11-23 10:00")  # same-day procedure: 17:00 today
    assert [(n, z, json.loads(b)) for n, z, b in docs] == [
        (p.name, 1, [f.sha256 for f in p.files]) for p in d.papers if p.files]
    assert event.actor_id == clerk.user_id
    assert Path(result.form_path).read_bytes().startswith(b"%PDF")
    # Mẫu 01 lists the papers as the files they came as (found by hand: every count was 0, as if nothing given)
    text = pdf_text(Path(result.form_path).read_bytes(), tmp_path)
    assert "Bản điện tử" in text
    with pytest.raises(CounterError, match="không còn chờ tiếp nhận"):
        online.receive(store, clerk, code)


def test_receive_is_refused_while_a_required_paper_lacks_a_file_or_is_marked_wrong(store):
    clerk = actor_for(store, "canbo")
    code = online_dossier(store, clerk, files=[(pdf_bytes(1), "to-khai.pdf", BIRTH_FORM)])
    before = counts(store)
    with pytest.raises(CounterError, match="Thiếu tệp của giấy tờ bắt buộc: Giấy chứng sinh"):
        online.receive(store, clerk, code)
    full = online_dossier(store, clerk, "Lê Thị Hà")
    before = counts(store)
    with pytest.raises(CounterError, match="chưa đạt"):
        online.receive(store, clerk, full, wrong={BIRTH_FORM: "Thiếu chữ ký"})
    assert counts(store) == before


def test_one_request_for_papers_then_only_a_supervisor_with_a_reason(store):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = online_dossier(store, clerk)
    with pytest.raises(CounterError, match="lý do"):
        online.ask_missing(store, clerk, code, {BIRTH_CERT: " "})
    first = online.ask_missing(store, clerk, code, {BIRTH_CERT: "Ảnh mờ", BIRTH_FORM: "Thiếu chữ ký"})
    assert "2 giấy tờ" in first.message
    d = online.open_dossier(store, clerk, code)
    assert d.awaiting_citizen and d.requests == 1 and d.asked == [(BIRTH_CERT, "Ảnh mờ"),
                                                                   (BIRTH_FORM, "Thiếu chữ ký")]
    before = counts(store)
    with pytest.raises(PermissionDenied, match="chỉ lãnh đạo / giám sát"):
        online.ask_missing(store, clerk, code, {BIRTH_CERT: "Vẫn mờ"})
    with pytest.raises(CounterError, match="Chỉ lãnh đạo / giám sát"):
        online.ask_missing(store, clerk, code, {BIRTH_CERT: "Vẫn mờ"}, override_reason="cần thêm")
    with pytest.raises(CounterError, match="đã được yêu cầu bổ sung một lần"):
        online.ask_missing(store, boss, code, {BIRTH_CERT: "Vẫn mờ"})
    assert counts(store) == before
    online.ask_missing(store, boss, code, {BIRTH_CERT: "Vẫn mờ"}, override_reason="Công dân nộp nhầm tệp khác")
    assert online.open_dossier(store, boss, code).requests == 2
    with pytest.raises(CounterError, match="đang chờ công dân"):
        online.receive(store, clerk, code)


def test_refuse_needs_a_reason_and_makes_mau_03(store):
    clerk = actor_for(store, "canbo")
    code = online_dossier(store, clerk)
    before = counts(store)
    with pytest.raises(CounterError, match="lý do"):
        online.refuse(store, clerk, code, "  ")
    assert counts(store) == before
    result = online.refuse(store, clerk, code, "Không thuộc thẩm quyền của UBND xã")
    assert result.status_label == "Không được tiếp nhận"
    assert Path(result.form_path).read_bytes().startswith(b"%PDF")
    with store.read() as s:
        assert s.execute(sa.text("SELECT status, closed_reason FROM dossiers WHERE code = :c"),
                         {"c": code}).one() == (3, "Không thuộc thẩm quyền của UBND xã")


def test_ensure_blob_reads_the_local_copy_and_says_when_no_server_is_set(store):
    clerk = actor_for(store, "canbo")
    data = pdf_bytes(1, "một tệp")
    code = online_dossier(store, clerk, files=[(data, "to-khai.pdf", BIRTH_FORM)], keep_blobs=False)
    sha = online.open_dossier(store, clerk, code).files[0].sha256
    with pytest.raises(BlobNotFound, match="chưa nối với máy chủ"):
        ensure_blob(store, sha)
    blob_store(store).put(data)
    assert ensure_blob(store, sha).read_bytes() == data


def test_open_in_viewer_without_a_viewer_says_so_in_vietnamese(store, monkeypatch):
    clerk = actor_for(store, "canbo")
    code = online_dossier(store, clerk)
    sha = online.open_dossier(store, clerk, code).files[0].sha256
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(CounterError, match="không có trình xem tệp"):
        online.open_in_viewer(store, clerk, code, sha)


def test_assisted_filing_says_when_no_server_is_set_or_it_does_not_answer(store):
    """The page itself, with the server's ticket: tests/central/test_online_stores.py."""
    from counter.services import sync

    clerk = actor_for(store, "canbo")
    with pytest.raises(CounterError, match="chưa được nối với máy chủ trung tâm"):
        online.assisted_filing_url(store, clerk, "1.001193")
    sync.setup(store, "http://127.0.0.1:9/", "t" * 40)  # nothing listens on the discard port
    with pytest.raises(CounterError, match="Không mở được trang hỗ trợ nộp trực tuyến: Không kết nối được"):
        online.assisted_filing_url(store, clerk, "1.001193")

