"""The dossier's life: national status codes, event kinds and the reducer.

`apply(state, event)` is the only place that knows which event is allowed in which status. The dossier row
in the store is a projection of `DossierState`; replaying a dossier's events through `apply` rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from collections.abc import Mapping

from pydantic import ValidationError as PydanticError

from counter.domain import contracts
from counter.domain.calendar import VN_TZ, format_vn
from counter.domain.errors import CounterError
from counter.domain.labels import Labelled, label_table
from counter.domain.fees import money
from counter.domain.intake import CORRECTABLE, ValidationError, clean_fields
# the status, its labels and groups live in counter.domain.status (light to import); re-exported here
from counter.domain.status import (
    FINAL_STATUSES as FINAL_STATUSES,
    OPEN_STATUSES as OPEN_STATUSES,
    STATUS_LABELS as STATUS_LABELS,
    Status as Status,
    WAITING_STATUSES as WAITING_STATUSES,
)
from counter.domain.text import fold


class EventKind(Labelled, StrEnum):
    REGISTERED = "registered"  # online registration (status 1)
    RECEIVED = "received"
    REFUSED = "refused"  # Mẫu 03 (or Mẫu 02 at intake: payload form="02")
    DOCUMENT_SCANNED = "document_scanned"
    TRANSFERRED = "transferred"  # hand-off to/from the processing agency (Mẫu 06 rows)
    SUPPLEMENT_REQUESTED = "supplement_requested"  # Mẫu 02
    SUPPLEMENT_RECEIVED = "supplement_received"
    FEE_REQUESTED = "fee_requested"
    FEE_PAID = "fee_paid"
    EXTENDED = "extended"  # Mẫu 04 apology with a new due date
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"  # Mẫu 05
    RESOLVED = "resolved"
    RETURNED = "returned"
    REASSIGNED = "reassigned"
    NOTE_ADDED = "note_added"
    DELIVERED = "delivered"  # a result sent by post reached the citizen
    CORRECTED = "corrected"  # the applicant's details fixed: payload changes {field: {old, new}} and a reason
    VOIDED = "voided"  # received by mistake, cancelled the same day (reason); its code is never reused
    ONLINE_INCOMPLETE = "online_incomplete"  # an online dossier lacks papers: one notice of all (status stays 1)
    FILES_ADDED = "files_added"  # the citizen uploaded them from the tracking page (the server's online desk)
    VERIFICATION = "verification_extended"  # statutory verification time (Luật Hộ tịch): not late, no Mẫu 04
    REFUSED_AFTER_APPRAISAL = "refused_after_appraisal"  # Mẫu 03 during processing (Đ19.8): the result
    FEE_REFUNDED = "fee_refunded"  # issue 18: money paid back (amount, reason), its own step
    RECEIPT_CANCELLED = "receipt_cancelled"  # issue 18: a wrong receipt cancelled (reason) and reissued
    RATED = "rated"  # the citizen's rating at the counter after a return (issue 19; payload RatingPayload)
    RESULT_ISSUED = "result_issued"  # issue 20: the electronic result (a signed PDF blob) attached to the dossier


EVENT_LABELS: dict[str, str] = label_table(EventKind, {  # keyed by EventKind (a str): a stored kind looks its label up too
    EventKind.REGISTERED: "đăng ký trực tuyến",
    EventKind.RECEIVED: "tiếp nhận hồ sơ",
    EventKind.REFUSED: "từ chối tiếp nhận",
    EventKind.DOCUMENT_SCANNED: "số hóa giấy tờ",
    EventKind.TRANSFERRED: "chuyển hồ sơ",
    EventKind.SUPPLEMENT_REQUESTED: "yêu cầu bổ sung hồ sơ",
    EventKind.SUPPLEMENT_RECEIVED: "nhận hồ sơ bổ sung",
    EventKind.FEE_REQUESTED: "yêu cầu nộp phí, lệ phí",
    EventKind.FEE_PAID: "ghi nhận đã nộp phí",
    EventKind.EXTENDED: "gia hạn, hẹn lại ngày trả",
    EventKind.WITHDRAWN: "rút hồ sơ",
    EventKind.STOPPED: "dừng xử lý",
    EventKind.RESOLVED: "ghi nhận có kết quả",
    EventKind.RETURNED: "trả kết quả",
    EventKind.REASSIGNED: "giao lại cho cán bộ khác",
    EventKind.NOTE_ADDED: "ghi chú",
    EventKind.DELIVERED: "ghi nhận đã phát kết quả qua bưu chính",
    EventKind.CORRECTED: "sửa thông tin",
    EventKind.VOIDED: "hủy hồ sơ",
    EventKind.ONLINE_INCOMPLETE: "yêu cầu bổ sung hồ sơ trực tuyến",
    EventKind.FILES_ADDED: "nộp bổ sung tệp trực tuyến",
    EventKind.VERIFICATION: "gia hạn thời gian xác minh theo luật",
    EventKind.REFUSED_AFTER_APPRAISAL: "từ chối giải quyết sau thẩm định",
    EventKind.FEE_REFUNDED: "hoàn trả phí, lệ phí",
    EventKind.RECEIPT_CANCELLED: "hủy và cấp lại biên lai",
    EventKind.RATED: "ghi nhận đánh giá của công dân",
    EventKind.RESULT_ISSUED: "phát hành kết quả điện tử",
})

_ANY_EXISTING = frozenset(Status)
_OPEN_OR_READY = OPEN_STATUSES | {Status.RESOLVED}

#: kind -> (statuses it is allowed in; None means "only as the first event"), resulting status (None = unchanged)
TRANSITIONS: dict[EventKind, tuple[frozenset[Status | None], Status | None]] = {
    EventKind.REGISTERED: (frozenset({None}), Status.NEW),
    EventKind.RECEIVED: (frozenset({None, Status.NEW}), Status.RECEIVED),
    EventKind.REFUSED: (frozenset({None, Status.NEW}), Status.REFUSED),
    EventKind.DOCUMENT_SCANNED: (frozenset(_OPEN_OR_READY | {Status.RETURNED}), None),
    EventKind.TRANSFERRED: (frozenset({Status.RECEIVED, Status.PROCESSING}), Status.PROCESSING),
    EventKind.SUPPLEMENT_REQUESTED: (frozenset({Status.RECEIVED, Status.PROCESSING}), Status.SUPPLEMENT),
    EventKind.SUPPLEMENT_RECEIVED: (frozenset({Status.SUPPLEMENT}), Status.PROCESSING),
    EventKind.FEE_REQUESTED: (frozenset({Status.RECEIVED, Status.PROCESSING}), Status.FEE),
    EventKind.FEE_PAID: (frozenset({Status.RECEIVED, Status.PROCESSING, Status.FEE, Status.RESOLVED}), None),
    EventKind.EXTENDED: (frozenset(OPEN_STATUSES), None),
    EventKind.WITHDRAWN: (frozenset(OPEN_STATUSES | {Status.NEW}), Status.WITHDRAWN),
    EventKind.STOPPED: (frozenset(OPEN_STATUSES), Status.STOPPED),
    EventKind.RESOLVED: (frozenset({Status.RECEIVED, Status.PROCESSING}), Status.RESOLVED),
    EventKind.RETURNED: (frozenset({Status.RESOLVED}), Status.RETURNED),
    EventKind.REASSIGNED: (frozenset(_OPEN_OR_READY | {Status.NEW}), None),
    EventKind.NOTE_ADDED: (frozenset(_ANY_EXISTING), None),
    EventKind.DELIVERED: (frozenset({Status.RETURNED}), None),
    EventKind.CORRECTED: (frozenset(_ANY_EXISTING), None),
    EventKind.VOIDED: (frozenset(_OPEN_OR_READY), None),
    EventKind.ONLINE_INCOMPLETE: (frozenset({Status.NEW}), None),
    EventKind.FILES_ADDED: (frozenset({Status.NEW}), None),
    EventKind.VERIFICATION: (frozenset({Status.RECEIVED, Status.PROCESSING}), None),
    EventKind.REFUSED_AFTER_APPRAISAL: (frozenset({Status.RECEIVED, Status.PROCESSING}), Status.RESOLVED),
    EventKind.FEE_REFUNDED: (frozenset(_ANY_EXISTING - {Status.NEW}), None),
    EventKind.RECEIPT_CANCELLED: (frozenset(_ANY_EXISTING - {Status.NEW}), None),
    EventKind.RATED: (frozenset({Status.RETURNED}), None),
    EventKind.RESULT_ISSUED: (frozenset(_OPEN_OR_READY | {Status.RETURNED}), None),
}
#: the kinds that ask the citizen for papers: one request per dossier, a second only with a supervisor's
#: override and its reason (NĐ 61 Đ17: "bổ sung một lần đầy đủ"); permissions.require_event checks the role
SUPPLEMENT_KINDS = frozenset({EventKind.ONLINE_INCOMPLETE, EventKind.SUPPLEMENT_REQUESTED})
#: the kinds the central server's online desk authors (the /nop page, the portal, the tracking page's uploads)
DESK_KINDS = frozenset({EventKind.REGISTERED, EventKind.FILES_ADDED})
#: kinds whose payload names blobs (`blobs`: SHA-256 list) that travel with the event (sync pushes them first)
BLOB_KINDS = frozenset({EventKind.DOCUMENT_SCANNED, EventKind.RETURNED, EventKind.RESULT_ISSUED})
#: how a result was handed over (the `returned` event's `result_form`; issue 20)
RESULT_FORMS = {"paper": "bản giấy", "electronic": "bản điện tử", "both": "cả bản giấy và bản điện tử"}
#: what a voided dossier still accepts
AFTER_VOID = frozenset({EventKind.NOTE_ADDED, EventKind.FEE_REFUNDED})  # a fee paid before the void is paid back

CREATING_KINDS = frozenset(k for k, (allowed, _) in TRANSITIONS.items() if None in allowed)


class TransitionError(CounterError):
    """An event that is not allowed in the dossier's current status (message in Vietnamese)."""

    def __init__(self, kind: str, status: Status | None, message: str | None = None):
        self.kind = kind
        self.status = status
        if message is None:
            what = EVENT_LABELS.get(kind, kind) if isinstance(kind, str) else kind  # type: ignore[call-overload]
            if status is None:
                message = f"Không thể {what}: hồ sơ chưa được tiếp nhận."
            else:
                message = f"Không thể {what} khi hồ sơ đang ở trạng thái “{status.label}”."
        super().__init__(message)


