"""Push and pull: the accepting transaction of the central server (design.md, "Sync with the central system").

One transaction per push. It locks the office's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
BEGIN IMMEDIATE serializes writers), so the office's gapless `office_seq`, its hash chain, the stations'
sequences and the dossiers' heads all move together or not at all. Every event that reaches its station_seq
slot is stored with its outcome (accepted or rejected), so a replay gets the same answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from counter.central import tables as t
from counter.central import voice
from counter.central.tokens import TokenInfo, desk_station_id, number_clash
from counter.central.track import public_step, public_view
from counter.domain import contracts, lifecycle
from counter.domain.codes import BLOCK_SIZE, CodeError, parse_code
from counter.domain.errors import CounterError
from counter.domain.hashing import GENESIS, canonical_items, chain_hash, join_items, office_link_hash
from counter.domain.lifecycle import BLOB_KINDS, DossierState, Event, EventKind
from counter.domain.permissions import ACTION_LABELS, EVENT_ACTIONS, PermissionDenied, Role, can, require_event

log = logging.getLogger("counter.central")

MAX_BATCH = contracts.MAX_BATCH
#: the retry reason of a new event under a station_seq the server has already settled (a restored station)
BEHIND = "behind"
#: kinds accepted even when the station did not know the server's head (they commute with anything)
COMMUTATIVE = frozenset({EventKind.DOCUMENT_SCANNED, EventKind.NOTE_ADDED, EventKind.RATED})
BODY_KEYS = contracts.BODY_KEYS
_SORTED_BODY_KEYS = tuple(sorted(BODY_KEYS))
#: what orjson refuses, ASCII-escaped (a lone surrogate as \udXXX: valid JSON in valid UTF-8)
_ASCII_DUMPS = json.JSONEncoder(separators=(",", ":")).encode


def json_bytes(value: Any) -> bytes:
    """Compact JSON (UTF-8, not ASCII-escaped): a dossier's public page data, the push's answer. orjson
    (issue 21), the standard encoder for what orjson refuses."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate (a reason quoting a payload), a big integer
        return _ASCII_DUMPS(value).encode("ascii")


