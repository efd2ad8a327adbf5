"""Fees and charges in the store (issue 18): the quote at intake, payments (cash, VietQR transfer, online as the
portal reports it), refunds, receipts (numbered per station block and year, cancelled and reissued), their
print-outs, the day's cash report, and the figures other parts need (the portal's DanhSachLePhi, 766's 3.6).

The money rules are in counter.domain.fees (amounts) and counter.domain.lifecycle (what a payment may be); a
receipt is part of its event (`fee_paid`, `receipt_cancelled`), so it syncs, replays and audits with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from counter.domain import fees, lifecycle
from counter.domain.calendar import VN_TZ
from counter.domain.codes import tracking_url
from counter.domain.errors import CounterError
from counter.domain.fees import FeeError, Line, Quote
from counter.domain.intake import ValidationError
from counter.domain.lifecycle import EventKind
from counter.domain.permissions import Action, require
from counter.models import Dossier, DossierEvent, Office
from counter.printing import fees as fee_print
from counter.printing.layout import Document
from counter.services import events as ev
from counter.services.store import Actor, NotFound, Store

PAID_KINDS = (EventKind.FEE_PAID, EventKind.RECEIPT_CANCELLED, EventKind.FEE_REFUNDED)


def settings_of(store: Store) -> Any:
    from counter.settings import load_settings

    return load_settings(store.data_dir).fees


# ---- the quote at intake -----------------------------------------------------------------------------------

def default_units(charges: tuple[fees.Charge, ...]) -> dict[str, int]:
    """One of each quantity the charges need (a caller that gives none: the demo, an online registration)."""
    return {q: 1 for q in fees.needed_quantities(charges)}


def quote_charges(charges: tuple[fees.Charge, ...], units: Mapping[str, Any] | None, channel: int,
                  ground: str = "", paper: str = "") -> tuple[Quote, dict[str, int]]:
    """What is owed for these charges; ValidationError keyed by the form's field ("units", "exemption")."""
    wanted = fees.needed_quantities(charges)
    given = dict(units) if units is not None else default_units(charges)
    try:
        exemption = fees.clean_exemption(ground, paper, charges)
    except FeeError as exc:
        raise ValidationError({"exemption": exc.message}) from None
    try:
        q = fees.quote(charges, given, channel, exemption)
    except FeeError as exc:
        raise ValidationError({"units": exc.message}) from None
    return q, {k: int(str(given[k]).strip()) for k in wanted}


@dataclass(frozen=True)
class QuoteView:
    quantities: tuple[tuple[str, str], ...]  # (key, label) the form asks for
    grounds: tuple[tuple[str, str, bool], ...]  # (id, label, needs a paper) that apply to this procedure
    lines: tuple[Line, ...]
    total: int
    message: str = ""  # why no total (a quantity missing)


def quote(store: Store, procedure_code: str, units: Mapping[str, Any] | None, channel: int = 1,
          ground: str = "", paper: str = "") -> QuoteView:
    """The intake screen's fee box: what to ask, and the amount line by line (or why it cannot say yet)."""
    from counter.services.catalogue import get_procedure

    proc = get_procedure(store, procedure_code)
    asks = tuple((q, fees.QUANTITY_LABELS[q]) for q in fees.needed_quantities(proc.charges))
    grounds = tuple((g, label, needs) for g, (label, needs) in fees.GROUNDS.items()
                    if any(g in c.exemptions for c in proc.charges))
    try:
        q, _ = quote_charges(proc.charges, units or {}, channel, ground, paper)
    except ValidationError as exc:
        return QuoteView(asks, grounds, (), 0, "; ".join(exc.errors.values()))
    return QuoteView(asks, grounds, q.lines, q.total)


def intake_payload(charges: tuple[fees.Charge, ...], units: Mapping[str, Any] | None, channel: int,
                   ground: str, paper: str) -> dict[str, Any]:
    """The fee part of a `received` event: the total, the lines, the units and the exemption."""
    q, used = quote_charges(charges, units, channel, ground, paper)
    out: dict[str, Any] = {"fee": q.total, "charges": [line.as_json() for line in q.lines]}
    if used:
        out["units"] = used
    if q.exemption is not None:
        out["exemption"] = {"ground": q.exemption.ground, "paper": q.exemption.paper}
    return out


