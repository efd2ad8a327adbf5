"""Issue 12: the `corrected` and `voided` events in the reducer, and who may record them."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, UTC

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain import lifecycle
from counter.domain.intake import ValidationError
from counter.domain.lifecycle import Event, EventKind, Status, TransitionError
from counter.domain.permissions import PermissionDenied, Role, require_event
from tests.helpers.events import T0, creating_payload, payload_for

CLERK, OTHER = 1, 7


def received(actor: int = CLERK, at: datetime = T0) -> lifecycle.DossierState:
    return lifecycle.apply(None, Event("e0", "received", at, actor, "st1", creating_payload()))


def ev(kind: str, payload: dict, at: datetime = T0 + timedelta(minutes=5), n: int = 1, actor: int = CLERK) -> Event:
    return Event(f"e{n}", kind, at, actor, "st1", payload)


def correction(state, **values) -> Event:  # type: ignore[no-untyped-def]
    return ev("corrected", {"changes": lifecycle.correction_changes(state, values, T0), "reason": "gõ nhầm"})


# ---- corrected ---------------------------------------------------------------------------------------------

def test_a_correction_changes_the_details_and_rebuilds_the_search_text():
    state = received()
    new = lifecycle.apply(state, correction(state, owner_phone="0987 654 321", owner_name="Nguyễn Văn Bình",
                                            owner_id_number="001090123456", owner_birth_date="01/01/1990",
                                            owner_address="Thôn 3, xã Phục Linh"))
    assert (new.owner_phone, new.owner_name, new.owner_id_number, new.owner_birth_date, new.owner_address) == (
        "0987654321", "Nguyễn Văn Bình", "001090123456", "1990-01-01", "Thôn 3, xã Phục Linh")
    assert "nguyen van binh" in new.search_text and "0987654321" in new.search_text
    assert "001090123456" in new.search_text and "0912345678" not in new.search_text
    assert new.status == state.status and new.version == state.version + 1


def test_the_payload_holds_old_and_new_of_what_changed_only():
    state = received()
    changes = lifecycle.correction_changes(state, {"owner_phone": "0987654321", "owner_name": "Nguyễn Văn An"}, T0)
    assert changes == {"owner_phone": {"old": "0912345678", "new": "0987654321"}}


def test_text_is_stored_nfc():
    state = received()
    decomposed = unicodedata.normalize("NFD", "Đặng Thị Ánh")
    new = lifecycle.apply(state, correction(state, owner_name=decomposed))
    assert new.owner_name == "Đặng Thị Ánh" and unicodedata.is_normalized("NFC", new.owner_name)


@pytest.mark.parametrize("field, value, message", [
    ("owner_id_number", "00109012345", "12 chữ số"),
    ("owner_id_number", "999090123456", "mã tỉnh"),
    ("owner_birth_date", "31/02/1990", "Ngày sinh không hợp lệ"),
    ("owner_birth_date", "01/01/2099", "ở tương lai"),
    ("owner_phone", "12345", "Số điện thoại không hợp lệ"),
    ("owner_name", "", "Họ tên không được để trống"),
    ("owner_name", "An 2", "Họ tên"),
    ("owner_kind", "2", "sửa được trường “owner_kind”"),
])
def test_new_values_follow_the_intake_rules(field, value, message):
    state = received()
    with pytest.raises(ValidationError) as err:  # what the service sees (per field, for the form)
        lifecycle.correction_changes(state, {field: value}, T0)
    assert message in err.value.errors[field]
    forged = ev("corrected", {"changes": {field: {"old": getattr(state, field, None), "new": value}}, "reason": "x"})
    with pytest.raises(TransitionError, match=message):  # and what a replay or the central server sees
        lifecycle.apply(state, forged)


@pytest.mark.parametrize("payload, message", [
    ({"changes": {"owner_phone": {"old": "0912345678", "new": "0987654321"}}}, "Thiếu lý do"),
    ({"changes": {"owner_phone": {"old": "0912345678", "new": "0987654321"}}, "reason": "  "}, "Thiếu lý do"),
    ({"changes": {}, "reason": "x"}, "không có thông tin nào thay đổi"),
    ({"reason": "x"}, "không có thông tin nào thay đổi"),
    ({"changes": {"owner_phone": {"old": "0912345678", "new": "0912345678"}}, "reason": "x"}, "trùng"),
    ({"changes": {"owner_phone": {"old": "0900000000", "new": "0987654321"}}, "reason": "x"}, "đã khác"),
    ({"changes": {"status": {"old": 2, "new": 9}}, "reason": "x"}, "không sửa được trường “status”"),
    ({"changes": {"owner_phone": "0987654321"}, "reason": "x"}, "không hợp lệ"),
])
def test_an_empty_change_a_missing_reason_or_a_stale_value_is_refused(payload, message):
    state = received()
    with pytest.raises(TransitionError, match=message):
        lifecycle.apply(state, ev("corrected", payload))


def test_a_cleared_optional_field_and_the_submitter():
    state = received()
    new = lifecycle.apply(state, correction(state, owner_phone="", submitter_name="Trần Thị Bình",
                                            submitter_phone="0987654321"))
    assert new.owner_phone is None and new.submitter_name == "Trần Thị Bình" and "tran thi binh" in new.search_text


def test_a_correction_is_allowed_in_any_status_until_voided():
    for kinds in ([], ["transferred"], ["resolved"], ["resolved", "returned"]):
        state = received()
        for n, kind in enumerate(kinds, start=1):
            state = lifecycle.apply(state, Event(f"k{n}", kind, T0 + timedelta(minutes=n), 1, "st1",
                                                 payload_for(kind, n)))
        assert lifecycle.apply(state, correction(state, owner_phone="0987654321")).owner_phone == "0987654321"


# ---- who may correct -----------------------------------------------------------------------------------------

def test_the_first_hand_off_is_kept_even_after_the_file_comes_back():
    state = received()
    out = lifecycle.apply(state, ev("transferred", {"direction": "out", "to": "Tư pháp"}, n=2))
    back = lifecycle.apply(out, ev("transferred", {"direction": "back"}, T0 + timedelta(minutes=9), n=3))
    assert out.handed_off_at == T0 + timedelta(minutes=5) and back.handed_off_at == out.handed_off_at
    assert back.held_by is None


@pytest.mark.parametrize("role, actor, handed_off, allowed", [
    (Role.CLERK, CLERK, False, True),  # their own, before hand-off
    (Role.CLERK, OTHER, False, False),  # another clerk's
    (Role.CLERK, CLERK, True, False),  # their own, after hand-off
    (Role.SUPERVISOR, OTHER, True, True),  # any, any time
    (Role.POSTAL, CLERK, False, False),
    (Role.ADMIN, CLERK, False, False),
])
def test_who_may_correct(role, actor, handed_off, allowed):
    state = received()
    if handed_off:
        state = lifecycle.apply(state, ev("transferred", {"direction": "out", "to": "Tư pháp"}, n=2))
    if allowed:
        require_event(role, "corrected", actor, "st1", state)
    else:
        with pytest.raises(PermissionDenied) as err:
            require_event(role, "corrected", actor, "st1", state)
        assert err.value.message.endswith(".") and "sửa thông tin" in err.value.message


def test_the_same_user_id_on_another_station_is_someone_else():
    with pytest.raises(PermissionDenied, match="do chính mình tiếp nhận"):
        require_event(Role.CLERK, "corrected", CLERK, "st2", received())


@pytest.mark.parametrize("role", [Role.CLERK, Role.POSTAL, Role.ADMIN])
def test_only_a_supervisor_voids(role):
    with pytest.raises(PermissionDenied, match="không được phép hủy hồ sơ tiếp nhận nhầm"):
        require_event(role, "voided", CLERK, "st1", received())
    require_event(Role.SUPERVISOR, "voided", OTHER, "st1", received())


# ---- voided --------------------------------------------------------------------------------------------------

LOCAL_EVENING = datetime(2026, 11, 23, 16, 59, tzinfo=UTC)  # 23:59 in Vietnam, the same day as T0
NEXT_MORNING = datetime(2026, 11, 23, 17, 1, tzinfo=UTC)  # 00:01 on Tuesday in Vietnam


def test_a_void_on_the_day_of_receipt_keeps_the_code_and_status():
    state = received()
    new = lifecycle.apply(state, ev("voided", {"reason": " Tiếp nhận nhầm thủ tục "}, LOCAL_EVENING))
    assert new.voided_at == LOCAL_EVENING and new.void_reason == "Tiếp nhận nhầm thủ tục"
    assert new.code == state.code and new.status == Status.RECEIVED


@pytest.mark.parametrize("at", [NEXT_MORNING, T0 + timedelta(days=7)])
def test_a_void_on_another_day_is_refused(at):
    with pytest.raises(TransitionError, match=r"Chỉ hủy được hồ sơ trong ngày tiếp nhận.*23/11/2026"):
        lifecycle.apply(received(), ev("voided", {"reason": "nhầm"}, at))


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "   "}, {"reason": 3}])
def test_a_void_needs_a_reason(payload):
    with pytest.raises(TransitionError, match="Thiếu lý do hủy"):
        lifecycle.apply(received(), ev("voided", payload))


def test_a_returned_dossier_cannot_be_voided():
    state = received()
    for n, kind in enumerate(["resolved", "returned"], start=1):
        state = lifecycle.apply(state, Event(f"k{n}", kind, T0 + timedelta(minutes=n), 1, "st1", payload_for(kind, n)))
    with pytest.raises(TransitionError, match="Đã trả kết quả"):
        lifecycle.apply(state, ev("voided", {"reason": "nhầm"}, n=9))


@pytest.mark.parametrize("kind", sorted(k.value for k in EventKind))
def test_a_voided_dossier_takes_nothing_but_a_note_or_a_refund(kind):
    state = lifecycle.apply(received(), ev("voided", {"reason": "nhầm"}))
    event = Event("z", kind, T0 + timedelta(minutes=30), CLERK, "st1", payload_for(kind, 30, state))
    if kind == "note_added":
        assert lifecycle.apply(state, event).note == "ghi chú"
        return
    if kind == "fee_refunded":  # issue 18: money paid before the void can go back (nothing was paid here)
        with pytest.raises(TransitionError) as err:
            lifecycle.apply(state, event)
        assert "đã bị hủy" not in err.value.message and "hoàn trả" in err.value.message
        return
    with pytest.raises(TransitionError) as err:
        lifecycle.apply(state, event)
    assert "đã bị hủy" in err.value.message or "Không thể" in err.value.message


# ---- replay equals the projection -------------------------------------------------------------------------------

PHONES = st.sampled_from(["0912345678", "0987654321", "0398765432", "12345", "", "0987 654 321", "+84912345678"])
STEPS = st.lists(st.one_of(
    st.tuples(st.just("corrected"), PHONES),
    st.tuples(st.just("voided"), st.sampled_from(["nhầm", ""])),
    st.tuples(st.just("note_added"), st.just("x")),
    st.tuples(st.just("transferred"), st.just("")),
), max_size=12)


@settings(max_examples=150)
@given(STEPS)
def test_replay_of_corrections_and_voids_equals_the_folded_state(steps):
    state, accepted = received(), []
    accepted.append(Event("e0", "received", T0, CLERK, "st1", creating_payload()))
    for n, (kind, value) in enumerate(steps, start=1):
        at = T0 + timedelta(minutes=n)
        if kind == "corrected":
            try:
                changes = lifecycle.correction_changes(state, {"owner_phone": value}, at)
            except ValidationError:
                continue
            payload = {"changes": changes, "reason": "sửa"}
        elif kind == "voided":
            payload = {"reason": value}
        elif kind == "note_added":
            payload = {"text": value}
        else:
            payload = {"direction": "out", "to": "Tư pháp"}
        event = Event(f"e{n}", kind, at, CLERK, "st1", payload)
        try:
            state = lifecycle.apply(state, event)
        except TransitionError:
            continue
        accepted.append(event)
    assert lifecycle.replay(accepted) == state
