"""The contracts, declared once (design.md, "Contracts"): each event kind's payload, the wire event, the HTTP
bodies of the station API, and the dossier state's serialised form.

Derived from these declarations, not written again elsewhere:
- the reducer's input checks (lifecycle.apply validates every payload with `payload_errors`),
- the central server's validation of a pushed event (central/ingest.py: `WIRE_EVENT`, then the reducer),
- the station client's parsing of the server's answers (sync/client.py: `PUSH_RESPONSE`, `PULL_RESPONSE`),
- the OpenAPI schema of the station API (central/app.py: `openapi_components`),
- the dossier state as JSON on the server (`STATE`: state_json / state_from_json).

Payloads are validated as they are (strict: JSON types, no coercion), never rewritten: the hash covers the
payload the station wrote. Unknown keys are allowed (a newer station may send more), but every string
anywhere in a payload is checked for control characters and length (`_safe_strings`). Messages are
Vietnamese (`vi_messages`): one per field, with the field's label.

Adding a field to a dossier (the three places it needs): its payload model here (with its label in
FIELD_LABELS), the `DossierState` field in lifecycle.py (with the line of `_create` or `apply` that sets
it), and the `dossiers` column (models + a migration). The wire, the server's validation and its state
JSON follow from the first two (tests/domain/test_contracts.py shows it with a test-only field).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)
from pydantic import ValidationError as PydanticError

from counter.domain import codes
from counter.domain.catalogue import MAX_FEE, MAX_WORKING_DAYS
from counter.domain.cccd import CccdError, validate_id_number
from counter.domain.errors import CounterError
from counter.domain.intake import (
    APPLICANT_KINDS,
    CHANNELS,
    EMAIL_RE,
    clean_phone,
    parse_birth_date,
)
from counter.domain.text import TextError, clean_person_name

#: a string anywhere in a payload (notes, reasons, names of papers) is at most this long
MAX_TEXT = 5000
#: the largest integer the central tables hold (PostgreSQL BIGINT)
MAX_INT = 2**63 - 1
MAX_COUNT = 10_000  # copies of one paper


# ---- checked scalar types -----------------------------------------------------------------------------

#: the control characters (Unicode category Cc): C0, DEL and C1; free text may hold newline and tab
_CC = "\x00-\x1f\x7f-\x9f"
_CC_MULTILINE = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{_CC}]")
_CONTROL_MULTILINE = re.compile(f"[{_CC_MULTILINE}]")
#: the same two checks as patterns pydantic-core runs itself (no Python call for each string of each payload); a
#: mismatch is reported as _no_controls words it (_message), naming the first control character found
_LINE_PATTERN = f"^[^{_CC}]*$"
_TEXT_PATTERN = f"^[^{_CC_MULTILINE}]*$"


def _no_controls(value: str, multiline: bool = False) -> str:
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value)
    if found:
        raise ValueError(f"chứa ký tự điều khiển không hợp lệ (U+{ord(found.group()):04X})")
    return value


def _multiline(value: str) -> str:
    if _CONTROL_MULTILINE.search(value):
        _no_controls(value, multiline=True)
    return value


def _checked(check: Callable[[str], object], error: type[CounterError]) -> Callable[[str], str]:
    """A pydantic validator from a domain check: the value unchanged, or a ValueError with its message."""

    def validate(value: str) -> str:
        try:
            check(value)
        except error as exc:
            raise ValueError(exc.message) from None
        return value

    return validate


_person_name = _checked(clean_person_name, TextError)
_id_number = _checked(validate_id_number, CccdError)


def _phone(value: str) -> str:
    clean_phone(value)  # ValueError with its Vietnamese message
    return value


def _email(value: str) -> str:
    if not EMAIL_RE.match(value):
        raise ValueError(f"Email không hợp lệ: “{value[:100]}”")
    return value


def _birth_date(value: str) -> str:
    if len(value) != 10:
        raise ValueError(f"Ngày sinh không hợp lệ: “{value[:40]}” (yyyy-mm-dd)")
    parse_birth_date(value, None)
    return value


def _aware(value: str) -> str:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"thời điểm không hợp lệ: “{value[:40]}”") from None
    if at.utcoffset() is None:
        raise ValueError("thời điểm phải kèm múi giờ")
    return value


def _code(value: str) -> str:
    try:
        codes.parse_code(value)
    except codes.CodeError as exc:
        raise ValueError(exc.message) from None
    if value != value.strip().upper():
        raise ValueError(f"Mã hồ sơ không hợp lệ: “{value[:40]}”")
    return value


def _token(value: str) -> str:
    if not codes.TOKEN_RE.match(value):
        raise ValueError("mã tra cứu không đúng dạng")
    return value


def _agency(value: str) -> str:
    if not codes.AGENCY_RE.match(value):
        raise ValueError(f"Mã cơ quan không hợp lệ: “{value[:40]}”")
    return value


def _text_if_str(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"quá dài ({len(value)} ký tự, tối đa {MAX_TEXT})")
        _multiline(value)
    return value


def _channel(value: int) -> int:
    if value not in CHANNELS:
        raise ValueError(f"chỉ nhận {', '.join(map(str, CHANNELS))}, nhận được {value}")
    return value


def _applicant_kind(value: int) -> int:
    if value not in APPLICANT_KINDS:
        raise ValueError(f"chỉ nhận {', '.join(map(str, APPLICANT_KINDS))}, nhận được {value}")
    return value


def _empty(factory: Callable[[], Any]) -> Any:
    """An empty list or dict default, made fresh by `factory` (a literal [] or {} default is deep-copied on
    every validation: three copies a pushed event, issue 21); the schema still states the default."""
    return Field(default_factory=factory, json_schema_extra={"default": factory()})


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


#: one line of text: no control characters (NUL, ESC, newline...); lengths as Annotated[Line, Field(...)]
Line = Annotated[str, Field(pattern=_LINE_PATTERN)]
#: an optional field: None, or "" read as None (as the reducer always has): Annotated[T | None, Blank]
Blank = BeforeValidator(_blank_is_none)
Text = Annotated[str, Field(max_length=MAX_TEXT, pattern=_TEXT_PATTERN)]
#: a text the reducer itself requires (its message names what is missing): checked only when it is a string
Required = Annotated[Any, AfterValidator(_text_if_str)]
Id = Annotated[Line, Field(min_length=1, max_length=64)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
AwareTime = Annotated[str, Field(max_length=40), AfterValidator(_aware)]
PersonName = Annotated[str, Field(max_length=400), AfterValidator(_person_name)]
IdNumber = Annotated[str, Field(max_length=40), AfterValidator(_id_number)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
BirthDate = Annotated[str, AfterValidator(_birth_date)]
Address = Annotated[Line, Field(max_length=300)]
Code = Annotated[str, Field(max_length=64), AfterValidator(_code)]
Token = Annotated[str, AfterValidator(_token)]
Agency = Annotated[str, Field(max_length=64), AfterValidator(_agency)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Amount = Annotated[int, Field(ge=0, le=MAX_FEE)]
BigInt = Annotated[int, Field(ge=0, le=MAX_INT)]


def _safe_strings(value: Any, depth: int = 0) -> None:
    """Every string in a JSON value (keys too): no NUL, ESC or other control character but newline and tab,
    at most MAX_TEXT characters; at most 32 levels deep."""
    if depth > 32:
        raise ValueError("dữ liệu lồng quá sâu")
    if type(value) is str:
        if len(value) > MAX_TEXT:
            raise ValueError(f"có chuỗi quá dài ({len(value)} ký tự, tối đa {MAX_TEXT})")
        _multiline(value)
    elif type(value) is dict:
        for k, v in value.items():
            _safe_strings(k, depth + 1)
            _safe_strings(v, depth + 1)
    elif type(value) is list:
        for v in value:
            _safe_strings(v, depth + 1)


class _Payload(BaseModel):
    """A payload: JSON types as they are (strict), unknown keys allowed but their strings checked."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    @model_validator(mode="after")
    def _strings(self) -> Any:
        extra = self.__pydantic_extra__  # the unknown keys as given (the declared ones were checked by their types)
        if extra:
            for k, v in extra.items():
                _safe_strings(k)
                _safe_strings(v)
        return self


