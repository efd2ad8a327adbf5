"""Engine and migrations of the central database (PostgreSQL; SQLite for a one-machine demo)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from counter.central.tables import meta

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str) -> str:
    """postgresql:// and postgres:// mean psycopg 3 (the driver we ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, pool_size: int = 10) -> Engine:
    url = normalize_url(url)
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
    return sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=3600)


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config(stdout=sys.stdout)
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def epoch(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.select(meta.c.value).where(meta.c.key == "epoch")).scalar_one()


def new_epoch(engine: Engine) -> str:
    """After restoring the database from a backup: stations then pull from zero and push what is missing."""
    value = secrets.token_hex(4)
    with engine.begin() as conn:
        conn.execute(sa.update(meta).where(meta.c.key == "epoch").values(value=value))
    return value
