"""Who may collect a result at the counter, and what proves it (issue 12: never to the wrong person).

The `returned` event of a counter hand-over records the collector as their chip card (CCCD) gave them, or as
typed from another ID paper when they have no chip card:

    receiver            "owner" | "authorized"
    receiver_name       the collector's name (a person's name: no digits, no '|')
    receiver_id_number  CCCD (12 digits), old CMND (9 digits) or a passport number (a letter and 7 digits)
    receiver_source     "cccd_qr" (read from the card's QR) | "typed" (nhập tay, from a paper without a chip)
    receiver_birth_date YYYY-MM-DD, from the card (optional)
    authorization       for "authorized" only: the authorization PAPER
                        {"kind", "number", "date" (YYYY-MM-DD), "issuer"} (kind among AUTHORIZATION_KINDS)
    blobs               optional: the scanned authorization (SHA-256 of files in the blob store)

An authorization is a paper, never the text of a card's QR: a '|' anywhere in it (or in any other text of the
hand-over) is refused, as are a date in the future, a missing kind, and a paper whose number is an ID number.
`lifecycle._return` calls these checks, so the station's services and the central server refuse the same.

Pure domain code: standard library only.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from collections.abc import Mapping

from counter.domain.cccd import CccdError, validate_id_number
from counter.domain.errors import CounterError
from counter.domain.text import TextError, clean_person_name

AUTHORIZATION_KINDS = ("Giấy ủy quyền", "Văn bản ủy quyền có chứng thực", "Hợp đồng ủy quyền có công chứng")
#: kinds whose paper carries a number (the certification book's, or the notary's)
NUMBERED_KINDS = frozenset(AUTHORIZATION_KINDS[1:])
RECEIVER_SOURCES = {"cccd_qr": "quét mã QR trên CCCD", "typed": "nhập tay"}
TEXT_MAX = 200
_SHA = re.compile(r"^[0-9a-f]{64}$")
_PASSPORT = re.compile(r"^[A-Z][0-9]{7,8}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
QR_HINT = ("quét CCCD của người đến nhận vào ô “QR CCCD người nhận”; giấy ủy quyền ghi bằng loại giấy, số, ngày "
           "và nơi chứng thực")


class HandoverError(CounterError):
    """A hand-over the rules refuse (Vietnamese message); the reducer turns it into a TransitionError."""


def looks_like_card(text: Any) -> bool:
    """A text holding (a part of) a chip card's QR: its fields are separated by '|'."""
    return isinstance(text, str) and "|" in text


def _text(value: Any, label: str, required: bool = False, max_len: int = TEXT_MAX) -> str:
    """A short free text of the hand-over: a string, no card QR, no control characters, not too long."""
    if value in (None, ""):
        if required:
            raise HandoverError(f"Thiếu {label}.")
        return ""
    if not isinstance(value, str):
        raise HandoverError(f"{label[0].upper() + label[1:]} không hợp lệ.")
    if looks_like_card(value):
        raise HandoverError(f"{label[0].upper() + label[1:]} chứa nội dung mã QR của thẻ CCCD (ký tự “|”): "
                            f"{QR_HINT}.")
    text = value.strip()
    if _CONTROL.search(text):
        raise HandoverError(f"{label[0].upper() + label[1:]} chứa ký tự điều khiển.")
    if len(text) > max_len:
        raise HandoverError(f"{label[0].upper() + label[1:]} quá dài: {len(text)} ký tự (tối đa {max_len}).")
    if required and not text:
        raise HandoverError(f"Thiếu {label}.")
    return text


def _date(value: Any, label: str, today: date) -> date:
    try:
        d = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        d = None
    if d is None:
        raise HandoverError(f"{label[0].upper() + label[1:]} không hợp lệ: “{value}” (cần ngày/tháng/năm).")
    if d > today:
        raise HandoverError(f"{label[0].upper() + label[1:]} {d:%d/%m/%Y} ở tương lai (hôm nay {today:%d/%m/%Y}).")
    if d.year < 1900:
        raise HandoverError(f"{label[0].upper() + label[1:]} {d:%d/%m/%Y} không hợp lý.")
    return d


def id_number_of(value: Any, source: str) -> str:
    """The collector's ID number: from the card's QR a valid 12-digit CCCD number; typed, a CCCD (12 digits,
    checked the same), an old CMND (9 digits) or a passport number."""
    text = _text(value, "số CCCD/giấy tờ tùy thân của người nhận", required=True, max_len=20).replace(" ", "")
    try:
        if source == "cccd_qr" or len(text) == 12:
            return validate_id_number(text)
    except CccdError as exc:
        raise HandoverError(f"Số giấy tờ của người nhận không hợp lệ: {exc.message}.") from None
    if (len(text) == 9 and text.isascii() and text.isdigit()) or _PASSPORT.match(text.upper()):
        return text.upper()
    raise HandoverError(f"Số giấy tờ của người nhận không hợp lệ: “{text}” (CCCD 12 chữ số, CMND 9 chữ số hoặc "
                        "số hộ chiếu).")


