"""Rules of F4 Xử lý and F5 Trả kết quả that a supervisor could argue about (pure: standard library + calendar).

- The supplement clock (`SupplementClock`): when the citizen brings the papers asked for with Mẫu 02, the office's
  calendar setting says whether the processing time restarts from the arrival (the dossier counts as received
  again, NĐ 118/2025 art. on incomplete dossiers) or was only paused while the office waited (the due date moves
  by the working days spent waiting). Offices set it (`offices.supplement_clock`, `counter calendar
  supplement-rule`).
- The new due date of an extension (Mẫu 04): N working days after the current due date (or after today when the
  dossier is already late), at closing time.
- Mẫu 06 rows: one per hand-off (and the hand-over to the citizen), each classed early / on time / late
  (trước hạn / đúng hạn / quá hạn) by `WorkCalendar.lateness`: against the giver's own step deadline when the
  procedure carries internal steps (`step_visits`, law.step_deadline), else against the dossier's due date in
  force at that moment.
- The steps a dossier went through (`step_visits`): it reaches the first step at intake; each hand-off leaves
  the current step and reaches the next step of the unit it went to (law.step_for); a unit outside the process
  is a visit without a step (judged against the due date). The step in progress has its clock restarted when
  the papers asked for arrive, and is moved by a statutory verification time like the due date. The last step
  (the desk returning the result) is due by the later of its own deadline and the appointment.
- The receipt's QR: `{public_base_url}/t/{token}`, parsed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from collections.abc import Iterable

from counter.domain import law
from counter.domain.calendar import VN_TZ, WorkCalendar
from counter.domain.errors import CounterError
from counter.domain.labels import Labelled, label_table
from counter.domain.lifecycle import DossierState, Event, EventKind, apply


class SupplementClock(Labelled, StrEnum):
    RESTART = "restart"  # count the full processing time again from the day the papers arrive
    PAUSE = "pause"  # the clock stopped while waiting: the due date moves by the working days waited


SUPPLEMENT_CLOCK_LABELS = label_table(SupplementClock, {
    SupplementClock.RESTART: "Tính lại từ đầu khi nhận đủ giấy tờ bổ sung",
    SupplementClock.PAUSE: "Tạm dừng trong thời gian chờ bổ sung, cộng thêm số ngày chờ",
})


def supplement_clock(value: str) -> SupplementClock:
    try:
        return SupplementClock(value.strip().lower())
    except ValueError:
        raise CounterError(f"Cách tính thời hạn sau bổ sung không hợp lệ: “{value}” (restart hoặc pause)") from None


def due_after_supplement(cal: WorkCalendar, rule: SupplementClock | str, *, working_days: int, due_at: datetime,
                         requested_at: datetime, arrived_at: datetime) -> datetime:
    """The due date once the requested papers arrive (aware, Vietnam time)."""
    rule = SupplementClock(rule)
    if rule == SupplementClock.RESTART:
        return cal.due_at(arrived_at, working_days)
    waited = max(0, cal.working_days_between(requested_at, arrived_at))
    local = due_at.astimezone(VN_TZ)
    day = cal.add_working_days(local.date(), waited) if waited else local.date()
    return datetime.combine(day, local.timetz())


def extended_due(cal: WorkCalendar, due_at: datetime | None, now: datetime, days: int) -> datetime:
    """Mẫu 04: the new appointment, `days` working days after the current due date (or after today if later)."""
    if days < 1:
        raise CounterError("Số ngày gia hạn phải từ 1 ngày làm việc trở lên")
    base = max(due_at, now) if due_at is not None else now
    start = base.astimezone(VN_TZ).date()
    return datetime.combine(cal.add_working_days(start, days), cal.hours.closing, VN_TZ)


RESULT_LABELS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}


def result_text(result: str, days: int) -> str:
    label = RESULT_LABELS[result]
    return f"{label} {days} ngày làm việc" if days else label


@dataclass(frozen=True)
class ControlRow:
    """One row of Mẫu 06: who handed the file to whom, when, and how that stood against the due date."""

    giver: str
    receiver: str
    giver_person: str
    receiver_person: str
    at: datetime
    due_at: datetime | None
    result: str  # early | on_time | late
    days: int  # working days early / late
    note: str
    step: law.Step | None = None  # the giver's step (None: no internal steps, or a unit outside them)

    @property
    def result_label(self) -> str:
        return result_text(self.result, self.days)


@dataclass(frozen=True)
class StepVisit:
    """A unit holding the dossier: since when, until when (None: still there), and by when it must be done."""

    unit: str
    step: law.Step | None  # None: a unit outside the procedure's steps
    index: int | None  # the step's place in the procedure's steps
    reached_at: datetime
    deadline: datetime | None  # None without a step
    left_at: datetime | None = None


def _hand_off(event: Event, desk: str) -> str | None:
    """The unit a hand-off gave the dossier to (None: the result left the office)."""
    if event.kind == EventKind.TRANSFERRED:
        return str(event.payload["to"]) if event.payload.get("direction", "out") == "out" else desk
    return None


def step_visits(events: Iterable[Event], cal: WorkCalendar, steps: tuple[law.Step, ...],
                desk: str) -> list[StepVisit]:
    """The units a dossier went through, in order, each with its step's deadline (module docstring)."""
    visits: list[StepVisit] = []
    state: DossierState | None = None
    last = len(steps) - 1
    extra = 0  # working days a statutory verification added to the step in progress

    def deadline(index: int | None, reached: datetime, due: datetime | None) -> datetime | None:
        if index is None:
            return None
        at = law.step_deadline(cal, reached, steps[index].working_days)
        if extra:
            local = at.astimezone(VN_TZ)
            at = datetime.combine(cal.add_working_days(local.date(), extra), local.timetz())
        return max(at, due) if index == last and due is not None else at

    def reach(unit: str, index: int | None, at: datetime, due: datetime | None) -> None:
        nonlocal extra
        extra = 0
        visits.append(StepVisit(unit, steps[index] if index is not None else None, index, at,
                                deadline(index, at, due)))

    for event in events:
        before = state
        state = apply(state, event)
        if before is None:
            if steps:  # at the desk: its step, or the first one
                first = law.step_for(steps, desk)
                reach(desk, 0 if first is None else first, event.at, state.due_at)
            continue
        if not visits:
            continue
        current = visits[-1]
        if current.left_at is not None:
            continue
        if event.kind in (EventKind.TRANSFERRED, EventKind.RETURNED):
            visits[-1] = StepVisit(current.unit, current.step, current.index, current.reached_at,
                                   current.deadline, event.at)
            unit = _hand_off(event, desk)
            if unit is not None:
                after = current.index if current.index is not None else max(
                    (v.index for v in visits if v.index is not None), default=-1)
                reach(unit, law.step_for(steps, unit, after), event.at, state.due_at)
        elif event.kind == EventKind.SUPPLEMENT_RECEIVED:  # the step's clock restarts with the papers
            extra = 0
            visits[-1] = StepVisit(current.unit, current.step, current.index, event.at,
                                   deadline(current.index, event.at, state.due_at))
        elif event.kind == EventKind.VERIFICATION:  # the law's verification time moves the step too
            extra += int(event.payload.get("days", 0) or 0)
            visits[-1] = StepVisit(current.unit, current.step, current.index, current.reached_at,
                                   deadline(current.index, current.reached_at, state.due_at))
        elif current.index == last and state.due_at != before.due_at:  # the appointment moved: the last step too
            visits[-1] = StepVisit(current.unit, current.step, current.index, current.reached_at,
                                   deadline(current.index, current.reached_at, state.due_at))
    return visits


