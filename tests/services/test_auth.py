"""Login gives nobody a way to tell which user names exist: the same messages, counts, lockout and cost."""

from __future__ import annotations

import time

import pytest

from counter.services import auth
from tests.conftest import PASSWORD, make_store


def _answer(store, username: str, password: str) -> str:
    with pytest.raises(auth.AuthError) as exc:
        auth.login(store, username, password)
    return exc.value.message


def test_an_unknown_name_gets_what_a_wrong_password_gets_lockout_included(store):
    known = [_answer(store, "canbo", "sai-mat-khau") for _ in range(7)]
    unknown = [_answer(store, "khongco", "sai-mat-khau") for _ in range(7)]
    assert known == unknown
    assert "còn 4 lần thử" in known[0] and "tạm khóa" in known[4] and "Thử lại sau" in known[6]
    # the lockout holds for the real account (even the right password), and passes with the time
    assert "tạm khóa" in _answer(store, "canbo", PASSWORD)
    store.clock.advance(minutes=16)
    assert auth.login(store, "canbo", PASSWORD).username == "canbo"
    assert "còn 4 lần thử" in _answer(store, "khongco", "sai-mat-khau")


def test_a_disabled_account_is_named_only_to_whoever_knows_its_password(store):
    auth.set_disabled(store, "buudien", True)
    assert _answer(store, "buudien", "sai-mat-khau") == _answer(store, "khongco", "sai-mat-khau")
    assert _answer(store, "buudien", PASSWORD) == "Tài khoản đã bị khóa. Liên hệ quản trị để mở khóa."


def test_the_production_argon2_parameters_are_the_strong_ones(monkeypatch):
    """The suite hashes cheaply (tests/conftest.py); without the COUNTER_ARGON2_* variables it is argon2id with
    RFC 9106's parameters: 3 passes over 64 MiB in 4 lanes."""
    assert auth.argon2_parameters({}) == auth.PRODUCTION_ARGON2 == auth.Argon2Parameters(3, 65536, 4)
    for var in ("COUNTER_ARGON2_TIME_COST", "COUNTER_ARGON2_MEMORY_COST", "COUNTER_ARGON2_PARALLELISM"):
        monkeypatch.delenv(var, raising=False)
    assert auth.hash_password(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setenv("COUNTER_ARGON2_TIME_COST", "nhiều")
    with pytest.raises(auth.CounterError, match="COUNTER_ARGON2_TIME_COST phải là một số nguyên"):
        auth.hash_password(PASSWORD)


def test_a_hash_of_other_parameters_still_verifies_and_is_rehashed_at_login(store, monkeypatch):
    before = auth.hash_password(PASSWORD)  # the suite's cheap parameters
    monkeypatch.setenv("COUNTER_ARGON2_TIME_COST", "2")
    assert auth.login(store, "canbo", PASSWORD).username == "canbo"
    from sqlmodel import select

    from counter.models import User
    with store.read() as s:
        after = s.exec(select(User).where(User.username == "canbo")).one().password_hash
    assert ",t=1," in before and ",t=2," in after


@pytest.fixture
def production_argon2(monkeypatch, tmp_path):
    """A store whose users were made with the production parameters, which also hash the dummy."""
    for var in ("COUNTER_ARGON2_TIME_COST", "COUNTER_ARGON2_MEMORY_COST", "COUNTER_ARGON2_PARALLELISM"):
        monkeypatch.delenv(var, raising=False)
    s = make_store(tmp_path / "strong")
    yield s
    s.close()


@pytest.mark.slow
def test_an_unknown_name_and_a_locked_account_cost_a_password_check(production_argon2):
    store = production_argon2
    def cost(username: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            _answer(store, username, "sai-mat-khau")
            best = min(best, time.perf_counter() - start)
        return best

    for _ in range(5):
        _answer(store, "giamsat", "sai-mat-khau")  # locked now
    wrong, unknown, locked = cost("canbo"), cost("khongco"), cost("giamsat")
    assert unknown > 0.4 * wrong and locked > 0.4 * wrong, (wrong, unknown, locked)
