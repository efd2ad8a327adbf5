"""Every dossier and every step to the national portal (issue 16), from an outbox of the server's own.

1. `enqueue`: the office's accepted events after the portal cursor become outbox items in one transaction
   (cursor included): per touched dossier one `dossier` item (DongBoHoSoMC, `isUpdating` true once a dossier
   item of it was queued before) and one `step` item per processing step (CapNhatTienDoHoSoMC), in that order.
   The objects come from counter.domain.portal (the same code as `counter export portal`), fixed when queued.
2. `push_round`: the head item of each dossier (its lowest pending id), due by its backoff, is sent; dossiers
   in batches. Before a send the items are marked `in_doubt` (committed), so a crash between the send and the
   answer leaves them in doubt; an item in doubt is first looked up (TraCuuHoSo) and confirmed by the lookup
   when the portal has it. A confirmed item is never sent again.
3. Retries: full-jitter exponential backoff from 1 s to 5 min per item; never gives up.

`Pusher.start()` runs rounds in a background thread (inside `counter serve`), `Pusher.stop()` ends it;
`counter serve portal push` runs once. A lease in central_meta keeps two server processes from pushing at once.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from counter.central import tables as t
from counter.central.portal_client import Answer, InDoubt, LoginFailed, NotSent, PortalClient
from counter.domain.calendar import VN_TZ
from counter.domain.clock import Clock, SystemClock
from counter.domain.lifecycle import Event
from counter.domain.portal import PortalContext, dossier_object, fold, is_step, step_object
from counter.domain.portal_codes import PortalCodes, check_entry

BACKOFF_CAP = 300.0
LEASE_SECONDS = 120
_LEASE = "portal_lease"
_LAST_OK = "portal_last_ok"
_LAST_ERROR = "portal_last_error"
_UNSET = datetime(1970, 1, 1, tzinfo=UTC)


def backoff(attempts: int, rng: Callable[[], float] = random.random) -> float:
    """Full jitter: a random wait up to min(cap, 2^attempts) seconds (1 s after the first failure)."""
    return max(0.5, rng() * min(BACKOFF_CAP, 2.0 ** max(0, attempts)))


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# --- mapping tables -----------------------------------------------------------------------------------------

def codes(conn: Connection) -> PortalCodes:
    c = t.portal_codes.c
    return PortalCodes.from_rows((r.kind, r.ours, r.theirs) for r in conn.execute(sa.select(c.kind, c.ours, c.theirs)))


def set_code(engine: Engine, kind: str, ours: str, theirs: str, now: datetime) -> tuple[str, str, str]:
    kind, ours, theirs = check_entry(kind, ours, theirs)
    c = t.portal_codes.c
    with engine.begin() as conn:
        n = conn.execute(sa.update(t.portal_codes).where(c.kind == kind, c.ours == ours)
                         .values(theirs=theirs, updated_at=now)).rowcount
        if not n:
            conn.execute(sa.insert(t.portal_codes).values(kind=kind, ours=ours, theirs=theirs, updated_at=now))
    return kind, ours, theirs


def remove_code(engine: Engine, kind: str, ours: str) -> int:
    c = t.portal_codes.c
    with engine.begin() as conn:
        return conn.execute(sa.delete(t.portal_codes).where(c.kind == kind.strip().lower(),
                                                            c.ours == ours.strip())).rowcount


def list_codes(engine: Engine) -> list[tuple[str, str, str]]:
    c = t.portal_codes.c
    with engine.connect() as conn:
        return [(r.kind, r.ours, r.theirs) for r in conn.execute(
            sa.select(c.kind, c.ours, c.theirs).order_by(c.kind, c.ours))]


# --- 1. enqueue -----------------------------------------------------------------------------------------------

def _portal_events(conn: Connection, dossier_id: str) -> list[tuple[Event, str, str]]:
    e = t.events.c
    items = []
    for r in conn.execute(sa.select(e.wire).where(e.dossier_id == dossier_id, e.status == "accepted")
                          .order_by(e.office_seq)):
        w = json.loads(r.wire)
        actor = w.get("actor") or {}
        items.append((Event(w["id"], w["kind"], datetime.fromisoformat(w["at"]), w.get("actor_id"), w["station_id"],
                            w.get("payload") or {}), str(actor.get("full_name") or ""), str(actor.get("role") or "")))
    return items


def enqueue(engine: Engine, now: datetime, file_base: str = "", limit: int = 2000) -> int:
    """New accepted events of every office -> outbox items. Returns how many items were queued."""
    queued = 0
    with engine.connect() as conn:
        offices = [(r.id, r.name) for r in conn.execute(sa.select(t.offices.c.id, t.offices.c.name))]
    writer = engine.execution_options(immediate=True)
    for office_id, office_name in offices:
        while True:
            with writer.begin() as conn:
                n, more = _enqueue_office(conn, office_id, office_name, now, file_base, limit)
            queued += n
            if not more:
                break
    return queued


def _enqueue_office(conn: Connection, office_id: str, office_name: str, now: datetime, file_base: str,
                    limit: int) -> tuple[int, bool]:
    cur = t.portal_cursor.c
    query = sa.select(cur.last_seq).where(cur.office_id == office_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    last = conn.execute(query).scalar_one_or_none()
    if last is None:
        conn.execute(sa.insert(t.portal_cursor).values(office_id=office_id, last_seq=0))
        last = 0
    e = t.events.c
    new = conn.execute(sa.select(e.id, e.dossier_id, e.kind, e.office_seq)
                       .where(e.office_id == office_id, e.status == "accepted", e.office_seq > last)
                       .order_by(e.office_seq).limit(limit)).all()
    if not new:
        return 0, False
    ctx = PortalContext(office_name=office_name, codes=codes(conn), file_base=file_base)
    o = t.portal_outbox.c
    touched: dict[str, list[str]] = {}
    for r in new:
        touched.setdefault(r.dossier_id, []).append(r.id)
    rows: list[dict[str, Any]] = []
    for dossier_id, event_ids in touched.items():
        state, events = fold(_portal_events(conn, dossier_id))
        if state is None:
            continue
        fresh = set(event_ids)
        before = conn.execute(sa.select(sa.func.count()).select_from(t.portal_outbox)
                              .where(o.dossier_id == dossier_id, o.kind == "dossier")).scalar_one()
        base = {"office_id": office_id, "dossier_id": dossier_id, "code": state.code, "status": "pending",
                "attempts": 0, "in_doubt": False, "next_at": now, "created_at": now, "last_error": None}
        rows.append({**base, "kind": "dossier", "event_id": event_ids[-1], "is_updating": before > 0,
                     "body": json.dumps(dossier_object(state, events, ctx), ensure_ascii=False)})
        for ev in events:
            if ev.id in fresh and is_step(ev.kind):
                rows.append({**base, "kind": "step", "event_id": ev.id, "is_updating": False,
                             "body": json.dumps(step_object(state, ev, ctx), ensure_ascii=False)})
    if rows:
        conn.execute(sa.insert(t.portal_outbox), rows)
    conn.execute(sa.update(t.portal_cursor).where(cur.office_id == office_id).values(last_seq=new[-1].office_seq))
    return len(rows), len(new) == limit


# --- 2. push -------------------------------------------------------------------------------------------------

@dataclass
class RoundResult:
    sent: int = 0
    confirmed: int = 0
    failed: int = 0
    in_doubt: int = 0
    error: str = ""


def _meta_set(conn: Connection, key: str, value: str) -> None:
    m = t.meta.c
    if not conn.execute(sa.update(t.meta).where(m.key == key).values(value=value)).rowcount:
        conn.execute(sa.insert(t.meta).values(key=key, value=value))


def _meta(engine: Engine) -> dict[str, str]:
    m = t.meta.c
    with engine.connect() as conn:
        return {r.key: r.value for r in conn.execute(sa.select(m.key, m.value).where(
            m.key.in_([_LEASE, _LAST_OK, _LAST_ERROR])))}


def take_lease(engine: Engine, owner: str, now: datetime, seconds: float = LEASE_SECONDS) -> bool:
    """This process pushes for LEASE_SECONDS unless another one holds the lease."""
    m = t.meta.c
    with engine.execution_options(immediate=True).begin() as conn:
        query = sa.select(m.value).where(m.key == _LEASE)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        value = conn.execute(query).scalar_one_or_none()
        if value:
            holder, _, until = value.partition("|")
            if holder != owner and datetime.fromisoformat(until) > now:
                return False
        _meta_set(conn, _LEASE, f"{owner}|{(now + timedelta(seconds=seconds)).isoformat()}")
    return True


def release_lease(engine: Engine, owner: str) -> None:
    m = t.meta.c
    with engine.begin() as conn:
        conn.execute(sa.delete(t.meta).where(m.key == _LEASE, m.value.like(f"{owner}|%")))


def _heads(engine: Engine, now: datetime, limit: int) -> list[Any]:
    """The lowest pending item of each dossier, when it is due, oldest first."""
    o = t.portal_outbox.c
    first = (sa.select(sa.func.min(o.id).label("id")).where(o.status == "pending").group_by(o.dossier_id)
             .subquery())
    with engine.connect() as conn:
        return list(conn.execute(sa.select(t.portal_outbox).join(first, first.c.id == o.id)
                                 .where(o.next_at <= now).order_by(o.id).limit(limit)).all())


def _mark(engine: Engine, ids: list[int], **values: Any) -> None:
    if ids:
        o = t.portal_outbox.c
        with engine.begin() as conn:
            conn.execute(sa.update(t.portal_outbox).where(o.id.in_(ids)).values(**values))


def _fail(engine: Engine, rows: list[Any], now: datetime, message: str, in_doubt: bool | None,
          rng: Callable[[], float]) -> None:
    """A failed attempt: backoff, the error kept; `in_doubt` None keeps each item's own."""
    o = t.portal_outbox.c
    with engine.begin() as conn:
        for r in rows:
            attempts = r.attempts + 1
            conn.execute(sa.update(t.portal_outbox).where(o.id == r.id, o.status == "pending").values(
                attempts=attempts, in_doubt=bool(r.in_doubt) if in_doubt is None else in_doubt, last_error=message[:2000],
                next_at=now + timedelta(seconds=backoff(attempts, rng))))
        _meta_set(conn, _LAST_ERROR, f"{now.isoformat()}|{message[:1000]}")


