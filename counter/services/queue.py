"""The supervisor's daily queue (F6 Hàng đợi) and each clerk's own list (F6 Việc của tôi): buckets of dossiers,
paged in SQL, and reassigning a dossier.

Buckets (now = the store's clock, "today" = the local date):
- due_today: open with the office (status 2, 4), due from now until local midnight;
- overdue: open with the office (2, 4), due before now; how late in working days via domain.calendar;
- due_soon: open with the office (2, 4), due after today and within N working days;
- waiting: waiting for the citizen: papers (5) or fees (6);
- ready: result ready to return (9);
- returned_today: returned (10) today;
- not_handed_over: paper dossiers (channel 1, 3) still at the desk (status 2, never handed off) after the hand-over
  deadline (Đ18: the same working day, or the next morning when received from 15:00; domain/law.py).
"Việc của tôi" (F6 for clerks and postal staff, `my_page`) is the same buckets for one person: received today
(received_by = the user), and due today, overdue, waiting, ready among the dossiers assigned to the user.
Every list is one indexed SQL query on the read-only per-thread connection (store.query), so a page stays
instant on a store with years of data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, UTC
from typing import Any

from counter.domain import law
from counter.domain.calendar import VN_TZ, WorkCalendar
from counter.domain.errors import CounterError
from counter.domain.lifecycle import STATUS_LABELS, EventKind, Status
from counter.domain.permissions import Action, require
from counter.models import parse_utc
from counter.services import dossiers
from counter.services.office import calendar_for
from counter.services.store import Actor, NotFound, Store
from counter.services.sync import actor_names

BUCKETS = ("due_today", "overdue", "due_soon", "waiting", "ready", "returned_today", "not_handed_over", "online")
BUCKET_LABELS = {
    "due_today": "Đến hạn hôm nay",
    "overdue": "Quá hạn",
    "due_soon": "Sắp đến hạn",
    "waiting": "Chờ công dân",
    "ready": "Chờ trả kết quả",
    "returned_today": "Đã trả hôm nay",
    "not_handed_over": "Chưa chuyển đúng hạn",
    "online": "Trực tuyến chờ tiếp nhận",  # issue 15: status 1, not waiting for the citizen (F8 checks them)
}
SORTS = {  # key -> (label, ORDER BY)
    "due": ("Hẹn trả", "due_at, seq"),
    "due_desc": ("Hẹn trả (mới trước)", "due_at DESC, seq DESC"),
    "received": ("Ngày nhận", "received_at, seq"),
    "code": ("Mã hồ sơ", "code"),
    "owner": ("Chủ hồ sơ", "owner_name, seq"),
}
CHANNEL_LABELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính"}
DEFAULT_SOON_DAYS = 2


def _ts(dt: datetime) -> str:
    """A time as the store writes it (models.UTCDateTime), for range comparisons in SQL."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class QueueFilter:
    assignee_id: int | None = None
    procedure_code: str | None = None
    field: str | None = None
    channel: int | None = None
    soon_days: int = DEFAULT_SOON_DAYS

    def sql(self) -> tuple[str, list[Any]]:
        parts, args = [], []
        for col, value in (("assignee_id", self.assignee_id), ("procedure_code", self.procedure_code),
                           ("field", self.field), ("channel", self.channel)):
            if value not in (None, ""):
                parts.append(f"{col} = ?")
                args.append(value)
        return "".join(f" AND {p}" for p in parts), args


@dataclass(frozen=True)
class Window:
    """The times that cut the buckets, worked out once per call from the clock and the calendar."""

    now: datetime
    today: date
    tomorrow_start: datetime
    today_start: datetime
    soon_end: datetime  # local midnight after the Nth working day from today
    handover_before: datetime | None = None  # received before it: the hand-over deadline has passed


def handover_cutoff(cal: WorkCalendar, now: datetime) -> datetime:
    """The receiving times whose hand-over deadline (law.handover_deadline, non-decreasing in the receiving time)
    has passed at `now` are exactly those before the time returned (to the microsecond the store keeps; looked
    back 60 days)."""
    base = now - timedelta(days=60)  # deadline(base) < now; deadline(now) >= now
    lo, hi = 0, int((now - base) / timedelta(microseconds=1))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if law.handover_deadline(cal, base + timedelta(microseconds=mid)) < now:
            lo = mid
        else:
            hi = mid
    return base + timedelta(microseconds=hi)


