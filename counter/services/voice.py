"""The citizen's voice at the station (issue 19): the rating given at the counter right after a return (a
`rated` event, synced like any other), and the supervisor's view of what the central server holds: the
complaints (assign, answer, close), the ratings per clerk and procedure, a dossier's notices.

The central server owns complaints, web ratings and notices (they arrive from the public page and are sent
from there); the station reads and acts on them through its sync token (counter/central/voice.py's API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from counter.domain import voice as v
from counter.domain.calendar import VN_TZ
from counter.domain.errors import CounterError
from counter.domain.permissions import Action, require
from counter.services import dossiers
from counter.services.store import Actor, Store


def rate_at_counter(store: Store, actor: Actor, code: str, value: str, reason: str | None = None) -> str:
    """The citizen's answer on the keypad after a return: one `rated` event (a change is a new one: the
    central server keeps both, the last one counts). Returns the answer's label."""
    value, reason = v.check_rating(value, reason)
    require(actor.role, Action.RETURN_RESULT)
    payload: dict[str, Any] = {"value": value, "channel": "counter"}
    if reason:
        payload["reason"] = reason
    dossiers.record(store, actor, code, "rated", payload)
    return v.RATINGS[value]


# --- what the central server holds -------------------------------------------------------------------------

@dataclass(frozen=True)
class Complaint:
    code: str
    dossier_code: str
    category: str
    about: str
    text: str
    status: str
    owner: str | None
    deadline_at: datetime
    answer: str | None
    handling_rating: str | None

    @property
    def status_label(self) -> str:
        return v.COMPLAINT_STATES.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return f"{v.COMPLAINT_CATEGORIES.get(self.category, self.category)} — {v.COMPLAINT_ABOUT.get(self.about, self.about)}"


def _client(store: Store, transport: Any = None):  # type: ignore[no-untyped-def]
    from counter.services.sync import client_for

    return client_for(store, transport)


def _call(store: Store, method: str, path: str, transport: Any = None, **kw: Any) -> Any:
    from counter.sync.client import SyncUnavailable

    with _client(store, transport) as client:
        try:
            return client._request(method, path, ok=(200,), **kw)[1]
        except SyncUnavailable as exc:
            raise CounterError(f"Không lấy được dữ liệu từ máy chủ: {exc}") from None


def _complaint(w: dict[str, Any]) -> Complaint:
    return Complaint(w["code"], w.get("dossier_code") or "", w["category"], w["about"], w["text"], w["status"],
                     w.get("owner"), datetime.fromisoformat(w["deadline_at"]), w.get("answer"),
                     w.get("handling_rating"))


def complaints(store: Store, actor: Actor, status: str = "open", transport: Any = None) -> list[Complaint]:
    require(actor.role, Action.VIEW_QUEUE)
    data = _call(store, "GET", "/api/v1/voice/complaints", transport, params={"status": status})
    return [_complaint(w) for w in data["complaints"]]


def act_on_complaint(store: Store, actor: Actor, code: str, action: str, *, owner: str | None = None,
                     answer: str | None = None, transport: Any = None) -> Complaint:
    """assign (to `owner`), answer (the text the citizen reads on the tracking page) or close."""
    require(actor.role, Action.VIEW_QUEUE)
    if action == "answer":  # the server checks again; a clear message before the round trip
        answer = v.clean_public_text(answer, field="nội dung trả lời", limit=v.MAX_ANSWER, minimum=5)
    body = {"action": action, "by": actor.username, "owner": owner, "answer": answer}
    from counter.sync.client import SyncAuthError, SyncUnavailable

    with _client(store, transport) as client:
        try:
            status, data = client._request("POST", f"/api/v1/voice/complaints/{code}", ok=(200, 404, 409, 422),
                                           json=body)
        except SyncAuthError as exc:
            raise CounterError(str(exc).split(": ", 1)[-1]) from None
        except SyncUnavailable as exc:
            raise CounterError(f"Không gửi được lên máy chủ: {exc}") from None
    if status != 200:
        raise CounterError(data.get("detail") or "Máy chủ từ chối thao tác.")
    return _complaint(data)


@dataclass(frozen=True)
class RatingRow:
    staff: str
    procedure_code: str
    very_satisfied: int
    satisfied: int
    unsatisfied: int

    @property
    def total(self) -> int:
        return self.very_satisfied + self.satisfied + self.unsatisfied

    @property
    def percent_satisfied(self) -> float:
        return 100.0 * (self.very_satisfied + self.satisfied) / self.total if self.total else 0.0


def rating_rows(raw: list[dict[str, Any]]) -> list[RatingRow]:
    """The server's counts (staff, procedure, channel, value, n) summed per clerk and procedure."""
    sums: dict[tuple[str, str], dict[str, int]] = {}
    for r in raw:
        key = (r.get("staff") or "—", r.get("procedure_code") or "")
        sums.setdefault(key, dict.fromkeys(v.RATINGS, 0))[r["value"]] += int(r["n"])
    return [RatingRow(k[0], k[1], s["very_satisfied"], s["satisfied"], s["unsatisfied"])
            for k, s in sorted(sums.items())]


def ratings(store: Store, actor: Actor, start: date | None = None, end: date | None = None,
            transport: Any = None) -> list[RatingRow]:
    """Ratings per clerk and procedure, both channels (from the server), or the counter's own when the
    server cannot be reached (CounterError says so when neither)."""
    require(actor.role, Action.VIEW_REPORTS)
    params = {k: d.isoformat() for k, d in (("from", start), ("to", end)) if d is not None}
    try:
        return rating_rows(_call(store, "GET", "/api/v1/voice/ratings", transport, params=params)["ratings"])
    except CounterError:
        return local_ratings(store, start, end)