# ---- payloads -----------------------------------------------------------------------------------------

class Paper(_Payload):
    """One paper of a list (the checklist at intake, a Mẫu 02 list, the result papers handed over)."""

    name: Annotated[Line, Field(max_length=1000)]
    originals: Count = 0
    certified_copies: Count = 0
    photocopies: Count = 0
    count: Count = 0
    # an online dossier received at the counter (issue 15): the uploaded files of this paper, already digitized
    blobs: Annotated[list[Sha256], Field(max_length=100)] = _empty(list)
    digitization: Annotated[int, Field(ge=0, le=3)] = 0

    @model_validator(mode="after")
    def _named(self) -> Paper:
        if not self.name.strip():
            raise ValueError("mục không có tên")
        return self


class ChargeLinePayload(_Payload):
    """One line of what a dossier owes (fees.Line.as_json), written at intake (issue 18)."""

    kind: Literal["phi", "le_phi"]
    name: Annotated[Line, Field(min_length=1, max_length=500)]
    code: Annotated[Line, Field(max_length=64)] = ""
    unit: Literal["dossier", "copy", "page", "signature"] = "dossier"
    quantity: Annotated[int, Field(ge=0, le=10**8)] = 1
    amount: Amount
    detail: Annotated[Line, Field(max_length=500)] = ""
    exempt: Annotated[Line, Field(max_length=32)] = ""


