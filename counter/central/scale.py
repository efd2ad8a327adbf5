"""Routes and helpers of the province's server (issue 22): a station's download of its office's files, the
readiness probe, Prometheus metrics, and the pull's cheap "nothing new" answer (ETag / 304)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection

from counter.central import tables as t
from counter.central.blobs import BlobStoreError, CentralBlobs
from counter.central.ops import Metrics
from counter.central.tokens import TokenInfo

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
PRESIGN_OVER = 4 * 1024 * 1024  # files larger than this are fetched from the object store directly
PRESIGN_SECONDS = 300


def etag(cursor: str) -> str:
    return f'"{cursor}"'


def asks_if_new(request: Request, after: str, epoch: str) -> bool:
    """The station says (If-None-Match: the ETag of its last page, i.e. its cursor) that it has everything up to
    `after`, of this epoch: if the office has nothing after it, the answer is 304 (`caught_up`)."""
    return bool(after) and request.headers.get("if-none-match") == etag(after) and after.startswith(epoch + ".")


def caught_up(last_seq: int | None, cursor: int) -> bool:
    """The office's last sequence is not past the station's cursor: nothing new."""
    return last_seq is not None and last_seq <= cursor


_LAST_SEQ = sa.select(t.offices.c.last_seq).where(t.offices.c.id == sa.bindparam("office"))


def last_seq(conn: Connection, office_id: str) -> int | None:
    """The office's last accepted office_seq (None: no such office yet): one primary-key lookup."""
    return conn.execute(_LAST_SEQ, {"office": office_id}).scalar()


class AsyncReads:
    """The idle pull's one read (`last_seq`) on a few autocommit psycopg AsyncConnections of their own, awaited
    on the event loop: no threadpool hop, no transaction, one round trip (a prepared statement, except behind
    PgBouncer in transaction mode). The exact answer, as the database has it when asked (no cache: a pull
    that follows another process's commit sees it). At most `size` connections, made when first needed; they
    belong to the event loop that made them (a test's client on another loop gets new ones). Any database error
    closes the connection and raises OSError: the caller falls back to the engine's path (503 if it fails too)."""

    def __init__(self, url: str, size: int = 4):
        parsed = sa.engine.make_url(url)
        self.prepare = parsed.query.get("pgbouncer") != "transaction"
        parsed = parsed.difference_update_query(["pgbouncer"]).set(drivername="postgresql")
        self.conninfo = parsed.render_as_string(hide_password=False)
        self.size = size
        self._loop: Any = None
        self._idle: list[Any] = []
        self._made = 0
        self._waiters: Any = None  # the futures of the pulls waiting for a connection, oldest first
        self.failed = 0  # reads that fell back to the engine (a database error here)
        self._sql = f"SELECT last_seq FROM {t.offices.name} WHERE id = %s"  # _LAST_SEQ, for psycopg itself

    def _here(self) -> None:
        import asyncio
        from collections import deque

        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # connections of another (a closed test's) loop are of no use here
            for conn in self._idle:
                conn.pgconn.finish()
            self._loop, self._idle, self._made, self._waiters = loop, [], 0, deque()

    async def _take(self) -> Any:
        """An idle connection, a new one while fewer than `size` exist, else the oldest waiter's turn: a
        connection given back goes straight to the first waiter (were it put on the idle list, a pull arriving
        before the woken waiter runs would take it, again and again: bench/province.py's pulls waited 20–60 s
        at the p99 behind 3 s pushes)."""
        import psycopg

        self._here()
        while True:
            if self._idle:
                return self._idle.pop()
            if self._made < self.size:
                self._made += 1
                try:
                    return await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True,
                                                                 prepare_threshold=0 if self.prepare else None)
                except psycopg.Error:
                    self._made -= 1
                    raise
            turn = self._loop.create_future()
            self._waiters.append(turn)
            try:
                conn = await turn
            except BaseException:  # cancelled: a connection handed over meanwhile goes to the next one
                if turn.done() and not turn.cancelled() and turn.result() is not None:
                    await self._give(turn.result(), False)
                elif turn in self._waiters:
                    self._waiters.remove(turn)
                raise
            if conn is not None:
                return conn
            # None: a connection was closed, this waiter may make a new one (the loop above)

    async def _give(self, conn: Any, broken: bool) -> None:
        if broken:
            self._made -= 1
            await conn.close()
            conn = None  # the first waiter makes a new one
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(conn)
                return
        if conn is not None:
            self._idle.append(conn)

    async def last_seq(self, office_id: str) -> int | None:
        import psycopg

        try:
            conn = await self._take()
        except psycopg.Error as exc:
            raise OSError(str(exc)) from None
        broken = True
        try:
            cur = await conn.execute(self._sql, (office_id,), prepare=self.prepare or None)
            row = await cur.fetchone()
            broken = False
        except psycopg.Error as exc:
            raise OSError(str(exc)) from None
        finally:
            if conn.closed or conn.pgconn.status != psycopg.pq.ConnStatus.OK:
                broken = True
            await self._give(conn, broken)
        return None if row is None else int(row[0])


