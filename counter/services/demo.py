"""`counter demo`: a ready demo store — one commune office, two stations, every role, a few hundred dossiers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from counter.domain.calendar import VN_TZ
from counter.domain.errors import CounterError
from counter.domain.intake import Applicant, PaperInput, ReceiveRequest
from counter.domain.lifecycle import EventKind
from counter.services import auth, catalogue, dossiers, office
from counter.services.store import Actor, Store

OFFICE_ID = "H55.242"
DEMO_USERS = [  # username, full name, role, password
    ("canbo", "Nguyễn Thị Hoa", "clerk", "canbo123"),
    ("canbo2", "Lê Văn Minh", "clerk", "canbo123"),
    ("buudien", "Phạm Thu Trang", "postal", "buudien123"),
    ("giamsat", "Trần Quốc Bảo", "supervisor", "giamsat123"),
    ("quantri", "Hoàng Anh Tuấn", "admin", "quantri123"),
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý"]
SURNAME_WEIGHTS = [38, 11, 9.5, 7, 5.1, 5.1, 4.5, 3.9, 3.9, 2.1, 2, 1.4, 1.3, 1.3, 1, 0.5]  # rough shares
MIDDLE_M = ["Văn", "Hữu", "Đức", "Quang", "Minh", "Thành", "Công"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Bích", "Kim", "Mai"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tâm",
           "Thắng", "Tuấn", "Việt"]
GIVEN_F = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Loan", "Nga", "Nhung", "Phương",
           "Thảo", "Trang", "Yến"]
HAMLETS = ["Thôn 1", "Thôn 2", "Thôn Đồng Tâm", "Xóm Bãi", "Thôn Làng Mới", "Tổ 5"]


@dataclass(frozen=True)
class DemoResult:
    office_id: str
    dossiers: int
    users: list[tuple[str, str, str, str]]


def _person(rng: random.Random, birth_year: int) -> tuple[str, str, str]:
    female = rng.random() < 0.5
    name = " ".join([rng.choices(SURNAMES, SURNAME_WEIGHTS)[0], rng.choice(MIDDLE_F if female else MIDDLE_M),
                     rng.choice(GIVEN_F if female else GIVEN_M)])
    century = 0 if birth_year < 2000 else 2
    id_number = f"019{century + int(female)}{birth_year % 100:02d}{rng.randrange(10**6):06d}"
    phone = "09" + "".join(str(rng.randrange(10)) for _ in range(8))
    return name, id_number, phone


def build_demo(store: Store, now: datetime | None = None, count: int = 360, seed: int = 2026) -> DemoResult:
    """Build the demo in an empty store. Deterministic for a given seed and `now`."""
    if office.is_initialized(store):
        raise CounterError(f"Thư mục {store.data_dir} đã có dữ liệu; chọn thư mục trống cho bản demo")
    now = now or store.clock.now()
    rng = random.Random(seed)
    with store.write() as s:  # one transaction: a failed build leaves an empty store, never half a demo
        catalogue.import_specs(s, catalogue.default_specs())
        station1 = office.create_office(
            s, office_id=OFFICE_ID, name="Bộ phận Một cửa UBND xã Phục Linh", station_number=1,
            parent_name="UBND XÃ PHỤC LINH", place_name="Phục Linh", province="Thái Nguyên",
            address="Thôn Đồng Tâm, xã Phục Linh, tỉnh Thái Nguyên", phone="0208 3828 123",
            public_base_url="http://127.0.0.1:8780")
        station2 = office.add_station(s, OFFICE_ID, 2)
        office.load_default_overrides(s, OFFICE_ID)
        users = {u[0]: auth.create_user(s, OFFICE_ID, u[0], u[1], u[2], u[3], now) for u in DEMO_USERS}
        made = _dossiers(s, rng, now, count, users, station1.id, station2.id, office.calendar_of(s, OFFICE_ID))
    from counter.services.digitize import digitize_demo  # issue 5: a few papers already digitized (F3)

    digitize_demo(store, auth.login(store, "canbo", "canbo123"))
    return DemoResult(OFFICE_ID, made, [(u[0], u[3], u[2], u[1]) for u in DEMO_USERS])


def _dossiers(s, rng, now, count, users, station1, station2, cal) -> int:  # type: ignore[no-untyped-def]
    procs = catalogue.default_specs()
    receivers = [("canbo", station1), ("canbo2", station2), ("buudien", station1)]

    def actor(username: str, station_id: str) -> Actor:
        u = users[username]
        return Actor(u.id or 0, u.username, u.full_name, u.role, OFFICE_ID, station_id)

    # receipt times, oldest first, on working days within office hours (a few after 15:00 / after closing)
    start_day = (now.astimezone(VN_TZ) - timedelta(days=60)).date()
    today = now.astimezone(VN_TZ).date()
    days = [start_day + timedelta(days=i) for i in range((today - start_day).days + 1)]
    days = [d for d in days if cal.is_working_day(d)]
    times = []
    for _ in range(count):
        d = rng.choice(days)
        minute = rng.randrange(7 * 60 + 30, 17 * 60 + 20)
        at = datetime.combine(d, time(minute // 60, minute % 60), VN_TZ)
        if d == today:  # today's dossiers were received this morning, before "now"
            at = min(at, now.astimezone(VN_TZ) - timedelta(minutes=rng.randrange(5, 180)))
        times.append(at.astimezone(now.tzinfo))
    times.sort()

    made = 0
    for at in times:
        username, station_id = rng.choice(receivers)
        who = actor(username, station_id)
        proc = rng.choice([p for p in procs if username != "buudien"
                           or (p.postal_allowed and not p.in_person and not p.certification)])
        channel = 3 if username == "buudien" else (2 if rng.random() < 0.2 and 2 in proc.channels else 1)
        if channel not in proc.channels:
            channel = proc.channels[0]
        year = rng.randrange(1950, 2008)
        name, id_number, phone = _person(rng, year)
        owner = Applicant(
            name=name, id_number=id_number, phone=phone, birth_date=f"{year}-{rng.randrange(1, 13):02d}-"
            f"{rng.randrange(1, 29):02d}", address=f"{rng.choice(HAMLETS)}, xã Phục Linh, tỉnh Thái Nguyên")
        papers = tuple(PaperInput(p.name, p.originals, p.certified_copies, p.photocopies)
                       for p in proc.papers if p.required)
        if channel == 2 and rng.random() < 0.25 and at > now - timedelta(days=3):
            dossiers.register_online_in(s, who, proc.code, owner, at)
            made += 1
            continue
        if rng.random() < 0.04 and username != "buudien":
            dossiers.refuse_in(s, who, proc.code, owner, "Hồ sơ không thuộc thẩm quyền giải quyết của xã", at)
            made += 1
            continue
        row = dossiers.receive_in(s, who, ReceiveRequest(
            procedure_code=proc.code, owner=owner, papers=papers, channel=channel,
            return_method="post" if rng.random() < 0.1 else "counter",
            return_address=owner.address, fee_paid=proc.fee > 0 and rng.random() < 0.7), at)
        made += 1
        _progress(s, rng, row.code, row.due_at, at, now, who, actor("canbo", station1),
                  actor("giamsat", station1), cal,
                  owner=(row.owner_name, row.owner_id_number or "", 0 if row.fee_paid else row.fee))
    return made


def _progress(s, rng, code, due, received, now, receiver, clerk, supervisor, cal,  # type: ignore[no-untyped-def]
              owner=("", "", 0)) -> None:
    """Move a demo dossier along a plausible path, stopping short of `now`."""
    age = (now - received).total_seconds() / 86400
    roll = rng.random()
    t = received

    def step(kind: str, payload: dict, hours: float, who: Actor = clerk) -> bool:
        nonlocal t
        t = t + timedelta(hours=hours)
        if t >= now:
            return False
        dossiers.record_in(s, who, code, kind, payload, t)
        return True

    if age < 0.2 or roll < 0.08:  # just received, still at the counter
        return
    if roll < 0.11:
        step(EventKind.WITHDRAWN, {"reason": "Công dân xin rút hồ sơ"}, 20)
        return
    if not step(EventKind.TRANSFERRED, {"direction": "out", "to": "Công chức Tư pháp - Hộ tịch"}, 1):
        return
    if roll < 0.22:  # waiting for papers from the citizen
        step(EventKind.SUPPLEMENT_REQUESTED, {"reason": "Thiếu bản sao giấy tờ tùy thân", "papers": [{"name": "Bản sao giấy tờ tùy thân", "count": 1}]}, 20)
        if age > 12 and rng.random() < 0.5:
            new_due = cal.due_at(t + timedelta(days=5), 3)
            step(EventKind.SUPPLEMENT_RECEIVED, {"due_at": new_due.isoformat()}, 24 * 5)
        return
    if roll < 0.27:
        step(EventKind.FEE_REQUESTED, {"amount": 50000, "reason": "Lệ phí cấp bản sao"}, 10)
        if age > 10 and rng.random() < 0.5:
            # how it was paid (scorecard 3.6); from the code, not the rng, so the rest of the demo stays the same
            step(EventKind.FEE_PAID, {"amount": 50000, "method": "online" if int(code[-1]) % 3 == 0 else "counter"},
                 30)
        return
    if roll < 0.30:
        step(EventKind.STOPPED, {"reason": "Cơ quan chuyên môn đề nghị dừng do hồ sơ có dấu hiệu giả mạo"}, 30,
             supervisor)
        return
    if roll < 0.36 and due is not None and due < now:  # late: apology and a new date
        new_due = cal.due_at(due, 2)
        step(EventKind.EXTENDED, {"due_at": new_due.isoformat(), "reason": "Cần xác minh thêm thông tin",
                                  "old_due_at": due.isoformat()}, 2, supervisor)
    # the processing time: mostly before the due date, sometimes after (late)
    span = (due - t).total_seconds() / 3600 if due is not None else 24
    hours = max(0.5, span * rng.uniform(0.3, 0.95) if rng.random() < 0.85 else span + rng.uniform(2, 60))
    if not step(EventKind.TRANSFERRED, {"direction": "back", "from": "Công chức Tư pháp - Hộ tịch"}, hours):
        return
    if not step(EventKind.RESOLVED, {}, 0.2):
        return
    if rng.random() < 0.85:
        step(EventKind.RETURNED, {"method": "counter", "receiver": "owner", "receiver_name": owner[0],
                                  "receiver_id_number": owner[1], "receiver_source": "cccd_qr",
                                  "papers": [{"name": "Kết quả giải quyết thủ tục hành chính", "count": 1}],
                                  "fee_collected": owner[2]},
             rng.uniform(1, 72), receiver)