class ExemptionPayload(_Payload):
    ground: Literal["merit", "poor", "disability", "on_time", "guardianship", "resident_marriage"]
    paper: Annotated[Line, Field(max_length=300)] = ""


class _Applicant(_Payload):
    """The first fields of a creating event's payload (CreatedPayload): the dossier, its procedure, who."""

    dossier_id: Id
    code: Code
    token: Token
    office_id: Agency
    procedure_code: Annotated[Line, Field(min_length=1, max_length=64)]
    procedure_name: Annotated[Line, Field(max_length=1000)] = ""
    field: Annotated[Line, Field(max_length=300)] = ""
    channel: Annotated[int, AfterValidator(_channel)] = 1
    owner_kind: Annotated[int, AfterValidator(_applicant_kind)] = 1
    owner_name: PersonName
    owner_id_number: Annotated[IdNumber | None, Blank] = None
    owner_birth_date: Annotated[BirthDate | None, Blank] = None
    owner_address: Annotated[Address | None, Blank] = None
    owner_phone: Annotated[Phone | None, Blank] = None
    owner_email: Annotated[Email | None, Blank] = None
    submitter_name: Annotated[PersonName | None, Blank] = None
    submitter_id_number: Annotated[IdNumber | None, Blank] = None
    submitter_phone: Annotated[Phone | None, Blank] = None


class _ReceiptTerms(_Payload):
    """The receipt's terms: declared once for a dossier received at the counter (CreatedPayload) and an online
    one received later (ReceivedOnlinePayload)."""

    sets: Annotated[int, Field(ge=1, le=50)] = 1
    book: Annotated[Line, Field(max_length=16)] = ""
    book_no: Annotated[Line, Field(max_length=32)] = ""
    working_days: Annotated[int, Field(ge=0, le=MAX_WORKING_DAYS)] = 0
    due_at: Annotated[AwareTime | None, Blank] = None
    fee: Amount = 0
    fee_paid: bool = False
    return_method: Literal["counter", "post"] = "counter"
    return_address: Annotated[Address | None, Blank] = None
    assignee_id: BigInt | None = None  # absent: the actor
    papers: list[Paper] = _empty(list)


