"""The station's SQLite file: engine with WAL, foreign keys, FULL sync; sessions; Alembic migrations.

Nothing here runs at import time: call `open_engine(path)` or `Store.open(data_dir)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported by what uses it: a CLI command that never opens a session skips it
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

DB_FILE = "counter.sqlite3"
MIGRATIONS = Path(__file__).parent / "migrations"
#: the newest migration; a test checks it against Alembic's own head, so start-up can skip loading Alembic
HEAD = "0011_steps"


_SQLITE_MAGIC = b"SQLite format 3\x00"
#: tables every counter store has had since its first migration
_COUNTER_TABLES = frozenset({"alembic_version", "stations", "dossiers", "dossier_events", "users"})


def store_file_problem(path: Path) -> str | None:
    """Why the existing file at `path` is not a counter store (None when it is one), read without writing:
    an empty file, a file that is not SQLite, or another program's SQLite file is never given our tables."""
    import sqlite3

    try:
        with open(path, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        return f"không đọc được ({exc.strerror})"
    if not head:
        return "là tệp rỗng (0 byte)"
    if head != _SQLITE_MAGIC:
        return "không phải tệp SQLite"
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = con.execute("SELECT version_num FROM alembic_version").fetchone() \
                if "alembic_version" in tables else None
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"không đọc được ({exc})"
    if not tables >= _COUNTER_TABLES or version is None or not str(version[0])[:4].isdigit():  # "0009_online"
        return "là tệp SQLite của chương trình khác (không có các bảng của counter)"
    return None


def lock_wait() -> float:
    """Seconds a write waits for another program's lock on the store before giving up (COUNTER_LOCK_WAIT,
    default 30)."""
    import os

    try:
        return min(max(float(os.environ.get("COUNTER_LOCK_WAIT", "30")), 0.0), 600.0)
    except ValueError:
        return 30.0


def open_engine(path: Path) -> Engine:
    import sqlalchemy as sa
    from sqlalchemy import event

    wait = lock_wait()
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": wait, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Write transactions take the write lock at BEGIN, so two processes never interleave a
        # read-modify-write (code sequences); reads stay deferred and never wait for a writer.
        # On the driver's connection itself: through exec_driver_sql the BEGIN cost about a third of an empty write
        # transaction (its statement events and result object; 225 -> 146 µs measured), on every transaction.
        conn.connection.driver_connection.execute(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

    return engine


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    import sys

    from alembic.config import Config

    cfg = Config(stdout=sys.stdout)  # not Alembic's default, bound to whatever stdout was at its import
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations (skipped when the file is already at HEAD: Alembic is slow to import)."""
    if revision == "head" and current_revision(engine) == HEAD:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def file_revision(path: Path) -> str | None:
    """The store file's migration revision, read with sqlite3 (None: no alembic_version table, or unreadable):
    opening a store at HEAD needs no SQLAlchemy."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])


def current_revision(engine: Engine) -> str | None:
    import sqlalchemy as sa

    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    from sqlmodel import Session

    with Session(engine) as session:
        yield session


def _immediate(engine: Engine) -> Engine:
    """The engine with BEGIN IMMEDIATE, made once per engine and kept on it (execution_options builds a new
    engine object at each call: a tenth of a write transaction's own cost)."""
    found: Engine | None = getattr(engine, "_counter_immediate", None)
    if found is None:
        found = engine.execution_options(immediate=True)
        engine._counter_immediate = found  # type: ignore[attr-defined]
    return found


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction (BEGIN IMMEDIATE): commits on success, rolls back on any error."""
    from sqlmodel import Session

    with Session(_immediate(engine), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
