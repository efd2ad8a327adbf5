"""The `counter` command through Typer's CliRunner, on real store directories."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from counter.cli import app
from counter.db import HEAD
from tests.helpers.cli import first_received

runner = CliRunner()
GOOD_QR = "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2, xã Phục Linh, tỉnh Thái Nguyên|15042021"


CLERK = ("canbo", "canbo123")  # demo logins (issue 14: commands that show personal data or change the store log in)
DEMO_ADMIN = ("quantri", "quantri123")
ADMIN = ("admin", "quantri123")  # the admin `init` makes below


def run(*args: str, home=None, login=None):  # type: ignore[no-untyped-def]
    env = {"COUNTER_HOME": str(home)} if home else {}
    if login:
        env.update(COUNTER_USER=login[0], COUNTER_PASSWORD=login[1])
    return runner.invoke(app, list(args), env=env)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    result = run("demo", "--count", "80", home=home)
    assert result.exit_code == 0, result.output
    return home


def counts(home) -> tuple[int, int]:
    con = sqlite3.connect(home / "counter.sqlite3")
    try:
        return (con.execute("SELECT count(*) FROM dossiers").fetchone()[0],
                con.execute("SELECT count(*) FROM dossier_events").fetchone()[0])
    finally:
        con.close()


def test_demo_prints_the_demo_passwords_and_refuses_to_overwrite(demo_home):
    again = run("demo", home=demo_home)
    assert again.exit_code == 1 and "đã có dữ liệu" in again.output
    assert run("demo", "--if-missing", home=demo_home).exit_code == 0
    users = run("users", "list", home=demo_home)
    for name in ("canbo", "buudien", "giamsat", "quantri"):
        assert name in users.output


def test_every_status_is_in_the_demo(demo_home):
    con = sqlite3.connect(demo_home / "counter.sqlite3")
    statuses = {r[0] for r in con.execute("SELECT DISTINCT status FROM dossiers")}
    assert {2, 4, 5, 9, 10} <= statuses


def test_search_and_show(demo_home):
    result = run("search", "nguyen", home=demo_home, login=CLERK)
    assert result.exit_code == 0, result.output
    assert "Nguyễn" in result.output
    code = first_received(result.output)
    shown = run("show", code, home=demo_home, login=CLERK)
    assert shown.exit_code == 0 and code in shown.output and "tiếp nhận hồ sơ" in shown.output
    missing = run("show", "H55.242-991231-9999", home=demo_home, login=CLERK)
    assert missing.exit_code == 1 and "Không tìm thấy hồ sơ" in missing.output


def test_audit_verify_on_demo(demo_home):
    result = run("audit", "verify", home=demo_home)
    assert result.exit_code == 0, result.output
    assert "Toàn vẹn" in result.output


@pytest.mark.parametrize("received, days, expected", [
    ("2026-11-23 14:59", "0", "2026-11-23 17:00"),
    ("2026-11-23 15:00", "0", "2026-11-25 17:00"),  # 24/11/2026 is a holiday
    ("2025-01-24 10:00", "3", "2025-02-05 17:00"),  # across Tết 2025 (27/1–31/1 off, 1/2 a Saturday)
])
def test_calendar_due(tmp_path, received, days, expected):
    result = run("calendar", "due", "--received", received, "--days", days, home=tmp_path / "empty")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected


@pytest.mark.parametrize("received", ["2026-13-01 10:00", "hôm qua", "2026-11-23"])
def test_calendar_due_rejects_bad_dates(tmp_path, received):
    result = run("calendar", "due", "--received", received, "--days", "3", home=tmp_path / "empty")
    assert result.exit_code == 1 and "không hợp lệ" in result.output


def test_override_changes_due_dates(tmp_path):
    home = tmp_path / "h"
    assert run("init", "--office-id", "H55.242", "--office-name", "Một cửa xã", "--password", "quantri123",
               home=home).exit_code == 0
    before = run("calendar", "due", "--received", "2026-12-01 09:00", "--days", "1", home=home).output.strip()
    assert before == "2026-12-02 17:00"
    assert run("calendar", "override", "add", "2026-12-02", "--off", "--note", "Bão", home=home, login=ADMIN).exit_code == 0
    after = run("calendar", "due", "--received", "2026-12-01 09:00", "--days", "1", home=home).output.strip()
    assert after == "2026-12-03 17:00"
    assert "Bão" in run("calendar", "override", "list", home=home).output
    bad = run("calendar", "override", "add", "2026-02-30", "--off", home=home, login=ADMIN)
    assert bad.exit_code == 1 and "Ngày không hợp lệ" in bad.output
    both = run("calendar", "override", "add", "2026-12-05", "--off", "--work", home=home, login=ADMIN)
    assert both.exit_code == 1


def test_users_add_passwd_lock(tmp_path):
    home = tmp_path / "h"
    run("init", "--office-id", "H55.242", "--office-name", "Một cửa xã", "--password", "quantri123", home=home)
    ok = run("users", "add", "hoa", "--name", "Nguyễn Thị Hoa", "--role", "clerk", "--password", "hoa12345",
             home=home, login=ADMIN)
    assert ok.exit_code == 0, ok.output
    dup = run("users", "add", "hoa", "--name", "X Y", "--role", "clerk", "--password", "hoa12345", home=home, login=ADMIN)
    assert dup.exit_code == 1 and "đã tồn tại" in dup.output
    role = run("users", "add", "an", "--name", "Lê An", "--role", "boss", "--password", "hoa12345", home=home, login=ADMIN)
    assert role.exit_code == 1 and "Vai trò không hợp lệ" in role.output
    short = run("users", "passwd", "hoa", "--password", "123", home=home, login=ADMIN)
    assert short.exit_code == 1 and "ít nhất" in short.output
    assert run("users", "lock", "hoa", home=home, login=ADMIN).exit_code == 0
    assert "khóa" in run("users", "list", home=home).output


def test_cccd_parse(tmp_path):
    ok = run("cccd", "parse", GOOD_QR)
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["id_number"] == "001090123456" and data["birth_date"] == "1990-01-01"
    assert data["full_name"] == "Nguyễn Văn An"
    bad = run("cccd", "parse", "001090123456|Nguyen Van An|01011990")
    assert bad.exit_code == 1 and "7 trường" in bad.output


def test_catalogue_import_bad_file_changes_nothing(demo_home, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n1.2,x\n", encoding="utf-8")
    before = counts(demo_home)
    result = run("catalogue", "import", str(bad), home=demo_home, login=DEMO_ADMIN)
    assert result.exit_code == 1 and "Lỗi" in result.output
    assert counts(demo_home) == before
    missing = run("catalogue", "import", str(tmp_path / "nope.csv"), home=demo_home, login=DEMO_ADMIN)
    assert missing.exit_code == 1


def test_catalogue_steps_imports_an_office_s_internal_process(demo_home, tmp_path):
    steps = tmp_path / "quy-trinh.csv"
    steps.write_text("procedure_code,step,name,unit,working_days,decides\n"
                     "1.004194,1,Tiếp nhận,Bộ phận Một cửa,1,\n1.004194,2,Thẩm định và duyệt,Công an xã,2,x\n",
                     encoding="utf-8")
    result = run("catalogue", "steps", str(steps), home=demo_home, login=DEMO_ADMIN)
    assert result.exit_code == 0 and "Đã nhập các bước xử lý của 1 thủ tục" in result.output
    steps.write_text("procedure_code,step,name,unit,working_days\n1.004194,2,Thẩm định,Công an xã,3\n",
                     encoding="utf-8")
    bad = run("catalogue", "steps", str(steps), home=demo_home, login=DEMO_ADMIN)
    assert bad.exit_code == 1 and "dòng 2: cột step: thủ tục 1.004194 cần bước số 1 tiếp theo" in bad.output


def test_uninitialised_and_unreadable_data_dirs(tmp_path):
    empty = run("search", "nguyen", home=tmp_path / "empty")  # issue 12: no store is made on the way
    assert empty.exit_code == 1 and "Chưa có kho dữ liệu" in empty.output and "counter init" in empty.output
    assert not (tmp_path / "empty").exists()
    # only init and demo make a store (issue 14): db upgrade in a mistyped folder makes nothing
    mistyped = run("db", "upgrade", home=tmp_path / "bare")
    assert mistyped.exit_code == 1 and "Chưa có kho dữ liệu" in mistyped.output
    assert not (tmp_path / "bare").exists()
    from counter.services.store import Store

    Store.open(tmp_path / "bare", create=True).close()  # a store file, no office yet
    assert run("db", "upgrade", home=tmp_path / "bare").exit_code == 0
    bare = run("search", "nguyen", home=tmp_path / "bare")
    assert bare.exit_code == 1 and "chưa được khởi tạo" in bare.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("search", "nguyen", home=blocker / "sub")
    assert result.exit_code == 1 and "Chưa có kho dữ liệu" in result.output
    assert "Traceback" not in result.output


def test_db_upgrade(tmp_path):
    from counter.services.store import Store

    from counter.db import upgrade

    old = Store.open(tmp_path / "h", create=True, migrate=False)
    upgrade(old.engine, "0001")  # a store of the first version is upgraded (it carries counter's tables)
    old.close()
    result = run("db", "upgrade", home=tmp_path / "h")
    assert result.exit_code == 0 and HEAD in result.output
