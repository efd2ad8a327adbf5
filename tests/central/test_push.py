"""Push / pull / blobs on PostgreSQL, with events made by a real station store."""

from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa

from counter.central import tables as t
from counter.domain.contracts import MAX_BATCH
from counter.domain.hashing import GENESIS
from tests.central.conftest import (OFFICE_INFO, SERVER_USERS, add_server_users, add_token, auth, make_event, push_body,
                                     station_id, wire_events)
from tests.conftest import actor_for, receive


def _count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()


async def test_push_accepts_then_replay_is_duplicate_and_pull_returns_events(central, station_store):
    client, engine = central
    token = add_token(engine)
    clerk = actor_for(station_store, "canbo")
    receive(station_store, clerk)
    receive(station_store, clerk, name="Trần Thị Bình")
    events = wire_events(station_store)
    assert len(events) == 2
    r = await client.post("/api/v1/events", json=push_body(station_store, events), headers=auth(token))
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["accepted", "accepted"]
    assert [x["office_seq"] for x in results] == [1, 2]
    # the same batch again (a lost response): same events, each once
    again = (await client.post("/api/v1/events", json=push_body(station_store, events), headers=auth(token))).json()
    assert [(x["status"], x["office_seq"]) for x in again["results"]] == [("duplicate", 1), ("duplicate", 2)]
    assert _count(engine, t.events) == 2
    pulled = (await client.get("/api/v1/events", params={"after": ""}, headers=auth(token))).json()
    assert [e["id"] for e in pulled["events"]] == [e["id"] for e in events]
    assert pulled["events"][0]["hash"] == events[0]["hash"] and pulled["events"][0]["office_seq"] == 1
    assert pulled["has_more"] is False
    epoch, _, seq = pulled["cursor"].partition(".")
    assert seq == "2"
    page1 = (await client.get("/api/v1/events", params={"after": "", "limit": 1}, headers=auth(token))).json()
    assert len(page1["events"]) == 1 and page1["has_more"] is True and page1["cursor"] == f"{epoch}.1"
    page2 = (await client.get("/api/v1/events", params={"after": page1["cursor"], "limit": 1},
                              headers=auth(token))).json()
    assert [e["office_seq"] for e in page2["events"]] == [2] and page2["has_more"] is False
    empty = (await client.get("/api/v1/events", params={"after": pulled["cursor"]}, headers=auth(token))).json()
    assert empty["events"] == [] and empty["cursor"] == pulled["cursor"]
    # a cursor of another epoch (a restored server) reads from zero
    other = (await client.get("/api/v1/events", params={"after": "deadbeef.2"}, headers=auth(token))).json()
    assert len(other["events"]) == 2 and other["cursor"] == f"{epoch}.2"
    with engine.connect() as conn:
        office = conn.execute(sa.select(t.offices)).mappings().one()
    assert office["phone"] == OFFICE_INFO["phone"] and office["last_seq"] == 2


async def test_same_id_with_different_content_is_rejected(central, station_store):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    [ev] = wire_events(station_store)
    assert (await client.post("/api/v1/events", json=push_body(station_store, [ev]),
                              headers=auth(token))).json()["results"][0]["status"] == "accepted"
    forged = {**ev, "payload": {**ev["payload"], "owner_name": "Người Khác"}}
    [res] = (await client.post("/api/v1/events", json=push_body(station_store, [forged]),
                               headers=auth(token))).json()["results"]
    assert res["status"] == "rejected" and "nội dung khác" in res["reason"]
    with engine.connect() as conn:
        wire = conn.execute(sa.select(t.events.c.wire)).scalar_one()
    assert "Người Khác" not in wire and _count(engine, t.events) == 1


async def test_reordered_batch_retries_the_gap_and_then_settles(central, station_store):
    client, engine = central
    token = add_token(engine)
    clerk = actor_for(station_store, "canbo")
    for name in ("Nguyễn Văn An", "Lê Thị Cúc", "Phạm Minh Đức"):
        receive(station_store, clerk, name=name)
    evs = wire_events(station_store)
    reordered = [evs[2], evs[0], evs[1]]
    res = (await client.post("/api/v1/events", json=push_body(station_store, reordered),
                             headers=auth(token))).json()["results"]
    assert [(r["id"], r["status"]) for r in res] == [(evs[2]["id"], "retry"), (evs[0]["id"], "accepted"),
                                                     (evs[1]["id"], "accepted")]
    assert res[0]["reason"] == "gap"
    again = (await client.post("/api/v1/events", json=push_body(station_store, evs),
                               headers=auth(token))).json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate", "accepted"]
    assert [r["office_seq"] for r in again] == [1, 2, 3]
    assert _count(engine, t.events) == 3


