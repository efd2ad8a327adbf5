"""Issue 12, "Start" and "no English on any CLI error": a folder without a store is not turned into an empty
one, `counter init --public-url`, `counter office set`, the loopback warning, and Click/Typer in Vietnamese."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from counter.cli import app
from tests.helpers.cli import first_received

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
INIT = ("init", "--office-id", "H55.242", "--office-name", "Bộ phận Một cửa xã Phục Linh", "--password", "quantri123")
# What Click/Typer say in English, and their boxes: none of it may reach the user.
ENGLISH = re.compile(r"Usage|Error|No such|Missing|Invalid value|Try '|for help|Options|Commands|Arguments|"
                     r"Possible options|unexpected extra|requires an argument|Input should|valid integer|╭|╰")


def run(*args: str, home=None, login=None):  # type: ignore[no-untyped-def]
    env = {"COUNTER_HOME": str(home)} if home else {}
    if login:  # issue 14: the login's password comes from COUNTER_PASSWORD (or a prompt), never an argument
        env.update(COUNTER_USER=login[0], COUNTER_PASSWORD=login[1])
    return runner.invoke(app, list(args), env=env)


def public_url(home: Path) -> str:
    con = sqlite3.connect(home / "counter.sqlite3")
    try:
        return con.execute("SELECT public_base_url FROM offices").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("command", [("run",), ("show", "H55.242-261123-1001"), ("search", "nguyen"),
                                     ("users", "list"), ("audit", "verify"), ("print", "receipt", "H55.242-1"),
                                     ("office", "show")])
def test_a_folder_without_a_store_says_how_to_make_one_and_creates_nothing(tmp_path, command):
    home = tmp_path / "empty-x"
    result = runner.invoke(app, [*command, "--data-dir", str(home)])
    assert result.exit_code == 1, result.output
    assert "Chưa có kho dữ liệu" in result.output
    assert "counter init" in result.output and "counter demo" in result.output and "--public-url" in result.output
    assert not home.exists()  # was: an empty store created there, then "chưa được khởi tạo"


def test_an_existing_empty_folder_stays_empty(tmp_path):
    home = tmp_path / "folder"
    home.mkdir()
    assert run("run", home=home).exit_code == 1
    assert list(home.iterdir()) == []


def test_init_stores_the_public_url(tmp_path):
    home = tmp_path / "h"
    result = run(*INIT, "--public-url", "https://motcua.phuclinh.gov.vn/", home=home)
    assert result.exit_code == 0, result.output
    assert public_url(home) == "https://motcua.phuclinh.gov.vn"
    assert "https://motcua.phuclinh.gov.vn" in result.output and "Cảnh báo" not in result.output
    shown = run("office", "show", home=home)
    assert shown.exit_code == 0 and "https://motcua.phuclinh.gov.vn" in shown.output


@pytest.mark.parametrize("url", ["motcua.phuclinh.gov.vn", "ftp://motcua.gov.vn", "https://", "http:///t",
                                 "https://motcua gov.vn"])
def test_init_refuses_a_bad_public_url_and_creates_nothing(tmp_path, url):
    home = tmp_path / "h"
    result = run(*INIT, "--public-url", url, home=home)
    assert result.exit_code == 1 and result.output.startswith("Lỗi: Địa chỉ tra cứu"), result.output
    assert not home.exists()


def test_init_without_a_public_url_says_the_qr_points_at_this_machine_and_how_to_fix_it(tmp_path):
    home = tmp_path / "h"
    result = run(*INIT, home=home)
    assert result.exit_code == 0, result.output
    assert "127.0.0.1" in result.output and "điện thoại" in result.output
    assert "counter office set --public-url" in result.output and "--user admin" in result.output


def test_office_set_public_url_needs_an_admin_login_and_a_good_address(tmp_path):
    home = tmp_path / "h"
    assert run(*INIT, home=home).exit_code == 0
    assert run("users", "add", "hoa", "--name", "Nguyễn Thị Hoa", "--role", "clerk", "--password", "hoa12345",
               home=home, login=("admin", "quantri123")).exit_code == 0
    clerk = run("office", "set", "--public-url", "https://x.gov.vn", home=home, login=("hoa", "hoa12345"))
    assert clerk.exit_code == 1 and "không được phép" in clerk.output
    bad = run("office", "set", "--public-url", "x.gov.vn", home=home, login=("admin", "quantri123"))
    assert bad.exit_code == 1 and "https://" in bad.output
    wrong = run("office", "set", "--public-url", "https://x.gov.vn", home=home, login=("admin", "sai"))
    assert wrong.exit_code == 1
    assert public_url(home) == "http://127.0.0.1:8780"  # nothing changed so far
    ok = run("office", "set", "--public-url", "https://x.gov.vn/", home=home, login=("admin", "quantri123"))
    assert ok.exit_code == 0, ok.output
    assert public_url(home) == "https://x.gov.vn"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    result = run("demo", "--count", "20", home=home)
    assert result.exit_code == 0, result.output
    return home


def test_print_receipt_warns_while_the_url_is_loopback(demo_home, tmp_path):
    code = first_received(run("search", "H55", home=demo_home, login=("canbo", "canbo123")).output)
    out = tmp_path / "r.pdf"
    result = run("print", "receipt", code, "--out", str(out), home=demo_home, login=("canbo", "canbo123"))
    assert result.exit_code == 0, result.output
    assert out.exists() and "Cảnh báo" in result.output and "127.0.0.1" in result.output


# ---- Click / Typer in Vietnamese ---------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    (["--bogus"], "Không có tùy chọn “--bogus”"),
    (["show"], "Thiếu đối số “MÃ_HỒ_SƠ”"),
    (["show", "--bogus", "x"], "Không có tùy chọn “--bogus”"),
    (["show", "a", "b"], "Thừa đối số: b"),
    (["search", "x", "--page", "abc"], "Giá trị không hợp lệ cho “--page”: phải là số nguyên"),
    (["nosuch"], "Không có lệnh “nosuch”"),
    (["init"], "Thiếu tùy chọn “--office-id”"),
    (["print", "form"], "Thiếu đối số “MẪU”"),
    (["users", "add", "x", "--name"], "Tùy chọn “--name” cần một giá trị"),
    (["calendar", "due", "--received", "2026-11-23 10:00", "--days", "1.5"], "phải là số nguyên"),
])
def test_usage_errors_are_vietnamese_and_exit_non_zero(tmp_path, args, expected):
    result = runner.invoke(app, args, env={"COUNTER_HOME": str(tmp_path / "h")})
    assert result.exit_code == 2, result.output
    assert expected in result.output, result.output
    assert result.output.startswith("Lỗi: ")
    if args[-1] != "--name":  # Typer's parser raises that one without its command: no usage line to add
        assert "Cách dùng: counter" in result.output and "để biết cách dùng" in result.output
    assert not ENGLISH.search(result.output), result.output
    assert not (tmp_path / "h").exists()


@pytest.mark.process
@pytest.mark.parametrize("args", [["--bogus"], ["show"]])
def test_python_m_counter_speaks_vietnamese(args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "counter", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("Lỗi: ") and "Traceback" not in proc.stderr
    assert not ENGLISH.search(proc.stdout + proc.stderr), proc.stderr
    assert "Xem “counter" in proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["show", "--help"], ["print", "form", "--help"], ["db"]])
def test_help_screens_have_vietnamese_headings(args):
    result = runner.invoke(app, args, env={"COLUMNS": "100"})
    assert result.exit_code in (0, 2), result.output
    assert result.output.count("Cách dùng: counter") == 1 and "Tùy chọn" in result.output
    assert not re.search(r"Usage|Options|Commands|Arguments|Show this message|\[required\]|\[default|<bool>|<str>",
                         result.output), result.output


SEARCH_IMPORTS = """
import sys
from counter.cli import app
from counter.cli_vi import install
from counter.services import lookup
install()
heavy = [m for m in ("typer.rich_utils", "counter.domain.lifecycle", "counter.domain.contracts") if m in sys.modules]
assert not heavy, heavy
import typer.rich_utils as r  # a help or an error imports it: it comes localised
assert r.OPTIONS_PANEL_TITLE == "Tùy chọn" and r.COMMANDS_PANEL_TITLE == "Lệnh", r.OPTIONS_PANEL_TITLE
print("ok")
"""


@pytest.mark.process
def test_the_search_path_imports_no_rich_help_nor_lifecycle_rules_and_help_still_speaks_vietnamese():
    """Issue 21: `counter search` as a whole process within 0.4 s: Typer's rich help module (50 ms) is localised
    when something imports it, and the search needs the statuses only (counter.domain.status), not the reducer
    with its pydantic payload contracts."""
    out = subprocess.run([sys.executable, "-c", SEARCH_IMPORTS], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
