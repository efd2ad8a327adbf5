"""Driving the app in Textual pilot tests: log in, let the workers finish, read what the screen shows."""

from __future__ import annotations

from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable, Input, OptionList
from textual.widgets._footer import FooterKey

from counter.app import CounterApp
from counter.screens.progress import EventForm
from counter.screens.receive import ReceiveScreen
from counter.screens.scan import ScanScreen
from tests.conftest import PASSWORD

SIZE = (120, 40)
BACKGROUND_GROUPS = {"qr-serial", "sync"}  # workers that run until their screen or the app closes
QR = "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2, xã Phục Linh, tỉnh Thái Nguyên|15042021"


async def settle(app: CounterApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let the service calls finish and their results reach the screen (no sleeps)."""
    for _ in range(5):
        busy = [w for w in app.workers if w.group not in BACKGROUND_GROUPS]
        if busy:  # (an empty list would mean "wait for every worker")
            await app.workers.wait_for_complete(busy)
        await pilot.pause()


async def login(app: CounterApp, pilot, username: str = "canbo", password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    await settle(app, pilot)
    app.screen.query_one("#username", Input).value = username
    app.screen.query_one("#password", Input).value = password
    app.screen.query_one("#password", Input).focus()
    await pilot.press("enter")
    await settle(app, pilot)


async def search(app: CounterApp, pilot, text: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    app.screen.query_one("#query", Input).value = text
    await pilot.pause(0.3)  # the debounce
    await settle(app, pilot)
    return rows(app)


def rows(app: CounterApp) -> list[tuple[str, str]]:
    table = app.screen.query_one("#results", DataTable)
    return [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1])) for i in range(table.row_count)]


def visible(widget: Widget) -> str:
    """What the widget draws on the terminal, line by line (markup already applied, if any was)."""
    if widget.children:  # a container: what its children draw
        return "\n".join(visible(child) for child in widget.children)
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(line.text.rstrip() for line in lines)


def footer_keys(app: CounterApp) -> set[str]:
    return {k.key for k in app.screen.query(FooterKey)}


async def open_receive(app, pilot):  # type: ignore[no-untyped-def]
    """Log in as the clerk and open F2 Tiếp nhận."""
    await login(app, pilot)
    await pilot.press("f2")
    await settle(app, pilot)
    assert isinstance(app.screen, ReceiveScreen)


async def pick_procedure(app, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """F2: type part of a procedure's code or name, let the list come, Enter."""
    await pilot.press(*text)
    await pilot.pause(0.2)
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)


async def open_screen(app, pilot, key: str, screen_type: type, username: str = "canbo"):  # type: ignore[no-untyped-def]
    """Log in and open the work screen on `key` (e.g. "f3", "f9"); the screen."""
    await login(app, pilot, username)
    await pilot.press(key)
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, screen_type)
    return screen


async def open_on_code(app, pilot, key: str, screen_type: type, code_input: str, code: str,  # type: ignore[no-untyped-def]
                       username: str = "canbo"):
    """open_screen, then look a dossier up by typing its code into `code_input` and Enter; the screen."""
    screen = await open_screen(app, pilot, key, screen_type, username)
    screen.query_one(code_input, Input).value = code
    screen.query_one(code_input, Input).focus()
    await pilot.press("enter")
    await settle(app, pilot)
    return screen


async def open_scan(app, pilot, code: str) -> ScanScreen:  # type: ignore[no-untyped-def]
    """Log in as the clerk and open F3 Số hóa on the dossier `code`."""
    return await open_on_code(app, pilot, "f3", ScanScreen, "#scan-code", code)


async def find(app, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """F4 Xử lý: look a dossier up by code, QR or name."""
    box = app.screen.query_one("#find", Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await settle(app, pilot)


async def choose(app, pilot, kind: str) -> None:  # type: ignore[no-untyped-def]
    """F4 Xử lý: pick the action `kind` and open its form."""
    actions = app.screen.query_one("#actions", OptionList)
    ids = [actions.get_option_at_index(i).id for i in range(actions.option_count)]
    actions.focus()
    actions.highlighted = ids.index(kind)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, EventForm)
