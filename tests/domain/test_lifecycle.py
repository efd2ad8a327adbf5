"""The reducer: the transition table, Vietnamese refusals, and replay."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from counter.domain import lifecycle
from counter.domain.calendar import VN_TZ
from counter.domain.lifecycle import EventKind, Event, Status, TransitionError
from tests.helpers.events import T0, payload_for

S = Status
# The specification, written out by hand from design.md / domain.md (not derived from the code):
# kind -> (statuses in which it is allowed, None = as the first event; resulting status or None = unchanged)
SPEC = {
    "registered": ({None}, S.NEW),
    "received": ({None, S.NEW}, S.RECEIVED),
    "refused": ({None, S.NEW}, S.REFUSED),
    "document_scanned": ({S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE, S.RESOLVED, S.RETURNED}, None),
    "transferred": ({S.RECEIVED, S.PROCESSING}, S.PROCESSING),
    "supplement_requested": ({S.RECEIVED, S.PROCESSING}, S.SUPPLEMENT),
    "supplement_received": ({S.SUPPLEMENT}, S.PROCESSING),
    "fee_requested": ({S.RECEIVED, S.PROCESSING}, S.FEE),
    "fee_paid": ({S.RECEIVED, S.PROCESSING, S.FEE, S.RESOLVED}, "fee"),
    "extended": ({S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE}, None),
    "withdrawn": ({S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE}, S.WITHDRAWN),
    "stopped": ({S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE}, S.STOPPED),
    "resolved": ({S.RECEIVED, S.PROCESSING}, S.RESOLVED),
    "returned": ({S.RESOLVED}, S.RETURNED),
    "reassigned": ({S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE, S.RESOLVED}, None),
    "note_added": (set(S), None),
    "delivered": ({S.RETURNED}, None),  # once, for a result sent by post
    "corrected": (set(S), None),  # issue 12: the applicant's details, in any status
    "voided": ({S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE, S.RESOLVED}, None),  # same day; then notes only
    "online_incomplete": ({S.NEW}, None),  # issue 15: asks the online applicant for papers before receiving
    "files_added": ({S.NEW}, None),  # ... who uploads them (only while asked)
    # issue 17: the statutory verification time (once) and Mẫu 03 after appraisal (the result)
    "verification_extended": ({S.RECEIVED, S.PROCESSING}, None),
    "refused_after_appraisal": ({S.RECEIVED, S.PROCESSING}, S.RESOLVED),
    # issue 18: money paid back, a wrong receipt reissued: in any status of a received dossier (when paid)
    "fee_refunded": (set(S) - {S.NEW}, None),
    "receipt_cancelled": (set(S) - {S.NEW}, None),
    "rated": ({S.RETURNED}, None),  # issue 19: the citizen's rating at the counter, after the return
    # issue 20: the signed electronic result, while the dossier is open, ready or already returned
    "result_issued": ({S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FEE, S.RESOLVED, S.RETURNED}, None),
}


def make_event(kind: str, n: int, state=None) -> Event:
    return Event(f"e{n}", kind, T0 + timedelta(minutes=n), 1, "st1", payload_for(kind, n, state))


def test_spec_covers_every_kind():
    assert set(SPEC) == {k.value for k in EventKind}


@settings(max_examples=300)
@given(st.lists(st.sampled_from(sorted(SPEC)), max_size=25))
@example(kinds=["received", "verification_extended", "extended"])  # Mẫu 04 to a date the verification passed
def test_only_events_in_the_table_are_ever_accepted(kinds):
    state = None
    for n, kind in enumerate(kinds):
        allowed, target = SPEC[kind]
        current = state.status if state else None
        event = make_event(kind, n, state)
        if kind == "delivered" and state is not None and state.delivered_at is not None:
            allowed = set()  # a delivery is recorded once
        if kind == "extended" and state is not None and (
                state.extension_count or (state.due_at and event.at.astimezone(VN_TZ).date()
                                          >= state.due_at.astimezone(VN_TZ).date())
                or (state.due_at and datetime.fromisoformat(event.payload["due_at"]) <= state.due_at)):
            # Mẫu 04 once, at the latest the day before the due date (issue 17), to a later date than the one
            # it moves (the statutory verification time may have moved that one past the new date)
            allowed = set()
        if kind == "verification_extended" and state is not None and state.verification_days:
            allowed = set()  # the statutory verification time is added once
        if state is not None and state.voided_at is not None and kind not in ("note_added", "fee_refunded"):
            allowed = set()  # a voided dossier takes nothing but a note, or the refund of a fee paid before
        if kind in ("online_incomplete", "supplement_requested") and state is not None \
                and state.supplement_requests >= 1:
            allowed = set()  # one request for papers per dossier (without a supervisor's override)
        if kind == "files_added" and state is not None and not state.awaiting_citizen:
            allowed = set()  # only after the counter asked for them
        if kind == "fee_refunded" and (state is None or state.paid_amount - state.refunded_amount < 1):
            allowed = set()  # nothing paid (left) to refund
        if kind == "receipt_cancelled" and (state is None or state.paid_amount <= 0):
            allowed = set()  # no receipt to cancel
        if current in allowed:
            new = lifecycle.apply(state, event)
            if target == "fee":
                expected = S.PROCESSING if current == S.FEE else current
            else:
                expected = target if target is not None else current
            assert new.status == expected
            assert new.version == (state.version if state else 0) + 1
            state = new
        else:
            with pytest.raises(TransitionError) as err:
                lifecycle.apply(state, event)
            assert err.value.message  # a Vietnamese sentence for the clerk
            assert "hồ sơ" in err.value.message.lower() or "không thể" in err.value.message.lower()


@settings(max_examples=200)
@given(st.lists(st.sampled_from(sorted(SPEC)), max_size=25))
def test_replay_rebuilds_the_same_state(kinds):
    state, accepted = None, []
    for n, kind in enumerate(kinds):
        event = make_event(kind, n, state)
        try:
            state = lifecycle.apply(state, event)
            accepted.append(event)
        except TransitionError:
            pass
    assert lifecycle.replay(accepted) == state


def test_refusal_message_names_the_status():
    state = lifecycle.apply(None, make_event("received", 0))
    with pytest.raises(TransitionError) as err:
        lifecycle.apply(state, make_event("returned", 1))
    assert err.value.message == "Không thể trả kết quả khi hồ sơ đang ở trạng thái “Được tiếp nhận”."


def test_event_on_a_dossier_that_does_not_exist():
    with pytest.raises(TransitionError, match="chưa được tiếp nhận"):
        lifecycle.apply(None, make_event("resolved", 0))


def test_unknown_kind_is_refused():
    state = lifecycle.apply(None, make_event("received", 0))
    with pytest.raises(TransitionError, match="không hợp lệ"):
        lifecycle.apply(state, Event("x", "teleported", T0, 1, "st1", {}))


def test_extension_must_move_the_due_date_later():
    received = lifecycle.apply(None, make_event("received", 0))
    # a 5-day procedure (issue 17: Mẫu 04 at the latest the day before the due date)
    state = replace(received, due_at=T0 + timedelta(days=7), original_due_at=T0 + timedelta(days=7))
    earlier = Event("x", "extended", T0, 1, "st1", {"due_at": (T0 + timedelta(days=6)).isoformat(), "reason": "x"})
    with pytest.raises(TransitionError, match="phải sau"):
        lifecycle.apply(state, earlier)
    no_reason = Event("y", "extended", T0, 1, "st1", {"due_at": (T0 + timedelta(days=30)).isoformat()})
    with pytest.raises(TransitionError, match="lý do"):
        lifecycle.apply(state, no_reason)
    later = lifecycle.apply(state, make_event("extended", 1))
    assert later.due_at > state.due_at and later.original_due_at == state.due_at
    assert later.extension_count == 1


def test_creating_event_must_carry_its_fields():
    with pytest.raises(TransitionError, match="thiếu trường"):
        lifecycle.apply(None, Event("x", "received", T0, 1, "st1", {"code": "X"}))


def test_search_text_is_folded():
    state = lifecycle.apply(None, make_event("received", 0))
    assert "nguyen van an" in state.search_text and "0912345678" in state.search_text


def _ready(n0: int = 0):
    state = lifecycle.apply(None, make_event("received", n0))
    return lifecycle.apply(state, make_event("resolved", n0 + 1, state))


def test_electronic_return_needs_an_issued_result():
    """issue 20: the return says paper / electronic / both; an electronic hand-over needs a result_issued."""
    state = _ready()
    ev = Event("r", "returned", T0 + timedelta(hours=1), 1, "st1", {**payload_for("returned", 3), "result_form": "both"})
    with pytest.raises(TransitionError, match="chưa có kết quả điện tử đã ký"):
        lifecycle.apply(state, ev)
    issued = lifecycle.apply(state, make_event("result_issued", 4, state))
    assert issued.results_issued == 1 and issued.status == S.RESOLVED
    done = lifecycle.apply(issued, ev)
    assert done.return_form == "both" and done.status == S.RETURNED
    bad = Event("x", "returned", ev.at, 1, "st1", {**payload_for("returned", 3), "result_form": "fax"})
    with pytest.raises(TransitionError, match="Hình thức kết quả bàn giao không hợp lệ"):
        lifecycle.apply(issued, bad)
    paperless = {k: v for k, v in payload_for("returned", 3).items() if k != "papers"}
    only = lifecycle.apply(issued, Event("y", "returned", ev.at, 1, "st1", {**paperless, "result_form": "electronic"}))
    assert only.return_form == "electronic"
    assert lifecycle.apply(state, Event("z", "returned", ev.at, 1, "st1", payload_for("returned", 3))).return_form == "paper"


@pytest.mark.parametrize("payload, message", [
    ({"name": "KQ", "blobs": []}, "danh sách tệp"),
    ({"name": "KQ", "blobs": ["xyz"]}, "danh sách tệp"),
    ({"blobs": ["ab" * 32]}, "tên"),
])
def test_result_issued_payload_is_checked(payload, message):
    state = _ready()
    with pytest.raises(TransitionError, match=message):
        lifecycle.apply(state, Event("r", "result_issued", T0 + timedelta(hours=1), 1, "st1", payload))
