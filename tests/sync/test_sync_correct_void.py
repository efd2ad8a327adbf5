"""Issue 12: a correction and a void travel through the real central server like any other event; the server
applies the same conditions (a clerk corrects only what they received) and its public page says "Đã hủy"."""

from __future__ import annotations

from counter.services import dossiers
from counter.services import events as ev_service
from tests.conftest import actor_for, receive
from tests.helpers.store import dossier
from tests.sync.conftest import assert_converged


def test_the_central_server_accepts_a_correction_and_a_void(stations, central):
    s1, s2 = stations
    clerk = actor_for(s1.store, "canbo")
    fixed, gone = receive(s1.store, clerk, phone="0912345678"), receive(s1.store, clerk, "Trần Thị Bích")
    s1.drain(); s2.drain()
    dossiers.correct(s1.store, clerk, fixed, {"owner_phone": "0987654321", "owner_name": "Nguyễn Văn Bình"}, "Gõ nhầm")
    dossiers.void(s1.store, actor_for(s1.store, "giamsat"), gone, "Tiếp nhận nhầm thủ tục")
    s1.drain(); s2.drain(); s1.drain()
    server = {e["kind"]: e for e in central.events()}
    assert server["corrected"]["status"] == server["voided"]["status"] == "accepted"
    assert server["corrected"]["payload"]["changes"]["owner_phone"] == {"old": "0912345678", "new": "0987654321"}
    assert_converged(central, s1, s2)
    row, voided = dossier(s2.store, fixed), dossier(s2.store, gone)  # the other counter sees both
    assert (row["owner_phone"], row["owner_name"]) == ("0987654321", "Nguyễn Văn Bình")
    assert voided["voided_at"] is not None and voided["void_reason"] == "Tiếp nhận nhầm thủ tục"
    assert [s.code for s in dossiers.search(s2.store, "nguyen van binh").items] == [fixed]
    page = central.track(voided["token"])
    assert page["status_label"] == "Đã hủy (tiếp nhận nhầm)"
    assert page["history"][-1]["label"] == "Hủy hồ sơ (tiếp nhận nhầm)"
    assert central.track(row["token"])["owner"] == "Ng*** V** B***"  # the masked name follows the correction


def test_the_central_server_refuses_a_clerk_correcting_another_stations_dossier(stations, central, monkeypatch):
    s1, s2 = stations
    code = receive(s1.store, actor_for(s1.store, "canbo"), phone="0912345678")
    s1.drain(); s2.drain()
    # a station that skipped its own check (an old or a tampered build): the server still refuses
    monkeypatch.setattr(ev_service, "require_event", lambda *a, **k: None)
    monkeypatch.setattr(dossiers, "require_event", lambda *a, **k: None)
    dossiers.correct(s2.store, actor_for(s2.store, "canbo"), code, {"owner_phone": "0987654321"}, "x")
    monkeypatch.undo()
    s2.drain(); s1.drain()
    corrected = [e for e in central.events() if e["kind"] == "corrected"]
    assert len(corrected) == 1 and corrected[0]["status"] == "rejected"
    assert dossier(s1.store, code)["owner_phone"] == "0912345678"
    assert dossier(s2.store, code)["owner_phone"] == "0912345678"  # the conflict reverted it, visibly
    with s2.store.read() as s:
        from sqlalchemy import text

        reasons = s.execute(text("SELECT reason FROM sync_conflicts WHERE kind = 'corrected'")).scalars().all()
    assert len(reasons) == 1 and "do chính mình tiếp nhận" in reasons[0]
