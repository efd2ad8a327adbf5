"""Where the station's sync token lives: the OS keyring when there is a real one (Secret Service, macOS
Keychain, Windows Credential Locker), else a 0600 file `sync-token` in the data directory; never the database.

A keyring backend counts as real when keyring itself ranks it recommended (priority >= 1): the "fail" and
"null" backends of a headless Linux, and the plain-text/alternative file backends (priority < 1), do not.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

from counter.fsutil import PRIVATE_FILE, write_atomic

SERVICE = "counter-sync"
TOKEN_FILE = "sync-token"
LEGACY_KEY = "sync_token"  # where counter kept the token before (sync_state), moved out at the next open
KEYRING, FILE = "keyring", "file"


def _account(data_dir: Path) -> str:
    return str(Path(data_dir).expanduser().resolve())  # one token per store (a PC may hold several)


def keyring_backend() -> Any | None:
    """The OS keyring if there is a usable one, else None."""
    try:
        import keyring

        backend = keyring.get_keyring()
        return backend if float(backend.priority) >= 1 else None
    except Exception:  # no backend, no D-Bus, a broken configuration: the file is used
        return None


def save(data_dir: Path, token: str) -> str:
    """Store the token; returns KEYRING or FILE (what `counter doctor` reports)."""
    path = Path(data_dir) / TOKEN_FILE
    backend = keyring_backend()
    if backend is not None:
        try:
            backend.set_password(SERVICE, _account(data_dir), token)
        except Exception:  # a locked or refusing keyring: fall back to the file
            pass
        else:
            path.unlink(missing_ok=True)
            return KEYRING
    write_atomic(token.encode("utf-8"), path, sync_dir=True)
    path.chmod(PRIVATE_FILE)
    return FILE


def _from_keyring(data_dir: Path) -> str | None:
    backend = keyring_backend()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, _account(data_dir)) or None
    except Exception:
        return None


def _from_file(data_dir: Path) -> str | None:
    try:
        return (Path(data_dir) / TOKEN_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def load(data_dir: Path) -> str | None:
    return _from_keyring(data_dir) or _from_file(data_dir)


def location(data_dir: Path) -> str | None:
    """KEYRING, FILE or None (not set up)."""
    if _from_keyring(data_dir):
        return KEYRING
    if _from_file(data_dir):
        return FILE
    return None


def keyring_name() -> str:
    backend = keyring_backend()
    return getattr(backend, "name", type(backend).__name__) if backend is not None else ""


def token_in_database(db_path: Path) -> bool:
    """Whether an old store still keeps the token in sync_state (read-only: doctor never writes)."""
    import sqlite3

    if not db_path.is_file():
        return False
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            row = con.execute("SELECT 1 FROM sync_state WHERE key = ?", (LEGACY_KEY,)).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return row is not None


def in_database(path: Path) -> bool:
    """Whether the store file still holds the token (read with sqlite3: an open store needs no engine for it)."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute("SELECT 1 FROM sync_state WHERE key = ?", (LEGACY_KEY,)).fetchone() is not None
        finally:
            con.close()
    except sqlite3.Error:
        return True  # say so to the real check, which tells


def move_out_of_database(engine: Engine, data_dir: Path) -> bool:
    """One-time move for stores made before: the token goes to the keyring or the file, its row is deleted with
    secure_delete (the page is overwritten with zeros) and the WAL is checkpointed and truncated, so the token's
    bytes leave the SQLite files. Returns whether there was one."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("sync_state"):
            return False
        token = conn.execute(sa.text("SELECT value FROM sync_state WHERE key = :k"), {"k": LEGACY_KEY}).scalar()
    if token is None:
        return False
    if token.strip():
        save(data_dir, token.strip())
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute("BEGIN IMMEDIATE")
        cur.execute("DELETE FROM sync_state WHERE key = ?", (LEGACY_KEY,))
        cur.execute("COMMIT")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.close()
    finally:
        raw.close()
    return True