class CreatedPayload(_ReceiptTerms, _Applicant):  # fields in this order: _Applicant's, _ReceiptTerms', these
    """The payload of an event that creates a dossier (registered, received, refused): who, what, when."""

    reason: Annotated[Text | None, Blank] = None
    form: Annotated[Annotated[Line, Field(max_length=8)] | None, Blank] = None
    charges: list[ChargeLinePayload] = _empty(list)  # issue 18: what is owed, line by line (their sum is `fee`)
    units: dict[Annotated[str, Field(max_length=16)], Count] = _empty(dict)  # pages, copies, signatures
    exemption: ExemptionPayload | None = None
    notify: Literal["none", "sms", "email"] | None = None  # the citizen's choice of notices (issue 19)
    #: issue 17 (Đ17.4): received to be resolved and returned at once ("trả ngay", services/on_the_spot.py);
    #: `slip_asked`: the citizen asked for Mẫu 01 all the same
    on_the_spot: bool = False
    slip_asked: bool = False

    @model_validator(mode="after")
    def _own_prefix(self) -> CreatedPayload:
        """A dossier code carries its office's identifier (domain.md, "Dossier code")."""
        if codes.parse_code(self.code).agency != self.office_id:
            raise ValueError(f"Mã hồ sơ {self.code} không mang mã cơ quan {self.office_id}")
        return self


#: the file types an online dossier's papers may be uploaded as (checked by their bytes: central/uploads.py)
FILE_MIMES = ("application/pdf", "image/jpeg", "image/png")
MAX_FILE_BYTES = 50 * 1024 * 1024  # the declaration's ceiling; the server's settings are lower
Name = Annotated[Line, Field(min_length=1, max_length=1000)]


class FileRef(_Payload):
    """One uploaded file of an online dossier: a blob by its SHA-256, for a paper of the checklist (or none)."""

    sha256: Sha256
    name: Annotated[Line, Field(min_length=1, max_length=255)]
    mime: Literal["application/pdf", "image/jpeg", "image/png"]
    size: Annotated[int, Field(ge=1, le=MAX_FILE_BYTES)]
    pages: Annotated[int, Field(ge=1, le=10_000)] = 1
    paper: Annotated[Name | None, Blank] = None  # the checklist paper's name it is for; None: other


Files = Annotated[list[FileRef], Field(max_length=200)]


class RegisteredPayload(CreatedPayload):
    """`registered`: an online dossier (status 1, channel 2) made by the office's online desk on the central
    server (or a station's own registration). `source`: "web" (the /nop page) or "portal" (the national
    portal, whose MaHoSo is the code: it may carry the portal's agency identifier)."""

    channel: Annotated[int, AfterValidator(_channel)] = 2
    files: Files = _empty(list)
    assisted: bool = False  # filed by a clerk helping the citizen ("hỗ trợ nộp trực tuyến"): counted apart
    source: Literal["web", "portal"] = "web"
    portal_digest: Sha256 | None = None  # the portal's dossier object as delivered (a repeat is "duplicate")

    @model_validator(mode="after")
    def _own_prefix(self) -> RegisteredPayload:
        if self.source != "portal" and codes.parse_code(self.code).agency != self.office_id:
            raise ValueError(f"Mã hồ sơ {self.code} không mang mã cơ quan {self.office_id}")
        return self


class ReceivedOnlinePayload(_ReceiptTerms):
    """`received` on an existing dossier in status 1 (an online dossier checked at the counter): the applicant
    stays as registered; this gives the receipt's numbers, the due date (from this moment, by the calendar
    rule) and the papers, each with the uploaded files that become its digitized copy (digitization 1)."""

    due_at: AwareTime  # required here


class RefusedOnlinePayload(_Payload):
    """`refused` on an existing dossier in status 1 (Mẫu 03: not this office's, or not acceptable)."""

    reason: Required = None
    form: Annotated[Annotated[Line, Field(max_length=8)] | None, Blank] = None
    papers: list[Paper] = _empty(list)


class MissingPaper(_Payload):
    """One paper an online dossier lacks or has wrong, and why (one line of the notice)."""

    name: Name
    reason: Annotated[Line, Field(min_length=1, max_length=1000)]


