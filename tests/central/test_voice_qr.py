"""The printed ways to the rating page (issue 19): the hand-over note (BG) printed by F5's return carries a QR of
the dossier's rating page, and Mẫu 01's QR opens the tracking page that links to it. Printed for real (PDF),
read back with pdftoppm + zxing-cpp, opened on a real central app holding the station's events."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
import zxingcpp
from PIL import Image

from counter.central.app import create_app
from counter.domain.clock import FixedClock
from counter.services import dossiers, progress
from counter.services.office import office_info
from counter.services.printing import print_dossier
from tests.central.conftest import add_token, auth, push_body, wire_events
from tests.conftest import NOW, actor_for, receive

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")

RETURN = {"receiver_name": "Nguyễn Văn An", "receiver_id_number": "001090123456", "receiver_source": "typed",
          "papers": [{"name": "Giấy xác nhận", "count": 1}]}


def qr_codes(pdf, tmp_path) -> list[str]:
    out = tmp_path / "png"
    out.mkdir()
    subprocess.run(["pdftoppm", "-png", "-r", "110", str(pdf), str(out / "page")], check=True)
    found = []
    for png in sorted(out.glob("page-*.png")):
        found += [r.text for r in zxingcpp.read_barcodes(Image.open(png)) if r.format == zxingcpp.BarcodeFormat.QRCode]
    return found


def printed(store, code: str, form: str, tmp_path) -> list[str]:
    pdf = tmp_path / f"{form}.pdf"
    print_dossier(store, code, form, fmt="pdf-a5", out=pdf)
    (tmp_path / form).mkdir()
    return qr_codes(pdf, tmp_path / form)


async def test_the_hand_over_note_qr_opens_the_rating_page_of_its_dossier(central_url, central_engine,
                                                                          station_store, tmp_path):
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk)
    other = receive(station_store, clerk)  # a second dossier: the QR names this one, not any
    progress.record_event(station_store, clerk, code, "resolved", {"note": "Giấy xác nhận"})
    dossiers.record(station_store, clerk, code, "returned", RETURN)
    token = station_store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]
    base = office_info(station_store).public_base_url.rstrip("/")

    bg = printed(station_store, code, "BG", tmp_path)
    assert bg == [f"{base}/t/{token}/y-kien"]  # one QR: the tracking URL's rating page
    receipt = printed(station_store, code, "01", tmp_path)
    assert receipt == [f"{base}/t/{token}"] * 2  # Mẫu 01 (two copies): the tracking page

    app = create_app(central_url, clock=FixedClock(NOW + timedelta(hours=2)), migrate=False, track_rate=0,
                     pool_size=2)
    station_token = add_token(central_engine)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as client:
            r = await client.post("/api/v1/events", json=push_body(station_store, wire_events(station_store)),
                                  headers=auth(station_token))
            assert {x["status"] for x in r.json()["results"]} == {"accepted"}, r.text
            page = await client.get(urlsplit(bg[0]).path)
            assert page.status_code == 200, page.text
            assert f'<dd id="code">{code}</dd>' in page.text and other not in page.text
            assert 'action="/t/' + token + '/danh-gia"' in page.text  # returned: the rating form is there
            rated = await client.post(f"{urlsplit(bg[0]).path.rsplit('/', 1)[0]}/danh-gia",
                                      data={"value": "very_satisfied"})
            assert rated.status_code == 303 and rated.headers["location"] == urlsplit(bg[0]).path + "?ok=danh-gia"
            tracking = await client.get(urlsplit(receipt[0]).path)  # Mẫu 01's QR: the tracking page links on
            assert tracking.status_code == 200 and f'href="{urlsplit(bg[0]).path}"' in tracking.text
    finally:
        app.state.engine.dispose()
