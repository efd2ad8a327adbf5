"""Số hóa (F3): pages -> one PDF per checklist item -> blob store -> `document_scanned` event.

Blob store (services/blobs.py, `BlobStore`: put/get/has; the folder one keeps `store.blob_dir/ab/cdef…`, the
SHA-256 hex of the content, written atomically: temporary file, fsync, rename): each file is put BEFORE the
transaction that records the `blobs` row and the event. A failure
between the two leaves at most an orphan file that nothing refers to; `verify_blobs` reports it.

Digitization codes (domain.md): 0 chưa số hóa, 1 đã số hóa, 2 tái sử dụng từ thành phần hồ sơ khác,
3 tái sử dụng từ kết quả hồ sơ khác. Reuse is offered only for an earlier dossier of the same ID number.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import threading
import uuid
from datetime import UTC
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from counter.settings import ScannerConfig, load_settings
from counter.domain.errors import CounterError
from counter.domain.lifecycle import STATUS_LABELS, TRANSITIONS, EventKind, Status
from counter.domain.permissions import Action, require
from counter.domain.text import fold
from counter.models import Dossier
from counter.scanning import files, sane
from counter.scanning.files import Page, PageError
from counter.scanning.watch import WatchFolder
from counter.services import events as ev
from counter.services.blobs import BlobError, FolderBlobStore, blob_store, file_sha256
from counter.services.store import Actor, NotFound, Store

DIGITIZATION_LABELS = {0: "Chưa số hóa", 1: "Đã số hóa", 2: "Tái sử dụng (thành phần hồ sơ khác)",
                       3: "Tái sử dụng (kết quả hồ sơ khác)"}
_SHA = re.compile(r"^[0-9a-f]{64}$")


# ---- blob store (counter/services/blobs.py: the BlobStore interface and its folder implementation) ---------

def blob_path(store: Store, sha: str) -> Path:
    """Where the folder blob store keeps a blob (opening it in a viewer, `counter blobs verify`)."""
    return FolderBlobStore(store.blob_dir).path(sha)


def put_blob(store: Store, data: bytes) -> str:
    """Store the bytes once under their SHA-256 (atomic; an existing identical file is kept); returns the hash."""
    return blob_store(store).put(data)


def get_blob(store: Store, sha: str) -> bytes:
    """The stored bytes, checked against their hash."""
    return blob_store(store).get(sha)


def known_blob(store: Store, sha: str) -> Path:
    """The path of a file the store records (for `counter blobs open`), checked against its hash."""
    path = blob_path(store, sha)
    rows = store.query("SELECT sha256 FROM blobs WHERE sha256 LIKE ? LIMIT 2", (sha.strip().lower()[:64] + "%",))
    if not rows:
        raise NotFound(f"Không có tệp số hóa nào có mã băm “{sha.strip()}”.")
    if not path.exists():
        raise NotFound(f"Kho ghi nhận tệp {sha[:12]}… nhưng không thấy tệp {path}.")
    if file_sha256(path) != sha.lower():
        raise BlobError(f"Tệp {path} không còn khớp mã băm: tệp đã bị sửa hoặc hỏng.")
    return path


@dataclass(frozen=True)
class BlobReport:
    checked: int
    bad: list[str]  # "sha: problem"
    orphans: list[str]  # files on disk no row refers to (a write that did not commit): harmless
    dangling: list[str]  # "code #position: sha" documents naming a file the store lacks

    @property
    def ok(self) -> bool:
        return not self.bad and not self.dangling


def verify_blobs(store: Store, progress: Callable[[int, int], None] | None = None) -> BlobReport:
    """Every recorded file exists and matches its hash; files nobody recorded are orphans; documents name
    only recorded files."""
    rows = store.query("SELECT sha256, size FROM blobs ORDER BY sha256")
    known = {r["sha256"]: r["size"] for r in rows}
    bad = []
    for i, (sha, size) in enumerate(known.items(), start=1):
        path = blob_path(store, sha)
        if not path.exists():
            bad.append(f"{sha}: thiếu tệp {path}")
        elif path.stat().st_size != size or file_sha256(path) != sha:
            bad.append(f"{sha}: nội dung tệp không khớp mã băm (đã bị sửa hoặc hỏng)")
        if progress:
            progress(i, len(known))
    orphans = []
    if store.blob_dir.exists():
        for sub in sorted(store.blob_dir.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for f in sorted(sub.iterdir()):
                    sha = sub.name + f.name
                    if _SHA.match(sha) and sha not in known:
                        orphans.append(sha)
    dangling = []
    for r in store.query("SELECT d.code, x.position, x.blobs FROM dossier_documents x JOIN dossiers d "
                         "ON d.id = x.dossier_id WHERE x.blobs != '[]' ORDER BY d.code, x.position"):
        for sha in json.loads(r["blobs"]):
            if sha not in known:
                dangling.append(f"{r['code']} #{r['position']}: {sha}")
    return BlobReport(len(known), bad, orphans, dangling)


# ---- the dossier to digitize -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemView:
    position: int
    name: str
    digitization: int
    blobs: tuple[str, ...]
    pages: int  # pages of the stored file(s)
    size: int

    @property
    def label(self) -> str:
        return DIGITIZATION_LABELS.get(self.digitization, str(self.digitization))

    @property
    def digitized(self) -> bool:
        return self.digitization > 0 and bool(self.blobs)


@dataclass(frozen=True)
class ScanTarget:
    code: str
    owner_name: str
    has_id_number: bool
    procedure_name: str
    status: int
    status_label: str
    can_scan: bool  # the dossier's status allows a scan (lifecycle)
    items: list[ItemView]

    @property
    def digitized(self) -> int:
        return sum(1 for i in self.items if i.digitized)

    @property
    def summary(self) -> str:
        return f"đã số hóa {self.digitized}/{len(self.items)}"


_TOKEN_URL = re.compile(r"/t/([A-Za-z2-7]{16,64})/?\s*$")


def resolve_code(store: Store, text: str) -> str | None:
    """A dossier code typed or read from the receipt's barcode, or the receipt QR's tracking URL (token)."""
    text = text.strip()
    if not text:
        return None
    m = _TOKEN_URL.search(text)
    if m:
        rows = store.query("SELECT code FROM dossiers WHERE token = ?", (m.group(1).upper(),))
        return rows[0]["code"] if rows else None
    rows = store.query("SELECT code FROM dossiers WHERE code = ?", (text.upper(),))
    return rows[0]["code"] if rows else None


def _allowed(status: int) -> bool:
    return Status(status) in TRANSITIONS[EventKind.DOCUMENT_SCANNED][0]


def load_target(store: Store, text: str) -> ScanTarget:
    """The dossier (code, receipt QR URL) with its checklist and each item's digitization."""
    code = resolve_code(store, text)
    if code is None:
        raise NotFound(f"Không tìm thấy hồ sơ “{text.strip()}” (gõ mã hồ sơ hoặc quét mã trên giấy tiếp nhận).")
    d = store.query("SELECT id, code, owner_name, owner_id_number, procedure_name, status FROM dossiers "
                    "WHERE code = ?", (code,))[0]
    docs = store.query("SELECT position, name, digitization, blobs FROM dossier_documents WHERE dossier_id = ? "
                       "ORDER BY position", (d["id"],))
    all_blobs = {sha for x in docs for sha in json.loads(x["blobs"])}
    meta: dict[str, tuple[int, int]] = {}
    if all_blobs:
        marks = ",".join("?" * len(all_blobs))
        meta = {r["sha256"]: (r["pages"], r["size"])
                for r in store.query(f"SELECT sha256, pages, size FROM blobs WHERE sha256 IN ({marks})",
                                     tuple(all_blobs))}
    items = []
    for x in docs:
        blobs = tuple(json.loads(x["blobs"]))
        items.append(ItemView(x["position"], x["name"], x["digitization"], blobs,
                              sum(meta.get(b, (0, 0))[0] for b in blobs), sum(meta.get(b, (0, 0))[1] for b in blobs)))
    return ScanTarget(d["code"], d["owner_name"], bool(d["owner_id_number"]), d["procedure_name"], d["status"],
                      STATUS_LABELS[Status(d["status"])], _allowed(d["status"]), items)


