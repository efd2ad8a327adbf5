"""Issue 21: the CLI's short login (sudo's timestamp): a ticket bound to the user, the OS user and the store, under
a per-store secret, valid for the configured minutes, refused when the account changed or anything was edited."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import timedelta

import pytest

from counter.domain.clock import FixedClock
from counter.services import auth, cli_session
from counter.services.store import Store
from tests.conftest import NOW, PASSWORD, make_store


@pytest.fixture
def sessions(tmp_path, monkeypatch):
    folder = tmp_path / "sessions"
    monkeypatch.setenv(cli_session.SESSION_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def store(tmp_path, sessions):
    s = make_store(tmp_path / "data")
    yield s
    s.close()


def at(store: Store, minutes: float) -> Store:
    store.clock = FixedClock(NOW + timedelta(minutes=minutes))
    return store


def issued(store: Store, username: str = "canbo"):  # type: ignore[no-untyped-def]
    actor = auth.login(store, username, PASSWORD)
    path = cli_session.issue(store, actor)
    assert path is not None and path.is_file()
    return actor, path


def test_a_ticket_stands_for_the_password_of_the_same_user_on_the_same_store(store):
    actor, _ = issued(store)
    assert cli_session.check(store, "canbo") == actor
    assert cli_session.check(store, " CanBo ") == actor  # as the login reads a name
    assert cli_session.check(store, "giamsat") is None  # another user: the password


def test_it_expires_after_the_configured_minutes(store):
    issued(store)
    assert cli_session.check(at(store, 14.9), "canbo") is not None
    assert cli_session.check(at(store, 15), "canbo") is None
    at(store, 0)
    issued(store)
    assert cli_session.check(at(store, 4), "canbo", minutes=5) is not None
    assert cli_session.check(at(store, 5), "canbo", minutes=5) is None
    at(store, 0)
    issued(store)
    assert cli_session.check(store, "canbo", minutes=0) is None  # turned off
    assert cli_session.issue(store, auth.login(store, "canbo", PASSWORD), minutes=0) is None


def test_a_ticket_from_the_future_is_not_believed(store):
    issued(at(store, 10))
    assert cli_session.check(at(store, 0), "canbo") is None


@pytest.mark.parametrize("change", ["password", "disabled", "role", "locked"])
def test_a_changed_or_locked_account_refuses_its_ticket(store, change):
    issued(store)
    if change == "password":
        auth.set_password(store, "canbo", "mat-khau-moi-123")
    elif change == "disabled":
        auth.set_disabled(store, "canbo", True)
    else:
        with store.write() as s:
            from sqlalchemy import text

            if change == "role":
                s.execute(text("UPDATE users SET role = 'postal' WHERE username = 'canbo'"))
            else:
                s.execute(text("UPDATE users SET locked_until = :t WHERE username = 'canbo'"),
                          {"t": (NOW + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S.%f")})
    assert cli_session.check(store, "canbo") is None


def test_ticket_and_key_are_private_and_a_loose_one_is_refused(store, sessions):
    _, path = issued(store)
    key = store.data_dir / cli_session.KEY_FILE
    for p in (path, key):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert stat.S_IMODE(sessions.stat().st_mode) == 0o700
    assert key.stat().st_size == 32 and not str(path).startswith(str(store.data_dir))  # never in the data dir
    os.chmod(path, 0o644)  # readable by others: not trusted
    assert cli_session.check(store, "canbo") is None
    issued(store)
    os.chmod(key, 0o640)
    assert cli_session.check(store, "canbo") is None


def _edit(path, **claims) -> None:  # type: ignore[no-untyped-def]
    encoded, _, mac = path.read_text().partition(".")
    body = json.loads(base64.urlsafe_b64decode(encoded))
    body.update(claims)
    path.write_text(base64.urlsafe_b64encode(json.dumps(body, sort_keys=True).encode()).decode() + "." + mac)


@pytest.mark.parametrize("claims", [{"at": (NOW + timedelta(hours=5)).isoformat()}, {"uid": 12345},
                                    {"user": "giamsat"}, {"store": "another-station"}])
def test_an_edited_ticket_is_refused(store, claims):
    _, path = issued(store)
    _edit(path, **claims)
    assert cli_session.check(store, "canbo") is None
    assert not path.exists()  # and removed


def test_a_forged_ticket_or_another_stores_key_is_refused(store, tmp_path):
    _, path = issued(store)
    path.write_text("eyJ2IjoxfQ." + "0" * 64)
    assert cli_session.check(store, "canbo") is None
    _, path = issued(store)
    path.write_bytes(b"\xff\xfe garbage")
    assert cli_session.check(store, "canbo") is None
    _, path = issued(store)
    (store.data_dir / cli_session.KEY_FILE).write_bytes(os.urandom(32))  # the key of another store
    assert cli_session.check(store, "canbo") is None


def test_logout_drops_the_ticket(store):
    issued(store)
    issued(store, "giamsat")
    assert cli_session.drop(store, "canbo") == 1
    assert cli_session.check(store, "canbo") is None and cli_session.check(store, "giamsat") is not None
    assert cli_session.drop(store) == 1
    assert cli_session.check(store, "giamsat") is None