def check_collector(p: Mapping[str, Any], owner_name: str, owner_id: str | None, today: date) -> None:
    """The collector of a counter hand-over (see the module's docstring); HandoverError otherwise."""
    receiver = p.get("receiver", "owner")
    if receiver not in ("owner", "authorized"):
        raise HandoverError(f"Người nhận kết quả không hợp lệ: “{receiver}”.")
    name = _text(p.get("receiver_name"), "họ tên người nhận kết quả", required=True, max_len=100)
    try:
        clean_person_name(name)
    except TextError as exc:
        raise HandoverError(f"Họ tên người nhận không hợp lệ: {exc.message}.") from None
    source = p.get("receiver_source")
    if source not in RECEIVER_SOURCES:
        raise HandoverError("Thiếu cách xác định người nhận: quét QR trên CCCD của người đến nhận (hoặc nhập tay số "
                            "giấy tờ tùy thân khi họ không có thẻ gắn chip)." if source in (None, "") else
                            f"Cách xác định người nhận không hợp lệ: “{source}” (cccd_qr hoặc typed).")
    id_number = id_number_of(p.get("receiver_id_number"), source)
    if p.get("receiver_birth_date") not in (None, ""):
        _date(p["receiver_birth_date"], "ngày sinh của người nhận", today)
    blobs = p.get("blobs")
    if blobs not in (None, []):
        if not isinstance(blobs, list) or not all(isinstance(h, str) and _SHA.match(h) for h in blobs):
            raise HandoverError("Danh sách tệp bản quét giấy ủy quyền không hợp lệ.")
        if receiver != "authorized":
            raise HandoverError("Chỉ kèm bản quét giấy ủy quyền khi người được ủy quyền nhận thay.")
    if receiver == "owner":
        if owner_id and id_number != owner_id:
            raise HandoverError(f"Số giấy tờ của người nhận ({id_number}) không khớp với chủ hồ sơ {owner_name}: "
                                "cần giấy ủy quyền để nhận thay.")
        if p.get("authorization") not in (None, "", {}):
            raise HandoverError("Chủ hồ sơ tự nhận kết quả: không ghi giấy ủy quyền.")
        return
    if owner_id and id_number == owner_id:
        raise HandoverError(f"Người nhận có cùng số giấy tờ với chủ hồ sơ {owner_name}: chọn “Chủ hồ sơ” (không "
                            "cần giấy ủy quyền).")
    check_authorization(p.get("authorization"), bool(blobs), today, {id_number, owner_id or ""})


def check_authorization(a: Any, scanned: bool, today: date, id_numbers: frozenset[str] | set[str] = frozenset()) -> None:
    """The authorization paper: its kind, and its date and issuer (a number too for certified and notarized
    papers) unless a scanned copy is attached; what is given is checked either way."""
    if a in (None, "", {}):
        raise HandoverError("Thiếu giấy ủy quyền của người nhận thay (loại giấy, số, ngày, nơi chứng thực; hoặc "
                            "bản quét).")
    if not isinstance(a, Mapping):
        if looks_like_card(a):
            raise HandoverError(f"Giấy ủy quyền không thể là nội dung mã QR của thẻ CCCD: {QR_HINT}.")
        raise HandoverError("Giấy ủy quyền phải ghi rõ loại giấy, số, ngày và nơi chứng thực.")
    kind = _text(a.get("kind"), "loại giấy ủy quyền", required=True)
    if kind not in AUTHORIZATION_KINDS:
        raise HandoverError(f"Loại giấy ủy quyền không hợp lệ: “{kind}” ({', '.join(AUTHORIZATION_KINDS)}).")
    needs = not scanned
    number = _text(a.get("number"), "số giấy ủy quyền", required=needs and kind in NUMBERED_KINDS, max_len=60)
    if number and number.replace(" ", "") in set(id_numbers) - {""}:
        raise HandoverError(f"Số giấy ủy quyền “{number}” là số CCCD: ghi số của giấy ủy quyền (số chứng thực, "
                            "số công chứng).")
    if a.get("date") not in (None, "") or needs:
        if a.get("date") in (None, ""):
            raise HandoverError("Thiếu ngày của giấy ủy quyền.")
        _date(a["date"], "ngày của giấy ủy quyền", today)
    issuer = _text(a.get("issuer"), "nơi chứng thực / người lập giấy ủy quyền", required=needs)
    if issuer and not any(c.isalpha() for c in issuer):
        raise HandoverError(f"Nơi chứng thực giấy ủy quyền không hợp lệ: “{issuer}”.")


def check_texts(p: Mapping[str, Any]) -> None:
    """The other texts of a hand-over (note, post, papers' names) hold no card QR either."""
    for key, label in (("note", "ghi chú"), ("tracking", "số hiệu bưu gửi"), ("address", "địa chỉ nhận")):
        _text(p.get(key), label, max_len=300)
    papers = p.get("papers")
    if isinstance(papers, list):
        for paper in papers:
            if isinstance(paper, Mapping):
                _text(paper.get("name"), "tên giấy tờ kết quả", max_len=300)


def describe_authorization(a: Any, pages: int | None = None) -> str:
    """One line for the hand-over note, the confirm box and the history: "Văn bản ủy quyền có chứng thực số
    12/2026, ngày 20/11/2026, UBND xã Phục Linh"."""
    if not isinstance(a, Mapping):
        return str(a or "")
    parts = [str(a.get("kind") or "Giấy ủy quyền") + (f" số {a['number']}" if a.get("number") else "")]
    if a.get("date"):
        try:
            parts.append(f"ngày {date.fromisoformat(a['date']):%d/%m/%Y}")
        except (TypeError, ValueError):
            parts.append(f"ngày {a['date']}")
    if a.get("issuer"):
        parts.append(str(a["issuer"]))
    if pages:
        parts.append(f"kèm bản quét {pages} trang")
    return ", ".join(parts)
