"""Who may do what: one table for the four roles (design.md, "People and permissions")."""

from __future__ import annotations

from enum import StrEnum

from counter.domain.errors import CounterError


class Role(StrEnum):
    CLERK = "clerk"
    POSTAL = "postal"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CLERK: "Cán bộ một cửa",
    Role.POSTAL: "Nhân viên bưu điện",
    Role.SUPERVISOR: "Lãnh đạo / giám sát",
    Role.ADMIN: "Quản trị",
}


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
    VIEW_REPORTS = "view_reports"
    MANAGE_USERS = "manage_users"
    MANAGE_CATALOGUE = "manage_catalogue"
    MANAGE_CALENDAR = "manage_calendar"
    MANAGE_DEVICES = "manage_devices"


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
    Action.VIEW_REPORTS: "xem báo cáo",
    Action.MANAGE_USERS: "quản lý người dùng",
    Action.MANAGE_CATALOGUE: "quản lý danh mục thủ tục",
    Action.MANAGE_CALENDAR: "quản lý lịch làm việc",
    Action.MANAGE_DEVICES: "quản lý thiết bị",
}

_CLERK = {
    Action.SEARCH, Action.RECEIVE, Action.REFUSE, Action.DIGITIZE, Action.CERTIFY, Action.TRANSFER,
    Action.REQUEST_SUPPLEMENT, Action.RECEIVE_SUPPLEMENT, Action.REQUEST_FEE, Action.COLLECT_FEE,
    Action.DECIDE, Action.WITHDRAW, Action.RETURN_RESULT, Action.NOTE,
}
# QĐ 45/2016: receive, pack, collect fees, hand over, deliver; never certify copies or decide.
_POSTAL = {
    Action.SEARCH, Action.RECEIVE, Action.TRANSFER, Action.RECEIVE_SUPPLEMENT, Action.COLLECT_FEE,
    Action.RETURN_RESULT, Action.NOTE,
}
_SUPERVISOR = _CLERK | {Action.EXTEND, Action.REASSIGN, Action.VIEW_QUEUE, Action.VIEW_REPORTS}
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
}


class PermissionDenied(CounterError):
    def __init__(self, role: Role, action: Action):
        self.role, self.action = role, action
        super().__init__(f"{Role(role).label} không được phép {ACTION_LABELS[action]}.")


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
