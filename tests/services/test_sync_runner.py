"""The station's one sync runner records a failed cycle once, in the cycle's own words (services/sync.py
record_failure), and the loop goes on."""

from __future__ import annotations

import threading

import httpx

from counter.services import sync as sync_service
from counter.services.sync_runner import SyncRunner


def failing_transport(seen: list[str]) -> httpx.MockTransport:
    """A network stack with a bug in it: every request raises something that is not a SyncError."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        raise RuntimeError("ổ cắm hỏng")

    return httpx.MockTransport(handler)


def test_an_unexpected_failure_is_recorded_once_as_the_cycle_said(store):
    sync_service.setup(store, "https://tinh.example.vn", "t" * 32)
    seen: list[str] = []
    runner = SyncRunner(store, interval=0.01, transport=failing_transport(seen))
    stop = threading.Event()
    errors: list[tuple[BaseException, float]] = []

    def on_error(exc: BaseException, delay: float) -> None:
        errors.append((exc, delay))
        if len(errors) == 2:
            stop.set()

    runner.on_error = on_error
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and len(errors) == 2 and seen  # the loop went on after the first failure
    assert all(isinstance(exc, RuntimeError) for exc, _ in errors)
    state = sync_service.status(store)
    # run_cycle's words, not overwritten by a second record of the runner ("Lỗi không mong đợi: …")
    assert state.last_error == "Lỗi khi đồng bộ (RuntimeError): ổ cắm hỏng"
    assert state.last_error_at is not None


def test_a_station_not_connected_records_nothing(store):
    runner = SyncRunner(store, interval=0.01)
    runner.run(threading.Event())  # returns at once: nothing to sync with
    assert sync_service.status(store).last_error is None
