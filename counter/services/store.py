"""The station's store: data directory, SQLite engine, clock. Opened explicitly, never at import."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from counter import db
from counter.domain.clock import Clock, SystemClock
from counter.domain.errors import CounterError
from counter.fsutil import PRIVATE_FILE, private_dir, private_umask


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
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def open(cls, data_dir: Path | str, clock: Clock | None = None, migrate: bool = True) -> "Store":
        data_dir = Path(data_dir).expanduser()
        private_umask()  # whatever counter (and SQLite, scanimage, the log) creates from now on: 0600 / 0700
        try:
            private_dir(data_dir)
        except OSError as exc:
            raise StoreError(f"Không tạo được thư mục dữ liệu {data_dir}: {exc.strerror}") from None
        if not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
            raise StoreError(f"Không đọc/ghi được thư mục dữ liệu {data_dir} (kiểm tra quyền truy cập)")
        path = data_dir / db.DB_FILE
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"Không đọc/ghi được tệp dữ liệu {path} (kiểm tra quyền truy cập)")
        _private_files(path)
        engine = db.open_engine(path)
        store = cls(data_dir=data_dir, engine=engine, clock=clock or SystemClock())
        if migrate:
            try:
                db.upgrade(engine)
            except Exception as exc:  # a foreign or corrupt file: say so, do not touch it further
                engine.dispose()
                raise StoreError(f"Tệp dữ liệu {path} không đọc được hoặc không phải kho của counter: {exc}") from None
            from counter.services import token_store

            try:
                token_store.move_out_of_database(engine, data_dir)  # stores made before the token left the database
            except Exception:  # a full disk or a locked file: it stays until the next open; `counter doctor` says so
                pass
        _private_files(path)  # the -wal/-shm SQLite just made (it gives them the main file's mode)
        return store

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
        self.engine.dispose()
