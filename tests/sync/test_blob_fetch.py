"""Issue 22: a station fetches the files of its office it lacks (GET /api/v1/blobs/{sha256}), from the central
server's blob store in a real S3-compatible store (SeaweedFS), checked by SHA-256 and kept; only its office's.
Against the real central server (PostgreSQL)."""

from __future__ import annotations

import hashlib

import httpx
import pytest
import sqlalchemy as sa

from counter.central import scale
from counter.services import digitize as dg
from counter.services.blobs import BlobError, BlobNotFound
from counter.services.remote_blobs import ensure_blob, missing_blobs
from counter.sync.client import SyncClient
from tests.conftest import actor_for, receive
from tests.helpers.images import jpeg
from tests.s3 import s3_server  # noqa: F401  (fixture)
from tests.sync.conftest import SERVER, Central, Station, make_station

pytestmark = [pytest.mark.pg, pytest.mark.process]


@pytest.fixture
def s3_central(pg_database, central_template, s3_server, monkeypatch):  # noqa: F811
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    bucket = s3_server.bucket()
    c = Central(pg_database(template=central_template), migrate=False, blob_url=bucket)
    c.bucket, _, c.prefix = bucket[len("s3://"):].partition("/")
    c.s3 = s3_server
    yield c
    c.close()


@pytest.fixture
def two(tmp_path, s3_central):
    s1 = Station(make_station(tmp_path / "s1", 1), s3_central, 1)
    s2 = Station(make_station(tmp_path / "s2", 2), s3_central, 2)
    yield s1, s2
    s1.store.close()
    s2.store.close()


def scan(station: Station, tmp_path, color=(10, 120, 10)) -> tuple[str, str]:
    store = station.store
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    result = dg.save_pages(store, clerk, code, 1, dg.import_pages([jpeg(tmp_path / f"{code}.jpg", color)]))
    return code, result.sha256


def test_a_station_downloads_a_file_scanned_at_another_station_and_both_verify(two, s3_central, tmp_path):
    s1, s2 = two
    _, sha = scan(s1, tmp_path)
    s1.sync()
    s2.sync()
    # the second station has the dossier and knows the paper is scanned, but not the file yet
    assert missing_blobs(s2.store) == [sha]
    assert not dg.verify_blobs(s2.store).ok
    # the file is in the object store, the database keeps only its index row
    s3_central.s3.client().head_object(Bucket=s3_central.bucket, Key=f"{s3_central.prefix}/{sha[:2]}/{sha[2:]}")
    with s3_central.engine.connect() as c:
        assert c.execute(sa.text("SELECT data IS NULL FROM central_blobs WHERE sha256 = :s"), {"s": sha}).scalar()

    path = ensure_blob(s2.store, sha, transport=s3_central.transport)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert path.read_bytes() == dg.get_blob(s1.store, sha)
    assert ("GET", f"/api/v1/blobs/{sha}", 200) in s3_central.transport.log
    assert missing_blobs(s2.store) == []
    for st in (s1, s2):  # `counter blobs verify` on both
        report = dg.verify_blobs(st.store)
        assert report.ok, (report.bad, report.dangling)
    # kept: the next call reads the folder, not the server
    s3_central.transport.log.clear()
    assert ensure_blob(s2.store, sha, transport=s3_central.transport) == path
    assert s3_central.transport.log == []


def test_a_damaged_download_is_refused_and_nothing_is_kept(two, s3_central, tmp_path):
    s1, s2 = two
    _, sha = scan(s1, tmp_path)
    s1.sync()
    s2.sync()

    def damage(request, forward):
        r = forward(request)
        body = bytearray(r.content)
        body[len(body) // 2] ^= 0xFF
        return httpx.Response(r.status_code, headers={k: v for k, v in r.headers.items()
                                                      if k.lower() != "content-length"}, content=bytes(body))

    s3_central.transport.faults.append(("GET /api/v1/blobs/", damage))
    with pytest.raises(BlobError) as info:
        ensure_blob(s2.store, sha, transport=s3_central.transport)
    assert "không khớp mã băm" in info.value.message
    assert missing_blobs(s2.store) == [sha]  # nothing kept
    ensure_blob(s2.store, sha, transport=s3_central.transport)  # the next try is intact
    assert dg.verify_blobs(s2.store).ok


def test_only_the_office_s_referenced_files_are_served(two, s3_central, tmp_path):
    s1, _ = two
    _, sha = scan(s1, tmp_path)
    s1.sync()
    other = s3_central.token(1)  # a token of another office
    from counter.central import tokens
    from tests.conftest import NOW

    foreign = tokens.add(s3_central.engine, "H55.999", 1, NOW)[1]
    with SyncClient(SERVER, foreign, transport=s3_central.transport) as c:
        assert c.get_blob(sha) is None  # 404: another office's file is like one that does not exist
    # uploaded but named by no accepted event (e.g. a push that never came): not served either
    loose = b"%PDF-1.4 not in any dossier" * 10
    loose_sha = hashlib.sha256(loose).hexdigest()
    with SyncClient(SERVER, other, transport=s3_central.transport) as c:
        assert c.put_blob(loose_sha, loose, "application/pdf")
        assert c.get_blob(loose_sha) is None
        assert c.get_blob(sha) == dg.get_blob(s1.store, sha)
    r = s3_central.test_client.get(f"/api/v1/blobs/{sha}")
    assert r.status_code == 401
    r = s3_central.test_client.get("/api/v1/blobs/xyz", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 422 and "SHA-256" in r.json()["detail"]


def test_a_large_file_is_a_redirect_to_the_object_store(two, s3_central, tmp_path, monkeypatch):
    monkeypatch.setattr(scale, "PRESIGN_OVER", 100)
    s1, s2 = two
    _, sha = scan(s1, tmp_path)
    s1.sync()
    s2.sync()
    token = s3_central.token(3)
    r = s3_central.test_client.get(f"/api/v1/blobs/{sha}", headers={"Authorization": f"Bearer {token}"},
                                   follow_redirects=False)
    assert r.status_code == 307
    location = r.headers["location"]
    assert location.startswith(s3_central.s3.endpoint) and "Signature=" in location
    # the station follows it (without its token) and checks the bytes
    path = ensure_blob(s2.store, sha, transport=s3_central.transport)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert httpx.get(location).content == path.read_bytes()


def test_a_station_without_sync_says_it_cannot_fetch(tmp_path):
    from tests.conftest import make_store

    store = make_store(tmp_path / "alone")
    try:
        with pytest.raises(BlobNotFound) as info:
            ensure_blob(store, "a" * 64)
        assert "chưa nối với máy chủ" in info.value.message
    finally:
        store.close()
