"""Issue 14 item 4: the server refuses what the station refuses. Each event below is hashed correctly (a
station that skips its checks, or a forged one) and pushed through the real app: it is rejected with a
Vietnamese reason, and no dossier is stored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counter.central import tables as t
from counter.domain.hashing import chain_hash
from tests.central.conftest import add_token, auth, make_event, push_body, wire_events
from tests.conftest import actor_for, receive

BODY_KEYS = ("id", "dossier_id", "office_id", "station_id", "station_seq", "parent", "kind", "actor_id", "at",
             "payload")


def rehashed(ev: dict, **payload) -> dict:
    """The station's event with other payload values, hashed as a station hashes what it sends."""
    out = {**ev, "payload": {**ev["payload"], **payload}}
    out["hash"] = chain_hash(out["prev_hash"], {k: out[k] for k in BODY_KEYS})
    return out


def _dossiers(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.dossiers)).scalar_one()


async def _push_one(client, store, token, ev) -> dict:
    r = await client.post("/api/v1/events", json=push_body(store, [ev]), headers=auth(token))
    assert r.status_code == 200, r.text
    [res] = r.json()["results"]
    return res


BAD = [
    pytest.param({"owner_name": "Nguyễn\x00An"}, "ký tự không hợp lệ", id="NUL in a name"),
    pytest.param({"owner_address": "thôn \x1b]0;hacked\x07 Phục Linh"}, "ký tự điều khiển", id="ESC in an address"),
    pytest.param({"submitter_name": "\x1b[2J"}, "ký tự không hợp lệ", id="ESC in a name"),
    pytest.param({"owner_name": "A" * 1_000_000}, "quá dài", id="1 MB name"),
    pytest.param({"owner_name": "<script>alert(1)</script>"}, "ký tự không hợp lệ", id="script in a name"),
    pytest.param({"working_days": -5}, "số ngày làm việc", id="working_days -5"),
    pytest.param({"working_days": 10**6}, "số ngày làm việc", id="working_days 10^6"),
    pytest.param({"papers": "Tờ khai"}, "danh sách giấy tờ", id="papers as a string"),
    pytest.param({"papers": [{"name": "Tờ khai", "originals": -1}]}, "số bản chính", id="negative copies"),
    pytest.param({"fee": -100}, "phí, lệ phí", id="negative fee"),
    pytest.param({"sets": 10**9}, "số bộ hồ sơ", id="sets 10^9"),
    pytest.param({"owner_phone": "gọi tôi"}, "Số điện thoại không hợp lệ", id="bad phone"),
    pytest.param({"token": "../../etc"}, "mã tra cứu", id="bad token"),
    pytest.param({"code": "H56.111-261123-1001"}, "không mang mã cơ quan H55.242", id="another office's prefix"),
    pytest.param({"code": "<b>1</b>"}, "Mã hồ sơ không hợp lệ", id="code not a code"),
    pytest.param({"field": "x\x00"}, "ký tự điều khiển", id="NUL in a declared text"),
    pytest.param({"something_new": "x\x1b[31m"}, "ký tự điều khiển", id="ESC in an undeclared key"),
]


@pytest.mark.parametrize(("change", "reason"), BAD)
async def test_a_receipt_the_station_would_refuse_is_rejected(central, station_store, change, reason):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    [ev] = wire_events(station_store)
    res = await _push_one(client, station_store, token, rehashed(ev, **change))
    assert res["status"] == "rejected", res
    assert reason.lower() in res["reason"].lower()
    assert _dossiers(engine) == 0


async def test_a_code_another_dossier_of_the_office_has_is_rejected(central, station_store):
    client, engine = central
    token = add_token(engine)
    clerk = actor_for(station_store, "canbo")
    first = receive(station_store, clerk)
    receive(station_store, clerk, name="Trần Thị Bình")
    a, b = wire_events(station_store)
    assert (await _push_one(client, station_store, token, a))["status"] == "accepted"
    res = await _push_one(client, station_store, token, rehashed(b, code=first))
    assert res["status"] == "rejected" and f"Mã hồ sơ {first} đã được dùng" in res["reason"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.dossiers.c.code)).scalars().all() == [first]


async def test_two_new_dossiers_with_one_code_in_one_batch(central, station_store):
    client, engine = central
    token = add_token(engine)
    clerk = actor_for(station_store, "canbo")
    first = receive(station_store, clerk)
    receive(station_store, clerk, name="Trần Thị Bình")
    a, b = wire_events(station_store)
    b = rehashed({**b, "prev_hash": a["hash"]}, code=first)
    r = await client.post("/api/v1/events", json=push_body(station_store, [a, b]), headers=auth(token))
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "rejected"]
    assert _dossiers(engine) == 1


async def test_an_esc_in_a_note_is_rejected(central, station_store):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    [ev] = wire_events(station_store)
    assert (await _push_one(client, station_store, token, ev))["status"] == "accepted"
    note = make_event(station=ev["station_id"], seq=2, prev_hash=ev["hash"], dossier_id=ev["dossier_id"],
                      parent=ev["id"], kind="note_added", payload={"text": "xem \x1b]0;owned\x07"})
    res = await _push_one(client, station_store, token, note)
    assert res["status"] == "rejected" and "ký tự điều khiển" in res["reason"]


@pytest.mark.parametrize(("field", "value"), [("station_seq", 10**30), ("actor_id", -1), ("at", "hôm qua"),
                                              ("at", "2026-11-23T09:00:00"), ("hash", "x" * 64),
                                              ("actor", {"role": 5})])
async def test_a_malformed_wire_event_is_rejected_not_a_server_error(central, station_store, field, value):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    [ev] = wire_events(station_store)
    res = await _push_one(client, station_store, token, {**ev, field: value})
    assert res["status"] == "rejected" and "Sự kiện không đúng dạng" in res["reason"]
    assert _dossiers(engine) == 0
