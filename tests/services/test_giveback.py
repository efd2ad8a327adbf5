"""F5 through the service: find by the receipt QR or the code, who may collect, post and delivery, bad input."""

from __future__ import annotations

import json

import pytest

from counter.domain.cccd import parse_cccd
from counter.domain.errors import CounterError
from counter.domain.intake import Applicant, ReceiveRequest
from counter.domain.lifecycle import TransitionError
from counter.services import digitize, dossiers, giveback, progress
from counter.services.dossiers import default_papers, receive_in
from counter.services.printing import documents_for
from counter.services.store import NotFound
from tests.conftest import actor_for, move_to_another_office, receive
from tests.helpers.store import snapshot

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


PROXY_QR = "001192345678||Trần Thị Bình|02021992|Nữ|Thôn 5, xã Phục Linh, tỉnh Thái Nguyên|01012022"
PAPER = giveback.Authorization("Văn bản ủy quyền có chứng thực", "125/2026/SCT", "20/11/2026", "UBND xã Phục Linh")


def proxy(authorization: giveback.Authorization | None = PAPER) -> giveback.Collector:
    return giveback.Collector.from_card(parse_cccd(PROXY_QR), "authorized", authorization)


def owner() -> giveback.Collector:
    return giveback.Collector("owner", "Nguyễn Văn An", OWNER_ID, "typed")


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
        giveback.return_at_counter(store, clerk, code, proxy(None), "Giấy khai sinh:1")
    assert snapshot(store) == before
    view = giveback.return_at_counter(store, clerk, code, proxy(), "Giấy khai sinh bản chính:1; Trích lục:2")
    assert view.status_label == "Đã trả kết quả" and not view.ready
    last = dossiers.get_detail(store, code).events[-1]
    assert (last.label, last.actor) == ("trả kết quả", "Người Dùng Canbo")
    assert "Người nhận: người được ủy quyền" in last.details and "Trích lục (2)" in last.details
    _, docs = documents_for(store, code, "BG")
    text = " ".join(docs[0].text().split())
    for expected in ("PHIẾU BÀN GIAO KẾT QUẢ GIẢI QUYẾT HỒ SƠ", "Trần Thị Bình (Người được ủy quyền)",
                     "001192345678 (quét mã QR trên CCCD)", "Ngày sinh của người nhận: 02/02/1992",
                     "Văn bản ủy quyền có chứng thực số 125/2026/SCT, ngày 20/11/2026, UBND xã Phục Linh",
                     "Trích lục 2"):
        assert expected in text, text


def test_the_collector_from_the_card_is_recorded_in_the_event(store):
    clerk = actor_for(store, "canbo")
    code, _ = ready(store)
    giveback.return_at_counter(store, clerk, code, proxy(), "Giấy khai sinh bản chính:1")
    rows = store.query("SELECT payload FROM dossier_events WHERE kind = 'returned'")
    payload = json.loads(rows[0]["payload"])
    assert {k: payload[k] for k in ("receiver", "receiver_name", "receiver_id_number", "receiver_source",
                                    "receiver_birth_date", "authorization")} == {
        "receiver": "authorized", "receiver_name": "Trần Thị Bình", "receiver_id_number": "001192345678",
        "receiver_source": "cccd_qr", "receiver_birth_date": "1992-02-02",
        "authorization": {"kind": "Văn bản ủy quyền có chứng thực", "number": "125/2026/SCT", "date": "2026-11-20",
                          "issuer": "UBND xã Phục Linh"}}


