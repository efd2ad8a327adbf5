"""Per-station bearer tokens: 160 random bits, stored as SHA-256, bound to an office and a station number."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import overload

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from counter.central.tables import offices, tokens
from counter.domain.errors import CounterError


@dataclass(frozen=True)
class TokenInfo:
    id: int
    office_id: str
    station_number: int
    station_id: str | None
    created_at: datetime
    revoked_at: datetime | None


@overload
def _aware(dt: datetime) -> datetime: ...
@overload
def _aware(dt: None) -> None: ...
def _aware(dt: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes (stored as UTC)."""
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def ensure_office(conn: Connection, office_id: str) -> None:
    exists = conn.execute(sa.select(offices.c.id).where(offices.c.id == office_id)).first()
    if exists is None:
        conn.execute(sa.insert(offices).values(id=office_id, name="", phone="", address=""))


def add(engine: Engine, office_id: str, station_number: int, now: datetime) -> tuple[int, str]:
    office_id = office_id.strip()
    if not office_id:
        raise CounterError("Thiếu mã cơ quan (--office).")
    if station_number < 1:
        raise CounterError("Số máy trạm phải từ 1 trở lên.")
    token = base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=").lower()
    with engine.execution_options(immediate=True).begin() as conn:
        ensure_office(conn, office_id)
        token_id = conn.execute(sa.insert(tokens).values(
            token_hash=hash_token(token), office_id=office_id, station_number=station_number,
            station_id=None, created_at=now, revoked_at=None).returning(tokens.c.id)).scalar_one()
    return int(token_id), token


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tokens).order_by(tokens.c.office_id, tokens.c.station_number,
                                                       tokens.c.id)).mappings().all()
    return [TokenInfo(r["id"], r["office_id"], r["station_number"], r["station_id"], _aware(r["created_at"]),
                      _aware(r["revoked_at"])) for r in rows]


def revoke(engine: Engine, *, token_id: int | None = None, office_id: str | None = None,
           station_number: int | None = None, now: datetime) -> int:
    """Revoke one token by id, or every live token of an office's station. Returns how many were revoked."""
    cond: sa.ColumnElement[bool] = tokens.c.revoked_at.is_(None)
    if token_id is not None:
        cond = sa.and_(cond, tokens.c.id == token_id)
    elif office_id and station_number is not None:
        cond = sa.and_(cond, tokens.c.office_id == office_id, tokens.c.station_number == station_number)
    else:
        raise CounterError("Cần --id, hoặc --office cùng --station.")
    with engine.execution_options(immediate=True).begin() as conn:
        n = conn.execute(sa.update(tokens).where(cond).values(revoked_at=now)).rowcount
    if not n:
        raise CounterError("Không có mã truy cập nào (còn hiệu lực) khớp.")
    return int(n)


def lookup(conn: Connection, token: str) -> TokenInfo | None:
    """The live token with this value, or None (unknown or revoked)."""
    r = conn.execute(sa.select(tokens).where(tokens.c.token_hash == hash_token(token),
                                             tokens.c.revoked_at.is_(None))).mappings().first()
    if r is None:
        return None
    return TokenInfo(r["id"], r["office_id"], r["station_number"], r["station_id"], r["created_at"], r["revoked_at"])
