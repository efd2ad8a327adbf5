"""Issue 18: every đồng collected has a receipt. The fee ticked at intake (F2 "Thu tiền mặt") and the fee collected
with the result (F5 "Phí thu", `counter event … returned --fee-collected`) are payments through the one payment
(services.fees.pay_in): the exact amount, once, a receipt in the station's series, the method recorded; the same
refusals, nothing written. A dossier voided after its payment can still be refunded. Old events stay readable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from counter.domain import lifecycle
from counter.domain.errors import CounterError
from counter.domain.intake import Applicant, ReceiveRequest, ValidationError
from counter.domain.lifecycle import TransitionError
from counter.domain.scorecard import local_date
from counter.services import dossiers, giveback, progress
from counter.services import fees as fee_service
from counter.services.dossiers import default_papers
from counter.services.printing import documents_for
from counter.services.store import Store
from tests.conftest import actor_for, receive
from tests.helpers.store import snapshot

OWNER_ID = "001090123456"
FEES = """[fees]
unit_name = "UBND xã Phục Linh"
tax_code = "4600123456"
"""


@pytest.fixture
def office(store: Store) -> Store:
    (store.data_dir / "config.toml").write_text(FEES, "utf-8")
    return store


def owner() -> giveback.Collector:
    return giveback.Collector("owner", "Nguyễn Văn An", OWNER_ID, "typed")


def ready_with_fee(store: Store) -> str:
    """A residence registration (20.000 đ), not paid, its result ready."""
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, procedure="1.004222", id_number=OWNER_ID)
    progress.record_event(store, clerk, code, "resolved", {"note": "Xác nhận thường trú"})
    return code


def kinds(store: Store, code: str) -> list[str]:
    return [e.kind for e in dossiers.get_detail(store, code).events]


# ---- the fee collected with the result ---------------------------------------------------------------------

def test_the_fee_collected_at_the_return_is_a_payment_with_its_receipt(office):
    code = ready_with_fee(office)
    clerk = actor_for(office, "canbo")
    preview = giveback.preview_at_counter(office, clerk, code, owner(), "Xác nhận:1", "20.000")
    assert ("Phí, lệ phí thu", "20.000 đ tiền mặt (cấp biên lai khi ghi)") in preview.lines
    done = giveback.return_at_counter(office, clerk, code, owner(), "Xác nhận:1", "20.000")
    assert done.fee_paid and done.receipt == "AA-26P 1000001"
    assert kinds(office, code)[-2:] == ["fee_paid", "returned"]  # paid first, then handed over
    view = fee_service.fee_view(office, clerk, code)
    assert (view.paid_amount, view.method, view.current_receipt.number, view.current_receipt.payer) == (
        20000, "cash", "1000001", "Nguyễn Văn An")
    _, docs = documents_for(office, code, "BG")
    assert "20.000 đồng (biên lai AA-26P 1000001)" in " ".join(docs[0].text().split())
    # it is in the day's money like any other receipt
    report = fee_service.cash_report(office, clerk, local_date(office.clock.now()))
    assert [(r.number, r.amount, r.method) for r in report.rows] == [("1000001", 20000, "cash")]


def test_a_fee_sent_with_the_result_by_post_has_its_receipt_too(office):
    code = ready_with_fee(office)
    postal = actor_for(office, "buudien")  # postal staff collect fees (they may not decide)
    done = giveback.send_by_post(office, postal, code, "EE123456789VN", "Thôn 2, xã Phục Linh", "Xác nhận:1",
                                 "20000")
    assert done.fee_paid and done.receipt == "AA-26P 1000001"
    assert fee_service.fee_view(office, postal, code).current_receipt.collector == "Người Dùng Buudien"


@pytest.mark.parametrize("typed, message", [
    ("10.000", "ít hơn số phải nộp 20.000 đ: không nhận nộp một phần"),
    ("25000", "nhiều hơn số phải nộp 20.000 đ: không nhận nộp thừa"),
    ("-20000", "không được âm"),
    ("20000,5", "không có phần lẻ"),
    ("hai mươi nghìn", "phải là số đồng"),
])
def test_a_wrong_fee_at_the_return_is_refused_and_nothing_is_written(office, typed, message):
    code = ready_with_fee(office)
    clerk = actor_for(office, "canbo")
    before = snapshot(office)
    with pytest.raises(CounterError, match=message):
        giveback.preview_at_counter(office, clerk, code, owner(), "Xác nhận:1", typed)
    with pytest.raises(CounterError, match=message):
        giveback.return_at_counter(office, clerk, code, owner(), "Xác nhận:1", typed)
    with pytest.raises(CounterError, match=message):
        giveback.send_by_post(office, clerk, code, "EE123456789VN", "Thôn 2", "Xác nhận:1", typed)
    assert snapshot(office) == before
    # no receipt number was taken by the refusals
    assert fee_service.pay(office, clerk, code, "cash", 20000).number == "1000001"


def test_a_fee_already_paid_is_not_collected_again_at_the_return(office):
    code = ready_with_fee(office)
    clerk = actor_for(office, "canbo")
    fee_service.pay(office, clerk, code, "transfer", 20000)
    before = snapshot(office)
    for call in (giveback.preview_at_counter, giveback.return_at_counter):
        with pytest.raises(TransitionError, match="không nhận nộp lần hai"):
            call(office, clerk, code, owner(), "Xác nhận:1", "20.000")
    assert snapshot(office) == before
    done = giveback.return_at_counter(office, clerk, code, owner(), "Xác nhận:1")  # nothing more to collect
    assert done.status == 10 and done.receipt == "AA-26P 1000001"


def test_nothing_collected_on_an_unpaid_fee_still_refuses_the_return(office):
    code = ready_with_fee(office)
    with pytest.raises(TransitionError, match="Chưa thu đủ phí"):
        giveback.return_at_counter(office, actor_for(office, "canbo"), code, owner(), "Xác nhận:1")


def test_a_fee_on_a_free_dossier_is_refused_at_the_return(office):
    clerk = actor_for(office, "canbo")
    code = receive(office, clerk, id_number=OWNER_ID)  # khai sinh: free
    progress.record_event(office, clerk, code, "resolved", {})
    before = snapshot(office)
    with pytest.raises(CounterError, match="không phải nộp phí, lệ phí"):
        giveback.return_at_counter(office, clerk, code, owner(), "Giấy khai sinh:1", "8000")
    assert snapshot(office) == before


# ---- the fee taken at intake -------------------------------------------------------------------------------

def request(store: Store, procedure: str, paid: bool = True, submitter: str = "") -> ReceiveRequest:
    with store.read() as s:
        papers = default_papers(s, procedure)
    return ReceiveRequest(procedure_code=procedure, owner=Applicant(name="Nguyễn Văn An"), papers=papers,
                          fee_paid=paid, submitter=Applicant(name=submitter) if submitter else None)


def test_the_fee_ticked_at_intake_is_a_cash_payment_with_its_receipt(office):
    clerk = actor_for(office, "canbo")
    done = dossiers.receive(office, clerk, request(office, "1.004222", submitter="Trần Thị Bích"))
    assert (done.fee, done.receipt) == (20000, "AA-26P 1000001")
    assert kinds(office, done.code) == ["received", "fee_paid"]
    view = fee_service.fee_view(office, clerk, done.code)
    assert view.paid and (view.paid_amount, view.method) == (20000, "cash")
    assert view.current_receipt.payer == "Trần Thị Bích"  # who paid: the one who brought the dossier
    # a refund can pay it back (it was money, not a mark)
    assert fee_service.refund(office, actor_for(office, "giamsat"), done.code, "20000", "Nộp nhầm") == 20000


def test_the_intake_tick_on_a_free_procedure_is_refused_and_nothing_is_written(office):
    clerk = actor_for(office, "canbo")
    before = snapshot(office)
    with pytest.raises(ValidationError) as refused:
        dossiers.receive(office, clerk, request(office, "1.001193"))
    assert "không phải nộp phí, lệ phí" in refused.value.errors["fee_paid"]
    assert snapshot(office) == before
    done = dossiers.receive(office, clerk, request(office, "1.004222"))
    assert done.code.endswith("-1001") and done.receipt == "AA-26P 1000001"  # no code, no number skipped


def test_without_the_tick_nothing_is_paid_at_intake(office):
    done = dossiers.receive(office, actor_for(office, "canbo"), request(office, "1.004222", paid=False))
    assert done.receipt == "" and kinds(office, done.code) == ["received"]


def test_an_old_intake_event_marked_paid_still_reads_as_the_fee_paid():
    """A `received` event from before the receipts said `fee_paid: true`: the replay gives the fee as paid (what
    migration 0009 wrote into paid_amount), so a refund of it is possible."""
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    payload = {"dossier_id": "d1", "code": "H55.242-261120-1001", "token": "T" * 32, "office_id": "H55.242",
               "procedure_code": "1.004222", "procedure_name": "Đăng ký thường trú", "owner_name": "Nguyễn Văn An",
               "channel": 1, "fee": 20000, "fee_paid": True, "due_at": at.isoformat()}
    state = lifecycle.apply(None, lifecycle.Event("e1", "received", at, 1, "s1", payload))
    assert state.fee_paid and state.paid_amount == 20000
    refunded = lifecycle.apply(state, lifecycle.Event("e2", "fee_refunded", at, 1, "s1",
                                                      {"amount": 20000, "reason": "Nộp nhầm"}))
    assert refunded.refunded_amount == 20000


# ---- refunds on a voided dossier ---------------------------------------------------------------------------

def test_a_dossier_voided_after_its_payment_can_be_refunded(office):
    clerk, boss = actor_for(office, "canbo"), actor_for(office, "giamsat")
    code = receive(office, clerk, procedure="1.004222")
    fee_service.pay(office, clerk, code, "cash", 20000)
    dossiers.void(office, boss, code, "Tiếp nhận nhầm thủ tục")
    before = snapshot(office)
    with pytest.raises(TransitionError, match=r"lớn hơn số đã nộp còn lại 20\.000 đ"):
        fee_service.refund(office, boss, code, "25000", "Hủy hồ sơ")
    assert snapshot(office) == before
    assert fee_service.refund(office, boss, code, "20.000", "Hồ sơ bị hủy do tiếp nhận nhầm") == 20000
    assert fee_service.fee_view(office, boss, code).refundable == 0
    with pytest.raises(TransitionError, match="đã bị hủy"):  # still no new payment on a voided dossier
        fee_service.pay(office, clerk, code, "cash", 20000)


# ---- F4's "ghi nhận nộp phí" step (and `counter event CODE fee_paid`) --------------------------------------

def test_the_f4_fee_step_is_a_cash_payment_with_a_receipt_not_a_typed_number(office):
    clerk = actor_for(office, "canbo")
    code = receive(office, clerk, procedure="1.004222")
    before = snapshot(office)
    with pytest.raises(TransitionError, match="không nhận nộp một phần"):
        progress.record_event(office, clerk, code, "fee_paid", {"amount": "5000"})
    assert snapshot(office) == before
    done = progress.record_event(office, clerk, code, "fee_paid", {})  # nothing typed: the amount due
    assert done.receipt == "AA-26P 1000001"
    view = fee_service.fee_view(office, clerk, code)
    assert (view.paid_amount, view.method, view.current_receipt.number) == (20000, "cash", "1000001")
    with pytest.raises(TransitionError, match="không nhận nộp lần hai"):
        progress.record_event(office, clerk, code, "fee_paid", {"amount": "20000"})