def control_rows(events: Iterable[Event], cal: WorkCalendar, desk: str,
                 actors: dict[int, str] | None = None, steps: tuple[law.Step, ...] = ()) -> list[ControlRow]:
    """Mẫu 06 rows from a dossier's events, in order: each `transferred` and the final `returned`.

    With internal `steps`, each row is judged against the giver's step deadline (`step_visits`); without (or for
    a unit outside them), against the due date in force just before the hand-off (extensions and supplements
    included), found by folding the events through the reducer."""
    actors = actors or {}
    events = list(events)
    # the nth hand-off leaves the nth visit left
    left = iter([v for v in step_visits(events, cal, steps, desk) if v.left_at is not None] if steps else [])
    rows: list[ControlRow] = []
    state: DossierState | None = None
    for event in events:
        before = state
        state = apply(state, event)
        if before is None or event.kind not in (EventKind.TRANSFERRED, EventKind.RETURNED):
            continue
        p: dict[str, Any] = dict(event.payload)
        clerk = actors.get(event.actor_id or -1, "")
        if event.kind == EventKind.TRANSFERRED:
            if p.get("direction", "out") == "out":
                giver, receiver = before.held_by or desk, str(p["to"])
                giver_person, receiver_person = clerk, str(p.get("person") or "")
            else:
                giver, receiver = before.held_by or "", desk
                giver_person, receiver_person = str(p.get("person") or ""), clerk
        else:
            giver, giver_person = desk, clerk
            if p.get("method") == "post":
                receiver, receiver_person = "Bưu chính công ích", f"số hiệu {p.get('tracking', '')}"
            else:
                receiver = "Người được ủy quyền" if p.get("receiver") == "authorized" else "Chủ hồ sơ"
                receiver_person = str(p.get("receiver_name") or "")
        visit = next(left, None)
        due = visit.deadline if visit is not None and visit.deadline is not None else before.due_at
        if due is None:
            result, days = "on_time", 0
        else:
            result, days = cal.lateness(due, event.at)
        rows.append(ControlRow(giver, receiver, giver_person, receiver_person, event.at, due, result,
                               days, str(p.get("note") or ""), visit.step if visit is not None else None))
    return rows


