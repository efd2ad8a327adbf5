"""Dossier use cases: receive, record progress, search, show."""

from __future__ import annotations

import json
import uuid
import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from counter.domain import lifecycle
from counter.domain.calendar import VN_TZ
from counter.domain.codes import format_code, new_token, seq_for
from counter.domain.errors import CounterError
from counter.domain import fees as fee_rules
from counter.domain.lifecycle import RESULT_FORMS, DossierState, EVENT_LABELS, STATUS_LABELS, EventKind, Status
from counter.domain.permissions import Action, postal_refusal, require, require_event
from counter.domain.intake import (CORRECTABLE, Applicant, PaperInput, ReceiveRequest, ValidationError,
                                   clean_applicant, validate)
from counter.domain.text import nfc
from counter.models import Dossier, DossierDocument, ProcedurePaper
from counter.services import events as ev
# search lives in services/lookup.py (plain sqlite3, no SQLAlchemy: issue 21); these names stay importable here
from counter.services.lookup import OPEN_WITH_OFFICE, VOIDED_LABEL, DossierSummary, SearchPage  # noqa: F401
from counter.services.lookup import _summary, days_late, fts_query, past_due, search  # noqa: F401
from counter.services.office import desk_of, numbering_block
from counter.services.store import Actor, NotFound, Store
from counter.services.sync import actor_names, timeline

REJECTED_MARK = " (máy chủ không nhận)"


@dataclass(frozen=True)
class ReceiveResult:
    code: str
    token: str
    due_at: datetime | None
    book: str
    book_no: str
    fee: int = 0  # what it owes (issue 18)
    receipt: str = ""  # "AA-26P 1000001" when the fee was taken at intake


def _applicant_payload(prefix: str, a: Applicant) -> dict[str, Any]:
    return {f"{prefix}_name": a.name, f"{prefix}_id_number": a.id_number, f"{prefix}_phone": a.phone}


_PROCEDURE_COLUMNS = ("code", "name", "field", "working_days", "fee", "channels", "postal_allowed", "in_person",
                      "certification", "active", "charges", "required")
_PROCEDURE = ("SELECT code, name, field, working_days, fee, channels, postal_allowed, in_person, certification, "
              "active, charges, (SELECT json_group_array(name) FROM (SELECT name FROM procedure_papers "
              "WHERE procedure_code = p.code AND required ORDER BY position)) FROM procedures p WHERE code = ?")


def _procedure(session: Session, actor: Actor, code: str, channel: int) -> Any:
    """The procedure's row with the names of its required papers (`required`, a JSON list), checked against the
    actor and the channel (one plain statement: every receipt asks)."""
    found = ev.dbapi(session).execute(_PROCEDURE, (code,)).fetchone()
    proc = None if found is None else SimpleNamespace(**dict(zip(_PROCEDURE_COLUMNS, found, strict=True)))
    if proc is None or not proc.active:
        raise NotFound(f"Không tìm thấy thủ tục có mã “{code}”")
    why = postal_refusal(proc.postal_allowed, proc.in_person, proc.certification)
    if actor.role == "postal" and why:
        raise CounterError(f"Nhân viên bưu điện không được tiếp nhận thủ tục “{proc.name}” ({why}).")
    if str(channel) not in proc.channels.split(","):
        raise CounterError(f"Thủ tục “{proc.name}” không nhận hồ sơ qua kênh {channel}")
    return proc


def _new_dossier(session: Session, actor: Actor, proc: Any, owner: Applicant, at: datetime,
                 channel: int, station_number: int | None = None, n: int | None = None) -> dict[str, Any]:
    """The identity part of a creating event. `owner` must already be cleaned (intake.clean_applicant). `n`:
    the day's number, when the caller took it (with its other numbers, events.take_numbers)."""
    if station_number is None:
        station_number = numbering_block(session, actor.station_id)
    day = at.astimezone(VN_TZ).date()
    if n is None:
        n = ev.next_number(session, actor.station_id, "dossier", f"{day:%y%m%d}")
    return {
        "dossier_id": str(uuid.uuid4()),
        "code": format_code(actor.office_id, day, seq_for(station_number, n)),
        "token": new_token(),
        "office_id": actor.office_id,
        "procedure_code": proc.code,
        "procedure_name": proc.name,
        "field": proc.field,
        "channel": channel,
        "working_days": proc.working_days,
        "fee": _fee_of(proc, channel),
        "owner_kind": owner.kind,
        **_applicant_payload("owner", owner),
        "owner_birth_date": owner.birth_date,
        "owner_address": owner.address,
        "owner_email": owner.email,
    }