async def test_wrong_missing_and_revoked_tokens_get_401(central, station_store):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    body = push_body(station_store, wire_events(station_store))
    for headers in ({}, auth("sai" + token), {"Authorization": token}):
        r = await client.post("/api/v1/events", json=body, headers=headers)
        assert r.status_code == 401 and r.json()["detail"]
    assert (await client.get("/api/v1/events", headers=auth("x" * 32))).status_code == 401
    assert (await client.post("/api/v1/blobs/missing", json={"hashes": []})).status_code == 401
    from counter.central import tokens
    from tests.conftest import NOW

    [info] = tokens.list_tokens(engine)
    tokens.revoke(engine, token_id=info.id, now=NOW)
    r = await client.post("/api/v1/events", json=body, headers=auth(token))
    assert r.status_code == 401
    assert _count(engine, t.events) == 0


async def test_token_is_bound_to_the_first_station_that_pushes(central, station_store, tmp_path):
    from tests.conftest import make_store

    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    body = push_body(station_store, wire_events(station_store))
    assert (await client.post("/api/v1/events", json=body, headers=auth(token))).status_code == 200
    other = make_store(tmp_path / "other")
    try:
        r = await client.post("/api/v1/events", json={**body, "station_id": station_id(other)}, headers=auth(token))
    finally:
        other.close()
    assert r.status_code == 403


async def test_a_station_cannot_write_another_offices_dossier(central, station_store):
    client, engine = central
    token = add_token(engine)
    foreign_token = add_token(engine, office="H55.999", station=1)
    add_server_users(engine, "H55.999", {"canbo2": SERVER_USERS["canbo2"]})  # a known user of that office
    receive(station_store, actor_for(station_store, "canbo"))
    evs = wire_events(station_store)  # a dossier of H55.242
    # events of H55.242 sent with a token of H55.999: refused, nothing projected
    foreign_station = str(uuid.uuid4())
    forged = [make_event(station=foreign_station, seq=1, prev_hash=GENESIS, dossier_id=evs[0]["dossier_id"],
                         parent=None, kind="received", payload=evs[0]["payload"], office="H55.242")]
    res = (await client.post("/api/v1/events", json={"station_id": foreign_station, "events": forged},
                             headers=auth(foreign_token))).json()["results"]
    assert res[0]["status"] == "rejected" and "cơ quan khác" in res[0]["reason"]
    assert _count(engine, t.dossiers) == 0
    # the real station pushes it; then H55.999 tries to edit that dossier under its own office code
    assert (await client.post("/api/v1/events", json=push_body(station_store, evs),
                              headers=auth(token))).json()["results"][0]["status"] == "accepted"
    with engine.connect() as conn:
        prev = conn.execute(sa.select(t.stations.c.last_hash).where(t.stations.c.id == foreign_station)).scalar_one()
    edit = make_event(station=foreign_station, seq=2, prev_hash=prev, dossier_id=evs[0]["dossier_id"],
                      parent=evs[0]["id"], kind="note_added", payload={"text": "x"}, office="H55.999")
    res = (await client.post("/api/v1/events", json={"station_id": foreign_station, "events": [edit]},
                             headers=auth(foreign_token))).json()["results"]
    assert res[0]["status"] == "rejected" and res[0]["reason"] == "Hồ sơ thuộc cơ quan khác."
    pulled = (await client.get("/api/v1/events", headers=auth(foreign_token))).json()
    assert pulled["events"] == []  # and it reads nothing of H55.242
    assert _count(engine, t.events, t.events.c.status == "accepted") == 1


