"""`counter backup FILE` and `counter restore FILE`: one tar file holding the store (taken with SQLite's online
backup API, so the app may keep running), its scanned files (blobs/) and the station's sync token.

A restored store is marked so that its next sync asks the central server what it settled for this station
since the backup, takes back its own lost events and renumbers what was made after the restore
(services/sync_recovery.py).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from counter.db import DB_FILE
from counter.domain.errors import CounterError
from counter.fsutil import PRIVATE_DIR, PRIVATE_FILE, private_dir
from counter.services.store import Store

MANIFEST = "counter-backup.json"
FORMAT = 1
BLOBS = "blobs"
TOKEN = "sync-token"


class BackupError(CounterError):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    office_id: str
    station_number: int
    dossiers: int
    events: int
    blobs: int
    made_at: str


def _counts(con: sqlite3.Connection) -> tuple[str, int, int, int]:
    station = con.execute("SELECT s.office_id, s.number FROM sync_state k JOIN stations s ON s.id = k.value "
                          "WHERE k.key = 'station_id'").fetchone()
    dossiers = con.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    events = con.execute("SELECT count(*) FROM dossier_events").fetchone()[0]
    if station is None:
        raise BackupError("Kho dữ liệu chưa được khởi tạo: không có gì để sao lưu")
    return station[0], int(station[1]), int(dossiers), int(events)


def backup(store: Store, dest: Path) -> BackupInfo:
    """Write the backup to `dest` (0600, atomically: a temporary file beside it, renamed when complete)."""
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise BackupError(f"{dest} là một thư mục: cần tên tệp, ví dụ {dest / 'sao-luu.tar'}")
    if not dest.parent.is_dir():
        raise BackupError(f"Không có thư mục {dest.parent}")
    try:
        dest.resolve().relative_to(store.data_dir.resolve())
        raise BackupError("Không ghi bản sao lưu vào chính thư mục dữ liệu: chọn nơi khác (ổ ngoài, thư mục khác)")
    except ValueError:
        pass
    made_at = store.clock.now().astimezone(UTC).isoformat()
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=".tar")
    os.close(fd)
    tmp_path = Path(tmp)
    snap_dir = Path(tempfile.mkdtemp(prefix="counter-backup-"))
    try:
        os.chmod(tmp_path, PRIVATE_FILE)
        snap = snap_dir / DB_FILE
        src = sqlite3.connect(store.data_dir / DB_FILE, timeout=30)
        try:
            dst = sqlite3.connect(snap)
            try:
                src.backup(dst)  # a consistent copy, page by page, while others read and write
                office_id, number, dossiers, events = _counts(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            finally:
                dst.close()
        finally:
            src.close()
        blob_files = sorted(p for p in (store.data_dir / BLOBS).rglob("*") if p.is_file()) \
            if (store.data_dir / BLOBS).is_dir() else []
        from counter.services import token_store

        token = token_store.load(store.data_dir)
        manifest = {"format": FORMAT, "made_at": made_at, "office_id": office_id, "station_number": number,
                    "dossiers": dossiers, "events": events, "blobs": len(blob_files)}
        with tarfile.open(tmp_path, "w") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
            tar.add(snap, arcname=DB_FILE, recursive=False)
            for p in blob_files:
                tar.add(p, arcname=str(PurePosixPath(BLOBS, *p.relative_to(store.data_dir / BLOBS).parts)),
                        recursive=False)
            if token:
                _add_bytes(tar, TOKEN, token.encode("utf-8"))
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, dest)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise BackupError(f"Không ghi được bản sao lưu {dest}: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        tmp_path.unlink(missing_ok=True)
        raise BackupError(f"Không sao được kho dữ liệu: {exc}") from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(snap_dir, ignore_errors=True)
    return BackupInfo(dest, office_id, number, dossiers, events, len(blob_files), made_at)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), PRIVATE_FILE, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _read_manifest(tar: tarfile.TarFile, src: Path) -> dict:
    try:
        member = tar.getmember(MANIFEST)
        f = tar.extractfile(member)
        manifest = json.loads(f.read(1 << 20)) if f is not None else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src} không phải bản sao lưu của counter (thiếu hoặc sai {MANIFEST})")
    return manifest


def _safe_members(tar: tarfile.TarFile, src: Path) -> list[tarfile.TarInfo]:
    out = []
    for m in tar.getmembers():
        parts = PurePosixPath(m.name).parts
        ok = m.isfile() and parts and not m.name.startswith("/") and ".." not in parts and (
            m.name in (MANIFEST, DB_FILE, TOKEN) or (parts[0] == BLOBS and len(parts) == 3))
        if not ok:
            raise BackupError(f"{src} chứa mục lạ “{m.name[:80]}”: không khôi phục (tệp hỏng hoặc không phải "
                              "bản sao lưu của counter)")
        out.append(m)
    if DB_FILE not in {m.name for m in out}:
        raise BackupError(f"{src} không có tệp dữ liệu {DB_FILE}")
    return out


def restore(src: Path, data_dir: Path, *, force: bool = False) -> tuple[BackupInfo, Path | None, int]:
    """Restore `src` into `data_dir`, which must be new or empty; with `force` the folder's current content is
    moved aside (returned) first, never deleted. The restored store is marked for recovery at its next sync.
    Returns (what the backup holds, where the old content went, the store's own last station_seq)."""
    src = Path(src).expanduser()
    data_dir = Path(data_dir).expanduser()
    if not src.is_file():
        raise BackupError(f"Không có tệp sao lưu {src}")
    existing = data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir()))
    if data_dir.exists() and not data_dir.is_dir():
        raise BackupError(f"{data_dir} là một tệp, không phải thư mục")
    if existing and not force:
        raise BackupError(f"Thư mục {data_dir} đã có dữ liệu: khôi phục vào một thư mục mới hoặc trống, hoặc thêm "
                          "--force để chuyển dữ liệu hiện có sang thư mục bên cạnh rồi khôi phục")
    try:
        tar = tarfile.open(src, "r")  # noqa: SIM115 (closed below, after the members are checked)
    except tarfile.TarError:
        raise BackupError(f"{src} không phải bản sao lưu của counter (không đọc được như tệp tar)") from None
    except OSError as exc:
        raise BackupError(f"Không đọc được {src}: {exc.strerror or exc}") from None
    parent = data_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=parent, prefix=f".{data_dir.name}-khoi-phuc-"))
    aside: Path | None = None
    try:
        with tar:
            manifest = _read_manifest(tar, src)
            members = _safe_members(tar, src)
            os.chmod(work, PRIVATE_DIR)
            token = None
            for m in members:
                if m.name == MANIFEST:
                    continue
                f = tar.extractfile(m)
                assert f is not None
                if m.name == TOKEN:
                    token = f.read(4096).decode("utf-8", "replace").strip()
                    continue
                target = work.joinpath(*PurePosixPath(m.name).parts)
                target.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
                with open(target, "wb") as out:
                    os.fchmod(out.fileno(), PRIVATE_FILE)
                    shutil.copyfileobj(f, out)
        from counter.db import store_file_problem

        problem = store_file_problem(work / DB_FILE)
        if problem:
            raise BackupError(f"Tệp dữ liệu trong {src} {problem}: không khôi phục")
        if existing:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            aside = data_dir.with_name(f"{data_dir.name}-truoc-khoi-phuc-{stamp}")
            os.replace(data_dir, aside)
        elif data_dir.exists():
            data_dir.rmdir()  # empty
        os.replace(work, data_dir)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"Không khôi phục được vào {data_dir}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    private_dir(data_dir)
    store = Store.open(data_dir)
    try:
        if token:
            from counter.services import token_store

            token_store.save(data_dir, token)
        from counter.services.sync_recovery import mark_restored

        last = mark_restored(store)
    finally:
        store.close()
    info = BackupInfo(src, str(manifest.get("office_id", "")), int(manifest.get("station_number", 0)),
                      int(manifest.get("dossiers", 0)), int(manifest.get("events", 0)),
                      int(manifest.get("blobs", 0)), str(manifest.get("made_at", "")))
    return info, aside, last