@dataclass(frozen=True)
class Event:
    """A dossier event as the reducer sees it. `at` is aware UTC; payload holds JSON-ready values."""

    id: str
    kind: str
    at: datetime
    actor_id: int | None
    station_id: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DossierState:
    """Everything the dossier row holds. Built only by `apply`."""

    id: str
    code: str
    token: str
    office_id: str
    station_id: str
    procedure_code: str
    procedure_name: str
    field: str
    status: Status
    channel: int
    owner_kind: int
    owner_name: str
    owner_id_number: str | None
    owner_birth_date: str | None
    owner_address: str | None
    owner_phone: str | None
    owner_email: str | None
    submitter_name: str | None
    submitter_id_number: str | None
    submitter_phone: str | None
    sets: int
    book: str  # receipt book (Quyển số) and number in it (Số thứ tự)
    book_no: str
    working_days: int
    received_at: datetime | None
    due_at: datetime | None
    original_due_at: datetime | None
    fee: int
    fee_paid: bool
    return_method: str
    return_address: str | None
    received_by: int | None
    assignee_id: int | None
    resolved_at: datetime | None
    returned_at: datetime | None
    closed_reason: str | None
    extension_count: int
    supplement_count: int
    scanned_count: int
    note: str | None
    search_text: str
    version: int
    last_event_id: str
    updated_at: datetime
    held_by: str | None = None  # the agency or person holding the file after a hand-off (None: the desk)
    return_tracking: str | None = None  # postal tracking number of a result sent by post
    delivered_at: datetime | None = None  # when the post delivered it
    handed_off_at: datetime | None = None  # the first hand-off out of the desk (a clerk's correction ends there)
    voided_at: datetime | None = None  # cancelled as received by mistake (the code stays used)
    void_reason: str | None = None
    assisted: bool = False  # filed online by a clerk helping the citizen (counted apart in the reports)
    awaiting_citizen: bool = False  # an online dossier asked for papers (online_incomplete) until files_added
    supplement_requests: int = 0  # online_incomplete + supplement_requested: one per dossier without override
    #: the due date the law sets when an apology (Mẫu 04) moved `due_at` (None: `due_at` itself); a dossier done
    #: after it is late (scorecard 2.1) even if it meets the new appointment
    legal_due_at: datetime | None = None
    verification_days: int = 0  # statutory verification time added (working days), at most once
    outcome: str | None = None  # "refused": the result is Mẫu 03, refused after appraisal

    paid_amount: int = 0  # issue 18: đồng paid (fee_paid)
    refunded_amount: int = 0  # issue 18: đồng paid back (fee_refunded)

    results_issued: int = 0  # electronic results attached (result_issued events; issue 20)
    return_form: str | None = None  # paper / electronic / both: what the return handed over (issue 20)

    @property
    def lawful_due_at(self) -> datetime | None:
        """The due date a late count judges by: statutory extensions in, an apology's new date out."""
        return self.legal_due_at or self.due_at


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _opt(payload: Mapping[str, Any], key: str) -> Any:
    value = payload.get(key)
    return value if value not in ("",) else None