_LOCAL = sa.text(
    "SELECT COALESCE(u.username, '—') AS staff, d.procedure_code AS procedure_code, "
    "json_extract(r.payload, '$.value') AS value, COUNT(*) AS n FROM dossier_events r "
    "JOIN dossiers d ON d.id = r.dossier_id "
    "LEFT JOIN users u ON u.id = (SELECT ret.actor_id FROM dossier_events ret WHERE ret.dossier_id = r.dossier_id "
    "  AND ret.kind = 'returned' AND ret.station_id = r.station_id ORDER BY ret.at DESC LIMIT 1) "
    "WHERE r.kind = 'rated' AND r.at >= :start AND r.at < :end AND NOT EXISTS (SELECT 1 FROM dossier_events later "
    "  WHERE later.dossier_id = r.dossier_id AND later.kind = 'rated' AND (later.at > r.at OR (later.at = r.at "
    "  AND later.station_seq > r.station_seq))) "
    "GROUP BY staff, d.procedure_code, value")


def local_ratings(store: Store, start: date | None = None, end: date | None = None) -> list[RatingRow]:
    """The counter's ratings this station's store holds (the last per dossier), per clerk and procedure."""
    from counter.domain.calendar import VN_TZ

    lo = datetime.combine(start or date(2000, 1, 1), datetime.min.time(), VN_TZ)
    hi = datetime.combine(end or date(2999, 1, 1), datetime.max.time(), VN_TZ)
    with store.read() as session:
        rows = session.execute(_LOCAL, {"start": lo, "end": hi}).mappings().all()
    return rating_rows([dict(r) for r in rows])


def notices(store: Store, code: str, transport: Any = None) -> list[str]:
    """The dossier's notices as the server recorded each attempt ("đã gửi SMS 0912…678 lúc …")."""
    with store.read() as session:
        did = session.execute(sa.text("SELECT id FROM dossiers WHERE code = :c"), {"c": code}).scalar()
    if did is None:
        raise CounterError(f"Không tìm thấy hồ sơ “{code}”")
    return [n["text"] for n in _call(store, "GET", f"/api/v1/voice/notices/{did}", transport)["notices"]]


# --- 766 5.2-5.4 as the server computed them (fetched at each sync) ------------------------------------------

SCORECARD_KEY = "voice_scorecard"  # sync_state: the server's last answer, as JSON (with its computed_at)


@dataclass(frozen=True)
class ServerFigures:
    parts: dict[str, tuple[int, int]]  # "5.2" -> (numerator, denominator) over the asked period
    computed_at: datetime  # when the server computed them (UTC)

    @property
    def note(self) -> str:
        """"theo máy chủ lúc 15:02 02/12" (short: it fits the scorecard's note column; the footer's form)."""
        return f"theo máy chủ lúc {self.computed_at.astimezone(VN_TZ):%H:%M %d/%m}"


def scorecard_window_start(today: date) -> date:
    """The first day a sync fetches the figures from: 1 January of last year (the station's reports look back
    a month, a quarter, a year; a period before it shows no data rather than a partial sum)."""
    return date(today.year - 1, 1, 1)


SCORECARD_EVERY = timedelta(minutes=5)  # the figures change slowly; a 10 s sync loop need not ask each time


def pull_scorecard(store: Store, client: Any, force: bool = False) -> bool:
    """At each sync (services.sync.run_cycle), at most every SCORECARD_EVERY by the station's clock (or when
    `force`d): the server's 5.2-5.4 per day, stored in sync_state in one transaction with the time the server
    computed them. False when not asked this time or the server has none (nothing changed)."""
    import json

    from counter.domain.scorecard import local_date
    from counter.services.sync import _set

    now = store.clock.now()
    rows = store.query("SELECT value FROM sync_state WHERE key = ?", (SCORECARD_KEY,))
    if rows and not force:
        fetched = datetime.fromisoformat(json.loads(rows[0]["value"]).get("fetched_at") or "2000-01-01T00:00:00+00:00")
        if fetched <= now < fetched + SCORECARD_EVERY:
            return False
    data = client.voice_scorecard(scorecard_window_start(local_date(now)).isoformat())
    if data is None:
        return False
    data["fetched_at"] = now.astimezone(UTC).isoformat()
    with store.write() as session:
        _set(session, SCORECARD_KEY, json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
    return True


def server_figures(store: Store, start: date, end: date) -> ServerFigures | None:
    """5.2-5.4 for the local days [start, end] from the server's figures this store last fetched; None when it
    never fetched any (never synced, or no server), when they are of another office, or when the period starts
    before the days they cover."""
    import json

    from counter.services.office import office_info

    rows = store.query("SELECT value FROM sync_state WHERE key = ?", (SCORECARD_KEY,))
    if not rows:
        return None
    data = json.loads(rows[0]["value"])
    if data.get("office_id") != office_info(store).id or start.isoformat() < data["from"]:
        return None
    lo, hi = start.isoformat(), end.isoformat()
    days = [f for day, f in data["days"].items() if lo <= day <= hi]
    return ServerFigures(v.sum_days(days), datetime.fromisoformat(data["computed_at"]))
