"""Form layouts as versioned data (docs/forms.md): one JSON file per circular version, read once, turned into
layout Documents (printing/layout.py) by filling its placeholders from a dict of values.

`counter/fixtures/forms-{version}.json` holds every form's wording and layout: which blocks in which order,
titles, labels, paragraphs, column headers, notes and signature titles, with `{placeholders}` the printing code
fills (forms.py builds the values from ReceiptData, ExtensionData …). The next circular's changes are a new file:
`COUNTER_FORMS_DIR` names a folder searched before the shipped one, and the version is chosen by name
(`forms.receipt(r, version="…")`, or `COUNTER_FORMS_VERSION` for every form).

A placeholder is `{name}` or `{name:spec|spec…}`; the specs, applied left to right:
`upper`, `cap` (first letter upper), `date` ("ngày 23 tháng 11 năm 2026"), `time` ("08 giờ 21 phút, ngày …"),
`dmy` (23/11/2026), `money` ("20.000 đồng"), `map=NAME` (the file's `maps[NAME]`, by the value as text),
`or=TEXT` (TEXT when the value is empty), and any Python format spec (`02d`). A datetime is shown in Vietnam time.
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from counter.domain.calendar import VN_TZ
from counter.domain.errors import CounterError
from counter.printing.layout import QR, Block, Document, Field, Header, Note, Para, Signatures, Table, Title

DEFAULT_VERSION = "TT03-2025"
DIR_ENV = "COUNTER_FORMS_DIR"  # a folder of forms-{version}.json searched before the shipped ones
VERSION_ENV = "COUNTER_FORMS_VERSION"  # the version every form prints when the caller names none
BLOCK_KINDS = ("header", "title", "para", "field", "table", "qr", "signatures", "note", "use")


class TemplateError(CounterError):
    """A form template that cannot be read or used (message in Vietnamese)."""


def current_version() -> str:
    return os.environ.get(VERSION_ENV) or DEFAULT_VERSION


def vn_date(dt: datetime) -> str:
    d = dt.astimezone(VN_TZ)
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def vn_time(dt: datetime) -> str:
    d = dt.astimezone(VN_TZ)
    return f"{d.hour:02d} giờ {d.minute:02d} phút, {vn_date(d)}"


def money(n: int) -> str:
    return f"{n:,} đồng".replace(",", ".")


# ---- placeholders --------------------------------------------------------------------------------------------

class _Filler(string.Formatter):
    def __init__(self, maps: Mapping[str, Mapping[str, str]]):
        self.maps = maps

    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        try:
            return kwargs[str(key)]
        except KeyError:
            raise TemplateError(f"Mẫu biểu dùng trường “{key}” mà chương trình không có") from None

    def format_field(self, value: Any, spec: str) -> str:
        for part in spec.split("|") if spec else ():
            value = self._apply(value, part)
        if value is None:
            return ""
        if isinstance(value, datetime):
            return vn_time(value)
        return value if isinstance(value, str) else str(value)

    def _apply(self, value: Any, part: str) -> Any:
        if part.startswith("or="):
            return value if value not in (None, "") else part[3:]
        if value is None:
            return None
        if part == "upper":
            return str(value).upper()
        if part == "cap":
            text = str(value)
            return text[:1].upper() + text[1:]
        if part in ("date", "time", "dmy"):
            if not isinstance(value, datetime):
                raise TemplateError(f"“{part}” chỉ dùng cho ngày giờ, nhận được {value!r}")
            return vn_date(value) if part == "date" else vn_time(value) if part == "time" else \
                f"{value.astimezone(VN_TZ):%d/%m/%Y}"
        if part == "money":
            return money(int(value))
        if part.startswith("map="):
            table = self.maps.get(part[4:])
            if table is None:
                raise TemplateError(f"Mẫu biểu không có bảng “{part[4:]}”")
            return table.get(str(value), str(value))
        return format(value, part)


@dataclass(frozen=True)
class FormSet:
    """One circular version's forms, parsed once."""

    version: str
    texts: Mapping[str, str]
    forms: Mapping[str, Mapping[str, Any]]
    groups: Mapping[str, list[Any]]
    filler: _Filler

    def fill(self, text: str, values: Mapping[str, Any], item: Mapping[str, Any] | None = None) -> str:
        """`text` with its placeholders filled from `item` (a table row, a joined item) first, then `values`."""
        parts = _compiled(text)
        if parts is None:
            return text
        out = []
        for literal, name, spec in parts:
            out.append(literal)
            if name is not None:
                value = item[name] if item is not None and name in item else self.filler.get_value(name, (), values)
                out.append(self.filler.format_field(value, spec))
        return "".join(out)

    def value(self, spec: Any, values: Mapping[str, Any]) -> str:
        if isinstance(spec, dict):  # {"join": "fee_lines", "item": "…", "sep": "; "}
            return str(spec.get("sep", "")).join(self.fill(spec["item"], values, item)
                                                 for item in _items(values, spec["join"]))
        return self.fill(str(spec), values)

    def documents(self, form: str, values: Mapping[str, Any]) -> list[Document]:
        """The form's documents (one per copy), the placeholders filled from `values` and the file's texts."""
        spec = self.forms.get(form)
        if spec is None:
            raise TemplateError(f"Phiên bản mẫu {self.version} không có mẫu {form}")
        base = {**self.texts, **values}
        out = []
        for copy in spec.get("copies") or (None,):
            v = base if copy is None else {**base, "copy": copy}
            out.append(Document(spec.get("form", form), self.version, tuple(self._blocks(spec["blocks"], v))))
        return out

    def _blocks(self, specs: Iterable[dict[str, Any]], v: Mapping[str, Any]) -> Iterable[Block]:
        for b in specs:
            if not _applies(b, v):
                continue
            if "use" in b:
                yield from self._blocks(self.groups[b["use"]], v)
            elif "header" in b:
                h = b["header"]
                yield Header(tuple(self.fill(x, v) for x in h["agency"]), self.fill(h["number"], v),
                             self.fill(h["place_date"], v))
            elif "title" in b:
                yield Title(self.fill(b["title"], v), self.fill(b.get("subtitle", ""), v))
            elif "para" in b:
                yield Para(self.fill(b["para"], v), bool(b.get("bold")), bool(b.get("italic")),
                           bool(b.get("center")))
            elif "field" in b:
                yield Field(self.fill(b["field"], v), self.value(b.get("value", ""), v))
            elif "table" in b:
                t = b["table"]
                rows = tuple(tuple(self.fill(c, v, item) for c in t["row"]) for item in _items(v, t["rows"]))
                empty = tuple(tuple(self.fill(c, v) for c in r) for r in t.get("empty", ()))
                yield Table(tuple(self.fill(c, v) for c in t["columns"]), rows or empty,
                            tuple(t["widths"]))
            elif "qr" in b:
                yield QR(self.fill(b["qr"], v), self.fill(b.get("caption", ""), v))
            elif "signatures" in b:
                left, right = (None if p is None else (self.fill(p[0], v), self.fill(p[1], v))
                               for p in b["signatures"])
                yield Signatures(left, right)
            elif "note" in b:
                yield Note(self.fill(b["note"], v))


