"""The station's store: data directory, SQLite engine, clock. Opened explicitly, never at import."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter import db
from counter.domain.clock import Clock, SystemClock
from counter.domain.errors import CounterError
from counter.fsutil import PRIVATE_FILE, private_dir, private_umask

if TYPE_CHECKING:  # imported when the store is first used through SQLAlchemy (Store.engine)
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

STATION_KEY = "station_id"  # sync_state: this file's station id, written when the store is initialised


class StoreError(CounterError):
    pass


class NotFound(CounterError):
    pass


@dataclass(frozen=True)
class Actor:
    """Who is acting: the logged-in user at this station."""

    user_id: int
    username: str
    full_name: str
    role: str
    office_id: str
    station_id: str


DISK_FULL = "Đĩa đã đầy: không ghi được vào kho dữ liệu, không có gì thay đổi. Giải phóng dung lượng đĩa rồi thử lại."


def _disk_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < 1024 * 1024
    except OSError:
        return False


def failure_message(exc: BaseException) -> str | None:
    """What to tell the clerk when the store, the disk or the input itself gives out: another program holds
    the store's lock, the disk is full, a number does not fit SQLite's 64 bits, a document is nested too deep.
    None for anything else (a bug, which must stay visible). The write transaction was rolled back whole, so
    every message can say nothing changed."""
    import errno

    orig = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the sqlite3 error
    text = str(orig).lower()
    if (isinstance(orig, OSError) and orig.errno in (errno.ENOSPC, errno.EDQUOT)) or "disk is full" in text:
        return DISK_FULL
    if isinstance(orig, sqlite3.Error) or isinstance(exc, sqlite3.Error) or type(orig).__module__.startswith(
            "sqlalchemy"):
        if "locked" in text or "busy" in text:
            return (f"Kho dữ liệu đang bị một chương trình khác giữ khóa (đã chờ {db.lock_wait():g} giây): không "
                    "có gì thay đổi. Đóng chương trình kia hoặc đợi nó xong rồi thử lại.")
        if "readonly" in text or "read-only" in text:
            return "Kho dữ liệu chỉ cho đọc (kiểm tra quyền ghi của tệp và thư mục): không có gì thay đổi."
        if "too complex" in text or "too big" in text or "too large" in text:
            return "Nội dung nhập quá dài hoặc quá phức tạp để xử lý: hãy rút gọn."
        if "malformed" in text or "not a database" in text:
            return "Tệp dữ liệu bị hỏng: khôi phục từ bản sao lưu (counter restore)."
        if "disk i/o" in text:
            return "Lỗi đọc/ghi đĩa khi dùng kho dữ liệu (đĩa đầy hoặc hỏng?): không có gì thay đổi."
    if isinstance(orig, (OverflowError, ValueError)) and ("date" in text or "year" in text) \
            and "range" in text:
        return "Ngày nằm ngoài khoảng cho phép: không có gì thay đổi."
    if isinstance(orig, OverflowError):
        return "Số quá lớn: không có gì thay đổi."
    if isinstance(orig, RecursionError):
        return "Dữ liệu lồng nhau quá sâu, không đọc được: không có gì thay đổi."
    return None


def _private_files(path: Path) -> None:
    """The SQLite file and its -wal/-shm to 0600 (SQLite creates -wal/-shm with the main file's mode)."""
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if p.stat().st_mode & 0o077:
                p.chmod(PRIVATE_FILE)
        except OSError:  # absent, or not ours: `counter doctor` reports it
            pass


@dataclass
class Store:
    data_dir: Path
    _engine: Any = field(default=None, repr=False)  # Store.engine: made at the first use
    clock: Clock = field(default_factory=SystemClock)
    _local: threading.local = field(default_factory=threading.local, repr=False)
    #: failed logins of user names no account has (auth.login counts them like an account's)
    unknown_logins: dict = field(default_factory=dict, repr=False)
    #: the blob store the composition root gave it (services/blobs.py; None: the folder of the data dir)
    blobs: object = field(default=None, repr=False)

    #: the folder `open(create=True)` made (or emptied) for this store: what `discard` removes
    _made: Path | None = field(default=None, repr=False)
    _made_folder: bool = field(default=False, repr=False)
    _engine_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, made at its first use: a command that only reads through `query` (a CLI search
        with a session ticket) never imports SQLAlchemy (issue 21)."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = db.open_engine(self.db_path)
        return self._engine

    @classmethod
    def open(cls, data_dir: Path | str, clock: Clock | None = None, migrate: bool = True,
             create: bool = False) -> Store:
        """The store of an existing data folder; a file that is not a counter store (an empty file, another
        program's SQLite file) is refused untouched. `create` (init, demo): a new store, only in a new or empty
        folder."""
        data_dir = Path(data_dir).expanduser()
        private_umask()  # whatever counter (and SQLite, scanimage, the log) creates from now on: 0600 / 0700
        path = data_dir / db.DB_FILE
        made: tuple[Path, bool] | None = None
        if create:
            made = _new_folder(data_dir)
            try:
                private_dir(data_dir)
            except OSError as exc:
                raise StoreError(f"Không tạo được thư mục dữ liệu {data_dir}: {exc.strerror}") from None
        else:
            if not path.is_file():
                raise StoreError(f"Chưa có kho dữ liệu tại {data_dir} (tạo kho mới bằng “counter init”)")
            if not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
                raise StoreError(f"Không đọc/ghi được thư mục dữ liệu {data_dir} (kiểm tra quyền truy cập)")
            if not os.access(path, os.R_OK | os.W_OK):
                raise StoreError(f"Không đọc/ghi được tệp dữ liệu {path} (kiểm tra quyền truy cập)")
            problem = db.store_file_problem(path)
            if problem and _disk_full(data_dir):  # SQLite cannot even make its -shm file: not a foreign file
                raise StoreError(DISK_FULL)
            if problem:
                raise StoreError(f"Tệp dữ liệu {path} {problem}: đây không phải kho của counter, counter không "
                                 "ghi gì vào tệp này. Kiểm tra lại --data-dir.")
            try:
                private_dir(data_dir)  # an existing folder is tightened to 0700
            except OSError:  # not ours to change: `counter doctor` reports it
                pass
        _private_files(path)
        store = cls(data_dir=data_dir, clock=clock or SystemClock())
        if made is not None:
            store._made, store._made_folder = made
        if migrate:
            try:
                if create or db.file_revision(path) != db.HEAD:  # at HEAD: no engine, no Alembic
                    db.upgrade(store.engine)
            except Exception as exc:  # a corrupt file: say so, do not touch it further
                if create:
                    store.discard()
                store.close()
                if _disk_full(data_dir):
                    raise StoreError(DISK_FULL) from None
                message = failure_message(exc)
                if message is not None:  # locked by another program, a full disk: the file itself is fine
                    raise StoreError(message) from None
                raise StoreError(f"Tệp dữ liệu {path} không đọc được hoặc không phải kho của counter: {exc}") from None
            from counter.services import token_store

            try:
                if token_store.in_database(path):  # stores made before the token left the database
                    token_store.move_out_of_database(store.engine, data_dir)
            except Exception:  # a full disk or a locked file: it stays until the next open; `counter doctor` says so
                pass
        _private_files(path)  # the -wal/-shm SQLite just made (it gives them the main file's mode)
        return store

    def discard(self) -> None:
        """Undo `open(create=True)` after a failed init: remove the folder it made (or empty the empty folder it
        was given), so nothing half-made is left."""
        self.close()
        made, self._made = self._made, None
        if made is None:
            return
        if self._made_folder:
            shutil.rmtree(made, ignore_errors=True)
            return
        for entry in list(made.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    @property
    def db_path(self) -> Path:
        return self.data_dir / db.DB_FILE

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    def query(self, sql: str, params: dict | tuple = ()) -> list[sqlite3.Row]:
        """Read-only SQL on a per-thread sqlite3 connection: the hot lookups (search) skip the ORM's
        per-call overhead, which is 30× the indexed query itself."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
            con.execute("PRAGMA query_only=ON")
            con.row_factory = sqlite3.Row
            self._local.con = con
        return con.execute(sql, params).fetchall()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with db.read_session(self.engine) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with db.write_session(self.engine) as session:
            yield session

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        con = getattr(self._local, "con", None)
        if con is not None:  # this thread's read-only connection (`query`)
            con.close()
            self._local.con = None

    def is_initialized(self) -> bool:
        """Whether the store has its office and station (init or demo ran): one plain read."""
        return bool(self.query("SELECT 1 FROM sync_state WHERE key = ?", (STATION_KEY,)))


def _new_folder(data_dir: Path) -> tuple[Path, bool]:
    """Make sure `data_dir` is new or empty and exists. Returns what to remove if what follows fails: (the
    topmost folder made here, True), or (`data_dir`, False) when it was there already, empty."""
    if data_dir.exists() and not data_dir.is_dir():
        raise StoreError(f"Không tạo được thư mục dữ liệu {data_dir}: đã có một tệp cùng tên")
    if data_dir.is_dir():
        try:
            entries = sorted(p.name for p in data_dir.iterdir())
        except OSError as exc:
            raise StoreError(f"Không đọc được thư mục dữ liệu {data_dir}: {exc.strerror}") from None
        if db.DB_FILE in entries:
            raise StoreError(f"Thư mục {data_dir} đã có dữ liệu (tệp {db.DB_FILE}); không tạo kho mới đè lên: "
                             "dùng kho đã có, hoặc chọn một thư mục trống khác.")
        if entries:
            shown = ", ".join(entries[:3]) + (" …" if len(entries) > 3 else "")
            raise StoreError(f"Thư mục {data_dir} không trống (có {shown}); kho dữ liệu mới chỉ được tạo trong "
                             "thư mục trống hoặc chưa có.")
        if not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
            raise StoreError(f"Không đọc/ghi được thư mục dữ liệu {data_dir} (kiểm tra quyền truy cập)")
        return data_dir, False
    top = data_dir
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    try:
        data_dir.mkdir(parents=True)
    except OSError as exc:
        raise StoreError(f"Không tạo được thư mục dữ liệu {data_dir}: {exc.strerror}") from None
    return top, True
