"""F5 Trả kết quả: scan the receipt's QR (or type the code), check who collects (the owner, or someone with an
authorization, from their CCCD's QR), record the result papers and the fee, print the hand-over note; or send the
result by post and later mark it delivered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from counter.domain.scorecard import local_date
from counter.domain.calendar import format_vn
from counter.screens.base import ServiceScreen
from counter.widgets.status import BottomBar

if TYPE_CHECKING:
    from counter.services.giveback import ReturnView

RECEIVERS = [("Chủ hồ sơ", "owner"), ("Người được ủy quyền", "authorized")]


def _t(dt: Any) -> str:
    return format_vn(dt) if dt else "—"


def _row(name: str, label: str, placeholder: str = "") -> ComposeResult:
    with Horizontal(classes="form-row"):
        yield Label(label, classes="form-label")
        yield Input(placeholder=placeholder, id=name, compact=True, classes="form-input")


class ReturnScreen(ServiceScreen):
    HELP = ("Trả kết quả (F5). Quét mã QR trên giấy tiếp nhận của công dân (hoặc gõ mã hồ sơ) rồi Enter: hồ sơ mở "
            "ra trên phiếu trả. Người nhận: chủ hồ sơ, hoặc người được ủy quyền (quét QR CCCD của người đến nhận "
            "vào ô “QR CCCD người nhận”, ghi giấy ủy quyền). Số CCCD không khớp chủ hồ sơ mà không có ủy quyền thì "
            "bị từ chối. Ghi giấy tờ kết quả (vd: Giấy khai sinh:1; Trích lục:2) và số tiền phí thu nếu còn nợ. "
            "Ctrl+S: trả tại quầy và in phiếu bàn giao. F9: gửi qua bưu chính (số hiệu bưu gửi, địa chỉ). F10 (hoặc Ctrl+F): "
            "ghi nhận bưu điện đã phát. Ctrl+R in lại phiếu bàn giao. Esc về ô quét.")
    AUTO_FOCUS = "#find"
    BINDINGS = [
        Binding("ctrl+s", "give", "Trả tại quầy", id="return.give", priority=True),
        Binding("f9", "post", "Gửi bưu chính", id="return.post"),
        Binding("f10,ctrl+f", "delivered", "Đã phát", id="return.delivered"),
        Binding("ctrl+r", "reprint", "In lại", id="return.reprint"),
        Binding("escape", "back_to_find", "Về ô quét", id="return.find"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: ReturnView | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="return-body"):
            yield Static(Text("TRẢ KẾT QUẢ", style="bold"), id="return-title")
            yield Input(placeholder="Quét mã QR trên giấy tiếp nhận (hoặc gõ mã hồ sơ) rồi Enter", id="find")
            yield Static("", id="find-msg", classes="field-error", markup=False)
            yield Static("", id="return-summary")
            with Vertical(id="return-form"):
                with Horizontal(classes="form-row"):
                    yield Label("Người nhận", classes="form-label")
                    yield Select(RECEIVERS, value="owner", allow_blank=False, id="receiver", compact=True)
                yield from _row("cccd", "QR CCCD người nhận", "Quét QR trên CCCD của người đến nhận rồi Enter")
                yield Static("", id="cccd-msg", classes="field-error", markup=False)
                yield from _row("receiver_name", "Họ tên người nhận")
                yield from _row("receiver_id", "Số CCCD người nhận", "12 chữ số")
                yield from _row("authorization", "Giấy ủy quyền", "Số, ngày, nơi chứng thực (khi nhận thay)")
                yield from _row("papers", "Giấy tờ kết quả", "vd: Giấy khai sinh bản chính:1; Trích lục:2")
                yield from _row("fee", "Phí thu (đồng)", "Khi còn nợ phí, lệ phí")
                yield from _row("note", "Ghi chú")
                yield Static(Text("Gửi qua bưu chính (F9)", style="bold"), classes="section")
                yield from _row("tracking", "Số hiệu bưu gửi", "vd: EE123456789VN")
                yield from _row("address", "Địa chỉ nhận")
            yield Static("", id="return-result", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        self.query_one("#return-form").display = False
        self.listen_serial_scanner(self.scanned)

    def on_unmount(self) -> None:
        self.stop_serial_scanner()

    def refocus(self) -> None:
        self.action_back_to_find()

    def action_back_to_find(self) -> None:
        self.query_one("#find", Input).value = ""
        self.query_one("#find", Input).focus()

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    # ---- finding ---------------------------------------------------------------------------------------
    def scanned(self, text: str) -> None:
        """A serial scan: a CCCD (fields split by |) fills the collector; anything else opens a dossier."""
        if "|" in text and self.view is not None:
            self.apply_cccd(text)
        else:
            self.find(text)

    @on(Input.Submitted, "#find")
    def find_submitted(self, event: Input.Submitted) -> None:
        self.find(event.value)

    def find(self, text: str) -> None:
        from counter.services.giveback import return_view

        store, actor = self.capp.store, self.capp.actor
        msg = self.query_one("#find-msg", Static)
        msg.update("")

        def failed(message: str) -> None:
            msg.update(Text(message))
            self.view = None
            self.query_one("#return-form").display = False
            self.query_one("#return-summary", Static).update("")

        self.call_service(lambda: return_view(store, actor, text), self.show, failed, group="find",  # type: ignore[arg-type]
                          exclusive=True)

    def show(self, v: "ReturnView", fill: bool = True) -> None:
        self.view = v
        self.query_one("#find", Input).value = ""
        info = Table.grid(padding=(0, 2))
        info.add_column(style="dim")
        info.add_column()
        rows = [("Hồ sơ", f"{v.code} · {v.status_label}"), ("Chủ hồ sơ", v.owner_name),
                ("CCCD chủ hồ sơ", v.owner_id_number or "(không có)"), ("Thủ tục", v.procedure_name),
                ("Hẹn trả / có kết quả", f"{_t(v.due_at)} / {_t(v.resolved_at)}")]
        if v.fee:
            rows.append(("Phí, lệ phí", f"{v.fee:,} đ".replace(",", ".") + (" — đã nộp" if v.fee_paid else " — CHƯA NỘP")))
        if v.return_method == "post" or v.return_tracking:
            rows.append(("Nhận qua bưu chính", f"{v.return_address or '—'}"
                                               + (f" · số hiệu {v.return_tracking}" if v.return_tracking else "")))
        for label, value in rows:
            info.add_row(Text(label), Text(value))
        info.add_row(Text(""), Text(v.message, style="bold green" if v.ready else "bold yellow"))
        self.query_one("#return-summary", Static).update(info)
        self.query_one("#return-form").display = v.ready
        if v.ready and fill:
            for name in ("cccd", "receiver_name", "receiver_id", "authorization", "note", "tracking"):
                self.query_one(f"#{name}", Input).value = ""
            self.query_one("#receiver", Select).value = "owner"
            self.query_one("#papers", Input).value = "; ".join(f"{p['name']}:{p.get('count', 1)}" for p in v.papers)
            self.query_one("#fee", Input).value = str(v.fee) if v.fee and not v.fee_paid else ""
            self.query_one("#address", Input).value = v.return_address or ""
            self.query_one("#cccd-msg", Static).update("")
            self.query_one("#cccd", Input).focus()

    # ---- the collector ---------------------------------------------------------------------------------
    @on(Input.Submitted, "#cccd")
    def cccd_submitted(self, event: Input.Submitted) -> None:
        self.apply_cccd(event.value)

    def apply_cccd(self, text: str) -> None:
        from counter.domain.cccd import CccdError, parse_cccd

        msg = self.query_one("#cccd-msg", Static)
        try:
            card = parse_cccd(text, today=local_date(self.capp.clock.now()))
        except CccdError as exc:
            msg.update(Text(exc.message))
            return
        self.query_one("#cccd", Input).value = ""
        self.query_one("#receiver_name", Input).value = card.full_name
        self.query_one("#receiver_id", Input).value = card.id_number
        owner_id = self.view.owner_id_number if self.view else None
        notes = list(card.warnings)
        if owner_id and card.id_number != owner_id:
            self.query_one("#receiver", Select).value = "authorized"
            notes.insert(0, "Người nhận không phải chủ hồ sơ: cần giấy ủy quyền.")
            self.query_one("#authorization", Input).focus()
        else:
            self.query_one("#receiver", Select).value = "owner"
            self.query_one("#papers", Input).focus()
        msg.update(Text(" ".join(notes)))

    # ---- recording -------------------------------------------------------------------------------------
    def _write(self, fn: Any, done_text: str, form: str | None) -> None:
        if self.busy or self.view is None:
            if self.view is None:
                self.query_one("#find-msg", Static).update(Text("Quét mã QR hoặc gõ mã hồ sơ trước"))
            return
        self.busy = True
        box = self.query_one("#return-result", Static)
        code = self.view.code

        def done(v: "ReturnView") -> None:
            self.busy = False
            box.update(Text(f"{done_text} hồ sơ {code}.", style="bold green"))
            self.notify(f"{done_text} hồ sơ {code}", markup=False)
            self.show(v, fill=False)
            if form:
                self.print_handover()

        def failed(message: str) -> None:
            self.busy = False
            box.update(Text(f"Không ghi được: {message}", style="bold red"))
            self.show_error(message)

        self.call_service(fn, done, failed, group="write")

    def action_give(self) -> None:
        from counter.services.giveback import Collector, return_at_counter

        if self.view is None or not self.view.ready:
            self._not_ready()
            return
        store, actor, code = self.capp.store, self.capp.actor, self.view.code
        who = Collector(str(self.query_one("#receiver", Select).value), self.value("receiver_name"),
                        self.value("receiver_id"), self.value("authorization"))
        papers, fee, note = self.value("papers"), self.value("fee"), self.value("note")
        self._write(lambda: return_at_counter(store, actor, code, who, papers, fee, note),
                    "Đã trả kết quả tại quầy cho", "BG")

    def action_post(self) -> None:
        from counter.services.giveback import send_by_post

        if self.view is None or not self.view.ready:
            self._not_ready()
            return
        store, actor, code = self.capp.store, self.capp.actor, self.view.code
        tracking, address = self.value("tracking"), self.value("address")
        papers, fee, note = self.value("papers"), self.value("fee"), self.value("note")
        if not tracking:
            self.query_one("#tracking", Input).focus()
            self.show_error("Nhập số hiệu bưu gửi rồi bấm F9")
            return
        self._write(lambda: send_by_post(store, actor, code, tracking, address, papers, fee, note),
                    "Đã giao bưu chính kết quả của", "BG")

    def action_delivered(self) -> None:
        from counter.services.giveback import mark_delivered

        if self.view is None:
            self._not_ready()
            return
        store, actor, code = self.capp.store, self.capp.actor, self.view.code
        self._write(lambda: mark_delivered(store, actor, code, self.value("note")),
                    "Đã ghi nhận bưu điện phát", None)

    def _not_ready(self) -> None:
        message = self.view.message if self.view is not None else "Quét mã QR hoặc gõ mã hồ sơ trước"
        self.query_one("#find-msg", Static).update(Text(message))
        self.show_error(message)

    def print_handover(self) -> None:
        if self.view is None:
            return
        self.print_in_background(self.view.code, "BG", self.query_one("#return-result", Static),
                                 what="phiếu bàn giao", kept=" đã trả")

    def action_reprint(self) -> None:
        if self.view is None or self.view.returned_at is None:
            self.notify("Chưa có phiếu bàn giao để in lại", markup=False)
            return
        self.print_handover()
