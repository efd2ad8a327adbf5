"""The citizen's voice (issue 19): ratings, complaints and the notices the law requires, as pure rules.

Everything a supervisor or a lawyer could argue about lives here: the rating scale and its reasons, the
complaint categories and their deadline, what a public text may hold, which accepted event makes which
notice, the notices' Vietnamese wording (data: one template per kind, with the full diacritics for e-mail and
an unaccented variant for SMS gateways that need it), the retry schedule, and the 766 ratios 5.2-5.4.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from counter.domain.calendar import format_vn
from counter.domain.errors import CounterError

# --- ratings ------------------------------------------------------------------------------------------------

#: the three answers, keypad 1-3 at the counter, in this order on the tracking page
RATINGS: dict[str, str] = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "unsatisfied": "Không hài lòng",
}
SATISFIED = frozenset({"very_satisfied", "satisfied"})
#: the optional reasons (short list, keypad 1-5 after the answer)
RATING_REASONS: dict[str, str] = {
    "fast": "Giải quyết nhanh, đúng hẹn",
    "helpful": "Cán bộ tận tình, hướng dẫn rõ",
    "late": "Trả kết quả trễ hẹn",
    "many_trips": "Phải đi lại nhiều lần",
    "attitude": "Thái độ phục vụ chưa tốt",
}
RATING_CHANNELS = {"counter": "tại quầy", "web": "trên trang tra cứu"}


class VoiceError(CounterError):
    """A public form's input refused, with the Vietnamese message shown to the citizen."""


def check_rating(value: Any, reason: Any = None) -> tuple[str, str | None]:
    if not isinstance(value, str) or value not in RATINGS:
        raise VoiceError("Vui lòng chọn một mức đánh giá: Rất hài lòng, Hài lòng hoặc Không hài lòng.")
    if reason in ("", None):
        return value, None
    if not isinstance(reason, str) or reason not in RATING_REASONS:
        raise VoiceError("Lý do đánh giá không có trong danh sách.")
    return value, reason


# --- complaints ---------------------------------------------------------------------------------------------

COMPLAINT_CATEGORIES: dict[str, str] = {
    "complaint": "Phản ánh",
    "suggestion": "Kiến nghị",
}
COMPLAINT_ABOUT: dict[str, str] = {
    "dossier": "Về hồ sơ này",
    "procedure": "Về thủ tục hành chính",
    "staff": "Về cán bộ, công chức",
}
COMPLAINT_STATES: dict[str, str] = {
    "open": "Đã tiếp nhận, đang xử lý",
    "assigned": "Đã giao người xử lý",
    "answered": "Đã trả lời",
    "closed": "Đã kết thúc",
}
MAX_COMPLAINT = 2000  # characters of a complaint's text
MAX_ANSWER = 4000
MIN_COMPLAINT = 10
DEFAULT_COMPLAINT_DAYS = 10  # working days to answer (an office setting: [server] complaint_days)

_MARKUP = re.compile(r"[<>]|&#?\w+;")


def clean_public_text(text: Any, *, field: str, limit: int, minimum: int = 0) -> str:
    """Text typed by anyone on a public form: NFC, no markup, no emoji or other pictographs, no control
    characters but newlines, at most `limit` characters. VoiceError in Vietnamese otherwise."""
    if not isinstance(text, str):
        raise VoiceError(f"Thiếu {field}.")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise VoiceError(f"{field.capitalize()} quá dài ({len(text)} ký tự, tối đa {limit}).")
    if len(text) < minimum:
        raise VoiceError(f"{field.capitalize()} quá ngắn: vui lòng viết ít nhất {minimum} ký tự.")
    if _MARKUP.search(text):
        raise VoiceError(f"{field.capitalize()} không được chứa mã HTML hoặc ký tự “<”, “>”.")
    for c in text:
        cat = unicodedata.category(c)
        if ord(c) > 0xFFFF or cat in ("So", "Cs", "Co", "Cn") or c in "\u200d\ufe0f":
            raise VoiceError(f"{field.capitalize()} chỉ được chứa chữ, số và dấu câu (không dùng biểu tượng cảm xúc).")
        if cat.startswith("C") and c not in "\n\t":
            raise VoiceError(f"{field.capitalize()} chứa ký tự điều khiển không hợp lệ.")
    return text


def complaint_code(office_id: str, at: datetime, n: int) -> str:
    """PA-{office}-{yyMMdd}-{NNN}: the code the citizen quotes."""
    return f"PA-{office_id}-{at:%y%m%d}-{n:03d}"


# --- notices ------------------------------------------------------------------------------------------------