def _charges(proc: Any) -> Any:
    from counter.services.catalogue import charges_of

    return charges_of(proc.fee, proc.charges, proc.name)


def _fee_of(proc: Any, channel: int) -> int:
    """What the procedure costs on this channel with one of each unit (issue 18: fees.quote)."""
    from counter.services.fees import quote_charges

    try:
        return quote_charges(_charges(proc), None, channel)[0].total
    except ValidationError:
        return proc.fee


def receive_in(session: Session, actor: Actor, req: ReceiveRequest, at: datetime,
               fees_cfg: Any = None, extra: dict[str, Any] | None = None) -> DossierState:
    """Receive a dossier inside the caller's write transaction (the demo batches many). `req.fee_paid`: the fee
    is taken now, in cash, through the one payment (services.fees.pay_in: a receipt of `fees_cfg`'s series, the
    [fees] settings; their defaults when None). `extra`: more declared fields of the `received` payload (the
    one flow "trả ngay": services/on_the_spot.py)."""
    require(actor.role, Action.RECEIVE)
    proc = _procedure(session, actor, req.procedure_code, req.channel)
    required = json.loads(proc.required)
    channels = tuple(int(c) for c in proc.channels.split(","))
    try:
        req = validate(req, required, channels, at.astimezone(VN_TZ).date())
    except ValidationError as exc:  # every problem at once: the fee box's too
        errors = dict(exc.errors)
        try:
            _fees_part(proc, req)
        except ValidationError as more:
            errors.update(more.errors)
        raise ValidationError(errors) from None
    money = _fees_part(proc, req)
    if req.fee_paid and money["fee"] <= 0:
        raise ValidationError({"fee_paid": "Hồ sơ này không phải nộp phí, lệ phí: bỏ đánh dấu “Thu tiền mặt”."})
    cal, station_number = desk_of(session, actor.office_id, actor.station_id)
    due = cal.due_at(at, proc.working_days)
    local = at.astimezone(VN_TZ)
    year = f"{local.year}"
    # the day's code number, the book's number, the event's sequence and the chain's last hash: one statement
    (n, book_n), seq, prev_hash = ev.take_numbers(session, actor.station_id, ("dossier", f"{local:%y%m%d}"),
                                                   ("book", year))
    payload = _new_dossier(session, actor, proc, req.owner, at, req.channel, station_number, n)
    payload.update({
        "book": year,
        "book_no": f"{station_number}{book_n:05d}",  # the station's block, as for codes
        "sets": req.sets,
        "due_at": due.astimezone(at.tzinfo).isoformat(),
        "return_method": req.return_method,
        "return_address": req.return_address,
        "assignee_id": actor.user_id,
        "papers": [p.__dict__ for p in req.papers],
        **money,
    })
    if req.submitter is not None:
        payload.update(_applicant_payload("submitter", req.submitter))
    if req.notify is not None:
        payload["notify"] = req.notify  # the citizen's choice of notices (issue 19)
    payload.update(extra or {})
    state, _ = ev.append(session, actor, payload["dossier_id"], EventKind.RECEIVED, payload, at, new=True,
                         numbers=(seq, prev_hash))
    if req.fee_paid:
        from counter.services.fees import pay_in
        from counter.settings import FeesSection

        row = ev.load_row(session, state.id)
        assert row is not None  # just written
        payer = req.submitter.name if req.submitter is not None else ""
        try:
            pay_in(session, fees_cfg if fees_cfg is not None else FeesSection(), actor, row, "cash", state.fee, at,
                   payer)
        except CounterError as exc:  # the whole dossier rolls back with it
            raise ValidationError({"fee_paid": exc.message}) from None
        state = ev.state_of(ev.load_row(session, state.id))  # type: ignore[arg-type]
    return state