@pytest.mark.parametrize("who, papers, message", [
    (lambda: proxy(giveback.Authorization(PAPER.kind, PROXY_QR, PAPER.date, PAPER.issuer)), "Giấy khai sinh:1",
     "Số giấy ủy quyền chứa nội dung mã QR của thẻ CCCD"),
    (lambda: proxy(giveback.Authorization(PAPER.kind, PAPER.number, "20/12/2026", PAPER.issuer)), "Giấy khai sinh:1",
     "ở tương lai"),
    (lambda: proxy(giveback.Authorization(PAPER.kind, PAPER.number, "hôm qua", PAPER.issuer)), "Giấy khai sinh:1",
     "Ngày của giấy ủy quyền không hợp lệ: “hôm qua”"),
    (lambda: proxy(giveback.Authorization("", PAPER.number, PAPER.date, PAPER.issuer)), "Giấy khai sinh:1",
     "Thiếu loại giấy ủy quyền"),
    (lambda: proxy(giveback.Authorization(PAPER.kind, scan=PROXY_QR)), "Giấy khai sinh:1",
     "Bản quét giấy ủy quyền không thể là nội dung mã QR"),
    (lambda: proxy(giveback.Authorization(PAPER.kind, scan="7")), "Giấy khai sinh:1", "không có thành phần số 7"),
    (lambda: proxy(giveback.Authorization(PAPER.kind, scan="1")), "Giấy khai sinh:1", "chưa được số hóa"),
    (lambda: proxy(giveback.Authorization(PAPER.kind, scan="/nowhere/guq.pdf")), "Giấy khai sinh:1",
     "Không tìm thấy tệp"),
    (lambda: proxy(), "", "Thiếu giấy tờ kết quả"),
    (lambda: giveback.Collector("owner", "Nguyễn Văn An", "", "typed"), "Giấy khai sinh:1",
     "Thiếu số CCCD/giấy tờ tùy thân"),
])
def test_bad_authorizations_and_missing_papers_are_refused_before_anything_is_written(store, who, papers, message):
    clerk = actor_for(store, "canbo")
    code, _ = ready(store)
    before = snapshot(store)
    for call in (giveback.preview_at_counter, giveback.return_at_counter):
        with pytest.raises(CounterError) as err:
            call(store, clerk, code, who(), papers)
        assert message in err.value.message
    assert snapshot(store) == before
    assert not list(store.blob_dir.rglob("*")) if store.blob_dir.exists() else True


def test_the_preview_says_who_collects_what_and_writes_nothing(store):
    clerk = actor_for(store, "canbo")
    code, _ = ready(store)
    before = snapshot(store)
    preview = giveback.preview_at_counter(store, clerk, code, proxy(), "Giấy khai sinh bản chính:1", "", "")
    assert dict(preview.lines) == {
        "Hồ sơ": f"{code} · Đăng ký khai sinh", "Chủ hồ sơ": "Nguyễn Văn An · CCCD 001090123456",
        "Hình thức": "Trả tại quầy", "Người nhận": "Trần Thị Bình (Người được ủy quyền)",
        "Giấy tờ người nhận": "001192345678 (quét mã QR trên CCCD), sinh 02/02/1992",
        "Giấy ủy quyền": "Văn bản ủy quyền có chứng thực số 125/2026/SCT, ngày 20/11/2026, UBND xã Phục Linh",
        "Kết quả bàn giao": "bản giấy",  # issue 20: what was handed over
        "Giấy tờ kết quả": "Giấy khai sinh bản chính (1)", "Phí, lệ phí thu": "Không thu"}
    assert snapshot(store) == before


