"""Số hóa on a real SQLite store: blobs by SHA-256, the `document_scanned` event, reuse, verify."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3

import pytest
from PIL import Image
import pikepdf

from counter.settings import ScannerConfig
from counter.domain.errors import CounterError
from counter.domain.lifecycle import TransitionError
from counter.domain.permissions import PermissionDenied
from counter.scanning.files import PageError
from counter.services import digitize as dg
from counter.services.audit import verify
from counter.services.dossiers import get_detail, record
from tests.conftest import actor_for, receive
from tests.helpers.images import jpeg

ID = "001090123456"
needs_sane = pytest.mark.skipif(shutil.which("scanimage") is None, reason="sane-utils not installed")


def png(path, shade=200):
    Image.new("L", (620, 877), shade).save(path, "PNG", dpi=(150, 150))
    return path


def docs(store, code):
    return {d.position: d for d in get_detail(store, code).documents}


def doc_row(store, code, position):
    r = store.query("SELECT x.digitization, x.blobs FROM dossier_documents x JOIN dossiers d ON d.id = x.dossier_id "
                    "WHERE d.code = ? AND x.position = ?", (code, position))[0]
    return r["digitization"], json.loads(r["blobs"])


def blob_files(store):
    return sorted(p for p in store.blob_dir.rglob("*") if p.is_file())


@needs_sane
def test_scan_two_pages_and_import_a_png_marks_the_paper_digitized(store, tmp_path):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, id_number=ID)
    cfg = ScannerConfig(device="test", resolution=100, mode="Color", source="Automatic Document Feeder")
    pages = dg.scan_pages(store, config=cfg, max_pages=2) + dg.import_pages([png(tmp_path / "p.png")])
    assert [p.source for p in pages] == ["máy quét", "máy quét", "tệp"]
    result = dg.save_pages(store, clerk, code, 1, pages)
    dg.discard_spool(store, pages)
    assert (result.pages, result.digitization, result.summary) == (3, 1, "đã số hóa 1/2")
    data = dg.get_blob(store, result.sha256)
    assert hashlib.sha256(data).hexdigest() == result.sha256
    assert dg.blob_path(store, result.sha256) == store.blob_dir / result.sha256[:2] / result.sha256[2:]
    assert len(pikepdf.open(io.BytesIO(data)).pages) == 3
    assert doc_row(store, code, 1) == (1, [result.sha256]) and doc_row(store, code, 2) == (0, [])
    target = dg.load_target(store, code)
    assert target.summary == "đã số hóa 1/2" and target.items[0].pages == 3
    (_event,) = [e for e in get_detail(store, code).events if e.kind == "document_scanned"]
    payload = json.loads(store.query("SELECT payload FROM dossier_events WHERE kind = 'document_scanned'")[0][0])
    assert payload["blobs"] == [result.sha256] and payload["position"] == 1 and payload["pages"] == 3
    assert store.query("SELECT scanned_count FROM dossiers WHERE code = ?", (code,))[0][0] == 1
    assert store.query("SELECT COUNT(*) FROM outbox")[0][0] == 2  # received + document_scanned
    assert not list((store.data_dir / "spool").rglob("*.jpg"))
    assert verify(store).ok


def test_the_same_file_is_stored_once_and_a_rescan_replaces_the_item(store, tmp_path):
    clerk = actor_for(store, "canbo")
    a, b = receive(store, clerk), receive(store, clerk)
    page = dg.import_pages([jpeg(tmp_path / "a.jpg")])
    r1 = dg.save_pages(store, clerk, a, 1, page)
    r2 = dg.save_pages(store, clerk, b, 2, page)
    assert r1.sha256 == r2.sha256 and len(blob_files(store)) == 1
    assert store.query("SELECT COUNT(*) FROM blobs")[0][0] == 1
    r3 = dg.save_pages(store, clerk, a, 1, dg.import_pages([jpeg(tmp_path / "b.jpg", (0, 0, 200))]))
    assert doc_row(store, a, 1) == (1, [r3.sha256])
    assert dg.verify_blobs(store).ok


def test_imported_pdf_pages_are_joined(store, tmp_path):
    w = pikepdf.new()
    w.add_blank_page(page_size=(595, 842))
    w.add_blank_page(page_size=(595, 842))
    w.save(tmp_path / "in.pdf")
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    result = dg.save_files(store, clerk, code, 2, [jpeg(tmp_path / "a.jpg"), tmp_path / "in.pdf"])
    assert result.pages == 3
    assert len(pikepdf.open(io.BytesIO(dg.get_blob(store, result.sha256))).pages) == 3


def test_a_corrupt_or_foreign_file_stores_nothing(store, tmp_path):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    (tmp_path / "hoa-don.docx").write_bytes(b"PK\x03\x04 not an image")
    before = store.query("SELECT COUNT(*) FROM dossier_events")[0][0]
    with pytest.raises(PageError) as err:
        dg.save_files(store, clerk, code, 1, [jpeg(tmp_path / "ok.jpg"), tmp_path / "hoa-don.docx"])
    assert "“hoa-don.docx” không phải ảnh JPEG/PNG hay tệp PDF" in err.value.message
    assert blob_files(store) == [] and store.query("SELECT COUNT(*) FROM blobs")[0][0] == 0
    assert store.query("SELECT COUNT(*) FROM dossier_events")[0][0] == before
    assert doc_row(store, code, 1) == (0, [])


def test_a_failure_after_the_blob_leaves_no_dangling_reference(store, tmp_path):
    """The file is written, then the transaction fails (a real SQLite error): the store keeps no reference,
    the file is an orphan and `verify_blobs` reports it as such."""
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    con = sqlite3.connect(store.db_path)
    con.execute("CREATE TRIGGER fail_scan BEFORE INSERT ON dossier_events WHEN new.kind = 'document_scanned' "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    con.commit()
    with pytest.raises(Exception, match="disk full"):
        dg.save_pages(store, clerk, code, 1, dg.import_pages([jpeg(tmp_path / "a.jpg")]))
    con.execute("DROP TRIGGER fail_scan")
    con.commit()
    con.close()
    (orphan,) = blob_files(store)
    assert store.query("SELECT COUNT(*) FROM blobs")[0][0] == 0
    assert doc_row(store, code, 1) == (0, [])
    assert store.query("SELECT scanned_count FROM dossiers WHERE code = ?", (code,))[0][0] == 0
    report = dg.verify_blobs(store)
    assert report.ok and report.orphans == [orphan.parent.name + orphan.name]
    assert verify(store).ok


def test_verify_finds_a_changed_or_missing_file(store, tmp_path):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    r = dg.save_pages(store, clerk, code, 1, dg.import_pages([jpeg(tmp_path / "a.jpg")]))
    r2 = dg.save_pages(store, clerk, code, 2, dg.import_pages([png(tmp_path / "b.png")]))
    path = dg.blob_path(store, r.sha256)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    dg.blob_path(store, r2.sha256).unlink()
    report = dg.verify_blobs(store)
    assert not report.ok and len(report.bad) == 2
    assert any("không khớp mã băm" in b for b in report.bad) and any("thiếu tệp" in b for b in report.bad)
    with pytest.raises(CounterError, match="không còn khớp mã băm"):
        dg.get_blob(store, r.sha256)


def test_reuse_is_offered_only_for_the_same_id_number(store, tmp_path):
    clerk = actor_for(store, "canbo")
    old = receive(store, clerk, id_number=ID)
    other = receive(store, clerk, name="Trần Thị Bích", id_number="001190654321")
    r = dg.save_pages(store, clerk, old, 1, dg.import_pages([jpeg(tmp_path / "a.jpg")]))
    dg.save_pages(store, clerk, other, 1, dg.import_pages([png(tmp_path / "o.png")]))
    new = receive(store, clerk, id_number=ID)
    offers = dg.reuse_offers(store, new, 1)
    assert [(o.code, o.position, o.same_name) for o in offers] == [(old, 1, True)]
    result = dg.reuse(store, clerk, new, 1, old, 1)
    assert (result.digitization, result.sha256, result.pages) == (2, r.sha256, 1)
    assert doc_row(store, new, 1) == (2, [r.sha256])
    assert dg.load_target(store, new).items[0].label == "Tái sử dụng (thành phần hồ sơ khác)"
    with pytest.raises(CounterError, match="cùng một người"):
        dg.reuse(store, clerk, new, 2, other, 1)
    assert dg.reuse_offers(store, receive(store, clerk, name="Không Số"), 1) == []
    assert len(blob_files(store)) == 2  # reuse links, it never copies


def test_permission_status_and_item_are_checked_before_any_file_is_written(store, tmp_path):
    clerk, postal = actor_for(store, "canbo"), actor_for(store, "buudien")
    code = receive(store, clerk)
    page = dg.import_pages([jpeg(tmp_path / "a.jpg")])
    with pytest.raises(PermissionDenied):
        dg.save_pages(store, postal, code, 1, page)
    with pytest.raises(CounterError, match="không có thành phần số 9"):
        dg.save_pages(store, clerk, code, 9, page)
    record(store, clerk, code, "withdrawn", {"reason": "Công dân xin rút"})
    with pytest.raises(CounterError, match="Không thể số hóa giấy tờ khi hồ sơ đang ở trạng thái"):
        dg.save_pages(store, clerk, code, 1, page)
    assert blob_files(store) == []


def test_document_scanned_is_refused_by_the_reducer_in_a_closed_dossier(store, tmp_path):
    """The lifecycle rule itself (not only the service's early check) refuses a scan of a withdrawn dossier."""
    from counter.services import events as ev
    from counter.services.dossiers import record_in

    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    record(store, clerk, code, "withdrawn", {"reason": "rút"})
    with pytest.raises(TransitionError), store.write() as s:
        record_in(s, clerk, code, "document_scanned", {"position": 1, "blobs": ["0" * 64]}, store.clock.now())
    assert doc_row(store, code, 1) == (0, []) and ev is not None


def test_receipt_qr_url_and_typed_code_find_the_dossier(store):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    token = store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0][0]
    assert dg.load_target(store, f"http://127.0.0.1:8780/t/{token}").code == code
    assert dg.load_target(store, f"  {code.lower()} ").code == code
    with pytest.raises(CounterError, match="Không tìm thấy hồ sơ"):
        dg.load_target(store, "H55.242-000000-0000")


