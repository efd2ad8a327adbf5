"""The online share report (issue 15): `counter report online --from --to` (PDF, XLSX) and the supervisor's F6.

Definitions (one place; the cohort and the 3.x rule are the scorecard's, services/scorecard.py):
- The dossiers counted are those *received* in the period (received_at in it, not voided), as for the 766
  scorecard: an online dossier counts from the moment the counter receives it (status 2); one still waiting at
  the online desk, or refused there, is not received and counts nowhere.
- Online = filed online (channel 2: on /nop or sent by the national portal); assisted = of those, filed with a
  clerk's help ("hỗ trợ nộp trực tuyến"), counted apart so an office shows the move from doing it for
  citizens to guiding them. The assisted share is assisted / online.
- The share against the office's yearly target ([scorecard] online_target_percent, the 3.x target): per month
  and for the whole period, the 3.x figure (online / all dossiers of the procedures that can be done fully
  online); per procedure, its own online share (for the procedures the catalogue offers online).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from counter.domain.catalogue import ONLINE_LEVELS
from counter.domain.permissions import Action, require
from counter.domain.scorecard import Period
from counter.services.scorecard import FULLY_ONLINE, LIVE, Context
from counter.services.store import Actor, Store


def _ratio(a: int, b: int) -> Fraction | None:
    return Fraction(a, b) if b else None


@dataclass(frozen=True)
class OnlineRow:
    """One line: a month ("11/2026"), a procedure, or the whole period."""

    kind: str  # "month" | "procedure" | "total"
    key: str  # "2026-11" | the procedure code | ""
    label: str
    received: int  # dossiers received (every channel)
    online: int  # of them filed online
    assisted: int  # of the online ones, filed with a clerk's help
    eligible: int  # received, of the procedures that can be done fully online (3.x's denominator)
    eligible_online: int  # of them filed online (3.x's numerator)
    level: str | None = None  # a procedure's online level (ONLINE_LEVELS), None: not offered online

    @property
    def share(self) -> Fraction | None:
        return _ratio(self.online, self.received)

    @property
    def assisted_share(self) -> Fraction | None:
        return _ratio(self.assisted, self.online)

    @property
    def share_3x(self) -> Fraction | None:
        return _ratio(self.eligible_online, self.eligible)

    def judged(self) -> Fraction | None:
        """What the target is held against: 3.x for a month or the period, the share for a procedure offered
        online, nothing for one that is not."""
        if self.kind == "procedure":
            return self.share if self.level is not None else None
        return self.share_3x

    def met(self, target: Fraction) -> bool | None:
        value = self.judged()
        return None if value is None or not target else value >= target


@dataclass(frozen=True)
class OnlineReport:
    period: Period
    office_name: str
    target: Fraction  # the yearly target (0: none set)
    months: list[OnlineRow]
    procedures: list[OnlineRow]  # most received first
    total: OnlineRow


_ROWS = (
    "SELECT strftime('%Y-%m', d.received_at, '+7 hours') AS m, d.procedure_code, max(d.procedure_name), "
    "count(*), coalesce(sum(d.channel = 2), 0), coalesce(sum(d.channel = 2 AND d.assisted), 0), "
    f"coalesce(max({FULLY_ONLINE}), 0), max(p.online_level) "
    "FROM dossiers d LEFT JOIN procedures p ON p.code = d.procedure_code "
    f"WHERE d.received_at >= ? AND d.received_at < ? AND d.{LIVE} GROUP BY m, d.procedure_code")


def _sum(kind: str, key: str, label: str, rows: list[OnlineRow], level: str | None = None) -> OnlineRow:
    return OnlineRow(kind, key, label, sum(r.received for r in rows), sum(r.online for r in rows),
                     sum(r.assisted for r in rows), sum(r.eligible for r in rows),
                     sum(r.eligible_online for r in rows), level)


def online_report(store: Store, actor: Actor, period: Period) -> OnlineReport:
    """The period's online share by month and by procedure, against the office's yearly target."""
    from counter.services.office import office_info
    from counter.settings import load_settings

    require(actor.role, Action.VIEW_REPORTS)
    c = Context.of(store, period)
    cells: list[OnlineRow] = []
    for month, code, name, n, online, assisted, eligible, level in store.query(_ROWS, (c.lo, c.hi)):
        cells.append(OnlineRow("cell", f"{month}|{code}", name, int(n), int(online), int(assisted),
                               int(n) if eligible else 0, int(online) if eligible else 0, level))
    months = []
    for month in sorted({r.key.split("|")[0] for r in cells}):
        y, m = month.split("-")
        months.append(_sum("month", month, f"Tháng {m}/{y}", [r for r in cells if r.key.startswith(month + "|")]))
    procedures = []
    for code in {r.key.split("|")[1] for r in cells}:
        mine = [r for r in cells if r.key.split("|")[1] == code]
        procedures.append(_sum("procedure", code, mine[0].label, mine, mine[0].level))
    procedures.sort(key=lambda r: (-r.received, r.key))
    percent = load_settings(store.data_dir).scorecard.online_target_percent
    return OnlineReport(period, office_info(store).name, Fraction(percent).limit_denominator(1000) / 100, months,
                        procedures, _sum("total", "", "Cả kỳ", cells))


def level_label(level: str | None) -> str:
    return f"trực tuyến {ONLINE_LEVELS[level]}" if level in ONLINE_LEVELS else "không nộp trực tuyến"


def file_name(period: Period, fmt: str) -> str:
    from counter.services.reports import _name

    return _name("truc-tuyen", period, fmt)


def write_online_report(store: Store, actor: Actor, period: Period, fmt: str, out: Path | None = None) -> Path:
    """The report as PDF (A4) or XLSX, at `out` or in the data dir's exports/."""
    from counter.domain.errors import CounterError
    from counter.printing import online as printing
    from counter.services.reports import _write, exports_dir

    if fmt not in ("pdf", "xlsx"):
        raise CounterError(f"Báo cáo trực tuyến không xuất được dạng “{fmt}” (chỉ pdf, xlsx)")
    report = online_report(store, actor, period)
    if fmt == "pdf":
        from counter.printing.pdf import render_pdf

        data = render_pdf([printing.online_report(report)], "A4")
    else:
        data = printing.online_report_xlsx(report)
    return _write(out if out is not None else exports_dir(store) / file_name(period, fmt), data)