def search_text_of(code: str, owner_name: str, submitter_name: str | None, phone: str | None,
                   id_number: str | None, submitter_id: str | None = None) -> str:
    """The folded text the search index holds for a dossier."""
    parts = [code, owner_name, submitter_name, phone, id_number, submitter_id]
    return fold(" ".join(p for p in parts if p))


#: the state fields a creating event's payload holds as they are (the declared payload's fields of the same
#: name): declared once in contracts.CreatedPayload and here, copied by name
_COPIED = tuple(n for n in contracts.CreatedPayload.model_fields
                if n in DossierState.__dataclass_fields__ and n not in ("due_at", "assignee_id"))


def _create(event: Event, status: Status, p: contracts.CreatedPayload, version: int = 0) -> DossierState:
    """The new dossier's state from its creating event's payload (checked: contracts.CreatedPayload), built
    once (issue 21: not built and then copied with its version)."""
    due = _dt(p.due_at)
    fields = p.__dict__  # the declared fields' values (a pydantic model's): read without getattr's detour
    extra = p.__pydantic_extra__ or {}
    return DossierState(
        **{name: fields[name] for name in _COPIED},
        id=p.dossier_id,
        station_id=event.station_id,
        status=status,
        received_at=event.at if status in (Status.RECEIVED,) else None,
        due_at=due,
        original_due_at=due,
        received_by=event.actor_id,
        assignee_id=p.assignee_id if "assignee_id" in p.model_fields_set else event.actor_id,
        resolved_at=None,
        returned_at=None,
        closed_reason=p.reason,
        extension_count=0,
        supplement_count=0,
        scanned_count=0,
        note=None,
        search_text=search_text_of(p.code, p.owner_name, p.submitter_name, p.owner_phone, p.owner_id_number,
                                   p.submitter_id_number),
        # declared on RegisteredPayload; on the others an extra key of that name, as getattr would find it
        assisted=bool(fields["assisted"] if "assisted" in fields else extra.get("assisted", False)),
        # a creating event from before issue 18 may say the fee was paid at intake (no receipt then): that is the
        # fee paid (as migration 0009 set it); since then the fee is taken by its own `fee_paid` event
        paid_amount=p.fee if p.fee_paid else 0,
        version=version,
        last_event_id=event.id,
        updated_at=event.at,
    )


