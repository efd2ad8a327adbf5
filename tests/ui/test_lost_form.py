"""A half-filled form is never lost by one key: Ctrl+Q, Ctrl+L and F2–F7 ask first (Esc on the question keeps
it), and the idle lock keeps it for the same user (another user gets a fresh screen and never sees it)."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Input

from counter.app import build_app
from counter.screens.login import LoginScreen
from counter.screens.modals import DiscardForm
from counter.screens.progress import EventForm, ProgressScreen
from counter.screens.receive import ReceiveScreen
from counter.screens.search import SearchScreen
from tests.conftest import make_store
from tests.helpers.pilot import footer_keys, login, settle, visible

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "data")


async def filled_receive(app, pilot, username: str = "canbo") -> ReceiveScreen:  # type: ignore[no-untyped-def]
    await login(app, pilot, username)
    await pilot.press("f2")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ReceiveScreen)
    await pilot.press(*"1193", "enter")
    await settle(app, pilot)
    assert screen.procedure is not None
    screen.query_one("#owner_name", Input).value = "Nguyễn Văn An"
    screen.query_one("#owner_phone", Input).value = "0912345678"
    return screen


@pytest.mark.parametrize("key", ["ctrl+q", "ctrl+l", "f3", "f7"])
async def test_a_key_that_would_lose_the_form_asks_first_and_esc_keeps_it(store, key):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await filled_receive(app, pilot)
        await pilot.press(key)
        await settle(app, pilot)
        assert isinstance(app.screen, DiscardForm), app.screen
        assert "Hồ sơ đang nhập dở chưa lưu sẽ mất" in visible(app.screen.query_one(".modal-box"))
        await pilot.press("escape")  # no: keep the form
        await settle(app, pilot)
        assert app.screen is screen and app.is_running and app.actor is not None
        assert screen.query_one("#owner_name", Input).value == "Nguyễn Văn An"
        assert screen.procedure is not None and screen.procedure.code == "1.001193"
        await pilot.press(key)
        await settle(app, pilot)
        await pilot.press("enter")  # yes: go on, the form is dropped
        await settle(app, pilot)
        if key == "ctrl+q":
            assert not app.is_running
        elif key == "ctrl+l":
            assert isinstance(app.screen, LoginScreen) and app.actor is None
        else:
            assert not isinstance(app.screen, (ReceiveScreen, DiscardForm))


async def test_an_empty_form_does_not_ask(store):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        await pilot.press("f7")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)


async def test_a_typed_note_in_f4_asks_before_ctrl_q_loses_it(store):
    from tests.conftest import actor_for, receive

    code = receive(store, actor_for(store, "canbo"), "Lê Văn Cường")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        await pilot.press("f4")
        await settle(app, pilot)
        assert isinstance(app.screen, ProgressScreen)
        await pilot.press(*code, "enter")
        await settle(app, pilot)
        progress = app.screen
        actions = progress._actions  # type: ignore[attr-defined]
        app.push_screen(EventForm(code, actions["note_added"]))
        await settle(app, pilot)
        form = app.screen
        field = form.query(Input).first()
        field.value = "Công dân hẹn quay lại"
        await pilot.press("ctrl+q")  # (a modal keeps F2–F7 and Ctrl+L away; Ctrl+Q reaches it)
        await settle(app, pilot)
        assert isinstance(app.screen, DiscardForm)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is form and field.value == "Công dân hẹn quay lại" and app.is_running


async def wait_for_lock(app, pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(50):
        await asyncio.sleep(0.1)
        await pilot.pause()
        if isinstance(app.screen, LoginScreen):
            return
    raise AssertionError("the idle lock did not come")


async def test_a_short_idle_timeout_from_the_settings_locks_the_station(store):
    (store.data_dir / "config.toml").write_text("[app]\nidle_lock_minutes = 0.02\n", encoding="utf-8")  # 1.2 s
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await login(app, pilot)
        assert app.idle_lock_seconds == pytest.approx(1.2)
        await wait_for_lock(app, pilot)
        assert app.actor is None and "1.2 giây" in visible(app.screen.query_one("#login-error"))


async def idle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Nobody touches the station for the configured time (the clock of the last key is set back: a loaded
    machine may take seconds to fill the form, which must not count as idle)."""
    assert app.idle_lock_seconds == 60
    app._last_input -= app.idle_lock_seconds
    await wait_for_lock(app, pilot)


async def test_the_idle_lock_keeps_the_form_for_the_same_user(store):
    (store.data_dir / "config.toml").write_text("[app]\nidle_lock_minutes = 1\n", encoding="utf-8")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await filled_receive(app, pilot)
        await idle(app, pilot)
        assert app.actor is None and "f2" not in footer_keys(app)
        note = " ".join(visible(app.screen.query_one("#login-error")).split())
        assert "Máy tự khóa" in note and "được giữ" in note, note
        await login(app, pilot)
        assert app.screen is screen and app.actor is not None
        assert screen.query_one("#owner_name", Input).value == "Nguyễn Văn An"
        assert screen.query_one("#owner_phone", Input).value == "0912345678"
        assert screen.procedure is not None and screen.procedure.code == "1.001193"


async def test_after_the_idle_lock_another_user_gets_a_fresh_screen(store):
    (store.data_dir / "config.toml").write_text("[app]\nidle_lock_minutes = 1\n", encoding="utf-8")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await filled_receive(app, pilot)
        await idle(app, pilot)
        await login(app, pilot, "giamsat")
        assert isinstance(app.screen, SearchScreen) and app.actor is not None and app.actor.username == "giamsat"
        assert screen not in app.screen_stack and len(app.screen_stack) == 2
        await pilot.press("f2")
        await settle(app, pilot)
        fresh = app.screen
        assert isinstance(fresh, ReceiveScreen) and fresh is not screen
        assert fresh.procedure is None and fresh.query_one("#owner_name", Input).value == ""
        await pilot.press("f7")  # nothing to lose: no question
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
