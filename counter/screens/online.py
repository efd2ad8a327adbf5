"""F8 Hồ sơ trực tuyến: the office's online dossiers waiting to be checked (oldest first, the working hours
each has waited, a mark past the office's limit), those waiting for the citizen apart; open one to check its
papers against the uploaded files, preview or open each file, then receive, ask once for what is missing, or
refuse. Every step is a service call (counter/services/online.py) in a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from counter.domain.calendar import format_vn
from counter.domain.permissions import Action, can
from counter.screens.base import LiveScreen, ServiceScreen
from counter.screens.modals import AskText, Confirm
from counter.widgets.status import BottomBar
from counter.widgets.table import FittedTable

if TYPE_CHECKING:
    from counter.services.online import OnlineDossier, Outcome, Preview, WaitingItem, WaitingList

COLUMNS = [("!", 2), ("Mã hồ sơ", 20), ("Chủ hồ sơ", 18), ("Đã chờ", 15), ("Thủ tục", 26), ("Ghi chú", 16)]
SHRINK = {"Chủ hồ sơ": 12, "Thủ tục": 14, "Ghi chú": 8}
DROP = ["Ghi chú", "Thủ tục"]
PAPER_COLUMNS = [("Giấy tờ", 30), ("Tệp đã nộp", 34), ("Kiểm tra", 18)]
PAPER_SHRINK = {"Giấy tờ": 18, "Tệp đã nộp": 18, "Kiểm tra": 10}
NO_FILE = "— chưa nộp tệp"
NOT_UPLOADED = "Chưa nộp tệp"


def cell(value: str, style: str = "") -> Text:
    return Text(value, style=style, no_wrap=True, overflow="ellipsis")


def waited(hours: float) -> str:
    from counter.services.online import waited_text  # this module loads on F8, after login

    return waited_text(hours)


def note_of(i: WaitingItem) -> str:
    parts = (["hỗ trợ nộp"] if i.assisted else []) + ([f"đã yêu cầu {i.requests} lần"] if i.requests else [])
    return ", ".join(parts)


class OnlineScreen(LiveScreen, scope="online"):
    STAMP_GROUP = "online-stamp"
    HELP = ("Hồ sơ trực tuyến: hồ sơ công dân nộp qua Cổng dịch vụ công, chờ bộ phận một cửa kiểm tra và tiếp nhận. "
            "Danh sách xếp hồ sơ nộp trước lên đầu, cột “Đã chờ” tính theo giờ làm việc; dấu ! là đã chờ quá "
            "giới hạn của cơ quan. Bên dưới là hồ sơ đã yêu cầu bổ sung, đang chờ công dân nộp tệp. Enter mở hồ "
            "sơ để kiểm tra từng giấy tờ, xem tệp, rồi tiếp nhận, yêu cầu bổ sung (một lần, đầy đủ) hoặc từ chối. "
            "{online.refresh} làm mới.")
    AUTO_FOCUS = "#online-table"
    DEFAULT_CSS = """
    #online-table { height: 2fr; }
    #online-awaiting { height: 1fr; }
    #online-summary, #online-awaiting-title { height: 1; padding: 0 1; }
    #online-awaiting-title { color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        yield Static(Text("HỒ SƠ TRỰC TUYẾN CHỜ TIẾP NHẬN", style="bold"), id="online-title")
        yield Static("", id="online-summary", markup=False)
        yield FittedTable(COLUMNS, shrink=SHRINK, drop=DROP, id="online-table", cursor_type="row",
                          zebra_stripes=True)
        yield Static("", id="online-awaiting-title", markup=False)
        yield FittedTable(COLUMNS, shrink=SHRINK, drop=DROP, id="online-awaiting", cursor_type="row")
        yield BottomBar()

    def on_mount(self) -> None:
        self.load()
        self.follow_store()

    def on_screen_resume(self) -> None:
        self.load()

    def refocus(self) -> None:
        self.query_one("#online-table", DataTable).focus()

    def action_reload(self) -> None:
        self.load()

    def load(self) -> None:
        from counter.services import online

        self.call_signed_in(online.waiting_list, self.show_list, group="online", exclusive=True)

    def show_list(self, result: WaitingList) -> None:
        self.note_stamp()
        limit = f"{result.limit_hours:g}"
        self.query_one("#online-summary", Static).update(Text.assemble(
            (f"Chờ tiếp nhận: {result.waiting_total}", "bold"),
            (f" · quá {limit} giờ làm việc: {result.late_total}", "bold red" if result.late_total else ""),
            f" · chờ công dân bổ sung: {result.awaiting_total}"))
        self._fill("#online-table", result.waiting, "Không có hồ sơ trực tuyến nào chờ tiếp nhận")
        self.query_one("#online-awaiting-title", Static).update(Text(
            f"Đã yêu cầu bổ sung, chờ công dân nộp tệp ({result.awaiting_total})"))
        self._fill("#online-awaiting", result.awaiting, "")

    def _fill(self, selector: str, items: list[WaitingItem], empty: str) -> None:
        table = self.query_one(selector, DataTable)
        row = table.cursor_row
        table.clear()
        for i in items:
            table.add_row(cell("!", "bold red") if i.late else cell(""), cell(i.code), cell(i.owner_name),
                          cell(waited(i.hours), "bold red" if i.late else ""), cell(i.procedure_name),
                          cell(note_of(i)), key=i.code)
        if items:
            table.move_cursor(row=min(max(row, 0), len(items) - 1))
        elif empty:
            table.add_row(cell(""), cell(empty), key="")

    def reload_changed(self) -> None:
        self.load()

    @on(DataTable.RowSelected)
    def open_one(self, event: DataTable.RowSelected) -> None:
        code = str(event.row_key.value or "")
        if code:
            self.app.push_screen(OnlineDossierScreen(code))


