"""The central server under load, on PostgreSQL. Prints one JSON line.

- the public tracking page `/t/{token}` (and its JSON twin) served by `counter serve` (uvicorn), hit by 50
  concurrent keep-alive clients each asking every --interval ms, against a bare FastAPI endpoint returning a
  constant, served by uvicorn the same way in the same run with the same clients (target: tracking page p99
  under 20 ms), with the server's 1-second page cache and without it (every request reads PostgreSQL); then
  the same clients as fast as they can, for the saturation rate (max_rps) of each;
- the accepting transaction: batches of 100 `received` events through `POST /api/v1/events` and through
  `ingest.push` called directly, against bare psycopg INSERTs of the same event rows in one transaction.

    .venv/bin/python bench/sync_track.py [--dossiers 300] [--clients 50] [--requests 4000] [--interval 500]

PostgreSQL: COUNTER_TEST_PG when set, else a throwaway cluster (tests/pg.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# the repository root instead of bench/ (whose module names, e.g. queue.py, would shadow the standard library)
sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (bench/queue.py is not the stdlib queue)

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench._results import emit  # noqa: E402
from bench._store import summary  # noqa: E402
from counter.central import db as central_db  # noqa: E402
from counter.central import ingest, tokens  # noqa: E402
from counter.central.tables import events as events_table  # noqa: E402
from counter.domain.clock import FixedClock  # noqa: E402
from tests.central.conftest import OFFICE_INFO, station_id, wire_events  # noqa: E402
from tests.conftest import NOW, OFFICE, actor_for, make_store, receive  # noqa: E402
from tests.helpers.central import add_server_users  # noqa: E402
from tests.pg import create_database, server_url  # noqa: E402

BARE_APP = """
import sys, uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
PAGE = "<!doctype html><html><body>hồ sơ</body></html>"
@app.get("/t/{token}", response_class=HTMLResponse)
async def page(token: str):
    return HTMLResponse(PAGE)
@app.get("/healthz")
def health():
    return {"ok": True}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _letters(i: int) -> str:
    """A name part from a number (names may not hold digits)."""
    out = ""
    while True:
        out += "ABCDEGHIKLMNOPQRSTUVXY"[i % 22]
        i //= 22
        if not i:
            return out.title()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(base: str, proc: subprocess.Popen) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


async def load(base: str, paths: list[str], clients: int, requests: int,
               interval: float = 0.0) -> tuple[list[float], int, float]:
    """`clients` concurrent keep-alive connections, `requests` in all. With `interval` > 0 each client sends
    one request every `interval` seconds (an open load of clients/interval requests per second, as phones
    arrive); with 0 each sends the next as soon as the last returns (saturation). Returns the latencies in
    seconds, the non-200 count and the achieved requests per second."""
    latencies: list[float] = []
    errors = 0
    per_client = requests // clients

    host, port = base.removeprefix("http://").split(":")

    async def one(i: int) -> None:
        # a minimal HTTP/1.1 keep-alive client on asyncio streams: httpx costs more CPU per request than the
        # server does, and on a shared 2-core machine the load generator would then measure itself
        nonlocal errors
        rnd = random.Random(i)
        reader, writer = await asyncio.open_connection(host, int(port))

        async def get(path: str) -> int:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            return status

        try:
            await get(paths[0])
            start = time.perf_counter() + rnd.random() * interval
            for k in range(per_client):
                if interval:
                    delay = start + k * interval - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                path = rnd.choice(paths)
                t = time.perf_counter()
                status = await get(path)
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(clients)))
    return latencies, errors, len(latencies) / (time.perf_counter() - t0)


