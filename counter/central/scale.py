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


def caught_up(conn: Connection, request: Request, office_id: str, after: str, cursor: int, epoch: str) -> bool:
    """The station says (If-None-Match: the ETag of its last page, i.e. its cursor) that it has everything up to
    `after`, of this epoch, and the office has nothing after it: one primary-key lookup instead of the pull."""
    if not after or request.headers.get("if-none-match") != etag(after) or not after.startswith(epoch + "."):
        return False
    last = conn.execute(sa.select(t.offices.c.last_seq).where(t.offices.c.id == office_id)).scalar()
    return last is not None and last <= cursor


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