# ---- a dossier's money, from its events ---------------------------------------------------------------------

@dataclass(frozen=True)
class ReceiptView:
    form: str
    series: str
    number: str
    amount: int
    method: str
    payer: str
    at: datetime
    collector: str
    station_id: str
    actor_id: int | None
    cancelled: str = ""  # the reason, when cancelled
    replaces: str = ""  # the number it replaced


@dataclass(frozen=True)
class Refund:
    amount: int
    reason: str
    at: datetime
    by: str


@dataclass(frozen=True)
class FeeView:
    code: str
    owner_name: str
    owner_address: str
    procedure_name: str
    channel: int
    lines: tuple[Line, ...]
    exemption: str  # "Người thuộc hộ nghèo (Giấy chứng nhận …)" or ""
    fee: int
    paid: bool
    paid_amount: int
    refunded: int
    method: str  # of the payment ("" before one)
    reference: str  # the portal's, for an online payment
    receipts: tuple[ReceiptView, ...]
    refunds: tuple[Refund, ...]
    vietqr: str  # the transfer code while unpaid and an account is set up ("" otherwise)
    bank: str  # "VietinBank · 113000123456 · UBND XA PHUC LINH"
    tracking_url: str

    @property
    def current_receipt(self) -> ReceiptView | None:
        standing = [r for r in self.receipts if not r.cancelled]
        return standing[-1] if standing else None

    @property
    def due(self) -> int:
        return 0 if self.paid else self.fee

    @property
    def refundable(self) -> int:
        return self.paid_amount - self.refunded


def _lines(payload: Mapping[str, Any], fee: int, asked: Mapping[str, Any] | None = None) -> tuple[Line, ...]:
    """The lines owed: the intake's charges; a fee asked for later (F4's fee_requested, `asked`) replaces them
    with one line of its amount (its reason as the name), so the lines always add up to the fee."""
    if asked is None:
        lines = tuple(Line(c["kind"], c["name"], c.get("code", ""), c.get("unit", "dossier"), c.get("quantity", 1),
                           c["amount"], c.get("detail", ""), c.get("exempt", "")) for c in payload.get("charges") or ())
        if lines or not fee:
            return lines
    asked = asked or {}  # F4 writes its "Nội dung" as note; the demo and older events as reason
    name = str(asked.get("note") or asked.get("reason") or "").strip() or "Phí, lệ phí"  # or one before issue 18
    return (Line("le_phi", name, "", "dossier", 1, fee, fees.money(fee)),) if fee else ()


def _money_events(session: Session, dossier_id: str) -> list[DossierEvent]:
    return list(session.exec(select(DossierEvent).where(DossierEvent.dossier_id == dossier_id)
                             .order_by(sa.literal_column("dossier_events.rowid"))))


def _receipts(events: list[DossierEvent], who: Any) -> tuple[list[ReceiptView], list[Refund], dict[str, Any]]:
    receipts: list[ReceiptView] = []
    refunds: list[Refund] = []
    paid: dict[str, Any] = {}
    for e in events:
        p = json.loads(e.payload)
        name = who(e.station_id, e.actor_id) or ""
        if e.kind == EventKind.FEE_PAID:
            paid = p
            r = p.get("receipt")
            if r:
                receipts.append(ReceiptView(r["form"], r["series"], r["number"], int(p["amount"]), p["method"],
                                            p.get("payer", ""), e.at, name, e.station_id, e.actor_id))
        elif e.kind == EventKind.RECEIPT_CANCELLED:
            old = next((r for r in receipts if r.number == p["number"] and not r.cancelled), None)
            if old is None:
                continue
            receipts[receipts.index(old)] = ReceiptView(**{**vars(old), "cancelled": p.get("reason", "")})
            n = p["replacement"]
            receipts.append(ReceiptView(n["form"], n["series"], n["number"], old.amount, old.method,
                                        p.get("payer") or old.payer, e.at, name, e.station_id, e.actor_id,
                                        replaces=old.number))
        elif e.kind == EventKind.FEE_REFUNDED:
            refunds.append(Refund(int(p["amount"]), p.get("reason", ""), e.at, name))
    return receipts, refunds, paid


