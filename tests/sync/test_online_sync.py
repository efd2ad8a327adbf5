"""Issue 15 end to end on the server side: a citizen files on /nop with two PDFs, a station pulls the dossier,
asks for a missing paper (pushed), the citizen uploads it from the tracking page (the server's online desk
writes files_added), the station pulls it and receives the dossier; the tracking page then shows "Được tiếp
nhận", the due date and Mẫu 01. Every step is a 4xx with a Vietnamese message on bad input."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest

from counter.domain.permissions import PermissionDenied
from counter.services import online
from tests.conftest import NOW, actor_for
from tests.helpers.store import append, dossier
from tests.sync.conftest import assert_converged
from tests.helpers.images import blank_pdf

pytestmark = pytest.mark.pg


def pdf(pages: int) -> bytes:
    return blank_pdf(pages)


OWNER = {"owner_name": "Nguyễn Văn An", "owner_id_number": "001090123456", "owner_birth_date": "1990-01-01",
         "owner_address": "Thôn 2, xã Phục Linh", "owner_phone": "0912345678", "owner_email": "an@example.vn"}


def file_online(client, assisted: str = "") -> tuple[str, str]:
    """/nop: the form, the review (page counts), the confirmation -> (code, token); `assisted`: a station's
    ticket (POST /api/v1/online/assist)."""
    form = client.get("/nop/1.001193", params={"office": "H55.242", **({"assisted": assisted} if assisted else {})})
    assert form.status_code == 200 and "Tờ khai đăng ký khai sinh" in form.text
    review = client.post("/nop/1.001193", data={**OWNER, "office": "H55.242", "assisted": assisted},
                         files=[("paper_1", ("to-khai.pdf", pdf(2), "application/pdf")),
                                ("paper_2", ("chung-sinh.pdf", pdf(3), "application/pdf"))])
    assert review.status_code == 200, review.text
    assert "Tổng số trang: <b id=\"total-pages\">5</b>" in review.text
    draft = re.search(r'name="draft" value="([^"]+)"', review.text)[1]
    done = client.post("/nop-xac-nhan", data={"draft": draft})
    assert done.status_code == 200, done.text
    code = re.search(r'id="code">([^<]+)<', done.text)[1]
    token = re.search(r'/t/([A-Z2-7]{32})', done.text)[1]
    again = client.post("/nop-xac-nhan", data={"draft": draft})  # sent twice: the same dossier, not a second
    assert re.search(r'id="code">([^<]+)<', again.text)[1] == code
    return code, token


def test_filed_online_asked_completed_received(stations, central):
    s1, s2 = stations
    web = central.test_client
    ticket = web.post("/api/v1/online/assist", headers={"Authorization": f"Bearer {central.token(5)}"}).json()
    code, token = file_online(web, assisted=ticket["ticket"])
    assert code == "H55.242-261123-9001"  # the online desk's block (9001–9999)
    page = web.get(f"/t/{token}").text
    assert "Mới đăng ký" in page and "Đăng ký trực tuyến" in page
    assert web.post("/tra-cuu", data={"code": code, "last4": "5678"}, follow_redirects=False).headers["location"] \
        == f"/t/{token}"
    assert web.post("/tra-cuu", data={"code": code, "last4": "0000"}).status_code == 404

    s1.drain()
    row = dossier(s1.store, code)
    assert (row["status"], row["channel"], row["assisted"], row["awaiting_citizen"]) == (1, 2, 1, 0)
    ask = {"papers": [{"name": "Giấy chứng sinh (hoặc văn bản của người làm chứng / giấy cam đoan)",
                       "reason": "Ảnh chụp mờ, không đọc được số"}]}
    append(s1.store, "canbo", code, "online_incomplete", ask)
    s1.drain()
    assert "Cơ quan yêu cầu bổ sung hồ sơ" in web.get(f"/t/{token}").text
    form = web.get(f"/t/{token}/bo-sung")
    assert form.status_code == 200 and "Ảnh chụp mờ" in form.text
    bad = web.post(f"/t/{token}/bo-sung", files=[("f1", ("x.pdf", b"not a pdf", "application/pdf"))])
    assert bad.status_code == 422 and "không phải PDF" in bad.text
    central.app.state.clock.advance(minutes=40)  # the citizen uploads later than they filed
    ok = web.post(f"/t/{token}/bo-sung", files=[("f1", ("chung-sinh-2.pdf", pdf(1), "application/pdf"))],
                  follow_redirects=False)
    assert ok.status_code == 303
    assert web.get(f"/t/{token}/bo-sung").status_code == 409  # no longer asked
    s1.drain()
    assert dossier(s1.store, code)["awaiting_citizen"] == 0
    # F8 keeps the filing time apart from the upload's (found by hand: it said "nộp <the upload's time>")
    d = online.open_dossier(s1.store, actor_for(s1.store, "canbo"), code)
    assert d.filed is not None and d.since - d.filed == timedelta(minutes=40)
    # a second request: a clerk is refused, whatever the reason given
    with pytest.raises(PermissionDenied, match="đã được yêu cầu bổ sung một lần"):
        append(s1.store, "canbo", code, "online_incomplete", {**ask, "override_reason": "x"})
    files = [f for e in central.events() if e["kind"] in ("registered", "files_added")
             for f in e["payload"]["files"]]
    assert len(files) == 3
    receive = {"due_at": (NOW + timedelta(hours=8)).isoformat(), "book": "2026", "book_no": "100001",
               "papers": [{"name": "Tờ khai đăng ký khai sinh", "originals": 1, "digitization": 1,
                           "blobs": [files[0]["sha256"]]}]}
    append(s1.store, "canbo", code, "received", receive, minutes=90)
    s1.drain(); s2.drain()
    assert_converged(central, s1, s2)
    with s2.store.read() as s:
        import sqlalchemy as sa

        docs = s.execute(sa.text("SELECT digitization, blobs FROM dossier_documents d JOIN dossiers r "
                                 "ON r.id = d.dossier_id WHERE r.code = :c"), {"c": code}).all()
    assert docs == [(1, f'["{files[0]["sha256"]}"]')]
    page = web.get(f"/t/{token}").text
    assert "Được tiếp nhận" in page and "Mẫu 01" in page
    receipt = web.get(f"/t/{token}/mau-01.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=receipt.content, capture_output=True).stdout.decode()
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in text and code in text and "Trực tuyến" in text


@pytest.mark.parametrize("change, why", [
    ({"owner_name": ""}, "tên"), ({"owner_phone": "abc"}, "Số điện thoại không hợp lệ"),
    ({"owner_id_number": "123"}, "định danh"), ({"owner_email": "x@"}, "Email không hợp lệ"),
])
def test_nop_bad_details_are_a_422_and_store_nothing(central, change, why):
    web = central.test_client
    before = central.events()
    r = web.post("/nop/1.001193", data={**OWNER, **change, "office": "H55.242"},
                 files=[("paper_1", ("a.pdf", pdf(1), "application/pdf")),
                        ("paper_2", ("b.pdf", pdf(1), "application/pdf"))])
    assert r.status_code == 422 and why.lower() in r.text.lower(), r.text[:3000]
    assert "Hồ sơ chưa nộp được" in r.text and central.events() == before


def test_nop_bad_files(central):
    web = central.test_client
    r = web.post("/nop/1.001193", data={**OWNER, "office": "H55.242"},
                 files=[("paper_1", ("a.pdf", b"MZ\x90\x00 an exe", "application/pdf"))])
    assert r.status_code == 422 and "không phải PDF, JPEG hay PNG" in r.text
    assert "Chưa chọn tệp cho giấy tờ bắt buộc này" in r.text  # the second paper is required
    assert web.post("/nop-xac-nhan", data={"draft": "abc.def"}).status_code == 422
    assert web.get("/nop/2.000884?office=H55.242").status_code == 404  # not an online procedure
    listing = web.get("/nop?office=H55.242&q=khai sinh")
    assert "Đăng ký khai sinh" in listing.text and "Chứng thực chữ ký" not in listing.text
