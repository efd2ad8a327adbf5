"""issue 20 as the owner would: a real headless Chromium opens the tracking page, follows "Tải kết quả", types the
last 4 digits of the ID number and downloads the signed result (Chrome DevTools Protocol, no mocks)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx
import pytest

from counter.central.app import create_app
from counter.domain.clock import FixedClock
from counter.printing import forms
from counter.printing.pdf import render_pdf
from counter.services import digitize
from counter.services.signing import Signing, issue_result
from counter.signing import verify_pdf
from counter.signing.verify import load_roots
from tests.central.conftest import add_token, auth, push_body, wire_events
from tests.conftest import NOW, actor_for, receive
from tests.helpers.cdp import Browser, chromium_path
from tests.helpers.printing import DATA

pytestmark = [pytest.mark.browser, pytest.mark.process, pytest.mark.slow,
              pytest.mark.skipif(chromium_path() is None, reason="chromium không có trên máy này")]
ID = "001090123456"


def _wait(predicate, seconds: float = 30.0):  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("hết thời gian chờ")


def test_owner_downloads_the_result_in_headless_chromium(central_url, central_engine, station_store, keys,
                                                         p12_cfg, tmp_path):
    import uvicorn

    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk, id_number=ID)
    signing = Signing(lambda: p12_cfg, station_store.clock.now)
    signing.unlock(keys.p12_password, clerk.user_id)
    res = issue_result(station_store, signing, clerk, code, render_pdf(forms.receipt(DATA)), "Giấy khai sinh")
    tracking = station_store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]

    app = create_app(central_url, clock=FixedClock(NOW + timedelta(minutes=5)), migrate=False, track_rate=0,
                     pool_size=2)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    downloads = tmp_path / "tai-ve"
    downloads.mkdir()
    browser = None
    try:
        _wait(lambda: server.started)
        base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        token = add_token(central_engine)
        with httpx.Client(base_url=base) as client:
            r = client.put(f"/api/v1/blobs/{res.sha256}", content=digitize.get_blob(station_store, res.sha256),
                           headers={**auth(token), "Content-Type": "application/pdf"})
            assert r.status_code in (200, 201), r.text
            r = client.post("/api/v1/events", json=push_body(station_store, wire_events(station_store, 0)),
                            headers=auth(token))
            assert r.status_code == 200, r.text
        browser = Browser(no_js=False)
        browser.allow_downloads(downloads)
        browser.goto(f"{base}/t/{tracking}")
        browser.wait_js("document.getElementById('ketqua') !== null")
        assert "Đã có kết quả điện tử có chữ ký số" in browser.text()
        browser.js("document.getElementById('ketqua').click()")
        browser.wait_js("document.getElementById('so') !== null")
        browser.js(f"document.getElementById('so').value = '{ID[-4:]}'; document.getElementById('tai').click()")
        got = _wait(lambda: [p for p in downloads.iterdir() if p.suffix == ".pdf"], 60)
        data = got[0].read_bytes()
        assert data == digitize.get_blob(station_store, res.sha256)
        report = verify_pdf(data, load_roots([str(keys.root)]))
        assert report.ok and report.signatures[0].signer.name == "Nguyễn Văn An"
    finally:
        if browser is not None:
            browser.close()
        server.should_exit = True
        thread.join(10)
        app.state.engine.dispose()
