"""A form as data: blocks a renderer lays out top to bottom. Kept small on purpose."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Header:
    """The shared two-column header: agency on the left, national motto on the right."""

    agency_lines: tuple[str, ...]
    number: str  # "Số: …" or "Mã hồ sơ: …"
    place_date: str  # "Phục Linh, ngày 23 tháng 11 năm 2026"


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str = ""


@dataclass(frozen=True)
class Para:
    text: str
    bold: bool = False
    italic: bool = False
    center: bool = False


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative widths
    struck: tuple[int, ...] = ()  # 0-based rows printed struck through (a voided dossier in the ledger)


@dataclass(frozen=True)
class QR:
    data: str  # ASCII only: the tracking URL
    caption: str = ""


@dataclass(frozen=True)
class Signatures:
    left: tuple[str, str] | None  # (title, note)
    right: tuple[str, str] | None


@dataclass(frozen=True)
class Note:
    text: str


Block = Header | Title | Para | Field | Table | QR | Signatures | Note


@dataclass(frozen=True)
class Document:
    """One copy of a form. A print job is a list of documents (e.g. the two liên of Mẫu 01)."""

    form: str  # "01", "02", "03" …
    version: str  # layout version (forms are versioned data: TT 03/2025 today)
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """All the words of the document, in order (what pdftotext should find)."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Header):
                out += [*b.agency_lines, b.number, b.place_date]
            elif isinstance(b, Title):
                out += [b.text, b.subtitle]
            elif isinstance(b, (Para, Note)):
                out.append(b.text)
            elif isinstance(b, Field):
                out.append(f"{b.label}: {b.value}")
            elif isinstance(b, Table):
                out += [" ".join(b.columns)] + [" ".join(r) for r in b.rows]
            elif isinstance(b, QR):
                out.append(b.caption)
            elif isinstance(b, Signatures):
                out += [x for pair in (b.left, b.right) if pair for x in pair]
        return "\n".join(x for x in out if x)
