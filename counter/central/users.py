"""The office's users, kept by the central server (issue 14, item 3; design.md "Where the design goes next").

The server's list wins: stations receive it by sync (GET /api/v1/users, with the argon2 password hashes, so a
counter logs in offline) and every pushed event is judged by its actor's row here: a known, unlocked user of
the station's office, with the server's role (never the role the station sent).

Identity: (office, user name). A station's events carry its own local user id (`actor_id`, numbered per
station) and the user's name in their `actor` object; the server reads only the name from it.

Migration of offices whose stations made their own users before: the operator imports one station's list
once (`counter users export` on the station, then `counter serve users import FILE`), which is refused when
the server already has users for that office; from then on users are managed with `counter serve users ...`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Connection, Engine

from counter.central.tables import users
from counter.central.tokens import ensure_office
from counter.domain.accounts import (
    EXPORT_FORMAT,
    AccountError,
    check_password,
    check_role,
    check_username,
    is_password_hash,
)
from counter.domain.errors import CounterError
from counter.domain.permissions import Role
from counter.domain.text import clean_person_name

_hasher = PasswordHasher()
MAX_IMPORT = 10_000


@dataclass(frozen=True)
class CentralUser:
    office_id: str
    username: str
    full_name: str
    role: str
    password_hash: str
    locked: bool
    updated_at: datetime

    @property
    def role_label(self) -> str:
        return Role(self.role).label


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def _user(r: Any) -> CentralUser:
    return CentralUser(r["office_id"], r["username"], r["full_name"], r["role"], r["password_hash"],
                       bool(r["locked"]), _aware(r["updated_at"]))


def _office(office_id: str) -> str:
    office_id = (office_id or "").strip()
    if not office_id or len(office_id) > 40:
        raise CounterError("Thiếu hoặc sai mã cơ quan (--office), ví dụ H55.242.")
    return office_id


def _name(full_name: str) -> str:
    try:
        return clean_person_name(full_name or "")
    except CounterError as exc:  # TextError: empty, too long, digits, control characters…
        raise AccountError(exc.message) from None


def office_users(conn: Connection, office_id: str) -> list[CentralUser]:
    rows = conn.execute(sa.select(users).where(users.c.office_id == office_id)
                        .order_by(users.c.role, users.c.username)).mappings().all()
    return [_user(r) for r in rows]


def list_users(engine: Engine, office_id: str | None = None) -> list[CentralUser]:
    stmt = sa.select(users).order_by(users.c.office_id, users.c.role, users.c.username)
    if office_id:
        stmt = stmt.where(users.c.office_id == office_id.strip())
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(stmt).mappings().all()]


def add(engine: Engine, office_id: str, username: str, full_name: str, role: str, password: str,
        now: datetime) -> CentralUser:
    office_id, username = _office(office_id), check_username(username)
    values = {"office_id": office_id, "username": username, "full_name": _name(full_name),
              "role": check_role(role), "password_hash": _hasher.hash(check_password(password)), "locked": False,
              "created_at": now, "updated_at": now}
    with engine.execution_options(immediate=True).begin() as conn:
        ensure_office(conn, office_id)
        if _find(conn, office_id, username) is not None:
            raise AccountError(f"Tên đăng nhập “{username}” đã có ở cơ quan {office_id}")
        conn.execute(sa.insert(users).values(**values))
        return _user(_find(conn, office_id, username))


def _find(conn: Connection, office_id: str, username: str) -> Any:
    return conn.execute(sa.select(users).where(users.c.office_id == office_id,
                                               users.c.username == username)).mappings().first()


def _change(engine: Engine, office_id: str, username: str, now: datetime, **values: Any) -> CentralUser:
    office_id, name = _office(office_id), username.strip().lower()
    with engine.execution_options(immediate=True).begin() as conn:
        if _find(conn, office_id, name) is None:
            raise CounterError(f"Cơ quan {office_id} không có người dùng “{username.strip()}” trên máy chủ")
        conn.execute(sa.update(users).where(users.c.office_id == office_id, users.c.username == name)
                     .values(**values, updated_at=now))
        return _user(_find(conn, office_id, name))


def set_password(engine: Engine, office_id: str, username: str, password: str, now: datetime) -> CentralUser:
    return _change(engine, office_id, username, now, password_hash=_hasher.hash(check_password(password)))


def set_locked(engine: Engine, office_id: str, username: str, locked: bool, now: datetime) -> CentralUser:
    return _change(engine, office_id, username, now, locked=locked)


def set_role(engine: Engine, office_id: str, username: str, role: str, now: datetime) -> CentralUser:
    return _change(engine, office_id, username, now, role=check_role(role))


def import_users(engine: Engine, text: str, now: datetime, office_id: str | None = None) -> tuple[str, int]:
    """Create an office's users from a station's `counter users export` file, once: refused, writing nothing,
    when the server already has users for that office (its list wins) or when any row is not valid.
    Returns (office id, how many users)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise CounterError("Tệp không phải danh sách người dùng do “counter users export” xuất (JSON hỏng).") \
            from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT or not isinstance(data.get("users"), list):
        raise CounterError("Tệp không phải danh sách người dùng do “counter users export” xuất.")
    office_id = _office(office_id or str(data.get("office_id") or ""))
    if data.get("office_id") not in (None, office_id):
        raise CounterError(f"Tệp là người dùng của cơ quan {data.get('office_id')}, không phải {office_id}.")
    rows: dict[str, dict[str, Any]] = {}
    if len(data["users"]) > MAX_IMPORT:
        raise CounterError(f"Tệp có quá nhiều người dùng (tối đa {MAX_IMPORT}).")
    for i, u in enumerate(data["users"], start=1):
        if not isinstance(u, dict):
            raise CounterError(f"Dòng {i} của tệp không phải một người dùng.")
        try:
            username = check_username(str(u.get("username") or ""))
            row = {"office_id": office_id, "username": username, "full_name": _name(str(u.get("full_name") or "")),
                   "role": check_role(str(u.get("role") or "")), "password_hash": u.get("password_hash"),
                   "locked": bool(u.get("disabled")), "created_at": now, "updated_at": now}
        except AccountError as exc:
            raise CounterError(f"Dòng {i} của tệp: {exc.message}") from None
        if not is_password_hash(row["password_hash"]):
            raise CounterError(f"Dòng {i} của tệp ({username}): mã băm mật khẩu không hợp lệ.")
        if username in rows:
            raise CounterError(f"Dòng {i} của tệp: tên đăng nhập “{username}” lặp lại.")
        rows[username] = row
    if not rows:
        raise CounterError("Tệp không có người dùng nào.")
    with engine.execution_options(immediate=True).begin() as conn:
        ensure_office(conn, office_id)
        if conn.execute(sa.select(sa.func.count()).select_from(users)
                        .where(users.c.office_id == office_id)).scalar_one():
            raise CounterError(f"Cơ quan {office_id} đã có người dùng trên máy chủ: danh sách của máy chủ được "
                               "giữ nguyên. Thêm từng người bằng “counter serve users add”.")
        conn.execute(sa.insert(users), list(rows.values()))
    return office_id, len(rows)


def wire(u: CentralUser) -> dict[str, Any]:
    """One user as GET /api/v1/users sends it to the office's stations."""
    return {"username": u.username, "full_name": u.full_name, "role": u.role, "password_hash": u.password_hash,
            "locked": u.locked, "updated_at": u.updated_at.isoformat()}