def note_outbox(metrics: Metrics, auth: TokenInfo, value: str | None) -> None:
    """A station's outbox depth, as its pull reports it (X-Counter-Outbox), into the gauge."""
    if value and value.isascii() and value.isdigit() and len(value) < 10:
        metrics.outbox.labels(auth.office_id, str(auth.station_number)).set(int(value))


def router(authenticate: Callable[[Request], TokenInfo], blobs: CentralBlobs, metrics: Metrics,
           run: Callable[[Callable[[], Any]], Any]) -> APIRouter:
    api = APIRouter()

    @api.get("/api/v1/blobs/{sha256}", responses={200: {"content": {"application/octet-stream": {}}},
                                                   307: {"description": "Địa chỉ tải trực tiếp từ kho đối tượng"}})
    async def get_blob(sha256: str, request: Request) -> Response:
        """One file an accepted event of the token's office names (a station fetches what it lacks). Large
        files in an object store are a redirect to a presigned URL valid PRESIGN_SECONDS."""
        sha256 = sha256.lower()
        if not _SHA256.match(sha256):
            return JSONResponse({"detail": "Mã SHA-256 không hợp lệ."}, status_code=422)
        auth = await run(lambda: authenticate(request))
        found = await run(lambda: blobs.referenced(auth.office_id, sha256))
        if found is None:  # another office's file looks exactly like one that does not exist
            return JSONResponse({"detail": "Không có tệp này trong hồ sơ của cơ quan."}, status_code=404)
        mime, size = found
        try:
            if size > PRESIGN_OVER and not await run(lambda: blobs.in_table(sha256)):
                url = blobs.store.presigned_url(sha256, PRESIGN_SECONDS)
                if url:
                    return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
            data = await run(lambda: blobs.read(sha256))
        except BlobStoreError:
            return JSONResponse({"detail": "Kho tệp tạm thời không đọc được, vui lòng thử lại."}, status_code=503,
                                headers={"Retry-After": "5"})
        if data is None:
            return JSONResponse({"detail": "Máy chủ ghi nhận tệp nhưng kho tệp không có."}, status_code=503,
                                headers={"Retry-After": "30"})
        metrics.blob_bytes.labels("out").inc(len(data))
        return Response(bytes(data), media_type=mime,
                        headers={"Cache-Control": "private, max-age=31536000, immutable",
                                 "ETag": etag(sha256)})

    @api.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        """Ready to serve: the database answers and the blob store is reachable (else 503, with which)."""
        problems = []
        try:
            with blobs.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            problems.append("database")
        try:
            blobs.store.ping()
        except BlobStoreError:
            problems.append("blob_store")
        return JSONResponse({"ok": not problems, "failing": problems}, status_code=503 if problems else 200)

    @api.get("/metrics", include_in_schema=False)
    def get_metrics() -> Response:
        body, kind = metrics.render()
        return Response(body, media_type=kind)

    return api
