"""The local store against real SQLite files: replay, atomicity, codes across processes, the hash chain."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter.db import HEAD, current_revision
from counter.domain import lifecycle
from counter.domain.errors import CounterError
from counter.domain.lifecycle import EventKind
from counter.models import Dossier, DossierEvent, Outbox
from counter.services import audit, dossiers
from counter.services.events import domain_event, events_of, row_values
from counter.services.store import Store, StoreError, failure_message
from tests.conftest import NOW, actor_for, make_store, receive


def test_pragmas_and_migrations(store):
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert current_revision(store.engine) == HEAD


def test_a_write_takes_the_lock_at_begin_and_a_read_never_waits(store, monkeypatch):
    """Two processes' read-modify-writes (code sequences) never interleave: a write transaction holds the write
    lock from its BEGIN, so a second writer waits there (here: 0.1 s, then the clear busy error), while a reader
    goes on."""
    from counter import db

    monkeypatch.setenv("COUNTER_LOCK_WAIT", "0.1")
    other = db.open_engine(store.db_path)
    try:
        with db.write_session(store.engine) as first:
            first.execute(sa.text("SELECT 1"))  # the transaction begins here
            with pytest.raises(Exception) as locked:
                with db.write_session(other) as second:
                    second.execute(sa.text("SELECT 1"))
            assert (failure_message(locked.value) or "").startswith("Kho dữ liệu đang bị một chương trình khác giữ khóa")
            with db.read_session(other) as reader:
                assert reader.execute(sa.text("SELECT count(*) FROM offices")).scalar() == 1
    finally:
        other.dispose()


def test_models_match_migrations(store):
    from alembic import command
    from counter.db import alembic_config

    command.check(alembic_config(store.engine))  # raises if a table was changed without a migration
    from alembic.script import ScriptDirectory
    from counter.db import HEAD

    assert ScriptDirectory.from_config(alembic_config(store.engine)).get_current_head() == HEAD


def test_unreadable_data_dir_is_a_clear_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("not a directory")
    with pytest.raises(StoreError, match="Không tạo được thư mục dữ liệu"):
        Store.open(target / "sub", create=True)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "counter.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="không phải tệp SQLite: đây không phải kho của counter"):
        Store.open(junk)


def _foreign_sqlite(path):
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    con.execute("INSERT INTO notes (text) VALUES ('sổ tay của chương trình khác')")
    con.commit()
    con.close()


@pytest.mark.parametrize("kind", ["empty", "foreign", "foreign-with-alembic"])
def test_an_empty_or_another_programs_file_is_refused_untouched(tmp_path, kind):
    import sqlite3

    folder = tmp_path / kind
    folder.mkdir()
    path = folder / "counter.sqlite3"
    if kind == "empty":
        path.touch()
    else:
        _foreign_sqlite(path)
        if kind == "foreign-with-alembic":  # another Alembic program: its version table is not enough
            con = sqlite3.connect(path)
            con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            con.execute("INSERT INTO alembic_version VALUES ('ae1027a6acf')")
            con.commit()
            con.close()
    before = path.read_bytes()
    expected = "tệp rỗng" if kind == "empty" else "tệp SQLite của chương trình khác"
    for create in (False, True):
        with pytest.raises(StoreError, match=expected if not create else "đã có dữ liệu|không trống"):
            Store.open(folder, create=create)
    assert path.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == ["counter.sqlite3"]


def test_a_store_is_made_only_in_a_new_or_empty_folder_and_discarded_whole(tmp_path, store):
    with pytest.raises(StoreError, match="Chưa có kho dữ liệu"):
        Store.open(tmp_path / "mistyped")
    assert not (tmp_path / "mistyped").exists()
    with pytest.raises(StoreError, match="đã có dữ liệu"):
        Store.open(store.data_dir, create=True)
    other = tmp_path / "papers"
    other.mkdir()
    (other / "thu.txt").write_text("x")
    with pytest.raises(StoreError, match=r"không trống \(có thu.txt\)"):
        Store.open(other, create=True)
    assert sorted(p.name for p in other.iterdir()) == ["thu.txt"]
    # a failed init's store goes away whole: the folders it made, or the files it put in an empty folder
    made = Store.open(tmp_path / "a" / "b" / "c", create=True)
    (made.blob_dir).mkdir()
    made.discard()
    assert not (tmp_path / "a").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    Store.open(empty, create=True).discard()
    assert empty.is_dir() and list(empty.iterdir()) == []
    assert Store.open(store.data_dir).data_dir == store.data_dir  # an existing store opens as before


@pytest.mark.process
@pytest.mark.slow
def test_importing_creates_nothing_and_the_core_loads_no_ui(tmp_path):
    import os
    import subprocess
    import sys

    code = ("import sys, counter.cli, counter.services.dossiers, counter.services.demo, counter.services.audit; "
            "assert 'textual' not in sys.modules, 'the core imported textual'; "
            "import counter.app, counter.screens.search, counter.screens.dossier")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg"), "COUNTER_HOME": str(tmp_path / "c")}
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True)
    assert list(tmp_path.iterdir()) == []


KINDS = [k.value for k in EventKind if k not in (EventKind.RECEIVED, EventKind.REFUSED, EventKind.REGISTERED)]


def _payload(kind: str, n: int) -> dict:
    return {
        "extended": {"due_at": (NOW + timedelta(days=30 + n)).isoformat(), "reason": "Cần xác minh"},
        "stopped": {"reason": "Dừng theo đề nghị"},
        "reassigned": {"assignee_id": 1},
        "note_added": {"text": f"ghi chú {n}"},
        "supplement_received": {"due_at": (NOW + timedelta(days=5)).isoformat()},
    }.get(kind, {})


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(KINDS)), min_size=1, max_size=30))
def test_replaying_events_rebuilds_rows_exactly_and_refusals_change_nothing(store, steps):
    sup = actor_for(store, "giamsat")
    codes = [receive(store, sup, name) for name in ("Nguyễn Văn An", "Trần Thị Bích", "Đặng Văn An")]
    for n, (i, kind) in enumerate(steps):
        with store.read() as s:
            before = row_values(dossiers.ev.state_of(s.exec(sa.select(Dossier).where(Dossier.code == codes[i])).scalar_one()))
            count = s.exec(sa.select(sa.func.count()).select_from(DossierEvent)).scalar_one()
        try:
            dossiers.record(store, sup, codes[i], kind, _payload(kind, n))
        except CounterError:
            with store.read() as s:
                row = s.exec(sa.select(Dossier).where(Dossier.code == codes[i])).scalar_one()
                assert row_values(dossiers.ev.state_of(row)) == before
                assert s.exec(sa.select(sa.func.count()).select_from(DossierEvent)).scalar_one() == count
    with store.read() as s:
        for code in codes:
            row = s.exec(sa.select(Dossier).where(Dossier.code == code)).scalar_one()
            state = lifecycle.replay([domain_event(e) for e in events_of(s, row.id)])
            assert row_values(state) == {k: getattr(row, k) for k in row_values(state)}
    assert audit.verify(store).ok


def test_a_failed_step_leaves_the_store_as_it_was(store):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    with store.read() as s:
        n_events = s.exec(sa.select(sa.func.count()).select_from(DossierEvent)).scalar_one()
    with pytest.raises(RuntimeError):
        with store.write() as s:
            dossiers.record_in(s, clerk, code, "transferred", {"to": "Tư pháp"}, NOW)
            raise RuntimeError("power cut after the event write")
    with store.read() as s:
        assert s.exec(sa.select(sa.func.count()).select_from(DossierEvent)).scalar_one() == n_events
        assert s.exec(sa.select(Dossier.status).where(Dossier.code == code)).scalar_one() == 2
    # the next receipt still gets the next number: the failed transaction used nothing up
    assert receive(store, clerk).endswith("-1002")


def test_event_outbox_and_projection_are_written_together(store):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    dossiers.record(store, clerk, code, "transferred", {"to": "Tư pháp"})
    with store.read() as s:
        events = s.exec(sa.select(DossierEvent).order_by(DossierEvent.station_seq)).scalars().all()
        outbox = s.exec(sa.select(Outbox.event_id).order_by(Outbox.station_seq)).scalars().all()
        assert [e.id for e in events] == outbox
        assert [e.station_seq for e in events] == [1, 2]
        assert events[1].parent == events[0].id and events[1].prev_hash == events[0].hash
        assert json.loads(events[1].payload) == {"to": "Tư pháp"}


def test_events_are_append_only_in_the_database(store):
    receive(store, actor_for(store, "canbo"))
    con = sqlite3.connect(store.db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE dossier_events SET kind = 'returned'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM dossier_events")
    con.close()


def _tamper(store: Store, sql: str) -> None:
    con = sqlite3.connect(store.db_path)
    con.executescript("DROP TRIGGER dossier_events_no_update; DROP TRIGGER dossier_events_no_delete;"
                      "PRAGMA foreign_keys=OFF;" + sql)
    con.close()


@pytest.mark.parametrize("sql, expected", [
    ("UPDATE dossier_events SET payload = replace(payload, 'Tư pháp', 'Công an') WHERE station_seq = 2;",
     "nội dung đã bị sửa"),
    ("DELETE FROM outbox WHERE station_seq = 2; DELETE FROM dossier_events WHERE station_seq = 2;",
     "thiếu sự kiện số 2"),
    ("DELETE FROM outbox WHERE station_seq = 3; DELETE FROM dossier_events WHERE station_seq = 3;",
     "thiếu sự kiện cuối"),
    ("UPDATE dossiers SET status = 10;", "khác với lịch sử"),
])
def test_hash_chain_detects_edited_or_deleted_events(store, sql, expected):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    dossiers.record(store, clerk, code, "transferred", {"to": "Tư pháp"})
    dossiers.record(store, clerk, code, "note_added", {"text": "đã gọi điện"})
    assert audit.verify(store).ok
    _tamper(store, sql)
    report = audit.verify(store)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


def _receive_many(path: str, n: int, queue) -> None:  # runs in a child process
    from counter.domain.clock import SystemClock
    from counter.services.store import Store as S

    store = S.open(path, clock=SystemClock(), migrate=False)
    clerk = actor_for(store, "canbo")
    queue.put([receive(store, clerk, at=NOW) for _ in range(n)])


@pytest.mark.process
@pytest.mark.slow
def test_two_processes_receiving_at_the_same_moment_never_share_a_code(tmp_path):
    path = tmp_path / "data"
    make_store(path).close()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_receive_many, args=(str(path), 40, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    codes = results[0] + results[1]
    assert len(codes) == 80 and len(set(codes)) == 80
    assert sorted(int(c[-4:]) for c in codes) == list(range(1001, 1081))
    store = Store.open(path, migrate=False)
    assert audit.verify(store).ok


def test_receive_rejects_unknown_procedure_and_postal_in_person(store):
    with pytest.raises(CounterError, match="Không tìm thấy thủ tục"):
        receive(store, actor_for(store, "canbo"), procedure="9.999999")
    with pytest.raises(CounterError, match="bưu điện không được tiếp nhận"):
        receive(store, actor_for(store, "buudien"), procedure="1.000894")  # kết hôn: in person
    with pytest.raises(CounterError, match="không được phép"):
        receive(store, actor_for(store, "quantri"))
    with store.read() as s:
        assert s.exec(sa.select(sa.func.count()).select_from(Dossier)).scalar_one() == 0