def _confirm(engine: Engine, ids: list[int], now: datetime, how: str) -> None:
    if not ids:
        return
    o = t.portal_outbox.c
    with engine.begin() as conn:
        conn.execute(sa.update(t.portal_outbox).where(o.id.in_(ids), o.status == "pending").values(
            status="confirmed", in_doubt=False, confirmed_at=now, confirmed_by=how, last_error=None))
        _meta_set(conn, _LAST_OK, now.isoformat())


def _same(ours: dict[str, Any], theirs: Any) -> bool:
    return isinstance(theirs, dict) and all(theirs.get(k) == v for k, v in ours.items())


def _lookup(client: PortalClient, row: Any) -> bool:
    """Does the portal already hold this item (after an attempt whose answer was lost)?"""
    answer = client.call("TraCuuHoSo", MaHoSo=row.code)
    if not answer.ok:
        return False  # not found (or not answerable): send it
    found = answer.result
    if isinstance(found, list):
        found = found[0] if found else None
    if not isinstance(found, dict):
        return False
    body = json.loads(row.body)
    if row.kind == "step":
        return any(_same(body, s) for s in found.get("QuaTrinhXuLy") or [])
    if not row.is_updating:
        return True
    return _same({k: v for k, v in body.items()}, found)


def _send(client: PortalClient, rows: list[Any]) -> Answer:
    bodies = [json.loads(r.body) for r in rows]
    if rows[0].kind == "dossier":
        return client.call("DongBoHoSoMC", isUpdating=bool(rows[0].is_updating), data=bodies)
    return client.call("CapNhatTienDoHoSoMC", QuaTrinhXuLy=bodies)


