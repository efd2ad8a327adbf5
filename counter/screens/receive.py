"""F2 Tiếp nhận: pick the procedure, capture the applicant (CCCD QR), tick the papers, save and print Mẫu 01."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option

from counter.domain.calendar import format_vn
from counter.domain.cccd import CccdError, parse_cccd
from counter.domain.fees import money
from counter.domain.permissions import postal_refusal
from counter.domain.scorecard import local_date
from counter.domain.intake import APPLICANT_KINDS, CHANNELS, Applicant, PaperInput, ReceiveRequest, ValidationError
from counter.screens.base import ServiceScreen
from counter.screens.modals import AskText, Confirm
from counter.widgets.qr_input import QrInput
from counter.widgets.status import BottomBar
from counter.widgets.tick import Tick, TickList

if TYPE_CHECKING:
    from counter.services.catalogue import ProcedureInfo

OWNER_FIELDS = [("owner_id_number", "Số CCCD / định danh", "12 chữ số"),
                ("owner_name", "Họ tên chủ hồ sơ", "Họ và tên, có dấu"),
                ("owner_birth_date", "Ngày sinh", "dd/mm/yyyy"),
                ("owner_address", "Địa chỉ", "Địa chỉ thường trú / liên hệ"),
                ("owner_phone", "Điện thoại", "09xxxxxxxx"),
                ("owner_email", "Email", "")]
SUBMITTER_FIELDS = [("submitter_name", "Họ tên người nộp", ""), ("submitter_id_number", "CCCD người nộp", ""),
                    ("submitter_phone", "Điện thoại người nộp", "")]


#: the quantities a procedure's charges may need (domain.fees.QUANTITY_LABELS), as intake rows
UNIT_FIELDS = [("pages", "Số trang (mỗi bản)"), ("copies", "Số bản"), ("signatures", "Số chữ ký")]


def set_message(widget: Static, text: str) -> None:
    """An inline message under a field; the line disappears when there is nothing to say."""
    widget.update(Text(text))
    widget.display = bool(text)


def _field(name: str, label: str, placeholder: str) -> ComposeResult:
    with Horizontal(classes="form-row"):
        yield Label(label, classes="form-label")
        with Vertical(classes="form-input"):
            yield Input(placeholder=placeholder, id=name, compact=True)
            yield Static("", id=f"err-{name}", classes="field-error", markup=False)


def proc_label(proc: ProcedureInfo) -> str:
    return f"{proc.code} {proc.name}"


def not_found(text: str) -> str:
    text = text.strip()
    return f"Không tìm thấy thủ tục “{text}”" if text else "Không tìm thấy thủ tục: hãy gõ mã hoặc tên thủ tục"


def exact_code(text: str, code: str) -> bool:
    """The text is this procedure's code: in full ("1.001193") or its short number ("1193")."""
    text = text.strip().upper()
    if text == code.upper():
        return True
    short = code.rsplit(".", 1)[-1].lstrip("0")
    return text.isdigit() and bool(short) and text.lstrip("0") == short