# ---- pages from the sources ------------------------------------------------------------------------------

def scanner_config(store: Store) -> ScannerConfig:
    return load_settings(store.data_dir).scanner


def spool_dir(store: Store) -> Path:
    """Where scanned pages wait until they are saved (one folder per scan, removed after saving)."""
    path = store.data_dir / "spool" / uuid.uuid4().hex[:12]
    path.mkdir(parents=True, exist_ok=True)
    return path


def scan_pages(store: Store, device: str | None = None, *, source: str | None = None,
               max_pages: int | None = None, config: ScannerConfig | None = None,
               on_page: Callable[[int], None] | None = None, cancel: threading.Event | None = None,
               extra: tuple[str, ...] = ()) -> list[Page]:
    """Scan with the configured device (flatbed: one page; feeder: the whole tray) and check each page."""
    cfg = config or scanner_config(store)
    settings = sane.ScanSettings(device=device or cfg.device, resolution=cfg.resolution, mode=cfg.mode,
                                 source=source or cfg.source, format=cfg.format,
                                 extra=tuple(shlex.split(cfg.options)) + extra)
    out = spool_dir(store)
    try:
        paths = sane.scan(settings, out, max_pages=max_pages, on_page=on_page, cancel=cancel)
    except sane.ScanCancelled as exc:
        if not exc.pages:
            shutil.rmtree(out, ignore_errors=True)
        raise sane.ScanCancelled(exc.pages) from None
    except Exception:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return files.load_files(paths, source="máy quét")


