"""F5 Trả kết quả: scan the receipt's QR (or type the code), check who collects (the owner, or someone with an
authorization paper, identified by their CCCD's QR), record the result papers and the fee, confirm who collects
what, print the hand-over note; or send the result by post and later mark it delivered.

A chip card's QR scanned into ANY box of the form is taken as the collector's card (never kept as text in that
box); the service and the reducer refuse a '|' in any text of a hand-over too."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from counter.domain.scorecard import local_date
from counter.domain.calendar import format_vn
from counter.domain.handover import AUTHORIZATION_KINDS, looks_like_card
from counter.screens.base import ServiceScreen
from counter.screens.modals import Confirm
from counter.widgets.qr_input import QrInput
from counter.widgets.status import BottomBar

if TYPE_CHECKING:
    from counter.domain.cccd import CccdData
    from counter.services.giveback import Collector, ReturnPreview, ReturnView
    from counter.services.store import Actor, Store

RECEIVERS = [("Chủ hồ sơ", "owner"), ("Người được ủy quyền", "authorized")]
#: what is handed over at the counter (issue 20): the paper result, the signed electronic one, or both
RESULT_FORM_CHOICES = [("Bản giấy", "paper"), ("Bản điện tử", "electronic"), ("Cả hai", "both")]
#: the text boxes of the return form, with their labels (a card scanned into one of them goes to the collector)
FORM_BOXES = {"cccd": "QR CCCD người nhận", "receiver_name": "Họ tên người nhận", "receiver_id": "Số giấy tờ",
              "auth_number": "Số giấy ủy quyền", "auth_date": "Ngày ủy quyền", "auth_issuer": "Nơi chứng thực",
              "auth_scan": "Bản quét ủy quyền", "papers": "Giấy tờ kết quả", "fee": "Phí thu", "note": "Ghi chú",
              "tracking": "Số hiệu bưu gửi", "address": "Địa chỉ nhận"}
_CARD_START = re.compile(r"\d{12}\|")


def _t(dt: Any) -> str:
    return format_vn(dt) if dt else "—"


def _row(name: str, label: str, placeholder: str = "", kind: type[Input] = Input) -> ComposeResult:
    with Horizontal(classes="form-row"):
        yield Label(label, classes="form-label")
        yield kind(placeholder=placeholder, id=name, compact=True, classes="form-input")


class ConfirmReturn(Confirm):
    """Who collects what, before anything is written: Enter/Y records (and prints), Esc/N goes back to the form."""

    DEFAULT_CSS = "ConfirmReturn .modal-box { max-height: 100%; overflow-y: auto; }"

    def __init__(self, preview: ReturnPreview):
        super().__init__("XÁC NHẬN TRẢ KẾT QUẢ")
        self.preview = preview

    def compose(self) -> ComposeResult:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        for label, value in self.preview.lines:
            grid.add_row(Text(label), Text(value, style="bold" if label in ("Người nhận", "Giấy ủy quyền") else ""))
        with Vertical(classes="modal-box"):
            yield Static(Text(f"XÁC NHẬN TRẢ KẾT QUẢ HỒ SƠ {self.preview.code} (chưa ghi gì)", style="bold"))
            yield Static(grid, id="confirm-lines")
            yield Static(Text("Enter/Y: đúng, ghi và in phiếu bàn giao · Esc/N: quay lại sửa", style="dim"))


class ReturnScreen(ServiceScreen, scope="return"):
    HELP = ("Trả kết quả ({return}). Quét mã QR trên giấy tiếp nhận của công dân (hoặc gõ mã hồ sơ) rồi Enter: hồ sơ mở "
            "ra trên phiếu trả. Người đến nhận đưa CCCD: quét QR trên thẻ vào ô “QR CCCD người nhận” (quét vào ô "
            "nào của phiếu cũng được nhận là thẻ của người nhận, không bao giờ ghi vào ô đó). Họ tên, số CCCD và "
            "ngày sinh lấy từ thẻ. Người không có thẻ gắn chip: gõ họ tên và số giấy tờ (CCCD 12 số, CMND 9 số "
            "hoặc hộ chiếu) sau khi xem giấy tờ gốc; phiếu ghi “nhập tay”. Số giấy tờ khác chủ hồ sơ: người được "
            "ủy quyền, phải có giấy ủy quyền: chọn loại giấy, ghi số, ngày (dd/mm/yyyy), nơi chứng thực; hoặc kèm "
            "bản quét (số thứ tự giấy tờ đã số hóa của hồ sơ, hoặc đường dẫn tệp JPEG/PNG/PDF). Giấy tờ kết quả "
            "không được để trống (vd: Giấy khai sinh:1; Trích lục:2) trừ khi chỉ trao bản điện tử; “Kết quả bàn "
            "giao”: bản giấy, bản điện tử (kết quả đã ký số, công dân tải ở trang tra cứu) hoặc cả hai — chỉ chọn "
            "được bản điện tử khi hồ sơ đã có kết quả điện tử; số tiền phí thu nếu còn nợ (đúng số phải nộp, tiền "
            "mặt: cấp và in biên lai). {return.give}: trả tại "
            "quầy; {return.post}: gửi qua bưu chính (số hiệu bưu gửi, địa chỉ). Trước khi ghi, hộp xác nhận cho xem ai nhận "
            "gì: {confirm.yes} ghi và in phiếu bàn giao, {confirm.no} quay lại sửa (phiếu giữ nguyên). "
            "{return.delivered}: ghi nhận "
            "bưu điện đã phát. {return.reprint}: in lại phiếu bàn giao của hồ sơ vừa tra. {return.find} về ô quét.")
    AUTO_FOCUS = "#find"
    DEFAULT_CSS = "#receiver-source { padding-left: 23; color: $text-muted; height: auto; }"

    def __init__(self) -> None:
        super().__init__()
        self.view: ReturnView | None = None
        self.card: CccdData | None = None  # the collector's card, as last scanned
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="return-body"):
            yield Static(Text("TRẢ KẾT QUẢ", style="bold"), id="return-title")
            yield QrInput(placeholder="Quét mã QR trên giấy tiếp nhận (hoặc gõ mã hồ sơ) rồi Enter", id="find")
            yield Static("", id="find-msg", classes="field-error", markup=False)
            yield Static("", id="return-summary")
            with Vertical(id="return-form"):
                with Horizontal(classes="form-row"):
                    yield Label("Người nhận", classes="form-label")
                    yield Select(RECEIVERS, value="owner", allow_blank=False, id="receiver", compact=True)
                yield from _row("cccd", "QR CCCD người nhận", "Quét QR trên CCCD của người đến nhận rồi Enter", QrInput)
                yield Static("", id="cccd-msg", classes="field-error", markup=False)
                yield from _row("receiver_name", "Họ tên người nhận", "Từ thẻ CCCD (hoặc gõ khi không có thẻ chip)")
                yield from _row("receiver_id", "Số giấy tờ", "CCCD 12 số (từ thẻ); CMND 9 số, hộ chiếu: nhập tay")
                yield Static("", id="receiver-source", classes="form-note", markup=False)
                with Vertical(id="auth"):
                    yield Static(Text("Giấy ủy quyền (người nhận thay)", style="bold"), classes="section")
                    with Horizontal(classes="form-row"):
                        yield Label("Loại giấy", classes="form-label")
                        yield Select([(k, k) for k in AUTHORIZATION_KINDS], prompt="Chọn loại giấy ủy quyền",
                                     id="auth_kind", compact=True)
                    yield from _row("auth_number", "Số giấy ủy quyền", "Số chứng thực / công chứng")
                    yield from _row("auth_date", "Ngày ủy quyền", "dd/mm/yyyy")
                    yield from _row("auth_issuer", "Nơi chứng thực", "vd: UBND xã Phục Linh")
                    yield from _row("auth_scan", "Bản quét ủy quyền", "Số thứ tự giấy tờ đã số hóa, hoặc tệp")
                with Horizontal(classes="form-row"):
                    yield Label("Kết quả bàn giao", classes="form-label")
                    yield Select(RESULT_FORM_CHOICES, value="paper", allow_blank=False, id="result_form", compact=True)
                yield from _row("papers", "Giấy tờ kết quả", "vd: Giấy khai sinh bản chính:1; Trích lục:2")
                yield from _row("fee", "Phí thu (đồng)", "Khi còn nợ phí, lệ phí")
                yield from _row("note", "Ghi chú")
                yield Static(Text(f"Gửi qua bưu chính ({self.key_name('return.post')})", style="bold"), classes="section")
                yield from _row("tracking", "Số hiệu bưu gửi", "vd: EE123456789VN")
                yield from _row("address", "Địa chỉ nhận")
            yield Static("", id="return-result", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        self.query_one("#return-form").display = False
        self.query_one("#auth").display = False
        self.listen_serial_scanner(self.scanned)

    def on_unmount(self) -> None:
        self.stop_serial_scanner()

    def refocus(self) -> None:
        self.action_back_to_find()

    #: boxes the clerk fills for the collector (the papers, fee and address come prefilled from the dossier)
    TYPED = ("cccd", "receiver_name", "receiver_id", "auth_number", "auth_date", "auth_issuer", "auth_scan", "note",
             "tracking")

    def dirty(self) -> bool:
        """A return form is open and the clerk has scanned a card or typed something for it, not yet recorded."""
        return bool(self.view is not None and self.view.ready and self.view.returned_at is None
                    and (self.card is not None or any(self.value(n) for n in self.TYPED)))

    def discard(self) -> None:
        self.view, self.card = None, None
        for name in self.TYPED:
            self.query_one(f"#{name}", Input).value = ""
        self.query_one("#return-form").display = False
        self.query_one("#return-summary", Static).update("")

    def action_back_to_find(self) -> None:
        self.query_one("#find", Input).value = ""
        self.query_one("#find", Input).focus()

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    # ---- finding ---------------------------------------------------------------------------------------
    def scanned(self, text: str) -> None:
        """A serial scan: a CCCD (fields split by |) fills the collector; anything else opens a dossier."""
        if looks_like_card(text) and self.view is not None and self.view.ready:
            self.apply_cccd(text)
        else:
            self.find(text)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        box = event.input.id or ""
        if box == "find":
            if looks_like_card(event.value) and self.view is not None and self.view.ready:
                event.input.value = ""
                self.apply_cccd(event.value, FORM_BOXES["cccd"])  # the collector's card, not a dossier
            else:
                self.find(event.value)
        elif box == "cccd":
            self.apply_cccd(event.value)
        else:
            self.take_card(event.input)

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

    def show(self, v: ReturnView, fill: bool = True) -> None:
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
            for name in ("cccd", "receiver_name", "receiver_id", "auth_number", "auth_date", "auth_issuer",
                         "auth_scan", "note", "tracking"):
                self.query_one(f"#{name}", Input).value = ""
            self.card = None
            self.query_one("#receiver", Select).value = "owner"
            self.query_one("#auth_kind", Select).clear()
            self.query_one("#auth").display = False
            self.query_one("#receiver-source", Static).update("")
            self.query_one("#result_form", Select).value = "both" if v.results_issued else "paper"
            self.query_one("#papers", Input).value = "; ".join(f"{p['name']}:{p.get('count', 1)}" for p in v.papers)
            self.query_one("#fee", Input).value = str(v.fee) if v.fee and not v.fee_paid else ""
            self.query_one("#address", Input).value = v.return_address or ""
            self.query_one("#cccd-msg", Static).update("")
            self.query_one("#cccd", Input).focus()

    # ---- the collector ---------------------------------------------------------------------------------
    def take_card(self, box: Input) -> bool:
        """A card's QR scanned into another box of the form: the box keeps what it held before, the card goes
        to the collector. True when there was one."""
        if not looks_like_card(box.value):
            return False
        m = _CARD_START.search(box.value)
        start = m.start() if m else 0
        text, box.value = box.value[start:], box.value[:start].rstrip()
        self.apply_cccd(text, FORM_BOXES.get(box.id or "", box.id or ""))
        return True

    def apply_cccd(self, text: str, where: str | None = None) -> None:
        from counter.domain.cccd import CccdError, parse_cccd

        msg = self.query_one("#cccd-msg", Static)
        self.query_one("#cccd", Input).value = ""
        prefix = f"Mã QR CCCD quét vào ô “{where}” được nhận là thẻ của người nhận. " if where else ""
        try:
            card = parse_cccd(text, today=local_date(self.capp.clock.now()))
        except CccdError as exc:
            msg.update(Text(prefix + exc.message))
            return
        self.card = card
        self.query_one("#receiver_name", Input).value = card.full_name
        self.query_one("#receiver_id", Input).value = card.id_number
        owner_id = self.view.owner_id_number if self.view else None
        notes = [prefix.strip()] if prefix else []
        if owner_id and card.id_number != owner_id:
            self.query_one("#receiver", Select).value = "authorized"
            notes.append(f"{card.full_name} không phải chủ hồ sơ: cần giấy ủy quyền (chọn loại, ghi số, ngày, nơi "
                         "chứng thực; hoặc kèm bản quét).")
            self.query_one("#auth").display = True
            self.query_one("#auth_kind", Select).focus()
        else:
            self.query_one("#receiver", Select).value = "owner"
            self.query_one("#papers", Input).focus()
        msg.update(Text(" ".join(notes + list(card.warnings))))
        self.show_source()

    @on(Select.Changed, "#receiver")
    def receiver_changed(self, event: Select.Changed) -> None:
        self.query_one("#auth").display = event.value == "authorized"

    @on(Input.Changed, "#receiver_id")
    def show_source(self) -> None:
        """Where the collector's ID number comes from: the card just scanned, or typed by hand."""
        line = self.query_one("#receiver-source", Static)
        idn = self.value("receiver_id").replace(" ", "")
        if self.card is not None and idn == self.card.id_number:
            line.update(Text(f"Lấy từ QR trên CCCD · sinh {self.card.birth_date:%d/%m/%Y}"))
        elif idn:
            line.update(Text("Nhập tay (người nhận không có thẻ CCCD gắn chip): đã đối chiếu giấy tờ gốc"))
        else:
            line.update("")

    def collector(self) -> Collector:
        from counter.services.giveback import Authorization, Collector

        kind = str(self.query_one("#receiver", Select).value)
        auth = None
        if kind == "authorized":
            paper = self.query_one("#auth_kind", Select).value
            auth = Authorization(paper if isinstance(paper, str) else "", self.value("auth_number"),
                                 self.value("auth_date"), self.value("auth_issuer"), self.value("auth_scan"))
        name, idn = self.value("receiver_name"), self.value("receiver_id")
        if self.card is not None and idn.replace(" ", "") == self.card.id_number:
            return Collector.from_card(self.card, kind, auth, name=name)
        return Collector(kind, name, idn, "typed", "", auth)

    def cards_left_in_boxes(self) -> bool:
        """Before a write: a card's QR typed into a box without its Enter goes to the collector first."""
        if self.value("cccd"):
            self.apply_cccd(self.value("cccd"))
            return True
        for name in FORM_BOXES:
            box = self.query_one(f"#{name}", Input)
            if self.take_card(box):
                self.show_error(f"Ô “{FORM_BOXES[name]}” chứa mã QR CCCD: đã chuyển sang người nhận. Kiểm tra "
                                "lại rồi bấm lại.")
                return True
        return False

    # ---- recording -------------------------------------------------------------------------------------
    def _write(self, fn: Any, done_text: str, form: str | None) -> None:
        if self.busy or self.view is None:
            if self.view is None:
                self.query_one("#find-msg", Static).update(Text("Quét mã QR hoặc gõ mã hồ sơ trước"))
            return
        self.busy = True
        box = self.query_one("#return-result", Static)
        code, receipt_before = self.view.code, self.view.receipt

        def done(v: ReturnView) -> None:
            self.busy = False
            took = f" Đã thu phí, lệ phí: biên lai {v.receipt}." if v.receipt != receipt_before else ""
            box.update(Text(f"{done_text} hồ sơ {code}.{took}", style="bold green"))
            self.notify(f"{done_text} hồ sơ {code}", markup=False)
            self.show(v, fill=False)
            if form:
                self.print_handover()
            if took:  # the fee collected with the result: its receipt
                self.print_receipt_in_background(code, v.receipt)
            if "tại quầy" in done_text:  # the citizen is here: the rating dialog (issue 19)
                from counter.screens.rating import ask_rating

                ask_rating(self, code)

        def failed(message: str) -> None:
            self.busy = False
            box.update(Text(f"Không ghi được: {message}", style="bold red"))
            self.show_error(message)

        self.call_service(fn, done, failed, group="write")

    def confirm_then_write(self, preview_fn: Any, write_fn: Any, done_text: str) -> None:
        """The reducer's check (nothing written), then the confirm box; only a yes writes."""
        if self.busy:
            return
        self.busy = True
        box = self.query_one("#return-result", Static)
        box.update("")

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(write_fn, done_text, "BG")
            else:
                box.update(Text("Chưa ghi gì: phiếu giữ nguyên, sửa rồi bấm lại.", style="bold yellow"))

        def checked(preview: ReturnPreview) -> None:
            self.busy = False
            self.app.push_screen(ConfirmReturn(preview), answered)

        def failed(message: str) -> None:
            self.busy = False
            box.update(Text(f"Không ghi được: {message}", style="bold red"))
            self.show_error(message)

        self.call_service(preview_fn, checked, failed, group="write")

    def action_give(self) -> None:
        from counter.services.giveback import preview_at_counter, return_at_counter

        if (ready := self._returning()) is None:
            return
        store, actor, code, papers, fee, note = ready
        who = self.collector()
        form = str(self.query_one("#result_form", Select).value)
        self.confirm_then_write(lambda: preview_at_counter(store, actor, code, who, papers, fee, note, form),
                                lambda: return_at_counter(store, actor, code, who, papers, fee, note, form),
                                "Đã trả kết quả tại quầy cho")

    def action_post(self) -> None:
        from counter.services.giveback import preview_by_post, send_by_post

        if (ready := self._returning()) is None:
            return
        store, actor, code, papers, fee, note = ready
        tracking, address = self.value("tracking"), self.value("address")
        if not tracking:
            self.query_one("#tracking", Input).focus()
            self.show_error(f"Nhập số hiệu bưu gửi rồi bấm {self.key_name('return.post')}")
            return
        self.confirm_then_write(lambda: preview_by_post(store, actor, code, tracking, address, papers, fee, note),
                                lambda: send_by_post(store, actor, code, tracking, address, papers, fee, note),
                                "Đã giao bưu chính kết quả của")

    def action_delivered(self) -> None:
        from counter.services.giveback import mark_delivered

        if self.view is None:
            self._not_ready()
            return
        store, actor = self.session()
        code = self.view.code
        self._write(lambda: mark_delivered(store, actor, code, self.value("note")),
                    "Đã ghi nhận bưu điện phát", None)

    def dossier_in_hand(self) -> str | None:
        return self.view.code if self.view is not None else None

    def _returning(self) -> tuple[Store, Actor, str, str, str, str] | None:
        """What a return at the counter and by post both write: the store, the actor, the dossier's code and the
        form's papers, fee and note. None when it may not go on: no ready dossier (said on screen), a write under
        way, card text left in a box."""
        if self.view is None or not self.view.ready:
            self._not_ready()
            return None
        if self.busy or self.cards_left_in_boxes():
            return None
        store, actor = self.session()
        return store, actor, self.view.code, self.value("papers"), self.value("fee"), self.value("note")

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
