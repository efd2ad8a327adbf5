"""The office's figures: per-clerk figures, the Bộ chỉ số 766 scorecard, the Mẫu 07 ledger, CSV exports.

Who sees what (enforced here, not only by hiding keys): the scorecard, the ledger and other clerks' figures
need Action.VIEW_REPORTS (supervisor); a clerk or postal worker asking for per-clerk figures gets only their own.

Definitions (one place, so the screen, the CLI and the exports agree):
- The scorecard judges the dossiers *received* in the period (received_at in it; refused and not-yet-received
  online registrations have no received_at and are not counted).
- The 766 indicators and their definitions: services/scorecard.py (issue 17: 2.1 counts the backlog carried in,
  a statutory verification time is not late, an apology is; records other parts bring show "Chưa có dữ liệu").
- Late supplement requests (issue 17, NĐ 61 Đ19.4): the processing agency's Mẫu 02 made in the period more than
  3 working days after the dossier reached it (`supplement_requested` events flagged `late_request`), out of the
  requests made in the period after a hand-off (those that carry `days_after_hand_off`).
- A voided dossier (received by mistake, issue 12) counts nowhere in the scorecard or the per-clerk figures;
  the ledger keeps its line, struck through, with "Đã hủy: lý do".
- Per clerk: received = received_by, in the period; returned = the dossiers this person handed over (the actor of
  the `returned` event) in the period;
  late = the assignee's dossiers resolved in the period late, plus those still open that went past their due
  date during the period; average handling time = working days from receipt to result, for those resolved in
  the period.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, UTC
from fractions import Fraction
from pathlib import Path

from counter.domain.calendar import VN_TZ, WorkCalendar, format_vn
from counter.domain.errors import CounterError
from counter.domain.lifecycle import STATUS_LABELS, Status
from counter.domain.permissions import Action, can, require
from counter.domain.scorecard import NO_DATA, Indicator, Period, local_date, number, percent
from counter.fsutil import private_dir, write_atomic
from counter.models import parse_utc
from counter.printing.ledger import Ledger, LedgerRow
from counter.services.office import calendar_for, office_info
from counter.services.queue import BUCKET_LABELS, CHANNEL_LABELS, QueueFilter, QueueItem, all_items
from counter.services.store import Actor, Store

LATE_SQL = "(resolved_at > due_at OR extension_count > 0)"
LIVE = "voided_at IS NULL"  # issue 12: voided dossiers count nowhere but in the ledger


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _bounds(period: Period) -> tuple[str, str]:
    lo, hi = period.utc_bounds()
    return _ts(lo), _ts(hi)


LOCAL_DAY = "date({0}, '+7 hours')"  # Vietnam has kept UTC+7 without daylight saving since 1975


def _noon(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(12), VN_TZ)


def _avg_days(cal: WorkCalendar, pairs: list[tuple[str, str, int]]) -> float | None:
    """Average working days from receipt to result over (received day, resolved day, count) groups: working
    days depend on the two local dates only, so SQL groups the rows and the calendar sees each pair once."""
    n = sum(c for _, _, c in pairs)
    if not n:
        return None
    return sum(max(0, cal.working_days_between(_noon(a), _noon(b))) * c for a, b, c in pairs) / n


# ---- per clerk ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClerkFigures:
    user_id: int
    full_name: str
    role: str
    received: int
    returned: int
    late: int
    resolved: int
    avg_days: float | None  # working days from receipt to result


def _people(store: Store) -> tuple[str, dict[tuple[str, int], tuple[str, str]]]:
    """This station's id and everyone a dossier row can name: (station, user id) -> (full name, role).
    A row holds the user ids of the station that wrote it (sync): another station's people come from the
    actors its synced events carried; an id no synced actor explains is one of this file's users."""
    own = store.query("SELECT value FROM sync_state WHERE key = 'station_id'")[0][0]
    people = {(own, r["id"]): (r["full_name"], r["role"])
              for r in store.query("SELECT id, full_name, role FROM users WHERE role != 'admin'")}
    try:
        remote = store.query("SELECT station_id, actor_id, full_name, role FROM sync_actors WHERE role != 'admin'")
    except Exception:  # a store from before the sync tables (issue 8): this station's users only
        remote = []
    people.update({(r[0], r[1]): (r[2], r[3]) for r in remote})
    return own, people