def bench_accept(url: str, store, n_batches: int) -> dict:  # type: ignore[no-untyped-def]
    """ms per 100-event batch: ingest.push in one transaction vs bare INSERTs of the same rows."""
    engine = central_db.make_engine(url, pool_size=2)
    auth = tokens.lookup(engine.connect(), tokens.add(engine, OFFICE, 1, NOW)[1])  # the store is station 1
    clerk = actor_for(store, "canbo")
    before = len(wire_events(store))
    for i in range(n_batches * 100):
        receive(store, clerk, name=f"Người Thử {_letters(i)}")
    evs = wire_events(store)[before:]
    sid = station_id(store)
    ours = []
    for b in range(n_batches):
        body = {"station_id": sid, "office": OFFICE_INFO, "events": evs[b * 100:(b + 1) * 100]}
        t = time.perf_counter()
        with engine.execution_options(immediate=True).begin() as conn:
            results = ingest.push(conn, auth, body, NOW)
        ours.append(time.perf_counter() - t)
        assert {r["status"] for r in results} == {"accepted"}, results[:2]
    bare = []
    for b in range(n_batches):
        rows = [{"id": str(uuid.uuid4()), "office_id": "BARE", "station_id": "bare", "station_seq": b * 100 + i,
                 "dossier_id": e["dossier_id"], "kind": e["kind"], "status": "accepted", "reason": None,
                 "office_seq": b * 100 + i, "office_prev_hash": e["prev_hash"], "office_hash": e["hash"],
                 "base": None, "content": e["hash"], "wire": json.dumps(e, ensure_ascii=False), "received_at": NOW}
                for i, e in enumerate(evs[b * 100:(b + 1) * 100])]
        t = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(sa.insert(events_table), rows)
        bare.append(time.perf_counter() - t)
    engine.dispose()
    return {"ours_batch100": summary(ours), "bare_insert_batch100": summary(bare),
            "ours_events_per_s": round(100 * n_batches / sum(ours))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dossiers", type=int, default=300)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--interval", type=float, default=500.0,
                    help="ms between one client's requests (open load); 0 = as fast as possible")
    a = ap.parse_args()

    found = server_url()
    if found is None:
        raise SystemExit("need PostgreSQL: set COUNTER_TEST_PG or install postgresql")
    server, cluster = found
    procs: list[subprocess.Popen] = []
    try:
        url = create_database(server)
        engine = central_db.make_engine(url, pool_size=2)
        central_db.upgrade(engine)
        add_server_users(engine)  # the server judges every event by its actor (issue 14)
        token = tokens.add(engine, OFFICE, 1, NOW)[1]
        engine.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            store = make_store(Path(tmp) / "station", NOW)
            store.clock = FixedClock(NOW)
            clerk = actor_for(store, "canbo")
            for i in range(a.dossiers):
                receive(store, clerk, name=f"Nguyễn Văn {_letters(i)}")
            evs = wire_events(store)
            sid = station_id(store)
            tracking = [r["token"] for r in store.query("SELECT token FROM dossiers")]

            port, bare_port, nocache_port = free_port(), free_port(), free_port()
            counter = str(Path(sys.executable).with_name("counter"))
            for p, cache in ((port, "1"), (nocache_port, "0")):
                procs.append(subprocess.Popen([counter, "serve", "--db", url, "--port", str(p), "--track-rate", "0",
                                               "--track-cache", cache, "--data-dir", tmp],
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
            procs.append(subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port)],
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
            base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
            nocache_base = f"http://127.0.0.1:{nocache_port}"
            for b, p in zip((base, nocache_base, bare_base), procs):
                wait_up(b, p)

            push_http = []
            with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}) as c:
                for i in range(0, len(evs), 100):
                    t = time.perf_counter()
                    r = c.post("/api/v1/events", json={"station_id": sid, "office": OFFICE_INFO,
                                                       "events": evs[i:i + 100]})
                    push_http.append(time.perf_counter() - t)
                    assert r.status_code == 200 and {x["status"] for x in r.json()["results"]} == {"accepted"}

            paths = [f"/t/{t}" for t in tracking]
            json_paths = [f"/api/v1/track/{t}" for t in tracking]
            asyncio.run(load(base, paths, a.clients, a.requests // 4))  # warm up
            asyncio.run(load(bare_base, paths, a.clients, a.requests // 4))
            run = lambda b, p, iv: asyncio.run(load(b, p, a.clients, a.requests, iv))  # noqa: E731
            iv = a.interval / 1000
            ours, ours_err, _ = run(base, paths, iv)
            bare, bare_err, _ = run(bare_base, paths, iv)
            json_ours, json_err, _ = run(base, json_paths, iv)
            asyncio.run(load(nocache_base, paths, a.clients, a.requests // 4))
            db_ours, db_err, _ = run(nocache_base, paths, iv)
            _, _, ours_max = run(base, paths, 0)
            _, _, db_max = run(nocache_base, paths, 0)
            _, _, bare_max = run(bare_base, paths, 0)
            accept = bench_accept(url, store, a.batches)
            store.close()
        result = {
            "bench": "sync_track", "clients": a.clients, "requests": a.requests, "dossiers": a.dossiers,
            "offered_rps": round(a.clients / iv) if iv else None,
            "track_page": {**summary(ours), "errors": ours_err, "max_rps": round(ours_max)},
            "track_json": {**summary(json_ours), "errors": json_err},
            "track_page_no_cache": {**summary(db_ours), "errors": db_err, "max_rps": round(db_max)},
            "bare_fastapi_constant": {**summary(bare), "errors": bare_err, "max_rps": round(bare_max)},
            "track_p99_under_20ms": summary(ours)["p99_ms"] < 20,
            "push_http_batch100": summary(push_http),
            "accept": accept,
        }
        emit(result, [("track_page_p99", result["track_page"]["p99_ms"], result["bare_fastapi_constant"]["p99_ms"],
                       "ms")])
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=20)
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
