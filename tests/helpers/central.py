"""The test office's users on the central server (issue 14: the server judges every event by its actor's row
there), shared by tests/pg.py's migrated template and the tests that migrate a central database themselves."""

from __future__ import annotations

from counter.services import dossiers, progress
from tests.conftest import NOW, OFFICE, PASSWORD, USERS, actor_for

#: the server's users of the test office (issue 14: the server judges every event by its actor's row there):
#: the stations' users (tests.conftest.USERS, same names and password) and the hand-built events' "canbo2"
SERVER_USERS = {**{u: (f"Người Dùng {u.title()}", role) for u, role in USERS.items()},
                "canbo2": ("Trần Văn Bình", "clerk")}
_HASH: list[str] = []


def add_server_users(engine, office: str = OFFICE, users: dict[str, tuple[str, str]] | None = None) -> None:
    """The office's users on the central server, as `counter serve users add` makes them (one argon2 hash of
    the test password, computed once: the KDF is slow on purpose)."""
    import sqlalchemy as sa
    from argon2 import PasswordHasher

    from counter.central import tables
    from counter.central import tokens as central_tokens

    if not _HASH:
        _HASH.append(PasswordHasher().hash(PASSWORD))
    with engine.begin() as conn:
        central_tokens.ensure_office(conn, office)
        conn.execute(sa.insert(tables.users), [
            {"office_id": office, "username": u, "full_name": name, "role": role, "password_hash": _HASH[0],
             "locked": False, "created_at": NOW, "updated_at": NOW}
            for u, (name, role) in (users or SERVER_USERS).items()])


# a dossier returned at the counter (the ratings' and complaints' tests start there)
RETURN = {"receiver_name": "Nguyễn Văn An", "receiver_id_number": "001090123456", "receiver_source": "typed",
          "papers": [{"name": "Giấy xác nhận", "count": 1}]}


def returned(store, code: str) -> None:
    clerk = actor_for(store, "canbo")
    progress.record_event(store, clerk, code, "resolved", {"note": "Giấy xác nhận"})
    dossiers.record(store, clerk, code, "returned", RETURN)


def token_of(store, code: str) -> str:
    return store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]
