"""F1: the keys of the screen underneath and its short guide (the screen's `HELP` text).

Everything is built from the live bindings: the config's [keymap] (binding id -> keys, Textual's
`App.set_keymap`) changes what the table and the guide say. A guide names a key by its binding's id in braces,
`{receive.save}` (its first key, e.g. "Ctrl+S"), never by the key itself.
"""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding
from textual.keys import key_to_character
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from counter.screens.keys import binding, bindings

KEY_NAMES = {"escape": "Esc", "enter": "Enter", "pagedown": "PgDn", "pageup": "PgUp", "space": "Space",
             "tab": "Tab", "shift+tab": "Shift+Tab", "up": "↑", "down": "↓", "left": "←", "right": "→",
             "delete": "Del", "backspace": "Backspace", "home": "Home", "end": "End"}


#: how a guide's sentences name a key (the table uses the short names above)
PROSE_NAMES = {"pagedown": "PageDown", "pageup": "PageUp", "delete": "Delete"}
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")


def live_keys(app: object, binding: Binding) -> str:
    """The keys a binding has now: the app's keymap (the config's [keymap]) wins over the declared ones."""
    keymap = getattr(app, "_keymap", {}) or {}
    return keymap.get(binding.id, binding.key) if binding.id else binding.key


def prose_key(keys: str) -> str:
    first = keys.split(",")[0].strip()
    return PROSE_NAMES.get(first) or key_label(first)


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


def _screen_classes(base: type) -> list[type]:
    found: list[type] = []
    subclasses: list[type] = base.__subclasses__()
    for cls in subclasses:
        if cls.__module__.startswith("counter."):
            found.append(cls)
        found += _screen_classes(cls)
    return found


class HelpScreen(ModalScreen):
    """The screen's own keys first, then the app's; only keys that do something now."""

    # the help key closes it too: the same id as the app's, so a [keymap] entry for "help" moves both
    BINDINGS = [*bindings("help"), binding("help", action="dismiss", description="Đóng", show=False)]

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

    def bindings(self) -> list[tuple[object, Binding]]:
        """(node, binding) of the screen underneath, then of the app, with an id or a description."""
        return [(node, b) for node in (self.under, self.app) for b in self.own_bindings(node)
                if isinstance(b, Binding)]

    def key_of(self, binding_id: str) -> str | None:
        """The live keys of a binding: the screen's, the app's, else a dialog's the screen opens (e.g. the
        confirmation of F5)."""
        for _node, b in self.bindings():
            if b.id == binding_id:
                return live_keys(self.app, b)
        for cls in _screen_classes(Screen):
            for b in cls.__dict__.get("BINDINGS", []):
                if isinstance(b, Binding) and b.id == binding_id:
                    return live_keys(self.app, b)
        return None

    def guide(self) -> str:
        """The screen's HELP, each `{binding.id}` replaced by that binding's key now."""

        def key(match: re.Match[str]) -> str:
            keys = self.key_of(match.group(1))
            return prose_key(keys) if keys else match.group(0)

        return _PLACEHOLDER.sub(key, getattr(self.under, "HELP", "") or "")

    def rows(self) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for node, b in self.bindings():
            keys = live_keys(self.app, b)
            if not b.description or keys in seen:
                continue
            if b.action == "command_palette" or node.check_action(*parse_action(b.action)[1:]) is False:  # type: ignore[attr-defined]
                continue
            seen.add(keys)
            rows.append((key_label(keys), b.description))
        rows.append((self.textual_keys("app.focus_next", "app.focus_previous"), "Sang ô sau / ô trước"))
        palette = self.key_of("command-palette")
        if palette:
            rows.append((key_label(palette), "Bảng lệnh (tìm và chạy mọi lệnh)"))
        return rows

    def textual_keys(self, *actions: str) -> str:
        """Keys of Textual's own bindings (Tab / Shift+Tab move between fields), as the screen has them."""
        found = []
        for action in actions:
            for cls in type(self.under).__mro__:
                for b in cls.__dict__.get("BINDINGS", []):
                    if isinstance(b, Binding) and b.action == action:
                        found.append(key_label(live_keys(self.app, b)))
                        break
                else:
                    continue
                break
        return " / ".join(found)

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold")
        keys.add_column()
        for key, description in self.rows():
            keys.add_row(Text(key), Text(description))
        keys_now = [k for b in self.BINDINGS for k in live_keys(self.app, b).split(",")]  # type: ignore[arg-type]
        close = [key_label(k) for k in keys_now if k.strip() != "q"]  # Q closes too, unsaid (a letter people type)
        with VerticalScroll(id="help-box"):
            yield Static(Text("TRỢ GIÚP", style="bold"))
            yield Static(Text(self.guide()), id="help-text")
            yield Static(keys, id="help-keys")
            yield Static(Text(f"{', '.join(close[:-1])} hoặc {close[-1]} để đóng" if len(close) > 1 else
                              f"{close[0]} để đóng", style="dim"), id="help-close")