def window(cal: WorkCalendar, now: datetime, soon_days: int) -> Window:
    today = now.astimezone(VN_TZ).date()
    start = datetime.combine(today, time(0), VN_TZ)
    tomorrow = start + timedelta(days=1)
    last = cal.add_working_days(today, max(1, soon_days))
    return Window(now, today, tomorrow, start, datetime.combine(last + timedelta(days=1), time(0), VN_TZ),
                  handover_cutoff(cal, now))


#: a voided dossier (received by mistake, issue 12) is in no bucket and no list of work
LIVE = "voided_at IS NULL"


OPEN = "status <> 10"  # the condition of ix_dossiers_open_buckets (migration 0010): said, so SQLite uses the index


def bucket_where(bucket: str, w: Window) -> tuple[str, list[Any]]:
    where, args = _bucket_where(bucket, w)
    if bucket in ("returned_today", "received_today"):
        return f"{LIVE} AND {where}", args
    return f"{LIVE} AND {OPEN} AND {where}", args  # every other bucket holds open dossiers only


def _bucket_where(bucket: str, w: Window) -> tuple[str, list[Any]]:
    if bucket == "received_today":  # "Việc của tôi" only (with received_by = the user)
        return "received_at >= ? AND received_at < ?", [_ts(w.today_start), _ts(w.tomorrow_start)]
    if bucket == "due_today":
        return "status IN (2, 4) AND due_at >= ? AND due_at < ?", [_ts(w.now), _ts(w.tomorrow_start)]
    if bucket == "overdue":
        return "status IN (2, 4) AND due_at < ?", [_ts(w.now)]
    if bucket == "due_soon":
        return "status IN (2, 4) AND due_at >= ? AND due_at < ?", [_ts(w.tomorrow_start), _ts(w.soon_end)]
    if bucket == "waiting":
        return "status IN (5, 6)", []
    if bucket == "ready":
        return "status = 9", []
    if bucket == "online":
        return "status = 1 AND awaiting_citizen = 0", []
    if bucket == "returned_today":
        return "status = 10 AND returned_at >= ? AND returned_at < ?", [_ts(w.today_start), _ts(w.tomorrow_start)]
    if bucket == "not_handed_over":
        return ("status = 2 AND channel <> 2 AND handed_off_at IS NULL AND received_at < ?",
                [_ts(w.handover_before or w.now)])
    raise CounterError(f"Nhóm hàng đợi không hợp lệ: “{bucket}”")


@dataclass(frozen=True)
class QueueItem:
    code: str
    owner_name: str
    owner_phone: str | None
    procedure_code: str
    procedure_name: str
    field: str
    channel: int
    status: int
    status_label: str
    received_at: datetime | None
    due_at: datetime | None
    returned_at: datetime | None
    assignee_id: int | None
    assignee: str
    days_late: int  # working days past the due date (0 when not late)
    waiting_for: str  # "giấy tờ" / "phí, lệ phí" for the waiting bucket


@dataclass(frozen=True)
class QueuePage:
    bucket: str
    page: int
    page_size: int
    items: list[QueueItem]
    has_next: bool
    counts: dict[str, int] = field(default_factory=dict)
    stamp: tuple[int, int] = (0, 0)


_COLUMNS = ("code, owner_name, owner_phone, procedure_code, procedure_name, field, channel, status, received_at, "
            "due_at, returned_at, assignee_id, station_id, updated_at")


def _names(store: Store) -> Callable[[str, int | None], str | None]:
    """who(station, user id): a row holds the ids of the station that wrote it (see services.sync)."""
    with store.read() as session:
        return actor_names(session)


def _check(actor: Actor) -> None:
    require(actor.role, Action.VIEW_QUEUE)


Extra = Callable[[str], tuple[str, list[Any]]]  # bucket -> " AND …" and its arguments


