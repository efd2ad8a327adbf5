"""Issue 19, end to end: a real headless Chromium at 390 px wide (DevTools protocol) rates a returned dossier
and files a complaint from the tracking page of a real server on 127.0.0.1; the supervisor answers it in F6
(Textual pilot, over the station's sync token); the page then shows the answer."""

from __future__ import annotations

import json
import threading
import time

import pytest

from counter.app import build_app
from counter.central.app import create_app
from counter.screens.complaints import ComplaintsScreen
from counter.services import sync as sync_service
from tests.central.conftest import add_token
from tests.helpers.central import returned, token_of
from tests.conftest import actor_for, receive
from tests.helpers.cdp import Browser, chromium_path
from tests.helpers.pilot import login, settle, visible

pytestmark = [pytest.mark.browser, pytest.mark.process, pytest.mark.slow,
              pytest.mark.skipif(chromium_path() is None, reason="chromium không có trên máy này")]
WIDTH = 390


@pytest.fixture
def live(central_url):
    """The central server under uvicorn on 127.0.0.1 (a thread of this process): its base URL."""
    import uvicorn

    app = create_app(central_url, migrate=False, track_rate=0, pool_size=4)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)
    app.state.engine.dispose()


@pytest.fixture
def chromium():
    c = Browser(WIDTH, 844, no_js=False)
    yield c
    c.close()


async def test_chromium_rates_and_complains_the_supervisor_answers_in_f6(live, central_engine, station_store,
                                                                       chromium):
    token = add_token(central_engine)
    sync_service.setup(station_store, live, token)
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk)
    returned(station_store, code)
    with sync_service.client_for(station_store) as client:
        sync_service.run_cycle(station_store, client)
    tok = token_of(station_store, code)

    chromium.goto(f"{live}/t/{tok}")
    assert chromium.js("window.innerWidth") == WIDTH
    assert code in chromium.text() and "Đã trả kết quả" in chromium.text()
    chromium.js("document.querySelector('#voice').click()")
    chromium.wait_js("location.pathname.endsWith('/y-kien')")
    assert chromium.js("document.documentElement.scrollWidth") <= WIDTH  # nothing wider than the phone
    chromium.js("document.querySelector('input[name=value][value=very_satisfied]').click();"
                "document.querySelector('#reason').value = 'helpful'; document.querySelector('#rate').click()")
    chromium.wait_js("location.search === '?ok=danh-gia'")
    assert "Cảm ơn ông/bà đã đánh giá." in chromium.text() and "Ông/bà đã đánh giá: Rất hài lòng" in chromium.text()
    complaint = "Cán bộ hướng dẫn tận tình, nhưng phòng chờ thiếu ghế ngồi."
    chromium.js(f"document.querySelector('input[name=category][value=suggestion]').click();"
                f"document.querySelector('#about').value = 'procedure';"
                f"document.querySelector('#text').value = {json.dumps(complaint)};"
                f"document.querySelector('#send').click()")
    chromium.wait_js("location.search === '?ok=phan-anh'")
    page = chromium.text()
    assert "Đã nhận phản ánh, kiến nghị của ông/bà." in page and complaint in page and "Đã tiếp nhận, đang xử lý" in page
    assert chromium.js("document.documentElement.scrollWidth") <= WIDTH
    chromium.screenshot("voice-1-sent.png")

    # the supervisor, in F6 → Y, answers it
    answer = "Cảm ơn ông/bà, bộ phận đã bổ sung ghế ngồi từ tuần này."
    app = build_app(station_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(app, pilot, "giamsat")
        await pilot.press("f6")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, ComplaintsScreen)
        assert "phòng chờ thiếu ghế ngồi" in visible(app.screen.query_one("#voice-detail"))
        await pilot.press("t")
        await settle(app, pilot)
        from textual.widgets import Input

        app.screen.query_one("#modal-input", Input).value = answer
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ComplaintsScreen)
        assert "Đã trả lời" in visible(app.screen.query_one("#voice-table"))
        await pilot.press("d")
        await settle(app, pilot)
        assert "canbo · 1.001193: 1 / 0 / 0 · 100.0%" in visible(app.screen.query_one("#voice-ratings"))

    chromium.goto(f"{live}/t/{tok}/y-kien")
    page = chromium.text()
    assert answer in page and "Đã trả lời" in page and "Ông/bà có hài lòng với việc xử lý?" in page
    chromium.js("document.querySelector('form[action$=\"/danh-gia\"] input[value=satisfied]') || null")
    chromium.js("[...document.querySelectorAll('form')].find(f => f.action.includes('/phan-anh/'))"
                ".querySelector('input[value=satisfied]').click();"
                "[...document.querySelectorAll('form')].find(f => f.action.includes('/phan-anh/')).submit()")
    chromium.wait_js("location.search === '?ok=xu-ly'")
    assert "Đánh giá việc xử lý: Hài lòng" in chromium.text()
    chromium.screenshot("voice-2-answered.png")
