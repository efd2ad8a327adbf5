"""Keys as a keyboard-mode scanner (or a fast typist) sends them: all queued before the app handles the first."""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key

from counter.app import CounterApp

SPECIAL = {"\t": "tab", "\r": "enter", "\n": "enter"}


def type_fast(app: CounterApp, text: str) -> None:
    """Post every key of `text` to the app at once, as the terminal driver does for one burst of input
    (pilot.press waits for the app to go idle after each key, which hides the races a scanner meets)."""
    for ch in text:
        key = SPECIAL.get(ch) or _character_to_key(ch)
        app.post_message(events.Key(key, None if ch in SPECIAL else ch))
