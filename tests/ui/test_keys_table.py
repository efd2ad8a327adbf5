"""The default keyboard map, counter/screens/keys.toml, checked without running the app: every binding id once,
every action a method of the class that binds it, no key twice on one screen, and no entry left unused."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable

import pytest
from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

import counter.screens
import counter.widgets
from counter.app import CounterApp
from counter.screens import keys

#: the app's F2–F9: a mode key twice (F6 is the queue and "Việc của tôi") and once more when refused; the role
#: decides which of them answers (CounterApp.check_action)
MODE_ACTIONS = {"open", "refuse_open"}


def holders() -> list[type]:
    """Every class of ours that declares BINDINGS: the app, its screens and dialogs, the widgets."""
    found: list[type] = [CounterApp]
    for package in (counter.screens, counter.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found += [c for _n, c in inspect.getmembers(module, inspect.isclass)
                      if c.__module__ == module.__name__ and "BINDINGS" in c.__dict__]
    return found


def declared(cls: type) -> list[Binding]:
    """The bindings a class has from its own code and its bases' (Textual's own defaults left out)."""
    return [b for c in reversed(cls.__mro__) if not c.__module__.startswith("textual")
            for b in c.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


def duplicate_ids(scopes: dict[str, list[Binding]]) -> list[str]:
    ids = [b.id for scope in scopes.values() for b in scope]
    return sorted({i for i in ids if i is not None and ids.count(i) > 1})


def missing_actions(classes: Iterable[type]) -> list[tuple[str, str, str]]:
    """(class, binding id or key, action) of each binding whose action_* method its node does not have: the
    screen's (the app's for an app-level binding, or one named "app.…")."""
    missing = []
    for cls in classes:
        for b in declared(cls):
            namespace, name, _args = parse_action(b.action)
            node = CounterApp if namespace == "app" else cls
            if not callable(getattr(node, f"action_{name}", None)):
                missing.append((cls.__name__, b.id or b.key, b.action))
    return missing


def shared_keys(classes: Iterable[type]) -> list[tuple[str, str, list[str]]]:
    """(class, key, the ids on it) of each key that two bindings of one class answer (but the app's mode keys)."""
    shared = []
    for cls in classes:
        on: dict[str, list[str]] = {}
        for b in declared(cls):
            if issubclass(cls, App) and parse_action(b.action)[1] in MODE_ACTIONS:
                continue
            for key in b.key.split(","):
                on.setdefault(key.strip(), []).append(b.id or b.action)
        shared += [(cls.__name__, key, ids) for key, ids in on.items() if len(ids) > 1]
    return shared


def test_every_binding_id_in_the_table_is_unique():
    assert sum(len(scope) for scope in keys.SCOPES.values()) > 90  # the table was read, every scope of it
    assert duplicate_ids(keys.SCOPES) == []


def test_every_action_is_a_method_of_the_class_that_binds_it():
    found = holders()
    assert {"CounterApp", "ReceiveScreen", "HelpScreen", "Confirm", "QrInput"} <= {c.__name__ for c in found}
    assert missing_actions(found) == []


def test_no_two_bindings_of_a_screen_share_a_key():
    assert shared_keys(holders()) == []


def test_every_entry_of_the_table_is_bound_by_some_class():
    used = {b.id for cls in holders() for b in declared(cls)}
    assert [b.id for scope in keys.SCOPES.values() for b in scope if b.id not in used] == []


def test_the_screens_take_their_keys_from_the_table():
    from counter.screens.giveback import ReturnScreen
    from counter.screens.help import HelpScreen

    assert keys.bindings("return") == ReturnScreen.BINDINGS
    assert HelpScreen.BINDINGS[-1] == Binding("f1,ctrl+g", "dismiss", "Đóng", show=False, id="help")
    assert keys.binding("help").key == HelpScreen.BINDINGS[-1].key  # one declaration of the help key


def test_the_checks_find_a_bad_table():
    bad = keys.load('x = [{ id = "x.one", keys = "t", action = "one", label = "Một" },\n'
                    '     { id = "x.one", keys = "u,t", action = "two", label = "Hai" }]\n')

    class Bad(Screen):
        BINDINGS = bad["x"]

        def action_one(self) -> None: ...

    assert duplicate_ids(bad) == ["x.one"]
    assert missing_actions([Bad]) == [("Bad", "x.one", "two")]
    assert shared_keys([Bad]) == [("Bad", "t", ["x.one", "x.one"])]
    with pytest.raises(ValueError, match="lable"):
        keys.load('x = [{ id = "x.one", keys = "t", action = "one", lable = "Một" }]')
    with pytest.raises(ValueError, match="action needed"):
        keys.load('x = [{ id = "x.one", keys = "t" }]')
