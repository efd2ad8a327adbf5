"""The procedure catalogue format (CSV or JSON, see docs/catalogue.md): parse and validate, every bad row reported."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from counter.domain.errors import CounterError
from counter.domain.text import nfc

CODE_RE = re.compile(r"^\d\.\d{6}(\.[0-9A-Z.]+)?$")
COLUMNS = ["code", "name", "field", "level", "working_days", "fee", "fee_note", "channels", "postal_allowed",
           "in_person", "certification", "papers"]
PAPER_RE = re.compile(r"^(?P<name>.+?)\s*\[\s*(?P<o>\d+)\s*/\s*(?P<c>\d+)\s*/\s*(?P<p>\d+)\s*\]\s*(?P<opt>\?)?$")
_TRUE = {"1", "true", "có", "co", "x", "yes", "y"}
_FALSE = {"0", "false", "không", "khong", "", "no", "n"}


@dataclass(frozen=True)
class PaperSpec:
    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0
    required: bool = True


@dataclass(frozen=True)
class ProcedureSpec:
    code: str
    name: str
    field: str
    level: str
    working_days: int
    fee: int
    fee_note: str
    channels: tuple[int, ...]
    postal_allowed: bool
    in_person: bool
    certification: bool
    papers: tuple[PaperSpec, ...]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class CatalogueError(CounterError):
    def __init__(self, errors: list[RowError] | str):
        if isinstance(errors, str):
            self.errors: list[RowError] = []
            super().__init__(errors)
            return
        self.errors = errors
        lines = "\n".join(f"- dòng {e.line}: {e.message}" for e in errors[:50])
        more = f"\n- … và {len(errors) - 50} lỗi khác" if len(errors) > 50 else ""
        super().__init__(f"Danh mục có {len(errors)} lỗi, không nhập gì:\n{lines}{more}")


class _Bad(Exception):
    pass


def _bool(value: Any, col: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(f"cột {col} phải là có/không (1/0), nhận được “{value}”")


def _int(value: Any, col: str, what: str, lo: int = 0, hi: int = 10**12) -> int:
    if isinstance(value, bool):
        raise _Bad(f"cột {col} phải là {what}, nhận được “{value}”")
    text = str(value if value is not None else "").strip().replace(".", "").replace(" ", "")
    if col == "working_days" and text.lower() in ("same_day", "trongngày", "trong_ngày", "trongngay"):
        return 0
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise _Bad(f"cột {col} phải là {what}, nhận được “{value}”")
    return int(text)


def _channels(value: Any) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [v for v in re.split(r"[;,\s]+", str(value or "")) if v]
    try:
        channels = tuple(sorted({int(v) for v in items}))
    except (TypeError, ValueError):
        raise _Bad(f"cột channels chỉ gồm 1, 2, 3 (1 trực tiếp, 2 trực tuyến, 3 bưu chính), nhận được “{value}”") from None
    if not channels or not set(channels) <= {1, 2, 3}:
        raise _Bad(f"cột channels chỉ gồm 1, 2, 3 (1 trực tiếp, 2 trực tuyến, 3 bưu chính), nhận được “{value}”")
    return channels


def _papers_csv(text: str) -> tuple[PaperSpec, ...]:
    papers = []
    for item in (p.strip() for p in text.split(";")):
        if not item:
            continue
        m = PAPER_RE.match(item)
        if not m:
            raise _Bad(f"cột papers: “{item}” phải có dạng “Tên giấy tờ [bản chính/chứng thực/photo]”")
        papers.append(PaperSpec(nfc(m["name"]), int(m["o"]), int(m["c"]), int(m["p"]), m["opt"] is None))
    return tuple(papers)


def _papers_json(items: Any) -> tuple[PaperSpec, ...]:
    if not isinstance(items, list):
        raise _Bad("papers phải là một danh sách")
    papers = []
    for it in items:
        if not isinstance(it, dict) or not str(it.get("name", "")).strip():
            raise _Bad("mỗi giấy tờ phải có name")
        papers.append(PaperSpec(nfc(str(it["name"])), _int(it.get("originals", 0), "originals", "số ≥ 0"),
                                _int(it.get("certified_copies", 0), "certified_copies", "số ≥ 0"),
                                _int(it.get("photocopies", 0), "photocopies", "số ≥ 0"),
                                _bool(it.get("required", True), "required")))
    return tuple(papers)


def _spec(row: dict[str, Any], papers: tuple[PaperSpec, ...]) -> ProcedureSpec:
    code = str(row.get("code") or "").strip()
    if not CODE_RE.match(code):
        raise _Bad(f"cột code phải là mã TTHC dạng 1.001193, nhận được “{code}”")
    name, fld = nfc(str(row.get("name") or "")), nfc(str(row.get("field") or ""))
    if not name:
        raise _Bad("cột name (tên thủ tục) không được để trống")
    if not fld:
        raise _Bad("cột field (lĩnh vực) không được để trống")
    level = str(row.get("level") or "commune").strip()
    if level not in ("commune", "province"):
        raise _Bad(f"cột level phải là commune hoặc province, nhận được “{level}”")
    days = _int(row.get("working_days"), "working_days", "số ngày làm việc (0 = trong ngày)", 0, 365)
    fee = _int(row.get("fee") or 0, "fee", "số tiền (đồng) ≥ 0")
    channels = _channels(row.get("channels"))
    postal = _bool(row.get("postal_allowed"), "postal_allowed")
    in_person = _bool(row.get("in_person"), "in_person")
    cert = _bool(row.get("certification"), "certification")
    if postal and (in_person or cert):
        raise _Bad("postal_allowed phải là không khi thủ tục cần người nộp có mặt hoặc chứng thực từ bản chính")
    if not papers:
        raise _Bad("thủ tục phải có ít nhất một giấy tờ (cột papers)")
    for p in papers:
        if p.originals + p.certified_copies + p.photocopies == 0:
            raise _Bad(f"giấy tờ “{p.name}” phải có ít nhất một bản")
    return ProcedureSpec(code, name, fld, level, days, fee, nfc(str(row.get("fee_note") or "")), channels, postal,
                         in_person, cert, papers)


def parse_catalogue(text: str, fmt: str) -> list[ProcedureSpec]:
    text = text.lstrip("\ufeff")
    specs: list[ProcedureSpec] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}

    def take(line: int, build: Any) -> None:
        try:
            spec = build()
        except _Bad as exc:
            errors.append(RowError(line, str(exc)))
            return
        if spec.code in seen:
            errors.append(RowError(line, f"mã {spec.code} trùng với dòng {seen[spec.code]}"))
            return
        seen[spec.code] = line
        specs.append(spec)

    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueError([RowError(1, f"thiếu cột: {', '.join(missing)}")])
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            take(reader.line_num, lambda row=row: _spec(row, _papers_csv(row.get("papers") or "")))
    elif fmt == "json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CatalogueError([RowError(exc.lineno, f"JSON không hợp lệ: {exc.msg}")]) from None
        items = doc.get("procedures") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise CatalogueError([RowError(1, "thiếu danh sách “procedures”")])
        starts = [m.start() for m in re.finditer(r"\{\s*\"code\"", text)]
        for i, item in enumerate(items):
            line = text.count("\n", 0, starts[i]) + 1 if i < len(starts) else i + 1
            if not isinstance(item, dict):
                errors.append(RowError(line, "mỗi thủ tục phải là một đối tượng JSON"))
                continue
            take(line, lambda item=item: _spec(item, _papers_json(item.get("papers"))))
    else:
        raise CatalogueError(f"Định dạng danh mục không hỗ trợ: “{fmt}” (chỉ CSV hoặc JSON)")
    if errors:
        raise CatalogueError(errors)
    return specs


def parse_overrides(text: str) -> list[tuple[date, str, str]]:
    """Calendar overrides CSV: date,kind,note (kind off|work); lines starting with # are comments."""
    rows, errors = [], []
    lines = text.lstrip("\ufeff").splitlines()
    body = [(i + 1, line) for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    if not body or body[0][1].split(",")[:2] != ["date", "kind"]:
        raise CatalogueError([RowError(1, "dòng tiêu đề phải là date,kind,note")])
    for n, line in body[1:]:
        parts = next(csv.reader([line]))
        try:
            d = date.fromisoformat(parts[0].strip())
        except (ValueError, IndexError):
            errors.append(RowError(n, f"ngày không hợp lệ: “{parts[0] if parts else ''}” (YYYY-MM-DD)"))
            continue
        kind = parts[1].strip() if len(parts) > 1 else ""
        if kind not in ("off", "work"):
            errors.append(RowError(n, f"loại ngày phải là off hoặc work, nhận được “{kind}”"))
            continue
        rows.append((d, kind, nfc(parts[2]) if len(parts) > 2 else ""))
    if errors:
        raise CatalogueError(errors)
    return rows
