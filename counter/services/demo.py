"""`counter demo`: a ready demo — one commune office, two stations, every role, a few hundred dossiers.

Each station is a store of its own, as at a real office: station 1 in the data directory (what `counter run`
opens), station 2 in its `quay-2` subfolder. Every dossier lives its whole life at the station that received
it (its steps are that station's events), so `counter serve` + `counter sync --once` from either station is
accepted as it is, with no conflict; once both have synced, each sees the other's dossiers.
"""

from __future__ import annotations

import random
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

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


#: the [fees] section of a demo station's config.toml: a made-up account of the commune (not a real one)
DEMO_FEES = """[fees]
unit_name = "UBND xã Phục Linh"
tax_code = "4600999999"
bank_bin = "970415"
bank_name = "VietinBank (tài khoản mẫu)"
account = "113000999999"
account_name = "UBND XA PHUC LINH"
"""

#: station 2's store, inside station 1's data directory (one folder to copy or delete)
SECOND_STATION_DIR = "quay-2"
OFFICE_FIELDS = dict(name="Bộ phận Một cửa UBND xã Phục Linh", parent_name="UBND XÃ PHỤC LINH",
                     place_name="Phục Linh", province="Thái Nguyên",
                     address="Thôn Đồng Tâm, xã Phục Linh, tỉnh Thái Nguyên", phone="0208 3828 123",
                     public_base_url="http://127.0.0.1:8780")


@dataclass(frozen=True)
class DemoResult:
    office_id: str
    dossiers: int
    users: list[tuple[str, str, str, str]]
    #: station 2's data directory (None for a one-station demo) and how many dossiers each station holds
    second_dir: Path | None = None
    per_station: tuple[int, ...] = ()


def second_station_dir(data_dir: Path) -> Path:
    return Path(data_dir) / SECOND_STATION_DIR


def _person(rng: random.Random, birth_year: int) -> tuple[str, str, str]:
    female = rng.random() < 0.5
    name = " ".join([rng.choices(SURNAMES, SURNAME_WEIGHTS)[0], rng.choice(MIDDLE_F if female else MIDDLE_M),
                     rng.choice(GIVEN_F if female else GIVEN_M)])
    century = 0 if birth_year < 2000 else 2
    id_number = f"019{century + int(female)}{birth_year % 100:02d}{rng.randrange(10**6):06d}"
    phone = "09" + "".join(str(rng.randrange(10)) for _ in range(8))
    return name, id_number, phone


def build_demo(store: Store, now: datetime | None = None, count: int = 360, seed: int = 2026,
               stations: int = 2) -> DemoResult:
    """Build the demo in an empty store (station 1) and, with `stations=2`, station 2's store in
    `second_station_dir(store.data_dir)`. Deterministic for a given seed and `now`."""
    if office.is_initialized(store):
        raise CounterError(f"Thư mục {store.data_dir} đã có dữ liệu; chọn thư mục trống cho bản demo")
    if stations not in (1, 2):
        raise CounterError("Bản demo có một hoặc hai quầy")
    now = now or store.clock.now()
    rng = random.Random(seed)
    second_dir = second_station_dir(store.data_dir) if stations == 2 else None
    # a new store in a new or empty folder only (Store.open refuses one that holds a store or other files)
    second = Store.open(second_dir, clock=store.clock, create=True) if second_dir is not None else None
    try:
        # one transaction per store: a failed build leaves empty stores, never half a demo
        with store.write() as s1, (second.write() if second is not None else nullcontext()) as s2:
            made = _build(s1, s2, rng, now, count)
    except BaseException:
        if second is not None:
            second.discard()
        raise
    if second is not None:
        second.close()
    for folder in (store.data_dir, second_dir):  # issue 18: a (made-up) account, so VietQR shows in the demo
        if folder is not None and not (folder / "config.toml").exists():
            (folder / "config.toml").write_text(DEMO_FEES, "utf-8")
    from counter.services.digitize import digitize_demo  # issue 5: a few papers already digitized (F3)

    clerk = auth.login(store, "canbo", "canbo123")
    digitize_demo(store, clerk)
    made[0] += online_demo(store, clerk, now, random.Random(seed + 15))
    return DemoResult(OFFICE_ID, sum(made), [(u[0], u[3], u[2], u[1]) for u in DEMO_USERS], second_dir,
                      tuple(made))


