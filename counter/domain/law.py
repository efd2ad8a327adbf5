"""The workflow rules the law sets (NĐ 61/2018 as codified, kept in substance by NĐ 118/2025; Luật Hộ tịch).

Pure: standard library, the calendar and text folding. The reducer (domain/lifecycle.py) enforces what needs no
calendar (Mẫu 04 at most once, before the due day; the statutory verification once); the services call these
functions for what does (they run on the station, with the office's calendar, before the event is written):

- **Apology (Mẫu 04, Đ19.9)**: at the latest 1 working day before the due date; after that the step is refused and
  the dossier is simply late (`apology_last_day`, `check_apology`).
- **Statutory verification (Luật Hộ tịch)**: marriage +5, recognition of parents/children +5, change/correction +3,
  death +3 working days, from the catalogue (`procedures.verification_days`; `VERIFICATION_DAYS` is the default
  the catalogue import and the demo fixtures use). It moves the due date and is not late (`verification_due`).
- **Supplement after appraisal (Đ19.4)**: the processing agency's Mẫu 02 comes within 3 working days of the
  dossier reaching it; later is allowed but flagged (`supplement_lateness`).
- **Hand-over (Đ18)**: a paper dossier goes to the deciding agency the same working day, or at the start of the
  next one when received at or after 15:00 (the same cut-off as the due date's 15:00 rule; "the start of the next
  working day" is read as its morning shift) (`handover_deadline`).
- **Results on the spot (Đ17.4)**: a procedure the catalogue marks "trả ngay" is received, resolved and returned
  in one flow, with no Mẫu 01 unless the citizen asks for one; it is still recorded as the normal events
  (`on_the_spot_problems` says what keeps a dossier from it).
- **Internal steps (quy trình nội bộ)**: a procedure may carry its ordered steps, each with the unit responsible
  and its working days (the steps' days sum to the procedure's). Each hand-off gets its own deadline from the
  moment the dossier reached that unit (`step_deadline`: 0 days is the hand-over rule above, the same working
  day or the next morning; N days the calendar's due-date rule); a hand-off is matched to its step by the unit
  it went to (`step_for`). Mẫu 06 judges each row against the giver's step deadline (domain/progress.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from counter.domain.calendar import VN_TZ, WorkCalendar
from counter.domain.errors import CounterError
from counter.domain.fees import money
from counter.domain.text import fold

#: Luật Hộ tịch: working days added when verification is needed, by national procedure code (the catalogue's
#: default; an office's catalogue may say otherwise in its `verification_days` column)
VERIFICATION_DAYS: dict[str, int] = {
    "1.000894": 5,  # Đăng ký kết hôn
    "1.001022": 5,  # Đăng ký nhận cha, mẹ, con
    "1.004859": 3,  # Đăng ký thay đổi, cải chính, bổ sung hộ tịch
    "1.000656": 3,  # Đăng ký khai tử
}
#: Đ19.4: the processing agency asks for papers within this many working days of receiving the dossier
SUPPLEMENT_REQUEST_DAYS = 3


class LawError(CounterError):
    """A step the law does not allow (message in Vietnamese)."""


def _local(dt: datetime) -> datetime:
    return dt.astimezone(VN_TZ)


def previous_working_day(cal: WorkCalendar, d: date) -> date:
    day = d - timedelta(days=1)
    for _ in range(400):
        if cal.is_working_day(day):
            return day
        day -= timedelta(days=1)
    raise LawError("Lịch làm việc không có ngày làm việc nào trong năm trước đó")


# ---- Mẫu 04 ------------------------------------------------------------------------------------------------

def apology_last_day(cal: WorkCalendar, due_at: datetime) -> date:
    """The last day Mẫu 04 may be issued: the working day before the due date."""
    return previous_working_day(cal, _local(due_at).date())


def check_apology(cal: WorkCalendar, due_at: datetime | None, at: datetime, extension_count: int) -> None:
    """Raise LawError unless an apology with a new date may be issued at `at` (at most once, at the latest 1
    working day before the due date)."""
    if extension_count >= 1:
        raise LawError("Chỉ được xin lỗi và hẹn lại ngày trả kết quả một lần cho mỗi hồ sơ (NĐ 118/2025): hồ sơ "
                       "đã được hẹn lại một lần.")
    if due_at is None:
        return  # nothing to move: the reducer says why the step does not apply
    last = apology_last_day(cal, due_at)
    if _local(at).date() > last:
        raise LawError(f"Quá thời hạn xin lỗi, hẹn lại: chậm nhất ngày {last:%d/%m/%Y} (01 ngày làm việc trước "
                       f"ngày hẹn trả {_local(due_at):%d/%m/%Y}). Hồ sơ sẽ bị tính là quá hạn.")


# ---- statutory verification --------------------------------------------------------------------------------

def verification_due(cal: WorkCalendar, due_at: datetime, days: int) -> datetime:
    """The due date moved by the statutory verification time (`days` working days after the due date)."""
    if days < 1:
        raise LawError("Thủ tục này không có thời gian xác minh theo quy định của pháp luật.")
    local = _local(due_at)
    return datetime.combine(cal.add_working_days(local.date(), days), local.timetz())


# ---- Mẫu 02 after appraisal ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SupplementTiming:
    days: int  # working days from the dossier reaching the agency to the request
    late: bool  # beyond SUPPLEMENT_REQUEST_DAYS: allowed, flagged and counted


def supplement_lateness(cal: WorkCalendar, reached_at: datetime, requested_at: datetime) -> SupplementTiming:
    """How long after the dossier reached the processing agency it asked for papers (Đ19.4)."""
    days = max(0, cal.working_days_between(reached_at, requested_at))
    return SupplementTiming(days, days > SUPPLEMENT_REQUEST_DAYS)


# ---- hand-over to the deciding agency ---------------------------------------------------------------------

def handover_deadline(cal: WorkCalendar, received_at: datetime) -> datetime:
    """When a paper dossier must have left the desk (Đ18): closing time of the receiving day; received at or
    after the 15:00 cut-off (or outside working hours), the end of the next working day's morning shift."""
    local = _local(received_at)
    day = local.date()
    if cal.is_working_day(day) and local.time() < cal.hours.same_day_cutoff:
        return datetime.combine(day, cal.hours.closing, VN_TZ)
    return datetime.combine(cal.next_working_day(day), cal.hours.morning_end, VN_TZ)


