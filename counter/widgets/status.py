from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Static

from counter.domain.calendar import VN_TZ
from counter.domain.permissions import Role


class StatusBar(Static):
    """User, role, office and station, sync state, clock — at the bottom of every screen."""

    DEFAULT_CSS = "StatusBar { height: 1; background: $primary-background; padding: 0 1; }"

    def on_mount(self) -> None:
        self.set_interval(1, self.refresh_status)
        self.refresh_status()

    def refresh_status(self) -> None:
        app = self.app
        now = app.clock.now().astimezone(VN_TZ)  # type: ignore[attr-defined]
        parts = [now.strftime("%H:%M:%S %d/%m/%Y")]
        if app.actor is not None:  # type: ignore[attr-defined]
            parts.append(f"{app.actor.full_name} · {Role(app.actor.role).label}")  # type: ignore[attr-defined]
        if app.office is not None:  # type: ignore[attr-defined]
            parts.append(f"{app.office.name} · Quầy {app.office.station_number}")  # type: ignore[attr-defined]
        parts.append(app.sync_label())  # type: ignore[attr-defined]
        self.update(Text(" │ ".join(parts)))


class BottomBar(Vertical):
    """The status line above Textual's key footer."""

    DEFAULT_CSS = """
    BottomBar { dock: bottom; height: 2; }
    BottomBar Footer { dock: none; }
    """

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Footer()
