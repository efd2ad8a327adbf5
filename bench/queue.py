"""The supervisor's queue (first page of a bucket, with the counts of every bucket) and the month's scorecard
through the service layer, against the bare SQL on the same 1,000,000-dossier file, in the same run.
Prints one JSON line. Targets: queue first page p99 < 100 ms, month scorecard < 1 s.

    .venv/bin/python bench/queue.py [--n 1000000] [--reps 300]

The shared bench store (bench/_store.py) holds projections only; once, this script gives its finished dossiers
a result and a return time (a day and two days after receipt; one in twelve resolved after its due date) and
three assignees, so the per-period queries have real rows to read.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (bench/queue.py is not the stdlib queue)

from bench._results import emit  # noqa: E402
from bench._store import build, summary  # noqa: E402
from counter.domain.scorecard import Period, local_date  # noqa: E402
from counter.services import queue, reports  # noqa: E402
from counter.services.auth import login  # noqa: E402
from counter.services.store import Store  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402

MARK = "bench_queue_v1"


def prepare(db: Path) -> None:
    con = sqlite3.connect(db)
    if con.execute("SELECT 1 FROM sync_state WHERE key = ?", (MARK,)).fetchone():
        con.close()
        return
    t = time.perf_counter()
    con.execute("PRAGMA synchronous=OFF")
    users = [r[0] for r in con.execute("SELECT id FROM users WHERE role IN ('clerk', 'supervisor', 'postal')")]
    con.execute(
        "UPDATE dossiers SET "
        "resolved_at = datetime(received_at, CASE WHEN seq % 12 = 0 THEN '+4 days' ELSE '+1 day' END) || '.000000', "
        "returned_at = CASE WHEN status = 10 THEN datetime(received_at, '+5 days') || '.000000' END, "
        f"assignee_id = CASE seq % {len(users)} {' '.join(f'WHEN {i} THEN {u}' for i, u in enumerate(users))} END, "
        "received_by = assignee_id WHERE status IN (9, 10)")
    con.execute(f"UPDATE dossiers SET assignee_id = {users[0]}, received_by = {users[0]} WHERE assignee_id IS NULL")
    con.execute("INSERT INTO sync_state(key, value) VALUES (?, '1')", (MARK,))
    con.commit()
    con.execute("ANALYZE")
    con.close()
    print(f"# prepared results and returns in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)


def timed(fn, reps: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=300)
    a = ap.parse_args()
    data_dir = build(a.n)
    prepare(data_dir / "counter.sqlite3")
    store = Store.open(data_dir)  # migrate: a bench store built before 0005 gets its indexes
    boss = login(store, "giamsat", PASSWORD)
    con = sqlite3.connect(f"file:{data_dir / 'counter.sqlite3'}?mode=ro", uri=True)
    today = local_date(store.clock.now())
    month = Period.month(today.replace(day=1) - timedelta(days=1))  # the last full month
    cal_now = store.clock.now()
    w = queue.window(reports.calendar_for(store), cal_now, queue.DEFAULT_SOON_DAYS)

    def bare_page(bucket: str):  # type: ignore[no-untyped-def]
        where, args = queue.bucket_where(bucket, w)
        return con.execute(f"SELECT {queue._COLUMNS} FROM dossiers WHERE {where} ORDER BY due_at, seq LIMIT 21",
                           args).fetchall()

    now = reports._ts(cal_now)

    def bare_scorecard(lo: str, hi: str):  # type: ignore[no-untyped-def]
        con.execute(
            "SELECT count(*), sum(channel = 2), sum(status NOT IN (7, 8)), sum(status NOT IN (7, 8) AND "
            "extension_count = 0 AND ((resolved_at IS NOT NULL AND resolved_at <= due_at) OR (resolved_at IS NULL "
            "AND (status IN (5, 6) OR status IN (2, 4) AND due_at >= ?)))) FROM dossiers "
            "WHERE received_at >= ? AND received_at < ?", (now, lo, hi)).fetchall()
        con.execute("SELECT date(received_at, '+7 hours') d, count(*) FROM dossiers WHERE received_at >= ? AND "
                    "received_at < ? GROUP BY d", (lo, hi)).fetchall()

    r: dict = {}
    for bucket in ("overdue", "due_today"):
        svc = lambda b=bucket: queue.page(store, boss, b)  # noqa: E731
        bare = lambda b=bucket: bare_page(b)  # noqa: E731
        timed(svc, 5), timed(bare, 5)  # warm up
        t_bare, t_svc = [], []
        for _ in range(a.reps):
            t_bare += timed(bare, 1)
            t_svc += timed(svc, 1)
        r[f"queue_{bucket}_bare"], r[f"queue_{bucket}_service"] = summary(t_bare), summary(t_svc)
    first = queue.page(store, boss, "overdue")
    r["queue_counts"] = first.counts
    # the last full month (the bench store leaves its newest 3 % open) and the same month a year before (finished)
    year_ago = Period.month(month.start.replace(year=month.start.year - 1))
    for label, period in (("scorecard_month", month), ("scorecard_month_year_ago", year_ago)):
        lo, hi = (reports._ts(x) for x in period.utc_bounds())
        svc_sc = lambda p=period: reports.scorecard(store, boss, p)  # noqa: E731
        bare_sc = lambda lo=lo, hi=hi: bare_scorecard(lo, hi)  # noqa: E731
        timed(svc_sc, 1), timed(bare_sc, 1)
        reps = max(5, a.reps // 20)
        t_bare, t_svc = [], []
        for _ in range(reps):
            t_bare += timed(bare_sc, 1)
            t_svc += timed(svc_sc, 1)
        r[f"{label}_bare"], r[f"{label}_service"] = summary(t_bare), summary(t_svc)
        sc = svc_sc()
        r[label] = {"period": period.label, "received": sc.received, "late": sc.late}
    r["queue_first_page_p99_ok"] = r["queue_overdue_service"]["p99_ms"] < 100
    r["scorecard_month_p99_ok"] = max(r["scorecard_month_service"]["p99_ms"],
                                      r["scorecard_month_year_ago_service"]["p99_ms"]) < 1000
    emit({"bench": "queue", "dossiers": a.n, "reps": a.reps, **r},
         [("queue_first_page_p99", r["queue_overdue_service"]["p99_ms"], r["queue_overdue_bare"]["p99_ms"], "ms"),
          ("scorecard_month_p99", r["scorecard_month_service"]["p99_ms"], r["scorecard_month_bare"]["p99_ms"], "ms")])


if __name__ == "__main__":
    main()
