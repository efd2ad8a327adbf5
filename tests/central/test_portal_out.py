"""Issue 16: the central server pushes every dossier and every step to the national portal, against the
protocol test server (tests/helpers/portal_server.py) on 127.0.0.1, from its own outbox (SQLite central
database; the main cases on PostgreSQL too). Then `counter serve portal status|push|map`, the worker inside the
server app, the files the portal fetches, and a `counter serve portal push` killed (SIGKILL) in the middle of a
batch: nothing lost, nothing sent twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from counter.central import portal_out
from counter.central import tables as t
from counter.central.app import create_app
from counter.central.portal_client import PASSWORD_ENV, PortalClient
from counter.cli import app as cli
from counter.domain.clock import FixedClock
from counter.domain.portal import FIELDS, STEP_FIELDS, strings_only
from counter.services import events
from tests.central.conftest import add_server_users, add_token, auth, push_body, wire_events
from tests.conftest import NOW, actor_for, receive
from tests.helpers.portal_server import PortalServer
from tests.helpers.store import dossier


def _rng() -> float:
    return 1.0  # the longest wait of each backoff step: tests move the clock past it


@pytest.fixture
def portal(monkeypatch):
    server = PortalServer()
    monkeypatch.setenv(PASSWORD_ENV, server.state.password)
    yield server
    server.stop()


@pytest.fixture
def central_sqlite(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'central.sqlite3'}", track_rate=0)
    engine = app.state.engine
    add_server_users(engine)
    yield app, engine
    engine.dispose()


@pytest.fixture
def central_pg(central_url):
    """The same on PostgreSQL (the province's database): a migrated database of its own."""
    app = create_app(central_url, migrate=False, track_rate=0, pool_size=2)
    engine = app.state.engine  # the template holds the office's users already
    yield app, engine
    engine.dispose()


def _push_station(app, store, token, after=0):
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as client:
            r = await client.post("/api/v1/events", json=push_body(store, wire_events(store, after)),
                                  headers=auth(token))
            assert all(x["status"] in ("accepted", "duplicate") for x in r.json()["results"]), r.json()
    import asyncio

    asyncio.run(go())


def _dossiers(store, n, steps=True):
    clerk = actor_for(store, "canbo")
    codes = []
    for i in range(n):
        code = receive(store, clerk, name=f"Nguyễn Văn {chr(65 + i % 26)}", id_number="001090123456",
                       at=NOW + timedelta(minutes=i))
        codes.append(code)
        if steps:
            row = dossier(store, code)
            with store.write() as s:
                events.append(s, clerk, row["id"], "resolved", {}, NOW + timedelta(hours=2, minutes=i))
    return codes


def _client(portal, timeout=30.0):
    return PortalClient.from_settings(portal.settings(portal_timeout=timeout))


def _drain(engine, client, clock, rounds=20):
    total = portal_out.RoundResult()
    for _ in range(rounds):
        r = portal_out.push_until_done(engine, client, clock, batch=3, rng=_rng)
        total.confirmed += r.confirmed
        if portal_out.status(engine).pending == 0:
            break
        clock.advance(seconds=400)
    return total


def _setup(central_sqlite, station_store, n=3, steps=True):
    app, engine = central_sqlite
    token = add_token(engine)
    codes = _dossiers(station_store, n, steps)
    _push_station(app, station_store, token)
    return app, engine, codes


@pytest.mark.parametrize("where", ["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def test_every_dossier_and_step_confirmed_once_in_order(where, request, station_store, portal):
    central = request.getfixturevalue(f"central_{where}")
    _app, engine, codes = _setup(central, station_store, n=5)
    clock = FixedClock(NOW + timedelta(hours=3))
    client = _client(portal)
    _drain(engine, client, clock)
    st = portal_out.status(engine)
    assert st.pending == 0 and st.confirmed == 15  # 5 dossiers: the dossier item, "received" and "resolved"
    assert set(portal.state.dossiers) == set(codes)
    for code in codes:
        obj = portal.state.dossiers[code]
        assert tuple(obj) == FIELDS and strings_only(obj)
        assert len(obj["NgayTiepNhan"]) == 14 and obj["TrangThaiHoSo"] == "9"
        steps = portal.state.steps[code]
        assert [tuple(s) for s in steps] == [STEP_FIELDS] * 2 and all(strings_only(s) for s in steps)
        assert [s["TrangThai"] for s in steps] == ["2", "9"]  # the dossier's steps in their order
    # per dossier the create came before its steps
    order = [(svc, code) for svc, code, _ in portal.state.commits]
    for code in codes:
        assert order.index(("DongBoHoSoMC", code)) < order.index(("CapNhatTienDoHoSoMC", code))
    assert portal.state.sent_twice() == []
    assert client.logins == 1
    # a later step: isUpdating true this time, and the old items are never sent again
    clerk = actor_for(station_store, "canbo")
    row = dossier(station_store, codes[0])
    with station_store.write() as s:
        events.append(s, clerk, row["id"], "returned",
                      {"receiver_name": "Nguyễn Văn A", "receiver_id_number": "001090123456",
                       "receiver_source": "typed", "fee_collected": row["fee"],
                       "papers": [{"name": "Giấy khai sinh", "count": 1}]}, NOW + timedelta(hours=3))
    _push_station(central[0], station_store, add_token(engine))  # a new token of station 1
    before = len(portal.state.commits)
    _drain(engine, client, clock)
    new = portal.state.commits[before:]
    assert [(s, c) for s, c, _ in new] == [("DongBoHoSoMC", codes[0]), ("CapNhatTienDoHoSoMC", codes[0])]
    assert new[0][2].startswith("update:") and portal.state.dossiers[codes[0]]["TrangThaiHoSo"] == "10"
    assert portal.state.dossiers[codes[0]]["ThongTinTra"] == "Nguyễn Văn A"
    assert portal.state.sent_twice() == []


def test_error_code_is_retried_with_backoff_and_never_blocks_others(central_sqlite, station_store, portal):
    _app, engine, codes = _setup(central_sqlite, station_store, n=3, steps=False)
    clock = FixedClock(NOW + timedelta(hours=3))
    client = _client(portal)
    portal.state.fault("DongBoHoSoMC", "error", "error")  # the batch fails, then the first one alone fails
    r = portal_out.push_until_done(engine, client, clock, batch=3, rng=_rng)
    st = portal_out.status(engine)
    assert st.pending >= 1 and "99" in st.last_error and "Lỗi hệ thống Cổng" in st.last_error
    assert set(portal.state.dossiers) == set(codes[1:])  # the other two went alone
    # not due yet: nothing is sent again before its backoff
    calls = len(portal.state.calls)
    portal_out.push_until_done(engine, client, clock, batch=3, rng=_rng)
    assert len(portal.state.calls) == calls
    clock.advance(seconds=5)
    _drain(engine, client, clock)
    assert portal_out.status(engine).pending == 0 and set(portal.state.dossiers) == set(codes)
    assert portal.state.sent_twice() == [] and r.failed >= 1


@pytest.mark.parametrize("where", ["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def test_dropped_connection_after_commit_is_confirmed_by_lookup_not_resent(where, request, station_store, portal):
    _app, engine, codes = _setup(request.getfixturevalue(f"central_{where}"), station_store, n=2)
    clock = FixedClock(NOW + timedelta(hours=3))
    client = _client(portal)
    portal.state.fault("DongBoHoSoMC", "drop")
    portal.state.fault("CapNhatTienDoHoSoMC", "drop")
    _drain(engine, client, clock)
    assert portal_out.status(engine).pending == 0
    assert portal.state.sent_twice() == []
    assert "TraCuuHoSo" in portal.state.calls
    o = t.portal_outbox.c
    with engine.connect() as conn:
        how = dict(conn.execute(sa.select(o.confirmed_by, sa.func.count()).group_by(o.confirmed_by)).all())
    assert how.get("lookup", 0) >= 2  # the batch whose answer was lost: confirmed by looking it up
    assert len(portal.state.steps[codes[0]]) == 2 and len(portal.state.steps[codes[1]]) == 2


def test_slow_answer_times_out_in_doubt_then_confirmed(central_sqlite, station_store, portal):
    _app, engine, codes = _setup(central_sqlite, station_store, n=1, steps=False)
    clock = FixedClock(NOW + timedelta(hours=3))
    portal.state.slow_seconds = 1.5
    portal.state.fault("DongBoHoSoMC", "slow")
    client = _client(portal, timeout=0.5)
    portal_out.enqueue(engine, clock.now())
    first = portal_out.push_round(engine, client, clock, rng=_rng)
    assert first.in_doubt == 1 and portal_out.status(engine).in_doubt == 1
    clock.advance(seconds=400)
    import time

    time.sleep(1.5)  # the portal committed it meanwhile
    _drain(engine, client, clock)
    assert portal_out.status(engine).pending == 0
    assert [c[:2] for c in portal.state.commits if c[0] == "DongBoHoSoMC"] == [("DongBoHoSoMC", codes[0])]


def test_expired_session_logs_in_again_and_wrong_password_keeps_the_outbox(central_sqlite, station_store, portal,
                                                                         monkeypatch):
    _app, engine, _codes = _setup(central_sqlite, station_store, n=2)
    clock = FixedClock(NOW + timedelta(hours=3))
    monkeypatch.setenv(PASSWORD_ENV, "sai")
    bad = _client(portal)
    r = portal_out.push_until_done(engine, bad, clock, rng=_rng)
    st = portal_out.status(engine)
    assert r.confirmed == 0 and st.pending == 6 and "Đăng nhập Cổng DVCQG không thành công" in st.last_error
    assert portal.state.commits == []
    monkeypatch.setenv(PASSWORD_ENV, portal.state.password)
    client = _client(portal)
    clock.advance(seconds=400)
    portal.state.fault("CapNhatTienDoHoSoMC", "expired")
    portal.state.session_ttl = 3600
    _drain(engine, client, clock)
    assert portal_out.status(engine).pending == 0 and client.logins == 2  # logged in again once
    assert portal.state.sent_twice() == []


def test_portal_restart_in_the_middle_of_a_batch(central_sqlite, station_store, portal):
    """The portal goes away after the first call of a batch: the rest fails, nothing is lost or doubled."""
    _app, engine, codes = _setup(central_sqlite, station_store, n=6)
    clock = FixedClock(NOW + timedelta(hours=3))
    client = _client(portal)
    portal_out.enqueue(engine, clock.now())
    portal_out.push_round(engine, client, clock, batch=3, rng=_rng)  # the first three dossiers, then steps
    portal.restart()  # sessions forgotten, data kept
    _drain(engine, client, clock)
    assert portal_out.status(engine).pending == 0 and set(portal.state.dossiers) == set(codes)
    assert portal.state.sent_twice() == [] and client.logins == 2


def test_confirmed_per_office_counts_what_the_portal_confirmed(central_sqlite, station_store, portal):
    _app, engine, _codes = _setup(central_sqlite, station_store, n=3, steps=False)
    day = NOW.date()
    assert list(portal_out.confirmed_per_office(engine, day, day).values()) == [(0, 3)]  # nothing pushed yet
    clock = FixedClock(NOW + timedelta(hours=3))
    portal_out.enqueue(engine, clock.now())
    assert list(portal_out.confirmed_per_office(engine, day, day).values()) == [(0, 3)]
    portal.state.fault("DongBoHoSoMC", "error", "error")
    portal_out.push_until_done(engine, _client(portal), clock, batch=3, rng=_rng)
    assert list(portal_out.confirmed_per_office(engine, day, day).values()) == [(2, 3)]
    assert portal_out.confirmed_per_office(engine, day + timedelta(days=1), day + timedelta(days=2)) == {}


def test_mapping_tables_change_what_is_sent(central_sqlite, station_store, portal):
    from counter.domain.errors import CounterError

    _app, engine, codes = _setup(central_sqlite, station_store, n=1)
    clock = FixedClock(NOW + timedelta(hours=3))
    portal_out.set_code(engine, "procedure", "1.001193", "1.001193.000.00.00.H55", clock.now())
    portal_out.set_code(engine, "status", "9", "9A", clock.now())
    portal_out.set_code(engine, "field", "Hộ tịch", "G09-TP08", clock.now())
    with pytest.raises(CounterError):
        portal_out.set_code(engine, "status", "11", "x", clock.now())
    assert len(portal_out.list_codes(engine)) == 3
    _drain(engine, _client(portal), clock)
    obj = portal.state.dossiers[codes[0]]
    assert obj["MaTTHC"] == "1.001193.000.00.00.H55" and obj["TrangThaiHoSo"] == "9A" and obj["MaLinhVuc"] == "G09-TP08"
    assert portal.state.steps[codes[0]][-1]["TrangThai"] == "9A"


def test_a_batch_the_portal_kept_in_part_is_not_stuck_and_not_doubled(central_sqlite, station_store, portal):
    _app, engine, codes = _setup(central_sqlite, station_store, n=3)
    clock = FixedClock(NOW + timedelta(hours=3))
    portal.state.fault("DongBoHoSoMC", "partial")
    _drain(engine, _client(portal), clock)
    assert portal_out.status(engine).pending == 0 and set(portal.state.dossiers) == set(codes)
    assert portal.state.sent_twice() == []
    assert [c[:2] for c in portal.state.commits if c[0] == "DongBoHoSoMC"].count(("DongBoHoSoMC", codes[0])) == 1


# --- the CLI, the worker in the app, a killed server -------------------------------------------------------

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
    env = {**os.environ, **_env(portal, url, COUNTER_SERVER__PORTAL_BATCH="3", COUNTER_SERVER__PORTAL_LEASE="2"),
           "PYTHONPATH": str(ROOT)}
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
