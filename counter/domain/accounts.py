"""What a user account is, wherever it is kept (a station's users table, the central server's list of an
office's users): the user name's rules, the password's minimum and the role's values, in one place."""

from __future__ import annotations

from counter.domain.errors import CounterError
from counter.domain.permissions import Role

MIN_PASSWORD = 8
MAX_USERNAME = 64
#: a station's users as `counter users export` writes them and `counter serve users import` reads them
EXPORT_FORMAT = "counter-users/1"


class AccountError(CounterError):
    pass


def check_username(username: str) -> str:
    """The user name as stored (trimmed, lower case), or AccountError."""
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum() \
            or not username.isascii() or len(username) > MAX_USERNAME:
        raise AccountError("Tên đăng nhập chỉ gồm chữ cái không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang")
    return username


def check_role(role: str) -> str:
    try:
        return Role(role.strip().lower()).value
    except ValueError:
        raise AccountError(f"Vai trò không hợp lệ: “{role}” (clerk, postal, supervisor, admin)") from None


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")
    return password


def is_password_hash(value: object) -> bool:
    """An argon2 hash as both sides store it (PasswordHasher's encoded form)."""
    return isinstance(value, str) and value.startswith("$argon2") and len(value) < 512 and value.isascii()
