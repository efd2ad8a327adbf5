"""Pilot tests of F6 Hàng đợi on the hand-built store of tests/reports_store.py."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from textual.widgets import DataTable, OptionList, Static, TabbedContent

from counter.app import build_app
from counter.screens.dossier import DossierScreen
from counter.screens.queue import ClerkPicker, QueueScreen
from counter.services import dossiers
from tests.helpers.pilot import SIZE, login, settle
from tests.reports_store import ReportStore, build

BACKGROUND = {"qr-serial", "sync"}


@pytest.fixture
def rs(tmp_path) -> ReportStore:
    r = build(tmp_path / "data")
    yield r
    r.store.close()


def table_codes(app) -> list[str]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#queue-table", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def open_queue(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await login(app, pilot, "giamsat")
    await pilot.press("f6")
    await settle(app, pilot)
    assert isinstance(app.screen, QueueScreen)


async def test_supervisor_sees_todays_queue_and_the_overdue_list(rs):
    app = build_app(store=rs.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(app, pilot)
        buckets = app.screen.query_one("#buckets", OptionList)
        labels = [str(buckets.get_option_at_index(i).prompt) for i in range(buckets.option_count)]
        assert labels == ["Đến hạn hôm nay (2)", "Quá hạn (2)", "Sắp đến hạn (4)", "Chờ công dân (1)",
                          "Chờ trả kết quả (1)", "Đã trả hôm nay (1)", "Chưa chuyển đúng hạn (8)",
                          "Trực tuyến chờ tiếp nhận (0)"]  # issue 17
        assert table_codes(app) == [rs.codes["D"], rs.codes["F"]]
        await pilot.press("2")
        await settle(app, pilot)
        assert table_codes(app) == [rs.codes["C"], rs.codes["B"]]
        table = app.screen.query_one("#queue-table", DataTable)
        assert str(table.full_row(0)["Trễ"]) == "5 ngày làm việc"
        assert "Quá hạn · Trang 1 · 2 hồ sơ" in str(app.screen.query_one("#queue-pager", Static).render())


async def test_enter_opens_the_dossier_and_g_reassigns_it(rs):
    app = build_app(store=rs.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        app.screen.query_one("#queue-table", DataTable).focus()
        await pilot.press("down")  # B
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen) and app.screen.code == rs.codes["B"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("g")
        await settle(app, pilot)
        assert isinstance(app.screen, ClerkPicker)
        picker = app.screen.query_one("#picker-list", OptionList)
        picker.highlighted = next(i for i in range(picker.option_count)
                                  if picker.get_option_at_index(i).id == str(rs.canbo2_id))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert dossiers.get_detail(rs.store, rs.codes["B"]).assignee == "Lê Văn Minh"
        table = app.screen.query_one("#queue-table", DataTable)
        assert str(table.full_row(1)["Cán bộ"]) == "Lê Văn Minh"


async def test_a_clerk_pressing_f6_is_refused(rs):
    app = build_app(store=rs.store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot, "canbo")
        await pilot.press("f6")
        await settle(app, pilot)
        assert not isinstance(app.screen, QueueScreen)
        assert not app.check_action("open", ("queue",))  # hidden from the footer too
        app.action_open("queue")
        await settle(app, pilot)
        assert not isinstance(app.screen, QueueScreen)


async def test_scorecard_tab_and_ledger_export(rs):
    app = build_app(store=rs.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(app, pilot)
        app.screen.query_one("#queue-tabs", TabbedContent).active = "tab-clerks"
        await settle(app, pilot)
        clerks = app.screen.query_one("#clerks-table", DataTable)
        assert clerks.row_count == 4  # every member of staff but the admin
        app.screen.query_one("#queue-tabs", TabbedContent).active = "tab-score"
        await settle(app, pilot)
        score = app.screen.query_one("#score-table", DataTable)
        rows = {str(score.get_row_at(i)[0]): [str(c) for c in score.full_row(i).values()] for i in range(score.row_count)}
        assert rows["2.1"][2] == "10/14" and rows["2.1"][3] == "71,4% ✗"
        assert rows["3.6"][3] == "50,0% ✗"  # from the payments: P paid online of P, Q with a fee
        assert rows["3.x"][2] == "1/15" and rows["2.1"][5] == "14,29/20"  # numerator, denominator and points
        summary = str(app.screen.query_one("#score-summary", Static).render())
        assert "Tiếp nhận 15" in summary and "trễ hạn 4" in summary
        await pilot.press("l")  # the ledger of the period shown: this month
        await settle(app, pilot)
        path = rs.store.data_dir / "exports" / "so-theo-doi-20261101-20261130.xlsx"
        assert path.exists() and str(path) in str(app.screen.query_one("#export-result", Static).render())
        assert load_workbook(path).active.max_row == 5 + 15


async def test_live_refresh_when_a_dossier_arrives(rs):
    from tests.conftest import actor_for, receive

    app = build_app(store=rs.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(app, pilot)
        assert len(table_codes(app)) == 2
        code = receive(rs.store, actor_for(rs.store, "canbo"))  # today, same-day procedure: due today
        app.screen.check_changes()
        await settle(app, pilot)
        assert code in table_codes(app)


async def test_online_tab_shows_the_share_against_the_yearly_target_and_o_exports_it(rs):
    """Issue 15: F6's "Trực tuyến" tab (services/online_report.py): M is the month's one online dossier."""
    app = build_app(store=rs.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(app, pilot)
        for _ in range(3):
            await pilot.press("v")  # Hàng đợi → Theo cán bộ → Chỉ số → Trực tuyến
        await settle(app, pilot)
        assert app.screen.query_one("#queue-tabs", TabbedContent).active == "tab-online"
        summary = str(app.screen.query_one("#online-summary", Static).render())
        assert "Tiếp nhận 15 · nộp trực tuyến 1 (6,7%) · hỗ trợ nộp 0 (0,0% số hồ sơ trực tuyến) · chỉ số 3.x " \
               "6,7% · mục tiêu năm 30%: chưa đạt" in summary
        table = app.screen.query_one("#online-table", DataTable)
        rows = {str(table.get_row_at(i)[0]).split()[0]: [str(c) for c in table.get_row_at(i)]
                for i in range(table.row_count)}
        assert rows["1.004873"][2:4] == ["12", "1"]
        await pilot.press("o")
        await settle(app, pilot)
        for ext in ("pdf", "xlsx"):
            path = rs.store.data_dir / "exports" / f"truc-tuyen-20261101-20261130.{ext}"
            assert path.exists() and str(path) in str(app.screen.query_one("#export-result", Static).render())
