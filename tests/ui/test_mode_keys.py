"""F8 "Hồ sơ trực tuyến" and F9 "Thu phí" open from every work screen: no screen keeps a mode key (or F10) for its
own actions. The actions that were on them moved to Ctrl+letters, under the same binding ids (a [keymap] entry
still moves them)."""

from __future__ import annotations

import pytest

from counter.app import build_app
from counter.screens.fees import FeesScreen
from counter.screens.giveback import ReturnScreen
from counter.screens.online import OnlineScreen
from counter.screens.progress import ProgressScreen
from counter.screens.receive import ReceiveScreen
from counter.screens.scan import ScanScreen
from tests.conftest import make_store
from tests.helpers.pilot import SIZE, login, settle, visible

pytestmark = pytest.mark.ui

#: the work screen, its key, and the actions that left F8/F9/F10: binding id -> the key it answers now
MOVED = {
    "f2": (ReceiveScreen, {"receive.refuse": "ctrl+t", "receive.guide": "ctrl+y"}),
    "f3": (ScanScreen, {"scan.scan": "ctrl+y", "scan.import": "ctrl+n", "scan.watched": "ctrl+f"}),
    "f4": (ProgressScreen, {"progress.slip": "ctrl+n"}),
    "f5": (ReturnScreen, {"return.post": "ctrl+t", "return.delivered": "ctrl+f"}),
}


@pytest.fixture(scope="module")
def kstore(tmp_path_factory):
    store = make_store(tmp_path_factory.mktemp("modekeys"))
    yield store
    store.close()


@pytest.mark.parametrize("key", list(MOVED))
async def test_f8_and_f9_open_their_screens_from_each_work_screen(kstore, key):
    screen_type, moved = MOVED[key]
    app = build_app(kstore)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        for mode_key, target in (("f8", OnlineScreen), ("f9", FeesScreen)):
            await pilot.press(key)
            await settle(app, pilot)
            assert isinstance(app.screen, screen_type)
            shown = {b.binding.id: b.binding.key for b in app.screen.active_bindings.values()
                     if b.node is app.screen}
            for binding_id, new_key in moved.items():  # the moved actions answer their new key on this screen
                assert app.screen.active_bindings[new_key].binding.id == binding_id, (binding_id, new_key)
                assert shown[binding_id] == new_key
            await pilot.press(mode_key)
            await settle(app, pilot)
            assert isinstance(app.screen, target), (key, mode_key, type(app.screen).__name__)


async def test_f9_after_saving_a_dossier_with_a_charge_on_f2_opens_on_it(kstore):
    from textual.widgets import Checkbox, Input, SelectionList, Static

    app = build_app(kstore)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        screen = app.screen
        await pilot.press(*"2.000815")
        await pilot.pause(0.2)
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.procedure is not None and screen.procedure.code == "2.000815"
        screen.query_one("#owner_name", Input).value = "Nguyễn Văn An"
        screen.query_one("#papers", SelectionList).select_all()
        screen.query_one("#unit_pages", Input).value = "5"
        screen.query_one("#unit_copies", Input).value = "1"
        screen.query_one("#spot", Checkbox).value = False  # an ordinary receipt (issue 17: trả ngay is the default)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        result = str(screen.query_one("#result", Static).render())
        assert "đã in mẫu 01" in result, result
        code = result.split()[2].rstrip(":")
        await pilot.press("f9")
        await settle(app, pilot)
        assert isinstance(app.screen, FeesScreen)
        assert app.screen.query_one("#fee-code", Input).value == code
        assert "CHƯA NỘP: 7.000 đ" in visible(app.screen.query_one("#fee-info"))
        assert app.screen.query_one("#fee-amount", Input).value == "7.000"
        assert app.focused is app.screen.query_one("#fee-amount", Input)


async def test_f9_from_f5_with_a_dossier_loaded_opens_on_it(kstore):
    from textual.widgets import Input

    from counter.services import progress
    from tests.conftest import actor_for, receive

    clerk = actor_for(kstore, "canbo")
    code = receive(kstore, clerk, procedure="1.001612")
    progress.record_event(kstore, clerk, code, "resolved", {"note": "Giấy xác nhận"})
    app = build_app(kstore)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f5")
        await settle(app, pilot)
        box = app.screen.query_one("#find", Input)
        box.value = code
        box.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.view is not None and app.screen.view.code == code
        await pilot.press("f9")
        await settle(app, pilot)
        assert isinstance(app.screen, FeesScreen)
        assert app.screen.query_one("#fee-code", Input).value == code
        assert f"Hồ sơ {code}" in visible(app.screen.query_one("#fee-info"))