def _fees_part(proc: Any, req: ReceiveRequest) -> dict[str, Any]:
    from counter.services.fees import intake_payload

    return intake_payload(_charges(proc), req.units, req.channel, req.exemption_ground, req.exemption_paper)


def refuse_in(session: Session, actor: Actor, procedure_code: str, owner: Applicant, reason: str,
              at: datetime, channel: int = 1, missing: tuple[PaperInput, ...] = ()) -> DossierState:
    """Not accepted at intake, recorded as a dossier in status 3: refused with Mẫu 03 (a reason), or handed a
    Mẫu 02 list of what to add (`missing` papers; form "02")."""
    if not reason.strip():
        raise ValidationError({"reason": "Phải ghi rõ lý do"})
    errors: dict[str, str] = {}
    owner = clean_applicant(owner, "owner", at.astimezone(VN_TZ).date(), errors)
    if errors:
        raise ValidationError(errors)
    proc = _procedure(session, actor, procedure_code, channel)
    payload = _new_dossier(session, actor, proc, owner, at, channel)
    payload.update({"reason": nfc(reason), "form": "02" if missing else "03",
                    "papers": [p.__dict__ for p in missing]})
    return ev.append(session, actor, payload["dossier_id"], EventKind.REFUSED, payload, at, new=True)[0]


def register_online_in(session: Session, actor: Actor, procedure_code: str, owner: Applicant,
                       at: datetime, files: list[dict[str, Any]] | None = None, assisted: bool = False,
                       source: str = "web") -> DossierState:
    """An online registration (status 1) waiting to be received at the counter, with its uploaded files (FileRefs:
    sha256, name, mime, size, pages, paper; their bytes already in the blob store) when it has any."""
    errors: dict[str, str] = {}
    owner = clean_applicant(owner, "owner", None, errors)
    if errors:
        raise ValidationError(errors)
    proc = _procedure(session, actor, procedure_code, 2)
    payload = _new_dossier(session, actor, proc, owner, at, 2)
    if files is not None:
        payload.update(files=files, assisted=assisted, source=source)
    return ev.append(session, actor, payload["dossier_id"], EventKind.REGISTERED, payload, at, new=True)[0]


def receive(store: Store, actor: Actor, req: ReceiveRequest) -> ReceiveResult:
    """Receive one dossier: dossier, documents, `received` event and outbox entry in one transaction."""
    from counter.services.fees import receipt_text_in, settings_of

    with store.write() as session:
        row = receive_in(session, actor, req, store.clock.now(), settings_of(store) if req.fee_paid else None)
        return ReceiveResult(row.code, row.token, row.due_at, row.book, row.book_no, row.fee,
                             receipt_text_in(session, row.id) if req.fee_paid else "")


def not_accepted(store: Store, actor: Actor, procedure_code: str, owner: Applicant, reason: str,
                 missing: tuple[PaperInput, ...] = (), channel: int = 1) -> str:
    """Refuse (Mẫu 03) or hand a list of what to add (Mẫu 02); returns the dossier code for printing."""
    with store.write() as session:
        return refuse_in(session, actor, procedure_code, owner, reason, store.clock.now(), channel, missing).code


@dataclass(frozen=True)
class KnownApplicant:
    name: str
    id_number: str
    birth_date: str | None
    address: str | None
    phone: str | None
    email: str | None
    last_code: str
    last_at: datetime | None


def find_applicant(store: Store, id_number: str) -> KnownApplicant | None:
    """A returning citizen: the details given with their latest dossier, to offer at intake."""
    with store.read() as session:
        row = session.exec(select(Dossier).where(Dossier.owner_id_number == id_number.strip())
                           .order_by(col(Dossier.seq).desc()).limit(1)).first()
        if row is None:
            return None
        return KnownApplicant(row.owner_name, id_number.strip(), row.owner_birth_date, row.owner_address,
                              row.owner_phone, row.owner_email, row.code, row.received_at)


