"""A short-lived login for the `counter` command, like sudo's timestamp (issue 21).

Every command that changes the store or shows personal data logs in, and the login runs argon2 with the
production parameters (0.5–2 s on a counter PC): typing `counter search …` five times would cost ten seconds.
After one successful login (password and role), the command leaves a *ticket*; the next commands of the same
person, as the same operating-system user, on the same store, within `[app] cli_session_minutes` (default 15;
0 turns tickets off) skip argon2. `counter logout` drops the ticket.

- The ticket says who (the counter user name), which OS user (uid), which store (its station id) and when it was
  issued, and carries an HMAC-SHA256 of that under a per-store secret: 32 random bytes in `cli-session.key` in
  the data dir, 0600. The MAC also covers the account as it is now (id, role, office, disabled, password hash,
  none of them written in the ticket), so a changed password or role, a disabled account (and a lockout, checked
  apart) refuses it; an edited or forged ticket does not verify; another store's key does not either.
- Tickets are kept where sudo keeps its timestamps, in the user's runtime folder (XDG_RUNTIME_DIR, /run/user/UID,
  else a 0700 folder of the temp dir; COUNTER_SESSION_DIR overrides), 0600, never in the data dir: a reboot clears
  them, and a backup never carries one. A folder or file that is not the user's own or is open to others is not
  trusted: the password is asked, as without a ticket.
- A ticket replaces the password only: the user name is still given (--user / COUNTER_USER), and the role's
  permission is checked on every command.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
from datetime import datetime, timedelta, UTC
from pathlib import Path

from counter.fsutil import PRIVATE_DIR, PRIVATE_FILE
from counter.services.store import Actor, Store

KEY_FILE = "cli-session.key"
DEFAULT_MINUTES = 15.0
SESSION_DIR_ENV = "COUNTER_SESSION_DIR"
_OTHERS = 0o077
_MAX_TICKET = 4096
_SKEW = timedelta(minutes=1)  # a ticket "issued" further in the future than this is not believed

_USER = ("SELECT u.id, u.username, u.full_name, u.role, u.office_id, u.disabled, u.password_hash, u.locked_until, "
         "k.value FROM users u, sync_state k WHERE u.username = ? AND k.key = 'station_id'")


def _uid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else 0


def _own_private(st: os.stat_result) -> bool:
    return (not hasattr(os, "geteuid") or st.st_uid == os.geteuid()) and not stat.S_IMODE(st.st_mode) & _OTHERS


def session_dir() -> Path | None:
    """The folder of this OS user's tickets, made 0700 if missing; None when it is not safely the user's own."""
    explicit = os.environ.get(SESSION_DIR_ENV)
    if explicit:
        folder = Path(explicit)
    else:
        base = os.environ.get("XDG_RUNTIME_DIR") or (f"/run/user/{_uid()}" if Path(f"/run/user/{_uid()}").is_dir()
                                                     else "")
        folder = Path(base) / "counter" if base else Path(tempfile.gettempdir()) / f"counter-sessions-{_uid()}"
    try:
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        st = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or not _own_private(st):
        return None
    return folder


def _read_private(path: Path, limit: int) -> bytes | None:
    """A file's bytes when it is a regular file of this user, 0600 or tighter (not a link); else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _own_private(st) or st.st_size > limit:
            return None
        return os.read(fd, limit + 1)
    finally:
        os.close(fd)


