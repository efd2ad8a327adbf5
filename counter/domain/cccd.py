"""The chip ID card's QR (CCCD): seven '|'-separated fields (domain.md).

`ID number (12 digits)|old ID (9 digits or empty)|full name|birth date DDMMYYYY|sex|address|issue date DDMMYYYY`,
e.g. `001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2, xã Phục Linh, tỉnh Thái Nguyên|15042021`.
The address may itself hold '|' in some readers' output: everything between field 5 and the last is the address.
The newer căn cước card's layout is not published: the same layout is accepted, anything else fails clearly.

Pure domain code: standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from counter.domain.errors import CounterError
from counter.domain.text import TextError, clean_person_name, looks_stripped, nfc

# Province codes, the first 3 digits of the 12-digit personal identification number (Thông tư 59/2021/TT-BCA,
# the 63 provinces before the 2025 merger; numbers already issued keep them).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 "
    "040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 "
    "083 084 086 087 089 091 092 093 094 095 096".split())

STRIPPED_WARNING = ("Tên hoặc địa chỉ có vẻ đã mất dấu tiếng Việt (máy quét đang ở chế độ bàn phím?). "
                    "Hãy chuyển máy quét sang chế độ COM/serial hoặc sửa tay.")

FIELD_COUNT = 7
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: re's \d would also take Arabic-Indic and other decimal digits
_LOST = ("?", "\ufffd")  # what keyboard-mode scanners type for a letter they cannot send


class CccdError(CounterError):
    """The QR text (or a typed ID number) was refused; str(e) == e.message, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)


@dataclass(frozen=True)
class CccdData:
    id_number: str  # 12 ASCII digits
    old_id: str | None  # 9 digits, or None when the card has none
    full_name: str  # NFC, case as on the card
    birth_date: date
    sex: str  # "Nam" | "Nữ"
    address: str  # NFC
    issue_date: date
    warnings: tuple[str, ...] = ()  # Vietnamese, for the clerk; the data is still usable

    def to_dict(self) -> dict:
        """JSON-ready: dates as YYYY-MM-DD, warnings as a list."""
        return {"id_number": self.id_number, "old_id": self.old_id, "full_name": self.full_name,
                "birth_date": self.birth_date.isoformat(), "sex": self.sex, "address": self.address,
                "issue_date": self.issue_date.isoformat(), "warnings": list(self.warnings)}


def _digits(text: str, n: int) -> bool:
    return len(text) == n and _DIGITS.fullmatch(text) is not None


def validate_id_number(s: str) -> str:
    """The 12-digit personal identification number, spaces removed; CccdError otherwise.

    Checks: exactly 12 ASCII digits; the first 3 are a province code (PROVINCE_CODES). The 4th digit (sex and
    century) may be any digit; whether it matches the card holder is checked by parse_cccd (a warning).
    """
    shown = nfc(s or "")
    digits = re.sub(r"\s+", "", shown)
    if not _digits(digits, 12):
        raise CccdError(f"Số định danh phải gồm đúng 12 chữ số: '{shown}'")
    if digits[:3] not in PROVINCE_CODES:
        raise CccdError(f"Số định danh '{digits}' có mã tỉnh '{digits[:3]}' không hợp lệ "
                        "(3 chữ số đầu phải là mã tỉnh, thành phố theo Thông tư 59/2021/TT-BCA)")
    return digits


def _date(text: str, label: str) -> date:
    text = text.strip()
    if _digits(text, 8):
        try:
            return date(int(text[4:]), int(text[2:4]), int(text[:2]))
        except ValueError:
            pass
    raise CccdError(f"{label} không hợp lệ: '{text}' (cần dạng NgàyThángNăm, 8 chữ số)")


def _sex(text: str) -> tuple[str, bool]:
    """Canonical sex, and whether the scan lost its marks ("Nu" or "N?" for "Nữ")."""
    t = nfc(text)
    low = t.lower()
    if low == "nam":
        return "Nam", False
    if low == "nữ":
        return "Nữ", False
    if low == "nu" or (len(low) == 2 and low[0] == "n" and low[1] in _LOST):
        return "Nữ", True
    raise CccdError(f"Giới tính không hợp lệ: '{t}' (phải là Nam hoặc Nữ)")


