"""The app's side: the sync worker feeds the footer (pending, last success, last error, conflicts) and the
conflicts list opens from the command palette."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from counter.app import build_app
from counter.screens.conflicts import ConflictsScreen
from counter.services import sync as sync_service
from counter.widgets.status import StatusBar
from tests.conftest import actor_for, receive
from tests.helpers.pilot import login, settle
from tests.helpers.store import append

pytestmark = pytest.mark.ui  # a Textual pilot test


async def test_footer_and_conflicts_screen(stations, central):
    s1, s2 = stations
    code = receive(s1.store, actor_for(s1.store, "canbo"))
    s1.drain(); s2.drain()
    append(s1.store, "canbo", code, "resolved", minutes=30)
    append(s2.store, "canbo", code, "resolved", minutes=40)
    s1.drain(); s2.drain()
    assert len(sync_service.conflicts(s2.store)) == 1
    # now the server is unreachable for the app (nothing listens on port 1), and one dossier waits
    sync_service.setup(s2.store, "http://127.0.0.1:1", "ma-cua-quay")
    receive(s2.store, actor_for(s2.store, "canbo"), name="Lê Thị Hoa")
    app = build_app(store=s2.store)
    async with app.run_test(size=(160, 40)) as pilot:
        await login(app, pilot)
        for _ in range(200):  # until the worker's first cycle has failed (connection refused at once)
            if app.sync_status is not None and app.sync_status.last_error:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        app.screen.query_one(StatusBar).refresh_status()
        text = app.screen.query_one(StatusBar).text
        assert "Chờ gửi 1" in text and "lỗi: Không kết nối được máy chủ" in text and "1 xung đột" in text
        app.action_conflicts()
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictsScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == code
        await pilot.press("escape")
        assert not isinstance(app.screen, ConflictsScreen)
    assert app._sync_stop.is_set()