@lru_cache(maxsize=4096)
def _compiled(text: str) -> tuple[tuple[str, str | None, str], ...] | None:
    """A template string split once into (literal, placeholder, spec) parts; None when it has no placeholder."""
    if "{" not in text and "}" not in text:
        return None
    try:
        return tuple((literal, name, spec or "") for literal, name, spec, _ in string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"Mẫu biểu có chỗ điền sai cú pháp: “{text[:80]}” ({exc})") from None


def _names(x: Any) -> tuple[str, ...]:
    return (x,) if isinstance(x, str) else tuple(x or ())


def _applies(b: Mapping[str, Any], v: Mapping[str, Any]) -> bool:
    """"if": every name truthy; "unless": every name falsy."""
    if "if" not in b and "unless" not in b:
        return True
    return all(v.get(n) for n in _names(b.get("if"))) and not any(v.get(n) for n in _names(b.get("unless")))


def _items(v: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """A list of values (dicts, or dataclasses) as dicts, each with its 1-based position `i`."""
    out = []
    for i, item in enumerate(v.get(name) or (), start=1):
        d = dict(item) if isinstance(item, Mapping) else dict(vars(item))
        d["i"] = i
        out.append(d)
    return out


# ---- loading ---------------------------------------------------------------------------------------------------

def _source(version: str) -> tuple[str, str]:
    """(the file's text, where it was found) for a version: COUNTER_FORMS_DIR first, then the shipped file."""
    if not version or not all(c.isalnum() or c in "-_." for c in version) or version.startswith("."):
        raise TemplateError(f"Tên phiên bản mẫu biểu không hợp lệ: “{version}”")
    name = f"forms-{version}.json"
    extra = os.environ.get(DIR_ENV)
    if extra and (Path(extra) / name).is_file():
        path = Path(extra) / name
        return path.read_text("utf-8"), str(path)
    shipped = resources.files("counter").joinpath("fixtures", name)
    if shipped.is_file():
        return shipped.read_text("utf-8"), f"counter/fixtures/{name}"
    raise TemplateError(f"Không có mẫu biểu phiên bản {version} (tệp {name}"
                        + (f" trong {extra} hoặc" if extra else " trong") + " counter/fixtures)")


def _check(spec: Any, where: str, groups: Mapping[str, Any]) -> None:
    if not isinstance(spec, dict) or sum(k in spec for k in BLOCK_KINDS) != 1:
        raise TemplateError(f"{where}: mỗi khối cần đúng một loại trong {', '.join(BLOCK_KINDS)}: {spec!r}")
    if "use" in spec and spec["use"] not in groups:
        raise TemplateError(f"{where}: không có nhóm khối “{spec['use']}”")


@lru_cache(maxsize=16)
def _load(version: str, extra_dir: str | None) -> FormSet:
    text, where = _source(version)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"Tệp mẫu biểu {where} không phải JSON hợp lệ (dòng {exc.lineno}): {exc.msg}") from None
    if data.get("version") != version:
        raise TemplateError(f"Tệp mẫu biểu {where} ghi phiên bản “{data.get('version')}”, cần “{version}”")
    groups = data.get("groups", {})
    for name, blocks in [*groups.items(), *((k, f.get("blocks")) for k, f in data.get("forms", {}).items())]:
        if not isinstance(blocks, list):
            raise TemplateError(f"{where}: “{name}” cần danh sách khối (blocks)")
        for b in blocks:
            _check(b, f"{where}, {name}", groups)
    return FormSet(version, data.get("texts", {}), data.get("forms", {}), groups, _Filler(data.get("maps", {})))


def form_set(version: str | None = None) -> FormSet:
    """The parsed forms of a version (cached: the file is read and checked once per process)."""
    return _load(version or current_version(), os.environ.get(DIR_ENV))


def documents(form: str, values: Mapping[str, Any], version: str | None = None) -> list[Document]:
    return form_set(version).documents(form, values)
