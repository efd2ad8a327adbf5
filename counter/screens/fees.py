"""F9 Thu phí (issue 18): find a dossier, see what it owes line by line (and its VietQR code while unpaid), take
the payment in cash or by transfer, print the receipt (A5 or 80 mm) or the fee notice, cancel and reissue a
wrong receipt, record a refund, and write the day's cash report. Every rule is the services' (services.fees)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from counter.domain.permissions import Action, can
from counter.domain.fees import money
from counter.screens.base import ServiceScreen
from counter.screens.keys import KeyScope
from counter.widgets.qr_input import QrInput
from counter.widgets.status import BottomBar


class FeesScreen(ServiceScreen, scope="fees"):
    HELP = ("Thu phí, lệ phí. Gõ mã hồ sơ rồi Enter: màn hình hiện các khoản phải nộp từng dòng và mã VietQR "
            "(chuyển khoản đúng số tiền, nội dung là mã hồ sơ). {fees.cash}: thu tiền mặt và cấp biên lai · "
            "{fees.transfer}: ghi nhận đã chuyển khoản (sau khi thấy tiền về) và cấp biên lai · {fees.online}: "
            "ghi nhận thanh toán trực tuyến (ô “Mã giao dịch / lý do” là mã Cổng báo về) · {fees.print}: in biên "
            "lai · {fees.notice}: in thông báo nộp phí có mã VietQR · {fees.reissue}: hủy biên lai (ghi lý do) "
            "và cấp lại · {fees.refund}: hoàn trả (số tiền và lý do) · {fees.report}: báo cáo thu trong ngày "
            "(PDF và XLSX) · {fees.qr}: mã VietQR phóng to, một mình trên màn hình (màn hình nhỏ). Nộp thiếu, "
            "nộp thừa, nộp lần hai đều bị từ chối.")
    AUTO_FOCUS = "#fee-code"
    CSS = """
    FeesScreen .form-row { height: 1; }
    FeesScreen .form-label { width: 22; }
    FeesScreen Input, FeesScreen Input:focus { height: 1; border: none; padding: 0 1; width: 1fr; }
    FeesScreen Input { background: $boost; }
    FeesScreen Input:focus { background: $accent 30%; }
    FeesScreen #fee-body { height: 1fr; }
    FeesScreen #fee-info { width: 1fr; height: auto; }
    FeesScreen #fee-qr { width: auto; height: auto; margin-left: 1; }
    FeesScreen #fee-msg { height: auto; }
    """

    OPENS_ON_DOSSIER = True  # F9 from a screen holding a dossier (F2 just saved, F4, F5) opens on it

    def __init__(self, code: str | None = None) -> None:
        super().__init__()
        self.code = (code or "").strip().upper()
        self.view: Any = None
        self.qr = ""  # the VietQR code as drawn in #fee-qr ("" when none is shown)

    def on_mount(self) -> None:
        if self.code:
            self.query_one("#fee-code", Input).value = self.code
            self.load(focus_amount=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "refund":  # hidden from the help for clerks and postal staff; the service refuses anyway
            actor = self.capp.actor
            return actor is not None and can(actor.role, Action.REFUND_FEE)
        return True

    def dossier_in_hand(self) -> str | None:
        return self.code if self.view is not None else None

    def compose(self) -> ComposeResult:
        with Vertical():
            with Horizontal(classes="form-row"):
                yield Label("Mã hồ sơ", classes="form-label")
                yield QrInput(placeholder="Gõ hoặc quét mã hồ sơ rồi Enter", id="fee-code", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Số tiền nộp (đồng)", classes="form-label")
                yield Input(id="fee-amount", placeholder="đúng số phải nộp", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Người nộp tiền", classes="form-label")
                yield Input(id="fee-payer", placeholder="mặc định: chủ hồ sơ", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Mã giao dịch / lý do", classes="form-label")
                yield Input(id="fee-note", placeholder="mã giao dịch trực tuyến, lý do hủy biên lai hoặc hoàn trả",
                            compact=True)
            yield Static("", id="fee-msg", markup=False)
            with VerticalScroll(id="fee-body"):
                with Horizontal():
                    yield Static("", id="fee-info", markup=False)
                    yield Static("", id="fee-qr", markup=False)
        yield BottomBar()

    # ---- loading ------------------------------------------------------------------------------------------
    @on(Input.Submitted, "#fee-code")
    def code_entered(self, event: Input.Submitted) -> None:
        self.code = event.value.strip().upper()
        if self.code:
            self.load(focus_amount=True)

    @on(Input.Submitted, "#fee-amount")
    def amount_entered(self) -> None:
        self.query_one("#fee-payer", Input).focus()

    def load(self, focus_amount: bool = False, message: Text | None = None) -> None:
        from counter.services import fees

        store, actor = self.session()
        code = self.code

        def work() -> Any:
            view = fees.fee_view(store, actor, code)
            return view, fees.qr_text(view.vietqr) if view.vietqr else ""

        def shown(result: Any) -> None:
            self.show(*result)
            if message is not None:
                self.say(message)
            if focus_amount:
                self.query_one("#fee-amount", Input).focus()

        self.call_service(work, shown, self.failed, group="fees-load", exclusive=True)

    def show(self, view: Any, qr: str) -> None:
        from counter.domain.fees import KINDS, METHODS

        self.view = view
        lines = [Text(f"Hồ sơ {view.code} · {view.owner_name}", style="bold"), Text(view.procedure_name), Text("")]
        if not view.lines:
            lines.append(Text("Thủ tục này không thu phí, lệ phí."))
        for i, line in enumerate(view.lines, start=1):
            lines.append(Text(f"{i}. {KINDS[line.kind]}: {line.name}"))
            lines.append(Text(f"   {line.detail} = {money(line.amount)}"))
        if view.exemption:
            lines.append(Text(f"Miễn: {view.exemption}", style="italic"))
        lines.append(Text(f"Tổng phải nộp: {money(view.fee)}", style="bold"))
        if view.paid:
            how = METHODS.get(view.method, "đã ghi nhận")
            lines.append(Text(f"ĐÃ NỘP {money(view.paid_amount)} · {how}", style="bold green"))
        elif view.fee:
            lines.append(Text(f"CHƯA NỘP: {money(view.fee)}", style="bold red"))
        for r in view.receipts:
            mark = f" · ĐÃ HỦY: {r.cancelled}" if r.cancelled else ""
            lines.append(Text(f"Biên lai {r.series} số {r.number} · {money(r.amount)} · {r.collector}{mark}",
                              style="strike" if r.cancelled else ""))
        if view.refunded:
            lines.append(Text(f"Đã hoàn trả: {money(view.refunded)}"))
        if view.vietqr:
            lines += [Text(""), Text("Chuyển khoản VietQR (đúng số tiền, nội dung là mã hồ sơ):"),
                      Text(view.bank), Text(f"Nội dung: {view.code}"),
                      Text(f"{self.key_name('fees.qr')}: phóng to mã QR", style="dim")]
        self.qr = qr
        self.query_one("#fee-info", Static).update(Text("\n").join(lines))
        self.query_one("#fee-qr", Static).update(Text(qr) if qr else "")
        amount = self.query_one("#fee-amount", Input)
        amount.value = f"{view.due:,}".replace(",", ".") if view.due else ""
        self.say(Text(""))

    # ---- actions --------------------------------------------------------------------------------------------
    def action_zoom_qr(self) -> None:
        if self.view is None or not self.qr:
            self.failed("Chưa có mã VietQR: nhập mã hồ sơ còn phải nộp rồi Enter.")
            return
        self.app.push_screen(QrScreen(self.qr, f"{money(self.view.due)} · nội dung: {self.view.code}"))

    def _need_code(self) -> bool:
        if not self.code or self.view is None:
            self.failed("Nhập mã hồ sơ rồi Enter trước.")
            return False
        return True

    def _value(self, id_: str) -> str:
        return self.query_one(f"#{id_}", Input).value

    def action_pay(self, method: str) -> None:
        from counter.services import fees

        if not self._need_code():
            return
        store, actor = self.session()
        code = self.code
        amount, payer, note = self._value("fee-amount"), self._value("fee-payer"), self._value("fee-note")

        def work() -> Any:
            done = fees.pay(store, actor, code, method, amount, payer, note if method == "online" else "")
            if done.number:  # print the receipt at once; the payment is saved whatever the printer does
                try:
                    where = fees.print_fee_paper(store, actor, code, "receipt").where
                except Exception as exc:  # a printer problem never undoes a payment
                    from counter.screens.base import error_text

                    where = f"CHƯA IN ĐƯỢC ({error_text(exc)}) — Ctrl+R để in lại"
                return done, where
            return done, ""

        def paid(result: Any) -> None:
            done, where = result
            text = f"Đã thu {money(done.amount)} của hồ sơ {done.code}"
            text += f" · biên lai {done.receipt} · {where}" if done.receipt else " · thanh toán trực tuyến"
            self.notify(text, markup=False)
            self.query_one("#fee-note", Input).value = ""
            self.load(message=Text(text, style="bold green"))

        self.call_service(work, paid, self.failed, group="fees-pay")

    def action_print(self, paper: str) -> None:
        from counter.services import fees

        if not self._need_code():
            return
        store, actor = self.session()
        code = self.code
        self.call_service(lambda: fees.print_fee_paper(store, actor, code, paper),
                          lambda p: self.say(Text(f"Đã in {p.what.lower()}: {p.where}", style="bold green")),
                          self.failed, group="fees-print")

    def _change(self, work: Callable[[Any, Any, str], Any], said: Callable[[Any], str], group: str) -> None:
        """Run a change of the dossier's receipts or refunds in the background (work(store, actor, code)); then
        clear the note field and reload the dossier with the message said(result)."""
        if not self._need_code():
            return
        store, actor = self.session()
        code = self.code

        def done(result: Any) -> None:
            self.query_one("#fee-note", Input).value = ""
            self.load(message=Text(said(result), style="bold green"))

        self.call_service(lambda: work(store, actor, code), done, self.failed, group=group)

    def action_reissue(self) -> None:
        from counter.services import fees

        reason, payer = self._value("fee-note"), self._value("fee-payer")
        self._change(lambda store, actor, code: fees.reissue(store, actor, code, reason, payer),
                     lambda done: f"Đã hủy biên lai cũ (giữ số, đánh dấu đã hủy) và cấp biên lai {done.receipt}",
                     "fees-reissue")

    def action_refund(self) -> None:
        from counter.services import fees

        amount, reason = self._value("fee-amount"), self._value("fee-note")
        self._change(lambda store, actor, code: fees.refund(store, actor, code, amount, reason),
                     lambda total: f"Đã ghi nhận hoàn trả; tổng đã hoàn trả {money(total)}", "fees-refund")

    def action_report(self) -> None:
        from counter.services import fees

        store, actor = self.session()
        today = store.clock.now()

        def work() -> Any:
            from counter.domain.scorecard import local_date

            day = local_date(today)
            pdf, xlsx = fees.write_cash_report(store, actor, day, store.data_dir / "exports")
            return fees.cash_report(store, actor, day), pdf, xlsx

        def done(result: Any) -> None:
            report, pdf, xlsx = result
            lines = [Text(f"Báo cáo thu phí, lệ phí ngày {report.day}", style="bold")]
            for t in (*report.collectors, report.office):
                lines.append(Text(f"{t.collector}: {t.issued} biên lai ({t.cancelled} đã hủy) · tiền mặt phải nộp "
                                  f"{money(t.cash_to_hand_over)} · tổng {money(t.total)}"))
            lines.append(Text(f"Đã ghi {pdf}"))
            lines.append(Text(f"Đã ghi {xlsx}"))
            self.query_one("#fee-info", Static).update(Text("\n").join(lines))
            self.query_one("#fee-qr", Static).update("")
            self.qr = ""
            self.say(Text("Đã ghi báo cáo thu trong ngày (PDF và XLSX)", style="bold green"))

        self.call_service(work, done, self.failed, group="fees-report")

    def action_back(self) -> None:
        self.query_one("#fee-code", Input).focus()

    def refocus(self) -> None:
        self.action_back()

    # ---- messages -------------------------------------------------------------------------------------------
    def say(self, text: Text) -> None:
        self.query_one("#fee-msg", Static).update(text)

    def failed(self, message: str) -> None:
        self.say(Text(message, style="bold red"))
        self.show_error(message)


class QrScreen(KeyScope, ModalScreen[None], scope="qr"):
    """The VietQR code alone on the screen, with one line under it (the amount, the transfer's content): the
    citizen's phone needs the whole code, which at 80×24 does not fit beside the lines of F9."""

    DEFAULT_CSS = """
    QrScreen { align: center middle; }
    QrScreen > Vertical { width: 100%; height: auto; }
    QrScreen Static { width: 100%; text-align: center; }
    """

    def __init__(self, qr: str, caption: str) -> None:
        super().__init__()
        self.qr, self.caption = qr, caption

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.qr), id="qr-code")
            yield Static(Text(self.caption, style="bold"), id="qr-caption", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
