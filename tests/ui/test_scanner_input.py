"""Keyboard-mode QR scanners type fast and end with Tab or Enter: the suffix acts on the whole scan in every QR
field, and a new scan replaces what the field holds (never appended to it)."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from counter.app import build_app
from counter.screens.progress import ProgressScreen
from counter.screens.receive import ReceiveScreen
from tests.conftest import actor_for, make_store, receive
from tests.helpers.pilot import QR, login, settle, visible
from tests.ui.fast import type_fast

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "data")


async def open_screen(app, pilot, key: str, cls):  # type: ignore[no-untyped-def]
    await login(app, pilot)
    await pilot.press(key)
    await settle(app, pilot)
    assert isinstance(app.screen, cls)
    return app.screen


@pytest.mark.parametrize("suffix", ["\t", "\r"])
async def test_a_cccd_scan_ending_in_tab_or_enter_fills_the_form(store, suffix):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(app, pilot, "f2", ReceiveScreen)
        screen.query_one("#qr", Input).focus()
        await pilot.pause()
        type_fast(app, QR + suffix)
        await settle(app, pilot)
        assert screen.query_one("#owner_name", Input).value == "Nguyễn Văn An"
        assert screen.query_one("#owner_id_number", Input).value == "001090123456"


async def test_a_second_cccd_scan_replaces_the_first(store):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(app, pilot, "f2", ReceiveScreen)
        qr = screen.query_one("#qr", Input)
        qr.focus()
        await pilot.pause()
        type_fast(app, QR[:30] + "\r")  # a scan cut short: refused, and left in the field
        await settle(app, pilot)
        assert "7 trường" in visible(screen.query_one("#qr-msg", Static)) and qr.value == QR[:30]
        assert app.focused is qr
        type_fast(app, QR + "\t")  # the next scan replaces it
        await settle(app, pilot)
        assert screen.query_one("#owner_name", Input).value == "Nguyễn Văn An"


async def test_f4_a_second_scan_replaces_a_code_that_was_not_found(store):
    code = receive(store, actor_for(store, "canbo"), "Lê Văn Cường")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(app, pilot, "f4", ProgressScreen)
        find = screen.query_one("#find", Input)
        wrong = code[:-4] + "9999"
        type_fast(app, wrong + "\r")
        await settle(app, pilot)
        assert screen.code != code and find.value == wrong and app.focused is find
        type_fast(app, code + "\t")
        await settle(app, pilot)
        assert screen.view is not None and screen.view.code == code


async def test_typing_after_editing_keys_still_edits(store):
    """Only a finished scan is replaced: a clerk who moves the cursor and types corrects what is there."""
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(app, pilot, "f4", ProgressScreen)
        find = screen.query_one("#find", Input)
        await pilot.press(*"H55", "enter")
        await settle(app, pilot)
        find.focus()
        await pilot.press("end", "backspace", *"55.242")
        assert find.value == "H555.242"
