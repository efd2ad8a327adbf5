"""The station's side of sync (design.md, "Sync with the central system"): outbox -> wire events -> push,
pull -> confirmed events -> projection, conflicts kept for the clerk.

Tables (migration 0006): `sync_events` says which events the server holds (and their office order),
`sync_conflicts` keeps every event the server rejected, `sync_actors` names other stations' users. Settings
live in `sync_state` (url, cursor, last success, last error); the token lives in the OS keyring or a 0600 file
(services/token_store.py), never in the database.

Local state of a dossier = its confirmed events folded in office order, then its pending events (outbox, not
yet confirmed) replayed on top with the same reducer; a pending event the reducer refuses on top is skipped
in the projection but stays in the outbox until the server answers (then a conflict if rejected): nothing is
reverted silently.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from counter.domain.contracts import BODY_KEYS, LEGACY_BATCH, OFFICE_FIELDS
from counter.domain.errors import CounterError
from counter.domain.hashing import canonical_json, chain_hash
from counter.domain.lifecycle import BLOB_KINDS, DossierState, Event, EventKind, TransitionError, apply
from counter.models import Dossier, DossierEvent, Office, SyncConflict, SyncEvent, SyncState, parse_utc
from counter.services import events as ev_service
from counter.services import token_store
from counter.services.office import this_station
from counter.services.store import Store
from counter.services.users_sync import pull_users
from counter.sync.client import PullPage, PushResult, SyncClient, SyncError, SyncUnavailable

log = logging.getLogger("counter.sync")

#: the most events a push carries; a server takes what its answers say (`max_batch`), one that says nothing
#: takes contracts.LEGACY_BATCH (the first request of a push is that size: the server has not answered yet)
BATCH = 1000
PAGE = 500
URL, TOKEN, CURSOR = "sync_url", "sync_token", "sync_cursor"
LAST_SUCCESS, LAST_ERROR, LAST_ERROR_AT, EPOCH_RESET = "sync_last_success", "sync_last_error", \
    "sync_last_error_at", "sync_epoch_reset"
CLOCK_OFFSET = "sync_clock_offset"  # seconds the server's clock is ahead of this station's


class SyncNotConfigured(CounterError):
    pass


# ---- settings ---------------------------------------------------------------------------------------------

def _get(session: Session, key: str) -> str | None:
    row = session.get(SyncState, key)
    return row.value if row is not None else None


def _set(session: Session, key: str, value: str | None) -> None:
    if value is None:
        session.execute(sa.text("DELETE FROM sync_state WHERE key = :k"), {"k": key})
    else:
        session.execute(sa.text("INSERT INTO sync_state(key, value) VALUES (:k, :v) "
                                "ON CONFLICT(key) DO UPDATE SET value = excluded.value"), {"k": key, "v": value})


SERVER_URL_MAX = 2000


def validate_server_url(text: str | None) -> str:
    """The central server's address as `sync setup` (or a config file) gives it: http(s)://host[:port][/path],
    at most SERVER_URL_MAX characters, no spaces or control characters, no user:password@, no ?query or
    #fragment; returned without a trailing slash. Anything else: CounterError in Vietnamese, nothing saved."""
    from urllib.parse import urlsplit

    url = (text or "").strip()
    example = "ví dụ http://192.168.1.10:8780"
    if not url:
        raise CounterError(f"Địa chỉ máy chủ không được để trống, {example}")
    if len(url) > SERVER_URL_MAX:
        raise CounterError(f"Địa chỉ máy chủ quá dài: {len(url)} ký tự (tối đa {SERVER_URL_MAX})")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise CounterError("Địa chỉ máy chủ có khoảng trắng hoặc ký tự điều khiển")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number in 0–65535
    except ValueError:
        raise CounterError(f"Địa chỉ máy chủ không hợp lệ (tên máy hoặc cổng sai), {example}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise CounterError("Địa chỉ máy chủ phải bắt đầu bằng http:// hoặc https://")
    if not parts.hostname:
        raise CounterError(f"Địa chỉ máy chủ thiếu tên máy, {example}")
    if port == 0:
        raise CounterError("Cổng của địa chỉ máy chủ phải từ 1 đến 65535")
    if parts.username is not None or parts.password is not None:
        raise CounterError("Địa chỉ máy chủ không được chứa tên đăng nhập hay mật khẩu (dùng --token)")
    if parts.query or parts.fragment:
        raise CounterError("Địa chỉ máy chủ không được có phần “?…” hoặc “#…”")
    return url.rstrip("/")


def validate_token(text: str | None) -> str:
    """The station's access token as pasted: one printable ASCII word of at most 512 characters."""
    token = (text or "").strip()
    if not token:
        raise CounterError("Mã truy cập của quầy không được để trống")
    if len(token) > 512 or not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise CounterError("Mã truy cập của quầy không hợp lệ: dán đúng dòng mã do “counter serve token add” in ra")
    return token


def setup(store: Store, url: str, token: str) -> None:
    """Point this station at a central server (`counter sync setup --url URL --token TOKEN`)."""
    url = validate_server_url(url)
    token = validate_token(token)
    with store.read() as session:
        this_station(session)
    try:
        token_store.save(store.data_dir, token.strip())  # the OS keyring or a 0600 file, never the database
    except OSError as exc:
        raise CounterError(f"Không lưu được mã truy cập của quầy: {exc.strerror}") from None
    with store.write() as session:
        old = _get(session, URL)
        _set(session, URL, url)
        _set(session, TOKEN, None)
        _set(session, LAST_ERROR, None)
        if old is not None and old != url:  # another server: its order starts from zero
            _set(session, CURSOR, None)


def station_number_from_server(url: str, token: str, office_id: str, wanted: int | None,
                               transport: Any = None) -> int:
    """`counter init --server URL --token T`: the station number the token was issued for, checked with the
    server before anything is made: the office matches, the token is not another machine's, and no other
    machine syncs under that number (else the sentence names the free numbers)."""
    from counter.domain.codes import validate_agency
    from counter.sync.client import SyncAuthError

    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CounterError("Địa chỉ máy chủ phải bắt đầu bằng http:// hoặc https://")
    try:
        with SyncClient(url, token.strip(), transport=transport) as client:
            info = client.station()
    except SyncAuthError as exc:
        raise CounterError(exc.message) from None
    except SyncError as exc:
        raise CounterError(f"Không hỏi được máy chủ {url}: {exc.message}. Khởi tạo không có --server/--token rồi "
                           "nối sau bằng “counter sync setup”, hoặc thử lại khi máy chủ chạy.") from None
    office_id = validate_agency(office_id)
    free = ", ".join(str(n) for n in info.free) or "không còn"
    if info.office_id != office_id:
        raise CounterError(f"Mã truy cập này cấp cho cơ quan {info.office_id}, không phải {office_id}")
    if info.station_id is not None:
        raise CounterError(f"Mã truy cập này đã được một máy trạm khác dùng (quầy {info.station_number}): xin mã "
                           f"mới cho máy này (số quầy còn trống: {free})")
    if wanted is not None and wanted != info.station_number:
        raise CounterError(f"Mã truy cập này cấp cho quầy {info.station_number}, không phải quầy {wanted}: bỏ "
                           f"--station hoặc xin mã cho quầy {wanted}")
    if info.clash:
        raise CounterError(f"{info.clash} Số quầy còn trống: {free}.")
    return info.station_number


def bind_station(store: Store, transport: Any = None) -> None:
    """`counter init --server`: claim the token for this new station at once, so a second machine given a
    token of the same number is refused at its own init, not after both have received dossiers."""
    with store.read() as session:
        station_id = this_station(session).id
    with client_for(store, transport) as client:
        try:
            problem = client.bind(station_id)
        except SyncError as exc:
            raise CounterError(f"Không gắn được quầy với máy chủ: {exc.message}") from None
    if problem:
        raise CounterError(problem)


@dataclass(frozen=True)
class SyncSettings:
    url: str
    token: str


def settings(store: Store) -> SyncSettings | None:
    with store.read() as session:
        url = _get(session, URL)
    token = token_store.load(store.data_dir) if url else None
    return SyncSettings(url, token) if url and token else None


def client_for(store: Store, transport: Any = None) -> SyncClient:
    cfg = settings(store)
    if cfg is None:
        raise SyncNotConfigured("Quầy chưa được nối với máy chủ: chạy “counter sync setup --url URL --token MÃ”")
    return SyncClient(cfg.url, cfg.token, transport=transport)


@dataclass(frozen=True)
class SyncStatus:
    configured: bool
    url: str | None
    pending: int
    conflicts: int
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    cursor: str


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def status(store: Store) -> SyncStatus:
    with store.read() as session:
        station_id = this_station(session).id
        pending = session.execute(sa.text(
            "SELECT count(*) FROM outbox o JOIN dossier_events e ON e.id = o.event_id WHERE e.station_id = :s"),
            {"s": station_id}).scalar_one()
        conflicts = session.execute(sa.text(
            "SELECT count(*) FROM sync_conflicts WHERE resolution IS NULL")).scalar_one()  # the open ones
        url = _get(session, URL)
        return SyncStatus(configured=bool(url and token_store.load(store.data_dir)), url=url,
                          pending=int(pending), conflicts=int(conflicts),
                          last_success=_time(_get(session, LAST_SUCCESS)), last_error=_get(session, LAST_ERROR),
                          last_error_at=_time(_get(session, LAST_ERROR_AT)), cursor=_get(session, CURSOR) or "")


def record_error(store: Store, message: str) -> None:
    with store.write() as session:
        _set(session, LAST_ERROR, message)
        _set(session, LAST_ERROR_AT, store.clock.now().astimezone(UTC).isoformat())


def record_failure(store: Store, exc: BaseException) -> None:
    """The one way a failed cycle is written down: a SyncError's own words, anything else (a bug, a bad row)
    by its type and first line. A station not connected to a server has nothing to record."""
    if isinstance(exc, SyncNotConfigured):
        return
    if isinstance(exc, SyncError):
        message = exc.message
    else:
        log.error("sync cycle failed", exc_info=exc)
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        message = f"Lỗi khi đồng bộ ({type(exc).__name__}): {first}"
    try:
        record_error(store, message)
    except Exception:  # a busy or closing store: the log has it
        log.debug("sync error not recorded", exc_info=True)


# ---- wire format ------------------------------------------------------------------------------------------

_EVENT_COLS = [c.name for c in DossierEvent.__table__.columns]  # type: ignore[attr-defined]


def wire_event(row: Any, actor: dict[str, str] | None) -> dict[str, Any]:
    """A stored event as the contract's wire event: the hashed body, both hashes and who acted."""
    return {**ev_service.event_body(row), "prev_hash": row.prev_hash, "hash": row.hash, "actor": actor}


_WIRE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def wire_text(row: Any, actor_text: str) -> str:
    """`wire_event(row, actor)` as JSON text, the stored payload text spliced in as it is (it is the canonical
    JSON the hash covers) instead of parsed and encoded again. `actor_text`: the actor object's JSON."""
    head = _WIRE_JSON({"id": row.id, "dossier_id": row.dossier_id, "office_id": row.office_id,
                       "station_id": row.station_id, "station_seq": row.station_seq, "parent": row.parent,
                       "kind": row.kind, "actor_id": row.actor_id, "at": row.at.astimezone(UTC).isoformat(),
                       "prev_hash": row.prev_hash, "hash": row.hash})
    return f'{head[:-1]},"actor":{actor_text},"payload":{row.payload}}}'


def body_of_wire(w: dict[str, Any]) -> dict[str, Any]:
    """What the event hash covers (contracts.BODY_KEYS)."""
    return {k: w[k] for k in BODY_KEYS}


def _actors(session: Session) -> dict[int, dict[str, str]]:
    rows = session.execute(sa.text("SELECT id, username, full_name, role FROM users")).all()
    return {r[0]: {"username": r[1], "full_name": r[2], "role": r[3]} for r in rows}


def _blob_hashes(rows: list[Any]) -> list[str]:
    """The files the server needs before it takes these events: a scan's, a scanned authorization's, a result's
    ("blobs"), and an online dossier's uploads ("files" of `registered` / `files_added`, which the server
    also waits for: a demo's online dossiers are its station's own events)."""
    out: list[str] = []
    for r in rows:
        if r.kind in BLOB_KINDS:  # a scan, a scanned authorization, a result
            hashes = json.loads(r.payload).get("blobs", []) or []
        elif r.kind in (EventKind.REGISTERED, EventKind.FILES_ADDED):
            hashes = [f.get("sha256") for f in json.loads(r.payload).get("files", []) or [] if isinstance(f, dict)]
        else:
            continue
        for h in hashes:
            if isinstance(h, str) and h not in out:
                out.append(h)
    return out


def blob_path(store: Store, sha256: str) -> Path:
    """Where the station keeps a file (blobs/ab/cdef…, the scanning service's blob store)."""
    from counter.services import digitize

    return digitize.blob_path(store, sha256)


def _blob_mime(session: Session, sha256: str) -> str:
    mime = session.execute(sa.text("SELECT mime FROM blobs WHERE sha256 = :h"), {"h": sha256}).scalar()
    return mime or "application/octet-stream"


# ---- push -------------------------------------------------------------------------------------------------

_PENDING = sa.text(
    "SELECT e.* FROM outbox o JOIN dossier_events e ON e.id = o.event_id "
    "LEFT JOIN sync_events se ON se.event_id = o.event_id "
    "WHERE e.station_id = :s AND se.event_id IS NULL AND e.station_seq > :after ORDER BY e.station_seq LIMIT :n")


@dataclass
class CycleReport:
    pushed: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    retry: int = 0
    blobs: int = 0
    pulled: int = 0
    applied: int = 0
    problems: list[str] = field(default_factory=list)
    #: dossier codes a recovery changed (a station restored from an older backup): (old, new)
    renumbered: list[tuple[str, str]] = field(default_factory=list)


def _office_wire(session: Session, office_id: str) -> dict[str, str]:
    o = session.get(Office, office_id)
    assert o is not None
    return {"id": o.id, **{k: getattr(o, k) for k in OFFICE_FIELDS}}


def push(store: Store, client: SyncClient, report: CycleReport | None = None, batch: int = BATCH) -> CycleReport:
    """Blobs first, then the outbox in station_seq order, ≤`batch` events a request, until the outbox has
    nothing unconfirmed left or the server asks to retry."""
    report = report or CycleReport()
    with store.read() as session:  # who we are and who acted: read once per push, not per batch
        station = this_station(session)
        station_id = station.id
        office = _office_wire(session, station.office_id)
        actors = {k: _WIRE_JSON(v) for k, v in _actors(session).items()}

    def size() -> int:
        """Events in the next request: `batch`, or fewer when the server takes fewer (issue 21)."""
        return min(batch, client.max_batch or LEGACY_BATCH)

    def pending(after: int, n: int) -> tuple[list[Any], list[str]]:
        """The next ≤`n` unconfirmed events after station_seq `after`, and their wire texts."""
        with store.read() as session:
            # plain rows, not ORM objects: building 100 SQLModel instances costs more than the query
            rows = [SimpleNamespace(**r._mapping)
                    for r in session.execute(_PENDING, {"s": station_id, "after": after, "n": n})]
        for r in rows:  # the raw row holds the stored text: parse it as the model would
            r.at = parse_utc(r.at)
        return rows, [wire_text(r, actors.get(r.actor_id, "null") if r.actor_id is not None else "null")
                      for r in rows]

    def send(rows: list[Any], wire: list[str]) -> Future[list[PushResult]]:
        hashes = _blob_hashes(rows)
        if hashes:  # files first, while no request is on the way
            report.blobs += _push_blobs(store, client, hashes, report)
        return sender.submit(client.push_encoded, station_id, office, [r.id for r in rows], wire)

    asked = size()
    rows, wire = pending(0, asked)
    if not rows:
        return report
    # One request at a time, in order, as before; but while the server settles a batch this thread reads and
    # encodes the next one, and records a batch's outcomes while the server settles the one after it.
    with ThreadPoolExecutor(1, thread_name_prefix="counter-push") as sender:
        answer = send(rows, wire)
        while True:
            # the next batch cannot overlap this one (station_seq after its last), whatever the server answers
            following_asked = size()
            following = pending(rows[-1].station_seq, following_asked) if len(rows) == asked else ([], [])
            results = answer.result()
            offset = _clock_offset(store, client.server_time, report)
            report.pushed += len(rows)
            settled = sum(r.status != "retry" for r in results)
            # a retry (or an event left unanswered) ends the push: the rest waits for the next cycle
            more = settled == len(rows) and bool(following[0])
            early = more and not _blob_hashes(following[0])  # files to upload: record first, as before
            if early:
                answer = send(*following)
            _record_push(store, rows, results, report, offset)
            if not more:
                return report
            if not early:
                answer = send(*following)
            rows, wire = following
            asked = following_asked


def _push_blobs(store: Store, client: SyncClient, hashes: list[str], report: CycleReport) -> int:
    sent = 0
    for h in client.missing_blobs(hashes):
        path = blob_path(store, h)
        try:
            data = path.read_bytes()
        except OSError:
            report.problems.append(f"Thiếu tệp số hóa {h[:12]}… trên máy này")
            continue
        if hashlib.sha256(data).hexdigest() != h:
            report.problems.append(f"Tệp số hóa {h[:12]}… trên máy này bị hỏng")
            continue
        with store.read() as session:
            mime = _blob_mime(session, h)
        if client.put_blob(h, data, mime):
            sent += 1
        else:  # the server saw other bytes than we sent: the link damaged them; the next cycle sends again
            raise SyncUnavailable(f"Tệp số hóa {h[:12]}… tới máy chủ bị hỏng dọc đường, sẽ gửi lại")
    return sent


_UPSERT_CONFIRMED = sa.text(
    "INSERT INTO sync_events(event_id, office_seq) VALUES (:e, :n) "
    "ON CONFLICT(event_id) DO UPDATE SET office_seq = coalesce(excluded.office_seq, sync_events.office_seq)")
_DELETE_OUTBOX = sa.text("DELETE FROM outbox WHERE event_id = :e")
_CONFLICTS_OF = sa.text("SELECT event_id, dossier_id FROM sync_conflicts WHERE event_id IN :ids"
                        ).bindparams(sa.bindparam("ids", expanding=True))
_DROP_CONFLICT = sa.text("DELETE FROM sync_conflicts WHERE event_id = :e")


def _drop_conflicts(session: Session, event_ids: list[str]) -> set[str]:
    """A restored server (new epoch) may accept what its lost copy rejected: its answer is the one now. The
    conflicts of these confirmed events are dropped; the dossiers they were on, returned, are to be rebuilt
    (their rows left the rejected event out). One SELECT, then the DELETEs: a DELETE … RETURNING run as an
    executemany returns no rows, and a batch of several confirmed events lost its rebuilds."""
    found = session.execute(_CONFLICTS_OF, {"ids": event_ids}).all() if event_ids else []
    if found:
        session.execute(_DROP_CONFLICT, [{"e": r.event_id} for r in found])
    return {r.dossier_id for r in found}


#: a station clock further than this from the server's is flagged to the clerk (deadlines use station time)
SKEW_WARNING = 600.0


def _clock_offset(store: Store, server_time: str | None, report: CycleReport) -> float | None:
    """Seconds the server's clock is ahead of the station's (measured at the push answer); large skew is
    reported, never a reason to refuse anything."""
    try:
        server = datetime.fromisoformat(server_time) if server_time else None
    except ValueError:
        server = None
    if server is None or server.tzinfo is None:
        return None
    offset = (server - store.clock.now()).total_seconds()
    if abs(offset) > SKEW_WARNING:
        minutes = round(abs(offset) / 60)
        when = f"{minutes // 60} giờ {minutes % 60} phút" if minutes >= 60 else f"{minutes} phút"
        report.problems.append(f"Đồng hồ máy này {'chậm' if offset > 0 else 'nhanh'} {when} so với máy chủ: "
                               "kiểm tra giờ hệ thống")
    return offset


def _record_push(store: Store, rows: list[Any], results: list[PushResult], report: CycleReport,
                 offset: float | None = None) -> None:
    by_id = {r.id: r for r in rows}
    now = store.clock.now()
    with store.write() as session:
        if offset is not None:
            _set(session, CLOCK_OFFSET, str(round(offset)))
        confirmed = [{"e": r.id, "n": r.office_seq} for r in results if r.status in ("accepted", "duplicate")]
        touched: set[str] = set()
        if confirmed:
            session.execute(_UPSERT_CONFIRMED, confirmed)
            touched |= _drop_conflicts(session, [c["e"] for c in confirmed])
        for r in results:
            if r.status == "accepted":
                report.accepted += 1
            elif r.status == "duplicate":
                report.duplicate += 1
            elif r.status == "retry":
                report.retry += 1
                if r.reason == "gap":  # the server lacks an earlier event of this station: say so, never silently
                    report.problems.append(f"Máy chủ thiếu sự kiện trước số {by_id[r.id].station_seq} của quầy "
                                           "này, chưa nhận các sự kiện sau")
                elif r.reason == "behind":  # the server settled this number already: a restored station
                    from counter.services.sync_recovery import BEHIND_FROM

                    first = _get(session, BEHIND_FROM)
                    seq = by_id[r.id].station_seq
                    if first is None or seq < int(first):
                        _set(session, BEHIND_FROM, str(seq))
            elif r.status == "rejected":
                report.rejected += 1
                row = by_id[r.id]
                code = session.execute(sa.text("SELECT code FROM dossiers WHERE id = :d"),
                                       {"d": row.dossier_id}).scalar() or ""
                session.execute(sa.text(
                    "INSERT INTO sync_conflicts(event_id, dossier_id, dossier_code, kind, station_seq, reason, "
                    "event_at, rejected_at) VALUES (:e, :d, :c, :k, :s, :r, :a, :t) ON CONFLICT DO NOTHING"),
                    {"e": r.id, "d": row.dossier_id, "c": code, "k": row.kind, "s": row.station_seq,
                     "r": r.reason or "Máy chủ không nhận sự kiện này", "a": _stamp(row.at), "t": _stamp(now)})
                session.execute(_DELETE_OUTBOX, {"e": r.id})
                touched.add(row.dossier_id)
        for dossier_id in touched:
            rebuild(session, dossier_id)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# ---- pull -------------------------------------------------------------------------------------------------

def _epoch(cursor: str) -> str:
    return cursor.split(".", 1)[0] if cursor else ""


def pull(store: Store, client: SyncClient, report: CycleReport | None = None, limit: int = PAGE) -> CycleReport:
    """Fetch the office's confirmed events after the saved cursor, page by page, each page applied and its
    cursor saved in one transaction."""
    report = report or CycleReport()
    while True:
        with store.read() as session:
            cursor = _get(session, CURSOR) or ""
            client.outbox_depth = session.execute(sa.text("SELECT count(*) FROM outbox")).scalar()
        page = client.pull(cursor, limit)
        report.pulled += len(page.events)
        report.applied += apply_page(store, page, cursor, report.problems)
        if not page.has_more or not page.events:
            return report


_INSERT_EVENT = sa.insert(DossierEvent.__table__)  # type: ignore[attr-defined]


def apply_page(store: Store, page: PullPage, cursor: str, problems: list[str] | None = None) -> int:
    """Apply one page of confirmed events; returns how many were new to this station. A dossier whose row
    cannot be built here (its code is held by another dossier of this store) keeps its events, is named in
    `problems`, and does not stop the page."""
    new = 0
    with store.write() as session:
        session.execute(sa.text("PRAGMA defer_foreign_keys=ON"))  # events may come before their dossier row
        station_id = this_station(session).id
        if cursor and _epoch(page.cursor) != _epoch(cursor):
            # the server was restored: its order starts again; what it lacks is pushed again after the pull
            log.warning("central server epoch changed (%s -> %s): pulling from zero", cursor, page.cursor)
            session.execute(sa.text("DELETE FROM sync_events"))
            _set(session, EPOCH_RESET, "1")
        touched: set[str] = set()
        own_back = False
        for w in page.events:
            if chain_hash(w["prev_hash"], body_of_wire(w)) != w["hash"]:
                raise SyncUnavailable(f"Sự kiện {w['id']} từ máy chủ không khớp mã băm: bỏ qua trang này")
            existing = session.execute(sa.text("SELECT hash FROM dossier_events WHERE id = :e"),
                                       {"e": w["id"]}).scalar()
            if existing is None:
                own_back = own_back or w["station_id"] == station_id
                session.execute(_INSERT_EVENT, _row_of_wire(w))
                actor = w.get("actor")
                if isinstance(actor, dict) and w.get("actor_id") is not None:
                    session.execute(sa.text(
                        "INSERT INTO sync_actors(station_id, actor_id, username, full_name, role) "
                        "VALUES (:s, :a, :u, :f, :r) ON CONFLICT(station_id, actor_id) DO UPDATE SET "
                        "username = excluded.username, full_name = excluded.full_name, role = excluded.role"),
                        {"s": w["station_id"], "a": w["actor_id"], "u": actor.get("username", ""),
                         "f": actor.get("full_name", ""), "r": actor.get("role", "")})
                touched.add(w["dossier_id"])
                new += 1
            elif existing != w["hash"]:
                raise SyncUnavailable(f"Sự kiện {w['id']} trên máy chủ khác bản ở quầy này")
            else:
                session.execute(_DELETE_OUTBOX, {"e": w["id"]})
                if w["station_id"] != station_id:
                    touched.add(w["dossier_id"])  # e.g. after a reset: keep the office order
            session.execute(_UPSERT_CONFIRMED, {"e": w["id"], "n": int(w["office_seq"])})
        # an own event the station holds as rejected comes back confirmed (a restored server took it, and the
        # station died before it read the answer): the server's word is the one now
        touched |= _drop_conflicts(session, [w["id"] for w in page.events if w["station_id"] == station_id])
        for dossier_id in touched:
            try:
                with session.begin_nested():
                    rebuild(session, dossier_id)
            except sa.exc.IntegrityError:
                # the server's dossier holds a code a row of this store holds too (two stations under one
                # number): the server's is the one accepted, the local row yields its code and is named
                state = fold(session, dossier_id)[0]
                if state is None:
                    raise
                marked = f"{state.code}-TRUNG-{dossier_id[:4]}"
                session.execute(sa.text("UPDATE dossiers SET code = :m WHERE code = :c AND id != :d"),
                                {"m": marked, "c": state.code, "d": dossier_id})
                rebuild(session, dossier_id)
                log.info("pulled dossier %s clashes with a local row (code %s)", dossier_id, state.code)
                if problems is not None:
                    problems.append(f"Hồ sơ {state.code} trên máy chủ trùng mã với một hồ sơ của quầy này (hai máy "
                                    f"trạm cùng số quầy?): hồ sơ của quầy này tạm mang mã {marked}; xem “Xung đột "
                                    "đồng bộ” và khởi tạo lại máy với đúng số quầy")
        if own_back:  # own events this store had lost (restored from a backup): counters move past them
            from counter.services.sync_recovery import catch_up_counters

            from counter.services.office import numbering_block

            catch_up_counters(session, station_id, numbering_block(session, this_station(session).id))
        _set(session, CURSOR, page.cursor)
        if not page.has_more and _get(session, EPOCH_RESET):
            # push again what the restored server lacks: own events it does not hold, the rejected ones too
            # (they hold their station_seq slots: without them the server waits for a gap forever)
            session.execute(sa.text(
                "INSERT INTO outbox(event_id, station_seq, created_at) "
                "SELECT e.id, e.station_seq, e.at FROM dossier_events e "
                "WHERE e.station_id = :s AND e.id NOT IN (SELECT event_id FROM sync_events) "
                "AND e.id NOT IN (SELECT event_id FROM outbox)"), {"s": station_id})
            # rows that folded other stations' events the restored server does not hold (yet): without them
            # now (fold); the pull brings back those it accepts later
            for dossier_id in session.execute(sa.text(
                    "SELECT DISTINCT dossier_id FROM dossier_events WHERE station_id != :s "
                    "AND id NOT IN (SELECT event_id FROM sync_events)"), {"s": station_id}).scalars().all():
                rebuild(session, dossier_id)
            _set(session, EPOCH_RESET, None)
    return new


def _row_of_wire(w: dict[str, Any]) -> dict[str, Any]:
    return {"id": w["id"], "dossier_id": w["dossier_id"], "office_id": w["office_id"],
            "station_id": w["station_id"], "station_seq": int(w["station_seq"]), "parent": w.get("parent"),
            "kind": w["kind"], "actor_id": w.get("actor_id"),
            "at": datetime.fromisoformat(w["at"]).astimezone(UTC), "payload": canonical_json(w["payload"]),
            "prev_hash": w["prev_hash"], "hash": w["hash"]}


# ---- rebase -----------------------------------------------------------------------------------------------

_DOSSIER_EVENTS = sa.text(
    "SELECT e.id, e.kind, e.at, e.actor_id, e.station_id, e.payload, se.office_seq, "
    "c.event_id IS NOT NULL AS rejected, "
    "e.station_id = (SELECT value FROM sync_state WHERE key = 'station_id') AS own FROM dossier_events e "
    "LEFT JOIN sync_events se ON se.event_id = e.id LEFT JOIN sync_conflicts c ON c.event_id = e.id "
    "WHERE e.dossier_id = :d ORDER BY e.rowid")
_DOSSIERS = Dossier.__table__  # type: ignore[attr-defined]


def fold(session: Session, dossier_id: str) -> tuple[DossierState | None, list[Event]]:
    """Confirmed events in office order, then pending ones on top; events the reducer refuses are skipped."""
    rows = session.execute(_DOSSIER_EVENTS, {"d": dossier_id}).all()
    confirmed = sorted((r for r in rows if r.office_seq is not None), key=lambda r: r.office_seq)
    # pending = this station's own; another station's event no longer confirmed (a restored server that
    # does not hold it, or rejected it this time) is not folded
    pending = [r for r in rows if r.office_seq is None and not r.rejected and r.own]
    state: DossierState | None = None
    applied: list[Event] = []
    for r in [*confirmed, *pending]:
        at = r.at if isinstance(r.at, datetime) else datetime.fromisoformat(r.at).replace(tzinfo=UTC)
        event = Event(r.id, r.kind, at, r.actor_id, r.station_id, json.loads(r.payload))
        try:
            state = apply(state, event)
        except TransitionError:
            continue
        applied.append(event)
    return state, applied


def history(session: Session, dossier_id: str) -> list[DossierEvent]:
    """A dossier's events in the order its row folds them: confirmed (office order), then the rest in local
    order; rejected events left out (they stay in the log and in sync_conflicts)."""
    rows = session.execute(sa.select(DossierEvent, col(SyncEvent.office_seq))
                           .outerjoin(SyncEvent, col(SyncEvent.event_id) == DossierEvent.id)
                           .where(col(DossierEvent.dossier_id) == dossier_id,
                                  col(DossierEvent.id).not_in(sa.select(col(SyncConflict.event_id))))
                           .order_by(sa.literal_column("dossier_events.rowid"))).all()
    confirmed = sorted((r for r in rows if r[1] is not None), key=lambda r: r[1])
    own = this_station(session).id  # another station's event no longer confirmed is not folded (see fold)
    return [r[0] for r in confirmed] + [r[0] for r in rows if r[1] is None and r[0].station_id == own]


def timeline(session: Session, dossier_id: str) -> list[tuple[DossierEvent, bool]]:
    """Every event of a dossier for its history list, in the order its row folds them (confirmed in office
    order, then the pending ones in local order), each with whether the server rejected it: a rejected step is
    shown, marked, never hidden, right after the event it stood on (the clerk opens the dossier from the
    conflicts screen to see what happened)."""
    rows = session.execute(sa.select(DossierEvent, col(SyncEvent.office_seq), col(SyncConflict.event_id))
                           .outerjoin(SyncEvent, col(SyncEvent.event_id) == DossierEvent.id)
                           .outerjoin(SyncConflict, col(SyncConflict.event_id) == DossierEvent.id)
                           .where(col(DossierEvent.dossier_id) == dossier_id)
                           .order_by(sa.literal_column("dossier_events.rowid"))).all()
    confirmed = sorted((r for r in rows if r[1] is not None), key=lambda r: r[1])
    own = this_station(session).id  # another station's event no longer confirmed is not folded (see fold)
    out = [(r[0], False) for r in confirmed] + [(r[0], False) for r in rows
                                                if r[1] is None and r[2] is None and r[0].station_id == own]
    for r in rows:  # a rejected step right after the event it stood on (where the clerk took it)
        if r[2] is None:
            continue
        at = next((i for i, (e, _) in enumerate(out) if e.id == r[0].parent), None)
        if at is None:
            out.append((r[0], True))
            continue
        while at + 1 < len(out) and out[at + 1][1]:  # after earlier rejected steps on the same event
            at += 1
        out.insert(at + 1, (r[0], True))
    return out


def has_conflict(session: Session, dossier_id: str) -> bool:
    return session.execute(sa.text("SELECT 1 FROM sync_conflicts WHERE dossier_id = :d LIMIT 1"),
                           {"d": dossier_id}).scalar() is not None


def rebuild(session: Session, dossier_id: str) -> DossierState | None:
    """Rewrite one dossier's row and document rows from its events (same reducer, same document projection)."""
    state, applied = fold(session, dossier_id)
    if state is None:
        return None
    values = ev_service.row_values(state)
    exists = session.execute(sa.text("SELECT 1 FROM dossiers WHERE id = :d"), {"d": dossier_id}).scalar()
    if exists:
        session.execute(sa.update(_DOSSIERS).where(_DOSSIERS.c.id == dossier_id).values(**values))
        session.execute(sa.text("DELETE FROM dossier_documents WHERE dossier_id = :d"), {"d": dossier_id})
    else:
        session.execute(sa.insert(_DOSSIERS).values(**values))
    for event in applied:
        ev_service.project_documents(session, dossier_id, event.kind, dict(event.payload))
    return state


# ---- one cycle --------------------------------------------------------------------------------------------

def run_cycle(store: Store, client: SyncClient) -> CycleReport:
    """The office's users, push, pull (and push again after a server restore), then the server's 766 figures
    5.2-5.4. Records last success / last error."""
    from counter.services import sync_recovery

    report = CycleReport()
    try:
        pull_users(store, client)  # first: the server's users and roles (offline login, names on the wire)
        if sync_recovery.needed(store):  # restored from a backup: take back what the server has first
            _recover(store, client, report)
        push(store, client, report)
        if sync_recovery.needed(store):  # the server said this station is behind itself
            _recover(store, client, report)
            push(store, client, report)
        pull(store, client, report)
        if status(store).pending and report.retry == 0:
            push(store, client, report)  # e.g. what a restored server lacks
            pull(store, client, report)
        from counter.services.voice import pull_scorecard

        pull_scorecard(store, client)  # last: the server's 766 5.2-5.4 (the station's scorecard shows them)
    except Exception as exc:  # recorded, so `sync status` and the footer show it; the loop goes on
        record_failure(store, exc)
        raise
    with store.write() as session:
        _set(session, LAST_SUCCESS, store.clock.now().astimezone(UTC).isoformat())
        if report.problems:
            _set(session, LAST_ERROR, report.problems[-1])
            _set(session, LAST_ERROR_AT, store.clock.now().astimezone(UTC).isoformat())
        else:
            _set(session, LAST_ERROR, None)
    return report


def _recover(store: Store, client: SyncClient, report: CycleReport) -> None:
    from counter.services.sync_recovery import recover

    report.renumbered += [(c.old_code, c.new_code) for c in recover(store, client)]


# ---- names of other stations' users ------------------------------------------------------------------------

def actor_names(session: Session) -> Callable[[str, int | None], str | None]:
    """who(station_id, actor_id) -> full name: this station's users from its own table, another station's from
    the actors its pulled events carried (the same id names different people on two stations)."""
    own = this_station(session).id
    local = dict(session.execute(sa.text("SELECT id, full_name FROM users")).all())
    remote = {(r[0], r[1]): r[2] for r in
              session.execute(sa.text("SELECT station_id, actor_id, full_name FROM sync_actors"))}

    def who(station_id: str, actor_id: int | None) -> str | None:
        if actor_id is None:
            return None
        if station_id == own:
            return local.get(actor_id)
        return remote.get((station_id, actor_id)) or local.get(actor_id)

    return who


# ---- conflicts --------------------------------------------------------------------------------------------

REDONE, DISMISSED = "redone", "dismissed"
RESOLUTION_LABELS = {REDONE: "đã làm lại", DISMISSED: "đã bỏ qua"}


@dataclass(frozen=True)
class ConflictInfo:
    event_id: str
    dossier_id: str
    dossier_code: str
    kind: str
    kind_label: str
    station_seq: int
    reason: str
    event_at: datetime
    rejected_at: datetime
    details: str = ""  # what the rejected step held (the history list's summary of its payload)
    resolution: str | None = None  # None while open, else REDONE or DISMISSED
    resolved_at: datetime | None = None
    resolved_by_name: str | None = None
    note: str | None = None
    redo_event_id: str | None = None

    @property
    def is_open(self) -> bool:
        return self.resolution is None

    @property
    def resolution_label(self) -> str:
        return RESOLUTION_LABELS.get(self.resolution or "", "chưa xử lý")


_CONFLICTS = (
    "SELECT c.event_id, c.dossier_id, c.dossier_code, c.kind, c.station_seq, c.reason, c.event_at, c.rejected_at, "
    "c.resolution, c.resolved_at, c.resolved_by_name, c.resolution_note, c.redo_event_id, e.payload "
    "FROM sync_conflicts c LEFT JOIN dossier_events e ON e.id = c.event_id ")


def _conflict_info(r: Any) -> ConflictInfo:
    from counter.services.dossiers import event_details

    try:
        label = EventKind(r.kind).label
    except ValueError:
        label = r.kind
    try:
        details = event_details(r.kind, json.loads(r.payload)) if r.payload else ""
    except (ValueError, TypeError, KeyError):
        details = ""
    return ConflictInfo(r.event_id, r.dossier_id, r.dossier_code, r.kind, label, r.station_seq, r.reason,
                        parse_utc(r.event_at), parse_utc(r.rejected_at), details,  # type: ignore[arg-type]
                        r.resolution, parse_utc(r.resolved_at) if r.resolved_at else None, r.resolved_by_name,
                        r.resolution_note, r.redo_event_id)


def conflicts(store: Store, include_resolved: bool = False) -> list[ConflictInfo]:
    """The events of this station the server rejected, newest first: the open ones (what the clerk still has
    to settle), or all of them (a settled conflict is kept for ever, with how it was settled)."""
    where = "" if include_resolved else "WHERE c.resolution IS NULL "
    with store.read() as session:
        rows = session.execute(sa.text(_CONFLICTS + where + "ORDER BY c.rejected_at DESC, c.station_seq DESC")).all()
    return [_conflict_info(r) for r in rows]


def _open_conflict(session: Session, event_id: str) -> ConflictInfo:
    row = session.execute(sa.text(_CONFLICTS + "WHERE c.event_id = :e"), {"e": event_id}).first()
    if row is None:
        raise CounterError("Không tìm thấy xung đột này ở quầy")
    info = _conflict_info(row)
    if not info.is_open:
        from counter.domain.calendar import format_vn

        when = format_vn(info.resolved_at) if info.resolved_at else ""
        raise CounterError(f"Xung đột “{info.kind_label}” của hồ sơ {info.dossier_code} {info.resolution_label} "
                           f"lúc {when} ({info.resolved_by_name or 'không rõ người làm'})")
    return info


def _settle(session: Session, store: Store, actor: Any, event_id: str, resolution: str, note: str | None,
            redo_event_id: str | None = None) -> None:
    session.execute(sa.text(
        "UPDATE sync_conflicts SET resolution = :r, resolved_at = :t, resolved_by = :u, resolved_by_name = :n, "
        "resolution_note = :note, redo_event_id = :x WHERE event_id = :e AND resolution IS NULL"),
        {"r": resolution, "t": _stamp(store.clock.now()), "u": actor.user_id, "n": actor.full_name,
         "note": note or None, "x": redo_event_id, "e": event_id})


@dataclass(frozen=True)
class RedoResult:
    code: str
    kind_label: str
    status_label: str
    event_id: str  # the new event, pending until the next sync


def redo_conflict(store: Store, actor: Any, event_id: str, note: str = "") -> RedoResult:
    """Do the rejected step again on top of the dossier as it is now (the server's state, after the pull):
    its kind and payload as a new event of this station whose parent is the current head, appended the normal
    way (role and reducer checked). Refused with the reducer's reason when the step makes no sense any more;
    then nothing is written and the conflict stays open (dismiss it with a note)."""
    from counter.domain.text import nfc

    with store.write() as session:
        info = _open_conflict(session, event_id)
        rejected = session.get(DossierEvent, event_id)
        row = ev_service.load_row(session, info.dossier_id)
        if rejected is None or row is None:
            raise CounterError(f"Hồ sơ {info.dossier_code} không có ở quầy này: không làm lại được "
                               f"“{info.kind_label}”; hãy bỏ qua xung đột kèm ghi chú")
        if row.office_id != actor.office_id:
            raise CounterError(f"Hồ sơ {info.dossier_code} thuộc cơ quan khác ({row.office_id})")
        try:
            state, new = ev_service.append(session, actor, row.id, rejected.kind, json.loads(rejected.payload),
                                           store.clock.now(), row=row)
        except CounterError as exc:
            raise CounterError(f"Không làm lại được “{info.kind_label}” trên hồ sơ {info.dossier_code} theo bản "
                               f"của máy chủ: {exc.message}") from None
        _settle(session, store, actor, event_id, REDONE, nfc(note.strip()), new.id)
        return RedoResult(state.code, info.kind_label, state.status.label, new.id)


def dismiss_conflict(store: Store, actor: Any, event_id: str, note: str) -> ConflictInfo:
    """Settle a conflict without redoing it: the note (why) is required; the conflict leaves the open list and
    is kept for ever with the note, who and when."""
    from counter.domain.text import nfc

    note = nfc((note or "").strip())
    if not note:
        raise CounterError("Cần ghi chú lý do bỏ qua xung đột")
    with store.write() as session:
        info = _open_conflict(session, event_id)
        if actor.office_id != this_station(session).office_id:
            raise CounterError("Người dùng thuộc cơ quan khác")
        _settle(session, store, actor, event_id, DISMISSED, note)
    return info
