"""Issue 22: what lets several server processes act as one (the rate limit in PostgreSQL keyed by the real
client address, caches with short lifetimes, migrations under an advisory lock, `serve` refusing an old
schema), quieter polling (ETag/304), operations (/metrics, /readyz, JSON-lines access logs), and the blob
store's backends (the table, a folder, S3) with `counter serve blobs migrate`."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import time
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from counter.central import blobs as central_blobs
from counter.central import db as central_db
from counter.central import ops, tokens
from counter.central.app import create_app
from counter.cli import app as cli
from counter.domain.clock import FixedClock
from tests.central.conftest import OFFICE_INFO, auth, station_id, wire_events
from tests.conftest import NOW, OFFICE, actor_for, receive
from tests.s3 import s3_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.pg


def _app(url, **options):
    return create_app(url, clock=FixedClock(NOW + timedelta(minutes=5)), migrate=False, pool_size=2, **options)


class Client:
    """A synchronous ASGI client whose peer address is chosen (httpx's ASGITransport `client=`)."""

    def __init__(self, app, peer: str = "127.0.0.1"):
        import asyncio

        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 5555)),
                                      base_url="http://central")

    def get(self, path, **kw):
        return self.loop.run_until_complete(self.http.get(path, **kw))

    def request(self, method, path, **kw):
        return self.loop.run_until_complete(self.http.request(method, path, **kw))

    def close(self):
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def apps(central_url):
    made = []

    def make(peer="127.0.0.1", **options):
        app = _app(central_url, **options)
        c = Client(app, peer)
        c.app = app
        made.append((app, c))
        return c

    yield make
    for app, c in made:
        c.close()
        app.state.engine.dispose()


# ---- the rate limit, shared and keyed by the real client -------------------------------------------------

def test_two_processes_share_one_rate_limit_bucket(apps):
    """Behind a load balancer a citizen's requests land on either process: the bucket is the database's."""
    one = apps(track_rate=0.01, track_burst=4)
    two = apps(track_rate=0.01, track_burst=4)
    codes = [(one if i % 2 else two).get("/t/XXXX-XXXX").status_code for i in range(6)]
    assert codes == [404, 404, 404, 404, 429, 429]
    r = one.get("/api/v1/track/ABCD")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert b"counter_rate_limited_total 2.0" in one.get("/metrics").content  # this process refused two