def _station(s, number: int, now: datetime):  # type: ignore[no-untyped-def]
    """One station's store: the catalogue, the office, its calendar and the demo users (same order, so a
    user has the same id at both counters)."""
    catalogue.import_specs(s, catalogue.default_specs())
    catalogue.import_steps(s, catalogue.default_steps())
    station = office.create_office(s, office_id=OFFICE_ID, station_number=number, **OFFICE_FIELDS)
    office.load_default_overrides(s, OFFICE_ID)
    users = {u[0]: auth.create_user(s, OFFICE_ID, u[0], u[1], u[2], u[3], now) for u in DEMO_USERS}
    return station, users


def _build(s1, s2, rng, now, count) -> list[int]:  # type: ignore[no-untyped-def]
    station1, users = _station(s1, 1, now)
    sessions = {station1.id: s1}
    station2_id = station1.id  # one station: station 2's clerk works at station 1
    if s2 is not None:
        station2, users2 = _station(s2, 2, now)
        assert {k: u.id for k, u in users2.items()} == {k: u.id for k, u in users.items()}
        station2_id = station2.id
        sessions[station2_id] = s2
    made = _dossiers(sessions, rng, now, count, users, station1.id, station2_id,
                     office.calendar_of(s1, OFFICE_ID))
    return [made.get(station1.id, 0)] + ([made.get(station2_id, 0)] if s2 is not None else [])


