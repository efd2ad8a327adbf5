"""Online dossiers at the counter (issue 15): the waiting list of F8, one dossier's checklist and files, and
the three outcomes: receive (status 2), ask once for what is missing (`online_incomplete`), refuse (Mẫu 03).

The dossiers come from the central server's online desk by the normal pull (status 1, channel 2, their
`registered` event carrying the uploaded files as FileRefs); each file's bytes come through
`remote_blobs.ensure_blob` (local store, else fetched from the server, checked by hash, cached).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from counter.domain.calendar import VN_TZ, WorkCalendar
from counter.domain.errors import CounterError
from counter.domain.lifecycle import EventKind, Status
from counter.domain.permissions import Action, can, require
from counter.domain.text import nfc
from counter.services import events as ev
from counter.services.blobs import blob_store
from counter.services.remote_blobs import ensure_blob
from counter.services.dossiers import dossier_row
from counter.services.office import calendar_of
from counter.services.store import Actor, Store

DEFAULT_LIMIT_HOURS = 8.0
#: who checks online dossiers (F8: clerks and supervisors, not postal staff; the key in app.MODES_TABLE)
CHECK = Action.REQUEST_SUPPLEMENT
PAGE_SIZE = 50
OTHER_PAPER = "Tệp khác (không gắn với giấy tờ nào)"
MIME_LABELS = {"application/pdf": "PDF", "image/jpeg": "ảnh JPEG", "image/png": "ảnh PNG"}


def waited_text(hours: float) -> str:
    """"3 giờ 20 phút" of working time (F8's column, the F6 bucket)."""
    h, m = divmod(round(hours * 60), 60)
    return f"{h} giờ {m:02d} phút" if h else f"{m} phút"


# ---- the waiting list ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WaitingItem:
    code: str
    owner_name: str
    procedure_name: str
    since: datetime  # filed, or the citizen's last upload (files_added)
    hours: float  # working hours waited
    late: bool  # past the office's limit
    awaiting_citizen: bool
    assisted: bool
    requests: int  # requests for papers already sent


@dataclass(frozen=True)
class WaitingList:
    waiting: list[WaitingItem]  # oldest first
    awaiting: list[WaitingItem]  # asked for papers: waiting for the citizen
    waiting_total: int
    awaiting_total: int
    late_total: int
    limit_hours: float


#: a page of the list read in order from ix_dossiers_online_wait (migration 0010): no sort of every waiting
#: dossier, and the filing time read from the events of the page's rows only (by their dossier_id index; the
#: unary + keeps SQLite from scanning every `registered` event by kind instead)
_WAITING = sa.text(
    "SELECT d.code, d.owner_name, d.procedure_name, d.awaiting_citizen, d.assisted, d.supplement_requests, "
    "(SELECT max(e.at) FROM dossier_events e WHERE e.dossier_id = d.id "
    " AND +e.kind IN ('registered', 'files_added')) AS since, d.updated_at "
    "FROM dossiers d "
    "WHERE d.office_id = :o AND d.status = 1 AND d.awaiting_citizen = :a "
    "ORDER BY d.updated_at, d.seq LIMIT :n")
#: three counts, each a range of that index (no dossier row read)
_COUNT = sa.text(
    "SELECT (SELECT count(*) FROM dossiers WHERE office_id = :o AND status = 1 AND awaiting_citizen = 0), "
    "(SELECT count(*) FROM dossiers WHERE office_id = :o AND status = 1 AND awaiting_citizen = 1), "
    "(SELECT count(*) FROM dossiers WHERE office_id = :o AND status = 1 AND awaiting_citizen = 0 "
    " AND updated_at <= :cut)")


def _utc(value: Any) -> datetime:
    from counter.models import parse_utc

    when = parse_utc(value) if not isinstance(value, datetime) else value
    if when is None:
        raise ValueError("a dossier's time is missing")
    return when


def limit_hours(store: Store) -> float:
    """The office's limit for an online dossier to wait (working hours; [app] online_limit_hours, default 8)."""
    from counter.settings import Settings

    try:
        return float(Settings.load(store.data_dir).app.online_limit_hours)
    except CounterError:
        return DEFAULT_LIMIT_HOURS


def _item(r: Any, cal: WorkCalendar, now: datetime, limit: float) -> WaitingItem:
    since = _utc(r.since or r.updated_at)
    hours = cal.working_hours_between(since, now)
    late = hours > limit and not r.awaiting_citizen  # the citizen's turn is not the counter's delay
    return WaitingItem(r.code, r.owner_name, r.procedure_name, since, hours, late,
                       bool(r.awaiting_citizen), bool(r.assisted), int(r.supplement_requests or 0))


def late_cutoff(cal: WorkCalendar, now: datetime, limit: float) -> datetime:
    """The latest moment a dossier may have started waiting and be past the limit: waited(t) > limit for every
    t before it (waited hours only grow the earlier t is), found by halving (to the second)."""
    lo, hi = now - timedelta(days=3660), now
    if cal.working_hours_between(lo, now) <= limit:
        return lo
    while (hi - lo).total_seconds() > 1:
        mid = lo + (hi - lo) / 2
        if cal.working_hours_between(mid, now) > limit:
            lo = mid
        else:
            hi = mid
    return lo


#: the order and the late count read the row's last change: for a dossier waiting at the counter it is its
#: filing or the citizen's last upload (what the list shows, read from the events for the rows of the page),
#: unless a note was added since; reading the events of 10,000 rows would cost F8's first page 100 ms
_LATE = sa.text(
    "SELECT count(*) FROM dossiers d WHERE d.office_id = :o AND d.status = 1 AND d.awaiting_citizen = 0 "
    "AND d.updated_at <= :cut")


def late_count(session: Session, office_id: str, cal: WorkCalendar, now: datetime, limit: float) -> int:
    cut = late_cutoff(cal, now, limit).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as the rows keep it
    return int(session.execute(_LATE, {"o": office_id, "cut": cut}).scalar_one())


def waiting_list(store: Store, actor: Actor, page_size: int = PAGE_SIZE, limit: float | None = None) -> WaitingList:
    """The office's online dossiers in status 1: those to check (oldest first) and, apart, those waiting for
    the citizen's uploads."""
    require(actor.role, CHECK)
    limit = limit_hours(store) if limit is None else limit
    now = store.clock.now()
    with store.read() as session:
        cal = calendar_of(session, actor.office_id)
        cut = late_cutoff(cal, now, limit).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as rows keep it
        n_waiting, n_awaiting, n_late = session.execute(_COUNT, {"o": actor.office_id, "cut": cut}).one()
        waiting = [_item(r, cal, now, limit) for r in
                   session.execute(_WAITING, {"o": actor.office_id, "a": 0, "n": page_size})]
        awaiting = [_item(r, cal, now, limit) for r in
                    session.execute(_WAITING, {"o": actor.office_id, "a": 1, "n": page_size})]
    return WaitingList(waiting, awaiting, int(n_waiting), int(n_awaiting), int(n_late), limit)


# ---- one dossier -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OnlineFile:
    sha256: str
    name: str
    mime: str
    size: int
    pages: int
    paper: str | None

    @property
    def label(self) -> str:
        kb = max(1, round(self.size / 1024))
        return f"{self.name} · {MIME_LABELS.get(self.mime, self.mime)} · {self.pages} trang · {kb:,} KB" \
            .replace(",", ".")


@dataclass(frozen=True)
class ChecklistPaper:
    name: str
    required: bool
    files: list[OnlineFile]


@dataclass(frozen=True)
class OnlineDossier:
    code: str
    status: int
    procedure_code: str
    procedure_name: str
    working_days: int
    owner_name: str
    owner_id_number: str | None
    owner_birth_date: str | None
    owner_phone: str | None
    owner_email: str | None
    owner_address: str | None
    assisted: bool
    source: str
    awaiting_citizen: bool
    requests: int
    since: datetime
    papers: list[ChecklistPaper]
    asked: list[tuple[str, str]] = field(default_factory=list)  # the last request: (paper, reason)
    filed: datetime | None = None  # when it was filed (`since` is the citizen's last upload after a request)

    @property
    def files(self) -> list[OnlineFile]:
        return [f for p in self.papers for f in p.files]


_EVENTS = sa.text("SELECT kind, at, payload FROM dossier_events WHERE dossier_id = :d "
                  "AND kind IN ('registered', 'files_added', 'online_incomplete') ORDER BY rowid")
_CHECKLIST = sa.text("SELECT name, required FROM procedure_papers WHERE procedure_code = :p ORDER BY position")


def _online_row(session: Session, actor: Actor, code: str) -> Any:
    row = dossier_row(session, actor, code)
    if row.status != Status.NEW:
        raise CounterError(f"Hồ sơ {row.code} không còn chờ tiếp nhận ({Status(row.status).label}).")
    return row


def _load(session: Session, actor: Actor, code: str) -> OnlineDossier:
    row = _online_row(session, actor, code)
    files: list[OnlineFile] = []
    asked: list[tuple[str, str]] = []
    source = "web"
    since = row.updated_at
    filed = None
    for kind, at, payload in session.execute(_EVENTS, {"d": row.id}):
        p = json.loads(payload)
        if kind in ("registered", "files_added"):
            since = _utc(at)
            filed = since if kind == "registered" else filed
            source = p.get("source", source) if kind == "registered" else source
            for f in p.get("files", []):
                files.append(OnlineFile(f["sha256"], f["name"], f["mime"], int(f["size"]), int(f.get("pages", 1)),
                                        f.get("paper")))
        else:
            asked = [(m["name"], m["reason"]) for m in p.get("papers", [])]
    checklist = [(n, bool(r)) for n, r in session.execute(_CHECKLIST, {"p": row.procedure_code})]
    names = {n for n, _ in checklist}
    papers = [ChecklistPaper(n, r, [f for f in files if f.paper == n]) for n, r in checklist]
    named_elsewhere = sorted({f.paper for f in files if f.paper and f.paper not in names})
    papers += [ChecklistPaper(n, False, [f for f in files if f.paper == n]) for n in named_elsewhere]
    others = [f for f in files if not f.paper]
    if others:
        papers.append(ChecklistPaper(OTHER_PAPER, False, others))
    return OnlineDossier(row.code, row.status, row.procedure_code, row.procedure_name, row.working_days,
                         row.owner_name, row.owner_id_number, row.owner_birth_date, row.owner_phone,
                         row.owner_email, row.owner_address, bool(row.assisted), source,
                         bool(row.awaiting_citizen), int(row.supplement_requests or 0), _utc(since), papers, asked,
                         filed)


def open_dossier(store: Store, actor: Actor, code: str) -> OnlineDossier:
    require(actor.role, CHECK)
    with store.read() as session:
        return _load(session, actor, code)


# ---- a file: bytes, preview, the system viewer ------------------------------------------------------------

@dataclass(frozen=True)
class Preview:
    lines: list[str]  # the first page as half-block text (rich markup-free), or a short description
    note: str  # page count, size, type, or why there is no picture


def file_bytes(store: Store, sha256: str) -> bytes:
    """The file's bytes (the station's copy, else fetched from the central server once: remote_blobs)."""
    return ensure_blob(store, sha256).read_bytes()


def _first_page_image(data: bytes, mime: str) -> Any:
    from io import BytesIO

    from PIL import Image

    if mime in ("image/jpeg", "image/png"):
        return Image.open(BytesIO(data))
    with tempfile.TemporaryDirectory(prefix="counter-preview-") as tmp:
        src = Path(tmp) / "f.pdf"
        src.write_bytes(data)
        try:
            subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "30", "-png", str(src), str(Path(tmp) / "p")],
                           check=True, capture_output=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        found = sorted(Path(tmp).glob("p*.png"))
        if not found:
            return None
        img = Image.open(found[0])
        img.load()
        return img