def default_papers(session: Session, procedure_code: str) -> tuple[PaperInput, ...]:
    rows = session.exec(select(ProcedurePaper).where(ProcedurePaper.procedure_code == procedure_code)
                        .order_by(col(ProcedurePaper.position))).all()
    return tuple(PaperInput(r.name, r.originals, r.certified_copies, r.photocopies) for r in rows if r.required)


def dossier_row(session: Session, actor: Actor, code: str, *, end: str = "",
                elsewhere: str = ": không xử lý tại đây") -> Dossier:
    """The row of a dossier of the actor's office, by its code. `end`, `elsewhere`: how the two refusals end
    (not found; another office's dossier), as each caller words them."""
    row = session.exec(select(Dossier).where(Dossier.code == code.strip().upper())).first()
    return _of_office(row, actor, code, end, elsewhere)  # type: ignore[return-value]


def dossier_state(session: Session, actor: Actor, code: str) -> DossierState:
    """dossier_row's dossier as its state, read with one plain statement (the hot path of a progress step)."""
    return _of_office(ev.state_where(session, "code = ?", (code.strip().upper(),)), actor, code)  # type: ignore[return-value]


def _of_office(row: Dossier | DossierState | None, actor: Actor, code: str, end: str = "",
               elsewhere: str = ": không xử lý tại đây") -> Dossier | DossierState:
    if row is None:
        raise NotFound(f"Không tìm thấy hồ sơ “{code.strip()}”{end}")
    if row.office_id != actor.office_id:
        raise CounterError(f"Hồ sơ “{row.code}” thuộc cơ quan khác ({row.office_id}){elsewhere}")
    return row


def record_in(session: Session, actor: Actor, code: str, kind: str, payload: dict[str, Any],
              at: datetime) -> DossierState:
    row = dossier_row(session, actor, code)
    return ev.append(session, actor, row.id, kind, payload, at, row=row)[0]


def record(store: Store, actor: Actor, code: str, kind: str, payload: dict[str, Any] | None = None) -> str:
    """Record one event on a dossier; returns the new status label. Nothing changes if it is refused."""
    with store.write() as session:
        return record_in(session, actor, code, kind, payload or {}, store.clock.now()).status.label


# ---- correcting and voiding (issue 12) ---------------------------------------------------------------------

def _may(session: Session, actor: Actor, code: str, kind: str, at: datetime) -> tuple[Dossier, DossierState]:
    """The refusals of an event before its payload: the role and its conditions first (one line), then what
    the dossier's state allows (lifecycle.check)."""
    row = dossier_row(session, actor, code)
    state = ev.state_of(row)
    require_event(actor.role, kind, actor.user_id, actor.station_id, state)
    lifecycle.check(state, kind, at)
    return row, state


def _shown(name: str, value: str | None) -> str:
    if value and name.endswith("birth_date"):
        return "/".join(reversed(value.split("-")))
    return value or ""


@dataclass(frozen=True)
class CorrectionForm:
    code: str
    values: dict[str, str]  # CORRECTABLE field -> its current value as the form shows it ("" when empty)
    labels: dict[str, str]


def correction_form(store: Store, actor: Actor, code: str) -> CorrectionForm:
    """The current details of a dossier the actor may correct (else the refusal, as one sentence)."""
    with store.read() as session:
        _, state = _may(session, actor, code, EventKind.CORRECTED, store.clock.now())
        return CorrectionForm(state.code, {k: _shown(k, getattr(state, k)) for k in CORRECTABLE}, dict(CORRECTABLE))


@dataclass(frozen=True)
class CorrectionDone:
    code: str
    summary: str  # "Số điện thoại 0912345678 → 0987654321; Lý do: …" (as the history says it)


