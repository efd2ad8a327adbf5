"""What a clerk types at intake, and the rules it must meet before anything is written."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from counter.domain.cccd import CccdError, validate_id_number
from counter.domain.errors import CounterError
from counter.domain.text import TextError, clean_person_name, nfc

PHONE_RE = re.compile(r"^(?:\+84|84|0)(?:3|5|7|8|9|2\d)\d{7,8}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
APPLICANT_KINDS = {1: "Công dân", 2: "Doanh nghiệp", 3: "Cơ quan nhà nước", 4: "Tổ chức khác"}
CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}


class ValidationError(CounterError):
    """One message per field (keys are form field names); the summary lists them all."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("Chưa thể lưu: " + "; ".join(errors.values()))


@dataclass(frozen=True)
class PaperInput:
    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0


@dataclass(frozen=True)
class Applicant:
    name: str
    kind: int = 1
    id_number: str | None = None
    birth_date: str | None = None  # YYYY-MM-DD or DD/MM/YYYY
    address: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ReceiveRequest:
    procedure_code: str
    owner: Applicant
    papers: tuple[PaperInput, ...]
    submitter: Applicant | None = None
    sets: int = 1
    channel: int = 1
    return_method: str = "counter"  # counter | post
    return_address: str | None = None
    fee_paid: bool = False
    extra_papers: tuple[str, ...] = field(default_factory=tuple)
    units: Mapping[str, Any] | None = None  # issue 18: pages, copies, signatures the charges need (None: one each)
    exemption_ground: str = ""  # issue 18: fees.GROUNDS
    exemption_paper: str = ""  # the paper that proves it
    notify: str | None = None  # the citizen's choice of notices: none | sms | email (None: not asked)


def parse_birth_date(text: str, today: date | None) -> str:
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text) or None
    try:
        d = date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"Ngày sinh không hợp lệ: “{text}” (dd/mm/yyyy)") from None
    if today is not None and d > today:
        raise ValueError(f"Ngày sinh {d:%d/%m/%Y} ở tương lai")
    if d.year < 1900:
        raise ValueError(f"Ngày sinh {d:%d/%m/%Y} không hợp lý")
    return d.isoformat()


