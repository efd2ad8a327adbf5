"""Text from people and scanners: NFC in, accent-insensitive folding for search, name checks."""

from __future__ import annotations

import re
import unicodedata

from counter.domain.errors import CounterError

_WS = re.compile(r"\s+")


class TextError(CounterError):
    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)


def nfc(s: str) -> str:
    """NFC, outer whitespace stripped, inner runs of whitespace collapsed to one space."""
    return _WS.sub(" ", unicodedata.normalize("NFC", s)).strip()


def fold(s: str) -> str:
    """Accent-insensitive key: lower case, marks stripped, đ -> d. fold("Đặng Văn An") == "dang van an"."""
    s = unicodedata.normalize("NFD", nfc(s).lower().replace("đ", "d"))
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def has_vietnamese_marks(s: str) -> bool:
    return any(fold(c) != c.lower() for c in s if c.isalpha())


_NAME_OK = {"'", "-", ".", " "}


def clean_person_name(s: str) -> str:
    """A person's name, NFC. Refuses digits, brackets, symbols and emoji with a Vietnamese message."""
    name = nfc(s or "")
    if not name:
        raise TextError("Họ tên không được để trống", "name")
    if len(name) > 100:
        raise TextError("Họ tên quá dài (tối đa 100 ký tự)", "name")
    for c in name:
        cat = unicodedata.category(c)
        if c in _NAME_OK or cat.startswith("L") or cat == "Mn":
            continue
        shown = c if c.isprintable() else f"U+{ord(c):04X}"
        raise TextError(f"Họ tên chứa ký tự không hợp lệ: “{shown}”", "name")
    return name


# Words that, in names and addresses, are almost always written with marks ("Nguyễn", "Trần", "xã", "tỉnh"...).
_MARKED_WORDS = frozenset(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly van thi duc xa phuong tinh thanh "
    "pho thon ap huyen quan ha noi viet".split())


def looks_stripped(s: str) -> bool:
    """True when a scanned text seems to have lost its Vietnamese marks.

    Heuristic: a '?' or U+FFFD (what keyboard-mode scanners type for letters they cannot send), or no marks
    at all while holding a word that is practically always written with marks in names and addresses.
    """
    if "?" in s or "\ufffd" in s:
        return True
    if has_vietnamese_marks(s):
        return False
    words = set(re.split(r"[^a-z]+", s.lower()))
    return bool(words & _MARKED_WORDS)
