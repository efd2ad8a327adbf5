"""`counter event` and `counter print form 02|04|05|06|BG` through Typer's CliRunner on a real store."""

from __future__ import annotations

import subprocess

from datetime import timedelta

from counter.domain.clock import FixedClock
from counter.services import dossiers
from tests.conftest import NOW
from tests.helpers.cli import run
from tests.helpers.store import snapshot


def test_a_dossier_from_hand_off_to_return_by_script(home, tmp_path, monkeypatch):
    path, code = home
    # the CLI's store on a fixed clock: an hour after the dossier came in (Monday 10:00), whatever the real hour
    monkeypatch.setattr("counter.services.store.SystemClock", lambda: FixedClock(NOW + timedelta(hours=1)))
    r = run(path, "event", code, "transferred", "--to", "Tư pháp - hộ tịch", "--person", "Lê Văn Tư")
    assert r.exit_code == 0 and "đã ghi “chuyển hồ sơ” — trạng thái Đang xử lý" in r.output, r.output
    r = run(path, "event", code, "supplement_requested", "--papers", "Giấy chứng sinh", "--reason", "Thiếu")
    assert r.exit_code == 0 and "counter print form 02" in r.output
    assert run(path, "event", code, "supplement_received").exit_code == 0
    r = run(path, "event", code, "extended", "--days", "1", "--reason", "Cần xác minh")
    assert r.exit_code == 1 and r.output.strip() == "Lỗi: Cán bộ một cửa không được phép gia hạn hồ sơ."
    # issue 17: the papers came today, so today is the (same-day) due date: too late for Mẫu 04 (at the latest
    # 1 working day before), the dossier is simply late if it misses it
    r = run(path, "event", code, "extended", "--days", "1", "--reason", "Cần xác minh", "--print", user="giamsat")
    assert r.exit_code == 1 and "Quá thời hạn xin lỗi, hẹn lại" in r.output and "Traceback" not in r.output
    assert run(path, "event", code, "transferred").exit_code == 0  # back from Tư pháp
    assert run(path, "event", code, "resolved", "--note", "Giấy khai sinh", user="buudien").exit_code == 1
    assert run(path, "event", code, "resolved", "--note", "Giấy khai sinh").exit_code == 0
    db = type("Db", (), {"db_path": path / "counter.sqlite3"})()
    before = snapshot(db)
    r = run(path, "event", code, "returned", "--receiver-name", "Trần Văn B", "--receiver-id", "001090999999")
    assert r.exit_code == 1 and "cần giấy ủy quyền" in r.output and "Traceback" not in r.output
    qr = "001192345678||Trần Thị Bình|02021992|Nữ|Thôn 5, xã Phục Linh, tỉnh Thái Nguyên|01012022"
    r = run(path, "event", code, "returned", "--receiver", "authorized", "--receiver-qr", qr, "--authorization",
            "Giấy ủy quyền", "--auth-number", qr, "--result-papers", "Giấy khai sinh:1")
    assert r.exit_code == 1 and "chứa nội dung mã QR của thẻ CCCD" in r.output, r.output
    assert snapshot(db) == before
    r = run(path, "event", code, "returned", "--receiver-name", "Nguyễn Văn An", "--receiver-id", "001090123456",
            "--result-papers", "Giấy khai sinh:1", "--print")
    assert r.exit_code == 0 and "Đã in mẫu BG" in r.output, r.output
    for form in ("02", "06", "bg"):
        out = tmp_path / f"m{form}.pdf"
        r = run(path, "print", "form", form, code, "--out", str(out))
        assert r.exit_code == 0, r.output
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        assert code in text
    r = run(path, "print", "form", "05", code)
    assert r.exit_code == 1 and "chưa có dừng xử lý / rút hồ sơ" in r.output
    from counter.services.store import Store

    store = Store.open(path)
    history = [(e.kind, e.actor) for e in dossiers.get_detail(store, code).events]
    store.close()
    assert "extended" not in [k for k, _ in history] and history[-1] == ("returned", "Người Dùng Canbo")


def test_bad_codes_and_kinds_are_one_line_errors(home):
    path, code = home
    for args, message in ((("event", "H56.111-261123-1001", "note_added", "--text", "x"), "là của cơ quan H56.111"),
                          (("event", "http://127.0.0.1:8780/t/XYZ", "note_added"), "không đúng dạng"),
                          (("event", code, "teleported"), "Loại sự kiện không hợp lệ"),
                          (("event", code, "delivered"), "Không thể ghi nhận đã phát")):
        r = run(path, *args)
        assert r.exit_code == 1 and message in r.output and "Traceback" not in r.output, r.output


def test_the_supplement_rule_setting(home):
    path, _ = home
    assert run(path, "calendar", "supplement-rule").output.startswith("restart: Tính lại từ đầu")
    r = run(path, "calendar", "supplement-rule", "pause")
    assert r.exit_code == 1 and "không được phép quản lý lịch làm việc" in r.output
    assert run(path, "calendar", "supplement-rule", "pause", user="quantri").exit_code == 0
    assert run(path, "calendar", "supplement-rule").output.startswith("pause: Tạm dừng")


def test_a_second_supplement_request_takes_the_supervisors_override_reason(home):
    path, code = home
    assert run(path, "event", code, "supplement_requested", "--papers", "Giấy chứng sinh", "--reason",
               "Thiếu").exit_code == 0
    assert run(path, "event", code, "supplement_received").exit_code == 0
    db = type("Db", (), {"db_path": path / "counter.sqlite3"})()
    before = snapshot(db)
    r = run(path, "event", code, "supplement_requested", "--papers", "Tờ khai", "--reason", "Lại thiếu",
            "--override-reason", "Cần bản gốc")
    assert r.exit_code == 1 and "chỉ lãnh đạo / giám sát được yêu cầu bổ sung lần nữa" in r.output, r.output
    r = run(path, "event", code, "supplement_requested", "--papers", "Tờ khai", "--reason", "Lại thiếu",
            user="giamsat")
    assert r.exit_code == 1 and "lãnh đạo / giám sát phải ghi rõ lý do" in r.output, r.output
    assert snapshot(db) == before
    r = run(path, "event", code, "supplement_requested", "--papers", "Tờ khai", "--reason", "Lại thiếu",
            "--override-reason", "Cán bộ tư pháp cần bản gốc tờ khai", user="giamsat")
    assert r.exit_code == 0 and "đã ghi “yêu cầu bổ sung hồ sơ”" in r.output, r.output