def _view(session: Session, store: Store, row: Dossier) -> FeeView:
    from counter.services.sync import actor_names

    events = _money_events(session, row.id)
    created: dict[str, Any] = next((json.loads(e.payload) for e in events if e.kind in ("received", "registered")), {})
    asked = [json.loads(e.payload) for e in events if e.kind == EventKind.FEE_REQUESTED]
    receipts, refunds, paid = _receipts(events, actor_names(session))
    ex = created.get("exemption")
    exemption = ""
    if ex:
        exemption = fees.GROUNDS[ex["ground"]][0] + (f" ({ex['paper']})" if ex.get("paper") else "")
    office = session.get(Office, row.office_id)
    cfg = settings_of(store)
    qr = ""
    if row.fee > 0 and not row.fee_paid and cfg.bank_bin and cfg.account:
        try:
            qr = fees.vietqr(cfg.bank_bin, cfg.account, row.fee, row.code)
        except FeeError:
            qr = ""
    bank = " · ".join(x for x in (cfg.bank_name, cfg.account, cfg.account_name) if x)
    return FeeView(row.code, row.owner_name, row.owner_address or "", row.procedure_name, row.channel,
                   _lines(created, row.fee, asked[-1] if asked else None), exemption, row.fee, row.fee_paid,
                   row.paid_amount, row.refunded_amount,
                   paid.get("method", "") if paid.get("receipt") or paid.get("reference") else "",
                   paid.get("reference", ""), tuple(receipts), tuple(refunds), qr, bank,
                   tracking_url(office.public_base_url, row.token) if office else "")


def _row(session: Session, actor: Actor, code: str) -> Dossier:
    from counter.services.dossiers import dossier_row

    return dossier_row(session, actor, code)


def fee_view(store: Store, actor: Actor, code: str) -> FeeView:
    """What a dossier owes, what was paid and how, its receipts and refunds, the VietQR code while unpaid."""
    require(actor.role, Action.COLLECT_FEE)
    with store.read() as session:
        return _view(session, store, _row(session, actor, code))


# ---- paying, refunding, reissuing ---------------------------------------------------------------------------

def _amount(value: Any, label: str = "Số tiền") -> int:
    try:
        return fees.parse_amount(value, label)
    except FeeError as exc:
        raise CounterError(exc.message) from None


def _new_receipt(session: Session, cfg: Any, actor: Actor, at: datetime) -> dict[str, str]:
    """The next receipt of this station's block for the year, inside the paying transaction (a refused payment
    rolls the number back with it: none skipped). `cfg`: the [fees] settings (its receipt symbols)."""
    year = at.astimezone(VN_TZ).year
    station_no = session.execute(sa.text("SELECT number FROM stations WHERE id = :s"),
                                 {"s": actor.station_id}).scalar_one()
    n = ev.next_number(session, actor.station_id, "receipt", str(year))
    try:
        number = fees.receipt_number(station_no, n)
    except FeeError as exc:
        raise CounterError(exc.message) from None
    return {"form": cfg.receipt_form, "series": fees.series_for(cfg.receipt_series, year), "number": number}


@dataclass(frozen=True)
class PaymentDone:
    code: str
    amount: int
    method: str
    receipt: str  # "AA-26P 1000001" ("" for an online payment)
    number: str


def pay(store: Store, actor: Actor, code: str, method: str, amount: Any, payer: str = "",
        reference: str = "") -> PaymentDone:
    """Take the payment of a dossier's fee: `cash` or `transfer` (a receipt is issued), or `online` (as the
    portal reports it, with its `reference`). The exact amount, once; refused with a Vietnamese message and
    nothing written otherwise."""
    with store.write() as session:
        return pay_in(session, settings_of(store), actor, _row(session, actor, code), method, amount,
                      store.clock.now(), payer, reference)


