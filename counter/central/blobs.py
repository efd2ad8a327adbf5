"""The central server's blob store, behind one interface (put, get, has, presigned URL), content-addressed by
SHA-256. Chosen by [server] blob_url (COUNTER_SERVER__BLOB_URL):

    ""  or "db"            the bytes in the database's central_blobs table (the first version's; the default)
    "file:///srv/blobs"    a folder: <root>/ab/cdef…, written atomically
    "s3://bucket[/prefix]" an S3-compatible object store (boto3); the endpoint and keys come from the
                           environment: COUNTER_S3_ENDPOINT, COUNTER_S3_ACCESS_KEY, COUNTER_S3_SECRET_KEY,
                           COUNTER_S3_REGION (default us-east-1)

Whatever the store, every blob has its row in central_blobs (size, mime; `data` only for the database store):
the row is the index the pushes and POST /blobs/missing check, written after the bytes are safely stored.
Uploads arrive streamed into a temporary file while their SHA-256 is computed (`Upload`); nothing is stored
unless it matches the name; the S3 store also sends the SHA-256 so the object store checks it again.
Blobs still in the table (before `counter serve blobs migrate`) are read from it, whatever the store.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlparse

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from counter.central import tables as t
from counter.domain.errors import CounterError

CHUNK = 1 << 20


class BlobStoreError(CounterError):
    pass


class Upload:
    """An upload written to a temporary file as it arrives, hashed on the way (`add` chunks, then `finish`)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self._h = hashlib.sha256()
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=CHUNK * 4)  # noqa: SIM115  (close())

    def add(self, chunk: bytes) -> bool:
        """False once the upload exceeds the limit."""
        self.size += len(chunk)
        if self.size > self.limit:
            return False
        self._h.update(chunk)
        self.file.write(chunk)
        return True

    @property
    def sha256(self) -> str:
        return self._h.hexdigest()

    def rewind(self) -> IO[bytes]:
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.file.close()


class BlobStore(Protocol):
    name: str

    def put(self, sha256: str, source: IO[bytes], size: int) -> None:
        """Store the bytes (already checked against `sha256`) under their hash; idempotent."""

    def get(self, sha256: str) -> bytes | None:
        """The bytes, or None when the store does not have them."""

    def has(self, sha256: str) -> bool:
        """The store holds the blob."""

    def presigned_url(self, sha256: str, expires: int = 300) -> str | None:
        """A URL the client may GET the blob from directly for `expires` seconds, or None (serve it ourselves)."""

    def ping(self) -> None:
        """Raise BlobStoreError when the store cannot be reached (/readyz)."""

    def delete(self, sha256: str) -> None:
        """Drop the bytes (an orphan upload's, central/online.py cleanup_uploads); no error when absent."""


class DatabaseBlobs:
    """The bytes in central_blobs.data (PostgreSQL bytea): fine for an office, a load for a province."""

    name = "db"

    def __init__(self, engine: Engine):
        self.engine = engine

    def put(self, sha256: str, source: IO[bytes], size: int) -> None:
        data = source.read()
        with self.engine.begin() as conn:
            conn.execute(sa.update(t.blobs).where(t.blobs.c.sha256 == sha256, t.blobs.c.data.is_(None))
                         .values(data=data))

    def get(self, sha256: str) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.blobs.c.data).where(t.blobs.c.sha256 == sha256)).scalar()

    def has(self, sha256: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256 == sha256,
                                                                  t.blobs.c.data.is_not(None))).first() is not None

    def presigned_url(self, sha256: str, expires: int = 300) -> str | None:
        return None

    def ping(self) -> None:
        pass  # the database is checked by /readyz itself

    def delete(self, sha256: str) -> None:
        pass  # the bytes go with the row (CentralBlobs.forget)


class FolderBlobs:
    """Files <root>/ab/cdef… (a demo, a single office's server, a mounted NAS)."""

    name = "file"

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def put(self, sha256: str, source: IO[bytes], size: int) -> None:
        path = self.path(sha256)
        if path.is_file() and path.stat().st_size == size:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".up-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise BlobStoreError(f"Không ghi được tệp vào kho {self.root}: {exc.strerror}") from None

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def presigned_url(self, sha256: str, expires: int = 300) -> str | None:
        return None

    def ping(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK):
            raise BlobStoreError(f"Thư mục kho tệp {self.root} không có hoặc không ghi được.")

    def delete(self, sha256: str) -> None:
        try:
            self.path(sha256).unlink(missing_ok=True)
        except OSError as exc:
            raise BlobStoreError(f"Không xóa được tệp khỏi kho {self.root}: {exc.strerror}") from None


