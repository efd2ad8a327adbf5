"""The station's sync loop: a cycle every `interval` seconds; after a failure, retries with full-jitter
exponential backoff (1 s doubling to a 5 min cap, Retry-After honoured, reset on success), never giving up.

The retries are tenacity's: `wait_random_exponential` is the full-jitter backoff, the server's Retry-After
replaces it when given, and tenacity sleeps through `wait()` on a `threading.Event`, so stopping the app
(or `counter sync` on Ctrl+C) ends the wait at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import tenacity

INITIAL = 1.0
CAP = 300.0


class Backoff(tenacity.wait.wait_base):
    """How long to wait before retry number n of a failing cycle (a tenacity wait strategy): the server's
    Retry-After when it sent one, else uniform in [0, min(cap, initial·2^(n-1))] (full jitter)."""

    def __init__(self, initial: float = INITIAL, cap: float = CAP) -> None:
        self.cap = cap
        self.jitter = tenacity.wait_random_exponential(multiplier=initial, max=cap)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome is not None else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(self.cap, max(0.0, float(retry_after)))
        return self.jitter(retry_state)


def wait(stop: threading.Event, seconds: float, tick: Callable[[], object] | None = None,
         every: float = 5.0) -> None:
    """Wait `seconds` or until `stop`; call `tick()` every `every` seconds meanwhile (e.g. refresh a count)."""
    left = seconds
    while left > 0 and not stop.is_set():
        step = min(left, every) if tick is not None else left
        if stop.wait(step):
            return
        left -= step
        if tick is not None and left > 0:
            tick()


def run_forever(cycle: Callable[[], object], stop: threading.Event, interval: float = 15.0,
                on_error: Callable[[BaseException, float], None] | None = None,
                backoff: Backoff | None = None, tick: Callable[[], object] | None = None) -> None:
    """Run `cycle()` until `stop` is set. A failure (a SyncError, or any Exception: a bug must not stop the
    station's sync for good) is reported to `on_error(exc, delay)` and retried after the backoff delay.
    `tick()` runs every few seconds while waiting."""

    def report(state: tenacity.RetryCallState) -> None:
        if on_error is not None and state.outcome is not None and state.next_action is not None:
            exc = state.outcome.exception()
            if exc is not None:
                on_error(exc, state.next_action.sleep)

    def attempt() -> None:
        if not stop.is_set():
            cycle()

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(Exception), wait=backoff or Backoff(),
        stop=lambda _state: stop.is_set(), sleep=lambda seconds: wait(stop, seconds, tick),
        before_sleep=report, reraise=True)
    while not stop.is_set():
        try:
            retrying(attempt)  # a fresh retry state each cycle: the backoff starts over after a success
        except Exception:  # only when stopping (tenacity gives up only then)
            if stop.is_set():
                return
            raise
        wait(stop, interval, tick)