def _key(own: str, people: dict[tuple[str, int], tuple[str, str]], station: str, uid: int | None) -> tuple[str, int]:
    return (station, uid) if (station, uid) in people else (own, uid)  # type: ignore[return-value]


def clerk_figures(store: Store, actor: Actor, period: Period) -> list[ClerkFigures]:
    """Figures per member of staff; a role without VIEW_REPORTS sees only its own line."""
    lo, hi = _bounds(period)
    now = _ts(store.clock.now())
    cal = calendar_for(store)
    own, people = _people(store)

    def grouped(col: str, where: str, args: tuple, table: str = "dossiers",
                station_col: str = "station_id") -> dict[tuple[str, int], int]:
        out: dict[tuple[str, int], int] = {}
        for station, uid, n in store.query(f"SELECT {station_col}, {col}, count(*) FROM {table} WHERE {LIVE} AND {where} "
                                           f"GROUP BY {station_col}, {col}", args):
            k = _key(own, people, station, uid)
            out[k] = out.get(k, 0) + n
        return out

    received = grouped("received_by", "received_at >= ? AND received_at < ?", (lo, hi))
    # who handed the result over: the `returned` event's actor (named by the station that wrote that event),
    # not the dossier's assignee; the dossiers returned in the period are found by their indexed returned_at
    returned = grouped("e.actor_id", "d.returned_at >= ? AND d.returned_at < ? AND e.kind = 'returned'", (lo, hi),
                       "dossiers d JOIN dossier_events e ON e.dossier_id = d.id", "e.station_id")
    late_done = grouped("assignee_id", f"resolved_at >= ? AND resolved_at < ? AND {LATE_SQL}", (lo, hi))
    late_open = grouped("assignee_id", "status IN (2, 4) AND due_at >= ? AND due_at < min(?, ?)", (lo, hi, now))
    spans: dict[tuple[str, int], list[tuple[str, str, int]]] = {}
    for r in store.query(f"SELECT station_id, assignee_id, {LOCAL_DAY.format('received_at')} a, "
                         f"{LOCAL_DAY.format('resolved_at')} b, count(*) FROM dossiers WHERE resolved_at >= ? AND "
                         f"resolved_at < ? AND received_at IS NOT NULL AND {LIVE} GROUP BY station_id, assignee_id, a, b",
                         (lo, hi)):
        spans.setdefault(_key(own, people, r[0], r[1]), []).append((r[2], r[3], r[4]))
    keys = sorted(people, key=lambda k: (people[k][0], k))
    if not can(actor.role, Action.VIEW_REPORTS):  # clerks and postal staff: their own line only
        keys = [k for k in keys if k == (own, actor.user_id)]
    out = []
    for k in keys:
        name, role = people[k]
        out.append(ClerkFigures(k[1], name, role, received.get(k, 0), returned.get(k, 0),
                                late_done.get(k, 0) + late_open.get(k, 0), sum(c for *_, c in spans.get(k, [])),
                                _avg_days(cal, spans.get(k, []))))
    return out


# ---- scorecard ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DayTrend:
    day: date
    received: int
    returned: int
    late: int


@dataclass(frozen=True)
class Scorecard:
    period: Period
    received: int
    handled: int
    on_time: int
    late: int
    channels: dict[int, int]
    avg_days: float | None
    indicators: list[Indicator]
    trend: list[DayTrend] = field(default_factory=list)
    late_supplements: int = 0  # Đ19.4: Mẫu 02 later than 3 working days after the hand-off (see the module)
    agency_supplements: int = 0  # Mẫu 02 asked by the processing agency (after a hand-off) in the period

    @property
    def total_score(self) -> Fraction:
        return sum((i.score for i in self.indicators if i.score is not None), Fraction(0))

    @property
    def total_points(self) -> Fraction:
        return sum((i.points for i in self.indicators if i.score is not None), Fraction(0))