def test_a_scanned_authorization_from_a_file_or_a_digitized_paper(store, tmp_path):
    from PIL import Image

    clerk = actor_for(store, "canbo")
    code, _ = ready(store)
    page = tmp_path / "guq.jpg"
    Image.new("L", (200, 280), 255).save(page, "JPEG")
    scanned = giveback.Authorization("Giấy ủy quyền", scan=str(page))  # no date, no issuer: the scan shows them
    preview = giveback.preview_at_counter(store, clerk, code, proxy(scanned), "Giấy khai sinh:1")
    assert dict(preview.lines)["Giấy ủy quyền"] == "Giấy ủy quyền, kèm bản quét 1 trang"
    assert not store.blob_dir.exists() or not any(store.blob_dir.rglob("*/*"))  # the preview stores no file
    giveback.return_at_counter(store, clerk, code, proxy(scanned), "Giấy khai sinh:1")
    payload = json.loads(store.query("SELECT payload FROM dossier_events WHERE kind = 'returned'")[0]["payload"])
    sha = payload["blobs"][0]
    assert digitize.get_blob(store, sha)[:4] == b"%PDF"
    assert store.query("SELECT pages FROM blobs WHERE sha256 = ?", (sha,))[0]["pages"] == 1
    assert digitize.verify_blobs(store).ok
    _, docs = documents_for(store, code, "BG")
    assert "Giấy ủy quyền, kèm bản quét 1 trang" in " ".join(docs[0].text().split())
    # a paper of the dossier digitized in F3 (e.g. the authorization handed in at intake)
    code2, _ = ready(store)
    digitize.save_files(store, clerk, code2, 1, [page])
    giveback.return_at_counter(store, clerk, code2, proxy(giveback.Authorization("Giấy ủy quyền", scan="1")),
                               "Giấy khai sinh:1")
    rows = store.query("SELECT payload FROM dossier_events WHERE kind = 'returned' ORDER BY rowid")
    assert json.loads(rows[-1]["payload"])["blobs"] == [digitize.load_target(store, code2).items[0].blobs[0]]


def test_returning_twice_or_before_the_result_says_so(store):
    clerk = actor_for(store, "canbo")
    not_ready = receive(store, clerk)
    view = giveback.return_view(store, clerk, not_ready)
    assert not view.ready and view.message == "Hồ sơ chưa có kết quả (trạng thái: Được tiếp nhận): chưa trả được."
    with pytest.raises(TransitionError, match="Không thể trả kết quả khi hồ sơ đang ở trạng thái"):
        giveback.return_at_counter(store, clerk, not_ready, owner(), "Giấy khai sinh:1")
    code, _ = ready(store)
    giveback.return_at_counter(store, clerk, code, owner(), "Giấy khai sinh:1")
    again = giveback.return_view(store, clerk, code)
    assert not again.ready and again.message == "Hồ sơ đã được trả kết quả lúc 23/11/2026 09:00 (trả tại quầy)."
    before = snapshot(store)
    with pytest.raises(TransitionError, match="đã được trả kết quả lúc 23/11/2026 09:00: không trả lại lần nữa"):
        giveback.return_at_counter(store, clerk, code, owner(), "Giấy khai sinh:1")
    assert snapshot(store) == before


def test_fees_are_collected_at_the_return(store):
    clerk = actor_for(store, "canbo")
    with store.write() as s:  # a procedure with a fee, paid later
        code = receive_in(s, clerk, ReceiveRequest(procedure_code="1.004222", owner=Applicant(
            name="Nguyễn Văn An", id_number=OWNER_ID), papers=default_papers(s, "1.004222")), store.clock.now()).code
    progress.record_event(store, clerk, code, "resolved", {})
    view = giveback.return_view(store, clerk, code)
    assert view.fee > 0 and not view.fee_paid and "Chưa thu phí" in view.message
    with pytest.raises(TransitionError, match="Chưa thu đủ phí"):
        giveback.return_at_counter(store, clerk, code, owner(), "Kết quả:1")
    done = giveback.return_at_counter(store, clerk, code, owner(), "Kết quả:1",
                                      fee_collected=f"{view.fee:,}".replace(",", "."))
    assert done.fee_paid


def test_by_post_then_delivered(store):
    clerk, postal = actor_for(store, "canbo"), actor_for(store, "buudien")
    code, _token = ready(store, address="Thôn 2, xã Phục Linh")
    with pytest.raises(TransitionError, match="Thiếu số hiệu bưu gửi"):
        giveback.send_by_post(store, clerk, code, "", papers="Giấy khai sinh:1")
    with pytest.raises(TransitionError, match="Thiếu giấy tờ kết quả"):
        giveback.send_by_post(store, clerk, code, "EE123456789VN", "Thôn 5, xã Phục Linh")
    view = giveback.send_by_post(store, clerk, code, "ee123456789vn", "Thôn 5, xã Phục Linh", "Giấy khai sinh:1")
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