def _require(payload: Mapping[str, Any], key: str, kind: str, status: Status, label: str) -> Any:
    value = payload.get(key)
    if value in (None, ""):
        raise TransitionError(kind, status, f"Thiếu {label}.")
    return value


def _amount(value: Any, kind: str, status: Status, label: str, positive: bool = False) -> int:
    if value in (None, ""):
        if positive:
            raise TransitionError(kind, status, f"Thiếu {label}.")
        return 0
    try:
        amount = int(value)
    except (TypeError, ValueError):
        raise TransitionError(kind, status, f"{label[0].upper() + label[1:]} không hợp lệ: “{value}”.") from None
    if amount < 0 or (positive and amount == 0):
        raise TransitionError(kind, status, f"{label[0].upper() + label[1:]} phải lớn hơn 0.")
    if amount > contracts.MAX_FEE or isinstance(value, bool):
        raise TransitionError(kind, status, f"{label[0].upper() + label[1:]} không hợp lệ: “{value}”.")
    return amount


def _papers(papers: Any, kind: str, status: Status, label: str, required: bool = False) -> None:
    """A list of papers [{name, ...counts}] in a payload (Mẫu 02 list, result papers handed over), checked by
    its declaration (contracts.Paper)."""
    if not papers:
        if required:
            raise TransitionError(kind, status, f"Thiếu {label}.")
        return
    if not isinstance(papers, list):
        raise TransitionError(kind, status, f"Danh sách {label} không hợp lệ.")
    try:
        contracts.PAPERS.validate_python(papers)
    except PydanticError as exc:
        err = exc.errors(include_url=False)[0]
        at = err["loc"][0] if err["loc"] else 0
        paper = papers[at] if isinstance(at, int) and at < len(papers) else None
        if not isinstance(paper, Mapping):
            raise TransitionError(kind, status, f"Mỗi mục trong danh sách {label} phải có tên.") from None
        name = paper.get("name")
        if len(err["loc"]) < 2 or err["loc"][1] == "name" or not isinstance(name, str) or not name.strip():
            if isinstance(name, str) and name.strip():
                raise TransitionError(kind, status, f"Tên giấy tờ trong danh sách {label} không hợp lệ: "
                                                    f"{'; '.join(contracts.vi_messages(exc))}.") from None
            raise TransitionError(kind, status, f"Mỗi mục trong danh sách {label} phải có tên.") from None
        raise TransitionError(kind, status, f"Số lượng của “{name}” không hợp lệ.") from None


def _transfer(state: DossierState, p: Mapping[str, Any], kind: str, status: Status) -> str | None:
    """A hand-off (Mẫu 06 row): "out" to an agency or person (`to`), or "back" to the desk. Returns held_by."""
    direction = p.get("direction", "out")
    if direction == "out":
        return str(_require(p, "to", kind, status, "cơ quan hoặc người nhận hồ sơ")).strip()
    if direction == "back":
        if state.held_by is None:
            raise TransitionError(kind, status, "Hồ sơ đang ở bộ phận một cửa: không có bên nào để nhận lại.")
        return None
    raise TransitionError(kind, status, f"Hướng chuyển hồ sơ không hợp lệ: “{direction}” (giao đi / nhận về).")


