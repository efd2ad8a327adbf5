"""The law's workflow rules (issue 17), each with the law's case and its edge: Mẫu 04 once and at the latest the
working day before the due date, the statutory verification time, Mẫu 03 after appraisal, the hand-over deadline
(15:00 and 15:01) and the processing agency's 3 working days for Mẫu 02."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain import law, lifecycle
from counter.domain.calendar import VN_TZ, WorkCalendar
from counter.domain.lifecycle import Event, Status, TransitionError
from tests.helpers.events import creating_payload

CAL = WorkCalendar()


def vn(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


def dossier(received: datetime, due: datetime):
    p = {**creating_payload(), "due_at": due.isoformat(), "working_days": 3}
    state = lifecycle.apply(None, Event("e0", "received", received, 1, "st1", p))
    return state


def ev(kind: str, at: datetime, n: int = 1, **payload) -> Event:
    return Event(f"e{n}", kind, at, 1, "st1", payload)


# ---- Mẫu 04 -------------------------------------------------------------------------------------------------

def test_apology_the_working_day_before_the_due_date_is_the_last_chance():
    due = vn(2026, 11, 27, 17)  # Fri 27/11
    law.check_apology(CAL, due, vn(2026, 11, 26, 16, 59), 0)  # Thu 26/11: allowed
    with pytest.raises(law.LawError, match="chậm nhất ngày 26/11/2026"):
        law.check_apology(CAL, due, vn(2026, 11, 27, 8), 0)  # the due day itself: refused, simply late


def test_apology_before_a_monday_due_date_ends_on_friday():
    due = vn(2026, 11, 30, 17)  # Mon 30/11: the working day before is Fri 27/11
    assert law.apology_last_day(CAL, due) == vn(2026, 11, 27).date()
    with pytest.raises(law.LawError):
        law.check_apology(CAL, due, vn(2026, 11, 28, 9), 0)  # a Saturday after Friday


def test_a_second_apology_is_refused_by_the_rule_and_by_the_reducer():
    with pytest.raises(law.LawError, match="một lần"):
        law.check_apology(CAL, vn(2026, 12, 4, 17), vn(2026, 11, 24, 9), 1)
    state = dossier(vn(2026, 11, 23, 9), vn(2026, 11, 26, 17))
    once = lifecycle.apply(state, ev("extended", vn(2026, 11, 24, 9), due_at=vn(2026, 11, 30, 17).isoformat(),
                                     reason="Chờ xác minh"))
    assert once.extension_count == 1 and once.legal_due_at == state.due_at
    assert once.lawful_due_at == vn(2026, 11, 26, 17)  # a late count still judges by the lawful date
    with pytest.raises(TransitionError, match="một lần"):
        lifecycle.apply(once, ev("extended", vn(2026, 11, 25, 9), 2, due_at=vn(2026, 12, 4, 17).isoformat(),
                                 reason="Lại chậm"))


def test_the_reducer_refuses_an_apology_on_the_due_day():
    state = dossier(vn(2026, 11, 23, 9), vn(2026, 11, 26, 17))
    with pytest.raises(TransitionError, match="Quá thời hạn xin lỗi"):
        lifecycle.apply(state, ev("extended", vn(2026, 11, 26, 8), due_at=vn(2026, 11, 30, 17).isoformat(),
                                  reason="x"))


# ---- statutory verification --------------------------------------------------------------------------------

def test_verification_moves_the_due_date_without_counting_late_or_an_apology():
    state = dossier(vn(2026, 11, 23, 9), vn(2026, 11, 23, 17))  # marriage: same day
    new_due = law.verification_due(CAL, state.due_at, law.VERIFICATION_DAYS["1.000894"])
    assert new_due == vn(2026, 12, 1, 17)  # +5 working days: 25, 26, 27, 30/11, 1/12 (24/11 is a holiday)
    after = lifecycle.apply(state, ev("verification_extended", vn(2026, 11, 23, 10), due_at=new_due.isoformat(),
                                      days=5, reason="Xác minh tình trạng hôn nhân"))
    assert after.due_at == new_due and after.extension_count == 0 and after.verification_days == 5
    assert after.lawful_due_at == new_due  # not late when done by the new date
    with pytest.raises(TransitionError, match="không gia hạn lần nữa"):  # a second extension
        lifecycle.apply(after, ev("verification_extended", vn(2026, 11, 24, 10), 2,
                                  due_at=(new_due + timedelta(days=7)).isoformat(), days=5, reason="x"))


def test_verification_after_an_apology_moves_the_lawful_date_too():
    state = dossier(vn(2026, 11, 23, 9), vn(2026, 11, 26, 17))
    ext = lifecycle.apply(state, ev("extended", vn(2026, 11, 24, 9), due_at=vn(2026, 11, 30, 17).isoformat(),
                                    reason="Chậm"))
    ver = lifecycle.apply(ext, ev("verification_extended", vn(2026, 11, 25, 9), 2,
                                  due_at=vn(2026, 12, 3, 17).isoformat(), days=3, reason="Xác minh"))
    assert ver.legal_due_at == vn(2026, 12, 3, 17)


def test_a_procedure_without_verification_time_cannot_take_one():
    with pytest.raises(law.LawError, match="không có thời gian xác minh"):
        law.verification_due(CAL, vn(2026, 11, 23, 17), 0)


def test_the_catalogue_default_days_are_luat_ho_tich():
    assert law.VERIFICATION_DAYS == {"1.000894": 5, "1.001022": 5, "1.004859": 3, "1.000656": 3}


# ---- Mẫu 03 after appraisal -------------------------------------------------------------------------------

def test_refusal_after_appraisal_is_the_result_within_the_processing_time():
    state = dossier(vn(2026, 11, 23, 9), vn(2026, 11, 26, 17))
    out = lifecycle.apply(state, ev("transferred", vn(2026, 11, 23, 10), to="Tư pháp"))
    refused = lifecycle.apply(out, ev("refused_after_appraisal", vn(2026, 11, 26, 17), 2,
                                      reason="Không đủ điều kiện"))  # at the due time itself: still in time
    assert refused.status == Status.RESOLVED and refused.outcome == "refused"
    assert refused.closed_reason == "Không đủ điều kiện" and refused.resolved_at == vn(2026, 11, 26, 17)
    with pytest.raises(TransitionError, match="trong thời hạn"):
        lifecycle.apply(out, ev("refused_after_appraisal", vn(2026, 11, 26, 17, 1), 2, reason="x"))
    with pytest.raises(TransitionError, match="lý do"):
        lifecycle.apply(out, ev("refused_after_appraisal", vn(2026, 11, 24, 9), 2))


# ---- hand-over (Đ18) ----------------------------------------------------------------------------------------

def test_handover_same_day_before_15_and_next_morning_from_15():
    assert law.handover_deadline(CAL, vn(2026, 11, 25, 14, 59)) == vn(2026, 11, 25, 17)
    assert law.handover_deadline(CAL, vn(2026, 11, 25, 15, 0)) == vn(2026, 11, 26, 11, 30)  # the cut-off
    assert law.handover_deadline(CAL, vn(2026, 11, 25, 15, 1)) == vn(2026, 11, 26, 11, 30)
    assert law.handover_deadline(CAL, vn(2026, 11, 27, 15, 30)) == vn(2026, 11, 30, 11, 30)  # Fri -> Mon


def test_handover_late_when_handed_after_the_deadline_or_still_at_the_desk():
    received = vn(2026, 11, 25, 10)
    assert not law.handover_late(CAL, received, vn(2026, 11, 25, 16, 59), vn(2026, 11, 30, 9))
    assert law.handover_late(CAL, received, vn(2026, 11, 26, 8), vn(2026, 11, 30, 9))
    assert not law.handover_late(CAL, received, None, vn(2026, 11, 25, 16))
    assert law.handover_late(CAL, received, None, vn(2026, 11, 25, 17, 1))


@given(st.integers(0, 24 * 60 - 1), st.integers(0, 30))
def test_the_deadline_is_never_before_the_receipt(minute, day):
    received = vn(2026, 11, 1, 0) + timedelta(days=day, minutes=minute)
    deadline = law.handover_deadline(CAL, received)
    assert deadline >= received and CAL.is_working_day(deadline.date())


# ---- Mẫu 02 after appraisal (Đ19.4) ----------------------------------------------------------------------------

def test_supplement_request_exactly_three_working_days_is_in_time_four_is_flagged():
    reached = vn(2026, 11, 23, 10)  # Mon 23/11; 24/11 is a holiday (Ngày Văn hóa Việt Nam)
    assert law.supplement_lateness(CAL, reached, vn(2026, 11, 27, 16)) == law.SupplementTiming(3, False)
    assert law.supplement_lateness(CAL, reached, vn(2026, 11, 30, 8)) == law.SupplementTiming(4, True)
    assert law.supplement_lateness(CAL, reached, reached) == law.SupplementTiming(0, False)


def test_the_lawful_due_date_survives_a_replay():
    state = dossier(vn(2026, 11, 23, 9), vn(2026, 11, 26, 17))
    events = [Event("e0", "received", vn(2026, 11, 23, 9), 1, "st1",
                    {**creating_payload(), "due_at": vn(2026, 11, 26, 17).isoformat(), "working_days": 3}),
              ev("extended", vn(2026, 11, 24, 9), due_at=vn(2026, 11, 30, 17).isoformat(), reason="Chậm")]
    assert lifecycle.replay(events) == replace(lifecycle.apply(state, events[1]))


# ---- results on the spot ("trả ngay", Đ17.4) -----------------------------------------------------------------

SPOT_OK = law.SpotCase(marked=True, owner_id_number="001090123456")


@pytest.mark.parametrize(("change", "message"), [
    ({}, None),
    ({"marked": False}, "không trả kết quả ngay"),
    ({"channel": 2}, "nộp trực tiếp tại quầy"),
    ({"channel": 3}, "nộp trực tiếp tại quầy"),
    ({"return_method": "post"}, "Trả ngay là trả tại quầy"),
    ({"missing_papers": ("Giấy tờ cần chứng thực chữ ký",)}, "Chưa đủ giấy tờ bắt buộc để giải quyết ngay: Giấy tờ cần"),
    ({"fee": 10000}, "phải nộp 10.000 đ: đánh dấu “Thu tiền mặt ngay”"),
    ({"fee": 10000, "fee_paid": True}, None),  # paid now, with its receipt
    ({"fee": 0, "fee_paid": False}, None),  # free, or exempt: nothing owed
    ({"submitter_differs": True}, "Người nộp khác chủ hồ sơ"),
    ({"owner_id_number": None}, "Thiếu số CCCD"),
    ({"owner_id_number": "  "}, "Thiếu số CCCD"),
    ({"may_decide": False}, "không được giải quyết hồ sơ"),
])
def test_what_keeps_a_dossier_from_the_spot(change, message):
    problems = law.on_the_spot_problems(replace(SPOT_OK, **change))
    if message is None:
        assert problems == []
    else:
        assert len(problems) == 1 and message in problems[0]


CASES = st.builds(law.SpotCase, marked=st.booleans(), channel=st.sampled_from([1, 2, 3]),
                  return_method=st.sampled_from(["counter", "post"]),
                  missing_papers=st.lists(st.text(min_size=1, max_size=5), max_size=2).map(tuple),
                  fee=st.integers(0, 200_000), fee_paid=st.booleans(), submitter_differs=st.booleans(),
                  owner_id_number=st.sampled_from([None, "", "001090123456"]), may_decide=st.booleans())


@given(CASES)
def test_on_the_spot_exactly_when_every_condition_holds(case):
    ok = (case.marked and case.channel == 1 and case.return_method == "counter" and not case.missing_papers
          and (case.fee == 0 or case.fee_paid) and not case.submitter_differs and bool(case.owner_id_number)
          and case.may_decide)
    problems = law.on_the_spot_problems(case)
    assert (problems == []) == ok
    assert all(p.strip() and p.endswith(".") for p in problems)  # one Vietnamese sentence per reason
    assert len(problems) == len(set(problems))
