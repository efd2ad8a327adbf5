"""F4/F5: one progress event through the service (permission, reducer, row + event + outbox, calendar) in a
1,000,000-dossier store, against a bare sqlite3 transaction writing the same three rows on the same file; and the
time to build the control slip (Mẫu 06, replaying the dossier's events) and render it. Prints one JSON line.

    .venv/bin/python bench/progress.py [--n 1000000] [--reps 200]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
import uuid
from datetime import datetime, timedelta, UTC
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (bench/queue.py is not the stdlib queue)

from bench._results import emit  # noqa: E402
from bench._store import StatementCount, bare_station, bare_seq, bare_seq_start, build, summary as stats  # noqa: E402
from counter.domain.clock import FixedClock  # noqa: E402
from counter.domain.intake import Applicant, PaperInput, ReceiveRequest  # noqa: E402
from counter.services import auth, dossiers, printing, progress  # noqa: E402
from counter.services.store import Store  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=200)
    a = ap.parse_args()
    data_dir = build(a.n)
    # a day of its own for each run (a station has 999 codes a day)
    day = datetime(2027, 3, 1, 2, 0, tzinfo=UTC) + timedelta(days=int(time.time()) % 991)
    store = Store.open(data_dir, clock=FixedClock(day))  # migrates the bench file if it predates 0004
    clerk = auth.login(store, "canbo", PASSWORD)
    req = ReceiveRequest("1.004873", Applicant("Nguyễn Văn An", id_number="001090123456"),
                         (PaperInput("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", 1),))
    codes = [dossiers.receive(store, clerk, req).code for _ in range(2 * a.reps)]
    ours, bares = codes[:a.reps], codes[a.reps:]

    con = sqlite3.connect(data_dir / "counter.sqlite3", isolation_level=None)
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    station = con.execute("SELECT value FROM sync_state WHERE key='station_id'").fetchone()[0]
    bare_seq_start(con, station)
    payload = json.dumps({"direction": "out", "to": "Tư pháp - hộ tịch"}, ensure_ascii=False)

    def bare(code: str) -> None:
        ts = "2027-03-01 02:00:00.000000"
        con.execute("BEGIN IMMEDIATE")
        did, version = con.execute("SELECT id, version FROM dossiers WHERE code = ?", (code,)).fetchone()
        seq = bare_seq(con, station)
        eid = str(uuid.uuid4())
        con.execute("UPDATE dossiers SET status = 4, held_by = ?, version = ?, last_event_id = ?, updated_at = ? "
                    "WHERE id = ?", ("Tư pháp - hộ tịch", version + 1, eid, ts, did))
        con.execute("INSERT INTO dossier_events(id, dossier_id, office_id, station_id, station_seq, kind, at, "
                    "payload, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (eid, did, "H55.242", bare_station(station), seq, "transferred", ts, payload, "0" * 64, uuid.uuid4().hex * 2))
        con.execute("INSERT INTO outbox(event_id, station_seq, created_at) VALUES (?,?,?)", (eid, seq, ts))
        con.execute("COMMIT")

    traced = StatementCount().on_store(store)
    n_svc = traced.count(lambda: progress.record_event(store, clerk, ours[-1], "transferred", {"to": "Tư pháp - hộ tịch"}))
    n_bare = StatementCount().on(con).count(lambda: bare(bares[-1]))
    con.set_trace_callback(None)
    ours, bares = ours[:-1], bares[:-1]
    t_bare, t_svc = [], []
    for mine, theirs in zip(ours, bares):
        t = time.perf_counter()
        bare(theirs)
        t_bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        progress.record_event(store, clerk, mine, "transferred", {"to": "Tư pháp - hộ tịch"})
        t_svc.append(time.perf_counter() - t)

    code = ours[0]
    progress.record_event(store, clerk, code, "transferred", {"person": "Lê Văn Tư"})
    progress.record_event(store, clerk, code, "resolved", {})
    t_slip = []
    for _ in range(30):
        t = time.perf_counter()
        printing.render(printing.documents_for(store, code, "06")[1], "pdf-a5")
        t_slip.append(time.perf_counter() - t)
    r_bare, r_svc = stats(t_bare), stats(t_svc)
    emit({"bench": "progress", "dossiers": a.n, "reps": a.reps, "event_bare": r_bare,
          "event_service": r_svc, "event_ratio_p50": round(r_svc["p50_ms"] / r_bare["p50_ms"], 2),
          "statements": {"service": n_svc, "bare": n_bare},
          "slip_mau06_pdf": stats(t_slip)},
         [("progress_p50", r_svc["p50_ms"], r_bare["p50_ms"], "ms"),
          ("progress_p99", r_svc["p99_ms"], r_bare["p99_ms"], "ms"),
          ("progress_statements", n_svc, n_bare, "statements")])


if __name__ == "__main__":
    main()
