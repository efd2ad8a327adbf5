"""`counter scan` and `counter blobs verify|open` through Typer's CliRunner on a real store."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image
from typer.testing import CliRunner

from counter.cli import app
from tests.conftest import PASSWORD, actor_for, make_store, receive

runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    store = make_store(tmp_path / "home")
    code = receive(store, actor_for(store, "canbo"))
    store.close()
    return tmp_path / "home", code


def run(home, *args: str):  # type: ignore[no-untyped-def]
    env = {"COUNTER_HOME": str(home), "COUNTER_USER": "canbo", "COUNTER_PASSWORD": PASSWORD}
    return runner.invoke(app, list(args), env=env)


@pytest.mark.skipif(shutil.which("scanimage") is None, reason="sane-utils not installed")
def test_scan_from_the_test_device_then_verify_and_open(home):
    home, code = home
    (home / "config.toml").write_text('[scanner]\nresolution = 75\nmode = "Gray"\nformat = "png"\n', "utf-8")
    r = run(home, "scan", code, "--item", "1", "--device", "test", "--source", "Automatic Document Feeder",
            "--pages", "2")
    assert r.exit_code == 0, r.output
    assert "2 trang" in r.output and "đã số hóa 1/2" in r.output
    sha = r.output.split("SHA-256 ")[1].split()[0]
    r = run(home, "blobs", "verify")
    assert r.exit_code == 0 and "Toàn vẹn: 1 tệp số hóa khớp mã băm; 0 tệp mồ côi" in r.output
    r = run(home, "blobs", "open", sha)
    assert r.exit_code == 0 and f"tệp nằm tại: {home / 'blobs' / sha[:2] / sha[2:]}" in r.output
    assert "Không có trình xem" in r.output


def test_scan_files_and_refuse_a_bad_one(home, tmp_path):
    home, code = home
    Image.new("RGB", (400, 560), "white").save(tmp_path / "a.jpg", dpi=(50, 50))
    (tmp_path / "b.txt").write_text("không phải ảnh")
    r = run(home, "scan", code, "--item", "2", "--file", str(tmp_path / "a.jpg"), "--file", str(tmp_path / "b.txt"))
    assert r.exit_code == 1 and "Lỗi: Tệp “b.txt” không phải ảnh JPEG/PNG hay tệp PDF" in r.output
    assert "Traceback" not in r.output
    assert not (home / "blobs").exists()
    r = run(home, "scan", code, "--item", "2", "--file", str(tmp_path / "a.jpg"))
    assert r.exit_code == 0 and "1 trang" in r.output


def test_verify_reports_a_damaged_file_and_orphans(home, tmp_path):
    home, code = home
    Image.new("RGB", (400, 560), "white").save(tmp_path / "a.jpg", dpi=(50, 50))
    assert run(home, "scan", code, "--item", "1", "--file", str(tmp_path / "a.jpg")).exit_code == 0
    (home / "blobs" / "ab").mkdir()
    (home / "blobs" / "ab" / ("c" * 62)).write_bytes(b"left by an interrupted save")
    r = run(home, "blobs", "verify")
    assert r.exit_code == 0 and "Mồ côi" in r.output and "ab" + "c" * 62 in r.output
    (f,) = [p for p in (home / "blobs").rglob("*") if p.is_file() and p.parent.name != "ab"]
    f.write_bytes(b"%PDF-1.4 changed")
    r = run(home, "blobs", "verify")
    assert r.exit_code == 1 and "HỎNG" in r.output and "không khớp mã băm" in r.output
    r = run(home, "blobs", "open", "xyz")
    assert r.exit_code == 1 and "Mã băm “xyz” không hợp lệ" in r.output
    r = run(home, "blobs", "open", "0" * 64)
    assert r.exit_code == 1 and "Không có tệp số hóa nào" in r.output
