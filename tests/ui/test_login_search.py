"""Pilot tests of the app built by the same factory as `counter run`, on a real store."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from counter.app import CounterApp, build_app
from counter.screens.dossier import DossierScreen
from counter.screens.help import HelpScreen
from counter.screens.login import LoginScreen
from counter.screens.search import PAGE_SIZE, SearchScreen
from tests.conftest import PASSWORD, actor_for, make_store, receive

NAMES = ["Nguyễn Văn An", "Đặng Văn An", "Trần Thị Bích", "Nguyễn Thị Lan", "Lê Hữu Phúc"]


@pytest.fixture(scope="module")
def ui_store(tmp_path_factory):
    store = make_store(tmp_path_factory.mktemp("ui"))
    clerk = actor_for(store, "canbo")
    for name in NAMES:
        receive(store, clerk, name, phone="0912345678" if name == "Trần Thị Bích" else None)
    for i in range(PAGE_SIZE + 3):
        receive(store, clerk, f"Phạm Văn {['Hải', 'Hùng', 'Long', 'Nam'][i % 4]}")
    return store


async def settle(app: CounterApp, pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def login(app: CounterApp, pilot, username: str = "canbo", password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    await settle(app, pilot)
    app.screen.query_one("#username", Input).value = username
    app.screen.query_one("#password", Input).value = password
    app.screen.query_one("#password", Input).focus()
    await pilot.press("enter")
    await settle(app, pilot)


async def search(app: CounterApp, pilot, text: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    box = app.screen.query_one("#query", Input)
    box.value = text
    await pilot.pause(0.3)  # the debounce
    await settle(app, pilot)
    table = app.screen.query_one("#results", DataTable)
    return [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1])) for i in range(table.row_count)]


async def test_wrong_password_stays_on_login_with_a_message(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(app, pilot, password="sai-mat-khau")
        assert isinstance(app.screen, LoginScreen)
        error = str(app.screen.query_one("#login-error", Static).render())
        assert "Sai tên đăng nhập hoặc mật khẩu" in error and "còn 4 lần thử" in error
        assert app.actor is None
        await login(app, pilot)  # the right password resets the count
        assert isinstance(app.screen, SearchScreen)


async def test_login_then_search_nguyen_and_open_a_dossier(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await login(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        status = str(app.screen.query_one("StatusBar", Static).render())
        assert "Người Dùng Canbo" in status and "Cán bộ một cửa" in status and "Quầy 1" in status
        rows = await search(app, pilot, "nguyen")
        assert sorted(name for _, name in rows) == ["Nguyễn Thị Lan", "Nguyễn Văn An"]
        rows = await search(app, pilot, "dang van an")
        assert [name for _, name in rows] == ["Đặng Văn An"]
        assert [name for _, name in await search(app, pilot, "0912345678")] == ["Trần Thị Bích"]
        code = rows[0][0]
        assert [c for c, _ in await search(app, pilot, code.lower())] == [code]
        await pilot.press("down")  # into the table
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen)
        head = str(app.screen.query_one("#dossier-head", Static).render())
        assert code in head and "Được tiếp nhận" in head
        history = app.screen.query_one("#history", DataTable)
        assert history.row_count == 1 and "tiếp nhận hồ sơ" in str(history.get_row_at(0)[1])
        await pilot.press("escape")
        assert isinstance(app.screen, SearchScreen)


async def test_paging_is_done_in_sql(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(app, pilot)
        first = await search(app, pilot, "pham van")
        assert len(first) == PAGE_SIZE
        pager = app.screen.query_one("#pager", Static)
        assert "Trang 1" in str(pager.render()) and "trang sau" in str(pager.render())
        await pilot.press("pagedown")
        await settle(app, pilot)
        table = app.screen.query_one("#results", DataTable)
        second = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert len(second) == 3 and not set(second) & {c for c, _ in first}
        assert "Trang 2" in str(pager.render())
        await pilot.press("pageup")
        await settle(app, pilot)
        assert table.row_count == PAGE_SIZE


async def test_nothing_found_says_so(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(app, pilot)
        assert await search(app, pilot, "xyzzy khong ai") == []
        assert "Không tìm thấy" in str(app.screen.query_one("#pager", Static).render())


async def test_help_and_lock(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(app, pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert "có dấu hay không dấu" in str(app.screen.query_one("#help-text", Static).render())
        await pilot.press("escape")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen) and app.actor is None


async def test_lockout_after_five_failures(tmp_path):
    store = make_store(tmp_path / "lock")
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(5):
            await login(app, pilot, password="sai-mat-khau")
        await login(app, pilot)  # even the right password is refused while locked
        assert isinstance(app.screen, LoginScreen)
        assert "tạm khóa" in str(app.screen.query_one("#login-error", Static).render())


async def test_an_uninitialised_store_is_explained_on_the_login_screen(tmp_path):
    app = build_app(data_dir=tmp_path / "empty")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert "chưa được khởi tạo" in str(app.screen.query_one("#login-office", Static).render())
        await login(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "chưa được khởi tạo" in str(app.screen.query_one("#login-error", Static).render())
