"""The one-stop forms (TT 03/2025/TT-VPCP, Phụ lục I; layouts in shared/forms.md) as layout documents.

The wording and layout of each form are data, one file per circular version (counter/fixtures/forms-TT03-2025.json,
read by printing/templates.py; docs/forms.md): this module only gathers the values a form prints from the data
classes below and decides which of them apply (the receipt's own appointment, who refuses, who apologises). Every
builder takes `version` (None: templates.current_version()).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter.printing.layout import Document
from counter.printing.templates import DEFAULT_VERSION, documents, vn_date, vn_time

FORM_VERSION = DEFAULT_VERSION
__all__ = ["FORM_VERSION", "vn_date", "vn_time"]


@dataclass(frozen=True)
class Paper:
    name: str
    originals: int
    certified_copies: int
    photocopies: int
    electronic: int = 0  # files uploaded online (issue 15): an online dossier's papers are these, not paper copies


@dataclass(frozen=True)
class ReceiptData:
    """Everything Mẫu 01, 02 and 03 print; filled by the services from the store."""

    parent_name: str  # UBND XÃ PHỤC LINH
    office_name: str  # Bộ phận Một cửa UBND xã Phục Linh
    place_name: str
    office_phone: str
    code: str
    book: str  # Quyển số
    book_no: str  # Số thứ tự
    owner_name: str
    owner_address: str
    owner_phone: str
    owner_email: str
    owner_id_number: str
    submitter_name: str
    procedure_name: str
    procedure_code: str
    papers: tuple[Paper, ...]
    sets: int
    time_label: str  # "Trong ngày" / "3 ngày làm việc"
    received_at: datetime
    due_at: datetime | None
    return_label: str
    channel: int
    tracking_url: str
    clerk_name: str
    reason: str = ""  # Mẫu 02/03
    original_due_at: datetime | None = None  # the appointment given at intake: Mẫu 01 always shows it
    submitter_id_number: str = ""  # Mẫu 01 shows it when the submitter is not the owner
    fee_lines: tuple[tuple[str, str, int], ...] = ()  # issue 18: (charge, how it was computed, đồng) owed at intake
    fee_total: int = 0
    fee_exemption: str = ""  # "Người thuộc hộ nghèo (Giấy chứng nhận …)"
    rating_url: str = ""  # issue 19: the tracking page's rating page (codes.rating_url); the hand-over note's QR


def _values(r: ReceiptData, issued: datetime, number: str, **more: Any) -> dict[str, Any]:
    """What every form may print of the dossier (ReceiptData's fields), its header's number and date, and more."""
    v = dict(vars(r))
    v.update(number=number, issued=issued,
             submitter_differs=bool(r.submitter_name and r.submitter_name != r.owner_name),
             fee_lines=[{"name": n, "how": how, "amount": amount} for n, how, amount in r.fee_lines])
    v.update(more)
    return v


def _has_files(papers: tuple[Paper, ...]) -> bool:
    """An online dossier's papers came as files: its papers table gets the "Bản điện tử (tệp)" column."""
    return any(p.electronic for p in papers)


def receipt(r: ReceiptData, version: str | None = None) -> list[Document]:
    """Mẫu 01, in two copies (liên lưu, liên giao khách hàng). Its appointment is the receipt's own, never a
    later extension (that is Mẫu 04)."""
    return documents("01", _values(r, r.received_at, f"Mã hồ sơ: {r.code}", appointment=r.original_due_at or r.due_at,
                                   papers_electronic=_has_files(r.papers)), version)


def supplement_request(r: ReceiptData, missing: tuple[Paper, ...], version: str | None = None) -> list[Document]:
    """Mẫu 02: what the citizen must add or complete (no code: guidance only, e.g. by postal staff)."""
    return documents("02", _values(r, r.received_at, f"Số: {r.code or '…'}/HDHS", papers=missing,
                                   papers_electronic=_has_files(missing)), version)


def refusal(r: ReceiptData, at: datetime | None = None, agency: str = "",
            version: str | None = None) -> list[Document]:
    """Mẫu 03: refusal to receive (at intake) or to resolve (after appraisal, Đ19.8: `at` and the deciding
    `agency`), with the reason."""
    return documents("03", _values(r, at or r.received_at, f"Số: {r.code}/TCHS", after_appraisal=at is not None,
                                   refuser=agency or r.office_name), version)


# ---- F4 / F5 (issue 6): Mẫu 04, 05, 06 and the hand-over note ----------------------------------------------

@dataclass(frozen=True)
class ExtensionData:
    """Mẫu 04: the apology and the new appointment."""

    at: datetime  # when the letter is issued
    old_due_at: datetime | None
    new_due_at: datetime
    reason: str
    signer: str
    agency: str = ""  # the processing agency that apologises (Đ19.9); "" = the office


@dataclass(frozen=True)
class StopData:
    """Mẫu 05: the notice that processing stopped."""

    at: datetime
    reason: str
    signer: str
    withdrawn: bool = False  # stopped at the citizen's request (rút hồ sơ)


@dataclass(frozen=True)
class ControlLine:
    """One hand-off of Mẫu 06."""

    giver: str
    receiver: str
    giver_person: str
    receiver_person: str
    at: datetime
    result: str  # "Trước hạn 1 ngày" / "Đúng hạn" / "Quá hạn 2 ngày"
    note: str = ""


@dataclass(frozen=True)
class HandoverData:
    """The hand-over of a result: at the counter (who collected it) or to the post."""

    at: datetime
    method: str  # counter | post
    receiver_kind: str  # owner | authorized
    receiver_name: str
    receiver_id_number: str
    authorization: str
    papers: tuple[tuple[str, int], ...]
    fee_collected: int
    tracking: str
    address: str
    note: str
    clerk_name: str
    receiver_id_source: str = ""  # how the ID number was taken: "quét mã QR trên CCCD" | "nhập tay"
    receiver_birth_date: str = ""  # dd/mm/yyyy, from the card
    fee_receipt: str = ""  # the receipt issued for the fee collected ("AA-26P 1000002")
    result_form: str = ""  # "bản giấy" | "bản điện tử" | "cả bản giấy và bản điện tử" (issue 20); "" by post


def apology(r: ReceiptData, x: ExtensionData, version: str | None = None) -> list[Document]:
    """Mẫu 04: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (layout inferred, forms.md); the processing
    agency apologises (the office when none is named)."""
    return documents("04", _values(r, x.at, f"Số: {r.code}/PXL", **vars(x), letter_due=x.old_due_at,
                                   addressee_phone=r.owner_phone or "…", apologist=x.agency or r.office_name),
                     version)


def stop_notice(r: ReceiptData, s: StopData, version: str | None = None) -> list[Document]:
    """Mẫu 05: Thông báo dừng giải quyết hồ sơ (layout inferred: công văn, forms.md)."""
    return documents("05", _values(r, s.at, f"Số: {r.code}/TBDXL", at=s.at, signer=s.signer, withdrawn=s.withdrawn,
                                   stop_reason=s.reason, letter_due=r.due_at,
                                   addressee_phone=f"{r.owner_phone or '…'}    Email: {r.owner_email or '…'}"),
                     version)


def control_slip(r: ReceiptData, lines: tuple[ControlLine, ...], agency: str, partners: str = "",
                 handover: str = "", version: str | None = None) -> list[Document]:
    """Mẫu 06: Phiếu kiểm soát quá trình giải quyết hồ sơ, one row per hand-off; the code once (under the title),
    the person who received the dossier, and the hand-over deadline (Đ18) with whether it was kept."""
    return documents("06", _values(r, r.received_at, "", lines=lines, agency=agency, partners=partners,
                                   handover=handover), version)


def handover(r: ReceiptData, h: HandoverData, version: str | None = None) -> list[Document]:
    """Phiếu bàn giao kết quả: what was handed to whom (layout inferred from Mẫu 07's "Trả kết quả" columns)."""
    return documents("BG", _values(r, h.at, f"Số: {r.code}/BGKQ", **vars(h), by_post=h.method == "post",
                                   authorized=h.receiver_kind == "authorized",
                                   result_papers=[{"name": n, "count": c} for n, c in h.papers]), version)
