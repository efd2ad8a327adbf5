"""The app's default keyboard map, read once from keys.toml (next to this file, shipped as package data).

A screen names its scope once, in its class line: `class ReceiveScreen(ServiceScreen, scope="receive")` (KeyScope);
a class that adds keys of its own builds its list from `bindings("queue")`, or takes one by id, `binding("help")`.
The config's [keymap] (binding id -> keys, `App.set_keymap`) still moves any of them; F1 (help.py) shows the live
ones.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

TABLE = Path(__file__).with_name("keys.toml")
#: keys.toml's field -> Binding's
FIELDS = {"id": "id", "keys": "key", "action": "action", "label": "description", "priority": "priority",
          "show": "show", "key_display": "key_display"}


def load(text: str) -> dict[str, list[Binding]]:
    """scope -> its bindings, in the table's order."""
    scopes: dict[str, list[Binding]] = {}
    for scope, entries in tomllib.loads(text).items():
        scopes[scope] = []
        for entry in entries:
            unknown = set(entry) - set(FIELDS)
            if unknown or not {"id", "keys", "action"} <= set(entry):
                raise ValueError(f"{TABLE.name} [{scope}]: {entry} (fields: {', '.join(FIELDS)}; id, keys and "
                                 "action needed)")
            scopes[scope].append(Binding(**{FIELDS[name]: value for name, value in entry.items()}))
    return scopes


SCOPES = load(TABLE.read_text("utf-8"))
_BY_ID = {b.id: b for scope in SCOPES.values() for b in scope}


def bindings(scope: str) -> list[BindingType]:
    """The bindings of one scope (a screen or a dialog) of keys.toml, in footer order (a class's BINDINGS)."""
    return list(SCOPES[scope])


def binding(binding_id: str, **changes: Any) -> Binding:
    """One binding of keys.toml by its id; `changes` (Binding's own fields) make a variant under the same id."""
    return replace(_BY_ID[binding_id], **changes)


class KeyScope:
    """A screen or dialog whose keys are one scope of keys.toml, named in its class line:
    `class Confirm(KeyScope, ModalScreen[bool], scope="confirm")` is `BINDINGS = bindings("confirm")` (every
    ServiceScreen is a KeyScope). The list lands in the class's own BINDINGS, where Textual, F1 (help.py) and the
    keymap find it as before."""

    BINDINGS: ClassVar[list[BindingType]]

    def __init_subclass__(cls, scope: str | None = None, **kwargs: Any) -> None:
        if scope is not None:
            if "BINDINGS" in cls.__dict__:
                raise TypeError(f"{cls.__name__}: its keys are scope {scope!r}, not BINDINGS as well")
            cls.BINDINGS = bindings(scope)  # before Textual's __init_subclass__ merges the class's bindings
        super().__init_subclass__(**kwargs)
