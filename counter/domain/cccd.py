"""The chip ID card's QR (CCCD): seven '|'-separated fields (domain.md).

`ID number (12 digits)|old ID (9 digits or empty)|full name|birth date DDMMYYYY|sex|address|issue date DDMMYYYY`.
The address may itself hold '|' in some readers' output: everything between field 5 and the last is the address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from counter.domain.errors import CounterError
from counter.domain.text import TextError, clean_person_name, fold, looks_stripped, nfc

# Province codes of the 12-digit personal identification number (Thông tư 59/2021/TT-BCA).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 "
    "040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 "
    "083 084 086 087 089 091 092 093 094 095 096".split())
STRIPPED_WARNING = ("Tên hoặc địa chỉ có vẻ đã mất dấu tiếng Việt (máy quét đang ở chế độ bàn phím?). "
                    "Hãy chuyển máy quét sang chế độ COM/serial hoặc sửa tay.")


class CccdError(CounterError):
    pass


@dataclass(frozen=True)
class CccdData:
    id_number: str
    old_id: str | None
    full_name: str
    birth_date: date
    sex: str
    address: str
    issue_date: date
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"id_number": self.id_number, "old_id": self.old_id, "full_name": self.full_name,
                "birth_date": self.birth_date.isoformat(), "sex": self.sex, "address": self.address,
                "issue_date": self.issue_date.isoformat(), "warnings": list(self.warnings)}


def validate_id_number(s: str) -> str:
    digits = re.sub(r"\s", "", s or "")
    if not re.fullmatch(r"\d{12}", digits):
        raise CccdError(f"Số định danh phải gồm đúng 12 chữ số: “{s}”")
    if digits[:3] not in PROVINCE_CODES:
        raise CccdError(f"Số định danh “{digits}” có mã tỉnh “{digits[:3]}” không tồn tại")
    return digits


def _date(text: str, label: str) -> date:
    text = text.strip()
    if not re.fullmatch(r"\d{8}", text):
        raise CccdError(f"{label} không hợp lệ: “{text}” (dạng NgàyThángNăm, 8 chữ số)")
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise CccdError(f"{label} không hợp lệ: “{text}”") from None


def _sex(text: str) -> tuple[str, bool]:
    """Canonical sex and whether the scan lost its marks ("Nu" for "Nữ")."""
    t = nfc(text)
    if fold(t) == "nam":
        return "Nam", False
    if fold(t) == "nu":
        return "Nữ", t.lower() != "nữ"
    raise CccdError(f"Giới tính không hợp lệ: “{text}” (Nam hoặc Nữ)")


def parse_cccd(text: str, today: date | None = None) -> CccdData:
    raw = nfc((text or "").strip("\r\n\t "))
    fields = raw.split("|")
    if len(fields) < 7:
        raise CccdError(f"Mã QR CCCD phải có 7 trường ngăn cách bởi '|', nhận được {len(fields)} trường")
    id_number = validate_id_number(fields[0])
    old = fields[1].strip() or None
    if old is not None and not re.fullmatch(r"\d{9}", old):
        raise CccdError(f"Số CMND cũ phải gồm 9 chữ số: “{old}”")
    try:
        name = clean_person_name(fields[2])
    except TextError as exc:
        if "?" in fields[2] or "\ufffd" in fields[2]:
            raise CccdError(f"Tên trong mã QR bị mất ký tự (“{fields[2]}”). {STRIPPED_WARNING}") from None
        raise CccdError(exc.message) from None
    birth = _date(fields[3], "Ngày sinh")
    sex, sex_stripped = _sex(fields[4])
    address = nfc("|".join(fields[5:-1]))
    issue = _date(fields[-1], "Ngày cấp")
    if today is not None:
        if birth > today:
            raise CccdError(f"Ngày sinh {birth:%d/%m/%Y} ở tương lai")
        if issue > today:
            raise CccdError(f"Ngày cấp {issue:%d/%m/%Y} ở tương lai")
    if issue < birth:
        raise CccdError(f"Ngày cấp {issue:%d/%m/%Y} trước ngày sinh {birth:%d/%m/%Y}")
    warnings = []
    code = int(id_number[3])
    century = 1900 + 100 * (code // 2)
    expected_female = code % 2 == 1
    if century <= birth.year < century + 100 and (sex == "Nữ") == expected_female \
            and id_number[4:6] == f"{birth.year % 100:02d}":
        pass
    else:
        warnings.append(f"Số định danh {id_number} không khớp với giới tính/năm sinh ({sex}, {birth.year}): "
                        "kiểm tra lại thẻ.")
    if looks_stripped(name) or looks_stripped(address) or sex_stripped:
        warnings.append(STRIPPED_WARNING)
    return CccdData(id_number, old, name, birth, sex, address, issue, tuple(warnings))
