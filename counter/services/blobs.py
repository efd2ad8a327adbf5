"""The blob store: scanned PDFs and returned files, kept once under the SHA-256 of their bytes.

`BlobStore` is what the services need (put / get / has); `FolderBlobStore` keeps them as files
`<root>/ab/cdef…`, written atomically (temporary file, fsync, rename). Another backend (S3, a NAS) only has to
offer the same three methods; the composition root (counter/compose.py) picks it.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from counter.domain.errors import CounterError
from counter.fsutil import make_folder, sync_folder, write_temp
from counter.services.store import NotFound

_SHA = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


class BlobError(CounterError):
    pass


class BlobNotFound(NotFound, BlobError):
    pass


@runtime_checkable
class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the bytes once; returns their SHA-256 (hex)."""

    def get(self, sha256: str) -> bytes:
        """The bytes, checked against their hash (BlobNotFound, BlobError)."""

    def has(self, sha256: str) -> bool:
        """The blob is there (intact or not: `get` checks)."""


def checked_sha(sha: str) -> str:
    sha = sha.strip().lower()
    if not _SHA.match(sha):
        raise BlobError(f"Mã băm “{sha}” không hợp lệ (cần 64 ký tự 0-9a-f của SHA-256).")
    return sha


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def blob_store(store: Any) -> BlobStore:
    """The store's blob store: the one the composition root gave it, else the folder of its data dir."""
    blobs = getattr(store, "blobs", None)
    return blobs if blobs is not None else FolderBlobStore(store.blob_dir)


class FolderBlobStore:
    """Blobs as files in a folder of the data dir (the station's `blobs/`)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        sha = checked_sha(sha256)
        return self.root / sha[:2] / sha[2:]

    def put(self, data: bytes) -> str:
        """The bytes are written and fsynced into a temporary file of the root while another thread hashes them
        (both release the GIL: a scanned document's 10 MB cost the longer of the two, not their sum); then the
        file is renamed to its hash's name and the folder fsynced. Content already stored intact stays as it is
        (the temporary file is dropped)."""
        box: list[str] = []
        hasher = threading.Thread(target=lambda: box.append(hashlib.sha256(data).hexdigest()), daemon=True)
        hasher.start()
        tmp: Path | None = None
        try:
            try:
                make_folder(self.root)
                tmp = write_temp(data, self.root)
            finally:
                hasher.join()
            sha = box[0]
            path = self.path(sha)
            if path.exists() and path.stat().st_size == len(data) and file_sha256(path) == sha:
                return sha  # stored once: the same content is already there (and intact)
            made = make_folder(path.parent)
            os.replace(tmp, path)
            tmp = None
            sync_folder(path.parent)
            if made:
                sync_folder(self.root)  # the new folder's own name
        except OSError as exc:
            raise BlobError(f"Không ghi được tệp số hóa vào {self.root}: {exc.strerror}") from None
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        return sha

    def get(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(f"Không có tệp số hóa {sha256[:12]}… trong kho ({path}).") from None
        if hashlib.sha256(data).hexdigest() != sha256.strip().lower():
            raise BlobError(f"Tệp {path} không còn khớp mã băm: tệp đã bị sửa hoặc hỏng.")
        return data

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def fetch(self, sha256: str, download: Callable[[str], bytes | None]) -> bytes:
        """The blob from this folder when it is here and intact, else `download(sha256)`'s bytes, checked
        against the hash and kept here (the next call reads the folder). BlobNotFound when the download has
        none; BlobError when it brought other bytes (nothing kept)."""
        sha = checked_sha(sha256)
        if self.has(sha):
            try:
                return self.get(sha)
            except BlobError:
                pass  # damaged here: fetched again and replaced
        data = download(sha)
        if data is None:
            raise BlobNotFound(f"Máy chủ không có tệp số hóa {sha[:12]}… của cơ quan.")
        if hashlib.sha256(data).hexdigest() != sha:
            raise BlobError(f"Tệp số hóa {sha[:12]}… tải từ máy chủ không khớp mã băm (hỏng dọc đường): không lưu.")
        self.put(data)
        return data
