"""Pilot tests of F4 Xử lý: find by code, QR or name, record actions through the form, print Mẫu 02/04/06."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, OptionList

from counter.app import build_app
from counter.screens.progress import EventForm, ProgressScreen
from counter.services import dossiers
from tests.conftest import actor_for, make_store, receive
from tests.helpers.pilot import choose, find, login, settle, visible

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "data")


async def open_progress(app, pilot, user: str = "canbo"):  # type: ignore[no-untyped-def]
    await login(app, pilot, user)
    await pilot.press("f4")
    await settle(app, pilot)
    assert isinstance(app.screen, ProgressScreen)


def slip(app) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#slip", DataTable)
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def test_hand_off_supplement_and_back_through_the_keyboard(store):
    code = receive(store, actor_for(store, "canbo"))
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(app, pilot)
        await find(app, pilot, code.lower())
        assert code in visible(app.screen.query_one("#summary")) and "Được tiếp nhận" in visible(app.screen.query_one("#summary"))
        assert isinstance(app.focused, OptionList)  # straight to the actions
        assert "gia hạn" in visible(app.screen.query_one("#refused"))  # a clerk may not extend
        await pilot.press("enter")  # the first action: hand the file over
        await pilot.pause()
        assert isinstance(app.screen, EventForm)
        await pilot.press("enter")  # "to" is required
        await pilot.press("enter", "enter")
        assert "Chưa nhập: Giao cho cơ quan / người" in visible(app.screen.query_one("#event-error"))
        app.screen.query_one("#f-to", Input).focus()
        await pilot.press(*"Tư pháp", "enter", *"Lê Văn Tư", "enter", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen)
        assert "Đã ghi “chuyển hồ sơ”" in visible(app.screen.query_one("#progress-result"))
        assert slip(app)[0][0] == "Bộ phận Một cửa UBND xã Phục Linh → Tư pháp"
        assert "Tư pháp" in visible(app.screen.query_one("#summary"))
        await choose(app, pilot, "supplement_requested")
        await pilot.press(*"Giấy chứng sinh; Tờ khai:2", "enter", *"Thiếu bản chính", "enter")
        await settle(app, pilot)
        assert "đã in mẫu 02" in visible(app.screen.query_one("#progress-result"))
        await choose(app, pilot, "supplement_received")
        await pilot.press("enter")  # one field (a note): Enter records
        await settle(app, pilot)
        assert "Nhận lại hồ sơ từ Tư pháp" in visible(app.screen.query_one("#actions"))
        await choose(app, pilot, "transferred")  # now it means: take the file back
        assert not app.screen.query("#f-to")  # only who and a note are asked
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert [r[0] for r in slip(app)] == ["Bộ phận Một cửa UBND xã Phục Linh → Tư pháp",
                                             "Tư pháp → Bộ phận Một cửa UBND xã Phục Linh"]
        await pilot.press("ctrl+n")  # the control slip
        await settle(app, pilot)
        assert "đã in mẫu 06" in visible(app.screen.query_one("#progress-result"))
    events = dossiers.get_detail(store, code).events
    assert [(e.kind, e.actor) for e in events[1:]] == [
        ("transferred", "Người Dùng Canbo"), ("supplement_requested", "Người Dùng Canbo"),
        ("supplement_received", "Người Dùng Canbo"), ("transferred", "Người Dùng Canbo")]
    assert {p.name for p in (store.data_dir / "prints").glob("*.pdf")} == {f"{code}-mau02.pdf", f"{code}-mau06.pdf"}


async def test_supervisor_extends_and_gets_the_apology_letter(store):
    # issue 17: Mẫu 04 at the latest the working day before the due date: a 3-day procedure (due Fri 27/11)
    code = receive(store, actor_for(store, "canbo"), procedure="1.004873")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(app, pilot, "giamsat")
        await find(app, pilot, code)
        await choose(app, pilot, "extended")
        await pilot.press(*"2", "enter", *"Cần xác minh", "enter", "enter")  # the agency: left to the holder
        await settle(app, pilot)
        result = visible(app.screen.query_one("#progress-result"))
        assert "đã in mẫu 04" in result
        # due Fri 27/11 17:00 + 2 working days: Mon 30/11, Tue 1/12
        assert "01/12/2026 17:00 (hẹn ban đầu 27/11/2026 17:00)" in visible(app.screen.query_one("#summary"))
    assert (store.data_dir / "prints" / f"{code}-mau04.pdf").exists()


async def test_bad_scans_and_a_name_search(store):
    code = receive(store, actor_for(store, "canbo"), "Đặng Văn An")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(app, pilot, "buudien")
        await find(app, pilot, "http://127.0.0.1:8780/t/ABC")
        assert "không đúng dạng" in visible(app.screen.query_one("#find-msg"))
        await find(app, pilot, "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021")
        assert "CCCD" in visible(app.screen.query_one("#find-msg"))
        await find(app, pilot, "H56.111-261123-1001")
        assert "là của cơ quan H56.111" in visible(app.screen.query_one("#find-msg"))
        await find(app, pilot, "dang van an")  # a name: pick from the matches
        matches = app.screen.query_one("#matches", OptionList)
        assert matches.display and matches.option_count == 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert code in visible(app.screen.query_one("#summary"))
        actions = app.screen.query_one("#actions", OptionList)
        kinds = [actions.get_option_at_index(i).id for i in range(actions.option_count)]
        assert "resolved" not in kinds and "stopped" not in kinds  # postal staff do not decide
        assert "ghi nhận có kết quả" in " ".join(visible(app.screen.query_one("#refused")).split())  # may wrap


async def test_stopping_asks_once_more_and_prints_form_05(store):
    from counter.screens.modals import Confirm

    code = receive(store, actor_for(store, "canbo"))
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(app, pilot)
        await find(app, pilot, code)
        await choose(app, pilot, "stopped")
        await pilot.press(*"Giấy tờ giả", "enter")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # no: nothing recorded
        await settle(app, pilot)
        assert dossiers.get_detail(store, code).status_label == "Được tiếp nhận"
        await choose(app, pilot, "stopped")
        await pilot.press(*"Giấy tờ giả", "enter", "y")
        await settle(app, pilot)
        assert "đã in mẫu 05" in visible(app.screen.query_one("#progress-result"))
    assert dossiers.get_detail(store, code).closed_reason == "Giấy tờ giả"


async def test_supervisor_asks_again_with_a_reason_and_f6_counts_the_late_requests(store):
    """Issue 17: a second Mẫu 02 only with a supervisor's override and its reason, from F4; the processing agency's
    requests past 3 working days are counted on F6's Chỉ số tab."""
    from datetime import datetime

    from textual.widgets import TabbedContent

    from counter.domain.calendar import VN_TZ
    from counter.services import progress

    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, procedure="1.004222")
    progress.record_event(store, clerk, code, "transferred", {"to": "Công an xã"})  # Mon 23/11 09:00
    store.clock.at = datetime(2026, 11, 30, 8, tzinfo=VN_TZ)  # the 4th working day (24/11 is off): late
    progress.record_event(store, clerk, code, "supplement_requested", {"papers": "CT01", "reason": "Thiếu"})
    progress.record_event(store, clerk, code, "supplement_received")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(app, pilot, "giamsat")
        await find(app, pilot, code)
        actions = app.screen.query_one("#actions", OptionList)
        prompts = [str(actions.get_option_at_index(i).prompt) for i in range(actions.option_count)]
        assert any("lần thứ hai" in p for p in prompts), prompts
        await choose(app, pilot, "supplement_requested")
        assert app.screen.query("#f-override_reason")
        await pilot.press(*"CT01", "enter", *"Lại thiếu", "enter", "enter")  # the override's reason is required
        await pilot.pause()
        assert "Chưa nhập: Lý do yêu cầu bổ sung lần nữa" in visible(app.screen.query_one("#event-error"))
        app.screen.query_one("#f-override_reason", Input).focus()
        await pilot.press(*"Công an yêu cầu bản gốc", "enter")
        await settle(app, pilot)
        assert "đã in mẫu 02" in visible(app.screen.query_one("#progress-result"))
        await pilot.press("f6")
        await settle(app, pilot)
        app.screen.query_one("#queue-tabs", TabbedContent).active = "tab-score"
        await settle(app, pilot)
        score = app.screen.query_one("#score-table", DataTable)
        rows = {str(score.get_row_at(i)[0]): [str(c) for c in score.get_row_at(i)] for i in range(score.row_count)}
        assert rows["Đ19.4"][1].startswith("Yêu cầu bổ sung quá 3 ngày") and rows["Đ19.4"][2] == "2/2"
        assert "yêu cầu bổ sung muộn 2/2" in visible(app.screen.query_one("#score-summary"))
    events = [e for e in dossiers.get_detail(store, code).events if e.kind == "supplement_requested"]
    assert len(events) == 2 and events[-1].actor == "Người Dùng Giamsat"
