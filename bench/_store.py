"""Builds (once) a large station store for the benchmarks: N dossier rows over five years, bulk-inserted.

Rows are inserted as projections straight into SQLite (a million receipts through the service would take an
hour and measure nothing the benchmark is about); the schema, indexes and FTS triggers are the real ones.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
import uuid
from datetime import datetime, timedelta, UTC
from pathlib import Path

from counter.domain.lifecycle import search_text_of
from counter.services.demo import GIVEN_F, GIVEN_M, MIDDLE_F, MIDDLE_M, SURNAME_WEIGHTS, SURNAMES
from counter.services.store import Store

OUT = Path(__file__).parent / "out"


def build(n: int, seed: int = 7) -> Path:
    data_dir = OUT / f"store-{n}"
    db = data_dir / "counter.sqlite3"
    if db.exists():
        return data_dir
    from tests.conftest import make_store  # one office, users, catalogue

    tmp = OUT / f"store-{n}.tmp"
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    make_store(tmp).close()
    con = sqlite3.connect(tmp / "counter.sqlite3")
    con.execute("PRAGMA synchronous=OFF")
    station = con.execute("SELECT value FROM sync_state WHERE key='station_id'").fetchone()[0]
    rng = random.Random(seed)
    start = datetime(2021, 11, 23, 1, 0, tzinfo=UTC)
    step = timedelta(days=5 * 365) / n
    t0 = time.perf_counter()
    rows = []
    per_day: dict[str, int] = {}
    for i in range(n):
        at = start + step * i
        day = at.strftime("%y%m%d")
        per_day[day] = per_day.get(day, 0) + 1
        code = f"H55.242-{day}-{1000 + per_day[day]:04d}"
        female = rng.random() < 0.5
        name = " ".join([rng.choices(SURNAMES, SURNAME_WEIGHTS)[0], rng.choice(MIDDLE_F if female else MIDDLE_M),
                         rng.choice(GIVEN_F if female else GIVEN_M)])
        phone = "09" + f"{rng.randrange(10**8):08d}"
        idn = f"019{int(female)}{rng.randrange(50, 99)}{rng.randrange(10**6):06d}"
        ts = at.strftime("%Y-%m-%d %H:%M:%S.%f")
        due = (at + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S.%f")
        status = 10 if i < n * 0.97 else rng.choice([2, 4, 5, 6, 9])
        rows.append((str(uuid.UUID(int=rng.getrandbits(128))), code, uuid.uuid4().hex.upper()[:32], "H55.242",
                     station, "1.001193", "Đăng ký khai sinh", "Hộ tịch", status, 1, 1, name, idn, phone, 1, 0,
                     ts, due, due, 0, 0, "counter", search_text_of(code, name, None, phone, idn), 1, "x", ts))
        if len(rows) == 50_000:
            _insert(con, rows)
            rows = []
    _insert(con, rows)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    tmp.rename(data_dir)
    print(f"# built {n} dossiers in {time.perf_counter() - t0:.0f} s", flush=True)
    return data_dir


def _insert(con: sqlite3.Connection, rows: list[tuple]) -> None:
    con.executemany(
        "INSERT INTO dossiers(id, code, token, office_id, station_id, procedure_code, procedure_name, field, "
        "status, channel, owner_kind, owner_name, owner_id_number, owner_phone, sets, working_days, received_at, "
        "due_at, original_due_at, fee, fee_paid, return_method, search_text, version, last_event_id, updated_at, "
        "extension_count, supplement_count, scanned_count) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,0,0)", rows)


def summary(samples: list[float]) -> dict:
    """p50, p99 and mean of timings in seconds, as milliseconds."""
    s = sorted(samples)
    return {"p50_ms": round(s[len(s) // 2] * 1000, 3), "p99_ms": round(s[min(len(s) - 1, int(len(s) * 0.99))] * 1000, 3),
            "mean_ms": round(sum(s) / len(s) * 1000, 3)}


def open_store(data_dir: Path) -> Store:
    return Store.open(data_dir, migrate=False)


def bare_station(station: str) -> str:
    """The station id the bare transactions write their events under (never the store's own)."""
    return "bare-" + station


def bare_seq_start(con, station: str) -> None:  # type: ignore[no-untyped-def]
    """One event sequence for every bench's bare rows (receipt and progress both write under bare_station), caught
    up once with what is already in the file, so that a bench run after another never reuses a number."""
    top = con.execute("SELECT coalesce(max(station_seq), 0) FROM dossier_events WHERE station_id = ?",
                      (bare_station(station),)).fetchone()[0]
    con.execute("INSERT INTO code_sequences(station_id, scope, period, last) VALUES (?, 'bare-ev', '', ?) "
                "ON CONFLICT DO UPDATE SET last = max(last, excluded.last)", (station, top))


def bare_seq(con, station: str) -> int:  # type: ignore[no-untyped-def]
    """The next number of the bare event sequence (inside the bare transaction, one statement as ours)."""
    return con.execute("INSERT INTO code_sequences(station_id, scope, period, last) VALUES (?, 'bare-ev', '', 1) "
                       "ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last", (station,)).fetchone()[0]


class StatementCount:
    """Counts the SQL statements a call runs, BEGIN and COMMIT included (sqlite3's trace callback, so the plain
    statements of the hot paths are counted as well as SQLAlchemy's; a statement's trigger programs and the
    FTS5 index's own reads of its tables are not)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, sql: str) -> None:
        if sql.startswith("--") or "'main'." in sql:  # a trigger's program; FTS5 reading its own config
            return
        if not self.lines or self.lines[-1] != sql:  # one line per statement
            self.lines.append(sql)

    def on_store(self, store: Store) -> StatementCount:
        from sqlalchemy import event

        event.listen(store.engine, "connect", lambda con, _record: con.set_trace_callback(self))
        store.engine.dispose()  # the next connection is traced
        return self

    def on(self, con: sqlite3.Connection) -> StatementCount:
        con.set_trace_callback(self)
        return self

    def count(self, fn) -> int:  # type: ignore[no-untyped-def]
        self.lines.clear()
        fn()
        n = len(self.lines)
        if os.environ.get("BENCH_SHOW_SQL"):
            print("\n".join("  " + x[:110] for x in self.lines), flush=True)
        self.lines.clear()
        return n
