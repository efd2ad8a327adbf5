"""What a clerk does with a conflict (issue 12): open the dossier, redo the step on top of the server's state
(the reducer decides; refused with its reason), or dismiss it with a note. Never a dead end."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counter.domain.errors import CounterError
from counter.services import dossiers
from counter.services import sync as sync_service
from tests.conftest import actor_for, receive
from tests.helpers.store import append, dossier
from tests.sync.conftest import assert_converged

OUT = {"direction": "out", "to": "Công chức Tư pháp - Hộ tịch"}


def conflicted(s1, s2, kind1, kind2, payload1=None, payload2=None, user2="canbo",  # type: ignore[no-untyped-def]
               procedure="1.001193"):
    """One dossier both stations changed while apart: station 1 synced first, so station 2's step is rejected."""
    code = receive(s1.store, actor_for(s1.store, "canbo"), procedure=procedure)
    s1.drain(); s2.drain()
    append(s1.store, "canbo", code, kind1, payload1, minutes=30)
    append(s2.store, user2, code, kind2, payload2, minutes=40)
    s1.drain(); s2.drain()
    [c] = sync_service.conflicts(s2.store)
    return code, c


def counts(store):  # type: ignore[no-untyped-def]
    with store.read() as s:
        return tuple(s.execute(sa.text(q)).scalar_one() for q in (
            "SELECT count(*) FROM dossier_events", "SELECT count(*) FROM outbox",
            "SELECT count(*) FROM sync_conflicts WHERE resolution IS NULL"))


def test_open_redo_on_top_of_the_server_state(stations, central):
    s1, s2 = stations
    code, c = conflicted(s1, s2, "transferred", "transferred", OUT, {"direction": "out", "to": "Địa chính"})
    assert c.kind == "transferred" and c.is_open and "Địa chính" in c.details
    # open: the dossier is there, as the server has it (station 1's hand-off)
    detail = dossiers.get_detail(s2.store, c.dossier_code)
    assert detail.code == code
    # the rejected step, marked, never hidden, after the event it stood on; then the server's (station 1's)
    assert [(e.label, e.details) for e in detail.events[1:]] == [
        ("chuyển hồ sơ (máy chủ không nhận)", "Chuyển đến: Địa chính"),
        ("chuyển hồ sơ", "Chuyển đến: Công chức Tư pháp - Hộ tịch")]
    head = dossier(s2.store, code)["last_event_id"]
    result = sync_service.redo_conflict(s2.store, actor_for(s2.store, "canbo"), c.event_id)
    assert result.code == code and result.kind_label == c.kind_label
    with s2.store.read() as s:
        new = s.execute(sa.text("SELECT parent, kind, payload FROM dossier_events WHERE id = :e"),
                        {"e": result.event_id}).one()
    assert new.parent == head and new.kind == "transferred" and "Địa chính" in new.payload  # on the server's head
    assert sync_service.conflicts(s2.store) == [] and sync_service.status(s2.store).conflicts == 0
    [kept] = sync_service.conflicts(s2.store, include_resolved=True)
    assert kept.resolution == sync_service.REDONE and kept.redo_event_id == result.event_id
    assert kept.resolved_by_name == "Người Dùng Canbo"  # the server's name for canbo (issue 14)
    report = s2.sync()
    assert report.accepted == 1 and report.rejected == 0  # the redone step is accepted by the server
    s1.drain()
    assert_converged(central, s1, s2)
    assert [e.kind for e in dossiers.get_detail(s1.store, code).events][-2:] == ["transferred", "transferred"]
    with pytest.raises(CounterError, match="đã làm lại"):  # settled once
        sync_service.redo_conflict(s2.store, actor_for(s2.store, "canbo"), c.event_id)


def test_redo_refused_when_the_step_no_longer_makes_sense(stations, central):
    s1, s2 = stations
    code, c = conflicted(s1, s2, "resolved", "resolved")
    before = counts(s2.store)
    with pytest.raises(CounterError) as err:
        sync_service.redo_conflict(s2.store, actor_for(s2.store, "canbo"), c.event_id)
    assert err.value.message.startswith(f"Không làm lại được “{c.kind_label}” trên hồ sơ {code}")
    assert "Đã có kết quả" in err.value.message or "trạng thái" in err.value.message
    assert counts(s2.store) == before  # nothing written, the conflict still open
    assert sync_service.conflicts(s2.store)[0].is_open


def test_redo_checks_the_role(stations, central):
    s1, s2 = stations
    extend = {"due_at": "2027-01-15T10:00:00+00:00", "reason": "Cần xác minh thêm thông tin"}
    # a 3-working-day procedure: Mẫu 04 comes at the latest the working day before the due date (issue 17)
    _, c = conflicted(s1, s2, "transferred", "extended", OUT, extend, user2="giamsat", procedure="1.004873")
    before = counts(s2.store)
    with pytest.raises(CounterError, match="Không làm lại được"):  # a clerk may not extend a due date
        sync_service.redo_conflict(s2.store, actor_for(s2.store, "canbo"), c.event_id)
    assert counts(s2.store) == before
    sync_service.redo_conflict(s2.store, actor_for(s2.store, "giamsat"), c.event_id)
    row = dossier(s2.store, c.dossier_code)
    assert row["status"] == 4 and row["extension_count"] == 1  # extended, on top of station 1's hand-off


def test_dismiss_with_a_note(stations, central):
    s1, s2 = stations
    _code, c = conflicted(s1, s2, "resolved", "resolved")
    before = counts(s2.store)
    with pytest.raises(CounterError, match="Cần ghi chú"):
        sync_service.dismiss_conflict(s2.store, actor_for(s2.store, "canbo"), c.event_id, "   ")
    assert counts(s2.store) == before
    sync_service.dismiss_conflict(s2.store, actor_for(s2.store, "canbo"), c.event_id,
                                  "Quầy 1 đã ghi nhận kết quả trước")
    assert sync_service.conflicts(s2.store) == [] and sync_service.status(s2.store).conflicts == 0
    [kept] = sync_service.conflicts(s2.store, include_resolved=True)  # kept for ever, with the note
    assert kept.resolution == sync_service.DISMISSED and kept.note == "Quầy 1 đã ghi nhận kết quả trước"
    assert kept.resolved_at is not None and kept.resolved_by_name == "Người Dùng Canbo"  # the server's name for canbo (issue 14)
    assert counts(s2.store)[:2] == before[:2]  # no event: the dossier stays as the server has it
    with pytest.raises(CounterError, match="đã bỏ qua"):
        sync_service.dismiss_conflict(s2.store, actor_for(s2.store, "canbo"), c.event_id, "lần nữa")
    s2.drain(); s1.drain()
    assert_converged(central, s1, s2)
