"""Pilot tests of F8 Hồ sơ trực tuyến: the waiting list, opening one, viewing a file, ticking papers, then
receive, ask for what is missing (once; a second time only a supervisor, with a reason) and refuse."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from textual.widgets import DataTable, Input, Static

from counter.app import build_app
from counter.screens.modals import AskText, Confirm
from counter.screens.online import OnlineDossierScreen, OnlineScreen
from counter.services import online
from tests.conftest import NOW, actor_for, make_store
from tests.helpers.online import BIRTH_CERT, online_dossier
from tests.helpers.pilot import SIZE, login, settle, visible

pytestmark = pytest.mark.ui


@pytest.fixture
def st(tmp_path):
    store = make_store(tmp_path / "data")
    yield store
    store.close()


def table_codes(app, selector: str = "#online-table") -> list[str]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(selector, DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def status_of(store, code: str) -> tuple[int, int]:
    with store.read() as s:
        return tuple(s.execute(sa.text("SELECT status, supplement_requests FROM dossiers WHERE code = :c"),
                               {"c": code}).one())


async def open_f8(app, pilot, user: str = "canbo", **password: str) -> None:  # type: ignore[no-untyped-def]
    await login(app, pilot, user, **password)
    await pilot.press("f8")
    await settle(app, pilot)
    assert isinstance(app.screen, OnlineScreen)


async def open_code(app, pilot, code: str) -> None:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#online-table", DataTable)
    table.move_cursor(row=table_codes(app).index(code))
    table.focus()
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, OnlineDossierScreen)


async def answer(app, pilot, text: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Answer the modal on top: a text (AskText) or yes (Confirm)."""
    await settle(app, pilot)
    if text is not None:
        assert isinstance(app.screen, AskText)
        app.screen.query_one("#modal-input", Input).value = text
    else:
        assert isinstance(app.screen, Confirm)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_waiting_list_oldest_first_with_the_late_mark_and_the_citizen_ones_apart(st):
    clerk = actor_for(st, "canbo")
    now = st.clock.now()
    fresh = online_dossier(st, clerk, "Đỗ Minh Tâm", at=now - timedelta(minutes=20))
    old = online_dossier(st, clerk, "Phan Thị Hồng", at=now - timedelta(days=4))
    asked = online_dossier(st, clerk, "Lê Văn Cường")
    online.ask_missing(st, clerk, asked, {BIRTH_CERT: "Ảnh mờ"})
    app = build_app(store=st)
    async with app.run_test(size=SIZE) as pilot:
        await open_f8(app, pilot)
        assert table_codes(app) == [old, fresh]
        table = app.screen.query_one("#online-table", DataTable)
        assert str(table.get_row_at(0)[0]) == "!" and str(table.get_row_at(1)[0]) == ""
        assert str(table.get_row_at(1)[3]) == "20 phút"
        assert table_codes(app, "#online-awaiting") == [asked]
        summary = visible(app.screen.query_one("#online-summary", Static))
        assert "Chờ tiếp nhận: 2" in summary and "quá 8 giờ làm việc: 1" in summary
        assert "chờ công dân bổ sung: 1" in summary


async def test_postal_staff_have_no_f8(st):
    app = build_app(store=st)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot, "buudien")
        await pilot.press("f8")
        await settle(app, pilot)
        assert not isinstance(app.screen, OnlineScreen)


async def test_open_view_tick_and_receive(st):
    clerk = actor_for(st, "canbo")
    code = online_dossier(st, clerk, "Phan Thị Hồng")
    app = build_app(store=st)
    async with app.run_test(size=SIZE) as pilot:
        await open_f8(app, pilot)
        await open_code(app, pilot, code)
        owner = visible(app.screen.query_one("#od-owner", Static))
        assert "Phan Thị Hồng" in owner and "001203004567" in owner and "0912345678" in owner
        await pilot.press("v")
        await settle(app, pilot)
        shown = visible(app.screen.query_one("#od-preview-text", Static))
        assert "to-khai.pdf · PDF · 1 trang" in shown and "█" in shown
        await pilot.press("d")
        table = app.screen.query_one("#papers-table", DataTable)
        assert str(table.get_row_at(0)[2]) == "✓ đạt"
        await pilot.press("t")
        await answer(app, pilot)
        assert isinstance(app.screen, OnlineScreen)
        assert status_of(st, code)[0] == 2
        assert code not in table_codes(app)