def scan_keeping_pages(store: Store, config: ScannerConfig | None = None,
                       on_page: Callable[[int], None] | None = None,
                       cancel: threading.Event | None = None) -> tuple[list[Page], bool]:
    """Scan (F8); stopped on the way (Esc), the pages scanned so far are kept: (pages, stopped)."""
    try:
        return scan_pages(store, config=config, on_page=on_page, cancel=cancel), False
    except sane.ScanCancelled as exc:
        return files.load_files(exc.pages, source="máy quét"), True


#: what the F3 screen shows of pages (it imports no scanning adapter itself)
ScanCancelled = sane.ScanCancelled
human_size = files.human_size
thumbnail = files.thumbnail


def import_pages(paths: Iterable[Path | str], on_file: Callable[[int, int], None] | None = None,
                 cancel: threading.Event | None = None, source: str = "tệp") -> list[Page]:
    """Check files (JPEG/PNG/PDF) and return their pages; one bad file stops the import (nothing added)."""
    paths = list(paths)
    pages: list[Page] = []
    for i, p in enumerate(paths, start=1):
        if cancel is not None and cancel.is_set():
            raise sane.ScanCancelled([])
        pages.extend(files.load_file(p, source))
        if on_file:
            on_file(i, len(paths))
    return pages


def watched_pages(store: Store, config: ScannerConfig | None = None, interval: float = 0.5) -> list[Page]:
    """Pages of the files a network scanner finished writing into the watched folder (oldest first)."""
    cfg = config or scanner_config(store)
    folder = WatchFolder(Path(cfg.watch_dir) if cfg.watch_dir else Path(""))
    ready = folder.wait_ready(interval)
    if not ready:
        if folder.candidates():
            raise CounterError("Máy quét vẫn đang ghi tệp vào thư mục quét, thử lại sau giây lát.")
        raise CounterError(f"Thư mục quét {cfg.watch_dir} chưa có tệp mới.")
    return import_pages(ready, source="thư mục quét")


