"""Rules of F4 Xử lý and F5 Trả kết quả that a supervisor could argue about (pure: standard library + calendar).

- The supplement clock (`SupplementClock`): when the citizen brings the papers asked for with Mẫu 02, the office's
  calendar setting says whether the processing time restarts from the arrival (the dossier counts as received
  again, NĐ 118/2025 art. on incomplete dossiers) or was only paused while the office waited (the due date moves
  by the working days spent waiting). Offices set it (`offices.supplement_clock`, `counter calendar
  supplement-rule`).
- The new due date of an extension (Mẫu 04): N working days after the current due date (or after today when the
  dossier is already late), at closing time.
- Mẫu 06 rows: one per hand-off (and the hand-over to the citizen), each classed early / on time / late
  (trước hạn / đúng hạn / quá hạn) against the due date in force at that moment, by `WorkCalendar.lateness`.
- The receipt's QR: `{public_base_url}/t/{token}`, parsed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from collections.abc import Iterable

from counter.domain.calendar import VN_TZ, WorkCalendar
from counter.domain.errors import CounterError
from counter.domain.lifecycle import DossierState, Event, EventKind, apply


class SupplementClock(StrEnum):
    RESTART = "restart"  # count the full processing time again from the day the papers arrive
    PAUSE = "pause"  # the clock stopped while waiting: the due date moves by the working days waited

    @property
    def label(self) -> str:
        return SUPPLEMENT_CLOCK_LABELS[self]


SUPPLEMENT_CLOCK_LABELS = {
    SupplementClock.RESTART: "Tính lại từ đầu khi nhận đủ giấy tờ bổ sung",
    SupplementClock.PAUSE: "Tạm dừng trong thời gian chờ bổ sung, cộng thêm số ngày chờ",
}


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

    @property
    def result_label(self) -> str:
        return result_text(self.result, self.days)


def control_rows(events: Iterable[Event], cal: WorkCalendar, desk: str,
                 actors: dict[int, str] | None = None) -> list[ControlRow]:
    """Mẫu 06 rows from a dossier's events, in order: each `transferred` and the final `returned`.

    The due date of each row is the one in force just before the hand-off (extensions and supplements
    included), found by folding the events through the reducer."""
    actors = actors or {}
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
        if before.due_at is None:
            result, days = "on_time", 0
        else:
            result, days = cal.lateness(before.due_at, event.at)
        rows.append(ControlRow(giver, receiver, giver_person, receiver_person, event.at, before.due_at, result,
                               days, str(p.get("note") or "")))
    return rows


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