def push_round(engine: Engine, client: PortalClient, clock: Clock, batch: int = 20,
               rng: Callable[[], float] = random.random) -> RoundResult:
    """One pass over the due head items. Returns what happened."""
    result = RoundResult()
    now = clock.now()
    heads = _heads(engine, now, 10 * batch)
    if not heads:
        return result
    doubtful = [r for r in heads if r.in_doubt]
    ready = [r for r in heads if not r.in_doubt]
    try:
        for r in doubtful:  # 1. what may have arrived: ask first
            try:
                if _lookup(client, r):
                    _confirm(engine, [r.id], clock.now(), "lookup")
                    result.confirmed += 1
                else:
                    ready.append(r)
            except (InDoubt, NotSent) as exc:
                _fail(engine, [r], clock.now(), str(exc), True, rng)
                result.in_doubt += 1
        groups: dict[tuple[str, bool], list[Any]] = {}
        for r in sorted(ready, key=lambda r: r.id):
            groups.setdefault((r.kind, bool(r.is_updating)), []).append(r)
        for (kind, _upd), rows in groups.items():
            size = batch if kind == "dossier" else batch * 5
            for i in range(0, len(rows), size):
                _deliver(engine, client, rows[i:i + size], clock, rng, result)
    except LoginFailed as exc:
        result.error = str(exc)
        _fail(engine, heads, clock.now(), str(exc), None, rng)  # each keeps its doubt
    return result


