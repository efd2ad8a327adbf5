"""The Textual application: login, then the work screens on function keys (see MODES_TABLE)."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from counter.domain.clock import Clock, SystemClock
from counter.domain.permissions import Action, Role, can
from counter.screens.base import error_text, form_dirty
from counter.screens.help import HelpScreen
from counter.screens.keys import binding
from counter.screens.login import LoginScreen
from counter.screens.modals import DiscardForm
from counter.widgets.palette import VietnameseCommands, VietnamesePalette, VietnameseThemes

if TYPE_CHECKING:
    from counter.compose import Services
    from counter.services.office import OfficeInfo
    from counter.services.store import Actor, Store
    from counter.services.sync import SyncStatus
    from counter.settings import Settings


@dataclass(frozen=True)
class Mode:
    """A work screen on a function key: what it is called, where it lives, who may open it."""

    key: str
    label: str
    screen: str  # "module:Class", imported when first opened (keeps start-up fast)
    action: Action


MODES_TABLE: dict[str, Mode] = {
    "receive": Mode("f2", "Tiếp nhận", "counter.screens.receive:ReceiveScreen", Action.RECEIVE),
    "scan": Mode("f3", "Số hóa", "counter.screens.scan:ScanScreen", Action.DIGITIZE),
    "progress": Mode("f4", "Xử lý", "counter.screens.progress:ProgressScreen", Action.SEARCH),
    "return": Mode("f5", "Trả kết quả", "counter.screens.giveback:ReturnScreen", Action.RETURN_RESULT),
    "queue": Mode("f6", "Hàng đợi", "counter.screens.queue:QueueScreen", Action.VIEW_QUEUE),
    # the same key for clerks and postal staff: a key's first binding the role may use wins (supervisors: the queue)
    "mywork": Mode("f6", "Việc của tôi", "counter.screens.mywork:MyWorkScreen", Action.VIEW_OWN_WORK),
    "search": Mode("f7", "Tra cứu", "counter.screens.search:SearchScreen", Action.SEARCH),
    "fees": Mode("f9", "Thu phí", "counter.screens.fees:FeesScreen", Action.COLLECT_FEE),  # issue 18
    "online": Mode("f8", "Trực tuyến", "counter.screens.online:OnlineScreen", Action.REQUEST_SUPPLEMENT),  # issue 15
}


def screen_class(mode: Mode) -> type[Screen]:
    module, _, name = mode.screen.partition(":")
    return getattr(importlib.import_module(module), name)


class CounterApp(App):
    TITLE = "Một cửa — counter"
    CSS_PATH = "styles/app.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {VietnameseCommands}
    # the screen gets class -narrow below 100 columns (an 80×24 terminal): app.tcss lays screens out tighter
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    # help, lock, quit and the palette are keys.toml's "app" scope (counter/screens/); F2–F9 come from MODES_TABLE
    BINDINGS = [
        binding("help"),
        *(Binding(m.key, f"open('{name}')", m.label, id=name) for name, m in MODES_TABLE.items()),
        # the same keys, when the role may not open that screen (the key is hidden): one line saying why
        *(Binding(m.key, f"refuse_open('{name}')", "", show=False, id=f"{name}.refused")
          for name, m in MODES_TABLE.items()),
        *(binding(binding_id) for binding_id in ("lock", "quit", "command-palette")),
    ]
    NEEDS_LOGIN = {"open", "lock"}  # hidden from the footer and refused until someone logs in

    def __init__(self, data_dir: Path | None = None, store: Store | None = None):
        super().__init__()
        self.data_dir = data_dir
        self.store: Store | None = store
        self.store_error: str | None = None
        self.actor: Actor | None = None
        self.office: OfficeInfo | None = None
        self.clock: Clock = store.clock if store is not None else SystemClock()
        self.store_opened = threading.Event()  # set once the store is open (or failed to open)
        self.services: Services | None = None  # built once, off the UI thread, when the store opens (compose.py)
        self._saved_theme: str | None = None  # the theme the config holds: changing it (Ctrl+P) saves the new one
        self.sync_status: SyncStatus | None = None  # set by the sync worker (issue 8)
        self._sync_stop = threading.Event()
        self.idle_lock_seconds = 0.0  # `idle_lock_minutes` of the settings, read when the store opens; 0 = never
        self._last_input = time.monotonic()
        self._idle_timer: object | None = None
        self._kept_for: int | None = None  # the idle lock kept this user's screens under the login screen

    def on_mount(self) -> None:
        self.push_screen(LoginScreen())
        self._start_idle_timer()
        if not self.is_headless and hasattr(os, "tcgetpgrp") and sys.__stdin__ is not None and sys.__stdin__.isatty():
            self.set_interval(5, self._check_terminal)  # POSIX terminals (a Windows console has no tcgetpgrp)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        # after the first paint: the store's imports (SQLAlchemy, the models, Alembic) hold the GIL for a while and
        # would otherwise compete with drawing the login screen
        self.call_after_refresh(self.run_worker, self._open_store, thread=True, exit_on_error=False, group="store")

    def _check_terminal(self) -> None:
        """Quit when the terminal is gone (its window closed, the SSH link dropped). The hang-up signal does not
        always arrive (run under `make run`, the shell between takes it), and Textual's input thread then spun on
        the dead terminal at a whole core for ever. What was saved is in the store; a form half typed went with
        the terminal either way."""
        import errno

        try:
            os.tcgetpgrp(sys.__stdin__.fileno())  # type: ignore[union-attr]
        except OSError as exc:
            if exc.errno == errno.EIO:  # the terminal hung up (not ENOTTY: a terminal that is not ours still works)
                # Textual's output thread may die on the dead terminal and leave the exit waiting for it: if the
                # process is still here after 5 s, it ends (the store is durable at each commit; sync resumes)
                last_resort = threading.Timer(5, os._exit, args=(1,))
                last_resort.daemon = True
                last_resort.start()
                self.exit(return_code=1)

    def _open_store(self) -> None:
        """Read the settings and open (and migrate) the store off the UI thread, so the login screen shows at
        once; the services are built here, once (counter/compose.py)."""
        from counter import compose
        from counter.services import office
        from counter.services.store import Store
        from counter.settings import Settings

        data_dir = self.store.data_dir if self.store is not None else (self.data_dir or Path("."))
        try:
            settings = Settings.load(data_dir)
        except Exception as exc:  # a bad config.toml: say so, go on with the defaults
            settings = Settings.defaults(data_dir)
            self.call_from_thread(self.notify, error_text(exc), severity="error", markup=False)
        self.call_from_thread(self._settings_ready, settings)
        try:
            store = self.store or Store.open(data_dir)
            services = compose.station(store=store, settings=settings, default_interval=self.SYNC_INTERVAL)
            info = office.office_info(store)
        except Exception as exc:
            self.store_error = error_text(exc)
            self.store_opened.set()
            self.call_from_thread(self._store_failed, self.store_error)
            return
        self.store, self.services = store, services
        self.store_opened.set()
        self.call_from_thread(self._store_ready, store, info)
        from counter.services import printing  # reportlab, ahead of the first print (here, not on the UI thread)

        printing.warm_up()
        keep_out_of_gc()

    def _settings_ready(self, settings: Settings) -> None:
        """[keymap], [app] theme and idle_lock_minutes, applied as soon as they are read."""
        if settings.keymap:
            self.set_keymap(settings.keymap)
        if settings.app.theme and settings.app.theme in self.available_themes:
            self._saved_theme = settings.app.theme
            self.theme = settings.app.theme
        else:
            self._saved_theme = self.theme
        self.idle_lock_seconds = settings.app.idle_lock_minutes * 60.0
        self._start_idle_timer()

    def _theme_changed(self, theme: object) -> None:
        """The user picked another theme (Ctrl+P → Đổi giao diện màu): keep it in the data dir's config.toml."""
        name = self.theme
        if self._saved_theme is None or name == self._saved_theme:
            return  # not read yet, or the restore itself
        self._saved_theme = name
        data_dir = self.store.data_dir if self.store is not None else self.data_dir
        if data_dir is None:
            return

        def save() -> None:
            from counter.settings import save_app_key

            try:
                save_app_key(data_dir, "theme", name)
            except Exception as exc:
                self.call_from_thread(self.notify, f"Không lưu được bảng màu vào config.toml: {error_text(exc)}",
                                      severity="warning", markup=False)

        self.run_worker(save, thread=True, group="settings", exit_on_error=False)

    def _store_ready(self, store: Store, info: OfficeInfo) -> None:
        self.store, self.office, self.clock = store, info, store.clock
        self._log_to(store.data_dir / "logs" / "ui.log")
        if isinstance(self.screen, LoginScreen):
            self.screen.store_ready(info)
        from counter.widgets.status import StatusBar

        for bar in self.screen.query(StatusBar):  # the office shows at once, not at the status line's next tick
            bar.refresh_status()
        if self.services is not None:
            runner = self.services.sync
            runner.on_status = self._sync_status_read
            self.run_worker(lambda: runner.run(self._sync_stop), thread=True, group="sync", exit_on_error=False)

    SYNC_INTERVAL = 10.0  # the app's sync runner, when [sync] interval is not set

    def _sync_status_read(self, status: SyncStatus) -> None:
        """The sync runner's status (issue 8), read in its thread; the footer shows it."""
        self.sync_status = status

    def _store_failed(self, message: str) -> None:
        if isinstance(self.screen, LoginScreen):
            self.screen.store_failed(message)

    def _log_to(self, path: Path) -> None:
        """Unexpected errors go to a log file in the data dir (never as a traceback on screen)."""
        logger = logging.getLogger("counter")
        if any(getattr(h, "counter_ui", False) for h in logger.handlers):
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        except OSError:
            return
        handler.counter_ui = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        self._log_handler = handler

    def on_unmount(self) -> None:
        self._sync_stop.set()
        handler = getattr(self, "_log_handler", None)
        if handler is not None:
            logging.getLogger("counter").removeHandler(handler)
            handler.close()

    def sync_label(self) -> str:
        """Footer: pending count, last success, last error (and conflicts), from the sync worker's status."""
        from counter.domain.calendar import VN_TZ

        st = self.sync_status
        if st is None or not st.configured:
            return "Chưa kết nối máy chủ"
        parts = [f"Chờ gửi {st.pending}"]
        if st.last_success is not None:
            parts.append("đồng bộ " + st.last_success.astimezone(VN_TZ).strftime("%H:%M %d/%m"))
        else:
            parts.append("chưa đồng bộ")
        if st.last_error:
            error = st.last_error if len(st.last_error) <= 48 else st.last_error[:47] + "…"
            parts.append(f"lỗi: {error}")
        if st.conflicts:
            parts.append(f"{st.conflicts} xung đột")
        return " · ".join(parts)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.NEEDS_LOGIN and self.actor is None:
            return False
        if action == "open" and parameters and self.actor is not None:
            return can(self.actor.role, MODES_TABLE[str(parameters[0])].action)  # hide keys this role may not use
        if action == "refuse_open" and parameters:  # the hidden key's second binding: only where open is refused
            key = MODES_TABLE[str(parameters[0])].key  # ... by every screen on that key (F6: queue or my work)
            return all(self.check_action("open", (name,)) is False for name, m in MODES_TABLE.items() if m.key == key)
        return True

    def opened_by_key(self, name: str) -> bool:
        """This work screen is the one its key opens for the logged-in role (the first on that key it may use)."""
        key = MODES_TABLE[name].key
        mine = [n for n, m in MODES_TABLE.items() if m.key == key and self.actor is not None
                and can(self.actor.role, m.action)]
        return bool(mine) and mine[0] == name

    def action_refuse_open(self, name: str) -> None:
        """A work screen's key that this user may not use (hidden from the footer): say why, in one line."""
        mode = MODES_TABLE[name]
        where = f"màn hình {mode.label} ({mode.key.upper()})"
        if self.actor is None:
            self.notify(f"Đăng nhập trước khi dùng {where}", severity="warning", timeout=4)
            return
        role = Role(self.actor.role).label
        self.notify(f"Tài khoản {role[0].lower() + role[1:]} không được dùng {where}", severity="warning",
                    timeout=4)

    def action_help_quit(self) -> None:
        """Ctrl+C (Textual's reminder, in English by default): how to leave, in Vietnamese."""
        self.notify("Ctrl+C không thoát ứng dụng: bấm Ctrl+Q để thoát", severity="warning", timeout=4)

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(VietnamesePalette(id="--command-palette"))

    def action_change_theme(self) -> None:
        """The theme picker (Textual's, with Vietnamese names and words)."""
        self.push_screen(VietnamesePalette(providers=[VietnameseThemes], placeholder="Tìm bảng màu…"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (Ctrl+P), in Vietnamese; screen actions stay on their keys."""
        if self.actor is not None:
            for name, mode in MODES_TABLE.items():
                if can(self.actor.role, mode.action):
                    key = f" ({mode.key.upper()})" if self.opened_by_key(name) else ""
                    yield SystemCommand(f"{mode.label}{key}", f"Mở màn hình {mode.label.lower()}",
                                        lambda name=name: self.action_open(name))
            yield SystemCommand("Xung đột đồng bộ", "Thao tác của quầy mà máy chủ trung tâm không nhận",
                                self.action_conflicts)
            yield SystemCommand("Khóa máy / Đăng xuất (Ctrl+L)", "Về màn hình đăng nhập", self.action_lock)
        yield SystemCommand("Trợ giúp (F1 / Ctrl+G)", "Phím tắt và hướng dẫn của màn hình này", self.action_help)
        yield SystemCommand("Đổi giao diện màu", "Chọn bảng màu khác", self.action_change_theme)
        yield SystemCommand("Thoát (Ctrl+Q)", "Đóng ứng dụng", self.action_quit)

    def logged_in(self, actor: Actor) -> None:
        from counter.screens.search import SearchScreen

        kept, self._kept_for = self._kept_for, None
        self.actor = actor
        self._last_input = time.monotonic()
        if kept is not None and len(self.screen_stack) > 2:  # the idle lock kept someone's screens underneath
            if kept == actor.user_id:
                self.pop_screen()  # the login screen: the form comes back as it was left
                self.refresh_bindings()
                self.notify("Đã mở khóa: hồ sơ đang nhập dở được giữ nguyên", markup=False)
                return
            for screen in self.screen_stack[1:-1]:  # another user: a fresh screen; the kept form is never shown
                if form_dirty(screen):
                    screen.discard()  # type: ignore[attr-defined]
            while len(self.screen_stack) > 2:
                self.pop_screen()
        self.switch_screen(SearchScreen())
        self.refresh_bindings()
        self.run_worker(self._preload_screens, thread=True, exit_on_error=False, group="preload")

    def _preload_screens(self) -> None:
        """Import the work screens this role may open (and what they import) in a worker, ahead of the first
        function key: an import on the UI thread holds the screen still (issue 21, bench/ui_stall.py)."""
        actor = self.actor
        for mode in MODES_TABLE.values():
            if actor is not None and can(actor.role, mode.action):
                try:
                    screen_class(mode)
                except Exception:  # opening the screen says what is wrong, on the UI thread as before
                    pass
        keep_out_of_gc()

    def action_conflicts(self) -> None:
        from counter.screens.conflicts import ConflictsScreen

        if self.actor is not None and not isinstance(self.screen, ConflictsScreen):
            self.push_screen(ConflictsScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_open(self, name: str) -> None:
        """Open a work screen (F2–F7): one screen at a time above the login, each checked against the role."""
        mode = MODES_TABLE[name]
        if self.actor is None:
            return
        if not can(self.actor.role, mode.action):
            self.notify(f"Tài khoản này không được dùng màn hình {mode.label}", severity="warning")
            return
        cls = screen_class(mode)
        staying = len(self.screen_stack) > 1 and isinstance(self.screen_stack[1], cls)
        lost = self.screen_stack[2:] if staying else self.screen_stack[1:]  # what opening it closes
        code = self._dossier_in_hand() if getattr(cls, "OPENS_ON_DOSSIER", False) else None
        self.unless_dirty(f"Chuyển sang màn hình {mode.label}", lambda: self._open(cls, code), lost)

    def _dossier_in_hand(self) -> str | None:
        """The dossier the screens open now hold (the top one first): F9 opens on it."""
        for screen in reversed(self.screen_stack):
            code = getattr(screen, "dossier_in_hand", lambda: None)()
            if code:
                return str(code)
        return None

    def _open(self, cls: type[Screen], code: str | None = None) -> None:
        if self.actor is None:
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if isinstance(self.screen, cls):
            self.screen.refocus()  # type: ignore[attr-defined]
        else:
            self.switch_screen(cls(code) if code else cls())  # type: ignore[call-arg]

    def action_search(self) -> None:
        self.action_open("search")

    def action_receive(self) -> None:
        self.action_open("receive")

    def action_lock(self) -> None:
        if self.actor is None:
            return
        self.unless_dirty("Khóa máy", self._lock)

    def _lock(self) -> None:
        if self.actor is None:
            return
        self.actor = None
        self._kept_for = None
        if self.services is not None and self.services.signing is not None:
            self.services.signing.lock()  # issue 20: the token's PIN is forgotten with the session
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(LoginScreen())  # it shows the office on mount
        self.refresh_bindings()


    # ---- unsaved forms (issue 12): Ctrl+Q, Ctrl+L and F2–F7 ask first; the idle lock keeps them ----------------
    def unless_dirty(self, what: str, then: Callable[[], object], screens: list[Screen] | None = None) -> None:
        """Run `then` at once, or, when one of `screens` (default: all above the app's base) holds an unsaved
        form (`dirty()`), after the user agreed to lose it; Esc on the question keeps the form as it is."""
        dirty = [s for s in (self.screen_stack[1:] if screens is None else screens) if form_dirty(s)]
        if not dirty:
            then()
            return
        if isinstance(self.screen, DiscardForm):
            return  # the question is already asked

        def answer(yes: bool | None) -> None:
            if yes:
                for screen in dirty:
                    discard = getattr(screen, "discard", None)
                    if callable(discard):
                        discard()
                then()

        self.push_screen(DiscardForm(what), answer)

    async def action_quit(self) -> None:
        self.unless_dirty("Thoát ứng dụng", self.exit)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self._last_input = time.monotonic()  # a key or the mouse: someone is at the counter
        await super().on_event(event)

    def _start_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.stop()  # type: ignore[attr-defined]
            self._idle_timer = None
        if self.idle_lock_seconds > 0:
            self._idle_timer = self.set_interval(min(1.0, max(0.05, self.idle_lock_seconds / 4)), self._check_idle)

    def _check_idle(self) -> None:
        if self.actor is not None and self.idle_lock_seconds > 0 \
                and time.monotonic() - self._last_input >= self.idle_lock_seconds:
            self.idle_lock()

    def idle_lock(self) -> None:
        """Nobody touched the station for `idle_lock_minutes`: lock it WITHOUT losing anything. Every screen stays
        as it is under the login screen; the same user logging in gets it back, another user a fresh screen."""
        if self.actor is None:
            return
        actor, self.actor = self.actor, None
        self._kept_for = actor.user_id
        minutes = self.idle_lock_seconds / 60
        shown = f"{minutes:g} phút" if minutes >= 1 else f"{self.idle_lock_seconds:g} giây"
        kept = any(form_dirty(s) for s in self.screen_stack[1:])
        self.push_screen(LoginScreen(note=f"Máy tự khóa sau {shown} không dùng."
                                          + (f" Hồ sơ đang nhập dở được giữ cho {actor.full_name} đăng nhập lại."
                                             if kept else "")))
        self.refresh_bindings()


def build_app(store: Store | None = None, data_dir: Path | None = None) -> CounterApp:
    """The one factory: `counter run` and the tests build the app here."""
    return CounterApp(data_dir=data_dir, store=store)


def keep_out_of_gc() -> None:
    """Move every object alive now (the imported modules, their classes and tables, the catalogue) out of the
    garbage collector's sight (gc.freeze): a full collection otherwise walks all of them, a pause of hundreds of
    ms that lands on whichever screen happens to be opening (issue 21, bench/ui_stall.py). Called once the
    store is open and again once the work screens are imported; cheap (it moves lists, it frees nothing)."""
    import gc

    gc.freeze()
