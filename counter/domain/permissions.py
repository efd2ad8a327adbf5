"""Who may do what: one table for the four roles (design.md, "People and permissions")."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from counter.domain.calendar import format_vn
from counter.domain.errors import CounterError
from counter.domain.labels import Labelled, label_table


class Role(Labelled, StrEnum):
    CLERK = "clerk"
    POSTAL = "postal"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLE_LABELS = label_table(Role, {
    Role.CLERK: "Cán bộ một cửa",
    Role.POSTAL: "Nhân viên bưu điện",
    Role.SUPERVISOR: "Lãnh đạo / giám sát",
    Role.ADMIN: "Quản trị",
})


class Action(StrEnum):
    SEARCH = "search"
    RECEIVE = "receive"
    REFUSE = "refuse"
    DIGITIZE = "digitize"
    CERTIFY = "certify"  # chứng thực bản sao từ bản chính
    TRANSFER = "transfer"
    REQUEST_SUPPLEMENT = "request_supplement"
    RECEIVE_SUPPLEMENT = "receive_supplement"
    REQUEST_FEE = "request_fee"
    COLLECT_FEE = "collect_fee"
    DECIDE = "decide"  # resolve or stop a dossier
    EXTEND = "extend"
    WITHDRAW = "withdraw"
    RETURN_RESULT = "return_result"
    NOTE = "note"
    REASSIGN = "reassign"
    VIEW_QUEUE = "view_queue"
    VIEW_OWN_WORK = "view_own_work"  # "Việc của tôi": the dossiers one received or is assigned
    VIEW_REPORTS = "view_reports"
    MANAGE_USERS = "manage_users"
    MANAGE_CATALOGUE = "manage_catalogue"
    MANAGE_CALENDAR = "manage_calendar"
    MANAGE_DEVICES = "manage_devices"
    CORRECT = "correct"  # the applicant's details of a dossier one received, before it is handed off
    CORRECT_ANY = "correct_any"  # ... of any dossier, at any time
    VOID = "void"  # cancel a dossier received by mistake (same day)
    OVERRIDE_SUPPLEMENT = "override_supplement"  # a second request for papers on one dossier (with a reason)
    UPLOAD_ONLINE = "upload_online"  # the citizen's own uploads: only the central server's online desk
    REFUND_FEE = "refund_fee"  # issue 18: pay a fee back (its own step)


ACTION_LABELS = {
    Action.SEARCH: "tra cứu hồ sơ",
    Action.RECEIVE: "tiếp nhận hồ sơ",
    Action.REFUSE: "từ chối tiếp nhận",
    Action.DIGITIZE: "số hóa hồ sơ",
    Action.CERTIFY: "chứng thực",
    Action.TRANSFER: "chuyển hồ sơ",
    Action.REQUEST_SUPPLEMENT: "yêu cầu bổ sung",
    Action.RECEIVE_SUPPLEMENT: "nhận hồ sơ bổ sung",
    Action.REQUEST_FEE: "yêu cầu nộp phí",
    Action.COLLECT_FEE: "thu phí, lệ phí",
    Action.DECIDE: "quyết định giải quyết hồ sơ",
    Action.EXTEND: "gia hạn hồ sơ",
    Action.WITHDRAW: "ghi nhận rút hồ sơ",
    Action.RETURN_RESULT: "trả kết quả",
    Action.NOTE: "ghi chú",
    Action.REASSIGN: "giao hồ sơ cho cán bộ khác",
    Action.VIEW_QUEUE: "xem hàng đợi",
    Action.VIEW_OWN_WORK: "xem việc của mình",
    Action.VIEW_REPORTS: "xem báo cáo",
    Action.MANAGE_USERS: "quản lý người dùng",
    Action.MANAGE_CATALOGUE: "quản lý danh mục thủ tục",
    Action.MANAGE_CALENDAR: "quản lý lịch làm việc",
    Action.MANAGE_DEVICES: "quản lý thiết bị",
    Action.CORRECT: "sửa thông tin hồ sơ",
    Action.CORRECT_ANY: "sửa thông tin mọi hồ sơ",
    Action.VOID: "hủy hồ sơ tiếp nhận nhầm",
    Action.OVERRIDE_SUPPLEMENT: "yêu cầu bổ sung hồ sơ lần thứ hai",
    Action.UPLOAD_ONLINE: "ghi nhận tệp công dân nộp bổ sung trực tuyến (chỉ máy chủ ghi)",
    Action.REFUND_FEE: "hoàn trả phí, lệ phí",
}

_CLERK = {
    Action.SEARCH, Action.RECEIVE, Action.REFUSE, Action.DIGITIZE, Action.CERTIFY, Action.TRANSFER,
    Action.REQUEST_SUPPLEMENT, Action.RECEIVE_SUPPLEMENT, Action.REQUEST_FEE, Action.COLLECT_FEE,
    Action.DECIDE, Action.WITHDRAW, Action.RETURN_RESULT, Action.NOTE, Action.CORRECT, Action.VIEW_OWN_WORK,
}
# QĐ 45/2016: receive, pack, collect fees, hand over, deliver; never certify copies or decide.
_POSTAL = {
    Action.SEARCH, Action.RECEIVE, Action.TRANSFER, Action.RECEIVE_SUPPLEMENT, Action.COLLECT_FEE,
    Action.RETURN_RESULT, Action.NOTE, Action.VIEW_OWN_WORK,
}
_SUPERVISOR = _CLERK | {Action.EXTEND, Action.REASSIGN, Action.VIEW_QUEUE, Action.VIEW_REPORTS,
                        Action.CORRECT_ANY, Action.VOID, Action.OVERRIDE_SUPPLEMENT,
                        Action.REFUND_FEE}
_ADMIN = {Action.SEARCH, Action.MANAGE_USERS, Action.MANAGE_CATALOGUE, Action.MANAGE_CALENDAR,
          Action.MANAGE_DEVICES}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CLERK: frozenset(_CLERK),
    Role.POSTAL: frozenset(_POSTAL),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(_ADMIN),
}

#: the action each event kind needs (lifecycle.EventKind values)
EVENT_ACTIONS: dict[str, Action] = {
    "registered": Action.RECEIVE,
    "received": Action.RECEIVE,
    "refused": Action.REFUSE,
    "document_scanned": Action.DIGITIZE,
    "transferred": Action.TRANSFER,
    "supplement_requested": Action.REQUEST_SUPPLEMENT,
    "supplement_received": Action.RECEIVE_SUPPLEMENT,
    "fee_requested": Action.REQUEST_FEE,
    "fee_paid": Action.COLLECT_FEE,
    "extended": Action.EXTEND,
    "withdrawn": Action.WITHDRAW,
    "stopped": Action.DECIDE,
    "resolved": Action.DECIDE,
    "returned": Action.RETURN_RESULT,
    "reassigned": Action.REASSIGN,
    "note_added": Action.NOTE,
    "delivered": Action.RETURN_RESULT,
    "corrected": Action.CORRECT,
    "voided": Action.VOID,
    "online_incomplete": Action.REQUEST_SUPPLEMENT,
    "files_added": Action.UPLOAD_ONLINE,  # no role: the server's online desk authors it (central/online.py)
    "verification_extended": Action.EXTEND,
    "refused_after_appraisal": Action.DECIDE,
    "fee_refunded": Action.REFUND_FEE,
    "receipt_cancelled": Action.COLLECT_FEE,
    "rated": Action.RETURN_RESULT,
    "result_issued": Action.DECIDE,  # issue 20: the processing side attaches the signed electronic result
}


class PermissionDenied(CounterError):
    def __init__(self, role: Role, action: Action, message: str | None = None):
        self.role, self.action = role, action
        super().__init__(message or f"{Role(role).label} không được phép {ACTION_LABELS[action]}.")


def postal_refusal(postal_allowed: bool, in_person: bool, certification: bool) -> str | None:
    """Why postal staff may not receive a procedure (QĐ 45/2016: the applicant must come in person, or a copy
    is certified from the original), or None when they may. The receive service and the F2 list both ask here."""
    reasons = [why for why, on in (("cần người nộp có mặt", in_person),
                                   ("cần chứng thực từ bản chính", certification)) if on]
    if reasons:
        return " và ".join(reasons)
    return None if postal_allowed else "thủ tục không nhận qua bưu chính"


def can(role: Role | str, action: Action) -> bool:
    return action in PERMISSIONS[Role(role)]


def require(role: Role | str, action: Action) -> None:
    if not can(role, action):
        raise PermissionDenied(Role(role), action)


def require_event(role: Role | str, kind: str, actor_id: int | None = None, station_id: str | None = None,
                  dossier: Any = None) -> None:
    """The permission an event needs (EVENT_ACTIONS), with the conditions an action carries: without
    CORRECT_ANY, a correction is only for a dossier the actor received (same station, same user) and only
    before its first hand-off. `dossier`: the state before the event (domain.lifecycle.DossierState)."""
    action = EVENT_ACTIONS.get(kind)
    if action is None:
        return
    require(role, action)
    from counter.domain.lifecycle import SUPPLEMENT_KINDS  # a second request needs OVERRIDE_SUPPLEMENT

    if kind in SUPPLEMENT_KINDS and dossier is not None and getattr(dossier, "supplement_requests", 0) >= 1 \
            and not can(role, Action.OVERRIDE_SUPPLEMENT):
        raise PermissionDenied(Role(role), Action.OVERRIDE_SUPPLEMENT,
                               f"Hồ sơ {dossier.code} đã được yêu cầu bổ sung một lần: chỉ lãnh đạo / giám sát "
                               "được yêu cầu bổ sung lần nữa, kèm lý do.")
    if action == Action.CORRECT and dossier is not None and not can(role, Action.CORRECT_ANY):
        if dossier.received_by != actor_id or dossier.station_id != station_id:
            raise PermissionDenied(Role(role), action, f"{Role(role).label} chỉ được sửa thông tin hồ sơ do chính "
                                                       "mình tiếp nhận: hãy nhờ lãnh đạo / giám sát sửa.")
        if dossier.handed_off_at is not None:
            raise PermissionDenied(Role(role), action, f"Hồ sơ {dossier.code} đã chuyển đi xử lý lúc "
                                                       f"{format_vn(dossier.handed_off_at)}: chỉ lãnh đạo / giám sát "
                                                       "được sửa thông tin.")