def _payment(actor: Actor, row: Dossier | lifecycle.DossierState, method: str, amount: Any, payer: str,
             reference: str, at: datetime) -> dict[str, Any]:
    """A payment's payload without its receipt, refused with a Vietnamese message before anything is taken."""
    require(actor.role, Action.COLLECT_FEE)
    if method not in fees.METHODS:
        raise CounterError(f"Hình thức nộp không hợp lệ: “{method}” (tiền mặt, chuyển khoản, trực tuyến).")
    # what the dossier's state refuses whatever the amount (voided, paid, nothing owed) before the amount is read
    # (F9 empties it once paid) and before a receipt number is taken
    state = row if isinstance(row, lifecycle.DossierState) else ev.state_of(row)
    lifecycle.check(state, EventKind.FEE_PAID, at)
    refusal = lifecycle.payment_refusal(state)
    if refusal:
        raise lifecycle.TransitionError(EventKind.FEE_PAID, state.status, refusal)
    value = _amount(amount, "Số tiền nộp")
    reference = (reference or "").strip()
    if method == "online" and not reference:
        raise CounterError("Thanh toán trực tuyến: cần mã giao dịch do Cổng DVC báo về.")
    payload: dict[str, Any] = {"amount": value, "method": method, "payer": (payer or "").strip() or row.owner_name}
    if method == "online":
        payload["reference"] = reference
    return payload


def pay_in(session: Session, cfg: Any, actor: Actor, row: Dossier | lifecycle.DossierState, method: str, amount: Any,
           at: datetime,
           payer: str = "", reference: str = "") -> PaymentDone:
    """The payment inside the caller's write transaction: the one way money is recorded (F9, the fee taken at
    intake, the fee collected at the return, `counter fee pay`), with its receipt from the series of `cfg` (the
    [fees] settings); refused with a Vietnamese message (the transaction rolls back, no number skipped)."""
    payload = _payment(actor, row, method, amount, payer, reference, at)
    if method != "online":
        payload["receipt"] = _new_receipt(session, cfg, actor, at)
    state, _ = ev.append(session, actor, row.id, EventKind.FEE_PAID, payload, at, row=row)
    r = payload.get("receipt")
    return PaymentDone(state.code, payload["amount"], method, f"{r['series']} {r['number']}" if r else "",
                       r["number"] if r else "")


def check_payment(store: Store, actor: Actor, row: Dossier, method: str, amount: Any,
                  payer: str = "") -> lifecycle.DossierState:
    """The refusals a payment would give, without writing or numbering anything (a confirm step's check); the
    dossier's state once paid."""
    from datetime import UTC

    at = store.clock.now()
    payload = _payment(actor, row, method, amount, payer, "", at)
    cfg = settings_of(store)
    payload["receipt"] = {"form": cfg.receipt_form, "number": "0000000",  # the number is taken when written
                          "series": fees.series_for(cfg.receipt_series, at.astimezone(VN_TZ).year)}
    return lifecycle.apply(ev.state_of(row), lifecycle.Event("check", EventKind.FEE_PAID, at.astimezone(UTC),
                                                             actor.user_id, actor.station_id, payload))


def receipt_text_in(session: Session, dossier_id: str) -> str:
    """ "AA-26P 1000001": the dossier's standing receipt ("" when none)."""
    receipts, _, _ = _receipts(_money_events(session, dossier_id), lambda *_: "")
    standing = [r for r in receipts if not r.cancelled]
    return f"{standing[-1].series} {standing[-1].number}" if standing else ""


def refund(store: Store, actor: Actor, code: str, amount: Any, reason: str) -> int:
    """Pay money back (its own step, with a reason); at most what was paid and not yet refunded."""
    require(actor.role, Action.REFUND_FEE)
    value = _amount(amount, "Số tiền hoàn trả")
    if value <= 0:
        raise CounterError("Số tiền hoàn trả phải lớn hơn 0.")
    if not (reason or "").strip():
        raise CounterError("Thiếu lý do hoàn trả phí, lệ phí.")
    with store.write() as session:
        row = _row(session, actor, code)
        state, _ = ev.append(session, actor, row.id, EventKind.FEE_REFUNDED,
                             {"amount": value, "reason": reason.strip()}, store.clock.now(), row=row)
        return state.refunded_amount


