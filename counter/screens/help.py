from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen):
    """F1: the keys of the screen underneath and a short guide for it."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Đóng", id="close-help")]

    def __init__(self, under: Screen):
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold")
        keys.add_column()
        seen = set()
        for bindings in (self.under.BINDINGS, self.app.BINDINGS):
            for b in bindings:
                if isinstance(b, Binding) and b.description and b.key not in seen:
                    seen.add(b.key)
                    keys.add_row(b.key_display or b.key.upper().replace("CTRL+", "Ctrl+"), b.description)
        keys.add_row("Ctrl+P", "Bảng lệnh (tìm và chạy mọi lệnh)")
        with VerticalScroll(id="help-box"):
            yield Static(Text("TRỢ GIÚP", style="bold"))
            yield Static(Text(getattr(self.under, "HELP", "") or ""), id="help-text")
            yield Static(keys, id="help-keys")
            yield Static(Text("Esc hoặc F1 để đóng", style="dim"))
