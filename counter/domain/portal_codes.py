"""Mapping tables between our codes and the national portal's (domain.md, "The national portal's integration":
both public systems keep one, because a province's local variant of a procedure may carry a longer code than
the national one). Pure: the central server stores the rows (central_portal_codes, edited by an admin with
`counter serve portal map ...`), this module decides.

Kinds of table:
  procedure  our procedure code (MaTTHC of the catalogue)  -> the portal's MaTTHC
  status     our status code (lifecycle.Status, 1–10)       -> the portal's TrangThaiHoSo
  field      our field name ("Hộ tịch")                     -> the portal's MaLinhVuc

Without a row a code maps to itself (a status to its number as a string; a field to ""). The reverse direction
(`ours`) is what the intake of online dossiers uses: the portal's code back to ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from counter.domain.errors import CounterError

KINDS = ("procedure", "status", "field")
KIND_LABELS = {"procedure": "mã thủ tục", "status": "mã trạng thái", "field": "mã lĩnh vực"}
MAX_CODE = 64


def check_entry(kind: str, ours: str, theirs: str) -> tuple[str, str, str]:
    """One row as an admin typed it, cleaned, or CounterError in Vietnamese."""
    kind = (kind or "").strip().lower()
    if kind not in KINDS:
        raise CounterError(f"Loại bảng ánh xạ không hợp lệ: “{kind}” (chọn một trong: {', '.join(KINDS)})")
    ours, theirs = (ours or "").strip(), (theirs or "").strip()
    label = KIND_LABELS[kind]
    for value, who in ((ours, "của hệ thống"), (theirs, "của Cổng DVCQG")):
        if not value:
            raise CounterError(f"Thiếu {label} {who}")
        if len(value) > (300 if kind == "field" and who == "của hệ thống" else MAX_CODE) or \
                any(not c.isprintable() for c in value):
            raise CounterError(f"{label.capitalize()} {who} không hợp lệ: “{value[:40]}”")
    if kind == "status":
        if not ours.isdigit() or not 1 <= int(ours) <= 10:
            raise CounterError(f"Mã trạng thái của hệ thống phải là số từ 1 đến 10, nhận được “{ours}”")
        ours = str(int(ours))
    return kind, ours, theirs


@dataclass(frozen=True)
class PortalCodes:
    """The three tables, ours -> theirs."""

    tables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str]]) -> PortalCodes:
        tables: dict[str, dict[str, str]] = {k: {} for k in KINDS}
        for kind, ours, theirs in rows:
            tables.setdefault(kind, {})[ours] = theirs
        return cls(tables)

    def procedure(self, ours: str) -> str:
        return self.tables.get("procedure", {}).get(ours, ours)

    def status(self, ours: int) -> str:
        return self.tables.get("status", {}).get(str(int(ours)), str(int(ours)))

    def field(self, ours: str) -> str:
        return self.tables.get("field", {}).get(ours, "")

    def ours(self, kind: str, theirs: str) -> str:
        """The portal's code back to ours (the first row naming it), else the code itself (intake)."""
        for mine, code in self.tables.get(kind, {}).items():
            if code == theirs:
                return mine
        return theirs

    def our_status(self, theirs: str) -> int:
        """The portal's TrangThaiHoSo back to our status number, or CounterError."""
        value = self.ours("status", str(theirs).strip())
        if not value.isdigit() or not 1 <= int(value) <= 10:
            raise CounterError(f"Trạng thái “{theirs}” của Cổng DVCQG chưa có trong bảng ánh xạ")
        return int(value)
