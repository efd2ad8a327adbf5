"""issue 20 as the owner would: a real headless Chromium opens the tracking page, follows "Tải kết quả", types the
last 4 digits of the ID number and downloads the signed result (Chrome DevTools Protocol, no mocks)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

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
from tests.helpers.printing import DATA
from tests.signing import conftest as pki_fixtures
keys = pki_fixtures.keys  # the test PKI's fixture (a real SoftHSM2 token)
p12_cfg = pki_fixtures.p12_cfg  # the test PKI's fixture (a real SoftHSM2 token)

pytestmark = [pytest.mark.browser, pytest.mark.process, pytest.mark.slow]
ID = "001090123456"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Cdp:
    """A minimal Chrome DevTools Protocol client over websocket-client."""

    def __init__(self, url: str):
        import websocket

        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.n = 0

    def call(self, method: str, **params):  # type: ignore[no-untyped-def]
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                assert "error" not in msg, msg
                return msg.get("result", {})


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
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium không có trên máy này")
    import uvicorn

    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk, id_number=ID)
    signing = Signing(lambda: p12_cfg, station_store.clock.now)
    signing.unlock(keys.p12_password, clerk.user_id)
    res = issue_result(station_store, signing, clerk, code, render_pdf(forms.receipt(DATA)), "Giấy khai sinh")
    tracking = station_store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]

    app = create_app(central_url, clock=FixedClock(NOW + timedelta(minutes=5)), migrate=False, track_rate=0,
                     pool_size=2)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    profile = Path(tempfile.mkdtemp(prefix="counter-chromium-"))
    downloads = tmp_path / "tai-ve"
    downloads.mkdir()
    browser = None
    try:
        _wait(lambda: server.started)
        token = add_token(central_engine)
        with httpx.Client(base_url=base) as client:
            r = client.put(f"/api/v1/blobs/{res.sha256}", content=digitize.get_blob(station_store, res.sha256),
                           headers={**auth(token), "Content-Type": "application/pdf"})
            assert r.status_code in (200, 201), r.text
            r = client.post("/api/v1/events", json=push_body(station_store, wire_events(station_store, 0)),
                            headers=auth(token))
            assert r.status_code == 200, r.text
        browser = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                    "--disable-background-networking", "--disable-component-update",
                                    "--disable-sync", f"--user-data-dir={profile}", "--remote-debugging-port=0",
                                    "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        active = _wait(lambda: (profile / "DevToolsActivePort").exists()
                       and len((profile / "DevToolsActivePort").read_text().split()) == 2
                       and (profile / "DevToolsActivePort").read_text().split())
        dev_port, browser_path = active
        cdp_browser = _Cdp(f"ws://127.0.0.1:{dev_port}{browser_path}")
        cdp_browser.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
        pages = httpx.get(f"http://127.0.0.1:{dev_port}/json/list").json()
        page = _Cdp(next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"])
        page.call("Page.enable")
        page.call("Page.navigate", url=f"{base}/t/{tracking}")

        def js(expr: str):  # type: ignore[no-untyped-def]
            return page.call("Runtime.evaluate", expression=expr, returnByValue=True)["result"].get("value")

        _wait(lambda: js("document.getElementById('ketqua') !== null"))
        assert "Đã có kết quả điện tử có chữ ký số" in js("document.body.innerText")
        js("document.getElementById('ketqua').click()")
        _wait(lambda: js("document.getElementById('so') !== null"))
        js(f"document.getElementById('so').value = '{ID[-4:]}'; document.getElementById('tai').click()")
        got = _wait(lambda: [p for p in downloads.iterdir() if p.suffix == ".pdf"], 60)
        data = got[0].read_bytes()
        assert data == digitize.get_blob(station_store, res.sha256)
        report = verify_pdf(data, load_roots([str(keys.root)]))
        assert report.ok and report.signatures[0].signer.name == "Nguyễn Văn An"
    finally:
        if browser is not None:
            browser.terminate()
            browser.wait(10)
        server.should_exit = True
        thread.join(10)
        app.state.engine.dispose()
        shutil.rmtree(profile, ignore_errors=True)
