"""The procedure catalogue format (CSV or JSON, see docs/catalogue.md) and the calendar override table.

Parse and validate; every bad row is reported (with its line number in the file), never only the first, so an
admin fixes a file in one pass. Nothing here touches the store: `counter.services.catalogue` writes what
`parse_catalogue` returns, all or nothing.

Pure domain code: standard library and counter.domain only.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from collections.abc import Callable, Iterator, Mapping

from counter.domain.calendar import MAX_WORKING_DAYS
from counter.domain.errors import CounterError
from counter.domain.fees import Charge, FeeError, flat_charges, parse_charges
from counter.domain.intake import PaperInput
from counter.domain.law import Step
from counter.domain.text import nfc

CODE_RE = re.compile(r"^\d\.\d{6}(\.[0-9A-Z.]+)?$")
COLUMNS = ("code", "name", "field", "level", "working_days", "fee", "fee_note", "channels", "postal_allowed",
           "in_person", "certification", "papers")
REQUIRED_JSON_KEYS = ("code", "name", "field", "level", "working_days", "fee", "channels", "papers")
#: optional columns: the online level, whether originals are shown at return (issue 15); statutory verification
#: days and "trả ngay" (issue 17); the charges (phí, lệ phí) as JSON (issue 18; absent: one flat fee per dossier)
OPTIONAL_COLUMNS = ("online_level", "originals_at_return", "verification_days", "on_the_spot", "charges")
#: DVC trực tuyến: toàn trình (fully online) or một phần (partly online: originals shown at the counter)
ONLINE_LEVELS = {"toan_trinh": "toàn trình", "mot_phan": "một phần"}
_ONLINE_WORDS = {"toan_trinh": "toan_trinh", "toàn trình": "toan_trinh", "toan trinh": "toan_trinh",
                 "mot_phan": "mot_phan", "một phần": "mot_phan", "mot phan": "mot_phan",
                 "": None, "không": None, "khong": None, "none": None}
CHANNELS = {1: "trực tiếp", 2: "trực tuyến", 3: "bưu chính công ích"}
LEVELS = {"commune": "commune", "xã": "commune", "cấp xã": "commune",
          "province": "province", "tỉnh": "province", "cấp tỉnh": "province"}
SAME_DAY_WORDS = frozenset({"same_day", "same day", "trong ngày", "trong ngay", "trong_ngay"})
MAX_FEE = 10**12
MAX_COPIES = 99
MAX_LISTED = 50  # errors listed in the message; `CatalogueError.errors` keeps them all
_TRUE = frozenset({"1", "true", "có", "co", "x", "yes"})
_FALSE = frozenset({"0", "false", "không", "khong", "", "no"})
_INT = re.compile(r"^\d+$")
_GROUPED = re.compile(r"^\d{1,3}([. ]\d{3})+$")  # 20.000 / 1.500.000 / 20 000
_PAPER = re.compile(r"^(?P<name>.*?)\s*\[(?P<counts>[^\[\]]*)\]\s*(?P<optional>\?)?$")


@dataclass(frozen=True)
class PaperSpec(PaperInput):
    """A paper the procedure lists: its counts as at intake, and whether it must be brought."""

    required: bool = True


@dataclass(frozen=True)
class ProcedureSpec:
    code: str
    name: str
    field: str
    level: str
    working_days: int  # 0 = same day (the 15:00 rule)
    fee: int  # đồng
    fee_note: str
    channels: tuple[int, ...]  # sorted subset of 1 counter, 2 online, 3 post
    postal_allowed: bool
    in_person: bool
    certification: bool
    papers: tuple[PaperSpec, ...]
    online_level: str | None = None  # "toan_trinh" | "mot_phan" | None (ONLINE_LEVELS)
    originals_at_return: bool = False  # một phần: the originals are shown when the result is collected
    verification_days: int = 0  # issue 17: added when verification is needed (Luật Hộ tịch; law.VERIFICATION_DAYS)
    on_the_spot: bool = False  # issue 17: "trả ngay": received, resolved and returned in one flow
    charges: tuple[Charge, ...] = ()  # issue 18: what the procedure charges (fees.Charge); () = free

    @property
    def charges_json(self) -> str:
        return json.dumps([c.as_json() for c in self.charges], ensure_ascii=False) if self.charges else ""


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based line in the file (for JSON, where the item starts)
    message: str


class CatalogueError(CounterError):
    """A catalogue (or override table) that cannot be imported. `errors` lists every bad row; a problem with
    the file itself (unreadable, wrong suffix) has a plain message and no row errors."""

    def __init__(self, errors: list[RowError] | str, what: str = "Danh mục"):
        if isinstance(errors, str):
            self.errors: list[RowError] = []
            super().__init__(errors)
            return
        self.errors = sorted(errors, key=lambda e: e.line)
        lines = len({e.line for e in self.errors})
        listed = "\n".join(f"- dòng {e.line}: {e.message}" for e in self.errors[:MAX_LISTED])
        more = f"\n- … và {len(self.errors) - MAX_LISTED} lỗi khác" if len(self.errors) > MAX_LISTED else ""
        super().__init__(f"{what} có {lines} dòng lỗi, không nhập gì:\n{listed}{more}")


class _Bad(Exception):
    """One problem in one cell; the message names the column."""


def _shown(value: Any) -> str:
    if value is None:
        return "''"
    if isinstance(value, str):
        return f"'{value}'"
    return f"'{json.dumps(value, ensure_ascii=False)}'"


# ---- cells (a CSV cell is a str; a JSON value may be typed) ---------------------------------------------


def _text(value: Any, col: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(f"cột {col} phải là văn bản, nhận được {_shown(value)}")
    return nfc(value)


def _required_text(value: Any, col: str, label: str) -> str:
    text = _text(value, col)
    if not text:
        raise _Bad(f"cột {col} ({label}) không được để trống")
    return text


def _code(value: Any) -> str:
    code = _text(value, "code").upper()
    if not code:
        raise _Bad("cột code (mã thủ tục) không được để trống")
    if not CODE_RE.match(code):
        raise _Bad(f"cột code phải là mã thủ tục dạng 1.001193 (hoặc 1.001193.000.00.00.H55), nhận được "
                   f"{_shown(value)}")
    return code


def _level(value: Any) -> str:
    level = _text(value, "level").lower()
    if level not in LEVELS:
        raise _Bad(f"cột level phải là commune (cấp xã) hoặc province (cấp tỉnh), nhận được {_shown(value)}")
    return LEVELS[level]


def _online_level(value: Any) -> str | None:
    text = _text(value, "online_level").lower()
    if text not in _ONLINE_WORDS:
        raise _Bad(f"cột online_level phải là toan_trinh (toàn trình), mot_phan (một phần) hoặc để trống, "
                   f"nhận được {_shown(value)}")
    return _ONLINE_WORDS[text]


def _whole(value: Any) -> int | None:
    """A non-negative integer from a JSON number or a string of digits; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and _INT.match(value.strip()):
        return int(value.strip())
    return None


