"""Two stations of one office against the real central server (PostgreSQL), no faults."""

from __future__ import annotations

import sqlalchemy as sa

from counter.services import dossiers
from counter.services import sync as sync_service
from tests.conftest import actor_for, receive
from tests.helpers.store import append, dossier
from tests.sync.conftest import assert_converged


def test_offline_stations_sync_every_dossier_once(stations, central):
    s1, s2 = stations
    central.transport.down = True  # the server is stopped while both counters receive
    codes1 = [receive(s1.store, actor_for(s1.store, "canbo"), name=f"Nguyễn Văn {n}") for n in ("An", "Bình", "Cường")]
    codes2 = [receive(s2.store, actor_for(s2.store, "canbo"), name=f"Trần Thị {n}") for n in ("Dung", "Hoa")]
    for st in (s1, s2):
        try:
            st.sync()
        except sync_service.SyncError as exc:
            assert "Không kết nối được" in exc.message
        status = sync_service.status(st.store)
        assert status.pending > 0 and status.last_error and status.last_success is None
    central.transport.down = False
    s1.drain(); s2.drain(); s1.drain()
    assert_converged(central, s1, s2)
    for code in codes1 + codes2:  # every dossier on both stations, once
        assert dossier(s1.store, code)["code"] == dossier(s2.store, code)["code"] == code
    server = central.events()
    assert len(server) == 5 and {e["kind"] for e in server} == {"received"}
    status = sync_service.status(s1.store)
    assert status.pending == 0 and status.last_error is None and status.last_success is not None


def test_returned_dossier_shows_on_tracking_after_next_sync(stations, central):
    s1, s2 = stations
    code = receive(s1.store, actor_for(s1.store, "canbo"))
    s1.drain(); s2.drain()
    token = dossier(s1.store, code)["token"]
    before = central.track(token)
    # the other station hands the result back
    append(s2.store, "canbo", code, "resolved", minutes=60)
    append(s2.store, "canbo", code, "returned", {"receiver_name": "Nguyễn Văn An", "receiver_id_number": "001090123456",
                                                 "receiver_source": "typed", "papers": [{"name": "Giấy khai sinh", "count": 1}],
                                                 "fee_collected": dossier(s2.store, code)["fee"]}, minutes=90)
    assert central.track(token) == before  # not yet synced
    s2.drain(); s1.drain()
    after = central.track(token)
    assert after != before
    assert "Đã trả kết quả" in str(after) and "Đã trả kết quả" not in str(before)
    assert dossier(s1.store, code)["status"] == 10
    assert_converged(central, s1, s2)
    # the other station's clerk is named from the pulled actor, not from station 1's own users table: station 2
    # numbers its users in another order (its canbo is station 1's quantri's number). The names are the
    # server's (issue 14: the office's users are the central server's list; both stations received it)
    with s1.store.read() as s:
        names = s.execute(sa.text("SELECT full_name FROM sync_actors")).scalars().all()
    assert names and all(n == "Người Dùng Canbo" for n in names)
    detail = dossiers.get_detail(s1.store, code)
    assert [e.actor for e in detail.events] == ["Người Dùng Canbo", "Người Dùng Canbo", "Người Dùng Canbo"]
