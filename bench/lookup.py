"""Lookup by code and accent-insensitive name search through the service layer, against the bare indexed
SQLite query on the same 1,000,000-dossier file, in the same run. Prints one JSON line.

    .venv/bin/python bench/lookup.py [--n 1000000] [--reps 2000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (bench/queue.py is not the stdlib queue)

from bench._results import emit  # noqa: E402
from bench._store import build, open_store, summary  # noqa: E402
from counter.services import dossiers  # noqa: E402
from counter.services.dossiers import fts_query  # noqa: E402


def timed(fn, args_list) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for args in args_list:
        t = time.perf_counter()
        fn(*args)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--load", type=int, default=1, help="processes spinning on the CPU while it measures")
    a = ap.parse_args()
    data_dir = build(a.n)
    store = open_store(data_dir)
    con = sqlite3.connect(data_dir / "counter.sqlite3")
    rng = random.Random(1)
    maxseq = con.execute("SELECT max(seq) FROM dossiers").fetchone()[0]
    codes = [con.execute("SELECT code FROM dossiers WHERE seq = ?", (rng.randrange(1, min(maxseq, a.n)),)).fetchone()[0]
             for _ in range(a.reps)]
    names = ["nguyen", "nguyen van an", "Đặng Văn An", "tran thi", "le minh", "hoang ngoc lan", "vu duc",
             "phuong", "bui thanh hai", "0912"]
    queries = [(rng.choice(names),) for _ in range(a.reps // 4)]

    cols = "code, owner_name, procedure_name, status, received_at, due_at, owner_phone"
    bare_code = lambda c: con.execute(f"SELECT {cols} FROM dossiers WHERE code = ?", (c,)).fetchall()  # noqa: E731
    bare_name = lambda q: con.execute(  # noqa: E731
        f"SELECT {cols} FROM dossiers JOIN (SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT 21) f ON dossiers.seq = f.rowid ORDER BY seq DESC", (fts_query(q),)).fetchall()
    svc_code = lambda c: dossiers.search(store, c)  # noqa: E731
    svc_name = lambda q: dossiers.search(store, q)  # noqa: E731
    svc_detail = lambda c: dossiers.get_detail(store, c)  # noqa: E731

    for fn, args in ((bare_code, codes[:100]), (svc_code, codes[:100]), (bare_name, queries[:20]),
                     (svc_name, queries[:20])):
        timed(fn, [(x,) if not isinstance(x, tuple) else x for x in args])  # warm up
    assert len(svc_name("nguyen").items) == 20 and svc_code(codes[0]).items[0].code == codes[0]

    # the target holds while another process loads the CPU: spin that many for the timed part
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(a.load)]
    r = {"load_processes": a.load}
    # bare and service alternate on the same inputs, so caches and the disk treat both alike
    for label, bare, svc, args in (("code", bare_code, svc_code, codes), ("name", bare_name, svc_name, queries)):
        t_bare, t_svc = [], []
        for x in args:
            x = x[0] if isinstance(x, tuple) else x
            t_bare += timed(bare, [(x,)])
            t_svc += timed(svc, [(x,)])
        r[f"{label}_bare"], r[f"{label}_service"] = summary(t_bare), summary(t_svc)
    r["detail_service"] = summary(timed(svc_detail, [(c,) for c in codes[: a.reps // 4]]))
    for p in spinners:
        p.kill()
        p.wait()
    r["code_ratio_p99"] = round(r["code_service"]["p99_ms"] / r["code_bare"]["p99_ms"], 2)
    r["name_ratio_p99"] = round(r["name_service"]["p99_ms"] / r["name_bare"]["p99_ms"], 2)
    emit({"bench": "lookup", "dossiers": a.n, "reps": a.reps, **r},
         [("code_lookup_p99", r["code_service"]["p99_ms"], r["code_bare"]["p99_ms"], "ms"),
          ("name_search_p99", r["name_service"]["p99_ms"], r["name_bare"]["p99_ms"], "ms"),
          ("name_search_p50", r["name_service"]["p50_ms"], r["name_bare"]["p50_ms"], "ms")])


if __name__ == "__main__":
    main()
