"""Shared fixtures: a real SQLite store in tmp_path with one office, users of every role and the catalogue."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from counter.domain.calendar import VN_TZ
from counter.domain.clock import FixedClock
from counter.services import auth, catalogue, office
from counter.domain.intake import Applicant, ReceiveRequest
from counter.services.dossiers import default_papers, receive_in
from counter.services.store import Actor, Store
from tests.pg import pg_database, pg_url  # noqa: F401  (PostgreSQL for tests/central and tests/sync)

OFFICE = "H55.242"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)  # a Monday
USERS = {"canbo": "clerk", "buudien": "postal", "giamsat": "supervisor", "quantri": "admin"}
PASSWORD = "matkhau123"


def make_store(path, now: datetime = NOW) -> Store:
    store = Store.open(path, clock=FixedClock(now), create=True)
    catalogue.load_default_catalogue(store)
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
