"""Bugs the sync state machine (test_state_machine.py) found, each shrunk to a plain test: stations and the
real central server as the machine builds them (SQLite, in process, no faults unless the test adds one)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter.central import db as central_db
from counter.domain.clock import FixedClock
from counter.services import progress
from counter.services import sync as sync_service
from tests.conftest import NOW, receive
from tests.helpers.events import FIELDS
from tests.helpers.sync_machine import (
    OWNER_ID,
    Node,
    Server,
    _backup,
    _central_url,
    _root,
    check_converged,
)


@pytest.fixture
def office():
    folder = Path(tempfile.mkdtemp(prefix="regression-", dir=_root()))
    base = FixedClock(NOW)
    server = Server(_central_url(folder), base)
    nodes = [Node(n, folder, base, server) for n in (1, 2)]
    yield base, server, nodes
    for node in nodes:
        node.store.close()
    server.close()
    shutil.rmtree(folder, ignore_errors=True)


def received_and_backed_up(office, tmp_path: Path) -> tuple[str, Path]:  # type: ignore[no-untyped-def]
    """A dossier received at counter 1, both counters synced, then the central database's backup."""
    _, server, (s1, s2) = office
    code = receive(s1.store, s1.actor("canbo"), id_number=OWNER_ID)
    s1.track()
    s1.sync(); s2.sync()
    backup = tmp_path / "central-backup.db"
    _backup(Path(server.engine.url.database or ""), backup)
    return code, backup


@contextmanager
def restored_server(backup: Path, tmp_path: Path, base: FixedClock, server: Server,
                    nodes: tuple[Node, ...]) -> Iterator[Server]:
    """The central server back from `backup` with a new epoch (`counter serve` after a restore), the stations
    pointed at it for the block, then back at `server`."""
    path = tmp_path / "central-restored.db"
    shutil.copyfile(backup, path)
    engine = central_db.make_engine(f"sqlite:///{path}")
    central_db.new_epoch(engine)
    engine.dispose()
    restored = Server(f"sqlite:///{path}", base)
    try:
        for node in nodes:
            node.server = restored
        yield restored
    finally:
        for node in nodes:
            node.server = server
        restored.close()


def act(base, node, code, kind, who="canbo"):  # type: ignore[no-untyped-def]
    base.advance(minutes=10)
    progress.record_event(node.store, node.actor(who), code, kind, FIELDS[kind])
    node.track()


def test_the_f4_view_opens_after_a_conflict_whose_steps_no_longer_replay_in_local_order(office):
    """Two counters hand the same dossier on while cut off; the second also marks it resolved. Both are
    rejected (the second stands on the first), the first counter's hand-off is pulled. The station's events in
    local order (received, own hand-off, own resolved, pulled hand-off) no longer replay (a hand-off after
    "resolved"), and the F4 view (its Mẫu 06 rows) raised TransitionError: the clerk could not open the dossier
    again. The rows come from the events the dossier row folds (office order, rejected ones left out)."""
    base, server, (s1, s2) = office
    code = receive(s1.store, s1.actor("canbo"), id_number=OWNER_ID)
    s1.track()
    s1.sync(); s2.sync()
    act(base, s1, code, "transferred")
    act(base, s2, code, "transferred")
    act(base, s2, code, "resolved")
    s1.sync(); s2.sync(); s1.sync()
    assert len(sync_service.conflicts(s2.store)) == 2
    view = progress.progress_view(s2.store, s2.actor("canbo"), code)
    assert view.status == 4 and [r.receiver for r in view.rows] == ["Tư pháp"]
    assert view.rows == progress.progress_view(s1.store, s1.actor("canbo"), code).rows
    check_converged(server, [s1, s2])


def test_a_restored_server_gets_the_rejected_events_too_and_the_station_is_not_stuck(office, tmp_path):
    """The server is restored from a backup older than a rejected event (new epoch). The station pushed again
    only what was neither confirmed nor rejected, so the restored server, lacking the rejected event's
    station_seq, answered `retry` (gap) to every later event for ever, while `sync status` said no error.
    Now the rejected events are pushed again too (the restored server judges them anew), and a gap is shown."""
    base, server, (s1, s2) = office
    backup = tmp_path / "central-backup.db"
    _backup(Path(server.engine.url.database or ""), backup)  # before anything happened
    code = receive(s1.store, s1.actor("canbo"), id_number=OWNER_ID)
    s1.track()
    s1.sync(); s2.sync()
    act(base, s1, code, "transferred")
    act(base, s2, code, "transferred")  # rejected: station 1's hand-off came first
    s1.sync(); s2.sync(); s1.sync()
    assert len(sync_service.conflicts(s2.store)) == 1
    receive(s2.store, s2.actor("canbo"), name="Trần Thị Bình", id_number=OWNER_ID)  # waits behind it
    s2.track()

    with restored_server(backup, tmp_path, base, server, (s1, s2)) as restored:
        s1.sync()
        report = s2.sync()  # pushed before it learnt of the new epoch: the server lacks its first events
        assert report.retry and "Máy chủ thiếu sự kiện trước số" in sync_service.status(s2.store).last_error
        for _ in range(3):
            s1.sync(); s2.sync()
        assert sync_service.status(s2.store).pending == 0
        check_converged(restored, [s1, s2])


