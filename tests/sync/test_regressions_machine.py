"""Bugs the sync state machine (test_state_machine.py) found, each shrunk to a plain test: stations and the
real central server as the machine builds them (SQLite, in process, no faults unless the test adds one)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from counter.domain.clock import FixedClock
from counter.services import progress
from counter.services import sync as sync_service
from tests.conftest import NOW, receive
from tests.services.test_progress import FIELDS
from tests.sync.test_state_machine import OWNER_ID, Node, Server, _central_url, _root, check_converged


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