def handover_late(cal: WorkCalendar, received_at: datetime, handed_off_at: datetime | None, now: datetime) -> bool:
    """Not handed over by the deadline: handed over after it, or still at the desk once it has passed."""
    deadline = handover_deadline(cal, received_at)
    return (handed_off_at if handed_off_at is not None else now) > deadline


# ---- results on the spot ("trả ngay", Đ17.4) ---------------------------------------------------------------

@dataclass(frozen=True)
class SpotCase:
    """What decides whether a dossier may be received, resolved and returned in one flow at the counter."""

    marked: bool  # the catalogue marks the procedure "trả ngay" (procedures.on_the_spot)
    channel: int = 1  # 1 at the counter
    return_method: str = "counter"
    missing_papers: tuple[str, ...] = ()  # required papers not ticked
    fee: int = 0  # đồng owed (after any exemption)
    fee_paid: bool = False  # taken now, with its receipt
    submitter_differs: bool = False  # someone else files for the owner
    owner_id_number: str | None = "x"  # who collects the result is recorded by it
    may_decide: bool = True  # the role may resolve and return (postal staff may not decide)


def on_the_spot_problems(case: SpotCase) -> list[str]:
    """Why this dossier cannot be done on the spot (Vietnamese, one line each); [] when it can: the procedure
    is marked, it is filed at the counter and collected there, every required paper is in, the fee is paid now
    or there is none (free or exempt), the owner collects it and is identified, and the role may decide."""
    out = []
    if not case.marked:
        out.append("Thủ tục này không trả kết quả ngay (danh mục không đánh dấu “trả ngay”): hãy lưu và in giấy "
                   "tiếp nhận (Mẫu 01).")
    if case.channel != 1:
        out.append("Chỉ trả ngay hồ sơ nộp trực tiếp tại quầy.")
    if case.return_method != "counter":
        out.append("Trả ngay là trả tại quầy: chọn nhận kết quả “Tại bộ phận một cửa”.")
    if case.missing_papers:
        out.append("Chưa đủ giấy tờ bắt buộc để giải quyết ngay: " + "; ".join(case.missing_papers) + ".")
    if case.fee > 0 and not case.fee_paid:
        out.append(f"Hồ sơ phải nộp {money(case.fee)}: đánh dấu “Thu tiền mặt ngay” để trả kết quả ngay.")
    if case.submitter_differs:
        out.append("Người nộp khác chủ hồ sơ: kết quả trả cho người được ủy quyền ở màn hình Trả kết quả (F5), "
                   "kèm giấy ủy quyền; hãy lưu và in giấy tiếp nhận.")
    if not (case.owner_id_number or "").strip():
        out.append("Thiếu số CCCD / định danh của chủ hồ sơ: cần để ghi nhận người nhận kết quả.")
    if not case.may_decide:
        out.append("Tài khoản này không được giải quyết hồ sơ: không trả kết quả ngay được.")
    return out
# ---- internal steps ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step of a procedure's internal process: what is done, by which unit, in how many working days."""

    number: int  # 1, 2, … in order
    name: str  # "Thẩm định hồ sơ, trình ký"
    unit: str  # "Công chức Tư pháp - Hộ tịch"
    working_days: int  # 0 = the same working day (or the next morning when reached at/after 15:00)
    decides: bool = False  # this unit is Mẫu 06's "Cơ quan (bộ phận) giải quyết hồ sơ"


def step_deadline(cal: WorkCalendar, reached_at: datetime, working_days: int) -> datetime:
    """When a step that reached its unit at `reached_at` must be done: for 0 days, the hand-over rule (the same
    working day's closing, or the next working day's morning shift when reached at/after 15:00 or outside working
    days); for N ≥ 1, closing of the Nth working day after the day it counts from (the calendar's due-date rule)."""
    if working_days < 0:
        raise LawError("Số ngày làm việc của một bước không được âm")
    if working_days == 0:
        return handover_deadline(cal, reached_at)
    return cal.due_at(reached_at, working_days)


def same_unit(unit: str, name: str) -> bool:
    """`name` names `unit`: equal once accents, case and spacing are ignored, or the unit followed by more words
    (the desk's full name "Bộ phận Một cửa UBND xã Phục Linh" names the step unit "Bộ phận Một cửa")."""
    x, y = fold(unit), fold(name)
    return bool(x) and (y == x or y.startswith(x + " "))


def step_for(steps: tuple[Step, ...], unit: str, after: int = -1) -> int | None:
    """The index of the first step after index `after` whose unit is `unit` (`same_unit`); None when the unit
    has no later step (a hand-off outside the procedure's process, e.g. to another agency for verification)."""
    for i in range(after + 1, len(steps)):
        if same_unit(steps[i].unit, unit):
            return i
    return None
