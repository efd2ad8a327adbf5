"""A PostgreSQL server for tests: COUNTER_TEST_PG when set (CI), else a throwaway cluster in a temp dir.

    pg_url            session fixture: a URL (postgresql+psycopg://...) of a server we may CREATE DATABASE on
    pg_database       function fixture: a factory, `pg_database()` -> the URL of a new, empty database
    central_template  session fixture: the name of a database migrated once (tests/central, tests/sync copy it)

Under pytest-xdist each worker process starts (and stops) a cluster of its own.

The throwaway cluster is made with initdb + pg_ctl from /usr/lib/postgresql/*/bin, run as the `postgres` OS
user when we are root (PostgreSQL refuses to run as root), on a free 127.0.0.1 port, and stopped at the end.
Tests skip with a clear reason only when no PostgreSQL binaries exist.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _exit_on_sigterm(signum, frame):  # type: ignore[no-untyped-def]
    raise SystemExit(128 + signum)


def _as_pg_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class TempCluster:
    """initdb + pg_ctl start in a temp dir; `stop()` removes it."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="counter-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")

    def start(self) -> str:
        # stop the cluster however this process ends: normal exit, or SIGTERM (e.g. `timeout`), which by
        # default kills Python without running finally blocks and would leave the server running
        atexit.register(self.stop)
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(_as_pg_user([str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust",
                                    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                       check=True, capture_output=True)
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.dir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(_as_pg_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                                    "-o", opts, "-w", "-t", "60", "start"]), check=True, capture_output=True)
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if not self.dir.exists():
            return
        subprocess.run(_as_pg_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                                    "stop"]), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def _normalize(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def server_url() -> tuple[str, TempCluster | None] | None:
    """A PostgreSQL server: COUNTER_TEST_PG when set, else a throwaway cluster (the caller stops it);
    None when PostgreSQL is not installed."""
    env = os.environ.get("COUNTER_TEST_PG")
    if env:
        return _normalize(env), None
    bin_dir = _bin_dir()
    if bin_dir is None:
        return None
    cluster = TempCluster(bin_dir)
    try:
        return cluster.start(), cluster
    except subprocess.CalledProcessError as exc:
        cluster.stop()
        raise RuntimeError(f"không khởi động được PostgreSQL tạm: {exc.stderr!r}") from exc


@pytest.fixture(scope="session")
def pg_url():
    found = server_url()
    if found is None:
        pytest.skip("PostgreSQL không có sẵn: đặt COUNTER_TEST_PG hoặc cài postgresql (initdb, pg_ctl)")
    url, cluster = found
    yield url
    if cluster is not None:
        cluster.stop()


_counter = itertools.count(1)


def create_database(server_url: str, template: str | None = None) -> str:
    """CREATE DATABASE on the server (a copy of `template`, a database name, when given); returns its URL."""
    import sqlalchemy as sa

    name = f"t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        engine.dispose()
    head, _, _ = server_url.rpartition("/")
    return f"{head}/{name}"


@pytest.fixture
def pg_database(pg_url):
    """A factory of new databases on the test server (dropped with the throwaway cluster): empty, or a copy of
    a template database (`pg_database(template="name")`, e.g. one migrated once per session)."""
    return lambda template=None: create_database(pg_url, template)


@pytest.fixture(scope="session")
def central_template(pg_url) -> str:
    """A central database migrated once per session; each test gets a copy (CREATE DATABASE ... TEMPLATE)."""
    from counter.central import db as central_db
    from tests.helpers.central import add_server_users

    url = create_database(pg_url)
    engine = central_db.make_engine(url, pool_size=1)
    central_db.upgrade(engine)
    add_server_users(engine)  # the test office's users: the server judges every event by its actor
    engine.dispose()
    return url.rpartition("/")[2]
