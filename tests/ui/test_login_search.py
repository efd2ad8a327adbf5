"""Pilot tests of the app built by the same factory as `counter run`, on a real store (see conftest.py)."""

from __future__ import annotations

import dataclasses

from textual.command import CommandPalette
from textual.widgets import DataTable, Input, Static

from counter.app import build_app
from counter.screens.dossier import DossierScreen
from counter.screens.help import HelpScreen
from counter.screens.login import LoginScreen
from counter.screens.search import PAGE_SIZE, SearchScreen
from counter.services import dossiers
from tests.conftest import PASSWORD, make_store
from tests.helpers.pilot import SIZE, footer_keys, login, rows, search, settle, visible
from tests.ui.conftest import MARKUP_ADDRESS, MARKUP_PAPER, UiStore


async def test_wrong_password_stays_on_login_with_a_message(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "Bộ phận Một cửa UBND xã Phục Linh (H55.242) · Quầy 1" in visible(app.screen.query_one("#login-office"))
        assert {"f7", "f2", "ctrl+l"}.isdisjoint(footer_keys(app)) and "ctrl+q" in footer_keys(app)
        await login(app, pilot, password="sai-mat-khau")
        assert isinstance(app.screen, LoginScreen)
        error = visible(app.screen.query_one("#login-error", Static))
        assert "Sai tên đăng nhập hoặc mật khẩu" in error and "còn 4 lần thử" in error
        assert app.actor is None and app.screen.query_one("#password", Input).value == ""
        await login(app, pilot)  # the right password resets the count
        assert isinstance(app.screen, SearchScreen)


async def test_typing_the_login_and_the_search_key_by_key(ui: UiStore):
    app = build_app(ui.store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*"canbo", "enter", *PASSWORD, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        status = visible(app.screen.query_one("StatusBar"))
        for part in ("Người Dùng Canbo · Cán bộ một cửa", "Quầy 1 · Bộ phận Một cửa UBND",
                     "Chưa kết nối máy chủ", "09:00:00 23/11/2026"):
            assert part in status, status
        assert {"f1", "f2", "f7", "ctrl+l", "ctrl+q", "pagedown"} <= footer_keys(app)
        assert len(rows(app)) == PAGE_SIZE  # an empty query lists the newest dossiers
        await pilot.press(*"dang van an")
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert rows(app) == [(ui.codes["Đặng Văn An"], "Đặng Văn An")]
        assert "Trang 1 · 1 kết quả trên trang" in visible(app.screen.query_one("#pager"))


async def test_search_nguyen_then_open_a_dossier_and_come_back(ui: UiStore):
    app = build_app(ui.store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        rows_ = await search(app, pilot, "nguyen")
        assert sorted(name for _, name in rows_) == ["Nguyễn Thị Lan", "Nguyễn Văn An"]
        assert [name for _, name in await search(app, pilot, "0912345678")] == ["Trần Thị Bích"]
        code = ui.codes["Đặng Văn An"]
        assert [c for c, _ in await search(app, pilot, code.lower())] == [code]
        await pilot.press("down")  # into the table
        assert isinstance(app.focused, DataTable)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen)
        head = visible(app.screen.query_one("#dossier-head"))
        assert code in head and "Được tiếp nhận" in head
        info = visible(app.screen.query_one("#dossier-info"))
        assert "Đặng Văn An" in info and "23/11/2026 09:00" in info
        history = app.screen.query_one("#history", DataTable)
        assert history.row_count == 1 and "tiếp nhận hồ sơ" in str(history.get_row_at(0)[1])
        assert "Người Dùng Canbo" in visible(history)
        await pilot.press("escape")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("escape")  # from the table back to the query box
        assert app.focused is app.screen.query_one("#query")


async def test_brackets_in_citizen_data_are_shown_as_typed(ui: UiStore, monkeypatch):
    real_search = dossiers.search

    def search_with_a_bracketed_name(store, text, page=0, page_size=PAGE_SIZE):  # type: ignore[no-untyped-def]
        result = real_search(store, text, page=page, page_size=page_size)
        return dataclasses.replace(result, items=[dataclasses.replace(d, owner_name="Lê [b]An[/b] [")
                                                  for d in result.items])

    monkeypatch.setattr(dossiers, "search", search_with_a_bracketed_name)
    app = build_app(ui.store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await search(app, pilot, "hoang van minh")
        assert "Lê [b]An[/b] [" in visible(app.screen.query_one("#results"))
        await pilot.press("enter", "enter")  # into the table, open the row
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen) and app.screen.code == ui.markup_code
        assert MARKUP_ADDRESS in visible(app.screen.query_one("#dossier-info"))
        assert MARKUP_PAPER in visible(app.screen.query_one("#documents"))


async def test_paging_is_done_in_sql_and_works_from_the_table(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        first = await search(app, pilot, "pham van")
        assert len(first) == PAGE_SIZE
        pager = app.screen.query_one("#pager", Static)
        assert "Trang 1 · 20 kết quả trên trang" in visible(pager) and "trang sau" in visible(pager)
        await pilot.press("down")  # in the table: its own PageDown must not swallow paging
        await pilot.press("pagedown")
        await settle(app, pilot)
        second = [c for c, _ in rows(app)]
        assert len(second) == 3 and not set(second) & {c for c, _ in first}
        assert "Trang 2 · 3 kết quả trên trang" in visible(pager)
        await pilot.press("pagedown")  # no page 3: nothing happens
        await settle(app, pilot)
        assert "Trang 2" in visible(pager)
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert [c for c, _ in rows(app)] == [c for c, _ in first] and "Trang 1" in visible(pager)


async def test_nothing_found_says_so(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        assert await search(app, pilot, "xyzzy khong ai") == []
        assert "Không tìm thấy" in visible(app.screen.query_one("#pager"))


async def test_an_unexpected_error_becomes_a_notification_not_a_traceback(ui_store, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("ổ đĩa hỏng")

    app = build_app(ui_store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        monkeypatch.setattr(dossiers, "search", broken)
        await search(app, pilot, "an")
        messages = [n.message for n in app._notifications]
        assert any("Lỗi không mong đợi" in m and "ổ đĩa hỏng" in m for m in messages), messages
        assert isinstance(app.screen, SearchScreen) and app.is_running


async def test_a_missing_dossier_is_explained(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        app.push_screen(DossierScreen("H55.242-000101-9999"))
        await settle(app, pilot)
        head = visible(app.screen.query_one("#dossier-head"))
        assert "H55.242-000101-9999" in head and "đang tải" not in head


async def test_help_palette_and_lock(ui_store):
    app = build_app(ui_store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert "có dấu hay không dấu" in visible(app.screen.query_one("#help-text"))
        keys = visible(app.screen.query_one("#help-keys"))
        assert "PgDn / Ctrl+N" in keys and "Trang sau" in keys and "Khóa máy" in keys
        await pilot.press("escape")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"khoa may")
        from textual.widgets import OptionList

        hits = app.screen.query_one(OptionList)
        for _ in range(50):  # the palette searches asynchronously: wait for its hit, however slow the machine
            await pilot.pause(0.1)
            if hits.option_count and hits.highlighted is not None and "Khóa máy" in str(
                    hits.get_option_at_index(hits.highlighted).prompt):
                break
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen) and app.actor is None
        assert "f7" not in footer_keys(app)
        await pilot.press("f1")  # help on the login screen: its own guide, no keys that need a login
        assert "Đăng nhập" in visible(app.screen.query_one("#help-text"))
        assert "Tra cứu" not in visible(app.screen.query_one("#help-keys"))
        await pilot.press("escape")
        await login(app, pilot)
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen) and app.actor is None


async def test_lockout_after_five_failures(tmp_path):
    store = make_store(tmp_path / "lock")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):
            await login(app, pilot, password="sai-mat-khau")
        await login(app, pilot)  # even the right password is refused while locked
        assert isinstance(app.screen, LoginScreen)
        assert "tạm khóa" in visible(app.screen.query_one("#login-error"))


async def test_an_uninitialised_store_is_explained_on_the_login_screen(tmp_path):
    app = build_app(data_dir=tmp_path / "empty")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # only init and demo make a store (issue 14): the app says so and makes nothing
        assert "Chưa có kho dữ liệu" in visible(app.screen.query_one("#login-office"))
        await login(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "Chưa có kho dữ liệu" in visible(app.screen.query_one("#login-error"))
    assert not (tmp_path / "empty").exists()


async def test_a_fast_login_with_tab_between_the_fields_logs_in(ui_store):
    """A keyboard-mode scanner (or a fast typist): "canbo⇥canbo123⏎" in one burst used to become the user name
    "canbocanbo123"; the keys after the Tab (or the Enter) belong to the password."""
    from tests.ui.fast import type_fast

    for burst in ("canbo\tcanbo123\r", "canbo\rcanbo123\r"):
        app = build_app(ui_store)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            type_fast(app, burst.replace("canbo123", PASSWORD))
            await settle(app, pilot)
            assert isinstance(app.screen, SearchScreen), burst
            assert app.actor is not None and app.actor.username == "canbo"
