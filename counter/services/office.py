"""The office, this station, and the office's working calendar."""

from __future__ import annotations

import ipaddress
import json
import uuid
from dataclasses import dataclass
from datetime import date
from importlib import resources
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from counter.domain.calendar import OfficeHours, WorkCalendar
from counter.domain.codes import validate_agency, validate_station
from counter.domain.errors import CounterError
from counter.domain.permissions import Action, require
from counter.models import CalendarOverride, Office, Station, SyncState
from counter.services.lookup import _calendar, _hm, calendar_for  # noqa: F401  (calendar_for: here before)
from counter.services.store import STATION_KEY, Actor, NotFound, Store


@dataclass(frozen=True)
class OfficeInfo:
    id: str
    name: str
    parent_name: str
    place_name: str
    address: str
    phone: str
    public_base_url: str
    station_id: str
    station_number: int
    station_name: str


SET_PUBLIC_URL = "counter office set --public-url https://…"
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def validate_public_url(text: str) -> str:
    """The office's public tracking address (the receipts' QR points under it): http(s) with a host; returned
    without a trailing slash. Anything else is refused with a Vietnamese sentence."""
    url = (text or "").strip()
    if not url:
        raise CounterError("Địa chỉ tra cứu công khai không được để trống, ví dụ https://motcua.phuclinh.gov.vn")
    if any(c.isspace() for c in url):
        raise CounterError(f"Địa chỉ tra cứu “{url}” có khoảng trắng")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise CounterError(f"Địa chỉ tra cứu “{url}” phải bắt đầu bằng https:// (hoặc http://)")
    try:
        parts.port  # noqa: B018 -- raises on a port that is not a number in 0–65535
    except ValueError:
        raise CounterError(f"Cổng trong địa chỉ tra cứu “{url}” không hợp lệ") from None
    if not parts.hostname:
        raise CounterError(f"Địa chỉ tra cứu “{url}” thiếu tên máy chủ, ví dụ https://motcua.phuclinh.gov.vn")
    if parts.query or parts.fragment:
        raise CounterError(f"Địa chỉ tra cứu “{url}” không được có phần “?…” hoặc “#…”")
    return url.rstrip("/")


def is_loopback_url(url: str) -> bool:
    """True when the address only works on this machine (127.*, ::1, localhost, 0.0.0.0): a citizen's phone
    scanning the receipt's QR cannot open it."""
    host = (urlsplit((url or "").strip()).hostname or "").rstrip(".").lower()
    if not host:
        return True
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def public_url_warning(info: OfficeInfo | str) -> str:
    """The line the receive screen and `counter print receipt` show while the receipts' QR cannot be opened
    from a phone; empty when the address is fine."""
    url = info if isinstance(info, str) else info.public_base_url
    if not is_loopback_url(url):
        return ""
    return (f"Cảnh báo: mã QR trên giấy tiếp nhận trỏ tới {url or '(chưa đặt)'}, chỉ mở được trên máy này: "
            f"điện thoại của công dân không tra cứu được. Quản trị đặt lại: “{SET_PUBLIC_URL}”.")


def receipt_url_warning(store: Store) -> str:
    """public_url_warning of this store's office (for the receive screen, which reads it in a worker)."""
    return public_url_warning(office_info(store))


def set_public_url(store: Store, actor: Actor, url: str) -> str:
    """Change the office's public tracking address (admin). Receipts printed from now on carry it."""
    require(actor.role, Action.MANAGE_DEVICES)
    clean = validate_public_url(url)
    with store.write() as session:
        office = session.get(Office, actor.office_id)
        if office is None:
            raise NotFound(f"Không có cơ quan “{actor.office_id}”")
        office.public_base_url = clean
        session.add(office)
    return clean


def this_station(session: Session) -> Station:
    row = session.get(SyncState, STATION_KEY)
    station = session.get(Station, row.value) if row else None
    if station is None:
        raise NotFound("Kho dữ liệu chưa được khởi tạo: chạy “counter init” hoặc “counter demo” trước")
    return station


_NUMBERING = sa.text(  # issue 17: 0 when the office numbers as one station (codes.SINGLE_STATION)
    "SELECT CASE WHEN coalesce(o.single_station, 0) THEN 0 ELSE s.number END FROM stations s "
    "JOIN offices o ON o.id = s.office_id WHERE s.id = :s")


def numbering_block(session: Session, station_id: str) -> int:
    """The block a station's dossier codes and receipt-book numbers are taken from: its station number, or 0
    (0001, 0002, … each day) in an office set to number as a single station."""
    return int(session.execute(_NUMBERING, {"s": station_id}).scalar_one())


def set_single_station(store: Store, actor: Actor, single: bool) -> bool:
    """Number as one station (0001… each day) or by station blocks (N001…). Refused for one station while
    this store knows another station of the office: two stations numbering from 0001 would collide."""
    require(actor.role, Action.MANAGE_CALENDAR)
    with store.write() as session:
        office = session.get(Office, actor.office_id)
        if office is None:
            raise NotFound(f"Không có cơ quan “{actor.office_id}”")
        stations = session.execute(sa.text("SELECT count(*) FROM stations WHERE office_id = :o"),
                                   {"o": actor.office_id}).scalar_one()
        if single and stations > 1:
            raise CounterError(f"Cơ quan có {stations} quầy: mỗi quầy phải đánh số theo khối riêng (N001…) để "
                               "hai quầy không bao giờ cấp trùng mã hồ sơ, kể cả khi mất mạng")
        office.single_station = single
        session.add(office)
    return single