def _return(state: DossierState, p: Mapping[str, Any], kind: str, status: Status, at: datetime) -> dict[str, Any]:
    """Who collects the result (or the post that carries it), the papers handed over and the fee collected.
    The collector and the authorization paper are checked by domain/handover.py (issue 12)."""
    from counter.domain import handover
    from counter.domain.calendar import VN_TZ

    method = p.get("method", "counter")
    changes: dict[str, Any] = {"return_method": method}
    try:
        handover.check_texts(p)
        if method == "post":
            changes["return_tracking"] = str(_require(p, "tracking", kind, status, "số hiệu bưu gửi")).strip()
            address = p.get("address") or state.return_address
            if not address:
                raise TransitionError(kind, status, "Thiếu địa chỉ nhận kết quả qua bưu chính.")
            changes["return_address"] = address
        elif method == "counter":
            handover.check_collector(p, state.owner_name, state.owner_id_number, at.astimezone(VN_TZ).date())
        else:
            raise TransitionError(kind, status, f"Hình thức trả kết quả không hợp lệ: “{method}”.")
    except handover.HandoverError as exc:
        raise TransitionError(kind, status, exc.message) from None
    form = p.get("result_form", "paper")
    if form not in RESULT_FORMS:
        raise TransitionError(kind, status, f"Hình thức kết quả bàn giao không hợp lệ: “{form}” "
                                            "(bản giấy / bản điện tử / cả hai).")
    if form != "paper" and state.results_issued == 0:
        raise TransitionError(kind, status, f"Hồ sơ {state.code} chưa có kết quả điện tử đã ký: không thể ghi "
                                            f"nhận đã trao {RESULT_FORMS[form]}.")
    changes["return_form"] = form
    _papers(p.get("papers"), kind, status, "giấy tờ kết quả bàn giao", required=form != "electronic")
    collected = _amount(p.get("fee_collected"), kind, status, "số tiền thu")
    if state.fee > 0 and not state.fee_paid:
        if collected < state.fee:
            need, got = (f"{n:,}".replace(",", ".") for n in (state.fee, collected))
            raise TransitionError(kind, status, f"Chưa thu đủ phí, lệ phí: cần {need} đ, mới thu {got} đ.")
        changes["fee_paid"] = True
        changes["paid_amount"] = state.fee
    return changes


def payment_refusal(state: Any) -> str | None:
    """Why a dossier takes no payment at all, whatever the amount (nothing owed, or paid already); None when it
    may be paid. `state`: a DossierState or a dossier row (code, fee, fee_paid, paid_amount)."""
    if state.fee <= 0:
        return f"Hồ sơ {state.code} không phải nộp phí, lệ phí: không ghi nhận thu tiền."
    if state.fee_paid:
        return f"Hồ sơ {state.code} đã nộp đủ {money(state.paid_amount)}: không nhận nộp lần hai."
    return None


def _pay(state: DossierState, p: Mapping[str, Any], kind: str, status: Status) -> dict[str, Any]:
    """A payment (issue 18): the exact amount owed, once, by a known method, with its receipt (cash, transfer)
    or the portal's reference (online). An old event (no receipt, no reference) is read as it always was."""
    if p.get("receipt") is None and p.get("reference") is None:  # a stored event from before issue 18
        return {"fee_paid": True, "paid_amount": state.fee}
    refusal = payment_refusal(state)
    if refusal:
        raise TransitionError(kind, status, refusal)
    amount = p.get("amount")
    if type(amount) is not int:
        raise TransitionError(kind, status, f"Số tiền nộp phải là số đồng nguyên, nhận được “{amount}”.")
    if amount < state.fee:
        raise TransitionError(kind, status, f"Số tiền nộp {money(amount)} ít hơn số phải nộp {money(state.fee)}: "
                                            "không nhận nộp một phần.")
    if amount > state.fee:
        raise TransitionError(kind, status, f"Số tiền nộp {money(amount)} nhiều hơn số phải nộp "
                                            f"{money(state.fee)}: không nhận nộp thừa.")
    method = p.get("method")
    if method not in ("cash", "transfer", "online"):
        raise TransitionError(kind, status, f"Hình thức nộp không hợp lệ: “{method}” (tiền mặt, chuyển khoản, "
                                            "trực tuyến).")
    if method == "online" and not p.get("reference"):
        raise TransitionError(kind, status, "Thiếu mã giao dịch thanh toán trực tuyến do Cổng báo về.")
    if method != "online" and p.get("receipt") is None:
        raise TransitionError(kind, status, "Thiếu biên lai thu phí, lệ phí.")
    return {"fee_paid": True, "paid_amount": amount}


def _refund(state: DossierState, p: Mapping[str, Any], kind: str, status: Status) -> dict[str, Any]:
    amount = p.get("amount")
    if type(amount) is not int or amount <= 0:
        raise TransitionError(kind, status, f"Số tiền hoàn trả phải là số đồng nguyên lớn hơn 0, nhận được “{amount}”.")
    if not isinstance(p.get("reason"), str) or not p["reason"].strip():
        raise TransitionError(kind, status, "Thiếu lý do hoàn trả phí, lệ phí.")
    left = state.paid_amount - state.refunded_amount
    if amount > left:
        raise TransitionError(kind, status, f"Số tiền hoàn trả {money(amount)} lớn hơn số đã nộp còn lại "
                                            f"{money(left)} của hồ sơ {state.code}.")
    return {"refunded_amount": state.refunded_amount + amount}


