"""Issue 16: `counter serve portal status|push|map`, the worker inside `counter serve`, the files the portal
fetches, and a central server killed (SIGKILL) in the middle of a batch: nothing lost, nothing sent twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from counter.central import portal_out
from counter.central import tables as t
from counter.central.portal_client import PASSWORD_ENV
from counter.cli import app as cli
from tests.central.test_portal_out import _dossiers, _push_station, central_sqlite, portal  # noqa: F401
from tests.central.conftest import add_token
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]


def _env(portal, db_url: str, **more: str) -> dict[str, str]:
    return {"COUNTER_SERVER__PORTAL_ADAPTER_URL": portal.url, "COUNTER_SERVER__PORTAL_AUTH_ENDPOINT": "/auth",
            "COUNTER_SERVER__PORTAL_SERVICE_ENDPOINT": "/service", "COUNTER_SERVER__PORTAL_USER": portal.state.username,
            "COUNTER_SERVER__PORTAL_AGENCY": portal.state.agency, PASSWORD_ENV: portal.state.password,
            "COUNTER_CENTRAL_DB": db_url, **more}


def test_cli_status_map_and_push(central_sqlite, station_store, portal, tmp_path):
    app, engine = central_sqlite
    codes = _dossiers(station_store, 2)
    _push_station(app, station_store, add_token(engine))
    url = str(engine.url)
    runner = CliRunner()
    env = _env(portal, url)
    d = ["--data-dir", str(tmp_path / "home")]
    bad = runner.invoke(cli, ["serve", "portal", "map", "set", "status", "12", "X", *d], env=env)
    assert bad.exit_code == 1 and "từ 1 đến 10" in bad.output
    ok = runner.invoke(cli, ["serve", "portal", "map", "set", "procedure", "1.001193", "1.001193.H55", *d], env=env)
    assert ok.exit_code == 0, ok.output
    assert "1.001193.H55" in runner.invoke(cli, ["serve", "portal", "map", "list", *d], env=env).output
    nopass = runner.invoke(cli, ["serve", "portal", "push", *d], env={**env, PASSWORD_ENV: ""})
    assert nopass.exit_code == 1 and "COUNTER_SERVER__PORTAL_PASSWORD" in nopass.output
    pushed = runner.invoke(cli, ["serve", "portal", "push", *d], env=env)
    assert pushed.exit_code == 0, pushed.output
    assert "Cổng xác nhận 6 mục; còn chờ 0 mục" in pushed.output
    assert {portal.state.dossiers[c]["MaTTHC"] for c in codes} == {"1.001193.H55"}
    status = runner.invoke(cli, ["serve", "portal", "status", "--from", "2026-11-01", "--to", "2026-11-30", *d],
                           env=env)
    assert status.exit_code == 0, status.output
    assert "Chờ gửi: 0 mục" in status.output and "Đã được Cổng xác nhận: 6 mục" in status.output
    assert "H55.242: 2/2 hồ sơ (100,0%)" in status.output
    assert "Traceback" not in status.output + pushed.output
    # the portal answers errors: the status shows the last one, push says so and keeps the outbox
    _dossiers(station_store, 1)
    _push_station(app, station_store, add_token(engine))
    portal.state.fault("*", *["error"] * 5)
    failed = runner.invoke(cli, ["serve", "portal", "push", *d], env=env)
    assert failed.exit_code == 1 and "Lỗi hệ thống Cổng" in failed.output
    status = runner.invoke(cli, ["serve", "portal", "status", *d], env=env)
    assert "Chờ gửi: 3 mục" in status.output and "Lỗi gần nhất: Cổng DVCQG trả lỗi 99" in status.output


def test_the_worker_runs_inside_the_server_app_and_files_are_served(central_sqlite, station_store, portal,
                                                                    monkeypatch):
    from counter.central import portal_routes

    app, engine = central_sqlite
    codes = _dossiers(station_store, 1)
    _push_station(app, station_store, add_token(engine))
    with engine.begin() as conn:
        conn.execute(sa.insert(t.blobs).values(sha256="a" * 64, mime="application/pdf", size=3, data=b"%PD",
                                               created_at=NOW))
    server = portal.settings(portal_interval=0.2, db=str(engine.url))
    portal_routes.attach(app, server)
    from starlette.testclient import TestClient

    with TestClient(app) as client:  # the lifespan starts the worker
        deadline = time.monotonic() + 20
        while codes[0] not in portal.state.dossiers and time.monotonic() < deadline:
            time.sleep(0.1)
        r = client.get(f"/portal/files/{'a' * 64}")
        assert r.status_code == 200 and r.content == b"%PD"
        assert client.get(f"/portal/files/{'b' * 64}").status_code == 404
        assert client.get("/portal/files/..%2fetc").status_code == 404
    assert codes[0] in portal.state.dossiers
    worker = app.state.portal_pusher
    assert worker._thread is None  # stopped with the app


@pytest.mark.process
@pytest.mark.slow
def test_server_killed_in_the_middle_of_a_batch_sends_nothing_twice(central_sqlite, station_store, portal, tmp_path):
    app, engine = central_sqlite
    codes = _dossiers(station_store, 6)
    _push_station(app, station_store, add_token(engine))
    url = str(engine.url)
    portal.state.slow_seconds = 60.0
    # the second batch of dossiers: committed by the portal, then the answer hangs and the server is killed
    portal.state.fault("DongBoHoSoMC", "ok", "slow")
    env = {**os.environ, **_env(portal, url, COUNTER_SERVER__PORTAL_BATCH="3", COUNTER_SERVER__PORTAL_LEASE="2"), "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "counter", "serve", "portal", "push", "--data-dir", str(tmp_path / "home")]
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(portal.state.dossiers) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(portal.state.dossiers) == 6  # both batches committed at the portal
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert portal_out.status(engine).in_doubt == 3  # the batch whose answer never came
    portal.state.slow_seconds = 0.0
    time.sleep(2.2)  # the killed process's lease runs out (it cannot give it back)
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    st = portal_out.status(engine)
    assert st.pending == 0 and st.confirmed == 18
    assert portal.state.sent_twice() == []
    assert sum(1 for c in portal.state.commits if c[0] == "DongBoHoSoMC") == 6
    assert all(len(portal.state.steps[c]) == 2 for c in codes)


def test_portal_settings_from_the_file_and_the_password_only_from_the_environment(tmp_path, monkeypatch):
    from counter.central.portal_client import password
    from counter.settings import Settings

    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    (tmp_path / "config.toml").write_text(
        '[server]\nportal_adapter_url = "https://adapter.example.vn"\nportal_user = "h55"\n'
        'portal_agency = "000.00.00.H55"\nportal_password = "trong-tep"\n', "utf-8")
    s = Settings.load(tmp_path).server
    assert (s.portal_adapter_url, s.portal_user, s.portal_agency) == ("https://adapter.example.vn", "h55",
                                                                      "000.00.00.H55")
    assert "trong-tep" not in json.dumps(s.model_dump()) and password() == ""  # a password in a file is ignored
    assert "trong-tep" not in json.dumps(s.environment())
    monkeypatch.setenv(PASSWORD_ENV, "bi-mat")
    assert password() == "bi-mat"
