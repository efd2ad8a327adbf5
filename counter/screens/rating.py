"""The citizen's rating at the counter right after a return (issue 19): a short dialog answered on the
keypad. 1 Rất hài lòng · 2 Hài lòng · 3 Không hài lòng, then an optional reason 1-5 (0 or Enter: none).
Esc: the citizen does not want to rate (nothing is written)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from counter.domain.voice import RATING_REASONS, RATINGS
from counter.screens.keys import KeyScope

_VALUES = list(RATINGS)
_REASONS = list(RATING_REASONS)


class RateDialog(KeyScope, ModalScreen[tuple[str, str | None] | None], scope="rating"):
    def __init__(self, code: str):
        super().__init__()
        self.code = code
        self.value: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box", id="rating-box"):
            yield Static(Text(f"Mời ông/bà đánh giá việc giải quyết hồ sơ {self.code}", style="bold"))
            yield Static(self._choices(), id="rating-choices")
            yield Static(Text("Esc: công dân không đánh giá", style="dim"), id="rating-hint")

    def _choices(self) -> Text:
        if self.value is None:
            return Text("\n".join(f"  {i}  {label}" for i, label in enumerate(RATINGS.values(), start=1)))
        head = f"Đã chọn: {RATINGS[self.value]}\nLý do (không bắt buộc):\n"
        return Text(head + "\n".join(f"  {i}  {label}" for i, label in enumerate(RATING_REASONS.values(), start=1))
                    + "\n  0  Không nêu lý do (hoặc Enter)")

    def on_key(self, event: events.Key) -> None:
        key = event.key.removeprefix("kp_")  # the numeric keypad
        if self.value is None:
            if key in ("1", "2", "3"):
                event.stop()
                self.value = _VALUES[int(key) - 1]
                self.query_one("#rating-choices", Static).update(self._choices())
            return
        if key in ("0", "enter"):
            event.stop()
            self.dismiss((self.value, None))
        elif key.isdigit() and 1 <= int(key) <= len(_REASONS):
            event.stop()
            self.dismiss((self.value, _REASONS[int(key) - 1]))

    def action_skip(self) -> None:
        self.dismiss(None)


def ask_rating(screen: Any, code: str) -> None:
    """Push the dialog on `screen` (a ServiceScreen) and record the answer in a worker."""
    from counter.services.voice import rate_at_counter

    store, actor = screen.capp.store, screen.capp.actor

    def answered(result: tuple[str, str | None] | None) -> None:
        if result is None:
            return
        value, reason = result
        screen.call_service(lambda: rate_at_counter(store, actor, code, value, reason),
                            lambda label: screen.notify(f"Đã ghi đánh giá “{label}” cho hồ sơ {code}", markup=False),
                            screen.show_error, group="rating")

    screen.app.push_screen(RateDialog(code), answered)
