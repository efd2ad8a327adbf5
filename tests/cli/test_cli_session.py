"""Issue 21: after one successful command with the password, the next commands of the same user on the same
store skip the password (and argon2) for [app] cli_session_minutes; `counter logout` ends that; a command that
fails leaves no ticket; the role is still checked on every command."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from counter.cli import app
from counter.services import cli_session
from tests.conftest import PASSWORD

runner = CliRunner()


@pytest.fixture
def sessions(tmp_path, monkeypatch):
    folder = tmp_path / "sessions"
    monkeypatch.setenv(cli_session.SESSION_DIR_ENV, str(folder))
    monkeypatch.setenv("COUNTER_APP__CLI_SESSION_MINUTES", "15")
    return folder


def run(home, *args, user="canbo", password=None):  # type: ignore[no-untyped-def]
    env = {"COUNTER_HOME": str(home), "COUNTER_USER": user, "COUNTER_PASSWORD": password}
    return runner.invoke(app, list(args), env=env)


def tickets(folder) -> list:  # type: ignore[no-untyped-def]
    return sorted(folder.glob("*.ticket")) if folder.exists() else []


def test_the_second_command_needs_no_password_until_logout(home, sessions):
    data, code = home
    first = run(data, "show", code)
    assert first.exit_code == 1 and "Thiếu mật khẩu đăng nhập" in first.output  # no ticket yet
    assert run(data, "show", code, password=PASSWORD).exit_code == 0
    assert len(tickets(sessions)) == 1
    again = run(data, "search", "nguyen")  # no password at all
    assert again.exit_code == 0 and code in again.output, again.output
    other = run(data, "show", code, user="giamsat")  # another user: their own password
    assert other.exit_code == 1 and "Thiếu mật khẩu đăng nhập" in other.output
    out = run(data, "logout")
    assert out.exit_code == 0 and "Đã đăng xuất" in out.output
    assert tickets(sessions) == []
    after = run(data, "search", "nguyen")
    assert after.exit_code == 1 and "Thiếu mật khẩu đăng nhập" in after.output


def test_a_failed_command_or_a_wrong_role_leaves_no_ticket(home, sessions):
    data, code = home
    bad = run(data, "show", "H55.242-000000-9999", password=PASSWORD)  # logged in, then not found
    assert bad.exit_code == 1 and tickets(sessions) == []
    role = run(data, "office", "set", "--public-url", "https://tra.example.vn", password=PASSWORD)  # admin only
    assert role.exit_code == 1 and "không được phép" in role.output and tickets(sessions) == []
    assert run(data, "show", code, password=PASSWORD).exit_code == 0
    still = run(data, "office", "set", "--public-url", "https://tra.example.vn")  # a ticket is no role
    assert still.exit_code == 1 and "không được phép" in still.output


def test_off_when_the_setting_is_zero(home, sessions, monkeypatch):
    monkeypatch.setenv("COUNTER_APP__CLI_SESSION_MINUTES", "0")
    data, code = home
    assert run(data, "show", code, password=PASSWORD).exit_code == 0
    assert tickets(sessions) == []
