"""What lets N server processes on several hosts behave as one (issue 22): the real client address behind a
trusted proxy, the public pages' rate limit in the database, short-lived caches, Prometheus metrics, JSON-lines
access logs with a request id, /healthz and /readyz, and the blob download route.

Lifetimes of what a process keeps (documented in docs/scale.md):
    the epoch            EPOCH_TTL seconds (a `serve new-epoch` reaches every process within it)
    a token's lookup     kept; the revoked ones read every TOKEN_TTL seconds (a revoked token stops within it)
    a tracking page      [server] track_cache seconds (pushes through the same process refresh it at once)
"""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from counter.central.track import Limiter

EPOCH_TTL = 5.0
TOKEN_TTL = 10.0

# ---- the client's address -------------------------------------------------------------------------------


def parse_networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """"127.0.0.1, 10.0.0.0/8" -> networks; "*" trusts every peer (only behind a proxy that overwrites the
    header); "" trusts none (the default: X-Forwarded-For is ignored)."""
    out = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part == "*":
            out += [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            from counter.domain.errors import CounterError

            raise CounterError(f"Địa chỉ proxy tin cậy “{part}” không hợp lệ (ví dụ 127.0.0.1, 10.0.0.0/8)") from None
    return out


class ClientAddress:
    """The address a request came from: the peer, unless the peer is a trusted proxy; then the last entry of
    X-Forwarded-For (the one that proxy wrote: what a client put before it is never believed)."""

    def __init__(self, trusted: str = ""):
        self.trusted = parse_networks(trusted)

    def _is_trusted(self, host: str) -> bool:
        if not self.trusted:
            return False
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def __call__(self, scope: Mapping[str, Any]) -> str:
        peer = scope.get("client")
        host = peer[0] if peer else "?"
        if not self._is_trusted(host):
            return host
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                last = value.decode("latin-1").split(",")[-1].strip()
                try:
                    return str(ipaddress.ip_address(last))
                except ValueError:
                    return host
        return host


# ---- the public pages' rate limit, shared by every process ------------------------------------------------

# A refused request leaves the row as it was (tokens and time: the refill goes on from there); a served one
# stores the tokens left and the time of now(), the transaction's start, which RETURNING compares with.
_REFILL = "least(:burst, central_rate_limits.tokens + (extract(epoch FROM now()) - central_rate_limits.at) * :rate)"
_TAKE_PG = sa.text(f"""
INSERT INTO central_rate_limits(key, tokens, at) VALUES (:k, :burst - 1, extract(epoch FROM now()))
ON CONFLICT (key) DO UPDATE SET
  tokens = CASE WHEN {_REFILL} >= 1 THEN {_REFILL} - 1 ELSE central_rate_limits.tokens END,
  at = CASE WHEN {_REFILL} >= 1 THEN extract(epoch FROM now()) ELSE central_rate_limits.at END
RETURNING central_rate_limits.at = extract(epoch FROM now()) AS served,
          {_REFILL.replace("central_rate_limits.", "")} AS have
""")


class SharedRateLimiter(Limiter):
    """A token bucket per client address in PostgreSQL (central_rate_limits): every process and host behind the
    proxy draws from the same bucket, by the database's clock. One statement per request; rows of clients gone
    quiet for an hour are swept now and then. `take` and `retry_after` as track.RateLimiter (track.Limiter)."""

    def __init__(self, engine: Engine, rate: float, burst: int):
        self.engine, self.rate, self.burst = engine, rate, burst
        self._n = 0

    def _take(self, client: str) -> float:
        with self.engine.begin() as conn:
            served, have = conn.execute(_TAKE_PG, {"k": "track:" + client[:70], "burst": float(self.burst),
                                                   "rate": float(self.rate)}).one()
            self._n += 1
            if self._n % 1000 == 0:
                conn.execute(sa.text("DELETE FROM central_rate_limits WHERE at < extract(epoch FROM now()) - 3600"))
        if served:
            return 0.0
        return max(0.001, (1.0 - float(have)) / self.rate)


def _bounded_put(items: dict[Any, tuple[float, Any]], lock: threading.Lock, max_items: int, key: Any,
                 entry: tuple[float, Any]) -> None:
    """Keep `entry` (expiry, value) under `key`; a full cache is emptied first (the caches stay bounded)."""
    with lock:
        if len(items) >= max_items:
            items.clear()
        items[key] = entry


class TTLCache:
    """A small per-process cache of values that may be `ttl` seconds stale (thread-safe; bounded)."""

    def __init__(self, ttl: float, max_items: int = 10_000, monotonic: Callable[[], float] = time.monotonic):
        self.ttl, self.max_items, self._now = ttl, max_items, monotonic
        self._items: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def peek(self, key: Any) -> Any:
        """The kept value while it is fresh, else None (no load)."""
        hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] > self._now() else None

    def get(self, key: Any, load: Callable[[], Any]) -> Any:
        now = self._now()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if self.ttl > 0:
            _bounded_put(self._items, self._lock, self.max_items, key, (now + self.ttl, value))
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

