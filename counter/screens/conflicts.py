"""Xung đột đồng bộ: the events of this station the central server did not accept (kept for ever).

Opened from the command palette (Ctrl+P, "Xung đột đồng bộ"); Esc goes back.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from counter.domain.calendar import format_vn
from counter.screens.base import ServiceScreen
from counter.widgets.status import BottomBar


class ConflictsScreen(ServiceScreen):
    HELP = ("Mỗi dòng là một thao tác của quầy này mà máy chủ trung tâm không nhận (thường vì quầy khác đã đổi "
            "hồ sơ trước khi hai bên đồng bộ). Hồ sơ ở quầy đã theo bản của máy chủ; thao tác bị từ chối được "
            "giữ lại ở đây mãi để cán bộ kiểm tra và làm lại nếu cần. R: tải lại danh sách, Esc: quay lại.")
    BINDINGS = [
        Binding("escape", "back", "Quay lại", id="conflicts.back"),
        Binding("r", "reload", "Tải lại", id="conflicts.reload"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("Xung đột đồng bộ — thao tác máy chủ không nhận", id="conflicts-title")
        yield Static("", id="conflicts-summary", markup=False)
        yield DataTable(id="conflicts-table", cursor_type="row", zebra_stripes=True)
        yield BottomBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Mã hồ sơ", "Thao tác", "Lúc", "Bị từ chối lúc", "Lý do")
        self.action_reload()

    def action_reload(self) -> None:
        from counter.services import sync as sync_service

        store = self.capp.store
        if store is None:
            return
        self.call_service(lambda: sync_service.conflicts(store), self._show)

    def _show(self, rows: list) -> None:  # type: ignore[type-arg]
        table = self.query_one(DataTable)
        table.clear()
        for c in rows:
            table.add_row(Text(c.dossier_code), Text(c.kind_label), format_vn(c.event_at), format_vn(c.rejected_at),
                          Text(c.reason), key=c.event_id)
        summary = (f"{len(rows)} thao tác bị từ chối." if rows else
                   "Không có xung đột: mọi thao tác của quầy đã được máy chủ nhận.")
        self.query_one("#conflicts-summary", Static).update(summary)
        table.focus()

    def action_back(self) -> None:
        self.app.pop_screen()
