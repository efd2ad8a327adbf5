"""The central server's side of the national portal (issue 16): the files the portal fetches (the URLs in
TaiLieuNop, `{portal_file_url}/portal/files/{sha256}`: the SHA-256 of a scanned file is the capability, as
on the stations' blob API) and the outbox worker started and stopped with the app."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from counter.central import tables as t
from counter.central.ops import run_beside

router = APIRouter()
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@router.get("/portal/files/{sha256}", include_in_schema=False)
def portal_file(sha256: str, request: Request) -> Response:
    if not _SHA256.match(sha256):
        return JSONResponse({"detail": "Không có tệp này."}, status_code=404)
    with request.app.state.engine.connect() as conn:
        mime = conn.execute(sa.select(t.blobs.c.mime).where(t.blobs.c.sha256 == sha256)).scalar()
    data = request.app.state.blobs.read(sha256) if mime is not None else None  # whichever store holds it
    if data is None:
        return JSONResponse({"detail": "Không có tệp này."}, status_code=404)
    return Response(bytes(data), media_type=mime, headers={"Cache-Control": "private, max-age=3600"})


def attach(app: FastAPI, server: Any, *, pusher: bool = True) -> None:
    """The routes, and (when [server] portal_adapter_url is set) the outbox worker for the app's lifetime."""
    app.include_router(router)
    if not pusher:
        return

    def pusher_of(a: FastAPI) -> Any:
        from counter.central.portal_out import Pusher

        a.state.portal_pusher = Pusher(a.state.engine, server)
        return a.state.portal_pusher

    run_beside(app, pusher_of)
