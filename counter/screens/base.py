"""What every screen shares: running a service call off the UI thread and showing its errors in Vietnamese."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable
from textual.worker import get_current_worker

from counter.domain.errors import CounterError
from counter.screens.keys import KeyScope

if TYPE_CHECKING:
    from counter.app import CounterApp
    from counter.services.queue import QueuePage
    from counter.services.store import Actor, Store

log = logging.getLogger("counter.ui")
T = TypeVar("T")


def error_text(exc: BaseException) -> str:
    if isinstance(exc, CounterError):
        return exc.message
    log.exception("unexpected error", exc_info=exc)
    return f"Lỗi không mong đợi: {type(exc).__name__}: {exc}"


def form_dirty(screen: Any) -> bool:
    """A screen (or a modal such as F4's step form) holding an unsaved form: it says so with `dirty()`."""
    dirty = getattr(screen, "dirty", None)
    return bool(dirty()) if callable(dirty) else False


class ServiceCalls(KeyScope, Screen):
    """Service calls off the UI thread, for a screen or a modal: the outcome comes back as a typed message."""

    class ServiceDone(Message):
        """A service call finished: its result, for the callback named when the call was made."""

        def __init__(self, result: Any, done: Callable[[Any], Any]) -> None:
            super().__init__()
            self.result = result
            self.done = done

    class ServiceFailed(Message):
        """A service call failed: the Vietnamese line that says why, for the failure handler."""

        def __init__(self, message: str, failed: Callable[[str], Any]) -> None:
            super().__init__()
            self.message = message
            self.failed = failed

    def call_service(self, fn: Callable[[], T], done: Callable[[T], Any],
                     failed: Callable[[str], Any] | None = None, group: str = "service",
                     exclusive: bool = False) -> None:
        """Run fn() in a thread worker; its outcome comes back as a ServiceDone or ServiceFailed message, handled
        on the UI thread by done(result) or failed(message). A cancelled worker's outcome (a newer exclusive call
        of its group replaced it, or the screen closed) is never posted."""
        on_failure = failed or self.show_error

        def work() -> None:
            worker = get_current_worker()
            try:
                result = fn()
            except Exception as exc:  # every error becomes a Vietnamese line, never a traceback
                if not worker.is_cancelled:
                    self.post_message(self.ServiceFailed(error_text(exc), on_failure))
                return
            if not worker.is_cancelled:
                self.post_message(self.ServiceDone(result, done))

        self.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

    def on_service_calls_service_done(self, message: ServiceDone) -> None:
        message.stop()
        message.done(message.result)

    def on_service_calls_service_failed(self, message: ServiceFailed) -> None:
        message.stop()
        message.failed(message.message)

    def show_error(self, message: str) -> None:
        self.notify(message, severity="error", markup=False)


class ServiceScreen(ServiceCalls):
    """A screen whose service calls run in thread workers; results come back on the UI thread."""

    HELP = ""
    _styled = False  # set at the first ScreenResume: the screen was styled whole when it was mounted

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._preset_breakpoints()

    def _preset_breakpoints(self) -> None:
        """The width/height classes (-narrow, -wide) the screen's first Resize would add, set before its widgets
        mount: added after, they restyled every widget again (F2: 97 ms of the UI thread; issue 21)."""
        try:
            width, height = self.app.size
        except Exception:  # built outside a running app (a test): the first Resize sets them as Textual does
            return
        own_h, own_v = self.HORIZONTAL_BREAKPOINTS, self.VERTICAL_BREAKPOINTS
        for size, breakpoints in ((width, self.app.HORIZONTAL_BREAKPOINTS if own_h is None else own_h),
                                  (height, self.app.VERTICAL_BREAKPOINTS if own_v is None else own_v)):
            if breakpoints:
                self.add_class(*self._get_breakpoint_classes(size, breakpoints), update=False)

    def _on_screen_resume(self, event: Any) -> None:
        """The first resume after mounting skips Textual's restyle of every node: they were styled a moment ago
        as they mounted, and restyling ~200 widgets again held the UI thread (issue 21, bench/ui_stall.py)."""
        if not self._styled:
            self._styled = True
            event.refresh_styles = False
        super()._on_screen_resume(event)

    @property
    def capp(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def call_signed_in(self, fn: Callable[[Store, Actor], T], done: Callable[[T], Any],
                       failed: Callable[[str], Any] | None = None, group: str = "service",
                       exclusive: bool = False) -> None:
        """call_service(fn(store, actor), …) with the store and the signed-in user; nothing while the store is
        not open or nobody is signed in."""
        store, actor = self.capp.store, self.capp.actor
        if store is None or actor is None:
            return
        self.call_service(lambda: fn(store, actor), done, failed, group, exclusive)

    def session(self) -> tuple[Store, Actor]:
        """The store and the signed-in user, on a screen that opens only once signed in."""
        store, actor = self.capp.store, self.capp.actor
        assert store is not None and actor is not None  # the screen opens only once signed in
        return store, actor

    def ask(self, question: Screen[Any], then: Callable[[Any], Any]) -> None:
        """Open a question (Confirm, AskText…): then(answer) on an answer (Có, a text typed); Esc, Không or an
        empty text does nothing."""
        self.app.push_screen(question, lambda answer: then(answer) if answer else None)

    def attempt(self, fn: Callable[[], T], failed: Callable[[str], Any] | None = None) -> T | None:
        """fn() on the UI thread (a quick read: the config, the station's settings); when it fails, its Vietnamese
        line goes to failed (default: shown as an error) and None comes back."""
        try:
            return fn()
        except Exception as exc:
            (failed or self.show_error)(error_text(exc))
            return None

    def key_name(self, binding_id: str) -> str:
        """How a line on screen names the key of one of this screen's bindings now ("Ctrl+T"; a [keymap] entry
        moves it), as F1's guide does."""
        from textual.binding import Binding

        from counter.screens.help import live_keys, prose_key

        for cls in type(self).__mro__:
            for b in cls.__dict__.get("BINDINGS", []):
                if isinstance(b, Binding) and b.id == binding_id:
                    return prose_key(live_keys(self.app, b))
        return binding_id

    def listen_serial_scanner(self, on_code: Callable[[str], Any]) -> None:
        """A QR reader in serial (COM) mode, when the config names its port (`scanner.qr_serial_port`): each scan
        goes to on_code(text) on the UI thread. Keyboard-mode readers simply type into the focused input."""
        services = self.capp.services
        if services is None:
            return
        port = self.attempt(services.serial_qr_port)
        if not port:
            return
        stop = self._scanner_stop = threading.Event()

        def listen() -> None:
            worker = get_current_worker()

            class Stopped:  # the screen closed, or the app is shutting down and cancelled its workers
                @staticmethod
                def is_set() -> bool:
                    return stop.is_set() or worker.is_cancelled

            try:
                for code in services.serial_qr_codes(Stopped):
                    self.app.call_from_thread(on_code, code)
            except Exception as exc:
                if not stop.is_set():
                    self.app.call_from_thread(self.show_error, error_text(exc))

        self.run_worker(listen, thread=True, group="qr-serial", exit_on_error=False)

    def stop_serial_scanner(self) -> None:
        stop = getattr(self, "_scanner_stop", None)
        if stop is not None:
            stop.set()

    def print_in_background(self, code: str, form: str, box: Any, what: str | None = None,
                            kept: str = "") -> None:
        """Print a form of a dossier in a worker; the result line (`box`, a Static) says where it went, or that
        it did not print and Ctrl+R retries (the dossier itself is already saved: `kept` says so)."""
        from rich.text import Text

        from counter.services.printing import print_dossier

        store = self.capp.store

        def printed(result: Any) -> None:
            name = what or f"mẫu {result.form}"
            where = f"tệp {result.where}" if result.is_file else result.where
            box.update(Text(f"Hồ sơ {code}: đã in {name} ra {where}", style="bold green"))
            self.notify(f"Đã in {name}: {result.where}", markup=False)

        def failed(message: str) -> None:
            name = what or f"mẫu {form}"
            box.update(Text(f"Hồ sơ {code}{kept}: CHƯA IN ĐƯỢC {name}: {message} — Ctrl+R để in lại",
                            style="bold red"))
            self.show_error(message)

        self.call_service(lambda: print_dossier(store, code, form), printed, failed, group="print")  # type: ignore[arg-type]

    def print_receipt_in_background(self, code: str, receipt: str) -> None:
        """Print the receipt of a fee just taken (A5 or 80 mm, the station's printer) in a worker; the payment is
        saved whatever the printer does (F9's Ctrl+R prints it again)."""
        from counter.services.fees import print_fee_paper

        self.call_signed_in(lambda store, actor: print_fee_paper(store, actor, code, "receipt"),
                            lambda p: self.notify(f"Đã in biên lai {receipt}: {p.where}", markup=False),
                            lambda m: self.show_error(f"Đã thu tiền, CHƯA IN ĐƯỢC biên lai {receipt}: {m} — in lại ở "
                                                      "màn hình Thu phí"), group="print-receipt")

    # ---- the form on screen (one rule for every screen: quit, lock, switching screens ask before it is lost) ----
    def dirty(self) -> bool:
        """Something typed, picked or scanned here is not saved yet. The app asks before Ctrl+Q, Ctrl+L or F2–F7
        would lose it (the idle lock keeps it instead, for the same user)."""
        return False

    def discard(self) -> None:
        """The user agreed to lose the unsaved form: let go of what it holds (e.g. scanned pages in the spool)."""

    def dossier_in_hand(self) -> str | None:
        """The code of the dossier this screen has open (or has just saved), for a screen that opens on it (F9
        Thu phí: `OPENS_ON_DOSSIER`); None when there is none."""
        return None

    def refocus(self) -> None:
        """Its function key was pressed while it is open: put the cursor where work starts (default: stay)."""


class LiveScreen(ServiceScreen):
    """A list that follows the store (F5 Việc của tôi, F6 Hàng đợi, F8 Trực tuyến): a timer reads the store's
    cheap change stamp in a worker and the screen reloads what it shows only when the stamp moved."""

    REFRESH_SECONDS = 5.0
    STAMP_GROUP = "stamp"  # the worker group of the stamp reads: "<screen>-stamp", the newest read wins
    stamp: tuple[int, int] | None = None  # the store's stamp when what is shown was read; None: nothing shown yet

    def follow_store(self) -> None:
        """Start the timer (from on_mount, after the first load)."""
        self.set_interval(self.REFRESH_SECONDS, self.check_changes)

    def reload_changed(self) -> None:
        """Reload what the screen shows: the store moved since it was read."""
        raise NotImplementedError

    def note_stamp(self) -> None:
        """Read the stamp now, for a list whose result does not carry it."""
        from counter.services.queue import change_stamp

        store = self.capp.store
        if store is not None:
            self.call_service(lambda: change_stamp(store), self._stamp, lambda _m: None, group=self.STAMP_GROUP)

    def _stamp(self, stamp: tuple[int, int]) -> None:
        self.stamp = stamp

    def check_changes(self) -> None:
        """The timer: a cheap stamp read in a worker; reload only when the store moved."""
        from counter.services.queue import change_stamp

        store = self.capp.store
        if store is None or self.stamp is None:
            return
        self.call_service(lambda: change_stamp(store), self.stamp_read, lambda _m: None, group=self.STAMP_GROUP,
                          exclusive=True)

    def stamp_read(self, stamp: tuple[int, int]) -> None:
        if stamp != self.stamp:
            self.stamp = stamp
            self.reload_changed()


class DossierPages(LiveScreen):
    """A list of dossiers by bucket, a page at a time, that follows the store (F5 Việc của tôi, F6's queue): a
    bucket picked or a page turned loads that page (load_page); Enter on a row opens the dossier. A screen names
    its bucket list, table and pager line (the widgets' ids), its buckets in the list's order and their labels."""

    BUCKET_LIST = TABLE = PAGER = ""  # widget ids, without "#"
    BUCKETS: tuple[str, ...] = ()
    LABELS: dict[str, str] = {}
    bucket = ""
    page_no = 0
    has_next = False  # the page shown has one after it

    def load_page(self) -> None:
        """Load page page_no of bucket."""
        raise NotImplementedError

    def choose(self, bucket: str) -> None:
        if bucket != self.bucket:
            self.bucket, self.page_no = bucket, 0
            self.load_page()

    def action_page(self, delta: int) -> None:
        if (delta > 0 and not self.has_next) or (delta < 0 and self.page_no == 0):
            return
        self.page_no += delta
        self.load_page()

    def show_rows(self, result: QueuePage, cells: Callable[[Any], tuple[Any, ...]],
                  prompt: Callable[[int, str], str], enter: str = "") -> None:
        """A loaded page on screen: each bucket's prompt with its count, the rows (`cells` of each item; the cursor
        stays on its row) and the pager line."""
        from textual.widgets import OptionList, Static

        buckets = self.query_one(f"#{self.BUCKET_LIST}", OptionList)
        for i, b in enumerate(self.BUCKETS):
            buckets.replace_option_prompt_at_index(i, f"{prompt(i, b)} ({result.counts.get(b, 0)})")
        table = self.query_one(f"#{self.TABLE}", DataTable)
        row = table.cursor_row
        table.clear()
        self.codes = [i.code for i in result.items]
        for item in result.items:
            table.add_row(*cells(item), key=item.code)
        if self.codes:
            table.move_cursor(row=min(max(row, 0), len(self.codes) - 1))
        self.has_next = result.has_next
        self.query_one(f"#{self.PAGER}", Static).update(self.pager_line(result, self.LABELS[self.bucket], enter))

    def on_option_list_option_highlighted(self, event: Any) -> None:  # OptionList.OptionHighlighted
        if event.option_list.id == self.BUCKET_LIST:
            self.choose(str(event.option.id))

    def on_option_list_option_selected(self, event: Any) -> None:  # OptionList.OptionSelected: to the list
        if event.option_list.id == self.BUCKET_LIST:
            self.query_one(f"#{self.TABLE}", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == self.TABLE:
            from counter.screens.dossier import DossierScreen

            self.app.push_screen(DossierScreen(str(event.row_key.value)))

    def pager_line(self, result: QueuePage, label: str, enter: str = "") -> Text:
        """The line under the list: the bucket (label), the page, how many dossiers, which way the pages turn."""
        total = result.counts.get(self.bucket, len(result.items))
        more = " · PageDown: trang sau" if result.has_next else ""
        prev = " · PageUp: trang trước" if result.page > 0 else ""
        shown = f"{total} hồ sơ{enter}" if result.items else "Không có hồ sơ nào"
        return Text(f"{label} · Trang {result.page + 1} · {shown}{more}{prev}")
