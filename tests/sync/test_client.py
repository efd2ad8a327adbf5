"""The HTTP adapter and the retry loop, without a server: what counts as an answer, Retry-After, backoff."""

from __future__ import annotations

import random
import threading
from datetime import datetime, UTC

import httpx
import pytest
import tenacity
from hypothesis import given
from hypothesis import strategies as st

from counter.sync.client import SyncAuthError, SyncClient, SyncUnavailable, parse_retry_after
from counter.sync.loop import CAP, Backoff, run_forever


def client(handler) -> SyncClient:  # type: ignore[no-untyped-def]
    return SyncClient("http://central.test/", "tok", transport=httpx.MockTransport(handler))


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("120") == 120.0
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 23 Nov 2026 02:00:30 GMT", now) == 30.0
    assert parse_retry_after("Mon, 23 Nov 2026 01:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.mark.parametrize("response", [
    httpx.Response(200, text="<html>proxy login</html>"),  # a captive portal: 2xx but not JSON
    httpx.Response(200, json={"something": "else"}),  # JSON, not the contract's shape
    httpx.Response(404, json={"detail": "not here"}),
    httpx.Response(500, text="boom"),
])
def test_only_a_2xx_with_valid_json_is_an_answer(response):
    with client(lambda request: response) as c, pytest.raises(SyncUnavailable):
        c.pull("")


def test_auth_errors_and_retry_after():
    def handler(request):
        if request.url.path.endswith("/missing"):
            return httpx.Response(429, headers={"Retry-After": "9"}, json={"detail": "chậm lại"})
        assert request.headers["Authorization"] == "Bearer tok"
        return httpx.Response(401, json={"detail": "Mã truy cập sai hoặc đã bị thu hồi."})

    with client(handler) as c:
        with pytest.raises(SyncAuthError) as auth:
            c.pull("")
        assert "Mã truy cập sai" in auth.value.message
        with pytest.raises(SyncUnavailable) as busy:
            c.missing_blobs(["a" * 64])
        assert busy.value.retry_after == 9.0


def test_push_results_must_match_the_batch():
    sent = [{"id": "e1"}, {"id": "e2"}]
    answers = iter([
        {"results": [{"id": "e1", "status": "accepted", "office_seq": 1}, {"id": "x", "status": "accepted"}]},
        {"results": [{"id": "e1", "status": "maybe"}]},
        {"results": [{"id": "e1", "status": "accepted", "office_seq": 7},
                     {"id": "e2", "status": "rejected", "reason": "xung đột"}], "server_time": "t"},
    ])
    with client(lambda request: httpx.Response(200, json=next(answers))) as c:
        for _ in range(2):
            with pytest.raises(SyncUnavailable):
                c.push("s", {}, sent)
        results = c.push("s", {}, sent)
    assert [(r.status, r.office_seq, r.reason) for r in results] == [("accepted", 7, None), ("rejected", None, "xung đột")]


def test_connection_refused_is_unavailable():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    with client(refuse) as c, pytest.raises(SyncUnavailable) as info:
        c.pull("")
    assert "Không kết nối được máy chủ" in info.value.message
    with client(refuse) as c:
        assert c.health() is False


def retry_state(failures: int, exc: BaseException) -> tenacity.RetryCallState:
    state = tenacity.RetryCallState(tenacity.Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = failures
    state.set_exception((type(exc), exc, None))
    return state


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=0, max_value=2**32))
def test_full_jitter_stays_under_the_exponential_ceiling(failures, seed):
    random.seed(seed)  # tenacity draws from the random module
    delay = Backoff()(retry_state(failures, SyncUnavailable("x")))
    assert 0 <= delay <= min(CAP, 2 ** (failures - 1))


def test_backoff_honours_retry_after_and_resets():
    b = Backoff()
    assert b(retry_state(1, SyncUnavailable("x", retry_after=12))) == 12
    assert b(retry_state(2, SyncUnavailable("x", retry_after=10_000))) == CAP
    assert b(retry_state(1, SyncUnavailable("x"))) <= 1.0


def test_backoff_starts_over_after_a_successful_cycle():
    stop = threading.Event()
    calls, delays = [], []

    def cycle():
        calls.append(1)
        if len(calls) in (1, 2, 3, 5):  # three failures, a success, then one more failure
            raise SyncUnavailable("mất mạng")
        if len(calls) == 6:
            stop.set()

    run_forever(cycle, stop, interval=0, on_error=lambda exc, delay: delays.append(delay),
                backoff=Backoff(initial=0.001, cap=10))
    assert len(delays) == 4 and delays[3] <= 0.001  # the fourth failure waits as little as the first


def test_loop_retries_failures_never_gives_up_and_stops():
    stop = threading.Event()
    calls, errors = [], []

    def cycle():
        calls.append(1)
        if len(calls) <= 25:  # more failures than any fixed attempt count would allow
            raise SyncUnavailable("mất mạng")
        stop.set()

    run_forever(cycle, stop, interval=0, on_error=lambda exc, delay: errors.append((exc.message, delay)),
                backoff=Backoff(initial=0.0001, cap=0.001))
    assert len(calls) == 26 and len(errors) == 25
    assert all(m == "mất mạng" and 0 <= d <= 0.001 for m, d in errors)


def test_loop_survives_unexpected_errors():
    stop = threading.Event()
    calls = []

    def cycle():
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("bug")
        stop.set()

    seen = []
    run_forever(cycle, stop, interval=0, on_error=lambda exc, delay: seen.append(type(exc).__name__),
                backoff=Backoff(initial=0.0001, cap=0.001))
    assert seen == ["ValueError"] and len(calls) == 2
