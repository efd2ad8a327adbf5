"""The Textual application: login, then the main frame (search for now; F2–F6 arrive with their issues)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding

from counter.domain.clock import Clock, SystemClock
from counter.screens.base import error_text
from counter.screens.help import HelpScreen
from counter.screens.login import LoginScreen

if TYPE_CHECKING:
    from counter.services.office import OfficeInfo
    from counter.services.store import Actor, Store


class CounterApp(App):
    TITLE = "Một cửa — counter"
    CSS_PATH = "styles/app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", "Trợ giúp", id="help"),
        Binding("f2", "receive", "Tiếp nhận", id="receive"),
        Binding("f7", "search", "Tra cứu", id="search"),
        Binding("ctrl+l", "lock", "Khóa máy", id="lock"),
        Binding("ctrl+q", "quit", "Thoát", id="quit", priority=True),
    ]

    def __init__(self, data_dir: Path | None = None, store: "Store | None" = None):
        super().__init__()
        self.data_dir = data_dir
        self.store: Store | None = store
        self.store_error: str | None = None
        self.actor: Actor | None = None
        self.office: OfficeInfo | None = None
        self.clock: Clock = store.clock if store is not None else SystemClock()
        self.store_opened = threading.Event()  # set once the store is open (or failed to open)

    def on_mount(self) -> None:
        self.push_screen(LoginScreen())
        self.run_worker(self._open_store, thread=True, exit_on_error=False, group="store")

    def _open_store(self) -> None:
        """Open (and migrate) the store off the UI thread, so the login screen shows at once."""
        from counter.services import office
        from counter.services.store import Store

        try:
            store = self.store or Store.open(self.data_dir or Path("."))
            info = office.office_info(store)
        except Exception as exc:
            self.store_error = error_text(exc)
            self.store_opened.set()
            self.call_from_thread(self._store_failed, self.store_error)
            return
        self.store = store
        self.store_opened.set()
        self.call_from_thread(self._store_ready, store, info)

    def _store_ready(self, store: "Store", info: "OfficeInfo") -> None:
        self.store, self.office, self.clock = store, info, store.clock
        if isinstance(self.screen, LoginScreen):
            self.screen.store_ready(info)

    def _store_failed(self, message: str) -> None:
        if isinstance(self.screen, LoginScreen):
            self.screen.store_failed(message)

    def sync_label(self) -> str:
        return "Chưa kết nối máy chủ"

    def logged_in(self, actor: "Actor") -> None:
        from counter.screens.search import SearchScreen

        self.actor = actor
        self.switch_screen(SearchScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_search(self) -> None:
        from counter.screens.search import SearchScreen

        if self.actor is None:
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if isinstance(self.screen, SearchScreen):
            self.screen.query_one("#query").focus()
        else:
            self.switch_screen(SearchScreen())  # it focuses its query box on mount

    def action_receive(self) -> None:
        from counter.domain.permissions import Action, can
        from counter.screens.receive import ReceiveScreen

        if self.actor is None:
            return
        if not can(self.actor.role, Action.RECEIVE):
            self.notify("Tài khoản này không được tiếp nhận hồ sơ", severity="warning")
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, ReceiveScreen):
            self.switch_screen(ReceiveScreen())

    def action_lock(self) -> None:
        if self.actor is None:
            return
        self.actor = None
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(LoginScreen())  # it shows the office on mount


def build_app(store: "Store | None" = None, data_dir: Path | None = None) -> CounterApp:
    """The one factory: `counter run` and the tests build the app here."""
    return CounterApp(data_dir=data_dir, store=store)
