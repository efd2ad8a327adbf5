"""Online dossiers (issue 15). `f8_first_page`: the p99 of F8's first page (the waiting list, oldest first, with
the working hours each has waited and the count past the office's limit) through the service layer, with
10,000 online dossiers waiting. Prints one JSON line. Target: p99 < 50 ms.

    .venv/bin/python bench/online_f8.py f8 [--n 10000] [--reps 200]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

OUT = Path(__file__).parent / "out"


def _f8_store(n: int) -> Path:
    """A station store with `n` status-1 online dossiers over the last weeks (built once)."""
    from counter.domain.intake import Applicant, clean_applicant
    from counter.domain.lifecycle import EventKind
    from counter.services import events as ev
    from counter.services.auth import login
    from counter.services.demo import GIVEN_M, MIDDLE_M, SURNAMES
    from counter.services.dossiers import _new_dossier, _procedure
    from counter.services.store import Store
    from tests.conftest import PASSWORD, make_store
    from tests.helpers.online import BIRTH_CERT, BIRTH_FORM

    data_dir = OUT / f"online-{n}"
    if (data_dir / "counter.sqlite3").exists():
        return data_dir
    make_store(data_dir).close()
    store = Store.open(data_dir)
    clerk = login(store, "canbo", PASSWORD)
    now = store.clock.now()
    files = [{"sha256": f"{i:064x}", "name": f"tep-{i}.pdf", "mime": "application/pdf", "size": 50_000,
              "pages": 2, "paper": p} for i, p in enumerate((BIRTH_FORM, BIRTH_CERT), 1)]
    with store.write() as s:
        proc = _procedure(s, clerk, "1.001193", 2)
        for i in range(n):
            at = now - timedelta(minutes=(n - i) * 3)
            name = f"{SURNAMES[i % len(SURNAMES)]} {MIDDLE_M[i % len(MIDDLE_M)]} {GIVEN_M[i % len(GIVEN_M)]}"
            owner = clean_applicant(Applicant(name=name), "owner", None, {})
            payload = _new_dossier(s, clerk, proc, owner, at, 2)
            payload.update(files=files, source="web")
            ev.append(s, clerk, payload["dossier_id"], EventKind.REGISTERED, payload, at, new=True)
    store.close()
    return data_dir


def f8_first_page(n: int = 10_000, reps: int = 200) -> dict:
    from counter.services import online
    from counter.services.auth import login
    from counter.services.store import Store
    from tests.conftest import PASSWORD

    store = Store.open(_f8_store(n))
    clerk = login(store, "canbo", PASSWORD)
    limit = online.limit_hours(store)
    first = online.waiting_list(store, clerk, limit=limit)
    assert first.waiting_total == n, first.waiting_total
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        online.waiting_list(store, clerk, limit=limit)
        times.append((time.perf_counter() - t) * 1000)
    office = clerk.office_id
    path = store.data_dir / "counter.sqlite3"
    store.close()
    bare = _bare(path, office, reps)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return {"bench": "online_f8_first_page", "waiting": n, "page": len(first.waiting), "late": first.late_total,
            "reps": reps, "p50_ms": round(times[len(times) // 2], 2), "p99_ms": round(p99, 2),
            "bare_p50_ms": round(bare[len(bare) // 2], 2),
            "bare_p99_ms": round(bare[min(len(bare) - 1, int(len(bare) * 0.99))], 2),
            "target_p99_ms": 50, "ok": p99 < 50}


def _bare(path: Path, office: str, reps: int) -> list[float]:
    """The same statements the service runs for the page (the two lists and the counts), straight through
    sqlite3 on the same file: no session, no calendar, no row objects."""
    import sqlite3

    from counter.services import online

    conn = sqlite3.connect(path)
    cut = "2000-01-01 00:00:00.000000"
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        conn.execute(str(online._COUNT), {"o": office, "cut": cut}).fetchall()
        for a in (0, 1):
            conn.execute(str(online._WAITING), {"o": office, "a": a, "n": online.PAGE_SIZE}).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    conn.close()
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="f8", choices=["f8"])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(f8_first_page(args.n, args.reps)), flush=True)


if __name__ == "__main__":
    main()
