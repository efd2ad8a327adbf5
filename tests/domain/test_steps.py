"""Issue 17: a procedure's internal steps, each with its own deadline from the moment it reached its unit
(law.step_deadline, law.step_for), the steps a dossier went through (progress.step_visits), Mẫu 06 judged per step
and its deciding / partner units (progress.control_units), and the steps file (catalogue.parse_steps)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain import law
from counter.domain.calendar import VN_TZ, WorkCalendar
from counter.domain.catalogue import CatalogueError, parse_steps
from counter.domain.lifecycle import Event
from counter.domain.progress import control_rows, control_units, current_visit, step_visits

CAL = WorkCalendar()  # holidays.VN: Tue 24/11/2026 is the Ngày Văn hóa Việt Nam holiday
DESK = "Bộ phận Một cửa UBND xã Phục Linh"
STEPS = (law.Step(1, "Tiếp nhận, chuyển hồ sơ", "Bộ phận Một cửa", 0),
         law.Step(2, "Thẩm định, trình ký", "Công chức Tư pháp - Hộ tịch", 2, decides=True),
         law.Step(3, "Ký kết quả", "Lãnh đạo UBND xã", 1),
         law.Step(4, "Trả kết quả", "Bộ phận Một cửa", 0))


def at(d: int, h: int, mi: int = 0, mo: int = 11, y: int = 2026) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


def event(kind: str, when: datetime, n: int, **payload) -> Event:  # type: ignore[no-untyped-def]
    if kind == "received":
        payload = {"dossier_id": "d1", "code": "H55.242-261123-1001", "token": "CH2DHL5PUZ5ZXU3QVCIT4TMTRWO2RJM3",
                   "office_id": "H55.242", "procedure_code": "1.004873", "owner_name": "Nguyễn Văn An",
                   "working_days": 3, "due_at": CAL.due_at(when, 3).isoformat(), **payload}
    return Event(f"e{n}", kind, when, 1, "st1", payload)


def to(unit: str, when: datetime, n: int) -> Event:
    return event("transferred", when, n, direction="out", to=unit)


# ---- law.step_deadline: the hand-over rule for 0 days, the due-date rule for N ----------------------------

@pytest.mark.parametrize(("reached", "days", "deadline"), [
    (at(23, 14, 59), 0, at(23, 17)),  # same working day, before the 15:00 cut-off: its closing
    (at(23, 15), 0, at(25, 11, 30)),  # 15:00 exactly counts as after; Tue 24/11 is off: Wed morning
    (at(23, 15, 1), 0, at(25, 11, 30)),
    (at(27, 16), 0, at(30, 11, 30)),  # Friday afternoon: Monday morning
    (at(28, 9), 0, at(30, 11, 30)),  # a Saturday: Monday morning
    (at(24, 9), 0, at(25, 11, 30)),  # reached on the holiday
    (at(23, 9), 2, at(26, 17)),  # 2 working days after Mon 23/11, skipping Tue 24/11: Thu 26/11
    (at(23, 16), 2, at(26, 17)),  # after 15:00 but before closing: still counts from Monday
    (at(23, 17), 2, at(27, 17)),  # at closing: counts from Wed 25/11
    (at(27, 10), 1, at(30, 17)),  # Friday + 1: Monday
    (at(31, 10, mo=12), 1, at(4, 17, mo=1, y=2027)),  # New Year's Day 2027 is off
])
def test_step_deadline(reached, days, deadline):
    assert law.step_deadline(CAL, reached, days) == deadline


def test_a_step_of_negative_days_is_refused():
    with pytest.raises(law.LawError, match="không được âm"):
        law.step_deadline(CAL, at(23, 9), -1)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)), st.integers(0, 20))
def test_a_step_deadline_is_after_its_start_on_a_working_day_and_grows_with_its_days(naive, days):
    reached = naive.replace(tzinfo=VN_TZ)
    deadline = law.step_deadline(CAL, reached, days)
    assert deadline > reached and CAL.is_working_day(deadline.date())
    assert law.step_deadline(CAL, reached, days + 1) > deadline
    # never later than the dossier rule for the same days (0 days: the morning shift, not closing)
    assert deadline <= CAL.due_at(reached, days)


# ---- law.step_for: the unit a hand-off went to names its step ---------------------------------------------

@pytest.mark.parametrize(("unit", "after", "index"), [
    ("Công chức Tư pháp - Hộ tịch", -1, 1),
    ("cong chuc tu phap - ho tich", -1, 1),  # accents and case ignored
    ("  Lãnh đạo   UBND xã ", -1, 2),  # spacing ignored
    (DESK, -1, 0),  # the desk's full name is the "Bộ phận Một cửa" step
    (DESK, 0, 3),  # … and after the first step, the desk's last one
    ("Công chức Tư pháp - Hộ tịch", 1, None),  # no later step of that unit
    ("Công an xã", -1, None),  # a unit outside the process
    ("Bộ phận", -1, None),  # a part of a word is not the unit
])
def test_step_for(unit, after, index):
    assert law.step_for(STEPS, unit, after) == index


# ---- Mẫu 06 judged per step ------------------------------------------------------------------------------

def test_a_late_step_inside_a_dossier_on_time():
    # received Mon 23/11 09:00 (due Fri 27/11 17:00); the desk hands over the same day (on time), the clerk keeps
    # it until Fri 27/11 (its 2 days ended Thu 26/11: 1 day late), the leader signs Fri (due Mon 30/11: 1 early),
    # the desk returns it Fri (its last step is due by the appointment: on time)
    events = [event("received", at(23, 9), 0), to("Công chức Tư pháp - Hộ tịch", at(23, 10), 1),
              to("Lãnh đạo UBND xã", at(27, 9), 2), event("transferred", at(27, 11), 3, direction="back"),
              event("resolved", at(27, 11, 30), 4),
              event("returned", at(27, 14), 5, method="counter", receiver="owner", receiver_name="Nguyễn Văn An",
                    receiver_id_number="001090123456", receiver_source="cccd_qr",
                    papers=[{"name": "Giấy xác nhận tình trạng hôn nhân", "count": 1}])]
    rows = control_rows(events, CAL, DESK, steps=STEPS)
    assert [(r.step.number if r.step else None, r.result_label) for r in rows] == [
        (1, "Đúng hạn"), (2, "Quá hạn 1 ngày làm việc"), (3, "Trước hạn 1 ngày làm việc"), (4, "Đúng hạn")]
    assert [r.due_at for r in rows] == [at(23, 17), at(26, 17), at(30, 17), at(27, 17)]
    # without steps, the same hand-offs are judged against the dossier's due date (as before issue 17)
    assert [r.result_label for r in control_rows(events, CAL, DESK)] == [
        "Trước hạn 3 ngày làm việc", "Đúng hạn", "Đúng hạn", "Đúng hạn"]


def test_the_desk_handing_over_after_15h_has_until_the_next_morning():
    for handed, label in ((at(25, 11, 30), "Đúng hạn"), (at(25, 11, 31), "Quá hạn 1 ngày làm việc")):
        events = [event("received", at(23, 15, 1), 0), to("Công chức Tư pháp - Hộ tịch", handed, 1)]
        assert [r.result_label for r in control_rows(events, CAL, DESK, steps=STEPS)] == [label]


def test_a_unit_outside_the_steps_is_judged_against_the_due_date_and_the_next_step_still_matches():
    events = [event("received", at(23, 9), 0), to("Công chức Tư pháp - Hộ tịch", at(23, 10), 1),
              to("Công an xã", at(25, 9), 2), to("Lãnh đạo UBND xã", at(27, 9), 3)]
    visits = step_visits(events, CAL, STEPS, DESK)
    assert [(v.unit, v.index) for v in visits] == [(DESK, 0), ("Công chức Tư pháp - Hộ tịch", 1),
                                                    ("Công an xã", None), ("Lãnh đạo UBND xã", 2)]
    rows = control_rows(events, CAL, DESK, steps=STEPS)
    assert rows[2].step is None and rows[2].due_at == at(27, 17)  # Công an xã: against the dossier's due date
    assert current_visit(events, CAL, STEPS, DESK).deadline == at(30, 17)  # the leader's day from Fri 27/11


def test_papers_restart_the_step_and_the_law_s_verification_time_moves_it():
    events = [event("received", at(23, 9), 0), to("Công chức Tư pháp - Hộ tịch", at(23, 10), 1),
              event("supplement_requested", at(23, 11), 2, papers=[{"name": "Sổ hộ khẩu", "originals": 1}],
                    reason="Thiếu"),
              event("supplement_received", at(26, 9), 3)]
    assert current_visit(events, CAL, STEPS, DESK).deadline == at(30, 17)  # 2 days from Thu 26/11: Fri, Mon
    events.append(event("verification_extended", at(26, 10), 4, due_at=at(7, 17, mo=12).isoformat(), days=5,
                        reason="Xác minh"))
    assert current_visit(events, CAL, STEPS, DESK).deadline == at(7, 17, mo=12)  # + 5 working days


def test_the_current_visit_is_none_once_the_result_left_or_without_steps():
    events = [event("received", at(23, 9), 0)]
    assert current_visit(events, CAL, (), DESK) is None
    assert current_visit(events, CAL, STEPS, DESK).step == STEPS[0]


def test_control_units_name_the_deciding_unit_and_the_others_once():
    events = [event("received", at(23, 9), 0), to("Công chức Tư pháp - Hộ tịch", at(23, 10), 1),
              to("Công an xã", at(25, 9), 2), to("lãnh đạo ubnd xã", at(26, 9), 3)]
    rows = control_rows(events, CAL, DESK, steps=STEPS)
    assert control_units(STEPS, rows, DESK) == ("Công chức Tư pháp - Hộ tịch", "Lãnh đạo UBND xã; Công an xã")
    assert control_units((), rows, DESK) == (None, "Công chức Tư pháp - Hộ tịch; Công an xã; lãnh đạo ubnd xã")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Công chức Tư pháp - Hộ tịch", "Lãnh đạo UBND xã", "Công an xã", "back"]),
                max_size=6), st.lists(st.integers(1, 60), min_size=6, max_size=6))
def test_one_row_per_hand_off_each_against_the_deadline_of_the_visit_it_ends(hops, gaps):
    events = [event("received", at(23, 9), 0)]
    when, holder = at(23, 9), None
    for n, (hop, gap) in enumerate(zip(hops, gaps), start=1):
        when += timedelta(hours=gap)
        if hop == "back":
            if holder is None:
                continue
            events.append(event("transferred", when, n, direction="back"))
            holder = None
        else:
            events.append(to(hop, when, n))
            holder = hop
    visits = step_visits(events, CAL, STEPS, DESK)
    rows = control_rows(events, CAL, DESK, steps=STEPS)
    assert len(rows) == len(events) - 1 == len(visits) - 1
    indexes = [v.index for v in visits if v.index is not None]
    assert indexes == sorted(indexes)  # steps only move forward
    for row, visit in zip(rows, visits):
        assert row.at == visit.left_at and row.step == visit.step
        if visit.deadline is not None:
            assert row.due_at == visit.deadline


# ---- the steps file --------------------------------------------------------------------------------------

HEADER = "procedure_code,step,name,unit,working_days,decides\n"


def test_parse_steps_reads_the_steps_in_order():
    text = HEADER + ("# quy trình\n1.004873,1,Tiếp nhận,Bộ phận Một cửa,0,\n"
                     "1.004873,2,\"Thẩm định, trình ký\",Công chức Tư pháp - Hộ tịch,3,x\n")
    assert parse_steps(text, {"1.004873": 3}) == {"1.004873": (
        law.Step(1, "Tiếp nhận", "Bộ phận Một cửa", 0),
        law.Step(2, "Thẩm định, trình ký", "Công chức Tư pháp - Hộ tịch", 3, True))}


@pytest.mark.parametrize(("rows", "message"), [
    ("1.004873,1,A,B,1,\n1.004873,3,C,D,2,\n", "dòng 3: cột step: thủ tục 1.004873 cần bước số 2 tiếp theo"),
    ("1.004873,1,A,B,1,\n1.004873,2,C,D,1,\n", "dòng 2: các bước của thủ tục 1.004873 cộng lại 2 ngày làm việc, "
                                              "khác thời hạn giải quyết 3 ngày"),
    ("1.004873,1,A,B,1,1\n1.004873,2,C,D,2,1\n", "dòng 3: cột decides: thủ tục 1.004873 đã có bước"),
    ("1.009999,1,A,B,0,\n", "dòng 2: thủ tục 1.009999 không có trong danh mục"),
    ("1.004873,1,,B,ba,\n", "cột working_days phải là số ngày làm việc"),
    ("1.004873,1,A,,3,\n", "cột unit (đơn vị thực hiện) không được để trống"),
    ("1.004873,1,A,B,3,có lẽ\n", "cột decides phải là 1/0"),
])
def test_a_bad_steps_file_names_every_bad_line(rows, message):
    with pytest.raises(CatalogueError, match="Bảng các bước xử lý") as exc:
        parse_steps(HEADER + rows, {"1.004873": 3})
    assert message in str(exc.value)


def test_a_steps_file_without_its_columns_is_refused():
    with pytest.raises(CatalogueError, match="thiếu cột: unit, working_days"):
        parse_steps("procedure_code,step,name\n1.004873,1,A\n")


def test_the_shipped_steps_cover_every_procedure_with_a_processing_time():
    from counter.services.catalogue import default_specs, default_steps

    steps = default_steps()  # checked against the catalogue: each adds up to its procedure's working days
    timed = {s.code for s in default_specs() if s.working_days > 0}
    assert set(steps) == timed
    for code, items in steps.items():
        assert sum(1 for s in items if s.decides) == 1, code
        assert law.same_unit(items[0].unit, DESK) and law.same_unit(items[-1].unit, DESK), code
