"""F5 Trả kết quả: find a dossier from its receipt's QR (or its code), hand the result over at the counter or
send it by post, and later mark the postal delivery. Each is one `returned` / `delivered` event through
`events.append`; the reducer decides who may collect (the owner's ID, or an authorization)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, UTC
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from counter.domain import handover, lifecycle
from counter.domain.cccd import CccdData
from counter.domain.errors import CounterError
from counter.domain.hashing import canonical_json
from counter.domain.lifecycle import STATUS_LABELS, EventKind, Status
from counter.domain.permissions import EVENT_ACTIONS, require
from counter.domain.progress import ScanError, parse_scan
from counter.domain.text import nfc
from counter.models import Dossier, Office
from counter.services import events as ev
from counter.services.dossiers import dossier_row
from counter.services.progress import parse_papers
from counter.services.store import Actor, NotFound, Store


def locate_in(session: Session, actor: Actor, text: str) -> Dossier:
    """The dossier a scan or a typed line names, checked to belong to this office (else a clear message)."""
    scanned = parse_scan(text)
    office = session.get(Office, actor.office_id)
    if scanned.token is not None:
        row = session.exec(select(Dossier).where(Dossier.token == scanned.token)).first()
        ours = office is not None and scanned.base_url == office.public_base_url.rstrip("/")
        if row is None:
            if not ours:
                raise ScanError(f"Mã QR của nơi khác ({scanned.base_url}): không có hồ sơ này tại "
                                f"{office.name if office else actor.office_id}")
            raise NotFound("Mã QR đúng dạng nhưng không có hồ sơ nào mang mã tra cứu này (giấy tiếp nhận giả "
                           "hoặc của quầy chưa đồng bộ)")
        if row.office_id != actor.office_id:
            raise ScanError(f"Hồ sơ {row.code} thuộc cơ quan khác ({row.office_id})")
        return row
    assert scanned.code is not None
    agency = scanned.code.rsplit("-", 2)[0]
    if agency != actor.office_id:
        raise ScanError(f"Mã hồ sơ {scanned.code} là của cơ quan {agency}, không phải của "
                        f"{office.name if office else actor.office_id} ({actor.office_id})")
    return dossier_row(session, actor, scanned.code)


def locate(store: Store, actor: Actor, text: str) -> str:
    """The code of the dossier a scan (receipt QR, barcode) or a typed code names."""
    with store.read() as session:
        return locate_in(session, actor, text).code


@dataclass(frozen=True)
class ReturnView:
    code: str
    status: int
    status_label: str
    ready: bool
    message: str  # why it cannot be returned, or what to do
    owner_name: str
    owner_id_number: str | None
    procedure_name: str
    due_at: datetime | None
    resolved_at: datetime | None
    fee: int
    fee_paid: bool
    return_method: str
    return_address: str | None
    returned_at: datetime | None
    return_tracking: str | None
    delivered_at: datetime | None
    result_note: str = ""
    papers: list[dict[str, Any]] = field(default_factory=list)  # suggested result papers
    receipt: str = ""  # the fee's standing receipt, "AA-26P 1000002" ("" while unpaid or paid without one)
    results_issued: int = 0  # signed electronic results attached (issue 20): F5 offers "bản điện tử" then


def _view(session: Session, row: Dossier) -> ReturnView:
    from counter.domain.calendar import format_vn
    from counter.services.fees import receipt_text_in
    from counter.services.progress import latest_payload

    status = Status(row.status)
    ready = status == Status.RESOLVED
    if ready:
        message = "Hồ sơ đã có kết quả: kiểm tra người nhận rồi trả (Ctrl+S) hoặc gửi bưu chính (Ctrl+T)."
        if row.fee and not row.fee_paid:
            due = f"{row.fee:,}".replace(",", ".")
            message += (f" Chưa thu phí, lệ phí {due} đ: ghi vào ô “Phí thu” (tiền mặt, cấp biên lai) hoặc thu ở "
                        "màn hình Thu phí.")
    elif status == Status.RETURNED:
        how = (f"gửi qua bưu chính, số hiệu {row.return_tracking}" if row.return_method == "post"
               else "trả tại quầy")
        message = f"Hồ sơ đã được trả kết quả lúc {format_vn(row.returned_at)} ({how})." if row.returned_at else \
            "Hồ sơ đã được trả kết quả."
        if row.return_method == "post":
            message += (f" Bưu điện đã phát lúc {format_vn(row.delivered_at)}." if row.delivered_at
                        else " Chưa ghi nhận phát: Ctrl+F khi bưu điện báo đã phát.")
    else:
        message = f"Hồ sơ chưa có kết quả (trạng thái: {STATUS_LABELS[status]}): chưa trả được."
    resolved = latest_payload(session, row.id, EventKind.RESOLVED)
    note = resolved[1].get("note", "") if resolved else ""
    papers = list(resolved[1].get("papers", [])) if resolved else []
    if not papers and note:
        papers = [{"name": note, "count": 1}]
    return ReturnView(row.code, row.status, STATUS_LABELS[status], ready, message, row.owner_name,
                      row.owner_id_number, row.procedure_name, row.due_at, row.resolved_at, row.fee, row.fee_paid,
                      row.return_method, row.return_address, row.returned_at, row.return_tracking, row.delivered_at,
                      note, papers, receipt_text_in(session, row.id) if row.fee_paid else "", row.results_issued or 0)


def return_view(store: Store, actor: Actor, text: str) -> ReturnView:
    """Open a dossier on its return form from a scan or a typed code."""
    with store.read() as session:
        return _view(session, locate_in(session, actor, text))


AUTHORIZATION_KINDS = handover.AUTHORIZATION_KINDS


@dataclass(frozen=True)
class Authorization:
    """The authorization paper a collector brings when they collect for the owner (never a card's QR text)."""

    kind: str = ""  # one of AUTHORIZATION_KINDS
    number: str = ""
    date: str = ""  # as typed: dd/mm/yyyy (or yyyy-mm-dd)
    issuer: str = ""  # who certified it (nơi chứng thực), or who signed it
    scan: str = ""  # its scanned copy: the number of a digitized paper of this dossier, or a file (JPEG/PNG/PDF)


@dataclass(frozen=True)
class Collector:
    """Who collects the result at the counter: as their chip card's QR gave them (source "cccd_qr"), or typed
    from another ID paper when they have no chip card (source "typed", shown as "nhập tay")."""

    kind: str  # owner | authorized
    name: str
    id_number: str = ""
    source: str = "typed"  # cccd_qr | typed
    birth_date: str = ""  # YYYY-MM-DD, from the card
    authorization: Authorization | None = None  # for kind "authorized"

    @classmethod
    def from_card(cls, card: CccdData, kind: str = "owner", authorization: Authorization | None = None,
                  name: str | None = None) -> Collector:
        return cls(kind, name or card.full_name, card.id_number, "cccd_qr", card.birth_date.isoformat(),
                   authorization)


def result_papers(value: Any) -> list[dict[str, Any]]:
    """"Giấy khai sinh:2; Trích lục" as [{name, count}]."""
    return [{"name": p["name"], "count": p.get("count", p.get("originals", 1))} for p in parse_papers(value)]


def _fee(value: Any) -> int:
    """The fee typed on the return form: nothing (0), or đồng as the fee screen reads them (domain.fees)."""
    from counter.domain.fees import FeeError, parse_amount

    if not str(value or "").strip():
        return 0
    try:
        return parse_amount(value, "Số tiền thu")
    except FeeError as exc:
        raise CounterError(exc.message) from None


def _typed_date(text: str) -> str:
    """dd/mm/yyyy (d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy) or yyyy-mm-dd as ISO; a card's QR text goes on to the
    reducer as it is (which says what it is)."""
    text = text.strip()
    if not text or handover.looks_like_card(text):
        return text
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    try:
        return (date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(text)).isoformat()
    except ValueError:
        raise CounterError(f"Ngày của giấy ủy quyền không hợp lệ: “{text}” (ngày/tháng/năm, vd 20/11/2026).") from None


@dataclass(frozen=True)
class _Scan:
    """The scanned authorization: files already in the store (a digitized paper of the dossier), or a new PDF."""

    blobs: list[str]
    pages: int
    data: bytes | None = None  # a new file, put in the blob store just before the event is written


def _scan_of(session: Session, row: Dossier, text: str) -> _Scan | None:
    from counter.scanning import files
    from counter.services import digitize

    text = text.strip()
    if not text:
        return None
    if handover.looks_like_card(text):
        raise CounterError(f"Bản quét giấy ủy quyền không thể là nội dung mã QR của thẻ CCCD: {handover.QR_HINT}.")
    if text.isdigit():  # a paper of this dossier, digitized in F3 (or at intake)
        doc = session.execute(sa.text("SELECT name, blobs FROM dossier_documents WHERE dossier_id = :d AND "
                                      "position = :p"), {"d": row.id, "p": int(text)}).first()
        if doc is None:
            raise NotFound(f"Hồ sơ {row.code} không có thành phần số {int(text)}.")
        blobs = json.loads(doc.blobs)
        if not blobs:
            raise CounterError(f"Thành phần số {int(text)} (“{doc.name}”) của hồ sơ {row.code} chưa được số hóa "
                               "(F3 Số hóa), hoặc ghi đường dẫn tệp bản quét.")
        marks = ", ".join(f":b{i}" for i in range(len(blobs)))
        pages = session.execute(sa.text(f"SELECT SUM(pages) FROM blobs WHERE sha256 IN ({marks})"),
                                {f"b{i}": b for i, b in enumerate(blobs)}).scalar() or 0
        return _Scan(list(blobs), int(pages))
    data, pages = files.build_pdf(digitize.import_pages([Path(text).expanduser()]))
    return _Scan([hashlib.sha256(data).hexdigest()], pages, data)


def counter_payload(session: Session, row: Dossier, who: Collector, papers: Any, fee_collected: Any,
                     note: str) -> tuple[dict[str, Any], _Scan | None]:
    payload: dict[str, Any] = {
        "method": "counter", "receiver": who.kind, "receiver_name": nfc(who.name.strip()),
        "receiver_id_number": who.id_number.strip().replace(" ", ""), "receiver_source": who.source,
        "receiver_birth_date": who.birth_date, "papers": result_papers(papers),
        "fee_collected": _fee(fee_collected), "note": nfc(note.strip())}
    scan = None
    if who.kind == "authorized" and who.authorization is not None:
        a = who.authorization
        paper = {"kind": nfc(a.kind.strip()), "number": nfc(a.number.strip()), "date": _typed_date(a.date),
                 "issuer": nfc(a.issuer.strip())}
        payload["authorization"] = {k: v for k, v in paper.items() if v}
        scan = _scan_of(session, row, a.scan)
        if scan is not None:
            payload["blobs"] = scan.blobs
    return _clean(payload), scan


def _post_payload(tracking: str, address: str, papers: Any, fee_collected: Any, note: str) -> dict[str, Any]:
    return _clean({"method": "post", "tracking": tracking.strip().upper(), "address": nfc(address.strip()),
                   "papers": result_papers(papers), "fee_collected": _fee(fee_collected), "note": nfc(note.strip())})


def _clean(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v not in ("", [], 0, None, {})}


def _dry_run(store: Store, row: Dossier, actor: Actor, payload: dict[str, Any], at: datetime) -> None:
    """The verdict on the hand-over, without writing anything (the confirm step, and the check that runs before
    a scanned file is stored): the fee collected with it is a payment first (services.fees: the exact amount,
    once), then the reducer's `returned`."""
    from counter.services.fees import check_payment

    require(actor.role, EVENT_ACTIONS[EventKind.RETURNED])
    fee = int(payload.get("fee_collected", 0))
    state = check_payment(store, actor, row, "cash", fee, _payer(payload)) if fee else ev.state_of(row)
    parsed = json.loads(canonical_json(payload))  # what the event will hold
    lifecycle.apply(state, lifecycle.Event("preview", EventKind.RETURNED, at.astimezone(UTC),
                                           actor.user_id, actor.station_id, parsed))


def _payer(payload: dict[str, Any]) -> str:
    return str(payload.get("receiver_name", ""))  # who collects at the counter pays; by post: the owner


@dataclass(frozen=True)
class ReturnPreview:
    """What the confirm step shows before anything is written: who collects what, and how."""

    code: str
    lines: tuple[tuple[str, str], ...]


def _lines(row: Dossier, p: dict[str, Any], scan: _Scan | None) -> tuple[tuple[str, str], ...]:
    lines = [("Hồ sơ", f"{row.code} · {row.procedure_name}"),
             ("Chủ hồ sơ", row.owner_name + (f" · CCCD {row.owner_id_number}" if row.owner_id_number else ""))]
    if p["method"] == "post":
        lines += [("Hình thức", "Gửi qua dịch vụ bưu chính công ích"), ("Số hiệu bưu gửi", p["tracking"]),
                  ("Địa chỉ nhận", p.get("address") or row.return_address or "")]
    else:
        kind = "Người được ủy quyền" if p["receiver"] == "authorized" else "Chủ hồ sơ"
        lines += [("Hình thức", "Trả tại quầy"), ("Người nhận", f"{p['receiver_name']} ({kind})"),
                  ("Giấy tờ người nhận", collector_id_text(p))]
        if p["receiver"] == "authorized":
            lines.append(("Giấy ủy quyền", handover.describe_authorization(p.get("authorization"),
                                                                           scan.pages if scan else None)))
    if p["method"] != "post":
        lines.append(("Kết quả bàn giao", lifecycle.RESULT_FORMS.get(p.get("result_form", "paper"), "")))
    lines.append(("Giấy tờ kết quả", "; ".join(f"{x['name']} ({x['count']})" for x in p.get("papers", [])) or "(không có)"))
    fee = int(p.get("fee_collected", 0))
    lines.append(("Phí, lệ phí thu", f"{fee:,} đ tiền mặt (cấp biên lai khi ghi)".replace(",", ".") if fee
                  else "Không thu"))
    if p.get("note"):
        lines.append(("Ghi chú", p["note"]))
    return tuple(lines)


def collector_id_text(p: dict[str, Any]) -> str:
    """ "001192345678 (quét mã QR trên CCCD), sinh 02/02/1992" for the confirm box and the hand-over note."""
    text = f"{p.get('receiver_id_number', '')} ({handover.RECEIVER_SOURCES.get(p.get('receiver_source', ''), 'nhập tay')})"
    if p.get("receiver_birth_date"):
        text += f", sinh {date.fromisoformat(p['receiver_birth_date']):%d/%m/%Y}"
    return text


def _prepare(store: Store, actor: Actor, code: str, build: Any) -> tuple[ReturnPreview, dict[str, Any], _Scan | None]:
    with store.read() as session:
        row = dossier_row(session, actor, code)
        payload, scan = build(session, row)
        _dry_run(store, row, actor, payload, store.clock.now())
        return ReturnPreview(row.code, _lines(row, payload, scan)), payload, scan


def _counter_build(who: Collector, papers: Any, fee_collected: Any, note: str) -> Any:
    return lambda session, row: counter_payload(session, row, who, papers, fee_collected, note)


def _post_build(tracking: str, address: str, papers: Any, fee_collected: Any, note: str) -> Any:
    return lambda session, row: (_post_payload(tracking, address, papers, fee_collected, note), None)


def _with_form(build: Any, result_form: str) -> Any:
    """The hand-over says what was handed: the paper result, the electronic one (issue 20) or both."""
    if result_form == "paper":
        return build

    def built(session: Session, row: Dossier) -> tuple[dict[str, Any], _Scan | None]:
        payload, scan = build(session, row)
        return {**payload, "result_form": result_form}, scan
    return built


def preview_at_counter(store: Store, actor: Actor, code: str, who: Collector, papers: Any = None,
                       fee_collected: Any = None, note: str = "", result_form: str = "paper") -> ReturnPreview:
    """Check a hand-over at the counter as the reducer will, and say who collects what (nothing is written)."""
    return _prepare(store, actor, code, _with_form(_counter_build(who, papers, fee_collected, note), result_form))[0]


def preview_by_post(store: Store, actor: Actor, code: str, tracking: str, address: str = "", papers: Any = None,
                    fee_collected: Any = None, note: str = "") -> ReturnPreview:
    return _prepare(store, actor, code, _post_build(tracking, address, papers, fee_collected, note))[0]


def _record(store: Store, actor: Actor, code: str, kind: str, payload: dict[str, Any],
            scan: _Scan | None = None) -> ReturnView:
    from counter.services import digitize

    new_file = scan.data if scan is not None else None
    if new_file is not None:  # checked first (_prepare), so no file is stored for a refused hand-over
        digitize.put_blob(store, new_file)
    with store.write() as session:
        now = store.clock.now()
        row = dossier_row(session, actor, code)
        if new_file is not None and scan is not None:
            digitize.record_blob(session, store, scan.blobs[0], len(new_file), scan.pages)
        fee = int(payload.get("fee_collected", 0)) if kind == EventKind.RETURNED else 0
        if fee:  # the fee collected with the result is a payment with its receipt, before the hand-over
            from counter.services.fees import pay_in, settings_of

            paid = pay_in(session, settings_of(store), actor, row, "cash", fee, now, _payer(payload))
            payload = {**payload, "fee_receipt": paid.receipt}
        ev.append(session, actor, row.id, kind, payload, now, row=row)
    with store.read() as session:
        return _view(session, dossier_row(session, actor, code))


def return_at_counter(store: Store, actor: Actor, code: str, who: Collector, papers: Any = None,
                      fee_collected: Any = None, note: str = "", result_form: str = "paper") -> ReturnView:
    """Hand the result over at the counter; the hand-over note (form BG) is printed after this. `result_form`:
    paper / electronic / both (an electronic result must have been issued: lifecycle)."""
    _, payload, scan = _prepare(store, actor, code,
                                _with_form(_counter_build(who, papers, fee_collected, note), result_form))
    return _record(store, actor, code, EventKind.RETURNED, payload, scan)


def send_by_post(store: Store, actor: Actor, code: str, tracking: str, address: str = "", papers: Any = None,
                 fee_collected: Any = None, note: str = "") -> ReturnView:
    """Hand the result to the post (tracking number, address); mark the delivery later."""
    payload = _post_payload(tracking, address, papers, fee_collected, note)
    return _record(store, actor, code, EventKind.RETURNED, payload)


def mark_delivered(store: Store, actor: Actor, code: str, note: str = "") -> ReturnView:
    payload = {"note": nfc(note.strip())} if note.strip() else {}
    return _record(store, actor, code, EventKind.DELIVERED, payload)