def reissue(store: Store, actor: Actor, code: str, reason: str, payer: str = "") -> PaymentDone:
    """Cancel the dossier's current receipt with a reason and issue a new one in its place (the cancelled keeps
    its number, marked, in the series)."""
    require(actor.role, Action.COLLECT_FEE)
    if not (reason or "").strip():
        raise CounterError("Thiếu lý do hủy biên lai.")
    with store.write() as session:
        at = store.clock.now()
        row = _row(session, actor, code)
        current = _view(session, store, row).current_receipt
        if current is None:
            raise CounterError(f"Hồ sơ {row.code} chưa có biên lai thu tiền để hủy.")
        new = _new_receipt(session, settings_of(store), actor, at)
        payload = {"number": current.number, "reason": reason.strip(), "replacement": new,
                   "payer": (payer or "").strip() or current.payer}
        ev.append(session, actor, row.id, EventKind.RECEIPT_CANCELLED, payload, at, row=row)
        return PaymentDone(row.code, current.amount, current.method, f"{new['series']} {new['number']}",
                           new["number"])


# ---- print-outs -------------------------------------------------------------------------------------------

def _fee_lines(lines: tuple[Line, ...]) -> tuple[fee_print.FeeLine, ...]:
    return tuple(fee_print.FeeLine(x.kind, x.name, x.detail, x.amount) for x in lines)


def receipt_print(store: Store, actor: Actor | None, code: str, number: str | None = None) -> fee_print.ReceiptPrint:
    """A receipt of a dossier (its current one, or the one numbered `number`, cancelled ones marked)."""
    with store.read() as session:
        row = session.exec(select(Dossier).where(Dossier.code == code.strip().upper())).first()
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ “{code.strip()}”")
        view = _view(session, store, row)
        office = session.get(Office, row.office_id)
    found = next((r for r in view.receipts if r.number == number), None) if number else view.current_receipt
    if found is None:
        raise NotFound(f"Hồ sơ {view.code} không có biên lai {number}." if number
                       else f"Hồ sơ {view.code} chưa có biên lai thu phí, lệ phí.")
    cfg = settings_of(store)
    unit = cfg.unit_name or (office.parent_name or office.name if office else "")
    return fee_print.ReceiptPrint(unit, cfg.tax_code, office.address if office else "", found.form, found.series,
                                  found.number, found.payer, view.owner_address, view.code, view.procedure_name,
                                  _fee_lines(view.lines), found.amount, found.method, found.at, found.collector,
                                  found.cancelled, found.replaces)


def receipt_pdf(store: Store, code: str, number: str | None = None) -> bytes:
    """The receipt's electronic copy (A5 PDF); the tracking page offers the same."""
    from counter.printing.pdf import render_pdf

    return render_pdf([fee_print.receipt(receipt_print(store, None, code, number))], "A5")


def notice_document(store: Store, actor: Actor, code: str) -> Document:
    view = fee_view(store, actor, code)
    if view.fee <= 0:
        raise CounterError(f"Hồ sơ {view.code} không phải nộp phí, lệ phí.")
    if view.paid:  # a notice of what is due, on a paid dossier, would ask the citizen to pay twice
        receipt = view.current_receipt
        raise CounterError(f"Hồ sơ {view.code} đã nộp đủ {fees.money(view.paid_amount)}"
                           + (f" (biên lai số {receipt.number})" if receipt else "")
                           + ": không in thông báo nộp phí; in lại biên lai nếu cần.")
    cfg = settings_of(store)
    with store.read() as session:
        office = session.get(Office, actor.office_id)
    unit = cfg.unit_name or (office.parent_name or office.name if office else "")
    return fee_print.fee_notice(fee_print.NoticePrint(
        unit, view.code, view.owner_name, view.procedure_name, _fee_lines(view.lines), view.fee, cfg.bank_name,
        cfg.account, cfg.account_name, view.vietqr, store.clock.now(), view.tracking_url))


@dataclass(frozen=True)
class Printed:
    what: str
    where: str


