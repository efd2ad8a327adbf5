"""A station behind itself: restored from an older backup, it would reuse station sequences and dossier codes
the central server already holds (issue 14). Recovery, run by the sync cycle before it pushes:

1. Ask the server what it settled for this station (GET /api/v1/station: last station_seq S and hash H).
   The fork B is this store's own last event that the server has: the store's last own sequence when
   `counter restore` restored it (RESTORED), or the event before the first one the server answered "behind".
2. When S > B: fetch the station's own accepted events after B (GET /api/v1/station/events), the ones the
   restore lost, and put them back as confirmed events (their dossiers come back with them).
3. Renumber what was made since the restore (own events after B the server does not hold): station_seq
   S+1, S+2, … chained on H; a new dossier whose code (or receipt book number) a lost dossier already has
   gets the next free one of its day. Each changed code is recorded as a notice on the conflicts screen and
   printed by `counter sync --once`.
4. The code counters move past every number in use; the cycle then pushes and pulls as usual.
All of it in one write transaction: a failure leaves the store as it was and the next cycle tries again.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from counter.domain.codes import BLOCK_SIZE, CodeError, format_code, parse_code
from counter.domain.hashing import canonical_json, chain_hash
from counter.services import sync as s
from counter.services.office import numbering_block, this_station
from counter.services.store import Store
from counter.sync.client import SyncClient

log = logging.getLogger("counter.sync")

#: sync_state keys: the own last station_seq of the restored backup (set by `counter restore`), the first
#: station_seq the server answered "behind" (set by a push), and the last recovery's code changes (JSON)
RESTORED, BEHIND_FROM, RENUMBERED = "sync_restored_seq", "sync_behind_from", "sync_renumbered"


@dataclass(frozen=True)
class Renumbered:
    dossier_id: str
    old_code: str
    new_code: str


def mark_restored(store: Store) -> int:
    """`counter restore`: remember where this store's own events end, so the next sync checks whether the
    server holds more of them (the backup is older than the station's last sync)."""
    with store.write() as session:
        station = this_station(session)
        last = _last_own_seq(session, station.id)
        s._set(session, RESTORED, str(last))
        s._set(session, BEHIND_FROM, None)
    return last


def needed(store: Store) -> bool:
    with store.read() as session:
        return bool(s._get(session, RESTORED) or s._get(session, BEHIND_FROM))


def _last_own_seq(session: Session, station_id: str) -> int:
    return int(session.execute(sa.text("SELECT coalesce(max(station_seq), 0) FROM dossier_events "
                                       "WHERE station_id = :s"), {"s": station_id}).scalar_one())


def _fork(session: Session) -> int | None:
    restored, behind = s._get(session, RESTORED), s._get(session, BEHIND_FROM)
    values = [int(restored)] if restored else []
    if behind:
        values.append(int(behind) - 1)
    return min(values) if values else None


def recover(store: Store, client: SyncClient) -> list[Renumbered]:
    """Steps 1-4 above; returns the dossier codes that changed (empty when the station was not behind)."""
    with store.read() as session:
        station = this_station(session)
        fork = _fork(session)
    if fork is None:
        return []
    info = client.station()
    if info.station_id not in (None, station.id) or info.last_seq <= fork:
        # the server holds nothing this store lacks (or the token is another machine's: the push says so)
        with store.write() as session:
            s._set(session, RESTORED, None)
            s._set(session, BEHIND_FROM, None)
        return []
    lost: list[dict[str, Any]] = []
    after = fork
    while True:
        page = client.station_events(after)
        lost += page.events
        if not page.events or not page.has_more:
            break
        after = int(page.events[-1]["station_seq"])
    for w in lost:
        if chain_hash(w["prev_hash"], s.body_of_wire(w)) != w["hash"]:
            raise s.SyncUnavailable(f"Sự kiện {w['id']} từ máy chủ không khớp mã băm: chưa khôi phục được")
    with store.write() as session:
        session.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
        changed = _apply(store, session, station, fork, info.last_seq, info.last_hash, lost)
        s._set(session, RESTORED, None)
        s._set(session, BEHIND_FROM, None)
        s._set(session, RENUMBERED, json.dumps([c.__dict__ for c in changed], ensure_ascii=False) if changed
               else None)
    log.info("station was behind the server (fork %s, server %s): %d events back, %d codes changed",
                fork, info.last_seq, len(lost), len(changed))
    return changed


def _apply(store: Store, session: Session, station: Any, fork: int, server_seq: int, server_hash: str,
           lost: list[dict[str, Any]]) -> list[Renumbered]:
    sid, number = station.id, numbering_block(session, station.id)
    have = set(session.execute(sa.text("SELECT id FROM dossier_events WHERE station_id = :s AND station_seq > :f"),
                               {"s": sid, "f": fork}).scalars())
    lost = [w for w in lost if w["id"] not in have]
    lost_ids = {w["id"] for w in lost}
    # what was made since the restore: own events after the fork the server does not hold, in local order
    made = [r for r in session.execute(sa.text(
        "SELECT * FROM dossier_events WHERE station_id = :s AND station_seq > :f ORDER BY station_seq"),
        {"s": sid, "f": fork}) if r.id not in lost_ids]
    made = [r for r in made if not session.execute(sa.text("SELECT 1 FROM sync_events WHERE event_id = :e"),
                                                   {"e": r.id}).scalar()]
    # The log is append-only (triggers refuse UPDATE): the one exception is this renumbering of events the
    # server never held, done with the triggers lifted inside this transaction and put back before it commits
    session.execute(sa.text("DROP TRIGGER IF EXISTS dossier_events_no_update"))
    for r in made:  # out of the way of the lost events' numbers (and of each other's)
        # refused only because the station was behind itself (never stored by the server): sent again
        session.execute(sa.text("DELETE FROM sync_conflicts WHERE event_id = :e"), {"e": r.id})
        session.execute(sa.text("UPDATE dossier_events SET station_seq = :n, hash = :h WHERE id = :e"),
                        {"n": -r.station_seq, "h": f"moving-{r.id}", "e": r.id})
    touched: set[str] = set()
    for w in lost:  # back as confirmed events, as a pull would bring them
        session.execute(s._INSERT_EVENT, s._row_of_wire(w))
        session.execute(s._UPSERT_CONFIRMED, {"e": w["id"], "n": int(w["office_seq"])})
        touched.add(w["dossier_id"])
    moved = {r.id for r in made}
    created = {r.dossier_id for r in made if _is_creating(json.loads(r.payload))}
    taken_codes, taken_books = _numbers_in_use(session, exclude=created)
    for code, book in _creating_numbers(session, sid, exclude=moved):
        taken_codes.add(code)
        if book:
            taken_books.add(book)
    base_codes, base_books = set(taken_codes), set(taken_books)  # what others (the lost dossiers) hold
    for r in made:  # a made dossier keeps its number when nobody else has it
        p = json.loads(r.payload)
        if _is_creating(p) and isinstance(p.get("code"), str):
            taken_codes.add(p["code"])
            if _book_key(p):
                taken_books.add(_book_key(p))  # type: ignore[arg-type]
    changed: list[Renumbered] = []
    prev, seq = server_hash, server_seq
    for r in made:
        seq += 1
        payload = json.loads(r.payload)
        code = payload.get("code")
        if isinstance(code, str) and r.id not in lost_ids and _is_creating(payload):
            if code in base_codes:
                new = _next_code(code, number, taken_codes)
                changed.append(Renumbered(r.dossier_id, code, new))
                payload["code"] = code = new
            taken_codes.add(code)
            book = _book_key(payload)
            if book is not None and book in base_books:
                payload["book_no"] = _next_book(payload, number, taken_books)
                book = _book_key(payload)
            if book is not None:
                taken_books.add(book)
        text = canonical_json(payload)
        at = s.parse_utc(r.at)
        if at is None:  # the log's column is NOT NULL
            raise ValueError(f"sự kiện {r.id} không có thời điểm")
        body = {"id": r.id, "dossier_id": r.dossier_id, "office_id": r.office_id, "station_id": sid,
                "station_seq": seq, "parent": r.parent, "kind": r.kind, "actor_id": r.actor_id,
                "at": at.astimezone(UTC).isoformat(), "payload": json.loads(text)}
        new_hash = chain_hash(prev, body)
        session.execute(sa.text("UPDATE dossier_events SET station_seq = :n, prev_hash = :p, hash = :h, "
                                "payload = :pl WHERE id = :e"),
                        {"n": seq, "p": prev, "h": new_hash, "pl": text, "e": r.id})
        session.execute(sa.text("UPDATE outbox SET station_seq = :n WHERE event_id = :e"), {"n": seq, "e": r.id})
        session.execute(sa.text("INSERT INTO outbox(event_id, station_seq, created_at) SELECT :e, :n, at "
                                "FROM dossier_events WHERE id = :e AND NOT EXISTS "
                                "(SELECT 1 FROM outbox WHERE event_id = :e)"), {"e": r.id, "n": seq})
        prev = new_hash
    session.execute(sa.text("CREATE TRIGGER dossier_events_no_update BEFORE UPDATE ON dossier_events BEGIN "
                            "SELECT RAISE(ABORT, 'dossier_events is append-only'); END"))
    # the renumbered dossiers first (their codes move away), then the ones the lost events bring back
    order = list(dict.fromkeys([r.dossier_id for r in made] + sorted(touched)))
    for dossier_id in order:
        s.rebuild(session, dossier_id)
    catch_up_counters(session, sid, number)
    now = s._stamp(store.clock.now())
    for c in changed:
        session.execute(sa.text(
            "INSERT INTO sync_conflicts(event_id, dossier_id, dossier_code, kind, station_seq, reason, event_at, "
            "rejected_at) SELECT :e, :d, :c, e.kind, e.station_seq, :r, e.at, :t FROM dossier_events e "
            "WHERE e.dossier_id = :d ORDER BY e.rowid LIMIT 1"),
            {"e": str(uuid.uuid4()), "d": c.dossier_id, "c": c.new_code, "t": now, "r": notice(c)})
    return changed


def notice(c: Renumbered) -> str:
    return (f"Mã hồ sơ đổi từ {c.old_code} thành {c.new_code}: quầy được khôi phục từ bản sao lưu cũ và mã cũ "
            "đã được cấp cho hồ sơ khác trên máy chủ. Báo mã mới cho người nộp (mã QR tra cứu trên giấy tiếp "
            "nhận vẫn dùng được); xử lý xong thì bỏ qua thông báo này kèm ghi chú.")


_CREATING_KEYS = ("code", "token", "procedure_code")


def _is_creating(payload: dict[str, Any]) -> bool:
    return all(k in payload for k in _CREATING_KEYS)


def _creating_numbers(session: Session, station_id: str, exclude: set[str]) -> list[tuple[str, str | None]]:
    """(code, "year/book_no") of this station's dossier-creating events, but `exclude`'s."""
    out = []
    for r in session.execute(sa.text("SELECT id, payload FROM dossier_events WHERE station_id = :s "
                                     "AND payload LIKE '%\"code\"%'"), {"s": station_id}):
        if r.id in exclude:
            continue
        p = json.loads(r.payload)
        if _is_creating(p) and isinstance(p.get("code"), str):
            out.append((p["code"], _book_key(p)))
    return out


def _numbers_in_use(session: Session, exclude: set[str]) -> tuple[set[str], set[str]]:
    """Codes and "year/book_no" of the dossiers held here, but those `exclude` (dossier ids) made."""
    codes: set[str] = set()
    books: set[str] = set()
    for r in session.execute(sa.text("SELECT id, code, book, book_no FROM dossiers")):
        if r.id in exclude:
            continue
        codes.add(r.code)
        if r.book_no:
            books.add(f"{r.book}/{r.book_no}")
    return codes, books


def _book_key(payload: dict[str, Any]) -> str | None:
    if isinstance(payload.get("book"), str) and isinstance(payload.get("book_no"), str) and payload["book_no"]:
        return f"{payload['book']}/{payload['book_no']}"
    return None


def _next_code(code: str, number: int, taken: set[str]) -> str:
    parsed = parse_code(code)
    seq = max([parsed.seq] + [parse_code(c).seq for c in taken if _same_day(c, parsed)]) + 1
    if seq // BLOCK_SIZE != number or seq % BLOCK_SIZE == 0:
        raise CodeError(f"Quầy {number} đã dùng hết số hồ sơ của ngày {parsed.day:%d/%m/%Y}")
    return format_code(parsed.agency, parsed.day, seq)


def _same_day(code: str, parsed: Any) -> bool:
    try:
        other = parse_code(code)
    except CodeError:
        return False
    return other.agency == parsed.agency and other.day == parsed.day and \
        other.seq // BLOCK_SIZE == parsed.seq // BLOCK_SIZE


def _next_book(payload: dict[str, Any], number: int, taken: set[str]) -> str:
    year, prefix = payload["book"], str(number)
    used = [int(k.split("/", 1)[1][len(prefix):]) for k in taken
            if k.startswith(f"{year}/{prefix}") and k.split("/", 1)[1][len(prefix):].isdigit()]
    return f"{prefix}{max(used, default=0) + 1:05d}"


def catch_up_counters(session: Session, station_id: str, number: int) -> None:
    """Move this station's counters (event sequence, the day's dossier numbers, the year's receipt book) past
    every number its events hold: after events of its own came back from the server, the next dossier must
    not take a number again."""
    def bump(scope: str, period: str, value: int) -> None:
        session.execute(sa.text(
            "INSERT INTO code_sequences(station_id, scope, period, last) VALUES (:s, :c, :p, :v) "
            "ON CONFLICT(station_id, scope, period) DO UPDATE SET last = max(last, excluded.last)"),
            {"s": station_id, "c": scope, "p": period, "v": value})

    bump("event", "", _last_own_seq(session, station_id))
    prefix = str(number)
    for code, book in _creating_numbers(session, station_id, exclude=set()):
        try:
            parsed = parse_code(code)
        except CodeError:
            continue
        if parsed.seq // BLOCK_SIZE == number:
            bump("dossier", f"{parsed.day:%y%m%d}", parsed.seq - number * BLOCK_SIZE)
        if book:
            year, book_no = book.split("/", 1)
            if book_no.startswith(prefix) and book_no[len(prefix):].isdigit():
                bump("book", year, int(book_no[len(prefix):]))