async def test_ask_once_then_a_clerk_is_refused_a_second_time(st):
    clerk = actor_for(st, "canbo")
    code = online_dossier(st, clerk)
    app = build_app(store=st)
    async with app.run_test(size=SIZE) as pilot:
        await open_f8(app, pilot)
        await open_code(app, pilot, code)
        await pilot.press("b")  # nothing marked yet: a line says what to do, nothing sent
        await settle(app, pilot)
        assert "Chưa có giấy tờ nào chưa đạt" in visible(app.screen.query_one("#od-status", Static))
        app.screen.query_one("#papers-table", DataTable).move_cursor(row=1)
        await pilot.press("s")
        await answer(app, pilot, "Ảnh chụp mờ, không đọc được")
        assert "✗ Ảnh chụp mờ" in str(app.screen.query_one("#papers-table", DataTable).get_row_at(1)[2])
        await pilot.press("b")
        await answer(app, pilot)
        assert isinstance(app.screen, OnlineScreen)
        assert status_of(st, code) == (1, 1)
        assert table_codes(app, "#online-awaiting") == [code]
        # the citizen's uploads are the server's; back on the list by a second request is refused to a clerk
        awaiting = app.screen.query_one("#online-awaiting", DataTable)
        awaiting.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, OnlineDossierScreen)
        assert "Đã yêu cầu bổ sung: Giấy chứng sinh" in visible(app.screen.query_one("#od-owner", Static))
        await pilot.press("s")
        await answer(app, pilot, "Sai mẫu")
        await pilot.press("b")
        await settle(app, pilot)
        assert "chỉ yêu cầu một lần" in visible(app.screen.query_one("#od-status", Static))
        assert status_of(st, code) == (1, 1)


async def test_a_supervisor_overrides_the_one_request_rule_with_a_reason(st):
    clerk = actor_for(st, "canbo")
    code = online_dossier(st, clerk)
    online.ask_missing(st, clerk, code, {BIRTH_CERT: "Ảnh mờ"})
    app = build_app(store=st)
    async with app.run_test(size=SIZE) as pilot:
        await open_f8(app, pilot, "giamsat")
        awaiting = app.screen.query_one("#online-awaiting", DataTable)
        awaiting.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("s")
        await answer(app, pilot, "Vẫn thiếu trang 2")
        await pilot.press("b")
        await settle(app, pilot)
        assert isinstance(app.screen, AskText) and "Lý do phải yêu cầu thêm" in visible(app.screen)
        await answer(app, pilot, "Công dân nộp nhầm tệp của hồ sơ khác")
        assert isinstance(app.screen, OnlineScreen)
        assert status_of(st, code) == (1, 2)


async def test_refuse_with_a_reason(st):
    clerk = actor_for(st, "canbo")
    code = online_dossier(st, clerk)
    app = build_app(store=st)
    async with app.run_test(size=SIZE) as pilot:
        await open_f8(app, pilot)
        await open_code(app, pilot, code)
        await pilot.press("r")
        await answer(app, pilot, "Không thuộc thẩm quyền của UBND xã")
        assert isinstance(app.screen, OnlineScreen)
        assert status_of(st, code)[0] == 3
        assert "Không có hồ sơ trực tuyến nào chờ tiếp nhận" in table_codes(app)