def test_after_a_server_restore_another_stations_event_it_now_rejects_leaves_the_log(office, tmp_path):
    """Both counters hand a dossier on while cut off: station 1's step is accepted, station 2's rejected, and
    station 2 pulls station 1's. The server is restored from a backup taken before the hand-offs. Station 2
    pushes first this time: its step is accepted, station 1's rejected. Station 2 still held station 1's step,
    unconfirmed, and folded it on top as if pending: its dossier row differed from the server's. Another station's
event is never pending here: the log is append-only, so it stays, unconfirmed and not folded."""
    base, server, (s1, s2) = office
    code, backup = received_and_backed_up(office, tmp_path)
    act(base, s1, code, "transferred")
    act(base, s2, code, "transferred")
    s1.sync(); s2.sync()
    assert len(sync_service.conflicts(s2.store)) == 1

    with restored_server(backup, tmp_path, base, server, (s1, s2)) as restored:
        for _ in range(3):
            s2.sync(); s1.sync()
        assert sync_service.conflicts(s2.store) == [] and len(sync_service.conflicts(s1.store)) == 1
        check_converged(restored, [s1, s2], restored=True)
        with s2.store.read() as s:  # the history shows what the row folds: station 2's hand-off only
            dossier = s.execute(sa.text("SELECT id FROM dossiers WHERE code = :c"), {"c": code}).scalar()
            assert [(e.kind, e.station_id) for e in sync_service.history(s, dossier)] == \
                [("received", s1.id), ("transferred", s2.id)]


def test_after_a_server_restore_a_row_drops_another_stations_step_the_restored_server_rejects(office, tmp_path):
    """Both counters record "withdrawn" and a note while cut off (station 2's are rejected, station 1 never
    holds them), then each adds a note that station 1 pulls. The server comes back empty from its backup.
    Station 2 pushes first and its step now wins; station 1's pull from zero no longer confirms station 2's
    later note (the restored server rejects it), yet station 1's row still counted it: `audit verify` found
    the row different from its history (version)."""
    base, server, (s1, s2) = office
    backup = tmp_path / "central-backup.db"
    _backup(Path(server.engine.url.database or ""), backup)
    code = receive(s1.store, s1.actor("canbo"), id_number=OWNER_ID)
    s1.track()
    s1.sync(); s2.sync()
    for kind in ("withdrawn", "note_added"):
        act(base, s1, code, kind)
        act(base, s2, code, kind)
    for _ in range(2):
        s1.sync(); s2.sync()
    act(base, s1, code, "note_added")
    act(base, s2, code, "note_added")
    with restored_server(backup, tmp_path, base, server, (s1, s2)) as restored:
        act(base, s2, code, "note_added")
        act(base, s1, code, "note_added")
        for _ in range(4):
            s2.sync(); s1.sync()
        check_converged(restored, [s1, s2], restored=True)  # audit verify on both stations


def test_after_a_server_restore_a_step_the_lost_server_rejected_is_accepted_in_a_batch_and_the_row_counts_it(
        office, tmp_path):
    """Counter 1 hands a dossier on while counter 2 records it withdrawn; counter 2 syncs first, so counter 1's
    hand-off is rejected and its row leaves it out. The server comes back from a backup taken before either.
    Counter 1 syncs first now: its hand-off goes again, with another dossier's reception in the same batch, and
    is accepted. Its row still left the hand-off out (`audit verify`: "bản ghi khác với lịch sử sự kiện"): the
    conflicts' DELETE … RETURNING ran as an executemany, which returns no rows, so nothing was rebuilt."""
    base, server, (s1, s2) = office
    code, backup = received_and_backed_up(office, tmp_path)
    act(base, s1, code, "transferred")
    act(base, s2, code, "withdrawn")
    s2.sync(); s1.sync()
    with s1.store.read() as s:
        assert s.execute(sa.text("SELECT kind FROM sync_conflicts")).scalars().all() == ["transferred"]
    with restored_server(backup, tmp_path, base, server, (s1, s2)) as restored:
        base.advance(minutes=5)
        receive(s1.store, s1.actor("canbo"), id_number=OWNER_ID)  # pushed in the same batch as the hand-off
        s1.track()
        s1.sync(); s1.sync()  # pulls from zero, then pushes again what the restored server lacks
        with s1.store.read() as s:
            assert s.execute(sa.text("SELECT status FROM dossiers WHERE code = :c"), {"c": code}).scalar() == 4
        for _ in range(3):
            s2.sync(); s1.sync()
        check_converged(restored, [s1, s2], restored=True)  # audit verify on both stations