async def test_corrupt_blob_is_refused_and_nothing_is_stored(central):
    client, engine = central
    token = add_token(engine)
    data = b"%PDF-1.4 scanned page" * 100
    sha = hashlib.sha256(data).hexdigest()
    missing = (await client.post("/api/v1/blobs/missing", json={"hashes": [sha]}, headers=auth(token))).json()
    assert missing == {"missing": [sha]}
    r = await client.put(f"/api/v1/blobs/{sha}", content=data[:-7], headers={**auth(token),
                                                                             "Content-Type": "application/pdf"})
    assert r.status_code == 422
    assert _count(engine, t.blobs) == 0
    r = await client.put(f"/api/v1/blobs/{sha}", content=data, headers={**auth(token), "Content-Type": "application/pdf"})
    assert r.status_code == 201
    r = await client.put(f"/api/v1/blobs/{sha}", content=data, headers={**auth(token), "Content-Type": "application/pdf"})
    assert r.status_code == 200
    assert (await client.post("/api/v1/blobs/missing", json={"hashes": [sha]},
                              headers=auth(token))).json() == {"missing": []}
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.blobs)).mappings().one()
    assert bytes(row["data"]) == data and row["mime"] == "application/pdf" and row["size"] == len(data)


async def _push(client, token, station, events):
    r = await client.post("/api/v1/events", json={"station_id": station, "events": events}, headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()["results"]


async def test_two_stations_editing_one_dossier_offline(central, station_store):
    """Both knew the dossier at its receiving event. The first change wins; the second non-commutative one is
    rejected as a conflict (still advancing its station's sequence); a note commutes and is accepted."""
    client, engine = central
    t1, t2 = add_token(engine, station=1), add_token(engine, station=2)
    receive(station_store, actor_for(station_store, "canbo"))
    [created] = wire_events(station_store)
    s1 = station_id(station_store)
    assert (await _push(client, t1, s1, [created]))[0]["status"] == "accepted"
    did, head = created["dossier_id"], created["id"]
    # station 1 (offline) transfers the dossier, station 2 (offline) marks it resolved: both on the same parent
    a = make_event(station=s1, seq=2, prev_hash=created["hash"], dossier_id=did, parent=head, kind="transferred",
                   payload={"to": "Phòng Tư pháp"})
    s2 = str(uuid.uuid4())
    b = make_event(station=s2, seq=1, prev_hash=GENESIS, dossier_id=did, parent=head, kind="resolved")
    c = make_event(station=s2, seq=2, prev_hash=b["hash"], dossier_id=did, parent=b["id"], kind="note_added",
                   payload={"text": "Đã gọi điện cho công dân"})
    d = make_event(station=s2, seq=3, prev_hash=c["hash"], dossier_id=did, parent=c["id"], kind="stopped",
                   payload={"reason": "x"})
    assert (await _push(client, t1, s1, [a]))[0]["status"] == "accepted"
    res = await _push(client, t2, s2, [b, c, d])
    assert [r["status"] for r in res] == ["rejected", "accepted", "rejected"]
    assert "Xung đột" in res[0]["reason"] and "Xung đột" in res[2]["reason"]
    # the outcomes are stored: the same batch again gets the same answers
    again = await _push(client, t2, s2, [b, c, d])
    assert [(r["status"], r["reason"]) for r in again] == [("rejected", res[0]["reason"]), ("duplicate", None),
                                                          ("rejected", res[2]["reason"])]
    with engine.connect() as conn:
        st = conn.execute(sa.select(t.stations.c.last_seq).where(t.stations.c.id == s2)).scalar_one()
        row = conn.execute(sa.select(t.dossiers)).mappings().one()
    assert st == 3  # rejected events advanced the station's sequence
    import json

    assert json.loads(row["state"])["status"] == 4 and json.loads(row["state"])["note"] == "Đã gọi điện cho công dân"
    pulled = (await client.get("/api/v1/events", headers=auth(t2))).json()["events"]
    assert [e["id"] for e in pulled] == [created["id"], a["id"], c["id"]]
    assert [e["office_seq"] for e in pulled] == [1, 2, 3]


async def test_reducer_refusal_and_bad_hash_are_rejected(central, station_store):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    [created] = wire_events(station_store)
    s1 = station_id(station_store)
    returned = make_event(station=s1, seq=2, prev_hash=created["hash"], dossier_id=created["dossier_id"],
                          parent=created["id"], kind="returned")  # not resolved yet
    tampered = make_event(station=s1, seq=3, prev_hash=returned["hash"], dossier_id=created["dossier_id"],
                          parent=created["id"], kind="note_added", payload={"text": "a"})
    tampered["payload"] = {"text": "b"}
    postal = make_event(station=s1, seq=4, prev_hash=tampered["hash"], dossier_id=created["dossier_id"],
                        parent=created["id"], kind="extended", role="postal",
                        payload={"due_at": "2026-12-30T10:00:00+00:00", "reason": "r"})
    res = await _push(client, token, s1, [created, returned, tampered, postal])
    assert [r["status"] for r in res] == ["accepted", "rejected", "rejected", "rejected"]
    assert "Đã xử lý xong" not in res[1]["reason"] and "trả kết quả" in res[1]["reason"]
    assert "băm" in res[2]["reason"]
    assert "bưu điện" in res[3]["reason"]  # judged by buudien's role on the server (postal)


async def test_scan_event_waits_for_its_blob(central, station_store):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    [created] = wire_events(station_store)
    s1 = station_id(station_store)
    data = b"page-1"
    sha = hashlib.sha256(data).hexdigest()
    scan = make_event(station=s1, seq=2, prev_hash=created["hash"], dossier_id=created["dossier_id"],
                      parent=created["id"], kind="document_scanned", payload={"position": 1, "blobs": [sha]})
    res = await _push(client, token, s1, [created, scan])
    assert [(r["status"], r["reason"]) for r in res] == [("accepted", None), ("retry", "need_blob")]
    assert (await client.put(f"/api/v1/blobs/{sha}", content=data, headers=auth(token))).status_code == 201
    res = await _push(client, token, s1, [created, scan])
    assert [(r["status"], r["office_seq"]) for r in res] == [("duplicate", 1), ("accepted", 2)]


async def test_malformed_bodies(central, station_store):
    client, engine = central
    token = add_token(engine)
    r = await client.post("/api/v1/events", content=b"{not json", headers=auth(token))
    assert r.status_code == 422
    r = await client.post("/api/v1/events", json={"events": []}, headers=auth(token))
    assert r.status_code == 422
    r = await client.post("/api/v1/events", json={"station_id": "s", "events": [{}] * (MAX_BATCH + 1)},
                          headers=auth(token))
    assert r.status_code == 422
    res = await _push(client, token, "s", [{"id": "x", "kind": "received"}])
    assert res[0]["status"] == "rejected"
    assert _count(engine, t.events) == 0
    assert (await client.get("/healthz")).json()["ok"] is True


async def test_racing_pushes_of_two_stations_keep_office_seq_gapless(central_url, central_engine, tmp_path):
    """Two stations push at the same time (two threads, two transactions) on PostgreSQL: the office row lock keeps
    office_seq gapless and the office chain verifies."""
    import threading

    from counter.central import ingest, tokens
    from tests.conftest import NOW
    from tests.sync.conftest import make_station

    engine = central_engine
    # stations 1 and 2 (two stores of station 1 would make the same codes: the server refuses the second's)
    stores = [make_station(tmp_path / f"s{i}", i + 1) for i in range(2)]
    try:
        bodies = []
        for i, s in enumerate(stores):
            with s.write() as session:  # two stations of one office: two numbers (else the same codes)
                session.execute(sa.text("UPDATE stations SET number = :n"), {"n": i + 1})
            clerk = actor_for(s, "canbo")
            for _ in range(30):
                receive(s, clerk, name="Nguyễn Văn An")
            token = add_token(engine, station=i + 1)
            with engine.connect() as conn:
                info = tokens.lookup(conn, token)
            evs = wire_events(s)
            bodies.append((info, [push_body(s, evs[k:k + 5]) for k in range(0, 30, 5)]))
        errors: list[BaseException] = []

        def run(info, batches):
            try:
                for body in batches:
                    with engine.execution_options(immediate=True).begin() as conn:
                        res = ingest.push(conn, info, body, NOW)
                    assert {r["status"] for r in res} == {"accepted"}
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=b) for b in bodies]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        with engine.connect() as conn:
            assert ingest.verify_office_chain(conn, "H55.242") == (60, None)
            seqs = conn.execute(sa.select(t.events.c.office_seq).order_by(t.events.c.office_seq)).scalars().all()
            assert seqs == list(range(1, 61))
            conn.execute(sa.update(t.events).where(t.events.c.office_seq == 7).values(office_hash="0" * 64))
            assert ingest.verify_office_chain(conn, "H55.242")[0] == 7
    finally:
        for s in stores:
            s.close()