def _later_due(state: DossierState, new_due: datetime | None, kind: EventKind, current: Status) -> None:
    """A new appointment (Mẫu 04, a statutory verification time) comes after the one it replaces."""
    if state.due_at is not None and new_due is not None and new_due <= state.due_at:
        raise TransitionError(kind, current, f"Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại của hồ sơ "
                                             f"{state.code} ({_local_day(state.due_at)}).")


def _local_day(at: datetime) -> str:
    return f"{at.astimezone(VN_TZ):%d/%m/%Y}"


def _local_day_key(at: datetime) -> Any:
    return at.astimezone(VN_TZ).date()


def check(state: DossierState | None, kind: str, at: datetime) -> EventKind:
    """The refusals `apply` gives before it reads the payload: an unknown kind, a status that does not allow it,
    a voided dossier, a void on another day than the receipt. Screens ask it before they open a form."""
    try:
        kind = EventKind(kind)
    except ValueError:
        raise TransitionError(kind, state.status if state else None,
                              f"Loại sự kiện không hợp lệ: “{kind}”.") from None
    allowed, _ = TRANSITIONS[kind]
    current = state.status if state is not None else None
    if state is not None and state.voided_at is not None and kind not in AFTER_VOID:
        raise TransitionError(kind, current, f"Không thể {kind.label}: hồ sơ {state.code} đã bị hủy lúc "
                                             f"{format_vn(state.voided_at)} (chỉ còn ghi chú hoặc hoàn trả phí, lệ phí đã nộp).")
    if current not in allowed:
        if kind == EventKind.RETURNED and state is not None and state.returned_at is not None:
            raise TransitionError(kind, current, f"Hồ sơ {state.code} đã được trả kết quả lúc "
                                                 f"{format_vn(state.returned_at)}: không trả lại lần nữa.")
        raise TransitionError(kind, current)
    if kind == EventKind.VOIDED and state is not None:
        received = state.received_at
        if received is None or _local_day(received) != _local_day(at):
            when = f" ngày {_local_day(received)}" if received else ""
            raise TransitionError(kind, current, f"Chỉ hủy được hồ sơ trong ngày tiếp nhận: hồ sơ {state.code} "
                                                 f"nhận{when}. Hãy ghi nhận rút hồ sơ hoặc dừng xử lý.")
    return kind