def office_info(store: Store) -> OfficeInfo:
    with store.read() as session:
        station = this_station(session)
        office = session.get(Office, station.office_id)
        assert office is not None
        return OfficeInfo(office.id, office.name, office.parent_name, office.place_name, office.address,
                          office.phone, office.public_base_url, station.id, station.number, station.name)


def is_initialized(store: Store) -> bool:
    return store.is_initialized()


def create_office(session: Session, *, office_id: str, name: str, station_number: int, parent_name: str = "",
                  place_name: str = "", address: str = "", phone: str = "", province: str = "",
                  public_base_url: str | None = None) -> Station:
    """Create the office (if new) and this file's station; mint the station id."""
    office_id = validate_agency(office_id)
    validate_station(station_number)
    if session.get(SyncState, STATION_KEY) is not None:
        raise CounterError("Kho dữ liệu này đã được khởi tạo cho một quầy")
    if not name.strip():
        raise CounterError("Tên bộ phận một cửa không được để trống")
    office = session.get(Office, office_id)
    if office is None:
        office = Office(id=office_id, name=name.strip(), parent_name=parent_name, place_name=place_name,
                        address=address, phone=phone, province=province)
        if public_base_url:
            office.public_base_url = validate_public_url(public_base_url)
        session.add(office)
    station = Station(id=str(uuid.uuid4()), office_id=office_id, number=station_number,
                      name=f"Quầy {station_number}")
    session.add(station)
    session.add(SyncState(key=STATION_KEY, value=station.id))
    session.flush()
    return station


def add_station(session: Session, office_id: str, number: int) -> Station:
    """Register another counter of the office (its events arrive by sync; the demo makes one)."""
    validate_station(number)
    station = Station(id=str(uuid.uuid4()), office_id=office_id, number=number, name=f"Quầy {number}")
    session.add(station)
    session.flush()
    return station


# ---- calendar -------------------------------------------------------------------------------------------

_HOURS = sa.text("SELECT morning_start, morning_end, afternoon_start, afternoon_end, same_day_cutoff "
                 "FROM offices WHERE id = :o")
_OVERRIDES = sa.text("SELECT day, kind FROM calendar_overrides WHERE office_id = :o ORDER BY day")


def calendar_of(session: Session, office_id: str) -> WorkCalendar:
    """The office's calendar: its hours and override table (built once per distinct setting; read with plain
    SQL because every receipt asks for it)."""
    hours_row = session.execute(_HOURS, {"o": office_id}).first()
    if hours_row is None:
        raise NotFound(f"Không có cơ quan “{office_id}”")
    hours = OfficeHours(*(_hm(t) for t in hours_row))
    overrides = [(date.fromisoformat(str(d)), k) for d, k in session.execute(_OVERRIDES, {"o": office_id})]
    return _calendar(hours, tuple(d for d, k in overrides if k == "off"),
                     tuple(d for d, k in overrides if k == "work"))


_DESK = ("SELECT o.morning_start, o.morning_end, o.afternoon_start, o.afternoon_end, o.same_day_cutoff, "
         "CASE WHEN coalesce(o.single_station, 0) THEN 0 ELSE s.number END, "
         "(SELECT json_group_array(json_array(day, kind)) FROM (SELECT day, kind FROM calendar_overrides "
         "WHERE office_id = o.id ORDER BY day)) FROM stations s JOIN offices o ON o.id = s.office_id "
         "WHERE s.id = ? AND o.id = ?")


def desk_of(session: Session, office_id: str, station_id: str) -> tuple[WorkCalendar, int]:
    """The office's calendar and the station's numbering block in one plain statement (every receipt asks for
    both; calendar_of and numbering_block say what is missing when the row is not there)."""
    from counter.services.events import dbapi

    found = dbapi(session).execute(_DESK, (station_id, office_id)).fetchone()
    if found is None:
        return calendar_of(session, office_id), numbering_block(session, station_id)
    *hours, block, overrides = found
    days = [(date.fromisoformat(str(d)), k) for d, k in json.loads(overrides)]
    return _calendar(OfficeHours(*(_hm(t) for t in hours)), tuple(d for d, k in days if k == "off"),
                     tuple(d for d, k in days if k == "work")), int(block)


@dataclass(frozen=True)
class OverrideInfo:
    day: date
    kind: str
    note: str


def set_override(session: Session, office_id: str, day: date, kind: str, note: str = "") -> None:
    if kind not in ("off", "work"):
        raise CounterError("Loại ngày phải là “off” (nghỉ) hoặc “work” (làm việc)")
    row = session.get(CalendarOverride, (office_id, day))
    if row is None:
        session.add(CalendarOverride(office_id=office_id, day=day, kind=kind, note=note))
    else:
        row.kind, row.note = kind, note
        session.add(row)


def add_override(store: Store, day: date, kind: str, note: str = "", by: Actor | None = None) -> None:
    if by is not None:
        require(by.role, Action.MANAGE_CALENDAR)
    with store.write() as session:
        set_override(session, this_station(session).office_id, day, kind, note)


def list_overrides(store: Store) -> list[OverrideInfo]:
    with store.read() as session:
        office_id = this_station(session).office_id
        rows = session.exec(select(CalendarOverride).where(CalendarOverride.office_id == office_id)
                            .order_by(col(CalendarOverride.day))).all()
        return [OverrideInfo(r.day, r.kind, r.note) for r in rows]


def load_default_overrides(session: Session, office_id: str) -> int:
    from counter.domain.catalogue import parse_overrides

    text = resources.files("counter").joinpath("fixtures/calendar_overrides.csv").read_text("utf-8")
    rows = parse_overrides(text)
    for day, kind, note in rows:
        set_override(session, office_id, day, kind, note)
    return len(rows)