class OnlineIncompletePayload(_Payload):
    """`online_incomplete`: the counter asks, once and in full (NĐ 61 Đ17.2), for what an online dossier lacks
    before receiving it; status stays 1 and the citizen uploads from the tracking page. A second request on
    the same dossier needs `override_reason` and a supervisor (lifecycle, permissions)."""

    papers: Annotated[list[MissingPaper], Field(min_length=1, max_length=100)]
    note: Annotated[Text | None, Blank] = None
    override_reason: Annotated[Text | None, Blank] = None


class FilesAddedPayload(_Payload):
    """`files_added`: the citizen uploaded the missing files from the tracking page (authored by the server's
    online desk); status stays 1 and the dossier is back on the counter's waiting list."""

    files: Annotated[list[FileRef], Field(min_length=1, max_length=200)]


class ReasonPayload(_Payload):
    reason: Required = None


class SupplementPayload(ReasonPayload):
    """`supplement_requested` (Mẫu 02): a second request on one dossier needs `override_reason` (a supervisor)."""

    override_reason: Annotated[Text | None, Blank] = None


class NotePayload(_Payload):
    text: Required = None


class FeePayload(_Payload):
    amount: Any = None  # the reducer's own message for a missing or unreadable amount (lifecycle._amount)


class Receipt(_Payload):
    """A receipt (biên lai thu phí, lệ phí): form symbol, series symbol, number in the station's block."""

    form: Annotated[Line, Field(min_length=1, max_length=32)]
    series: Annotated[Line, Field(min_length=1, max_length=32)]
    number: Annotated[str, Field(pattern=r"^\d{7}$")]


class FeePaidPayload(_Payload):
    """fee_paid. An old event holds only `amount` (and a free `method`); a new one (issue 18) the method, the
    receipt (cash, transfer) or the portal's reference (online), and the payer."""

    amount: Any = None
    method: Annotated[Line, Field(max_length=16)] | None = None
    receipt: Receipt | None = None
    reference: Annotated[Line, Field(min_length=1, max_length=100)] | None = None
    payer: Annotated[Line, Field(max_length=400)] = ""


class RefundPayload(_Payload):
    amount: Any = None
    reason: Required = None


class ReceiptCancelledPayload(_Payload):
    """A wrong receipt cancelled with a reason and a new one issued in its place (the cancelled keeps its
    number, marked)."""

    number: Annotated[str, Field(pattern=r"^\d{7}$")]
    reason: Required = None
    replacement: Receipt
    payer: Annotated[Line, Field(max_length=400)] = ""


class DuePayload(_Payload):
    due_at: Annotated[AwareTime | None, Blank] = None
    reason: Required = None


class AssignPayload(_Payload):
    assignee_id: BigInt | None = None


class RatingPayload(_Payload):
    """A rating the citizen gave at the counter (issue 19): domain.voice.RATINGS and RATING_REASONS."""

    value: Literal["very_satisfied", "satisfied", "unsatisfied"]
    reason: Literal["fast", "helpful", "late", "many_trips", "attitude"] | None = None
    channel: Literal["counter"] = "counter"


class ResultPayload(_Payload):
    """result_issued (issue 20): the electronic result, a PDF blob signed by the official."""

    name: Annotated[Line, Field(min_length=1, max_length=1000)]
    blobs: Annotated[list[Sha256], Field(min_length=1, max_length=20)]
    pages: Annotated[int, Field(ge=0, le=100000)] = 0
    signed_by: Annotated[Line, Field(max_length=300)] = ""
    data_store: bool = False  # to be pushed to the citizen's data store (DanhSachGiayToKetQua)


class AnyPayload(_Payload):
    """Kinds whose payload the reducer checks against the dossier (hand-offs, returns, corrections)."""