def _deliver(engine: Engine, client: PortalClient, rows: list[Any], clock: Clock, rng: Callable[[], float],
             result: RoundResult) -> None:
    _mark(engine, [r.id for r in rows], in_doubt=True)  # committed before the request leaves
    result.sent += len(rows)
    try:
        answer = _send(client, rows)
    except InDoubt as exc:
        _fail(engine, rows, clock.now(), str(exc), True, rng)
        result.in_doubt += len(rows)
        result.error = str(exc)
        return
    except NotSent as exc:
        _fail(engine, rows, clock.now(), str(exc), False, rng)
        result.failed += len(rows)
        result.error = str(exc)
        return
    except LoginFailed:
        _mark(engine, [r.id for r in rows], in_doubt=False)  # nothing left: the login failed before the call
        raise
    if answer.ok:
        _confirm(engine, [r.id for r in rows], clock.now(), "answer")
        result.confirmed += len(rows)
        return
    if len(rows) > 1:  # one bad dossier must not hold the others: each alone
        _mark(engine, [r.id for r in rows], in_doubt=False)
        for r in rows:
            _deliver(engine, client, [r], clock, rng, result)
        result.sent -= len(rows)
        return
    message = f"Cổng DVCQG trả lỗi {answer.code}: {answer.message or 'không rõ'}"
    # a refused create may still have been committed (a portal that keeps part of a batch answers an error, then
    # "already exists" for ever): the next attempt looks it up first
    create = rows[0].kind == "dossier" and not rows[0].is_updating
    _fail(engine, rows, clock.now(), message, create, rng)
    result.failed += 1
    result.error = message


def push_until_done(engine: Engine, client: PortalClient, clock: Clock, *, file_base: str = "", batch: int = 20,
                    rng: Callable[[], float] = random.random, max_rounds: int = 10_000,
                    keep: Callable[[], bool] | None = None) -> RoundResult:
    """Enqueue, then rounds until nothing due is left (what `counter serve portal push` runs). `keep()` is
    asked before each round (the lease renewed); False ends the pass."""
    enqueue(engine, clock.now(), file_base)
    total = RoundResult()
    for _ in range(max_rounds):
        if keep is not None and not keep():
            total.error = total.error or "Một tiến trình khác đang gửi lên Cổng DVCQG"
            break
        r = push_round(engine, client, clock, batch, rng)
        total.sent += r.sent
        total.confirmed += r.confirmed
        total.failed += r.failed
        total.in_doubt += r.in_doubt
        total.error = r.error or total.error
        if r.sent == 0 and r.confirmed == 0:
            break
    return total


