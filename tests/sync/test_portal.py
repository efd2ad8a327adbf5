"""`counter export portal`: the national portal's payload shape (domain.md), dates yyyyMMddHHmmss in VN time."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, UTC

import pytest
from typer.testing import CliRunner

from counter.cli import app
from counter.domain.errors import CounterError
from counter.domain.portal import DOCUMENT_FIELDS, FIELDS, STEP_FIELDS, portal_time, strings_only
from counter.services import events, portal
from tests.conftest import NOW, PASSWORD, actor_for, receive
from tests.helpers.store import dossier


def test_portal_time_is_vietnam_time():
    assert portal_time(datetime(2026, 11, 23, 17, 5, 9, tzinfo=UTC)) == "20261124000509"
    assert portal_time(None) == ""


def test_export_shape_and_range(store):
    """Issue 16: every field of domain.md's dossier object, in its order, strings only (the old export had
    numbers for KenhThucHien, LoaiDoiTuong and TrangThaiHoSo, fields of our own in TaiLieuNop and no DonViXuLy,
    Email, Fax, GhiChu, HinhThuc, MaDoiTuong...)."""
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, name="Nguyễn Văn An", id_number="001090123456", phone="0912345678")
    receive(store, clerk, name="Lê Thị Bình", at=NOW + timedelta(days=3))
    row = dossier(store, code)
    with store.write() as s:
        events.append(s, clerk, row["id"], "resolved", {}, NOW + timedelta(hours=2))
        events.append(s, clerk, row["id"], "returned",
                      {"receiver_name": "Nguyễn Văn An", "receiver_id_number": "001090123456", "receiver_source": "typed",
                       "fee_collected": row["fee"], "papers": [{"name": "Giấy khai sinh", "count": 2}]},
                      NOW + timedelta(hours=3))
    out = portal.export(store, date(2026, 11, 23), date(2026, 11, 23))
    assert out["SoLuong"] == "1" and out["TuNgay"] == "20261123"
    [rec] = out["DanhSachHoSo"]
    assert tuple(rec) == FIELDS and strings_only(out)
    assert rec["MaHoSo"] == code and rec["MaTTHC"] == "1.001193" and rec["ChuHoSo"] == "Nguyễn Văn An"
    assert rec["MaDoiTuong"] == "001090123456" and rec["SoDienThoai"] == "0912345678"
    assert rec["DinhDanhCHS"] == ["001090123456"]
    assert rec["NgayTiepNhan"] == "20261123090000" and rec["NgayTra"] == "20261123120000"
    assert rec["NgayKetThucXuLy"] == "20261123110000" and rec["NgayNopHoSo"] == "20261123090000"
    assert len(rec["NgayHenTra"]) == 14 and rec["TrangThaiHoSo"] == "10" and rec["KenhThucHien"] == "1"
    assert rec["LoaiDoiTuong"] == "1" and rec["HinhThuc"] == "0" and rec["ThongTinTra"] == "Nguyễn Văn An"
    assert rec["DonViXuLy"] and rec["NoiNopHoSo"] and rec["Email"] == "" and rec["Fax"] == ""
    assert rec["TaiLieuNop"] and all(tuple(d) == DOCUMENT_FIELDS and d["TenTepDinhKem"] for d in rec["TaiLieuNop"])
    assert rec["DanhSachGiayToKetQua"] == [{"TenGiayTo": "Giấy khai sinh", "MaThanhPhanHoSo": "", "GiayToId": "",
                                            "DuongDanTepTinKetQua": "", "MaGiayToKetQua": ""}]
    assert [s["TrangThai"] for s in out["QuaTrinhXuLy"] if s["MaHoSo"] == code] == ["2", "9", "10"]
    assert all(tuple(s) == STEP_FIELDS for s in out["QuaTrinhXuLy"])
    assert portal.export(store, date(2026, 11, 23), date(2026, 11, 30))["SoLuong"] == "2"
    with pytest.raises(CounterError):
        portal.export(store, date(2026, 11, 30), date(2026, 11, 23))


def test_scanned_papers_are_urls_the_portal_can_fetch(store, tmp_path):
    from counter.services import digitize as dg
    from tests.helpers.images import jpeg

    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    result = dg.save_pages(store, clerk, code, 1, dg.import_pages([jpeg(tmp_path / "a.jpg")]))
    out = portal.export(store, date(2026, 11, 23), date(2026, 11, 23))
    [first, *_] = out["DanhSachHoSo"][0]["TaiLieuNop"]
    assert first["TepDinhKemId"] == result.sha256 and first["DuocSoHoa"] == "1"
    assert first["DuongDanTaiTepTin"].endswith(f"/portal/files/{result.sha256}")
    assert first["DuongDanTaiTepTin"].startswith("http")
    assert out["DanhSachHoSo"][0]["HoSoCoThanhPhanSoHoa"] == "1"


def test_cli_export_portal(store, tmp_path):
    receive(store, actor_for(store, "canbo"))
    target = tmp_path / "portal.json"
    runner = CliRunner()
    login = {"COUNTER_USER": "giamsat", "COUNTER_PASSWORD": PASSWORD}  # issue 14: it names every applicant
    result = runner.invoke(app, ["export", "portal", "--from", "2026-11-23", "--to", "2026-11-23", "--out",
                                 str(target), "--data-dir", str(store.data_dir)], env=login)
    assert result.exit_code == 0, result.output
    assert "Đã xuất 1 hồ sơ" in result.output
    assert json.loads(target.read_text("utf-8"))["DanhSachHoSo"][0]["NgayTiepNhan"] == "20261123090000"
    bad = runner.invoke(app, ["export", "portal", "--from", "23/11/2026", "--to", "2026-11-23",
                              "--data-dir", str(store.data_dir)], env=login)
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output


def test_cli_sync_status_and_setup(store):
    runner = CliRunner()
    d = str(store.data_dir)
    result = runner.invoke(app, ["sync", "status", "--data-dir", d])
    assert result.exit_code == 0 and "chưa cài đặt" in result.output
    once = runner.invoke(app, ["sync", "--once", "--data-dir", d])
    assert once.exit_code == 1 and "counter sync setup" in once.output
    admin = {"COUNTER_USER": "quantri", "COUNTER_PASSWORD": PASSWORD}  # issue 14: setup needs an admin login
    bad = runner.invoke(app, ["sync", "setup", "--url", "ftp://x", "--token", "t", "--data-dir", d], env=admin)
    assert bad.exit_code == 1 and "http://" in bad.output
    ok = runner.invoke(app, ["sync", "setup", "--url", "http://127.0.0.1:1", "--token", "t", "--data-dir", d],
                       env=admin)
    assert ok.exit_code == 0 and "chưa trả lời" in ok.output
    receive(store, actor_for(store, "canbo"))
    down = runner.invoke(app, ["sync", "--once", "--data-dir", d])
    assert down.exit_code == 1 and "hàng đợi vẫn giữ nguyên" in down.output
    status = runner.invoke(app, ["sync", "status", "--data-dir", d])
    assert "Chờ gửi: 1 sự kiện" in status.output and "Không kết nối được" in status.output