#: each event kind's payload (lifecycle.EventKind values)
PAYLOADS: dict[str, type[_Payload]] = {
    "registered": RegisteredPayload, "received": CreatedPayload, "refused": CreatedPayload,
    "supplement_requested": SupplementPayload, "withdrawn": ReasonPayload, "stopped": ReasonPayload,
    "voided": ReasonPayload, "note_added": NotePayload, "fee_requested": FeePayload,
    "fee_paid": FeePaidPayload, "fee_refunded": RefundPayload, "receipt_cancelled": ReceiptCancelledPayload,
    "extended": DuePayload, "supplement_received": DuePayload, "reassigned": AssignPayload,
    "online_incomplete": OnlineIncompletePayload, "files_added": FilesAddedPayload,
    "verification_extended": DuePayload, "refused_after_appraisal": ReasonPayload,
    "rated": RatingPayload,
    "result_issued": ResultPayload,
}
#: the payload of a kind that creates a dossier when it comes on an existing one (status 1: an online dossier)
ON_EXISTING: dict[str, type[_Payload]] = {"received": ReceivedOnlinePayload, "refused": RefusedOnlinePayload}
_ADAPTERS: dict[str, TypeAdapter[Any]] = {}
PAPERS: TypeAdapter[list[Paper]] = TypeAdapter(list[Paper])

#: Vietnamese labels of payload fields, for messages
FIELD_LABELS: dict[str, str] = {
    "dossier_id": "mã định danh hồ sơ", "code": "mã hồ sơ", "token": "mã tra cứu", "office_id": "mã cơ quan",
    "procedure_code": "mã thủ tục", "procedure_name": "tên thủ tục", "field": "lĩnh vực", "channel": "kênh nộp",
    "owner_kind": "loại đối tượng", "owner_name": "họ tên chủ hồ sơ", "owner_id_number": "số định danh (CCCD)",
    "owner_birth_date": "ngày sinh", "owner_address": "địa chỉ", "owner_phone": "số điện thoại",
    "owner_email": "email", "submitter_name": "họ tên người nộp", "submitter_id_number": "số định danh người nộp",
    "submitter_phone": "số điện thoại người nộp", "sets": "số bộ hồ sơ", "book": "quyển số",
    "book_no": "số thứ tự", "working_days": "số ngày làm việc", "due_at": "ngày hẹn trả", "fee": "phí, lệ phí",
    "fee_paid": "đã nộp phí", "return_method": "hình thức nhận kết quả", "return_address": "địa chỉ nhận kết quả",
    "assignee_id": "cán bộ được giao", "papers": "danh sách giấy tờ", "reason": "lý do", "form": "mẫu",
    "text": "nội dung ghi chú", "blobs": "danh sách tệp", "pages": "số trang", "signed_by": "người ký",
    "data_store": "đưa vào kho dữ liệu", "name": "tên", "originals": "số bản chính",
    "certified_copies": "số bản chứng thực", "photocopies": "số bản photo", "count": "số lượng",
    "files": "danh sách tệp", "sha256": "mã băm tệp", "mime": "loại tệp", "size": "dung lượng tệp",
    "paper": "giấy tờ của tệp", "assisted": "hỗ trợ nộp", "source": "nguồn hồ sơ",
    "digitization": "trạng thái số hóa", "note": "ghi chú",
    "override_reason": "lý do yêu cầu bổ sung lần nữa", "portal_digest": "mã băm hồ sơ của Cổng",
    "charges": "các khoản phí, lệ phí", "units": "số lượng tính phí", "exemption": "miễn phí, lệ phí",
    "ground": "căn cứ miễn", "quantity": "số lượng", "amount": "số tiền",
    "detail": "cách tính", "exempt": "căn cứ miễn", "unit": "đơn vị tính", "receipt": "biên lai",
    "series": "ký hiệu biên lai", "number": "số biên lai", "reference": "mã giao dịch", "payer": "người nộp tiền",
    "replacement": "biên lai thay thế", "method": "hình thức nộp",
    "notify": "cách nhận thông báo", "value": "mức đánh giá",  # issue 19
    "on_the_spot": "trả ngay", "slip_asked": "công dân yêu cầu giấy tiếp nhận (Mẫu 01)",  # issue 17
    # the wire event
    "id": "mã sự kiện", "station_id": "mã máy trạm", "station_seq": "số thứ tự của máy trạm",
    "parent": "sự kiện trước", "kind": "loại sự kiện", "actor_id": "người thực hiện", "at": "thời điểm",
    "payload": "nội dung", "prev_hash": "mã băm trước", "hash": "mã băm", "actor": "người thực hiện",
    "events": "danh sách sự kiện", "office": "thông tin cơ quan",
    # the office a push carries (OFFICE_FIELDS; "name" is above)
    "phone": "số điện thoại", "address": "địa chỉ", "parent_name": "cơ quan chủ quản", "place_name": "địa danh",
}