def _working_days(value: Any) -> int:
    if isinstance(value, str) and nfc(value).lower() in SAME_DAY_WORDS:
        return 0
    days = _whole(value)
    if days is None:
        raise _Bad(f"cột working_days phải là số ngày làm việc (0 = trong ngày), nhận được {_shown(value)}")
    if days > MAX_WORKING_DAYS:
        raise _Bad(f"cột working_days phải từ 0 đến {MAX_WORKING_DAYS} ngày làm việc, nhận được {_shown(value)}")
    return days


def _verification_days(value: Any, code: str | None) -> int:
    """Statutory verification days: the column if given, else the Luật Hộ tịch default for the code."""
    if value in (None, ""):
        from counter.domain.law import VERIFICATION_DAYS

        return VERIFICATION_DAYS.get(code or "", 0)
    days = _whole(value)
    if days is None or days > MAX_WORKING_DAYS:
        raise _Bad(f"cột verification_days phải là số ngày làm việc từ 0 đến {MAX_WORKING_DAYS}, nhận được "
                   f"{_shown(value)}")
    return days


def _fee(value: Any) -> int:
    fee: int | None = None
    if isinstance(value, str):
        text = re.sub(r"\s*(đồng|đ)$", "", nfc(value).lower())
        if _INT.match(text):
            fee = int(text)
        elif _GROUPED.match(text):
            fee = int(re.sub(r"[. ]", "", text))
    else:
        fee = _whole(value)
    if fee is None or fee > MAX_FEE:
        raise _Bad(f"cột fee phải là số tiền bằng đồng, số nguyên ≥ 0 (ví dụ 20000 hoặc 20.000; 0 = miễn phí), "
                   f"nhận được {_shown(value)}")
    return fee