def _counts(store: Store, w: Window, buckets: tuple[str, ...], extra: Extra) -> dict[str, int]:
    out = {}
    for b in buckets:
        where, args = bucket_where(b, w)
        more, more_args = extra(b)
        out[b] = int(store.query(f"SELECT count(*) FROM dossiers WHERE {where}{more}", (*args, *more_args))[0][0])
    return out


def _page(store: Store, bucket: str, extra: Extra, buckets: tuple[str, ...], soon_days: int, sort: str,
          page_no: int, page_size: int, with_counts: bool) -> QueuePage:
    """One page of a bucket (with `extra`'s conditions), sorted in SQL; the bucket counts and the change stamp."""
    if sort not in SORTS:
        raise CounterError(f"Cách sắp xếp không hợp lệ: “{sort}”")
    cal = calendar_for(store)
    now = store.clock.now()
    w = window(cal, now, soon_days)
    stamp = change_stamp(store)
    where, args = bucket_where(bucket, w)
    more, more_args = extra(bucket)
    page_no = max(0, page_no)
    rows = store.query(f"SELECT {_COLUMNS} FROM dossiers WHERE {where}{more} ORDER BY {SORTS[sort][1]} "
                       "LIMIT ? OFFSET ?", (*args, *more_args, page_size + 1, page_no * page_size))
    names = _names(store)
    items = [_item(r, names, cal, now) for r in rows[:page_size]]
    c = _counts(store, w, buckets, extra) if with_counts else {}
    return QueuePage(bucket, page_no, page_size, items, len(rows) > page_size, c, stamp)


def counts(store: Store, actor: Actor, flt: QueueFilter = QueueFilter(), cal: WorkCalendar | None = None,
           now: datetime | None = None) -> dict[str, int]:
    """How many dossiers each bucket holds (with the same filters as the list)."""
    _check(actor)
    cal = cal or calendar_for(store)
    w = window(cal, now or store.clock.now(), flt.soon_days)
    return _counts(store, w, BUCKETS, lambda _b: flt.sql())


def page(store: Store, actor: Actor, bucket: str, flt: QueueFilter = QueueFilter(), sort: str = "due",
         page_no: int = 0, page_size: int = 20, with_counts: bool = True) -> QueuePage:
    """One page of a bucket, sorted in SQL; with the counts of every bucket and the change stamp."""
    _check(actor)
    return _page(store, bucket, lambda _b: flt.sql(), BUCKETS, flt.soon_days, sort, page_no, page_size, with_counts)


# ---- "Việc của tôi": the same buckets, for one member of staff ---------------------------------------------

MY_BUCKETS = ("received_today", "due_today", "overdue", "waiting", "ready")
MY_BUCKET_LABELS = {"received_today": "Tôi nhận hôm nay", **{b: BUCKET_LABELS[b] for b in MY_BUCKETS[1:]}}


def _mine(store: Store, actor: Actor) -> Extra:
    """Received today: received_by = the user; the other buckets: assignee = the user (the receiver, until a
    supervisor gives the dossier to someone else). Row user ids are those of the station that wrote the row."""
    require(actor.role, Action.VIEW_OWN_WORK)

    def extra(bucket: str) -> tuple[str, list[Any]]:
        col = "received_by" if bucket == "received_today" else "assignee_id"
        return f" AND {col} = ? AND station_id = ?", [actor.user_id, actor.station_id]

    return extra


def my_page(store: Store, actor: Actor, bucket: str, sort: str = "due", page_no: int = 0,
            page_size: int = 20) -> QueuePage:
    """One page of the user's own bucket (MY_BUCKETS), with the counts of each; paged in SQL."""
    if bucket not in MY_BUCKETS:
        raise CounterError(f"Nhóm việc không hợp lệ: “{bucket}”")
    return _page(store, bucket, _mine(store, actor), MY_BUCKETS, DEFAULT_SOON_DAYS, sort, page_no, page_size, True)


