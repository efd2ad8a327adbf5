"""Issue 15: online dossiers from the national portal (POST /api/v1/portal/dossiers, DongBoHoSoMC), made by the
office's online desk through the same ingest as a station's push, pulled by the stations. Files come from a real
HTTP server on 127.0.0.1; each bad dossier is rejected alone, in Vietnamese, and stores nothing."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import sqlalchemy as sa

from counter.central import tables as t
from counter.central import tokens
from counter.central.app import create_app
from counter.central.online import OnlineConfig
from counter.central.tokens import desk_station_id
from counter.domain.clock import FixedClock
from tests.central.conftest import add_token, auth
from tests.conftest import NOW, OFFICE
from tests.helpers.images import blank_pdf

pytestmark = pytest.mark.pg

MAX_FILE = 200_000


def pdf_bytes(pages: int = 1, pad: int = 0) -> bytes:
    return blank_pdf(pages, pad=pad)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FILES = {"/a.pdf": pdf_bytes(2), "/b.pdf": pdf_bytes(1), "/c.png": PNG, "/note.txt": b"hello, not a pdf",
         "/fake.pdf": b"%PDF-1.7 this is not really a pdf", "/big.pdf": pdf_bytes(1, pad=MAX_FILE)}


class _Files(BaseHTTPRequestHandler):
    def do_GET(self):
        data = FILES.get(self.path.split("?")[0])
        if data is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def file_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
async def portal(central_url, central_engine, file_server):
    """(client, engine, portal token, file server URL)."""
    host = file_server.removeprefix("http://")
    cfg = OnlineConfig(file_hosts=(host,), max_file_bytes=MAX_FILE, max_dossier_bytes=3 * MAX_FILE)
    app = create_app(central_url, clock=FixedClock(NOW + timedelta(minutes=5)), migrate=False, track_rate=0,
                     pool_size=2, online=cfg)
    token = tokens.add(central_engine, OFFICE, 0, NOW, portal=True)[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://central") as client:
        yield client, central_engine, token, file_server
    app.state.engine.dispose()


def dossier(n: int, files_url: str, **over) -> dict:
    d = {"MaHoSo": f"000.00.15.H56-261123-{n:04d}", "MaTTHC": "1.001193", "TenTTHC": "Đăng ký khai sinh",
         "MaLinhVuc": "", "TenLinhVuc": "Hộ tịch", "KenhThucHien": "2", "ChuHoSo": "Nguyễn Văn An",
         "LoaiDoiTuong": "1", "MaDoiTuong": "001090123456", "ThongTinKhac": "", "Email": "an@example.vn", "Fax": "",
         "SoDienThoai": "0912345678", "TrichYeuHoSo": "Khai sinh cho con", "NgayTiepNhan": "", "NgayHenTra": "",
         "TrangThaiHoSo": "1", "NgayTra": "", "NgayNopHoSo": "20261123083000",
         "TaiLieuNop": [{"TepDinhKemId": "1", "TenTepDinhKem": "to-khai.pdf", "IsDeleted": "0",
                         "MaThanhPhanHoSo": "1", "DuongDanTaiTepTin": f"{files_url}/a.pdf"},
                        {"TepDinhKemId": "2", "TenTepDinhKem": "chung-sinh.pdf", "IsDeleted": "0",
                         "MaThanhPhanHoSo": "2", "DuongDanTaiTepTin": f"{files_url}/b.pdf"}]}
    d.update(over)
    return d


def body(*dossiers: dict) -> dict:
    return {"service": "DongBoHoSoMC", "isUpdating": False, "data": list(dossiers)}


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(x)).scalar() for x in
                     (t.events, t.dossiers, t.blobs))


async def post(client, token, payload):
    return await client.post("/api/v1/portal/dossiers", json=payload, headers=auth(token))


async def test_a_good_batch_is_accepted_and_pulled_by_a_station(portal):
    client, engine, token, files = portal
    r = await post(client, token, body(dossier(1, files), dossier(2, files, TaiLieuNop=[
        {"TenTepDinhKem": "anh.png", "MaThanhPhanHoSo": "Giấy chứng sinh (hoặc văn bản của người làm chứng / giấy "
         "cam đoan)", "DuongDanTaiTepTin": f"{files}/c.png"}])))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["error_code"] == 0
    assert [(x["MaHoSo"], x["outcome"]) for x in out["result"]] == [
        ("000.00.15.H56-261123-0001", "accepted"), ("000.00.15.H56-261123-0002", "accepted")]
    station = add_token(engine)
    pulled = (await client.get("/api/v1/events?after=", headers=auth(station))).json()["events"]
    assert [e["kind"] for e in pulled] == ["registered", "registered"]
    first = pulled[0]
    assert first["station_id"] == desk_station_id(OFFICE) and first["office_seq"] == 1
    p = first["payload"]
    assert (p["code"], p["channel"], p["source"], p["assisted"]) == ("000.00.15.H56-261123-0001", 2, "portal", False)
    assert [(f["name"], f["pages"], f["mime"], f["paper"]) for f in p["files"]] == [
        ("to-khai.pdf", 2, "application/pdf", "Tờ khai đăng ký khai sinh"),
        ("chung-sinh.pdf", 1, "application/pdf",
         "Giấy chứng sinh (hoặc văn bản của người làm chứng / giấy cam đoan)")]
    assert pulled[1]["payload"]["files"][0]["paper"].startswith("Giấy chứng sinh")
    # the file itself, for the station, checked by its hash
    blob = await client.get(f"/api/v1/blobs/{p['files'][0]['sha256']}", headers=auth(station))
    assert blob.status_code == 200 and hashlib.sha256(blob.content).hexdigest() == p["files"][0]["sha256"]
    assert (await client.get(f"/api/v1/blobs/{p['files'][0]['sha256']}")).status_code == 401
    # the desk's chain: the second event stands on the first's hash
    assert pulled[1]["prev_hash"] == first["hash"] and pulled[1]["station_seq"] == 2
    # the public page shows the dossier from its filing
    with engine.connect() as conn:
        tok = conn.execute(sa.select(t.dossiers.c.token).where(t.dossiers.c.code == p["code"])).scalar()
    page = await client.get(f"/t/{tok}")
    assert page.status_code == 200 and "Mới đăng ký" in page.text


async def test_a_repeat_is_duplicate_and_other_content_is_rejected(portal):
    client, engine, token, files = portal
    one = dossier(7, files)
    assert (await post(client, token, body(one))).json()["result"][0]["outcome"] == "accepted"
    before = counts(engine)
    again = (await post(client, token, body(copy.deepcopy(one)))).json()["result"][0]
    assert again["outcome"] == "duplicate" and again["MaHoSo"] == one["MaHoSo"]
    other = (await post(client, token, body(dossier(7, files, ChuHoSo="Trần Thị Bình")))).json()["result"][0]
    assert other["outcome"] == "rejected" and "nội dung khác" in other["message"]
    assert counts(engine) == before  # nothing stored by either


BAD = [
    ({"MaHoSo": ""}, "thiếu MaHoSo"),
    ({"MaHoSo": "HS-0001"}, "không đúng dạng"),
    ({"MaTTHC": ""}, "thiếu MaTTHC"),
    ({"MaTTHC": "9.999999"}, "không có trong danh mục trực tuyến"),
    ({"MaTTHC": "2.000884"}, "không có trong danh mục trực tuyến"),  # chứng thực chữ ký: not online
    ({"TrangThaiHoSo": "2"}, "chỉ nhận hồ sơ mới đăng ký"),
    ({"TrangThaiHoSo": "abc"}, "TrangThaiHoSo"),
    ({"KenhThucHien": "1"}, "KenhThucHien phải là 2"),
    ({"LoaiDoiTuong": "9"}, "LoaiDoiTuong"),
    ({"MaDoiTuong": "12345"}, "MaDoiTuong"),
    ({"SoDienThoai": "abc"}, "SoDienThoai"),
    ({"Email": "not-an-email"}, "Email"),
    ({"NgayNopHoSo": "2026-11-23"}, "yyyyMMddHHmmss"),
    ({"ChuHoSo": ""}, "thiếu ChuHoSo"),
    ({"ChuHoSo": "<script>"}, "ChuHoSo"),
    ({"SoDienThoai": 912345678}, "phải là chuỗi"),
    ({"TaiLieuNop": "a.pdf"}, "TaiLieuNop phải là danh sách"),
    ({"TaiLieuNop": []}, "không có tệp nào"),
    ({"TaiLieuNop": ["x"]}, "không phải đối tượng"),
    ({"TaiLieuNop": [{"TenTepDinhKem": "a.pdf"}]}, "thiếu DuongDanTaiTepTin"),
]


@pytest.mark.parametrize("change, why", BAD)
async def test_each_malformed_field_rejects_that_dossier_alone(portal, change, why):
    client, engine, token, files = portal
    before = counts(engine)
    r = await post(client, token, body(dossier(20, files, **change), dossier(21, files)))
    assert r.status_code == 200
    bad, good = r.json()["result"]
    assert bad["outcome"] == "rejected" and why in bad["message"], bad["message"]
    assert good["outcome"] == "accepted"
    events, dossiers, _ = counts(engine)
    assert (events, dossiers) == (before[0] + 1, before[1] + 1)  # only the good one


@pytest.mark.parametrize("path, why", [("/missing.pdf", "HTTP 404"), ("/note.txt", "không phải PDF"),
                                       ("/fake.pdf", "PDF bị hỏng"), ("/big.pdf", "quá lớn")])
async def test_a_bad_file_rejects_the_dossier_and_stores_nothing(portal, path, why):
    client, engine, token, files = portal
    before = counts(engine)
    d = dossier(30, files)
    d["TaiLieuNop"][1]["DuongDanTaiTepTin"] = files + path  # the first file is good: it is not kept either
    r = (await post(client, token, body(d))).json()["result"][0]
    assert r["outcome"] == "rejected" and why in r["message"], r["message"]
    assert counts(engine) == before


async def test_files_only_from_configured_hosts(portal):
    client, _engine, token, files = portal
    d = dossier(31, files)
    d["TaiLieuNop"][0]["DuongDanTaiTepTin"] = "http://169.254.169.254/latest/meta-data"
    r = (await post(client, token, body(d))).json()["result"][0]
    assert r["outcome"] == "rejected" and "không nằm trong danh sách được phép" in r["message"]
    d["TaiLieuNop"][0]["DuongDanTaiTepTin"] = "file:///etc/passwd"
    assert "chỉ http/https" in (await post(client, token, body(d))).json()["result"][0]["message"]


@pytest.mark.parametrize("payload, why", [
    ({"service": "TraCuuHoSo", "isUpdating": False, "data": []}, "DongBoHoSoMC"),
    ({"service": "DongBoHoSoMC", "isUpdating": True, "data": []}, "isUpdating"),
    ({"service": "DongBoHoSoMC", "isUpdating": False, "data": {}}, "danh sách"),
    ([1, 2], "đối tượng JSON"),
])
async def test_a_bad_body_is_a_422_in_vietnamese(portal, payload, why):
    client, _engine, token, _files = portal
    r = await post(client, token, payload)
    assert r.status_code == 422 and why in r.json()["message"] and r.json()["error_code"] == 1


async def test_credentials(portal):
    client, engine, token, files = portal
    r = await client.post("/api/v1/portal/dossiers", content=b"{", headers=auth(token))
    assert r.status_code == 422 and "JSON" in r.json()["message"]
    assert (await client.post("/api/v1/portal/dossiers", json=body())).status_code == 401
    station = add_token(engine)
    r = await post(client, station, body(dossier(40, files)))
    assert r.status_code == 403 and "máy trạm" in r.json()["message"]
    # the portal's credential is not a station's
    r = await client.get("/api/v1/events?after=", headers=auth(token))
    assert r.status_code == 403 and "Cổng DVCQG" in r.json()["detail"]


async def test_a_station_cannot_push_as_the_desk_or_write_the_desks_kinds(portal):
    from tests.central.conftest import make_event

    client, engine, _token, _files = portal
    station = add_token(engine)
    desk = desk_station_id(OFFICE)
    e = make_event(station=desk, seq=1, prev_hash="0" * 64, dossier_id="x", parent=None, kind="note_added",
                   payload={"text": "x"})
    r = await client.post("/api/v1/events", json={"station_id": desk, "events": [e]}, headers=auth(station))
    assert r.status_code == 403 and "bàn trực tuyến" in r.json()["detail"]


@pytest.mark.slow
async def test_a_batch_of_500(portal):
    client, engine, token, files = portal
    batch = [dossier(n, files) for n in range(1, 501)]
    r = await client.post("/api/v1/portal/dossiers", content=json.dumps(body(*batch)), headers=auth(token),
                          timeout=600)
    out = r.json()["result"]
    assert len(out) == 500 and {x["outcome"] for x in out} == {"accepted"}
    events, dossiers, blobs = counts(engine)
    assert (events, dossiers, blobs) == (500, 500, 2)  # the same two files, stored once
