"""Bad input on the public rating forms (issue 19, "What it must show"): markup, emoji, huge text, repeated
posts, a closed or cancelled dossier: a clear Vietnamese message, a 4xx, nothing stored (twice)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from counter.central import tables as t
from counter.central.app import create_app
from counter.domain.clock import FixedClock
from counter.services import dossiers, progress
from tests.central.conftest import add_token, auth, push_body, wire_events
from tests.conftest import NOW, actor_for, receive

RETURN = {"receiver_name": "Nguyễn Văn An", "receiver_id_number": "001090123456", "receiver_source": "typed",
          "papers": [{"name": "Giấy xác nhận", "count": 1}]}


@pytest.fixture
async def server(central_url, central_engine, station_store):
    app = create_app(central_url, clock=FixedClock(NOW + timedelta(hours=2)), migrate=False, track_rate=0,
                     pool_size=2)
    token = add_token(central_engine)
    seq = [0]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as client:
        async def push() -> None:
            evs = wire_events(station_store, seq[0])
            r = await client.post("/api/v1/events", json=push_body(station_store, evs), headers=auth(token))
            assert {x["status"] for x in r.json()["results"]} == {"accepted"}, r.text
            seq[0] = evs[-1]["station_seq"]

        yield client, central_engine, push
    app.state.engine.dispose()


def stored(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(x)).scalar_one()  # type: ignore[return-value]
                     for x in (t.ratings, t.complaints))


def token_of(store, code: str) -> str:
    return store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]


async def test_a_rating_with_markup_emoji_or_huge_text_is_refused_and_nothing_stored(server, station_store):
    client, engine, push = server
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk)
    progress.record_event(station_store, clerk, code, "resolved", {"note": "Giấy xác nhận"})
    dossiers.record(station_store, clerk, code, "returned", RETURN)
    await push()
    tok = token_of(station_store, code)
    cases = [
        ({"value": "<b>satisfied</b>"}, "chọn một mức đánh giá"),
        ({"value": "😡"}, "chọn một mức đánh giá"),
        ({"value": "satisfied" * 1500}, "chọn một mức đánh giá"),
        ({"value": "satisfied", "reason": "<script>alert(1)</script>"}, "không có trong danh sách"),
        ({"value": "satisfied", "reason": "Tuyệt vời 😍"}, "không có trong danh sách"),
        ({"value": "satisfied", "reason": "x" * 12_000}, "không có trong danh sách"),
        ({}, "chọn một mức đánh giá"),
    ]
    for fields, words in cases:
        r = await client.post(f"/t/{tok}/danh-gia", data=fields)
        assert r.status_code == 422 and words in r.text, (fields, r.status_code, r.text[-300:])
        assert "<script>" not in r.text and "😡" not in r.text and "<b>satisfied" not in r.text
    r = await client.post(f"/t/{tok}/danh-gia", content=b"value=satisfied&reason=" + b"a" * 20_000,
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and "quá lớn" in r.text
    r = await client.post(f"/t/{tok}/danh-gia", content=b"value=\xff\xfe",
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "không hợp lệ" in r.text
    assert stored(engine) == (0, 0)
    for _ in range(3):  # repeated posts of one answer: stored once
        r = await client.post(f"/t/{tok}/danh-gia", data={"value": "very_satisfied"})
    assert r.status_code == 409 and "đã được ghi nhận" in r.text and stored(engine) == (1, 0)


async def test_a_closed_or_cancelled_dossier_takes_no_rating(server, station_store):
    client, engine, push = server
    clerk = actor_for(station_store, "canbo")
    withdrawn = receive(station_store, clerk, name="Nguyễn Văn An")
    dossiers.record(station_store, clerk, withdrawn, "withdrawn", {"reason": "Công dân xin rút"})
    voided = receive(station_store, clerk, name="Trần Thị Bình")
    dossiers.void(station_store, actor_for(station_store, "giamsat"), voided, "Nhận nhầm thủ tục")
    await push()
    tok = token_of(station_store, withdrawn)
    page = (await client.get(f"/t/{tok}/y-kien")).text
    assert "không có kết quả để đánh giá" in page and 'action="/t/' + tok + '/danh-gia"' not in page
    r = await client.post(f"/t/{tok}/danh-gia", data={"value": "satisfied"})
    assert r.status_code == 409 and "Hồ sơ đã kết thúc (công dân yêu cầu rút hồ sơ)" in r.text
    assert "gửi phản ánh" in r.text  # what the citizen can still do
    gone = token_of(station_store, voided)
    r = await client.post(f"/t/{gone}/danh-gia", data={"value": "satisfied"})
    assert r.status_code == 409 and "đã bị hủy" in r.text
    r = await client.post(f"/t/{gone}/phan-anh", data={"category": "complaint", "about": "dossier",
                                                       "text": "Hồ sơ của tôi bị hủy mà không ai báo."})
    assert r.status_code == 409 and "đã bị hủy" in r.text
    assert stored(engine) == (0, 0)
    # a complaint about the withdrawn dossier is still taken, once
    text = "Cán bộ không giải thích vì sao phải rút hồ sơ."
    for _ in range(2):
        r = await client.post(f"/t/{tok}/phan-anh", data={"category": "complaint", "about": "staff", "text": text})
    assert r.status_code == 409 and "đã được gửi" in r.text and stored(engine) == (0, 1)
