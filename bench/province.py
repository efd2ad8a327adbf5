"""A province's load on the central server: N simulated stations (asyncio clients on 127.0.0.1) against two
`counter serve` processes on PostgreSQL with the blob store in S3 (SeaweedFS). Prints one JSON line per run and
appends it to bench/results/province.jsonl.

Each station pulls every --interval seconds (default 10, as the station's sync loop; lower it to compress time)
with If-None-Match (an idle office answers 304), and every --push-every pulls (from a random point of that cycle,
so a run shorter than one cycle still has bursts) it sends a burst, as a station that
has received and scanned a dossier: POST /api/v1/blobs/missing, the scanned file (PUT /api/v1/blobs, --blob-kb
KB, new bytes), then its events (POST /api/v1/events: a reception of a new dossier, made from one real
station's `received` event, and the `document_scanned` event naming the file), on the station's own hash chain,
so the accepting path (the reducer, the office chain, the office's other stations' next pull answering 200
instead of 304) is in the mix at every station. Stations are spread over offices of --per-office stations. Clients are bounded
(--connections shared HTTP connections) and stop by themselves after --duration seconds.

Reported: p50/p99 of every request, errors (any answer but 200/201/304, or no answer), the pushed events'
outcomes (event_errors: any not accepted), requests per second,
server CPU (both processes, user+system) per idle station per minute, and stations held per core at the
p99 < 200 ms, 0 errors bar (this run's stations / cores when it holds, else 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (bench/queue.py)

import base64  # noqa: E402
import hashlib  # noqa: E402
import uuid  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from bench._http import Client, HTTPError  # noqa: E402

from bench.sync_track import free_port, wait_up  # noqa: E402
from counter.central import db as central_db  # noqa: E402
from counter.central import tokens  # noqa: E402
from counter.domain.contracts import BODY_KEYS  # noqa: E402
from counter.domain.hashing import GENESIS, chain_hash  # noqa: E402
from tests.central.conftest import OFFICE_INFO, wire_events  # noqa: E402
from tests.conftest import NOW, OFFICE, actor_for, make_store, receive  # noqa: E402
from tests.helpers.central import add_server_users  # noqa: E402
from tests.pg import create_database, server_url  # noqa: E402
from tests.s3 import start_weed  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "province.jsonl"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants alive now, plus those it has reaped (PostgreSQL's
    backends, SeaweedFS's threads are in the process itself)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        todo += children.get(p, [])
    return total


def machine_busy() -> float:
    """CPU seconds every core of the machine has spent busy since boot (/proc/stat: all but idle and iowait)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def self_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Tally:
    def __init__(self) -> None:
        self.lat: list[float] = []
        self.errors = 0
        self.kinds: dict[str, int] = {}
        self.by_kind: dict[str, list[float]] = {}
        self.started: list[float] = []  # when each request was sent (time.monotonic)
        self.events: dict[str, int] = {}  # the pushed events' outcomes (accepted, rejected, retry)

    def outcomes(self, body: dict) -> None:
        for r in body.get("results", []):
            if r["status"] != "accepted" and r["status"] not in self.events:  # say why, once
                print(f"push: {r['status']}: {r.get('reason')}", file=sys.stderr, flush=True)
            self.events[r["status"]] = self.events.get(r["status"], 0) + 1

    async def call(self, kind: str, request, ok=(200, 201, 304)):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        self.started.append(time.monotonic())
        try:
            r = await request
            good = r.status_code in ok
        except HTTPError:
            r, good = None, False
        self.lat.append(time.perf_counter() - t)
        self.by_kind.setdefault(kind, []).append(self.lat[-1])
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if not good:
            self.errors += 1
        return r


class Chain:
    """A simulated station's own events: each burst is a new dossier received and its paper scanned, numbered
    and hashed on the station's chain as a real station does (the server checks both)."""

    def __init__(self, station: str, office: str, slot: int, template: dict) -> None:
        self.station, self.office, self.slot, self.template = station, office, slot, template
        self.seq, self.prev, self.n = 0, GENESIS, 0

    def _event(self, base: dict) -> dict:
        self.seq += 1
        body = {**{k: base[k] for k in BODY_KEYS}, "station_id": self.station, "office_id": self.office,
                "station_seq": self.seq}
        e = {**body, "prev_hash": self.prev, "hash": chain_hash(self.prev, body), "actor": base["actor"]}
        self.prev = e["hash"]
        return e

    def burst(self, sha: str) -> list[dict]:
        self.n += 1
        dossier, t = str(uuid.uuid4()), self.template
        number = f"{self.slot}{self.n:03d}"  # NNNN of the code: the station's slot, then its burst
        received = self._event({**t, "id": str(uuid.uuid4()), "dossier_id": dossier, "payload": {
            **t["payload"], "dossier_id": dossier, "office_id": self.office, "code": f"{self.office}-261123-{number}",
            "book_no": number, "token": base64.b32encode(os.urandom(20)).decode()}})
        scanned = self._event({**t, "id": str(uuid.uuid4()), "dossier_id": dossier, "parent": received["id"],
                               "kind": "document_scanned", "payload": {"position": 1, "blobs": [sha]}})
        return [received, scanned]


