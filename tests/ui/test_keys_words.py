"""Keys that terminals and tmux let through, a word for every hidden key, one status vocabulary, no English
from Textual's own widgets, and tables that keep the code, status and due date on an 80-column terminal."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input, Static

import counter.screens
from counter.app import MODES_TABLE, CounterApp, build_app
from counter.domain import lifecycle
from counter.domain.lifecycle import STATUS_LABELS, Status
from counter.screens.help import HelpScreen
from counter.widgets.table import FittedTable, fit_columns
from tests.conftest import actor_for, make_store, receive
from tests.helpers.pilot import login, settle

TAKEN_BY_TERMINALS = {"f1", "f10"}  # some terminals open their own menu or help on these


def our_binding_holders() -> list[type]:
    holders: list[type] = [CounterApp]
    for info in pkgutil.iter_modules(counter.screens.__path__):
        module = importlib.import_module(f"counter.screens.{info.name}")
        holders += [c for _n, c in inspect.getmembers(module, inspect.isclass)
                    if c.__module__ == module.__name__ and "BINDINGS" in c.__dict__]
    return holders


def bindings() -> list[tuple[str, Binding]]:
    found = []
    for holder in our_binding_holders():
        for b in holder.__dict__["BINDINGS"]:
            if isinstance(b, Binding):
                found.append((holder.__name__, b))
    return found


def test_no_binding_uses_tmux_prefix():
    assert len(bindings()) > 30  # the scan found the screens' bindings
    used = [(who, b.key) for who, b in bindings() if "ctrl+b" in [k.strip() for k in b.key.split(",")]]
    assert used == []


def test_no_screen_keeps_a_mode_key_or_f10_for_its_own_actions():
    """F2–F9 open the work screens from anywhere (MODES_TABLE); a screen's own binding on one would win over it."""
    taken = {m.key for m in MODES_TABLE.values()} | {"f10"}
    used = [(who, b.id, b.key) for who, b in bindings() if who not in ("CounterApp", "HelpScreen")
            and taken & {k.strip() for k in b.key.split(",")}]
    assert used == []


def test_no_screen_shadows_an_app_key():
    """Help (F1 / Ctrl+G), lock, quit and the palette work on every screen, as the help lists them: a screen's
    binding on one of their keys would take it there (F2 had Ctrl+G for "Dùng KQ cũ", found in tmux)."""
    app_keys = {k.strip() for b in CounterApp.__dict__["BINDINGS"] if isinstance(b, Binding)
                and b.action in ("help", "lock", "quit", "command_palette") for k in b.key.split(",")}
    assert {"f1", "ctrl+g", "ctrl+l", "ctrl+q"} <= app_keys
    used = [(who, b.id, b.key) for who, b in bindings() if who not in ("CounterApp", "HelpScreen")
            and app_keys & {k.strip() for k in b.key.split(",")}]
    assert used == []


def test_every_f1_and_f10_action_has_a_second_key():
    for who, b in bindings():
        keys = [k.strip() for k in b.key.split(",")]
        if (TAKEN_BY_TERMINALS & set(keys) and b.action != "dismiss") or b.action == "help":
            others = [k for k in keys if k not in TAKEN_BY_TERMINALS and k != "ctrl+b"]
            assert others, f"{who}: {b.action} is only on {b.key}"


@pytest.fixture(scope="module")
def kstore(tmp_path_factory):
    store = make_store(tmp_path_factory.mktemp("keys"))
    clerk = actor_for(store, "canbo")
    for name in ["Nguyễn Văn An", "Trần Thị Bích"]:
        receive(store, clerk, name)
    yield store
    store.close()


async def test_ctrl_g_opens_and_closes_help_like_f1(kstore):
    app = build_app(store=kstore)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(app, pilot)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        assert ("F1 / Ctrl+G", "Trợ giúp") in app.screen.rows()
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert not isinstance(app.screen, HelpScreen)


