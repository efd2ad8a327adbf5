"""Issue 22: the deployment, tested. deploy/nginx.conf (Debian's nginx) in front of two `counter serve` processes
on PostgreSQL with the blob store in S3 (SeaweedFS): pushes, pulls, a file downloaded by another station, the
rate limit and the tracking page behave through it as against one process. And one server through PgBouncer in
transaction mode (the server keeps no session state in PostgreSQL). Services start once for the module."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from counter.services import digitize as dg
from counter.services import sync as sync_service
from counter.services.remote_blobs import ensure_blob
from tests.conftest import NOW, OFFICE, actor_for, receive
from tests.helpers.images import jpeg
from tests.pg import create_database
from tests.s3 import s3_server  # noqa: F401  (fixture)
from tests.sync.conftest import make_station

pytestmark = [pytest.mark.pg, pytest.mark.process, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout  # readiness wait, not a timed assertion
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(log.read_text(errors="replace")[-3000:])
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(log.read_text(errors="replace")[-3000:])


def counter(*args: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run([sys.executable, "-m", "counter", *args], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


class Processes:
    def __init__(self, tmp: Path):
        self.tmp, self.procs = tmp, []

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path]:
        log = self.tmp / f"{name}.log"
        proc = subprocess.Popen(args, stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
                                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
        self.procs.append(proc)
        return proc, log

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


def serve(procs: Processes, name: str, db: str, port: int, env: dict[str, str], *extra: str) -> None:
    proc, log = procs.start(name, [sys.executable, "-m", "counter", "serve", "--db", db, "--port", str(port),
                                   *extra], env=env)
    wait_http(f"http://127.0.0.1:{port}/readyz", proc, log)


@pytest.fixture(scope="module")
def province(pg_url, central_template, s3_server, tmp_path_factory):  # noqa: F811
    """nginx on a free port in front of two workers; (base, worker urls, db, env)."""
    if not Path(NGINX).exists():
        pytest.skip("nginx không có sẵn: apt-get install nginx-light")
    tmp = tmp_path_factory.mktemp("province")
    db = create_database(pg_url, central_template)
    blob_url = s3_server.bucket()
    env = {**s3_server.env(), "COUNTER_SERVER__BLOB_URL": blob_url,
           "COUNTER_SERVER__FORWARDED_ALLOW_IPS": "127.0.0.1", "COUNTER_SERVER__TRACK_RATE": "0.01",
           "COUNTER_SERVER__TRACK_BURST": "6", "COUNTER_SERVER__JSON_LOGS": "true"}
    counter("serve", "new-epoch", "--db", db)
    procs = Processes(tmp)
    workers = [free_port(), free_port()]
    try:
        for i, port in enumerate(workers):
            serve(procs, f"worker{i}", db, port, env)
        front = free_port()
        conf = (ROOT / "deploy" / "nginx.conf").read_text()
        conf = conf.replace("127.0.0.1:8781", f"127.0.0.1:{workers[0]}").replace("127.0.0.1:8782",
                                                                                  f"127.0.0.1:{workers[1]}")
        conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{front};").replace("worker_processes auto;",
                                                                                  "worker_processes 1;")
        (tmp / "nginx.conf").write_text(conf)
        proc, log = procs.start("nginx", [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e",
                                          str(tmp / "nginx-error.log"), "-g",
                                          f"daemon off; pid {tmp / 'nginx.pid'};"])
        wait_http(f"http://127.0.0.1:{front}/healthz", proc, log)
        yield {"base": f"http://127.0.0.1:{front}", "workers": [f"http://127.0.0.1:{p}" for p in workers],
               "db": db, "tmp": tmp, "s3": s3_server, "blob_url": blob_url}
    finally:
        procs.stop()


def station(tmp: Path, name: str, number: int, db: str, base: str):
    store = make_station(tmp / name, number)
    token = counter("serve", "token", "add", "--office", OFFICE, "--station", str(number), "--db", db)
    sync_service.setup(store, base, token.strip().splitlines()[-1])
    return store


def sync(store) -> sync_service.CycleReport:
    with sync_service.client_for(store) as client:
        return sync_service.run_cycle(store, client)


def test_two_stations_sync_and_share_a_file_through_nginx_and_two_workers(province):
    base, tmp = province["base"], province["tmp"]
    s1 = station(tmp, "s1", 1, province["db"], base)
    s2 = station(tmp, "s2", 2, province["db"], base)
    try:
        clerk = actor_for(s1, "canbo")
        codes = [receive(s1, clerk, name=f"Nguyễn Văn {n}") for n in ("An", "Bình", "Cường")]
        sha = dg.save_pages(s1, clerk, codes[0], 1, dg.import_pages([jpeg(tmp / "p.jpg")])).sha256
        assert sync(s1).accepted == 4
        receive(s2, actor_for(s2, "canbo"), name="Trần Thị Dung")
        sync(s2)
        sync(s1)
        for s in (s1, s2):
            assert sync_service.status(s).pending == 0
            assert len(s.query("SELECT id FROM dossiers")) == 4
        # the scan is in the S3 store (SeaweedFS), not in PostgreSQL's table
        bucket, _, prefix = province["blob_url"].removeprefix("s3://").partition("/")
        head = province["s3"].client().head_object(Bucket=bucket, Key=f"{prefix}/{sha[:2]}/{sha[2:]}")
        assert head["ContentLength"] == len(dg.get_blob(s1, sha))
        with sa.create_engine(province["db"]).connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM central_blobs WHERE sha256 = :s AND data IS NOT NULL"),
                                {"s": sha}).scalar() == 0
        assert not (s2.blob_dir / sha[:2] / sha[2:]).exists()
        path = ensure_blob(s2, sha)  # station 2 lacks it: fetched through nginx, from the S3 store
        assert path.read_bytes() == dg.get_blob(s1, sha)
        for name in ("s1", "s2"):  # `counter blobs verify` passes on both
            out = counter("blobs", "verify", "--data-dir", str(tmp / name))
            assert re.search(r"Toàn vẹn: [1-9]\d* tệp số hóa khớp mã băm; 0 tệp mồ côi", out), out
        # both workers served stations' requests (nginx spread them)
        for w in province["workers"]:
            text = httpx.get(f"{w}/metrics").text
            served = sum(float(v) for v in re.findall(r'counter_http_requests_total\{route="/api/v1/[^"]+",'
                                                      r'status="\d+"\} (\S+)', text))
            assert served > 0, w
        # /metrics is for the private network: nginx lets 127.0.0.1 in (the test) and nobody else
        assert httpx.get(f"{base}/metrics").status_code == 200
    finally:
        s1.close()
        s2.close()


def test_the_tracking_page_and_the_rate_limit_are_the_same_through_nginx(province):
    base, tmp = province["base"], province["tmp"]
    s1 = station(tmp, "s3", 3, province["db"], base)
    try:
        code = receive(s1, actor_for(s1, "canbo"), name="Lê Thị Hoa")
        sync(s1)
        token = s1.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]
        direct = httpx.get(f"{province['workers'][0]}/t/{token}")  # a peer that is no proxy: its own bucket
        through = httpx.get(f"{base}/t/{token}", headers={"X-Forwarded-For": "198.51.100.1"})
        assert direct.status_code == through.status_code == 200
        assert direct.text == through.text and "x-request-id" in through.headers
        # one bucket for this client through both workers, whatever X-Forwarded-For it invents
        codes = [httpx.get(f"{base}/api/v1/track/{token}", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i in range(8)]
        assert codes.count(429) >= 3 and codes[0] == 200 and codes[-1] == 429
    finally:
        s1.close()


@pytest.fixture(scope="module")
def bouncer(pg_url, central_template, tmp_path_factory):
    if not Path(PGBOUNCER).exists():
        pytest.skip("pgbouncer không có sẵn: apt-get install pgbouncer")
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="counter-bouncer-"))  # readable by the postgres user (pytest's is not)
    db = create_database(pg_url, central_template)
    pg = httpx.URL(db.replace("postgresql+psycopg://", "http://"))
    port = free_port()
    user = pg.username or "postgres"
    (tmp / "users.txt").write_text(f'"{user}" ""\n')
    (tmp / "pgbouncer.ini").write_text(f"""[databases]
