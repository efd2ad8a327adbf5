"""Portal intake with files (issue 15). Prints one JSON line.

Dossiers per second the national portal's `DongBoHoSoMC` delivery settles on `counter serve` (uvicorn, over
127.0.0.1, PostgreSQL): each dossier checked, its two PDF files fetched from a file server on 127.0.0.1 (a
thread of this script), checked by their bytes (page count) and stored as blobs, then its `registered` event
written by the office's online desk through the same ingest as a station's push, in batches of 100 dossiers.
Against a bare insert of the same rows (the event, the dossier row and the two blobs, one transaction per
dossier, psycopg) into tables of the same shape on the same server, in the same run.

    PYTHONPATH=. .venv/bin/python bench/online.py [--dossiers 300]

PostgreSQL: COUNTER_TEST_PG when set, else a throwaway cluster (tests/pg.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (bench/queue.py shadows queue)

import httpx  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.sync_track import free_port, wait_up  # noqa: E402
from counter.central import db as central_db  # noqa: E402
from counter.central import tables as t  # noqa: E402
from counter.central import tokens  # noqa: E402
from tests.conftest import NOW, OFFICE  # noqa: E402
from tests.helpers.images import blank_pdf  # noqa: E402
from tests.pg import create_database, server_url  # noqa: E402

BATCH = 100


def pdf(n: int, pages: int) -> bytes:
    return blank_pdf(pages, (595, 842), title=f"ho-so-{n}")  # every file its own bytes (its own blob)


def file_server(files: dict[str, bytes]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            data = files.get(self.path)
            if data is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"127.0.0.1:{server.server_address[1]}"


def dossier(n: int, host: str) -> dict:
    return {"MaHoSo": f"000.00.15.H56-261123-{n:04d}", "MaTTHC": "1.001193", "TenTTHC": "Đăng ký khai sinh",
            "KenhThucHien": "2", "ChuHoSo": "Nguyễn Văn An", "LoaiDoiTuong": "1", "MaDoiTuong": "001090123456",
            "SoDienThoai": "0912345678", "Email": "", "TrangThaiHoSo": "1", "NgayNopHoSo": "20261123083000",
            "TaiLieuNop": [{"TenTepDinhKem": "to-khai.pdf", "MaThanhPhanHoSo": "1",
                            "DuongDanTaiTepTin": f"http://{host}/{n}/a.pdf"},
                           {"TenTepDinhKem": "chung-sinh.pdf", "MaThanhPhanHoSo": "2",
                            "DuongDanTaiTepTin": f"http://{host}/{n}/b.pdf"}]}


def bare_insert(url: str, engine_url: str) -> tuple[float, int]:
    """The rows our path wrote (events, dossiers, blobs), inserted again into same-shaped tables, one
    transaction per dossier."""
    engine = central_db.make_engine(engine_url, pool_size=1)
    with engine.connect() as conn:
        events = [dict(r._mapping) for r in conn.execute(sa.select(t.events).order_by(t.events.c.office_seq))]
        dossiers = {r.id: dict(r._mapping) for r in conn.execute(sa.select(t.dossiers))}
        blobs = {r.sha256: dict(r._mapping) for r in conn.execute(sa.select(t.blobs))}
    engine.dispose()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as con:
        con.execute("CREATE TABLE e (id varchar(36) PRIMARY KEY, office_id varchar(40), station_id varchar(36), "
                    "station_seq bigint, dossier_id varchar(36), kind varchar(32), status varchar(10), reason text, "
                    "office_seq bigint, office_prev_hash varchar(64), office_hash varchar(64), base varchar(36), "
                    "content varchar(64), wire text, received_at timestamptz, UNIQUE (station_id, station_seq), "
                    "UNIQUE (office_id, office_seq))")
        con.execute("CREATE INDEX ON e (dossier_id)")
        con.execute("CREATE TABLE d (id varchar(36) PRIMARY KEY, office_id varchar(40), token varchar(40) UNIQUE, "
                    "code varchar(64), head varchar(36), state text, public text, updated_at timestamptz, "
                    "UNIQUE (office_id, code))")
        con.execute("CREATE TABLE b (sha256 varchar(64) PRIMARY KEY, mime varchar(100), size bigint, data bytea, "
                    "created_at timestamptz)")
        con.commit()
        ecols = list(events[0])
        dcols = list(next(iter(dossiers.values())))
        bcols = ["sha256", "mime", "size", "data", "created_at"]
        esql = f"INSERT INTO e ({', '.join(ecols)}) VALUES ({', '.join('%(' + c + ')s' for c in ecols)})"
        dsql = f"INSERT INTO d ({', '.join(dcols)}) VALUES ({', '.join('%(' + c + ')s' for c in dcols)})"
        bsql = f"INSERT INTO b ({', '.join(bcols)}) VALUES ({', '.join('%(' + c + ')s' for c in bcols)})"
        t0 = time.perf_counter()
        for ev in events:
            wire = json.loads(ev["wire"])
            with con.cursor() as cur:
                for f in wire["payload"].get("files", []):
                    cur.execute(bsql, blobs[f["sha256"]])
                cur.execute(dsql, dossiers[ev["dossier_id"]])
                cur.execute(esql, ev)
            con.commit()
        return time.perf_counter() - t0, len(events)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dossiers", type=int, default=300)
    a = ap.parse_args()
    n = min(a.dossiers, 9999)
    found = server_url()
    if found is None:
        raise SystemExit("need PostgreSQL: set COUNTER_TEST_PG or install postgresql")
    server, cluster = found
    proc = None
    files = {}
    for i in range(1, n + 1):
        files[f"/{i}/a.pdf"] = pdf(i, 2)
        files[f"/{i}/b.pdf"] = pdf(i, 1)
    fs, host = file_server(files)
    try:
        url = create_database(server)
        bare_url = create_database(server)
        engine = central_db.make_engine(url, pool_size=2)
        central_db.upgrade(engine)
        token = tokens.add(engine, OFFICE, 0, NOW, portal=True)[1]
        engine.dispose()
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
               "COUNTER_SERVER__PORTAL_FILE_HOSTS": host}
        proc = subprocess.Popen([sys.executable, "-m", "counter", "serve", "--db", url, "--port", str(port),
                                 "--track-rate", "0", "--data-dir", tempfile.mkdtemp(prefix="bench-online-")],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        base = f"http://127.0.0.1:{port}"
        wait_up(base, proc)
        batches = [[dossier(i, host) for i in range(s, min(s + BATCH, n + 1))] for s in range(1, n + 1, BATCH)]
        accepted = 0
        with httpx.Client(timeout=600) as client:
            t0 = time.perf_counter()
            for batch in batches:
                r = client.post(f"{base}/api/v1/portal/dossiers", headers={"Authorization": f"Bearer {token}"},
                                json={"service": "DongBoHoSoMC", "isUpdating": False, "data": batch})
                r.raise_for_status()
                accepted += sum(x["outcome"] == "accepted" for x in r.json()["result"])
            ours = time.perf_counter() - t0
        assert accepted == n, accepted
        bare, rows = bare_insert(bare_url, url)
        ours_dps, bare_dps = n / ours, rows / bare
        mb = sum(len(v) for v in files.values()) / (1024 * 1024)
        print(json.dumps({
            "bench": "online_portal_intake", "dossiers": n, "files_per_dossier": 2, "batch": BATCH,
            "file_mb": round(mb, 2), "ours_dossiers_per_s": round(ours_dps, 1),
            "bare_insert_dossiers_per_s": round(bare_dps, 1), "ours_vs_bare": round(ours_dps / bare_dps, 3),
        }))
    finally:
        fs.shutdown()
        if proc is not None:
            proc.kill()
            proc.wait()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
