"""The one way a dossier changes: validate (domain) -> event + projection + outbox in one transaction."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import fields
from datetime import datetime, UTC
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from counter.domain import lifecycle
from counter.domain.hashing import GENESIS, canonical_json, chain_hash
from counter.domain.lifecycle import DossierState, Event, EventKind, Status
from counter.domain.permissions import EVENT_ACTIONS, require, require_event
from counter.models import Dossier, DossierEvent, UTCDateTime, parse_utc
from counter.services.store import Actor

_STATE_FIELDS = [f.name for f in fields(DossierState)]


def row_values(state: DossierState) -> dict[str, Any]:
    """The state as the dossier row's columns. Every field is a scalar (str, int, bool, datetime, None), so a
    shallow read gives what dataclasses.asdict gave, without its deep copy (a tenth of a progress step)."""
    values = {name: getattr(state, name) for name in _STATE_FIELDS}
    values["status"] = int(state.status)
    return values


def state_of(row: Dossier) -> DossierState:
    values = {name: getattr(row, name) for name in _STATE_FIELDS}
    values["status"] = Status(row.status)
    return DossierState(**values)


def dbapi(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection of the session's transaction (BEGIN IMMEDIATE is issued by the first use). The hot
    write paths (receive, a progress step) run their statements on it: SQLAlchemy's execute costs 70–150 µs a
    statement against 4–8 µs for the SQL itself, and it is the same connection, so still one transaction."""
    return session.connection().connection.driver_connection  # type: ignore[return-value]


def utc_text(value: datetime | None) -> str | None:
    """A time as the store keeps it (models.UTCDateTime: UTC text "YYYY-MM-DD HH:MM:SS.ffffff")."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: every stored time must be aware")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sql(value: Any) -> Any:
    return utc_text(value) if isinstance(value, datetime) else value


_TAKE = ("INSERT INTO code_sequences(station_id, scope, period, last) VALUES {} "
         "ON CONFLICT(station_id, scope, period) DO UPDATE SET last = last + 1 RETURNING scope, period, last, "
         "CASE WHEN scope = 'event' THEN (SELECT hash FROM dossier_events WHERE station_id = ? "
         "ORDER BY station_seq DESC LIMIT 1) END")


def take_numbers(session: Session, station_id: str, *wanted: tuple[str, str]) -> tuple[list[int], int, str]:
    """The next numbers of some per-station sequences (scope, period), the next event sequence number and the
    station's last event hash, in one statement inside the caller's write transaction."""
    keys = [*wanted, ("event", "")]
    sql = _TAKE.format(",".join(["(?, ?, ?, 1)"] * len(keys)))
    params = [x for scope, period in keys for x in (station_id, scope, period)] + [station_id]
    got: dict[tuple[str, str], int] = {}
    prev = GENESIS
    for scope, period, last, hash_ in dbapi(session).execute(sql, params).fetchall():
        got[(scope, period)] = last
        if scope == "event":
            prev = hash_ or GENESIS
    return [got[k] for k in wanted], got[("event", "")], prev


def next_number(session: Session, station_id: str, scope: str, period: str) -> int:
    """Take the next number of a per-station sequence inside the caller's write transaction."""
    stmt = sa.text(
        "INSERT INTO code_sequences(station_id, scope, period, last) VALUES (:s, :c, :p, 1) "
        "ON CONFLICT(station_id, scope, period) DO UPDATE SET last = last + 1 RETURNING last"
    )
    return int(session.execute(stmt, {"s": station_id, "c": scope, "p": period}).scalar_one())


_LAST_HASH = sa.text("SELECT hash FROM dossier_events WHERE station_id = :s ORDER BY station_seq DESC LIMIT 1")


def last_hash(session: Session, station_id: str) -> str:
    return session.execute(_LAST_HASH, {"s": station_id}).scalar() or GENESIS


