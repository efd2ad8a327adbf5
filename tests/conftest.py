"""Shared fixtures: a real SQLite store in tmp_path with one office, users of every role and the catalogue.

Also the suite's markers (registered in pyproject.toml), put on tests here so a new test gets them by what it
uses: `ui` (tests/ui, or a Textual pilot), `pg` (the PostgreSQL fixture), `process` (a `served`/`server`
fixture that starts `counter serve`; other tests that start processes say so with @pytest.mark.process),
`browser` (Chromium; marked in the test files), `slow` (over ~3 s; marked in the test files).
`pytest -m "not slow and not pg and not process and not browser"` is the fast subset (`make check`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import settings

from counter import db
from counter.domain.calendar import VN_TZ
from counter.domain.clock import FixedClock
from counter.services import auth, catalogue, office
from counter.domain.intake import Applicant, ReceiveRequest
from counter.services.dossiers import default_papers, receive_in
from counter.services.store import Actor, Store
from tests.pg import central_template, pg_database, pg_url  # noqa: F401  (PostgreSQL: tests/central, tests/sync)

pytest_plugins = ["tests.helpers.pki_fixtures"]  # the signing keys: one session fixture for every test that signs

# Cheap argon2 for the suite (hundreds of users are made and logged in); the production parameters are pinned by
# tests/services/test_auth.py. Read at each hash, and inherited by the processes tests start.
for _var, _value in (("COUNTER_ARGON2_TIME_COST", "1"), ("COUNTER_ARGON2_MEMORY_COST", "8"),
                     ("COUNTER_ARGON2_PARALLELISM", "1")):
    os.environ.setdefault(_var, _value)
# The CLI's short login (services/cli_session.py) off for the suite: every test's login asks its password, as each
# test says; tests/services/test_cli_session.py and tests/cli/test_cli_session.py turn it on.
os.environ.setdefault("COUNTER_APP__CLI_SESSION_MINUTES", "0")
# tmp_path on a RAM disk where there is one: the store commits with synchronous=FULL, and an fsync per commit
# on a real disk (~7 ms here) is most of what a store test waits for. Same files, same code; pytest still
# numbers and keeps its own folders there (pytest-of-<user>/pytest-N), so parallel runs do not collide.
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", "/dev/shm")
# Hypothesis: no per-example deadline (a loaded CI machine or a second xdist worker makes examples slow, not
# wrong; a real hang is caught by pytest-timeout). Each test keeps its own max_examples.
settings.register_profile("counter", deadline=None)
# `make check` (HYPOTHESIS_PROFILE=check): every property test runs a fifth of its own examples (at least 25,
# never more than its own), derandomized so each run tries the same cases; `make test` runs them all, drawn anew.
settings.register_profile("check", parent=settings.get_profile("counter"), max_examples=25, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "counter"))
QUICK_PROPERTIES = os.environ.get("HYPOTHESIS_PROFILE") == "check"


def _fewer_examples(fn) -> None:  # type: ignore[no-untyped-def]
    own = getattr(fn, "_hypothesis_internal_use_settings", None)
    if own is None or getattr(fn, "_counter_quick", False):
        return
    fn._hypothesis_internal_use_settings = settings(own, derandomize=True,
                                                    max_examples=min(own.max_examples, max(25, own.max_examples // 5)))
    fn._counter_quick = True


def _typer_shape(app) -> tuple:  # type: ignore[no-untyped-def]
    return (id(app), len(app.registered_commands),
            tuple(_typer_shape(g.typer_instance) for g in app.registered_groups if g.typer_instance))


def _build_click_once() -> None:
    """Typer's CliRunner builds the whole Click command tree again on every invoke (signatures and type hints
    of ~100 commands: ~0.15 s, most of what a CLI test costs, and the bad-input corpus invokes it 500 times).
    The tree only changes when a command is added, so it is built once per shape of the app (the `counter`
    process builds it once too). Each invoke still gets its own Click context, environment and streams."""
    import typer.main
    import typer.testing

    built: dict[tuple, object] = {}
    build = typer.main.get_command

    def get_command(app):  # type: ignore[no-untyped-def]
        key = _typer_shape(app)
        if key not in built:
            built[key] = build(app)
        return built[key]

    typer.testing._get_command = get_command  # type: ignore[attr-defined]


_build_click_once()

TESTS = Path(__file__).parent
PROCESS_FIXTURES = {"served", "server", "s3_server"}  # fixtures that start a process (`counter serve`, SeaweedFS)
LONGEST = TESTS / "sync" / "test_state_machine.py"
PROCESS_TIMEOUT = 300  # seconds: a test that starts processes or a browser may wait on them (120 for the rest)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    for item in items:
        if QUICK_PROPERTIES and hasattr(getattr(item, "obj", None), "hypothesis"):
            _fewer_examples(getattr(item.obj, "__func__", item.obj))
        path = Path(str(item.fspath))
        fixtures = set(getattr(item, "fixturenames", ()))
        if path.is_relative_to(TESTS / "ui"):
            item.add_marker(pytest.mark.ui)
        if "pg_url" in fixtures:
            item.add_marker(pytest.mark.pg)
        if fixtures & PROCESS_FIXTURES:
            item.add_marker(pytest.mark.process)
        if (item.get_closest_marker("process") or item.get_closest_marker("browser")) \
                and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(PROCESS_TIMEOUT))
    # The files that hold a slow test run first (the sync state machine, the longest single test, first of
    # all), each file still whole and in its own order: under `--dist worksteal` (make test) the long tests
    # start at once and the other worker takes the many short ones, instead of one long test starting last.
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (item.path != LONGEST, item.path not in slow_files))


OFFICE = "H55.242"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)  # a Monday
USERS = {"canbo": "clerk", "buudien": "postal", "giamsat": "supervisor", "quantri": "admin"}
PASSWORD = "matkhau123"


_template: list[Path] = []


def _template_file() -> Path:
    """A store file at the newest migration holding the default catalogue, made once per process (per xdist
    worker): each new test store is a copy of it, instead of running every Alembic migration again."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="counter-template-"))
        atexit.register(shutil.rmtree, folder, True)
        store = Store.open(folder / "data", create=True)
        catalogue.load_default_catalogue(store)
        store.close()
        leftovers = sorted(p.name for p in (folder / "data").iterdir() if p.name != db.DB_FILE)
        assert not leftovers, leftovers  # closed: the WAL is checkpointed into the file
        _template.append(folder / "data" / db.DB_FILE)
    return _template[0]


