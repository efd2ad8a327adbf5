"""Pilot tests of F2 Tiếp nhận: the whole flow with a CCCD scan, refusal (Mẫu 03), Mẫu 02, bad input, Esc."""

from __future__ import annotations

import subprocess

import pytest
from textual.widgets import Input, SelectionList, Static

from counter.app import build_app
from counter.screens.modals import AskText, Confirm
from counter.screens.receive import ReceiveScreen
from counter.screens.search import SearchScreen
from counter.services import dossiers
from tests.conftest import make_store
from tests.helpers.pilot import QR, login, open_receive, pick_procedure, settle


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "data")


pick = pick_procedure


async def test_a_routine_birth_registration_in_about_a_dozen_keys(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_receive(app, pilot)  # 1 key: F2
        await pick(app, pilot, "1193")  # 5 keys
        assert app.screen.procedure.code == "1.001193"
        assert "Hẹn trả" in str(app.screen.query_one("#due", Static).render())
        app.screen.query_one("#qr", Input).value = QR  # the scanner types the QR…
        await pilot.press("enter")  # …and its Enter
        await settle(app, pilot)
        assert app.screen.query_one("#owner_name", Input).value == "Nguyễn Văn An"
        assert app.screen.query_one("#owner_birth_date", Input).value == "01/01/1990"
        assert isinstance(app.focused, SelectionList)
        await pilot.press("space", "down", "space")  # 3 keys: tick the two required papers
        await pilot.press("ctrl+s")  # 1 key
        await settle(app, pilot)
        result = str(app.screen.query_one("#result", Static).render())
        assert "đã in mẫu 01" in result, result
        code = result.split()[2].rstrip(":")
    detail = dossiers.get_detail(store, code)
    assert detail.owner_name == "Nguyễn Văn An" and detail.owner_id_number == "001090123456"
    assert [e.kind for e in detail.events] == ["received"] and len(detail.documents) == 2
    pdf = store.data_dir / "prints" / f"{code}-mau01.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Nguyễn Văn An" in text and code in text


async def test_bad_input_shows_inline_messages_and_saves_nothing(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_receive(app, pilot)
        await pick(app, pilot, "khai sinh")
        screen = app.screen
        screen.query_one("#owner_name", Input).value = "Nguyễn [Văn] An"
        screen.query_one("#owner_id_number", Input).value = "12345"
        screen.query_one("#owner_phone", Input).value = "không có"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "ký tự không hợp lệ" in str(screen.query_one("#err-owner_name", Static).render())
        assert "12 chữ số" in str(screen.query_one("#err-owner_id_number", Static).render())
        assert "Số điện thoại" in str(screen.query_one("#err-owner_phone", Static).render())
        assert "Thiếu giấy tờ bắt buộc" in str(screen.query_one("#err-papers", Static).render())
    assert dossiers.search(store, "").items == []


async def test_a_scan_that_lost_its_diacritics_warns_the_clerk(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_receive(app, pilot)
        await pick(app, pilot, "1193")
        app.screen.query_one("#qr", Input).value = QR.replace("Nguyễn Văn An", "Nguyen Van An")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "mất dấu" in str(app.screen.query_one("#qr-msg", Static).render())
        app.screen.query_one("#qr", Input).focus()
        app.screen.query_one("#qr", Input).value = "rác|không phải CCCD"
        await pilot.press("enter")
        await pilot.pause()
        assert "7 trường" in str(app.screen.query_one("#qr-msg", Static).render())


async def test_refusal_with_form_03_and_supplement_list_with_form_02(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_receive(app, pilot)
        await pick(app, pilot, "1193")
        app.screen.query_one("#owner_name", Input).value = "Trần Thị Bích"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, AskText)
        await pilot.press("enter")  # empty reason is refused
        assert "Không được để trống" in str(app.screen.query_one("#modal-error", Static).render())
        await pilot.press(*"Sai thẩm quyền", "enter")
        await settle(app, pilot)
        assert "mẫu 03" in str(app.screen.query_one("#result", Static).render())
        await pick(app, pilot, "1193")
        app.screen.query_one("#owner_name", Input).value = "Lê Văn Cường"
        await pilot.press("ctrl+y")
        await pilot.pause()
        await pilot.press("enter")  # the suggested reason
        await settle(app, pilot)
        assert "mẫu 02" in str(app.screen.query_one("#result", Static).render())
    found = dossiers.search(store, "").items
    assert sorted(d.status for d in found) == [3, 3]
    assert len(list((store.data_dir / "prints").glob("*-mau0[23].pdf"))) == 2


async def test_escape_asks_before_dropping_a_filled_form(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_receive(app, pilot)
        app.screen.query_one("#owner_name", Input).focus()
        app.screen.query_one("#owner_name", Input).value = "Nguyễn Văn An"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("escape")  # no: keep the form
        await pilot.pause()
        assert isinstance(app.screen, ReceiveScreen)
        assert app.screen.query_one("#owner_name", Input).value == "Nguyễn Văn An"
        await pilot.press("escape")
        await pilot.press("enter")  # yes: drop it
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)


async def test_admin_cannot_open_receive(store):
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(app, pilot, "quantri")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)


async def test_a_serial_mode_qr_reader_fills_the_form_with_every_mark(store):
    import os
    import asyncio

    master, slave = os.openpty()
    (store.data_dir / "config.toml").write_text(f'[scanner]\nqr_serial_port = "{os.ttyname(slave)}"\n',
                                                encoding="utf-8")
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_receive(app, pilot)
        await pick(app, pilot, "1193")
        await asyncio.sleep(0.3)
        os.write(master, QR.replace("Nguyễn Văn An", "Đặng Thị Ngọc Ánh").encode("utf-8") + b"\r\n")
        for _ in range(30):
            await asyncio.sleep(0.1)
            await pilot.pause()
            if app.screen.query_one("#owner_name", Input).value:
                break
        assert app.screen.query_one("#owner_name", Input).value == "Đặng Thị Ngọc Ánh"
        assert app.screen.query_one("#owner_id_number", Input).value == "001090123456"
    os.close(master)
    os.close(slave)


async def test_postal_staff_guidance_prints_mau_02_without_a_dossier(store):
    """Issue 17: postal staff may guide, not decide: Ctrl+Y prints Mẫu 02 guidance and takes no dossier code."""
    app = build_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(app, pilot, "buudien")
        await pilot.press("f2")
        await settle(app, pilot)
        await pick(app, pilot, "1193")
        app.screen.query_one("#owner_name", Input).value = "Lê Văn Cường"
        await pilot.press("ctrl+y")
        await pilot.pause()
        await pilot.press("enter")  # the suggested reason
        await settle(app, pilot)
        assert "không cấp mã hồ sơ" in str(app.screen.query_one("#result", Static).render())
    assert dossiers.search(store, "").items == []
    assert len(list((store.data_dir / "prints").glob("huong-dan-*-mau02.pdf"))) == 1
