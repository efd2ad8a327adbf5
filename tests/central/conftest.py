"""Central-server fixtures: a migrated PostgreSQL database per test, an httpx client on the app, tokens, and
station-side events made by really receiving dossiers in a local store and turning the rows into wire events."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from counter.central import db as central_db
from counter.central import tokens
from counter.central.app import create_app
from counter.domain.clock import FixedClock
from counter.models import DossierEvent, User
from counter.services.events import event_body
from counter.services.office import this_station
from counter.services.store import Store
from tests.conftest import NOW, OFFICE, make_store
from tests.helpers.central import SERVER_USERS, add_server_users  # noqa: F401 (tests import them from here)

OFFICE_INFO = {"id": OFFICE, "name": "Bộ phận Một cửa UBND xã Phục Linh", "phone": "0208 3812 345",
               "address": "xã Phục Linh, tỉnh Thái Nguyên"}


def wire_events(store: Store, after_seq: int = 0) -> list[dict[str, Any]]:
    """This station's events after `after_seq`, as the sync client sends them (sync-api.md, "Wire event")."""
    with store.read() as s:
        station = this_station(s).id
        rows = s.exec(select(DossierEvent).where(DossierEvent.station_id == station,
                                                 DossierEvent.station_seq > after_seq)
                      .order_by(DossierEvent.station_seq)).all()
        users = {u.id: u for u in s.exec(select(User)).all()}
        out = []
        for ev in rows:
            u = users.get(ev.actor_id)
            out.append({**event_body(ev), "prev_hash": ev.prev_hash, "hash": ev.hash,
                        "actor": {"username": u.username, "full_name": u.full_name, "role": u.role} if u else None})
    return out


def station_id(store: Store) -> str:
    with store.read() as s:
        return this_station(s).id


def push_body(store: Store, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"station_id": station_id(store), "office": OFFICE_INFO, "events": events}


@pytest.fixture
def central_url(pg_database, central_template) -> str:
    """A new central database at the newest migration, of its own epoch."""
    url = pg_database(template=central_template)
    engine = central_db.make_engine(url, pool_size=1)
    central_db.new_epoch(engine)
    engine.dispose()
    return url


@pytest.fixture
def central_engine(central_url):
    engine = central_db.make_engine(central_url, pool_size=2)
    yield engine
    engine.dispose()


def add_token(engine, office: str = OFFICE, station: int = 1) -> str:
    return tokens.add(engine, office, station, NOW)[1]


@pytest.fixture
async def central(central_url, central_engine):
    """(client, engine): an httpx client on the app, in process (ASGI transport), rate limit off."""
    app = create_app(central_url, clock=FixedClock(NOW + timedelta(minutes=5)), migrate=False, track_rate=0,
                     pool_size=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://central") as client:
        yield client, central_engine
    app.state.engine.dispose()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def station_store(tmp_path) -> Store:
    s = make_store(tmp_path / "station1")
    yield s
    s.close()


def make_event(*, station: str, seq: int, prev_hash: str, dossier_id: str, parent: str | None, kind: str,
               payload: dict[str, Any] | None = None, office: str = OFFICE, at=None, actor_id: int | None = 1,
               role: str = "clerk", username: str | None = None) -> dict[str, Any]:
    """A hand-built wire event (for a second station, or a forged one), hashed as a station hashes it. Its
    actor is the server's user `username`, by default the one of `role` (canbo2, buudien, giamsat, quantri)."""
    import uuid

    from counter.domain.hashing import chain_hash

    body = {"id": str(uuid.uuid4()), "dossier_id": dossier_id, "office_id": office, "station_id": station,
            "station_seq": seq, "parent": parent, "kind": kind, "actor_id": actor_id,
            "at": (at or NOW + timedelta(hours=1)).astimezone(UTC).isoformat(), "payload": payload or {}}
    return {**body, "prev_hash": prev_hash, "hash": chain_hash(prev_hash, body),
            "actor": {"username": username or ROLE_USERS[role], "full_name": "Trần Văn Bình", "role": role}}


#: the server's user of each role that hand-built events name
ROLE_USERS = {"clerk": "canbo2", "postal": "buudien", "supervisor": "giamsat", "admin": "quantri"}
