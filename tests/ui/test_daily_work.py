"""Pilot tests of issue 12's daily frictions: reprint any form (F7 → dossier, F4), "Việc của tôi", lateness in
working days on search rows, no fee steps on free procedures, hand-off forms that say which way the file goes."""

from __future__ import annotations

import subprocess
from datetime import datetime

import pytest
from textual.widgets import DataTable, OptionList

from counter.app import build_app
from counter.domain.calendar import VN_TZ
from counter.screens.dossier import DossierScreen
from counter.screens.mywork import MyWorkScreen
from counter.screens.progress import EventForm, ProgressScreen
from counter.screens.queue import QueueScreen
from counter.screens.reprint import FormChooser
from counter.screens.search import SearchScreen
from counter.services import dossiers, progress
from tests.conftest import actor_for, make_store, receive
from tests.helpers.pilot import (
    choose,
    find,
    footer_keys,
    login,
    search,
    settle,
    visible,
)
from tests.reports_store import build

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path):
    s = make_store(tmp_path / "data")
    yield s
    s.close()


def options(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    ol = app.screen.query_one(OptionList)
    return [(str(ol.get_option_at_index(i).id), str(ol.get_option_at_index(i).prompt)) for i in range(ol.option_count)]


def pdf_text(path) -> str:  # type: ignore[no-untyped-def]
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


async def pick_form(app, pilot, form: str) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(app.screen, FormChooser)
    forms = [f for f, _ in options(app)]
    app.screen.query_one(OptionList).highlighted = forms.index(form)
    await pilot.press("enter")
    await settle(app, pilot)


async def open_from_search(app, pilot, code: str) -> None:  # type: ignore[no-untyped-def]
    await search(app, pilot, code)
    await pilot.press("down", "enter")
    await settle(app, pilot)
    assert isinstance(app.screen, DossierScreen) and app.screen.code == code


async def test_dossier_screen_reprints_the_forms_its_events_have(store):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    progress.record_event(store, clerk, code, "transferred", {"to": "Tư pháp", "person": "Lê Văn Tư"})
    progress.record_event(store, clerk, code, "supplement_requested",
                          {"papers": "Giấy chứng sinh", "reason": "Thiếu bản chính"})
    prints = store.data_dir / "prints"
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await open_from_search(app, pilot, code)
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, FormChooser)
        # received, handed off, supplement asked: 01, 02, 06; never 04 (not extended) nor BG (not returned)
        assert [f for f, _ in options(app)] == ["01", "02", "06"]
        assert "hẹn trả ban đầu" not in visible(app.screen)  # not extended: one appointment only
        await pick_form(app, pilot, "02")
        assert isinstance(app.screen, DossierScreen)
        assert f"Hồ sơ {code}: đã in mẫu 02" in visible(app.screen.query_one("#dossier-print"))
        await pilot.press("ctrl+r")  # the same chooser
        await settle(app, pilot)
        await pick_form(app, pilot, "06")
        assert "đã in mẫu 06" in visible(app.screen.query_one("#dossier-print"))
        await pilot.press("i")
        await settle(app, pilot)
        await pilot.press("escape")  # Esc closes the chooser and prints nothing
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen)
    assert {p.name for p in prints.glob("*.pdf")} == {f"{code}-mau02.pdf", f"{code}-mau06.pdf"}
    two, six = pdf_text(prints / f"{code}-mau02.pdf"), pdf_text(prints / f"{code}-mau06.pdf")
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in two and "Giấy chứng sinh" in two and "Thiếu bản chính" in two
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in six and "Tư pháp" in six


async def test_an_extended_dossier_offers_the_original_and_the_new_appointment_and_f4_reprints(store):
    code = receive(store, actor_for(store, "canbo"), procedure="1.004873")  # Mẫu 04 the day before the due date
    progress.record_event(store, actor_for(store, "giamsat"), code, "extended", {"days": "2", "reason": "Cần xác minh"})
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot, "giamsat")
        await pilot.press("f4")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen)
        await find(app, pilot, code)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        labels = dict(options(app))
        assert list(labels) == ["01", "04", "06"]
        assert labels["01"].startswith("Mẫu 01 (hẹn trả ban đầu)")
        assert labels["04"].startswith("Mẫu 04 (hẹn trả mới)")
        await pick_form(app, pilot, "01")
        assert isinstance(app.screen, ProgressScreen)
        assert "đã in mẫu 01" in visible(app.screen.query_one("#progress-result"))
        await pilot.press("ctrl+r")  # what was just printed comes highlighted
        await settle(app, pilot)
        ol = app.screen.query_one(OptionList)
        assert ol.get_option_at_index(ol.highlighted or 0).id == "01"
        await pick_form(app, pilot, "04")
    assert (store.data_dir / "prints" / f"{code}-mau01.pdf").exists()
    assert "VĂN BẢN XIN LỖI" in pdf_text(store.data_dir / "prints" / f"{code}-mau04.pdf")


