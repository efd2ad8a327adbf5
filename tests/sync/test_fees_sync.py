"""Issue 18: receipts numbered per station block while two stations collect offline at the same time, then
sync: no number twice, none skipped in a block, a cancelled receipt keeps its number; the central server's
tracking page shows what is owed (with its VietQR) and serves the receipt's PDF. Real central server
(PostgreSQL)."""

from __future__ import annotations

import shutil

import pytest

from counter.central import fees as central_fees
from counter.domain.intake import Applicant, ReceiveRequest
from counter.services import fees as fee_service
from counter.services.dossiers import default_papers, receive_in
from tests.conftest import actor_for
from tests.helpers.printing import pdf_text
from tests.helpers.fees import FEES


def take(store, name: str, pages: int = 5) -> str:
    clerk = actor_for(store, "canbo")
    with store.write() as s:
        req = ReceiveRequest(procedure_code="2.000815", owner=Applicant(name=name), papers=default_papers(s, "2.000815"),
                             units={"pages": pages, "copies": 1})
        return receive_in(s, clerk, req, store.clock.now()).code


def receipts_on_server(central) -> list[tuple[str, str]]:
    """(number, what happened) of every receipt in the accepted events, in office order."""
    out = []
    for e in central.events():
        p = e["payload"]
        if e["status"] == "accepted" and e["kind"] == "fee_paid" and p.get("receipt"):
            out.append((p["receipt"]["number"], "issued"))
        elif e["status"] == "accepted" and e["kind"] == "receipt_cancelled":
            out += [(p["number"], "cancelled"), (p["replacement"]["number"], "issued")]
    return out


def test_two_stations_collect_offline_then_sync_without_a_number_twice_or_a_gap(stations, central):
    s1, s2 = stations
    for st in (s1, s2):
        (st.store.data_dir / "config.toml").write_text(FEES, "utf-8")
    made = {1: [], 2: []}
    # both offline: three payments each, interleaved, one refused payment and one reissue on each
    for i in range(3):
        for st in (s1, s2):
            code = take(st.store, f"Nguyễn Văn {chr(65 + i)}")
            clerk = actor_for(st.store, "canbo")
            if i == 1:
                with pytest.raises(Exception, match="một phần"):
                    fee_service.pay(st.store, clerk, code, "cash", 1000)  # refused: takes no number
            made[st.number].append(fee_service.pay(st.store, clerk, code, "cash", 7000).number)
            if i == 2:
                made[st.number].append(fee_service.reissue(st.store, clerk, code, "In sai tên").number)
    assert made == {1: ["1000001", "1000002", "1000003", "1000004"], 2: ["2000001", "2000002", "2000003", "2000004"]}
    s1.drain()
    s2.drain()
    s1.drain()
    numbers = receipts_on_server(central)
    issued = [n for n, what in numbers if what == "issued"]
    assert len(issued) == len(set(issued)) == 8  # no number twice, office-wide
    for block in ("1", "2"):
        mine = sorted(int(n) for n in issued if n.startswith(block))
        assert mine == list(range(mine[0], mine[0] + len(mine)))  # none skipped in a station's block
    assert ("1000003", "cancelled") in numbers and ("2000003", "cancelled") in numbers  # kept, marked
    # after the sync each station sees the other's receipts, the cancelled one marked
    other = [r for r in fee_service.fee_view(s1.store, actor_for(s1.store, "giamsat"), code).receipts]
    assert [(r.number, bool(r.cancelled)) for r in other] == [("2000003", True), ("2000004", False)]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_tracking_page_shows_the_vietqr_and_serves_the_receipt_pdf(stations, central, tmp_path):
    s1, _ = stations
    (s1.store.data_dir / "config.toml").write_text(FEES, "utf-8")
    from counter.settings import FeesSection

    central_fees.set_payee(FeesSection(bank_bin="970415", account="113000123456", account_name="UBND XA PHUC LINH",
                                       bank_name="VietinBank"))
    try:
        code = take(s1.store, "Nguyễn Văn An")
        s1.drain()
        token = fee_service.fee_view(s1.store, actor_for(s1.store, "canbo"), code).tracking_url.rsplit("/", 1)[1]
        page = central.test_client.get(f"/t/{token}").text
        assert "Phí, lệ phí phải nộp: <b>7.000 đ</b>" in page and "<svg" in page and "113000123456" in page
        assert central.track(token)["fee"] == 7000
        fee_service.pay(s1.store, actor_for(s1.store, "canbo"), code, "transfer", 7000)
        s1.drain()
        page = central.test_client.get(f"/t/{token}").text
        assert "đã nộp" in page and f'href="{token}/bien-lai.pdf"' in page and "<svg" not in page
        r = central.test_client.get(f"/t/{token}/bien-lai.pdf")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        text = pdf_text(r.content, tmp_path)
        for expected in ["BIÊN LAI THU PHÍ, LỆ PHÍ", "1000001", "AA-26P", "7.000 đ", "Bảy nghìn đồng", code,
                         "Chuyển khoản (VietQR)"]:
            assert expected in text, expected
        assert central.test_client.get("/t/" + "A" * 32 + "/bien-lai.pdf").status_code == 404
    finally:
        central_fees.set_payee(None)
