"""Sync fixtures: the real central server (PostgreSQL) in process behind a faulty httpx transport, and two
stations (two local stores of one office) pointed at it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from counter.central import db as central_db
from counter.central import tokens
from counter.central.app import create_app
from counter.domain.clock import FixedClock
from counter.services import audit, auth, office
from counter.services import sync as sync_service
from counter.services.store import Store
from tests.conftest import NOW, OFFICE, PASSWORD, USERS, make_store, new_store
from tests.helpers.central import add_server_users

SERVER = "http://central.test"


class Faulty(httpx.BaseTransport):
    """Forwards to the in-process server, with faults on demand:
    `down` (connection refused), `faults`: a list of callables (request, forward) -> response, used one per
    matching request, for a dropped response, a duplicated or reordered batch, a damaged upload…"""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner
        self.down = False
        self.faults: list[tuple[str, Callable[[httpx.Request, Callable[[httpx.Request], httpx.Response]],
                                             httpx.Response]]] = []
        self.log: list[tuple[str, str, int]] = []

    def forward(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.log.append((request.method, request.url.path, response.status_code))
        return response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("Connection refused", request=request)
        for i, (prefix, fault) in enumerate(self.faults):
            if f"{request.method} {request.url.path}".startswith(prefix):
                del self.faults[i]
                return fault(request, self.forward)
        return self.forward(request)


def rebuild_request(request: httpx.Request, body: dict[str, Any]) -> httpx.Request:
    return httpx.Request(request.method, request.url, headers={k: v for k, v in request.headers.items()
                                                                if k.lower() != "content-length"},
                         json=body)


class Central:
    def __init__(self, url: str, migrate: bool = True, **options: Any):
        self.url = url
        self.engine = central_db.make_engine(url, pool_size=2)
        if migrate:
            central_db.upgrade(self.engine)
            add_server_users(self.engine)  # the office's users: the server judges every event by them
        else:  # a copy of the migrated template (users included): an epoch of its own, as a new database has
            central_db.new_epoch(self.engine)
        self.app = create_app(url, clock=FixedClock(NOW + timedelta(minutes=5)), migrate=False,
                              **{"track_rate": 0, "pool_size": 2, **options})
        self.test_client = TestClient(self.app, base_url=SERVER)
        self.transport = Faulty(self.test_client._transport)

    def token(self, station: int) -> str:
        return tokens.add(self.engine, OFFICE, station, NOW)[1]

    def events(self) -> list[dict[str, Any]]:
        with self.engine.connect() as c:
            rows = c.execute(sa.text("SELECT id, status, office_seq, wire FROM central_events "
                                     "ORDER BY office_seq NULLS LAST, id")).all()
        return [{"id": r[0], "status": r[1], "office_seq": r[2], **json.loads(r[3])} for r in rows]

    def track(self, token: str) -> dict[str, Any]:
        r = self.test_client.get(f"/api/v1/track/{token}")
        assert r.status_code == 200, r.text
        return r.json()

    def close(self) -> None:
        self.test_client.close()
        self.app.state.engine.dispose()
        self.engine.dispose()


@pytest.fixture
def central(pg_database, central_template):
    c = Central(pg_database(template=central_template), migrate=False)
    yield c
    c.close()


def make_station(path, number: int) -> Store:
    if number == 1:
        return make_store(path)
    store = new_store(path)
    with store.write() as s:
        office.create_office(s, office_id=OFFICE, name="Bộ phận Một cửa UBND xã Phục Linh", station_number=number,
                             parent_name="UBND XÃ PHỤC LINH", place_name="Phục Linh")
        # another order than station 1: the same user id names other people on the two stations
        for username, role in reversed(list(USERS.items())):
            auth.create_user(s, OFFICE, username, f"Người Dùng {username.title()} Quầy Hai", role, PASSWORD, NOW)
    return store


class Station:
    def __init__(self, store: Store, central: Central, number: int):
        self.store, self.central, self.number = store, central, number
        sync_service.setup(store, SERVER, central.token(number))

    def client(self):
        return sync_service.client_for(self.store, transport=self.central.transport)

    def sync(self) -> sync_service.CycleReport:
        with self.client() as client:
            return sync_service.run_cycle(self.store, client)

    def drain(self, rounds: int = 10) -> None:
        """Sync until nothing is pending (faults may need several cycles)."""
        for _ in range(rounds):
            try:
                self.sync()
            except sync_service.SyncError:
                continue
            if sync_service.status(self.store).pending == 0:
                return
        raise AssertionError(f"station {self.number} still has pending events")


@pytest.fixture
def stations(tmp_path, central):
    s1 = Station(make_station(tmp_path / "s1", 1), central, 1)
    s2 = Station(make_station(tmp_path / "s2", 2), central, 2)
    yield s1, s2
    s1.store.close()
    s2.store.close()


def dossier_rows(store: Store) -> list[dict[str, Any]]:
    """Every dossier row (without the local integer rowid) and its documents, sorted by id."""
    with store.read() as s:
        rows = [dict(r._mapping) for r in s.execute(sa.text("SELECT * FROM dossiers ORDER BY id"))]
        docs = [dict(r._mapping) for r in s.execute(sa.text(
            "SELECT dossier_id, position, name, originals, certified_copies, photocopies, digitization, blobs "
            "FROM dossier_documents ORDER BY dossier_id, position"))]
    for r in rows:
        r.pop("seq")
    return rows + docs


def event_ids(store: Store) -> set[str]:
    with store.read() as s:
        return set(s.execute(sa.text("SELECT id FROM dossier_events")).scalars())


def assert_converged(central: Central, *stations: Station) -> None:
    """Each event once on the server; every station holds the server's accepted log; the same dossier rows."""
    server = central.events()
    ids = [e["id"] for e in server]
    assert len(ids) == len(set(ids))
    accepted = {e["id"] for e in server if e["status"] == "accepted"}
    rejected = {e["id"] for e in server if e["status"] == "rejected"}
    for st in stations:
        local = event_ids(st.store)
        own = {e["id"] for e in server if e["station_id"] == station_id(st.store)}
        assert accepted <= local  # nothing lost
        with st.store.read() as s:
            confirmed = set(s.execute(sa.text("SELECT event_id FROM sync_events")).scalars())
            conflicts = set(s.execute(sa.text("SELECT event_id FROM sync_conflicts")).scalars())
            mine = set(s.execute(sa.text("SELECT id FROM dossier_events WHERE station_id = :s"),
                                 {"s": station_id(st.store)}).scalars())
        assert confirmed == accepted
        assert mine == own  # every own event reached the server once
        assert conflicts == rejected & own  # each rejection visible where it was made
        assert sync_service.status(st.store).pending == 0
    for st in stations:  # `counter audit verify`: chains, sequences, rows equal to their history
        report = audit.verify(st.store)
        assert report.ok, report.problems
    first = dossier_rows(stations[0].store)
    for st in stations[1:]:
        assert dossier_rows(st.store) == first


def station_id(store: Store) -> str:
    with store.read() as s:
        return office.this_station(s).id
