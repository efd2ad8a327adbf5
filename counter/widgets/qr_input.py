"""Input fields that a keyboard-mode scanner types into: the whole scan arrives in one fast burst of keys that
ends with Tab or Enter.

Textual hands every key to the widget that had the focus when the app read it, and a field only acts on its
own keys later, one by one. So in a burst like "canbo⇥canbo123⏎" the keys after the Tab were already queued for
the user-name field before the Tab moved the focus on (they became "canbocanbo123"), and a scan's Tab suffix
moved the focus away without the scan ever being read.

- `QrInput` (the QR / code fields): Tab or Enter ends the scan. It is acted on after every key typed before it
  (a Submitted message with the whole text; an empty field's Tab just moves on), and the next scan or typed
  key REPLACES the finished text instead of being appended to it.
- `AdvanceInput` (e.g. the login's user name): Tab or Enter moves the focus to the next field at once, when the
  app reads the key, so the keys typed after it land in the next field; the Submitted message still follows
  the field's own keys.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class ScanEnded(Message):
    """Queued behind the keys the field has not handled yet: the scan's Tab or Enter, in its place."""

    bubble = False

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key


class QrInput(Input):
    """A field a scanner types into: Tab/Enter ends the scan (submits it), a new scan replaces the last one."""

    BINDINGS = [Binding("enter", "end_scan('enter')", show=False, priority=True),
                Binding("tab", "end_scan('tab')", show=False, priority=True)]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._finished = False  # the text is a finished scan: the next key or paste starts a new one

    def action_end_scan(self, key: str) -> None:
        # Runs when the app reads the key: keys typed before it may still wait in this field's queue.
        self.post_message(ScanEnded(key))

    async def on_scan_ended(self, message: ScanEnded) -> None:
        message.stop()
        if message.key == "tab" and not self.value.strip():
            self.screen.focus_next()  # nothing scanned: Tab is just Tab
            return
        self._finished = True
        self.select_all()
        await self.action_submit()

    def _start_new_scan(self) -> None:
        if self._finished:
            self._finished = False
            self.value = ""

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            self._start_new_scan()
        else:
            self._finished = False  # an arrow, Backspace…: the clerk is editing what is there
        await super()._on_key(event)

    def _on_paste(self, event: events.Paste) -> None:
        self._start_new_scan()
        super()._on_paste(event)


class AdvanceInput(Input):
    """Tab or Enter moves to the next field as soon as the app reads it, so fast typing follows the focus."""

    BINDINGS = [Binding("enter", "advance", show=False, priority=True),
                Binding("tab", "advance", show=False, priority=True)]

    async def action_advance(self) -> None:
        self.screen.focus_next()
        self.post_message(ScanEnded("enter"))  # Submitted after this field's own keys

    async def on_scan_ended(self, message: ScanEnded) -> None:
        message.stop()
        await self.action_submit()
