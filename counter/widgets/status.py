from __future__ import annotations

from typing import Any

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


class KeyFooter(Footer):
    """Textual's key footer, rebuilt only when the keys it would show change. Textual rebuilds it whenever the
    screen's bindings are announced (4 times on every screen switch: mount, focus, refresh_bindings), and each
    rebuild makes and styles every key again; a rebuild that would draw the same keys is skipped (issue 21)."""

    _shown: tuple[Any, ...] | None = None

    def _keys(self) -> tuple[Any, ...]:
        app = self.app
        return (self._bindings_ready, self.compact, self.show_command_palette, tuple(
            (b.key, app.get_key_display(b), b.description, b.action, b.show, b.group, enabled, tooltip)
            for _node, b, enabled, tooltip in self.screen.active_bindings.values()))

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._shown:
            return
        self._shown = keys
        await super().recompose()


class BottomBar(Vertical):
    """The status line above Textual's key footer."""

    DEFAULT_CSS = """
    BottomBar { dock: bottom; height: 2; }
    BottomBar Footer { dock: none; }
    """

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield KeyFooter()