def test_watched_folder_files_are_imported_then_moved_aside(store, tmp_path):
    watch = tmp_path / "watch"
    watch.mkdir()
    jpeg(watch / "scan-001.jpg")
    png(watch / "scan-002.png")
    cfg = ScannerConfig(watch_dir=str(watch))
    pages = dg.watched_pages(store, cfg, interval=0.01)
    assert [p.path.name for p in pages] == ["scan-001.jpg", "scan-002.png"]
    clerk = actor_for(store, "canbo")
    dg.save_pages(store, clerk, receive(store, clerk), 1, pages)
    dg.watched_done(store, pages, cfg)
    assert sorted(p.name for p in watch.iterdir()) == ["đã nhập"]
    with pytest.raises(CounterError, match="chưa có tệp mới"):
        dg.watched_pages(store, cfg, interval=0.01)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_ocr_text_feeds_search_only(store, tmp_path):
    from pathlib import Path

    from PIL import ImageDraw, ImageFont

    import counter.printing

    font = ImageFont.truetype(str(Path(counter.printing.__file__).parent / "fonts" / "DejaVuSans.ttf"), 48)
    im = Image.new("L", (1400, 400), 255)
    ImageDraw.Draw(im).text((40, 150), "GIẤY CHỨNG SINH Bệnh viện Phục Linh", font=font, fill=0)
    im.save(tmp_path / "t.png", dpi=(300, 300))
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    r = dg.save_pages(store, clerk, code, 2, dg.import_pages([tmp_path / "t.png"]))
    assert dg.ocr_blob(store, r.sha256) > 10
    assert dg.search_ocr(store, "chung sinh phuc linh") == [code]
    assert dg.search_ocr(store, "khong co chu nay") == []


def test_a_blob_that_cannot_be_renamed_into_place_leaves_no_temporary_file(tmp_path):
    from counter.services.blobs import BlobError, FolderBlobStore

    blobs = FolderBlobStore(tmp_path / "blobs")
    data = b"%PDF-1.4 two pages"
    sha = hashlib.sha256(data).hexdigest()
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / sha[:2]).write_bytes(b"")  # a file where the blob's folder should be
    with pytest.raises(BlobError, match="Không ghi được tệp số hóa"):
        blobs.put(data)
    assert sorted(p.name for p in (tmp_path / "blobs").iterdir()) == [sha[:2]]
    (tmp_path / "blobs" / sha[:2]).unlink()
    assert blobs.put(data) == sha and blobs.get(sha) == data  # hashed beside the write: the same name as before
    assert blobs.put(data) == sha and sorted(p.name for p in (tmp_path / "blobs").iterdir()) == [sha[:2]]
