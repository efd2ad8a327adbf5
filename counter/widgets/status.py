from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static

from counter.domain.calendar import VN_TZ
from counter.domain.permissions import Role


class StatusBar(Horizontal):
    """User, role, station and office on the left (cut with … if too long); sync state and clock on the right."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $primary-background; padding: 0 1; }
    StatusBar #status-who { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusBar #status-sync { width: auto; margin-left: 2; }
    StatusBar #status-clock { width: auto; margin-left: 2; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="status-who", markup=False)
        yield Static("", id="status-sync", markup=False)
        yield Static("", id="status-clock", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1, self.refresh_status)
        self.refresh_status()

    def refresh_status(self) -> None:
        app = self.app
        now = app.clock.now().astimezone(VN_TZ)  # type: ignore[attr-defined]
        who = []
        if app.actor is not None:  # type: ignore[attr-defined]
            who.append(f"{app.actor.full_name} · {Role(app.actor.role).label}")  # type: ignore[attr-defined]
        if app.office is not None:  # type: ignore[attr-defined]
            # the station first: a long office name is what gets cut on a narrow terminal
            who.append(f"Quầy {app.office.station_number} · {app.office.name}")  # type: ignore[attr-defined]
        self.query_one("#status-who", Static).update(Text(" │ ".join(who)))
        self.query_one("#status-sync", Static).update(Text(app.sync_label()))  # type: ignore[attr-defined]
        self.query_one("#status-clock", Static).update(Text(now.strftime("%H:%M:%S %d/%m/%Y")))

    @property
    def text(self) -> str:
        """The whole line as plain text (for tests and screen readers)."""
        parts = [str(s.render()) for s in self.query(Static)]
        return " │ ".join(p for p in parts if p)


class BottomBar(Vertical):
    """The status line above Textual's key footer."""

    DEFAULT_CSS = """
    BottomBar { dock: bottom; height: 2; }
    BottomBar Footer { dock: none; }
    """

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Footer()
