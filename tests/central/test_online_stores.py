"""Issue 15 on the central server (SQLite, in process): the /nop uploads go through the server's blob store
(a folder, S3), only a station's ticket marks a dossier "hỗ trợ nộp trực tuyến", and uploads never confirmed are
cleaned up after their lifetime, never a file a dossier names."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from counter.central import db as central_db
from counter.central import online, tokens
from counter.central import tables as t
from counter.central.app import create_app
from counter.domain.clock import FixedClock
from tests.conftest import NOW, OFFICE
from tests.helpers.central import add_server_users
from tests.helpers.images import blank_pdf
from tests.s3 import s3_server  # noqa: F401  (fixture)

OWNER = {"owner_name": "Nguyễn Văn An", "owner_id_number": "001090123456", "owner_birth_date": "1990-01-01",
         "owner_address": "Thôn 2, xã Phục Linh", "owner_phone": "0912345678", "owner_email": ""}


def make(tmp_path, blob_url: str = ""):
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    engine = central_db.make_engine(url, pool_size=2)
    central_db.upgrade(engine)
    add_server_users(engine)
    app = create_app(url, clock=FixedClock(NOW + timedelta(minutes=5)), migrate=False, track_rate=0, pool_size=2,
                     blob_url=blob_url)
    return TestClient(app), engine


def review(client, pages=(2, 3), assisted: str = "", owner=OWNER):
    """The form posted with its two papers: the review page (the uploads stored, not yet a dossier)."""
    return client.post("/nop/1.001193", data={**owner, "office": OFFICE, "assisted": assisted},
                       files=[("paper_1", ("to-khai.pdf", blank_pdf(pages[0]), "application/pdf")),
                              ("paper_2", ("chung-sinh.pdf", blank_pdf(pages[1]), "application/pdf"))])


def confirm(client, page) -> str:
    draft = re.search(r'name="draft" value="([^"]+)"', page.text)[1]
    done = client.post("/nop-xac-nhan", data={"draft": draft})
    assert done.status_code == 200, done.text
    return re.search(r'id="code">([^<]+)<', done.text)[1]


def shas(page) -> list[str]:
    import base64
    import json

    draft = re.search(r'name="draft" value="([^"]+)"', page.text)[1].split(".")[0]
    return [f["sha256"] for f in json.loads(base64.urlsafe_b64decode(draft))["files"]]


def registered(engine, code: str) -> dict:
    import json

    with engine.connect() as conn:
        wire = conn.execute(sa.select(t.events.c.wire).join(t.dossiers, t.dossiers.c.id == t.events.c.dossier_id)
                            .where(t.dossiers.c.code == code, t.events.c.kind == "registered")).scalar_one()
    return json.loads(wire)["payload"]


# ---- the blob store --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["file", pytest.param("s3", marks=pytest.mark.process)])  # s3: SeaweedFS
def test_nop_uploads_go_to_the_servers_blob_store_and_a_station_downloads_them(kind, tmp_path, request,
                                                                              monkeypatch):
    if kind == "s3":
        server = request.getfixturevalue("s3_server")
        for k, v in server.env().items():
            monkeypatch.setenv(k, v)
        blob_url = server.bucket()
    else:
        blob_url = f"file://{tmp_path / 'blobs'}"
    client, engine = make(tmp_path, blob_url)
    page = review(client)
    assert page.status_code == 200, page.text
    code = confirm(client, page)
    files = registered(engine, code)["files"]
    store = client.app.state.blobs.store
    assert store.name == kind
    with engine.connect() as conn:
        in_table = conn.execute(sa.select(t.blobs.c.sha256, t.blobs.c.data.is_not(None))).all()
    assert sorted(in_table) == sorted((f["sha256"], False) for f in files)  # the index only: no bytes in the table
    for f in files:
        assert store.has(f["sha256"])
        assert store.get(f["sha256"])[:5] == b"%PDF-"
    if kind == "file":
        assert all((tmp_path / "blobs" / f["sha256"][:2] / f["sha256"][2:]).is_file() for f in files)
    token = tokens.add(engine, OFFICE, 1, NOW)[1]
    got = client.get(f"/api/v1/blobs/{files[0]['sha256']}", headers={"Authorization": f"Bearer {token}"},
                     follow_redirects=True)
    assert got.status_code == 200 and got.content == store.get(files[0]["sha256"])


# ---- assisted filing: staff only -----------------------------------------------------------------------------

def test_a_citizen_cannot_mark_a_dossier_assisted_only_a_stations_ticket_does(tmp_path):
    client, engine = make(tmp_path)
    for url in ("/nop?assisted=1", f"/nop?assisted=1&office={OFFICE}", f"/nop/1.001193?office={OFFICE}&assisted=1"):
        r = client.get(url)
        assert r.status_code == 403 and "Chỉ cán bộ của cơ quan" in r.text, url
    forged = review(client, assisted="1")
    assert forged.status_code == 403 and "Chỉ cán bộ của cơ quan" in forged.text
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.blobs)).scalar() == 0  # nothing stored
    assert client.post("/api/v1/online/assist").status_code == 401
    assert "Mã truy cập sai" in client.post("/api/v1/online/assist", headers={"Authorization": "Bearer x"}).text
    token = tokens.add(engine, OFFICE, 1, NOW)[1]
    got = client.post("/api/v1/online/assist", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200
    ticket = got.json()["ticket"]
    tampered = ticket[:-1] + ("0" if ticket[-1] != "0" else "1")
    assert client.get(f"/nop?assisted={tampered}").status_code == 403
    listed = client.get("/nop", params={"assisted": ticket})
    assert listed.status_code == 200 and 'id="assisted"' in listed.text
    form = client.get("/nop/1.001193", params={"office": OFFICE, "assisted": ticket})
    assert form.status_code == 200 and "Hỗ trợ nộp trực tuyến" in form.text
    page = review(client, assisted=ticket)
    assert page.status_code == 200 and 'id="assisted"' in page.text
    assert registered(engine, confirm(client, page))["assisted"] is True
    plain = review(client, pages=(1, 1))
    assert registered(engine, confirm(client, plain))["assisted"] is False


def test_the_station_opens_the_assisted_page_with_the_servers_ticket(tmp_path, store):
    from counter.services import online as online_service
    from counter.services import sync
    from tests.conftest import actor_for

    client, engine = make(tmp_path)
    clerk = actor_for(store, "canbo")
    sync.setup(store, "http://testserver", tokens.add(engine, OFFICE, 1, NOW)[1])
    url = online_service.assisted_filing_url(store, clerk, "1.001193", transport=client._transport)
    assert url.startswith(f"http://testserver/nop/1.001193?office={OFFICE}&assisted=")
    page = client.get(url.removeprefix("http://testserver"))
    assert page.status_code == 200 and 'id="assisted"' in page.text
    sync.setup(store, "http://testserver", "sai" * 14)
    with pytest.raises(Exception, match="Không mở được trang hỗ trợ nộp trực tuyến: Máy chủ từ chối"):
        online_service.assisted_filing_url(store, clerk, transport=client._transport)


# ---- orphan uploads ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["db", "file"])
def test_uploads_never_confirmed_are_cleaned_after_their_lifetime_never_a_dossiers_file(kind, tmp_path):
    blob_url = "" if kind == "db" else f"file://{tmp_path / 'blobs'}"
    client, engine = make(tmp_path, blob_url)
    blobs = client.app.state.blobs
    kept_page = review(client, pages=(2, 3))
    code = confirm(client, kept_page)
    dropped_page = review(client, pages=(4, 5))  # the citizen left at the review page
    kept, dropped = shas(kept_page), shas(dropped_page)
    assert set(kept).isdisjoint(dropped)
    soon = online.cleanup_uploads(engine, blobs, NOW + timedelta(hours=23), 24)
    assert (soon.removed, soon.kept) == (0, 0)  # within the lifetime: a draft may still be confirmed
    done = online.cleanup_uploads(engine, blobs, NOW + timedelta(hours=25), 24)
    assert (done.removed, done.kept) == (2, 2)
    assert blobs.known(set(kept + dropped)) == set(kept)
    for sha in kept:
        assert blobs.read(sha)[:5] == b"%PDF-"
    for sha in dropped:
        assert blobs.read(sha) is None and not blobs.store.has(sha)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.upload_holds)).scalar() == 0
    assert registered(engine, code)["files"][0]["sha256"] in kept
    late = client.post("/nop-xac-nhan", data={"draft": re.search(r'name="draft" value="([^"]+)"',
                                                                   dropped_page.text)[1]})
    assert late.status_code == 422 and "Không tìm thấy tệp đã tải lên" in late.text  # clear, nothing filed
    again = online.cleanup_uploads(engine, blobs, NOW + timedelta(days=30), 24)
    assert (again.removed, again.kept) == (0, 0)


def test_serve_online_cleanup_deletes_the_orphans_and_refuses_a_lifetime_under_the_review_s(tmp_path):
    from typer.testing import CliRunner

    from counter.cli import app as cli

    client, _engine = make(tmp_path)
    confirm(client, review(client, pages=(1, 2)))
    orphan = shas(review(client, pages=(3, 4)))
    db = ["--db", f"sqlite:///{tmp_path / 'central.sqlite3'}", "--data-dir", str(tmp_path / "conf")]
    short = CliRunner().invoke(cli, ["serve", "online", "cleanup", "--hours", "1", *db])
    assert short.exit_code == 1 and "Thời hạn lưu giữ phải từ 6" in short.output
    assert client.app.state.blobs.known(set(orphan)) == set(orphan)
    done = CliRunner().invoke(cli, ["serve", "online", "cleanup", *db])  # the clock is days after NOW
    assert done.exit_code == 0, done.output
    assert "Đã xóa 2 tệp tải lên không được nộp; giữ 2 tệp đã thuộc hồ sơ." in done.output
    assert client.app.state.blobs.known(set(orphan)) == set()


def test_the_review_page_reads_on_a_phone_small_sizes_in_kb_the_birth_date_as_typed_in_vietnam(tmp_path):
    """Found filing by hand at 390 px: a 30 KB file showed as "0,0 MB", the birth date as 1990-01-01, and the
    four-column table broke "Dung lượng" and the file names letter by letter."""
    client, _ = make(tmp_path)
    page = review(client)
    assert page.status_code == 200
    files = re.search(r'<table id="files">(.*?)</table>', page.text, re.S)[1]
    assert "0,0 MB" not in files and re.search(r'<td class="size">\d+ KB</td>', files)
    assert files.count("<th>") == 3 and '<span class="muted file">to-khai.pdf</span>' in files
    assert "<dd>01/01/1990</dd>" in page.text and "1990-01-01" not in page.text.split("<form")[0]