_LEDGER = "received_at >= ? AND received_at < ?"  # the ledger keeps voided dossiers (struck through)
_COHORT = f"{_LEDGER} AND {LIVE}"


def scorecard(store: Store, actor: Actor, period: Period, trend: bool = True) -> Scorecard:
    """The 766 indicators (services/scorecard.py, one compute function each) and the period's figures."""
    from counter.services import scorecard as sc766
    from counter.settings import load_settings

    require(actor.role, Action.VIEW_REPORTS)
    lo, hi = _bounds(period)
    cal = calendar_for(store)
    received, direct, online, post = (int(x or 0) for x in store.query(
        "SELECT count(*), sum(channel = 1), sum(channel = 2), sum(channel = 3) "
        f"FROM dossiers WHERE {_COHORT}", (lo, hi))[0])
    target = load_settings(store.data_dir).scorecard.online_target_percent
    indicators = sc766.indicators(store, period, target)
    timely = next(i for i in indicators if i.code == "2.1")
    on_time, handled = timely.numerator, timely.denominator
    spans = [(a, b, c) for a, b, c in store.query(
        f"SELECT {LOCAL_DAY.format('received_at')} a, {LOCAL_DAY.format('resolved_at')} b, count(*) FROM dossiers "
        f"WHERE {_COHORT} AND resolved_at IS NOT NULL GROUP BY a, b", (lo, hi))]
    days = _trend(store, period) if trend else []
    late, asked = late_supplement_requests(store, period)
    return Scorecard(period, received, handled, on_time, handled - on_time, {1: direct, 2: online, 3: post},
                     _avg_days(cal, spans), indicators, days, late, asked)


LATE_SUPPLEMENT_LABEL = "Yêu cầu bổ sung quá 3 ngày làm việc sau khi chuyển (Đ19.4)"


def late_supplement_requests(store: Store, period: Period) -> tuple[int, int]:
    """(late, all) requests for papers the processing agency made in the period (see the module's text)."""
    lo, hi = _bounds(period)
    late, asked = store.query(
        "SELECT coalesce(sum(json_extract(e.payload, '$.late_request') IS 1), 0), count(*) FROM dossier_events e "
        "JOIN dossiers d ON d.id = e.dossier_id WHERE e.kind = 'supplement_requested' AND e.at >= ? AND e.at < ? "
        "AND json_extract(e.payload, '$.days_after_hand_off') IS NOT NULL AND d.voided_at IS NULL", (lo, hi))[0]
    return int(late), int(asked)


def _trend(store: Store, period: Period) -> list[DayTrend]:
    lo, hi = _bounds(period)
    day = LOCAL_DAY
    rec = {d: n for d, n in store.query(f"SELECT {day.format('received_at')} d, count(*) FROM dossiers WHERE received_at >= ? "
                           f"AND received_at < ? AND {LIVE} GROUP BY d", (lo, hi))}
    ret = {d: n for d, n in store.query(f"SELECT {day.format('returned_at')} d, count(*) FROM dossiers WHERE returned_at >= ? "
                           f"AND returned_at < ? AND {LIVE} GROUP BY d", (lo, hi))}
    late = {d: n for d, n in store.query(f"SELECT {day.format('resolved_at')} d, count(*) FROM dossiers WHERE resolved_at >= ? "
                            f"AND resolved_at < ? AND {LATE_SQL} AND {LIVE} GROUP BY d", (lo, hi))}
    return [DayTrend(d, rec.get(d.isoformat(), 0), ret.get(d.isoformat(), 0), late.get(d.isoformat(), 0))
            for d in period.days]


# ---- the ledger (Mẫu 07) ---------------------------------------------------------------------------------------

def _area(address: str | None) -> str:
    """Địa bàn: the first part of the address (thôn, xóm, tổ), where the dossier arose (inferred)."""
    return (address or "").split(",")[0].strip()