def clean_phone(text: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", text)
    if not PHONE_RE.match(digits):
        raise ValueError(f"Số điện thoại không hợp lệ: “{text}”")
    return digits


def clean_applicant(a: Applicant, prefix: str, today: date | None, errors: dict[str, str]) -> Applicant:
    """Normalize (NFC, trimmed) and check one applicant; problems go into `errors` under prefix_field."""
    values = {"kind": a.kind, "name": a.name, "id_number": None, "birth_date": None, "address": None,
              "phone": None, "email": None}
    try:
        values["name"] = clean_person_name(a.name)
    except TextError as exc:
        errors[f"{prefix}_name"] = exc.message
    if a.kind not in APPLICANT_KINDS:
        errors[f"{prefix}_kind"] = f"Loại đối tượng không hợp lệ: {a.kind}"
    if a.id_number and a.id_number.strip():
        try:
            values["id_number"] = validate_id_number(a.id_number)
        except CccdError as exc:
            errors[f"{prefix}_id_number"] = exc.message
    if a.birth_date and a.birth_date.strip():
        try:
            values["birth_date"] = parse_birth_date(a.birth_date, today)
        except ValueError as exc:
            errors[f"{prefix}_birth_date"] = str(exc)
    if a.phone and a.phone.strip():
        try:
            values["phone"] = clean_phone(a.phone)
        except ValueError as exc:
            errors[f"{prefix}_phone"] = str(exc)
    if a.email and a.email.strip():
        if EMAIL_RE.match(a.email.strip()):
            values["email"] = a.email.strip()
        else:
            errors[f"{prefix}_email"] = f"Email không hợp lệ: “{a.email.strip()}”"
    if a.address and a.address.strip():
        address = nfc(a.address)
        if any(ord(c) < 32 for c in address) or len(address) > 300:
            errors[f"{prefix}_address"] = "Địa chỉ chứa ký tự không hợp lệ hoặc quá dài"
        values["address"] = address
    return Applicant(**values)  # type: ignore[arg-type]


#: the applicant's details a correction may change (lifecycle `corrected`), with their labels
CORRECTABLE: dict[str, str] = {
    "owner_name": "Họ tên chủ hồ sơ",
    "owner_id_number": "Số định danh (CCCD)",
    "owner_birth_date": "Ngày sinh",
    "owner_address": "Địa chỉ",
    "owner_phone": "Số điện thoại",
    "submitter_name": "Họ tên người nộp",
    "submitter_id_number": "Số định danh người nộp",
    "submitter_phone": "Số điện thoại người nộp",
}


def clean_fields(values: Mapping[str, str | None], today: date | None) -> dict[str, str | None]:
    """New values for some of the CORRECTABLE fields, checked and normalized by the intake rules
    (clean_applicant); an empty value clears the field, except the owner's name. ValidationError otherwise."""
    errors: dict[str, str] = {}
    out: dict[str, str | None] = {}
    for key, value in values.items():
        if key not in CORRECTABLE:
            errors[key] = f"Không sửa được trường “{key}”"
        elif value is not None and not isinstance(value, str):
            errors[key] = f"{CORRECTABLE[key]} không hợp lệ"
    for prefix in ("owner", "submitter"):
        mine = {k.split("_", 1)[1]: (v or "").strip() for k, v in values.items()
                if k in CORRECTABLE and k.startswith(prefix + "_") and k not in errors}
        if not mine:
            continue
        found: dict[str, str] = {}
        cleaned = clean_applicant(Applicant(name=mine.get("name", ""), id_number=mine.get("id_number"),
                                            birth_date=mine.get("birth_date"), address=mine.get("address"),
                                            phone=mine.get("phone")), prefix, today, found)
        if "name" not in mine or (prefix == "submitter" and not mine["name"]):
            found.pop(f"{prefix}_name", None)  # not changed, or the submitter's cleared
        errors.update(found)
        for name in mine:
            out[f"{prefix}_{name}"] = getattr(cleaned, name) or None
    if errors:
        raise ValidationError(errors)
    return out


def validate(req: ReceiveRequest, required_papers: list[str], allowed_channels: tuple[int, ...],
             today: date | None) -> ReceiveRequest:
    """The whole form at once: returns the normalized request or raises ValidationError with every problem."""
    errors: dict[str, str] = {}
    owner = clean_applicant(req.owner, "owner", today, errors)
    submitter = clean_applicant(req.submitter, "submitter", today, errors) if req.submitter else None
    ticked = {nfc(p.name) for p in req.papers}
    missing = [name for name in required_papers if nfc(name) not in ticked]
    if missing:
        errors["papers"] = "Thiếu giấy tờ bắt buộc: " + "; ".join(missing)
    for p in req.papers:
        if min(p.originals, p.certified_copies, p.photocopies) < 0 or \
                p.originals + p.certified_copies + p.photocopies == 0:
            errors["papers"] = f"Số bản của “{p.name}” không hợp lệ"
    extras = tuple(nfc(x) for x in req.extra_papers if x.strip())
    if not 1 <= req.sets <= 50:
        errors["sets"] = "Số bộ hồ sơ phải từ 1 đến 50"
    if req.channel not in allowed_channels:
        errors["channel"] = f"Thủ tục không nhận hồ sơ qua kênh “{CHANNELS.get(req.channel, req.channel)}”"
    address = nfc(req.return_address) if req.return_address else None
    if req.return_method not in ("counter", "post"):
        errors["return_method"] = "Chọn nơi nhận kết quả: tại quầy hoặc qua bưu chính"
    elif req.return_method == "post" and not address:
        errors["return_address"] = "Nhận kết quả qua bưu chính: cần địa chỉ nhận"
    if req.notify not in (None, "none", "sms", "email"):
        errors["notify"] = "Chọn cách nhận thông báo: không nhận, SMS hoặc e-mail"
    elif req.notify == "sms" and not owner.phone:
        errors["notify"] = "Nhận thông báo qua SMS: cần số điện thoại"
    elif req.notify == "email" and not owner.email:
        errors["notify"] = "Nhận thông báo qua e-mail: cần địa chỉ e-mail"
    if errors:
        raise ValidationError(errors)
    papers = tuple(PaperInput(nfc(p.name), p.originals, p.certified_copies, p.photocopies) for p in req.papers)
    papers += tuple(PaperInput(x, 0, 0, 1) for x in extras)
    return ReceiveRequest(req.procedure_code, owner, papers, submitter, req.sets, req.channel, req.return_method,
                          address if req.return_method == "post" else None, req.fee_paid, (), req.units,
                          req.exemption_ground, req.exemption_paper, req.notify)