class TokenCache:
    """Station tokens' lookups, kept in the process up to `keep` seconds, while a revocation still reaches every
    process within `ttl` seconds: every `ttl` seconds the first request reads the ids of the revoked tokens (one
    small query per process, where a TTLCache of `ttl` refetched every token each pull: stations pull every 10 s,
    as long as the old lifetime) and drops them. Only tokens bound to a station are kept (a bound token's office,
    number and station never change; revocation is the only change there is). Thread-safe; bounded."""

    def __init__(self, ttl: float, revoked: Callable[[], set[int]], keep: float = 3600.0,
                 max_items: int = 100_000, monotonic: Callable[[], float] = time.monotonic):
        self.ttl, self.keep, self.max_items, self._now = ttl, keep, max_items, monotonic
        self._revoked = revoked
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._sweeping = threading.Lock()
        self._swept = -float("inf")

    def fresh(self) -> bool:
        """The revocations are no older than `ttl` (peek may answer without a query)."""
        return self._now() < self._swept + self.ttl

    def peek(self, token: str) -> Any:
        """The kept lookup, or None when there is none or the revocations must be read first (no query)."""
        now = self._now()
        if now >= self._swept + self.ttl:
            return None
        hit = self._items.get(token)
        return hit[1] if hit is not None and hit[0] > now else None

    def get(self, token: str, load: Callable[[], Any]) -> Any:
        now = self._now()
        if now >= self._swept + self.ttl:
            self._sweep()
        hit = self._items.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if value is not None and getattr(value, "station_id", None) is not None and self.ttl > 0:
            _bounded_put(self._items, self._lock, self.max_items, token, (now + self.keep, value))
        return value

    def _sweep(self) -> None:
        with self._sweeping:  # one query at a time; the others wait for its answer
            start = self._now()
            if start < self._swept + self.ttl:
                return
            if self.ttl <= 0:
                self._items.clear()
                return
            gone = self._revoked()
            with self._lock:
                for key in [k for k, (_, v) in self._items.items() if v.id in gone]:
                    del self._items[key]
            self._swept = start  # revocations committed before `start` are out

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
        self._swept = -float("inf")


# ---- metrics and access logs ------------------------------------------------------------------------------


class Metrics:
    """The server's Prometheus metrics, in a registry of this app (GET /metrics). Under several worker
    processes each answers for itself: scrape each process (or set PROMETHEUS_MULTIPROC_DIR, see docs/scale.md)."""

    def __init__(self) -> None:
        import os

        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(self.registry)
        r = self.registry
        self.requests = Counter("counter_http_requests", "HTTP requests by route and status", ["route", "status"],
                                registry=r)
        self.latency = Histogram("counter_http_request_seconds", "Time to answer, by route", ["route"], registry=r,
                                 buckets=(.005, .01, .025, .05, .1, .2, .5, 1, 2.5, 5, 10))
        self.pushes = Counter("counter_pushes", "Push requests answered", registry=r)
        self.events = Counter("counter_events", "Pushed events by office and outcome", ["office", "status"],
                              registry=r)
        self.blob_bytes = Counter("counter_blob_bytes", "Bytes of blobs stored (in) and served (out)",
                                  ["direction"], registry=r)
        self.rate_limited = Counter("counter_rate_limited", "Public-page requests refused by the rate limit",
                                    registry=r)
        self.outbox = Gauge("counter_station_outbox_depth", "Events waiting in a station's outbox, as it reported "
                            "at its last pull", ["office", "station"], registry=r, multiprocess_mode="max")
        self.not_modified = Counter("counter_pull_not_modified", "Pulls answered 304 (nothing new)", registry=r)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


access_log = logging.getLogger("counter.access")


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                               + f".{int(record.msecs):03d}Z", "level": record.levelname.lower(),
                               "logger": record.name}
        fields = getattr(record, "fields", None)
        if fields:
            out.update(fields)
        else:
            out["msg"] = record.getMessage()
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info).splitlines()[-1][:300]
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def json_logging(level: int = logging.INFO, stream: Any = None) -> None:
    """The server's logs (access and errors) as JSON lines on stderr (what a container's log driver wants)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines())
    for name in ("counter", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(level)
        lg.propagate = False


class Observe:
    """ASGI middleware: a request id (the proxy's X-Request-ID when it is a plain token, else a new one, sent
    back in X-Request-ID), one access-log line per request (the route's template, never the path: a tracking
    token or a hash is not logged; no client address, no body), and the request metrics."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                text = value.decode("latin-1")
                if 8 <= len(text) <= 64 and all(c.isalnum() or c in "-_." for c in text):
                    rid = text
        rid = rid or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        start = time.perf_counter()
        status = [500]
        size = [0]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            elif message["type"] == "http.response.body":
                size[0] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            took = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "(none)"
            self.metrics.requests.labels(route, str(status[0])).inc()
            self.metrics.latency.labels(route).observe(took)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info("", extra={"fields": {
                    "request_id": rid, "method": scope.get("method"), "route": route, "status": status[0],
                    "ms": round(took * 1000, 2), "bytes": size[0]}})


def run_beside(app: Any, make: Callable[[Any], Any]) -> None:
    """Run a background worker (`start()`/`stop()`, made by `make(app)` at start-up) for the app's lifetime,
    around whatever lifespan the app already has."""
    import contextlib

    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any):  # type: ignore[no-untyped-def]
        worker = make(a)
        worker.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            worker.stop()

    app.router.lifespan_context = lifespan
