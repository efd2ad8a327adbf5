"""A dossier's status and its Vietnamese labels: what the lists and the search show, importable without the
lifecycle's event rules and payload contracts (pydantic), so `counter search` and the list screens start
quickly (issue 21). counter.domain.lifecycle re-exports them."""

from __future__ import annotations

from enum import IntEnum

from counter.domain.labels import Labelled, label_table


class Status(Labelled, IntEnum):
    """Dossier status, national public-service portal list (TrangThaiHoSo)."""

    NEW = 1  # Mới đăng ký (online, not yet received)
    RECEIVED = 2  # Được tiếp nhận
    REFUSED = 3  # Không được tiếp nhận
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT = 5  # Yêu cầu bổ sung giấy tờ
    FEE = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    RESOLVED = 9  # Đã xử lý xong
    RETURNED = 10  # Đã trả kết quả


STATUS_LABELS: dict[Status, str] = label_table(Status, {
    Status.NEW: "Mới đăng ký",
    Status.RECEIVED: "Được tiếp nhận",
    Status.REFUSED: "Không được tiếp nhận",
    Status.PROCESSING: "Đang xử lý",
    Status.SUPPLEMENT: "Yêu cầu bổ sung giấy tờ",
    Status.FEE: "Yêu cầu thực hiện nghĩa vụ tài chính",
    Status.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    Status.STOPPED: "Dừng xử lý",
    Status.RESOLVED: "Đã xử lý xong",
    Status.RETURNED: "Đã trả kết quả",
})

#: statuses in which the dossier is still open (counts for due / overdue)
OPEN_STATUSES = frozenset({Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT, Status.FEE})
#: statuses in which the citizen, not the office, holds the clock
WAITING_STATUSES = frozenset({Status.SUPPLEMENT, Status.FEE})
FINAL_STATUSES = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED})