def _item(r: Any, who: Callable[[str, int | None], str | None], cal: WorkCalendar, now: datetime) -> QueueItem:
    due = parse_utc(r["due_at"])
    status = int(r["status"])
    late = dossiers.days_late(cal, status, due, now)
    waiting = {5: "giấy tờ", 6: "phí, lệ phí"}.get(status, "")
    if status == Status.NEW:  # an online dossier waiting to be received: how long, in working hours
        from counter.services.online import waited_text

        waiting = "đã chờ " + waited_text(cal.working_hours_between(parse_utc(r["updated_at"]) or now, now))
    return QueueItem(r["code"], r["owner_name"], r["owner_phone"], r["procedure_code"], r["procedure_name"],
                     r["field"], int(r["channel"]), status, STATUS_LABELS[Status(status)], parse_utc(r["received_at"]),
                     due, parse_utc(r["returned_at"]), r["assignee_id"], who(r["station_id"], r["assignee_id"]) or "—", late,
                     waiting)


def all_items(store: Store, actor: Actor, bucket: str, flt: QueueFilter = QueueFilter(),
              sort: str = "due", limit: int = 100_000) -> list[QueueItem]:
    """Every dossier of a bucket (for the CSV export), read in pages of 1,000."""
    out: list[QueueItem] = []
    n = 0
    while len(out) < limit:
        p = page(store, actor, bucket, flt, sort, n, 1000, with_counts=False)
        out += p.items
        if not p.has_next:
            break
        n += 1
    return out[:limit]


def change_stamp(store: Store) -> tuple[int, int]:
    """Cheap "has the store changed": the newest event and the newest dossier row (both rowid lookups).
    Every change is an event, local or pulled by sync, so a new stamp means the queue may have moved."""
    r = store.query("SELECT (SELECT max(rowid) FROM dossier_events), (SELECT max(seq) FROM dossiers)")[0]
    return int(r[0] or 0), int(r[1] or 0)


# ---- choices for the filters and the reassign picker ---------------------------------------------------------

@dataclass(frozen=True)
class Clerk:
    id: int
    username: str
    full_name: str
    role: str


ASSIGNABLE_ROLES = ("clerk", "supervisor", "postal")


def clerks(store: Store) -> list[Clerk]:
    """Staff a dossier can be assigned to (not admins, not disabled)."""
    rows = store.query("SELECT id, username, full_name, role FROM users WHERE NOT disabled AND role IN "
                       f"({', '.join('?' for _ in ASSIGNABLE_ROLES)}) ORDER BY full_name", ASSIGNABLE_ROLES)
    return [Clerk(r["id"], r["username"], r["full_name"], r["role"]) for r in rows]


@dataclass(frozen=True)
class FilterChoices:
    clerks: list[Clerk]
    procedures: list[tuple[str, str]]  # (code, name)
    fields: list[str]


def filter_choices(store: Store, actor: Actor) -> FilterChoices:
    _check(actor)
    procs = [(r["code"], r["name"]) for r in store.query("SELECT code, name FROM procedures WHERE active "
                                                            "ORDER BY name")]
    fields = [r["field"] for r in store.query("SELECT DISTINCT field FROM procedures WHERE active ORDER BY field")]
    return FilterChoices(clerks(store), procs, fields)


def reassign(store: Store, actor: Actor, code: str, assignee_id: int, reason: str = "") -> str:
    """Give a dossier to another member of staff (supervisor only): a `reassigned` event. Returns the name."""
    require(actor.role, Action.REASSIGN)
    target = next((c for c in clerks(store) if c.id == assignee_id), None)
    if target is None:
        raise NotFound("Không tìm thấy cán bộ được giao (hoặc tài khoản đã bị khóa)")
    rows = store.query("SELECT assignee_id FROM dossiers WHERE code = ?", (code.strip().upper(),))
    if not rows:
        raise NotFound(f"Không tìm thấy hồ sơ “{code}”")
    if rows[0]["assignee_id"] == assignee_id:
        raise CounterError(f"Hồ sơ {code} đã được giao cho {target.full_name}")
    payload: dict[str, Any] = {"assignee_id": assignee_id, "assignee": target.full_name,
                               "from_id": rows[0]["assignee_id"]}
    if reason.strip():
        payload["reason"] = reason.strip()
    dossiers.record(store, actor, code, EventKind.REASSIGNED, payload)
    return target.full_name
