"""Users, passwords (argon2id) and login with lockout."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from counter.domain import accounts
from counter.domain.errors import CounterError
from counter.domain.permissions import Action, Role, require
from counter.domain.text import clean_person_name
from counter.models import User
from counter.services.office import this_station
from counter.services.store import Actor, NotFound, Store

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = accounts.MIN_PASSWORD


@dataclass(frozen=True)
class Argon2Parameters:
    """argon2id cost. The defaults are the production ones (argon2-cffi's, RFC 9106's second recommendation:
    3 passes over 64 MiB, 4 lanes); tests/conftest.py makes them cheap for the test suite through the
    COUNTER_ARGON2_* variables. A hash keeps its own parameters, so changing them never locks anyone out."""

    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 4


PRODUCTION_ARGON2 = Argon2Parameters()
_ARGON2_ENV = {"time_cost": "COUNTER_ARGON2_TIME_COST", "memory_cost": "COUNTER_ARGON2_MEMORY_COST",
               "parallelism": "COUNTER_ARGON2_PARALLELISM"}


def argon2_parameters(environ: Mapping[str, str] | None = None) -> Argon2Parameters:
    """The production parameters, each overridden by its COUNTER_ARGON2_* variable when set (the test suite)."""
    environ = os.environ if environ is None else environ
    values: dict[str, int] = {}
    for name, var in _ARGON2_ENV.items():
        raw = environ.get(var, "").strip()
        if raw:
            try:
                values[name] = int(raw)
            except ValueError:
                raise CounterError(f"{var} phải là một số nguyên, không phải “{raw}”") from None
    return Argon2Parameters(**values)


_hashers: dict[Argon2Parameters, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    params = argon2_parameters()
    hasher = _hashers.get(params)
    if hasher is None:
        hasher = _hashers[params] = PasswordHasher(time_cost=params.time_cost, memory_cost=params.memory_cost,
                                                   parallelism=params.parallelism)
    return hasher


class AuthError(CounterError):
    pass


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    disabled: bool
    locked_until: datetime | None


def _info(u: User) -> UserInfo:
    return UserInfo(u.id or 0, u.username, u.full_name, u.role, Role(u.role).label, u.disabled, u.locked_until)


def hash_password(password: str) -> str:
    try:
        return _hasher().hash(accounts.check_password(password))
    except accounts.AccountError as exc:
        raise AuthError(exc.message) from None


def _check_username(username: str) -> str:
    try:
        return accounts.check_username(username)
    except accounts.AccountError as exc:
        raise AuthError(exc.message) from None


def create_user(session: Session, office_id: str, username: str, full_name: str, role: str, password: str,
                now: datetime) -> User:
    username = _check_username(username)
    try:
        role = Role(role).value
    except ValueError:
        raise AuthError(f"Vai trò không hợp lệ: “{role}” (clerk, postal, supervisor, admin)") from None
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise AuthError(f"Tên đăng nhập “{username}” đã tồn tại")
    user = User(username=username, full_name=clean_person_name(full_name), role=role, office_id=office_id,
                password_hash=hash_password(password), created_at=now)
    session.add(user)
    session.flush()
    return user


def add_user(store: Store, username: str, full_name: str, role: str, password: str,
             by: Actor | None = None) -> UserInfo:
    if by is not None:
        require(by.role, Action.MANAGE_USERS)
    with store.write() as session:
        _refuse_if_central(session)
        station = this_station(session)
        return _info(create_user(session, station.office_id, username, full_name, role, password, store.clock.now()))


def list_users(store: Store) -> list[UserInfo]:
    with store.read() as session:
        return [_info(u) for u in session.exec(select(User).order_by(User.role, User.username))]


def _get(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFound(f"Không có người dùng “{username}”")
    return user


def set_password(store: Store, username: str, password: str) -> None:
    with store.write() as session:
        _refuse_if_central(session)
        user = _get(session, username)
        user.password_hash = hash_password(password)
        user.failed_attempts = 0
        user.locked_until = None
        session.add(user)


def set_disabled(store: Store, username: str, disabled: bool) -> None:
    with store.write() as session:
        _refuse_if_central(session)
        user = _get(session, username)
        user.disabled = disabled
        user.failed_attempts = 0
        user.locked_until = None
        session.add(user)


# ---- users from the central server (issue 14, item 3) ---------------------------------------------------------
# Once the station has received a non-empty list of its office's users from the central server, the server's
# list wins: users are added, renamed, given a role, locked and given a password there (`counter serve users`),
# and arrive here at the next sync with their password hashes (login works offline, with the server's roles).
# A station that never synced (a demo, a standalone counter) keeps managing its own users.

USERS_FROM_SERVER = "users_from_server"  # sync_state key: when the server's list was last applied
CENTRAL_MANAGED = ("Người dùng của quầy này do máy chủ trung tâm quản lý: thêm người, đổi mật khẩu, khóa hoặc "
                   "đổi vai trò bằng “counter serve users …” trên máy chủ; quầy nhận thay đổi ở lần đồng bộ sau.")


def managed_by_server(session: Session) -> bool:
    return session.execute(sa.text("SELECT 1 FROM sync_state WHERE key = :k"),
                           {"k": USERS_FROM_SERVER}).scalar() is not None


def users_managed_by_server(store: Store) -> bool:
    with store.read() as session:
        return managed_by_server(session)


def _refuse_if_central(session: Session) -> None:
    if managed_by_server(session):
        raise AuthError(CENTRAL_MANAGED)


@dataclass(frozen=True)
class UsersApplied:
    added: int = 0
    changed: int = 0
    disabled: int = 0  # local users the server's list does not have: kept (history names them), never log in


def apply_server_users(store: Store, users: list[dict[str, Any]], office_id: str | None = None) -> UsersApplied:
    """Make this station's users the server's list of its office: each user by name gets the server's full
    name, role, password hash and lock; a user the station lacks is added (a new local id: actor_id numbers
    stay the station's own); a local user the list lacks is locked. An empty list changes nothing (the office
    has no users on the server yet: the station keeps managing its own until the operator imports them).
    Entries that are not valid are skipped. Failed attempts and temporary lockouts stay local. `office_id`:
    the office the list is of; another office's list is not applied."""
    wanted: dict[str, dict[str, Any]] = {}
    for u in users:
        try:
            name = accounts.check_username(str(u.get("username") or ""))
            role = accounts.check_role(str(u.get("role") or ""))
            full_name = clean_person_name(str(u.get("full_name") or ""))
        except CounterError:
            continue
        if not accounts.is_password_hash(u.get("password_hash")):
            continue
        wanted[name] = {"full_name": full_name, "role": role, "password_hash": u["password_hash"],
                        "disabled": bool(u.get("locked"))}
    if not wanted:
        return UsersApplied()
    added = changed = disabled = 0
    now = store.clock.now()
    with store.write() as session:
        station = this_station(session)
        if office_id is not None and office_id != station.office_id:
            return UsersApplied()
        first = not managed_by_server(session)
        local = {u.username: u for u in session.exec(select(User))}
        for name, values in wanted.items():
            user = local.get(name)
            if user is None:
                session.add(User(username=name, office_id=station.office_id, created_at=now, **values))
                added += 1
                continue
            if all(getattr(user, k) == v for k, v in values.items()):
                continue
            if user.password_hash != values["password_hash"]:  # a new password clears a temporary lockout
                user.failed_attempts, user.locked_until = 0, None
            for k, v in values.items():
                setattr(user, k, v)
            session.add(user)
            changed += 1
        for name, user in local.items():
            if name not in wanted and not user.disabled:
                user.disabled = True
                session.add(user)
                disabled += 1
        if first or added or changed or disabled:  # a cycle that changes nothing writes nothing
            session.execute(sa.text("INSERT INTO sync_state(key, value) VALUES (:k, :v) "
                                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
                            {"k": USERS_FROM_SERVER, "v": now.isoformat()})
    return UsersApplied(added, changed, disabled)


def export_users(store: Store) -> dict[str, Any]:
    """This station's users with their password hashes, for the operator's `counter serve users import`
    (the migration of an office whose users were made at the counter)."""
    with store.read() as session:
        station = this_station(session)
        rows = list(session.exec(select(User).order_by(col(User.id))))
        return {"format": accounts.EXPORT_FORMAT, "office_id": station.office_id,
                "users": [{"username": u.username, "full_name": u.full_name, "role": u.role,
                           "password_hash": u.password_hash, "disabled": u.disabled} for u in rows]}


@dataclass
class _Attempts:
    """Failures and lockout of a user name no account has: counted like an account's (in this process), so
    an unknown name answers exactly what a known one with a wrong password does, lockout included."""

    failed_attempts: int = 0
    locked_until: datetime | None = None


_dummy_hash: dict[Argon2Parameters, str] = {}


def _check_password(password_hash: str | None, password: str) -> bool:
    """The KDF runs whether or not there is an account (an unknown name costs a verify of a dummy hash)."""
    real = password_hash is not None
    hasher = _hasher()
    if password_hash is None:
        params = argon2_parameters()
        if params not in _dummy_hash:
            _dummy_hash[params] = hasher.hash(secrets.token_urlsafe(16))
        password_hash = _dummy_hash[params]
    try:
        hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return real


def login(store: Store, username: str, password: str) -> Actor:
    """Check a password. Wrong passwords count; after MAX_FAILURES the account is locked for LOCKOUT.

    A wrong user name and a wrong password get the same message, the same count and the same lockout, at the
    same cost (the KDF runs for both); a disabled account is named only to whoever types its password."""
    now = store.clock.now()
    generic = "Sai tên đăng nhập hoặc mật khẩu"
    name = username.strip().lower()
    with store.write() as session:
        user = session.exec(select(User).where(User.username == name)).first()
        attempts: User | _Attempts
        if user is not None:
            attempts = user
        else:
            if len(store.unknown_logins) >= 10_000:
                store.unknown_logins.clear()
            attempts = store.unknown_logins.setdefault(name, _Attempts())
        if attempts.locked_until is not None and attempts.locked_until > now:
            _check_password(None, password)  # the same cost as any other answer
            minutes = max(1, int((attempts.locked_until - now).total_seconds() // 60) + 1)
            raise AuthError(f"Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Thử lại sau {minutes} phút.")
        if not _check_password(user.password_hash if user is not None else None, password):
            attempts.failed_attempts += 1
            left = MAX_FAILURES - attempts.failed_attempts
            if left <= 0:
                attempts.locked_until = now + LOCKOUT
                attempts.failed_attempts = 0
                message = f"Sai mật khẩu {MAX_FAILURES} lần: tài khoản tạm khóa {LOCKOUT.seconds // 60} phút."
            else:
                message = f"{generic} (còn {left} lần thử)"
            if user is not None:
                session.add(user)
                session.commit()
            raise AuthError(message) from None
        assert user is not None  # no account: the dummy hash never verifies
        if user.disabled:  # the password is right: saying so helps its owner and tells nobody else anything
            raise AuthError("Tài khoản đã bị khóa. Liên hệ quản trị để mở khóa.")
        user.failed_attempts = 0
        user.locked_until = None
        if _hasher().check_needs_rehash(user.password_hash):
            user.password_hash = _hasher().hash(password)
        session.add(user)
        station = this_station(session)
        return Actor(user.id or 0, user.username, user.full_name, user.role, user.office_id, station.id)
