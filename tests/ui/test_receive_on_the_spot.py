"""Pilot tests of F2's "trả ngay" (issue 17, Đ17.4): a procedure the catalogue marks is received, resolved and
returned with one Ctrl+S, printing no Mẫu 01 unless the box "In giấy hẹn (Mẫu 01)" is ticked; a reason that keeps
a dossier from it shows under the box and nothing is written; the clerk may untick it and receive as usual."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, Static

from counter.app import build_app
from counter.services import dossiers
from tests.conftest import make_store
from tests.helpers.pilot import QR, open_receive, pick_procedure, settle, visible
from tests.helpers.store import snapshot


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "data")


async def signature_form(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """F2, chứng thực chữ ký (2.000884), the owner's CCCD scanned, both papers ticked, one signature."""
    await open_receive(app, pilot)
    await pick_procedure(app, pilot, "884")
    assert app.screen.procedure.code == "2.000884"
    app.screen.query_one("#qr", Input).value = QR
    await pilot.press("enter")
    await settle(app, pilot)
    await pilot.press("space", "down", "space")
    app.screen.query_one("#unit_signatures", Input).value = "1"
    await settle(app, pilot)


async def test_one_ctrl_s_receives_resolves_and_returns_without_mau_01(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await signature_form(app, pilot)
        screen = app.screen
        assert screen.query_one("#spot-box").display
        assert screen.query_one("#spot", Checkbox).value and not screen.query_one("#spot_slip", Checkbox).value
        assert screen.query_one("#spot_result", Input).value == "Kết quả chứng thực chữ ký trong các giấy tờ"
        assert "Trả ngay: Ctrl+S" in visible(screen.query_one("#due"))
        screen.query_one("#fee_paid", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        result = visible(screen.query_one("#result", Static))
        assert "Đã tiếp nhận, giải quyết và trả kết quả ngay hồ sơ" in result, result
        assert "đã thu 10.000 đ, biên lai AA-26P 1000001" in result
        assert "không in giấy tiếp nhận" in result
        code = result.split("hồ sơ ")[1].split()[0]
        assert not screen.query_one("#spot-box").display  # the form is clear for the next citizen
    d = dossiers.get_detail(store, code)
    assert d.status_label == "Đã trả kết quả"
    assert [e.kind for e in d.events] == ["received", "fee_paid", "resolved", "returned"]
    assert "Lấy từ: quét mã QR trên CCCD" in d.events[-1].details
    assert not (store.data_dir / "prints" / f"{code}-mau01.pdf").exists()


async def test_the_citizen_may_ask_for_mau_01(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await signature_form(app, pilot)
        app.screen.query_one("#fee_paid", Checkbox).value = True
        app.screen.query_one("#spot_slip", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        result = visible(app.screen.query_one("#result", Static))
        code = result.split()[2].rstrip(":")
        assert "đã in mẫu 01 (hồ sơ đã trả kết quả ngay)" in result, result
    assert (store.data_dir / "prints" / f"{code}-mau01.pdf").exists()
    assert dossiers.get_detail(store, code).status_label == "Đã trả kết quả"


async def test_an_unpaid_fee_keeps_it_from_the_spot_and_writes_nothing(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await signature_form(app, pilot)
        before = snapshot(store)
        await pilot.press("ctrl+s")  # "Thu tiền mặt ngay" not ticked
        await settle(app, pilot)
        message = visible(app.screen.query_one("#err-on_the_spot"))
        assert "Hồ sơ phải nộp 10.000 đ: đánh dấu “Thu tiền mặt ngay”" in message, message
        assert snapshot(store) == before
        assert app.screen.procedure is not None  # the form is kept to fix


async def test_unticked_it_is_an_ordinary_receipt(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await signature_form(app, pilot)
        app.screen.query_one("#spot", Checkbox).value = False
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        result = visible(app.screen.query_one("#result", Static))
        assert "đã in mẫu 01" in result, result
        code = result.split()[2].rstrip(":")
    d = dossiers.get_detail(store, code)
    assert d.status_label == "Được tiếp nhận" and [e.kind for e in d.events] == ["received"]
    assert (store.data_dir / "prints" / f"{code}-mau01.pdf").exists()


async def test_a_procedure_not_marked_shows_no_spot_box(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_receive(app, pilot)
        await pick_procedure(app, pilot, "1193")
        assert app.screen.procedure.code == "1.001193" and not app.screen.query_one("#spot-box").display
        assert "Trả ngay" not in visible(app.screen.query_one("#due"))