def event_body(ev: DossierEvent | SimpleNamespace, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the hash covers (everything but the hashes themselves), of a stored event or one being appended."""
    return {
        "id": ev.id, "dossier_id": ev.dossier_id, "office_id": ev.office_id, "station_id": ev.station_id,
        "station_seq": ev.station_seq, "parent": ev.parent, "kind": ev.kind, "actor_id": ev.actor_id,
        "at": ev.at.astimezone(UTC).isoformat(), "payload": json.loads(ev.payload) if payload is None else payload,
    }


def domain_event(ev: DossierEvent) -> Event:
    return Event(id=ev.id, kind=ev.kind, at=ev.at, actor_id=ev.actor_id, station_id=ev.station_id,
                 payload=json.loads(ev.payload))


def load_row(session: Session, dossier_id: str) -> Dossier | None:
    return session.exec(select(Dossier).where(Dossier.id == dossier_id)).first()


_DOSSIERS = Dossier.__table__  # type: ignore[attr-defined]
_EVENTS = DossierEvent.__table__  # type: ignore[attr-defined]
_EVENT_COLUMNS = [c.name for c in _EVENTS.columns]
_INSERT_EVENT = (f"INSERT INTO dossier_events({', '.join(_EVENT_COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(_EVENT_COLUMNS))})")
_INSERT_OUTBOX = "INSERT INTO outbox(event_id, station_seq, created_at) VALUES (?, ?, ?)"
_INSERT_DOSSIER = (f"INSERT INTO dossiers({', '.join(_STATE_FIELDS)}) "
                   f"VALUES ({', '.join('?' * len(_STATE_FIELDS))})")
_DOSSIER_ROW = f"SELECT {', '.join(_STATE_FIELDS)} FROM dossiers WHERE "
_UTC_FIELDS = frozenset(c.name for c in _DOSSIERS.columns if isinstance(c.type, UTCDateTime))
_BOOL_FIELDS = frozenset(c.name for c in _DOSSIERS.columns if isinstance(c.type, sa.Boolean))


def state_where(session: Session, where: str, params: tuple[Any, ...]) -> DossierState | None:
    """A dossier's state read with one plain statement (the row's columns are the state's fields)."""
    found = dbapi(session).execute(_DOSSIER_ROW + where, params).fetchone()
    if found is None:
        return None
    values = dict(zip(_STATE_FIELDS, found, strict=True))
    for name in _UTC_FIELDS:
        values[name] = parse_utc(values[name])
    for name in _BOOL_FIELDS:
        values[name] = bool(values[name])
    values["status"] = Status(values["status"])
    return DossierState(**values)


def append(session: Session, actor: Actor, dossier_id: str, kind: str, payload: dict[str, Any],
           at: datetime, row: Dossier | DossierState | None = None, new: bool = False,
           numbers: tuple[int, str] | None = None) -> tuple[DossierState, SimpleNamespace]:
    """Append one event and update the projection row. Raises, writing nothing, if not allowed.

    `new` says the dossier does not exist yet (its id was just minted), which saves a lookup; `row` is its ORM
    row or its state as `state_where` read it; `numbers`: the event's station_seq and the previous hash, when
    the caller took them with its own numbers (take_numbers). The rows are written with plain sqlite3
    statements on the session's connection: this is the hot path of every counter action, and the ORM's unit
    of work and SQLAlchemy's execute cost more than the SQL itself. The dossier's UPDATE sets only the columns
    the event changed. Returns the new state and the event's columns (as attributes, like a DossierEvent's)."""
    action = EVENT_ACTIONS.get(kind)
    if action is not None:
        require(actor.role, action)
    if session.new or session.dirty or session.deleted:  # the ORM's pending rows before the plain statements
        session.flush()
    if row is None and not new:
        row = load_row(session, dossier_id)
    before = row if isinstance(row, DossierState) or row is None else state_of(row)
    require_event(actor.role, kind, actor.user_id, actor.station_id, before)  # the conditions (a correction)
    at = at.astimezone(UTC)
    canonical = canonical_json(payload)
    event_id = str(uuid.uuid4())
    parsed = json.loads(canonical)  # what a replay will see: NFC strings, JSON types
    new_state = lifecycle.apply(before, Event(event_id, kind, at, actor.user_id, actor.station_id, parsed))
    seq, prev_hash = numbers if numbers is not None else take_numbers(session, actor.station_id)[1:]
    # the row's columns as plain attributes: a DossierEvent (SQLModel) costs 70 µs to build and is never added
    ev = SimpleNamespace(id=event_id, dossier_id=new_state.id, office_id=new_state.office_id,
                         station_id=actor.station_id, station_seq=seq,
                         parent=before.last_event_id if before else None, kind=kind, actor_id=actor.user_id,
                         at=at, payload=canonical, prev_hash=prev_hash, hash="")
    ev.hash = chain_hash(ev.prev_hash, event_body(ev, parsed))
    con = dbapi(session)
    if before is None:
        values = row_values(new_state)
        con.execute(_INSERT_DOSSIER, [_sql(values[name]) for name in _STATE_FIELDS])  # before its event (FK)
    else:
        changed = [name for name in _STATE_FIELDS if getattr(new_state, name) != getattr(before, name)]
        if changed:
            values = row_values(new_state)
            con.execute(f"UPDATE dossiers SET {', '.join(f'{n} = ?' for n in changed)} WHERE id = ?",
                        [*(_sql(values[n]) for n in changed), new_state.id])
        if row is not None and not isinstance(row, DossierState):
            session.expire(row)
    project_documents(session, new_state.id, kind, parsed)
    con.execute(_INSERT_EVENT, [_sql(getattr(ev, name)) for name in _EVENT_COLUMNS])
    con.execute(_INSERT_OUTBOX, (ev.id, seq, utc_text(at)))
    return new_state, ev


_INSERT_DOCUMENT = ("INSERT INTO dossier_documents(dossier_id, position, name, originals, certified_copies, "
                    "photocopies, digitization, blobs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def project_documents(session: Session, dossier_id: str, kind: str, payload: dict[str, Any]) -> None:
    """The dossier's document rows follow its events as its row does: the same code runs for a local
    action, a replay and an event pulled from the central server. Call it after the dossier row exists."""
    if kind == EventKind.RECEIVED and payload.get("papers"):
        # an online dossier's papers come with their uploaded files, already digitized (issue 15)
        dbapi(session).executemany(_INSERT_DOCUMENT, [
            (dossier_id, i, p["name"], p.get("originals", 0), p.get("certified_copies", 0), p.get("photocopies", 0),
             int(p.get("digitization", 0)), json.dumps(list(p.get("blobs", []))))
            for i, p in enumerate(payload["papers"], start=1)])
    elif kind == EventKind.DOCUMENT_SCANNED and payload.get("position") is not None:
        # issue 5: the checklist item's file(s) and digitization code (1 scanned, 2/3 reused) follow the event
        session.execute(_SCAN_DOCUMENT, {"d": dossier_id, "p": int(payload["position"]),
                                         "z": int(payload.get("digitization", 1)),
                                         "b": json.dumps(list(payload.get("blobs", [])))})


_SCAN_DOCUMENT = sa.text("UPDATE dossier_documents SET digitization = :z, blobs = :b "
                         "WHERE dossier_id = :d AND position = :p")


def events_of(session: Session, dossier_id: str) -> list[DossierEvent]:
    return list(session.exec(select(DossierEvent).where(DossierEvent.dossier_id == dossier_id)
                             .order_by(sa.literal_column("dossier_events.rowid"))))