def correct(store: Store, actor: Actor, code: str, values: dict[str, str | None], reason: str) -> CorrectionDone:
    """Correct some of the applicant's details (CORRECTABLE fields; an empty value clears one): a `corrected`
    event with {field: {old, new}} and the reason. ValidationError per field; nothing written on refusal."""
    with store.write() as session:
        at = store.clock.now()
        row, state = _may(session, actor, code, EventKind.CORRECTED, at)
        try:
            changes = lifecycle.correction_changes(state, values, at)
            errors = {} if changes else {"changes": "Không có thông tin nào thay đổi"}
        except ValidationError as exc:  # every problem at once, the reason's too
            changes, errors = {}, dict(exc.errors)
        if not (reason or "").strip():
            errors["reason"] = "Phải ghi rõ lý do sửa"
        if errors:
            raise ValidationError(errors)
        payload = {"changes": changes, "reason": nfc(reason.strip())}
        state = ev.append(session, actor, row.id, EventKind.CORRECTED, payload, at, row=row)[0]
        return CorrectionDone(state.code, event_details(EventKind.CORRECTED, payload))


def void_check(store: Store, actor: Actor, code: str) -> str:
    """Whether the actor may void this dossier now (the refusal, as one sentence, otherwise); its code."""
    with store.read() as session:
        return _may(session, actor, code, EventKind.VOIDED, store.clock.now())[1].code


def void(store: Store, actor: Actor, code: str, reason: str) -> DossierState:
    """Cancel a dossier received by mistake (supervisor, the day it was received): a `voided` event. Its code
    stays used (the station's sequence never goes back); the history and the audit keep it."""
    with store.write() as session:
        at = store.clock.now()
        row, _ = _may(session, actor, code, EventKind.VOIDED, at)
        if not (reason or "").strip():
            raise ValidationError({"reason": "Phải ghi rõ lý do hủy hồ sơ"})
        return ev.append(session, actor, row.id, EventKind.VOIDED, {"reason": nfc(reason.strip())}, at, row=row)[0]


# ---- reading ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EventView:
    at: datetime
    kind: str
    label: str
    actor: str
    station_seq: int
    details: str


@dataclass(frozen=True)
class DocumentView:
    position: int
    name: str
    originals: int
    certified_copies: int
    photocopies: int
    digitization: int
    blob_count: int = 0  # issue 5: stored files (PDF) of this paper


@dataclass(frozen=True)
class DossierDetail(DossierState):
    """A dossier as the screens show it: the state's fields (lifecycle.DossierState, declared once: the row is its
    projection), plus the status label, the names behind the user ids, the papers and the history."""

    status_label: str = ""
    assignee: str | None = None  # the clerk handling it, by name (the state holds `assignee_id`)
    received_by_name: str | None = None  # the receiving clerk, by name (the state holds `received_by`)
    documents: list[DocumentView] = dataclasses.field(default_factory=list)  # `field` is a column here
    events: list[EventView] = dataclasses.field(default_factory=list)


DETAIL_LABELS = {
    "reason": "Lý do", "to": "Chuyển đến", "from": "Nhận lại từ", "due_at": "Hẹn trả", "old_due_at": "Hẹn trước đó",
    "amount": "Số tiền", "text": "Ghi chú", "method": "Hình thức", "receiver": "Người nhận", "form": "Mẫu",
    "position": "Thành phần số", "pages": "Số trang", "from_code": "Tái sử dụng từ hồ sơ",  # document_scanned
    "assignee": "Giao cho",  # reassigned
    # issue 6 (progress and return)
    "person": "Người giao/nhận", "papers": "Giấy tờ", "days": "Số ngày gia hạn", "rule": "Cách tính hạn",
    "receiver_name": "Họ tên", "receiver_id_number": "Số giấy tờ", "receiver_source": "Lấy từ",
    "receiver_birth_date": "Ngày sinh", "authorization": "Giấy ủy quyền",
    "tracking": "Số hiệu bưu gửi", "address": "Địa chỉ", "fee_collected": "Đã thu", "receipt_no": "Biên lai",
    "note": "Ghi chú",
    "receipt": "Biên lai",  # issue 18 (fee_paid)
    "signed_by": "Ký số bởi", "result_form": "Kết quả bàn giao",  # issue 20 (signed papers, results, the return)
}
DETAIL_VALUES = {"out": "giao đi", "back": "nhận về", "counter": "tại quầy", "post": "qua bưu chính",
                 "owner": "chủ hồ sơ", "authorized": "người được ủy quyền", "restart": "tính lại từ đầu",
                 "pause": "cộng thêm ngày chờ bổ sung", "cccd_qr": "quét mã QR trên CCCD", "typed": "nhập tay",
                 **fee_rules.METHODS, **RESULT_FORMS}


