"""F6 Việc của tôi (clerks and postal staff): the dossiers I received today, and those assigned to me that are due
today, overdue, waiting for the citizen or ready to return. The supervisor's queue buckets, for one person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from counter.domain.calendar import VN_TZ
from counter.screens.base import DossierPages
from counter.screens.keys import bindings
from counter.screens.search import cell, late_text
from counter.services.queue import MY_BUCKET_LABELS, MY_BUCKETS  # this module loads on F6, after login
from counter.widgets.status import BottomBar
from counter.widgets.table import FittedTable

if TYPE_CHECKING:
    from counter.services.queue import QueueItem, QueuePage

PAGE_SIZE = 20
BUCKET_KEYS = MY_BUCKETS  # keys 1–5
# most useful first: on a narrow terminal the last columns are the ones off screen
COLUMNS = [("Mã hồ sơ", 19), ("Chủ hồ sơ", 16), ("Hẹn trả", 11), ("Tiến độ", 24), ("Trạng thái", 20),
           ("Thủ tục", 22)]
#: narrow terminal: names shrink first, then the procedure goes (code, due date, lateness and status stay)
SHRINK = {"Trạng thái": 12, "Chủ hồ sơ": 12, "Tiến độ": 14}
DROP = ["Thủ tục"]


def _cells(item: QueueItem) -> tuple[Text, ...]:
    progress = (late_text(item.days_late) if item.days_late
                else cell(f"chờ {item.waiting_for}" if item.waiting_for else ""))
    due = item.due_at.astimezone(VN_TZ).strftime("%d/%m %H:%M") if item.due_at else "—"
    return (Text(item.code), cell(item.owner_name), Text(due), progress, cell(item.status_label),
            cell(item.procedure_name))


class MyWorkScreen(DossierPages):
    STAMP_GROUP = "mywork-stamp"
    BUCKET_LIST, TABLE, PAGER, BUCKETS, LABELS = "my-buckets", "my-table", "my-pager", BUCKET_KEYS, MY_BUCKET_LABELS
    HELP = ("Việc của tôi: hồ sơ bạn tiếp nhận hôm nay, và hồ sơ được giao cho bạn đến hạn hôm nay, quá hạn (tính "
            "theo ngày làm việc), đang chờ công dân bổ sung giấy tờ hoặc nộp phí, đã có kết quả chờ trả. Phím "
            "{mywork.bucket-1}–{mywork.bucket-5} "
            "chọn nhóm (hoặc mũi tên trong danh sách nhóm), Enter trên một hồ sơ để mở hồ sơ (ở đó {dossier.reprint} để in lại "
            "biểu mẫu), {mywork.next-page}/{mywork.prev-page} sang trang. Danh sách tự làm mới khi có thay đổi.")
    AUTO_FOCUS = "#my-table"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    DEFAULT_CSS = """
    #my-main { height: 1fr; }
    #my-buckets { width: 27; height: 1fr; }
    #my-right { width: 1fr; height: 1fr; }
    #my-table { height: 1fr; }
    #my-pager { height: 1; color: $text-muted; padding: 0 1; }
    MyWorkScreen.-narrow #my-main { layout: vertical; }
    MyWorkScreen.-narrow #my-buckets { width: 1fr; height: 7; }
    """
    BINDINGS = [
        *(Binding(str(n), f"bucket('{b}')", MY_BUCKET_LABELS[b], show=False, id=f"mywork.bucket-{n}")
          for n, b in enumerate(BUCKET_KEYS, 1)),
        *bindings("mywork"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bucket = "received_today"
        self.codes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("VIỆC CỦA TÔI", style="bold"), id="my-title")
        with Horizontal(id="my-main"):
            yield OptionList(*[Option(f"{n} {MY_BUCKET_LABELS[b]}", id=b) for n, b in enumerate(BUCKET_KEYS, 1)],
                             id="my-buckets")
            with Vertical(id="my-right"):
                yield FittedTable(COLUMNS, shrink=SHRINK, drop=DROP, id="my-table", cursor_type="row",
                                  zebra_stripes=True)
                yield Static("", id="my-pager", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        self.query_one("#my-buckets", OptionList).highlighted = 0
        self.load()
        self.follow_store()

    def refocus(self) -> None:
        self.query_one("#my-table", DataTable).focus()

    def load(self) -> None:
        from counter.services import queue

        bucket, page_no = self.bucket, self.page_no
        self.call_signed_in(lambda store, actor: queue.my_page(store, actor, bucket, page_no=page_no,
                                                               page_size=PAGE_SIZE),
                            self.show_page, group="mywork", exclusive=True)

    def show_page(self, result: QueuePage) -> None:
        self.stamp = result.stamp
        self.show_rows(result, _cells, lambda i, b: f"{i + 1} {MY_BUCKET_LABELS[b]}", " · Enter: mở hồ sơ")

    def action_bucket(self, bucket: str) -> None:
        self.query_one("#my-buckets", OptionList).highlighted = BUCKET_KEYS.index(bucket)
        self.choose(bucket)
        self.query_one("#my-table", DataTable).focus()

    def load_page(self) -> None:
        self.load()

    def reload_changed(self) -> None:
        self.load()
