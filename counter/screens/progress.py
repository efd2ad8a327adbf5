"""F4 Xử lý: find a dossier (its receipt's QR, its code, or a name), then record what happens to it, one action at
a time (hand-off and back, supplement, fee, result, withdrawal, stop, extension, note), printing Mẫu 02/04/05/06."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from counter.domain.calendar import format_vn
from counter.screens.base import ServiceScreen
from counter.screens.keys import KeyScope
from counter.widgets.qr_input import QrInput
from counter.widgets.status import BottomBar

if TYPE_CHECKING:
    from counter.services.progress import ActionInfo, ProgressView


FINAL_KINDS = {"stopped": "Dừng xử lý", "withdrawn": "Ghi nhận rút"}


def _t(dt: Any) -> str:
    return format_vn(dt) if dt else "—"


class EventForm(KeyScope, ModalScreen[dict | None], scope="progress-event"):
    """The fields of one action; Enter goes to the next field and, on the last one, records; Esc cancels."""

    def __init__(self, code: str, info: ActionInfo, explain: str = ""):
        super().__init__()
        self.code, self.info, self.explain = code, info, explain

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box", id="event-form"):
            title = f"{self.info.label.upper()} — {self.code}" + (f" (in Mẫu {self.info.form})" if self.info.form else "")
            yield Static(Text(title, style="bold"))
            if self.explain:
                yield Static(Text(self.explain), id="event-explain")
            for f in self.info.fields:
                with Horizontal(classes="form-row"):
                    yield Label(f.label + (" *" if f.required else ""), classes="form-label")
                    yield Input(placeholder=f.placeholder, id=f"f-{f.name}", compact=True, classes="form-input")
            if not self.info.fields:
                yield Static(Text("Không cần nhập thêm: Enter để ghi nhận."))
            yield Static("", id="event-error", markup=False, classes="field-error")
            yield Static(Text("Enter: ô sau / ghi nhận · Ctrl+S: ghi nhận · Esc: hủy", style="dim"))

    def on_key(self, event: Any) -> None:
        if not self.info.fields and event.key == "enter":
            event.stop()
            self.action_submit()

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        i = inputs.index(event.input)
        if i + 1 < len(inputs):
            inputs[i + 1].focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        values = {f.name: self.query_one(f"#f-{f.name}", Input).value.strip() for f in self.info.fields}
        missing = [f.label for f in self.info.fields if f.required and not values[f.name]]
        if missing:
            self.query_one("#event-error", Static).update(Text(f"Chưa nhập: {', '.join(missing)}"))
            return
        self.dismiss({k: v for k, v in values.items() if v})

    def action_cancel(self) -> None:
        self.dismiss(None)

    def dirty(self) -> bool:
        return any(inp.value.strip() for inp in self.query(Input))  # a note or a field typed, not recorded yet


class ProgressScreen(ServiceScreen, scope="progress"):
    HELP = ("Xử lý hồ sơ ({progress}). Quét mã QR trên giấy tiếp nhận, quét mã vạch hoặc gõ mã hồ sơ (hoặc họ tên, số "
            "CCCD, điện thoại) rồi Enter. Danh sách bên dưới chỉ có các bước được phép ở trạng thái hiện tại và với "
            "vai trò của bạn: mũi tên chọn, Enter mở ô nhập (Enter đi tiếp, {event.submit} ghi nhận, {event.cancel} "
            "hủy). Các bước: "
            "chuyển hồ sơ cho cơ quan/người xử lý và nhận lại (Phiếu kiểm soát Mẫu 06), yêu cầu bổ sung (in Mẫu 02), "
            "nhận bổ sung (hạn mới theo lịch), yêu cầu/ghi nhận nộp phí, có kết quả, rút hồ sơ, dừng xử lý (in Mẫu "
            "05), gia hạn (giám sát; in Mẫu 04 với ngày hẹn mới), ghi chú, phát hành kết quả điện tử (ký số bằng khóa "
            "của bạn, mã PIN hỏi một lần trong phiên; tệp PDF, bản quét kết quả giấy, hoặc giấy tờ đã quét ở F3). Hồ sơ"
            "miễn phí không có bước phí, lệ phí. "
            "{progress.slip} in Phiếu kiểm soát (Mẫu 06). {progress.reprint} in lại: chọn một biểu mẫu hồ sơ này có "
            "(Mẫu 01 với hẹn trả ban "
            "đầu, 02–06, phiếu bàn giao), mẫu vừa in được chọn sẵn. {progress.find} về ô tìm.")
    AUTO_FOCUS = "#find"

    def __init__(self, code: str | None = None) -> None:
        super().__init__()
        self.code: str | None = code
        self.view: ProgressView | None = None
        self.last_form: str | None = None
        self._actions: dict[str, ActionInfo] = {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="progress-body"):
            yield Static(Text("XỬ LÝ HỒ SƠ", style="bold"), id="progress-title")
            yield QrInput(placeholder="Quét QR giấy tiếp nhận / mã vạch, hoặc gõ mã hồ sơ, họ tên, CCCD rồi Enter",
                        id="find")
            yield Static("", id="find-msg", classes="field-error", markup=False)
            yield OptionList(id="matches")
            yield Static("", id="summary")
            yield Static(Text("Bước xử lý được phép", style="bold"), classes="section")
            yield OptionList(id="actions")
            yield Static("", id="refused", markup=False)
            yield Static(Text("Phiếu kiểm soát quá trình (Mẫu 06)", style="bold"), classes="section")
            yield DataTable(id="slip", cursor_type="row", show_cursor=False)
            yield Static("", id="progress-result", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        self.query_one("#matches").display = False
        slip = self.query_one("#slip", DataTable)
        slip.add_columns("Giao → Nhận", "Thời gian", "Kết quả", "Ghi chú")
        self.listen_serial_scanner(self.scanned)
        if self.code:
            self.load(self.code)

    def on_unmount(self) -> None:
        self.stop_serial_scanner()

    def refocus(self) -> None:
        self.action_back_to_find()

    def action_back_to_find(self) -> None:
        box = self.query_one("#find", Input)
        box.value = ""
        box.focus()

    # ---- finding ---------------------------------------------------------------------------------------
    def scanned(self, text: str) -> None:
        self.query_one("#find", Input).value = ""
        self.find(text)

    @on(Input.Submitted, "#find")
    def find_submitted(self, event: Input.Submitted) -> None:
        self.find(event.value)

    def find(self, text: str) -> None:
        from counter.domain.progress import ScanError, parse_scan

        msg = self.query_one("#find-msg", Static)
        msg.update("")
        try:
            parse_scan(text)
        except ScanError as exc:
            if text.strip() and not any(c in text for c in "/|"):  # a name, phone or ID number: search
                self.search(text)
                return
            msg.update(Text(exc.message))
            return
        from counter.services.giveback import locate

        store, actor = self.capp.store, self.capp.actor
        self.call_service(lambda: locate(store, actor, text), self.load,  # type: ignore[arg-type]
                          lambda m: msg.update(Text(m)), group="find", exclusive=True)

    def search(self, text: str) -> None:
        from counter.services.dossiers import search

        store = self.capp.store
        self.call_service(lambda: search(store, text, page_size=8), self.show_matches, group="find",  # type: ignore[arg-type]
                          exclusive=True)

    def show_matches(self, page: Any) -> None:
        ol = self.query_one("#matches", OptionList)
        ol.clear_options()
        for d in page.items:
            ol.add_option(Option(Text(f"{d.code}  {d.owner_name}  ·  {d.procedure_name}  ·  {d.status_label}"),
                                 id=d.code))
        ol.display = bool(page.items)
        if page.items:
            ol.highlighted = 0
            ol.focus()
        else:
            self.query_one("#find-msg", Static).update(Text("Không tìm thấy hồ sơ nào"))

    @on(OptionList.OptionSelected, "#matches")
    def match_chosen(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#matches").display = False
        self.load(str(event.option.id))

    # ---- showing ---------------------------------------------------------------------------------------
    def load(self, code: str, focus_actions: bool = True) -> None:
        from counter.services.progress import progress_view

        self.code = code
        store, actor = self.capp.store, self.capp.actor
        self.call_service(lambda: progress_view(store, actor, code),  # type: ignore[arg-type]
                          lambda v: self.show(v, focus_actions), group="load", exclusive=True)

    def show(self, v: ProgressView, focus_actions: bool = True) -> None:
        if self.view is None or self.view.code != v.code:
            self.last_form = None  # Ctrl+R highlights what was printed for this dossier, not the previous one
        self.view, self.code = v, v.code
        self.query_one("#find-msg", Static).update("")
        info = Table.grid(padding=(0, 2))
        info.add_column(style="dim")
        info.add_column()
        due = _t(v.due_at) + (f" (hẹn ban đầu {_t(v.original_due_at)})"
                              if v.original_due_at and v.original_due_at != v.due_at else "")
        fee = "Miễn phí" if v.fee == 0 else f"{v.fee:,} đ".replace(",", ".") + (" — đã nộp" if v.fee_paid
                                                                                 else " — chưa nộp")
        for label, value in (("Hồ sơ", f"{v.code} · {v.status_label}"), ("Chủ hồ sơ", v.owner_name),
                             ("Thủ tục", v.procedure_name), ("Nhận lúc / hẹn trả", f"{_t(v.received_at)} / {due}"),
                             ("Hồ sơ đang ở", v.held_by or "Bộ phận một cửa"), ("Phí, lệ phí", fee),
                             ("Sau bổ sung", v.supplement_clock)):
            info.add_row(Text(label), Text(value))
        if v.step:  # issue 17: the internal step in progress and its own deadline
            info.add_row(Text("Bước xử lý"), Text(v.step + (" — QUÁ HẠN BƯỚC" if v.step_late else ""),
                                                  style="bold red" if v.step_late else ""))
        self.query_one("#summary", Static).update(info)
        ol = self.query_one("#actions", OptionList)
        ol.clear_options()
        self._actions = {a.kind: a for a in v.actions}
        for a in v.actions:
            label = a.label[0].upper() + a.label[1:]
            if a.kind == "transferred":
                label = f"Nhận lại hồ sơ từ {v.held_by}" if v.held_by else "Chuyển hồ sơ cho cơ quan / người xử lý"
            ol.add_option(Option(Text(label + (f"  (in Mẫu {a.form})" if a.form else "")), id=a.kind))
        if v.held_by and "transferred" in self._actions:  # forwarding to another agency is a hand-off too
            ol.add_option(Option(Text(f"Chuyển tiếp từ {v.held_by} sang nơi khác"), id="transferred:forward"))
        if not v.actions:
            ol.add_option(Option(Text("(không còn bước nào được phép ở trạng thái này)"), id="none", disabled=True))
        self.query_one("#refused", Static).update(
            Text("Vai trò của bạn không được: " + ", ".join(v.refused_actions), style="dim") if v.refused_actions
            else "")
        slip = self.query_one("#slip", DataTable)
        slip.clear()
        for r in v.rows:
            slip.add_row(Text(f"{r.giver} → {r.receiver}"), _t(r.at), Text(r.result_label), Text(r.note))
        if not v.rows:
            slip.add_row(Text("(chưa giao nhận)", style="dim"), "", "", "")
        if focus_actions and v.actions:
            ol.highlighted = 0
            # the page stays at its top (the dossier, then the first steps): Textual's scroll to the focused list
            # ran against the layout before these lines or after them, depending on timing, so the same dossier
            # opened scrolled one way or the other (a flaky 80×24 snapshot)
            ol.focus(scroll_visible=False)

    # ---- acting ----------------------------------------------------------------------------------------
    @on(OptionList.OptionSelected, "#actions")
    def action_chosen(self, event: OptionList.OptionSelected) -> None:
        if self.code is None or self.view is None:
            return
        from dataclasses import replace

        choice = str(event.option.id)
        kind = choice.split(":")[0]
        info = self._actions.get(kind)
        if info is None:
            return
        if kind == "transferred":  # direction is decided by where the file is: ask only what matters
            keep = ("person", "note") if self.view.held_by and choice != "transferred:forward" else ("to", "person", "note")
            info = replace(info, fields=tuple(
                f if f.name != "to" else replace(f, required=True) if not self.view.next_unit else
                replace(f, placeholder=f"để trống: bước tiếp theo, {self.view.next_unit}")
                for f in info.fields if f.name in keep))
            self._direction = "back" if self.view.held_by and choice != "transferred:forward" else "out"
            info, explain = self.hand_off_words(info, choice)
            self.app.push_screen(EventForm(self.code, info, explain), lambda values: self.record(kind, values))
            return
        if kind == "result_issued":  # issue 20: signed with the official's key, not a plain record
            explain = ("Kết quả (tệp PDF điện tử, bản quét JPEG/PNG/PDF của kết quả giấy đã ký, hoặc số thứ tự giấy "
                       "tờ đã quét ở F3) được ký số bằng khóa của bạn rồi gắn vào hồ sơ; công dân tải về ở trang tra "
                       "cứu. Mã PIN hỏi một lần trong phiên làm việc.")
            self.app.push_screen(EventForm(self.code, info, explain), self.issue_result)
            return
        self.app.push_screen(EventForm(self.code, info), lambda values: self.record(kind, values))

    def issue_result(self, values: dict | None) -> None:
        """Phát hành kết quả điện tử: the PIN once per session, then signed and attached in a worker."""
        if values is None or self.code is None:
            return
        from counter.screens.sign import sign_with_pin
        from counter.services.signing import issue_result_from

        store, actor, code = self.capp.store, self.capp.actor, self.code
        box = self.query_one("#progress-result", Static)
        yes = values.get("data_store", "").strip().lower() in ("c", "có", "co", "x", "1")

        def work() -> Any:
            signing = self.capp.services.signing  # type: ignore[union-attr]  # sign_with_pin checked it
            return issue_result_from(store, signing, actor, code, values.get("source", ""),  # type: ignore[arg-type]
                                     values.get("name", ""), yes)

        def done(result: Any) -> None:
            box.update(Text(f"Đã phát hành kết quả điện tử “{result.name}” của hồ sơ {result.code} ({result.pages} "
                            f"trang), ký bởi {result.signer}" + (", đưa vào kho dữ liệu công dân" if yes else "")
                            + ".", style="bold green"))
            self.notify(f"Đã ký số và phát hành kết quả của hồ sơ {result.code}", markup=False)
            self.load(result.code)

        def failed(message: str) -> None:
            box.update(Text(f"Không phát hành được: {message}", style="bold red"))
            self.show_error(message)

        sign_with_pin(self, work, done, group="write", failed=failed)

    def hand_off_words(self, info: ActionInfo, choice: str) -> tuple[ActionInfo, str]:
        """The hand-off form says which way the file goes and who holds it: taking it back names the holder."""
        from dataclasses import replace

        assert self.view is not None
        held = self.view.held_by
        if held and choice != "transferred:forward":
            return (replace(info, label=f"nhận lại hồ sơ từ {held}"),
                    f"Ghi nhận {held} trả hồ sơ về Bộ phận một cửa (Phiếu kiểm soát thêm dòng "
                    f"“{held} → Bộ phận một cửa”).")
        if held:
            return (replace(info, label=f"chuyển tiếp hồ sơ từ {held}"),
                    f"Ghi nhận {held} chuyển tiếp hồ sơ cho cơ quan / người nhập dưới đây (Phiếu kiểm soát thêm "
                    "một dòng giao nhận).")
        return (replace(info, label="chuyển hồ sơ đi"),
                "Bộ phận một cửa giao hồ sơ cho cơ quan / người nhập dưới đây (Phiếu kiểm soát thêm một dòng "
                "giao nhận).")

    def record(self, kind: str, values: dict | None, confirmed: bool = False) -> None:
        if values is None or self.code is None:
            return
        if kind in FINAL_KINDS and not confirmed:  # closing a dossier cannot be undone: ask once more
            from counter.screens.modals import Confirm

            question = f"{FINAL_KINDS[kind]} hồ sơ {self.code}? Hồ sơ sẽ đóng, không xử lý tiếp được."
            self.ask(Confirm(question), lambda _yes: self.record(kind, values, True))
            return
        if kind == "transferred":
            values = {**values, "direction": getattr(self, "_direction", "out")}
        from counter.services.progress import record_event

        store, actor, code = self.capp.store, self.capp.actor, self.code
        box = self.query_one("#progress-result", Static)
        held = self.view.held_by if self.view is not None else None
        took_back = kind == "transferred" and values.get("direction") == "back" and held

        def done(result: Any) -> None:
            due = f", hẹn trả {_t(result.due_at)}" if result.due_at else ""
            label = f"nhận lại hồ sơ từ {held}" if took_back else result.label
            box.update(Text(f"Đã ghi “{label}” cho hồ sơ {result.code}: {result.status_label}{due}",
                            style="bold green"))
            self.notify(f"Đã ghi: {label}", markup=False)
            self.load(result.code)
            if result.form:
                self.print_form(result.form)
            if result.receipt:  # a fee taken here: its receipt, as F9 prints it
                self.print_receipt_in_background(result.code, result.receipt)

        def failed(message: str) -> None:
            box.update(Text(f"Không ghi được: {message}", style="bold red"))
            self.show_error(message)

        self.call_service(lambda: record_event(store, actor, code, kind, values), done, failed,  # type: ignore[arg-type]
                          group="write")

    def print_form(self, form: str) -> None:
        if self.code is None:
            self.notify("Chưa chọn hồ sơ", markup=False)
            return
        self.last_form = form
        self.print_in_background(self.code, form, self.query_one("#progress-result", Static))

    def dossier_in_hand(self) -> str | None:
        return self.code if self.view is not None else None

    def action_print_slip(self) -> None:
        self.print_form("06")

    def action_reprint(self) -> None:
        """Ctrl+R: the chooser of this dossier's forms (the one just printed highlighted)."""
        if self.code is None or self.view is None:
            self.notify("Chưa chọn hồ sơ: tìm hồ sơ trước rồi Ctrl+R để in lại", markup=False)
            return
        from counter.screens.reprint import choose_and_print

        choose_and_print(self, self.code, self.print_form, self.last_form)