async def test_ctrl_f_marks_delivered_on_the_return_screen(kstore):
    app = build_app(store=kstore)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(app, pilot)
        await pilot.press("f5")
        await settle(app, pilot)
        app.screen.query_one("#find-msg", Static).update("")
        app.screen.set_focus(None)
        await pilot.press("ctrl+f")  # "Đã phát" without a dossier: the same line as it always gave
        await settle(app, pilot)
        assert "Quét mã QR hoặc gõ mã hồ sơ trước" in str(app.screen.query_one("#find-msg", Static).render())


async def test_a_hidden_key_says_why_it_does_nothing(kstore):
    app = build_app(store=kstore)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")  # before login
        await settle(app, pilot)
        assert [n.message for n in app._notifications] == ["Đăng nhập trước khi dùng màn hình Tiếp nhận (F2)"]
        app.clear_notifications()
        await login(app, pilot, "buudien")
        await pilot.press("f3")
        await settle(app, pilot)
        assert [n.message for n in app._notifications] == [
            "Tài khoản nhân viên bưu điện không được dùng màn hình Số hóa (F3)"]
        assert app.check_action("open", ("scan",)) is False  # still hidden from the footer
        footer_keys = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show and b.enabled}
        assert "f3" not in footer_keys and "f2" in footer_keys
        app.clear_notifications()
        await pilot.press("f6")  # the queue is not theirs, but F6 is also "Việc của tôi": no refusal line
        await settle(app, pilot)
        assert not app._notifications and type(app.screen).__name__ == "MyWorkScreen"


async def test_a_hidden_key_of_each_role(kstore):
    app = build_app(store=kstore)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(app, pilot, "quantri")
        await pilot.press(MODES_TABLE["queue"].key)  # neither the queue nor "Việc của tôi" is an admin's
        await settle(app, pilot)
        assert [n.message for n in app._notifications] == [
            "Tài khoản quản trị không được dùng màn hình Hàng đợi (F6)"]


async def test_the_palette_says_no_match_in_vietnamese(kstore):
    app = build_app(store=kstore)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(app, pilot)
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).placeholder == "Tìm lệnh…"
        await pilot.press(*"xyzqw")
        await pilot.pause(0.8)  # Textual waits half a second before saying nothing matched
        options = app.screen.query_one(CommandList)
        texts = [str(getattr(options.get_option_at_index(i).prompt, "renderable", options.get_option_at_index(i).prompt))
                 for i in range(options.option_count)]
        assert any("Không tìm thấy lệnh nào" in t for t in texts), texts
        assert not any("No matches" in t for t in texts)


async def test_the_theme_picker_speaks_vietnamese(kstore):
    app = build_app(store=kstore)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(app, pilot)
        app.action_change_theme()
        await settle(app, pilot)
        await pilot.pause(0.3)
        assert app.screen.query_one(Input).placeholder == "Tìm bảng màu…"
        options = app.screen.query_one(CommandList)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Sáng" in t for t in texts) and not any("textual-light" in t for t in texts)
        await pilot.press(*"sang")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.theme == "textual-light"


def test_one_status_vocabulary():
    assert not hasattr(lifecycle, "STATUS_SHORT")


async def test_search_and_queue_rows_use_the_portals_labels(kstore):
    app = build_app(store=kstore)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(app, pilot)
        table = app.screen.query_one("#results", FittedTable)
        assert table.row_count == 2
        assert {str(table.full_row(i)["Trạng thái"]) for i in range(2)} == {STATUS_LABELS[Status.RECEIVED]}
        await login_as(app, pilot, "giamsat")
        await pilot.press("f6")
        await settle(app, pilot)
        await pilot.press("1")
        await settle(app, pilot)
        queue = app.screen.query_one("#queue-table", FittedTable)
        assert queue.row_count == 2  # received this morning, same-day procedure: due today
        assert {str(queue.full_row(i)["Trạng thái"]) for i in range(2)} == {STATUS_LABELS[Status.RECEIVED]}


async def login_as(app, pilot, user):  # type: ignore[no-untyped-def]
    app.action_lock()
    await settle(app, pilot)
    await login(app, pilot, user)


def shown(table: DataTable) -> list[str]:
    return [str(c.label) for c in table.ordered_columns]


