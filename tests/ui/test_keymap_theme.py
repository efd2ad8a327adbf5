"""Keys and looks from the config: [keymap] (binding id -> keys) remaps a key and the F1 help says the new one;
the theme picked with Ctrl+P is saved in the data dir's config.toml and comes back at the next start."""

from __future__ import annotations

import asyncio
import re
import tomllib

import pytest
from textual.binding import Binding
from textual.screen import Screen

from counter.app import MODES_TABLE, CounterApp, build_app, screen_class
from counter.screens.help import HelpScreen, _screen_classes, key_label
from counter.screens.receive import ReceiveScreen
from tests.conftest import make_store
from tests.helpers.pilot import login, settle, visible

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "data")


async def until(condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_a_keymap_entry_remaps_a_key_and_the_help_shows_the_new_one(store):
    (store.data_dir / "config.toml").write_text('[keymap]\nreceive.save = "ctrl+w"\nhelp = "f12"\n', "utf-8")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, ReceiveScreen)
        await pilot.press("f1")  # no longer the help key: the keymap gave help F12 only
        await settle(app, pilot)
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f12")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = visible(app.screen.query_one("#help-keys"))
        guide = visible(app.screen.query_one("#help-text"))
        assert "Ctrl+W" in keys and "Ctrl+S" not in keys and "F12" in keys
        assert "Ctrl+W để lưu và in" in guide and "Ctrl+S" not in guide
        assert visible(app.screen.query_one("#help-close")) == "Esc hoặc F12 để đóng"
        await pilot.press("f12")  # the help key closes the help too
        await settle(app, pilot)
        assert isinstance(app.screen, ReceiveScreen)
        saved = []
        app.screen.action_save = lambda: saved.append(True)  # type: ignore[attr-defined]
        await pilot.press("ctrl+w")  # the remapped key runs the screen's save
        await settle(app, pilot)
        assert saved == [True]


def test_no_guide_names_a_key_of_its_own_bindings():
    """The guides name keys by binding id ({receive.save}); a key written out would not follow the keymap."""
    import importlib
    import pkgutil

    import counter.screens

    for mode in MODES_TABLE.values():
        screen_class(mode)  # every work screen's module loaded
    for module in pkgutil.iter_modules(counter.screens.__path__):  # ... and the screens they open (F6 → a dossier)
        importlib.import_module(f"counter.screens.{module.name}")
    ids = {b.id for cls in [CounterApp, *_screen_classes(Screen)] for b in cls.__dict__.get("BINDINGS", [])
           if isinstance(b, Binding) and b.id}
    for cls in _screen_classes(Screen):
        guide = cls.__dict__.get("HELP", "")
        for placeholder in re.findall(r"\{([^}]+)\}", guide):
            assert placeholder in ids, (cls.__name__, placeholder)
        for b in cls.__dict__.get("BINDINGS", []):
            if not isinstance(b, Binding) or b.key in ("enter",):  # Enter also means the fields' own Enter
                continue
            for key in b.key.split(","):
                label = key_label(key)
                if len(label) > 1:  # one letter (I, L, V) is too common a word to look for
                    assert not re.search(rf"(?<![\w+]){re.escape(label)}(?![\w+])", guide), (cls.__name__, label)


async def test_the_chosen_theme_is_saved_and_restored(store):
    config = store.data_dir / "config.toml"
    config.write_text("# the office's settings\n[app]\nidle_lock_minutes = 5\n", "utf-8")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        assert app.theme != "textual-light"
        app.theme = "textual-light"  # what the theme picker (Ctrl+P → Đổi giao diện màu) does
        await settle(app, pilot)
        await until(lambda: "textual-light" in config.read_text("utf-8"))
    doc = tomllib.loads(config.read_text("utf-8"))
    assert doc["app"] == {"idle_lock_minutes": 5, "theme": "textual-light"}
    assert config.read_text("utf-8").startswith("# the office's settings\n")  # the rest of the file as it was
    again = build_app(store)
    async with again.run_test(size=SIZE) as pilot:
        await until(lambda: again.theme == "textual-light")
        await login(again, pilot)
        assert again.theme == "textual-light"
