"""Login gives nobody a way to tell which user names exist: the same messages, counts, lockout and cost."""

from __future__ import annotations

import time

import pytest

from counter.services import auth
from tests.conftest import PASSWORD


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


def test_an_unknown_name_and_a_locked_account_cost_a_password_check(store):
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
