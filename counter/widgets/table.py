"""A DataTable that fits its width: on a narrow terminal the flexible columns shrink (to a floor), then the least
useful columns go, in the order the screen names; on a wider one they come back. Each screen decides, per table,
which columns may shrink and which go first; the code, status and due date are never in the drop list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import DataTable

SCROLLBAR = 2  # room kept for the vertical scrollbar, so a growing list never pushes the last column out


def fit_columns(spec: Sequence[tuple[str, int]], available: int, shrink: dict[str, int] | None = None,
                drop: Sequence[str] = (), padding: int = 1) -> tuple[tuple[int, int], ...]:
    """Which columns to show at `available` cells and how wide: (index, width) in the table's order.

    Preferred widths if they fit; else the columns in `shrink` give up cells, in the order named, each down to
    its floor before the next; if even the floors do not fit, the next column in `drop` goes and we try again.
    With nothing left to drop, the floors are kept and the table scrolls sideways."""
    shrink = shrink or {}
    shown = list(range(len(spec)))
    dropping = [i for name in drop for i, (label, _w) in enumerate(spec) if label == name]
    while True:
        widths = {i: spec[i][1] for i in shown}
        floors = {i: min(widths[i], shrink.get(spec[i][0], widths[i])) for i in shown}
        cost = 2 * padding * len(shown)
        if sum(floors.values()) + cost <= available or not dropping:
            deficit = sum(widths.values()) + cost - available
            for name in shrink:  # in the order given: the first one named gives up its cells first
                for i in shown:
                    if deficit > 0 and spec[i][0] == name:
                        take = min(widths[i] - floors[i], deficit)
                        widths[i] -= take
                        deficit -= take
            return tuple((i, widths[i]) for i in shown)
        shown.remove(dropping.pop(0))


def _copy(cell: Any) -> Any:
    return cell.copy() if isinstance(cell, Text) else cell


class FittedTable(DataTable):
    """DataTable(columns=[(label, width), ...], shrink={label: floor}, drop=[label, ...]).

    Screens use it as a DataTable (clear, add_row, cursor, RowSelected); it keeps every row's cells so a resize
    can bring a dropped column back (full_row gives them all). Rows are only appended (no sorting or
    removing single rows)."""

    def __init__(self, columns: Iterable[tuple[str, int]], *, shrink: dict[str, int] | None = None,
                 drop: Sequence[str] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self.spec: list[tuple[str, int]] = list(columns)
        self.shrink_to = dict(shrink or {})  # not `shrink`: Textual's Widget.shrink is a reactive bool
        self.drop = list(drop)
        self._rows: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self._layout: tuple[tuple[int, int], ...] | None = None

    @property
    def shown_labels(self) -> list[str]:
        """The labels of the columns on screen now (for tests)."""
        return [self.spec[i][0] for i, _w in self._layout or ()]

    def on_mount(self) -> None:
        self._relayout()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout(event.size.width)

    def _relayout(self, width: int | None = None) -> None:
        width = self.size.width if width is None else width
        if width <= 0:
            layout = tuple((i, w) for i, (_l, w) in enumerate(self.spec))
        else:
            layout = fit_columns(self.spec, width - SCROLLBAR, self.shrink_to, self.drop, self.cell_padding)
        if layout == self._layout:
            return
        self._layout = layout
        row = self.cursor_row
        super().clear(columns=True)
        for i, w in layout:
            super().add_column(self.spec[i][0], width=w, key=f"c{i}")
        for cells, kwargs in self._rows:
            super().add_row(*self._visible(cells), **kwargs)
        if self._rows and row > 0:
            self.move_cursor(row=min(row, len(self._rows) - 1))

    def _visible(self, cells: tuple[Any, ...]) -> list[Any]:
        # copies: rendering truncates a Text in place, and a wider column later must get the whole text back
        return [_copy(cells[i]) if i < len(cells) else "" for i, _w in self._layout or ()]

    def full_row(self, row_index: int) -> dict[str, Any]:
        """The whole row by column label, shown or dropped (get_row_at gives the cells on screen)."""
        cells = self._rows[row_index][0]
        return {label: cells[i] if i < len(cells) else "" for i, (label, _w) in enumerate(self.spec)}

    def add_column(self, label: Any, *, width: int | None = None, key: str | None = None,
                   default: Any = None) -> Any:
        self.spec.append((str(label), width or len(str(label))))
        self._layout = None
        self._relayout()
        return f"c{len(self.spec) - 1}"

    def add_row(self, *cells: Any, height: int | None = 1, key: str | None = None, label: Any = None) -> Any:
        kwargs = {"height": height, "key": key, "label": label}
        if self._layout is None:
            self._relayout()
        self._rows.append((tuple(_copy(c) for c in cells), kwargs))
        return super().add_row(*self._visible(cells), **kwargs)

    def clear(self, columns: bool = False) -> FittedTable:
        self._rows.clear()
        super().clear()
        return self
