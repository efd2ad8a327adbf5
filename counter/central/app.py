"""The central server: `create_app(db_url)` builds the FastAPI app (no engine at import time)."""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import json
import logging
import re
import time
from typing import Any

import orjson
import sqlalchemy as sa
from pydantic import ValidationError as PydanticError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response

from counter.central import blobs as central_blobs
from counter.central import db, ingest, notify, ops, portal_routes, scale, voice
from counter.central import users as central_users
from counter.central import tables as t
from counter.central.tokens import TokenInfo, bind, lookup, own_events, station_info
from counter.central.track import CSP, NOT_FOUND_HTML, TOO_MANY_HTML, RateLimiter, render_page
from counter.domain import contracts
from counter.domain.clock import Clock, SystemClock
from counter.domain.codes import parse_token

log = logging.getLogger("counter.central")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_BLOB = 64 * 1024 * 1024


#: the collector's first threshold in a server process (see _tune_collector)
GC_YOUNG = 10_000


def _tune_collector() -> None:
    """In the server's own process (`counter serve`, its workers; never in a test's): what start-up made
    (modules, tables, the validators) is moved out of the collector's way (issue 21: a full collection walked
    all of it, ~50 ms every few pushes), and the youngest generation is collected every GC_YOUNG allocations
    instead of 700: a push of 1,000 events keeps ~100,000 objects alive until it ends, which the default
    passed over 20 times. Not in a test's process: frozen objects are never collected, so a test's stations and
    sessions alive at that moment would outlive it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
    """The notices' sending loop runs while the server does (issue 19)."""
    app.state.dispatcher.start()
    try:
        yield
    finally:
        app.state.dispatcher.stop()