@pytest.mark.parametrize("width, expected", [
    (80, ["Mã hồ sơ", "Chủ hồ sơ", "Trạng thái", "Tiến độ", "Hẹn trả"]),
    (120, ["Mã hồ sơ", "Chủ hồ sơ", "Thủ tục", "Trạng thái", "Tiến độ", "Hẹn trả"]),
])
async def test_search_keeps_code_status_and_due_at_any_width(kstore, width, expected):
    app = build_app(store=kstore)
    async with app.run_test(size=(width, 30)) as pilot:
        await login(app, pilot)
        table = app.screen.query_one("#results", FittedTable)
        assert shown(table) == expected
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= width - 2
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0].startswith("H55.242-") and "Được tiếp nhận" in row and row[-1].endswith("17:00")


async def test_a_resize_brings_dropped_columns_back(kstore):
    app = build_app(store=kstore)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(app, pilot, "giamsat")
        await pilot.press("f6")
        await settle(app, pilot)
        table = app.screen.query_one("#queue-table", FittedTable)
        assert "Thủ tục" not in shown(table) and {"Mã hồ sơ", "Trạng thái", "Hẹn trả"} <= set(shown(table))
        await pilot.resize_terminal(140, 40)
        await settle(app, pilot)
        await pilot.pause(0.2)
        assert "Thủ tục" in shown(table) and "Cán bộ" in shown(table)
        assert [str(c) for c in table.get_row_at(0)][2] == "Đăng ký khai sinh"  # the whole text, not the cut one


def test_fit_columns_shrinks_then_drops_in_order():
    spec = [("A", 10), ("B", 20), ("C", 10), ("D", 10)]
    assert fit_columns(spec, 100) == ((0, 10), (1, 20), (2, 10), (3, 10))
    assert fit_columns(spec, 50, shrink={"B": 8}, drop=["C"]) == ((0, 10), (1, 12), (2, 10), (3, 10))
    assert fit_columns(spec, 40, shrink={"B": 8}, drop=["C"]) == ((0, 10), (1, 14), (3, 10))
    assert fit_columns(spec, 10, shrink={"B": 8}, drop=["C"]) == ((0, 10), (1, 8), (3, 10))  # nothing more to drop


async def test_ticks_read_without_colour():
    from textual.app import App

    from counter.widgets.tick import Tick, TickList

    class Ticks(App):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Tick("Chưa", id="off")
            yield Tick("Rồi", value=True, id="on")
            yield TickList(("Tờ khai", 1, False), ("Giấy chứng sinh", 2, True), id="papers")

    app = Ticks()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        assert str(app.query_one("#off", Tick).render()).startswith("[ ] Chưa")
        assert str(app.query_one("#on", Tick).render()).startswith("[✓] Rồi")
        papers = app.query_one("#papers", TickList)
        lines = ["".join(s.text for s in papers.render_line(y)) for y in range(2)]
        assert lines[0].lstrip().startswith("[ ] Tờ khai") and lines[1].lstrip().startswith("[✓] Giấy chứng sinh")
        papers.toggle(1)
        await pilot.pause()
        assert "".join(s.text for s in papers.render_line(0)).lstrip().startswith("[✓] Tờ khai")


def test_the_trend_chart_tells_series_apart_by_marker():
    from counter.screens.queue import trend_series

    class Day:
        received, returned, late = 3, 2, 1

    class Card:
        trend = [Day()]

    markers = [m for _v, _l, m in trend_series(Card())]  # type: ignore[arg-type]
    assert len(set(markers)) == 3 and "braille" not in markers


def test_a_fitted_table_leaves_textuals_shrink_a_bool():
    """The column minimums are the table's own (`shrink_to`): Textual's Widget.shrink, a reactive bool its layout
    reads, stays as Textual set it (a dict there made a table without minimums stop shrinking)."""
    table = FittedTable([("Mã hồ sơ", 20), ("Chủ hồ sơ", 16)], shrink={"Chủ hồ sơ": 8})
    assert table.shrink is True
    assert table.shrink_to == {"Chủ hồ sơ": 8}
    assert FittedTable([("Mã hồ sơ", 20)]).shrink is True
