"""`counter receive` through Typer's CliRunner on a real store (issue 17): an ordinary receipt, and the one flow
"trả ngay" (`--on-the-spot`) recorded as its normal events, with no Mẫu 01 unless `--print`; a refused flow exits 1
with the reason in Vietnamese and leaves the store as it was."""

from __future__ import annotations

from counter.services import dossiers
from counter.services.store import Store
from tests.conftest import make_store
from tests.helpers.cli import run
from tests.helpers.pilot import QR
from tests.helpers.store import snapshot


def _home(tmp_path):  # type: ignore[no-untyped-def]
    make_store(tmp_path / "data").close()
    return tmp_path / "data"


def _detail(path, code):  # type: ignore[no-untyped-def]
    store = Store.open(path)
    try:
        return dossiers.get_detail(store, code)
    finally:
        store.close()


def test_on_the_spot_by_script(tmp_path):
    path = _home(tmp_path)
    r = run(path, "receive", "2.000884", "--qr", QR, "--signatures", "2", "--pay", "--on-the-spot")
    assert r.exit_code == 0, r.output
    first = r.output.splitlines()[0]
    assert "đã tiếp nhận, giải quyết và trả kết quả ngay lúc" in first
    assert "kết quả: Kết quả chứng thực chữ ký trong các giấy tờ (1 bản)" in first
    assert "đã thu 20.000 đ, biên lai AA-26P 1000001" in first
    assert "Không in giấy tiếp nhận (công dân không yêu cầu" in r.output
    code = first.split(":")[0]
    d = _detail(path, code)
    assert d.status_label == "Đã trả kết quả" and d.owner_name == "Nguyễn Văn An"
    assert [e.kind for e in d.events] == ["received", "fee_paid", "resolved", "returned"]
    assert not (path / "prints" / f"{code}-mau01.pdf").exists()


def test_the_citizen_asks_for_mau_01(tmp_path):
    path = _home(tmp_path)
    r = run(path, "receive", "2.000815", "--name", "Trần Thị Bình", "--id-number", "001192345678", "--pages", "3",
            "--copies", "2", "--pay", "--on-the-spot", "--result", "Bản sao đã chứng thực", "--result-count", "2",
            "--print")
    assert r.exit_code == 0, r.output
    assert "(2 bản)" in r.output and "Đã in mẫu 01" in r.output
    code = r.output.split(":")[0]
    assert (path / "prints" / f"{code}-mau01.pdf").exists()
    assert "Bản sao đã chứng thực (2)" in _detail(path, code).events[-1].details


def test_a_refused_flow_exits_1_and_writes_nothing(tmp_path):
    path = _home(tmp_path)
    db = type("Db", (), {"db_path": path / "counter.sqlite3"})()
    before = snapshot(db)
    r = run(path, "receive", "2.000884", "--qr", QR, "--signatures", "1", "--on-the-spot")  # not paid
    assert r.exit_code == 1 and "Hồ sơ phải nộp 10.000 đ" in r.output and "Traceback" not in r.output
    r = run(path, "receive", "1.001193", "--qr", QR, "--on-the-spot")
    assert r.exit_code == 1 and "không trả kết quả ngay" in r.output
    r = run(path, "receive", "2.000884", "--qr", QR, "--signatures", "1", "--pay", "--on-the-spot", user="buudien")
    assert r.exit_code == 1 and "Traceback" not in r.output
    r = run(path, "receive", "1.001193", "--qr", QR, "--result", "x")
    assert r.exit_code == 1 and "--result chỉ dùng với --on-the-spot" in r.output
    assert snapshot(db) == before


def test_an_ordinary_receipt(tmp_path):
    path = _home(tmp_path)
    r = run(path, "receive", "1.001193", "--qr", QR)
    assert r.exit_code == 0 and "đã tiếp nhận — hẹn trả" in r.output and "counter print receipt" in r.output, r.output
    code = r.output.split(":")[0]
    assert [e.kind for e in _detail(path, code).events] == ["received"]