def watched_done(store: Store, pages: list[Page], config: ScannerConfig | None = None) -> None:
    """After a save: move the watched-folder files that went into it to `đã nhập/`."""
    cfg = config or scanner_config(store)
    if not cfg.watch_dir:
        return
    root = Path(cfg.watch_dir).resolve()
    used = sorted({p.path for p in pages if p.source == "thư mục quét" and p.path.parent.resolve() == root})
    WatchFolder(root).done(used)


def discard_spool(store: Store, pages: Iterable[Page]) -> None:
    """Remove scanned page files (and their emptied spool folders) once saved or dropped."""
    spool = (store.data_dir / "spool").resolve()
    for p in pages:
        if p.source == "máy quét" and spool in p.path.resolve().parents:
            p.path.unlink(missing_ok=True)
            try:
                p.path.parent.rmdir()
            except OSError:
                pass


# ---- saving ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScanResult:
    code: str
    position: int
    name: str
    sha256: str
    pages: int
    size: int
    digitization: int
    summary: str  # "đã số hóa x/y"


def _document(session: Session, actor: Actor, code: str, position: int) -> tuple[Dossier, Any]:
    row = session.exec(select(Dossier).where(Dossier.code == code.strip().upper())).first()
    if row is None:
        raise NotFound(f"Không tìm thấy hồ sơ “{code.strip()}”.")
    if row.office_id != actor.office_id:
        raise CounterError(f"Hồ sơ “{row.code}” thuộc cơ quan khác ({row.office_id}).")
    doc = session.execute(sa.text("SELECT position, name, digitization, blobs FROM dossier_documents "
                                  "WHERE dossier_id = :d AND position = :p"), {"d": row.id, "p": position}).first()
    if doc is None:
        raise NotFound(f"Hồ sơ “{row.code}” không có thành phần số {position}.")
    return row, doc


def _summary(session: Session, dossier_id: str) -> str:
    done, total = session.execute(sa.text(
        "SELECT SUM(digitization > 0 AND blobs != '[]'), COUNT(*) FROM dossier_documents WHERE dossier_id = :d"),
        {"d": dossier_id}).one()
    return f"đã số hóa {done or 0}/{total}"


_INSERT_BLOB = sa.text("INSERT INTO blobs(sha256, size, mime, pages, created_at) VALUES (:s, :z, :m, :p, :c) "
                       "ON CONFLICT(sha256) DO NOTHING")


def _precheck(store: Store, actor: Actor, code: str, position: int) -> None:
    """Refuse before writing any file: permission, dossier, item, status."""
    require(actor.role, Action.DIGITIZE)
    with store.read() as session:
        row, _ = _document(session, actor, code, position)
        if not _allowed(row.status):
            raise CounterError(f"Không thể số hóa giấy tờ khi hồ sơ đang ở trạng thái "
                               f"“{STATUS_LABELS[Status(row.status)]}”.")


def record_blob(session: Session, store: Store, sha: str, size: int, pages: int,
                mime: str = "application/pdf") -> None:
    """The `blobs` row of a file already put in the blob store, inside the caller's write transaction (with the
    event that refers to it)."""
    session.execute(_INSERT_BLOB, {"s": sha, "z": size, "m": mime, "p": pages, "c": _utc_text(store)})


def save_pages(store: Store, actor: Actor, code: str, position: int, pages: list[Page]) -> ScanResult:
    """Pages -> one PDF -> blob store -> blob row + `document_scanned` event in one transaction."""
    _precheck(store, actor, code, position)
    data, count = files.build_pdf(pages)
    sha = put_blob(store, data)
    now = store.clock.now()
    with store.write() as session:
        row, doc = _document(session, actor, code, position)
        record_blob(session, store, sha, len(data), count)
        payload = {"position": position, "name": doc.name, "blobs": [sha], "pages": count,
                   "digitization": 1}
        ev.append(session, actor, row.id, EventKind.DOCUMENT_SCANNED, payload, now, row=row)
        summary = _summary(session, row.id)
        result = ScanResult(row.code, position, doc.name, sha, count, len(data), 1, summary)
    return result


