"""Issue 18, pilot: the fee taken on F2 ("Thu tiền mặt ngay") and the fee collected on F5 with the result are
payments with a receipt, printed at once; a tick on a free procedure says why under the tick and saves nothing."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, SelectionList, Static

from counter.app import build_app
from counter.screens.giveback import ConfirmReturn, ReturnScreen
from counter.services import fees as fee_service
from counter.services import progress
from tests.conftest import actor_for, make_store, receive
from tests.helpers.pilot import SIZE, login, settle, visible
from tests.helpers.store import snapshot

pytestmark = pytest.mark.ui


@pytest.fixture
def store(tmp_path):
    s = make_store(tmp_path / "data")
    yield s
    s.close()


async def fill_f2(app, pilot, procedure: str) -> None:  # type: ignore[no-untyped-def]
    await login(app, pilot)
    await pilot.press("f2")
    await settle(app, pilot)
    await pilot.press(*procedure)
    await pilot.pause(0.2)
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    screen = app.screen
    assert screen.procedure is not None and screen.procedure.code == procedure
    screen.query_one("#owner_name", Input).value = "Nguyễn Văn An"
    screen.query_one("#papers", SelectionList).select_all()
    screen.query_one("#fee_paid", Checkbox).value = True


async def test_f2_takes_the_fee_in_cash_with_a_printed_receipt(store):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await fill_f2(app, pilot, "1.004222")  # Đăng ký thường trú: 20.000 đ
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
    receipts = [m for m in messages if m.startswith("Đã in biên lai AA-26P 1000001")]
    assert receipts, messages
    [dossier] = [p.name.split("-bienlai-")[0] for p in (store.data_dir / "prints").glob("*-bienlai-1000001*")]
    view = fee_service.fee_view(store, actor_for(store, "canbo"), dossier)
    assert view.paid and view.method == "cash" and view.current_receipt.number == "1000001"


async def test_f2_tick_on_a_free_procedure_says_why_and_saves_nothing(store):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await fill_f2(app, pilot, "1.001193")  # khai sinh: free
        before = snapshot(store)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "không phải nộp phí, lệ phí" in visible(app.screen.query_one("#err-fee_paid"))
    assert snapshot(store) == before


async def test_f5_fee_collected_with_the_result_issues_and_prints_its_receipt(store):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, procedure="1.004222", id_number="001090123456")
    progress.record_event(store, clerk, code, "resolved", {"note": "Xác nhận thường trú"})
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f5")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReturnScreen)
        screen.query_one("#find", Input).value = code
        screen.query_one("#find", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Chưa thu phí, lệ phí 20.000 đ" in visible(screen.query_one("#find-msg")) + str(screen.view.message)
        screen.query_one("#receiver_name", Input).value = "Nguyễn Văn An"
        screen.query_one("#receiver_id", Input).value = "001090123456"
        screen.query_one("#papers", Input).value = "Xác nhận:1"
        screen.query_one("#fee", Input).value = "20.000"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmReturn)
        assert "20.000 đ tiền mặt (cấp biên lai khi ghi)" in visible(app.screen.query_one("#confirm-lines"))
        await pilot.press("enter")
        await settle(app, pilot)
        if not isinstance(app.screen, ReturnScreen):  # the rating dialog (issue 19)
            await pilot.press("escape")
            await settle(app, pilot)
        result = visible(screen.query_one("#return-result", Static))
        messages = [n.message for n in app._notifications]
    assert "biên lai AA-26P 1000001" in result or any("AA-26P 1000001" in m for m in messages), (result, messages)
    assert any(m.startswith("Đã in biên lai AA-26P 1000001") for m in messages), messages
    assert list((store.data_dir / "prints").glob(f"{code}-bienlai-1000001*"))
