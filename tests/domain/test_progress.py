"""F4/F5 rules: Mẫu 06 rows (early / on time / late, hand-computed across holidays and the 15:00 rule), the
supplement clock, the extension date, the receipt QR, and the reducer's payload rules for progress and return."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain import lifecycle
from counter.domain.calendar import VN_TZ, WorkCalendar
from counter.domain.errors import CounterError
from counter.domain.lifecycle import Event, Status, TransitionError
from counter.domain.progress import (ScanError, SupplementClock, control_rows, due_after_supplement, extended_due,
                                     parse_scan, result_text, supplement_clock)

CAL = WorkCalendar()  # holidays.VN only (no office overrides)
TOKEN = "CH2DHL5PUZ5ZXU3QVCIT4TMTRWO2RJM3"


def vn(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


def received(at: datetime, working_days: int, owner_id: str | None = None, fee: int = 0) -> Event:
    payload = {"dossier_id": "d1", "code": "H55.242-261123-1001", "token": TOKEN, "office_id": "H55.242",
               "procedure_code": "1.001193", "owner_name": "Nguyễn Văn An", "working_days": working_days,
               "due_at": CAL.due_at(at, working_days).isoformat(), "fee": fee}
    if owner_id:
        payload["owner_id_number"] = owner_id
    return Event("e0", "received", at, 1, "st1", payload)


def ev(kind: str, at: datetime, n: int, **payload) -> Event:  # type: ignore[no-untyped-def]
    return Event(f"e{n}", kind, at, 1, "st1", payload)


def out(at: datetime, n: int, to: str = "Tư pháp - hộ tịch") -> Event:
    return ev("transferred", at, n, direction="out", to=to)


def back(at: datetime, n: int) -> Event:
    return ev("transferred", at, n, direction="back")


def give(at: datetime, n: int) -> list[Event]:
    """The result recorded a minute before, then handed to the owner."""
    return [ev("resolved", at - timedelta(minutes=1), 100 + n),
            ev("returned", at, n, method="counter", receiver="owner", receiver_name="Nguyễn Văn An",
               receiver_id_number="001090123456", receiver_source="cccd_qr",
               papers=[{"name": "Giấy khai sinh bản chính", "count": 1}])]


def results(events: list[Event]) -> list[str]:
    return [r.result_label for r in control_rows(events, CAL, "Bộ phận Một cửa", {1: "Hoa"})]


# ---- Mẫu 06: hand-computed cases ---------------------------------------------------------------------------

def test_same_day_after_15h_on_the_eve_of_the_culture_day_holiday():
    # Mon 23/11/2026 15:30, same-day procedure: after the 15:00 cut-off -> next working day; Tue 24/11 is the new
    # Ngày Văn hóa Việt Nam holiday -> due Wed 25/11/2026 17:00.
    start = received(vn(2026, 11, 23, 15, 30), 0)
    assert CAL.due_at(vn(2026, 11, 23, 15, 30), 0) == vn(2026, 11, 25, 17)
    events = [start, out(vn(2026, 11, 23, 16), 1),  # 23/11 -> 25/11: one working day early (24/11 is off)
              back(vn(2026, 11, 25, 16, 59), 2),  # the due day, before closing: on time
              *give(vn(2026, 11, 26, 8), 3)]  # Thu 26/11 08:00: one working day late
    rows = control_rows(events, CAL, "Bộ phận Một cửa", {1: "Hoa"})
    assert [r.result_label for r in rows] == ["Trước hạn 1 ngày làm việc", "Đúng hạn", "Quá hạn 1 ngày làm việc"]
    assert [(r.giver, r.receiver) for r in rows] == [("Bộ phận Một cửa", "Tư pháp - hộ tịch"),
                                                      ("Tư pháp - hộ tịch", "Bộ phận Một cửa"),
                                                      ("Bộ phận Một cửa", "Chủ hồ sơ")]
    assert rows[0].giver_person == "Hoa" and rows[2].receiver_person == "Nguyễn Văn An"


def test_same_day_before_15h_due_the_same_evening_and_late_across_the_holiday():
    # Mon 23/11/2026 14:59 -> due Mon 23/11 17:00; handed over Wed 25/11: Tue 24/11 is off -> 1 day late
    events = [received(vn(2026, 11, 23, 14, 59), 0), out(vn(2026, 11, 23, 15, 30), 1),
              back(vn(2026, 11, 23, 17), 2),  # exactly at the due time: on time
              *give(vn(2026, 11, 25, 9), 3)]
    assert results(events) == ["Đúng hạn", "Đúng hạn", "Quá hạn 1 ngày làm việc"]


def test_new_year_day_2027():
    # Thu 31/12/2026 15:00 exactly (the cut-off counts as after) -> Fri 1/1/2027 is off -> due Mon 4/1/2027 17:00
    assert CAL.due_at(vn(2026, 12, 31, 15), 0) == vn(2027, 1, 4, 17)
    events = [received(vn(2026, 12, 31, 15), 0), out(vn(2026, 12, 31, 15, 30), 1), back(vn(2027, 1, 4, 10), 2),
              *give(vn(2027, 1, 5, 8), 3)]
    assert results(events) == ["Trước hạn 1 ngày làm việc", "Đúng hạn", "Quá hạn 1 ngày làm việc"]


def test_tet_2027():
    # 3 working days from Wed 3/2/2027 10:00: Thu 4/2 – Wed 10/2 are Tết -> Thu 11, Fri 12, Mon 15/2 -> due 15/2
    assert CAL.due_at(vn(2027, 2, 3, 10), 3) == vn(2027, 2, 15, 17)
    events = [received(vn(2027, 2, 3, 10), 3), out(vn(2027, 2, 3, 11), 1),  # 3/2 -> 15/2: 3 working days early
              back(vn(2027, 2, 12, 10), 2),  # Fri 12/2 -> Mon 15/2: 1 day early
              *give(vn(2027, 2, 16, 9), 3)]  # Tue 16/2: 1 day late
    assert results(events) == ["Trước hạn 3 ngày làm việc", "Trước hạn 1 ngày làm việc", "Quá hạn 1 ngày làm việc"]


def test_30_april_and_1_may_2027_with_the_compensatory_monday():
    # 2 working days from Thu 29/4/2027 16:00: Fri 30/4 off, Sat 1/5 (holiday on a weekend -> Mon 3/5 off) ->
    # Tue 4/5, Wed 5/5 -> due Wed 5/5/2027 17:00
    assert CAL.due_at(vn(2027, 4, 29, 16), 2) == vn(2027, 5, 5, 17)
    events = [received(vn(2027, 4, 29, 16), 2), out(vn(2027, 4, 29, 16, 30), 1), back(vn(2027, 5, 4, 9), 2),
              *give(vn(2027, 5, 5, 16), 3)]
    assert results(events) == ["Trước hạn 2 ngày làm việc", "Trước hạn 1 ngày làm việc", "Đúng hạn"]


def test_national_day_2027_and_an_extension():
    # Wed 1/9/2027 15:10, same day, after the cut-off -> Thu 2/9 and Fri 3/9 are off -> due Mon 6/9/2027 17:00
    assert CAL.due_at(vn(2027, 9, 1, 15, 10), 0) == vn(2027, 9, 6, 17)
    new_due = extended_due(CAL, vn(2027, 9, 6, 17), vn(2027, 9, 1, 16), 2)  # Tue 7/9, Wed 8/9
    assert new_due == vn(2027, 9, 8, 17)
    # issue 17: Mẫu 04 at the latest 1 working day before the due date: Wed 1/9 is the last one before Mon 6/9
    events = [received(vn(2027, 9, 1, 15, 10), 0), out(vn(2027, 9, 1, 15, 20), 1),
              ev("extended", vn(2027, 9, 1, 16), 3, due_at=new_due.isoformat(), reason="Cần xác minh"),
              back(vn(2027, 9, 7, 9), 2),  # Tue 7/9 against the new 8/9 -> early 1
              *give(vn(2027, 9, 8, 11), 4)]  # against the new date: on time
    assert results(events) == ["Trước hạn 1 ngày làm việc", "Trước hạn 1 ngày làm việc", "Đúng hạn"]


def test_forwarding_from_one_agency_to_another_names_both():
    events = [received(vn(2026, 11, 23, 9), 3), out(vn(2026, 11, 23, 10), 1, "Tư pháp"),
              out(vn(2026, 11, 25, 10), 2, "Công an xã"), back(vn(2026, 11, 26, 10), 3)]
    rows = control_rows(events, CAL, "Một cửa")
    assert [(r.giver, r.receiver) for r in rows] == [("Một cửa", "Tư pháp"), ("Tư pháp", "Công an xã"),
                                                      ("Công an xã", "Một cửa")]


def test_result_text():
    assert result_text("early", 2) == "Trước hạn 2 ngày làm việc"
    assert result_text("on_time", 0) == "Đúng hạn"
    assert result_text("late", 1) == "Quá hạn 1 ngày làm việc"


# ---- the supplement clock and the extension date -----------------------------------------------------------

def test_supplement_restart_counts_the_full_time_again_from_the_arrival():
    # 5 working days counted again from Wed 25/11/2026 10:00: Thu 26, Fri 27, Mon 30/11, Tue 1/12, Wed 2/12
    due = due_after_supplement(CAL, "restart", working_days=5, due_at=vn(2026, 11, 26, 17),
                               requested_at=vn(2026, 11, 20, 10), arrived_at=vn(2026, 11, 25, 10))
    assert due == vn(2026, 12, 2, 17)


def test_supplement_pause_adds_the_working_days_waited():
    # asked Fri 20/11, papers Wed 25/11: waited Mon 23 and Wed 25 (Tue 24 is a holiday) = 2 working days;
    # the old due Thu 26/11 17:00 moves 2 working days: Fri 27/11, Mon 30/11
    due = due_after_supplement(CAL, SupplementClock.PAUSE, working_days=5, due_at=vn(2026, 11, 26, 17),
                               requested_at=vn(2026, 11, 20, 10), arrived_at=vn(2026, 11, 25, 10))
    assert due == vn(2026, 11, 30, 17)
    same_day = due_after_supplement(CAL, "pause", working_days=5, due_at=vn(2026, 11, 26, 17),
                                    requested_at=vn(2026, 11, 25, 9), arrived_at=vn(2026, 11, 25, 16))
    assert same_day == vn(2026, 11, 26, 17)  # answered the same day: nothing moves


def test_supplement_rule_names():
    assert supplement_clock(" Pause ") == SupplementClock.PAUSE
    with pytest.raises(CounterError, match="restart hoặc pause"):
        supplement_clock("tomorrow")


def test_extension_counts_from_today_when_already_late():
    # due Mon 23/11 17:00, extended on Wed 25/11 by 1 day -> Thu 26/11
    assert extended_due(CAL, vn(2026, 11, 23, 17), vn(2026, 11, 25, 9), 1) == vn(2026, 11, 26, 17)
    assert extended_due(CAL, vn(2026, 11, 23, 17), vn(2026, 11, 23, 9), 1) == vn(2026, 11, 25, 17)  # skips 24/11
    with pytest.raises(CounterError, match="từ 1 ngày"):
        extended_due(CAL, None, vn(2026, 11, 23, 9), 0)


# ---- the receipt QR ---------------------------------------------------------------------------------------

def test_scan_of_the_receipt_qr_and_of_a_code():
    s = parse_scan(f"http://127.0.0.1:8780/t/{TOKEN}\n")
    assert (s.token, s.base_url, s.code) == (TOKEN, "http://127.0.0.1:8780", None)
    assert parse_scan(f"https://motcua.example.vn/tra-cuu/t/{TOKEN.lower()}").token == TOKEN  # caps lock on
    assert parse_scan(" h55.242-261123-1001 ").code == "H55.242-261123-1001"


@pytest.mark.parametrize("text, message", [
    ("", "Chưa có mã"),
    ("001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "CCCD"),
    (f"http://127.0.0.1:8780/t/{TOKEN[:20]}", "không đúng dạng"),
    ("http://127.0.0.1:8780/t/" + "1" * 32, "không đúng dạng"),  # 1 is not base32
    ("xin chào", "Không nhận ra mã"),
    ("H55.242-261123-12", "Không nhận ra mã"),
])
def test_bad_scans_are_refused_clearly(text, message):
    with pytest.raises(ScanError) as err:
        parse_scan(text)
    assert message in err.value.message


# ---- reducer rules for progress and return -----------------------------------------------------------------

def state_at(*events: Event) -> lifecycle.DossierState:
    return lifecycle.replay(list(events))  # type: ignore[return-value]


T = vn(2026, 11, 23, 9)


def resolved_state(owner_id: str | None = "001090123456", fee: int = 0) -> lifecycle.DossierState:
    return state_at(received(T, 0, owner_id, fee), ev("resolved", T + timedelta(hours=1), 1))


@pytest.mark.parametrize("event, message", [
    (ev("transferred", T, 5, direction="back"), "không có bên nào để nhận lại"),
    (ev("transferred", T, 5, direction="out"), "Thiếu cơ quan hoặc người nhận hồ sơ"),
    (ev("transferred", T, 5, direction="sideways", to="x"), "Hướng chuyển hồ sơ không hợp lệ"),
    (ev("supplement_requested", T, 5, reason="Thiếu"), "Thiếu giấy tờ cần bổ sung"),
    (ev("supplement_requested", T, 5, papers=[{"name": "Giấy chứng sinh"}]), "Thiếu lý do yêu cầu bổ sung"),
    (ev("supplement_requested", T, 5, reason="x", papers=[{"name": ""}]), "phải có tên"),
    (ev("fee_requested", T, 5), "Thiếu số tiền"),
    (ev("fee_requested", T, 5, amount="mười nghìn"), "không hợp lệ"),
    (ev("fee_requested", T, 5, amount=0), "phải lớn hơn 0"),
    (ev("stopped", T, 5), "Thiếu lý do dừng xử lý"),
    (ev("extended", T, 5, reason="x"), "Thiếu ngày hẹn trả mới"),
])
def test_progress_payload_rules(event, message):
    state = state_at(received(T, 0))
    with pytest.raises(TransitionError) as err:
        lifecycle.apply(state, event)
    assert message in err.value.message


PAPERS = [{"name": "Giấy khai sinh bản chính", "count": 1}]
OWNER = {"method": "counter", "receiver": "owner", "receiver_name": "Nguyễn Văn An",
         "receiver_id_number": "001090123456", "receiver_source": "cccd_qr", "receiver_birth_date": "1990-01-01",
         "papers": PAPERS}
PAPER = {"kind": "Văn bản ủy quyền có chứng thực", "number": "125/2026/SCT", "date": "2026-11-20",
         "issuer": "UBND xã Phục Linh"}
PROXY = {**OWNER, "receiver": "authorized", "receiver_name": "Trần Thị Bình", "receiver_id_number": "001192345678",
         "receiver_birth_date": "1992-02-02", "authorization": PAPER}
PROXY_QR = "001192345678||Trần Thị Bình|02021992|Nữ|Thôn 5, xã Phục Linh, tỉnh Thái Nguyên|01012022"
SHA = "ab" * 32


def returned(payload: dict, at: datetime = T + timedelta(hours=2)) -> Event:
    return Event("e9", "returned", at, 1, "st1", payload)


def without(payload: dict, *keys: str) -> dict:
    return {k: v for k, v in payload.items() if k not in keys}


@pytest.mark.parametrize("payload, message", [
    # the collector: name and ID from their card (or typed), and the owner's ID must match
    (without(OWNER, "receiver_id_number"), "Thiếu số CCCD/giấy tờ tùy thân của người nhận"),
    ({**OWNER, "receiver_id_number": "001090999999"}, "(001090999999) không khớp với chủ hồ sơ Nguyễn Văn An: "
                                                       "cần giấy ủy quyền"),
    (without(OWNER, "receiver_name"), "Thiếu họ tên người nhận"),
    ({**OWNER, "receiver_name": PROXY_QR}, "Họ tên người nhận kết quả chứa nội dung mã QR của thẻ CCCD"),
    ({**OWNER, "receiver_name": "Nguyễn Văn 2"}, "Họ tên người nhận không hợp lệ"),
    ({**OWNER, "receiver_id_number": PROXY_QR}, "chứa nội dung mã QR"),
    (without(OWNER, "receiver_source"), "Thiếu cách xác định người nhận: quét QR trên CCCD"),
    ({**OWNER, "receiver_source": "ocr"}, "Cách xác định người nhận không hợp lệ"),
    ({**OWNER, "receiver_id_number": "12345"}, "Số giấy tờ của người nhận không hợp lệ"),
    ({**OWNER, "receiver_id_number": "123456789"}, "Số giấy tờ của người nhận không hợp lệ"),  # a card: 12 digits
    ({**OWNER, "receiver_id_number": "999090123456"}, "mã tỉnh"),
    ({**OWNER, "receiver_birth_date": "2027-01-01"}, "Ngày sinh của người nhận 01/01/2027 ở tương lai"),
    ({**OWNER, "authorization": PAPER}, "Chủ hồ sơ tự nhận kết quả: không ghi giấy ủy quyền"),
    ({**OWNER, "blobs": [SHA]}, "Chỉ kèm bản quét giấy ủy quyền khi người được ủy quyền nhận thay"),
    ({**OWNER, "receiver": "neighbour"}, "Người nhận kết quả không hợp lệ"),
    ({**OWNER, "method": "drone"}, "Hình thức trả kết quả không hợp lệ"),
    # the authorization: a paper, never a card's QR text
    (without(PROXY, "authorization"), "Thiếu giấy ủy quyền của người nhận thay"),
    ({**PROXY, "authorization": PROXY_QR}, "Giấy ủy quyền không thể là nội dung mã QR của thẻ CCCD"),
    ({**PROXY, "authorization": "Giấy ủy quyền số 12/2026"}, "phải ghi rõ loại giấy, số, ngày và nơi chứng thực"),
    ({**PROXY, "authorization": {**PAPER, "number": PROXY_QR}}, "Số giấy ủy quyền chứa nội dung mã QR"),
    ({**PROXY, "authorization": {**PAPER, "issuer": "UBND|xã"}}, "chứa nội dung mã QR"),
    ({**PROXY, "authorization": {**PAPER, "date": PROXY_QR}}, "không hợp lệ"),
    ({**PROXY, "authorization": without(PAPER, "kind")}, "Thiếu loại giấy ủy quyền"),
    ({**PROXY, "authorization": {**PAPER, "kind": "Thư tay"}}, "Loại giấy ủy quyền không hợp lệ: “Thư tay”"),
    ({**PROXY, "authorization": without(PAPER, "number")}, "Thiếu số giấy ủy quyền"),  # a certified paper
    ({**PROXY, "authorization": without(PAPER, "date")}, "Thiếu ngày của giấy ủy quyền"),
    ({**PROXY, "authorization": {**PAPER, "date": "2026-11-24"}}, "Ngày của giấy ủy quyền 24/11/2026 ở tương lai"),
    ({**PROXY, "authorization": {**PAPER, "date": "20/11/2026"}}, "Ngày của giấy ủy quyền không hợp lệ"),
    ({**PROXY, "authorization": without(PAPER, "issuer")}, "Thiếu nơi chứng thực"),
    ({**PROXY, "authorization": {**PAPER, "issuer": "123"}}, "Nơi chứng thực giấy ủy quyền không hợp lệ"),
    ({**PROXY, "authorization": {**PAPER, "number": "001192345678"}}, "là số CCCD"),
    ({**PROXY, "authorization": {**PAPER, "number": 12}}, "Số giấy ủy quyền không hợp lệ"),
    ({**PROXY, "authorization": {**PAPER, "issuer": "x" * 201}}, "quá dài"),
    ({**PROXY, "receiver_id_number": "001090123456"}, "cùng số giấy tờ với chủ hồ sơ Nguyễn Văn An"),
    ({**PROXY, "blobs": ["not-a-hash"]}, "Danh sách tệp bản quét giấy ủy quyền không hợp lệ"),
    # the result papers, at the counter and by post
    (without(OWNER, "papers"), "Thiếu giấy tờ kết quả"),
    ({**OWNER, "papers": []}, "Thiếu giấy tờ kết quả"),
    ({**OWNER, "papers": [{"name": PROXY_QR}]}, "Tên giấy tờ kết quả chứa nội dung mã QR"),
    ({"method": "post", "tracking": "EE123456789VN", "address": "Thôn 2"}, "Thiếu giấy tờ kết quả"),
    ({"method": "post", "address": "Thôn 2", "papers": PAPERS}, "Thiếu số hiệu bưu gửi"),
    ({"method": "post", "tracking": "EE1VN", "papers": PAPERS}, "Thiếu địa chỉ"),
    ({"method": "post", "tracking": "EE1VN", "address": PROXY_QR, "papers": PAPERS}, "Địa chỉ nhận chứa nội dung mã QR"),
    ({**OWNER, "note": PROXY_QR}, "Ghi chú chứa nội dung mã QR"),
])
def test_who_may_collect_and_what_proves_it(payload, message):
    state = resolved_state()
    with pytest.raises(TransitionError) as err:
        lifecycle.apply(state, returned(payload))
    assert message in err.value.message
    assert err.value.status == Status.RESOLVED


@pytest.mark.parametrize("payload", [
    OWNER,
    without(OWNER, "receiver_birth_date"),
    {**OWNER, "receiver_source": "typed"},  # no chip card: the ID typed by hand from the paper
    PROXY,
    {**PROXY, "receiver_source": "typed", "receiver_id_number": "012345678"},  # an old CMND
    {**PROXY, "receiver_source": "typed", "receiver_id_number": "C1234567"},  # a passport
    {**PROXY, "authorization": {"kind": "Giấy ủy quyền", "date": "2026-11-23", "issuer": "Nguyễn Văn An"}},
    {**PROXY, "authorization": {"kind": "Văn bản ủy quyền có chứng thực"}, "blobs": [SHA]},  # a scanned copy
])
def test_collectors_the_rules_accept(payload):
    state = lifecycle.apply(resolved_state(), returned(payload))
    assert state.status == Status.RETURNED and state.return_method == "counter"


def test_an_owner_without_an_id_number_at_intake_collects_with_a_recorded_id():
    state = lifecycle.apply(resolved_state(None), returned({**OWNER, "receiver_id_number": "001192345678"}))
    assert state.status == Status.RETURNED


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(["kind", "number", "issuer", "date"]), before=st.text(max_size=20),
       after=st.text(max_size=20))
def test_a_bar_anywhere_in_the_authorization_is_refused(key, before, after):
    paper = {**PAPER, key: before + "|" + after}
    with pytest.raises(TransitionError):
        lifecycle.apply(resolved_state(), returned({**PROXY, "authorization": paper}))


def test_the_fee_is_collected_at_the_return():
    with_fee = resolved_state(fee=8000)
    with pytest.raises(TransitionError, match=r"Chưa thu đủ phí, lệ phí: cần 8.000 đ, mới thu 5.000 đ"):
        lifecycle.apply(with_fee, returned({**OWNER, "fee_collected": 5000}))
    paid = lifecycle.apply(with_fee, returned({**OWNER, "fee_collected": 8000}))
    assert paid.fee_paid


def test_post_return_then_delivery_once():
    state = lifecycle.apply(resolved_state(), ev("returned", T, 9, method="post", tracking="EE123456789VN",
                                                 address="Thôn 2", papers=PAPERS))
    assert (state.return_method, state.return_tracking, state.return_address) == ("post", "EE123456789VN", "Thôn 2")
    done = lifecycle.apply(state, ev("delivered", T + timedelta(days=1), 10))
    assert done.delivered_at == T + timedelta(days=1)
    with pytest.raises(TransitionError, match="Hồ sơ đã được ghi nhận phát kết quả lúc 24/11/2026 09:00"):
        lifecycle.apply(done, ev("delivered", T + timedelta(days=2), 11))


def test_returning_twice_or_delivering_a_counter_return_says_so():
    state = lifecycle.apply(resolved_state(None), returned(OWNER, T))
    with pytest.raises(TransitionError, match="đã được trả kết quả lúc 23/11/2026 09:00"):
        lifecycle.apply(state, returned(OWNER, T))
    with pytest.raises(TransitionError, match="trả tại quầy"):
        lifecycle.apply(state, ev("delivered", T, 10))
    not_ready = state_at(received(T, 0))
    with pytest.raises(TransitionError, match="Không thể trả kết quả khi hồ sơ đang ở trạng thái “Được tiếp nhận”"):
        lifecycle.apply(not_ready, returned(OWNER, T))


def test_hand_off_tracks_who_holds_the_file():
    state = state_at(received(T, 3), out(T, 1, "Tư pháp"))
    assert state.held_by == "Tư pháp" and state.status == Status.PROCESSING
    assert lifecycle.apply(state, back(T, 2)).held_by is None