class S3Blobs:
    """An S3-compatible object store (SeaweedFS, MinIO, Ceph, a cloud's): one object per blob, key
    <prefix>ab/cdef…, uploaded with its SHA-256 checksum (the store refuses other bytes)."""

    name = "s3"

    def __init__(self, bucket: str, prefix: str = "", *, endpoint: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None, region: str = "us-east-1"):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client("s3", endpoint_url=endpoint or None, aws_access_key_id=access_key or None,
                                   aws_secret_access_key=secret_key or None, region_name=region,
                                   config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3},
                                                 connect_timeout=5, read_timeout=60,
                                                 max_pool_connections=20))

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256[2:]}"

    def _errors(self):  # type: ignore[no-untyped-def]
        from botocore.exceptions import BotoCoreError, ClientError

        return BotoCoreError, ClientError

    def put(self, sha256: str, source: IO[bytes], size: int) -> None:
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=source, ContentLength=size,
                                   ChecksumSHA256=checksum)
        except self._errors() as exc:
            raise BlobStoreError(f"Kho đối tượng S3 không nhận tệp {sha256[:12]}…: {exc}") from None

    def get(self, sha256: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise BlobStoreError(f"Kho đối tượng S3 không đọc được tệp {sha256[:12]}…: {exc}") from None

    def has(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise BlobStoreError(f"Kho đối tượng S3 không trả lời: {exc}") from None

    def presigned_url(self, sha256: str, expires: int = 300) -> str | None:
        return self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket,
                                                                         "Key": self.key(sha256)},
                                                  ExpiresIn=expires)

    def ping(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self._errors() as exc:
            raise BlobStoreError(f"Kho đối tượng S3 (thùng “{self.bucket}”) không trả lời: {exc}") from None

    def delete(self, sha256: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        except self._errors() as exc:
            raise BlobStoreError(f"Kho đối tượng S3 không xóa được tệp {sha256[:12]}…: {exc}") from None


def open_store(url: str, engine: Engine | None, env: Mapping[str, str] | None = None) -> BlobStore:
    """The blob store of [server] blob_url, or BlobStoreError in Vietnamese (engine None: only the address is
    checked, e.g. by `counter serve` before its workers start)."""
    env = os.environ if env is None else env
    text = (url or "").strip()
    if text in ("", "db"):
        return DatabaseBlobs(engine)  # type: ignore[arg-type]
    parsed = urlparse(text)
    if parsed.scheme == "file" and parsed.path:
        root = Path(parsed.path)
        root.mkdir(parents=True, exist_ok=True)
        return FolderBlobs(root)
    if parsed.scheme == "s3" and parsed.netloc:
        return S3Blobs(parsed.netloc, parsed.path, endpoint=env.get("COUNTER_S3_ENDPOINT"),
                       access_key=env.get("COUNTER_S3_ACCESS_KEY"), secret_key=env.get("COUNTER_S3_SECRET_KEY"),
                       region=env.get("COUNTER_S3_REGION") or "us-east-1")
    raise BlobStoreError(f"Địa chỉ kho tệp “{text[:80]}” không hợp lệ: dùng “db”, file:///thu/muc hoặc s3://thung")


class CentralBlobs:
    """What the routes use: the store plus the central_blobs index (and the table's old bytes)."""

    def __init__(self, engine: Engine, store: BlobStore):
        self.engine, self.store = engine, store

    def known(self, hashes: set[str]) -> set[str]:
        if not hashes:
            return set()
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256.in_(hashes))).scalars())

    def put(self, upload: Upload, mime: str, now: datetime) -> bool:
        """Store a checked upload; False when it was already there."""
        sha = upload.sha256
        if self.known({sha}):
            return False
        data: Any = None
        if isinstance(self.store, DatabaseBlobs):
            data = upload.rewind().read()
        else:
            self.store.put(sha, upload.rewind(), upload.size)  # the bytes first, then the row that names them
        with self.engine.begin() as conn:
            stmt = sa.text("INSERT INTO central_blobs(sha256, mime, size, data, created_at) "
                           "VALUES (:s, :m, :z, :d, :c) ON CONFLICT DO NOTHING")
            stored = conn.execute(stmt.bindparams(sa.bindparam("d", type_=sa.LargeBinary)),
                                  {"s": sha, "m": mime, "z": upload.size, "d": data, "c": now}).rowcount
        return bool(stored)

    def put_bytes(self, conn: Connection, sha256: str, mime: str, data: bytes, now: datetime) -> bool:
        """Store bytes the caller checked (and hashed) inside the caller's transaction `conn`: into the store
        first (a folder, S3), then the index row in `conn`, so a rollback leaves no row naming them (the
        database store keeps the bytes in that row). False when the server had the blob."""
        if conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256 == sha256)).first() is not None:
            return False
        in_row = isinstance(self.store, DatabaseBlobs)
        if not in_row:
            import io

            self.store.put(sha256, io.BytesIO(data), len(data))
        stmt = sa.text("INSERT INTO central_blobs(sha256, mime, size, data, created_at) "
                       "VALUES (:s, :m, :z, :d, :c) ON CONFLICT DO NOTHING")
        return bool(conn.execute(stmt.bindparams(sa.bindparam("d", type_=sa.LargeBinary)),
                                 {"s": sha256, "m": mime, "z": len(data), "d": data if in_row else None,
                                  "c": now}).rowcount)

    def has_row(self, conn: Connection, sha256: str) -> bool:
        return conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256 == sha256)).first() is not None

    def referenced(self, office_id: str, sha256: str) -> tuple[str, int] | None:
        """(mime, size) of a blob an accepted event of this office names, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.blobs.c.mime, t.blobs.c.size)
                               .join(t.blob_refs, t.blob_refs.c.sha256 == t.blobs.c.sha256)
                               .where(t.blob_refs.c.office_id == office_id, t.blobs.c.sha256 == sha256)).first()
        return (row.mime, row.size) if row else None

    def read(self, sha256: str) -> bytes | None:
        if not isinstance(self.store, DatabaseBlobs):
            data = self.store.get(sha256)
            if data is not None:
                return data
        with self.engine.connect() as conn:  # the first version's bytes, until `serve blobs migrate`
            return conn.execute(sa.select(t.blobs.c.data).where(t.blobs.c.sha256 == sha256)).scalar()

    def in_table(self, sha256: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256 == sha256,
                                                                  t.blobs.c.data.is_not(None))).first() is not None

    def migrate(self, progress: Any = None) -> tuple[int, int]:
        """Move the table's bytes into the store, one blob per transaction, each checked before its bytes are
        dropped from the table. Returns (moved, bytes). Safe to run again after an interruption."""
        if isinstance(self.store, DatabaseBlobs):
            raise BlobStoreError("Kho tệp đang là CSDL ([server] blob_url trống): chọn file:///… hoặc s3://… "
                                 "trước khi chuyển.")
        moved = total = 0
        while True:
            with self.engine.connect() as conn:
                shas = list(conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.data.is_not(None))
                                         .order_by(t.blobs.c.sha256).limit(100)).scalars())
            if not shas:
                return moved, total
            for sha in shas:
                with self.engine.begin() as conn:
                    data = conn.execute(sa.select(t.blobs.c.data).where(t.blobs.c.sha256 == sha)
                                        .with_for_update()).scalar()
                    if data is None:
                        continue
                    data = bytes(data)
                    if hashlib.sha256(data).hexdigest() != sha:
                        raise BlobStoreError(f"Tệp {sha[:12]}… trong CSDL không khớp mã băm: không chuyển, "
                                             "kiểm tra CSDL.")
                    import io

                    self.store.put(sha, io.BytesIO(data), len(data))
                    back = self.store.get(sha)
                    if back is None or hashlib.sha256(back).hexdigest() != sha:
                        raise BlobStoreError(f"Kho tệp trả lại tệp {sha[:12]}… khác đã gửi: dừng, CSDL giữ nguyên.")
                    conn.execute(sa.update(t.blobs).where(t.blobs.c.sha256 == sha).values(data=None))
                moved += 1
                total += len(data)
                if progress:
                    progress(moved, total)


def chunks(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), CHUNK):
        yield data[i:i + CHUNK]
