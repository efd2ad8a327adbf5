"""Issue 18, pilot: F2 asks only the quantities the charges need and shows the amount line by line; F9 Thu phí
shows what a dossier owes with its VietQR code, takes the transfer and prints the receipt; postal staff collect
cash; a second payment is refused on screen with nothing written."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from counter.app import build_app
from counter.screens.fees import FeesScreen
from counter.screens.receive import ReceiveScreen
from counter.services import fees as fee_service
from tests.conftest import actor_for, make_store
from tests.helpers.pilot import login, open_on_code, open_screen, settle, visible
from tests.helpers.store import snapshot
from tests.helpers.fees import FEES, take

SIZE = (120, 40)
pytestmark = pytest.mark.ui


@pytest.fixture
def store(tmp_path):
    s = make_store(tmp_path / "data")
    (s.data_dir / "config.toml").write_text(FEES, "utf-8")
    yield s
    s.close()


async def test_f2_asks_pages_and_copies_for_a_certified_copy_and_shows_the_lines(store):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReceiveScreen)
        assert not screen.query_one("#fee-box").display  # nothing chosen: nothing asked
        screen.query_one("#proc", Input).value = "2.000815"
        await pilot.pause(0.3)
        await settle(app, pilot)
        screen.query_one("#proc", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.procedure is not None and screen.procedure.code == "2.000815"
        assert screen.query_one("#fee-box").display
        assert screen.query_one("#unit_pages", Input).parent.parent.display
        assert not screen.query_one("#unit_signatures", Input).parent.parent.display  # not needed: not asked
        assert not screen.query_one("#exemption-row").display  # no exemption applies to this charge
        screen.query_one("#unit_pages", Input).value = "5"
        screen.query_one("#unit_copies", Input).value = "1"
        await settle(app, pilot)
        shown = visible(screen.query_one("#fee-lines"))
        assert "Phí: Phí chứng thực bản sao từ bản chính: 5 trang: 2 × 2.000 đ + 3 × 1.000 đ = 7.000 đ" in shown
        assert "Tổng phí, lệ phí phải nộp: 7.000 đ" in shown


async def test_f9_shows_the_vietqr_takes_the_transfer_and_refuses_a_second_payment(store):
    code = take(store, units={"pages": 5, "copies": 1})
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_on_code(app, pilot, "f9", FeesScreen, "#fee-code", code)
        info = visible(screen.query_one("#fee-info"))
        assert "Tổng phải nộp: 7.000 đ" in info and "CHƯA NỘP: 7.000 đ" in info and f"Nội dung: {code}" in info
        assert "▀" in visible(screen.query_one("#fee-qr"))  # the VietQR code, drawn on the terminal
        assert screen.query_one("#fee-amount", Input).value == "7.000"
        await pilot.press("ctrl+w")  # the transfer arrived
        await settle(app, pilot)
        info = visible(screen.query_one("#fee-info"))
        assert "ĐÃ NỘP 7.000 đ · Chuyển khoản (VietQR)" in info and "Biên lai AA-26P số 1000001" in info
        assert "biên lai AA-26P 1000001" in visible(screen.query_one("#fee-msg"))
        before = snapshot(store)
        screen.query_one("#fee-amount", Input).value = "7000"
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "không nhận nộp lần hai" in visible(screen.query_one("#fee-msg"))
        assert snapshot(store) == before


async def test_postal_staff_collect_cash_on_f9(store):
    code = take(store, "1.001612")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_on_code(app, pilot, "f9", FeesScreen, "#fee-code", code, username="buudien")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "Đã thu 100.000 đ" in visible(screen.query_one("#fee-msg"))
    view = fee_service.fee_view(store, actor_for(store, "buudien"), code)
    assert view.paid and view.current_receipt.collector == "Người Dùng Buudien"


@pytest.mark.parametrize("user, refund", [("buudien", False), ("canbo", False), ("giamsat", True)])
async def test_f9_at_80x24_shows_the_cash_key_and_refund_only_to_who_may(store, user, refund):
    """At 80×24 the footer showed "^e Hoàn trả" (a supervisor's step) to postal staff and clerks and pushed
    "^t Thu tiền mặt", their main key, off the screen."""
    from textual.widgets._footer import FooterKey

    code = take(store, units={"pages": 5, "copies": 1})
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on_code(app, pilot, "f9", FeesScreen, "#fee-code", code, username=user)
        width = app.size.width
        shown = {k.key: k for k in app.screen.query(FooterKey) if k.region.right <= width and k.region.width}
        assert "ctrl+t" in shown and "ctrl+e" not in shown, sorted(shown)
        await pilot.press("f1")  # the rarer steps are in the help, Hoàn trả only for who may refund
        await settle(app, pilot)
        rows = app.screen.rows()
        assert ("Ctrl+U", "Hủy, cấp lại BL") in rows and ("Ctrl+K", "Báo cáo ngày") in rows, rows
        assert (("Ctrl+E", "Hoàn trả") in rows) is refund, rows
        await pilot.press("escape")
        await settle(app, pilot)
        if not refund:
            await pilot.press("ctrl+e")  # hidden, and nothing refunded
            await settle(app, pilot)
            assert fee_service.fee_view(store, actor_for(store, "giamsat"), code).refunded == 0


async def test_f9_at_80x24_shows_the_whole_vietqr_code_alone_on_ctrl_f(store):
    """At 80×24 the VietQR code beside the lines of F9 was cut off at the bottom (its lower finder pattern
    hidden: no phone could read it). Ctrl+F shows the code alone, whole, with the amount and the content."""
    from counter.screens.fees import QrScreen

    code = take(store, units={"pages": 5, "copies": 1})
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_on_code(app, pilot, "f9", FeesScreen, "#fee-code", code)
        beside = screen.query_one("#fee-qr")
        body = screen.query_one("#fee-body")
        assert beside.region.height > body.region.height  # the code is taller than the room F9 has for it
        assert "Ctrl+F: phóng to mã QR" in visible(screen.query_one("#fee-info"))
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert isinstance(app.screen, QrScreen)
        shown = app.screen.query_one("#qr-code")
        lines = [line.strip() for line in visible(shown).splitlines()]  # centred on the screen
        assert lines == [line.strip() for line in visible(beside).splitlines()]  # the same code
        assert shown.region.y >= 0 and shown.region.bottom <= 24 - 1  # whole, above the footer
        assert f"7.000 đ · nội dung: {code}" in visible(app.screen.query_one("#qr-caption"))
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen


async def test_ctrl_f_without_a_code_to_pay_says_so(store):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(app, pilot, "f9", FeesScreen)
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert app.screen is screen  # nothing opened
        assert "Chưa có mã VietQR" in visible(screen.query_one("#fee-msg"))
