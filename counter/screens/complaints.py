"""F6 → Y: the supervisor's view of the citizens' voice (issue 19): complaints and suggestions from the
tracking page (assign, answer, close; the answer appears on the page), and the ratings per clerk and
procedure. The data lives on the central server; the screen calls services/voice.py in workers."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from counter.domain.calendar import format_vn
from counter.screens.base import ServiceScreen
from counter.screens.modals import AskText, Confirm

COLUMNS = ("Mã phản ánh", "Hồ sơ", "Loại", "Hạn trả lời", "Tình trạng", "Người xử lý")


class ComplaintsScreen(ServiceScreen, scope="complaints"):
    HELP = ("Phản ánh, kiến nghị của công dân (từ trang tra cứu) và đánh giá sự hài lòng.\n"
            "{voice.answer}: trả lời · {voice.assign}: giao người xử lý · {voice.close}: kết thúc · {voice.ratings}: "
            "đánh giá theo cán bộ, thủ tục · {voice.reload}: tải lại · {voice.back}: quay lại")

    def __init__(self) -> None:
        super().__init__()
        self.items: list = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Phản ánh, kiến nghị đang xử lý", style="bold"), id="voice-title")
            yield DataTable(id="voice-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="voice-detail", markup=False)
            yield Static("", id="voice-ratings", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#voice-table", DataTable).add_columns(*COLUMNS)
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        from counter.services import voice

        store, actor = self.session()
        self.call_service(lambda: voice.complaints(store, actor), self.show_items, self.show_error, group="voice")

    def show_items(self, items: list) -> None:
        self.items = items
        table = self.query_one("#voice-table", DataTable)
        table.clear()
        for c in items:
            table.add_row(*(Text(x) for x in (c.code, c.dossier_code, c.kind_label, format_vn(c.deadline_at),
                                                 c.status_label, c.owner or "—")), key=c.code)
        if not items:
            self.query_one("#voice-detail", Static).update("Không có phản ánh, kiến nghị nào đang chờ xử lý.")
        else:
            self.show_detail()

    def current(self):  # type: ignore[no-untyped-def]
        table = self.query_one("#voice-table", DataTable)
        if not self.items or table.cursor_row is None or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        c = self.current()
        if c is None:
            return
        text = f"{c.code} — {c.kind_label}\nNội dung: {c.text}"
        if c.answer:
            text += f"\nĐã trả lời: {c.answer}"
        self.query_one("#voice-detail", Static).update(text)

    def _act(self, action: str, **kw: str) -> None:
        from counter.services import voice

        c = self.current()
        if c is None:
            self.notify("Chọn một phản ánh trong danh sách trước", severity="warning")
            return
        store, actor = self.session()

        def done(updated) -> None:  # type: ignore[no-untyped-def]
            self.notify(f"Phản ánh {updated.code}: {updated.status_label}", markup=False)
            self.action_reload()

        self.call_service(lambda: voice.act_on_complaint(store, actor, c.code, action, **kw), done,
                          self.show_error, group="voice-write")

    def action_answer(self) -> None:
        c = self.current()
        if c is None:
            self.notify("Chọn một phản ánh trong danh sách trước", severity="warning")
            return
        self.ask(AskText(f"Trả lời phản ánh {c.code}", "Nội dung trả lời (công dân xem trên trang tra cứu):",
                         c.answer or ""), lambda text: self._act("answer", answer=text))

    def action_assign(self) -> None:
        if self.current() is None:
            self.notify("Chọn một phản ánh trong danh sách trước", severity="warning")
            return
        self.ask(AskText("Giao người xử lý", "Tên đăng nhập của cán bộ xử lý:"),
                 lambda name: self._act("assign", owner=name))

    def action_close(self) -> None:
        c = self.current()
        if c is None:
            return
        self.ask(Confirm(f"Kết thúc phản ánh {c.code}?"), lambda _yes: self._act("close"))

    def action_ratings(self) -> None:
        from counter.services import voice

        store, actor = self.session()

        def show(rows: list) -> None:
            lines = ["Đánh giá sự hài lòng (cán bộ · thủ tục: rất hài lòng / hài lòng / không hài lòng · tỷ lệ)"]
            lines += [f"{r.staff} · {r.procedure_code}: {r.very_satisfied} / {r.satisfied} / {r.unsatisfied} · "
                      f"{r.percent_satisfied:.1f}%" for r in rows] or ["Chưa có đánh giá nào."]
            self.query_one("#voice-ratings", Static).update("\n".join(lines))

        self.call_service(lambda: voice.ratings(store, actor), show, self.show_error, group="voice")
