"""Issue 15 in a real headless Chromium, 390 px wide, JavaScript off: a citizen files on /nop with two PDFs
(review with page counts, confirm, code and tracking link); a station pulls it and asks for a paper; the
citizen uploads it from the tracking page; the station receives it; the tracking page shows "Được tiếp nhận",
the due date and Mẫu 01."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import httpx
import pytest

from counter.central import db as central_db
from counter.central import tokens
from counter.central.app import create_app
from counter.domain.clock import FixedClock
from counter.services import sync as sync_service
from tests.conftest import NOW, OFFICE, make_store
from tests.helpers.cdp import Browser, chromium_path
from tests.helpers.central import add_server_users
from tests.helpers.store import append, dossier
from tests.helpers.images import blank_pdf

pytestmark = [pytest.mark.browser, pytest.mark.process, pytest.mark.slow,
              pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")]


def pdf(pages: int) -> bytes:
    return blank_pdf(pages)


@pytest.fixture
def server(tmp_path):
    import uvicorn

    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    engine = central_db.make_engine(url, pool_size=2)
    central_db.upgrade(engine)
    add_server_users(engine)
    app = create_app(url, clock=FixedClock(NOW + timedelta(minutes=5)), migrate=False, track_rate=0, pool_size=2)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", engine
    srv.should_exit = True
    thread.join(10)
    engine.dispose()


@pytest.fixture
def browser():
    b = Browser(390, 844, no_js=True)
    yield b
    b.close()


def sync(store) -> None:
    with sync_service.client_for(store) as client:
        sync_service.run_cycle(store, client)


def test_file_ask_upload_receive_in_chromium_at_390px(server, browser, tmp_path):
    base, engine = server
    station = make_store(tmp_path / "s1")
    sync_service.setup(station, base, tokens.add(engine, OFFICE, 1, NOW)[1])
    sync(station)  # the office exists on the server (the station's token made it)
    a, b, c = (tmp_path / n for n in ("to-khai.pdf", "chung-sinh.pdf", "chung-sinh-ro.pdf"))
    a.write_bytes(pdf(2)); b.write_bytes(pdf(3)); c.write_bytes(pdf(1))

    browser.goto(f"{base}/nop?office={OFFICE}&q=khai+sinh")
    assert "Đăng ký khai sinh" in browser.html()
    assert browser.content_width() <= 390  # nothing wider than the phone
    browser.click("#procedures a")
    assert "Thông tin người nộp" in browser.html()
    # the citizen forgets a required paper: a 4xx page in Vietnamese, nothing filed
    for sel, value in (("#owner_name", "Nguyễn Văn An"), ("#owner_id_number", "001090123456"),
                       ("#owner_phone", "0912345678"), ("#owner_email", "an@example.vn"),
                       ("#owner_address", "Thôn 2, xã Phục Linh")):
        browser.fill(sel, value)
    browser.files("#paper_1", [str(a)])
    browser.click("#next")
    assert "Chưa chọn tệp cho giấy tờ bắt buộc này" in browser.html()
    for sel, value in (("#owner_name", "Nguyễn Văn An"), ("#owner_id_number", "001090123456"),
                       ("#owner_phone", "0912345678")):
        browser.fill(sel, value)
    browser.files("#paper_1", [str(a)])
    browser.files("#paper_2", [str(b)])
    browser.click("#next")
    review = browser.html()
    assert "Xem lại hồ sơ" in review and '<b id="total-pages">5</b>' in review
    assert browser.content_width() <= 390
    browser.click("#confirm")
    done = browser.html()
    code = re.search(r'id="code">([^<]+)<', done)[1]
    assert code == f"{OFFICE}-261123-9001"
    browser.click("#track")
    assert "Mới đăng ký" in browser.html()
    token = browser.url().rsplit("/", 1)[-1]

    sync(station)
    assert dossier(station, code)["status"] == 1
    paper = "Giấy chứng sinh (hoặc văn bản của người làm chứng / giấy cam đoan)"
    append(station, "canbo", code, "online_incomplete", {"papers": [{"name": paper, "reason": "Ảnh mờ"}]})
    sync(station)

    browser.goto(f"{base}/t/{token}")
    assert "Cơ quan yêu cầu bổ sung hồ sơ" in browser.html()
    browser.click("#upload")
    assert "Ảnh mờ" in browser.html()
    browser.files("#f1", [str(c)])
    browser.click("#send")
    assert browser.url().endswith(f"/t/{token}") and "Công dân đã nộp bổ sung tệp" in browser.html()

    sync(station)
    assert dossier(station, code)["awaiting_citizen"] == 0
    due = NOW + timedelta(hours=7)
    append(station, "canbo", code, "received", {"due_at": due.isoformat(), "book": "2026", "book_no": "100001"},
           minutes=120)
    sync(station)
    browser.goto(f"{base}/t/{token}")
    page = browser.html()
    assert "Được tiếp nhận" in page and "23/11/2026 16:00" in page and "Mẫu 01" in page
    receipt = httpx.get(f"{base}/t/{token}/mau-01.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    station.close()