def _dossiers(sessions, rng, now, count, users, station1, station2, cal) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Each dossier is received, moved along and returned at one station, in that station's session: its
    clerk and supervisor act there (a step taken at another counter before a sync would be a conflict)."""
    procs = catalogue.default_specs()
    clerks = {station1: "canbo", station2: "canbo2" if station2 != station1 else "canbo"}
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

    made: dict[str, int] = {}
    for at in times:
        username, station_id = rng.choice(receivers)
        s = sessions[station_id]
        made[station_id] = made.get(station_id, 0) + 1
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
            continue
        if rng.random() < 0.04 and username != "buudien":
            dossiers.refuse_in(s, who, proc.code, owner, "Hồ sơ không thuộc thẩm quyền giải quyết của xã", at)
            continue
        post = rng.random() < 0.1
        paid = proc.fee > 0 and rng.random() < 0.7 and _owed(proc, channel) > 0  # taken in cash, with a receipt
        if proc.on_the_spot and channel == 1 and at.minute % 3 != 0:  # issue 17: most are done on the spot
            from counter.services.on_the_spot import receive_on_the_spot_in

            receive_on_the_spot_in(s, who, ReceiveRequest(procedure_code=proc.code, owner=owner, papers=papers,
                                                          fee_paid=_owed(proc, channel) > 0), at)
            rng.random()  # the draw _progress takes first, so the dossiers after this one go as they went
            continue
        row = dossiers.receive_in(s, who, ReceiveRequest(
            procedure_code=proc.code, owner=owner, papers=papers, channel=channel,
            return_method="post" if post else "counter", return_address=owner.address, fee_paid=paid), at)
        _progress(s, rng, row.code, row.due_at, at, now, who, actor(clerks[station_id], station_id),
                  actor("giamsat", station_id), cal,
                  owner=(row.owner_name, row.owner_id_number or "", 0 if row.fee_paid else row.fee),
                  verification_days=proc.verification_days)
    return made


def _owed(proc, channel: int) -> int:  # type: ignore[no-untyped-def]
    """What a demo dossier owes with one of each unit (0 when free on its channel)."""
    from counter.domain.intake import ValidationError
    from counter.services.fees import quote_charges

    try:
        return quote_charges(proc.charges, None, channel)[0].total
    except ValidationError:
        return 0


def _at_work(at: datetime, cal) -> datetime:  # type: ignore[no-untyped-def]
    """`at`, or the next opening of the office when it is closed then (a step is taken at work, so the tracking
    page and the history show office hours, not 01:53 at night)."""
    local = at.astimezone(VN_TZ)
    opening, closing = cal.hours.opening, cal.hours.closing
    day = local.date()
    if cal.is_working_day(day) and opening <= local.time() < closing:
        return at
    if not cal.is_working_day(day) or local.time() >= closing:
        day = cal.next_working_day(day)
    start = datetime.combine(day, opening, VN_TZ) + timedelta(minutes=local.minute)  # spread over the morning
    return start.astimezone(at.tzinfo)


def _progress(s, rng, code, due, received, now, receiver, clerk, supervisor, cal,  # type: ignore[no-untyped-def]
              owner=("", "", 0), verification_days: int = 0) -> None:
    """Move a demo dossier along a plausible path, stopping short of `now`. Issue 17's cases: a dossier left at
    the desk past its hand-over deadline (never handed over), a statutory verification time, a refusal after
    appraisal (Mẫu 03 as the result), Mẫu 04 only when it is still in time (the working day before the due date),
    a processing agency's Mẫu 02 after its 3 working days (flagged late); the trả ngay dossiers are done in
    `_dossiers` (services/on_the_spot.py)."""
    age = (now - received).total_seconds() / 86400
    roll = rng.random()
    t = received

    def step(kind: str, payload: dict, hours: float, who: Actor = clerk) -> bool:
        nonlocal t
        t = _at_work(t + timedelta(hours=hours), cal)
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
        from counter.domain.law import supplement_lateness

        # issue 17: some agencies ask after their 3 working days (Đ19.4: allowed, flagged and counted)
        hours = 24 * 6 if roll < 0.13 else 20
        timing = supplement_lateness(cal, t, _at_work(t + timedelta(hours=hours), cal))
        step(EventKind.SUPPLEMENT_REQUESTED, {"reason": "Thiếu bản sao giấy tờ tùy thân",
                                               "papers": [{"name": "Bản sao giấy tờ tùy thân", "count": 1}],
                                               "days_after_hand_off": timing.days,
                                               **({"late_request": True} if timing.late else {})}, hours)
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
    if roll < 0.32 and due is not None:  # refused after appraisal, within the processing time (Đ19.8)
        at = _at_work(t + timedelta(hours=3), cal)
        if at < now and at <= due:
            t = at
            dossiers.record_in(s, clerk, code, EventKind.REFUSED_AFTER_APPRAISAL,
                               {"reason": "Qua thẩm định, người yêu cầu không đủ điều kiện theo quy định"}, t)
            return
    if roll < 0.45 and verification_days and due is not None:  # the law's verification time: not late
        from counter.domain.law import verification_due

        new_due = verification_due(cal, due, verification_days)
        if step(EventKind.VERIFICATION, {"due_at": new_due.isoformat(), "old_due_at": due.isoformat(),
                                         "days": verification_days, "reason": "Cần xác minh theo quy định"}, 2,
                supervisor):
            due = new_due
    if roll < 0.36 and due is not None and due < now:  # late: apology and a new date, when still in time
        from counter.domain.law import apology_last_day

        at = _at_work(t + timedelta(hours=2), cal)
        if at.astimezone(VN_TZ).date() <= apology_last_day(cal, due):
            new_due = cal.due_at(due, 2)
            step(EventKind.EXTENDED, {"due_at": new_due.isoformat(), "reason": "Cần xác minh thêm thông tin",
                                      "old_due_at": due.isoformat(), "agency": "Công chức Tư pháp - Hộ tịch"}, 2,
                 supervisor)
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


# ---- online dossiers (issue 15): F8 "Hồ sơ trực tuyến" has work on a new demo -------------------------------

#: the online dossiers waiting at station 1: (procedure, working days before today (0: today, None: `now` minus
#: the minutes), the local time or minutes, what else): two past the office's limit of 8 working hours, two
#: filed this morning (one with a clerk's help), one asked for a paper and waiting for the citizen's upload
ONLINE_WAITING = [
    ("1.001193", 3, time(9, 20), ""),
    ("1.004194", 2, time(15, 10), ""),
    ("2.000635", None, 50, ""),
    ("1.000894", None, 130, "assisted"),
    ("1.004222", 4, time(10, 5), "asked"),
]
#: received from the online list this month (the online and assisted shares of `counter report online`, F6)
ONLINE_RECEIVED = [("1.001193", ""), ("1.004194", "assisted"), ("2.000635", ""), ("1.000656", ""),
                   ("1.004873", "assisted")]
ASKED_PAPER = "Giấy tờ chứng minh chỗ ở hợp pháp"
ASKED_REASON = "Ảnh chụp bị mờ, không đọc được địa chỉ và số thửa; đề nghị chụp lại rõ nét"


def _upload(title: str, owner: str, pages: int, kind: str) -> tuple[bytes, str]:
    """A citizen's upload: a drawn A5 page (PDF of `pages` pages, or a PNG photo of it), and its MIME type."""
    from io import BytesIO

    from PIL import Image, ImageDraw, ImageFont

    import counter.printing

    font = ImageFont.truetype(str(Path(counter.printing.__file__).parent / "fonts" / "DejaVuSans.ttf"), 18)
    im = Image.new("L", (420, 595), 255)
    d = ImageDraw.Draw(im)  # bold strokes: F8's preview draws the first page at 30 dpi as half blocks
    d.rectangle((20, 20, 400, 575), outline=0, width=8)
    d.rectangle((20, 20, 400, 110), fill=0)
    d.text((40, 36), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=font, fill=255)
    d.text((40, 64), "Độc lập - Tự do - Hạnh phúc", font=font, fill=255)
    y = 130
    for line in (*_wrap(title.upper(), 30), "", f"Họ tên: {owner}", "(tệp tải lên mẫu)"):
        d.text((40, y), line, font=font, fill=0)
        y += 28
    if kind == "png":  # a photo of an ID paper: its portrait
        d.rectangle((40, y + 20, 170, y + 190), fill=0)
    for i in range(6):  # the form's filled-in lines
        d.rectangle((190 if kind == "png" else 40, y + 30 + 26 * i, 380, y + 40 + 26 * i), fill=40)
    buf = BytesIO()
    if kind == "png":
        im.save(buf, "PNG")
        return buf.getvalue(), "image/png"
    im.save(buf, "PDF", resolution=72.0, save_all=pages > 1, append_images=[im] * (pages - 1))
    return buf.getvalue(), "application/pdf"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)[:3]


