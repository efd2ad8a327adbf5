"""The station's sync loop: a cycle every `interval` seconds; after a failure, retries with full-jitter
exponential backoff (1 s doubling to a 5 min cap, Retry-After honoured, reset on success), never giving up.

Retries run through `stamina.retry_context` with a backoff hook: the hook picks the delay and waits for it on
a `threading.Event`, so stopping the app (or `counter sync` on Ctrl+C) ends the wait at once.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import stamina


INITIAL = 1.0
CAP = 300.0


def full_jitter(failures: int, rng: random.Random | None = None, initial: float = INITIAL,
                cap: float = CAP) -> float:
    """Delay before retry number `failures` (1-based): uniform in [0, min(cap, initial·2^(failures-1))]."""
    ceiling = min(cap, initial * 2 ** min(failures - 1, 30))
    return (rng or random).uniform(0, ceiling)


@dataclass
class Backoff:
    """Counts consecutive failures and says how long to wait before the next try."""

    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0
    initial: float = INITIAL
    cap: float = CAP

    def reset(self) -> None:
        self.failures = 0

    def next_delay(self, exc: BaseException) -> float:
        self.failures += 1
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(self.cap, max(0.0, float(retry_after)))
        return full_jitter(self.failures, self.rng, self.initial, self.cap)


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
    backoff = backoff or Backoff()

    def hook(exc: Exception) -> bool | float:
        if stop.is_set():
            return False
        delay = backoff.next_delay(exc)
        if on_error is not None:
            on_error(exc, delay)
        wait(stop, delay, tick)  # interruptible: the hook does the waiting, stamina sleeps 0
        return not stop.is_set() and 0.0

    while not stop.is_set():
        try:
            for attempt in stamina.retry_context(on=hook, attempts=None, timeout=None, wait_initial=INITIAL,
                                                 wait_max=CAP, wait_jitter=0.0):
                with attempt:
                    if stop.is_set():
                        return
                    cycle()
        except Exception:  # only when stopping (the hook said no more)
            if stop.is_set():
                return
            raise
        backoff.reset()
        wait(stop, interval, tick)
