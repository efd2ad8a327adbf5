"""Issue 14, item 3: the server judges every pushed event by its own list of the office's users: the actor must
be a known, unlocked user of the station's office, and the role is the server's, never the one the station
wrote into "actor" (outside the hash)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from counter.central import tables as t
from counter.central import users as central_users
from counter.central.ingest import NO_ACTOR
from counter.domain.hashing import GENESIS
from tests.central.conftest import add_token, auth, make_event, station_id, wire_events
from tests.conftest import NOW, actor_for, receive

DUE = {"due_at": "2026-12-30T10:00:00+00:00", "reason": "Cần xác minh thêm"}


async def _push(client, token, station, events):  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/events", json={"station_id": station, "events": events}, headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()["results"]


def _received(station: str, **kw):  # type: ignore[no-untyped-def]
    """A hand-built first event of a second station (the actor is checked before the reducer)."""
    return make_event(station=station, seq=1, prev_hash=GENESIS, dossier_id=str(uuid.uuid4()), parent=None,
                      kind="note_added", payload={"text": "x"}, **kw)


async def test_the_role_written_in_the_push_is_not_believed(central, station_store):
    """A clerk's "extended" (a supervisor's action) sent with actor.role "supervisor" is judged by the clerk's
    role on the server; a clerk's reception sent with role "admin" (who may not receive) is accepted."""
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"), procedure="1.004873")  # 3 days: Mẫu 04 today is in time
    [created] = wire_events(station_store)
    created["actor"] = {**created["actor"], "role": "admin"}  # admin may not receive: the claim is ignored
    s1 = station_id(station_store)
    extended = make_event(station=s1, seq=2, prev_hash=created["hash"], dossier_id=created["dossier_id"],
                          parent=created["id"], kind="extended", role="supervisor", username="canbo",
                          payload=DUE)
    res = await _push(client, token, s1, [created, extended])
    assert [r["status"] for r in res] == ["accepted", "rejected"], res
    assert res[1]["reason"] == "Người dùng “canbo” (Cán bộ một cửa) không được phép gia hạn hồ sơ."
    # the same step by the server's supervisor is accepted, whatever role the station wrote
    again = make_event(station=s1, seq=3, prev_hash=extended["hash"], dossier_id=created["dossier_id"],
                       parent=created["id"], kind="extended", role="clerk", username="giamsat", payload=DUE)
    assert (await _push(client, token, s1, [again]))[0]["status"] == "accepted"


async def test_a_role_changed_on_the_server_judges_the_next_push(central, station_store):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"), procedure="1.004873")  # 3 days: Mẫu 04 today is in time
    [created] = wire_events(station_store)
    s1 = station_id(station_store)
    assert (await _push(client, token, s1, [created]))[0]["status"] == "accepted"
    central_users.set_role(engine, "H55.242", "canbo", "supervisor", NOW)
    extended = make_event(station=s1, seq=2, prev_hash=created["hash"], dossier_id=created["dossier_id"],
                          parent=created["id"], kind="extended", role="clerk", username="canbo", payload=DUE)
    assert (await _push(client, token, s1, [extended]))[0]["status"] == "accepted"


async def test_an_event_without_a_known_unlocked_actor_is_rejected(central):
    client, engine = central
    token = add_token(engine)
    central_users.set_locked(engine, "H55.242", "buudien", True, NOW)
    station = str(uuid.uuid4())
    no_actor = _received(station)
    no_actor["actor"] = None
    prev = no_actor["hash"]
    events = [no_actor]
    for i, change in enumerate(({"actor_id": None}, {"username": "nguoila"}, {"username": "buudien"},
                                {"username": "<b>x</b>"}), start=2):
        e = make_event(station=station, seq=i, prev_hash=prev, dossier_id=str(uuid.uuid4()), parent=None,
                       kind="note_added", payload={"text": "x"},
                       actor_id=change.get("actor_id", 1), username=change.get("username", "canbo"),
                       at=NOW + timedelta(hours=i))
        events.append(e)
        prev = e["hash"]
    missing_key = make_event(station=station, seq=6, prev_hash=prev, dossier_id=str(uuid.uuid4()), parent=None,
                             kind="note_added", payload={"text": "x"})
    del missing_key["actor"]
    events.append(missing_key)
    res = await _push(client, token, station, events)
    assert [r["status"] for r in res] == ["rejected"] * 6, res
    assert [r["reason"] for r in res] == [
        NO_ACTOR, NO_ACTOR,
        "Người thực hiện “nguoila” không có trong danh sách người dùng của cơ quan trên máy chủ.",
        "Tài khoản “buudien” đã bị khóa trên máy chủ: không nhận sự kiện của tài khoản này.",
        "Người thực hiện “(tên không hợp lệ)” không có trong danh sách người dùng của cơ quan trên máy chủ.",
        NO_ACTOR]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.dossiers)).scalar_one() == 0


async def test_a_user_of_another_office_is_unknown_here(central, station_store):
    client, engine = central
    token = add_token(engine)
    central_users.add(engine, "H55.999", "khach", "Lê Văn Khách", "supervisor", "matkhau123", NOW)
    receive(station_store, actor_for(station_store, "canbo"), procedure="1.004873")  # 3 days: Mẫu 04 today is in time
    [created] = wire_events(station_store)
    created["actor"] = {"username": "khach", "full_name": "Lê Văn Khách", "role": "supervisor"}
    res = await _push(client, token, station_id(station_store), [created])
    assert res[0]["status"] == "rejected" and "“khach” không có trong danh sách" in res[0]["reason"]


async def test_stations_receive_their_offices_users_with_hashes(central):
    client, engine = central
    token = add_token(engine)
    other = add_token(engine, office="H55.999")
    central_users.add(engine, "H55.999", "khach", "Lê Văn Khách", "clerk", "matkhau123", NOW)
    mine = (await client.get("/api/v1/users", headers=auth(token))).json()
    assert mine["office_id"] == "H55.242"
    assert {u["username"]: u["role"] for u in mine["users"]} == {
        "canbo": "clerk", "buudien": "postal", "giamsat": "supervisor", "quantri": "admin", "canbo2": "clerk"}
    assert all(u["password_hash"].startswith("$argon2") and u["locked"] is False for u in mine["users"])
    theirs = (await client.get("/api/v1/users", headers=auth(other))).json()
    assert [u["username"] for u in theirs["users"]] == ["khach"]
    assert (await client.get("/api/v1/users")).status_code == 401


def test_import_once_then_the_servers_list_wins(central_engine, station_store):
    import json

    import pytest

    from counter.domain.errors import CounterError
    from counter.services import auth as station_auth

    exported = json.dumps(station_auth.export_users(station_store))
    with pytest.raises(CounterError) as exc:  # the test office already has users on the server
        central_users.import_users(central_engine, exported, NOW)
    assert "đã có người dùng trên máy chủ" in exc.value.message
    data = json.loads(exported)
    data["office_id"] = "H55.777"
    office, n = central_users.import_users(central_engine, json.dumps(data), NOW)
    assert (office, n) == ("H55.777", 4)
    assert {u.username: u.role for u in central_users.list_users(central_engine, "H55.777")} == {
        "canbo": "clerk", "buudien": "postal", "giamsat": "supervisor", "quantri": "admin"}
    bad = {**data, "office_id": "H55.778", "users": [*data["users"], {**data["users"][0], "role": "boss"}]}
    with pytest.raises(CounterError) as exc:  # one bad row: nothing written
        central_users.import_users(central_engine, json.dumps(bad), NOW)
    assert "Vai trò không hợp lệ" in exc.value.message and central_users.list_users(central_engine, "H55.778") == []
