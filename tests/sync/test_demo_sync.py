"""The demo syncs clean (issue 12): `counter demo`, `counter serve`, `counter sync setup`, one `counter sync --once`
gives no conflict, no dossier changes at the station, and a demo receipt's tracking page opens."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from counter.domain.clock import FixedClock
from counter.services import sync as sync_service
from counter.services.store import Store
from tests.conftest import NOW
from tests.sync.conftest import Station, assert_converged, dossier_rows

ROOT = Path(__file__).resolve().parents[2]


def returned_token(store: Store) -> tuple[str, str]:
    """(code, tracking token) of a demo dossier whose result was handed back."""
    with store.read() as s:
        row = s.execute(sa.text("SELECT code, token FROM dossiers WHERE status = 10 ORDER BY code LIMIT 1")).one()
    return row[0], row[1]


def test_the_demo_syncs_clean_from_each_station(tmp_path, central):
    from counter.services.demo import build_demo

    store = Store.open(tmp_path / "demo", clock=FixedClock(NOW), create=True)
    build_demo(store, now=NOW, count=60)
    before = dossier_rows(store)
    s1 = Station(store, central, 1)
    report = s1.sync()  # the first station alone, before the other has ever synced
    assert (report.rejected, report.retry) == (0, 0)
    assert report.accepted == report.pushed > 0
    assert sync_service.conflicts(store) == [] and sync_service.status(store).conflicts == 0
    assert dossier_rows(store) == before  # nothing reverted at the station
    code, token = returned_token(store)
    page = central.test_client.get(f"/t/{token}")  # the receipt QR's path, on the central server
    assert page.status_code == 200 and code in page.text and "Đã trả kết quả" in page.text

    from counter.services.demo import second_station_dir

    other = Store.open(second_station_dir(store.data_dir), clock=FixedClock(NOW))
    try:
        s2 = Station(other, central, 2)
        own = dossier_rows(other)
        report = s2.sync()
        assert report.rejected == 0 and report.accepted > 0
        s1.sync()
        assert_converged(central, s1, s2)  # both hold the whole office, nothing rejected anywhere
        assert len(dossier_rows(store)) > len(before) and len(dossier_rows(other)) > len(own)
        assert [e for e in central.events() if e["status"] != "accepted"] == []
    finally:
        other.close()
        store.close()


def test_one_station_demo_holds_every_dossier(tmp_path):
    from counter.services.demo import ONLINE_RECEIVED, ONLINE_WAITING, build_demo, second_station_dir

    store = Store.open(tmp_path / "one", clock=FixedClock(NOW), create=True)
    try:
        result = build_demo(store, now=NOW, count=30, stations=1)
        assert result.second_dir is None and not second_station_dir(store.data_dir).exists()
        online = len(ONLINE_WAITING) + len(ONLINE_RECEIVED)  # the online desk's few, on top of the 30
        assert result.dossiers == 30 + online
        with store.read() as s:
            assert s.execute(sa.text("SELECT count(*) FROM dossiers")).scalar_one() == 30 + online
            assert s.execute(sa.text("SELECT count(DISTINCT station_id) FROM dossier_events")).scalar_one() == 1
    finally:
        store.close()


# ---- with real processes: the commands a new user types -------------------------------------------------

def counter(*args: str, timeout: float = 180, login: tuple[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if login:  # issue 14: the password from the environment, never the command line
        env.update(COUNTER_USER=login[0], COUNTER_PASSWORD=login[1])
    return subprocess.run([sys.executable, "-m", "counter", *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=ROOT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """`counter serve` on the demo's SQLite central database, in its own process."""
    port, central = free_port(), tmp_path / "may-chu"  # beside the demo: its folder must be new or empty
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 — the server writes to it until the test ends
    proc = subprocess.Popen([sys.executable, "-m", "counter", "serve", "--data-dir", str(central), "--port", str(port),
                             "--track-rate", "0"], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # readiness wait, not a timed assertion
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError((tmp_path / "serve.log").read_text())
        yield url, central
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_demo_serve_setup_sync_once_then_track(tmp_path, served):
    """The commands `counter demo` prints, typed as they are (but the server's port and the token it gave):
    everything the demo station sends is accepted."""
    url, central = served
    data = tmp_path / "demo"
    made = counter("demo", "--count", "40", "--stations", "1", "--data-dir", str(data))
    assert made.returncode == 0, made.stderr
    printed = [line.split()[1:] for line in made.stdout.splitlines() if line.startswith("  counter ")]
    assert printed[0][:2] == ["serve", "--data-dir"]  # the server, in another window: the fixture's here
    once, token = None, ""
    for args in printed[1:]:
        args = [str(central) if a == f"{data}/may-chu" else url if a == "http://127.0.0.1:8780" else a
                for a in args]
        if "MÃ_QUẦY_1" in args:
            args[args.index("MÃ_QUẦY_1")] = token  # the token step's, before it
        user = args[args.index("--user") + 1] if "--user" in args else None
        ran = counter(*args, login=(user, f"{user}123") if user else None)  # the demo's passwords
        assert ran.returncode == 0, (args, ran.stdout, ran.stderr)
        if args[:3] == ["serve", "token", "add"]:
            token = ran.stdout.strip().splitlines()[-1]
        if args[:2] == ["sync", "--once"]:
            once = ran
    # issue 14: the server judges every event by its list of the office's users; the demo's users go up once
    # (export on the station, import on the server), as the demo says
    assert any(a[:2] == ["users", "export"] for a in printed) and any(a[:3] == ["serve", "users", "import"]
                                                                      for a in printed)
    assert once is not None
    sent = re.search(r"Đã gửi (\d+) sự kiện \(nhận (\d+), trùng 0, từ chối (\d+)", once.stdout)
    assert sent and int(sent[1]) == int(sent[2]) > 0 and sent[3] == "0", once.stdout
    assert "Còn chờ gửi: 0; xung đột: 0." in once.stdout
    status = counter("sync", "status", "--data-dir", str(data))
    assert "Xung đột (máy chủ không nhận) chưa xử lý: 0" in status.stdout and "Lỗi gần nhất: không có" in status.stdout
    store = Store.open(data)
    try:
        code, token = returned_token(store)
        from counter.domain.codes import tracking_url
        from counter.services.office import office_info

        qr = tracking_url(office_info(store).public_base_url, token)  # what the receipt's QR holds
    finally:
        store.close()
    page = httpx.get(url + qr[qr.index("/t/"):], timeout=30)
    assert page.status_code == 200 and code in page.text and "Đã trả kết quả" in page.text