def print_fee_paper(store: Store, actor: Actor, code: str, paper: str = "receipt", fmt: str | None = None,
                    out: Path | None = None, number: str | None = None) -> Printed:
    """Print the receipt (`receipt`) or the fee notice with its VietQR code (`notice`) on the station's printer
    (A5 PDF, or ESC/POS on an 80 mm roll)."""
    from counter.printing.targets import deliver
    from counter.services.printing import printer_config, render

    require(actor.role, Action.COLLECT_FEE)
    if paper == "notice":
        doc = notice_document(store, actor, code)
        name = f"{code.strip().upper()}-thongbao-phi"
    else:
        r = receipt_print(store, actor, code, number)
        doc, name = fee_print.receipt(r), f"{code.strip().upper()}-bienlai-{r.number}"
    cfg = printer_config(store, fmt)
    data = render([doc], cfg.format if cfg.format != "pdf-a4" else "pdf-a5", cfg.escpos_profile)
    return Printed("Biên lai" if paper != "notice" else "Thông báo nộp phí", deliver(data, cfg, name, out))


# ---- the day's money ----------------------------------------------------------------------------------------

def _day_bounds(day: date) -> tuple[datetime, datetime]:
    lo = datetime.combine(day, time(0, 0), VN_TZ)
    return lo, lo + timedelta(days=1)


def cash_report(store: Store, actor: Actor, day: date) -> fee_print.CashReport:
    """The day's receipts issued and cancelled and the amounts by method, per collector and for the office. A
    supervisor sees everyone's; a clerk or postal staff member their own (what they hand over)."""
    from counter.services.sync import actor_names

    require(actor.role, Action.COLLECT_FEE)
    everyone = actor.role in ("supervisor",)
    lo, hi = _day_bounds(day)
    with store.read() as session:
        who = actor_names(session)
        office = session.get(Office, actor.office_id)
        ids = list(session.exec(select(DossierEvent.dossier_id).where(
            col(DossierEvent.kind).in_([k.value for k in PAID_KINDS]), DossierEvent.office_id == actor.office_id,
            DossierEvent.at >= lo, DossierEvent.at < hi).distinct()))
        rows: list[fee_print.CashRow] = []
        refunds: list[tuple[str, int]] = []
        for dossier_id in ids:
            d = session.exec(select(Dossier).where(Dossier.id == dossier_id)).one()
            events = _money_events(session, dossier_id)
            receipts, _, _ = _receipts(events, who)
            for r in receipts:
                if not lo <= r.at < hi or (not everyone and (r.station_id, r.actor_id) != (actor.station_id,
                                                                                            actor.user_id)):
                    continue
                status = f"Đã hủy: {r.cancelled}" if r.cancelled else "Đã thu"
                rows.append(fee_print.CashRow(r.number, r.series, d.code, r.payer, r.method, r.amount, r.collector,
                                              r.at, status))
            for e in events:
                p = json.loads(e.payload)
                mine = (e.station_id, e.actor_id) == (actor.station_id, actor.user_id)
                if not lo <= e.at < hi or not (everyone or mine):
                    continue
                name = who(e.station_id, e.actor_id) or ""
                if e.kind == EventKind.FEE_PAID and p.get("method") == "online" and p.get("reference"):
                    rows.append(fee_print.CashRow("", "", d.code, p.get("payer", ""), "online", int(p["amount"]),
                                                  name, e.at, f"Cổng DVC: {p['reference']}"))
                elif e.kind == EventKind.FEE_REFUNDED:
                    refunds.append((name, int(p["amount"])))
                    rows.append(fee_print.CashRow("", "", d.code, "", "cash", int(p["amount"]), name, e.at,
                                                  f"Hoàn trả: {p.get('reason', '')}"))
    rows.sort(key=lambda r: (r.at, r.number))
    names = sorted({r.collector for r in rows})

    def total(name: str | None) -> fee_print.CollectorTotal:
        mine = [r for r in rows if name is None or r.collector == name]
        kept = [r for r in mine if r.status == "Đã thu" or r.status.startswith("Cổng DVC")]
        by = tuple((m, sum(r.amount for r in kept if r.method == m)) for m in fees.METHODS)
        return fee_print.CollectorTotal(name or "Cả đơn vị", sum(1 for r in mine if r.number),
                                        sum(1 for r in mine if r.status.startswith("Đã hủy")), by,
                                        sum(a for n, a in refunds if name is None or n == name))

    cfg = settings_of(store)
    unit = cfg.unit_name or (office.parent_name or office.name if office else "")
    return fee_print.CashReport(unit, f"{day:%d/%m/%Y}", tuple(rows), tuple(total(n) for n in names), total(None))


