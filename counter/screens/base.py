"""What every screen shares: running a service call off the UI thread and showing its errors in Vietnamese."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.screen import Screen
from textual.worker import get_current_worker

from counter.domain.errors import CounterError

if TYPE_CHECKING:
    from counter.app import CounterApp

log = logging.getLogger("counter.ui")
T = TypeVar("T")


def error_text(exc: BaseException) -> str:
    if isinstance(exc, CounterError):
        return exc.message
    log.exception("unexpected error", exc_info=exc)
    return f"Lỗi không mong đợi: {type(exc).__name__}: {exc}"


class ServiceScreen(Screen):
    """A screen whose service calls run in thread workers; results come back on the UI thread."""

    HELP = ""

    @property
    def capp(self) -> "CounterApp":
        return self.app  # type: ignore[return-value]

    def call_service(self, fn: Callable[[], T], done: Callable[[T], Any],
                     failed: Callable[[str], Any] | None = None, group: str = "service",
                     exclusive: bool = False) -> None:
        """Run fn() in a thread; then done(result) or failed(message) on the UI thread (stale results dropped)."""

        def work() -> None:
            worker = get_current_worker()
            try:
                result = fn()
            except Exception as exc:  # every error becomes a Vietnamese line, never a traceback
                message = error_text(exc)
                if not worker.is_cancelled:
                    self.app.call_from_thread(failed or self.show_error, message)
                return
            if not worker.is_cancelled:
                self.app.call_from_thread(done, result)

        self.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

    def refocus(self) -> None:
        """Its function key was pressed while it is open: put the cursor where work starts (default: stay)."""

    def show_error(self, message: str) -> None:
        self.notify(message, severity="error", markup=False)
