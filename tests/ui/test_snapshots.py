"""Snapshots of every screen at 80×24 and 120×40 (pytest-textual-snapshot, SVGs in __snapshots__/).

The app comes from the same factory as `counter run` (build_app) on a store with a fixed clock, so the status
bar's clock, the dossier codes and the due dates are the same on every run; cursors do not blink and no toast is
on screen. After a screen changes on purpose: `pytest tests/ui/test_snapshots.py --snapshot-update`, then look at
the new SVGs (pytest writes an HTML report of the differences when a snapshot fails)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.widgets import Input

from counter.app import CounterApp, build_app
from counter.services.store import Store
from tests.conftest import actor_for, make_store, receive
from tests.helpers.pilot import login, settle

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
OWNERS = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hữu Phúc", "Phạm Thị Hồng Nhung", "Hoàng Văn Minh"]


@pytest.fixture(scope="module")
def snap_store(tmp_path_factory) -> Store:
    store = make_store(tmp_path_factory.mktemp("snap"))
    clerk = actor_for(store, "canbo")
    for i, name in enumerate(OWNERS):
        receive(store, clerk, name, procedure="1.004194" if i % 2 else "1.001193", phone=f"091234567{i}")
    yield store
    store.close()


def codes(store: Store) -> list[str]:
    from counter.services.dossiers import search

    return [d.code for d in search(store, "", page=0, page_size=20).items]


async def still(app: CounterApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let the workers finish, then stop what moves: blinking cursors and toasts."""
    for _ in range(200):  # the store opens in a worker: the status line names the office once it has
        if app.office is not None:
            break
        await pilot.pause(0.02)
    await settle(app, pilot)
    for node in app.screen.query(Input):
        node.cursor_blink = False
    app.clear_notifications()
    await pilot.pause()


def steps(store: Store) -> dict[str, tuple[str, Callable[..., Awaitable[None]]]]:
    """Screen name -> (who logs in, what to do after the login)."""

    async def nothing(app, pilot):  # type: ignore[no-untyped-def]
        pass

    def press(*pressed: str) -> Callable[..., Awaitable[None]]:
        async def run(app, pilot):  # type: ignore[no-untyped-def]
            for key in pressed:
                await pilot.press(key)
                await settle(app, pilot)
        return run

    async def dossier(app, pilot):  # type: ignore[no-untyped-def]
        from counter.screens.dossier import DossierScreen

        app.push_screen(DossierScreen(codes(store)[-1]))
        await settle(app, pilot)

    async def progress(app, pilot):  # type: ignore[no-untyped-def]
        await pilot.press("f4")
        await settle(app, pilot)
        app.screen.query_one(Input).value = codes(store)[-1]
        await pilot.press("enter")
        await settle(app, pilot)

    async def conflicts(app, pilot):  # type: ignore[no-untyped-def]
        app.action_conflicts()
        await settle(app, pilot)

    async def palette(app, pilot):  # type: ignore[no-untyped-def]
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        await pilot.pause(0.2)

    return {
        "search": ("canbo", nothing),
        "dossier": ("canbo", dossier),
        "receive": ("canbo", press("f2")),
        "scan": ("canbo", press("f3")),
        "progress": ("canbo", progress),
        "return": ("canbo", press("f5")),
        "queue": ("giamsat", press("f6")),
        "mywork": ("canbo", press("f6")),
        "help": ("canbo", press("f1")),
        "conflicts": ("canbo", conflicts),
        "palette": ("canbo", palette),
    }


SCREENS = ["login", "search", "dossier", "receive", "scan", "progress", "return", "queue", "mywork", "help",
           "conflicts", "palette"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_snapshot(snap_compare, snap_store, screen, size):
    app = build_app(store=snap_store)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        if screen != "login":
            user, then = steps(snap_store)[screen]
            await login(app, pilot, user, "matkhau123")
            await then(app, pilot)
        await still(app, pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