def half_blocks(img: Any, width: int, height: int) -> list[str]:
    """A picture as lines of "▀"/"▄"/"█"/" " (two pixel rows per character), dark pixels drawn."""
    img = img.convert("L")
    w, h = img.size
    scale = min((width - 2) / w, ((height - 2) * 2) / h)
    cols, rows = max(1, int(w * scale)), max(2, int(h * scale) // 2 * 2)
    small = img.resize((cols, rows))
    px = small.load()
    out = []
    for y in range(0, rows, 2):
        line = []
        for x in range(cols):
            top, bottom = px[x, y] < 160, px[x, y + 1] < 160
            line.append("█" if top and bottom else "▀" if top else "▄" if bottom else " ")
        out.append("".join(line).rstrip())
    # the page's edge (a white page on a dark terminal shows no border of its own)
    return ["┌" + "─" * cols + "┐", *(f"│{line:<{cols}}│" for line in out), "└" + "─" * cols + "┘"]


def preview(store: Store, actor: Actor, code: str, sha256: str, width: int = 40, height: int = 16) -> Preview:
    """The first page of one of the dossier's files, drawn as text, with its page count, size and type."""
    d = open_dossier(store, actor, code)
    f = next((f for f in d.files if f.sha256 == sha256), None)
    if f is None:
        raise CounterError(f"Hồ sơ {d.code} không có tệp này.")
    data = file_bytes(store, f.sha256)
    note = f.label
    try:
        img = _first_page_image(data, f.mime)
    except Exception:  # a broken upload: say so, show the facts
        img = None
    if img is None:
        return Preview([], note + " · không dựng được ảnh trang đầu (mở bằng trình xem của máy)")
    return Preview(half_blocks(img, width, height), note + " · trang 1")


def open_in_viewer(store: Store, actor: Actor, code: str, sha256: str) -> str:
    """Open the file in the system viewer (xdg-open); returns the file's path. A Vietnamese error if none."""
    from counter.services.digitize import open_with_viewer

    d = open_dossier(store, actor, code)
    f = next((f for f in d.files if f.sha256 == sha256), None)
    if f is None:
        raise CounterError(f"Hồ sơ {d.code} không có tệp này.")
    file_bytes(store, f.sha256)
    suffix = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(f.mime, "")
    folder = Path(store.data_dir) / "exports" / "online"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{d.code}-{f.sha256[:8]}{suffix}"
    if not path.exists():
        path.write_bytes(file_bytes(store, f.sha256))
    if not open_with_viewer(path):
        raise CounterError(f"Máy này không có trình xem tệp (xdg-open) hoặc không có màn hình đồ họa; tệp ở {path}")
    return str(path)


# ---- the outcomes ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    code: str
    status_label: str
    message: str
    form_path: str | None = None  # Mẫu 01 / Mẫu 03 as PDF


def _form_pdf(store: Store, code: str, form: str) -> str | None:
    """Mẫu 01 / 03 of the dossier as a PDF in exports/ (and in the blob store)."""
    from counter.services.printing import documents_for, render

    _, docs = documents_for(store, code, form)
    data = render(docs, "pdf-a4")
    blob_store(store).put(data)
    folder = Path(store.data_dir) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{code}-mau{form}.pdf"
    path.write_bytes(data)
    return str(path)


def receive(store: Store, actor: Actor, code: str, wrong: dict[str, str] | None = None) -> Outcome:
    """Receive an online dossier: status 2, the due date counted from now by the calendar rule, the uploaded
    files as the papers' digitized copies (state 1), Mẫu 01 as a PDF. Refused while a paper is marked wrong
    or a required paper has no file (ask for it instead)."""
    require(actor.role, Action.RECEIVE)
    wrong = {k: v for k, v in (wrong or {}).items() if v.strip()}
    if wrong:
        raise CounterError("Còn giấy tờ bị đánh dấu chưa đạt (" + ", ".join(wrong)
                           + "): yêu cầu bổ sung hoặc từ chối, không tiếp nhận.")
    now = store.clock.now()
    with store.write() as session:
        d = _load(session, actor, code)
        if d.awaiting_citizen:
            raise CounterError(f"Hồ sơ {d.code} đang chờ công dân nộp bổ sung: chưa tiếp nhận được.")
        lacking = [p.name for p in d.papers if p.required and not p.files]
        if lacking:
            raise CounterError("Thiếu tệp của giấy tờ bắt buộc: " + ", ".join(lacking)
                               + ". Yêu cầu bổ sung (một lần, đầy đủ) thay vì tiếp nhận.")
        row = _online_row(session, actor, code)
        cal = calendar_of(session, actor.office_id)
        due = cal.due_at(now, row.working_days)
        station_number = session.execute(sa.text("SELECT number FROM stations WHERE id = :s"),
                                         {"s": actor.station_id}).scalar_one()
        year = f"{now.astimezone(VN_TZ).year}"
        book_n = ev.next_number(session, actor.station_id, "book", year)
        papers = [{"name": p.name, "count": max(1, len(p.files)) if p.files else 0,
                   "blobs": [f.sha256 for f in p.files], "digitization": 1 if p.files else 0}
                  for p in d.papers if p.files or p.required]
        payload = {"due_at": due.astimezone(now.tzinfo).isoformat(), "working_days": row.working_days,
                   "book": year, "book_no": f"{station_number}{book_n:05d}", "assignee_id": actor.user_id,
                   "papers": papers}
        state = ev.append(session, actor, row.id, EventKind.RECEIVED, payload, now, row=row)[0]
    path = _form_pdf(store, state.code, "01")
    return Outcome(state.code, state.status.label, f"Đã tiếp nhận hồ sơ {state.code}, hẹn trả "
                   f"{due.astimezone(VN_TZ):%H:%M %d/%m/%Y}; giấy tiếp nhận (Mẫu 01): {path}", path)


def ask_missing(store: Store, actor: Actor, code: str, missing: dict[str, str], note: str = "",
                override_reason: str = "") -> Outcome:
    """One notice listing every missing or wrong paper with its reason (`online_incomplete`). A second request
    on the same dossier needs a supervisor and `override_reason` (lifecycle and permissions refuse it)."""
    require(actor.role, Action.REQUEST_SUPPLEMENT)
    items = [{"name": nfc(n.strip()), "reason": nfc(r.strip())} for n, r in missing.items() if n.strip()]
    if not items:
        raise CounterError("Chưa ghi giấy tờ nào thiếu hoặc chưa đạt: chọn giấy tờ và ghi rõ lý do.")
    if any(not i["reason"] for i in items):
        raise CounterError("Mỗi giấy tờ yêu cầu bổ sung phải có lý do (thiếu, ảnh mờ, sai mẫu…).")
    payload: dict[str, Any] = {"papers": items}
    if note.strip():
        payload["note"] = nfc(note.strip())
    if override_reason.strip():
        if not can(actor.role, Action.OVERRIDE_SUPPLEMENT):
            raise CounterError("Chỉ lãnh đạo / giám sát được yêu cầu bổ sung lần nữa.")
        payload["override_reason"] = nfc(override_reason.strip())
    now = store.clock.now()
    with store.write() as session:
        row = _online_row(session, actor, code)
        state = ev.append(session, actor, row.id, EventKind.ONLINE_INCOMPLETE, payload, now, row=row)[0]
    return Outcome(state.code, state.status.label,
                   f"Đã gửi yêu cầu bổ sung hồ sơ {state.code} ({len(items)} giấy tờ): chờ công dân nộp tệp.")


def refuse(store: Store, actor: Actor, code: str, reason: str) -> Outcome:
    """Refuse an online dossier (not this office's, or not acceptable): `refused` with Mẫu 03 as a PDF."""
    require(actor.role, Action.RECEIVE)
    if not reason.strip():
        raise CounterError("Phải ghi rõ lý do từ chối tiếp nhận.")
    now = store.clock.now()
    with store.write() as session:
        row = _online_row(session, actor, code)
        state = ev.append(session, actor, row.id, EventKind.REFUSED,
                          {"reason": nfc(reason.strip()), "form": "03"}, now, row=row)[0]
    path = _form_pdf(store, state.code, "03")
    return Outcome(state.code, state.status.label,
                   f"Đã từ chối tiếp nhận hồ sơ {state.code}; thông báo (Mẫu 03): {path}", path)


# ---- assisted online filing (F2) ---------------------------------------------------------------------------

def assisted_filing_url(store: Store, actor: Actor, procedure_code: str | None = None,
                        transport: Any = None) -> str:
    """The central server's /nop page for a clerk helping a citizen file online ("hỗ trợ nộp trực tuyến"): the
    citizen's own contact details are typed there and the dossier is marked assisted (counted apart). The page
    takes the mark only with the server's ticket, asked for with this station's token (a citizen cannot)."""
    from urllib.parse import quote, urlencode

    from counter.services import sync as sync_service

    require(actor.role, Action.RECEIVE)
    cfg = sync_service.settings(store)
    if cfg is None:
        raise CounterError("Quầy chưa được nối với máy chủ trung tâm nên không mở được trang nộp trực tuyến "
                           "(quản trị chạy “counter sync setup --url … --token …”).")
    from counter.sync.client import SyncError

    try:
        with sync_service.client_for(store, transport) as client:
            ticket = client.assist_ticket()
    except SyncError as exc:
        raise CounterError(f"Không mở được trang hỗ trợ nộp trực tuyến: {exc.message}.") from None
    path = f"/nop/{quote(procedure_code.strip())}" if procedure_code and procedure_code.strip() else "/nop"
    return cfg.url.rstrip("/") + path + "?" + urlencode({"office": actor.office_id, "assisted": ticket})


def open_assisted_filing(store: Store, actor: Actor, procedure_code: str | None = None) -> str:
    """Open that page in the system browser; a Vietnamese error naming the address when there is none."""
    from counter.services.digitize import open_with_viewer

    url = assisted_filing_url(store, actor, procedure_code)
    if not open_with_viewer(url):  # type: ignore[arg-type]
        raise CounterError(f"Máy này không mở được trình duyệt: mở địa chỉ sau trên máy có trình duyệt để hỗ trợ "
                           f"công dân nộp trực tuyến: {url}")
    return url
