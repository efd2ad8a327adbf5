"""With real processes: `counter serve` (uvicorn) on PostgreSQL, the stations' CLI, and SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from counter.services import sync as sync_service
from counter.sync.client import SyncError
from tests.conftest import PASSWORD, actor_for, receive
from tests.helpers.central import add_server_users
from tests.helpers.store import append, dossier
from tests.sync.conftest import assert_converged, make_station

COUNTER = str(Path(sys.executable).parent / "counter")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`counter serve` in its own process; start/stop/kill -9 keep the same database and port."""

    def __init__(self, db_url: str, tmp: Path):
        self.db, self.port, self.tmp, self.proc = db_url, free_port(), tmp, None
        self.url = f"http://127.0.0.1:{self.port}"
        self.users = False

    def cli(self, *args: str, env: dict[str, str] | None = None) -> str:
        out = subprocess.run([COUNTER, *args], capture_output=True, text=True, timeout=120,
                             env={**os.environ, **(env or {})})
        assert out.returncode == 0, out.stderr
        return out.stdout

    def token(self, station: int) -> str:
        token = self.cli("serve", "token", "add", "--office", "H55.242", "--station", str(station),
                         "--db", self.db).strip().splitlines()[-1]
        if not self.users:  # the office's users on the server (issue 14), once the database is migrated
            from counter.central.db import make_engine

            engine = make_engine(self.db, pool_size=1)
            add_server_users(engine)
            engine.dispose()
            self.users = True
        return token

    def start(self) -> None:
        self.cli("serve", "migrate", "--db", self.db)  # the release step: `serve` refuses a schema not at head
        self.proc = subprocess.Popen([COUNTER, "serve", "--db", self.db, "--port", str(self.port), "--track-rate", "0"],
                                     stdout=open(self.tmp / "serve.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
        deadline = time.monotonic() + 60  # readiness wait, not a timed assertion
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError((self.tmp / "serve.log").read_text())

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def track(self, token: str) -> dict:
        r = httpx.get(f"{self.url}/api/v1/track/{token}", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()


def browser_status(url: str) -> str | None:
    """The status line of the public page as headless Chromium renders it (None without Chromium)."""
    import re
    import shutil
    import tempfile

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as profile:  # its own profile: two Chromiums at once (xdist) don't meet
        out = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                              "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'id="status"[^>]*>([^<]*)<', out)
    assert found, out[:500]
    return found.group(1).strip()


class ServerView:
    """What assert_converged needs of the central side."""

    def __init__(self, db_url: str):
        import sqlalchemy as sa

        from tests.sync.conftest import Central

        self.engine = sa.create_engine(db_url)
        self.events = lambda: Central.events(self)  # type: ignore[arg-type]


class CliStation:
    def __init__(self, store, data_dir: Path, number: int):
        self.store, self.data_dir, self.number = store, data_dir, number

    def sync_once(self) -> subprocess.CompletedProcess:
        return subprocess.run([COUNTER, "sync", "--once", "--data-dir", str(self.data_dir)], capture_output=True,
                              text=True, timeout=120)


@pytest.fixture
def server(pg_database, tmp_path):
    s = Server(pg_database(), tmp_path)
    yield s
    s.kill()


@pytest.mark.browser
@pytest.mark.slow
def test_two_stations_offline_then_serve_then_track(server, tmp_path):
    """The new user's story: stations register, receive while the server is stopped, the server starts,
    every dossier arrives once; a returned dossier shows on the tracking JSON after the next sync."""
    stations = [CliStation(make_station(tmp_path / f"st{n}", n), tmp_path / f"st{n}", n) for n in (1, 2)]
    for st in stations:
        server.cli("sync", "setup", "--url", server.url, "--token", server.token(st.number),
                   "--data-dir", str(st.data_dir), env={"COUNTER_USER": "quantri", "COUNTER_PASSWORD": PASSWORD})
    codes = []
    for st, names in zip(stations, (("Nguyễn Văn An", "Lê Văn Bình"), ("Trần Thị Hoa",))):
        actor = actor_for(st.store, "canbo")
        codes += [receive(st.store, actor, name=n) for n in names]
    failed = stations[0].sync_once()  # server stopped: one line, exit 1, the queue kept
    assert failed.returncode == 1 and "Không kết nối được máy chủ" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert sync_service.status(stations[0].store).pending == 2
    server.start()
    for st in (*stations, stations[0]):
        done = st.sync_once()
        assert done.returncode == 0, done.stderr
    assert_converged(ServerView(server.db), *stations)  # type: ignore[arg-type]
    assert len(ServerView(server.db).events()) == 3
    token = dossier(stations[0].store, codes[0])["token"]
    assert "Đã trả kết quả" not in str(server.track(token))
    assert browser_status(f"{server.url}/t/{token}") in (None, "Được tiếp nhận")
    append(stations[1].store, "canbo", codes[0], "resolved", minutes=60)
    append(stations[1].store, "canbo", codes[0], "returned",
           {"receiver_name": "Nguyễn Văn An", "receiver_id_number": "001090123456", "receiver_source": "typed",
            "papers": [{"name": "Giấy khai sinh", "count": 1}], "fee_collected": dossier(stations[1].store, codes[0])["fee"]},
           minutes=90)
    assert stations[1].sync_once().returncode == 0
    assert "Đã trả kết quả" in str(server.track(token))
    assert browser_status(f"{server.url}/t/{token}") in (None, "Đã trả kết quả")
    status = subprocess.run([COUNTER, "sync", "status", "--data-dir", str(stations[1].data_dir)],
                            capture_output=True, text=True, timeout=60).stdout
    assert "Chờ gửi: 0 sự kiện" in status and "Lỗi gần nhất: không có" in status


@pytest.mark.slow
def test_server_killed_in_the_middle_of_a_batch(server, tmp_path):
    """kill -9 while a batch is on the server (the client cannot know whether it committed), restart, drain."""
    s1 = CliStation(make_station(tmp_path / "st1", 1), tmp_path / "st1", 1)
    s2 = CliStation(make_station(tmp_path / "st2", 2), tmp_path / "st2", 2)
    server.start()
    for st in (s1, s2):
        sync_service.setup(st.store, server.url, server.token(st.number))
    actor = actor_for(s1.store, "canbo")
    names = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long"]
    for i in range(250):
        receive(s1.store, actor, name=f"Nguyễn {names[i % 8]} {names[(i // 8) % 8]} {names[(i // 64) % 8]}")

    killer = threading.Timer(0.02, server.kill)

    class KillDuringSecondBatch(httpx.HTTPTransport):
        posts = 0

        def handle_request(self, request):
            if request.method == "POST" and request.url.path == "/api/v1/events":
                type(self).posts += 1
                if type(self).posts == 2:  # kill -9 while the server holds this batch
                    killer.start()
            return super().handle_request(request)

    with sync_service.client_for(s1.store, transport=KillDuringSecondBatch()) as client:
        with pytest.raises(SyncError):
            sync_service.run_cycle(s1.store, client)
    killer.join()  # (the server dies during the second batch or, on a slow machine, the third)
    assert server.proc.poll() is not None
    assert 0 < sync_service.status(s1.store).pending <= 250
    server.start()
    for st in (s1, s2, s1):
        done = st.sync_once()
        assert done.returncode == 0, done.stderr
    view = ServerView(server.db)
    assert_converged(view, s1, s2)  # type: ignore[arg-type]
    assert len(view.events()) == 250