def _write_private(path: Path, data: bytes, *, exclusive: bool = False) -> bool:
    """Write a 0600 file through a temporary name; `exclusive`: only if `path` does not exist yet (the key: two
    commands starting at once must end with the same key). False if it could not (or, exclusive, was there)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE)
        try:
            os.fchmod(fd, PRIVATE_FILE)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            finally:
                tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
        return True
    except OSError:
        tmp.unlink(missing_ok=True)
        return False


def ensure_key(data_dir: Path) -> bytes | None:
    """The store's ticket secret, made on first use (also when a store is made, so the first login of a command
    that then refuses its input adds no file to the data dir). None when it is not safely private."""
    path = Path(data_dir) / KEY_FILE
    key = _read_private(path, 64)
    if key is None and not path.exists():
        _write_private(path, secrets.token_bytes(32), exclusive=True)
        key = _read_private(path, 64)
    return key if key is not None and len(key) == 32 else None


def _ticket_path(folder: Path, station_id: str, username: str) -> Path:
    who = hashlib.sha256(username.encode()).hexdigest()[:16]
    return folder / f"{station_id}-{who}.ticket"


def _account(row: tuple) -> bytes:  # type: ignore[type-arg]
    """What of the account, as it is now, the MAC covers (never written into the ticket)."""
    uid, username, _, role, office_id, disabled, password_hash, _, _ = row
    return "\x1f".join(str(x) for x in (uid, username, role, office_id, int(bool(disabled)), password_hash)).encode()


def _mac(key: bytes, body: bytes, row: tuple) -> str:  # type: ignore[type-arg]
    return hmac.new(key, body + b"\n" + _account(row), hashlib.sha256).hexdigest()


def _user_row(store: Store, username: str) -> tuple | None:  # type: ignore[type-arg]
    rows = store.query(_USER, (username.strip().lower(),))
    return tuple(rows[0]) if rows else None


def issue(store: Store, actor: Actor, minutes: float = DEFAULT_MINUTES) -> Path | None:
    """After a successful login (password and role): the ticket of this OS user for `actor` on this store.
    Nothing when tickets are off (minutes 0) or no private place can be had."""
    if minutes <= 0:
        return None
    key, folder, row = ensure_key(store.data_dir), session_dir(), _user_row(store, actor.username)
    if key is None or folder is None or row is None:
        return None
    body = json.dumps({"v": 1, "user": actor.username, "uid": _uid(), "store": actor.station_id,
                       "at": store.clock.now().astimezone(UTC).isoformat()}, sort_keys=True).encode()
    ticket = base64.urlsafe_b64encode(body) + b"." + _mac(key, body, row).encode()
    path = _ticket_path(folder, actor.station_id, actor.username)
    return path if _write_private(path, ticket) else None


def _drop(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def check(store: Store, username: str, minutes: float = DEFAULT_MINUTES) -> Actor | None:
    """The actor of a valid ticket of this OS user for `username` on this store, or None (ask the password).
    A ticket that is expired, edited, forged, of another store, uid or user, or of an account changed, disabled or
    locked since, is refused (and removed)."""
    if minutes <= 0:
        return None
    folder = session_dir()
    row = _user_row(store, username)
    if folder is None or row is None:
        return None
    station_id = row[8]
    path = _ticket_path(folder, station_id, row[1])
    raw = _read_private(path, _MAX_TICKET)
    if raw is None:
        return None
    key = _read_private(Path(store.data_dir) / KEY_FILE, 64)
    try:
        encoded, _, mac = raw.decode("ascii").partition(".")
        body = base64.urlsafe_b64decode(encoded.encode("ascii"))
        claims = json.loads(body)
        at = datetime.fromisoformat(claims["at"])
        ok = (key is not None and len(key) == 32 and hmac.compare_digest(mac, _mac(key, body, row))
              and claims.get("v") == 1 and claims.get("user") == row[1] and claims.get("uid") == _uid()
              and claims.get("store") == station_id and at.tzinfo is not None)
    except (ValueError, KeyError, TypeError, UnicodeError, AttributeError):
        ok = False
    now = store.clock.now()
    if ok:
        locked_until = row[7]
        locked = locked_until is not None and datetime.fromisoformat(locked_until).replace(tzinfo=UTC) > now
        ok = not row[5] and not locked and at - _SKEW <= now < at + timedelta(minutes=minutes)
    if not ok:
        _drop(path)
        return None
    return Actor(int(row[0]), row[1], row[2], row[3], row[4], station_id)


def drop(store: Store, username: str | None = None) -> int:
    """`counter logout`: remove this OS user's ticket for `username` on this store (every user's when None)."""
    folder = session_dir()
    if folder is None:
        return 0
    rows = store.query("SELECT value FROM sync_state WHERE key = 'station_id'")
    if not rows:
        return 0
    station_id = rows[0][0]
    paths = [_ticket_path(folder, station_id, username.strip().lower())] if username else \
        sorted(folder.glob(f"{station_id}-*.ticket"))
    gone = 0
    for path in paths:
        if path.exists():
            _drop(path)
            gone += 1
    return gone