def event_details(kind: str, payload: dict[str, Any]) -> str:
    """A short Vietnamese summary of an event's payload for the history list."""
    from counter.domain.calendar import format_vn

    parts = []
    if kind == EventKind.CORRECTED and isinstance(payload.get("changes"), dict):
        order = list(CORRECTABLE)  # the form's order, whatever order the stored JSON keeps
        for name, change in sorted(payload["changes"].items(),
                                   key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)):
            if isinstance(change, dict):
                old, new = (_shown(name, change.get(k)) or "(trống)" for k in ("old", "new"))
                parts.append(f"{CORRECTABLE.get(name, name)} {old} → {new}")
    if kind in (EventKind.CORRECTED, EventKind.VOIDED):
        if payload.get("reason"):
            parts.append(f"lý do: {payload['reason']}")
        return "; ".join(parts)
    if kind == EventKind.RESULT_ISSUED and payload.get("name"):
        parts.append(f"Kết quả: {payload['name']}")
    for key, label in DETAIL_LABELS.items():
        value = payload.get(key)
        if value in (None, "", []) or (key == "due_at" and kind in ("received", "registered")):
            continue
        if key.endswith("_at"):
            value = format_vn(datetime.fromisoformat(value))
        elif key == "authorization":  # the paper: "Giấy ủy quyền số 12/2026, ngày 20/11/2026, UBND xã …"
            from counter.domain.handover import describe_authorization

            value = describe_authorization(value)
        elif key == "receiver_birth_date":
            value = "/".join(reversed(str(value).split("-")))
        elif key in ("amount", "fee_collected"):
            value = f"{int(value):,} đ".replace(",", ".")
        elif key == "receipt" and isinstance(value, dict):  # {"form", "series", "number"}: "AA-26P 1000056"
            value = f"{value.get('series', '')} {value.get('number', '')}".strip()
        elif isinstance(value, list):  # papers: "Giấy chứng sinh (1), Tờ khai (2)"
            value = ", ".join(f"{x.get('name', '')} ({x.get('count', x.get('originals', 1))})"
                              if isinstance(x, dict) else str(x) for x in value)
        parts.append(f"{label}: {DETAIL_VALUES.get(value, value) if isinstance(value, str) else value}")
    if kind == EventKind.RESULT_ISSUED and payload.get("data_store"):
        parts.append("Đưa vào kho dữ liệu công dân")
    return "; ".join(parts)


def get_detail(store: Store, code: str) -> DossierDetail:
    with store.read() as session:
        row = session.exec(select(Dossier).where(Dossier.code == code.strip().upper())).first()
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ “{code.strip()}”")
        who = actor_names(session)  # another station's clerks are named from its synced events
        docs = session.exec(select(DossierDocument).where(DossierDocument.dossier_id == row.id)
                            .order_by(col(DossierDocument.position))).all()
        events = [  # in the row's order; a step the central server rejected is marked (issue 12)
            EventView(e.at, e.kind, EVENT_LABELS.get(e.kind, e.kind) + (REJECTED_MARK if rejected else ""),
                      who(e.station_id, e.actor_id) or "—", e.station_seq, event_details(e.kind, json.loads(e.payload)))
            for e, rejected in timeline(session, row.id)
        ]
        return DossierDetail(
            **vars(ev.state_of(row)),
            status_label=STATUS_LABELS[Status(row.status)],
            assignee=who(row.station_id, row.assignee_id), received_by_name=who(row.station_id, row.received_by),
            documents=[DocumentView(d.position, d.name, d.originals, d.certified_copies, d.photocopies,
                                    d.digitization, len(json.loads(d.blobs or "[]"))) for d in docs],
            events=events,
        )
