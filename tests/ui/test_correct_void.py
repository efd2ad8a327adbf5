"""Issue 12, pilot: correct a phone from the dossier screen (F7 search -> Enter -> Ctrl+E), a clerk refused on a
dossier someone else received, and a supervisor voiding a dossier received by mistake (Ctrl+D)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from counter.app import build_app
from counter.screens.correct import CorrectForm
from counter.screens.dossier import DossierScreen
from counter.screens.modals import AskText, Confirm
from counter.services import dossiers, queue
from tests.conftest import actor_for, make_store, receive
from tests.helpers.pilot import login, search, settle, visible

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path):
    s = make_store(tmp_path / "data")
    yield s
    s.close()


async def open_dossier(app, pilot, code: str, user: str = "canbo"):  # type: ignore[no-untyped-def]
    await login(app, pilot, user)
    assert [c for c, _ in await search(app, pilot, code)] == [code]
    await pilot.press("down", "enter")
    await settle(app, pilot)
    assert isinstance(app.screen, DossierScreen) and app.screen.code == code
    return app.screen


def history(screen: DossierScreen) -> list[tuple[str, str]]:
    table = screen.query_one("#history", DataTable)
    return [(str(table.get_row_at(i)[1]), str(table.get_row_at(i)[3])) for i in range(table.row_count)]


async def test_a_clerk_corrects_the_phone_of_a_dossier_they_received(store):
    code = receive(store, actor_for(store, "canbo"), "Nguyễn Văn An", phone="0912345678")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dossier(app, pilot, code)
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, CorrectForm)
        phone = form.query_one("#fix-owner_phone", Input)
        assert phone.value == "0912345678" and form.query_one("#fix-owner_name", Input).value == "Nguyễn Văn An"
        phone.value = "0987 654 abc"
        form.query_one("#fix-reason", Input).value = "Gõ nhầm số"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # refused: the intake rule's message under the field, nothing written
        box = form.query_one("#fix-owner_phone-error")
        assert "Số điện thoại không hợp lệ" in visible(box)
        assert dossiers.get_detail(store, code).owner_phone == "0912345678"
        phone.value = "0987 654 321"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)  # reprint the receipt with the new details?
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is screen
        assert "0987654321" in visible(screen.query_one("#dossier-info"))
        assert ("sửa thông tin", "Số điện thoại 0912345678 → 0987654321; lý do: Gõ nhầm số") in history(screen)
        assert "Đã sửa thông tin" in visible(screen.query_one("#dossier-outcome"))
    assert dossiers.get_detail(store, code).owner_phone == "0987654321"


async def test_a_clerk_may_not_correct_a_dossier_someone_else_received(store):
    code = receive(store, actor_for(store, "giamsat"), "Trần Thị Bích", phone="0912345678")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dossier(app, pilot, code)
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        assert app.screen is screen  # no form opened
        assert "chỉ được sửa thông tin hồ sơ do chính mình tiếp nhận" in visible(screen.query_one("#dossier-outcome"))
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert app.screen is screen
        assert "không được phép hủy hồ sơ" in visible(screen.query_one("#dossier-outcome"))


async def test_a_supervisor_voids_a_dossier_received_by_mistake(store):
    code = receive(store, actor_for(store, "canbo"), "Lê Hữu Phúc")
    boss = actor_for(store, "giamsat")
    assert code in {i.code for i in queue.page(store, boss, "due_soon").items + queue.page(store, boss, "due_today").items}
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dossier(app, pilot, code, "giamsat")
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert isinstance(app.screen, AskText)
        await pilot.press("enter")  # a reason is required
        assert isinstance(app.screen, AskText)
        app.screen.query_one(Input).value = "Tiếp nhận nhầm thủ tục"
        await pilot.press("enter")
        assert isinstance(app.screen, Confirm)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert "ĐÃ HỦY" in visible(screen.query_one("#dossier-head"))
        assert ("hủy hồ sơ", "lý do: Tiếp nhận nhầm thủ tục") in history(screen)
        await pilot.press("ctrl+e")  # nothing but a note after a void
        await settle(app, pilot)
        assert app.screen is screen and "đã bị hủy" in visible(screen.query_one("#dossier-outcome"))
    counts = queue.counts(store, boss)
    assert all(code not in {i.code for i in queue.page(store, boss, b).items} for b in queue.BUCKETS), counts
