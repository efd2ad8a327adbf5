"""A station fetching a file of its office it lacks (issue 22): scanned at another station, filed online.

`ensure_blob(store, sha256)` is the one entry point: the file's path in this station's blob folder, downloaded
from the central server when missing (GET /api/v1/blobs/{sha256} with the station's token), checked against its
SHA-256, kept, and recorded in the `blobs` table (so `counter blobs verify` knows it). Screens and commands that
open a file call it (in a worker: it may take the network's time).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from counter.services import digitize
from counter.services.blobs import FolderBlobStore, checked_sha
from counter.services.store import Store

_DOCS = sa.text("SELECT payload FROM dossier_events WHERE kind IN ('document_scanned', 'returned') "
                "AND payload LIKE :p LIMIT 1")


def ensure_blob(store: Store, sha256: str, transport: Any = None) -> Path:
    """The path of the file, fetched from the central server first when this station lacks it (BlobNotFound,
    BlobError, or the sync errors SyncUnavailable / SyncAuthError, all with Vietnamese messages; a station not
    set up for sync gets BlobNotFound)."""
    from counter.services import sync as sync_service

    sha = checked_sha(sha256)
    folder = FolderBlobStore(store.blob_dir)
    if not folder.has(sha) and sync_service.settings(store) is None:
        from counter.services.blobs import BlobNotFound

        raise BlobNotFound(f"Máy này không có tệp số hóa {sha[:12]}… và chưa nối với máy chủ trung tâm để tải về.")
    if folder.has(sha):
        data = folder.get(sha)  # intact: nothing to fetch (a damaged one is fetched again below)
    else:
        with sync_service.client_for(store, transport) as client:
            data = folder.fetch(sha, client.get_blob)
    _record(store, sha, data)
    return folder.path(sha)


def missing_blobs(store: Store) -> list[str]:
    """The files the station's dossiers name that its blob folder lacks (received by sync, never fetched)."""
    folder = FolderBlobStore(store.blob_dir)
    found: dict[str, None] = {}
    for r in store.query("SELECT blobs FROM dossier_documents WHERE blobs != '[]'"):
        for sha in json.loads(r["blobs"]):
            if isinstance(sha, str) and not folder.has(sha):
                found[sha] = None
    return list(found)


def _record(store: Store, sha: str, data: bytes) -> None:
    """The `blobs` row of a fetched file (pages as the event that named it says)."""
    with store.write() as session:
        if session.execute(sa.text("SELECT 1 FROM blobs WHERE sha256 = :s"), {"s": sha}).first() is not None:
            return
        payload = session.execute(_DOCS, {"p": f"%{sha}%"}).scalar()
        pages = 0
        if payload:
            try:
                pages = int(json.loads(payload).get("pages") or 0)
            except (ValueError, TypeError, AttributeError):
                pages = 0
        mime = "application/pdf" if data[:5] == b"%PDF-" else "application/octet-stream"
        digitize.record_blob(session, store, sha, len(data), pages, mime)
