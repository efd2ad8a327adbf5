"""Fault tests, in process: the real central server on PostgreSQL behind a faulty httpx transport.
After each: every event once on the server, both stations converge, nothing lost, rejections visible."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from counter.services import digitize
from counter.services import sync as sync_service
from counter.sync.client import SyncAuthError, SyncUnavailable
from tests.conftest import NOW, actor_for, receive
from tests.helpers.store import append, dossier
from tests.sync.conftest import SERVER, assert_converged, rebuild_request


def receive_many(station, n, prefix="Nguyễn Văn"):
    names = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long", "Minh", "Nam", "Phúc", "Quang"]
    actor = actor_for(station.store, "canbo")
    return [receive(station.store, actor, name=f"{prefix} {names[i % len(names)]}") for i in range(n)]


def test_server_error_503_with_retry_after_then_heals(stations, central):
    s1, s2 = stations
    receive_many(s1, 3)

    def unavailable(request, forward):
        return httpx.Response(503, headers={"Retry-After": "7"}, json={"detail": "bảo trì"})

    central.transport.faults.append(("POST /api/v1/events", unavailable))
    with pytest.raises(SyncUnavailable) as info:
        s1.sync()
    assert info.value.retry_after == 7.0
    assert sync_service.status(s1.store).last_error.startswith("Máy chủ tạm thời lỗi (503)")
    s1.drain(); s2.drain()
    assert_converged(central, s1, s2)


def test_request_dropped_mid_batch_then_resent(stations, central):
    """The connection breaks while the batch is on its way (nothing reaches the server)."""
    s1, s2 = stations
    receive_many(s1, 4)

    def cut(request, forward):
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    central.transport.faults.append(("POST /api/v1/events", cut))
    with pytest.raises(SyncUnavailable):
        s1.sync()
    assert central.events() == []
    s1.drain(); s2.drain()
    assert_converged(central, s1, s2)


def test_response_lost_after_commit(stations, central):
    s1, s2 = stations
    receive_many(s1, 5)

    def lose(request, forward):
        forward(request)  # the server commits the batch…
        raise httpx.ReadError("connection reset", request=request)  # …and the answer never arrives

    central.transport.faults.append(("POST /api/v1/events", lose))
    with pytest.raises(SyncUnavailable):
        s1.sync()
    assert len(central.events()) == 5 and sync_service.status(s1.store).pending == 5
    report = s1.sync()  # the replay is answered from the stored outcomes
    assert report.duplicate == 5 and report.accepted == 0
    s2.drain()
    assert_converged(central, s1, s2)


def test_duplicated_batch(stations, central):
    s1, s2 = stations
    receive_many(s1, 3)

    def twice(request, forward):
        forward(request)
        return forward(request)

    central.transport.faults.append(("POST /api/v1/events", twice))
    report = s1.sync()
    assert report.duplicate == 3
    s2.drain()
    assert_converged(central, s1, s2)


def test_reordered_batch(stations, central):
    s1, s2 = stations
    receive_many(s1, 4)

    def reorder(request, forward):
        body = json.loads(request.content)
        body["events"].reverse()
        return forward(rebuild_request(request, body))

    central.transport.faults.append(("POST /api/v1/events", reorder))
    s1.sync()
    s1.drain(); s2.drain()
    assert_converged(central, s1, s2)
    assert [e["station_seq"] for e in central.events()] == [1, 2, 3, 4]


def test_corrupt_blob_upload_is_sent_again(stations, central):
    s1, s2 = stations
    code = receive_many(s1, 1)[0]
    data = b"%PDF-1.4 scanned page " + bytes(range(256)) * 40
    sha = digitize.put_blob(s1.store, data)
    append(s1.store, "canbo", code, "document_scanned", {"position": 1, "blobs": [sha], "digitization": 1})

    def damage(request, forward):
        body = bytearray(request.content)
        body[len(body) // 2] ^= 0xFF
        return forward(httpx.Request(request.method, request.url, headers={
            k: v for k, v in request.headers.items() if k.lower() != "content-length"}, content=bytes(body)))

    central.transport.faults.append(("PUT /api/v1/blobs/", damage))
    with pytest.raises(SyncUnavailable) as info:
        s1.sync()
    assert "hỏng dọc đường" in info.value.message
    assert ("PUT", f"/api/v1/blobs/{sha}", 422) in central.transport.log
    s1.drain(); s2.drain()
    assert_converged(central, s1, s2)
    r = central.test_client.post("/api/v1/blobs/missing", json={"hashes": [sha]},
                                 headers={"Authorization": f"Bearer {central.token(3)}"})
    assert r.json() == {"missing": []}
    with s2.store.read() as s:  # the other station knows the document is digitized
        blobs = s.execute(sa.text("SELECT blobs FROM dossier_documents WHERE position = 1 AND dossier_id = "
                                  "(SELECT id FROM dossiers WHERE code = :c)"), {"c": code}).scalar()
    assert json.loads(blobs) == [sha]


def test_wrong_token_keeps_the_outbox(stations, central):
    s1, s2 = stations
    receive_many(s1, 2)
    good = sync_service.settings(s1.store).token
    sync_service.setup(s1.store, SERVER, "sai-ma-truy-cap")
    with pytest.raises(SyncAuthError) as info:
        s1.sync()
    assert "(401)" in info.value.message
    status = sync_service.status(s1.store)
    assert status.pending == 2 and "từ chối mã truy cập" in status.last_error
    assert central.events() == []
    sync_service.setup(s1.store, SERVER, good)
    s1.drain(); s2.drain()
    assert_converged(central, s1, s2)


def test_two_stations_edit_the_same_dossier_offline(stations, central):
    s1, s2 = stations
    code = receive_many(s1, 1)[0]
    s1.drain(); s2.drain()
    central.transport.down = True
    # both counters hand the dossier on while cut off: a conflict, and a note (commutative)
    append(s1.store, "canbo", code, "resolved", minutes=30)
    append(s2.store, "canbo", code, "resolved", minutes=40)
    append(s2.store, "canbo", code, "note_added", {"text": "Công dân gọi điện hỏi"}, minutes=41)
    central.transport.down = False
    s1.drain()
    report = s2.sync()
    assert report.rejected == 1
    s2.drain(); s1.drain()
    assert_converged(central, s1, s2)
    [conflict] = sync_service.conflicts(s2.store)
    assert conflict.dossier_code == code and conflict.kind == "resolved" and conflict.reason
    assert sync_service.conflicts(s1.store) == []
    row = dossier(s1.store, code)
    assert row["status"] == 9 and row["note"] == "Công dân gọi điện hỏi"
    # the rejection stays after more syncs (kept for ever) and the station's queue is not blocked
    receive_many(s2, 1, prefix="Lê Thị")
    s2.drain(); s1.drain()
    assert len(sync_service.conflicts(s2.store)) == 1
    assert_converged(central, s1, s2)


def test_server_restored_new_epoch_gets_what_it_lacks(stations, central, pg_database):
    """The server comes back from an older backup (a new, empty database with another epoch): the stations
    pull from zero and push again what it lacks."""
    from tests.sync.conftest import Central

    s1, s2 = stations
    receive_many(s1, 2)
    receive_many(s2, 1, prefix="Trần Thị")
    s1.drain(); s2.drain(); s1.drain()
    restored = Central(pg_database())
    try:
        for st in (s1, s2):
            st.central = restored
            sync_service.setup(st.store, SERVER, restored.token(st.number))
        s1.drain(); s2.drain(); s1.drain()
        assert_converged(restored, s1, s2)
        assert len(restored.events()) == 3
    finally:
        restored.close()


def test_a_clock_a_day_off_is_flagged_never_refused(stations, central):
    s1, s2 = stations
    from counter.domain.clock import FixedClock

    s1.store.clock = FixedClock(NOW - timedelta(days=1))
    receive_many(s1, 2)
    report = s1.sync()
    assert report.accepted == 2
    status = sync_service.status(s1.store)
    assert status.pending == 0 and "Đồng hồ máy này chậm 24 giờ 5 phút so với máy chủ" in status.last_error
    with s1.store.read() as s:
        offset = s.execute(sa.text("SELECT value FROM sync_state WHERE key = 'sync_clock_offset'")).scalar()
    assert int(offset) == 24 * 3600 + 300
    s2.drain()
    assert_converged(central, s1, s2)
