"""Small modal dialogs: ask for a reason, confirm leaving a form."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from counter.screens.keys import KeyScope


class AskText(KeyScope, ModalScreen[str | None], scope="ask-text"):
    """One line of text (e.g. the reason of a refusal); Enter confirms, Esc cancels (None)."""

    def __init__(self, title: str, prompt: str, value: str = "", required: bool = True,
                 hint: str = "Enter: xác nhận · Esc: hủy"):
        super().__init__()
        self.title_text, self.prompt, self.value, self.required = title, prompt, value, required
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(Text(self.title_text, style="bold"))
            yield Static(Text(self.prompt))
            yield Input(value=self.value, id="modal-input")
            yield Static("", id="modal-error", markup=False, classes="field-error")
            yield Static(Text(self.hint, style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.required and not text:
            self.query_one("#modal-error", Static).update(Text("Không được để trống"))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(KeyScope, ModalScreen[bool], scope="confirm"):
    """A yes/no question: Enter or Y says yes, Esc or N says no."""

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(Text(self.question, style="bold"))
            yield Static(Text("Enter/Y: đồng ý · Esc/N: không", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DiscardForm(Confirm):
    """The one question before a step would lose an unsaved form (Esc on a filled form, Ctrl+Q, Ctrl+L, F2–F7):
    Enter/Y goes on and the form is lost, Esc/N keeps it."""

    def __init__(self, what: str):
        super().__init__(f"{what}? Hồ sơ đang nhập dở chưa lưu sẽ mất.")
        self.what = what
