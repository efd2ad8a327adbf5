"""F4 Xử lý: record what happens to a dossier between its receipt and its result, one event at a time.

Every action goes through `events.append` (permission check, the lifecycle reducer, row + event + outbox in one
transaction). This module only turns what the clerk typed into an event payload, with the dates the calendar
gives (the new due date after a supplement or an extension). Forms are printed after commit by the caller
(`EventResult.form`: 02, 04 or 05).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, UTC
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from counter.domain import law
from counter.domain import progress as rules
from counter.domain.catalogue import MAX_FEE, MAX_WORKING_DAYS
from counter.domain.errors import CounterError
from counter.domain import lifecycle
from counter.domain.lifecycle import EVENT_LABELS, STATUS_LABELS, EventKind, Status, allowed_kinds
from counter.domain.permissions import EVENT_ACTIONS, can
from counter.domain.text import nfc
from counter.models import Dossier, DossierEvent, Office, User
from counter.services import events as ev
from counter.services.dossiers import dossier_row, dossier_state
from counter.services.catalogue import procedure_steps
from counter.services.office import calendar_of
from counter.services.store import Actor, NotFound, Store
from counter.services.sync import fold as sync_fold


@dataclass(frozen=True)
class FieldSpec:
    name: str  # payload / CLI option name (--to, --reason …)
    label: str
    placeholder: str = ""
    required: bool = False


#: what each F4 action asks for, in order (the screen's form and `counter event` options)
ACTION_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    EventKind.TRANSFERRED: (
        FieldSpec("direction", "Hướng (giao đi / nhận về)", "out = giao đi, back = nhận về (để trống: tự chọn)"),
        FieldSpec("to", "Giao cho cơ quan / người", "vd: Công chức tư pháp - hộ tịch"),
        FieldSpec("person", "Người giao / nhận bên kia", "Họ tên"),
        FieldSpec("note", "Ghi chú phiếu kiểm soát", "")),
    EventKind.SUPPLEMENT_REQUESTED: (
        FieldSpec("papers", "Giấy tờ cần bổ sung", "Ngăn cách bằng dấu ; (vd: Giấy chứng sinh; Tờ khai:2)", True),
        FieldSpec("reason", "Lý do", "", True)),
    EventKind.SUPPLEMENT_RECEIVED: (FieldSpec("note", "Ghi chú", "Giấy tờ đã nhận"),),
    EventKind.FEE_REQUESTED: (FieldSpec("amount", "Số tiền (đồng)", "vd: 20000", True),
                              FieldSpec("note", "Nội dung", "vd: Lệ phí đăng ký thường trú")),
    # a payment: the exact amount, in cash, with a receipt of the series (services.fees.pay_in, as F9 does)
    EventKind.FEE_PAID: (FieldSpec("amount", "Số tiền thu (đồng), tiền mặt", "để trống: đúng số phải nộp"),),
    EventKind.RESOLVED: (FieldSpec("note", "Ghi chú kết quả", "vd: Giấy khai sinh bản chính"),),
    EventKind.WITHDRAWN: (FieldSpec("reason", "Lý do rút hồ sơ", "Theo đề nghị của công dân"),),
    EventKind.STOPPED: (FieldSpec("reason", "Lý do dừng xử lý", "", True),),
    EventKind.EXTENDED: (FieldSpec("days", "Gia hạn thêm (ngày làm việc)", "vd: 2", True),
                         FieldSpec("reason", "Lý do chậm / gia hạn", "", True),
                         FieldSpec("agency", "Cơ quan xin lỗi (cơ quan giải quyết)", "để trống: cơ quan đang giữ hồ sơ")),
    EventKind.VERIFICATION: (FieldSpec("reason", "Nội dung cần xác minh", "", True),),
    EventKind.REFUSED_AFTER_APPRAISAL: (FieldSpec("reason", "Lý do từ chối (Mẫu 03)", "", True),),
    EventKind.NOTE_ADDED: (FieldSpec("text", "Ghi chú", "", True),),
}
#: a second request for papers on one dossier (NĐ 61 Đ17: "một lần đầy đủ"): a supervisor's override with its
#: reason; F4 adds this field to the step once the dossier has been asked once (`counter event … --override-reason`)
OVERRIDE_FIELD = FieldSpec("override_reason", "Lý do yêu cầu bổ sung lần nữa (lãnh đạo / giám sát)",
                           "Hồ sơ đã được yêu cầu bổ sung một lần: ghi rõ lý do", True)
#: the F4 steps signed with the official's key (the screen asks the PIN once per session and calls
#: services.signing.issue_result_from; the CLI is `counter result issue`), never recorded by record_event
SIGNED_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    EventKind.RESULT_ISSUED: (  # issue 20
        FieldSpec("source", "Tệp kết quả", "Đường dẫn tệp PDF, hoặc số thứ tự giấy tờ đã quét ở F3", True),
        FieldSpec("name", "Tên kết quả", "vd: Giấy khai sinh (bản điện tử)"),
        FieldSpec("data_store", "Đưa vào kho dữ liệu công dân", "c = có; để trống: không")),
}
#: the form printed after each action
ACTION_FORMS = {EventKind.SUPPLEMENT_REQUESTED: "02", EventKind.EXTENDED: "04", EventKind.STOPPED: "05",
                EventKind.REFUSED_AFTER_APPRAISAL: "03"}
DIRECTIONS = {"out": "out", "di": "out", "giao": "out", "back": "back", "ve": "back", "nhan": "back"}


@dataclass(frozen=True)
class ActionInfo:
    kind: str
    label: str
    fields: tuple[FieldSpec, ...]
    form: str | None


@dataclass(frozen=True)
class ControlRowView:
    giver: str
    receiver: str
    at: datetime
    result_label: str
    note: str


@dataclass(frozen=True)
class ProgressView:
    code: str
    status: int
    status_label: str
    owner_name: str
    procedure_name: str
    received_at: datetime | None
    due_at: datetime | None
    original_due_at: datetime | None
    held_by: str | None
    fee: int
    fee_paid: bool
    supplement_clock: str
    actions: list[ActionInfo] = field(default_factory=list)
    refused_actions: list[str] = field(default_factory=list)  # allowed by the status, not by the role
    rows: list[ControlRowView] = field(default_factory=list)
    step: str = ""  # the internal step in progress and its deadline (step_label); "" without steps
    step_late: bool = False  # that step is past its own deadline
    next_unit: str = ""  # the unit of the next step: the default receiver of the next hand-off


@dataclass(frozen=True)
class EventResult:
    code: str
    kind: str
    label: str
    status_label: str
    due_at: datetime | None
    form: str | None  # the form to print now (02, 04, 05) or None
    receipt: str = ""  # a payment's receipt ("AA-26P 1000001"), printed with it


# ---- reading ---------------------------------------------------------------------------------------------

def supplement_rule(session: Session, office_id: str) -> rules.SupplementClock:
    value = session.execute(sa.text("SELECT supplement_clock FROM offices WHERE id = :o"), {"o": office_id}).scalar()
    return rules.supplement_clock(value or "restart")


def set_supplement_rule(store: Store, actor: Actor, value: str) -> rules.SupplementClock:
    from counter.domain.permissions import Action, require

    require(actor.role, Action.MANAGE_CALENDAR)
    rule = rules.supplement_clock(value)
    with store.write() as session:
        office = session.get(Office, actor.office_id)
        if office is None:
            raise NotFound(f"Không có cơ quan “{actor.office_id}”")
        office.supplement_clock = rule.value
        session.add(office)
    return rule


FEE_KINDS = (EventKind.FEE_REQUESTED, EventKind.FEE_PAID)


def actions_for(role: str, status: Status, free: bool = False, asked: bool = False,
                paid: bool = False) -> tuple[list[ActionInfo], list[str]]:
    """The F4 actions a status allows, split into those this role may take and those it may not. On a free
    dossier (`free`: the procedure's fee is 0 and no fee was asked) or a paid one (`paid`: its receipt is
    issued; a second payment is refused) the fee steps are not offered at all. On a
    dossier already asked for papers (`asked`), the request needs the override's reason, and a role without
    OVERRIDE_SUPPLEMENT may not take it."""
    from counter.domain.permissions import Action

    mine: list[ActionInfo] = []
    refused: list[ActionInfo] = []
    for kind in allowed_kinds(status):
        fields = ACTION_FIELDS.get(kind) or SIGNED_FIELDS.get(kind)
        if fields is None or ((free or paid) and kind in FEE_KINDS):
            continue
        again = asked and kind == EventKind.SUPPLEMENT_REQUESTED
        if again:
            fields = (*fields, OVERRIDE_FIELD)
        info = ActionInfo(kind.value, EVENT_LABELS[kind] + (" (lần thứ hai)" if again else ""), fields,
                          ACTION_FORMS.get(kind))
        allowed = can(role, EVENT_ACTIONS[kind]) and (not again or can(role, Action.OVERRIDE_SUPPLEMENT))
        (mine if allowed else refused).append(info)
    return mine, [a.label for a in refused]


def desk_of(session: Session, office_id: str) -> str:
    office = session.get(Office, office_id)
    return office.name if office else "Bộ phận Một cửa"


def control_rows_in(session: Session, row: Dossier) -> list[rules.ControlRow]:
    actors = {uid: name for uid, name in session.exec(select(User.id, User.full_name)).all() if uid is not None}
    # the events the row folds (confirmed in office order, then pending; rejected ones left out): after a
    # sync conflict the local order may not replay
    events = sync_fold(session, row.id)[1]
    return rules.control_rows(events, calendar_of(session, row.office_id), desk_of(session, row.office_id), actors,
                              procedure_steps(session, row.procedure_code))


def current_step_in(session: Session, row: Dossier | lifecycle.DossierState) -> rules.StepVisit | None:
    """The internal step the dossier is at (None: the procedure has no steps, or the result has left)."""
    steps = procedure_steps(session, row.procedure_code)
    if not steps:
        return None
    return rules.current_visit(sync_fold(session, row.id)[1], calendar_of(session, row.office_id), steps,
                               desk_of(session, row.office_id))


def step_label(visit: rules.StepVisit) -> str:
    """"Bước 2/4: Thẩm định hồ sơ, trình ký (Công chức Tư pháp - Hộ tịch), hạn 17:00 25/11/2026"."""
    from counter.domain.calendar import format_vn

    if visit.step is None:
        return f"Ngoài quy trình: {visit.unit}"
    return (f"Bước {visit.step.number}: {visit.step.name} ({visit.step.unit}), hạn "
            f"{format_vn(visit.deadline) if visit.deadline else '…'}")


def is_free(session: Session, row: Dossier) -> bool:
    """No fee steps: the procedure costs nothing and nobody asked for a fee on this dossier."""
    if row.fee:
        return False
    asked = session.exec(select(DossierEvent.id).where(DossierEvent.dossier_id == row.id,
                                                       DossierEvent.kind.in_(FEE_KINDS))).first()  # type: ignore[attr-defined]
    return asked is None


def progress_view(store: Store, actor: Actor, code: str) -> ProgressView:
    with store.read() as session:
        row = dossier_row(session, actor, code)
        status = Status(row.status)
        mine, refused = actions_for(actor.role, status, is_free(session, row), (row.supplement_requests or 0) >= 1,
                                    bool(row.fee_paid))
        rows = [ControlRowView(r.giver, r.receiver, r.at, r.result_label, r.note)
                for r in control_rows_in(session, row)]
        visit = current_step_in(session, row)
        late = bool(visit and visit.deadline and store.clock.now() > visit.deadline)
        return ProgressView(row.code, row.status, STATUS_LABELS[status], row.owner_name, row.procedure_name,
                            row.received_at, row.due_at, row.original_due_at, row.held_by, row.fee, row.fee_paid,
                            supplement_rule(session, row.office_id).label, mine, refused, rows,
                            step_label(visit) if visit else "", late, next_unit_of(session, row, visit))


def next_unit_of(session: Session, row: Dossier | lifecycle.DossierState, visit: rules.StepVisit | None) -> str:
    """The unit of the step after the one in progress ("" when there is none or no steps)."""
    if visit is None or visit.index is None:
        return ""
    steps = procedure_steps(session, row.procedure_code)
    return steps[visit.index + 1].unit if visit.index + 1 < len(steps) else ""


# ---- writing ---------------------------------------------------------------------------------------------

def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    return nfc(str(value)).strip() if value not in (None, "") else ""


def _int(fields: dict[str, Any], name: str, label: str, maximum: int, grouped: bool = True) -> int | None:
    """A whole number the clerk typed, 0…maximum. `grouped` (money): "20.000", "20 000 đ" are 20000; a count
    of days takes digits only, so "1.5" is refused, not read as 15."""
    text = _text(fields, name)
    if not text:
        return None
    digits = re.sub(r"[.\s,đ]", "", text.lower()) if grouped else text
    if not (digits.isascii() and digits.isdigit()):
        raise CounterError(f"{label} phải là số nguyên: “{text}”")
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise CounterError(f"{label} quá lớn: “{text}” (tối đa {maximum:,})".replace(",", "."))
    return int(digits)


def parse_papers(value: Any) -> list[dict[str, Any]]:
    """"Giấy chứng sinh; Tờ khai:2" (or a list of names / dicts) as payload papers (originals = count)."""
    items = value if isinstance(value, list) else [x for x in re.split(r"[;\n]", str(value or "")) if x.strip()]
    papers = []
    for item in items:
        if isinstance(item, dict):
            papers.append(item)
            continue
        text = str(item).strip()
        m = re.search(r":\s*(\d+)\s*(?:/\s*(\d+)\s*/\s*(\d+)\s*)?$", text)  # "Tờ khai:2" or ":1/0/2"
        name = text[:m.start()] if m else text
        counts = (int(m[1]), int(m[2] or 0), int(m[3] or 0)) if m else (1, 0, 0)
        papers.append({"name": nfc(name.strip()), "originals": counts[0], "certified_copies": counts[1],
                       "photocopies": counts[2]})
    return papers


def _next_unit(session: Session, row: Dossier | lifecycle.DossierState) -> str:
    """The next internal step's unit, for a hand-off whose receiver was left empty ("" without steps)."""
    return next_unit_of(session, row, current_step_in(session, row))


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def build_payload(session: Session, row: Dossier | lifecycle.DossierState, kind: str, fields: dict[str, Any],
                  now: datetime) -> dict[str, Any]:
    """What the clerk typed, as the event's payload; dates come from the office's calendar."""
    p: dict[str, Any] = {}
    note = _text(fields, "note")
    if kind == EventKind.TRANSFERRED:
        raw = _text(fields, "direction").lower()
        direction = DIRECTIONS.get(raw.replace("ề", "e").replace("ậ", "a").replace("đ", "d"), raw) if raw else \
            ("back" if row.held_by else "out")
        p["direction"] = direction
        if direction == "out":
            p["to"] = _text(fields, "to") or _next_unit(session, row)
            if row.held_by:
                p["from"] = row.held_by
        else:
            p["from"] = row.held_by or ""
        for name in ("person",):
            if _text(fields, name):
                p[name] = _text(fields, name)
    elif kind == EventKind.SUPPLEMENT_REQUESTED:
        p["papers"] = parse_papers(fields.get("papers"))
        p["reason"] = _text(fields, "reason")
        if _text(fields, "override_reason"):  # a second request (a supervisor; lifecycle and permissions check)
            p["override_reason"] = _text(fields, "override_reason")
        if row.handed_off_at is not None:  # asked by the processing agency (Đ19.4: within 3 working days)
            timing = law.supplement_lateness(calendar_of(session, row.office_id), row.handed_off_at, now)
            p["days_after_hand_off"] = timing.days
            if timing.late:
                p["late_request"] = True
    elif kind == EventKind.SUPPLEMENT_RECEIVED:
        if row.due_at is not None and Status(row.status) == Status.SUPPLEMENT:
            asked = session.exec(select(DossierEvent.at).where(DossierEvent.dossier_id == row.id,
                                                              DossierEvent.kind == EventKind.SUPPLEMENT_REQUESTED)
                                 .order_by(sa.literal_column("dossier_events.rowid").desc())).first()
            rule = supplement_rule(session, row.office_id)
            due = rules.due_after_supplement(calendar_of(session, row.office_id), rule,
                                             working_days=row.working_days, due_at=row.due_at,
                                             requested_at=asked or now, arrived_at=now)
            p.update({"due_at": _iso(due), "old_due_at": _iso(row.due_at), "rule": rule.value})
    elif kind == EventKind.FEE_REQUESTED:
        amount = _int(fields, "amount", "Số tiền", MAX_FEE)
        if amount is not None:
            p["amount"] = amount
    elif kind == EventKind.EXTENDED:
        days = _int(fields, "days", "Số ngày gia hạn", MAX_WORKING_DAYS, grouped=False)
        if days is None:
            raise CounterError("Thiếu số ngày gia hạn (ngày làm việc)")
        cal = calendar_of(session, row.office_id)
        due = rules.extended_due(cal, row.due_at, now, days)
        law.check_apology(cal, row.due_at, now, row.extension_count)
        office = session.get(Office, row.office_id)
        agency = _text(fields, "agency") or row.held_by or (office.name if office else "")
        p.update({"due_at": _iso(due), "days": days, "reason": _text(fields, "reason"), "agency": agency})
        if row.due_at is not None:
            p["old_due_at"] = _iso(row.due_at)
    elif kind in (EventKind.WITHDRAWN, EventKind.STOPPED, EventKind.REFUSED_AFTER_APPRAISAL):
        p["reason"] = _text(fields, "reason")
    elif kind == EventKind.VERIFICATION:
        from counter.models import Procedure

        procedure = session.get(Procedure, row.procedure_code)
        days = procedure.verification_days if procedure is not None else 0
        if row.due_at is None:
            raise CounterError("Hồ sơ chưa có ngày hẹn trả: không gia hạn xác minh được")
        due = law.verification_due(calendar_of(session, row.office_id), row.due_at, days)
        p.update({"due_at": _iso(due), "old_due_at": _iso(row.due_at), "days": days,
                  "reason": _text(fields, "reason")})
    elif kind == EventKind.NOTE_ADDED:
        p["text"] = _text(fields, "text") or note
        note = ""
    elif kind not in (EventKind.RESOLVED,):
        raise CounterError(f"Thao tác “{EVENT_LABELS.get(kind, kind)}” không làm ở màn hình xử lý")  # type: ignore[call-overload]
    if note:
        p["note"] = note
    return {k: v for k, v in p.items() if v not in ("", None)}