class Pusher:
    """The background worker of `counter serve`: a round every `interval` seconds until `stop()`."""

    def __init__(self, engine: Engine, settings: Any, clock: Clock | None = None,
                 client: PortalClient | None = None):
        self.engine, self.server, self.clock = engine, settings, clock or SystemClock()
        self.client = client
        self.owner = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def once(self) -> RoundResult:
        if self.client is None:
            self.client = PortalClient.from_settings(self.server)
        lease = getattr(self.server, "portal_lease", LEASE_SECONDS)
        if not take_lease(self.engine, self.owner, self.clock.now(), lease):
            return RoundResult(error="Một tiến trình khác đang gửi lên Cổng DVCQG")
        return push_until_done(self.engine, self.client, self.clock, file_base=self.server.portal_file_url,
                               batch=self.server.portal_batch,
                               keep=lambda: take_lease(self.engine, self.owner, self.clock.now(), lease))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.once()
            except Exception as exc:  # the worker never dies; the next round tries again
                try:
                    with self.engine.begin() as conn:
                        _meta_set(conn, _LAST_ERROR, f"{self.clock.now().isoformat()}|{exc}")
                except Exception:  # the database itself is away: the next round tries again
                    pass
            self._stop.wait(self.server.portal_interval)

    def start(self) -> None:
        if self._thread is None and self.server.portal_adapter_url:
            self._thread = threading.Thread(target=self._run, name="portal-push", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self.client is not None:
            self.client.close()
        try:
            release_lease(self.engine, self.owner)
        except Exception:  # the lease runs out by itself
            pass


# --- status and the 766 figure 1.4 ------------------------------------------------------------------------

@dataclass(frozen=True)
class Status:
    pending: int
    in_doubt: int
    confirmed: int
    last_error: str
    last_error_at: str
    last_ok: str
    oldest_pending: datetime | None


def status(engine: Engine) -> Status:
    o = t.portal_outbox.c
    with engine.connect() as conn:
        counts: dict[str, int] = dict(conn.execute(sa.select(o.status, sa.func.count()).group_by(o.status)).all())
        doubt = conn.execute(sa.select(sa.func.count()).where(o.status == "pending", o.in_doubt)).scalar_one()
        oldest = conn.execute(sa.select(sa.func.min(o.created_at)).where(o.status == "pending")).scalar_one()
        pending_error = conn.execute(sa.select(o.last_error).where(o.status == "pending", o.last_error.is_not(None))
                                     .order_by(o.id).limit(1)).scalar_one_or_none()
    meta = _meta(engine)
    at, _, message = (meta.get(_LAST_ERROR) or "").partition("|")
    return Status(counts.get("pending", 0), doubt, counts.get("confirmed", 0), pending_error or message,
                  at, meta.get(_LAST_OK, ""), _aware(oldest))


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), VN_TZ).astimezone(UTC)


def confirmed_per_office(engine: Engine, start: date, end: date) -> dict[str, tuple[int, int]]:
    """766 figure 1.4 per office: {office_id: (dossiers the portal confirmed, dossiers)} for dossiers received
    from `start` to `end` inclusive (Vietnam dates). A dossier counts as confirmed when its first DongBoHoSoMC
    was confirmed (by the portal's answer or by a look-up after a lost answer)."""
    o = t.portal_outbox.c
    d = t.dossiers.c
    a, b = _utc(start), _utc(end + timedelta(days=1))
    out: dict[str, list[int]] = {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(d.id, d.office_id, d.state)).all()
        confirmed = {r.dossier_id for r in conn.execute(sa.select(o.dossier_id).where(
            o.kind == "dossier", o.is_updating.is_(False), o.status == "confirmed"))}
    for r in rows:
        received = json.loads(r.state).get("received_at")
        if not received:
            continue
        at = datetime.fromisoformat(received)
        if not a <= at < b or json.loads(r.state).get("voided_at"):
            continue
        pair = out.setdefault(r.office_id, [0, 0])
        pair[1] += 1
        pair[0] += r.id in confirmed
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}
