"""Issue 19: the citizen rates on the keypad right after a return at the counter (F5)."""

from __future__ import annotations

import json

import pytest

from counter.app import build_app
from counter.screens.giveback import ReturnScreen
from counter.screens.rating import RateDialog
from counter.services import dossiers
from tests.helpers.pilot import settle, visible
from tests.helpers.giveback import OWNER_QR, SIZE, open_return, ready, scan


@pytest.fixture
def store(tmp_path):
    from tests.conftest import make_store

    return make_store(tmp_path / "data")


def rated(store, code: str) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = store.query("SELECT e.payload FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id "
                       "WHERE d.code = ? AND e.kind = 'rated' ORDER BY e.station_seq", (code,))
    return [json.loads(r["payload"]) for r in rows]


async def return_at_counter(app, pilot, code: str) -> None:  # type: ignore[no-untyped-def]
    await open_return(app, pilot)
    await scan(app, pilot, "find", code)
    await scan(app, pilot, "cccd", OWNER_QR)
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    await pilot.press("y")
    await settle(app, pilot)


async def test_after_a_return_the_citizen_rates_on_the_keypad(store):
    code, _url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await return_at_counter(app, pilot, code)
        assert isinstance(app.screen, RateDialog)
        assert "1  Rất hài lòng" in visible(app.screen.query_one("#rating-choices"))
        await pilot.press("1")  # the keypad's 1 arrives as "1" in a terminal
        await settle(app, pilot)
        assert "Cán bộ tận tình" in visible(app.screen.query_one("#rating-choices"))
        await pilot.press("2")
        await settle(app, pilot)
        assert isinstance(app.screen, ReturnScreen)
        assert "đã in phiếu bàn giao" in visible(app.screen.query_one("#return-result"))
    assert rated(store, code) == [{"channel": "counter", "reason": "helpful", "value": "very_satisfied"}]
    detail = dossiers.get_detail(store, code)
    assert detail.status_label == "Đã trả kết quả" and detail.events[-1].label == "ghi nhận đánh giá của công dân"


async def test_esc_means_no_rating_and_nothing_is_written(store):
    code, _url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await return_at_counter(app, pilot, code)
        assert isinstance(app.screen, RateDialog)
        await pilot.press("9")  # not an answer: still asking
        assert isinstance(app.screen, RateDialog)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ReturnScreen)
    assert rated(store, code) == []
