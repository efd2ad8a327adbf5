"""Pilot tests of F5 Trả kết quả: open by the receipt's QR, check the collector from their CCCD QR, the
authorization paper, the confirm box, hand over and print the note; by post and delivered; a dossier not ready,
an unknown QR. Issue 12: a second scan never becomes the "authorization", nothing is written before the confirm."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from counter.app import build_app
from counter.screens.giveback import ConfirmReturn
from counter.services import dossiers
from tests.conftest import actor_for, make_store, receive
from tests.helpers.pilot import settle, visible
from tests.helpers.giveback import OWNER_QR, PROXY_QR, SIZE, open_return, ready, scan, scan_into_focus, skip_rating
from tests.helpers.store import snapshot

@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "data")


async def fill_authorization(screen, pilot) -> None:  # type: ignore[no-untyped-def]
    screen.query_one("#auth_kind", Select).value = "Văn bản ủy quyền có chứng thực"
    screen.query_one("#auth_number", Input).value = "125/2026/SCT"
    screen.query_one("#auth_date", Input).value = "20/11/2026"
    screen.query_one("#auth_issuer", Input).value = "UBND xã Phục Linh"
    await pilot.pause()


async def test_a_strangers_card_then_a_second_scan_never_records_a_return(store):
    """The bug of issue 12: the stranger's CCCD moved the focus to "Giấy ủy quyền", a second scan filled it with
    the QR text and Ctrl+S recorded the return."""
    code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        await scan(app, pilot, "find", url)
        before = snapshot(store)
        await scan(app, pilot, "cccd", PROXY_QR)  # a stranger's card
        await scan_into_focus(app, pilot, PROXY_QR)  # the scanner fired again into the next box
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        screen = app.screen
        if isinstance(screen, ConfirmReturn):  # (it must not get this far) answer yes, as a hurried clerk would
            await pilot.press("enter")
            await settle(app, pilot)
            screen = app.screen
        assert "Thiếu giấy ủy quyền" in visible(screen.query_one("#return-result"))
        assert "Trần Thị Bình" not in "".join(screen.query_one(f"#{b}", Input).value
                                             for b in ("auth_number", "auth_date", "auth_issuer", "auth_scan"))
        assert screen.query_one("#receiver_id", Input).value == "001192345678"  # the card went to the collector
    assert snapshot(store) == before  # nothing recorded
    assert dossiers.get_detail(store, code).status_label == "Đã xử lý xong"


@pytest.mark.parametrize("box", ["auth_number", "auth_date", "auth_issuer", "auth_scan", "papers", "note", "find"])
async def test_a_card_scanned_into_any_box_goes_to_the_collector(store, box):
    code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        await scan(app, pilot, "find", url)
        screen = app.screen
        screen.query_one("#receiver", Select).value = "authorized"
        await pilot.pause()
        kept = screen.query_one(f"#{box}", Input).value
        await scan(app, pilot, box, kept + PROXY_QR)
        assert screen.query_one(f"#{box}", Input).value == kept  # the box keeps what it held, not the QR
        assert (screen.query_one("#receiver_name", Input).value, screen.query_one("#receiver_id", Input).value) == \
            ("Trần Thị Bình", "001192345678")
        assert "được nhận là thẻ của người nhận" in visible(screen.query_one("#cccd-msg"))
        assert "Lấy từ QR trên CCCD · sinh 02/02/1992" in visible(screen.query_one("#receiver-source"))
        assert screen.query_one("#return-form").display and screen.view is not None and screen.view.code == code


async def test_a_card_typed_into_a_box_without_enter_is_moved_on_ctrl_s(store):
    _code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        await scan(app, pilot, "find", url)
        before = snapshot(store)
        screen = app.screen
        screen.query_one("#receiver", Select).value = "authorized"
        await pilot.pause()
        screen.query_one("#auth_number", Input).value = PROXY_QR  # a scanner without its Enter suffix
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmReturn)
        assert screen.query_one("#auth_number", Input).value == ""
        assert screen.query_one("#receiver_id", Input).value == "001192345678"
    assert snapshot(store) == before


async def test_the_confirm_box_shows_who_collects_what_and_esc_keeps_the_form(store):
    code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        await scan(app, pilot, "find", url)
        screen = app.screen
        assert screen.query_one("#papers", Input).value == "Giấy khai sinh bản chính:1"
        assert app.focused is screen.query_one("#cccd", Input)  # ready for the collector's card
        await scan(app, pilot, "cccd", PROXY_QR)
        assert screen.query_one("#receiver", Select).value == "authorized"
        assert "cần giấy ủy quyền" in visible(screen.query_one("#cccd-msg"))
        assert app.focused is screen.query_one("#auth_kind", Select)
        await fill_authorization(screen, pilot)
        before = snapshot(store)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmReturn)
        shown = visible(app.screen.query_one("#confirm-lines"))
        for expected in ("Trần Thị Bình (Người được ủy quyền)", "001192345678 (quét mã QR trên CCCD), sinh 02/02/1992",
                         "Văn bản ủy quyền có chứng thực số 125/2026/SCT, ngày 20/11/2026, UBND xã Phục Linh",
                         "Giấy khai sinh bản chính (1)", "Trả tại quầy", "Nguyễn Văn An · CCCD 001090123456"):
            assert expected in " ".join(shown.split()), shown
        assert snapshot(store) == before  # nothing written while the box is open
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and snapshot(store) == before
        assert "Chưa ghi gì" in visible(screen.query_one("#return-result"))
        assert screen.query_one("#auth_number", Input).value == "125/2026/SCT"  # the form is kept
        assert screen.query_one("#receiver_name", Input).value == "Trần Thị Bình"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("n")  # N says no too
        await settle(app, pilot)
        assert app.screen is screen and snapshot(store) == before
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "đã in phiếu bàn giao" in visible(screen.query_one("#return-result"))
        assert "đã được trả kết quả lúc" in visible(screen.query_one("#return-summary"))
        await pilot.press("ctrl+r")  # reprint the hand-over note
        await settle(app, pilot)
        assert "đã in phiếu bàn giao" in visible(screen.query_one("#return-result"))
    last = dossiers.get_detail(store, code).events[-1]
    assert (last.kind, last.actor) == ("returned", "Người Dùng Canbo")
    assert "Họ tên: Trần Thị Bình" in last.details and "Lấy từ: quét mã QR trên CCCD" in last.details
    assert "Giấy ủy quyền: Văn bản ủy quyền có chứng thực số 125/2026/SCT, ngày 20/11/2026" in last.details
    assert (store.data_dir / "prints" / f"{code}-mauBG.pdf").exists()


async def test_refusals_say_why_and_record_nothing(store):
    _code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        await scan(app, pilot, "find", url)
        screen = app.screen
        await scan(app, pilot, "cccd", PROXY_QR)
        before = snapshot(store)
        screen.query_one("#receiver", Select).value = "owner"  # pretend she is the owner: refused
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "không khớp với chủ hồ sơ Nguyễn Văn An" in visible(screen.query_one("#return-result"))
        screen.query_one("#receiver", Select).value = "authorized"
        await fill_authorization(screen, pilot)
        screen.query_one("#auth_date", Input).value = "20/12/2026"  # after today
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "ở tương lai" in visible(screen.query_one("#return-result"))
        screen.query_one("#auth_date", Input).value = "20/11/2026"
        screen.query_one("#papers", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Thiếu giấy tờ kết quả" in visible(screen.query_one("#return-result"))
        assert not isinstance(app.screen, ConfirmReturn)
    assert snapshot(store) == before


async def test_the_owner_collects_with_their_own_card(store):
    code, _url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        await scan(app, pilot, "find", code)  # the code typed
        await scan(app, pilot, "cccd", OWNER_QR)
        assert app.screen.query_one("#receiver", Select).value == "owner"
        assert not app.screen.query_one("#auth").display
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        await skip_rating(app, pilot)
        assert "đã in phiếu bàn giao" in visible(app.screen.query_one("#return-result"))
        await scan(app, pilot, "find", code)  # the same receipt again
        assert "đã được trả kết quả lúc 23/11/2026 09:00 (trả tại quầy)" in visible(app.screen.query_one("#return-summary"))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "đã được trả kết quả" in visible(app.screen.query_one("#find-msg"))
    assert dossiers.get_detail(store, code).status_label == "Đã trả kết quả"


async def test_an_owner_without_a_chip_card_is_typed_by_hand(store):
    code, _url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        await scan(app, pilot, "find", code)
        screen = app.screen
        screen.query_one("#receiver_name", Input).value = "Nguyễn Văn An"
        screen.query_one("#receiver_id", Input).value = "001090123456"
        await pilot.pause()
        assert "Nhập tay" in visible(screen.query_one("#receiver-source"))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "001090123456 (nhập tay)" in " ".join(visible(app.screen.query_one("#confirm-lines")).split())
        await pilot.press("enter")
        await settle(app, pilot)
    assert "Lấy từ: nhập tay" in dossiers.get_detail(store, code).events[-1].details


async def test_by_post_then_delivered(store):
    code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot, "buudien")
        await scan(app, pilot, "find", url)
        assert app.screen.query_one("#address", Input).value == ""  # no return address at intake
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#tracking", Input)
        app.screen.query_one("#tracking", Input).value = "EE123456789VN"
        app.screen.query_one("#address", Input).value = "Thôn 2, xã Phục Linh"
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "Gửi qua dịch vụ bưu chính công ích" in visible(app.screen.query_one("#confirm-lines"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert "số hiệu EE123456789VN" in visible(app.screen.query_one("#return-summary"))
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert "đã phát lúc 23/11/2026 09:00" in visible(app.screen.query_one("#return-summary"))
    kinds = [e.kind for e in dossiers.get_detail(store, code).events]
    assert kinds[-2:] == ["returned", "delivered"]


async def test_not_ready_and_unknown_qr_say_so_and_record_nothing(store):
    code = receive(store, actor_for(store, "canbo"))
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        before = snapshot(store)
        await scan(app, pilot, "find", code)
        assert "chưa có kết quả (trạng thái: Được tiếp nhận)" in visible(app.screen.query_one("#return-summary"))
        assert not app.screen.query_one("#return-form").display
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "chưa trả được" in visible(app.screen.query_one("#find-msg"))
        await scan(app, pilot, "find", "http://127.0.0.1:8780/t/" + "Q" * 32)
        assert "không có hồ sơ nào mang mã tra cứu này" in visible(app.screen.query_one("#find-msg"))
        await scan(app, pilot, "find", "https://other.example/t/" + "Q" * 32)
        assert "Mã QR của nơi khác" in visible(app.screen.query_one("#find-msg"))
        await scan(app, pilot, "find", "http://127.0.0.1:8780/t/Q?Q")
        assert "không đúng dạng" in visible(app.screen.query_one("#find-msg"))
        assert snapshot(store) == before


@pytest.mark.parametrize("key", ["ctrl+q", "ctrl+l", "f7"])
async def test_a_return_form_with_a_scanned_card_is_not_lost_by_one_key(store, key):
    """Issue 12: leaving F5 with a collector's card scanned (nothing recorded yet) asks first; Esc keeps it."""
    from counter.screens.modals import DiscardForm

    code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        screen = app.screen
        await scan(app, pilot, "find", url)
        await scan(app, pilot, "cccd", OWNER_QR)
        assert screen.query_one("#receiver_id", Input).value == "001090123456"
        await pilot.press(key)
        await settle(app, pilot)
        assert isinstance(app.screen, DiscardForm), app.screen
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and app.actor is not None
        assert screen.query_one("#receiver_id", Input).value == "001090123456" and screen.view.code == code
