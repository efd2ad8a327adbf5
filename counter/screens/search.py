"""Search: one box for code, name, phone or ID number (with or without diacritics), a paged result list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from counter.domain.calendar import format_vn
from counter.screens.base import ServiceScreen
from counter.widgets.qr_input import QrInput
from counter.widgets.status import BottomBar
from counter.widgets.table import FittedTable

if TYPE_CHECKING:
    from textual.timer import Timer

    from counter.services.dossiers import SearchPage

PAGE_SIZE = 20
DEBOUNCE = 0.15
# the receiving date is in the code itself (…-yyMMdd-NNNN); lateness is a word and a colour, never colour alone
COLUMNS = [("Mã hồ sơ", 19), ("Chủ hồ sơ", 22), ("Thủ tục", 27), ("Trạng thái", 20), ("Tiến độ", 24),
           ("Hẹn trả", 16)]
#: on a narrow terminal: how far each column shrinks, in this order (the lateness last: at 80 columns the due
#: date keeps its day, the lateness its number), and which column goes (code, status, due date stay)
SHRINK = {"Thủ tục": 10, "Chủ hồ sơ": 12, "Trạng thái": 12, "Hẹn trả": 10, "Tiến độ": 14}
DROP = ["Thủ tục"]


def late_text(days: int) -> Text:
    """"quá hạn 3 ngày làm việc" in bold red; empty when on time."""
    return Text(f"quá hạn {days} ngày làm việc", style="bold red", no_wrap=True, overflow="ellipsis") if days \
        else Text("")


def cell(value: str) -> Text:
    """Citizen data as plain text (never markup), cut with an ellipsis when the column is too narrow."""
    return Text(value, no_wrap=True, overflow="ellipsis")


class SearchScreen(ServiceScreen, scope="search"):
    HELP = ("Gõ mã hồ sơ, họ tên, số điện thoại hoặc số CCCD — có dấu hay không dấu đều được (“dang van an” "
            "tìm thấy “Đặng Văn An”). Mũi tên xuống hoặc Enter để vào danh sách, Enter để mở hồ sơ, "
            "{search.next-page}/{search.prev-page} để sang trang, {search.back} để quay lại ô tìm kiếm.")
    AUTO_FOCUS = "#query"
    page = 0
    has_next = False
    codes: Sequence[str] = ()  # the dossiers of the page shown
    _timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield QrInput(placeholder="Tìm theo mã hồ sơ, họ tên, số điện thoại, số CCCD — có dấu hay không dấu đều được",
                    id="query")
        yield FittedTable(COLUMNS, shrink=SHRINK, drop=DROP, id="results", cursor_type="row", zebra_stripes=True)
        yield Static("", id="pager", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        self.run_search()

    @on(Input.Changed, "#query")
    def query_changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.page = 0
        self._timer = self.set_timer(DEBOUNCE, self.run_search)

    @on(Input.Submitted, "#query")
    def query_submitted(self) -> None:
        if self.codes:
            self.query_one("#results", DataTable).focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key == "down" and self.focused is self.query_one("#query") and self.codes:
            self.query_one("#results", DataTable).focus()
            event.stop()

    def run_search(self) -> None:
        store = self.capp.store
        if store is None:
            return
        text, page = self.query_one("#query", Input).value, self.page
        from counter.services import dossiers  # imported off the start-up path; already loaded by now

        self.call_service(lambda: dossiers.search(store, text, page=page, page_size=PAGE_SIZE), self.show_page,
                          group="search", exclusive=True)

    def show_page(self, result: SearchPage) -> None:
        table = self.query_one("#results", DataTable)
        table.clear()
        self.codes = [d.code for d in result.items]
        for d in result.items:
            table.add_row(Text(d.code), cell(d.owner_name), cell(d.procedure_name), cell(d.status_label),
                          late_text(d.days_late), Text(format_vn(d.due_at) if d.due_at else "—"), key=d.code)
        self.has_next = result.has_next
        more = " · PageDown: trang sau" if result.has_next else ""
        prev = " · PageUp: trang trước" if result.page > 0 else ""
        shown = f"{len(result.items)} kết quả trên trang" if result.items else "Không tìm thấy hồ sơ nào"
        self.query_one("#pager", Static).update(Text(f"Trang {result.page + 1} · {shown}{more}{prev}"))

    def action_page(self, delta: int) -> None:
        if (delta > 0 and not self.has_next) or (delta < 0 and self.page == 0):
            return
        self.page += delta
        self.run_search()

    def action_back_to_query(self) -> None:
        self.query_one("#query", Input).focus()

    def refocus(self) -> None:
        self.action_back_to_query()

    @on(DataTable.RowSelected, "#results")
    def open_dossier(self, event: DataTable.RowSelected) -> None:
        from counter.screens.dossier import DossierScreen

        self.app.push_screen(DossierScreen(str(event.row_key.value)))