def correction_changes(state: DossierState, values: Mapping[str, str | None], at: datetime) -> dict[str, Any]:
    """The `changes` of a `corrected` event for new values of some CORRECTABLE fields: each checked by the
    intake rules (ValidationError, one message per field), only those that differ, as {field: {old, new}}."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    today = at.astimezone(VN_TZ).date()
    for name, value in values.items():
        try:
            new = clean_fields({name: value}, today)[name]
        except ValidationError as exc:
            errors.update(exc.errors)
            continue
        old = getattr(state, name)
        if new != old:
            out[name] = {"old": old, "new": new}
    if errors:
        raise ValidationError(errors)
    return out


def _correct(state: DossierState, p: Mapping[str, Any], kind: str, status: Status, at: datetime) -> dict[str, Any]:
    """The new applicant details of a `corrected` event, checked as at intake; the search text follows."""
    reason = p.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise TransitionError(kind, status, "Thiếu lý do sửa thông tin.")
    changes = p.get("changes")
    if not isinstance(changes, Mapping) or not changes:
        raise TransitionError(kind, status, "Không thể sửa thông tin: không có thông tin nào thay đổi.")
    wanted: dict[str, Any] = {}
    for name, change in changes.items():
        label = CORRECTABLE.get(name)
        if label is None:
            raise TransitionError(kind, status, f"Không thể sửa thông tin: không sửa được trường “{name}”.")
        if not isinstance(change, Mapping) or "new" not in change:
            raise TransitionError(kind, status, f"Nội dung sửa “{label}” không hợp lệ.")
        if (change.get("old") or None) != getattr(state, name):
            raise TransitionError(kind, status, f"Không thể sửa thông tin: {label} của hồ sơ đã khác "
                                                f"“{change.get('old') or ''}” (đã được sửa trước đó).")
        wanted[name] = change["new"]
    try:
        cleaned: dict[str, Any] = clean_fields(wanted, at.astimezone(VN_TZ).date())
    except ValidationError as exc:
        raise TransitionError(kind, status, "Không thể sửa thông tin: " + "; ".join(exc.errors.values()) + ".") from None
    for name, value in cleaned.items():
        if value == getattr(state, name):
            raise TransitionError(kind, status, f"Không thể sửa thông tin: {CORRECTABLE[name]} mới trùng "
                                                "giá trị đang có của hồ sơ.")
    merged = replace(state, **cleaned)
    if not merged.owner_name:
        raise TransitionError(kind, status, "Không thể sửa thông tin: họ tên chủ hồ sơ không được để trống.")
    search = search_text_of(merged.code, merged.owner_name, merged.submitter_name, merged.owner_phone,
                            merged.owner_id_number, merged.submitter_id_number)
    return {**cleaned, "search_text": search}


SECOND_REQUEST = ("Hồ sơ {code} đã được yêu cầu bổ sung một lần: theo quy định, chỉ yêu cầu bổ sung một lần, "
                  "đầy đủ. Muốn yêu cầu thêm lần nữa, lãnh đạo / giám sát phải ghi rõ lý do.")


def _receive_online(state: DossierState, event: Event, p: contracts.ReceivedOnlinePayload) -> dict[str, Any]:
    """An online dossier received at the counter: the receipt's numbers, the due date counted from now, who
    received it (this station, this user); the applicant stays as registered."""
    due = _dt(p.due_at)
    given = p.model_fields_set
    changes: dict[str, Any] = {n: getattr(p, n) for n in ("working_days", "sets", "book", "book_no", "fee",
                                                          "fee_paid", "return_method", "return_address")
                               if n in given}
    changes.update(received_at=event.at, due_at=due, original_due_at=due, received_by=event.actor_id,
                   station_id=event.station_id, awaiting_citizen=False,
                   assignee_id=p.assignee_id if "assignee_id" in given else event.actor_id)
    return changes


def apply(state: DossierState | None, event: Event) -> DossierState:
    """Fold one event into the dossier state, or raise TransitionError (nothing changes)."""
    kind = check(state, event.kind, event.at)
    _allowed, target = TRANSITIONS[kind]
    current = state.status if state is not None else None
    p = event.payload
    existing = state is not None and kind in contracts.ON_EXISTING  # received / refused on an online dossier
    checked, problems = contracts.payload_errors(kind, p, existing)  # the declared payload (contracts.PAYLOADS)
    if problems:
        missing = [e for e in problems if e.startswith("thiếu ")]
        if kind in CREATING_KINDS and missing:
            others = [e for e in problems if e not in missing]
            raise TransitionError(kind, current, "Sự kiện tạo hồ sơ thiếu trường bắt buộc: "
                                  + ", ".join(m.removeprefix("thiếu ") for m in missing)
                                  + "".join(f"; {e}" for e in others) + ".")
        raise TransitionError(kind, current, f"Không thể {kind.label}: " + "; ".join(problems) + ".")

    if state is None:
        return _create(event, target or Status.RECEIVED, checked, version=1)

    current = state.status  # a dossier that exists from here on
    changes: dict[str, Any] = {}
    if kind in SUPPLEMENT_KINDS:
        if state.supplement_requests >= 1 and not (p.get("override_reason") or "").strip():
            raise TransitionError(kind, current, SECOND_REQUEST.format(code=state.code))
        changes["supplement_requests"] = state.supplement_requests + 1
    if kind == EventKind.RECEIVED:  # an online dossier received at the counter (status 1 -> 2)
        changes.update(_receive_online(state, event, checked))
    elif kind == EventKind.REFUSED:  # Mẫu 03 for an online dossier
        reason = _require(p, "reason", kind, current, "lý do từ chối tiếp nhận")
        changes.update(closed_reason=str(reason).strip(), awaiting_citizen=False)
    elif kind == EventKind.ONLINE_INCOMPLETE:
        changes["awaiting_citizen"] = True
    elif kind == EventKind.FILES_ADDED:
        if not state.awaiting_citizen:
            raise TransitionError(kind, current, f"Hồ sơ {state.code} không chờ công dân nộp bổ sung tệp.")
        changes["awaiting_citizen"] = False
    elif kind == EventKind.TRANSFERRED:
        changes["held_by"] = _transfer(state, p, kind, current)
        if changes["held_by"] is not None and state.handed_off_at is None:
            changes["handed_off_at"] = event.at
    elif kind == EventKind.SUPPLEMENT_REQUESTED:
        _require(p, "reason", kind, current, "lý do yêu cầu bổ sung")
        _papers(p.get("papers"), kind, current, "giấy tờ cần bổ sung", required=True)
        changes["supplement_count"] = state.supplement_count + 1
    elif kind == EventKind.SUPPLEMENT_RECEIVED:
        if p.get("due_at"):
            changes["due_at"] = _dt(p["due_at"])
            changes["legal_due_at"] = None  # the time restarts (or resumes) from the lawful date
    elif kind == EventKind.FEE_REQUESTED:
        changes["fee"] = _amount(p.get("amount"), kind, current, "số tiền phí, lệ phí", positive=True)
        changes["fee_paid"] = False
    elif kind == EventKind.FEE_PAID:
        changes.update(_pay(state, p, kind, current))
        if current == Status.FEE:
            target = Status.PROCESSING
    elif kind == EventKind.EXTENDED:
        new_due = _dt(_require(p, "due_at", kind, current, "ngày hẹn trả mới"))
        _require(p, "reason", kind, current, "lý do gia hạn")
        if state.extension_count >= 1:  # NĐ 118/2025 (Đ19.9 of NĐ 61): the appointment moves only once
            raise TransitionError(kind, current, "Chỉ được xin lỗi và hẹn lại ngày trả kết quả một lần cho mỗi "
                                                 f"hồ sơ: hồ sơ {state.code} đã được hẹn lại một lần.")
        if state.due_at is not None and _local_day_key(event.at) >= _local_day_key(state.due_at):
            raise TransitionError(kind, current, "Quá thời hạn xin lỗi, hẹn lại: phải gửi chậm nhất 01 ngày trước "
                                                 f"ngày hẹn trả {_local_day(state.due_at)}. Hồ sơ bị tính là quá hạn.")
        _later_due(state, new_due, kind, current)
        changes["due_at"] = new_due
        changes["extension_count"] = state.extension_count + 1
        changes["legal_due_at"] = state.legal_due_at or state.due_at
    elif kind == EventKind.VERIFICATION:
        new_due = _dt(_require(p, "due_at", kind, current, "ngày hẹn trả mới"))
        _require(p, "reason", kind, current, "nội dung cần xác minh")
        days = p.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= contracts.MAX_WORKING_DAYS:
            raise TransitionError(kind, current, "Số ngày xác minh không hợp lệ.")
        if state.verification_days:
            raise TransitionError(kind, current, f"Hồ sơ {state.code} đã được gia hạn xác minh "
                                                 f"{state.verification_days} ngày làm việc: không gia hạn lần nữa.")
        _later_due(state, new_due, kind, current)
        changes["due_at"] = new_due
        changes["verification_days"] = days
        if state.legal_due_at is not None:  # moved by a statutory time: the lawful date moves as well
            changes["legal_due_at"] = new_due
    elif kind == EventKind.REFUSED_AFTER_APPRAISAL:
        reason = _require(p, "reason", kind, current, "lý do từ chối")
        if state.due_at is not None and event.at > state.due_at:
            raise TransitionError(kind, current, "Phải từ chối trong thời hạn giải quyết (hạn "
                                                 f"{format_vn(state.due_at)}): hồ sơ đã quá hạn, hãy gửi văn bản "
                                                 "xin lỗi hoặc dừng xử lý.")
        changes.update(resolved_at=event.at, outcome="refused", closed_reason=str(reason).strip())
    elif kind in (EventKind.WITHDRAWN, EventKind.STOPPED):
        if kind == EventKind.STOPPED:
            _require(p, "reason", kind, current, "lý do dừng xử lý")
        changes["closed_reason"] = _opt(p, "reason")
    elif kind == EventKind.RESOLVED:
        changes["resolved_at"] = event.at
    elif kind == EventKind.RETURNED:
        changes.update(_return(state, p, kind, current, event.at))
        changes["returned_at"] = event.at
    elif kind == EventKind.DELIVERED:
        if state.return_method != "post":
            raise TransitionError(kind, current, "Kết quả hồ sơ đã trả tại quầy, không gửi qua bưu chính.")
        if state.delivered_at is not None:
            raise TransitionError(kind, current, f"Hồ sơ đã được ghi nhận phát kết quả lúc {format_vn(state.delivered_at)}.")
        changes["delivered_at"] = event.at
    elif kind == EventKind.REASSIGNED:
        changes["assignee_id"] = _require(p, "assignee_id", kind, current, "cán bộ được giao")
    elif kind == EventKind.DOCUMENT_SCANNED:
        changes["scanned_count"] = state.scanned_count + 1
    elif kind == EventKind.NOTE_ADDED:
        changes["note"] = _require(p, "text", kind, current, "nội dung ghi chú")
    elif kind == EventKind.CORRECTED:
        changes.update(_correct(state, p, kind, current, event.at))
    elif kind == EventKind.RESULT_ISSUED:
        changes["results_issued"] = state.results_issued + 1
    elif kind == EventKind.VOIDED:
        reason = p.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise TransitionError(kind, current, "Thiếu lý do hủy hồ sơ.")
        changes["voided_at"] = event.at
        changes["void_reason"] = reason.strip()

    elif kind == EventKind.FEE_REFUNDED:
        changes.update(_refund(state, p, kind, current))
    elif kind == EventKind.RECEIPT_CANCELLED:
        if not state.fee_paid or state.paid_amount <= 0:
            raise TransitionError(kind, current, f"Hồ sơ {state.code} chưa có biên lai thu tiền để hủy.")
        _require(p, "reason", kind, current, "lý do hủy biên lai")

    if target is not None:
        changes["status"] = target
    return replace(state, **changes, version=state.version + 1, last_event_id=event.id, updated_at=event.at)


def replay(events: list[Event]) -> DossierState | None:
    state: DossierState | None = None
    for event in events:
        state = apply(state, event)
    return state


def allowed_kinds(status: Status | None) -> list[EventKind]:
    """Event kinds allowed in a status, in declaration order (for menus and help)."""
    return [k for k, (allowed, _) in TRANSITIONS.items() if status in allowed]