async def test_f8_fits_80_by_24(st):
    clerk = actor_for(st, "canbo")
    code = online_dossier(st, clerk)
    app = build_app(store=st)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_f8(app, pilot)
        assert table_codes(app) == [code]
        await open_code(app, pilot, code)
        await pilot.press("v")
        await settle(app, pilot)
        assert "to-khai.pdf" in visible(app.screen.query_one("#od-preview-text", Static))


async def test_the_supervisors_queue_has_the_online_bucket_with_the_waiting_time(st):
    from counter.screens.queue import QueueScreen
    from textual.widgets import OptionList

    clerk = actor_for(st, "canbo")
    code = online_dossier(st, clerk, at=st.clock.now() - timedelta(hours=1))
    asked = online_dossier(st, clerk, "Lê Văn Cường")
    online.ask_missing(st, clerk, asked, {BIRTH_CERT: "Ảnh mờ"})
    app = build_app(store=st)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot, "giamsat")
        await pilot.press("f6")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        buckets = app.screen.query_one("#buckets", OptionList)
        assert str(buckets.get_option_at_index(7).prompt) == "Trực tuyến chờ tiếp nhận (1)"
        await pilot.press("8")
        await settle(app, pilot)
        table = app.screen.query_one("#queue-table", DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [code]
        assert str(table.full_row(0)["Trễ"]) == "đã chờ 1 giờ 00 phút"


async def test_f2_assisted_filing_key_says_when_no_server_is_set(st):
    from tests.helpers.pilot import open_receive

    app = build_app(store=st)
    messages = []
    async with app.run_test(size=SIZE) as pilot:
        await open_receive(app, pilot)
        app.screen.show_error = messages.append  # type: ignore[method-assign]
        await pilot.press("ctrl+o")
        await settle(app, pilot)
    assert messages and "chưa được nối với máy chủ trung tâm" in messages[0]


async def test_a_new_demo_has_online_dossiers_on_f8_with_files_to_view(tmp_path):
    """Issue 15: `counter demo` holds online dossiers waiting (two past the 8 working hours, one assisted, one
    waiting for the citizen's upload), their uploads in the blob store (the preview draws the first page), and
    online dossiers received this month, so the online and assisted shares are not zero."""
    from counter.domain.clock import FixedClock
    from counter.domain.scorecard import Period, local_date
    from counter.services import auth, online_report
    from counter.services.demo import ONLINE_RECEIVED, build_demo
    from counter.services.store import Store

    store = Store.open(tmp_path / "demo", clock=FixedClock(NOW), create=True)
    try:
        build_demo(store, now=NOW, count=20, stations=1)
        listed = online.waiting_list(store, auth.login(store, "canbo", "canbo123"))  # the demo's passwords
        assert (listed.waiting_total, listed.late_total, listed.awaiting_total) == (4, 2, 1)
        assert [w.assisted for w in listed.waiting].count(True) == 1
        assert [w.late for w in listed.waiting] == [True, True, False, False]  # oldest first
        report = online_report.online_report(store, auth.login(store, "giamsat", "giamsat123"), Period.month(local_date(NOW)))
        assert report.total.online >= len(ONLINE_RECEIVED) and report.total.assisted == 2
        with store.read() as s:  # received there: the uploads are the papers' digitized copies, Mẫu 01 made
            assert s.execute(sa.text("SELECT count(*) FROM dossiers WHERE channel = 2 AND status = 2 "
                                     "AND assisted = 1")).scalar_one() == 2
        app = build_app(store=store)
        async with app.run_test(size=SIZE) as pilot:
            await open_f8(app, pilot, password="canbo123")
            assert table_codes(app) == [w.code for w in listed.waiting]
            assert len(table_codes(app, "#online-awaiting")) == 1
            await open_code(app, pilot, listed.waiting[0].code)
            await pilot.press("v")
            await settle(app, pilot)
            shown = visible(app.screen.query_one("#od-preview-text", Static))
            assert "PDF" in shown and "trang 1" in shown and "█" in shown
    finally:
        store.close()
