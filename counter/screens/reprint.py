""""In lại": choose one of the forms a dossier has (domain.reprint decides which) and print it again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from counter.screens.keys import KeyScope

if TYPE_CHECKING:
    from counter.domain.reprint import FormChoice
    from counter.screens.base import ServiceScreen


class FormChooser(KeyScope, ModalScreen["str | None"], scope="reprint"):
    """The forms of one dossier: arrows, Enter prints; Esc cancels."""

    DEFAULT_CSS = "FormChooser { align: center middle; } FormChooser OptionList { height: auto; max-height: 9; }"

    def __init__(self, code: str, choices: list[FormChoice], current: str | None = None):
        super().__init__()
        self.code, self.choices, self.current = code, choices, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box", id="reprint-box"):
            yield Static(Text(f"In lại biểu mẫu của hồ sơ {self.code}:", style="bold"))
            yield OptionList(*[Option(Text(c.label), id=c.form) for c in self.choices], id="reprint-list")
            yield Static(Text("Enter: in · Esc: hủy", style="dim"))

    def on_mount(self) -> None:
        forms = [c.form for c in self.choices]
        self.query_one("#reprint-list", OptionList).highlighted = forms.index(self.current) \
            if self.current in forms else 0

    @on(OptionList.OptionSelected, "#reprint-list")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


def choose_and_print(screen: ServiceScreen, code: str, print_form: Callable[[str], Any],
                     current: str | None = None) -> None:
    """Ask the store which forms this dossier has, let the clerk pick one, then print_form(form)."""
    from counter.services.printing import printable_forms

    store = screen.capp.store

    def show(choices: list[FormChoice]) -> None:
        if not choices:
            screen.notify(f"Hồ sơ {code} chưa có biểu mẫu nào để in", severity="warning", markup=False)
            return
        screen.app.push_screen(FormChooser(code, choices, current),
                               lambda form: print_form(form) if form else None)

    screen.call_service(lambda: printable_forms(store, code), show, group="reprint")  # type: ignore[arg-type]
