"""The public tracking page and its JSON twin: what shows, what never shows, unknown tokens, the rate limit."""

from __future__ import annotations

import httpx
from hypothesis import given, strategies as st

from counter.central.app import create_app
from counter.central.track import RateLimiter, mask_name, mask_word
from counter.services import dossiers
from tests.central.conftest import OFFICE_INFO, add_token, auth, push_body, wire_events
from tests.conftest import actor_for, receive

SECRET_ID, SECRET_PHONE, SECRET_ADDRESS = "001090123456", "0912345678", "Số 7 ngõ 12 phố Hàng Bông"


def _token_of(store, code: str) -> str:
    return store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]


async def _sync(client, store, token, after=0):
    evs = wire_events(store, after)
    r = await client.post("/api/v1/events", json=push_body(store, evs), headers=auth(token))
    assert r.status_code == 200 and all(x["status"] == "accepted" for x in r.json()["results"]), r.text
    return evs[-1]["station_seq"]


async def test_page_shows_the_dossier_and_never_the_private_fields(central, station_store):
    client, engine = central
    token = add_token(engine)
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk, name="Nguyễn Văn An", id_number=SECRET_ID, phone=SECRET_PHONE,
                   address=SECRET_ADDRESS)
    dossiers.record(station_store, clerk, code, "note_added", {"text": "Ghi chú nội bộ bí mật"})
    seq = await _sync(client, station_store, token)
    tracking = _token_of(station_store, code)

    r = await client.get(f"/t/{tracking}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for shown in (code, "Được tiếp nhận", "Ng*** V** A*", OFFICE_INFO["name"], OFFICE_INFO["phone"],
                  "Tiếp nhận hồ sơ", "Đăng ký khai sinh", "23/11/2026", 'name="viewport"'):
        assert shown in page, shown
    for hidden in (SECRET_ID, SECRET_PHONE, SECRET_ADDRESS, "Nguyễn Văn An", "bí mật", OFFICE_INFO["address"]):
        assert hidden not in page, hidden
    j = (await client.get(f"/api/v1/track/{tracking}")).json()
    assert j["code"] == code and j["status"] == 2 and j["status_label"] == "Được tiếp nhận"
    assert j["owner"] == "Ng*** V** A*" and j["office"]["phone"] == OFFICE_INFO["phone"]
    assert [s["kind"] for s in j["history"]] == ["received"]
    text = r.text + str(j)
    assert SECRET_ID not in text and SECRET_PHONE not in text and SECRET_ADDRESS not in text
    assert r.headers["cache-control"] == "no-store"

    # the dossier moves on at the counter; after the next sync the page says so
    for kind, payload in (("transferred", {"to": "Công chức Tư pháp - Hộ tịch"}), ("resolved", {}),
                          ("returned", {"receiver_name": "Nguyễn Văn An", "receiver_id_number": SECRET_ID,
                                       "receiver_source": "typed", "papers": [{"name": "Giấy khai sinh", "count": 1}]})):
        dossiers.record(station_store, clerk, code, kind, payload)
    await _sync(client, station_store, token, seq)
    page = (await client.get(f"/t/{tracking}")).text
    assert "Đã trả kết quả" in page and "Được tiếp nhận" not in page.split("Các bước")[0]
    j = (await client.get(f"/api/v1/track/{tracking.lower()}")).json()
    assert [s["kind"] for s in j["history"]] == ["received", "transferred", "resolved", "returned"]
    assert j["returned_at"] is not None


async def test_unknown_token_is_a_plain_not_found(central):
    client, _ = central
    for token in ("A" * 32, "not-a-token", "x" * 500):
        r = await client.get(f"/t/{token}")
        assert r.status_code == 404 and "Không tìm thấy" in r.text
        r = await client.get(f"/api/v1/track/{token}")
        assert r.status_code == 404 and r.json()["detail"]