def _note(status: int, extensions: int, reason: str | None, void_reason: str | None = None) -> str:
    if void_reason is not None:
        return f"Đã hủy: {void_reason}"
    parts = []
    if status != Status.RETURNED:
        parts.append(STATUS_LABELS[Status(status)])
    if extensions:
        parts.append(f"gia hạn {extensions} lần")
    if reason and status in (Status.WITHDRAWN, Status.STOPPED):
        parts.append(reason)
    return "; ".join(parts)


def ledger(store: Store, actor: Actor, period: Period) -> Ledger:
    """The dossier ledger for the dossiers received in a period, oldest first."""
    require(actor.role, Action.VIEW_REPORTS)
    lo, hi = _bounds(period)
    info = office_info(store)
    names = {r[0]: r[1] for r in store.query("SELECT id, full_name FROM users")}
    rows = []

    def d(v: str | None) -> date | None:
        return None if v is None else local_date(parse_utc(v))  # type: ignore[arg-type]

    for i, r in enumerate(store.query(
            "SELECT code, procedure_name, sets, owner_name, owner_address, owner_phone, received_at, due_at, "
            "returned_at, received_by, status, extension_count, closed_reason, voided_at, void_reason, book_no "
            f"FROM dossiers WHERE {_LEDGER} ORDER BY received_at, seq", (lo, hi)), start=1):
        # issue 17: the line's number is the dossier's Số thứ tự in the receipt book, as Mẫu 01 prints it
        no = int(r["book_no"]) if (r["book_no"] or "").isdigit() else i
        rows.append(LedgerRow(no, r["code"], r["procedure_name"], int(r["sets"]), r["owner_name"],
                              r["owner_address"] or "", r["owner_phone"] or "", d(r["received_at"]), d(r["due_at"]),
                              d(r["returned_at"]), names.get(r["received_by"], ""), _area(r["owner_address"]),
                              _note(int(r["status"]), int(r["extension_count"]), r["closed_reason"],
                                    (r["void_reason"] or "") if r["voided_at"] else None),
                              voided=r["voided_at"] is not None))
    return Ledger(info.name, info.parent_name, info.place_name, period, _local_today(store), rows)


def _local_today(store: Store) -> date:
    return local_date(store.clock.now())


# ---- CSV ---------------------------------------------------------------------------------------------------

