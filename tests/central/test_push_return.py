"""The central server refuses a hand-over that breaks the return rules (issue 12), as the station does: it runs
the same reducer. Events are forged here as a station that skipped its own checks would send them."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from counter.central import tables as t
from counter.services import progress
from tests.central.conftest import add_token, auth, make_event, station_id, wire_events
from tests.conftest import actor_for, receive

OWNER_ID = "001090123456"
PROXY_QR = "001192345678||Trần Thị Bình|02021992|Nữ|Thôn 5, xã Phục Linh, tỉnh Thái Nguyên|01012022"
PAPERS = [{"name": "Giấy khai sinh bản chính", "count": 1}]
PROXY = {"method": "counter", "receiver": "authorized", "receiver_name": "Trần Thị Bình",
         "receiver_id_number": "001192345678", "receiver_source": "cccd_qr", "papers": PAPERS,
         "authorization": {"kind": "Văn bản ủy quyền có chứng thực", "number": "125/2026/SCT", "date": "2026-11-20",
                           "issuer": "UBND xã Phục Linh"}}


async def _push(client, token, station, events):  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/events", json={"station_id": station, "events": events}, headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()["results"]


def _server_status(engine, dossier_id: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        state = conn.execute(sa.select(t.dossiers.c.state).where(t.dossiers.c.id == dossier_id)).scalar_one()
    return json.loads(state)["status"]


async def test_a_pushed_return_breaking_the_rules_is_rejected(central, station_store):
    client, engine = central
    token = add_token(engine)
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk, id_number=OWNER_ID)
    progress.record_event(station_store, clerk, code, "resolved", {"note": "Giấy khai sinh bản chính"})
    created, resolved = wire_events(station_store)
    s1 = station_id(station_store)
    assert [r["status"] for r in await _push(client, token, s1, [created, resolved])] == ["accepted", "accepted"]

    bad = [
        ({**PROXY, "authorization": PROXY_QR}, "Giấy ủy quyền không thể là nội dung mã QR của thẻ CCCD"),
        ({**PROXY, "authorization": {**PROXY["authorization"], "number": PROXY_QR}}, "chứa nội dung mã QR"),
        ({**PROXY, "authorization": {**PROXY["authorization"], "date": "2027-01-01"}}, "ở tương lai"),
        ({k: v for k, v in PROXY.items() if k != "papers"}, "Thiếu giấy tờ kết quả"),
        ({"method": "post", "tracking": "EE123456789VN", "address": "Thôn 2"}, "Thiếu giấy tờ kết quả"),
        ({**PROXY, "receiver": "owner", "authorization": None}, "(001192345678) không khớp với chủ hồ sơ"),
        ({**PROXY, "receiver_source": None}, "Thiếu cách xác định người nhận"),
    ]
    events, prev, seq = [], resolved["hash"], resolved["station_seq"]
    for payload, _ in bad:
        seq += 1
        e = make_event(station=s1, seq=seq, prev_hash=prev, dossier_id=created["dossier_id"], parent=resolved["id"],
                       kind="returned", payload={k: v for k, v in payload.items() if v is not None})
        events.append(e)
        prev = e["hash"]
    results = await _push(client, token, s1, events)
    for (payload, message), r in zip(bad, results):
        assert r["status"] == "rejected" and message in r["reason"], (payload, r)
    assert _server_status(engine, created["dossier_id"]) == 9  # still waiting for its collector

    # a scanned authorization the server lacks waits for its file; the right hand-over is then accepted
    data = b"%PDF-1.4 scanned authorization"
    sha = hashlib.sha256(data).hexdigest()
    good = make_event(station=s1, seq=seq + 1, prev_hash=prev, dossier_id=created["dossier_id"],
                      parent=resolved["id"], kind="returned", payload={**PROXY, "blobs": [sha]})
    assert [(r["status"], r["reason"]) for r in await _push(client, token, s1, [good])] == [("retry", "need_blob")]
    assert (await client.put(f"/api/v1/blobs/{sha}", content=data, headers=auth(token))).status_code == 201
    assert [r["status"] for r in await _push(client, token, s1, [good])] == ["accepted"]
    assert _server_status(engine, created["dossier_id"]) == 10


async def test_a_dossier_done_on_the_spot_is_accepted_as_its_normal_events(central, station_store):
    """Issue 17 (trả ngay): received, paid, resolved and returned in one flow; the server checks each event as the
    station did and ends where the station is."""
    from counter.domain.intake import Applicant, ReceiveRequest
    from counter.services import on_the_spot
    from counter.services.dossiers import default_papers

    client, engine = central
    token = add_token(engine)
    clerk = actor_for(station_store, "canbo")
    with station_store.read() as s:
        papers = default_papers(s, "2.000884")
    req = ReceiveRequest("2.000884", Applicant("Nguyễn Văn An", id_number=OWNER_ID), papers, fee_paid=True,
                         units={"signatures": "1"})
    done = on_the_spot.receive_on_the_spot(station_store, clerk, req)
    events = wire_events(station_store)
    assert [e["kind"] for e in events] == ["received", "fee_paid", "resolved", "returned"]
    results = await _push(client, token, station_id(station_store), events)
    assert [r["status"] for r in results] == ["accepted"] * 4, results
    assert _server_status(engine, events[0]["dossier_id"]) == 10
    assert events[0]["payload"]["on_the_spot"] is True and done.code == events[0]["payload"]["code"]
