"""Issue 16: the national portal's objects (domain/portal.py) and the mapping tables (domain/portal_codes.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain.errors import CounterError
from counter.domain.lifecycle import Event, allowed_kinds
from counter.domain.portal import (DOCUMENT_FIELDS, FIELDS, STEP_FIELDS, PortalContext, dossier_object, fold,
                                   is_step, step_object, strings_only)
from counter.domain.portal_codes import PortalCodes, check_entry
from tests.helpers.events import T0, payload_for

DATE = re.compile(r"^(\d{14})?$")
DATE_KEYS = {"NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy", "NgayTuChoi", "NgayNopHoSo",
             "ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh", "NgayBoSung", "NgayTiepNhanBoSung",
             "NgayHenTraTruoc", "NgayHenTraMoi"}


def _dates(value):
    if isinstance(value, dict):
        for k, v in value.items():
            if k in DATE_KEYS:
                yield v
            yield from _dates(v)
    elif isinstance(value, list):
        for v in value:
            yield from _dates(v)


def _walk(choices):
    items = []
    state = None
    kind = "received"
    for n, pick in enumerate([0, *choices]):
        if n:
            kinds = [k for k in allowed_kinds(state.status) if k not in ("received", "refused", "registered",
                                                                          "corrected")]
            if not kinds:
                break
            kind = kinds[pick % len(kinds)]
        payload = payload_for(kind, n, state)
        if kind == "document_scanned":
            payload = {"position": 1, "name": "Tờ khai", "blobs": ["ab" * 32], "pages": 1, "digitization": 1}
        if kind == "received":
            payload = {**payload, "papers": [{"name": "Tờ khai", "originals": 1}, {"name": "Giấy chứng sinh"}]}
        items.append((Event(f"e{n}", kind, T0 + timedelta(hours=n), 1, "s1", payload), "Nguyễn Thị Hoa", "clerk"))
        state, _ = fold(items)
    return fold(items)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=50), max_size=12))
def test_any_dossier_life_gives_strings_only_in_the_portal_shape(choices):
    state, events = _walk(choices)
    ctx = PortalContext(office_name="Bộ phận Một cửa", file_base="https://motcua.example.vn/")
    obj = dossier_object(state, events, ctx)
    assert tuple(obj) == FIELDS and strings_only(obj)
    assert all(tuple(d) == DOCUMENT_FIELDS for d in obj["TaiLieuNop"])
    assert all(DATE.match(v) for v in _dates(obj))
    assert obj["TrangThaiHoSo"] == str(int(state.status))
    steps = [step_object(state, e, ctx) for e in events if is_step(e.kind)]
    assert all(tuple(s) == STEP_FIELDS and strings_only(s) for s in steps)
    assert all(DATE.match(v) for s in steps for v in _dates(s))
    assert steps[0]["TrangThai"] == "2" and steps[-1]["TrangThai"] == str(int(events[-1].status))
    scanned = [d for d in obj["TaiLieuNop"] if d["DuocSoHoa"] == "1"]
    assert all(d["DuongDanTaiTepTin"] == f"https://motcua.example.vn/portal/files/{'ab' * 32}" for d in scanned)
    assert obj["HoSoCoThanhPhanSoHoa"] == ("1" if scanned else "0")


def test_supplement_and_post_return_fields():
    kinds = ["supplement_requested", "supplement_received", "resolved", "returned"]
    items = []
    for n, kind in enumerate(["received", *kinds]):
        payload = payload_for(kind, n)
        items.append((Event(f"e{n}", kind, T0 + timedelta(hours=n), 1, "s1", payload), "Trần An", "clerk"))
    state, events = fold(items)
    obj = dossier_object(state, events, PortalContext(office_name="UBND xã"))
    [sup] = obj["DanhSachHoSoBoSung"]
    assert sup["NoiDungBoSung"] == "Thiếu giấy tờ" and sup["TrangThaiBoSung"] == "1"
    assert sup["NgayBoSung"] == "20261123100000" and sup["NgayTiepNhanBoSung"] == "20261123110000"
    assert sup["DanhSachGiayToBoSung"] == [{"TenGiayTo": "Giấy chứng sinh", "SoLuong": "1"}]
    assert obj["HinhThuc"] == "1" and obj["ThongTinTra"] == "Gửi qua bưu chính, số hiệu EE123456789VN"
    assert obj["TrangThaiHoSo"] == "10" and obj["NgayTra"] == "20261123130000"


@pytest.mark.parametrize(("kind", "ours", "theirs", "expect"), [
    ("procedure", " 1.001193 ", "1.001193.000.00.00.H55", ("procedure", "1.001193", "1.001193.000.00.00.H55")),
    ("STATUS", "09", "9", ("status", "9", "9")),
    ("field", "Hộ tịch", "G09-TP08", ("field", "Hộ tịch", "G09-TP08")),
])
def test_check_entry_cleans(kind, ours, theirs, expect):
    assert check_entry(kind, ours, theirs) == expect


@pytest.mark.parametrize(("kind", "ours", "theirs", "words"), [
    ("thutuc", "1", "2", "Loại bảng ánh xạ không hợp lệ"),
    ("status", "11", "x", "từ 1 đến 10"),
    ("status", "abc", "x", "từ 1 đến 10"),
    ("procedure", "", "x", "Thiếu mã thủ tục của hệ thống"),
    ("procedure", "1.001193", " ", "Thiếu mã thủ tục của Cổng DVCQG"),
    ("procedure", "1.001193", "x" * 65, "không hợp lệ"),
    ("procedure", "1.0\x1b01", "x", "không hợp lệ"),
])
def test_check_entry_refuses_in_vietnamese(kind, ours, theirs, words):
    with pytest.raises(CounterError, match=words):
        check_entry(kind, ours, theirs)


@given(st.dictionaries(st.from_regex(r"[0-9.]{1,12}", fullmatch=True), st.from_regex(r"[0-9A-Z.]{1,20}", fullmatch=True)))
def test_mapping_both_ways(table):
    codes = PortalCodes.from_rows(("procedure", k, v) for k, v in table.items())
    for ours, theirs in table.items():
        assert codes.procedure(ours) == theirs
        assert codes.procedure(codes.ours("procedure", theirs)) == theirs
    assert codes.procedure("9.999999x") == "9.999999x"  # no row: sent as it is
    assert codes.status(4) == "4" and codes.field("Hộ tịch") == ""


def test_our_status_from_the_portal():
    codes = PortalCodes.from_rows([("status", "9", "DA_XU_LY")])
    assert codes.our_status("DA_XU_LY") == 9 and codes.our_status("4") == 4
    with pytest.raises(CounterError, match="chưa có trong bảng ánh xạ"):
        codes.our_status("LA")
