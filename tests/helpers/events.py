"""Reducer inputs for the domain tests: the creating event's payload and a valid payload of each kind."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def creating_payload(i: int = 0) -> dict:
    return {"dossier_id": f"d{i}", "code": f"H55.242-261123-{1001 + i:04d}", "token": "T" * 32,
            "office_id": "H55.242", "procedure_code": "1.001193", "procedure_name": "Đăng ký khai sinh",
            "field": "Hộ tịch", "owner_name": "Nguyễn Văn An", "owner_phone": "0912345678",
            "due_at": (T0 + timedelta(hours=6)).isoformat(), "working_days": 0}


def file_ref(n: int = 0, paper: str | None = None) -> dict:
    """An uploaded file of an online dossier (contracts.FileRef)."""
    return {"sha256": f"{n:064x}", "name": f"tep-{n}.pdf", "mime": "application/pdf", "size": 1000 + n,
            "pages": 1, "paper": paper}


def registered_payload(i: int = 0, **extra) -> dict:
    """An online dossier's `registered` payload, as the central server's online desk writes it."""
    p = creating_payload(i)
    del p["due_at"]
    return {**p, "channel": 2, "files": [file_ref(1, "Tờ khai đăng ký khai sinh")], "source": "web", **extra}


def payload_for(kind: str, n: int, state=None) -> dict:
    if kind == "corrected":
        old = state.owner_address if state is not None else None
        return {"changes": {"owner_address": {"old": old, "new": f"Thôn {n}, xã Phục Linh"}}, "reason": "gõ nhầm"}
    if kind == "voided":
        return {"reason": "tiếp nhận nhầm"}
    if kind == "refused":
        return {**creating_payload(), "reason": "Không thuộc thẩm quyền của cơ quan"}
    if kind in ("received", "registered"):
        return creating_payload()
    if kind == "extended":
        return {"due_at": (T0 + timedelta(days=10 + n)).isoformat(), "reason": "Cần xác minh"}
    if kind == "verification_extended":
        return {"due_at": (T0 + timedelta(days=20 + n)).isoformat(), "days": 5, "reason": "Xác minh nơi cư trú"}
    if kind == "refused_after_appraisal":
        return {"reason": "Không đủ điều kiện đăng ký"}
    if kind == "stopped":
        return {"reason": "Đề nghị dừng"}
    if kind == "reassigned":
        return {"assignee_id": 2}
    if kind == "note_added":
        return {"text": "ghi chú"}
    if kind == "transferred":
        return {"direction": "out", "to": "Công chức tư pháp - hộ tịch"}
    if kind == "supplement_requested":
        return {"reason": "Thiếu giấy tờ", "papers": [{"name": "Giấy chứng sinh", "originals": 1}]}
    if kind == "online_incomplete":
        return {"papers": [{"name": "Giấy chứng sinh", "reason": "Ảnh mờ, không đọc được"}]}
    if kind == "files_added":
        return {"files": [file_ref(n, "Giấy chứng sinh")]}
    if kind == "fee_requested":
        return {"amount": 8000}
    if kind == "fee_refunded":
        return {"amount": 1, "reason": "nộp nhầm"}
    if kind == "receipt_cancelled":
        return {"number": "1000001", "reason": "ghi sai tên", "replacement": {"form": "01BLP0-001",
                                                                             "series": "AA-26P", "number": "1000002"}}
    if kind == "rated":
        return {"value": "satisfied", "reason": "fast"}
    if kind == "result_issued":
        return {"name": "Giấy khai sinh (bản điện tử)", "blobs": ["ab" * 32], "pages": 1, "signed_by": "Cán bộ A"}
    if kind == "returned":
        return {"method": "post", "tracking": "EE123456789VN", "address": "Thôn 2", "fee_collected": 8000,
                "papers": [{"name": "Giấy khai sinh bản chính", "count": 1}]}
    return {}


#: the F4 form fields of each progress kind (services.progress.record_event)
FIELDS = {"transferred": {"to": "Tư pháp"}, "supplement_requested": {"papers": "A", "reason": "x"},
          "supplement_received": {}, "fee_requested": {"amount": "8000"}, "fee_paid": {"amount": "8000"},
          "extended": {"days": "1", "reason": "x"}, "withdrawn": {"reason": "x"}, "stopped": {"reason": "x"},
          "resolved": {}, "note_added": {"text": "x"}}
