"""F4 through the service on a real store: each action is one event with its actor, the calendar sets the new due
dates, roles are checked, and every out-of-order event is refused with the store left exactly as it was."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from counter.domain.calendar import VN_TZ
from counter.domain.errors import CounterError
from counter.domain.lifecycle import TransitionError, allowed_kinds, Status
from counter.domain.permissions import PermissionDenied
from counter.services import dossiers, giveback, progress
from counter.services.audit import verify
from tests.conftest import NOW, actor_for, move_to_another_office, receive
from tests.helpers.events import FIELDS
from tests.helpers.store import snapshot


def vn(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


def test_a_dossier_from_hand_off_to_result_with_who_and_when(store):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, clerk, procedure="1.004873")  # 3 working days: Mon 23/11 09:00 -> due Fri 27/11
    r = progress.record_event(store, clerk, code, "transferred", {"to": "Tư pháp - hộ tịch", "person": "Lê Văn Tư"})
    assert r.status_label == "Đang xử lý" and r.form is None
    view = progress.progress_view(store, clerk, code)
    assert view.held_by == "Tư pháp - hộ tịch"
    assert "gia hạn, hẹn lại ngày trả" in view.refused_actions  # a clerk may not extend
    r = progress.record_event(store, clerk, code, "supplement_requested",
                              {"papers": "Giấy chứng sinh; Tờ khai:2", "reason": "Thiếu bản chính"})
    assert r.form == "02" and r.status_label == "Yêu cầu bổ sung giấy tờ"
    store.clock.advance(days=2)  # Wed 25/11 09:00: papers arrive, the count restarts (default rule)
    r = progress.record_event(store, clerk, code, "supplement_received", {})
    assert r.due_at == vn(2026, 11, 30, 17)  # Thu 26, Fri 27, Mon 30
    r = progress.record_event(store, boss, code, "extended", {"days": "2", "reason": "Cần xác minh"})
    assert r.form == "04" and r.due_at == vn(2026, 12, 2, 17)  # Tue 1/12, Wed 2/12
    progress.record_event(store, clerk, code, "transferred", {"note": "Đã ký"})  # back to the desk
    progress.record_event(store, clerk, code, "resolved", {"note": "Giấy xác nhận tình trạng hôn nhân"})
    detail = dossiers.get_detail(store, code)
    history = [(e.label, e.actor, e.details) for e in detail.events]
    assert history[1] == ("chuyển hồ sơ", "Người Dùng Canbo",
                          "Chuyển đến: Tư pháp - hộ tịch; Người giao/nhận: Lê Văn Tư")
    assert history[2][2] == "Lý do: Thiếu bản chính; Giấy tờ: Giấy chứng sinh (1), Tờ khai (2)"
    assert history[3][2] == "Hẹn trả: 30/11/2026 17:00; Hẹn trước đó: 27/11/2026 17:00; Cách tính hạn: tính lại từ đầu"
    assert history[4][:2] == ("gia hạn, hẹn lại ngày trả", "Người Dùng Giamsat")
    assert history[5][2] == "Nhận lại từ: Tư pháp - hộ tịch; Ghi chú: Đã ký"
    assert detail.status_label == "Đã xử lý xong"
    assert [e.at for e in detail.events][-1] == NOW + timedelta(days=2)
    rows = progress.progress_view(store, clerk, code).rows
    assert [(r.giver, r.receiver, r.result_label) for r in rows] == [
        # issue 17: 1.004873's first step is the desk's, due the same day: handed over on 23/11, on time
        ("Bộ phận Một cửa UBND xã Phục Linh", "Tư pháp - hộ tịch", "Đúng hạn"),
        # "Tư pháp - hộ tịch" is not a unit of its steps: judged against the due date, 25/11 vs 2/12
        ("Tư pháp - hộ tịch", "Bộ phận Một cửa UBND xã Phục Linh", "Trước hạn 5 ngày làm việc")]
    assert verify(store).ok


def test_the_pause_rule_is_an_office_setting(store):
    clerk, admin = actor_for(store, "canbo"), actor_for(store, "quantri")
    with pytest.raises(PermissionDenied):
        progress.set_supplement_rule(store, clerk, "pause")
    assert progress.set_supplement_rule(store, admin, "pause").value == "pause"
    code = receive(store, clerk, procedure="1.004873")  # due Fri 27/11 17:00
    progress.record_event(store, clerk, code, "supplement_requested", {"papers": "Tờ khai", "reason": "Sai tên"})
    store.clock.advance(days=2)  # asked Mon 23/11, arrived Wed 25/11: waited Wed 25 only (24 is a holiday)
    r = progress.record_event(store, clerk, code, "supplement_received", {})
    assert r.due_at == vn(2026, 11, 30, 17)  # 27/11 + 1 working day
    assert "cộng thêm ngày chờ bổ sung" in dossiers.get_detail(store, code).events[-1].details


def test_roles_are_checked_in_the_service(store):
    clerk, postal = actor_for(store, "canbo"), actor_for(store, "buudien")
    code = receive(store, clerk)
    before = snapshot(store)
    for kind, fields in (("resolved", {}), ("stopped", {"reason": "x"}), ("extended", {"days": "1", "reason": "x"}),
                         ("supplement_requested", {"papers": "A", "reason": "x"})):
        with pytest.raises(PermissionDenied) as err:
            progress.record_event(store, postal, code, kind, fields)
        assert err.value.message.startswith("Nhân viên bưu điện không được phép")
    assert snapshot(store) == before
    progress.record_event(store, postal, code, "transferred", {"to": "Tư pháp"})  # hand over: allowed
    view = progress.progress_view(store, postal, code)
    assert [a.kind for a in view.actions] == ["transferred", "note_added"]  # khai sinh is free: no fee step
    assert "ghi nhận có kết quả" in view.refused_actions


def test_bad_fields_are_refused_before_anything_is_written(store):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    code = receive(store, clerk)
    before = snapshot(store)
    for who, kind, fields, message in (
            (clerk, "transferred", {}, "Thiếu cơ quan hoặc người nhận hồ sơ"),
            (clerk, "fee_requested", {"amount": "nhiều"}, "Số tiền phải là số"),
            (boss, "extended", {"reason": "x"}, "Thiếu số ngày gia hạn"),
            (boss, "extended", {"days": "0", "reason": "x"}, "từ 1 ngày"),
            (clerk, "stopped", {}, "Thiếu lý do dừng xử lý"),
            (clerk, "teleported", {}, "Loại sự kiện không hợp lệ"),
            (clerk, "returned", {}, "không làm ở màn hình xử lý")):
        with pytest.raises(CounterError) as err:
            progress.record_event(store, who, code, kind, fields)
        assert message in err.value.message
    assert snapshot(store) == before




def dossier_in(store, status: Status) -> str:  # type: ignore[no-untyped-def]
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    if status == Status.REFUSED:
        from counter.domain.intake import Applicant

        return dossiers.not_accepted(store, clerk, "1.001193", Applicant(name="Lê Thị C"), "Không thuộc thẩm quyền")
    code = receive(store, clerk, procedure="1.004873")
    path = {Status.RECEIVED: [], Status.PROCESSING: ["transferred"], Status.SUPPLEMENT: ["supplement_requested"],
            Status.FEE: ["fee_requested"], Status.WITHDRAWN: ["withdrawn"], Status.STOPPED: ["stopped"],
            Status.RESOLVED: ["resolved"], Status.RETURNED: ["resolved"]}[status]
    for kind in path:
        progress.record_event(store, boss, code, kind, FIELDS[kind])
    if status == Status.RETURNED:
        giveback.return_at_counter(store, clerk, code, giveback.Collector("owner", "Nguyễn Văn An", "001090123456"),
                                   "Giấy khai sinh:1")
    return code


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT, Status.FEE,
                                    Status.RESOLVED, Status.RETURNED, Status.WITHDRAWN, Status.STOPPED,
                                    Status.REFUSED])
def test_every_out_of_order_event_is_refused_and_the_store_is_unchanged(store, status):
    boss = actor_for(store, "giamsat")  # may take every F4 action: only the reducer can refuse
    code = dossier_in(store, status)
    refused = [k for k in FIELDS if k not in {a.value for a in allowed_kinds(status)}]
    assert refused  # every status refuses something
    before = snapshot(store)
    for kind in refused:
        with pytest.raises(TransitionError) as err:
            progress.record_event(store, boss, code, kind, FIELDS[kind])
        assert err.value.message.startswith("Không thể ") or "hồ sơ" in err.value.message.lower()
        assert snapshot(store) == before, kind
    if status != Status.RESOLVED:
        with pytest.raises(TransitionError):
            giveback.return_at_counter(store, boss, code, giveback.Collector("owner", "Nguyễn Văn An"))
    if status != Status.RETURNED:
        with pytest.raises(TransitionError):
            giveback.mark_delivered(store, boss, code)
    assert snapshot(store) == before


def test_another_office_dossier_is_not_touched(store):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    move_to_another_office(store, code)
    with pytest.raises(CounterError, match="thuộc cơ quan khác"):
        progress.record_event(store, clerk, code, "note_added", {"text": "x"})


def test_the_test_helpers_know_every_step_the_screen_offers():
    """The sync state machine records any step F4 offers with tests.helpers.events.FIELDS: a new step needs its
    fields there (a missing one failed only deep in a long hypothesis run)."""
    from counter.services.progress import ACTION_FIELDS
    from tests.helpers.events import FIELDS

    assert {str(k) for k in ACTION_FIELDS} <= set(FIELDS)