def save_files(store: Store, actor: Actor, code: str, position: int, paths: Iterable[Path | str]) -> ScanResult:
    return save_pages(store, actor, code, position, import_pages(paths))


# ---- reuse of an earlier dossier's file ------------------------------------------------------------------

@dataclass(frozen=True)
class ReuseOffer:
    code: str  # the earlier dossier
    position: int
    name: str
    blobs: tuple[str, ...]
    pages: int
    same_name: bool
    digitization: int  # what the reuse records: 2 (another dossier's paper) or 3 (another dossier's result)


def reuse_offers(store: Store, code: str, position: int) -> list[ReuseOffer]:
    """Files already digitized for the same ID number in earlier dossiers (same paper name first)."""
    d = store.query("SELECT id, owner_id_number FROM dossiers WHERE code = ?", (code.strip().upper(),))
    if not d or not d[0]["owner_id_number"]:
        return []
    doc = store.query("SELECT name FROM dossier_documents WHERE dossier_id = ? AND position = ?",
                      (d[0]["id"], position))
    want = fold(doc[0]["name"]) if doc else ""
    rows = store.query(
        "SELECT o.code, x.position, x.name, x.blobs, x.digitization FROM dossiers o "
        "JOIN dossier_documents x ON x.dossier_id = o.id "
        "WHERE o.owner_id_number = ? AND o.id != ? AND x.digitization > 0 AND x.blobs != '[]' "
        "ORDER BY o.seq DESC LIMIT 200", (d[0]["owner_id_number"], d[0]["id"]))
    offers, seen = [], set()
    for r in rows:
        blobs = tuple(json.loads(r["blobs"]))
        if blobs in seen:
            continue
        seen.add(blobs)
        marks = ",".join("?" * len(blobs))
        pages = sum(x["pages"] for x in store.query(f"SELECT pages FROM blobs WHERE sha256 IN ({marks})", blobs))
        offers.append(ReuseOffer(r["code"], r["position"], r["name"], blobs, pages, fold(r["name"]) == want, 2))
    offers.sort(key=lambda o: not o.same_name)  # stable: newest first within each group
    from counter.services.signing import reusable_results  # issue 20: earlier dossiers' electronic results

    for result in reusable_results(store, code):
        if (result.sha256,) not in seen:
            seen.add((result.sha256,))
            offers.append(ReuseOffer(result.code, 0, result.name, (result.sha256,), result.pages,
                                     fold(result.name) == want, 3))
    return offers


def take_offer(store: Store, actor: Actor, code: str, position: int, offer: ReuseOffer) -> ScanResult:
    """Take a reuse offer: another dossier's paper (code 2) or its electronic result (code 3)."""
    if offer.digitization == 3:
        from counter.services.signing import reuse_result

        return reuse_result(store, actor, code, position, offer.code, offer.blobs[0])  # type: ignore[no-any-return]
    return reuse(store, actor, code, position, offer.code, offer.position)


def reuse(store: Store, actor: Actor, code: str, position: int, from_code: str, from_position: int,
          result: bool = False) -> ScanResult:
    """Link an earlier dossier's file to this item (code 2, or 3 when it is that dossier's result): the same
    ID number is required, and the file must still be in the store and match its hash."""
    _precheck(store, actor, code, position)
    now = store.clock.now()
    with store.write() as session:
        row, doc = _document(session, actor, code, position)
        src, src_doc = _document(session, actor, from_code, from_position)
        if src.id == row.id:
            raise CounterError("Chỉ tái sử dụng tệp của hồ sơ khác.")
        if not row.owner_id_number or src.owner_id_number != row.owner_id_number:
            raise CounterError("Chỉ tái sử dụng giấy tờ của cùng một người (số định danh/CCCD phải trùng).")
        blobs = json.loads(src_doc.blobs)
        if not blobs or not src_doc.digitization:
            raise CounterError(f"Thành phần {from_position} của hồ sơ {src.code} chưa được số hóa.")
        pages = 0
        for sha in blobs:
            get_blob(store, sha)  # present and intact, or a clear error
            pages += session.execute(sa.text("SELECT pages FROM blobs WHERE sha256 = :s"), {"s": sha}).scalar() or 0
        code_ = 3 if result else 2
        payload = {"position": position, "name": doc.name, "blobs": blobs, "pages": pages,
                   "digitization": code_, "from_code": src.code, "from_position": from_position}
        ev.append(session, actor, row.id, EventKind.DOCUMENT_SCANNED, payload, now, row=row)
        size = sum(blob_path(store, s).stat().st_size for s in blobs)
        return ScanResult(row.code, position, doc.name, blobs[0], pages, size, code_, _summary(session, row.id))