async def station(http: Client, base: str, token: str, tally: Tally, a, stop: float,  # type: ignore[no-untyped-def]
                  chain: Chain) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    cursor, etag = "", None
    await asyncio.sleep(random.random() * a.interval)
    # where in its cycle of --push-every pulls the station starts: a burst in any run as long as one cycle
    n = random.randrange(a.push_every) if a.push_every else 0
    while time.monotonic() < stop:
        start = time.monotonic()
        h = {**headers, **({"If-None-Match": etag} if etag else {})}
        r = await tally.call("pull", http.request("GET", f"{base}/api/v1/events", params={"after": cursor}, headers=h))
        if r is not None and r.status_code == 200:
            body = r.json()
            cursor = body["cursor"]
            etag = r.headers.get("etag") if not body["has_more"] else None
        n += 1
        if a.push_every and n % a.push_every == 0:
            data = os.urandom(a.blob_kb * 1024)
            sha = hashlib.sha256(data).hexdigest()
            await tally.call("missing", http.request("POST", f"{base}/api/v1/blobs/missing", json={"hashes": [sha]},
                                                         headers=headers))
            await tally.call("blob", http.request("PUT", f"{base}/api/v1/blobs/{sha}", content=data,
                                                     headers={**headers, "Content-Type": "application/pdf"}))
            r = await tally.call("push", http.request("POST", f"{base}/api/v1/events", headers=headers, json={
                "station_id": chain.station, "office": {**OFFICE_INFO, "id": chain.office},
                "events": chain.burst(sha)}))
            if r is not None and r.status_code == 200:
                tally.outcomes(r.json())
        await asyncio.sleep(max(0.0, a.interval - (time.monotonic() - start)))