def adapter(kind: str, existing: bool = False) -> TypeAdapter[Any]:
    """The payload check of a kind; `existing`: a creating kind on a dossier that exists (ON_EXISTING)."""
    key = f"{kind}@" if existing and kind in ON_EXISTING else kind
    found = _ADAPTERS.get(key)
    if found is None:
        model = ON_EXISTING[kind] if key != kind else PAYLOADS.get(kind, AnyPayload)
        found = _ADAPTERS[key] = TypeAdapter(model)
    return found


def _label(loc: tuple[Any, ...]) -> str:
    names = [str(p) for p in loc if isinstance(p, str) and p not in ("function-after", "function-before")]
    if not names:
        return "nội dung"
    label = FIELD_LABELS.get(names[-1], names[-1])
    index = next((p for p in loc if isinstance(p, int)), None)
    if len(names) > 1 and names[0] in FIELD_LABELS:
        outer = FIELD_LABELS[names[0]]
        label = f"{label} (mục {index + 1} của {outer})" if index is not None else f"{label} ({outer})"
    return label


def _message(err: Mapping[str, Any]) -> str:
    label = _label(tuple(err.get("loc", ())))
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"thiếu {label}"
    if kind == "value_error":
        why = str(ctx.get("error", "")) or "không hợp lệ"
        return f"{label}: {why}"
    if kind in ("string_too_long", "too_long"):
        return f"{label} quá dài (tối đa {ctx.get('max_length')})"
    if kind in ("string_too_short", "too_short"):
        return f"{label} không được để trống"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label} phải từ {ctx.get('ge', ctx.get('gt'))} trở lên, nhận được {_shown(err.get('input'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{label} tối đa {ctx.get('le', ctx.get('lt'))}, nhận được {_shown(err.get('input'))}"
    if kind == "literal_error":
        return f"{label} không hợp lệ: {_shown(err.get('input'))} (chỉ nhận {ctx.get('expected')})"
    if kind.endswith(("_type", "_parsing")):
        return f"{label} sai kiểu dữ liệu ({_shown(err.get('input'))})"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        if pattern in (_LINE_PATTERN, _TEXT_PATTERN) and isinstance(err.get("input"), str):
            try:
                _no_controls(err["input"], multiline=pattern == _TEXT_PATTERN)
            except ValueError as exc:
                return f"{label}: {exc}"
        return f"{label} không đúng dạng"
    if kind == "model_type" or kind == "dict_type":
        return f"{label} phải là một đối tượng JSON"
    return f"{label} không hợp lệ"


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 40 else text[:37] + "…"


def vi_messages(exc: PydanticError) -> list[str]:
    """One Vietnamese message per problem pydantic found, with the field's label."""
    return [_message(e) for e in exc.errors(include_url=False)]


def payload_errors(kind: str, payload: Mapping[str, Any], existing: bool = False) -> tuple[Any, list[str]]:
    """(the validated payload model, []) or (None, the Vietnamese messages). `existing`: see `adapter`."""
    try:
        return adapter(kind, existing).validate_python(payload), []
    except PydanticError as exc:
        return None, vi_messages(exc)


# ---- the wire event and the HTTP bodies (notes/sync-api.md) -------------------------------------------

class WireActor(BaseModel):
    """Who acted, as the station names them (outside the hash)."""

    model_config = ConfigDict(extra="allow")

    username: Annotated[Line, Field(max_length=100)] = ""
    full_name: Annotated[Line, Field(max_length=400)] = ""
    role: Annotated[Line, Field(max_length=32)] | None = None


class WireEvent(BaseModel):
    """An event as it travels: the hashed body (BODY_KEYS), both hashes and who acted."""

    model_config = ConfigDict(strict=True, extra="allow")

    id: Id
    dossier_id: Id
    office_id: Annotated[Line, Field(min_length=1, max_length=64)]
    station_id: Id
    station_seq: Annotated[int, Field(ge=1, le=MAX_INT)]
    parent: Id | None = None
    kind: Annotated[Line, Field(min_length=1, max_length=32)]
    actor_id: BigInt | None = None
    at: AwareTime
    payload: dict[str, Any]
    prev_hash: Sha256
    hash: Sha256
    actor: WireActor | None = None


#: the keys the event hash covers, in the order a station writes them
BODY_KEYS = ("id", "dossier_id", "office_id", "station_id", "station_seq", "parent", "kind", "actor_id", "at",
             "payload")
WIRE_EVENT: TypeAdapter[WireEvent] = TypeAdapter(WireEvent)


class OfficeInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[Line, Field(max_length=64)] | None = None
    name: Annotated[Line, Field(max_length=300)] = ""
    phone: Annotated[Line, Field(max_length=40)] = ""
    address: Annotated[Line, Field(max_length=300)] = ""
    parent_name: Annotated[Line, Field(max_length=300)] = ""  # e.g. "UBND XÃ PHỤC LINH" (Mẫu 01's header)
    place_name: Annotated[Line, Field(max_length=100)] = ""  # the địa danh of "…, ngày … tháng … năm …"


#: what of the office a push carries (the station's offices row; the server keeps each in central_offices)
OFFICE_FIELDS = ("name", "phone", "address", "parent_name", "place_name")


#: the most events one push may carry (issue 21: 1000, so a batch's fixed cost, ~10 ms, is 10 µs an event)
MAX_BATCH = 1000
#: what a server that does not say its MAX_BATCH in its answer takes (the limit before issue 21)
LEGACY_BATCH = 100


class PushRequest(BaseModel):
    """`POST /api/v1/events`. Each event is checked on its own (a bad one is rejected, the others settle)."""

    station_id: Id
    office: OfficeInfo | None = None
    events: Annotated[list[Any], Field(max_length=MAX_BATCH)]


PushStatus = Literal["accepted", "duplicate", "rejected", "retry"]


class PushResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Any  # the event's id as sent (None when the event was not an object)
    status: PushStatus
    office_seq: int | None = None
    reason: str | None = None


class PushResponse(BaseModel):
    results: list[PushResult]
    server_time: str | None = None
    #: the most events this server takes in one push (its MAX_BATCH); absent from an older server's answer
    max_batch: Annotated[int, Field(ge=1)] | None = None


class PulledEvent(WireEvent):
    office_seq: Annotated[int, Field(ge=1)]
    status: Literal["accepted"] = "accepted"


class PullResponse(BaseModel):
    """`GET /api/v1/events?after=CURSOR&limit=N`."""

    events: list[PulledEvent]
    cursor: str
    has_more: bool


class MissingBlobsRequest(BaseModel):
    hashes: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=10_000)]


class MissingBlobsResponse(BaseModel):
    missing: list[str]


class BlobStored(BaseModel):
    sha256: Sha256
    stored: bool


PUSH_REQUEST: TypeAdapter[PushRequest] = TypeAdapter(PushRequest)
PUSH_RESPONSE: TypeAdapter[PushResponse] = TypeAdapter(PushResponse)
PULL_RESPONSE: TypeAdapter[PullResponse] = TypeAdapter(PullResponse)
MISSING_BLOBS: TypeAdapter[MissingBlobsRequest] = TypeAdapter(MissingBlobsRequest)


def openapi_components() -> dict[str, Any]:
    """The JSON schemas of the station API's bodies, for the OpenAPI document's components/schemas."""
    from pydantic.json_schema import models_json_schema

    _, top = models_json_schema([(m, "validation") for m in (PushRequest, PushResponse, PullResponse,
                                                             MissingBlobsRequest, MissingBlobsResponse,
                                                             BlobStored, WireEvent, CreatedPayload)],
                                ref_template="#/components/schemas/{model}")
    return top["$defs"]


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` of a route that reads its body itself (for speed, or for Vietnamese messages)."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}
