"""The store's light read paths, on plain sqlite3 (Store.query): search and this station's calendar.

Nothing here imports SQLAlchemy or the models, so a command that only reads (`counter search` with a session
ticket) starts in a fraction of the time (issue 21). services/dossiers.py and services/office.py re-export these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from counter.domain.calendar import OfficeHours, WorkCalendar
from counter.domain.clock import parse_utc
from counter.domain.codes import looks_like_code
from counter.domain.status import STATUS_LABELS, Status
from counter.domain.text import fold, search_text
from counter.services.store import STATION_KEY, Store


# ---- the calendar ------------------------------------------------------------------------------------------

def _hm(text: str) -> time:
    h, m = text.split(":")
    return time(int(h), int(m))


@lru_cache(maxsize=16)
def _calendar(hours: OfficeHours, days_off: tuple[date, ...], working_days: tuple[date, ...]) -> WorkCalendar:
    return WorkCalendar(hours, extra_days_off=days_off, extra_working_days=working_days)


_STATION_HOURS = ("SELECT o.id, o.morning_start, o.morning_end, o.afternoon_start, o.afternoon_end, "
                  "o.same_day_cutoff FROM sync_state k JOIN stations s ON s.id = k.value "
                  "JOIN offices o ON o.id = s.office_id WHERE k.key = ?")
_OVERRIDES = "SELECT day, kind FROM calendar_overrides WHERE office_id = ? ORDER BY day"


def calendar_for(store: Store) -> WorkCalendar:
    """This station's office's calendar, read with two plain queries (searches and pages ask for it on every
    call; the ORM's two lookups and a session cost 20× the reading)."""
    rows = store.query(_STATION_HOURS, (STATION_KEY,))
    if not rows:
        from counter.services.office import calendar_of, this_station

        with store.read() as session:  # not initialised: the one message for it
            return calendar_of(session, this_station(session).office_id)
    office_id, *hours = rows[0]
    overrides = [(date.fromisoformat(str(d)), k) for d, k in store.query(_OVERRIDES, (office_id,))]
    return _calendar(OfficeHours(*(_hm(t) for t in hours)), tuple(d for d, k in overrides if k == "off"),
                     tuple(d for d, k in overrides if k == "work"))


# ---- search ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DossierSummary:
    code: str
    owner_name: str
    procedure_name: str
    status: int
    status_label: str
    received_at: datetime | None
    due_at: datetime | None
    phone: str | None
    days_late: int = 0  # working days an open dossier is past its due date (0: not late)
    voided: bool = False  # issue 12: status labels say "Đã hủy"


VOIDED_LABEL = "Đã hủy (tiếp nhận nhầm)"


@dataclass(frozen=True)
class SearchPage:
    query: str
    page: int
    page_size: int
    items: list[DossierSummary]
    has_next: bool


OPEN_WITH_OFFICE = (Status.RECEIVED, Status.PROCESSING)  # waiting (5, 6): the citizen holds the clock


def past_due(status: int, due: datetime | None, now: datetime) -> bool:
    """An open dossier (the office holds the clock) whose due date has passed."""
    return due is not None and status in OPEN_WITH_OFFICE and due < now


def days_late(cal: WorkCalendar, status: int, due: datetime | None, now: datetime) -> int:
    """Working days (the calendar's rule) an open dossier is past its due date; 0 when not late or not open."""
    if due is None or not past_due(status, due, now):
        return 0
    return cal.lateness(due, now)[1]


def _summary(r: Any, cal: WorkCalendar | None = None, now: datetime | None = None) -> DossierSummary:
    status = Status(r["status"])
    due = parse_utc(r["due_at"])
    voided = r["voided_at"] is not None
    return DossierSummary(r["code"], r["owner_name"], r["procedure_name"], r["status"],
                          VOIDED_LABEL if voided else STATUS_LABELS[status], parse_utc(r["received_at"]), due,
                          r["owner_phone"], days_late(cal, status, due, now) if cal and now and not voided else 0,
                          voided)


_SUMMARY = ("SELECT code, owner_name, procedure_name, status, received_at, due_at, owner_phone, voided_at "
            "FROM dossiers")


def fts_query(text: str) -> str | None:
    """Folded words as an FTS5 query: every word must start a token ("dang van an" finds Đặng Văn An)."""
    words = [w for w in re.split(r"[^0-9a-z]+", fold(text)) if w]
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words)


def search(store: Store, text: str, page: int = 0, page_size: int = 20) -> SearchPage:
    """Code, name, phone or ID number, with or without diacritics; newest first; paged in SQL."""
    text = search_text(text)
    page = max(0, page)
    limit, offset = page_size + 1, page * page_size
    if not text:
        rows = store.query(f"{_SUMMARY} ORDER BY seq DESC LIMIT ? OFFSET ?", (limit, offset))
    elif looks_like_code(text):
        rows = store.query(f"{_SUMMARY} WHERE code = ?", (text.upper(),)) if page == 0 else []
    else:
        q = fts_query(text)
        rows = [] if q is None else store.query(
            f"{_SUMMARY} JOIN (SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? ORDER BY rowid DESC "
            "LIMIT ? OFFSET ?) AS hit ON dossiers.seq = hit.rowid ORDER BY seq DESC", (q, limit, offset))
    now = store.clock.now()
    late = any(past_due(r["status"], parse_utc(r["due_at"]), now) for r in rows[:page_size])
    cal = calendar_for(store) if late else None  # the calendar only when a row on this page is past due
    items = [_summary(r, cal, now) for r in rows[:page_size]]
    return SearchPage(text, page, page_size, items, len(rows) > page_size)