def _name(text: str) -> str:
    """The name, checked like a typed name; '?'/U+FFFD (lost letters) are kept for the clerk to fix by hand."""
    name = nfc(text)
    probe = name
    for lost in _LOST:
        probe = probe.replace(lost, "x")
    try:
        clean_person_name(probe)
    except TextError as exc:
        raise CccdError(exc.message) from None
    return name


def _id_warnings(id_number: str, sex: str, birth: date) -> list[str]:
    """The 4th digit gives sex and century (0/1 male/female 1900s, 2/3 2000s, 4/5 2100s…), 5th–6th the year."""
    code = int(id_number[3])
    first_year = 1900 + 100 * (code // 2)
    coded_sex = "Nữ" if code % 2 else "Nam"
    warnings = []
    if sex != coded_sex:
        warnings.append(f"Số định danh {id_number} không khớp với giới tính: chữ số thứ 4 là {code} "
                        f"(giới tính {coded_sex}) nhưng mã QR ghi {sex}. Hãy kiểm tra lại thẻ.")
    if not first_year <= birth.year < first_year + 100:
        warnings.append(f"Số định danh {id_number} không khớp với năm sinh: chữ số thứ 4 là {code} "
                        f"(sinh năm {first_year}–{first_year + 99}) nhưng năm sinh là {birth.year}. "
                        "Hãy kiểm tra lại thẻ.")
    if id_number[4:6] != f"{birth.year % 100:02d}":
        warnings.append(f"Số định danh {id_number} không khớp với năm sinh: chữ số thứ 5–6 là {id_number[4:6]} "
                        f"nhưng năm sinh là {birth.year}. Hãy kiểm tra lại thẻ.")
    return warnings


def parse_cccd(text: str, today: date | None = None) -> CccdData:
    """Parse the QR text of a chip ID card; CccdError (Vietnamese message) when it cannot be used.

    The whole text is NFC-normalized and trimmed (a scanner's trailing CR/LF is fine). With `today` given, a
    birth or issue date after it is an error; without it those checks are skipped (no hidden clock). An ID
    number that does not match the sex or birth year, and a name or address that seems to have lost its marks
    (keyboard-mode scanner), are warnings: the data is returned for the clerk to check and correct.
    """
    raw = nfc(text or "")
    fields = raw.split("|") if raw else []
    if len(fields) < FIELD_COUNT:
        raise CccdError(f"Mã QR CCCD phải có {FIELD_COUNT} trường ngăn cách bởi '|', "
                        f"nhận được {len(fields)} trường")
    id_number = validate_id_number(fields[0])
    old_id = fields[1].strip() or None
    if old_id is not None and not _digits(old_id, 9):
        raise CccdError(f"Số CMND cũ phải gồm đúng 9 chữ số: '{old_id}'")
    name = _name(fields[2])
    birth = _date(fields[3], "Ngày sinh")
    sex, sex_stripped = _sex(fields[4])
    address = nfc("|".join(fields[5:-1]))
    issue = _date(fields[-1], "Ngày cấp")
    if today is not None:
        if birth > today:
            raise CccdError(f"Ngày sinh {birth:%d/%m/%Y} ở tương lai (hôm nay {today:%d/%m/%Y})")
        if issue > today:
            raise CccdError(f"Ngày cấp {issue:%d/%m/%Y} ở tương lai (hôm nay {today:%d/%m/%Y})")
    if issue < birth:
        raise CccdError(f"Ngày cấp {issue:%d/%m/%Y} trước ngày sinh {birth:%d/%m/%Y}")
    warnings = _id_warnings(id_number, sex, birth)
    if sex_stripped or looks_stripped(name) or looks_stripped(address):
        warnings.append(STRIPPED_WARNING)
    return CccdData(id_number, old_id, name, birth, sex, address, issue, tuple(warnings))
