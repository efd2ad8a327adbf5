"""Ratings and complaints on the central server (issue 19): the public forms behind the tracking page, their
abuse limits and bad input (a Vietnamese message, a 4xx, nothing stored twice), the supervisors' API, the
counter's ratings arriving by sync, the rating report and the 766 ratios."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from counter.central import tables as t
from counter.central import voice
from counter.central.app import create_app
from counter.domain.clock import FixedClock
from counter.services import dossiers, progress
from tests.central.conftest import add_token, auth, push_body, wire_events
from tests.conftest import NOW, OFFICE, actor_for, receive
from tests.helpers.central import RETURN, returned, token_of

@pytest.fixture
async def server(central_url, central_engine, station_store):
    """(client, engine, push): the app in process; push() sends the station's new events."""
    clock = FixedClock(NOW + timedelta(hours=2))
    app = create_app(central_url, clock=clock, migrate=False, track_rate=0, pool_size=2, complaint_days=5)
    token = add_token(central_engine)
    seq = [0]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as client:
        async def push() -> None:
            evs = wire_events(station_store, seq[0])
            r = await client.post("/api/v1/events", json=push_body(station_store, evs), headers=auth(token))
            assert {x["status"] for x in r.json()["results"]} == {"accepted"}, r.text
            seq[0] = evs[-1]["station_seq"]

        client.token = token
        client.clock = clock
        yield client, central_engine, push
    app.state.engine.dispose()


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


async def test_rating_on_the_tracking_page_one_per_channel_a_change_keeps_both(server, station_store):
    client, engine, push = server
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk)
    await push()
    tok = token_of(station_store, code)
    page = (await client.get(f"/t/{tok}")).text
    assert f'href="/t/{tok}/y-kien"' in page  # the tracking page leads to the rating page
    r = await client.post(f"/t/{tok}/danh-gia", data={"value": "satisfied"})
    assert r.status_code == 409 and "chưa trả kết quả" in r.text and count(engine, t.ratings) == 0
    returned(station_store, code)
    await push()
    r = await client.post(f"/t/{tok}/danh-gia", data={"value": "satisfied", "reason": "fast"})
    assert r.status_code == 303 and r.headers["location"] == f"/t/{tok}/y-kien?ok=danh-gia"
    page = (await client.get(r.headers["location"])).text
    assert "Cảm ơn ông/bà đã đánh giá" in page and "Ông/bà đã đánh giá: <b>Hài lòng</b>" in page
    r = await client.post(f"/t/{tok}/danh-gia", data={"value": "satisfied", "reason": "fast"})  # posted twice
    assert r.status_code == 409 and "đã được ghi nhận" in r.text and count(engine, t.ratings) == 1
    r = await client.post(f"/t/{tok}/danh-gia", data={"value": "kinda"})
    assert r.status_code == 422 and "chọn một mức đánh giá" in r.text
    r = await client.post(f"/t/{tok}/danh-gia", data={"value": "unsatisfied", "reason": "late"})
    assert r.status_code == 303
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.ratings.c.value, t.ratings.c.current, t.ratings.c.staff, t.ratings.c.channel)
                            .order_by(t.ratings.c.id)).all()
    assert [tuple(x) for x in rows] == [("satisfied", False, "canbo", "web"), ("unsatisfied", True, "canbo", "web")]
    # at the counter: a "rated" event, synced; its own channel
    dossiers.record(station_store, clerk, code, "rated", {"value": "very_satisfied", "reason": "helpful"})
    await push()
    r = await client.get("/api/v1/voice/ratings", headers=auth(client.token))
    got = sorted((x["staff"], x["procedure_code"], x["channel"], x["value"], x["n"]) for x in r.json()["ratings"])
    assert got == [("canbo", "1.001193", "counter", "very_satisfied", 1), ("canbo", "1.001193", "web", "unsatisfied", 1)]
    r = await client.get("/api/v1/voice/scorecard", headers=auth(client.token))
    assert r.json()["5.4"] == [1, 2]  # 5.4: satisfied ratings of dossiers (domain.md numbering)