async def test_rate_limit_per_client(central_url, central_engine):
    app = create_app(central_url, migrate=False, track_rate=1.0, track_burst=3, pool_size=1)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.1", 1234)),
                                     base_url="http://central") as client:
            codes = [(await client.get("/t/" + "A" * 32)).status_code for _ in range(3)]
            assert codes == [404, 404, 404]
            r = await client.get("/t/" + "A" * 32)
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
            r = await client.get("/api/v1/track/" + "A" * 32)
            assert r.status_code == 429
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.2", 1234)),
                                     base_url="http://central") as other:
            assert (await other.get("/t/" + "A" * 32)).status_code == 404  # another client is not affected
    finally:
        app.state.engine.dispose()


def test_token_bucket_refills():
    now = [100.0]
    limiter = RateLimiter(rate=2.0, burst=2, monotonic=lambda: now[0])
    assert limiter.take("a") == 0 and limiter.take("a") == 0
    wait = limiter.take("a")
    assert wait > 0 and limiter.retry_after(wait) == "1"
    now[0] += 0.5
    assert limiter.take("a") == 0
    assert limiter.take("a") > 0
    assert RateLimiter(rate=0, burst=1).take("a") == 0  # off


def test_mask_examples():
    assert mask_name("Nguyễn Văn An") == "Ng*** V** A*"
    assert mask_name("Trần Thị Ý") == "Tr** Th* *"
    assert mask_name("  Phạm   Minh  ") == "Ph** M***"
    assert mask_name("") == ""


_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
_word = st.text(alphabet=_LETTERS + _LETTERS.upper() + "'-[]", min_size=1, max_size=12)


@given(st.lists(_word, min_size=1, max_size=6))
def test_mask_never_reveals_more_than_the_first_letters(words):
    masked = mask_name(" ".join(words)).split(" ")
    assert len(masked) == len(words)
    for original, shown in zip(words, masked):
        visible = shown.rstrip("*")
        stars = len(shown) - len(visible)
        assert 1 <= stars <= 3  # the length of the rest never shows
        assert len(visible) <= 2 and len(visible) < len(original)
        assert original.startswith(visible)
        assert mask_word(original) == shown


async def test_every_public_answer_sends_the_security_headers(central, central_url, station_store):
    import base64
    import hashlib
    import re

    client, engine = central
    token = add_token(engine)
    code = receive(station_store, actor_for(station_store, "canbo"))
    await _sync(client, station_store, token)
    tracking = _token_of(station_store, code)
    answers = [await client.get(f"/t/{tracking}"), await client.get("/t/AAAAAAAAAAAAAAAAAAAA"),
               await client.get("/t/không-hợp-lệ"), await client.get(f"/api/v1/track/{tracking}"),
               await client.get("/api/v1/track/AAAAAAAAAAAAAAAAAAAA"), await client.get("/healthz"),
               await client.get("/không-có"), await client.post("/api/v1/events", json={})]
    limited = create_app(central_url, migrate=False, track_rate=0.001, track_burst=1, pool_size=1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://c") as c2:
        await c2.get("/t/AAAAAAAAAAAAAAAAAAAA")
        answers.append(await c2.get("/t/AAAAAAAAAAAAAAAAAAAA"))
    limited.state.engine.dispose()
    assert [r.status_code for r in answers] == [200, 404, 404, 200, 404, 200, 404, 401, 429]
    for r in answers:
        h = r.headers
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff", r.url
        assert h["referrer-policy"] == "no-referrer", r.url
        csp = dict(part.strip().split(" ", 1) for part in h["content-security-policy"].split(";"))
        assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'", r.url
        assert "script-src" not in csp and "unsafe" not in h["content-security-policy"], r.url
    for r in answers[:3] + answers[-1:]:  # the pages' one inline <style> is the one the policy allows
        assert "<script" not in r.text and " style=" not in r.text
        styles = re.findall(r"<style>(.*?)</style>", r.text, re.S)
        assert len(styles) == 1
        digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
        assert r.headers["content-security-policy"].count("'sha256-") == 1
        assert f"style-src 'sha256-{digest}'" in r.headers["content-security-policy"]
