"""Driving F5 Trả kết quả in pilot tests: a dossier ready to return, the screen opened, a scanner's text."""

from __future__ import annotations

from textual.widgets import Input

from counter.screens.giveback import ReturnScreen
from counter.services import dossiers, progress
from tests.conftest import actor_for, receive
from tests.helpers.pilot import login, settle

SIZE = (120, 40)
OWNER_QR = "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2, xã Phục Linh, tỉnh Thái Nguyên|15042021"
PROXY_QR = "001192345678||Trần Thị Bình|02021992|Nữ|Thôn 5, xã Phục Linh, tỉnh Thái Nguyên|01012022"


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


async def skip_rating(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """After a return at the counter the rating dialog asks the citizen (issue 19): Esc, no rating."""
    from counter.screens.rating import RateDialog

    if isinstance(app.screen, RateDialog):
        await pilot.press("escape")
        await settle(app, pilot)


async def scan(app, pilot, box: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """A keyboard-mode scanner: the text typed into the box, then Enter."""
    app.screen.query_one(f"#{box}", Input).focus()
    app.screen.query_one(f"#{box}", Input).value = text
    await pilot.press("enter")
    await settle(app, pilot)


async def scan_into_focus(app, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """A keyboard-mode scanner types into whatever has the focus, then its Enter."""
    if isinstance(app.focused, Input):
        app.focused.insert_text_at_cursor(text)
    await pilot.press("enter")
    await settle(app, pilot)