class _Fail(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        self.status, self.detail, self.headers = status, detail, headers


def create_app(db_url: str, *, clock: Clock | None = None, migrate: bool = True, track_rate: float = 2.0,
               track_burst: int = 20, track_cache: float = 1.0, pool_size: int = 10, blob_url: str = "",
               forwarded_allow_ips: str = "", shared_limit: bool | None = None,
               online: Any = None, notifiers: dict[str, notify.Notifier] | None = None,
               public_url: str = "", sms_ascii: bool = True, complaint_days: int = 10,
               notify_interval: float = 5.0) -> FastAPI:
    """`track_rate` requests per second per client address on the public pages after a burst of
    `track_burst` (0 turns the limit off); a dossier's public data is kept `track_cache` seconds in this
    process (pushes through this process refresh it at once; 0 = always read the database). `blob_url`: the blob
    store (central/blobs.py); `forwarded_allow_ips`: the proxies whose X-Forwarded-For names the client;
    `shared_limit`: the rate limit in the database (default on PostgreSQL: every process shares it)."""
    engine = db.make_engine(db_url, pool_size=pool_size)
    if migrate:
        db.upgrade(engine)
    writer = engine.execution_options(immediate=True)
    clock = clock or SystemClock()
    if shared_limit is None:
        shared_limit = engine.dialect.name == "postgresql"
    limiter: Any = ops.SharedRateLimiter(engine, track_rate, track_burst) if shared_limit \
        else RateLimiter(track_rate, track_burst)
    blobs = central_blobs.CentralBlobs(engine, central_blobs.open_store(blob_url, engine))
    client_address = ops.ClientAddress(forwarded_allow_ips)
    metrics = ops.Metrics()
    app = FastAPI(title="Một cửa — máy chủ trung tâm", docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json",  # the station API; public pages stay out of it
                  lifespan=_lifespan)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(contracts.openapi_components())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(SecurityHeaders)
    from counter.central import fees as central_fees  # issue 18: the receipt's PDF behind the tracking page

    app.include_router(central_fees.router(engine))
    app.state.engine = engine
    app.state.limiter = limiter
    # the citizen's voice (issue 19): notices sent after acceptance, the rating and complaint pages
    app.state.clock, app.state.complaint_days = clock, complaint_days
    notify.set_options(engine, notify.NoticeOptions(public_url=public_url, sms_ascii=sms_ascii))
    app.state.dispatcher = notify.Dispatcher(engine, notifiers or {}, clock, notify_interval)
    app.include_router(voice.router)
    app.add_middleware(ops.Observe, metrics=metrics)
    app.state.blobs = blobs
    app.state.metrics = metrics
    epoch_cache = ops.TTLCache(ops.EPOCH_TTL)  # `serve new-epoch` reaches every process within EPOCH_TTL
    # reads of one statement need no transaction: no BEGIN and ROLLBACK round trips (PostgreSQL)
    reader = engine.execution_options(isolation_level="AUTOCOMMIT") if engine.dialect.name == "postgresql" \
        else engine
    # a revoked token is refused by every process within TOKEN_TTL
    token_cache = ops.TokenCache(ops.TOKEN_TTL, lambda: _revoked())
    async_reads = scale.AsyncReads(db.check_url(db_url), size=max(2, pool_size // 2)) \
        if engine.dialect.name == "postgresql" else None
    app.state.async_reads = async_reads
    track_cache_seconds = track_cache
    track_pages: dict[str, tuple[float, tuple[str, str, str, str] | None]] = {}

    def epoch() -> str:
        return epoch_cache.get("v", lambda: db.epoch(engine))

    @app.exception_handler(_Fail)
    async def _fail(_request: Request, exc: _Fail) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # the router's own answers (no such address, wrong method) in Vietnamese, never "Not Found"
        words = {404: "Không có địa chỉ này trên máy chủ.", 405: "Phương thức không được hỗ trợ ở địa chỉ này."}
        return JSONResponse({"detail": words.get(exc.status_code, "Yêu cầu không hợp lệ.")},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own checks of the query string (limit=abc, limit=10**30): a 422 in Vietnamese
        where = ", ".join(sorted({str(e.get("loc", ("", "?"))[-1]) for e in exc.errors()}))
        return JSONResponse({"detail": f"Tham số không hợp lệ: {where}."}, status_code=422)

    @app.exception_handler(sa.exc.DBAPIError)
    async def _transient(_request: Request, _exc: sa.exc.DBAPIError) -> JSONResponse:
        # the transaction was rolled back as a whole: the client sends the same batch again
        return JSONResponse({"detail": "Máy chủ tạm thời không ghi được, vui lòng gửi lại."}, status_code=503,
                            headers={"Retry-After": "1"})

    def _bearer(request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Fail(401, "Thiếu mã truy cập (Authorization: Bearer ...).", {"WWW-Authenticate": "Bearer"})
        return token

    def authenticate(request: Request) -> TokenInfo:
        token = _bearer(request)
        # not yet bound: never from the cache (it binds once)
        return _admitted(token_cache.get(token, lambda: _lookup(token)))

    async def authenticate_here(request: Request) -> TokenInfo:
        """authenticate, on the event loop when the token's lookup is kept (else in the threadpool)."""
        kept = token_cache.peek(_bearer(request))
        return _admitted(kept) if kept is not None else await _run(lambda: authenticate(request))

    def _admitted(info: TokenInfo | None) -> TokenInfo:
        if info is None:
            raise _Fail(401, "Mã truy cập sai hoặc đã bị thu hồi.", {"WWW-Authenticate": "Bearer"})
        if info.portal:  # issue 15: the portal's credential only delivers dossiers (central/online.py)
            raise _Fail(403, "Mã truy cập của Cổng DVCQG chỉ dùng để gửi hồ sơ trực tuyến, không dùng cho máy trạm.")
        return info

    def _lookup(token: str) -> TokenInfo | None:
        with reader.connect() as conn:
            return lookup(conn, token)

    def _revoked() -> set[int]:
        with reader.connect() as conn:
            return set(conn.execute(sa.select(t.tokens.c.id).where(t.tokens.c.revoked_at.is_not(None))).scalars())

    def client_of(request: Request) -> str:
        return client_address(request.scope)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return {"ok": True, "epoch": epoch()}

    app.include_router(scale.router(authenticate, blobs, metrics, _run))

    # --- events -------------------------------------------------------------------------------------------

    @app.post("/api/v1/events", openapi_extra=contracts.openapi_body(contracts.PushRequest),
              responses={200: {"model": contracts.PushResponse}})
    async def post_events(request: Request) -> Response:
        auth = await _run(lambda: authenticate(request))  # before reading the body
        floats: list[str] = []  # noted while parsing: a body without floats need not be walked to find them

        def number(text: str) -> float:
            floats.append(text)
            return float(text)

        body = _json_body(await request.body(), fast=True, parse_float=number, parse_constant=number)
        return await _run(lambda: _push(auth, body, not floats))

    def _push(auth: TokenInfo, body: Any, json_only: bool = False) -> Response:
        now = clock.now()
        touched: set[str] = set()
        try:
            with writer.begin() as conn:
                results = ingest.push(conn, auth, body, now, touched, json_only=json_only)
            metrics.pushes.inc()
            for status, n in collections.Counter(r["status"] for r in results).items():  # a lookup a status
                metrics.events.labels(auth.office_id, status).inc(n)
            for token in touched:  # this process shows the change at once; others within track_cache seconds
                track_pages.pop(token, None)
        except ingest.Forbidden as exc:
            raise _Fail(403, exc.message) from None
        except ingest.BadRequest as exc:
            raise _Fail(422, exc.message) from None
        answer = {"results": results, "server_time": now.isoformat(), "max_batch": ingest.MAX_BATCH}
        return Response(ingest.json_bytes(answer), media_type="application/json")  # 1,000 results: orjson

    @app.get("/api/v1/events", responses={200: {"model": contracts.PullResponse}})
    async def get_events(request: Request, after: str = "", limit: int = 500) -> Response:
        # an idle station's pull (If-None-Match, nothing new) stays on the event loop: its token and the epoch
        # from this process's caches, the office's last_seq from an async connection (scale.AsyncReads)
        auth = await authenticate_here(request)
        current = epoch_cache.peek("v") or await _run(epoch)
        try:
            cursor = ingest.parse_cursor(after, current)
        except ingest.BadRequest as exc:
            raise _Fail(422, exc.message) from None
        scale.note_outbox(metrics, auth, request.headers.get("x-counter-outbox"))
        if scale.asks_if_new(request, after, current):
            try:
                last = await async_reads.last_seq(auth.office_id) if async_reads else None
            except OSError:
                async_reads.failed += 1  # type: ignore[union-attr]
                last = None
            if last is None:  # no async connection (SQLite), or it failed: the engine's way
                last = await _run(lambda: _last_seq(auth.office_id))
            if scale.caught_up(last, cursor):
                metrics.not_modified.inc()  # nothing after the station's cursor: no body, one key lookup
                return Response(status_code=304, headers={"ETag": scale.etag(after)})
        page = await _run(lambda: _pull(auth.office_id, cursor, limit, current))
        return JSONResponse(page, headers={"ETag": scale.etag(page["cursor"])})

    def _last_seq(office_id: str) -> int | None:
        with reader.connect() as conn:
            return scale.last_seq(conn, office_id)

    def _pull(office_id: str, cursor: int, limit: int, current: str) -> dict[str, Any]:
        with reader.connect() as conn:  # one statement: no transaction
            return ingest.pull(conn, office_id, cursor, limit, current)

    @app.get("/api/v1/station")
    def get_station(request: Request) -> dict[str, Any]:
        """The token's station: office, number, the last station_seq/hash the server settled for it (a station
        restored from an older backup sees it is behind itself), the office's free numbers (`counter init`)."""
        auth = authenticate(request)
        with engine.connect() as conn:
            return station_info(conn, auth)

    @app.post("/api/v1/station/bind")
    def post_station_bind(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Bind the token to a new station's UUID before its first push (`counter init --server`)."""
        auth = authenticate(request)
        station_id = body.get("station_id")
        if not isinstance(station_id, str) or not 1 <= len(station_id) <= 36:
            raise _Fail(422, "“station_id” không hợp lệ.")
        with writer.begin() as conn:
            problem = bind(conn, auth, station_id)
        if problem:
            raise _Fail(409, problem)
        return {"station_id": station_id, "station_number": auth.station_number}

    @app.get("/api/v1/station/events")
    def get_station_events(request: Request, after_seq: int = 0, limit: int = 500) -> dict[str, Any]:
        """This token's station's own accepted events after station_seq `after_seq` (a restored station)."""
        auth = authenticate(request)
        if not 0 <= after_seq < 2 ** 63:
            raise _Fail(422, "“after_seq” không hợp lệ.")
        with engine.connect() as conn:
            return own_events(conn, auth, after_seq, limit)

    # --- the office's users (issue 14): stations log in offline with them -------------------------------

    @app.get("/api/v1/users")
    def get_users(request: Request) -> Response:
        auth = authenticate(request)
        with engine.connect() as conn:
            found = central_users.office_users(conn, auth.office_id)
        return JSONResponse({"office_id": auth.office_id, "users": [central_users.wire(u) for u in found]},
                            headers={"Cache-Control": "no-store"})

    # --- blobs --------------------------------------------------------------------------------------------

    @app.post("/api/v1/blobs/missing", openapi_extra=contracts.openapi_body(contracts.MissingBlobsRequest),
              responses={200: {"model": contracts.MissingBlobsResponse}})
    async def blobs_missing(request: Request) -> Response:
        await _run(lambda: authenticate(request))  # before reading the body
        body = _json_body(await request.body())
        return await _run(lambda: JSONResponse(_missing(body)))

    def _missing(body: Any) -> dict[str, Any]:
        try:  # the body's declaration (contracts.MissingBlobsRequest)
            hashes = contracts.MISSING_BLOBS.validate_python(body).hashes
        except PydanticError:
            raise _Fail(422, "“hashes” phải là danh sách mã SHA-256.") from None
        have = blobs.known({h.lower() for h in hashes})
        return {"missing": [h for h in dict.fromkeys(h.lower() for h in hashes) if h not in have]}

    @app.put("/api/v1/blobs/{sha256}", responses={200: {"model": contracts.BlobStored},
                                                   201: {"model": contracts.BlobStored}})
    async def put_blob(sha256: str, request: Request) -> Response:
        sha256 = sha256.lower()
        if not _SHA256.match(sha256):
            raise _Fail(422, "Mã SHA-256 không hợp lệ.")
        await _run(lambda: authenticate(request))  # before reading the body
        if int(request.headers.get("content-length") or 0) > MAX_BLOB:
            raise _Fail(413, "Tệp quá lớn.")
        upload = central_blobs.Upload(MAX_BLOB)  # streamed to a temporary file, hashed on the way
        try:
            async for chunk in request.stream():
                if not upload.add(chunk):
                    raise _Fail(413, "Tệp quá lớn.")
            return await _run(lambda: _put_blob(request, sha256, upload))
        finally:
            upload.close()

    def _put_blob(request: Request, sha256: str, upload: central_blobs.Upload) -> Response:
        if upload.sha256 != sha256:
            raise _Fail(422, "Nội dung tệp không khớp mã SHA-256 (tệp hỏng hoặc bị cắt), không lưu.")
        mime = (request.headers.get("content-type") or "application/octet-stream")[:100]
        try:
            stored = blobs.put(upload, mime, clock.now())
        except central_blobs.BlobStoreError:
            log.exception("blob store refused an upload")
            raise _Fail(503, "Kho tệp tạm thời không ghi được, vui lòng gửi lại.", {"Retry-After": "5"}) from None
        if stored:
            metrics.blob_bytes.labels("in").inc(upload.size)
        return JSONResponse({"sha256": sha256, "stored": stored}, status_code=201 if stored else 200)

    # --- public tracking ----------------------------------------------------------------------------------

    _TRACK = (sa.select(t.dossiers.c.public, t.offices.c.id, t.offices.c.name, t.offices.c.phone)
              .join(t.offices, t.offices.c.id == t.dossiers.c.office_id)
              .where(t.dossiers.c.token == sa.bindparam("token")))

    def tracked(token: str) -> tuple[str, str, str, str] | None:
        with engine.connect() as conn:
            row = conn.execute(_TRACK, {"token": token}).first()
        if row is None:
            return None
        return row.public, row.id, row.name, row.phone

    async def lookup_tracked(token: str) -> tuple[str, str, str, str] | None:
        """The dossier's public projection and office, through a short-lived in-process cache: a citizen
        refreshing the page, or a crowd of them, costs one query per `track_cache` seconds per dossier."""
        token = parse_token(token)  # type: ignore[assignment]
        if token is None:
            return None
        now = time.monotonic()
        hit = track_pages.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = await _run(lambda: tracked(token))
        if track_cache_seconds > 0:
            if len(track_pages) >= 50_000:
                track_pages.clear()
            track_pages[token] = (now + track_cache_seconds, found)
        return found

    _NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}  # + SECURITY_HEADERS on every answer

    @app.get("/t/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def track_page(token: str, request: Request) -> Response:
        wait = await _run(lambda: limiter.take(client_of(request)))
        if wait:
            metrics.rate_limited.inc()
            return HTMLResponse(TOO_MANY_HTML, status_code=429, headers={"Retry-After": limiter.retry_after(wait)})
        found = await lookup_tracked(token)
        if found is None:
            return HTMLResponse(NOT_FOUND_HTML, status_code=404, headers=_NO_STORE)
        return HTMLResponse(voice.voice_link(_render_html(*found), token), headers=_NO_STORE)

    @app.get("/api/v1/track/{token}", include_in_schema=False)
    async def track_json(token: str, request: Request) -> Response:
        wait = await _run(lambda: limiter.take(client_of(request)))
        if wait:
            metrics.rate_limited.inc()
            return JSONResponse({"detail": "Quá nhiều yêu cầu, vui lòng thử lại sau."}, status_code=429,
                                headers={"Retry-After": limiter.retry_after(wait)})
        found = await lookup_tracked(token)
        if found is None:
            return JSONResponse({"detail": "Không tìm thấy hồ sơ."}, status_code=404, headers=_NO_STORE)
        return Response(_render_json(*found), media_type="application/json", headers=_NO_STORE)

    from counter.central import online as online_part  # issue 15: online filing, the portal, tracking by code

    app.include_router(online_part.make_router(engine, clock, online or online_part.OnlineConfig(),
                                               lambda token: track_pages.pop(token, None), blobs))
    online_part.attach_cleanup(app, online or online_part.OnlineConfig())  # orphan uploads, hourly
    from counter.central import results  # issue 20: the electronic result's download, the signature check
    app.include_router(results.router)
    return app


#: on every answer (pages, their 404 and 429, the API): no framing, no type sniffing, no script, and no
#: Referer carrying the tracking token in the URL to a site the page links to
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
_SECURITY_NAMES = {name for name, _ in SECURITY_HEADERS}


class SecurityHeaders:
    """A plain ASGI middleware (no per-request task or body buffering, unlike @app.middleware)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                given = message.get("headers", [])
                # a page with its own policy keeps it (the /nop forms post to the server: central/online.py)
                own = [h for h in given if h[0].lower() == b"content-security-policy"]
                headers = [h for h in given if h[0].lower() not in _SECURITY_NAMES]
                extra = [h for h in SECURITY_HEADERS if not (own and h[0] == b"content-security-policy")]
                message = {**message, "headers": headers + own[:1] + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def app_from_env() -> FastAPI:
    """uvicorn's factory for `counter serve --workers N` (each worker process builds its own app from the
    Settings: [server] of the config files and COUNTER_SERVER__* variables)."""
    return app_from_settings()


def app_from_settings(settings: Any = None) -> FastAPI:
    """The central server from `settings` (counter.settings.Settings; default: loaded from every source)."""
    from counter.settings import Settings

    loaded = settings or Settings.load()
    s = loaded.server
    from counter.central.fees import set_payee  # issue 18: the office account the tracking page's VietQR pays
    from counter.central.online import OnlineConfig

    set_payee(loaded.fees)
    online = OnlineConfig(file_hosts=tuple(h.strip() for h in s.portal_file_hosts.split(",") if h.strip()),
                          max_file_bytes=s.max_file_mb * 1024 * 1024, max_dossier_bytes=s.max_dossier_mb * 1024 * 1024,
                          catalogue=s.catalogue, public_base_url=s.public_base_url, nop_rate=s.nop_rate,
                          nop_burst=s.nop_burst, upload_lifetime_hours=s.upload_lifetime_hours)
    app = create_app(s.db, migrate=False, track_rate=s.track_rate, track_burst=s.track_burst,
                     track_cache=s.track_cache, pool_size=s.pool_size, blob_url=s.blob_url,
                     forwarded_allow_ips=s.forwarded_allow_ips, online=online,
                     notifiers=notify.notifiers_from_settings(s), public_url=s.public_url, sms_ascii=s.sms_ascii,
                     complaint_days=s.complaint_days)
    portal_routes.attach(app, s)  # issue 16: the national portal's files and outbox worker
    _tune_collector()  # the server process: app_from_settings is counter serve's and its workers' way
    return app


MAX_JSON_DEPTH = 64  # a push is 4 levels deep; nothing a station sends comes near
# a JSON string literal, as the "unrolled loop" (the same language as "(?:[^"\\]|\\.)*", three times faster)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _plain(value: Any, depth: int = 1) -> bool:
    """True when a parsed JSON container is at most MAX_JSON_DEPTH deep (the top one is 1) and holds no float."""
    if depth > MAX_JSON_DEPTH:
        return False
    for v in value.values() if type(value) is dict else value:
        t = type(v)
        if t is dict or t is list:
            if not _plain(v, depth + 1):
                return False
        elif t is float:
            return False
    return True


def _json_body(raw: bytes, *, fast: bool = False, **options: Any) -> Any:
    """A request's JSON body, or _Fail(422) in Vietnamese: not JSON, not UTF-8, or nested deeper than
    MAX_JSON_DEPTH (a 100,000-deep [[[…]]] would exhaust the parser's recursion).

    `fast` (a push, issue 21): orjson parses the body (3× faster than json.loads; nesting past 1024 is an
    error there, not a crash) and one walk of what it made checks the depth and that it holds no float; a body
    with no float and at most MAX_JSON_DEPTH deep is then exactly what json.loads makes of it (the same dicts,
    the last duplicate key winning; orjson reads an integer past 64 bits as a float, which sends it the slow
    way). Anything else (a float, too deep, and what orjson refuses: NaN, lone surrogates, UTF-16, a BOM, bad
    JSON) goes the way it always went: the depth of the raw text's brackets, then json.loads with `options`,
    so the answer is the same. `parse_float`/`parse_constant` hooks are not called on the fast path: it takes
    no body with a float."""
    if fast:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        else:
            if _plain([body], 0):
                return body
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)  # C speed: strings out, brackets kept
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise _Fail(422, f"Thân yêu cầu lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} cấp).")
    try:
        return json.loads(raw, **options)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _Fail(422, "Thân yêu cầu không phải JSON hợp lệ.") from None


@functools.lru_cache(maxsize=4096)
def _render_html(public: str, office_id: str, name: str, phone: str) -> str:
    """Pages are a pure function of the projection and the office: a re-read dossier costs one query."""
    return render_page(json.loads(public), {"id": office_id, "name": name, "phone": phone})


@functools.lru_cache(maxsize=4096)
def _render_json(public: str, office_id: str, name: str, phone: str) -> bytes:
    view = json.loads(public)
    view["office"] = {"id": office_id, "name": name, "phone": phone}
    return json.dumps(view, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def _run(fn):  # type: ignore[no-untyped-def]
    """Blocking database work off the event loop."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn)