async def test_database_connection_lost_gives_503_then_recovers(central, station_store):
    """The server's PostgreSQL connections are killed under it: the push fails as a whole with 503 and
    Retry-After (nothing half-written), and the same push then succeeds."""
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    body = push_body(station_store, wire_events(station_store))
    assert (await client.get("/healthz")).status_code == 200  # the app's pool holds a connection now
    with engine.connect() as conn:
        killed = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    assert killed >= 1
    r = await client.post("/api/v1/events", json=body, headers=auth(token))
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert _count(engine, t.events) == 0
    r = await client.post("/api/v1/events", json=body, headers=auth(token))
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "accepted"


async def test_float_in_payload_is_rejected_not_a_server_error(central, station_store):
    client, engine = central
    token = add_token(engine)
    receive(station_store, actor_for(station_store, "canbo"))
    [created] = wire_events(station_store)
    bad = {**created, "payload": {**created["payload"], "fee": 1.5}}
    res = await _push(client, token, created["station_id"], [bad])
    assert res[0]["status"] == "rejected" and "số thực" in res[0]["reason"]
    res = await _push(client, token, created["station_id"], [created])
    assert res[0]["status"] == "accepted"


async def test_another_offices_event_id_is_answered_like_an_unknown_one(central, station_store):
    """A push never confirms that another office's event id exists: no "duplicate", no "used for other content"."""
    client, engine = central
    token = add_token(engine)
    foreign_token = add_token(engine, office="H55.999", station=1)
    receive(station_store, actor_for(station_store, "canbo"))
    evs = wire_events(station_store)
    assert (await client.post("/api/v1/events", json=push_body(station_store, evs),
                              headers=auth(token))).json()["results"][0]["status"] == "accepted"
    theirs = str(uuid.uuid4())

    async def answer(event, fresh: bool):
        sent = {**event, "id": str(uuid.uuid4())} if fresh else event
        r = await client.post("/api/v1/events", json={"station_id": theirs, "events": [sent]},
                              headers=auth(foreign_token))
        assert r.status_code == 200, r.text
        return [{k: v for k, v in x.items() if k != "id"} for x in r.json()["results"]]

    async def same_as_unknown(forged):
        for event in forged:
            known, unknown = await answer(event, False), await answer(event, True)
            assert known == unknown, (event["station_seq"], known, unknown)
            assert known[0]["status"] != "duplicate" and "nội dung khác" not in (known[0]["reason"] or "")

    # H55.242's event verbatim (same content), then under H55.999's own station (other content): a gap
    await same_as_unknown([evs[0], {**evs[0], "station_id": theirs, "station_seq": 5}])
    # a well-made event of its own under that id: refused without a word about the other office
    with engine.connect() as conn:
        prev = conn.execute(sa.select(t.stations.c.last_hash).where(t.stations.c.id == theirs)).scalar_one()
    seq = _count(engine, t.events, t.events.c.station_id == theirs) + 1
    own = make_event(station=theirs, seq=seq, prev_hash=prev, dossier_id=str(uuid.uuid4()), parent=None,
                     kind="note_added", payload={"text": "x"}, office="H55.999")
    own["id"] = evs[0]["id"]
    from counter.domain.hashing import chain_hash
    body = {k: own[k] for k in ("id", "dossier_id", "office_id", "station_id", "station_seq", "parent", "kind",
                                "actor_id", "at", "payload")}
    own["hash"] = chain_hash(prev, body)
    res = (await client.post("/api/v1/events", json={"station_id": theirs, "events": [own]},
                             headers=auth(foreign_token))).json()["results"]
    from counter.central.ingest import FOREIGN_ID
    assert res == [{"id": own["id"], "status": "rejected", "office_seq": None, "reason": FOREIGN_ID}]
    # H55.242's event is untouched; H55.999's station carries on after it
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.events).where(t.events.c.id == evs[0]["id"])).mappings().one()
    assert row["status"] == "accepted" and row["station_id"] == evs[0]["station_id"]
    after = make_event(station=theirs, seq=seq + 1, prev_hash=own["hash"], dossier_id=str(uuid.uuid4()),
                       parent=None, kind="note_added", payload={"text": "y"}, office="H55.999")
    res = (await client.post("/api/v1/events", json={"station_id": theirs, "events": [after]},
                             headers=auth(foreign_token))).json()["results"]
    assert res[0]["status"] == "rejected" and res[0]["reason"] != "gap", res  # settled, not stuck on a gap
    await same_as_unknown([{**evs[0], "station_id": theirs, "station_seq": 1}])  # a number already used
