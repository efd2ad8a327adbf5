"""Text from people and scanners: NFC in, accent-insensitive folding for search, name checks.

Pure domain code: standard library only.
"""

from __future__ import annotations

import re
import unicodedata

from counter.domain.errors import CounterError


class TextError(CounterError):
    """A text the clerk typed or scanned was refused. `message` is Vietnamese; `field` names the input."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)


def nfc(s: str) -> str:
    """NFC, outer whitespace stripped, inner runs of whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", s).split())  # str.split(): at what r"\s+" matches


class _Folded(dict[int, str | None]):
    """fold's str.translate table, filled as characters are met: a combining mark (category Mn) -> None
    (dropped), 'đ' -> 'd', anything else unchanged. Kept for the code points below U+3000 (Latin, Vietnamese,
    the combining marks), so no input can grow it past that."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        value = None if unicodedata.category(char) == "Mn" else "d" if char == "đ" else char
        if code < 0x3000:
            self[code] = value
        return value


_FOLD = _Folded()


def fold(s: str) -> str:
    """Accent-insensitive key for search and comparison.

    NFC in, lower case, every combining mark (category Mn) dropped after canonical decomposition, 'đ' -> 'd',
    whitespace collapsed and stripped (again at the end, so a mark standing alone between two spaces does not
    leave a double space). fold("Đặng Văn An") == "dang van an"; fold("NGUYỄN") == "nguyen". Idempotent, and the
    same for any canonically equivalent input (NFC or NFD).
    """
    if s.isascii():  # NFC already, no marks, no 'đ' (issue 21: a name folded on every pushed event)
        return " ".join(s.lower().split())
    # str.split() splits at what \s matches (str.isspace); NFC and NFD keep whitespace whitespace, so one
    # collapse at the end is the same as collapsing before and after
    return " ".join(unicodedata.normalize("NFD", unicodedata.normalize("NFC", s).lower()).translate(_FOLD).split())


def has_vietnamese_marks(s: str) -> bool:
    """True when some letter carries a diacritic (tone or vowel mark: á, ơ, ễ…) or is 'đ'/'Đ'.

    Any combining mark counts (also non-Vietnamese ones such as ü or ç), in NFC or NFD input alike.
    """
    return any(c in "đĐ" or unicodedata.category(c) == "Mn" for c in unicodedata.normalize("NFD", s))


# Apostrophe-like characters people put in names (H'Hen Niê, H’Hen Niê); U+02BC is a letter already.
_NAME_PUNCT = frozenset(" '-.\u2019")
NAME_MAX = 100
_NO_NAME_PUNCT = dict.fromkeys(map(ord, _NAME_PUNCT))  # str.translate: the punctuation taken out


def _shown(c: str) -> str:
    """The character in quotes, or its code point when it would not show (control, format, lone mark)."""
    visible = c.isprintable() and not c.isspace() and not unicodedata.category(c).startswith("M")
    return f"'{c}'" if visible else f"U+{ord(c):04X}"


def clean_person_name(s: str) -> str:
    """A person's name, NFC with whitespace collapsed; the case the clerk typed is kept.

    Allowed: letters, combining marks following a letter, space, apostrophe (' or ’), hyphen and dot, with at
    least one letter. Refused with a Vietnamese `TextError` (field "name"): empty, longer than 100 characters,
    digits, brackets, control characters, emoji, symbols and any other punctuation.
    """
    name = nfc(s or "")
    if not name:
        raise TextError("Họ tên không được để trống", "name")
    if len(name) > NAME_MAX:
        raise TextError(f"Họ tên quá dài: {len(name)} ký tự (tối đa {NAME_MAX})", "name")
    if name.translate(_NO_NAME_PUNCT).isalpha():  # letters (category L) and the allowed punctuation only
        return name
    previous = " "
    for c in name:
        cat = unicodedata.category(c)
        ok = (cat.startswith("L") or c in _NAME_PUNCT
              or (cat in ("Mn", "Mc") and (unicodedata.category(previous)[0] in "LM")))
        if not ok:
            raise TextError(f"Họ tên chứa ký tự không hợp lệ: {_shown(c)}", "name")
        previous = c
    if not any(unicodedata.category(c).startswith("L") for c in name):
        raise TextError("Họ tên phải có ít nhất một chữ cái", "name")
    return name


# ASCII spellings of words that in names and addresses are practically always written with marks:
# family names (Nguyễn, Trần, Lê, Phạm…), middle names (Văn, Thị, Đức) and address words (xã, phường, tỉnh,
# thôn, ấp, huyện, quận, phố, Hà Nội, Việt Nam). "thanh" and "nam" are left out on purpose: Thanh and Nam are
# common given names correctly written without marks, so "Mai Thanh Lan" or "Lam Nam" must not raise a warning.
STRIPPED_MARKERS = frozenset(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly van thi duc "
    "xa phuong tinh pho thon ap huyen quan ha noi viet".split())


def looks_stripped(s: str) -> bool:
    """True when a scanned text seems to have lost its Vietnamese marks.

    USB QR scanners in keyboard mode cannot type non-ASCII letters: they drop the marks ("Nguyen") or send
    '?' / U+FFFD instead of the letter ("Nguy?n"). Heuristic:

    * '?' or U+FFFD anywhere -> True;
    * otherwise, if the text carries no diacritic at all (see `has_vietnamese_marks`) and one of its words
      (case-insensitive) is in `STRIPPED_MARKERS`, the ASCII form of a word that is practically always
      written with marks in names and addresses -> True;
    * else False. A name with no such word ("Mai Thanh Lan", "John Smith") cannot be judged and gives False.
    """
    if "?" in s or "\ufffd" in s:
        return True
    if has_vietnamese_marks(s):
        return False
    words = set(re.split(r"[^a-z]+", s.lower()))
    return not words.isdisjoint(STRIPPED_MARKERS)


# ---- bad input at the edges (issue 14): search texts, and user data printed on a terminal --------------------

SEARCH_MAX = 200  # characters of a search text (a name, a code, a phone number is far shorter)


def search_text(s: str | None) -> str:
    """A search box's text, NFC; refused (TextError, field "text") when longer than SEARCH_MAX characters: a
    100,000-character pattern only makes SQLite give up ("pattern too complex")."""
    text = nfc(s or "")
    if len(text) > SEARCH_MAX:
        raise TextError(f"Nội dung tìm kiếm quá dài: {len(text)} ký tự (tối đa {SEARCH_MAX})", "text")
    return text


def _escape_control(m: re.Match[str]) -> str:
    c = m.group(0)
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


# C0 controls but tab and newline, DEL, C1 controls (U+009B is CSI on some terminals), and the bidi
# overrides that reorder what is shown (U+202A–U+202E, U+2066–U+2069).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(s: str) -> str:
    """Text from the store or from a command line, safe to write on a terminal: every control character
    (ESC and so OSC/CSI sequences, BEL, CR, backspace, C1, bidi overrides) shown escaped as \\x1b, \\u202e;
    newline and tab kept. A note with ESC ] 0 ; … BEL can no longer set the terminal's title."""
    return _CONTROL.sub(_escape_control, s)