def test_a_client_cannot_reset_its_limit_by_sending_x_forwarded_for(apps):
    direct = apps(track_rate=0.01, track_burst=2)  # no trusted proxy (the default)
    for i in range(2):
        assert direct.get("/t/XXXX", headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code == 404
    assert direct.get("/t/XXXX", headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 429


def test_behind_a_trusted_proxy_the_last_forwarded_address_is_the_client(apps):
    proxy = apps(track_rate=0.01, track_burst=2, forwarded_allow_ips="127.0.0.1")
    # the proxy appends the address it saw; what the client wrote before it is not believed
    for _ in range(2):
        assert proxy.get("/t/XXXX", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}).status_code == 404
    assert proxy.get("/t/XXXX", headers={"X-Forwarded-For": "1.1.1.1, 203.0.113.7"}).status_code == 429
    # another citizen behind the same proxy has a bucket of their own
    assert proxy.get("/t/XXXX", headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 404
    # a peer that is not the proxy is itself the client, whatever it sends
    other = apps(peer="192.0.2.50", track_rate=0.01, track_burst=2, forwarded_allow_ips="127.0.0.1")
    for _ in range(2):
        other.get("/t/XXXX", headers={"X-Forwarded-For": "203.0.113.99"})
    assert proxy.get("/t/XXXX", headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 404


def test_client_address_and_trusted_networks():
    scope = lambda peer, xff=None: {"client": (peer, 1), "headers": [(b"x-forwarded-for", xff.encode())] if xff else []}  # noqa: E731
    addr = ops.ClientAddress("10.0.0.0/8, 127.0.0.1")
    assert addr(scope("10.1.2.3", "198.51.100.1")) == "198.51.100.1"
    assert addr(scope("10.1.2.3", "x, not-an-ip")) == "10.1.2.3"
    assert addr(scope("192.0.2.1", "198.51.100.1")) == "192.0.2.1"
    assert ops.ClientAddress("")(scope("127.0.0.1", "198.51.100.1")) == "127.0.0.1"
    from counter.domain.errors import CounterError

    with pytest.raises(CounterError) as bad:
        ops.parse_networks("10.0.0.0/33")
    assert "không hợp lệ" in bad.value.message


# ---- caches with a lifetime, migrations, the schema at head ----------------------------------------------

def test_a_new_epoch_and_a_revoked_token_reach_a_running_process_within_their_lifetimes(central_url, central_engine,
                                                                                         apps, monkeypatch):
    monkeypatch.setattr(ops, "EPOCH_TTL", 0.3)
    monkeypatch.setattr(ops, "TOKEN_TTL", 0.3)
    c = apps()
    tid, token = tokens.add(central_engine, OFFICE, 1, NOW)
    with central_engine.begin() as conn:  # a bound token (an unbound one is never cached)
        conn.execute(sa.text("UPDATE central_tokens SET station_id = 's' WHERE id = :i"), {"i": tid})
    first = c.get("/api/v1/events", headers=auth(token)).json()["cursor"]
    new = central_db.new_epoch(central_engine)
    tokens.revoke(central_engine, token_id=tid, now=NOW)
    time.sleep(0.4)
    assert c.get("/healthz").json()["epoch"] == new != first.split(".")[0]
    assert c.get("/api/v1/events", headers=auth(token)).status_code == 401


def test_serve_refuses_a_schema_not_at_head_and_serve_migrate_brings_it_there(pg_database):
    url = pg_database()
    runner = CliRunner()
    r = runner.invoke(cli, ["serve", "--db", url, "--port", "1"])
    assert r.exit_code != 0 and "counter serve migrate" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["serve", "migrate", "--db", url])
    assert r.exit_code == 0, r.output
    assert central_db.head_revision() in r.output
    engine = central_db.make_engine(url, pool_size=1)
    try:
        central_db.check_at_head(engine)
    finally:
        engine.dispose()


def test_two_releases_migrating_at_once_take_turns_under_the_advisory_lock(pg_database):
    url = pg_database()
    errors = []

    def migrate():
        engine = central_db.make_engine(url, pool_size=2)
        try:
            central_db.upgrade(engine)
        except Exception as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    engine = central_db.make_engine(url, pool_size=1)
    try:
        assert central_db.current_revision(engine) == central_db.head_revision()
    finally:
        engine.dispose()


# ---- quieter polling -------------------------------------------------------------------------------------

def test_an_idle_station_s_pull_is_a_304_until_the_office_has_something_new(apps, central_engine, station_store):
    c = apps(track_rate=0)
    token = tokens.add(central_engine, OFFICE, 1, NOW)[1]
    page = c.get("/api/v1/events", headers=auth(token))
    cursor, etag = page.json()["cursor"], page.headers["etag"]
    assert etag == f'"{cursor}"'
    idle = c.get("/api/v1/events", params={"after": cursor}, headers={**auth(token), "If-None-Match": etag})
    assert idle.status_code == 304 and idle.content == b""
    receive(station_store, actor_for(station_store, "canbo"))
    body = {"station_id": station_id(station_store), "office": OFFICE_INFO, "events": wire_events(station_store)}
    assert c.request("POST", "/api/v1/events", json=body, headers=auth(token)).status_code == 200
    fresh = c.get("/api/v1/events", params={"after": cursor}, headers={**auth(token), "If-None-Match": etag})
    assert fresh.status_code == 200 and len(fresh.json()["events"]) == 1
    assert b"counter_pull_not_modified_total 1.0" in c.get("/metrics").content


# ---- operations ------------------------------------------------------------------------------------------

def _statements(engine, into: list[str]):
    """Every statement the app's engine sends (its threadpool's way to the database)."""
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cur, sql, *rest: into.append(sql))


def _bound_token(central_engine, station: str = "s1") -> str:
    tid, token = tokens.add(central_engine, OFFICE, 1, NOW)
    with central_engine.begin() as conn:  # a station that has synced before
        conn.execute(sa.text("UPDATE central_tokens SET station_id = :s WHERE id = :i"), {"i": tid, "s": station})
    return token


def test_an_idle_pull_is_answered_without_the_engine_and_a_push_elsewhere_is_seen_at_once(apps, central_engine,
                                                                                           station_store):
    """The 304 takes no threadpool thread and no pooled connection (token and epoch from the process's caches,
    the office's last_seq on its async connection), and stays exact: a push through another process is in the
    very next pull."""
    a, b = apps(track_rate=0), apps(track_rate=0)  # two processes on one database
    token = _bound_token(central_engine, station_id(station_store))
    page = b.get("/api/v1/events", headers=auth(token))
    cursor, etag = page.json()["cursor"], page.headers["etag"]
    sent: list[str] = []
    _statements(b.app.state.engine, sent)
    for _ in range(3):
        idle = b.get("/api/v1/events", params={"after": cursor}, headers={**auth(token), "If-None-Match": etag})
        assert idle.status_code == 304
    assert sent == []
    receive(station_store, actor_for(station_store, "canbo"))
    body = {"station_id": station_id(station_store), "office": OFFICE_INFO, "events": wire_events(station_store)}
    assert a.request("POST", "/api/v1/events", json=body, headers=auth(token)).status_code == 200
    fresh = b.get("/api/v1/events", params={"after": cursor}, headers={**auth(token), "If-None-Match": etag})
    assert fresh.status_code == 200 and len(fresh.json()["events"]) == 1


def test_a_station_s_token_is_looked_up_once_while_revocations_are_read_every_token_ttl(apps, central_engine,
                                                                                         monkeypatch):
    """Stations pull every 10 s, as long as the tokens' old lifetime: each pull looked its token up again. Now
    a bound token is kept, and one query per TOKEN_TTL reads the revoked ones (a revocation still stops within
    it)."""
    monkeypatch.setattr(ops, "TOKEN_TTL", 0.2)
    c = apps(track_rate=0)
    token = _bound_token(central_engine)
    sent: list[str] = []
    _statements(c.app.state.engine, sent)
    for _ in range(3):
        assert c.get("/api/v1/events", headers=auth(token)).status_code == 200
        time.sleep(0.25)  # longer than TOKEN_TTL between two pulls
    lookups = [q for q in sent if "token_hash" in q]
    sweeps = [q for q in sent if "revoked_at IS NOT NULL" in q]
    assert len(lookups) == 1 and len(sweeps) == 3
    tid = tokens.list_tokens(central_engine)[0].id
    tokens.revoke(central_engine, token_id=tid, now=NOW)
    time.sleep(0.25)
    assert c.get("/api/v1/events", headers=auth(token)).status_code == 401


def test_a_failing_async_connection_falls_back_to_the_engine(apps, central_engine):
    c = apps(track_rate=0)
    token = _bound_token(central_engine)
    page = c.get("/api/v1/events", headers=auth(token))
    c.app.state.async_reads.conninfo = "postgresql://nobody@127.0.0.1:1/none"  # nothing listens there
    idle = c.get("/api/v1/events", params={"after": page.json()["cursor"]},
                 headers={**auth(token), "If-None-Match": page.headers["etag"]})
    assert idle.status_code == 304 and c.app.state.async_reads.failed == 1


def test_access_logs_are_json_lines_with_a_request_id_and_no_personal_data(apps, central_engine):
    stream = io.StringIO()
    ops.json_logging(stream=stream)
    try:
        c = apps(track_rate=0)
        r = c.get("/t/ABCD-EFGH", headers={"X-Request-ID": "proxy-id-12345"})
        assert r.headers["x-request-id"] == "proxy-id-12345"
        r2 = c.get("/api/v1/track/ZZZZ-YYYY")
        assert len(r2.headers["x-request-id"]) == 32
    finally:
        for name in ("counter", "uvicorn.error"):
            logging.getLogger(name).handlers[:] = []
            logging.getLogger(name).propagate = True
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    access = [x for x in lines if x["logger"] == "counter.access"]
    assert [(x["request_id"], x["route"], x["status"]) for x in access] == [
        ("proxy-id-12345", "/t/{token}", 404), (r2.headers["x-request-id"], "/api/v1/track/{token}", 404)]
    assert "ABCD" not in stream.getvalue() and "127.0.0.1" not in stream.getvalue()


def test_healthz_readyz_and_metrics(apps, tmp_path):
    c = apps(blob_url=f"file://{tmp_path / 'blobs'}")
    assert c.get("/healthz").json()["ok"] is True
    assert c.get("/readyz").json() == {"ok": True, "failing": []}
    (tmp_path / "blobs").rmdir()  # the blob store's folder gone (an unmounted volume)
    r = c.get("/readyz")
    assert r.status_code == 503 and r.json()["failing"] == ["blob_store"]
    text = c.get("/metrics").text
    assert 'counter_http_requests_total{route="/readyz",status="503"}' in text
    assert "counter_http_request_seconds_bucket" in text


def test_metrics_count_events_per_office_and_the_outbox_a_station_reports(apps, central_engine, station_store):
    c = apps(track_rate=0)
    token = tokens.add(central_engine, OFFICE, 1, NOW)[1]
    receive(station_store, actor_for(station_store, "canbo"))
    body = {"station_id": station_id(station_store), "office": OFFICE_INFO, "events": wire_events(station_store)}
    assert c.request("POST", "/api/v1/events", json=body, headers=auth(token)).status_code == 200
    c.get("/api/v1/events", headers={**auth(token), "X-Counter-Outbox": "7"})
    text = c.get("/metrics").text
    assert f'counter_events_total{{office="{OFFICE}",status="accepted"}} 1.0' in text
    assert f'counter_station_outbox_depth{{office="{OFFICE}",station="1"}} 7.0' in text
    assert "counter_pushes_total 1.0" in text


# ---- the blob store's backends ---------------------------------------------------------------------------

def _put(c, token, data):
    sha = hashlib.sha256(data).hexdigest()
    return sha, c.request("PUT", f"/api/v1/blobs/{sha}", content=data, headers={**auth(token),
                                                                                "Content-Type": "application/pdf"})


@pytest.mark.parametrize("kind", ["db", "file", pytest.param("s3", marks=pytest.mark.process)])  # s3: SeaweedFS
def test_each_store_keeps_checked_uploads_once(kind, apps, central_engine, tmp_path, request, monkeypatch):
    if kind == "s3":
        server = request.getfixturevalue("s3_server")
        for k, v in server.env().items():
            monkeypatch.setenv(k, v)
        url = server.bucket()
    else:
        url = {"db": "", "file": f"file://{tmp_path / 'store'}"}[kind]
    c = apps(blob_url=url)
    token = tokens.add(central_engine, OFFICE, 1, NOW)[1]
    data = b"%PDF-1.4 " + bytes(range(256)) * 4000  # ~1 MB, streamed in chunks
    sha, r = _put(c, token, data)
    assert r.status_code == 201 and r.json() == {"sha256": sha, "stored": True}
    assert _put(c, token, data)[1].status_code == 200  # once
    bad = c.request("PUT", f"/api/v1/blobs/{'0' * 64}", content=data, headers=auth(token))
    assert bad.status_code == 422
    blobs = c.http._transport.app.state.blobs if hasattr(c.http._transport, "app") else None
    store = blobs.store
    assert store.name == kind
    assert blobs.read(sha) == data and store.has(sha)
    assert not store.has("0" * 64) and blobs.known({"0" * 64, sha}) == {sha}
    with central_engine.connect() as conn:
        in_table = conn.execute(sa.text("SELECT data IS NOT NULL FROM central_blobs WHERE sha256 = :s"),
                                {"s": sha}).scalar()
    assert in_table is (kind == "db")
    assert c.request("POST", "/api/v1/blobs/missing", json={"hashes": [sha, "1" * 64]},
                     headers=auth(token)).json() == {"missing": ["1" * 64]}


def test_serve_blobs_migrate_moves_the_table_s_files_out_and_they_stay_readable(central_url, central_engine, apps,
                                                                                tmp_path):
    old = apps()  # the first version's store: the table
    token = tokens.add(central_engine, OFFICE, 1, NOW)[1]
    files = [(b"%%PDF-1.4 paper %d " % i) * 500 for i in range(3)]
    shas = [_put(old, token, f)[0] for f in files]
    target = f"file://{tmp_path / 'moved'}"
    runner = CliRunner()
    r = runner.invoke(cli, ["serve", "blobs", "migrate", "--blob-url", target, "--db", central_url])
    assert r.exit_code == 0, r.output
    assert "Đã chuyển 3 tệp" in r.output
    with central_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM central_blobs WHERE data IS NOT NULL")).scalar() == 0
    folder = central_blobs.FolderBlobs(tmp_path / "moved")
    assert [folder.get(s) for s in shas] == files
    again = runner.invoke(cli, ["serve", "blobs", "migrate", "--blob-url", target, "--db", central_url])
    assert again.exit_code == 0 and "Đã chuyển 0 tệp" in again.output
    r = runner.invoke(cli, ["serve", "blobs", "migrate", "--db", central_url])  # the table to the table
    assert r.exit_code != 0 and "Kho tệp đang là CSDL" in r.output and "Traceback" not in r.output


def test_a_store_that_still_has_table_files_reads_them_before_the_migration(central_url, central_engine, apps,
                                                                            tmp_path):
    old = apps()
    token = tokens.add(central_engine, OFFICE, 1, NOW)[1]
    sha, _ = _put(old, token, b"%PDF-1.4 before the move" * 50)
    new = apps(blob_url=f"file://{tmp_path / 'new'}")
    blobs = new.http._transport.app.state.blobs
    assert blobs.read(sha) == b"%PDF-1.4 before the move" * 50
    assert new.request("POST", "/api/v1/blobs/missing", json={"hashes": [sha]},
                       headers=auth(token)).json() == {"missing": []}


def test_a_bad_blob_url_is_a_vietnamese_error(tmp_path):
    with pytest.raises(central_blobs.BlobStoreError) as bad:
        central_blobs.open_store("ftp://x", None)
    assert "không hợp lệ" in bad.value.message
    r = CliRunner().invoke(cli, ["serve", "--blob-url", "nfs://x", "--data-dir", str(tmp_path)])
    assert r.exit_code != 0 and "Địa chỉ kho tệp" in r.output and "Traceback" not in r.output


def test_the_async_reads_serve_their_waiters_first_come_first_served(central_url):
    """Found by bench/province.py with every station pushing (2,000 and 5,000 stations): pulls' p99 was 20–60 s
    against 3 s for the pushes. A connection given back went to the idle list while its waiter was only woken,
    so a pull arriving in between took it first, again and again: the oldest waiters starved. A connection
    given back now goes to the oldest waiter."""
    import asyncio

    from counter.central.scale import AsyncReads

    async def run() -> list[str]:
        reads = AsyncReads(central_url, size=1)
        held = await reads._take()
        order: list[str] = []

        async def pull(name: str) -> None:
            conn = await reads._take()
            order.append(name)
            await reads._give(conn, False)

        first = asyncio.create_task(pull("first"))
        await asyncio.sleep(0.01)  # waiting for the one connection
        later = asyncio.create_task(pull("later"))  # arrives before the connection is given back
        await reads._give(held, False)
        await asyncio.gather(first, later)
        assert await reads.last_seq("NO.SUCH") is None  # and the connection still works
        for conn in reads._idle:
            await conn.close()
        return order

    assert asyncio.run(run()) == ["first", "later"]