* = host=127.0.0.1 port={pg.port}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {tmp / 'users.txt'}
pool_mode = transaction
max_client_conn = 200
default_pool_size = 4
""")
    args = [PGBOUNCER, str(tmp / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        shutil.chown(tmp, "postgres")
        for f in tmp.iterdir():
            shutil.chown(f, "postgres")
        args = [PGBOUNCER, "-u", "postgres", str(tmp / "pgbouncer.ini")]
    procs = Processes(tmp)
    try:
        proc, log = procs.start("pgbouncer", args)
        deadline = time.monotonic() + 30  # readiness wait
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text(errors="replace")) from None
                time.sleep(0.1)
        via = f"postgresql+psycopg://{user}@127.0.0.1:{port}/{db.rpartition('/')[2]}?pgbouncer=transaction"
        counter("serve", "new-epoch", "--db", db)  # release steps against PostgreSQL itself
        web = free_port()
        serve(procs, "serve", via, web, {"COUNTER_SERVER__TRACK_RATE": "1000", "COUNTER_SERVER__POOL_SIZE": "3"})
        yield {"base": f"http://127.0.0.1:{web}", "db": db, "tmp": tmp}
    finally:
        procs.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_server_through_pgbouncer_in_transaction_mode(bouncer):
    tmp = bouncer["tmp"]
    stores = [station(tmp, f"b{n}", n, bouncer["db"], bouncer["base"]) for n in (1, 2)]
    try:
        for round_ in range(3):  # enough statements for psycopg to prepare them, were it allowed to
            for s in stores:
                receive(s, actor_for(s, "canbo"), name=f"Phạm Văn {('An', 'Bình', 'Cường')[round_]}")
                sync(s)
        for s in stores:
            sync(s)
            assert sync_service.status(s).pending == 0
            assert len(s.query("SELECT id FROM dossiers")) == 6
        r = httpx.get(f"{bouncer['base']}/api/v1/track/XXXX-XXXX")
        assert r.status_code == 404
    finally:
        for s in stores:
            s.close()


def test_nginx_conf_is_valid_for_debian_nginx(tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("nginx không có sẵn")
    out = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(ROOT / "deploy" / "nginx.conf"), "-e",
                          str(tmp_path / "e.log"), "-g", f"pid {tmp_path / 'n.pid'};"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


_ = NOW  # (the tokens' clock is the server's own in these processes)
