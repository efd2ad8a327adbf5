"""The station's push into the central PostgreSQL. Prints one JSON line.

Events per second pushed from one station (outbox -> wire events -> `POST /api/v1/events` in batches of
sync.BATCH (the first one of contracts.LEGACY_BATCH, until the server says it takes more) to `counter serve` (uvicorn)
over 127.0.0.1 -> outcomes stored in the station's SQLite), against a bare
batched INSERT of the same rows (psycopg executemany, as many rows a transaction as a push
carries) into a table of the same shape
on the same PostgreSQL server, in the same run; and the server process's CPU time (user + system, from
/proc) per event pushed. Targets (issue 21): at least 35% of bare, at least 4,000 events/s, at most 150 µs of
server CPU per event.

    .venv/bin/python bench/sync.py [--events 5000]

PostgreSQL: COUNTER_TEST_PG when set, else a throwaway cluster (tests/pg.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

# this script's own folder off the path (bench/queue.py would shadow the standard library's queue)
sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (bench/queue.py is not the stdlib queue)

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench._results import emit  # noqa: E402
from bench.sync_track import free_port, wait_up  # noqa: E402
from counter.central import db as central_db  # noqa: E402
from counter.central import tokens  # noqa: E402
from counter.domain.hashing import canonical_json  # noqa: E402
from counter.models import parse_utc  # noqa: E402
from counter.services import sync as sync_service  # noqa: E402
from counter.services.office import this_station  # noqa: E402
from tests.conftest import NOW, OFFICE, actor_for, make_store, receive  # noqa: E402
from tests.helpers.central import add_server_users  # noqa: E402
from tests.pg import create_database, server_url  # noqa: E402

NAMES = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long", "Minh", "Nam"]


def station_with(n: int, path: Path):
    store = make_store(path)
    actor = actor_for(store, "canbo")
    for i in range(n):
        receive(store, actor, name=f"Nguyễn {NAMES[i % 10]} {NAMES[(i // 10) % 10]} {NAMES[(i // 100) % 10]}",
                at=NOW + timedelta(days=i // 500))  # a station numbers at most 999 dossiers a day
    return store


def wire_rows(store) -> list[dict]:
    """The same events as the push sends, as rows of a table shaped like the server's event table."""
    with store.read() as s:
        actors = sync_service._actors(s)
        station = this_station(s).id
        rows = s.execute(sa.text("SELECT * FROM dossier_events WHERE station_id = :s ORDER BY station_seq"),
                         {"s": station}).all()
    out = []
    for r in rows:
        ev = SimpleNamespace(**r._mapping)
        ev.at = parse_utc(r.at)
        w = sync_service.wire_event(ev, actors.get(r.actor_id))
        out.append({"id": w["id"], "office_id": w["office_id"], "station_id": w["station_id"],
                    "station_seq": w["station_seq"], "dossier_id": w["dossier_id"], "kind": w["kind"],
                    "status": "accepted", "office_seq": len(out) + 1,
                    "content": w["hash"], "wire": canonical_json(w), "received_at": ev.at})
    return out


def bare_insert(url: str, rows: list[dict], batch: int) -> float:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as con:
        con.execute("CREATE TABLE bare_events (id varchar(36) PRIMARY KEY, office_id varchar(40) NOT NULL, "
                    "station_id varchar(36) NOT NULL, station_seq bigint NOT NULL, dossier_id varchar(36) NOT NULL, "
                    "kind varchar(32) NOT NULL, status varchar(10) NOT NULL, office_seq bigint, content varchar(64) "
                    "NOT NULL, wire text NOT NULL, received_at timestamptz NOT NULL, "
                    "UNIQUE (station_id, station_seq), UNIQUE (office_id, office_seq))")
        con.execute("CREATE INDEX ON bare_events (dossier_id)")
        con.commit()
        sql = ("INSERT INTO bare_events (id, office_id, station_id, station_seq, dossier_id, kind, status, office_seq, "
               "content, wire, received_at) VALUES (%(id)s, %(office_id)s, %(station_id)s, %(station_seq)s, "
               "%(dossier_id)s, %(kind)s, %(status)s, %(office_seq)s, %(content)s, %(wire)s, %(received_at)s)")
        t0 = time.perf_counter()
        for i in range(0, len(rows), batch):
            with con.cursor() as cur:
                cur.executemany(sql, rows[i:i + batch])
            con.commit()
        return time.perf_counter() - t0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=5000)
    a = ap.parse_args()
    found = server_url()
    if found is None:
        raise SystemExit("need PostgreSQL: set COUNTER_TEST_PG or install postgresql")
    server, cluster = found
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    proc = None
    try:
        url = create_database(server)
        bare_url = create_database(server)
        engine = central_db.make_engine(url, pool_size=2)
        central_db.upgrade(engine)
        add_server_users(engine)  # the server judges every event by its actor (issue 14)
        token = tokens.add(engine, OFFICE, 1, NOW)[1]
        engine.dispose()
        port = free_port()
        # `-m counter` with this checkout first on the path: the code under test, not an installed copy
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        proc = subprocess.Popen([sys.executable, "-m", "counter", "serve", "--db", url, "--port", str(port),
                                 "--track-rate", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        base = f"http://127.0.0.1:{port}"
        wait_up(base, proc)
        store = station_with(a.events, tmp / "station")
        rows = wire_rows(store)
        sync_service.setup(store, base, token)
        with sync_service.client_for(store) as client:
            cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            report = sync_service.push(store, client)
            ours = time.perf_counter() - t0
            server_cpu = cpu_seconds(proc.pid) - cpu0
        assert report.accepted == len(rows), report
        bare = bare_insert(bare_url, rows, sync_service.BATCH)  # as many rows a transaction as a push
        ours_eps, bare_eps = len(rows) / ours, len(rows) / bare
        cpu_us = server_cpu / len(rows) * 1e6
        emit({
            "bench": "sync_push", "events": len(rows), "batch": sync_service.BATCH,
            "ours_events_per_s": round(ours_eps), "bare_insert_events_per_s": round(bare_eps),
            "ours_vs_bare": round(ours_eps / bare_eps, 3), "server_cpu_us_per_event": round(cpu_us, 1),
            "target_ratio": 0.35, "target_events_per_s": 4000, "target_cpu_us_per_event": 150,
            "ok": ours_eps >= 0.35 * bare_eps and ours_eps >= 4000 and cpu_us <= 150,
        }, [("sync_push_events_per_s", round(ours_eps), round(bare_eps), "events/s"),
            ("sync_push_server_cpu_per_event", round(cpu_us, 1), None, "µs")])
        store.close()
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