def current_visit(events: Iterable[Event], cal: WorkCalendar, steps: tuple[law.Step, ...],
                  desk: str) -> StepVisit | None:
    """The step the dossier is at now (None: no internal steps, or the result has left the office)."""
    visits = step_visits(events, cal, steps, desk) if steps else []
    return visits[-1] if visits and visits[-1].left_at is None else None


def control_units(steps: tuple[law.Step, ...], rows: Iterable[ControlRow], desk: str) -> tuple[str | None, str]:
    """Mẫu 06's "Cơ quan (bộ phận) giải quyết hồ sơ" (the deciding step's unit; None: not in the steps) and
    "Cơ quan phối hợp giải quyết hồ sơ": every other unit of the steps and of the hand-offs, the desk, the
    citizen and the post left out."""
    deciding = next((s.unit for s in steps if s.decides), None)
    outside = {"Chủ hồ sơ", "Người được ủy quyền", "Bưu chính công ích"}
    partners: list[str] = []
    for unit in [*(s.unit for s in steps), *(r.receiver for r in rows)]:
        if unit in outside or law.same_unit(unit, desk) or law.same_unit(desk, unit) or (
                deciding and law.same_unit(deciding, unit)):
            continue
        if not any(law.same_unit(u, unit) for u in partners):
            partners.append(unit)
    return deciding, "; ".join(partners)


# ---- the receipt's QR ------------------------------------------------------------------------------------

TOKEN_IN_URL = re.compile(r"^(?P<base>https?://\S+?)/t/(?P<token>[A-Za-z2-7]{32})/?$")
CODE_LIKE = re.compile(r"^[A-Z0-9]+(?:\.[A-Z0-9]+)*-\d{6}-\d{4}$")


class ScanError(CounterError):
    pass


@dataclass(frozen=True)
class Scanned:
    """What a scan or a typed line names: a tracking token (from the receipt QR) or a dossier code."""

    token: str | None = None
    code: str | None = None
    base_url: str | None = None


def parse_scan(text: str) -> Scanned:
    """The receipt QR (`{public_base_url}/t/{token}`), the code's barcode or a typed code; else ScanError."""
    raw = (text or "").strip()
    if not raw:
        raise ScanError("Chưa có mã: quét mã QR trên giấy tiếp nhận hoặc gõ mã hồ sơ")
    m = TOKEN_IN_URL.match(raw)
    if m:
        return Scanned(token=m["token"].upper(), base_url=m["base"].rstrip("/"))
    if CODE_LIKE.match(raw.upper()):
        return Scanned(code=raw.upper())
    if "|" in raw:
        raise ScanError("Đây là mã QR của thẻ CCCD, không phải mã trên giấy tiếp nhận hồ sơ")
    if "/t/" in raw:
        raise ScanError("Mã QR không đúng dạng đường dẫn tra cứu hồ sơ (…/t/MÃ-TRA-CỨU): có thể mã bị quét thiếu "
                        "hoặc máy quét đổi ký tự")
    raise ScanError(f"Không nhận ra mã “{raw[:60]}”: cần mã QR trên giấy tiếp nhận hoặc mã hồ sơ dạng "
                    "MÃCQ-yyMMdd-NNNN")