NOTICE_LABELS: dict[str, str] = {
    "received": "tiếp nhận hồ sơ",
    "papers_missing": "yêu cầu bổ sung giấy tờ",
    "moved": "hẹn lại ngày trả kết quả",
    "ready": "có kết quả",
    "ready_early": "có kết quả sớm hơn hẹn",
    "returned": "đã trả kết quả",
    "online_filed": "đã nộp hồ sơ trực tuyến",
    "online_received": "hồ sơ trực tuyến được tiếp nhận",
    "online_refused": "hồ sơ trực tuyến không được tiếp nhận",
}
CHANNEL_LABELS = {"email": "e-mail", "sms": "SMS"}
CHOICES = ("none", "sms", "email")  # the citizen's choice at intake

#: kind -> (e-mail subject, e-mail body, SMS text). Placeholders: {code} {procedure} {due} {link} {rate_link}
#: {papers} {reason} {office} {phone}. The SMS text is sent without diacritics where the gateway needs it.
TEMPLATES: dict[str, tuple[str, str, str]] = {
    "received": (
        "Đã tiếp nhận hồ sơ {code}",
        "{office} đã tiếp nhận hồ sơ {code} ({procedure}).\nNgày hẹn trả kết quả: {due}.\n"
        "Tra cứu tiến độ: {link}\nĐiện thoại: {phone}",
        "{office}: da tiep nhan ho so {code}, hen tra {due}. Tra cuu: {link}"),
    "papers_missing": (
        "Hồ sơ {code} cần bổ sung giấy tờ",
        "Hồ sơ {code} ({procedure}) cần bổ sung các giấy tờ sau:\n{papers}\nLý do: {reason}\n"
        "Vui lòng mang đến {office}. Tra cứu: {link}",
        "Ho so {code} can bo sung: {papers}. Tra cuu: {link}"),
    "moved": (
        "Xin lỗi: hồ sơ {code} được hẹn lại ngày trả",
        "{office} xin lỗi ông/bà: hồ sơ {code} ({procedure}) chưa giải quyết kịp hạn.\nLý do: {reason}\n"
        "Ngày hẹn trả mới: {due}.\nTra cứu: {link}",
        "{office} xin loi: ho so {code} hen tra lai ngay {due}. Ly do: {reason}. Tra cuu: {link}"),
    "ready": (
        "Hồ sơ {code} đã có kết quả",
        "Hồ sơ {code} ({procedure}) đã có kết quả. Mời ông/bà đến {office} nhận kết quả.\nTra cứu: {link}",
        "Ho so {code} da co ket qua, moi den nhan tai {office}. Tra cuu: {link}"),
    "ready_early": (
        "Hồ sơ {code} đã có kết quả sớm hơn ngày hẹn",
        "Hồ sơ {code} ({procedure}) đã có kết quả sớm hơn ngày hẹn ({due}). Mời ông/bà đến {office} "
        "nhận kết quả từ hôm nay.\nTra cứu: {link}",
        "Ho so {code} da co ket qua som hon hen ({due}), moi den nhan tai {office}. Tra cuu: {link}"),
    "returned": (
        "Đã trả kết quả hồ sơ {code}",
        "{office} đã trả kết quả hồ sơ {code} ({procedure}). Cảm ơn ông/bà.\n"
        "Mời ông/bà đánh giá sự hài lòng: {rate_link}",
        "Da tra ket qua ho so {code}. Moi danh gia su hai long: {rate_link}"),
    "online_filed": (
        "Đã nhận hồ sơ trực tuyến {code}",
        "{office} đã nhận hồ sơ trực tuyến {code} ({procedure}) của ông/bà và sẽ kiểm tra trong thời gian "
        "sớm nhất.\nTra cứu: {link}",
        "{office}: da nhan ho so truc tuyen {code}. Tra cuu: {link}"),
    "online_received": (
        "Hồ sơ trực tuyến {code} đã được tiếp nhận",
        "Hồ sơ trực tuyến {code} ({procedure}) đã được tiếp nhận. Ngày hẹn trả kết quả: {due}.\nTra cứu: {link}",
        "Ho so truc tuyen {code} da duoc tiep nhan, hen tra {due}. Tra cuu: {link}"),
    "online_refused": (
        "Hồ sơ trực tuyến {code} không được tiếp nhận",
        "Hồ sơ trực tuyến {code} ({procedure}) không được tiếp nhận.\nLý do: {reason}\nTra cứu: {link}",
        "Ho so truc tuyen {code} khong duoc tiep nhan. Ly do: {reason}. Tra cuu: {link}"),
}