def _loads(text: str) -> Any:
    """JSON text the server stored: orjson, json.loads for what orjson refuses (a lone surrogate)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
#: the dossier state as JSON, from its one declaration (lifecycle.DossierState); fields added later take
#: their defaults when an older state is read
_STATE: TypeAdapter[DossierState] = TypeAdapter(DossierState)


class Forbidden(CounterError):
    """403: the token may not do this (another station's UUID, another office)."""


class BadRequest(CounterError):
    """422: the push body itself is malformed."""


# --- state <-> JSON -----------------------------------------------------------------------------------------

def state_json(state: DossierState) -> str:
    return _STATE.dump_json(state).decode("utf-8")


def state_from_json(text: str) -> DossierState:
    return _STATE.validate_json(text)


# --- validation ---------------------------------------------------------------------------------------------

def _shape_error(e: Any) -> str | None:
    """The wire event checked against its declaration (contracts.WireEvent); the payload is checked by the
    reducer against its kind's declaration."""
    if not isinstance(e, dict):
        return "Sự kiện không phải một đối tượng JSON."
    try:
        contracts.WIRE_EVENT.validate_python(e)
    except PydanticError as exc:
        return "Sự kiện không đúng dạng: " + "; ".join(contracts.vi_messages(exc)) + "."
    return None


NO_ACTOR = ("Sự kiện không ghi người thực hiện: máy chủ chỉ nhận sự kiện của người dùng có trong danh sách "
            "của cơ quan.")
_PLAIN_NAME = re.compile(r"^[a-z0-9._-]{1,64}$")

FOREIGN_ID = "Mã sự kiện không dùng được; máy trạm cần tạo lại sự kiện với mã mới."


#: the kinds whose payload lists uploaded files (contracts.FileRef): their blobs must be on the server first
_FILE_KINDS = frozenset({EventKind.REGISTERED, EventKind.FILES_ADDED})


def _file_hashes(e: dict[str, Any]) -> list[str]:
    payload = e.get("payload")
    files = payload.get("files") if isinstance(payload, dict) else None
    if not isinstance(files, list):
        return []
    return [f["sha256"] for f in files if isinstance(f, dict) and isinstance(f.get("sha256"), str)]


def _result(eid: Any, status: str, office_seq: int | None = None, reason: str | None = None) -> dict[str, Any]:
    return {"id": eid, "status": status, "office_seq": office_seq, "reason": reason}


def _lock_office(conn: Connection, office_id: str) -> dict[str, Any]:
    stmt = sa.select(t.offices).where(t.offices.c.id == office_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    if row is None:  # tokens create their office; this is a safety net
        conn.execute(sa.insert(t.offices).values(id=office_id, name="", phone="", address=""))
        row = conn.execute(stmt).mappings().one()
    return dict(row)


def _lock_station(conn: Connection, station_id: str, office_id: str) -> dict[str, Any]:
    stmt = sa.select(t.stations).where(t.stations.c.id == station_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    if row is None:
        conn.execute(sa.insert(t.stations).values(id=station_id, office_id=office_id, last_seq=0, last_hash=GENESIS))
        row = conn.execute(stmt).mappings().one()
    if row["office_id"] != office_id:
        raise Forbidden("Máy trạm này thuộc cơ quan khác.")
    return dict(row)


def push(conn: Connection, auth: TokenInfo, body: Any, now: datetime,
         touched: set[str] | None = None, *, json_only: bool = False) -> list[dict[str, Any]]:
    """Settle one batch inside the caller's transaction (which the caller commits, or rolls back on error).
    `touched` collects the tracking tokens of the dossiers whose public page changed. `json_only`: the body
    is what json.loads made of the request and holds no floats (the app checks while parsing), so events are
    not walked to find values canonical JSON refuses."""
    if not isinstance(body, dict) or not isinstance(body.get("station_id"), str) \
            or not isinstance(body.get("events"), list):
        raise BadRequest("Thân yêu cầu phải có “station_id” và “events”.")
    if len(body["events"]) > MAX_BATCH:
        raise BadRequest(f"Mỗi lần gửi tối đa {MAX_BATCH} sự kiện.")
    try:  # the body's declaration (contracts.PushRequest); each event is checked on its own in settle
        request = contracts.PUSH_REQUEST.validate_python(body)
    except PydanticError as exc:
        raise BadRequest("Thân yêu cầu không hợp lệ: " + "; ".join(contracts.vi_messages(exc)) + ".") from None
    station_id = request.station_id
    batch = body["events"]
    if auth.station_id is not None and auth.station_id != station_id:
        raise Forbidden("Mã truy cập này đã gắn với một máy trạm khác.")
    if not auth.desk and station_id == desk_station_id(auth.office_id):
        raise Forbidden("Mã máy trạm này là của bàn trực tuyến trên máy chủ, không dùng cho máy trạm.")

    office = _lock_office(conn, auth.office_id)
    if auth.station_id is None:  # bind the token to the station on its first push
        clash = number_clash(conn, auth, station_id)
        if clash:
            raise Forbidden(clash)
        conn.execute(sa.update(t.tokens).where(t.tokens.c.id == auth.id).values(station_id=station_id))
    info = request.office
    if info is not None and info.id in (None, auth.office_id):
        changes = {k: getattr(info, k) for k in contracts.OFFICE_FIELDS
                   if k in info.model_fields_set and getattr(info, k) != office[k]}
        if changes:
            conn.execute(sa.update(t.offices).where(t.offices.c.id == auth.office_id).values(**changes, updated_at=now))
    station = _lock_station(conn, station_id, auth.office_id)

    ctx = _Batch(conn, auth, station_id, now, office["last_seq"], office["last_hash"], station["last_seq"],
                 station["last_hash"], batch, json_only)
    results = [ctx.settle(e) for e in batch]
    ctx.flush()
    voice.on_accepted(conn, ctx.accepted, now)  # notices and counter ratings, in the accepting transaction
    if touched is not None:
        touched.update(d["_state"].token for d in ctx.dossiers.values() if d["_dirty"])
    if ctx.office_seq != office["last_seq"]:
        conn.execute(sa.update(t.offices).where(t.offices.c.id == auth.office_id)
                     .values(last_seq=ctx.office_seq, last_hash=ctx.office_hash))
    if ctx.station_seq != station["last_seq"]:
        conn.execute(sa.update(t.stations).where(t.stations.c.id == station_id)
                     .values(last_seq=ctx.station_seq, last_hash=ctx.station_hash))
    return results


def _among(conn: Connection, column: sa.Column, values: set[str]) -> sa.ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(array)`: one parameter, so the statement text (and its
    parsing and planning) is the same whatever the batch holds."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, sorted(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def _copy_type(column: sa.Column) -> str | None:
    """The PostgreSQL type a binary COPY writes into `column`, or None when not one of these."""
    kind = column.type
    if isinstance(kind, sa.String):  # VARCHAR and TEXT take text's binary form
        return "text"
    if isinstance(kind, sa.BigInteger):
        return "int8"
    if isinstance(kind, sa.Integer):
        return "int4"
    if isinstance(kind, sa.DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    if isinstance(kind, sa.Boolean):
        return "bool"
    return None


def _insert_rows(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """INSERT the rows (missing keys are NULL). On PostgreSQL through psycopg one COPY (a single round trip,
    rows formatted in C) instead of an executemany of one statement per row; binary, each column's type
    given, when all are of _copy_type's (issue 21: 3 instead of 5 µs a row); errors surface as SQLAlchemy's
    DBAPIError like any other statement's (the app answers 503 and the transaction rolls back)."""
    if not rows:
        return
    cols = [c.name for c in table.columns]
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        conn.execute(sa.insert(table), [{c: r.get(c) for c in cols} for r in rows])
        return
    types = [_copy_type(c) for c in table.columns]
    binary = None not in types
    sql = f"COPY {table.name} ({', '.join(cols)}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        with conn.connection.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[attr-defined]  # psycopg's cursor
            if binary:
                copy.set_types(types)
            for r in rows:
                copy.write_row([r.get(c) for c in cols])
    except dbapi_error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi_error) from exc


class _Batch:
    """One push: what it needs is read up front in a few queries, the rows it writes go out in a few
    statements at the end (a 100-event batch is a handful of round trips, not hundreds)."""

    def __init__(self, conn: Connection, auth: TokenInfo, station_id: str, now: datetime, office_seq: int,
                 office_hash: str, station_seq: int, station_hash: str, batch: list[Any], json_only: bool = False):
        self.conn, self.auth, self.station_id, self.now = conn, auth, station_id, now
        self.json_only = json_only
        self.office_seq, self.office_hash = office_seq, office_hash
        self.station_seq, self.station_hash = station_seq, station_hash
        good = [e for e in batch if isinstance(e, dict)]
        ids = {e["id"] for e in good if isinstance(e.get("id"), str)}
        parents = {e["parent"] for e in good if isinstance(e.get("parent"), str)}
        dossier_ids = {e["dossier_id"] for e in good if isinstance(e.get("dossier_id"), str)}
        wanted_blobs = {h for e in good if isinstance(e.get("payload"), dict)
                        and isinstance(e["payload"].get("blobs"), list) for h in e["payload"]["blobs"]
                        if isinstance(h, str)}
        wanted_blobs |= {h for e in good for h in _file_hashes(e)}  # an online dossier's uploads (issue 15)
        new_tokens = {e["payload"]["token"] for e in good if isinstance(e.get("payload"), dict)
                      and isinstance(e["payload"].get("token"), str)}
        new_codes = {e["payload"]["code"] for e in good if isinstance(e.get("payload"), dict)
                     and isinstance(e["payload"].get("code"), str)}
        # id -> (status, office_seq, reason, content, base)
        # Only this office's events are known: another office's id is answered like an unknown one (never
        # "duplicate", never "used for other content"), so a push cannot confirm that it exists. An event's
        # office is its station's (the event's own office_id field is what the station claimed).
        self.known: dict[str, tuple[str, int | None, str | None, str, str | None]] = {}
        self.foreign: set[str] = set()  # ids another office's event holds (the id is the table's key)
        r: Any  # rows of the two selects below
        if ids | parents:
            for r in conn.execute(sa.select(t.events.c.id, t.events.c.status, t.events.c.office_seq,
                                            t.events.c.reason, t.events.c.content, t.events.c.base,
                                            t.stations.c.office_id)
                                  .select_from(t.events.outerjoin(t.stations,
                                                                  t.stations.c.id == t.events.c.station_id))
                                  .where(_among(conn, t.events.c.id, ids | parents))):
                if r.office_id == auth.office_id:
                    self.known[r.id] = (r.status, r.office_seq, r.reason, r.content, r.base)
                else:
                    self.foreign.add(r.id)
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.tokens: set[str] = set()  # tracking tokens of new dossiers already taken
        self.codes: set[str] = set()  # dossier codes of new dossiers this office already has
        if dossier_ids or new_tokens or new_codes:  # the batch's dossiers, the tokens and codes it would take
            d = t.dossiers.c
            for r in conn.execute(sa.select(d.id, d.office_id, d.head, d.state, d.public, d.token, d.code)
                                  .where(sa.or_(_among(conn, d.id, dossier_ids),
                                                _among(conn, d.token, new_tokens),
                                                # only this office's codes count: the (office_id, code)
                                                # index finds them (code alone scanned the whole index)
                                                sa.and_(d.office_id == auth.office_id,
                                                        _among(conn, d.code, new_codes))))):
                if r.token in new_tokens:
                    self.tokens.add(r.token)
                if r.code in new_codes and r.office_id == auth.office_id:
                    self.codes.add(r.code)
                if r.id in dossier_ids:
                    self.dossiers[r.id] = {"id": r.id, "office_id": r.office_id, "head": r.head, "state": r.state,
                                           "history": _loads(r.public)["history"], "_state": None,
                                           "_dirty": False, "_new": False}
        # the batch's actors, by the server's list of the office's users: name -> (role, locked)
        names = {e["actor"]["username"].strip().lower() for e in good if isinstance(e.get("actor"), dict)
                 and isinstance(e["actor"].get("username"), str)}
        u = t.users.c
        self.users: dict[str, tuple[Role, bool]] = {
            r.username: (Role(r.role), bool(r.locked)) for r in conn.execute(
                sa.select(u.username, u.role, u.locked)
                .where(u.office_id == auth.office_id, _among(conn, u.username, names)))} if names else {}
        self.blobs = set(conn.execute(sa.select(t.blobs.c.sha256)
                                      .where(_among(conn, t.blobs.c.sha256, wanted_blobs))).scalars()) \
            if wanted_blobs else set()
        self.rows: list[dict[str, Any]] = []
        self.refs: set[str] = set()  # blobs the accepted events name: the office's stations may download them
        self.behind = False  # a new event under a settled station_seq was seen: the rest waits too
        self.accepted: list[tuple[dict[str, Any], Any, DossierState]] = []  # (event, status before, state)

    def flush(self) -> None:
        _insert_rows(self.conn, t.events, self.rows)
        if self.refs:
            self.conn.execute(sa.text("INSERT INTO central_blob_refs(office_id, sha256) VALUES (:o, :s) "
                                      "ON CONFLICT DO NOTHING"),
                              [{"o": self.auth.office_id, "s": h} for h in sorted(self.refs)])
        new = [d for d in self.dossiers.values() if d["_new"]]
        changed = [d for d in self.dossiers.values() if d["_dirty"] and not d["_new"]]
        values = lambda d: {"head": d["head"], "state": state_json(d["_state"]),  # noqa: E731
                            "public": json_bytes(public_view(d["_state"], d["history"])).decode(),  # once a dossier
                            "updated_at": self.now}
        if new:
            _insert_rows(self.conn, t.dossiers, [
                {"id": d["id"], "office_id": d["office_id"], "token": d["_state"].token, "code": d["_state"].code,
                 **values(d)} for d in new])
        if changed:
            self.conn.execute(sa.update(t.dossiers).where(t.dossiers.c.id == sa.bindparam("_id"))
                              .values(head=sa.bindparam("head"), state=sa.bindparam("state"),
                                      public=sa.bindparam("public"), updated_at=sa.bindparam("updated_at")),
                              [{"_id": d["id"], **values(d)} for d in changed])

    def settle(self, e: Any) -> dict[str, Any]:
        eid: Any = e.get("id") if isinstance(e, dict) else None
        problem = _shape_error(e)
        if problem:
            return _result(eid, "rejected", reason=problem)
        try:
            # NFC strings, JSON types: what the station hashed and what a replay sees
            e, items, wire = canonical_items(e, self.json_only)
        except TypeError as exc:  # a float, or a value JSON cannot hold
            return _result(eid, "rejected", reason=f"Dữ liệu không băm được: {exc}")
        # the content key: the canonical event without "actor", cut from the same pieces
        content = hashlib.sha256(join_items([(k, p) for k, p in items if k != "actor"]).encode()).hexdigest()
        known = self.known.get(eid)
        if known is not None:
            status, office_seq, reason, stored_content, _ = known
            if stored_content != content:
                return _result(eid, "rejected", reason="Mã sự kiện đã được dùng cho một nội dung khác.")
            if status == "accepted":
                return _result(eid, "duplicate", office_seq=office_seq)
            return _result(eid, "rejected", reason=reason)  # the stored outcome, again
        if e["station_id"] != self.station_id:
            return _result(eid, "rejected", reason="Sự kiện của máy trạm khác (station_id không khớp).")
        expected = self.station_seq + 1
        if self.behind:  # after a "behind" in this batch nothing of it is settled: the station renumbers first
            return _result(eid, "retry", reason=BEHIND)
        if e["station_seq"] > expected:
            return _result(eid, "retry", reason="gap")
        if e["station_seq"] < expected:
            self.behind = True
            # a new event under a number the server has settled: the station is behind itself (restored from
            # an older backup). Nothing is stored; the station fetches what it lost, renumbers what it made
            # since, and sends it again (services/sync_recovery.py)
            return _result(eid, "retry", reason=BEHIND)
        if e["kind"] in BLOB_KINDS:  # a scan, a scanned authorization, a result
            wanted = e["payload"].get("blobs") or []
            if not isinstance(wanted, list) or not all(isinstance(h, str) for h in wanted):
                return self._store(e, content, wire, "Danh sách tệp (“blobs”) không hợp lệ.")
            if any(h not in self.blobs for h in wanted):
                return _result(eid, "retry", reason="need_blob")
        if e["kind"] in _FILE_KINDS and any(h not in self.blobs for h in _file_hashes(e)):
            return _result(eid, "retry", reason="need_blob")  # an online dossier's uploads (issue 15)
        try:
            outcome = self._validate(e, items)
        except Exception as exc:  # a bug must not stop the station's queue: this event is refused, the rest goes
            log.exception("push: event %s could not be validated", eid)
            outcome = f"Máy chủ không xử lý được sự kiện này ({type(exc).__name__}); đã ghi nhận để kiểm tra."
        return self._store(e, content, wire, outcome)

    def _state(self, d: dict[str, Any]) -> DossierState:
        if d["_state"] is None:
            d["_state"] = state_from_json(d["state"])
        return d["_state"]

    def _validate(self, e: dict[str, Any], items: list[tuple[str, str]]) -> str | tuple[DossierState, str | None]:
        """A rejection reason, or (the new state, the base the event stands on)."""
        if e["office_id"] != self.auth.office_id:
            return "Máy trạm không được ghi hồ sơ của cơ quan khác."
        # canonical_json({k: e.get(k) for k in BODY_KEYS}) from the event's canonical pieces
        pieces = dict(items)
        body = join_items([(k, pieces.get(k, "null")) for k in _SORTED_BODY_KEYS])
        ok = hashlib.sha256((e["prev_hash"] + body).encode("utf-8")).hexdigest() == e["hash"]
        if not ok:
            return "Mã băm của sự kiện không khớp nội dung."
        if e["prev_hash"] != self.station_hash:
            return "Chuỗi băm của máy trạm bị đứt (prev_hash không khớp sự kiện trước)."
        if self.auth.desk:  # the office's online desk on this server (central/online.py): no user, its kinds only
            if e["kind"] not in lifecycle.DESK_KINDS:
                return f"Bàn trực tuyến của máy chủ không ghi sự kiện “{e['kind']}”."
            role = None
        else:
            who = self._actor(e)  # the server's user and role, never the role the station sent
            if isinstance(who, str):
                return who
            username, role = who
            action = EVENT_ACTIONS.get(e["kind"])
            if action is not None and not can(role, action):
                return f"Người dùng “{username}” ({role.label}) không được phép {ACTION_LABELS[action]}."
        d = self.dossiers.get(e["dossier_id"])
        if d is not None and d["office_id"] != self.auth.office_id:
            return "Hồ sơ thuộc cơ quan khác."
        if d is None and e["parent"] is not None:
            return "Hồ sơ chưa có trên máy chủ (sự kiện trước đó của hồ sơ đã bị từ chối)."
        base = self._base_of(e["parent"], d)
        if d is not None and base != d["head"] and e["kind"] not in COMMUTATIVE:
            return ("Xung đột: hồ sơ đã được thay đổi ở máy trạm khác trước đó; thao tác này không được áp dụng. "
                    "Vui lòng xem lại hồ sơ và thực hiện lại nếu cần.")
        before = self._state(d) if d is not None else None
        if before is not None and role is not None:
            try:  # the conditions of an action (a clerk corrects only what they received, before hand-off)
                require_event(role, e["kind"], e.get("actor_id"), e["station_id"], before)
            except PermissionDenied as exc:
                return exc.message
        at = datetime.fromisoformat(e["at"])
        payload = e["payload"]
        try:
            state = lifecycle.apply(before, Event(e["id"], e["kind"], at, e.get("actor_id"), e["station_id"], payload))
        except CounterError as exc:
            return exc.message
        except (KeyError, TypeError, ValueError) as exc:
            return f"Nội dung sự kiện không hợp lệ: {exc}"
        if state.id != e["dossier_id"] or state.office_id != self.auth.office_id:
            return "Sự kiện tạo hồ sơ không khớp mã hồ sơ hoặc cơ quan."
        if d is None and state.token in self.tokens:
            return "Mã tra cứu của hồ sơ đã được dùng."
        if d is None:
            # a dossier the national portal delivered keeps the portal's MaHoSo (issue 15): no block of ours
            portal = self.auth.desk and payload.get("source") == "portal"
            problem = self._code_problem(state.code, portal)
            if problem:
                return problem
        return state, base

    def _code_problem(self, code: str, portal: bool = False) -> str | None:
        """A new dossier's code: in the block of the token's station number (the online desk's: 0), and not
        another dossier's. `portal`: the portal's own code, in no block of ours."""
        try:
            number = None if portal else parse_code(code).seq // BLOCK_SIZE
        except CodeError:
            number = None
        if number is not None and number != self.auth.station_number:
            return (f"Mã hồ sơ {code} thuộc dãy số của quầy {number}, nhưng mã truy cập của máy này cấp cho quầy "
                    f"{self.auth.station_number}: hai máy trạm đang cùng số quầy? Khởi tạo lại máy với đúng số quầy.")
        if code in self.codes:
            return (f"Mã hồ sơ {code} đã được dùng cho một hồ sơ khác của cơ quan (hai máy trạm cùng số quầy, hoặc "
                    "máy được khôi phục từ bản sao lưu cũ): hồ sơ này không được nhận dưới mã đó.")
        return None
    def _actor(self, e: dict[str, Any]) -> str | tuple[str, Role]:
        """Who acted, judged by the server's list of the office's users: (user name, the server's role), or
        why the event is refused. The station names its user in "actor" (its `actor_id` is the station's own
        number for that user); an event naming nobody, a name the office does not have, or a locked account
        is refused, whatever role the station wrote."""
        actor = e.get("actor")
        name = actor.get("username") if isinstance(actor, dict) else None
        if e.get("actor_id") is None or not isinstance(name, str) or not name.strip():
            return NO_ACTOR
        username = name.strip().lower()
        found = self.users.get(username)
        if found is None:
            shown = username if _PLAIN_NAME.match(username) else "(tên không hợp lệ)"
            return f"Người thực hiện “{shown}” không có trong danh sách người dùng của cơ quan trên máy chủ."
        role, locked = found
        if locked:
            return f"Tài khoản “{username}” đã bị khóa trên máy chủ: không nhận sự kiện của tài khoản này."
        return username, role

    def _base_of(self, parent: str | None, d: dict[str, Any] | None) -> str | None:
        """The non-commutative event the station stood on: the parent itself, or the base a commutative parent
        was accepted on. A parent the server rejected stands on nothing (so what follows it conflicts)."""
        if parent is None or d is None or parent == d["head"]:
            return parent
        found = self.known.get(parent)
        if found is None or found[0] != "accepted":
            return "?"
        return found[4]

    def _store(self, e: dict[str, Any], content: str, wire: str,
               outcome: str | tuple[DossierState, str | None]) -> dict[str, Any]:
        if e["id"] in self.foreign:
            # a station's UUID never meets another office's by chance: a forged or copied id. Refused without
            # naming why (the row cannot be stored under a key another office holds); the station's chain goes on.
            self.station_seq, self.station_hash = e["station_seq"], e["hash"]
            return _result(e["id"], "rejected", reason=FOREIGN_ID)
        row: dict[str, Any] = {
            "id": e["id"], "office_id": e["office_id"], "station_id": e["station_id"],
            "station_seq": e["station_seq"], "dossier_id": e["dossier_id"], "kind": e["kind"][:32],
            "content": content, "wire": wire, "received_at": self.now,
        }
        self.rows.append(row)
        self.station_seq = e["station_seq"]
        self.station_hash = e["hash"]  # the station's chain goes on from its own hash, accepted or not
        if isinstance(outcome, str):
            row.update(status="rejected", reason=outcome)
            self.known[e["id"]] = ("rejected", None, outcome, content, None)
            return _result(e["id"], "rejected", reason=outcome)
        state, base = outcome
        if e["kind"] not in COMMUTATIVE:
            base = e["id"]
        self.office_seq += 1
        prev = self.office_hash
        self.office_hash = office_link_hash(prev, self.auth.office_id, self.office_seq, e["id"], e["hash"])
        row.update(status="accepted", office_seq=self.office_seq, office_prev_hash=prev,
                   office_hash=self.office_hash, base=base)
        self.known[e["id"]] = ("accepted", self.office_seq, None, content, base)
        if e["kind"] in BLOB_KINDS:  # the blobs this office may fetch back (GET /api/v1/blobs/{sha256})
            self.refs.update(h for h in e["payload"].get("blobs") or [] if isinstance(h, str))
        if e["kind"] in _FILE_KINDS:
            self.refs.update(_file_hashes(e))
        d = self.dossiers.get(state.id)
        before = d.get("_state") if d is not None else None
        self.accepted.append((e, before.status if before is not None else None, state))
        if d is None:
            d = self.dossiers[state.id] = {"id": state.id, "office_id": state.office_id, "head": e["id"],
                                           "history": [], "_new": True}
            self.tokens.add(state.token)
            self.codes.add(state.code)
        elif e["kind"] not in COMMUTATIVE:
            d["head"] = e["id"]
        step = public_step(e["kind"], datetime.fromisoformat(e["at"]), state)
        if step is not None:
            d["history"].append(step)  # the page's data (public_view) is built once per dossier, in flush
        d["_state"] = state
        d["_dirty"] = True
        return _result(e["id"], "accepted", office_seq=self.office_seq)


# --- pull ---------------------------------------------------------------------------------------------------

def parse_cursor(cursor: str | None, epoch: str) -> int:
    """The office_seq after which to read; 0 when empty or of another epoch."""
    if not cursor:
        return 0
    head, _, seq = cursor.partition(".")
    if head != epoch:
        return 0
    if not (seq.isascii() and seq.isdigit()) or len(seq) > 18:  # past SQLite's and PostgreSQL's 64-bit integers
        raise BadRequest(f"Con trỏ đồng bộ “{cursor[:80]}” không hợp lệ: dùng con trỏ máy chủ đã trả về.")
    return int(seq)


def pull(conn: Connection, office_id: str, after: int, limit: int, epoch: str) -> dict[str, Any]:
    limit = max(1, min(limit, 1000))
    rows = conn.execute(sa.select(t.events.c.wire, t.events.c.office_seq)
                        .where(t.events.c.office_id == office_id, t.events.c.status == "accepted",
                               t.events.c.office_seq > after)
                        .order_by(t.events.c.office_seq).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    out = []
    for r in rows:
        e = json.loads(r.wire)
        e["office_seq"] = r.office_seq
        e["status"] = "accepted"
        out.append(e)
    last = rows[-1].office_seq if rows else after
    return {"events": out, "cursor": f"{epoch}.{last}", "has_more": has_more}


def verify_office_chain(conn: Connection, office_id: str) -> tuple[int, str | None]:
    """Walk the office's accepted events in office_seq order: (count, None) when the gapless sequence and the
    office hash chain hold, else (position, what is wrong)."""
    prev, n = GENESIS, 0
    rows = conn.execute(sa.select(t.events.c.id, t.events.c.office_seq, t.events.c.office_prev_hash,
                                  t.events.c.office_hash, t.events.c.wire)
                        .where(t.events.c.office_id == office_id, t.events.c.status == "accepted")
                        .order_by(t.events.c.office_seq))
    for r in rows:
        n += 1
        if r.office_seq != n:
            return n, f"thiếu số thứ tự {n} (gặp {r.office_seq})"
        wire = json.loads(r.wire)
        expected = chain_hash(prev, {"office_id": office_id, "office_seq": n, "event_id": r.id,
                                     "event_hash": wire["hash"]})
        if r.office_prev_hash != prev or r.office_hash != expected:
            return n, f"chuỗi băm của cơ quan sai ở sự kiện {r.id}"
        if chain_hash(wire["prev_hash"], {k: wire.get(k) for k in BODY_KEYS}) != wire["hash"]:
            return n, f"mã băm của sự kiện {r.id} không khớp nội dung"
        prev = r.office_hash
    return n, None
