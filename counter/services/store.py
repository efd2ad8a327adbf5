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


@dataclass
class Store:
    data_dir: Path
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    _local: threading.local = field(default_factory=threading.local, repr=False)
    #: failed logins of user names no account has (auth.login counts them like an account's)
    unknown_logins: dict = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, data_dir: Path | str, clock: Clock | None = None, migrate: bool = True) -> "Store":
        data_dir = Path(data_dir).expanduser()
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Không tạo được thư mục dữ liệu {data_dir}: {exc.strerror}") from None
        if not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
            raise StoreError(f"Không đọc/ghi được thư mục dữ liệu {data_dir} (kiểm tra quyền truy cập)")
        path = data_dir / db.DB_FILE
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"Không đọc/ghi được tệp dữ liệu {path} (kiểm tra quyền truy cập)")
        engine = db.open_engine(path)
        store = cls(data_dir=data_dir, engine=engine, clock=clock or SystemClock())
        if migrate:
            try:
                db.upgrade(engine)
            except Exception as exc:  # a foreign or corrupt file: say so, do not touch it further
                engine.dispose()
                raise StoreError(f"Tệp dữ liệu {path} không đọc được hoặc không phải kho của counter: {exc}") from None
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