def record_event(store: Store, actor: Actor, code: str, kind: str, fields: dict[str, Any] | None = None) -> EventResult:
    """Record one F4 action on a dossier. Nothing changes when the role or the reducer refuses it."""
    try:
        kind = EventKind(kind).value
    except ValueError:
        raise CounterError(f"Loại sự kiện không hợp lệ: “{kind}” (dùng: {', '.join(ACTION_FIELDS)})") from None
    if kind in SIGNED_FIELDS:
        raise CounterError("Phát hành kết quả điện tử cần chữ ký số của người có thẩm quyền: dùng F4 (bước “Phát "
                           "hành kết quả điện tử”) hoặc lệnh `counter result issue MÃ_HỒ_SƠ TỆP.pdf`.")
    with store.write() as session:
        now = store.clock.now()
        row = dossier_state(session, actor, code)
        if kind in EVENT_ACTIONS:  # the role first: a clerk who may not extend hears that, not the law's deadline
            from counter.domain.permissions import require

            require(actor.role, EVENT_ACTIONS[kind])
        # then the status: a step this status does not allow is refused as such, before the law's own checks
        # (the verification time, Mẫu 04's deadline) read the dossier
        if kind in ACTION_FIELDS:  # (a step of another screen, e.g. the return, is sent there by build_payload)
            lifecycle.check(row, kind, now)
        if kind == EventKind.FEE_PAID:  # money: the one payment, with its receipt (never a free-text number)
            from counter.services.fees import pay_in, settings_of

            amount = str((fields or {}).get("amount") or "").strip() or row.fee
            paid = pay_in(session, settings_of(store), actor, row, "cash", amount, now)
            state = ev.state_of(ev.load_row(session, row.id))  # type: ignore[arg-type]
            return EventResult(state.code, kind, EVENT_LABELS[EventKind(kind)], state.status.label, state.due_at,
                               None, paid.receipt)
        payload = build_payload(session, row, kind, dict(fields or {}), now)
        state, _ = ev.append(session, actor, row.id, kind, payload, now, row=row)
        return EventResult(state.code, kind, EVENT_LABELS[EventKind(kind)], state.status.label, state.due_at,
                           ACTION_FORMS.get(EventKind(kind)))


