"""F5 Trả kết quả: find a dossier from its receipt's QR (or its code), hand the result over at the counter or
send it by post, and later mark the postal delivery. Each is one `returned` / `delivered` event through
`events.append`; the reducer decides who may collect (the owner's ID, or an authorization)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from counter.domain.errors import CounterError
from counter.domain.lifecycle import STATUS_LABELS, EventKind, Status
from counter.domain.progress import ScanError, parse_scan
from counter.domain.text import nfc
from counter.models import Dossier, Office
from counter.services import events as ev
from counter.services.progress import dossier_row, parse_papers
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


def _view(session: Session, row: Dossier) -> ReturnView:
    from counter.domain.calendar import format_vn
    from counter.services.progress import latest_payload

    status = Status(row.status)
    ready = status == Status.RESOLVED
    if ready:
        message = "Hồ sơ đã có kết quả: kiểm tra người nhận rồi trả (Ctrl+S) hoặc gửi bưu chính (F9)."
        if row.fee and not row.fee_paid:
            message += f" Chưa thu phí, lệ phí {row.fee:,} đ.".replace(",", ".")
    elif status == Status.RETURNED:
        how = (f"gửi qua bưu chính, số hiệu {row.return_tracking}" if row.return_method == "post"
               else "trả tại quầy")
        message = f"Hồ sơ đã được trả kết quả lúc {format_vn(row.returned_at)} ({how})." if row.returned_at else \
            "Hồ sơ đã được trả kết quả."
        if row.return_method == "post":
            message += (f" Bưu điện đã phát lúc {format_vn(row.delivered_at)}." if row.delivered_at
                        else " Chưa ghi nhận phát: F10 khi bưu điện báo đã phát.")
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
                      note, papers)


def return_view(store: Store, actor: Actor, text: str) -> ReturnView:
    """Open a dossier on its return form from a scan or a typed code."""
    with store.read() as session:
        return _view(session, locate_in(session, actor, text))


@dataclass(frozen=True)
class Collector:
    """Who collects the result at the counter."""

    kind: str  # owner | authorized
    name: str
    id_number: str = ""
    authorization: str = ""  # the authorization paper (number, date, who certified it)


def result_papers(value: Any) -> list[dict[str, Any]]:
    """"Giấy khai sinh:2; Trích lục" as [{name, count}]."""
    return [{"name": p["name"], "count": p.get("count", p.get("originals", 1))} for p in parse_papers(value)]


def _fee(value: Any) -> int:
    text = str(value or "").replace(".", "").replace(",", "").replace("đ", "").strip()
    if not text:
        return 0
    if not text.isdigit():
        raise CounterError(f"Số tiền thu không hợp lệ: “{value}”")
    return int(text)


def _record(store: Store, actor: Actor, code: str, kind: str, payload: dict[str, Any]) -> ReturnView:
    with store.write() as session:
        row = dossier_row(session, actor, code)
        ev.append(session, actor, row.id, kind, payload, store.clock.now(), row=row)
    with store.read() as session:
        return _view(session, dossier_row(session, actor, code))


def return_at_counter(store: Store, actor: Actor, code: str, who: Collector, papers: Any = None,
                      fee_collected: Any = None, note: str = "") -> ReturnView:
    """Hand the result over at the counter; the hand-over note (form BG) is printed after this."""
    payload: dict[str, Any] = {"method": "counter", "receiver": who.kind, "receiver_name": nfc(who.name.strip()),
                               "receiver_id_number": who.id_number.strip(), "papers": result_papers(papers),
                               "fee_collected": _fee(fee_collected)}
    if who.kind == "authorized":
        payload["authorization"] = nfc(who.authorization.strip())
    if note.strip():
        payload["note"] = nfc(note.strip())
    return _record(store, actor, code, EventKind.RETURNED, {k: v for k, v in payload.items() if v not in ("", [], 0)})


def send_by_post(store: Store, actor: Actor, code: str, tracking: str, address: str = "", papers: Any = None,
                 fee_collected: Any = None, note: str = "") -> ReturnView:
    """Hand the result to the post (tracking number, address); mark the delivery later."""
    payload: dict[str, Any] = {"method": "post", "tracking": tracking.strip().upper(), "address": nfc(address.strip()),
                               "papers": result_papers(papers), "fee_collected": _fee(fee_collected),
                               "note": nfc(note.strip())}
    return _record(store, actor, code, EventKind.RETURNED, {k: v for k, v in payload.items() if v not in ("", [], 0)})


def mark_delivered(store: Store, actor: Actor, code: str, note: str = "") -> ReturnView:
    payload = {"note": nfc(note.strip())} if note.strip() else {}
    return _record(store, actor, code, EventKind.DELIVERED, payload)