class OnlineDossierScreen(ServiceScreen, scope="online-dossier"):
    HELP = ("Kiểm tra một hồ sơ trực tuyến: mỗi dòng là một tệp công dân đã nộp, bên cạnh giấy tờ của thủ tục. "
            "{online.preview} xem trang đầu của tệp ngay tại đây, {online.viewer} mở tệp bằng trình xem của máy. "
            "{online.ok} đánh dấu giấy tờ đạt, {online.wrong} ghi giấy tờ chưa đạt và lý do. Sau đó: "
            "{online.receive} tiếp nhận (hẹn trả tính từ lúc này, tệp đã nộp thành bản số hóa, in Mẫu 01), "
            "{online.ask} yêu cầu bổ sung — một lần, liệt kê đầy đủ mọi giấy tờ thiếu hoặc chưa đạt (lần thứ hai "
            "chỉ giám sát được gửi, kèm lý do), {online.refuse} từ chối tiếp nhận (Mẫu 03). {online.close} quay lại.")
    AUTO_FOCUS = "#papers-table"
    DEFAULT_CSS = """
    #od-owner { height: auto; padding: 0 1; }
    #od-main { height: 1fr; }
    #papers-table { width: 2fr; height: 1fr; }
    #od-preview { width: 1fr; height: 1fr; border-left: solid $primary; padding: 0 1; }
    #od-status { height: auto; padding: 0 1; }
    OnlineDossierScreen.-narrow #od-main { layout: vertical; }
    OnlineDossierScreen.-narrow #papers-table { width: 1fr; }
    OnlineDossierScreen.-narrow #od-preview { width: 1fr; height: 8; border-left: none; }
    """

    def __init__(self, code: str):
        super().__init__()
        self.code = code
        self.dossier: OnlineDossier | None = None
        self.rows: list[tuple[str, str | None]] = []  # (paper, file sha or None) per table row
        self.checks: dict[str, str] = {}  # paper -> "" fine, or what is wrong
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static(Text(f"HỒ SƠ TRỰC TUYẾN {self.code}", style="bold"), id="od-title")
        yield Static("", id="od-owner", markup=False)
        with Horizontal(id="od-main"):
            yield FittedTable(PAPER_COLUMNS, shrink=PAPER_SHRINK, id="papers-table", cursor_type="row")
            with Vertical(id="od-preview"):
                yield Static(Text("Chọn một tệp, bấm V để xem trang đầu.", style="dim"), id="od-preview-text")
        yield Static("", id="od-status", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        self.load()

    def dirty(self) -> bool:
        return bool(self.checks) and not self.busy

    def load(self) -> None:
        from counter.services import online

        code = self.code
        self.call_signed_in(lambda store, actor: online.open_dossier(store, actor, code), self.show_dossier,
                            group="od")

    def show_dossier(self, d: OnlineDossier) -> None:
        self.dossier = d
        lines = [f"Chủ hồ sơ: {d.owner_name}" + (f" · CCCD {d.owner_id_number}" if d.owner_id_number else "")
                 + (f" · sinh {'/'.join(reversed(d.owner_birth_date.split('-')))}" if d.owner_birth_date else ""),
                 "Liên hệ: " + " · ".join(x for x in (d.owner_phone, d.owner_email) if x) if (d.owner_phone or
                                                                                               d.owner_email)
                 else "Liên hệ: (không ghi)",
                 f"Địa chỉ: {d.owner_address or '(không ghi)'}",
                 f"Thủ tục: {d.procedure_name} ({d.procedure_code}) · nộp {format_vn(d.filed or d.since)}"
                 + (f" · bổ sung {format_vn(d.since)}" if d.filed and d.since > d.filed else "")
                 + (" · cán bộ hỗ trợ nộp" if d.assisted else "") + (" · từ Cổng DVC quốc gia"
                                                                      if d.source == "portal" else "")]
        if d.asked:
            lines.append("Đã yêu cầu bổ sung: " + "; ".join(f"{n} ({r})" for n, r in d.asked))
        self.query_one("#od-owner", Static).update(Text("\n".join(lines)))
        self.refill()

    def refill(self) -> None:
        d = self.dossier
        if d is None:
            return
        table = self.query_one("#papers-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.rows = []
        for p in d.papers:
            mark = self.checks.get(p.name)
            check = cell("chưa kiểm tra", "dim") if mark is None else cell("✓ đạt", "bold green") if mark == "" \
                else cell(f"✗ {mark}", "bold red")
            name = p.name + (" *" if p.required else "")
            if not p.files:
                table.add_row(cell(name), cell(NO_FILE, "yellow" if p.required else "dim"), check)
                self.rows.append((p.name, None))
            for i, f in enumerate(p.files):
                table.add_row(cell(name if i == 0 else ""), cell(f.label), check if i == 0 else cell(""))
                self.rows.append((p.name, f.sha256))
        if self.rows:
            table.move_cursor(row=min(max(row, 0), len(self.rows) - 1))

    def _current(self) -> tuple[str, str | None] | None:
        table = self.query_one("#papers-table", DataTable)
        if not self.rows or table.cursor_row < 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _say(self, message: str, style: str = "") -> None:
        self.query_one("#od-status", Static).update(Text(message, style=style))

    # ---- files ----

    def _current_file(self, verb: str):  # type: ignore[no-untyped-def]
        """(store, actor, dossier code, sha256) of the highlighted paper's file; None, said on the status line,
        when the paper has no file to `verb` (xem, mở)."""
        cur = self._current()
        if cur is None or cur[1] is None:
            self._say(f"Giấy tờ này chưa có tệp để {verb}.", "yellow")
            return None
        store, actor = self.session()
        return store, actor, self.code, cur[1]

    def action_preview(self) -> None:
        from counter.services import online

        picked = self._current_file("xem")
        if picked is None:
            return
        store, actor, code, sha = picked
        box = self.query_one("#od-preview")
        width, height = max(10, box.size.width - 2), max(4, box.size.height - 2)
        self._say("Đang tải tệp…")
        self.call_service(lambda: online.preview(store, actor, code, sha, width, height), self.show_preview,
                          self._failed, group="od-preview", exclusive=True)

    def show_preview(self, p: Preview) -> None:
        self.query_one("#od-preview-text", Static).update(Text("\n".join([p.note, *p.lines])))
        self._say("")

    def action_viewer(self) -> None:
        from counter.services import online

        picked = self._current_file("mở")
        if picked is None:
            return
        store, actor, code, sha = picked
        self.call_service(lambda: online.open_in_viewer(store, actor, code, sha),
                          lambda path: self._say(f"Đã mở tệp bằng trình xem của máy: {path}"), self._failed,
                          group="od-viewer")

    def _failed(self, message: str) -> None:
        self.busy = False
        self._say(message, "bold red")
        self.show_error(message)

    # ---- ticks ----

    def action_ok(self) -> None:
        cur = self._current()
        if cur is not None:
            self.checks[cur[0]] = ""
            self.refill()

    def action_wrong(self) -> None:
        cur = self._current()
        if cur is None:
            return
        paper = cur[0]
        default = NOT_UPLOADED if cur[1] is None else self.checks.get(paper, "")

        def done(reason: str | None) -> None:
            if reason:
                self.checks[paper] = reason
                self.refill()

        self.app.push_screen(AskText("Giấy tờ chưa đạt", f"{paper}: ghi rõ chưa đạt vì sao (thiếu, ảnh mờ, sai "
                                     "mẫu…)", default), done)

    # ---- outcomes ----

    def _done(self, result: Outcome) -> None:
        self.busy = True
        self.checks = {}
        self.notify(result.message, markup=False, timeout=10)
        self.app.pop_screen()

    def action_receive(self) -> None:
        from counter.services import online

        store, actor = self.session()
        code = self.code
        wrong = {k: v for k, v in self.checks.items() if v}

        def go(_yes: bool) -> None:
            self.call_service(lambda: online.receive(store, actor, code, wrong), self._done, self._failed,
                              group="od-act", exclusive=True)

        self.ask(Confirm(f"Tiếp nhận hồ sơ {code}? Hạn giải quyết tính từ lúc này; các tệp đã nộp "
                         "thành bản số hóa của hồ sơ."), go)

    def missing(self) -> dict[str, str]:
        """What the notice lists: each paper marked wrong, and each required paper without a file."""
        d = self.dossier
        out = {k: v for k, v in self.checks.items() if v}
        if d is not None:
            for p in d.papers:
                if p.required and not p.files and self.checks.get(p.name) != "":
                    out.setdefault(p.name, NOT_UPLOADED)
        return out

    def action_ask(self) -> None:
        from counter.services import online

        d = self.dossier
        store, actor, code = self.capp.store, self.capp.actor, self.code
        if d is None or actor is None:
            return
        assert store is not None  # the screen opens only once the store is open
        missing = self.missing()
        if not missing:
            self._say("Chưa có giấy tờ nào chưa đạt: bấm S trên giấy tờ thiếu hoặc chưa đạt, ghi lý do.", "yellow")
            return

        def send(override: str = "") -> None:
            self.call_service(lambda: online.ask_missing(store, actor, code, missing, override_reason=override),
                              self._done, self._failed, group="od-act", exclusive=True)

        listing = "; ".join(f"{n}: {r}" for n, r in missing.items())
        if d.requests >= 1:
            if not can(actor.role, Action.OVERRIDE_SUPPLEMENT):
                self._failed(f"Hồ sơ {code} đã được yêu cầu bổ sung một lần: theo quy định chỉ yêu cầu một lần, "
                             "đầy đủ. Chỉ lãnh đạo / giám sát được yêu cầu thêm lần nữa, kèm lý do.")
                return
            self.ask(AskText("Yêu cầu bổ sung lần nữa", f"Hồ sơ đã được yêu cầu bổ sung {d.requests} "
                             f"lần. Lý do phải yêu cầu thêm ({listing}):"), send)
            return
        self.ask(Confirm(f"Gửi yêu cầu bổ sung (một lần, đầy đủ): {listing}?"), lambda _yes: send())

    def action_refuse(self) -> None:
        from counter.services import online

        store, actor = self.session()
        code = self.code

        def go(reason: str) -> None:
            self.call_service(lambda: online.refuse(store, actor, code, reason), self._done, self._failed,
                              group="od-act", exclusive=True)

        self.ask(AskText("Từ chối tiếp nhận (Mẫu 03)", f"Lý do từ chối hồ sơ {code} (không thuộc thẩm "
                         "quyền, không đủ điều kiện…):"), go)

    def action_close(self) -> None:
        self.app.pop_screen()
