"""The central tables equal their migrations, on PostgreSQL and on SQLite (the one-machine demo)."""

from __future__ import annotations

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from counter.central import db as central_db
from counter.central.app import create_app
from counter.central.tables import metadata
from tests.central.conftest import add_server_users, add_token, auth, push_body, wire_events
from tests.conftest import actor_for, receive


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": "central_alembic_version"})
        return compare_metadata(ctx, metadata)


def test_migrations_match_tables_on_postgresql(pg_database):
    engine = central_db.make_engine(pg_database(), pool_size=1)
    try:
        central_db.upgrade(engine)
        assert _diff(engine) == []
        assert len(central_db.epoch(engine)) == 8
    finally:
        engine.dispose()


async def test_sqlite_demo_server_accepts_and_tracks(tmp_path, station_store):
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    app = create_app(url, track_rate=0)
    engine = app.state.engine
    try:
        assert _diff(engine) == []
        add_server_users(engine)
        token = add_token(engine)
        code = receive(station_store, actor_for(station_store, "canbo"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as client:
            r = await client.post("/api/v1/events", json=push_body(station_store, wire_events(station_store)),
                                  headers=auth(token))
            assert r.json()["results"][0]["status"] == "accepted"
            tracking = station_store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]
            assert (await client.get(f"/api/v1/track/{tracking}")).json()["code"] == code
    finally:
        engine.dispose()