async def test_complaint_bad_input_gets_a_message_a_4xx_and_nothing_stored(server, station_store):
    client, engine, push = server
    code = receive(station_store, actor_for(station_store, "canbo"))
    await push()
    tok = token_of(station_store, code)
    base = {"category": "complaint", "about": "staff"}
    cases = [
        ({"text": "Chờ quá lâu. " * 300}, 422, "quá dài"),
        ({"text": "Xem <script>alert(1)</script> nhé"}, 422, "không được chứa mã HTML"),
        ({"text": "Rất tệ 😡😡 không ai hướng dẫn"}, 422, "biểu tượng cảm xúc"),
        ({"text": "ngắn"}, 422, "quá ngắn"),
        ({"text": "Cán bộ không hướng dẫn", "category": "spam"}, 422, "phản ánh hoặc kiến nghị"),
    ]
    for fields, status, words in cases:
        r = await client.post(f"/t/{tok}/phan-anh", data={**base, **fields})
        assert r.status_code == status and words in r.text, (fields, r.status_code, r.text[-300:])
        assert "<script>" not in r.text
    r = await client.post(f"/t/{tok}/phan-anh", content=b"text=" + b"a" * 20_000,
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and "quá lớn" in r.text
    r = await client.post("/t/KHONGCOMATHATNAYDAUKHONGCOMAAA/phan-anh", data={**base, "text": "Cán bộ vắng mặt"})
    assert r.status_code == 404 and "Không tìm thấy hồ sơ" in r.text
    assert count(engine, t.complaints) == 0
    text = "Cán bộ tiếp nhận không hướng dẫn đầy đủ, tôi phải đi lại hai lần."
    r = await client.post(f"/t/{tok}/phan-anh", data={**base, "text": text})
    assert r.status_code == 303
    r = await client.post(f"/t/{tok}/phan-anh", data={**base, "text": text})  # the same post again
    assert r.status_code == 409 and "đã được gửi" in r.text and count(engine, t.complaints) == 1
    for i in range(2):
        assert (await client.post(f"/t/{tok}/phan-anh", data={**base, "text": f"{text} Lần {i + 2}."})).status_code == 303
    r = await client.post(f"/t/{tok}/phan-anh", data={**base, "text": f"{text} Lần nữa."})
    assert r.status_code == 429 and "nhiều phản ánh" in r.text and count(engine, t.complaints) == 3
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.complaints).order_by(t.complaints.c.id)).first()
    assert row.code == f"PA-{OFFICE}-261123-001" and row.status == "open"
    assert row.deadline_at == voice.deadline(client.clock.now(), 5)
    # 5 working days from Mon 23/11: Tue 24/11 is Vietnam's Culture Day (off), so Wed 25 ... Tue 1/12
    assert row.deadline_at.astimezone(NOW.tzinfo).strftime("%d/%m %H:%M") == "01/12 17:00"


async def test_supervisor_answers_and_the_page_shows_it_then_the_citizen_rates_the_handling(server, station_store):
    client, _engine, push = server
    code = receive(station_store, actor_for(station_store, "canbo"))
    await push()
    tok = token_of(station_store, code)
    r = await client.post(f"/t/{tok}/phan-anh", data={"category": "suggestion", "about": "procedure",
                                                     "text": "Đề nghị cho nộp bản sao điện tử thay bản giấy."})
    assert r.status_code == 303
    listed = (await client.get("/api/v1/voice/complaints?status=open", headers=auth(client.token))).json()["complaints"]
    assert len(listed) == 1 and listed[0]["dossier_code"] == code
    pa = listed[0]["code"]
    r = await client.post(f"/t/{tok}/phan-anh/{pa}/danh-gia", data={"value": "satisfied"})
    assert r.status_code == 409 and "chưa được trả lời" in r.text
    r = await client.post(f"/api/v1/voice/complaints/{pa}", headers=auth(client.token),
                          json={"action": "answer", "by": "canbo", "answer": "Xin cảm ơn."})
    assert r.status_code == 403 and "lãnh đạo / giám sát" in r.json()["detail"]
    r = await client.post(f"/api/v1/voice/complaints/{pa}", headers=auth(client.token),
                          json={"action": "close", "by": "giamsat"})
    assert r.status_code == 409
    r = await client.post(f"/api/v1/voice/complaints/{pa}", headers=auth(client.token),
                          json={"action": "assign", "by": "giamsat", "owner": "canbo"})
    assert r.status_code == 200 and r.json()["status"] == "assigned" and r.json()["owner"] == "canbo"
    r = await client.post(f"/api/v1/voice/complaints/{pa}", headers=auth(client.token),
                          json={"action": "answer", "by": "giamsat", "answer": "Cơ quan đã ghi nhận, sẽ áp dụng từ tháng sau."})
    assert r.status_code == 200 and r.json()["status"] == "answered"
    page = (await client.get(f"/t/{tok}/y-kien")).text
    assert "Cơ quan đã ghi nhận, sẽ áp dụng từ tháng sau." in page and "Đã trả lời" in page
    r = await client.post(f"/t/{tok}/phan-anh/{pa}/danh-gia", data={"value": "very_satisfied"})
    assert r.status_code == 303
    r = await client.post(f"/t/{tok}/phan-anh/{pa}/danh-gia", data={"value": "unsatisfied"})
    assert r.status_code == 409 and "đã đánh giá" in r.text
    r = await client.post(f"/api/v1/voice/complaints/{pa}", headers=auth(client.token),
                          json={"action": "close", "by": "giamsat"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = await client.post(f"/api/v1/voice/complaints/{pa}", headers=auth(client.token),
                          json={"action": "answer", "by": "giamsat", "answer": "Thêm nữa."})
    assert r.status_code == 409 and "đã kết thúc" in r.json()["detail"]
    card = (await client.get("/api/v1/voice/scorecard", headers=auth(client.token))).json()
    assert card["5.2"] == [1, 1] and card["5.3"] == [1, 1]  # answered on time, handling rated satisfied
    assert (await client.get("/api/v1/voice/complaints")).status_code == 401


# --- bad input on the rating forms (issue 19, "What it must show"): markup, emoji, huge text, repeated posts,
# a closed or cancelled dossier: a clear Vietnamese message, a 4xx, nothing stored (twice)

def stored(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(x)).scalar_one()  # type: ignore[return-value]
                     for x in (t.ratings, t.complaints))


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
