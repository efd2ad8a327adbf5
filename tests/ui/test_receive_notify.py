"""Issue 19: the citizen's choice of notices (none, SMS, e-mail) recorded at intake (F2)."""

from __future__ import annotations

import json

import pytest

from textual.widgets import Input, Select, Static

from counter.app import build_app
from counter.services import dossiers
from tests.helpers.pilot import QR, open_receive, settle
from tests.helpers.pilot import pick_procedure as pick


@pytest.fixture
def store(tmp_path):
    from tests.conftest import make_store

    return make_store(tmp_path / "data")


async def test_the_choice_of_notices_is_checked_and_recorded(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_receive(app, pilot)
        await pick(app, pilot, "1193")
        app.screen.query_one("#qr", Input).value = QR
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("space", "down", "space")
        screen = app.screen
        screen.query_one("#notify", Select).value = "email"  # no e-mail address typed
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "cần địa chỉ e-mail" in str(screen.query_one("#err-notify", Static).render())
        assert dossiers.search(store, "").items == []  # nothing written
        screen.query_one("#owner_phone", Input).value = "0912345678"
        screen.query_one("#notify", Select).value = "sms"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        result = str(screen.query_one("#result", Static).render())
        assert "đã in mẫu 01" in result, result
        code = result.split()[2].rstrip(":")
    payload = json.loads(store.query("SELECT e.payload FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id "
                                     "WHERE d.code = ?", (code,))[0]["payload"])
    assert payload["notify"] == "sms" and payload["owner_phone"] == "0912345678"