# ---- OCR (search only) -----------------------------------------------------------------------------------

def ocr_blob(store: Store, sha: str, lang: str = "vie") -> int:
    """OCR a stored PDF and keep its folded text for search; returns the number of characters."""
    from counter.scanning.ocr import ocr_pdf

    text = ocr_pdf(blob_path(store, sha), lang)
    folded = " ".join(fold(text).split())
    with store.write() as session:
        session.execute(sa.text("INSERT INTO blob_texts(sha256, folded, created_at) VALUES (:s, :f, :c) "
                                "ON CONFLICT(sha256) DO UPDATE SET folded = excluded.folded"),
                        {"s": sha, "f": folded, "c": _utc_text(store)})
    return len(folded)


def _utc_text(store: Store) -> str:
    return store.clock.now().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def search_ocr(store: Store, text: str, limit: int = 20) -> list[str]:
    """Dossier codes whose digitized papers' OCR text holds every word (accent-insensitive)."""
    words = [w for w in re.split(r"[^0-9a-z]+", fold(text)) if w]
    if not words:
        return []
    cond = " AND ".join("t.folded LIKE ?" for _ in words)
    rows = store.query(
        "SELECT DISTINCT d.code, d.seq FROM blob_texts t JOIN dossier_documents x ON x.blobs LIKE '%' || t.sha256 || '%' "
        f"JOIN dossiers d ON d.id = x.dossier_id WHERE {cond} ORDER BY d.seq DESC LIMIT ?",
        (*[f"%{w}%" for w in words], limit))
    return [r["code"] for r in rows]


def open_with_viewer(path: Path) -> bool:
    """Open a file with the desktop's viewer (xdg-open); False when there is none (say where the file is)."""
    opener = shutil.which("xdg-open") or shutil.which("open")
    if opener is None or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or opener.endswith("/open")):
        return False
    try:
        subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except OSError:
        return False
    return True


__all__ = ["Page", "PageError"]


# ---- demo ------------------------------------------------------------------------------------------------

def digitize_demo(store: Store, actor: Actor, limit: int = 6) -> int:
    """A few recent open dossiers of the demo get their first paper digitized (a drawn A5 page at 100 dpi)."""
    from PIL import Image, ImageDraw, ImageFont

    import counter.printing

    rows = store.query("SELECT d.code, x.position, x.name, d.owner_name FROM dossiers d JOIN dossier_documents x "
                       "ON x.dossier_id = d.id WHERE d.status IN (2, 4) AND x.position = 1 "
                       "ORDER BY d.seq DESC LIMIT ?", (limit,))
    font = ImageFont.truetype(str(Path(counter.printing.__file__).parent / "fonts" / "DejaVuSans.ttf"), 22)
    spool = spool_dir(store)
    made = 0
    try:
        for r in rows:
            im = Image.new("L", (583, 827), 255)
            d = ImageDraw.Draw(im)
            y = 40
            for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "", r["name"].upper()[:40],
                         "", f"Họ tên: {r['owner_name']}", f"Hồ sơ: {r['code']}", "(bản quét mẫu)"):
                d.text((40, y), line, font=font, fill=0)
                y += 36
            path = spool / f"{r['code']}.jpg"
            im.save(path, "JPEG", quality=80, dpi=(100, 100))
            save_pages(store, actor, r["code"], r["position"], import_pages([path], source="máy quét"))
            made += 1
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    return made
