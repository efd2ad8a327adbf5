"""Issue 12: correct the applicant's details of a dossier (a form prefilled with what the dossier holds, and a
reason), and void a dossier received by mistake (a reason, then a confirmation). The rules and the refusals
are the services' (services.dossiers.correct / void); this only asks and shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from counter.domain.intake import ValidationError
from counter.screens.base import ServiceCalls
from counter.screens.keys import bindings

if TYPE_CHECKING:
    from counter.services.dossiers import CorrectionDone, CorrectionForm  # noqa: F401 (CorrectionDone: the base class string)


class CorrectForm(ModalScreen["CorrectionDone | None"], ServiceCalls):
    """Every correctable detail prefilled; Ctrl+S (or Enter on the reason) saves, Esc closes without a change.
    The service checks each value by the intake rules; its messages show under the fields."""

    CSS = """
    CorrectForm .modal-box { max-height: 100%; }
    CorrectForm VerticalScroll { height: auto; max-height: 14; }
    CorrectForm .form-row { height: 1; }
    CorrectForm .form-label { width: 25; }
    CorrectForm Input, CorrectForm Input:focus { height: 1; border: none; padding: 0 1; width: 1fr; }
    CorrectForm Input { background: $boost; }
    CorrectForm Input:focus { background: $accent 30%; }
    CorrectForm .field-error { margin-left: 25; display: none; }
    """
    BINDINGS = [*bindings("correct"),
                Binding("down", "app.focus_next", show=False), Binding("up", "app.focus_previous", show=False)]

    def __init__(self, form: CorrectionForm, store: Any, actor: Any):
        super().__init__()
        self.form, self.store, self.actor = form, store, actor

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(Text(f"Sửa thông tin hồ sơ {self.form.code}", style="bold"))
            with VerticalScroll():
                for key, label in self.form.labels.items():
                    with Horizontal(classes="form-row"):
                        yield Static(Text(label), classes="form-label")
                        yield Input(value=self.form.values[key], id=f"fix-{key}")
                    yield Static("", id=f"fix-{key}-error", classes="field-error")
            with Horizontal(classes="form-row"):
                yield Static(Text("Lý do sửa (bắt buộc)"), classes="form-label")
                yield Input(id="fix-reason")
            yield Static("", id="fix-reason-error", classes="field-error")
            yield Static("", id="fix-error", classes="field-error")
            yield Static(Text("Ctrl+S: lưu · ↑↓/Tab: chuyển ô · Esc: đóng, không sửa", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#fix-owner_phone", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "fix-reason":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        from counter.services import dossiers

        values: dict[str, str | None] = {
            k: self.query_one(f"#fix-{k}", Input).value for k in self.form.labels
            if self.query_one(f"#fix-{k}", Input).value.strip() != self.form.values[k].strip()}
        reason = self.query_one("#fix-reason", Input).value
        store, actor, code = self.store, self.actor, self.form.code

        def work() -> Any:
            try:
                return dossiers.correct(store, actor, code, values, reason)
            except ValidationError as exc:  # per field: shown under each input
                return exc

        for box in self.query(".field-error").results(Static):
            box.update("")
            box.display = False
        self.call_service(work, self._saved, self._failed, group="correct")

    def _saved(self, result: Any) -> None:
        if isinstance(result, ValidationError):
            for key, message in result.errors.items():
                found = self.query(f"#fix-{key}-error")
                self._say(found.first(Static) if found else self.query_one("#fix-error", Static), message)
            return
        self.dismiss(result)

    def _say(self, box: Static, message: str) -> None:
        box.update(Text(message))
        box.display = True

    def _failed(self, message: str) -> None:
        self._say(self.query_one("#fix-error", Static), message)

    def show_error(self, message: str) -> None:
        self._failed(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
