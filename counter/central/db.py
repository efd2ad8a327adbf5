"""Engine and migrations of the central database (PostgreSQL; SQLite for a one-machine demo)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from counter.central.tables import meta
from counter.domain.errors import CounterError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str) -> str:
    """postgresql:// and postgres:// mean psycopg 3 (the driver we ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check_url(url: str) -> str:
    """A central database address as --db or COUNTER_CENTRAL_DB gives it (normalised), or CounterError in
    Vietnamese: sqlite:///FILE or postgresql://user:pass@host:port/db, nothing else."""
    text = normalize_url((url or "").strip())
    example = "ví dụ postgresql://motcua:MẬT_KHẨU@127.0.0.1:5432/motcua hoặc sqlite:///duong/dan/central.sqlite3"
    if not text or len(text) > 2000 or any(not c.isprintable() for c in text):
        raise CounterError(f"Địa chỉ CSDL trung tâm không hợp lệ, {example}")
    try:
        parsed = sa.engine.make_url(text)
        port = parsed.port
    except (sa.exc.ArgumentError, ValueError):
        raise CounterError(f"Địa chỉ CSDL trung tâm không hợp lệ, {example}") from None
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise CounterError(f"CSDL trung tâm phải là PostgreSQL (hoặc SQLite để thử), không phải "
                           f"“{parsed.drivername}”: {example}")
    if port is not None and not 1 <= port <= 65535:
        raise CounterError(f"Cổng của CSDL trung tâm phải từ 1 đến 65535, nhận được {port}")
    if parsed.drivername.startswith("sqlite") and not parsed.database:
        raise CounterError(f"Thiếu tệp của CSDL SQLite, {example}")
    return text


def make_engine(url: str, pool_size: int = 10) -> Engine:
    url = check_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # writers (execution option immediate=True) queue up at BEGIN and never fail at COMMIT
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

        return engine
    # no pre-ping (a round trip per request): a dropped connection fails one request with 503 and the pool
    # throws it away
    # behind PgBouncer in transaction mode (…?pgbouncer=transaction): no server-side prepared statements, which
    # would belong to a session the next transaction may not get; the server keeps no other session state
    parsed = sa.engine.make_url(url)
    connect_args: dict[str, object] = {}
    if parsed.query.get("pgbouncer") == "transaction":
        parsed = parsed.difference_update_query(["pgbouncer"])
        connect_args["prepare_threshold"] = None
    return sa.create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_recycle=3600,
                            connect_args=connect_args)


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config(stdout=sys.stdout)
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


class NotCentralDatabase(CounterError):
    pass


def check_database(engine: Engine) -> None:
    """Refuse, untouched, a database that is not (yet) the central server's: an empty SQLite file (0 bytes) or a
    database holding another program's tables. A new, empty database is made the central one."""
    url = engine.url
    path = Path(url.database or "")
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") and path.is_file():
        # read without the engine: its first connection would switch the file to WAL (a write)
        if path.stat().st_size == 0:
            raise NotCentralDatabase(f"Tệp {path} là tệp rỗng (0 byte): không dùng làm CSDL trung tâm. "
                                     "Xóa tệp hoặc chọn đường dẫn khác.")
        import sqlite3

        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            try:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise NotCentralDatabase(f"Tệp {path} không đọc được ({exc}): không dùng làm CSDL trung tâm.") from None
    else:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
    if tables and meta.name not in tables:  # central_meta: made by the first migration
        shown = ", ".join(sorted(tables)[:3])
        raise NotCentralDatabase(f"CSDL {url.render_as_string(hide_password=True)} đã có bảng của chương trình "
                                 f"khác ({shown}…): không dùng làm CSDL trung tâm, không ghi gì vào đó.")


#: the advisory lock `counter serve migrate` holds: two releases started at once migrate one after the other
MIGRATE_LOCK = 0x636F756E  # "coun"


def upgrade(engine: Engine) -> None:
    from alembic import command

    check_database(engine)
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), "head")
        return
    with engine.connect() as conn:  # a session lock on its own connection, held while alembic migrates
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATE_LOCK})
        conn.commit()
        try:
            command.upgrade(alembic_config(engine), "head")
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATE_LOCK})
            conn.commit()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("central_alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM central_alembic_version")).scalar()


class NotAtHead(CounterError):
    pass


def check_at_head(engine: Engine) -> None:
    """`serve` on PostgreSQL starts only on a schema at the newest migration (`counter serve migrate` is the
    release step): a new worker never runs on a half-migrated or older database."""
    have, want = current_revision(engine), head_revision()
    if have != want:
        raise NotAtHead(f"Lược đồ CSDL trung tâm đang ở phiên bản “{have or 'trống'}”, cần “{want}”: chạy "
                        "`counter serve migrate --db …` trước (một lần cho mỗi lần nâng cấp), rồi chạy lại.")


def epoch(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.select(meta.c.value).where(meta.c.key == "epoch")).scalar_one()


def new_epoch(engine: Engine) -> str:
    """After restoring the database from a backup: stations then pull from zero and push what is missing."""
    value = secrets.token_hex(4)
    with engine.begin() as conn:
        conn.execute(sa.update(meta).where(meta.c.key == "epoch").values(value=value))
    return value
