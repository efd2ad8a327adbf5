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

from counter.central.tables import offices, stations, tokens
from counter.domain.errors import CounterError
from counter.domain.hashing import GENESIS

#: station numbers 1-9: each station's codes use the block N001…N999 of the day (domain/codes.py)
NUMBERS = range(1, 10)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    office_id: str
    station_number: int
    station_id: str | None
    created_at: datetime
    revoked_at: datetime | None
    portal: bool = False  # the national portal's credential of the office (issue 15), not a station's
    desk: bool = False  # the office's online desk on this server (central/online.py): never a stored token


@overload
def _aware(dt: datetime) -> datetime: ...
@overload
def _aware(dt: None) -> None: ...
def _aware(dt: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes (stored as UTC)."""
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def desk_station_id(office_id: str) -> str:
    """The station id of an office's online desk on this server (central/online.py): the same on every server
    process, never a station's (a station's push under it is refused)."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"counter:online-desk:{office_id}"))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def ensure_office(conn: Connection, office_id: str) -> None:
    exists = conn.execute(sa.select(offices.c.id).where(offices.c.id == office_id)).first()
    if exists is None:
        conn.execute(sa.insert(offices).values(id=office_id, name="", phone="", address=""))


def add(engine: Engine, office_id: str, station_number: int, now: datetime, *,
        portal: bool = False) -> tuple[int, str]:
    """A new token of an office's station (1–9), or with `portal` the national portal's credential of the
    office (station number 0: it delivers online dossiers, POST /api/v1/portal/dossiers)."""
    office_id = office_id.strip()
    if not office_id:
        raise CounterError("Thiếu mã cơ quan (--office).")
    if portal:
        station_number = 0
    elif station_number < 1:
        raise CounterError("Số máy trạm phải từ 1 trở lên.")
    token = base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=").lower()
    with engine.execution_options(immediate=True).begin() as conn:
        ensure_office(conn, office_id)
        token_id = conn.execute(sa.insert(tokens).values(
            token_hash=hash_token(token), office_id=office_id, station_number=station_number,
            station_id=None, created_at=now, revoked_at=None, portal=portal).returning(tokens.c.id)).scalar_one()
    return int(token_id), token


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tokens).order_by(tokens.c.office_id, tokens.c.station_number,
                                                       tokens.c.id)).mappings().all()
    return [TokenInfo(r["id"], r["office_id"], r["station_number"], r["station_id"], _aware(r["created_at"]),
                      _aware(r["revoked_at"]), bool(r["portal"])) for r in rows]


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
    return TokenInfo(r["id"], r["office_id"], r["station_number"], r["station_id"], r["created_at"], r["revoked_at"],
                     bool(r["portal"]))


def number_clash(conn: Connection, auth: TokenInfo, station_id: str | None) -> str | None:
    """Why this token may not be bound to `station_id`: another machine already syncs under its station number
    (two stations of one number would make the same dossier codes). Checked under the office's lock."""
    other = conn.execute(sa.select(tokens.c.id).where(
        tokens.c.office_id == auth.office_id, tokens.c.station_number == auth.station_number,
        tokens.c.station_id.is_not(None), tokens.c.revoked_at.is_(None), tokens.c.id != auth.id,
        *([tokens.c.station_id != station_id] if station_id else [])).limit(1)).scalar()
    if other is None:
        return None
    return (f"Quầy số {auth.station_number} của {auth.office_id} đang do một máy trạm khác dùng (mã truy cập số "
            f"{other}): mỗi máy trạm một số quầy riêng, hai máy cùng số sẽ cấp trùng mã hồ sơ. Khởi tạo máy này với "
            f"số quầy khác và xin mã truy cập cho số đó, hoặc thu hồi mã cũ nếu máy kia không còn dùng "
            f"(counter serve token revoke --id {other}).")


def station_info(conn: Connection, auth: TokenInfo) -> dict[str, object]:
    """What a station (or `counter init`) learns about its token: its office and station number, the machine
    it is bound to, the last station_seq and hash the server settled for that machine (a station restored
    from an older backup sees it is behind itself), the office's numbers other tokens hold, and whether
    another machine already syncs under this number."""
    last_seq, last_hash = 0, GENESIS
    if auth.station_id is not None:
        row = conn.execute(sa.select(stations.c.last_seq, stations.c.last_hash)
                           .where(stations.c.id == auth.station_id)).first()
        if row is not None:
            last_seq, last_hash = int(row.last_seq), row.last_hash
    taken = sorted(set(conn.execute(sa.select(tokens.c.station_number).where(
        tokens.c.office_id == auth.office_id, tokens.c.revoked_at.is_(None), tokens.c.id != auth.id,
        tokens.c.portal.is_(False))).scalars()))
    return {"office_id": auth.office_id, "station_number": auth.station_number, "station_id": auth.station_id,
            "last_seq": last_seq, "last_hash": last_hash, "taken": taken,
            "free": [n for n in NUMBERS if n not in taken], "clash": number_clash(conn, auth, auth.station_id)}


def own_events(conn: Connection, auth: TokenInfo, after_seq: int, limit: int = 500) -> dict[str, object]:
    """The token's station's accepted events after `after_seq`, in station_seq order, as the pull gives them:
    what a station restored from an older backup lost (GET /api/v1/station/events?after_seq=N)."""
    import json

    from counter.central.tables import events

    limit = max(1, min(limit, 1000))
    if auth.station_id is None:
        return {"events": [], "has_more": False}
    rows = conn.execute(sa.select(events.c.wire, events.c.office_seq)
                        .where(events.c.station_id == auth.station_id, events.c.office_id == auth.office_id,
                               events.c.status == "accepted", events.c.station_seq > after_seq)
                        .order_by(events.c.station_seq).limit(limit + 1)).all()
    out = [{**json.loads(r.wire), "office_seq": r.office_seq, "status": "accepted"} for r in rows[:limit]]
    return {"events": out, "has_more": len(rows) > limit}


def bind(conn: Connection, auth: TokenInfo, station_id: str) -> str | None:
    """Bind the token to the station's UUID now (`counter init --server`), as its first push would; returns
    why not (another machine holds the token or the number), else None. Inside the caller's transaction."""
    from counter.central.ingest import _lock_office

    _lock_office(conn, auth.office_id)  # the same lock as a push: two inits at once are serialized
    row = conn.execute(sa.select(tokens.c.station_id).where(tokens.c.id == auth.id)).first()
    bound = row.station_id if row is not None else None
    if bound is not None and bound != station_id:
        return "Mã truy cập này đã gắn với một máy trạm khác."
    clash = number_clash(conn, auth, station_id)
    if clash:
        return clash
    conn.execute(sa.update(tokens).where(tokens.c.id == auth.id).values(station_id=station_id))
    return None
