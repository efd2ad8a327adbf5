"""Issue 14, item 5: every command that changes the store or shows personal data logs in with the right role,
like the app; the password comes from COUNTER_PASSWORD or a prompt, never the command line. Only `init` and
`demo` (which make the store and its first admin) run without one."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from counter.cli import app
from tests.badinput.conftest import digest
from tests.badinput.cases import ADMIN, CLERK, PROTECTED, SUPERVISOR, WRONG_ROLE

runner = CliRunner()


@pytest.fixture(scope="module")
def code(store_copy) -> str:
    con = sqlite3.connect(store_copy / "counter.sqlite3")
    try:
        return con.execute("SELECT code FROM dossiers WHERE status = 2 ORDER BY seq DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()


def _inputs(folder) -> None:  # type: ignore[no-untyped-def]
    """Good files, so that what refuses the command is the login and nothing else."""
    from PIL import Image

    (folder / "good.csv").write_text(
        "code,name,field,level,working_days,fee,fee_note,channels,postal_allowed,in_person,certification,papers\n"
        "1.001193,Đăng ký khai sinh,Hộ tịch,commune,3,0,,1;2;3,1,0,0,Tờ khai [1/0/0]\n", "utf-8")
    Image.new("RGB", (600, 800), "white").save(folder / "ok.png")


def invoke(home, args, code, tmp_path, login=None, **env):  # type: ignore[no-untyped-def]
    argv = [a.replace("{CODE}", code).replace("{DIR}", str(tmp_path)) for a in args]
    env = {"COUNTER_HOME": str(home), "COUNTER_USER": None, "COUNTER_PASSWORD": None, **env}
    if login:
        env.update(COUNTER_USER=login[0], COUNTER_PASSWORD=login[1])
    return runner.invoke(app, argv, env=env)


@pytest.mark.parametrize("args", PROTECTED, ids=[" ".join(a[:2]) for a in PROTECTED])
def test_without_a_login_the_command_refuses_and_changes_nothing(args, store_copy, code, tmp_path):
    _inputs(tmp_path)
    before = digest(store_copy)
    result = invoke(store_copy, args, code, tmp_path)
    assert result.exit_code == 1, result.output
    assert "Lệnh này cần đăng nhập" in result.output and "--user" in result.output, result.output
    assert digest(store_copy) == before


@pytest.mark.parametrize("args", [a for a in PROTECTED if "--password" not in a][:6])
def test_the_login_password_is_never_an_argument(args, store_copy, code, tmp_path):
    _inputs(tmp_path)
    before = digest(store_copy)
    result = invoke(store_copy, [*args, "--user", "quantri", "--password", "quantri123"], code, tmp_path)
    assert result.exit_code == 1 and "Không nhập mật khẩu đăng nhập trên dòng lệnh" in result.output, result.output
    assert "COUNTER_PASSWORD" in result.output
    assert digest(store_copy) == before


@pytest.mark.parametrize("args, login", WRONG_ROLE[:5], ids=[f"{w[1][0]} {' '.join(w[0][:2])}" for w in WRONG_ROLE[:5]])
def test_a_wrong_role_is_refused_in_vietnamese(args, login, store_copy, code, tmp_path):
    _inputs(tmp_path)
    before = digest(store_copy)
    result = invoke(store_copy, args, code, tmp_path, login)
    assert result.exit_code == 1 and "không được phép" in result.output, result.output
    assert digest(store_copy) == before


def test_the_right_role_does_it(store_copy, code, tmp_path):
    added = invoke(store_copy, ["users", "add", "hoa", "--name", "Nguyễn Thị Hoa", "--role", "clerk", "--password",
                                "hoa12345"], code, tmp_path, ADMIN)
    assert added.exit_code == 0 and "Đã thêm hoa" in added.output, added.output
    wrong = invoke(store_copy, ["show", code], code, tmp_path, ("hoa", "sai-mat-khau"))
    assert wrong.exit_code == 1 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.output
    shown = invoke(store_copy, ["show", code], code, tmp_path, CLERK)
    assert shown.exit_code == 0 and code in shown.output
    ledger = invoke(store_copy, ["report", "ledger", "--format", "csv", "--out", str(tmp_path / "l.csv")], code,
                    tmp_path, SUPERVISOR)
    assert ledger.exit_code == 0, ledger.output


def test_init_needs_no_login(tmp_path):
    made = runner.invoke(app, ["init", "--office-id", "H55.242", "--office-name", "Một cửa xã", "--password",
                               "matkhau123", "--data-dir", str(tmp_path / "b")], env={"COUNTER_USER": None})
    assert made.exit_code == 0, made.output
