"""The server's Mẫu 01 of an online dossier names the office as a counter's does: the parent (UBND XÃ …) over the
office, and the place of "…, ngày … tháng … năm …", as the station sends them with each push. It printed the
office's name on both header lines and its street address as the place."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pydantic import ValidationError

from counter.domain import contracts
from counter.services import sync as sync_service
from tests.central.conftest import add_token, auth, station_id, wire_events
from tests.conftest import NOW, OFFICE, actor_for
from tests.helpers.online import online_dossier
from tests.helpers.printing import pdf_text
from tests.helpers.store import append, dossier

pytestmark = pytest.mark.pg


async def test_the_servers_mau_01_has_the_parent_the_office_and_the_place_the_station_sent(
        central, station_store, tmp_path):
    client, engine = central
    code = online_dossier(station_store, actor_for(station_store, "canbo"), files=[])  # no uploads to send first
    due = NOW + timedelta(days=5)
    append(station_store, "canbo", code, "received", {"due_at": due.isoformat(), "book": "2026", "book_no": "1"})
    with station_store.read() as s:
        office = sync_service._office_wire(s, OFFICE)  # what a push carries of the office
    assert office["parent_name"] == "UBND XÃ PHỤC LINH" and office["place_name"] == "Phục Linh"
    body = {"station_id": station_id(station_store), "office": office, "events": wire_events(station_store)}
    pushed = await client.post("/api/v1/events", json=body, headers=auth(add_token(engine)))
    assert pushed.status_code == 200 and {r["status"] for r in pushed.json()["results"]} == {"accepted"}

    token = dossier(station_store, code)["token"]
    pdf = await client.get(f"/t/{token}/mau-01.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.content, tmp_path)
    first = text[:text.index("GIẤY TIẾP NHẬN")]  # the header, above the title (two copies follow)
    assert first.count("UBND XÃ PHỤC LINH") == 1, first
    assert first.upper().count("BỘ PHẬN MỘT CỬA") == 1, first  # the office once, under its parent
    assert "Phục Linh, ngày" in first and "Thôn" not in first, first


def test_a_bad_office_line_is_refused_in_vietnamese_naming_the_field():
    body = {"station_id": "s", "events": [],
            "office": {"parent_name": "x" * 400, "place_name": "Phục\x01Linh", "phone": 5, "address": "a\nb"}}
    try:
        contracts.PUSH_REQUEST.validate_python(body)
    except ValidationError as exc:
        messages = contracts.vi_messages(exc)
    assert sorted(messages) == sorted([
        "cơ quan chủ quản (thông tin cơ quan) quá dài (tối đa 300)",
        "địa danh (thông tin cơ quan): chứa ký tự điều khiển không hợp lệ (U+0001)",
        "số điện thoại (thông tin cơ quan) sai kiểu dữ liệu (5)",
        "địa chỉ (thông tin cơ quan): chứa ký tự điều khiển không hợp lệ (U+000A)"]), messages
