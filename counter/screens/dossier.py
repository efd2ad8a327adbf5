"""One dossier: its details, papers and full event history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from counter.domain.calendar import format_vn
from counter.screens.base import ServiceScreen
from counter.widgets.status import BottomBar

if TYPE_CHECKING:
    from counter.services.dossiers import DossierDetail

DIGITIZATION = {0: "Chưa số hóa", 1: "Đã số hóa", 2: "Tái sử dụng (thành phần)", 3: "Tái sử dụng (kết quả)"}
CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}
KINDS = {1: "Công dân", 2: "Doanh nghiệp", 3: "Cơ quan nhà nước", 4: "Tổ chức khác"}


def _t(dt) -> str:  # type: ignore[no-untyped-def]
    return format_vn(dt) if dt else "—"


def _birth(iso: str | None) -> str:
    return "—" if not iso else "/".join(reversed(iso.split("-")))


class DossierScreen(ServiceScreen, scope="dossier"):
    HELP = ("Chi tiết hồ sơ: thông tin chủ hồ sơ, thành phần hồ sơ và toàn bộ lịch sử xử lý. {dossier.reprint} "
            "in lại một biểu mẫu của hồ sơ: chỉ các mẫu hồ sơ này có (Mẫu 01 giấy tiếp nhận với hẹn trả ban đầu, "
            "02, 03, 04 với hẹn trả mới khi đã gia hạn, 05, 06 phiếu kiểm soát, phiếu bàn giao khi đã trả). "
            "{dossier.correct} sửa thông tin người nộp (cán bộ: hồ sơ mình tiếp nhận, trước khi chuyển đi; lãnh đạo: mọi hồ sơ), "
            "rồi in lại giấy tiếp nhận. {dossier.void} hủy hồ sơ tiếp nhận nhầm (lãnh đạo, trong ngày tiếp nhận). "
            "{dossier.close} để quay lại.")
    DEFAULT_CSS = "#dossier-print { height: auto; padding: 0 1; }"

    def __init__(self, code: str):
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dossier-body"):
            yield Static(Text(f"Hồ sơ {self.code} — đang tải…"), id="dossier-head")
            yield Static("", id="dossier-outcome")  # issue 12: what a correction or a void did (or why not)
            yield Static("", id="dossier-info")
            yield Static(Text("Thành phần hồ sơ", style="bold"), classes="section", id="documents-title")
            yield DataTable(id="documents", cursor_type="row", show_cursor=False)
            yield Static(Text("Lịch sử xử lý", style="bold"), classes="section")
            yield DataTable(id="history", cursor_type="row")
        yield Static("", id="dossier-print", markup=False)
        yield BottomBar()

    def on_mount(self) -> None:
        self.reload()

    def action_notices(self) -> None:
        from counter.services.voice import notices

        code = self.code
        box = self.query_one("#dossier-print", Static)

        def show(lines: list[str]) -> None:
            box.update("Thông báo cho công dân:\n" + ("\n".join(lines) if lines else "chưa gửi thông báo nào."))

        self.call_signed_in(lambda store, _actor: notices(store, code), show, self.show_error, group="notices")

    def reload(self) -> None:
        from counter.services.dossiers import get_detail

        self.call_signed_in(lambda store, _actor: get_detail(store, self.code), self.show_detail, self.load_failed)

    def load_failed(self, message: str) -> None:
        self.query_one("#dossier-head", Static).update(Text(f"Hồ sơ {self.code}: {message}", style="bold"))
        self.show_error(message)

    def show_detail(self, d: DossierDetail) -> None:
        self.query_one("#dossier-head", Static).update(
            Text.assemble((f"{d.code}", "bold"), "  ", (d.status_label, "bold reverse"), f"  {d.procedure_name}",
                          *_voided(d)))
        info = Table.grid(padding=(0, 2))
        info.add_column(style="dim")
        info.add_column()
        rows = [
            ("Thủ tục", f"{d.procedure_name} ({d.procedure_code}) — {d.field}"),
            ("Chủ hồ sơ", f"{d.owner_name} ({KINDS.get(d.owner_kind, '')})"),
            ("Số CCCD", d.owner_id_number or "—"),
            ("Ngày sinh", _birth(d.owner_birth_date)),
            ("Địa chỉ", d.owner_address or "—"),
            ("Điện thoại / Email", f"{d.owner_phone or '—'} / {d.owner_email or '—'}"),
            ("Người nộp", d.submitter_name or "(chủ hồ sơ)"),
            ("Kênh, số bộ", f"{CHANNELS.get(d.channel, str(d.channel))} · {d.sets} bộ"),
            ("Nhận lúc", _t(d.received_at)),
            ("Hẹn trả", _t(d.due_at) + (f" (hẹn ban đầu {_t(d.original_due_at)})"
                                         if d.original_due_at and d.original_due_at != d.due_at else "")),
            ("Phí, lệ phí", ("Miễn phí" if d.fee == 0 else f"{d.fee:,} đ".replace(",", "."))
             + ("" if d.fee == 0 else (" — đã nộp" if d.fee_paid else " — chưa nộp"))),
            ("Nhận kết quả", "Qua bưu chính" if d.return_method == "post" else "Tại bộ phận một cửa"),
            ("Cán bộ tiếp nhận / xử lý", f"{d.received_by_name or '—'} / {d.assignee or '—'}"),
        ]
        if d.resolved_at:
            rows.append(("Có kết quả lúc", _t(d.resolved_at)))
        if d.returned_at:
            rows.append(("Trả kết quả lúc", _t(d.returned_at)))
        if d.closed_reason:
            rows.append(("Lý do", d.closed_reason))
        if d.voided_at:
            rows.insert(0, ("ĐÃ HỦY", f"{_t(d.voided_at)} — lý do: {d.void_reason}"))
        for label, value in rows:
            info.add_row(Text(label), Text(value))
        self.query_one("#dossier-info", Static).update(info)
        done = sum(1 for doc in d.documents if doc.digitization and doc.blob_count)  # issue 5
        self.query_one("#documents-title", Static).update(Text.assemble(
            ("Thành phần hồ sơ", "bold"), f"  — đã số hóa {done}/{len(d.documents)}" if d.documents else ""))
        docs = self.query_one("#documents", DataTable)
        docs.clear(columns=True)
        docs.add_columns("TT", "Giấy tờ", "Bản chính", "Chứng thực", "Photo", "Số hóa")
        for doc in d.documents:
            docs.add_row(str(doc.position), Text(doc.name), str(doc.originals), str(doc.certified_copies),
                         str(doc.photocopies), DIGITIZATION.get(doc.digitization, "?"))
        if not d.documents:
            docs.add_row("", Text("(không có giấy tờ)", style="dim"), "", "", "", "")
        hist = self.query_one("#history", DataTable)
        hist.clear(columns=True)
        hist.add_columns("Thời điểm", "Sự kiện", "Người thực hiện", "Chi tiết")
        for e in d.events:
            hist.add_row(_t(e.at), Text(e.label), Text(e.actor), Text(e.details))
        hist.focus()

    def action_close(self) -> None:
        self.app.pop_screen()

    # ---- reprint (I / Ctrl+R) ---------------------------------------------------------------------------
    def action_reprint(self) -> None:
        from counter.screens.reprint import choose_and_print

        choose_and_print(self, self.code, self.reprint)

    def reprint(self, form: str) -> None:
        self.print_in_background(self.code, form, self.query_one("#dossier-print", Static))

    # ---- issue 12: correct, void ------------------------------------------------------------------------

    def _outcome(self, message: str, style: str = "bold red") -> None:
        self.query_one("#dossier-outcome", Static).update(Text(message, style=style))

    def _refused(self, message: str) -> None:
        self._outcome(message)
        self.show_error(message)

    def action_correct(self) -> None:
        """Ctrl+E: the form prefilled with the dossier's details (or one line saying why this user may not)."""
        from counter.services.dossiers import correction_form

        code = self.code
        self.call_signed_in(lambda store, actor: correction_form(store, actor, code), self._open_correction,
                            self._refused)

    def _open_correction(self, form) -> None:  # type: ignore[no-untyped-def]
        from counter.screens.correct import CorrectForm

        self.app.push_screen(CorrectForm(form, self.capp.store, self.capp.actor), self._corrected)

    def _corrected(self, done) -> None:  # type: ignore[no-untyped-def]
        if done is None:
            return
        self._outcome(f"Đã sửa thông tin: {done.summary}", "bold green")
        self.notify(f"Hồ sơ {done.code}: đã sửa thông tin", markup=False)
        self.reload()
        from counter.screens.modals import Confirm

        self.ask(Confirm("In lại giấy tiếp nhận (Mẫu 01) với thông tin đã sửa?"),
                 lambda _yes: self.print_in_background(done.code, "01", self.query_one("#dossier-outcome", Static),
                                                       "giấy tiếp nhận (Mẫu 01)"))

    def action_void(self) -> None:
        """Ctrl+D: a supervisor voids a dossier received by mistake, the same day: the reason, then a confirm."""
        from counter.services.dossiers import void_check

        code = self.code
        self.call_signed_in(lambda store, actor: void_check(store, actor, code), self._ask_void_reason, self._refused)

    def _ask_void_reason(self, code: str) -> None:
        from counter.screens.modals import AskText, Confirm

        def confirmed(reason: str) -> None:
            from counter.services.dossiers import void

            self.call_signed_in(lambda store, actor: void(store, actor, code, reason), self._voided, self._refused)

        def got_reason(reason: str) -> None:
            self.ask(Confirm(f"Hủy hồ sơ {code}? Hồ sơ rời hàng đợi, sổ theo dõi ghi “Đã hủy”; "
                             "mã hồ sơ không được dùng lại."), lambda _yes: confirmed(reason))

        self.ask(AskText(f"Hủy hồ sơ {code} (tiếp nhận nhầm)", "Lý do hủy (bắt buộc):",
                         hint="Enter: tiếp tục · Esc: thôi, không hủy hồ sơ"), got_reason)

    def _voided(self, state) -> None:  # type: ignore[no-untyped-def]
        self._outcome(f"Đã hủy hồ sơ {state.code}: {state.void_reason}", "bold green")
        self.notify(f"Đã hủy hồ sơ {state.code}", markup=False)
        self.reload()


def _voided(d: DossierDetail) -> tuple:
    return (("  ", ("ĐÃ HỦY", "bold red reverse")) if d.voided_at else ())
