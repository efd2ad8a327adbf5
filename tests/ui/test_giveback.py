"""Pilot tests of F5 Trả kết quả: open by the receipt's QR, check the collector from their CCCD QR, hand over and
print the note; by post and delivered; a dossier not ready, an unknown QR."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from counter.app import build_app
from counter.screens.giveback import ReturnScreen
from counter.services import dossiers, progress
from tests.conftest import actor_for, make_store, receive
from tests.services.test_progress import snapshot
from tests.ui.test_login_search import login, settle, visible

SIZE = (120, 40)
OWNER_QR = "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2, xã Phục Linh, tỉnh Thái Nguyên|15042021"
PROXY_QR = "001192345678||Trần Thị Bình|02021992|Nữ|Thôn 5, xã Phục Linh, tỉnh Thái Nguyên|01012022"


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "data")


def ready(store) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, id_number="001090123456", address="Thôn 2, xã Phục Linh")
    progress.record_event(store, clerk, code, "resolved", {"note": "Giấy khai sinh bản chính"})
    detail = dossiers.get_detail(store, code)
    return code, f"http://127.0.0.1:8780/t/{detail.token}"


async def open_return(app, pilot, user: str = "canbo"):  # type: ignore[no-untyped-def]
    await login(app, pilot, user)
    await pilot.press("f5")
    await settle(app, pilot)
    assert isinstance(app.screen, ReturnScreen)


async def scan(app, pilot, box: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """A keyboard-mode scanner: the text typed into the focused box, then Enter."""
    app.screen.query_one(f"#{box}", Input).focus()
    app.screen.query_one(f"#{box}", Input).value = text
    await pilot.press("enter")
    await settle(app, pilot)


async def test_return_by_qr_to_someone_with_an_authorization(store):
    code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        await scan(app, pilot, "find", url)
        screen = app.screen
        assert code in visible(screen.query_one("#return-summary")) and screen.query_one("#return-form").display
        assert screen.query_one("#papers", Input).value == "Giấy khai sinh bản chính:1"
        assert app.focused is screen.query_one("#cccd", Input)  # ready for the collector's card
        await scan(app, pilot, "cccd", PROXY_QR)
        assert screen.query_one("#receiver_name", Input).value == "Trần Thị Bình"
        assert screen.query_one("#receiver_id", Input).value == "001192345678"
        assert screen.query_one("#receiver", Select).value == "authorized"
        assert "cần giấy ủy quyền" in visible(screen.query_one("#cccd-msg"))
        before = snapshot(store)
        screen.query_one("#receiver", Select).value = "owner"  # pretend she is the owner: refused
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "không khớp với chủ hồ sơ Nguyễn Văn An" in visible(screen.query_one("#return-result"))
        screen.query_one("#receiver", Select).value = "authorized"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Thiếu giấy ủy quyền" in visible(screen.query_one("#return-result"))
        assert snapshot(store) == before  # nothing recorded
        screen.query_one("#authorization", Input).value = "Giấy ủy quyền số 12/2026"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "đã in phiếu bàn giao" in visible(screen.query_one("#return-result"))
        assert "đã được trả kết quả lúc" in visible(screen.query_one("#return-summary"))
        assert not screen.query_one("#return-form").display
        await scan(app, pilot, "find", url)  # the same receipt again
        assert "đã được trả kết quả lúc 23/11/2026 09:00 (trả tại quầy)" in visible(screen.query_one("#return-summary"))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "đã được trả kết quả" in visible(screen.query_one("#find-msg"))
    last = dossiers.get_detail(store, code).events[-1]
    assert (last.kind, last.actor) == ("returned", "Người Dùng Canbo")
    assert "Họ tên: Trần Thị Bình" in last.details and "Giấy ủy quyền: Giấy ủy quyền số 12/2026" in last.details
    assert (store.data_dir / "prints" / f"{code}-mauBG.pdf").exists()


async def test_the_owner_collects_with_their_own_card(store):
    code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot)
        await scan(app, pilot, "find", code)  # the code typed
        await scan(app, pilot, "cccd", OWNER_QR)
        assert app.screen.query_one("#receiver", Select).value == "owner"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "đã in phiếu bàn giao" in visible(app.screen.query_one("#return-result"))
    assert dossiers.get_detail(store, code).status_label == "Đã trả kết quả"


async def test_by_post_then_delivered(store):
    code, url = ready(store)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_return(app, pilot, "buudien")
        await scan(app, pilot, "find", url)
        assert app.screen.query_one("#address", Input).value == ""  # no return address at intake
        await pilot.press("f9")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#tracking", Input)
        app.screen.query_one("#tracking", Input).value = "EE123456789VN"
        app.screen.query_one("#address", Input).value = "Thôn 2, xã Phục Linh"
        await pilot.press("f9")
        await settle(app, pilot)
        assert "số hiệu EE123456789VN" in visible(app.screen.query_one("#return-summary"))
        await pilot.press("f10")
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
