"""The one way a dossier changes: validate (domain) -> event + projection + outbox in one transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import fields
from datetime import datetime, UTC
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from counter.domain import lifecycle
from counter.domain.hashing import GENESIS, canonical_json, chain_hash
from counter.domain.lifecycle import DossierState, Event, EventKind, Status
from counter.domain.permissions import EVENT_ACTIONS, require, require_event
from counter.models import Dossier, DossierDocument, DossierEvent, Outbox
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


def event_body(ev: DossierEvent, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the hash covers (everything but the hashes themselves)."""
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
_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
_INSERT_DOSSIER = sa.insert(_DOSSIERS)
_UPDATE_DOSSIER = sa.update(_DOSSIERS).where(_DOSSIERS.c.id == sa.bindparam("_id"))
_INSERT_EVENT = sa.insert(_EVENTS)
_INSERT_OUTBOX = sa.insert(_OUTBOX)


def append(session: Session, actor: Actor, dossier_id: str, kind: str, payload: dict[str, Any],
           at: datetime, row: Dossier | None = None, new: bool = False) -> tuple[DossierState, DossierEvent]:
    """Append one event and update the projection row. Raises, writing nothing, if not allowed.

    `new` says the dossier does not exist yet (its id was just minted), which saves a lookup. The three rows
    are written with plain INSERT/UPDATE statements: this is the hot path of every counter action, and the
    ORM's unit of work costs more than the SQL itself."""
    action = EVENT_ACTIONS.get(kind)
    if action is not None:
        require(actor.role, action)
    if row is None and not new:
        row = load_row(session, dossier_id)
    before = state_of(row) if row is not None else None
    require_event(actor.role, kind, actor.user_id, actor.station_id, before)  # the conditions (a correction)
    at = at.astimezone(UTC)
    canonical = canonical_json(payload)
    event_id = str(uuid.uuid4())
    parsed = json.loads(canonical)  # what a replay will see: NFC strings, JSON types
    new_state = lifecycle.apply(before, Event(event_id, kind, at, actor.user_id, actor.station_id, parsed))
    seq = next_number(session, actor.station_id, "event", "")
    ev = DossierEvent(id=event_id, dossier_id=new_state.id, office_id=new_state.office_id,
                      station_id=actor.station_id, station_seq=seq,
                      parent=before.last_event_id if before else None, kind=kind, actor_id=actor.user_id,
                      at=at, payload=canonical, prev_hash=last_hash(session, actor.station_id), hash="")
    ev.hash = chain_hash(ev.prev_hash, event_body(ev, parsed))
    values = row_values(new_state)
    # parameters passed apart from the statements, so SQLAlchemy compiles each statement once and reuses it
    if before is None:
        session.execute(_INSERT_DOSSIER, values)  # before its event (foreign key)
    else:
        session.execute(_UPDATE_DOSSIER, {**values, "_id": new_state.id})
        if row is not None:
            session.expire(row)
    project_documents(session, new_state.id, kind, parsed)
    session.execute(_INSERT_EVENT, {c.name: getattr(ev, c.name) for c in _EVENTS.columns})
    session.execute(_INSERT_OUTBOX, {"event_id": ev.id, "station_seq": seq, "created_at": at})
    return new_state, ev


_DOCUMENTS = DossierDocument.__table__  # type: ignore[attr-defined]
_INSERT_DOCUMENT = sa.insert(_DOCUMENTS)


def project_documents(session: Session, dossier_id: str, kind: str, payload: dict[str, Any]) -> None:
    """The dossier's document rows follow its events as its row does: the same code runs for a local
    action, a replay and an event pulled from the central server. Call it after the dossier row exists."""
    if kind == EventKind.RECEIVED and payload.get("papers"):
        # an online dossier's papers come with their uploaded files, already digitized (issue 15)
        session.execute(_INSERT_DOCUMENT, [
            {"dossier_id": dossier_id, "position": i, "name": p["name"], "originals": p.get("originals", 0),
             "certified_copies": p.get("certified_copies", 0), "photocopies": p.get("photocopies", 0),
             "digitization": int(p.get("digitization", 0)), "blobs": json.dumps(list(p.get("blobs", [])))}
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
