from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from counter.screens.base import ServiceScreen
from counter.widgets.qr_input import AdvanceInput
from counter.widgets.status import BottomBar

if TYPE_CHECKING:
    from counter.services.office import OfficeInfo


class LoginScreen(ServiceScreen):
    HELP = ("Đăng nhập bằng tên đăng nhập và mật khẩu được quản trị cấp. Nhập sai 5 lần liên tiếp, tài khoản "
            "tạm khóa 15 phút. Enter chuyển sang ô mật khẩu rồi đăng nhập.")
    AUTO_FOCUS = "#username"

    def __init__(self, note: str = "") -> None:
        super().__init__()
        self.note = note  # e.g. why the station locked itself

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Label("ĐĂNG NHẬP — BỘ PHẬN MỘT CỬA", id="login-title")
            yield Static("Đang mở kho dữ liệu…", id="login-office", markup=False)
            yield AdvanceInput(placeholder="Tên đăng nhập", id="username")  # "canbo⇥canbo123⏎" typed fast
            yield Input(placeholder="Mật khẩu", password=True, id="password")
            yield Static("", id="login-error", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        app = self.capp
        if app.office is not None:
            self.store_ready(app.office)
        elif app.store_error:
            self.store_failed(app.store_error)
        if self.note:
            self.set_error(self.note)

    def store_ready(self, info: OfficeInfo) -> None:
        self.query_one("#login-office", Static).update(Text(f"{info.name} ({info.id}) · Quầy {info.station_number}"))

    def store_failed(self, message: str) -> None:
        self.query_one("#login-office", Static).update(Text(message))
        self.query_one("#login-office").add_class("error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "username":
            self.query_one("#password", Input).focus()
            return
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self.set_error("Nhập tên đăng nhập")
            self.query_one("#username", Input).focus()
            return
        self.set_error("Đang kiểm tra…")
        app = self.capp

        def login():  # type: ignore[no-untyped-def]
            from counter.domain.errors import CounterError
            from counter.services.auth import login as do_login

            app.store_opened.wait(30)  # a fast typist may beat the store's opening
            if app.store is None:
                raise CounterError(app.store_error or "Kho dữ liệu chưa mở được")
            return do_login(app.store, username, password)

        self.call_service(login, self.capp.logged_in, self.failed, group="login", exclusive=True)

    def failed(self, message: str) -> None:
        self.set_error(message)
        pw = self.query_one("#password", Input)
        pw.value = ""
        pw.focus()

    def set_error(self, message: str) -> None:
        self.query_one("#login-error", Static).update(Text(message))
