"""The bad-input corpus (issue 14): hundreds of generated bad inputs to the `counter` command and to the central
server's HTTP API. Each must give a clean error: a non-zero exit code (CLI) or a 4xx (HTTP), no traceback, a
Vietnamese message, and the store exactly as it was (a digest of every SQLite row and of the data folder's
files). The counts are printed at the end of the run:

    bad-input corpus: tried N, clean errors N, tracebacks 0, store changes 0, 5xx 0
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from counter.domain.text import has_vietnamese_marks

COUNTS: Counter[str] = Counter()
KEYS = ("tried", "clean", "tracebacks", "store_changes", "5xx", "not_vietnamese", "success", "raw_control")


_ROWS: dict[tuple[Path, str], str] = {}  # the bytes of the SQLite file and its WAL -> the digest of its rows


def digest(folder: Path, db_name: str = "counter.sqlite3") -> str:
    """Every SQLite row (iterdump) and every file's name and size but SQLite's own -wal/-shm. The rows are dumped
    again only when the file's bytes (or its WAL's) changed since they were last dumped."""
    db = folder / db_name
    raw = hashlib.sha256()
    for p in (db, db.with_name(db.name + "-wal")):
        if p.exists():
            raw.update(p.read_bytes())
    key = (folder, raw.hexdigest())
    if key not in _ROWS:
        _ROWS[key] = _digest(folder, db)
    names = hashlib.sha256(_ROWS[key].encode())
    for p in sorted(folder.rglob("*")):
        if p.name.endswith(("-wal", "-shm")) or p == db:
            continue
        names.update(f"{p.relative_to(folder)}:{p.stat().st_size if p.is_file() else 'dir'}".encode())
    return names.hexdigest()


def _digest(folder: Path, db: Path) -> str:
    h = hashlib.sha256()
    if db.exists():
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            for line in con.iterdump():
                h.update(line.encode("utf-8", "surrogatepass"))
        finally:
            con.close()
    return h.hexdigest()


def vietnamese(text: str) -> bool:
    return has_vietnamese_marks(text)


def record(*, traceback: bool, changed: bool, ok_status: bool, vi: bool, server_error: bool = False,
           raw_control: bool = False) -> None:
    COUNTS["tried"] += 1
    COUNTS["tracebacks"] += traceback
    COUNTS["store_changes"] += changed
    COUNTS["5xx"] += server_error
    COUNTS["success"] += not ok_status
    COUNTS["not_vietnamese"] += not vi
    COUNTS["raw_control"] += raw_control
    COUNTS["clean"] += not (traceback or changed or server_error or raw_control) and ok_status and vi


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if COUNTS["tried"]:
        terminalreporter.write_line(
            f"bad-input corpus: tried {COUNTS['tried']}, clean errors {COUNTS['clean']}, tracebacks "
            f"{COUNTS['tracebacks']}, store changes {COUNTS['store_changes']}, 5xx {COUNTS['5xx']}"
            + (f" (accepted {COUNTS['success']}, not Vietnamese {COUNTS['not_vietnamese']}, raw control "
               f"characters {COUNTS['raw_control']})" if COUNTS["tried"] != COUNTS["clean"] else ""))


@pytest.fixture(scope="session")
def prepared_store(tmp_path_factory) -> Path:
    """One demo store (one station, 30 dossiers), made once and checkpointed into a single file: each group of
    cases gets a copy."""
    from typer.testing import CliRunner

    from counter.cli import app

    home = tmp_path_factory.mktemp("badinput") / "demo"
    result = CliRunner().invoke(app, ["demo", "--count", "30", "--stations", "1", "--data-dir", str(home)])
    assert result.exit_code == 0, result.output
    con = sqlite3.connect(home / "counter.sqlite3")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return home


@pytest.fixture(scope="module")
def store_copy(prepared_store, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("case") / "store"
    shutil.copytree(prepared_store, home, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    return home
