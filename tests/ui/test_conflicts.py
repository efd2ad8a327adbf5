"""The conflicts screen (Ctrl+P → "Xung đột đồng bộ") is never a dead end: Enter opens the dossier, L redoes the
step on top of the server's state (or says why it cannot), B dismisses it with a note, A shows the settled ones."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from counter.app import build_app
from counter.screens.conflicts import ConflictsScreen
from counter.screens.dossier import DossierScreen
from counter.screens.modals import AskText, Confirm
from counter.services import sync as sync_service
from counter.widgets.status import StatusBar
from tests.conftest import actor_for, receive
from tests.helpers.pilot import login, settle
from tests.helpers.store import append
from tests.sync.conftest import central, stations  # noqa: F401  (the real central server and two stations)

OUT = {"direction": "out", "to": "Công chức Tư pháp - Hộ tịch"}


def two_conflicts(s1, s2) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Station 2 hands dossier A off and resolves B while station 1 (synced first) does the same."""
    a = receive(s1.store, actor_for(s1.store, "canbo"), name="Nguyễn Văn An")
    b = receive(s1.store, actor_for(s1.store, "canbo"), name="Trần Thị Bích")
    s1.drain(); s2.drain()
    append(s1.store, "canbo", a, "transferred", OUT, minutes=30)
    append(s1.store, "canbo", b, "resolved", minutes=30)
    append(s2.store, "canbo", a, "transferred", {"direction": "out", "to": "Địa chính"}, minutes=40)
    append(s2.store, "canbo", b, "resolved", minutes=40)
    s1.drain(); s2.drain()
    assert len(sync_service.conflicts(s2.store)) == 2
    return a, b


def cell_texts(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def select(pilot, table: DataTable, code: str) -> None:  # type: ignore[no-untyped-def]
    [index] = [i for i, row in enumerate(cell_texts(table)) if row[0] == code]
    table.move_cursor(row=index)
    await pilot.pause()


async def test_open_redo_refused_dismiss_from_the_conflicts_screen(stations):  # noqa: F811
    s1, s2 = stations
    a, b = two_conflicts(s1, s2)
    sync_service.setup(s2.store, "http://127.0.0.1:1", "ma-cua-quay")  # the app's sync worker reaches no one
    app = build_app(store=s2.store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(app, pilot)
        app.action_conflicts()
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        table = screen.query_one(DataTable)
        assert sorted(r[0] for r in cell_texts(table)) == sorted([a, b])
        assert any("Địa chính" in r[2] for r in cell_texts(table))  # what the rejected step held

        # Enter: the dossier, as the server has it; Esc comes back to the list
        await select(pilot, table, a)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen) and app.screen.code == a
        history = app.screen.query_one("#history", DataTable)
        assert any("chuyển hồ sơ (máy chủ không nhận)" in str(c) for i in range(history.row_count)
                   for c in history.get_row_at(i))  # the rejected step, marked
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen

        # L on A: confirm, the hand-off is redone on top of station 1's; the row leaves the list
        await select(pilot, table, a)
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("enter")
        await settle(app, pilot)
        result = str(screen.query_one("#conflicts-result", Static).render())
        assert f"Đã làm lại “chuyển hồ sơ” trên hồ sơ {a}" in result
        assert [r[0] for r in cell_texts(table)] == [b]
        assert sync_service.status(s2.store).pending == 1

        # L on B: the result is already recorded by station 1: refused, with the reason; the row stays
        await select(pilot, table, b)
        await pilot.press("l")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        result = str(screen.query_one("#conflicts-result", Static).render())
        assert result.startswith(f"Không làm lại được “ghi nhận có kết quả” trên hồ sơ {b}") and "B: bỏ qua" in result
        assert [r[0] for r in cell_texts(table)] == [b]

        # B: a note is required; then the conflict leaves the open list
        await pilot.press("b")
        await settle(app, pilot)
        assert isinstance(app.screen, AskText)
        await pilot.press("enter")
        await pilot.pause()
        assert "Không được để trống" in str(app.screen.query_one("#modal-error", Static).render())
        app.screen.query_one("#modal-input", Input).value = "Quầy 1 đã ghi nhận kết quả trước"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen and table.row_count == 0
        assert "Không có xung đột" in str(screen.query_one("#conflicts-summary", Static).render())
        screen.query_one(StatusBar).refresh_status()
        assert "xung đột" not in screen.query_one(StatusBar).text

        # A: the settled ones, kept for ever, with how, who and the note
        await pilot.press("a")
        await settle(app, pilot)
        rows = {r[0]: r[2] for r in cell_texts(table)}
        assert rows[a].startswith("đã làm lại") and rows[b].startswith("đã bỏ qua")
        await select(pilot, table, b)  # the line under the table: the whole row, the note and who
        detail = str(screen.query_one("#conflicts-detail", Static).render())
        assert "đã bỏ qua lúc" in detail and "Người Dùng Canbo: Quầy 1 đã ghi nhận kết quả trước" in detail
