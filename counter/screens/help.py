"""F1: the keys of the screen underneath and its short guide (the screen's `HELP` text)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding
from textual.keys import key_to_character
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

KEY_NAMES = {"escape": "Esc", "enter": "Enter", "pagedown": "PgDn", "pageup": "PgUp", "space": "Space",
             "tab": "Tab", "shift+tab": "Shift+Tab", "up": "↑", "down": "↓", "left": "←", "right": "→",
             "delete": "Del", "backspace": "Backspace", "home": "Home", "end": "End"}


def key_label(keys: str) -> str:
    """"pagedown,ctrl+n" -> "PgDn / Ctrl+N"."""

    def one(key: str) -> str:
        key = key.strip()
        if key in KEY_NAMES:
            return KEY_NAMES[key]
        *mods, last = key.split("+")
        char = key_to_character(last) if last not in KEY_NAMES and len(last) > 1 else None
        name = KEY_NAMES.get(last) or (char if char and char.isprintable() else last.upper())
        return "+".join([m.capitalize() for m in mods] + [name])

    return " / ".join(one(k) for k in keys.split(","))


class HelpScreen(ModalScreen):
    """The screen's own keys first, then the app's; only keys that do something now."""

    BINDINGS = [Binding("escape,f1,ctrl+g,q", "dismiss", "Đóng", id="help.close")]

    def __init__(self, under: Screen):
        super().__init__()
        self.under = under

    @staticmethod
    def own_bindings(node: object) -> list[object]:
        """Bindings declared by our classes (not Textual's English defaults such as Tab "Focus Next")."""
        found: list[object] = []
        for cls in type(node).__mro__:
            if cls.__module__.startswith("counter."):
                found += cls.__dict__.get("BINDINGS", [])
        return found

    def rows(self) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for node in (self.under, self.app):
            for b in self.own_bindings(node):
                if not isinstance(b, Binding) or not b.description or b.key in seen:
                    continue
                if b.action == "command_palette" or node.check_action(*parse_action(b.action)[1:]) is False:
                    continue
                seen.add(b.key)
                rows.append((key_label(b.key), b.description))
        rows.append(("Tab / Shift+Tab", "Sang ô sau / ô trước"))
        rows.append(("Ctrl+P", "Bảng lệnh (tìm và chạy mọi lệnh)"))
        return rows

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold")
        keys.add_column()
        for key, description in self.rows():
            keys.add_row(Text(key), Text(description))
        with VerticalScroll(id="help-box"):
            yield Static(Text("TRỢ GIÚP", style="bold"))
            yield Static(Text(getattr(self.under, "HELP", "") or ""), id="help-text")
            yield Static(keys, id="help-keys")
            yield Static(Text("Esc, F1 hoặc Ctrl+G để đóng", style="dim"), id="help-close")
