"""Issue 12: `counter correct` and `counter void` through Typer's CliRunner on a real store."""

from __future__ import annotations

from datetime import datetime, UTC

from counter.services.store import Store
from tests.conftest import actor_for, receive
from tests.helpers.cli import run
from tests.helpers.store import snapshot


def _db(path):  # type: ignore[no-untyped-def]
    return type("Db", (), {"db_path": path / "counter.sqlite3"})()


def test_correct_then_void_by_script(home):
    path, code = home
    r = run(path, "correct", code, "--phone", "0987 654 321", "--birth-date", "01/01/1990", "--reason", "Gõ nhầm")
    assert r.exit_code == 0, r.output
    assert "Ngày sinh (trống) → 01/01/1990; Số điện thoại (trống) → 0987654321; lý do: Gõ nhầm" in r.output
    assert "counter print receipt" in r.output
    r = run(path, "show", code)
    assert "sửa thông tin" in r.output and "0987654321" in r.output
    before = snapshot(_db(path))
    for args, user, message in (
            (("correct", code, "--phone", "0987654321", "--reason", "x"), "canbo", "Không có thông tin nào thay đổi"),
            (("correct", code, "--id-number", "123", "--reason", "x"), "canbo", "12 chữ số"),
            (("correct", code, "--name", "Nguyễn Văn Bình"), "canbo", "Phải ghi rõ lý do sửa"),
            (("correct", code, "--reason", "x"), "canbo", "Chưa có thông tin nào để sửa"),
            (("correct", code, "--phone", "0912000111", "--reason", "x"), "buudien", "không được phép sửa thông tin"),
            (("void", code, "--reason", "nhầm"), "canbo", "không được phép hủy hồ sơ tiếp nhận nhầm"),
            (("void", code, "--reason", "nhầm"), "giamsat", "Chỉ hủy được hồ sơ trong ngày tiếp nhận"),  # 23/11
    ):
        r = run(path, *args, user=user)
        assert r.exit_code == 1 and r.output.startswith("Lỗi: ") and message in r.output, (args, r.output)
        assert "Traceback" not in r.output
    assert snapshot(_db(path)) == before
    store = Store.open(path)  # the command's clock is the real one: a dossier received now
    code = receive(store, actor_for(store, "canbo"), at=datetime.now(UTC))
    store.close()
    r = run(path, "void", code, user="giamsat")
    assert r.exit_code == 1 and r.output.strip() == "Lỗi: Chưa thể lưu: Phải ghi rõ lý do hủy hồ sơ", r.output
    r = run(path, "void", code, "--reason", "Tiếp nhận nhầm thủ tục", user="giamsat")
    assert r.exit_code == 0 and "đã hủy lúc" in r.output and "không được dùng lại" in r.output, r.output
    r = run(path, "show", code)
    assert "ĐÃ HỦY:" in r.output and "hủy hồ sơ" in r.output and "lý do: Tiếp nhận nhầm thủ tục" in r.output
    r = run(path, "correct", code, "--phone", "0912000111", "--reason", "x", user="giamsat")
    assert r.exit_code == 1 and "đã bị hủy" in r.output
    r = run(path, "audit", "verify")
    assert r.exit_code == 0, r.output