async def run(bases: list[str], toks: list[str], a, chains: list[Chain]) -> Tally:  # type: ignore[no-untyped-def]
    tally = Tally()
    # one pool of --connections per server process (bench/_http.py: ~0.1 ms of CPU per request, where httpx's
    # 2.5 ms made the generator as busy as the servers it measured)
    client = Client(max_connections=max(1, a.connections // len(bases)), timeout=30)
    try:
        stop = time.monotonic() + a.duration
        await asyncio.gather(*(station(client, bases[i % len(bases)], t, tally, a, stop, chains[i])
                               for i, t in enumerate(toks)))
    finally:
        await client.aclose()
    return tally


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(len(s) * p))] * 1000, 1) if s else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stations", type=int, default=100)
    ap.add_argument("--per-office", type=int, default=5)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--push-every", type=int, default=6, help="pulls between two bursts (0: idle stations only)")
    ap.add_argument("--blob-kb", type=int, default=20)
    ap.add_argument("--connections", type=int, default=400, help="HTTP connections of all stations together")
    ap.add_argument("--results", type=Path, default=RESULTS, help="the JSON-lines file the run is appended to")
    a = ap.parse_args()

    found = server_url()
    if found is None:
        raise SystemExit("need PostgreSQL: set COUNTER_TEST_PG or install postgresql")
    server, cluster = found
    s3 = start_weed()
    procs: list[subprocess.Popen] = []
    try:
        url = create_database(server)
        engine = central_db.make_engine(url, pool_size=2)
        central_db.upgrade(engine)
        add_server_users(engine)
        toks, chains = [], []
        offices = sorted({OFFICE} | {f"B{i // a.per_office:05d}" for i in range(a.per_office, a.stations)})
        for office in offices:
            if office != OFFICE:
                add_server_users(engine, office)
        for i in range(a.stations):
            office = OFFICE if i < a.per_office else f"B{i // a.per_office:05d}"
            token_id, token = tokens.add(engine, office, i % a.per_office + 1, NOW)
            toks.append(token)
            chains.append((token_id, office, i % a.per_office + 1))
        with engine.begin() as conn:  # bound, as stations that have synced before (their lookups are cached)
            conn.execute(sa.text("UPDATE central_tokens SET station_id = 'bench-' || id"))
        with tempfile.TemporaryDirectory() as tmp:
            store = make_store(Path(tmp) / "station")
            receive(store, actor_for(store, "canbo"))
            [template] = wire_events(store)  # a real station's reception, each burst's new dossier is made of
            store.close()
            chains = [Chain(f"bench-{tid}", office, slot, template) for tid, office, slot in chains]
            env = {**os.environ, **s3.env(), "COUNTER_SERVER__BLOB_URL": s3.bucket(),
                   "COUNTER_SERVER__TRACK_RATE": "0", "PYTHONPATH": sys.path[0]}
            ports = [free_port(), free_port()]
            for p in ports:
                procs.append(subprocess.Popen([sys.executable, "-m", "counter", "serve", "--db", url, "--port",
                                               str(p), "--data-dir", tmp], env=env, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
            bases = [f"http://127.0.0.1:{p}" for p in ports]
            for b, p in zip(bases, procs):
                wait_up(b, p)
            pg_pid = int((cluster.data / "postmaster.pid").read_text().split()[0]) if cluster else None
            others = {"postgres": (lambda: tree_cpu(pg_pid)) if pg_pid else (lambda: 0.0),
                      "s3": (lambda: tree_cpu(s3.process.pid)) if s3.process else (lambda: 0.0),
                      "generator": self_cpu}
            load0 = os.getloadavg()[0]
            busy0 = machine_busy()
            print(f"servers up (pids {' '.join(str(p.pid) for p in procs)}), {a.stations} stations for "
                  f"{a.duration:g} s", file=sys.stderr, flush=True)
            cpu0 = sum(cpu_seconds(p.pid) for p in procs)
            others0 = {k: f() for k, f in others.items()}
            t0 = time.monotonic()
            tally = asyncio.run(run(bases, toks, a, chains))
            # after the first interval every station has made its first pull (its token looked up, the office's
            # events read from 0): what follows is the steady state of stations that have synced before
            steady = [lat for lat, at in zip(tally.lat, tally.started) if at >= t0 + a.interval]
            wall = time.monotonic() - t0
            cpu = sum(cpu_seconds(p.pid) for p in procs) - cpu0
            spent = {k: round(f() - others0[k], 1) for k, f in others.items()}
            busy = machine_busy() - busy0
            load1 = os.getloadavg()[0]
        cores = os.cpu_count() or 1
        p99 = pct(tally.lat, 0.99)
        event_errors = sum(n for k, n in tally.events.items() if k != "accepted")
        held = p99 < 200 and tally.errors == 0 and event_errors == 0
        result = {"bench": "province", "stations": a.stations, "offices": -(-a.stations // a.per_office),
                  "interval_s": a.interval, "duration_s": a.duration, "push_every": a.push_every, "requests": len(tally.lat),
                  "kinds": tally.kinds, "blob_kb": a.blob_kb,
                  "events": tally.events, "rps": round(len(tally.lat) / wall, 1),
                  "p50_ms": pct(tally.lat, 0.5), "p99_ms": p99, "errors": tally.errors,
                  "event_errors": event_errors,
                  "p99_ms_by_kind": {k: pct(v, 0.99) for k, v in tally.by_kind.items()},
                  "p99_ms_after_first_interval": pct(steady, 0.99),
                  "server_cpu_s": round(cpu, 1), "server_cpu_pct_of_machine": round(100 * cpu / wall / cores, 1),
                  "cpu_ms_per_station_minute": round(1000 * cpu / a.stations / (wall / 60), 2),
                  "stations_per_core_held": round(a.stations / cores) if held else 0,
                  "p99_under_200ms_0_errors": held, "cores": cores, "server_processes": 2, "blob_store": "s3",
                  "cpu_s_others": spent,
                  # the whole machine's CPU over the run (every process, the other engineers' too) and what
                  # this bench's processes took of it: the rest is load the bench did not make
                  "machine_busy_pct": round(100 * busy / wall / cores, 1),
                  "not_ours_pct": round(100 * (busy - cpu - sum(spent.values())) / wall / cores, 1),
                  "loadavg_1m": [round(load0, 2), round(load1, 2)]}
        line = json.dumps(result, ensure_ascii=False)
        print(line)
        a.results.parent.mkdir(exist_ok=True)
        with open(a.results, "a") as fh:
            fh.write(line + "\n")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
        s3.stop()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