class ReceiveScreen(ServiceScreen, scope="receive"):
    HELP = ("Tiếp nhận hồ sơ. 1) Gõ mã hoặc tên thủ tục (không dấu cũng được), Enter để chọn. 2) Quét mã QR "
            "trên CCCD vào ô “Quét QR CCCD” (hoặc dán chuỗi rồi Enter): các ô thông tin tự điền. 3) Đánh dấu giấy "
            "tờ đã nhận bằng phím cách, mũi tên để di chuyển. 4) {receive.save} để lưu và in Giấy tiếp nhận (Mẫu 01). "
            "Thủ tục trả ngay (chứng thực bản sao, chứng thực chữ ký, bản sao trích lục): ô “Trả kết quả ngay” "
            "được đánh dấu sẵn, {receive.save} tiếp nhận, giải quyết và trả kết quả cho chủ hồ sơ trong một bước, "
            "không in giấy tiếp nhận trừ khi công dân yêu cầu (ô “In giấy hẹn (Mẫu 01)”); vẫn ghi vào sổ và "
            "báo cáo. "
            "{receive.refuse} từ chối tiếp nhận (Mẫu 03), {receive.guide} hướng dẫn bổ sung (Mẫu 02), "
            "{receive.reprint} in lại. {receive.assisted} hỗ trợ công dân nộp trực tuyến (mở trang nộp hồ sơ của "
            "máy chủ, ghi thông tin liên hệ của chính công dân). Công dân đã có kết quả điện tử của hồ sơ trước (cùng số "
            "CCCD): {receive.reuse} trên một giấy tờ để tái sử dụng kết quả đó (số hóa mã 3). Tab/Shift+Tab đi qua "
            "mọi ô. {receive.leave} để thoát (hỏi lại nếu đang nhập dở).")
    AUTO_FOCUS = "#proc"
    procedure: ProcedureInfo | None = None
    last_code: str | None = None
    last_form = "01"
    last_fee = 0  # the fee of the dossier just saved: F9 opens on it
    busy = False
    _proc_timer: Any = None
    _proc_query: str | None = None  # the text the procedure list shows the results of
    _enter_for: str | None = None  # Enter was pressed on this text before its results arrived
    results: Sequence[Any] = ()  # the owner's earlier electronic results (issue 20), newest first
    qr_id = ""  # the ID number the last CCCD scan gave

    def __init__(self) -> None:
        super().__init__()
        self._procs: dict[str, ProcedureInfo] = {}
        self.picks: dict[str, Any] = {}  # paper name -> the result reused for it

    # ---- layout ----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="receive-form"):
            yield Static(Text("TIẾP NHẬN HỒ SƠ", style="bold"), id="receive-title")
            with Horizontal(classes="form-row"):
                yield Label("Thủ tục", classes="form-label")
                with Vertical(classes="form-input"):
                    yield Input(placeholder="Gõ mã hoặc tên thủ tục (vd: 1193, khai sinh)", id="proc", compact=True)
                    yield OptionList(id="proc-list")
                    yield Static("", id="proc-info", markup=False)
                    yield Static("", id="err-procedure", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Quét QR CCCD", classes="form-label")
                with Vertical(classes="form-input"):
                    yield QrInput(placeholder="Quét mã QR trên thẻ CCCD (hoặc dán chuỗi) rồi Enter", id="qr", compact=True)
                    yield Static("", id="qr-msg", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Loại đối tượng", classes="form-label")
                yield Select([(v, k) for k, v in APPLICANT_KINDS.items()], value=1, allow_blank=False,
                             id="owner_kind", classes="form-input", compact=True)
            for spec in OWNER_FIELDS:
                yield from _field(*spec)
            with Horizontal(classes="form-row"):
                yield Label("", classes="form-label")
                yield Tick("Người nộp khác chủ hồ sơ", id="has_submitter")
            with Vertical(id="submitter"):
                for spec in SUBMITTER_FIELDS:
                    yield from _field(*spec)
            with Horizontal(classes="form-row"):
                yield Label("Giấy tờ đã nhận", classes="form-label")
                with Vertical(classes="form-input"):
                    yield TickList[int](id="papers")
                    yield Static("", id="err-papers", classes="field-error", markup=False)
                    yield Static("", id="reuse-msg", markup=False)
            yield from _field("extra_papers", "Giấy tờ khác", "Ngăn cách bằng dấu ;")
            yield from _field("sets", "Số bộ hồ sơ", "1")
            with Horizontal(classes="form-row"):
                yield Label("Kênh / nhận kết quả", classes="form-label")
                yield Select([(v, k) for k, v in CHANNELS.items()], value=1, allow_blank=False, id="channel",
                             compact=True)
                yield Select([("Tại bộ phận một cửa", "counter"), ("Qua bưu chính", "post")], value="counter",
                             allow_blank=False, id="return_method", compact=True)
            yield from _field("return_address", "Địa chỉ nhận KQ", "Khi nhận kết quả qua bưu chính")
            with Vertical(id="fee-box"):  # issue 18: only the quantities the charges need, the lines, an exemption
                for key, label in UNIT_FIELDS:
                    yield from _field(f"unit_{key}", label, "số nguyên, vd: 5")
                yield Static("", id="err-units", classes="field-error", markup=False)
                with Horizontal(classes="form-row", id="exemption-row"):
                    yield Label("Miễn phí, lệ phí", classes="form-label")
                    yield Select([("Không miễn", "")], value="", allow_blank=False, id="exemption", compact=True)
                yield from _field("exemption_paper", "Giấy tờ chứng minh", "vd: Giấy chứng nhận hộ nghèo số …")
                yield Static("", id="err-exemption", classes="field-error", markup=False)
                yield Static("", id="fee-lines", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Phí, lệ phí", classes="form-label")
                with Vertical(classes="form-input"):
                    yield Tick("Thu tiền mặt ngay (cấp biên lai)", id="fee_paid")
                    yield Static("", id="err-fee_paid", classes="field-error", markup=False)
            with Vertical(id="spot-box"):  # issue 17: "trả ngay", only for the procedures the catalogue marks
                with Horizontal(classes="form-row"):
                    yield Label("Trả ngay", classes="form-label")
                    with Vertical(classes="form-input"):
                        yield Tick("Trả kết quả ngay (nhận, giải quyết, trả một lần)", id="spot")
                        yield Tick("In giấy hẹn (Mẫu 01) — khi công dân yêu cầu", id="spot_slip")
                        yield Static("", id="err-on_the_spot", classes="field-error", markup=False)
                yield from _field("spot_result", "Kết quả trả", "Tên giấy tờ kết quả")
                yield from _field("spot_count", "Số bản kết quả", "1")
            with Horizontal(classes="form-row"):  # the citizen's choice of notices (issue 19)
                yield Label("Nhận thông báo", classes="form-label")
                yield Select([("Không nhận", "none"), ("Qua SMS", "sms"), ("Qua e-mail", "email")],
                             prompt="Theo số điện thoại / e-mail đã ghi", id="notify", compact=True)
            yield Static("", id="err-notify", classes="field-error", markup=False)
            yield Static("", id="due", markup=False)
            yield Static("", id="result", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        self.listen_serial_scanner(self.apply_qr)
        self.query_one("#reuse-msg").display = False
        self.query_one("#sets", Input).value = "1"
        self.query_one("#submitter").display = False
        self.query_one("#proc-list").display = False
        self.query_one("#fee-box").styles.height = "auto"  # issue 18: the fee box takes only its lines
        self.query_one("#spot-box").styles.height = "auto"
        self.query_one("#spot-box").display = False
        for box in ("#fee-lines", "#err-units", "#err-exemption"):
            self.query_one(box).styles.margin = (0, 0, 0, 22)
        self.show_fee_fields(None)
        self.search_procedures()
        self.call_service(self.url_warning, self.warn_public_url, lambda _message: None, group="url-warning")

    def url_warning(self) -> str:
        from counter.services.office import receipt_url_warning

        return receipt_url_warning(self.capp.store)  # type: ignore[arg-type]

    def warn_public_url(self, warning: str) -> None:
        """While the receipts' QR points at this machine only (office.public_url_warning), say so under the title."""
        if warning:
            self.query_one("#receive-title", Static).update(Text.assemble(
                ("TIẾP NHẬN HỒ SƠ", "bold"), "\n", (f"⚠ {warning}", "bold yellow")))

    # ---- procedure --------------------------------------------------------------------------------------
    # The list always says which text it shows results for (`_proc_query`). Enter acts on the results for the
    # text NOW in the field: typed fast ("khai sinh⏎"), the list may still be the one of an older text, so
    # Enter waits for the search of the current text (`_enter_for`) and acts when it arrives.
    @on(Input.Changed, "#proc")
    def proc_changed(self, event: Input.Changed) -> None:
        if self.procedure is not None:
            if event.value == proc_label(self.procedure):
                self._proc_query = event.value  # choose() wrote it: nothing to search
                return
            self.unchoose()  # the text no longer names the chosen procedure: it is not chosen any more
        if self._enter_for is not None and event.value != self._enter_for:
            self._enter_for = None  # typed on after Enter: that Enter was for another text
        if self._proc_timer is not None:
            self._proc_timer.stop()
        self._proc_timer = self.set_timer(0.1, self.search_procedures)

    def search_procedures(self) -> None:
        from counter.services.catalogue import search_procedures

        if self._proc_timer is not None:
            self._proc_timer.stop()
            self._proc_timer = None
        store, text = self.capp.store, self.query_one("#proc", Input).value
        self.call_service(lambda: (text, search_procedures(store, text, limit=8)), self.show_procedures,  # type: ignore[arg-type]
                          group="proc", exclusive=True)

    def unavailable(self, proc: ProcedureInfo) -> str | None:
        """Why the logged-in user may not receive this procedure (postal staff only), else None."""
        actor = self.capp.actor
        if actor is None or actor.role != "postal":
            return None
        return postal_refusal(proc.postal_allowed, proc.in_person, proc.certification)

    def show_procedures(self, result: tuple[str, list[ProcedureInfo]]) -> None:
        text, procs = result
        if text != self.query_one("#proc", Input).value:
            return  # the results of an older text: the search of the current one is on its way
        self._proc_query = text
        ol = self.query_one("#proc-list", OptionList)
        ol.clear_options()
        self._procs = {p.code: p for p in procs}
        for p in procs:
            line = Text(f"{p.code}  {p.name}  ·  {p.time_label}")
            why = self.unavailable(p)
            if why:
                line.stylize("dim")
                line.append(f"\n  ✗ bưu điện không nhận: {why}", style="bold red")
            ol.add_option(Option(line, id=p.code))
        ol.display = bool(procs) and self.focused in (self.query_one("#proc"), ol)
        if procs:
            ol.highlighted = next((i for i, p in enumerate(procs) if exact_code(text, p.code)), 0)
        set_message(self.query_one("#err-procedure", Static), not_found(text) if text.strip() and not procs else "")
        if self._enter_for is not None and self._enter_for == text:
            self._enter_for = None
            self.pick_highlighted()

    @on(Input.Submitted, "#proc")
    def proc_submitted(self, event: Input.Submitted) -> None:
        text = self.query_one("#proc", Input).value
        if self.procedure is not None and text == proc_label(self.procedure):
            self.query_one("#qr", Input).focus()  # Enter again on the chosen procedure: go on
            return
        if not text.strip():
            set_message(self.query_one("#err-procedure", Static), not_found(text))
            return
        if self._proc_query != text:  # the list is stale: search the text now in the field, act on its results
            self._enter_for = text
            self.search_procedures()
            return
        self.pick_highlighted()

    def pick_highlighted(self) -> None:
        ol = self.query_one("#proc-list", OptionList)
        if not ol.option_count:
            set_message(self.query_one("#err-procedure", Static), not_found(self.query_one("#proc", Input).value))
            return
        option_id = ol.get_option_at_index(ol.highlighted if ol.highlighted is not None else 0).id
        self.choose(self._procs[option_id])  # type: ignore[index]

    def on_key(self, event: Any) -> None:
        ol = self.query_one("#proc-list", OptionList)
        if self.focused is self.query_one("#proc") and ol.display and event.key in ("down", "up"):
            if ol.highlighted is not None:
                ol.highlighted = max(0, min(ol.option_count - 1, ol.highlighted + (1 if event.key == "down" else -1)))
            event.stop()
            event.prevent_default()

    def on_descendant_focus(self, event: Any) -> None:
        if event.widget.id not in ("proc", "proc-list"):
            self.query_one("#proc-list").display = False

    @on(OptionList.OptionSelected, "#proc-list")
    def proc_selected(self, event: OptionList.OptionSelected) -> None:
        self.choose(self._procs[event.option.id])  # type: ignore[index]

    def choose(self, proc: ProcedureInfo) -> None:
        why = self.unavailable(proc)
        if why:  # shown as unavailable in the list; picking it says why, and nothing is chosen
            message = f"Nhân viên bưu điện không được tiếp nhận thủ tục “{proc.code} {proc.name}” ({why})."
            set_message(self.query_one("#err-procedure", Static), message)
            self.notify(message, severity="warning", markup=False)
            return
        self.procedure = proc
        self.query_one("#proc", Input).value = proc_label(proc)
        self.query_one("#proc-list").display = False
        refusal = postal_refusal(proc.postal_allowed, proc.in_person, proc.certification)
        postal = "Bưu điện được nhận" if refusal is None else f"Bưu điện KHÔNG được nhận ({refusal})"
        papers = "; ".join(f"{p.name} ({p.originals}/{p.certified_copies}/{p.photocopies})"
                           + ("" if p.required else " — nếu có") for p in proc.papers)
        self.query_one("#proc-info", Static).update(Text(
            f"{proc.field} · {proc.time_label} · {proc.fee_label}{' (' + proc.fee_note + ')' if proc.fee_note else ''}"
            f" · {postal}\nGiấy tờ (chính/chứng thực/photo): {papers}"))
        sl = self.query_one("#papers", SelectionList)
        sl.clear_options()
        self.picks = {}
        self.show_picks()
        for p in proc.papers:
            label = f"{p.name}  [{p.originals}/{p.certified_copies}/{p.photocopies}]" + ("" if p.required else " (nếu có)")
            sl.add_option((Text(label), p.position, False))
        if proc.papers:
            sl.highlighted = 0
        set_message(self.query_one("#err-procedure", Static), "")
        self.update_due()
        self.show_fee_fields(proc)
        self.show_spot(proc)
        self.query_one("#qr", Input).focus()

    # ---- fees (issue 18) ------------------------------------------------------------------------------------
    def show_fee_fields(self, proc: ProcedureInfo | None) -> None:
        """Ask only what the procedure's charges need; offer only the exemptions they list."""
        from counter.domain.fees import GROUNDS, needed_quantities

        charges = proc.charges if proc is not None else ()
        wanted = needed_quantities(charges)
        for key, _ in UNIT_FIELDS:
            self.query_one(f"#unit_{key}", Input).parent.parent.display = key in wanted  # type: ignore[union-attr]
        grounds = [(label, g) for g, (label, _) in GROUNDS.items() if any(g in c.exemptions for c in charges)]
        select = self.query_one("#exemption", Select)
        select.set_options([("Không miễn", ""), *grounds])
        select.value = ""
        self.query_one("#exemption-row").display = bool(grounds)
        self.query_one("#exemption_paper", Input).parent.parent.display = bool(grounds)  # type: ignore[union-attr]
        self.query_one("#fee-box").display = bool(charges)
        self.update_fee()

    def fee_units(self) -> dict[str, str]:
        from counter.domain.fees import needed_quantities

        wanted = needed_quantities(self.procedure.charges) if self.procedure is not None else ()
        return {key: self.value(f"unit_{key}") for key, _ in UNIT_FIELDS if key in wanted}

    @on(Input.Changed, "#unit_pages, #unit_copies, #unit_signatures, #exemption_paper")
    @on(Select.Changed, "#exemption, #channel")
    def fee_input_changed(self) -> None:
        self.update_fee()

    def update_fee(self) -> None:
        """The amount due, line by line, as the clerk types the pages and copies."""
        proc = self.procedure
        box = self.query_one("#fee-lines", Static)
        if proc is None or not proc.charges:
            box.update("")
            return
        from counter.services.fees import quote

        store, code = self.capp.store, proc.code
        units, channel = self.fee_units(), int(self.query_one("#channel", Select).value)  # type: ignore[arg-type]
        ground, paper = str(self.query_one("#exemption", Select).value or ""), self.value("exemption_paper")

        def shown(q: Any) -> None:
            from counter.domain.fees import KINDS, money

            lines = [Text(f"{KINDS[x.kind]}: {x.name}: {x.detail} = {money(x.amount)}") for x in q.lines]
            if q.message:
                lines.append(Text(q.message, style="yellow"))
            else:
                lines.append(Text(f"Tổng phí, lệ phí phải nộp: {money(q.total)}", style="bold"))
            box.update(Text("\n").join(lines))

        self.call_service(lambda: quote(store, code, units, channel, ground, paper), shown,  # type: ignore[arg-type]
                          lambda message: box.update(Text(message, style="yellow")), group="fee", exclusive=True)

    def show_spot(self, proc: ProcedureInfo | None) -> None:
        """A "trả ngay" procedure: the one flow is ticked, Mẫu 01 is not (the citizen may ask for it)."""
        from counter.services.on_the_spot import default_result

        spot = proc is not None and proc.on_the_spot
        self.query_one("#spot-box").display = spot
        self.query_one("#spot", Checkbox).value = spot
        self.query_one("#spot_slip", Checkbox).value = False
        self.query_one("#spot_result", Input).value = default_result(proc.name) if spot and proc else ""
        self.query_one("#spot_count", Input).value = "1" if spot else ""

    def doing_spot(self) -> bool:
        return self.procedure is not None and self.procedure.on_the_spot and self.query_one("#spot", Checkbox).value

    def unchoose(self) -> None:
        self.procedure = None
        self.show_fee_fields(None)
        self.show_spot(None)
        self.query_one("#papers", SelectionList).clear_options()
        self.query_one("#proc-info", Static).update("")
        self.query_one("#due", Static).update("")

    def update_due(self) -> None:
        proc = self.procedure
        if proc is None:
            return
        from counter.services.office import calendar_for

        store = self.capp.store

        def due() -> str:
            at = store.clock.now()  # type: ignore[union-attr]
            d = calendar_for(store).due_at(at, proc.working_days)  # type: ignore[arg-type]
            spot = " · Trả ngay: Ctrl+S tiếp nhận, giải quyết và trả kết quả trong một bước" if proc.on_the_spot else ""
            return f"Hẹn trả: {format_vn(d)} ({proc.time_label}, tính từ {format_vn(at)}){spot}"

        self.call_service(due, lambda text: self.query_one("#due", Static).update(Text(text, style="bold")),
                          group="due", exclusive=True)

    def on_unmount(self) -> None:
        self.stop_serial_scanner()

    # ---- applicant ---------------------------------------------------------------------------------------
    @on(Input.Submitted, "#qr")
    def qr_scanned(self, event: Input.Submitted) -> None:
        self.apply_qr(event.value)

    def apply_qr(self, text: str) -> None:
        msg = self.query_one("#qr-msg", Static)
        today = local_date(self.capp.clock.now())  # the office's date, not UTC's
        try:
            card = parse_cccd(text, today=today)
        except CccdError as exc:
            set_message(msg, exc.message)
            return
        values = {"owner_id_number": card.id_number, "owner_name": card.full_name,
                  "owner_birth_date": card.birth_date.strftime("%d/%m/%Y"), "owner_address": card.address}
        for name, value in values.items():
            self.query_one(f"#{name}", Input).value = value
            set_message(self.query_one(f"#err-{name}", Static), "")
        self.query_one("#qr", Input).value = ""
        self.qr_id = card.id_number  # the hand-over of a "trả ngay" dossier records the ID as read from the card
        set_message(msg, " ".join(card.warnings))
        self.offer_known(card.id_number)
        self.query_one("#papers", SelectionList).focus()

    @on(Input.Blurred, "#owner_id_number")
    def id_left(self, event: Input.Blurred) -> None:
        if len(event.value.strip()) == 12:
            self.offer_known(event.value.strip())

    def offer_known(self, id_number: str) -> None:
        from counter.services.dossiers import find_applicant

        store = self.capp.store
        self.call_service(lambda: find_applicant(store, id_number), self.fill_known, group="known",  # type: ignore[arg-type]
                          exclusive=True)
        self.offer_results(id_number)

    def fill_known(self, known: Any) -> None:
        if known is None:
            return
        filled = []
        for name, value, label in (("owner_phone", known.phone, "điện thoại"), ("owner_email", known.email, "email"),
                                   ("owner_address", known.address, "địa chỉ")):
            box = self.query_one(f"#{name}", Input)
            if value and not box.value.strip():
                box.value = value
                filled.append(label)
        note = f"Công dân đã nộp hồ sơ {known.last_code}" + (f": đã điền {', '.join(filled)} từ lần trước"
                                                             if filled else "")
        self.notify(note, markup=False)

    # ---- the owner's earlier electronic results (issue 20: digitization 3) -----------------------------------
    def offer_results(self, id_number: str) -> None:
        from counter.services.signing import results_for_owner

        store = self.capp.store

        def shown(results: list[Any]) -> None:
            if self.value("owner_id_number") != id_number:
                return  # the ID number changed meanwhile
            self.results = results
            self.picks = {n: r for n, r in self.picks.items() if r in results}
            self.show_picks()

        self.call_service(lambda: results_for_owner(store, id_number), shown, group="results",  # type: ignore[arg-type]
                          exclusive=True)

    def show_picks(self) -> None:
        box = self.query_one("#reuse-msg", Static)
        if not self.results:
            set_message(box, "")
            return
        lines = [f"{n}: tái sử dụng kết quả “{r.name}” của hồ sơ {r.code}" for n, r in self.picks.items()]
        if not lines:
            newest = self.results[0]
            lines = [f"Công dân có {len(self.results)} kết quả điện tử của hồ sơ trước (mới nhất: “{newest.name}”, "
                     f"hồ sơ {newest.code}): {self.reuse_key()} trên giấy tờ để tái sử dụng."]
        set_message(box, "\n".join(lines))

    def reuse_key(self) -> str:
        """The key of "Dùng KQ cũ" as the keymap has it now ("Ctrl+K")."""
        from counter.screens.help import key_label, live_keys

        binding = next(b for b in self.BINDINGS if isinstance(b, Binding) and b.id == "receive.reuse")
        return key_label(live_keys(self.app, binding).split(",")[0])

    def action_reuse_result(self) -> None:
        from counter.domain.text import fold

        if self.procedure is None or not self.results:
            self.show_error("Công dân chưa có kết quả điện tử nào của hồ sơ trước (cùng số CCCD) để tái sử dụng.")
            return
        sl = self.query_one("#papers", SelectionList)
        if sl.highlighted is None:
            self.show_error("Chọn giấy tờ (mũi tên trong danh sách giấy tờ) rồi bấm lại.")
            return
        position = sl.get_option_at_index(sl.highlighted).value
        paper = next(p for p in self.procedure.papers if p.position == position)
        same = [r for r in self.results if fold(r.name) == fold(paper.name)]
        result = (same or self.results)[0]

        def answer(_yes: bool) -> None:
            self.picks[paper.name] = result
            sl.select(position)
            self.show_picks()

        self.ask(Confirm(f"Tái sử dụng kết quả điện tử “{result.name}” ({result.pages} trang, ký bởi "
                         f"{result.signed_by or '—'}) của hồ sơ {result.code} cho giấy tờ “{paper.name}”?"), answer)

    @on(Checkbox.Changed, "#has_submitter")
    def toggle_submitter(self, event: Checkbox.Changed) -> None:
        self.query_one("#submitter").display = event.value

    # ---- save / print ------------------------------------------------------------------------------------
    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def owner(self) -> Applicant:
        return Applicant(name=self.value("owner_name"), kind=int(self.query_one("#owner_kind", Select).value),  # type: ignore[arg-type]
                         id_number=self.value("owner_id_number") or None,
                         birth_date=self.value("owner_birth_date") or None,
                         address=self.value("owner_address") or None, phone=self.value("owner_phone") or None,
                         email=self.value("owner_email") or None)

    def request(self) -> ReceiveRequest:
        assert self.procedure is not None
        ticked = set(self.query_one("#papers", SelectionList).selected)
        papers = tuple(PaperInput(p.name, p.originals, p.certified_copies, p.photocopies)
                       for p in self.procedure.papers if p.position in ticked)
        submitter = None
        if self.query_one("#has_submitter", Checkbox).value:
            submitter = Applicant(name=self.value("submitter_name"), id_number=self.value("submitter_id_number") or None,
                                  phone=self.value("submitter_phone") or None)
        try:
            sets = int(self.value("sets") or "1")
        except ValueError:
            sets = 0
        return ReceiveRequest(
            procedure_code=self.procedure.code, owner=self.owner(), papers=papers, submitter=submitter, sets=sets,
            channel=int(self.query_one("#channel", Select).value),  # type: ignore[arg-type]
            return_method=str(self.query_one("#return_method", Select).value),
            return_address=self.value("return_address") or self.value("owner_address") or None,
            fee_paid=self.query_one("#fee_paid", Checkbox).value,
            extra_papers=tuple(x for x in self.value("extra_papers").split(";") if x.strip()),
            units=self.fee_units(), exemption_ground=str(self.query_one("#exemption", Select).value or ""),
            exemption_paper=self.value("exemption_paper"),
            notify=notify if isinstance(notify := self.query_one("#notify", Select).value, str) else None)

    def clear_errors(self) -> None:
        for err in self.query(".field-error"):
            if err.id != "qr-msg":
                set_message(err, "")  # type: ignore[arg-type]

    def show_validation(self, message: str, errors: dict[str, str]) -> None:
        first = None
        for name, text in errors.items():
            target = "procedure" if name in ("channel",) else name
            widgets = self.query(f"#err-{target}")
            if widgets:
                set_message(widgets.first(), text)  # type: ignore[arg-type]
                first = first or name
        self.notify(message, severity="error", markup=False)
        if first and self.query(f"#{first}"):
            self.query_one(f"#{first}").focus()

    def guard(self) -> bool:
        if self.busy:
            return False
        if self.procedure is None:
            set_message(self.query_one("#err-procedure", Static), "Chọn thủ tục trước")
            self.query_one("#proc").focus()
            return False
        return True

    def run_write(self, fn: Any, done: Any) -> None:
        """Run a write in a worker; validation errors go under their fields."""
        self.busy = True
        self.clear_errors()

        def work() -> Any:
            try:
                return ("ok", fn())
            except ValidationError as exc:
                return ("invalid", exc)

        def finished(result: Any) -> None:
            self.busy = False
            kind, value = result
            if kind == "invalid":
                self.show_validation(value.message, value.errors)
            else:
                done(value)

        def failed(message: str) -> None:
            self.busy = False
            self.show_error(message)

        self.call_service(work, finished, failed, group="write")

    def action_save(self) -> None:
        if not self.guard():
            return
        if self.doing_spot():
            self.save_on_the_spot()
            return
        from counter.services.signing import receive_reusing

        store, actor, req = self.capp.store, self.capp.actor, self.request()
        picks = {name: (r.code, r.sha256) for name, r in self.picks.items()}
        self.run_write(lambda: receive_reusing(store, actor, req, picks), self.saved)  # type: ignore[arg-type]

    def save_on_the_spot(self) -> None:
        """Trả ngay (issue 17): receive, resolve and return in one transaction; Mẫu 01 only when asked."""
        from counter.services.on_the_spot import receive_on_the_spot

        store, actor, req = self.capp.store, self.capp.actor, self.request()
        try:
            count = int(self.value("spot_count") or "1")
        except ValueError:
            count = 0
        slip = self.query_one("#spot_slip", Checkbox).value
        source = "cccd_qr" if self.qr_id and self.qr_id == self.value("owner_id_number") else "typed"
        result = self.value("spot_result")
        self.run_write(lambda: receive_on_the_spot(store, actor, req, result, count, slip, source),  # type: ignore[arg-type]
                       self.spot_done)

    def spot_done(self, result: Any) -> None:
        self.last_code, self.last_form, self.last_fee = result.code, "01", 0  # Ctrl+R: Mẫu 01 if asked later
        paid = f" · đã thu {money(result.fee)}, biên lai {result.receipt}" if result.receipt else ""
        slip = " · đang in Giấy tiếp nhận (công dân yêu cầu)…" if result.slip else \
            " · không in giấy tiếp nhận (Ctrl+R nếu công dân yêu cầu)"
        self.query_one("#result", Static).update(Text(
            f"Đã tiếp nhận, giải quyết và trả kết quả ngay hồ sơ {result.code} lúc {format_vn(result.at)} · "
            f"kết quả: {result.result}{paid}{slip}", style="bold green"))
        self.reset_form()
        if result.slip:
            self.print_in_background(result.code, "01", self.query_one("#result", Static),
                                     what="mẫu 01 (hồ sơ đã trả kết quả ngay)", kept=" đã trả kết quả")
        if result.receipt:
            self.print_receipt_in_background(result.code, result.receipt)

    def dossier_in_hand(self) -> str | None:
        """The dossier just saved, while it has a charge (F9 takes its payment)."""
        return self.last_code if self.last_form == "01" and self.last_fee > 0 else None

    def saved(self, result: Any) -> None:
        self.last_code, self.last_form, self.last_fee = result.code, "01", result.fee
        paid = f" · đã thu {money(result.fee)}, biên lai {result.receipt}" if result.receipt else ""
        self.query_one("#result", Static).update(Text(
            f"Đã tiếp nhận hồ sơ {result.code} · hẹn trả {format_vn(result.due_at) if result.due_at else '—'}{paid} · "
            f"đang in Giấy tiếp nhận…", style="bold green"))
        self.reset_form()
        self.print_last()
        if result.receipt:
            self.print_receipt_in_background(result.code, result.receipt)

    def print_last(self) -> None:
        if self.last_code is None:
            self.notify("Chưa có hồ sơ nào để in lại", markup=False)
            return
        self.print_in_background(self.last_code, self.last_form, self.query_one("#result", Static), kept=" đã lưu")

    def action_reprint(self) -> None:
        self.print_last()

    def action_assisted(self) -> None:
        """Hỗ trợ nộp trực tuyến: the server's /nop page (assisted) in the system browser (issue 15)."""
        from counter.services.online import open_assisted_filing

        code = self.procedure.code if self.procedure is not None else None
        self.call_signed_in(lambda store, actor: open_assisted_filing(store, actor, code),
                            lambda url: self.notify(f"Đã mở trang nộp trực tuyến (hỗ trợ): {url}", markup=False),
                            group="receive-assisted")

    def _not_accepted(self, form: str, reason: str | None) -> None:
        if not reason:
            return
        from counter.services.dossiers import not_accepted

        assert self.procedure is not None
        ticked = set(self.query_one("#papers", SelectionList).selected)
        missing = tuple(PaperInput(p.name, p.originals, p.certified_copies, p.photocopies)
                        for p in self.procedure.papers if p.required and p.position not in ticked) if form == "02" else ()
        if form == "02" and not missing:
            self.notify("Đã đủ giấy tờ bắt buộc: không cần phiếu yêu cầu bổ sung", markup=False)
            return
        store, actor, code, owner = self.capp.store, self.capp.actor, self.procedure.code, self.owner()
        if form == "02" and actor is not None and actor.role == "postal":  # postal staff guide, not decide: no dossier code taken
            from counter.services.printing import print_guidance

            def guided(result: Any) -> None:
                where = f"tệp {result.where}" if result.is_file else result.where
                self.query_one("#result", Static).update(Text(
                    f"Đã in hướng dẫn bổ sung (Mẫu 02, không cấp mã hồ sơ) ra {where}", style="bold green"))
                self.reset_form()

            self.call_service(lambda: print_guidance(store, actor, code, owner, reason, missing), guided)  # type: ignore[arg-type]
            return

        def done(dossier_code: str) -> None:
            self.last_code, self.last_form = dossier_code, form
            self.query_one("#result", Static).update(Text(f"Đã ghi nhận mẫu {form} cho hồ sơ {dossier_code}; đang in…"))
            self.reset_form()
            self.print_last()

        self.run_write(lambda: not_accepted(store, actor, code, owner, reason, missing), done)  # type: ignore[arg-type]

    def action_refuse(self) -> None:
        if self.guard():
            self.app.push_screen(AskText("TỪ CHỐI TIẾP NHẬN (Mẫu 03)", "Lý do từ chối (bắt buộc):"),
                                 lambda reason: self._not_accepted("03", reason))

    def action_guide(self) -> None:
        if self.guard():
            self.app.push_screen(AskText("HƯỚNG DẪN BỔ SUNG (Mẫu 02)", "Lý do:",
                                         "Hồ sơ chưa đủ thành phần theo quy định"),
                                 lambda reason: self._not_accepted("02", reason))

    def dirty(self) -> bool:
        names = [n for n, _, _ in OWNER_FIELDS + SUBMITTER_FIELDS] + ["extra_papers", "return_address"]
        return self.procedure is not None or any(self.value(n) for n in names)

    def reset_form(self) -> None:
        self.procedure = None
        for inp in self.query(Input):
            inp.value = ""
        self.query_one("#sets", Input).value = "1"
        self.query_one("#papers", SelectionList).clear_options()
        self.results, self.picks = [], {}
        set_message(self.query_one("#reuse-msg", Static), "")
        self.query_one("#proc-info", Static).update("")
        self.query_one("#due", Static).update("")
        self.show_fee_fields(None)
        self.show_spot(None)
        self.qr_id = ""
        set_message(self.query_one("#qr-msg", Static), "")
        self.query_one("#has_submitter", Checkbox).value = False
        self.query_one("#fee_paid", Checkbox).value = False
        self.query_one("#proc").focus()

    def discard(self) -> None:
        self.reset_form()

    def action_leave(self) -> None:
        if self.query_one("#proc-list").display:
            self.query_one("#proc-list").display = False
            return
        self.capp.unless_dirty("Rời màn hình Tiếp nhận", self.capp.action_search)
