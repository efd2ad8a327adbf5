"""Issue 14: `counter init --server URL --token T` takes the station number the server gives the token and
refuses one another machine already syncs under (a real uvicorn server on a free port, the CLI in process)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from typer.testing import CliRunner

from counter.central.app import create_app
from counter.cli import app
from counter.services import sync as sync_service
from counter.services.office import office_info
from counter.services.store import Store
from tests.central.conftest import add_token
from tests.conftest import PASSWORD


@pytest.fixture
def server(central_url):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    application = create_app(central_url, migrate=False, track_rate=0, pool_size=2)
    srv = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # readiness wait, not a timed assertion
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    application.state.engine.dispose()


def _init(tmp_path, name, url, token, *extra):
    return CliRunner().invoke(app, ["init", "--office-id", "H55.242", "--office-name", "Bộ phận Một cửa",
                                    "--password", PASSWORD, "--server", url, "--token", token,
                                    "--data-dir", str(tmp_path / name), *extra])


def test_init_with_a_server_takes_the_tokens_free_number_and_refuses_a_taken_one(tmp_path, server, central_engine):
    first = add_token(central_engine, station=3)
    r = _init(tmp_path, "a", server, first)
    assert r.exit_code == 0, r.output
    assert "quầy 3" in r.output and "số quầy 3 do máy chủ xác nhận" in r.output
    store = Store.open(tmp_path / "a")
    try:
        assert office_info(store).station_number == 3
        with sync_service.client_for(store) as client:  # connected, and the token is this machine's already
            assert client.station().station_id == office_info(store).station_id
            sync_service.run_cycle(store, client)
    finally:
        store.close()
    # a second token for number 3: another machine syncs under it, nothing is made
    r = _init(tmp_path, "b", server, add_token(central_engine, station=3))
    assert r.exit_code == 1 and "Quầy số 3 của H55.242 đang do một máy trạm khác dùng" in r.output
    assert "Số quầy còn trống: 1, 2, 4, 5, 6, 7, 8, 9" in r.output and not (tmp_path / "b").exists()
    # the same token again (it is bound to the first machine), and a number the token was not issued for
    r = _init(tmp_path, "c", server, first)
    assert r.exit_code == 1 and "đã được một máy trạm khác dùng" in r.output
    r = _init(tmp_path, "d", server, add_token(central_engine, station=4), "--station", "5")
    assert r.exit_code == 1 and "cấp cho quầy 4, không phải quầy 5" in r.output
    r = _init(tmp_path, "e", server, "sai-ma")
    assert r.exit_code == 1 and "Mã truy cập sai" in r.output and "Traceback" not in r.output
