"""Ký số (issue 20): the PIN of the official's token (or the key file's password), asked once per session.

`sign_with_pin(screen, work, done)`: when the session's key is not unlocked yet, a masked prompt asks the PIN and
unlocks it in a worker (a wrong PIN is said at once, the prompt stays); then `work()` runs in a worker and
`done(result)` on the UI thread. The PIN stays in the app's memory (services.signing.Signing) and is never written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from counter.screens.keys import KeyScope


class AskSecret(KeyScope, ModalScreen[str | None], scope="sign"):
    """The token's PIN (masked); Enter unlocks, Esc cancels (None)."""

    def __init__(self, what: str, unlock: Callable[[str], Any]):
        super().__init__()
        self.what, self.unlock = what, unlock

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(Text("Ký số", style="bold"))
            yield Static(Text(f"Nhập {self.what} (chỉ hỏi một lần trong phiên làm việc, không lưu lại):"))
            yield Input(password=True, id="sign-pin")
            yield Static("", id="sign-error", markup=False, classes="field-error")
            yield Static(Text("Enter: ký · Esc: hủy", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        pin = event.value
        if not pin:
            self.query_one("#sign-error", Static).update(Text("Chưa nhập mã PIN."))
            return
        self.query_one("#sign-error", Static).update(Text("Đang mở khóa ký số…"))
        self.run_worker(lambda: self._unlock(pin), thread=True, exit_on_error=False, group="unlock", exclusive=True)

    def _unlock(self, pin: str) -> None:
        from counter.screens.base import error_text

        try:
            self.unlock(pin)
        except Exception as exc:  # a wrong PIN, no token: said here, the prompt stays
            message = error_text(exc)
            self.app.call_from_thread(self._failed, message)
            return
        self.app.call_from_thread(self.dismiss, "ok")

    def _failed(self, message: str) -> None:
        self.query_one("#sign-error", Static).update(Text(message))
        field = self.query_one("#sign-pin", Input)
        field.value = ""
        field.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


def sign_with_pin(screen: Any, work: Callable[[], Any], done: Callable[[Any], Any], group: str = "sign",
                  failed: Callable[[str], Any] | None = None) -> None:
    """Run a signing `work` with the session's key, asking the PIN first when it is not unlocked yet; a failure
    goes to `failed(message)` (default: the screen's error line)."""
    services = screen.capp.services
    signing = services.signing if services is not None else None
    if signing is None or not signing.configured:
        screen.show_error("Máy này chưa cấu hình khóa ký số: khai báo [signing] pkcs12 (tệp .p12) hoặc pkcs11_lib và "
                          "token_label (USB token) trong config.toml.")
        return
    actor = screen.capp.actor
    if signing.unlocked_for(actor.user_id):
        screen.call_service(work, done, failed, group=group)
        return

    def unlocked(answer: str | None) -> None:
        if answer:
            screen.call_service(work, done, failed, group=group)

    screen.app.push_screen(AskSecret(signing.secret_label, lambda pin: signing.unlock(pin, actor.user_id)), unlocked)
