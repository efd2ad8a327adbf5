"""Issue 14: the server keeps dossier codes unique per office: a clash is a clean rejection, not a 503, and the
station's next events in the same batch still go."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from counter.central import tables as t
from counter.domain.codes import new_token
from tests.central.conftest import (
    add_token,
    auth,
    make_event,
    push_body,
    station_id,
    wire_events,
)
from tests.conftest import actor_for, receive


async def test_a_second_dossier_under_a_code_is_rejected_and_the_batch_goes_on(central, station_store):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    [first] = wire_events(station_store)
    sid = station_id(station_store)
    other = str(uuid.uuid4())
    dup = make_event(station=sid, seq=2, prev_hash=first["hash"], dossier_id=other, parent=None, kind="received",
                     payload={**first["payload"], "dossier_id": other, "token": new_token()})
    note = make_event(station=sid, seq=3, prev_hash=dup["hash"], dossier_id=first["dossier_id"],
                      parent=first["id"], kind="note_added", payload={"text": "Gọi lại cho công dân"})
    r = await client.post("/api/v1/events", json=push_body(station_store, [first, dup, note]), headers=auth(token))
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["accepted", "rejected", "accepted"], res
    assert f"Mã hồ sơ {first['payload']['code']} đã được dùng cho một hồ sơ khác của cơ quan" in res[1]["reason"]
    with engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.dossiers)).scalar_one() == 1


async def test_the_station_info_tells_the_last_sequence_and_the_free_numbers(central, station_store):
    client, engine = central
    token = add_token(engine, station=1)
    add_token(engine, station=3)
    r = await client.get("/api/v1/station", headers=auth(token))
    assert r.json() == {"office_id": "H55.242", "station_number": 1, "station_id": None, "last_seq": 0,
                        "last_hash": "0" * 64, "taken": [3], "free": [1, 2, 4, 5, 6, 7, 8, 9], "clash": None}
    receive(station_store, actor_for(station_store, "canbo"))
    evs = wire_events(station_store)
    await client.post("/api/v1/events", json=push_body(station_store, evs), headers=auth(token))
    info = (await client.get("/api/v1/station", headers=auth(token))).json()
    assert (info["station_id"], info["last_seq"], info["last_hash"]) == (station_id(station_store), 1, evs[0]["hash"])
    # a second token for number 1 is told another machine syncs under it
    second = add_token(engine, station=1)
    clash = (await client.get("/api/v1/station", headers=auth(second))).json()["clash"]
    assert clash and "Quầy số 1 của H55.242 đang do một máy trạm khác dùng" in clash
    own = (await client.get("/api/v1/station/events?after_seq=0", headers=auth(token))).json()
    assert [e["id"] for e in own["events"]] == [evs[0]["id"]] and own["has_more"] is False


def test_migration_c002_keeps_the_first_dossier_under_a_code_held_twice(tmp_path):
    """A database made before the check may hold one code twice: the upgrade keeps the first accepted dossier
    under it, marks the other's column, and builds the unique index."""
    from datetime import UTC, datetime

    from alembic import command

    from counter.central import db as central_db

    engine = central_db.make_engine(f"sqlite:///{tmp_path / 'central.sqlite3'}", pool_size=1)
    try:
        command.upgrade(central_db.alembic_config(engine), "c001")
        now = datetime(2026, 12, 1, tzinfo=UTC)
        with engine.begin() as c:
            for i, (dossier, seq) in enumerate((("second-one", 2), ("first-one", 1))):
                c.execute(sa.insert(t.dossiers).values(id=dossier, office_id="H55.242", token=f"T{i}",
                                                       code="H55.242-261202-1001", head="e", state="{}",
                                                       public="{}", updated_at=now))
                c.execute(sa.insert(t.events).values(id=f"e{seq}", office_id="H55.242", station_id=f"s{seq}",
                                                     station_seq=1, dossier_id=dossier, kind="received",
                                                     status="accepted", office_seq=seq, content="c", wire="{}",
                                                     received_at=now))
        central_db.upgrade(engine)
        with engine.connect() as c:
            codes = dict(c.execute(sa.select(t.dossiers.c.id, t.dossiers.c.code)).all())
        assert codes == {"first-one": "H55.242-261202-1001", "second-one": "H55.242-261202-1001~second-o"}
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as c:
            c.execute(sa.update(t.dossiers).where(t.dossiers.c.id == "second-one")
                      .values(code="H55.242-261202-1001"))
    finally:
        engine.dispose()
