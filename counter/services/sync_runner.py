"""The station's one sync runner: the app's sync worker and `counter sync` both run this class.

A cycle opens a client for the configured server (`counter sync setup`), pushes and pulls (services/sync.py
`run_cycle`), and refreshes the status; `run(stop)` repeats it every `interval` seconds, with the backoff of
sync/loop.py after a failure, until `stop` is set. Every failure is recorded once, as the last error
(services/sync.py `record_failure`: by run_cycle, or here when the client cannot even be made), so the footer and
`counter sync status` say so; it never stops the loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from counter.services import sync as sync_service
from counter.services.store import Store
from counter.sync.loop import run_forever

log = logging.getLogger("counter.sync")

DEFAULT_INTERVAL = 15.0


class SyncRunner:
    def __init__(self, store: Store, interval: float | None = None, transport: Any = None) -> None:
        self.store = store
        self.interval = interval or DEFAULT_INTERVAL
        self.transport = transport  # tests: an httpx transport to the server under test
        self.on_report: Callable[[sync_service.CycleReport], object] | None = None
        self.on_error: Callable[[BaseException, float], object] | None = None
        self.on_status: Callable[[sync_service.SyncStatus], object] | None = None

    def configured(self) -> bool:
        return sync_service.settings(self.store) is not None

    def url(self) -> str:
        """The server's address (SyncNotConfigured, in Vietnamese, when `counter sync setup` was not run)."""
        cfg = sync_service.settings(self.store)
        if cfg is None:
            sync_service.client_for(self.store)  # raises SyncNotConfigured, saying how to connect
        return cfg.url.rstrip("/")  # type: ignore[union-attr]

    def status(self) -> sync_service.SyncStatus:
        return sync_service.status(self.store)

    def refresh(self) -> None:
        if self.on_status is None:
            return
        try:
            self.on_status(self.status())
        except Exception:  # a busy or closing store: keep the last status
            log.debug("sync status not refreshed", exc_info=True)

    def cycle(self) -> sync_service.CycleReport:
        """One push and pull (SyncError when the server cannot be reached or refuses)."""
        try:
            try:
                client = sync_service.client_for(self.store, self.transport)
            except Exception as exc:  # outside run_cycle, which records its own failures
                sync_service.record_failure(self.store, exc)
                raise
            with client:
                report = sync_service.run_cycle(self.store, client)
        finally:
            self.refresh()
        if self.on_report is not None:
            self.on_report(report)
        return report

    def _failed(self, exc: BaseException, delay: float) -> None:
        self.refresh()  # the cycle recorded the failure (sync_service.record_failure)
        if self.on_error is not None:
            self.on_error(exc, delay)

    def run(self, stop: threading.Event) -> None:
        """Cycles until `stop` is set; returns at once when the station is not connected to a server."""
        self.refresh()
        if not self.configured():
            return
        run_forever(self.cycle, stop, interval=self.interval, on_error=self._failed, tick=self.refresh)