def _bool(value: Any, col: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = nfc(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _Bad(f"cột {col} phải là 1/0, true/false, có/không hoặc x/để trống, nhận được {_shown(value)}")


def _channels(value: Any) -> tuple[int, ...]:
    items: list[Any]
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = [v for v in re.split(r"[;,\s]+", value.strip()) if v]
    else:
        items = [value] if value is not None else []
    numbers = {_whole(v) for v in items}
    if not items or not numbers <= set(CHANNELS):
        raise _Bad("cột channels phải gồm các kênh 1, 2, 3 cách nhau bởi dấu ; (1 trực tiếp, 2 trực tuyến, "
                   f"3 bưu chính công ích), nhận được {_shown(value)}")
    return tuple(sorted(n for n in numbers if n is not None))


def _count(value: Any, what: str, paper: str) -> int:
    n = _whole(value if value is not None else 0)
    if n is None or n > MAX_COPIES:
        raise _Bad(f"cột papers: số {what} của “{paper}” phải là số nguyên từ 0 đến {MAX_COPIES}, "
                   f"nhận được {_shown(value)}")
    return n


def _paper_item(item: str) -> PaperSpec:
    m = _PAPER.match(item)
    if not m:
        raise _Bad(f"cột papers: “{item}” phải có dạng “Tên giấy tờ [bản chính/bản chứng thực/bản photo]”, "
                   "ví dụ “Giấy chứng sinh [1/0/0]”, thêm ? ở cuối nếu không bắt buộc")
    name = nfc(m["name"])
    if not name:
        raise _Bad(f"cột papers: “{item}” thiếu tên giấy tờ")
    parts = [p.strip() for p in m["counts"].split("/")]
    if len(parts) != 3:
        raise _Bad(f"cột papers: số bản của “{name}” phải có 3 số [bản chính/bản chứng thực/bản photo], "
                   f"nhận được [{m['counts']}]")
    counts = [_count(p, what, name) for p, what in zip(parts, ("bản chính", "bản chứng thực", "bản photo"))]
    originals, certified, photocopies = counts
    return PaperSpec(name, originals, certified, photocopies, required=m["optional"] is None)


def _paper_object(item: Any, index: int) -> PaperSpec:
    if isinstance(item, str):
        return _paper_item(nfc(item))
    if not isinstance(item, dict):
        raise _Bad(f"cột papers: giấy tờ thứ {index} phải là một đối tượng {{\"name\": …}}, nhận được {_shown(item)}")
    name = item.get("name")
    if not isinstance(name, str) or not nfc(name):
        raise _Bad(f"cột papers: giấy tờ thứ {index} thiếu name (tên giấy tờ)")
    name = nfc(name)
    try:
        required = _bool(item.get("required", True), "required")
    except _Bad:
        raise _Bad(f"cột papers: required của “{name}” phải là true/false, nhận được {_shown(item['required'])}") \
            from None
    return PaperSpec(name, _count(item.get("originals"), "bản chính", name),
                     _count(item.get("certified_copies"), "bản chứng thực", name),
                     _count(item.get("photocopies"), "bản photo", name), required)


def _papers(value: Any, problems: list[str]) -> tuple[PaperSpec, ...] | None:
    """Every paper of the row; each bad paper adds its own problem. None when any paper is bad."""
    if isinstance(value, str):
        items: list[Any] = [p.strip() for p in nfc(value).split(";") if p.strip()]
        build: Callable[[Any, int], PaperSpec] = lambda item, i: _paper_item(item)  # noqa: E731
    elif isinstance(value, list):
        items, build = value, _paper_object
    elif value is None:
        items, build = [], _paper_object
    else:
        problems.append(f"cột papers phải là danh sách giấy tờ, nhận được {_shown(value)}")
        return None
    if not items:
        problems.append("cột papers phải có ít nhất một giấy tờ")
        return None
    papers: list[PaperSpec] = []
    ok = True
    seen: set[str] = set()
    for i, item in enumerate(items, start=1):
        try:
            paper = build(item, i)
        except _Bad as exc:
            problems.append(str(exc))
            ok = False
            continue
        if paper.originals + paper.certified_copies + paper.photocopies == 0:
            problems.append(f"cột papers: “{paper.name}” phải có ít nhất một bản (bản chính/bản chứng thực/bản "
                            "photo đều bằng 0)")
            ok = False
        if paper.name.casefold() in seen:
            problems.append(f"cột papers: “{paper.name}” có hai lần")
            ok = False
        seen.add(paper.name.casefold())
        papers.append(paper)
    return tuple(papers) if ok else None


# ---- one row ---------------------------------------------------------------------------------------------


def _row(get: Callable[[str], Any]) -> tuple[ProcedureSpec | None, str | None, list[str]]:
    """Validate one procedure: the spec (None if bad), its code (None if bad) and all of its problems."""
    problems: list[str] = []

    def cell(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except _Bad as exc:
            problems.append(str(exc))
            return None

    code = cell(lambda: _code(get("code")))
    name = cell(lambda: _required_text(get("name"), "name", "tên thủ tục"))
    field = cell(lambda: _required_text(get("field"), "field", "lĩnh vực"))
    level = cell(lambda: _level(get("level")))
    days = cell(lambda: _working_days(get("working_days")))
    fee = cell(lambda: _fee(get("fee")))
    fee_note = cell(lambda: _text(get("fee_note"), "fee_note"))
    channels = cell(lambda: _channels(get("channels")))
    postal = cell(lambda: _bool(get("postal_allowed"), "postal_allowed"))
    in_person = cell(lambda: _bool(get("in_person"), "in_person"))
    certification = cell(lambda: _bool(get("certification"), "certification"))
    papers = _papers(get("papers"), problems)
    online = cell(lambda: _online_level(get("online_level")))
    originals_back = cell(lambda: _bool(get("originals_at_return"), "originals_at_return"))
    if online is not None and channels is not None and 2 not in channels:
        problems.append(f"cột online_level là {ONLINE_LEVELS[online]} nhưng cột channels không có kênh 2 (trực tuyến)")
    if originals_back and online != "mot_phan":
        problems.append("cột originals_at_return chỉ dùng cho thủ tục trực tuyến một phần (online_level mot_phan)")
    on_the_spot = cell(lambda: _bool(get("on_the_spot"), "on_the_spot"))
    verification = cell(lambda: _verification_days(get("verification_days"), code))

    def charges_cell() -> tuple[Charge, ...]:
        try:
            return parse_charges(get("charges"))
        except FeeError as exc:
            raise _Bad(f"cột charges: {exc.message}") from None

    charges = cell(charges_cell)
    if charges == () and fee and name:
        charges = flat_charges(fee, name)

    if postal and (in_person or certification):
        why = " và ".join(w for w, on in (("cần người nộp có mặt (in_person)", in_person),
                                         ("cần chứng thực từ bản chính (certification)", certification)) if on)
        problems.append(f"cột postal_allowed phải là không (0) vì thủ tục {why}: nhân viên bưu chính không được "
                        "tiếp nhận thủ tục này")
    elif postal is False and channels is not None and 3 in channels:
        problems.append("cột channels có kênh 3 (bưu chính công ích) nhưng postal_allowed là không: bỏ kênh 3 "
                        "hoặc đặt postal_allowed là có")
    elif postal and channels is not None and 3 not in channels:
        problems.append("cột postal_allowed là có nhưng cột channels không có kênh 3 (bưu chính công ích)")
    if problems or papers is None:  # no problem means every paper was read
        return None, code, problems
    return ProcedureSpec(code, name, field, level, days, fee, fee_note, channels, postal, in_person,
                         certification, papers, online, bool(originals_back), verification, on_the_spot,
                         charges or ()), code, []


class _Collector:
    def __init__(self) -> None:
        self.specs: list[ProcedureSpec] = []
        self.errors: list[RowError] = []
        self.first_line: dict[str, int] = {}

    def add(self, line: int, get: Callable[[str], Any]) -> None:
        spec, code, problems = _row(get)
        if code is not None:
            if code in self.first_line:
                problems.insert(0, f"cột code: mã {code} trùng với dòng {self.first_line[code]}")
            else:
                self.first_line[code] = line
        self.errors.extend(RowError(line, p) for p in problems)
        if spec is not None and not problems:
            self.specs.append(spec)


# ---- files -----------------------------------------------------------------------------------------------


def parse_catalogue(text: str, fmt: str) -> list[ProcedureSpec]:
    """The procedures of a catalogue file's text; `fmt` is "csv" or "json".

    Raises `CatalogueError` listing every bad row (line numbers in the file) when any row is bad, or when the
    file holds no procedure at all.
    """
    fmt = (fmt or "").strip().lower().lstrip(".")
    text = text[1:] if text.startswith("\ufeff") else text
    out = _Collector()
    if fmt == "csv":
        _parse_csv(text, out)
    elif fmt == "json":
        _parse_json(text, out)
    else:
        raise CatalogueError(f"Định dạng danh mục không hỗ trợ: “{fmt}” (chỉ CSV hoặc JSON)")
    if out.errors:
        raise CatalogueError(out.errors)
    if not out.specs:
        raise CatalogueError("Danh mục không có thủ tục nào, không nhập gì")
    return out.specs


def _csv_lines(text: str, errors: list[RowError]) -> Iterator[tuple[int, list[str], list[str]]]:
    """(line number, raw cells, NFC cells) of each CSV row that is not blank or a comment (`#`); a CSV syntax
    error is added to `errors` and ends the reading."""
    reader = csv.reader(io.StringIO(text), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append(RowError(start, f"lỗi định dạng CSV ({exc}), thường do dấu ngoặc kép không đóng; "
                                          "dừng đọc tệp tại đây"))
            return
        cells = [nfc(c) for c in row]
        if any(cells) and not cells[0].startswith("#"):  # not a blank line, a row of empty cells, a comment
            yield start, row, cells


def _parse_csv(text: str, out: _Collector) -> None:
    header: list[str] | None = None
    header_line = 0
    for start, row, cells in _csv_lines(text, out.errors):
        if header is None:
            header, header_line = [c.lower() for c in cells], start
            missing = [c for c in COLUMNS if c not in header]
            doubled = sorted({c for c in header if c and header.count(c) > 1})
            if missing:
                out.errors.append(RowError(start, f"dòng tiêu đề thiếu cột: {', '.join(missing)} (cần đủ các cột "
                                                  f"{','.join(COLUMNS)})"))
            if doubled:
                out.errors.append(RowError(start, f"dòng tiêu đề có cột lặp lại: {', '.join(doubled)}"))
            if missing or doubled:
                return
            continue
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            out.errors.append(RowError(start, f"dòng có {len(row)} ô nhưng tiêu đề có {len(header)} cột (ô có dấu "
                                              "phẩy phải đặt trong ngoặc kép)"))
            continue
        if len(row) < len(header):
            out.errors.append(RowError(start, f"dòng chỉ có {len(row)} ô nhưng tiêu đề có {len(header)} cột"))
            continue
        values = dict(zip(header, row))
        out.add(start, values.get)
    if header is None:
        out.errors.append(RowError(max(header_line, 1), f"tệp trống: cần dòng tiêu đề {','.join(COLUMNS)}"))


def _item_lines(text: str) -> list[int]:
    """The line where each item of the top-level "procedures" array starts ([] if the shape is other)."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    pos, line = 0, 1

    def line_at(i: int) -> int:
        nonlocal pos, line
        line += text.count("\n", pos, i)
        pos = i
        return line

    def skip(i: int) -> int:
        return ws.match(text, i).end()  # type: ignore[union-attr]

    lines: list[int] = []
    i = skip(0)
    if text[i:i + 1] != "{":
        return []
    i = skip(i + 1)
    while text[i:i + 1] == '"':
        key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
        i = skip(skip(i) + 1)  # the colon
        if key == "procedures" and text[i:i + 1] == "[":
            lines, pos, line = [], 0, 1
            i = skip(i + 1)
            while text[i:i + 1] not in ("]", ""):
                lines.append(line_at(i))
                _, i = decoder.raw_decode(text, i)
                i = skip(i)
                if text[i:i + 1] == ",":
                    i = skip(i + 1)
            i += 1
        else:
            _, i = decoder.raw_decode(text, i)
        i = skip(i)
        if text[i:i + 1] == ",":
            i = skip(i + 1)
    return lines


def _parse_json(text: str, out: _Collector) -> None:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        out.errors.append(RowError(exc.lineno, f"JSON không hợp lệ (cột {exc.colno}): {exc.msg}"))
        return
    except RecursionError:  # [[[[…]]]] 100,000 deep: no catalogue is shaped like that
        out.errors.append(RowError(1, "JSON lồng nhau quá sâu: tệp danh mục chỉ có {\"procedures\": [{…}, …]}"))
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("procedures"), list):
        out.errors.append(RowError(1, "tệp JSON phải là một đối tượng {\"version\": 1, \"procedures\": [...]}"))
        return
    if "version" in doc and (isinstance(doc["version"], bool) or doc["version"] != 1):
        out.errors.append(RowError(1, f"phiên bản định dạng không hỗ trợ: {_shown(doc['version'])} (chỉ hỗ trợ "
                                      "version 1)"))
        return
    items = doc["procedures"]
    try:
        lines = _item_lines(text)
    except (ValueError, IndexError):
        lines = []
    if len(lines) != len(items):  # cannot happen for valid JSON; never let it hide an error
        lines = [1] * len(items)
    for item, line in zip(items, lines):
        if not isinstance(item, dict):
            out.errors.append(RowError(line, f"mỗi thủ tục phải là một đối tượng JSON {{\"code\": …}}, nhận được "
                                             f"{_shown(item)}"))
            continue
        missing = [k for k in REQUIRED_JSON_KEYS if k not in item]
        if missing:
            out.errors.append(RowError(line, f"thiếu khóa: {', '.join(missing)}"))
            continue
        out.add(line, item.get)


# ---- calendar overrides ----------------------------------------------------------------------------------


def _day(text: str) -> date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_overrides(text: str) -> list[tuple[date, str, str]]:
    """The calendar override table: CSV `date,kind,note`, kind `off` (extra day off) or `work` (a day worked in
    exchange); dates as YYYY-MM-DD (or DD/MM/YYYY); lines starting with # are comments.

    Raises `CatalogueError` listing every bad line (numbers in the file).
    """
    text = text[1:] if text.startswith("\ufeff") else text
    rows: list[tuple[date, str, str]] = []
    errors: list[RowError] = []
    seen: dict[date, int] = {}
    header = False
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            cells = [nfc(c) for c in next(csv.reader([raw], strict=True))]
        except csv.Error as exc:
            errors.append(RowError(n, f"lỗi định dạng CSV: {exc}"))
            continue
        if not header:
            if [c.lower() for c in cells[:2]] != ["date", "kind"] or len(cells) > 3:
                raise CatalogueError([RowError(n, "dòng tiêu đề phải là date,kind,note")], "Bảng ngày nghỉ/làm bù")
            header = True
            continue
        if len(cells) > 3:
            errors.append(RowError(n, f"dòng có {len(cells)} ô, cần 3 (date,kind,note; ghi chú có dấu phẩy phải "
                                      "đặt trong ngoặc kép)"))
            continue
        day_text, kind, note = [*cells, "", ""][:3]
        problems = []
        try:
            day: date | None = _day(day_text)
        except ValueError:
            day = None
            problems.append(f"cột date phải là ngày dạng YYYY-MM-DD (ví dụ 2025-05-02), nhận được '{day_text}'")
        kind = kind.lower()
        if kind not in ("off", "work"):
            problems.append(f"cột kind phải là off (nghỉ) hoặc work (làm bù), nhận được '{kind}'")
        if day is not None and day in seen:
            problems.append(f"cột date: ngày {day.isoformat()} trùng với dòng {seen[day]}")
        errors.extend(RowError(n, p) for p in problems)
        if not problems and day is not None:
            seen[day] = n
            rows.append((day, kind, note))
    if not header and not errors:
        errors.append(RowError(1, "thiếu dòng tiêu đề date,kind,note"))
    if errors:
        raise CatalogueError(errors, "Bảng ngày nghỉ/làm bù")
    return rows


# ---- internal steps (quy trình nội bộ): fixtures/procedure_steps.csv ------------------------------------

STEP_COLUMNS = ("procedure_code", "step", "name", "unit", "working_days")
STEP_OPTIONAL_COLUMNS = ("decides",)
STEPS_WHAT = "Bảng các bước xử lý"


def parse_steps(text: str, working_days: Mapping[str, int] | None = None) -> dict[str, tuple[Step, ...]]:
    """A procedure's internal steps, by procedure code: CSV `procedure_code,step,name,unit,working_days[,decides]`
    (docs/catalogue.md). Steps are numbered 1, 2, … in the file's order; at most one `decides`. With
    `working_days` (the catalogue's, by code), every code must be in it and its steps' days must sum to it.

    Raises `CatalogueError` listing every bad line (numbers in the file)."""
    text = text[1:] if text.startswith("\ufeff") else text
    errors: list[RowError] = []
    found: dict[str, list[tuple[int, Step]]] = {}
    header: list[str] | None = None
    for line, _, cells in _csv_lines(text, errors):
        if header is None:
            header = [c.lower() for c in cells]
            missing = [c for c in STEP_COLUMNS if c not in header]
            if missing:
                raise CatalogueError([RowError(line, f"dòng tiêu đề thiếu cột: {', '.join(missing)} (cần "
                                                     f"{','.join(STEP_COLUMNS)}[,decides])")], STEPS_WHAT)
            continue
        if len(cells) != len(header):
            errors.append(RowError(line, f"dòng có {len(cells)} ô nhưng tiêu đề có {len(header)} cột (ô có dấu "
                                         "phẩy phải đặt trong ngoặc kép)"))
            continue
        get = dict(zip(header, cells)).get
        problems: list[str] = []
        code = get("procedure_code", "").upper()
        if not CODE_RE.match(code):
            problems.append(f"cột procedure_code phải là mã thủ tục dạng 1.001193, nhận được '{code}'")
        number = _whole(get("step"))
        if number is None or number < 1:
            problems.append(f"cột step phải là số thứ tự bước 1, 2, …, nhận được '{get('step')}'")
        name, unit = get("name", ""), get("unit", "")
        if not name:
            problems.append("cột name (tên bước) không được để trống")
        if not unit:
            problems.append("cột unit (đơn vị thực hiện) không được để trống")
        days = _whole(get("working_days"))
        if days is None or days > MAX_WORKING_DAYS:
            problems.append(f"cột working_days phải là số ngày làm việc từ 0 đến {MAX_WORKING_DAYS}, nhận được "
                            f"'{get('working_days')}'")
        try:
            decides = _bool(get("decides"), "decides")
        except _Bad as exc:
            problems.append(str(exc))
            decides = False
        earlier = found.get(code, [])
        if number is not None and not problems and number != len(earlier) + 1:
            problems.append(f"cột step: thủ tục {code} cần bước số {len(earlier) + 1} tiếp theo, nhận được {number}")
        if decides and any(s.decides for _, s in earlier):
            problems.append(f"cột decides: thủ tục {code} đã có bước là cơ quan giải quyết (mỗi thủ tục một bước)")
        errors.extend(RowError(line, p) for p in problems)
        if not problems and number is not None and days is not None:
            found.setdefault(code, []).append((line, Step(number, name, unit, days, decides)))
    if header is None:
        errors.append(RowError(1, f"tệp trống: cần dòng tiêu đề {','.join(STEP_COLUMNS)}"))
    for code, items in found.items():
        line = items[0][0]
        if working_days is None:
            continue
        if code not in working_days:
            errors.append(RowError(line, f"thủ tục {code} không có trong danh mục"))
        elif sum(s.working_days for _, s in items) != working_days[code]:
            errors.append(RowError(line, f"các bước của thủ tục {code} cộng lại "
                                         f"{sum(s.working_days for _, s in items)} ngày làm việc, khác thời hạn "
                                         f"giải quyết {working_days[code]} ngày của thủ tục"))
    if errors:
        raise CatalogueError(errors, STEPS_WHAT)
    return {code: tuple(s for _, s in items) for code, items in found.items()}
