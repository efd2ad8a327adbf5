"""F6 Hàng đợi (supervisor): today's queue by bucket, figures per clerk, the 766 scorecard, exports."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, OptionList, Select, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from counter.domain.calendar import format_vn
from counter.domain.permissions import Action, can
from counter.domain.scorecard import PERIOD_LABELS, Period, local_date, number, percent
from counter.screens.base import DossierPages
from counter.screens.keys import KeyScope, bindings
from counter.widgets.status import BottomBar
from counter.widgets.table import FittedTable

if TYPE_CHECKING:
    from counter.services.queue import Clerk, FilterChoices, QueueItem, QueuePage
    from counter.services.reports import ClerkFigures, Scorecard
    from counter.services.store import Actor, Store

PAGE_SIZE = 20
BUCKET_ORDER = ("due_today", "overdue", "due_soon", "waiting", "ready", "returned_today", "not_handed_over", "online")
BUCKET_LABELS = {"due_today": "Đến hạn hôm nay", "overdue": "Quá hạn", "due_soon": "Sắp đến hạn",
                 "waiting": "Chờ công dân", "ready": "Chờ trả kết quả", "returned_today": "Đã trả hôm nay",
                 "not_handed_over": "Chưa chuyển đúng hạn", "online": "Trực tuyến chờ tiếp nhận"}
QUEUE_COLUMNS = [("Mã hồ sơ", 19), ("Chủ hồ sơ", 18), ("Thủ tục", 16), ("Trạng thái", 16), ("Hẹn trả", 10),
                 ("Trễ", 16), ("Cán bộ", 14)]
#: narrow terminal: names shrink first, then the procedure and the clerk go (code, status, due, lateness stay)
QUEUE_SHRINK = {"Thủ tục": 11, "Cán bộ": 10, "Chủ hồ sơ": 12, "Trạng thái": 14}
QUEUE_DROP = ["Thủ tục", "Cán bộ"]
CLERK_COLUMNS = [("Cán bộ", 24), ("Tiếp nhận", 10), ("Đã trả", 8), ("Trễ hạn", 8), ("Đã giải quyết", 13),
                 ("TB ngày làm việc", 16)]
SCORE_COLUMNS = [("Chỉ số", 6), ("Nội dung", 44), ("Tử / mẫu", 12), ("Tỷ lệ", 8), ("Mục tiêu", 8), ("Điểm", 12),
                 ("Ghi chú", 30)]
SORT_OPTIONS = [("Hẹn trả", "due"), ("Hẹn trả (mới trước)", "due_desc"), ("Ngày nhận", "received"),
                ("Mã hồ sơ", "code"), ("Chủ hồ sơ", "owner")]
CHANNEL_OPTIONS = [("Trực tiếp", 1), ("Trực tuyến", 2), ("Bưu chính", 3)]
ONLINE_COLUMNS = [("Thủ tục", 34), ("Mức", 10), ("Tiếp nhận", 9), ("Trực tuyến", 10), ("Tỷ lệ", 8),
                  ("Hỗ trợ nộp", 10), ("Tỷ lệ hỗ trợ", 11), ("Mục tiêu", 10)]  # issue 15: the online share
PERIOD_OPTIONS = [(label, kind) for kind, label in PERIOD_LABELS.items()]


def cell(value: str) -> Text:
    return Text(value, no_wrap=True, overflow="ellipsis")


class ClerkPicker(KeyScope, ModalScreen["int | None"], scope="queue-picker"):
    """Pick the member of staff to give a dossier to: arrows, Enter; Esc cancels."""

    def __init__(self, code: str, clerks: list[Clerk], current: int | None):
        super().__init__()
        self.code, self.clerks, self.current = code, clerks, current

    def compose(self) -> ComposeResult:
        from counter.domain.permissions import Role

        with Vertical(classes="modal-box"):
            holder = next((c.full_name for c in self.clerks if c.id == self.current), None)
            yield Static(Text(f"Lấy hồ sơ {self.code} khỏi {holder} và giao cho cán bộ:" if holder
                              else f"Giao hồ sơ {self.code} (chưa giao cho ai) cho cán bộ:", style="bold"))
            yield OptionList(*[Option(Text(f"{c.full_name} ({c.username}, {Role(c.role).label})"
                                           + (" — đang xử lý" if c.id == self.current else "")), id=str(c.id))
                               for c in self.clerks], id="picker-list")
            yield Static(Text("Enter: giao · Esc: hủy", style="dim"))

    @on(OptionList.OptionSelected, "#picker-list")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _cells(item: QueueItem) -> tuple[Text, ...]:
    late = (Text(f"{item.days_late} ngày làm việc", style="bold red") if item.days_late
            else Text(item.waiting_for or ""))
    return (Text(item.code), cell(item.owner_name), cell(item.procedure_name), cell(item.status_label),
            Text(format_vn(item.due_at)[:10] if item.due_at else "—"), late, cell(item.assignee))


class QueueScreen(DossierPages):
    BUCKET_LIST, TABLE, PAGER, BUCKETS, LABELS = "buckets", "queue-table", "queue-pager", BUCKET_ORDER, BUCKET_LABELS
    STAMP_GROUP = "queue-stamp"
    HELP = ("Hàng đợi của bộ phận (chỉ giám sát). {queue.next-tab} đổi bảng: Hàng đợi → Theo cán bộ → Chỉ số → "
            "Trực tuyến (tỷ lệ nộp trực tuyến theo thủ tục so với mục tiêu năm, tỷ lệ hỗ trợ nộp; "
            "{queue.export-online} xuất PDF và XLSX). Bảng "
            "Hàng đợi: chọn nhóm bên trái (phím {queue.bucket-due_today}–{queue.bucket-online}), lọc theo "
            "cán bộ, "
            "thủ tục, lĩnh vực, kênh; Enter mở hồ sơ; {queue.reassign} giao hồ sơ cho cán bộ khác; "
            "{queue.next-page}/{queue.prev-page} sang trang. "
            "Bảng Theo cán bộ và Chỉ số: chọn ngày / tuần / tháng, {queue.prev-period} và {queue.next-period} sang "
            "kỳ trước / sau. "
            "Xuất: {queue.export-ledger-xlsx} sổ theo dõi (Mẫu 07) XLSX, {queue.export-ledger-pdf} sổ theo dõi PDF, "
            "{queue.export-scorecard} chỉ số CSV, {queue.export-queue} hàng đợi CSV — tệp ghi vào "
            "thư mục exports/ của kho dữ liệu. Danh sách tự làm mới khi có hồ sơ mới hoặc thay đổi.")
    AUTO_FOCUS = "#queue-table"
    BINDINGS = [
        *bindings("queue"),
        *(Binding(str(i + 1), f"bucket('{b}')", BUCKET_LABELS[b], show=False, id=f"queue.bucket-{b}")
          for i, b in enumerate(BUCKET_ORDER)),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bucket = "due_today"
        self.sort = "due"
        self.codes: list[str] = []
        self.assignees: dict[str, int | None] = {}
        self.counts: dict[str, int] = {}
        self.choices: FilterChoices | None = None
        self.period_kind = "month"
        self.period: Period | None = None
        self.last_export: str = ""

    # ---- layout --------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with TabbedContent(id="queue-tabs", initial="tab-queue"):
            with TabPane("Hàng đợi", id="tab-queue"):
                with Horizontal(id="queue-main"):
                    yield OptionList(*[Option(BUCKET_LABELS[b], id=b) for b in BUCKET_ORDER], id="buckets")
                    with Vertical(id="queue-right"):
                        with Horizontal(id="queue-filters"):
                            yield Select([], prompt="Cán bộ", id="f-clerk")
                            yield Select([], prompt="Thủ tục", id="f-procedure")
                            yield Select([], prompt="Lĩnh vực", id="f-field")
                            yield Select(CHANNEL_OPTIONS, prompt="Kênh", id="f-channel")
                            yield Select(SORT_OPTIONS, value="due", allow_blank=False, id="f-sort")
                        yield FittedTable(QUEUE_COLUMNS, shrink=QUEUE_SHRINK, drop=QUEUE_DROP, id="queue-table",
                                          cursor_type="row", zebra_stripes=True)
                        yield Static("", id="queue-pager", markup=False)
            with TabPane("Theo cán bộ", id="tab-clerks"):
                yield Select(PERIOD_OPTIONS, value="day", allow_blank=False, id="clerks-period-kind")
                yield Static("", id="clerks-period", markup=False)
                yield FittedTable(CLERK_COLUMNS, shrink={"Cán bộ": 14, "TB ngày làm việc": 8, "Đã giải quyết": 8},
                                  id="clerks-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Chỉ số", id="tab-score"):
                with Horizontal(id="score-top"):
                    yield Select(PERIOD_OPTIONS, value="month", allow_blank=False, id="score-period-kind")
                    yield Static("", id="score-period", markup=False)
                yield FittedTable(SCORE_COLUMNS, shrink={"Nội dung": 24, "Ghi chú": 12}, drop=["Ghi chú", "Mục tiêu"],
                                  id="score-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="score-summary", markup=False)
                yield _trend_widget()
            with TabPane("Trực tuyến", id="tab-online"):  # issue 15: services/online_report.py
                with Horizontal(id="online-top"):
                    yield Select(PERIOD_OPTIONS, value="month", allow_blank=False, id="online-period-kind")
                    yield Static("", id="online-period", markup=False)
                yield Static("", id="online-summary", markup=False)
                yield FittedTable(ONLINE_COLUMNS, shrink={"Thủ tục": 16}, drop=["Mục tiêu", "Mức"],
                                  id="online-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="export-result", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        actor = self.capp.actor
        if actor is None or not can(actor.role, Action.VIEW_QUEUE):  # the app hides F6; the services check too
            self.query_one("#queue-pager", Static).update(Text("Chỉ giám sát viên xem được hàng đợi của bộ phận"))
            return
        self.period = Period.of(self.period_kind, self._today())
        self.query_one("#buckets", OptionList).highlighted = 0
        self.load_choices()
        self.load_queue()
        self.follow_store()

    TABS = ("tab-queue", "tab-clerks", "tab-score", "tab-online")

    def action_next_tab(self) -> None:
        """V: Hàng đợi → Theo cán bộ → Chỉ số → Hàng đợi."""
        tabs = self.query_one("#queue-tabs", TabbedContent)
        tabs.active = self.TABS[(self.TABS.index(str(tabs.active)) + 1) % len(self.TABS)]
        focus = {"tab-queue": "#queue-table", "tab-clerks": "#clerks-table", "tab-score": "#score-table",
                 "tab-online": "#online-table"}
        self.query_one(focus[str(tabs.active)], DataTable).focus()

    def refocus(self) -> None:
        self.query_one("#queue-tabs", TabbedContent).active = "tab-queue"
        self.query_one("#queue-table", DataTable).focus()

    # ---- queue ---------------------------------------------------------------------------------------------

    def _filter(self) -> Any:
        from counter.services.queue import QueueFilter

        def v(id_: str) -> Any:
            value = self.query_one(id_, Select).value
            return None if value is Select.NULL else value

        return QueueFilter(assignee_id=v("#f-clerk"), procedure_code=v("#f-procedure"), field=v("#f-field"),
                           channel=v("#f-channel"))

    def load_choices(self) -> None:
        from counter.services import queue

        store, actor = self.capp.store, self.capp.actor
        self.call_service(lambda: queue.filter_choices(store, actor), self.show_choices, group="queue-choices")  # type: ignore[arg-type]

    def show_choices(self, choices: FilterChoices) -> None:
        self.choices = choices
        with self.prevent(Select.Changed):
            self.query_one("#f-clerk", Select).set_options([(c.full_name, c.id) for c in choices.clerks])
            self.query_one("#f-procedure", Select).set_options([(f"{n} ({c})", c) for c, n in choices.procedures])
            self.query_one("#f-field", Select).set_options([(f, f) for f in choices.fields])

    def load_queue(self) -> None:
        from counter.services import queue

        store, actor = self.capp.store, self.capp.actor
        bucket, flt, sort, page_no = self.bucket, self._filter(), self.sort, self.page_no
        self.call_service(lambda: queue.page(store, actor, bucket, flt, sort, page_no, PAGE_SIZE),  # type: ignore[arg-type]
                          self.show_queue, group="queue", exclusive=True)

    def show_queue(self, result: QueuePage) -> None:
        self.counts, self.stamp = result.counts, result.stamp
        self.assignees = {i.code: i.assignee_id for i in result.items}
        self.show_rows(result, _cells, lambda _i, b: BUCKET_LABELS[b])

    def action_bucket(self, bucket: str) -> None:
        self.query_one("#queue-tabs", TabbedContent).active = "tab-queue"
        self.query_one("#buckets", OptionList).highlighted = BUCKET_ORDER.index(bucket)
        self.choose(bucket)

    @on(Select.Changed, "#queue-filters Select")
    def filter_changed(self, event: Select.Changed) -> None:
        if event.select.id == "f-sort":
            self.sort = str(event.value)
        self.page_no = 0
        self.load_queue()

    def load_page(self) -> None:
        self.load_queue()

    def _current_code(self) -> str | None:
        table = self.query_one("#queue-table", DataTable)
        if not self.codes or table.cursor_row < 0:
            return None
        return self.codes[min(table.cursor_row, len(self.codes) - 1)]

    def action_voice(self) -> None:
        from counter.screens.complaints import ComplaintsScreen

        self.app.push_screen(ComplaintsScreen())

    def action_reassign(self) -> None:
        actor = self.capp.actor
        if actor is None or not can(actor.role, Action.REASSIGN):
            self.show_error("Tài khoản này không được giao hồ sơ cho cán bộ khác")
            return
        code = self._current_code()
        if code is None:
            self.notify("Chọn một hồ sơ trong danh sách trước", severity="warning")
            return
        if self.choices is None:
            return
        current = self.assignees.get(code)

        holder = next((c.full_name for c in self.choices.clerks if c.id == current), None)

        def done(assignee_id: int | None) -> None:
            if assignee_id is None or assignee_id == current:
                return
            from counter.services import queue

            store = self.capp.store
            self.call_service(lambda: queue.reassign(store, actor, code, assignee_id),  # type: ignore[arg-type]
                              lambda name: self.reassigned(code, name, holder))

        self.app.push_screen(ClerkPicker(code, self.choices.clerks, current), done)

    def reassigned(self, code: str, name: str, holder: str | None = None) -> None:
        self.notify(f"Đã giao hồ sơ {code}" + (f" từ {holder}" if holder else "") + f" cho {name}", markup=False)
        self.load_queue()

    def reload_changed(self) -> None:
        self.load_queue()
        self.load_tab()

    # ---- per clerk and scorecard ------------------------------------------------------------------------

    @on(TabbedContent.TabActivated, "#queue-tabs")
    def tab_activated(self) -> None:
        self.load_tab()

    def _active(self) -> str:
        return str(self.query_one("#queue-tabs", TabbedContent).active)

    def load_tab(self) -> None:
        if self.period is None:
            return
        tab = self._active()
        if tab == "tab-clerks":
            self.load_clerks()
        elif tab == "tab-score":
            self.load_score()
        elif tab == "tab-online":
            self.load_online()

    def _today(self) -> date:
        return local_date(self.capp.clock.now())

    def _shown_period(self) -> Period:
        """What an export covers: the period the tabs show, or this month before any."""
        return self.period or Period.month(self._today())

    def _tab_period(self, select_id: str) -> tuple[Store | None, Actor | None, Period | None]:
        """The store, the actor and the period for a tab's figures: the kind picked on that tab's selector
        becomes the screen's (a new kind starts at today's period)."""
        kind = str(self.query_one(select_id, Select).value)
        if kind != self.period_kind:
            self.period_kind = kind
            self.period = Period.of(kind, self._today())
        return self.capp.store, self.capp.actor, self.period

    @on(Select.Changed, "#clerks-period-kind, #score-period-kind, #online-period-kind")
    def period_kind_changed(self, event: Select.Changed) -> None:
        self.period_kind = str(event.value)
        self.period = Period.of(self.period_kind, self._today())
        self.load_tab()

    def action_shift(self, n: int) -> None:
        if self.period is None or self._active() == "tab-queue":
            return
        self.period = self.period.shift(self.period_kind, n)
        self.load_tab()

    def load_clerks(self) -> None:
        from counter.services import reports

        store, actor, period = self._tab_period("#clerks-period-kind")

        def work() -> list[ClerkFigures]:
            # period is None only when on_mount refused the queue to this actor: the call fails, as it did
            assert store is not None and actor is not None and period is not None
            return reports.clerk_figures(store, actor, period)

        def shown(figs: list[ClerkFigures]) -> None:
            assert period is not None  # work() returned, so there is one
            self.show_clerks(period, figs)

        self.call_service(work, shown, group="clerks", exclusive=True)

    def show_clerks(self, period: Period, figures: list[ClerkFigures]) -> None:
        self.query_one("#clerks-period", Static).update(
            Text(f"{PERIOD_LABELS[self.period_kind]}: {period.label} ([ kỳ trước · ] kỳ sau)"))
        table = self.query_one("#clerks-table", DataTable)
        table.clear()
        for f in figures:
            table.add_row(cell(f.full_name), Text(str(f.received)), Text(str(f.returned)),
                          Text(str(f.late), style="bold red" if f.late else ""), Text(str(f.resolved)),
                          Text(number(f.avg_days)), key=str(f.user_id))

    def load_score(self) -> None:
        from counter.services import reports

        store, actor, period = self._tab_period("#score-period-kind")
        self.call_service(lambda: reports.scorecard(store, actor, period), self.show_score,  # type: ignore[arg-type]
                          group="score", exclusive=True)

    def show_score(self, sc: Scorecard) -> None:
        self.query_one("#score-period", Static).update(
            Text(f"  {PERIOD_LABELS[self.period_kind]}: {sc.period.label} ([ kỳ trước · ] kỳ sau)"))
        table = self.query_one("#score-table", DataTable)
        table.clear()
        for i in sc.indicators:
            ratio = percent(i.ratio)
            style = "" if i.met is None else ("green" if i.met else "bold red")
            ratio += "" if i.met is None else (" ✓" if i.met else " ✗")  # met or not: a sign, not only a colour
            table.add_row(Text(i.code), cell(i.name),
                          Text(f"{i.numerator}/{i.denominator}" if i.available else "—"), Text(ratio, style=style),
                          Text(percent(i.target, 0)), Text(f"{number(i.score)}/{number(i.points)}"), cell(i.note),
                          key=i.code)
        table.add_row(Text("2.2"), cell("Thời gian giải quyết trung bình (ngày làm việc)"), Text(""),
                      Text(number(sc.avg_days)), Text(""), Text(""), Text(""), key="2.2")
        from counter.services.reports import LATE_SUPPLEMENT_LABEL

        late = sc.late_supplements
        table.add_row(Text("Đ19.4"), cell(LATE_SUPPLEMENT_LABEL), Text(f"{late}/{sc.agency_supplements}"),
                      Text(percent(Fraction(late, sc.agency_supplements)) if sc.agency_supplements else "—",
                           style="bold red" if late else ""), Text(""), Text(""),
                      cell("được phép nhưng bị tính" if late else ""), key="late-supplements")
        ch = sc.channels
        self.query_one("#score-summary", Static).update(Text(
            f"Tiếp nhận {sc.received} (trực tiếp {ch[1]}, trực tuyến {ch[2]}, bưu chính {ch[3]}) · "
            f"đã/đang giải quyết {sc.handled} · đúng hạn {sc.on_time} · trễ hạn {sc.late} · "
            f"tổng điểm {number(sc.total_score)}/{number(sc.total_points)} · yêu cầu bổ sung muộn "
            f"{sc.late_supplements}/{sc.agency_supplements}"))
        _draw_trend(self.query_one("#score-trend"), sc)

    def load_online(self) -> None:
        from counter.services import online_report

        store, actor, period = self._tab_period("#online-period-kind")
        self.call_service(lambda: online_report.online_report(store, actor, period),  # type: ignore[arg-type]
                          self.show_online, group="online-report", exclusive=True)

    def show_online(self, report: Any) -> None:
        from counter.domain.catalogue import ONLINE_LEVELS
        from counter.domain.scorecard import verdict

        self.query_one("#online-period", Static).update(
            Text(f"  {PERIOD_LABELS[self.period_kind]}: {report.period.label} ([ kỳ trước · ] kỳ sau)"))
        t, target = report.total, report.target
        met = t.met(target)
        self.query_one("#online-summary", Static).update(Text(
            f"Tiếp nhận {t.received} · nộp trực tuyến {t.online} ({percent(t.share)}) · hỗ trợ nộp {t.assisted} "
            f"({percent(t.assisted_share)} số hồ sơ trực tuyến) · chỉ số 3.x {percent(t.share_3x)}"
            + (f" · mục tiêu năm {percent(target, 0)}: {verdict(t, target).lower()}" if target else
               " · chưa đặt mục tiêu năm"), style="" if met is None else ("green" if met else "bold red")))
        table = self.query_one("#online-table", DataTable)
        table.clear()
        for r in report.procedures:
            judged = r.met(target)
            share = percent(r.share) + ("" if judged is None else (" ✓" if judged else " ✗"))
            level = ONLINE_LEVELS.get(r.level or "", "không").capitalize()
            table.add_row(cell(f"{r.key} {r.label}"), Text(level), Text(str(r.received)),
                          Text(str(r.online)), Text(share, style="" if judged is None else
                                                    ("green" if judged else "bold red")),
                          Text(str(r.assisted)), Text(percent(r.assisted_share)), Text(verdict(r, target)),
                          key=r.key)

    def action_export_online(self) -> None:
        """The online share report of the shown period (or this month) as PDF and XLSX in exports/."""
        from counter.services import online_report

        store, actor = self.capp.store, self.capp.actor
        period = self._shown_period()

        def work() -> str:
            assert store is not None and actor is not None
            paths = [online_report.write_online_report(store, actor, period, f) for f in ("pdf", "xlsx")]
            return ", ".join(str(p) for p in paths)

        self.notify("Đang xuất…", timeout=2)
        self.call_service(work, lambda paths: self.exported(f"Tỷ lệ trực tuyến {period.label}", paths),
                          group="export")

    # ---- exports -------------------------------------------------------------------------------------------

    def action_export(self, kind: str, fmt: str) -> None:
        from counter.services import reports

        store, actor = self.capp.store, self.capp.actor
        period = self._shown_period()
        if kind == "ledger" and self._active() == "tab-queue":
            period = Period.month(self._today())  # from the queue: this month's ledger
        bucket, flt = self.bucket, self._filter()
        self.notify("Đang xuất…", timeout=2)
        what = {"ledger": f"Sổ theo dõi {period.label}", "scorecard": f"Chỉ số {period.label}",
                "queue": f"Hàng đợi “{BUCKET_LABELS[bucket]}”"}[kind]
        self.call_service(lambda: reports.export(store, actor, kind, period, fmt, bucket=bucket, flt=flt),  # type: ignore[arg-type]
                          lambda path: self.exported(what, path), group="export")

    def exported(self, what: str, path: Any) -> None:
        self.last_export = str(path)
        self.query_one("#export-result", Static).update(Text(f"Đã xuất {what}: {path}"))
        self.notify(f"Đã xuất {what}: {path}", markup=False, timeout=8)


# ---- the trend chart: textual-plotext, or a bar fallback with Textual's own widgets -----------------------------

def _trend_widget() -> Any:
    try:
        from textual_plotext import PlotextPlot
    except Exception:  # pragma: no cover - the fallback when the package is missing
        return Static("", id="score-trend", markup=False)
    return PlotextPlot(id="score-trend")


def trend_series(sc: Scorecard) -> list[tuple[list[int], str, str]]:
    return [([t.received for t in sc.trend], "Tiếp nhận", "o"), ([t.returned for t in sc.trend], "Đã trả", "+"),
            ([t.late for t in sc.trend], "Trễ hạn", "x")]


def _draw_trend(widget: Any, sc: Scorecard) -> None:
    days = [t.day for t in sc.trend]
    if not hasattr(widget, "plt"):
        widget.update(Text("\n".join(f"{t.day:%d/%m} nhận {t.received:>3} trả {t.returned:>3} trễ {t.late:>3}"
                                     for t in sc.trend)))
        return
    plt = widget.plt
    plt.clear_data()
    plt.clear_figure()
    if not days:
        widget.refresh()
        return
    xs = list(range(1, len(days) + 1))
    # each series its own marker (the legend shows it), not only its colour: monochrome terminals, colour blindness
    for values, label, marker in trend_series(sc):
        plt.plot(xs, values, label=f"{marker} {label}", marker=marker)
    step = max(1, len(days) // 10)
    plt.xticks(xs[::step], [f"{d:%d/%m}" for d in days[::step]])
    plt.title(f"Theo ngày: {sc.period.label}")
    widget.refresh()