def _slug(text: str) -> str:
    import re
    import unicodedata

    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:40]


def _files(store: Store, proc, owner: str, n: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """One upload per paper of the checklist the citizen has (every required one, the first optional one on
    every other dossier): PDFs, the ID papers as a PNG photo; their bytes in the station's blob store."""
    from counter.services.blobs import blob_store

    refs = []
    papers = [p for p in proc.papers if p.required] + [p for p in proc.papers if not p.required][:n % 2]
    for i, paper in enumerate(papers):
        photo = "tùy thân" in paper.name or "tuỳ thân" in paper.name
        pages = 1 if photo else 1 + (n + i) % 2
        data, mime = _upload(paper.name, owner, pages, "png" if photo else "pdf")
        name = "-".join(_slug(paper.name).split("-")[:4])  # as a citizen names a file: "to-khai-dang-ky"
        refs.append({"sha256": blob_store(store).put(data), "name": f"{name}.{mime[-3:]}",
                     "mime": mime, "size": len(data), "pages": pages, "paper": paper.name})
    return refs


def online_demo(store: Store, clerk: Actor, now: datetime, rng: random.Random) -> int:
    """The demo's online dossiers at station 1, as the online desk's pull brings them (status 1, channel 2, the
    uploads as FileRefs): ONLINE_WAITING on F8's list, ONLINE_RECEIVED received there this month through the
    counter's own step (online.receive: due date, digitized papers, Mẫu 01). Returns how many were made."""
    from counter.domain.clock import FixedClock
    from counter.services import online

    procs = {p.code: p for p in catalogue.default_specs()}
    with store.read() as s:
        cal = office.calendar_of(s, OFFICE_ID)
    local = now.astimezone(VN_TZ)
    clock = store.clock

    def working_day_back(days: int):  # type: ignore[no-untyped-def]
        day = local.date()
        for _ in range(days):
            day -= timedelta(days=1)
            while not cal.is_working_day(day):
                day -= timedelta(days=1)
        return day

    def register(code: str, at: datetime, assisted: bool, n: int) -> str:
        year = rng.randrange(1960, 2004)
        name, id_number, phone = _person(rng, year)
        owner = Applicant(name=name, id_number=id_number, phone=phone, email=f"{_slug(name)}@example.vn",
                          birth_date=f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                          address=f"{rng.choice(HAMLETS)}, xã Phục Linh, tỉnh Thái Nguyên")
        files = _files(store, procs[code], name, n)
        with store.write() as s:
            return dossiers.register_online_in(s, clerk, code, owner, at.astimezone(now.tzinfo), files=files,
                                               assisted=assisted).code

    made = 0
    try:
        month_start = datetime.combine(local.date().replace(day=1), time(0, 0), VN_TZ)
        span = (local - month_start).total_seconds()
        for i, (code, extra) in enumerate(ONLINE_RECEIVED):  # spread over the month so far, oldest first
            received = month_start + timedelta(seconds=span * (i + 1) / (len(ONLINE_RECEIVED) + 2))
            if _at_work(received, cal) < local:  # in office hours, when the month has had some
                received = _at_work(received, cal)
            dossier = register(code, received - timedelta(hours=2 + i), extra == "assisted", made)
            store.clock = FixedClock(received.astimezone(now.tzinfo))
            online.receive(store, clerk, dossier)
            made += 1
        for code, days, when, extra in ONLINE_WAITING:
            at = (local - timedelta(minutes=when) if days is None  # type: ignore[arg-type]
                  else datetime.combine(working_day_back(days), when, VN_TZ))  # type: ignore[arg-type]
            dossier = register(code, at, extra == "assisted", made)
            if extra == "asked":
                store.clock = FixedClock(_at_work(at + timedelta(hours=20), cal).astimezone(now.tzinfo))
                online.ask_missing(store, clerk, dossier, {ASKED_PAPER: ASKED_REASON})
            made += 1
    finally:
        store.clock = clock
    return made
