"""The key footer shows the keys of the screen in front, and is rebuilt only when they change: Textual rebuilt it
(every key widget made and styled again) at each announcement of the screen's bindings, four times a screen
switch and once a focus move (issue 21, bench/ui_stall.py)."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from counter.app import build_app
from counter.screens.receive import ReceiveScreen
from counter.screens.scan import ScanScreen
from tests.conftest import make_store
from tests.helpers.pilot import SIZE, footer_keys, login, settle

pytestmark = pytest.mark.ui


async def test_the_footer_follows_the_screen_and_a_focus_move_with_the_same_keys_keeps_it(tmp_path):
    store = make_store(tmp_path / "store")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, ReceiveScreen) and {"ctrl+s", "ctrl+t", "escape"} <= footer_keys(app)
        app.screen.query_one("#owner_name").focus()
        await settle(app, pilot)
        shown = {id(k) for k in app.screen.query(FooterKey)}
        await pilot.press("tab")  # to the birth date: another text box, the same keys
        await settle(app, pilot)
        assert app.screen.focused is not None and app.screen.focused.id == "owner_birth_date"
        assert {id(k) for k in app.screen.query(FooterKey)} == shown  # the same key widgets: not rebuilt
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, ScanScreen)
        assert {"ctrl+y", "ctrl+n"} <= footer_keys(app) and "ctrl+t" in footer_keys(app)
    store.close()