def _csv(header: list[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return "\ufeff" + buf.getvalue()  # BOM: Excel opens Vietnamese UTF-8 right


def queue_csv(items: list[QueueItem], bucket: str) -> str:
    def t(v: datetime | None) -> str:
        return format_vn(v) if v else ""

    return _csv(["Nhóm", "Mã hồ sơ", "Chủ hồ sơ", "Điện thoại", "Mã thủ tục", "Thủ tục", "Lĩnh vực", "Kênh",
                 "Trạng thái", "Ngày nhận", "Hẹn trả", "Số ngày trễ", "Cán bộ xử lý"],
                [[BUCKET_LABELS[bucket], i.code, i.owner_name, i.owner_phone or "", i.procedure_code,
                  i.procedure_name, i.field, CHANNEL_LABELS.get(i.channel, i.channel), i.status_label,
                  t(i.received_at), t(i.due_at), i.days_late, i.assignee] for i in items])


def scorecard_csv(sc: Scorecard) -> str:
    rows: list[list[object]] = [
        [i.code, i.name, i.numerator if i.available else "", i.denominator if i.available else "",
         percent(i.ratio) if i.available else NO_DATA.lower(), percent(i.target, 0), number(i.points),
         number(i.score), i.note, i.definition, i.source] for i in sc.indicators]
    rows.append(["2.2", "Thời gian giải quyết trung bình (ngày làm việc)", "", "", number(sc.avg_days), "", "", "",
                 "", "", ""])
    rows.append(["Đ19.4", LATE_SUPPLEMENT_LABEL, sc.late_supplements, sc.agency_supplements,
                 percent(Fraction(sc.late_supplements, sc.agency_supplements)) if sc.agency_supplements else "",
                 "", "", "", "được phép nhưng bị tính", "số lần yêu cầu bổ sung muộn / số lần cơ quan giải quyết yêu "
                 "cầu bổ sung trong kỳ", "NĐ 61/2018 Đ19.4 (NĐ 118/2025)"])
    rows.append(["", "Tổng điểm", "", "", "", "", number(sc.total_points), number(sc.total_score), sc.period.label,
                 "", ""])
    return _csv(["Chỉ số", "Nội dung", "Tử số", "Mẫu số", "Tỷ lệ", "Mục tiêu", "Điểm tối đa", "Điểm đạt",
                 "Ghi chú", "Cách tính", "Nguồn điểm, mục tiêu"], rows)


def clerks_csv(figures: list[ClerkFigures]) -> str:
    return _csv(["Cán bộ", "Tiếp nhận", "Đã trả", "Trễ hạn", "Đã giải quyết", "Thời gian TB (ngày làm việc)"],
                [[f.full_name, f.received, f.returned, f.late, f.resolved, number(f.avg_days)] for f in figures])


# ---- exports into the data dir ---------------------------------------------------------------------------------

EXPORT_FORMATS = {"ledger": ("xlsx", "pdf", "csv"), "scorecard": ("csv",), "queue": ("csv",)}


def exports_dir(store: Store) -> Path:
    return private_dir(store.data_dir / "exports")


def ledger_bytes(led: Ledger, fmt: str) -> bytes:
    if fmt == "xlsx":
        from counter.printing.xlsx import ledger_xlsx

        return ledger_xlsx(led)
    if fmt == "pdf":
        from counter.printing.ledger import ledger_pdf

        return ledger_pdf(led)
    if fmt == "csv":
        from counter.printing.ledger import COLUMNS, row_cells

        return _csv(list(COLUMNS), [row_cells(r) for r in led.rows]).encode("utf-8")
    raise CounterError(f"Định dạng không hợp lệ cho sổ theo dõi: “{fmt}” (xlsx, pdf hoặc csv)")


def _write(path: Path, data: bytes) -> Path:
    try:
        write_atomic(data, path)
    except OSError as exc:
        raise CounterError(f"Không ghi được tệp {path}: {exc.strerror}") from None
    return path


def _name(kind: str, period: Period, fmt: str) -> str:
    if period.start == period.end:
        return f"{kind}-{period.start:%Y%m%d}.{fmt}"
    return f"{kind}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"


def export(store: Store, actor: Actor, kind: str, period: Period, fmt: str, out: Path | None = None,
           bucket: str = "overdue", flt: QueueFilter = QueueFilter()) -> Path:
    """Write a report (ledger xlsx|pdf|csv, scorecard csv, queue csv) to `out` or the data dir's exports/."""
    if kind not in EXPORT_FORMATS:
        raise CounterError(f"Loại báo cáo không hợp lệ: “{kind}” (ledger, scorecard hoặc queue)")
    if fmt not in EXPORT_FORMATS[kind]:
        raise CounterError(f"Báo cáo {kind} không xuất được dạng “{fmt}” (chỉ {', '.join(EXPORT_FORMATS[kind])})")
    if kind == "ledger":
        data = ledger_bytes(ledger(store, actor, period), fmt)
        name = _name("so-theo-doi", period, fmt)
    elif kind == "scorecard":
        sc = scorecard(store, actor, period, trend=False)
        data = (scorecard_csv(sc) + "\n" + clerks_csv(clerk_figures(store, actor, period)).lstrip("\ufeff")
                ).encode("utf-8")
        name = _name("chi-so", period, fmt)
    else:
        require(actor.role, Action.VIEW_QUEUE)
        data = queue_csv(all_items(store, actor, bucket, flt), bucket).encode("utf-8")
        name = f"hang-doi-{bucket}-{_local_today(store):%Y%m%d}.csv"
    return _write(out if out is not None else exports_dir(store) / name, data)