def strip_marks(s: str) -> str:
    """"Hồ sơ Đã" -> "Ho so Da": the Vietnamese letters without their marks, case kept (for SMS)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def notice_kind(kind: str, before_status: int | None, state: Any) -> str | None:
    """Which notice an accepted event makes (None: none). `before_status`: the dossier's status before the
    event (None for a new dossier); `state`: the DossierState after it."""
    online = getattr(state, "channel", 1) == 2
    if kind == "registered":
        return "online_filed"
    if kind == "received":
        return "online_received" if before_status == 1 else "received"
    if kind == "refused":
        return "online_refused" if before_status == 1 or online else None
    if kind == "supplement_requested":
        return "papers_missing"
    if kind == "extended":
        return "moved"
    if kind == "resolved":
        due = getattr(state, "due_at", None)
        done = getattr(state, "resolved_at", None)
        early = due is not None and done is not None and done.astimezone(due.tzinfo).date() < due.date()
        return "ready_early" if early else "ready"
    if kind == "returned":
        return "returned"
    return None


def recipients(choice: str | None, phone: str | None, email: str | None) -> list[tuple[str, str]]:
    """(channel, address) the citizen chose at intake. No choice recorded (older dossiers, online ones):
    the SMS number if there is one, else the e-mail address."""
    if choice == "none":
        return []
    if choice == "sms":
        return [("sms", phone)] if phone else []
    if choice == "email":
        return [("email", email)] if email else []
    if phone:
        return [("sms", phone)]
    return [("email", email)] if email else []


@dataclass(frozen=True)
class Message:
    subject: str
    text: str


def render(kind: str, channel: str, values: dict[str, Any], *, sms_ascii: bool = True) -> Message:
    subject, body, sms = TEMPLATES[kind]
    papers = values.get("papers") or []
    safe = {k: ("" if v is None else str(v)) for k, v in values.items() if k != "papers"}
    safe["papers"] = ", ".join(papers) if channel == "sms" else "\n".join(f"- {p}" for p in papers)
    if channel == "sms":
        text = sms.format_map(_Blank(safe))
        return Message("", strip_marks(text) if sms_ascii else text)
    return Message(subject.format_map(_Blank(safe)), body.format_map(_Blank(safe)))


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "…"


def aware(dt: datetime) -> datetime:
    """A stored time read back: SQLite (the one-machine demo) returns it without its zone; it is UTC."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def when(dt: datetime | None) -> str:
    return format_vn(aware(dt)) if dt is not None else "…"


def mask_address(channel: str, address: str) -> str:
    """"0912345678" -> "0912…678", "an@mail.vn" -> "a…@mail.vn": what the dossier's history shows."""
    if channel == "sms":
        return address[:4] + "…" + address[-3:] if len(address) > 7 else address[:2] + "…"
    name, _, domain = address.partition("@")
    return (name[:1] or "?") + "…@" + domain


BACKOFF_BASE = 30.0  # seconds before the first retry
BACKOFF_CAP = 3600.0


def backoff(attempts: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP,
            rnd: random.Random | None = None) -> timedelta:
    """Full-jitter exponential backoff after `attempts` failed sends (design.md, "Retries"); never gives up."""
    ceiling = min(cap, base * (2 ** min(attempts - 1, 30)))
    return timedelta(seconds=(rnd or random).uniform(base / 2, max(base / 2, ceiling)))


# --- 766 (Quyết định 766/QĐ-TTg) 5.2, 5.3, 5.4 -----------------------------------------------------------------

#: the criteria these records count, numbered as domain.md's table (QĐ 766): 5.2 complaints answered on time,
#: 5.3 satisfied with the handling of complaints, 5.4 satisfied ratings of dossiers
SCORECARD_CODES = ("5.2", "5.3", "5.4")


def ratio_satisfied(values: list[str]) -> tuple[int, int]:
    """5.4: (satisfied or very satisfied, all ratings) of the period's current ratings."""
    return sum(1 for v in values if v in SATISFIED), len(values)


def ratio_on_time(complaints: list[tuple[datetime, datetime | None]], now: datetime) -> tuple[int, int]:
    """5.2: (answered by their deadline, complaints due in the period or answered in it): each is
    (deadline, answered_at)."""
    pairs = [(aware(d), aware(a) if a is not None else None) for d, a in complaints]
    due = [(d, a) for d, a in pairs if a is not None or d <= now]
    return sum(1 for d, a in due if a is not None and a <= d), len(due)


def ratio_handling_satisfied(values: list[str | None]) -> tuple[int, int]:
    """5.3: (handling rated satisfied or very satisfied, handled complaints the citizen rated)."""
    rated = [v for v in values if v]
    return sum(1 for v in rated if v in SATISFIED), len(rated)


def sum_days(days: Iterable[Mapping[str, Sequence[int]]]) -> dict[str, tuple[int, int]]:
    """A period's 5.2-5.4 from its days' figures ({"5.2": (n, d), …} each): every figure is a count, so the
    period's numerator and denominator are the sums of its days' (the server's per-day answer, added up on the
    station for any period)."""
    total = {code: (0, 0) for code in SCORECARD_CODES}
    for figures in days:
        for code, (n, d) in total.items():
            add = figures.get(code) or (0, 0)
            total[code] = (n + int(add[0]), d + int(add[1]))
    return total