def new_store(path, now: datetime = NOW) -> Store:
    """A new store at `path` (a new or empty folder): migrated, with the default catalogue, no office yet."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    assert not any(path.iterdir()), f"{path} is not empty"
    shutil.copyfile(_template_file(), path / db.DB_FILE)
    return Store.open(path, clock=FixedClock(now))


def make_store(path, now: datetime = NOW) -> Store:
    store = new_store(path, now)
    with store.write() as s:
        office.create_office(s, office_id=OFFICE, name="Bộ phận Một cửa UBND xã Phục Linh", station_number=1,
                             parent_name="UBND XÃ PHỤC LINH", place_name="Phục Linh")
        for username, role in USERS.items():
            auth.create_user(s, OFFICE, username, f"Người Dùng {username.title()}", role, PASSWORD, now)
    return store


@pytest.fixture
def store(tmp_path) -> Store:
    s = make_store(tmp_path / "data")
    yield s
    s.close()


def actor_for(store: Store, username: str) -> Actor:
    return auth.login(store, username, PASSWORD)


def receive(store: Store, actor: Actor, name: str = "Nguyễn Văn An", procedure: str = "1.001193",
            at: datetime | None = None, **owner) -> str:
    with store.write() as s:
        row = receive_in(s, actor, ReceiveRequest(procedure_code=procedure,
                                                  owner=Applicant(name=name, **owner),
                                                  papers=default_papers(s, procedure)),
                         at or store.clock.now())
        return row.code


def move_to_another_office(store: Store, code: str) -> None:
    """Make a dossier belong to another office (H56.111), behind the services' back, to test that they refuse it."""
    con = sqlite3.connect(store.db_path)
    con.execute("INSERT INTO offices(id, name, parent_name, level, province, place_name, address, phone, "
                "public_base_url, morning_start, morning_end, afternoon_start, afternoon_end, same_day_cutoff, "
                "supplement_clock) SELECT 'H56.111', 'Khác', '', 'commune', '', '', '', '', 'http://x', "
                "morning_start, morning_end, afternoon_start, afternoon_end, same_day_cutoff, 'restart' FROM offices")
    con.execute("UPDATE dossiers SET office_id = 'H56.111' WHERE code = ?", (code,))
    con.commit()
    con.close()
