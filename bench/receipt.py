"""Receipt printing and the receiving transaction. Prints one JSON line.

- time to build one Mẫu 01 PDF (two A5 copies) and one ESC/POS job (target: under 50 ms each);
- time from Enter to the saved dossier through the service, in a 1,000,000-dossier store, against a bare
  sqlite3 transaction inserting the same rows (dossier, event, outbox, documents, sequence) on the same file.

    .venv/bin/python bench/receipt.py [--n 1000000] [--reps 200]
"""

from __future__ import annotations

import argparse
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
from counter.services import auth, dossiers, printing  # noqa: E402
from counter.services.store import Store  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=200)
    a = ap.parse_args()
    data_dir = build(a.n)
    # a day of its own for each run, so repeated runs never exhaust a station's 999 numbers of a day
    day = datetime(2027, 1, 4, 2, 0, tzinfo=UTC) + timedelta(days=int(time.time()) % 997)
    store = Store.open(data_dir, clock=FixedClock(day), migrate=False)
    clerk = auth.login(store, "canbo", PASSWORD)
    papers = (PaperInput("Tờ khai đăng ký khai sinh", 1),
              PaperInput("Giấy chứng sinh (hoặc văn bản của người làm chứng / giấy cam đoan)", 1))
    req = ReceiveRequest("1.001193", Applicant("Nguyễn Văn An", id_number="001090123456", phone="0912345678",
                                               address="Thôn 2, xã Phục Linh"), papers)

    con = sqlite3.connect(data_dir / "counter.sqlite3", isolation_level=None)
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    station = con.execute("SELECT value FROM sync_state WHERE key='station_id'").fetchone()[0]
    bare_seq_start(con, station)

    def bare(i: int) -> None:
        did, eid, ts = str(uuid.uuid4()), str(uuid.uuid4()), "2027-01-04 02:00:00.000000"
        con.execute("BEGIN IMMEDIATE")
        n = con.execute("INSERT INTO code_sequences(station_id, scope, period, last) VALUES (?, 'bare', 'x', 1) "
                        "ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last", (station,)).fetchone()[0]
        con.execute(
            "INSERT INTO dossiers(id, code, token, office_id, station_id, procedure_code, procedure_name, field, "
            "status, channel, owner_kind, owner_name, owner_id_number, owner_phone, sets, working_days, received_at, "
            "due_at, original_due_at, fee, fee_paid, return_method, search_text, version, last_event_id, updated_at, "
            "extension_count, supplement_count, scanned_count) VALUES "
            "(?,?,?,?,?,?,?,?,2,1,1,?,?,?,1,0,?,?,?,0,0,'counter',?,1,?,?,0,0,0)",
            (did, f"BARE-{uuid.uuid4().hex[:12].upper()}-{n}", uuid.uuid4().hex, "H55.242", station, "1.001193",
             "Đăng ký khai sinh", "Hộ tịch", "Nguyễn Văn An", "001090123456", "0912345678", ts, ts, ts,
             "bare nguyen van an 0912345678 001090123456", eid, ts))
        seq = bare_seq(con, station)
        con.execute("INSERT INTO dossier_events(id, dossier_id, office_id, station_id, station_seq, kind, at, "
                    "payload, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (eid, did, "H55.242", bare_station(station), seq, "received", ts, "{}" * 300, "0" * 64,
                     uuid.uuid4().hex * 2))
        con.execute("INSERT INTO outbox(event_id, station_seq, created_at) VALUES (?,?,?)", (eid, seq, ts))
        for pos, p in enumerate(papers, 1):
            con.execute("INSERT INTO dossier_documents(dossier_id, position, name, originals, certified_copies, "
                        "photocopies, digitization, blobs) VALUES (?,?,?,?,0,0,0,'[]')", (did, pos, p.name, 1))
        con.execute("COMMIT")

    traced = StatementCount().on_store(store)
    bare_traced = StatementCount().on(con)
    n_svc = traced.count(lambda: dossiers.receive(store, clerk, req))
    n_bare = bare_traced.count(lambda: bare(-1))
    con.set_trace_callback(None)
    codes = []
    t_bare, t_svc = [], []
    for i in range(a.reps):
        t = time.perf_counter()
        bare(i)
        t_bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        codes.append(dossiers.receive(store, clerk, req).code)
        t_svc.append(time.perf_counter() - t)

    forms_docs = printing.documents_for(store, codes[0], "01")[1]
    printing.render(forms_docs, "pdf-a5")
    printing.render(forms_docs, "escpos")  # warm up fonts and caches
    t_pdf = []
    t_pos = []
    for _ in range(30):
        t = time.perf_counter()
        printing.render(forms_docs, "pdf-a5")
        t_pdf.append(time.perf_counter() - t)
        t = time.perf_counter()
        printing.render(forms_docs, "escpos")
        t_pos.append(time.perf_counter() - t)
    r_bare, r_svc = stats(t_bare), stats(t_svc)
    pdf, pos = stats(t_pdf), stats(t_pos)
    emit({"bench": "receipt", "dossiers": a.n, "reps": a.reps, "receive_bare": r_bare,
          "receive_service": r_svc, "receive_ratio_p50": round(r_svc["p50_ms"] / r_bare["p50_ms"], 2),
          "statements": {"service": n_svc, "bare": n_bare},
          "pdf_a5_two_copies": pdf, "escpos_one_copy": pos},
         [("receive_p50", r_svc["p50_ms"], r_bare["p50_ms"], "ms"),
          ("receive_p99", r_svc["p99_ms"], r_bare["p99_ms"], "ms"),
          ("receive_statements", n_svc, n_bare, "statements"),
          ("receipt_pdf_p50", pdf["p50_ms"], None, "ms"), ("escpos_p50", pos["p50_ms"], None, "ms")])


if __name__ == "__main__":
    main()
