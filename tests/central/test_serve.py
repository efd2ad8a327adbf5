"""`counter serve` as a real process on PostgreSQL, its token commands, and a receipt's QR URL opened in
headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from counter.models import Office
from counter.services import dossiers
from counter.services.printing import receipt_data
from tests.central.conftest import auth, push_body, wire_events
from tests.conftest import OFFICE, actor_for, receive

COUNTER = str(Path(sys.executable).with_name("counter"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _counter(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([COUNTER, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def served(central_url, tmp_path):
    """(base_url, token of station 1, token of station 2) of `counter serve --db <PostgreSQL>` on 127.0.0.1."""
    tokens = []
    for station in (1, 2):
        r = _counter("serve", "token", "add", "--office", OFFICE, "--station", str(station), "--db", central_url)
        assert r.returncode == 0, r.stderr
        tokens.append(r.stdout.strip().splitlines()[-1])
    port = _free_port()
    proc = subprocess.Popen([COUNTER, "serve", "--db", central_url, "--port", str(port), "--data-dir",
                             str(tmp_path / "serve")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail(f"counter serve exited: {proc.stdout.read().decode()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("counter serve did not answer /healthz")
        yield base, tokens[0], tokens[1]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.process
def test_token_commands(central_url):
    r = _counter("serve", "token", "add", "--office", OFFICE, "--station", "3", "--db", central_url)
    assert r.returncode == 0 and len(r.stdout.strip().splitlines()[-1]) == 32
    listed = _counter("serve", "token", "list", "--db", central_url)
    assert listed.returncode == 0 and OFFICE in listed.stdout and "còn hiệu lực" in listed.stdout
    token_id = listed.stdout.split()[0]
    assert r.stdout.strip().splitlines()[-1] not in listed.stdout  # the token itself is never shown again
    r = _counter("serve", "token", "revoke", "--id", token_id, "--db", central_url)
    assert r.returncode == 0 and "thu hồi 1" in r.stdout
    r = _counter("serve", "token", "revoke", "--id", token_id, "--db", central_url)
    assert r.returncode == 1 and r.stderr.startswith("Lỗi:") and "Traceback" not in r.stderr
    r = _counter("serve", "token", "add", "--office", OFFICE, "--station", "1", "--db",
                 "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert r.returncode == 1 and "Không kết nối được" in r.stderr and "Traceback" not in r.stderr


def _dump_dom(url: str) -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        pytest.skip("chromium không có trên máy này")
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run",
                            f"--user-data-dir={profile}", "--dump-dom", url],
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.mark.browser
def test_receipt_qr_url_in_headless_chromium(served, station_store):
    base, token, _ = served
    with station_store.write() as s:
        s.get(Office, OFFICE).public_base_url = base
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk, name="Nguyễn Văn An", id_number="001090123456", phone="0912345678")
    with station_store.read() as s:
        url = receipt_data(s, code)[0].tracking_url  # what the receipt's QR holds
    assert url.startswith(f"{base}/t/")

    def sync(after: int = 0) -> int:
        evs = wire_events(station_store, after)
        r = httpx.post(f"{base}/api/v1/events", json=push_body(station_store, evs), headers=auth(token), timeout=30)
        assert r.status_code == 200 and {x["status"] for x in r.json()["results"]} == {"accepted"}, r.text
        return evs[-1]["station_seq"]

    assert "Không tìm thấy" in _dump_dom(url)  # not synced yet
    seq = sync()
    dom = _dump_dom(url)
    assert code in dom and "Được tiếp nhận" in dom and "Ng*** V** A*" in dom
    assert "001090123456" not in dom and "0912345678" not in dom and "Nguyễn Văn An" not in dom
    for kind, payload in (("transferred", {"to": "Công chức Tư pháp - Hộ tịch"}), ("resolved", {}),
                          ("returned", {"receiver_name": "Nguyễn Văn An", "receiver_id_number": "001090123456",
                                       "receiver_source": "typed", "papers": [{"name": "Giấy khai sinh", "count": 1}]})):
        dossiers.record(station_store, clerk, code, kind, payload)
    assert "Được tiếp nhận" in _dump_dom(url)  # the page changes only with the next sync
    sync(seq)
    dom = _dump_dom(url)
    assert 'id="status">Đã trả kết quả<' in dom.replace('class="st done" ', "")


def test_serve_commands_on_the_sqlite_demo_database(tmp_path):
    from typer.testing import CliRunner

    from counter.cli import app

    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    r = runner.invoke(app, ["serve", "token", "add", "--office", OFFICE, "--station", "2", *data])
    assert r.exit_code == 0 and len(r.output.strip().splitlines()[-1]) == 32
    assert (tmp_path / "central.sqlite3").exists()
    r = runner.invoke(app, ["serve", "token", "list", *data])
    assert r.exit_code == 0 and "máy 2" in r.output and "còn hiệu lực" in r.output
    r = runner.invoke(app, ["serve", "token", "revoke", "--office", OFFICE, "--station", "2", *data])
    assert r.exit_code == 0
    assert "thu hồi 23" not in r.output and "thu hồi" in runner.invoke(app, ["serve", "token", "list", *data]).output
    r = runner.invoke(app, ["serve", "verify", *data])
    assert r.exit_code == 0 and f"{OFFICE}: 0 sự kiện, chuỗi băm đúng" in r.output
    r = runner.invoke(app, ["serve", "new-epoch", *data])
    assert r.exit_code == 0 and "Kỳ mới" in r.output
    r = runner.invoke(app, ["serve", "token", "revoke", *data])
    assert r.exit_code == 1 and "Traceback" not in r.output


@pytest.mark.parametrize("kind", ["empty", "foreign"])
def test_serve_refuses_an_empty_or_another_programs_database_untouched(tmp_path, kind):
    import sqlite3

    from typer.testing import CliRunner

    from counter.cli import app

    path = tmp_path / "central.sqlite3"
    if kind == "empty":
        path.touch()
    else:
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        con.commit()
        con.close()
    before = path.read_bytes()
    # token list first: on a database it accepts, `serve` itself would go on serving
    for args in (["serve", "token", "list", "--db", f"sqlite:///{path}"], ["serve", "--db", f"sqlite:///{path}"]):
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 1 and "không dùng làm CSDL trung tâm" in r.output and "Traceback" not in r.output, \
            r.output
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["central.sqlite3"]
