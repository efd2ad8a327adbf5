"""F5 through the service: find by the receipt QR or the code, who may collect, post and delivery, bad input."""

from __future__ import annotations


import pytest

from counter.domain.errors import CounterError
from counter.domain.intake import Applicant, ReceiveRequest
from counter.domain.lifecycle import TransitionError
from counter.services import dossiers, giveback, progress
from counter.services.dossiers import default_papers, receive_in
from counter.services.printing import documents_for
from counter.services.store import NotFound
from tests.conftest import actor_for, move_to_another_office, receive
from tests.services.test_progress import snapshot

OWNER_ID = "001090123456"
URL = "http://127.0.0.1:8780/t/"


def ready(store, **owner) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A dossier with its result ready; returns (code, token)."""
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, id_number=OWNER_ID, **owner)
    progress.record_event(store, clerk, code, "resolved", {"note": "Giấy khai sinh bản chính"})
    return code, dossiers.get_detail(store, code).token


def test_the_receipt_qr_opens_the_dossier_on_its_return_form(store):
    clerk = actor_for(store, "canbo")
    code, token = ready(store)
    view = giveback.return_view(store, clerk, URL + token)
    assert view.code == code and view.ready and view.papers == [{"name": "Giấy khai sinh bản chính", "count": 1}]
    assert giveback.return_view(store, clerk, URL + token.lower()).code == code  # a scanner with caps lock
    assert giveback.return_view(store, clerk, code.lower()).code == code


@pytest.mark.parametrize("text, message", [
    (URL + "A" * 32, "không có hồ sơ nào mang mã tra cứu này"),
    ("https://dichvucong.other.gov.vn/t/" + "A" * 32, "Mã QR của nơi khác (https://dichvucong.other.gov.vn)"),
    ("H56.111-261123-1001", "là của cơ quan H56.111"),
    ("H55.242-261123-9999", "Không tìm thấy hồ sơ"),
    (URL + "ABC", "không đúng dạng"),
    ("001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "mã QR của thẻ CCCD"),
    ("???", "Không nhận ra mã"),
])
def test_unknown_or_malformed_scans_say_so_and_record_nothing(store, text, message):
    clerk = actor_for(store, "canbo")
    ready(store)
    before = snapshot(store)
    with pytest.raises(CounterError) as err:
        giveback.return_view(store, clerk, text)
    assert message in err.value.message
    assert snapshot(store) == before


def test_a_stranger_without_authorization_is_refused_and_nothing_is_recorded(store):
    clerk = actor_for(store, "canbo")
    code, _ = ready(store)
    before = snapshot(store)
    stranger = giveback.Collector("owner", "Trần Văn B", "001090999999")
    with pytest.raises(TransitionError) as err:
        giveback.return_at_counter(store, clerk, code, stranger, "Giấy khai sinh:1")
    assert err.value.message == ("Số giấy tờ của người nhận (001090999999) không khớp với chủ hồ sơ Nguyễn Văn An: "
                                 "cần giấy ủy quyền để nhận thay.")
    with pytest.raises(TransitionError, match="Thiếu giấy ủy quyền"):
        giveback.return_at_counter(store, clerk, code, giveback.Collector("authorized", "Trần Văn B", "001090999999"))
    assert snapshot(store) == before
    proxy = giveback.Collector("authorized", "Trần Văn B", "001090999999", "Giấy ủy quyền số 12/2026, UBND xã chứng thực")
    view = giveback.return_at_counter(store, clerk, code, proxy, "Giấy khai sinh bản chính:1; Trích lục:2")
    assert view.status_label == "Đã trả kết quả" and not view.ready
    last = dossiers.get_detail(store, code).events[-1]
    assert (last.label, last.actor) == ("trả kết quả", "Người Dùng Canbo")
    assert "Người nhận: người được ủy quyền" in last.details and "Trích lục (2)" in last.details
    _, docs = documents_for(store, code, "BG")
    text = docs[0].text()
    for expected in ("PHIẾU BÀN GIAO KẾT QUẢ GIẢI QUYẾT HỒ SƠ", "Trần Văn B (Người được ủy quyền)", "001090999999",
                     "Giấy ủy quyền số 12/2026", "Trích lục 2"):
        assert expected in text


def test_returning_twice_or_before_the_result_says_so(store):
    clerk = actor_for(store, "canbo")
    not_ready = receive(store, clerk)
    view = giveback.return_view(store, clerk, not_ready)
    assert not view.ready and view.message == "Hồ sơ chưa có kết quả (trạng thái: Được tiếp nhận): chưa trả được."
    with pytest.raises(TransitionError, match="Không thể trả kết quả khi hồ sơ đang ở trạng thái"):
        giveback.return_at_counter(store, clerk, not_ready, giveback.Collector("owner", "Nguyễn Văn An"))
    code, _ = ready(store)
    owner = giveback.Collector("owner", "Nguyễn Văn An", OWNER_ID)
    giveback.return_at_counter(store, clerk, code, owner)
    again = giveback.return_view(store, clerk, code)
    assert not again.ready and again.message == "Hồ sơ đã được trả kết quả lúc 23/11/2026 09:00 (trả tại quầy)."
    before = snapshot(store)
    with pytest.raises(TransitionError, match="đã được trả kết quả lúc 23/11/2026 09:00: không trả lại lần nữa"):
        giveback.return_at_counter(store, clerk, code, owner)
    assert snapshot(store) == before


def test_fees_are_collected_at_the_return(store):
    clerk = actor_for(store, "canbo")
    with store.write() as s:  # a procedure with a fee, paid later
        code = receive_in(s, clerk, ReceiveRequest(procedure_code="1.004222", owner=Applicant(
            name="Nguyễn Văn An", id_number=OWNER_ID), papers=default_papers(s, "1.004222")), store.clock.now()).code
    progress.record_event(store, clerk, code, "resolved", {})
    view = giveback.return_view(store, clerk, code)
    assert view.fee > 0 and not view.fee_paid and "Chưa thu phí" in view.message
    owner = giveback.Collector("owner", "Nguyễn Văn An", OWNER_ID)
    with pytest.raises(TransitionError, match="Chưa thu đủ phí"):
        giveback.return_at_counter(store, clerk, code, owner)
    done = giveback.return_at_counter(store, clerk, code, owner, fee_collected=f"{view.fee:,}".replace(",", "."))
    assert done.fee_paid


def test_by_post_then_delivered(store):
    clerk, postal = actor_for(store, "canbo"), actor_for(store, "buudien")
    code, token = ready(store, address="Thôn 2, xã Phục Linh")
    with pytest.raises(TransitionError, match="Thiếu số hiệu bưu gửi"):
        giveback.send_by_post(store, clerk, code, "")
    view = giveback.send_by_post(store, clerk, code, "ee123456789vn", "Thôn 5, xã Phục Linh")
    assert (view.return_method, view.return_tracking, view.return_address) == ("post", "EE123456789VN",
                                                                               "Thôn 5, xã Phục Linh")
    assert "Chưa ghi nhận phát" in view.message
    done = giveback.mark_delivered(store, postal, code)  # the postal staff may record the delivery
    assert done.delivered_at is not None and "Bưu điện đã phát lúc 23/11/2026 09:00" in done.message
    with pytest.raises(TransitionError, match="đã được ghi nhận phát kết quả"):
        giveback.mark_delivered(store, clerk, code)
    events = dossiers.get_detail(store, code).events
    assert (events[-1].label, events[-1].actor) == ("ghi nhận đã phát kết quả qua bưu chính", "Người Dùng Buudien")
    assert "Số hiệu bưu gửi: EE123456789VN" in events[-2].details
    _, docs = documents_for(store, code, "BG")
    assert "Số hiệu bưu gửi: EE123456789VN" in docs[0].text()


def test_a_dossier_of_another_office_found_by_token_is_refused(store):
    clerk = actor_for(store, "canbo")
    code, token = ready(store)
    move_to_another_office(store, code)
    with pytest.raises(CounterError, match="thuộc cơ quan khác"):
        giveback.locate(store, clerk, URL + token)
    with pytest.raises(NotFound):
        giveback.locate(store, clerk, URL + "B" * 32)