async def test_search_rows_say_how_many_working_days_late_in_words(store):
    # received Fri 13/11 10:00 for 3 working days: due Wed 18/11 17:00; now Mon 23/11 09:00 -> 19, 20, 23: 3 late
    code = receive(store, actor_for(store, "canbo"), "Lê Văn Trễ", procedure="1.004873",
                   at=datetime(2026, 11, 13, 10, 0, tzinfo=VN_TZ))
    on_time = receive(store, actor_for(store, "canbo"), "Lê Văn Đúng", procedure="1.004873")
    assert dossiers.get_detail(store, code).due_at == datetime(2026, 11, 18, 17, 0, tzinfo=VN_TZ)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        await search(app, pilot, "le van")
        table = app.screen.query_one("#results", DataTable)
        by_code = {str(table.full_row(i)["Mã hồ sơ"]): table.full_row(i) for i in range(table.row_count)}
        late = by_code[code]["Tiến độ"]  # next to the status
        assert str(late) == "quá hạn 3 ngày làm việc"  # a word, not only a colour
        assert "red" in str(late.style)
        assert str(by_code[on_time]["Tiến độ"]) == ""
        assert "quá hạn 3 ngày làm việc" in visible(table)


async def test_f4_offers_no_fee_step_on_a_free_procedure(store):
    clerk = actor_for(store, "canbo")
    free = receive(store, clerk)  # 1.001193 Đăng ký khai sinh: no fee
    paid = receive(store, clerk, procedure="1.004222")  # Đăng ký thường trú: 20.000 đ
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f4")
        await settle(app, pilot)
        await find(app, pilot, free)
        kinds = [k for k, _ in options_of(app, "#actions")]
        assert "fee_requested" not in kinds and "fee_paid" not in kinds
        assert "phí" not in visible(app.screen.query_one("#actions")) + visible(app.screen.query_one("#refused"))
        await find(app, pilot, paid)
        kinds = [k for k, _ in options_of(app, "#actions")]
        assert "fee_requested" in kinds and "fee_paid" in kinds


def options_of(app, selector: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    ol = app.screen.query_one(selector, OptionList)
    return [(str(ol.get_option_at_index(i).id), str(ol.get_option_at_index(i).prompt)) for i in range(ol.option_count)]


async def test_taking_the_file_back_says_from_whom(store):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk)
    progress.record_event(store, clerk, code, "transferred", {"to": "Tư pháp"})
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f4")
        await settle(app, pilot)
        await find(app, pilot, code)
        await choose(app, pilot, "transferred")
        assert isinstance(app.screen, EventForm)
        text = visible(app.screen)
        assert f"NHẬN LẠI HỒ SƠ TỪ TƯ PHÁP — {code}" in text
        explain = str(app.screen.query_one("#event-explain").render())
        assert "Ghi nhận Tư pháp trả hồ sơ về Bộ phận một cửa" in explain
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen)
        assert f"Đã ghi “nhận lại hồ sơ từ Tư pháp” cho hồ sơ {code}" in visible(app.screen.query_one("#progress-result"))
    assert dossiers.get_detail(store, code).events[-1].details == "Nhận lại từ: Tư pháp"


async def test_my_work_as_a_clerk_shows_only_mine_and_opens_a_dossier(tmp_path):
    r = build(tmp_path / "data")
    app = build_app(r.store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot, "canbo2")  # Lê Văn Minh: C (5 working days late) is his; nothing else is
        assert "f6" in footer_keys(app)
        await pilot.press("f6")
        await settle(app, pilot)
        assert isinstance(app.screen, MyWorkScreen)
        assert [p for _, p in options_of(app, "#my-buckets")] == [
            "1 Tôi nhận hôm nay (0)", "2 Đến hạn hôm nay (0)", "3 Quá hạn (1)", "4 Chờ công dân (0)",
            "5 Chờ trả kết quả (0)"]
        await pilot.press("3")
        await settle(app, pilot)
        table = app.screen.query_one("#my-table", DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [r.codes["C"]]
        assert str(table.full_row(0)["Tiến độ"]) == "quá hạn 5 ngày làm việc"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen) and app.screen.code == r.codes["C"]
        await pilot.press("escape")
        assert isinstance(app.screen, MyWorkScreen)
        await pilot.press("ctrl+l")  # the other clerk: D received today, D and F due today, G waiting, H ready
        await settle(app, pilot)
        await login(app, pilot, "canbo")
        await pilot.press("f6")
        await settle(app, pilot)
        table = app.screen.query_one("#my-table", DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [r.codes["D"]]
        await pilot.press("2")
        await settle(app, pilot)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [r.codes["D"], r.codes["F"]]
        await pilot.press("5")
        await settle(app, pilot)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [r.codes["H"]]
    r.store.close()


async def test_f6_is_my_work_for_postal_staff_and_the_queue_for_supervisors(store):
    receive(store, actor_for(store, "buudien"), "Bùi Thị Bưu")
    receive(store, actor_for(store, "canbo"), "Cao Văn Cán")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot, "buudien")
        await pilot.press("f6")
        await settle(app, pilot)
        assert isinstance(app.screen, MyWorkScreen)
        shown = visible(app.screen.query_one("#my-table"))
        assert "Bùi Thị Bưu" in shown and "Cao Văn Cán" not in shown
        assert "Việc của tôi" in visible(app.screen.query_one("Footer"))
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        await login(app, pilot, "giamsat")
        await pilot.press("f6")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
