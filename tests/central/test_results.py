"""issue 20 on the central server: the owner downloads the signed result from the tracking page after the
second check (last 4 digits of the ID number or phone); the signature check page reports in Vietnamese."""

from __future__ import annotations

from datetime import timedelta

import httpx

from counter.central.app import create_app
from counter.domain.clock import FixedClock
from counter.printing import forms
from counter.printing.pdf import render_pdf
from counter.services import digitize
from counter.services.signing import Signing, issue_result
from counter.signing.verify import load_roots
from tests.central.conftest import auth, add_token, push_body, wire_events
from tests.conftest import NOW, actor_for, receive
from tests.helpers.printing import DATA

ID, PHONE = "001090123456", "0912345678"


async def _app(central_url, keys):  # type: ignore[no-untyped-def]
    app = create_app(central_url, clock=FixedClock(NOW + timedelta(minutes=5)), migrate=False, track_rate=0,
                     pool_size=2)
    app.state.trust_roots = load_roots([str(keys.root)])
    return app


async def _push(client, store, token):  # type: ignore[no-untyped-def]
    for sha in [r["sha256"] for r in store.query("SELECT sha256 FROM blobs")]:
        r = await client.put(f"/api/v1/blobs/{sha}", content=digitize.get_blob(store, sha),
                             headers={**auth(token), "Content-Type": "application/pdf"})
        assert r.status_code in (200, 201), r.text
    r = await client.post("/api/v1/events", json=push_body(store, wire_events(store, 0)), headers=auth(token))
    assert r.status_code == 200 and all(x["status"] == "accepted" for x in r.json()["results"]), r.text


async def test_owner_downloads_the_signed_result_after_the_second_check(central_url, central_engine, station_store,
                                                                         keys, p12_cfg):
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk, id_number=ID, phone=PHONE)
    signing = Signing(lambda: p12_cfg, station_store.clock.now)
    signing.unlock(keys.p12_password, clerk.user_id)
    res = issue_result(station_store, signing, clerk, code, render_pdf(forms.receipt(DATA)), "Giấy khai sinh")
    tracking = station_store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]
    app = await _app(central_url, keys)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://central") as client:
        await _push(client, station_store, add_token(central_engine))
        page = (await client.get(f"/t/{tracking}")).text
        assert "Đã có kết quả điện tử có chữ ký số" in page and f"/t/{tracking}/ket-qua" in page
        form = await client.get(f"/t/{tracking}/ket-qua")
        assert form.status_code == 200 and "Giấy khai sinh" in form.text and "4 số cuối" in form.text
        assert "form-action 'self'" in form.headers["content-security-policy"]
        assert ID not in form.text and PHONE not in form.text
        wrong = await client.post(f"/t/{tracking}/ket-qua", data={"so_cuoi": "0000", "kq": "0"})
        assert wrong.status_code == 403 and "4 số cuối không đúng" in wrong.text
        for digits in (ID[-4:], PHONE[-4:]):
            ok = await client.post(f"/t/{tracking}/ket-qua", data={"so_cuoi": digits, "kq": "0"})
            assert ok.status_code == 200 and ok.headers["content-type"] == "application/pdf"
            assert ok.content == digitize.get_blob(station_store, res.sha256)
        assert "attachment" in ok.headers["content-disposition"]

        check = await client.post("/kiem-tra-chu-ky", files={"tep": ("ket-qua.pdf", ok.content, "application/pdf")})
        assert check.status_code == 200 and "Hợp lệ" in check.text and "Nguyễn Văn An" in check.text
        bad = bytearray(ok.content)
        bad[len(bad) // 3] ^= 0x20
        check = await client.post("/kiem-tra-chu-ky", files={"tep": ("sua.pdf", bytes(bad), "application/pdf")})
        assert check.status_code == 200 and "Không hợp lệ" in check.text
        assert (await client.get("/kiem-tra-chu-ky")).status_code == 200
        assert (await client.post("/kiem-tra-chu-ky", content=b"")).status_code == 400
        assert (await client.get("/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/ket-qua")).status_code == 404
    app.state.engine.dispose()


async def test_wrong_answers_are_limited_per_dossier(central_url, central_engine, station_store, keys):
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk, id_number=ID)
    tracking = station_store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]
    app = await _app(central_url, keys)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://central") as client:
        await _push(client, station_store, add_token(central_engine))
        none = await client.post(f"/t/{tracking}/ket-qua", data={"so_cuoi": ID[-4:]})
        assert none.status_code == 200 and "chưa có kết quả điện tử" in none.text
    app.state.engine.dispose()