def latest_payload(session: Session, dossier_id: str, kind: str) -> tuple[DossierEvent, dict[str, Any]] | None:
    e = session.exec(select(DossierEvent).where(DossierEvent.dossier_id == dossier_id, DossierEvent.kind == kind)
                     .order_by(sa.literal_column("dossier_events.rowid").desc())).first()
    return None if e is None else (e, json.loads(e.payload))


# ---- forms (printed after commit; services/printing.documents_for calls this) ------------------------------

def _step_note(r: rules.ControlRow) -> str:
    """Mẫu 06's note of a row judged against the giver's own step: which step and its deadline."""
    from counter.domain.calendar import format_vn

    if r.step is None or r.due_at is None:
        return ""
    days = f"{r.step.working_days} ngày làm việc" if r.step.working_days else "trong ngày"
    return f"Bước {r.step.number} ({days}), hạn {format_vn(r.due_at)}"


def progress_documents(store: Store, data: Any, form: str) -> list:
    """Mẫu 02 (supplement asked during processing), 04, 05, 06 and the hand-over note (BG) of a dossier."""
    from dataclasses import replace

    from counter.printing import forms

    with store.read() as session:
        row = session.exec(select(Dossier).where(Dossier.code == data.code)).first()
        assert row is not None
        names = dict(session.exec(select(User.id, User.full_name)).all())

        def latest(*kinds: str) -> tuple[DossierEvent, dict[str, Any]]:
            found = [x for x in (latest_payload(session, row.id, k) for k in kinds) if x is not None]
            if not found:
                raise CounterError(f"Hồ sơ {row.code} chưa có {' / '.join(EVENT_LABELS[EventKind(k)] for k in kinds)}"
                                   f": không có mẫu {form} để in")
            return max(found, key=lambda x: x[0].at)

        if form == "02":
            e, p = latest(EventKind.SUPPLEMENT_REQUESTED)
            missing = tuple(forms.Paper(x["name"], x.get("originals", 0), x.get("certified_copies", 0),
                                        x.get("photocopies", 0)) for x in p.get("papers", []))
            r = replace(data, reason=p.get("reason", ""), clerk_name=names.get(e.actor_id, data.clerk_name),
                        received_at=e.at)
            return forms.supplement_request(r, missing)
        if form == "04":
            e, p = latest(EventKind.EXTENDED)
            old = p.get("old_due_at")
            return forms.apology(data, forms.ExtensionData(
                e.at, datetime.fromisoformat(old) if old else row.original_due_at,
                datetime.fromisoformat(p["due_at"]), p.get("reason", ""), names.get(e.actor_id, ""),
                p.get("agency", "")))
        if form == "03":  # refused after appraisal (Đ19.8): the result, sent through the counter
            e, p = latest(EventKind.REFUSED_AFTER_APPRAISAL)
            return forms.refusal(replace(data, reason=p.get("reason", ""), clerk_name=names.get(e.actor_id, "")),
                                 e.at, row.held_by or "")
        if form == "05":
            e, p = latest(EventKind.STOPPED, EventKind.WITHDRAWN)
            return forms.stop_notice(data, forms.StopData(e.at, p.get("reason") or "Theo đề nghị của công dân",
                                                          names.get(e.actor_id, ""),
                                                          e.kind == EventKind.WITHDRAWN))
        if form == "06":
            rows = control_rows_in(session, row)
            deciding, partners = rules.control_units(procedure_steps(session, row.procedure_code), rows,
                                                     desk_of(session, row.office_id))
            lines = tuple(forms.ControlLine(r.giver, r.receiver, r.giver_person, r.receiver_person, r.at,
                                            r.result_label, "; ".join(x for x in (_step_note(r), r.note) if x))
                          for r in rows)
            handover = ""
            if row.channel != 2 and row.received_at is not None:  # paper dossiers (Đ18)
                cal = calendar_of(session, row.office_id)
                deadline = law.handover_deadline(cal, row.received_at)
                late = law.handover_late(cal, row.received_at, row.handed_off_at, store.clock.now())
                handover = forms.vn_time(deadline) + (" — QUÁ HẠN CHUYỂN" if late else " — đúng hạn"
                                                      if row.handed_off_at else "")
            return forms.control_slip(data, lines, deciding or data.parent_name, partners, handover)
        if form == "BG":
            from datetime import date

            from counter.domain.handover import RECEIVER_SOURCES, describe_authorization

            e, p = latest(EventKind.RETURNED)
            pages = None
            if p.get("blobs"):  # the scanned authorization
                marks = ", ".join(f":b{i}" for i in range(len(p["blobs"])))
                pages = session.execute(sa.text(f"SELECT SUM(pages) FROM blobs WHERE sha256 IN ({marks})"),
                                        {f"b{i}": b for i, b in enumerate(p["blobs"])}).scalar() or None
            birth = p.get("receiver_birth_date")
            return forms.handover(data, forms.HandoverData(
                e.at, p.get("method", "counter"), p.get("receiver", "owner"), p.get("receiver_name", ""),
                p.get("receiver_id_number", ""), describe_authorization(p.get("authorization"), pages),
                tuple((x["name"], int(x.get("count", 1))) for x in p.get("papers", [])),
                int(p.get("fee_collected", 0)), p.get("tracking", ""), p.get("address", ""), p.get("note", ""),
                names.get(e.actor_id, ""), RECEIVER_SOURCES.get(p.get("receiver_source", ""), ""),
                f"{date.fromisoformat(birth):%d/%m/%Y}" if birth else "", p.get("fee_receipt", ""),
                "" if p.get("method") == "post" else lifecycle.RESULT_FORMS.get(p.get("result_form", "paper"), "")))
    raise CounterError(f"Không có mẫu {form} cho hồ sơ này")