def write_cash_report(store: Store, actor: Actor, day: date, out_dir: Path) -> tuple[Path, Path]:
    """The day's cash report as PDF (A4) and XLSX files in `out_dir`; their paths."""
    from counter.fsutil import write_atomic
    from counter.printing.pdf import render_pdf

    report = cash_report(store, actor, day)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bao-cao-thu-phi-{day:%Y-%m-%d}"
    pdf, xlsx = out_dir / f"{stem}.pdf", out_dir / f"{stem}.xlsx"
    write_atomic(render_pdf([fee_print.cash_report(report)], "A4"), pdf)
    write_atomic(fee_print.cash_report_xlsx(report), xlsx)
    return pdf, xlsx


# ---- for the portal payload (issue 16) and 766 (issue 17) ---------------------------------------------------

@dataclass(frozen=True)
class PortalFees:
    items: list[dict[str, str]] = field(default_factory=list)  # DanhSachLePhi[]
    paid_online: bool = False  # DuocThanhToanTrucTuyen


def portal_fees(session: Session, dossier_id: str) -> PortalFees:
    """A dossier's DanhSachLePhi (TenPhiLePhi, MaPhiLePhi, HinhThucThu, Gia, LoaiPhiLePhi: every value a string)
    and DuocThanhToanTrucTuyen, from its intake lines and its real payment."""
    row = session.exec(select(Dossier).where(Dossier.id == dossier_id)).first()
    if row is None:
        return PortalFees()
    events = _money_events(session, dossier_id)
    created: dict[str, Any] = next((json.loads(e.payload) for e in events if e.kind in ("received", "registered")), {})
    paid: dict[str, Any] = next((json.loads(e.payload) for e in reversed(events) if e.kind == EventKind.FEE_PAID), {})
    return PortalFees(*fees.portal_fee_list(created, row.fee, paid, row.fee_paid))


def online_payment_counts(store: Store, lo: datetime, hi: datetime, office_id: str | None = None) -> tuple[int, int]:
    """766 figure 3.6 for dossiers received in [lo, hi): (dossiers with a fee paid online, dossiers with a fee),
    not counting voided ones. Paid online = a `fee_paid` event with method "online" (what the portal reported)."""
    where = "d.fee > 0 AND d.voided_at IS NULL AND d.received_at >= ? AND d.received_at < ?"
    params: list[Any] = [_utc_text(lo), _utc_text(hi)]
    if office_id:
        where += " AND d.office_id = ?"
        params.append(office_id)
    row = store.query(
        "SELECT count(*) AS charged, sum(EXISTS (SELECT 1 FROM dossier_events e WHERE e.dossier_id = d.id AND "
        "e.kind = 'fee_paid' AND json_extract(e.payload, '$.method') = 'online')) AS online "
        f"FROM dossiers d WHERE {where}", tuple(params))[0]
    return int(row["online"] or 0), int(row["charged"] or 0)


def _utc_text(at: datetime) -> str:
    from datetime import UTC

    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def qr_text(data: str) -> str:
    """A QR code drawn with half blocks for the terminal (two rows of modules per line, a quiet zone of 2)."""
    from counter.printing.pdf import qr_matrix

    m = qr_matrix(data)
    size = len(m) + 4
    rows = [[False] * size for _ in range(2)] + [[False, False, *r, False, False] for r in m] + \
           [[False] * size for _ in range(2)]
    if len(rows) % 2:
        rows.append([False] * size)
    # dark modules are drawn as the background (a light terminal shows black on white the other way round): a
    # space for dark and a full block for light, so the code reads on a dark terminal theme
    chars = {(False, False): "█", (True, True): " ", (False, True): "▀", (True, False): "▄"}
    return "\n".join("".join(chars[(rows[y][x], rows[y + 1][x])] for x in range(size))
                     for y in range(0, len(rows), 2))
