"""Results on the spot ("trả ngay", issue 17, NĐ 61/2018 Đ17.4) on a real store: a procedure the catalogue marks is
received, resolved and returned in one transaction, recorded as its normal events (so the scorecard counts it and
the hash chain and the replay hold), no Mẫu 01 unless asked; a refused flow, even one refused after the receipt was
numbered, leaves the store as it was."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from counter.domain.errors import CounterError
from counter.domain.intake import Applicant, ReceiveRequest, ValidationError
from counter.domain.scorecard import Period
from counter.services import audit, dossiers, on_the_spot, reports
from counter.services.dossiers import default_papers
from tests.conftest import NOW, actor_for
from tests.helpers.store import snapshot

OWNER = Applicant("Nguyễn Văn An", id_number="001090123456", birth_date="01/01/1990")
SIGNATURE = "2.000884"  # chứng thực chữ ký: 10.000 đ a signature


def request(store, code: str = SIGNATURE, **changes) -> ReceiveRequest:  # type: ignore[no-untyped-def]
    with store.read() as s:
        papers = default_papers(s, code)
    base = {"procedure_code": code, "owner": OWNER, "papers": papers, "fee_paid": True, "units": {"signatures": "2"}}
    return ReceiveRequest(**{**base, **changes})


def kinds(store, code: str) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    with store.read() as s:
        return [(k, json.loads(p)) for k, p in s.execute(sa.text(
            "SELECT e.kind, e.payload FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id WHERE d.code = :c "
            "ORDER BY e.station_seq"), {"c": code})]


def test_the_catalogue_marks_the_certifications_and_the_extract_copy(store):
    marked = [c for c, in store.query("SELECT code FROM procedures WHERE on_the_spot ORDER BY code")]
    assert marked == ["2.000635", "2.000815", "2.000884"]
    assert on_the_spot.is_on_the_spot(store, "2.000884") and not on_the_spot.is_on_the_spot(store, "1.001193")


def test_received_resolved_and_returned_in_one_flow(store):
    clerk = actor_for(store, "canbo")
    done = on_the_spot.receive_on_the_spot(store, clerk, request(store), id_source="cccd_qr")
    assert done.fee == 20000 and done.receipt == "AA-26P 1000001" and done.slip is False
    assert done.result == "Kết quả chứng thực chữ ký trong các giấy tờ"
    d = dossiers.get_detail(store, done.code)
    assert d.status_label == "Đã trả kết quả" and d.received_at == d.resolved_at == d.returned_at == NOW
    assert d.paid_amount == 20000 and d.return_method == "counter"
    events = kinds(store, done.code)
    assert [k for k, _ in events] == ["received", "fee_paid", "resolved", "returned"]
    received, returned = events[0][1], events[-1][1]
    assert received["on_the_spot"] is True and received["slip_asked"] is False
    assert returned["receiver"] == "owner" and returned["receiver_id_number"] == "001090123456"
    assert returned["receiver_source"] == "cccd_qr" and returned["receiver_birth_date"] == "1990-01-01"
    assert returned["papers"] == [{"name": "Kết quả chứng thực chữ ký trong các giấy tờ", "count": 1}]
    report = audit.verify(store)
    assert report.ok, report.problems  # the hash chain and the replay of every dossier hold
    sc = reports.scorecard(store, actor_for(store, "giamsat"), Period.day(NOW.date()))
    timely = next(i for i in sc.indicators if i.code == "2.1")
    assert (timely.numerator, timely.denominator) == (1, 1)  # counted, on time


FREE_SPOT = """code,name,field,level,working_days,fee,fee_note,channels,postal_allowed,in_person,certification,papers,on_the_spot
2.000999,Xác nhận thử trả ngay,Chứng thực,commune,0,0,,1,0,1,0,Đơn đề nghị [1/0/0],có
"""


def test_a_free_procedure_needs_no_payment_and_the_citizen_may_ask_for_mau_01(store, tmp_path):
    from counter.services import catalogue

    (tmp_path / "spot.csv").write_text(FREE_SPOT, encoding="utf-8")
    catalogue.import_catalogue(store, tmp_path / "spot.csv")
    assert catalogue.get_procedure(store, "2.000999").on_the_spot
    clerk = actor_for(store, "canbo")
    done = on_the_spot.receive_on_the_spot(store, clerk, request(store, "2.000999", fee_paid=False, units=None),
                                           result="Giấy xác nhận", count=2, slip=True)
    assert done.slip and done.fee == 0 and done.receipt == ""
    events = kinds(store, done.code)
    assert [k for k, _ in events] == ["received", "resolved", "returned"]  # nothing to pay
    assert events[0][1]["slip_asked"] is True
    assert events[-1][1]["papers"] == [{"name": "Giấy xác nhận", "count": 2}]


@pytest.mark.parametrize(("changes", "field_message"), [
    ({"procedure_code": "1.001193", "units": None, "fee_paid": False}, "không trả kết quả ngay"),
    ({"fee_paid": False}, "phải nộp 20.000 đ"),  # refused after the receipt was numbered and written
    ({"return_method": "post", "return_address": "Thôn 2"}, "trả tại quầy"),
    ({"submitter": Applicant("Trần Thị Bình")}, "Người nộp khác chủ hồ sơ"),
    ({"owner": Applicant("Nguyễn Văn An")}, "Thiếu số CCCD"),
    ({"papers": ()}, "Chưa đủ giấy tờ bắt buộc"),
])
def test_a_refused_flow_writes_nothing(store, changes, field_message):
    clerk = actor_for(store, "canbo")
    before = snapshot(store)
    with pytest.raises(ValidationError) as exc:
        on_the_spot.receive_on_the_spot(store, clerk, request(store, **changes))
    assert field_message in exc.value.errors["on_the_spot"]
    assert snapshot(store) == before
    # and the numbers were not used up: the next dossier takes the first code of the day
    done = on_the_spot.receive_on_the_spot(store, clerk, request(store))
    assert done.code.endswith("-1001") and done.receipt == "AA-26P 1000001"


def test_postal_staff_may_not_do_it(store):
    postal = actor_for(store, "buudien")
    before = snapshot(store)
    with pytest.raises(CounterError, match="Tài khoản này không được giải quyết hồ sơ"):
        on_the_spot.receive_on_the_spot(store, postal, request(store))
    assert snapshot(store) == before
