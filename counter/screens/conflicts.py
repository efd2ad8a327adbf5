"""Xung đột đồng bộ: the events of this station the central server did not accept (kept for ever), and what the
clerk does about each: open the dossier, redo the step on top of the server's state, or dismiss it with a note.

Opened from the command palette (Ctrl+P, "Xung đột đồng bộ"); Esc goes back.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from counter.domain.calendar import format_vn
from counter.screens.base import ServiceScreen
from counter.screens.modals import AskText, Confirm
from counter.widgets.status import BottomBar, StatusBar


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class ConflictsScreen(ServiceScreen, scope="conflicts"):
    HELP = ("Mỗi dòng là một thao tác của quầy này mà máy chủ trung tâm không nhận (thường vì quầy khác đã đổi "
            "hồ sơ trước khi hai bên đồng bộ). Hồ sơ ở quầy đã theo bản của máy chủ. Với mỗi dòng: {conflicts.open} mở hồ sơ; "
            "{conflicts.redo} làm lại thao tác trên bản hiện tại của hồ sơ (nếu bây giờ không còn làm được, màn hình "
            "nói vì sao); "
            "{conflicts.dismiss} bỏ qua kèm ghi chú lý do. Dòng đã xử lý rời danh sách nhưng được giữ mãi: "
            "{conflicts.all} để xem cả những dòng đó. "
            "{conflicts.reload}: tải lại danh sách, {conflicts.back}: quay lại.")
    DEFAULT_CSS = """
    ConflictsScreen #conflicts-table { height: auto; max-height: 1fr; }
    ConflictsScreen #conflicts-detail { margin: 1 1 0 1; }
    ConflictsScreen #conflicts-result { margin: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.show_all = False
        self.rows: dict[str, Any] = {}  # event id -> ConflictInfo

    def compose(self) -> ComposeResult:
        yield Static("Xung đột đồng bộ — thao tác máy chủ không nhận", id="conflicts-title")
        yield Static("", id="conflicts-summary", markup=False)
        yield DataTable(id="conflicts-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="conflicts-detail", markup=False)  # the highlighted row in full (the table cuts)
        yield Static("", id="conflicts-result", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        self._columns()
        self.action_reload()

    def _columns(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        # the most useful first: a narrow terminal cuts the last columns (the line under the table has them all)
        table.add_columns("Mã hồ sơ", "Thao tác", *(["Xử lý"] if self.show_all else []), "Nội dung", "Lúc",
                          "Lý do")

    def action_reload(self, keep: str | None = None) -> None:
        from counter.services import sync as sync_service

        store = self.capp.store
        if store is None:
            return
        show_all = self.show_all
        self.call_service(lambda: (sync_service.conflicts(store, include_resolved=show_all),
                                   sync_service.status(store)),
                          lambda result: self._show(*result, keep=keep))

    def _show(self, rows: list, status: Any = None, keep: str | None = None) -> None:  # type: ignore[type-arg]
        if status is not None:  # the footer's count follows at once, not at the next sync cycle
            self.capp.sync_status = status
            for bar in self.query(StatusBar):
                bar.refresh_status()
        table = self.query_one(DataTable)
        table.clear()
        self.rows = {c.event_id: c for c in rows}
        if not rows:
            self.query_one("#conflicts-detail", Static).update("")
        for c in rows:
            # long texts are cut in the table; the line under it shows the highlighted row in full
            cells = [Text(c.dossier_code), Text(c.kind_label), Text(_cut(c.details or "—", 32)),
                     format_vn(c.event_at), Text(_cut(c.reason, 24))]
            if self.show_all:
                cells.insert(2, Text("chưa xử lý" if c.is_open else _cut(f"{c.resolution_label} · "
                                                                       f"{c.resolved_by_name or ''}", 28)))
            table.add_row(*cells, key=c.event_id)
        open_count = sum(c.is_open for c in rows)
        if not rows:
            summary = "Không có xung đột: mọi thao tác của quầy đã được máy chủ nhận hoặc đã được xử lý."
        elif self.show_all:
            summary = f"{len(rows)} thao tác bị từ chối, {open_count} chưa xử lý (A: chỉ xem dòng chưa xử lý)."
        else:
            summary = (f"{len(rows)} thao tác bị từ chối chưa xử lý. Enter: mở hồ sơ · L: làm lại · "
                       "B: bỏ qua kèm ghi chú · A: xem cả dòng đã xử lý.")
        self.query_one("#conflicts-summary", Static).update(summary)
        if keep is not None and keep in self.rows:
            table.move_cursor(row=table.get_row_index(keep))
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        c = self.rows.get(str(event.row_key.value)) if event.row_key is not None else None
        text = "" if c is None else (
            f"{c.dossier_code} · {c.kind_label}{' (' + c.details + ')' if c.details else ''} lúc "
            f"{format_vn(c.event_at)}, bị từ chối lúc {format_vn(c.rejected_at)}: {c.reason}"
            + ("" if c.is_open else f" — {c.resolution_label} lúc {format_vn(c.resolved_at)}, "
               f"{c.resolved_by_name or ''}{': ' + c.note if c.note else ''}"))
        self.query_one("#conflicts-detail", Static).update(Text(text, style="italic"))

    def _current(self) -> Any:
        table = self.query_one(DataTable)
        if not table.row_count:
            self.notify("Không có xung đột nào để xử lý.", markup=False)
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(str(key))

    def _say(self, text: str, style: str) -> None:
        self.query_one("#conflicts-result", Static).update(Text(text, style=style))

    def action_open_dossier(self) -> None:
        from counter.screens.dossier import DossierScreen

        c = self._current()
        if c is not None:
            self.app.push_screen(DossierScreen(c.dossier_code))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_dossier()

    def _open_current(self) -> Any:
        """The highlighted conflict if it is still open (a settled one says how it was settled)."""
        c = self._current()
        if c is not None and not c.is_open:
            self.show_error(f"Xung đột này {c.resolution_label}.")
            return None
        return c

    def action_redo(self) -> None:
        c = self._open_current()
        if c is None:
            return
        question = (f"Làm lại “{c.kind_label}” trên hồ sơ {c.dossier_code} theo bản hiện tại của hồ sơ (bản của "
                    "máy chủ)? Thao tác mới được gửi ở lần đồng bộ sau.")
        self.ask(Confirm(question), lambda _yes: self._redo(c))

    def _redo(self, c: Any) -> None:
        from counter.services import sync as sync_service

        store, actor = self.capp.store, self.capp.actor

        def done(result: Any) -> None:
            text = (f"Đã làm lại “{result.kind_label}” trên hồ sơ {result.code}: trạng thái {result.status_label}; "
                    "sẽ gửi lên máy chủ ở lần đồng bộ sau.")
            self._say(text, "bold green")
            self.notify(text, markup=False)
            self.action_reload()

        def failed(message: str) -> None:
            self._say(f"{message} — B: bỏ qua kèm ghi chú, Enter: mở hồ sơ.", "bold red")
            self.show_error(message)

        self.call_service(lambda: sync_service.redo_conflict(store, actor, c.event_id), done, failed)  # type: ignore[arg-type]

    def action_dismiss_conflict(self) -> None:
        c = self._open_current()
        if c is None:
            return
        ask = AskText(f"Bỏ qua xung đột của hồ sơ {c.dossier_code}",
                      f"“{c.kind_label}” sẽ không được làm lại. Ghi chú lý do (bắt buộc, được lưu lại):")
        self.ask(ask, lambda note: self._dismiss(c, note))

    def _dismiss(self, c: Any, note: str) -> None:
        from counter.services import sync as sync_service

        store, actor = self.capp.store, self.capp.actor

        def done(_: Any) -> None:
            text = f"Đã bỏ qua xung đột “{c.kind_label}” của hồ sơ {c.dossier_code}; ghi chú đã được lưu."
            self._say(text, "bold green")
            self.notify(text, markup=False)
            self.action_reload()

        self.call_service(lambda: sync_service.dismiss_conflict(store, actor, c.event_id, note), done)  # type: ignore[arg-type]

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self._columns()
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()
