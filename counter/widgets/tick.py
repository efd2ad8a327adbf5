"""Tick boxes that read without colour: "[✓]" ticked, "[ ]" not, drawn in the text's own colour.

Textual's Checkbox and SelectionList draw the same "X" in both states and tell them apart by colour only; on
some themes an unticked box disappears into the background and on a monochrome terminal both look alike."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets.selection_list import SelectionType
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist

TICKED, UNTICKED = "✓", " "


def box(ticked: bool) -> tuple[str, str, str]:
    return "[", TICKED if ticked else UNTICKED, "]"


class Tick(Checkbox):
    """A Checkbox shown as [✓] / [ ]."""

    @property
    def _button(self) -> Content:
        left, inner, right = box(self.value)
        return Content.assemble(left, (inner, "bold"), right)


class TickList(SelectionList[SelectionType]):
    """A SelectionList whose boxes are [✓] / [ ] (the highlight still shows where the cursor is)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 4 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        _, scroll_y = self.scroll_offset
        try:
            option = self.get_option_at_index(scroll_y + y)
        except OptionDoesNotExist:
            return strip
        left, inner, right = box(option.value in self._selected)
        # the prompt's own style (visible on every theme), with the button's meta (which option a click hits)
        style = (segments[3].style or Style()) + Style.from_meta((segments[1].style or Style()).meta)
        segments[0:3] = [Segment(left, style), Segment(inner, style + Style(bold=True)), Segment(right, style)]
        return Strip(segments)
