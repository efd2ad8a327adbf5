"""A screen carries its width class (-narrow below 100 columns, -wide from 100) from the moment it is built, as
Textual's first Resize would set it: set after its widgets mounted, the class change restyled every widget of
the screen again (F2 held the UI thread 97 ms more; issue 21, bench/ui_stall.py)."""

from __future__ import annotations

import pytest

from counter.app import build_app
from counter.screens.mywork import MyWorkScreen
from counter.screens.receive import ReceiveScreen
from tests.conftest import make_store
from tests.helpers.pilot import login, settle

pytestmark = pytest.mark.ui


@pytest.mark.parametrize(("size", "has", "lacks"), [((120, 40), "-wide", "-narrow"), ((80, 24), "-narrow", "-wide")])
async def test_a_screen_is_built_with_the_class_of_the_terminal_width(tmp_path, size, has, lacks):
    store = make_store(tmp_path / "store")
    app = build_app(store)
    async with app.run_test(size=size) as pilot:
        await login(app, pilot)
        for screen in (ReceiveScreen(), MyWorkScreen()):  # the app's breakpoints, and a screen's own
            assert screen.has_class(has) and not screen.has_class(lacks), (type(screen).__name__, screen.classes)
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, ReceiveScreen)
        assert app.screen.has_class(has) and not app.screen.has_class(lacks)  # as Textual's Resize leaves it
    store.close()
