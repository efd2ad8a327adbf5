"""The citizen's voice on the central server (issue 19): the public rating and complaint page behind the
tracking page, the supervisors' complaint API, the rating report and the 766 ratios.

Public pages: `GET /t/{token}/y-kien` (rate the dossier, file a complaint, read the answers, rate the
handling), posting plain HTML forms (no script) to `/t/{token}/danh-gia`, `/t/{token}/phan-anh` and
`/t/{token}/phan-anh/{code}/danh-gia`. Abuse limits live in the database (stateless processes): per client
address (hashed) and per dossier, sizes capped, no markup, no emoji; a repeated post is refused, not stored.

Station API (bearer token of a station, the acting user named and judged by the server's list of users):
`GET /api/v1/voice/complaints`, `POST /api/v1/voice/complaints/{code}` (assign, answer, close),
`GET /api/v1/voice/ratings`, `GET /api/v1/voice/notices/{dossier_id}`, `GET /api/v1/voice/scorecard`.
"""

from __future__ import annotations

import hashlib
import html
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, quote

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import TypeAdapter
from sqlalchemy.engine import Connection

from counter.central import notify
from counter.central import tables as t
from counter.central.tokens import lookup
from counter.central.track import _page
from counter.domain import voice as v
from counter.domain.calendar import VN_TZ, WorkCalendar
from counter.domain.scorecard import local_date
from counter.domain.codes import RATING_PAGE, parse_token, rating_path
from counter.domain.lifecycle import FINAL_STATUSES, STATUS_LABELS, DossierState, Status

router = APIRouter()
_STATE: TypeAdapter[DossierState] = TypeAdapter(DossierState)
MAX_FORM = 16 * 1024  # bytes of a public form's body
COMPLAINTS_PER_CLIENT_HOUR = 5
COMPLAINTS_PER_DOSSIER_DAY = 3
RATING_CHANGES = 10  # per dossier and channel
_NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


# --- in the accepting transaction ----------------------------------------------------------------------------

def on_accepted(conn: Connection, accepted: list[tuple[dict[str, Any], Any, DossierState]], now: datetime) -> None:
    """ingest.push calls this after writing the batch: the notices, and the ratings given at the counter."""
    if not accepted:
        return
    notify.enqueue(conn, accepted, now)
    for e, _before, state in accepted:
        if e["kind"] == "rated":
            p = e.get("payload") or {}
            actor = (e.get("actor") or {}).get("username")
            record_rating(conn, state, "counter", p["value"], p.get("reason"), now,
                          staff=_returned_by(conn, state.id) or actor, event_id=e["id"])


def _returned_by(conn: Connection, dossier_id: str) -> str | None:
    row = conn.execute(sa.select(t.events.c.wire).where(t.events.c.dossier_id == dossier_id,
                                                        t.events.c.kind == "returned",
                                                        t.events.c.status == "accepted")
                       .order_by(t.events.c.office_seq.desc())).first()
    if row is None:
        return None
    actor = json.loads(row.wire).get("actor") or {}
    name = actor.get("username")
    return name.strip().lower()[:64] if isinstance(name, str) else None


def record_rating(conn: Connection, state: DossierState, channel: str, value: str, reason: str | None,
                  now: datetime, *, staff: str | None, event_id: str | None = None) -> bool:
    """One current rating per dossier and channel: a change keeps the earlier one (current = false). False
    when it repeats the current rating (nothing stored)."""
    r = t.ratings.c
    current = conn.execute(sa.select(r.id, r.value, r.reason).where(
        r.dossier_id == state.id, r.channel == channel, r.current)).first()
    if current is not None and (current.value, current.reason) == (value, reason):
        return False
    if current is not None:
        conn.execute(sa.update(t.ratings).where(r.id == current.id).values(current=False))
    conn.execute(sa.insert(t.ratings).values(office_id=state.office_id, dossier_id=state.id, channel=channel,
                                             value=value, reason=reason, staff=staff,
                                             procedure_code=state.procedure_code, event_id=event_id,
                                             current=True, at=now))
    return True


# --- helpers --------------------------------------------------------------------------------------------------

class _Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def _clock(request: Request) -> datetime:
    return request.app.state.clock.now()


def _client(request: Request) -> str:
    host = request.client.host if request.client else "?"
    return hashlib.sha256(host.encode()).hexdigest()


def _dossier(conn: Connection, token: str) -> tuple[DossierState, dict[str, Any]] | None:
    clean = parse_token(token)
    if clean is None:
        return None
    row = conn.execute(sa.select(t.dossiers.c.state, t.dossiers.c.public).where(t.dossiers.c.token == clean)).first()
    if row is None:
        return None
    return _STATE.validate_json(row.state), json.loads(row.public)


async def _form(request: Request) -> dict[str, str]:
    if int(request.headers.get("content-length") or 0) > MAX_FORM:
        raise _Refused(413, f"Nội dung gửi quá lớn (tối đa {MAX_FORM // 1024} KB).")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM:
            raise _Refused(413, f"Nội dung gửi quá lớn (tối đa {MAX_FORM // 1024} KB).")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise _Refused(400, "Nội dung gửi không hợp lệ.") from None
    return {k: vals[0] for k, vals in fields.items()}


def deadline(now: datetime, days: int) -> datetime:
    """The answer's deadline: `days` working days, counted as a dossier's due date is (domain/calendar)."""
    return WorkCalendar().due_at(now, days)


def _limited(request: Request) -> Response | None:
    limiter = request.app.state.limiter
    wait = limiter.take(_client(request))
    if wait:
        return _error_page(429, "Quá nhiều yêu cầu, vui lòng thử lại sau ít giây.", None)
    return None


def _error_page(status: int, message: str, token: str | None) -> HTMLResponse:
    back = f"<p><a href=\"{rating_path(quote(token))}\">Quay lại</a></p>" if token else ""
    body = (f"<h1>Chưa gửi được</h1><div class=\"card\" id=\"error\" role=\"alert\">{html.escape(message)}</div>{back}")
    return HTMLResponse(_page("Chưa gửi được", body), status_code=status, headers=_NO_STORE)


def _run_sync(fn):  # type: ignore[no-untyped-def]
    from starlette.concurrency import run_in_threadpool

    return run_in_threadpool(fn)


# --- the public page -----------------------------------------------------------------------------------------

_FLASH = {"danh-gia": "Cảm ơn ông/bà đã đánh giá.", "phan-anh": "Đã nhận phản ánh, kiến nghị của ông/bà.",
          "xu-ly": "Cảm ơn ông/bà đã đánh giá việc xử lý phản ánh."}


def _radio(name: str, options: dict[str, str], checked: str | None = None) -> str:
    return "".join(f"<label class=\"opt\"><input type=\"radio\" name=\"{name}\" value=\"{k}\""
                   f"{' checked' if k == checked else ''}> {html.escape(label)}</label>" for k, label in options.items())


def render_voice(token: str, state: DossierState, view: dict[str, Any], rating: Any, complaints: list[Any],
                 flash: str | None) -> str:
    e = html.escape
    tok = quote(token)
    parts = [f"<h1>Đánh giá và phản ánh</h1><div class=\"card\"><dl><dt>Mã hồ sơ</dt><dd id=\"code\">{e(view['code'])}"
             f"</dd><dt>Thủ tục</dt><dd>{e(view['procedure'])}</dd><dt>Trạng thái</dt><dd>{e(view['status_label'])}"
             f"</dd></dl><p><a href=\"/t/{tok}\">Xem tiến độ hồ sơ</a></p></div>"]
    if flash in _FLASH:
        parts.append(f"<div class=\"card ok\" id=\"flash\" role=\"status\">{e(_FLASH[flash])}</div>")
    if state.status == Status.RETURNED:
        now_text = (f"<p id=\"rating\">Ông/bà đã đánh giá: <b>{e(v.RATINGS[rating.value])}</b></p>"
                    if rating is not None else "")
        parts.append(
            f"<div class=\"card\"><h2>Mức độ hài lòng</h2>{now_text}"
            f"<form method=\"post\" action=\"/t/{tok}/danh-gia\">{_radio('value', v.RATINGS, rating.value if rating else None)}"
            f"<label for=\"reason\">Lý do (không bắt buộc)</label><select id=\"reason\" name=\"reason\"><option value=\"\">"
            f"—</option>" + "".join(f"<option value=\"{k}\">{e(label)}</option>" for k, label in v.RATING_REASONS.items())
            + "</select><button type=\"submit\" id=\"rate\">Gửi đánh giá</button></form></div>")
    elif state.status in FINAL_STATUSES or state.voided_at is not None:
        parts.append("<div class=\"card\">Hồ sơ đã kết thúc, không có kết quả để đánh giá.</div>")
    else:
        parts.append("<div class=\"card\">Ông/bà đánh giá mức độ hài lòng sau khi nhận kết quả.</div>")
    for c in complaints:
        answer = (f"<dt>Trả lời</dt><dd class=\"answer\">{e(c.answer)}</dd>" if c.answer else "")
        rate = ""
        if c.answer and not c.handling_rating:
            rate = (f"<form method=\"post\" action=\"/t/{tok}/phan-anh/{quote(c.code)}/danh-gia\">"
                    f"<div>Ông/bà có hài lòng với việc xử lý?</div>{_radio('value', v.RATINGS)}"
                    "<button type=\"submit\">Gửi đánh giá xử lý</button></form>")
        elif c.handling_rating:
            rate = f"<p>Đánh giá việc xử lý: {e(v.RATINGS[c.handling_rating])}</p>"
        parts.append(
            f"<div class=\"card complaint\"><dl><dt>Mã phản ánh</dt><dd>{e(c.code)}</dd><dt>Loại</dt><dd>"
            f"{e(v.COMPLAINT_CATEGORIES[c.category])} — {e(v.COMPLAINT_ABOUT[c.about])}</dd><dt>Nội dung</dt>"
            f"<dd>{e(c.text)}</dd><dt>Tình trạng</dt><dd>{e(v.COMPLAINT_STATES[c.status])}</dd>"
            f"<dt>Hạn trả lời</dt><dd>{e(v.when(c.deadline_at))}</dd>{answer}</dl>{rate}</div>")
    if state.voided_at is None:
        parts.append(
            f"<div class=\"card\"><h2>Gửi phản ánh, kiến nghị</h2><form method=\"post\" action=\"/t/{tok}/phan-anh\">"
            f"{_radio('category', v.COMPLAINT_CATEGORIES, 'complaint')}<label for=\"about\">Về</label>"
            "<select id=\"about\" name=\"about\">"
            + "".join(f"<option value=\"{k}\">{e(label)}</option>" for k, label in v.COMPLAINT_ABOUT.items())
            + f"</select><label for=\"text\">Nội dung (tối đa {v.MAX_COMPLAINT} ký tự)</label>"
            f"<textarea id=\"text\" name=\"text\" rows=\"5\" maxlength=\"{v.MAX_COMPLAINT}\"></textarea>"
            "<button type=\"submit\" id=\"send\">Gửi phản ánh</button></form></div>")
    return _page(f"Đánh giá hồ sơ {view['code']}", "".join(parts))


def _complaints_of(conn: Connection, dossier_id: str) -> list[Any]:
    c = t.complaints.c
    return list(conn.execute(sa.select(t.complaints).where(c.dossier_id == dossier_id).order_by(c.id)).all())


def _current_rating(conn: Connection, dossier_id: str) -> Any:
    r = t.ratings.c
    return conn.execute(sa.select(r.value, r.reason).where(r.dossier_id == dossier_id, r.channel == "web",
                                                           r.current)).first()


@router.get(f"/t/{{token}}/{RATING_PAGE}", response_class=HTMLResponse, include_in_schema=False)
async def voice_page(token: str, request: Request, ok: str | None = None) -> Response:
    limited = _limited(request)
    if limited:
        return limited
    engine = request.app.state.engine

    def read() -> str | None:
        with engine.connect() as conn:
            found = _dossier(conn, token)
            if found is None:
                return None
            state, view = found
            return render_voice(token, state, view, _current_rating(conn, state.id), _complaints_of(conn, state.id), ok)

    page = await _run_sync(read)
    if page is None:
        return _error_page(404, "Không tìm thấy hồ sơ với mã tra cứu này.", None)
    return HTMLResponse(page, headers=_NO_STORE)


def _post(fn):  # type: ignore[no-untyped-def]
    """A public form's handler: the rate limit, the form read with its size limit, then `fn(conn, state,
    form, request, now)` in one write transaction; a refusal is a Vietnamese page with its 4xx."""

    async def handler(request: Request) -> Response:
        token, code = request.path_params["token"], request.path_params.get("code")
        limited = _limited(request)
        if limited:
            return limited
        try:
            form = await _form(request)
        except _Refused as exc:
            return _error_page(exc.status, exc.message, token)
        engine = request.app.state.engine.execution_options(immediate=True)
        now = _clock(request)

        def work() -> str:
            with engine.begin() as conn:
                found = _dossier(conn, token)
                if found is None:
                    raise _Refused(404, "Không tìm thấy hồ sơ với mã tra cứu này.")
                return fn(conn, found[0], form, request, now, code)

        try:
            flash = await _run_sync(work)
        except _Refused as exc:
            return _error_page(exc.status, exc.message, token)
        except v.VoiceError as exc:
            return _error_page(422, exc.message, token)
        return RedirectResponse(f"{rating_path(quote(token))}?ok={flash}", status_code=303, headers=_NO_STORE)

    return handler


def _rate(conn: Connection, state: DossierState, form: dict[str, str], _request: Request, now: datetime,
          _code: str | None) -> str:
    value, reason = v.check_rating(form.get("value"), form.get("reason"))
    if state.voided_at is not None:
        raise _Refused(409, "Hồ sơ đã bị hủy: không nhận đánh giá qua hồ sơ này.")
    if state.status in FINAL_STATUSES and state.status != Status.RETURNED:
        raise _Refused(409, f"Hồ sơ đã kết thúc ({STATUS_LABELS[state.status].lower()}), không có kết quả để "
                            "đánh giá; ông/bà có thể gửi phản ánh, kiến nghị.")
    if state.status != Status.RETURNED:
        raise _Refused(409, "Hồ sơ chưa trả kết quả: ông/bà đánh giá sau khi nhận kết quả.")
    r = t.ratings.c
    changes = conn.execute(sa.select(sa.func.count()).select_from(t.ratings)
                           .where(r.dossier_id == state.id, r.channel == "web")).scalar_one()
    if changes >= RATING_CHANGES:
        raise _Refused(429, "Hồ sơ này đã được đánh giá lại quá nhiều lần.")
    if not record_rating(conn, state, "web", value, reason, now, staff=_returned_by(conn, state.id)):
        raise _Refused(409, "Đánh giá này đã được ghi nhận trước đó.")
    return "danh-gia"


def _complain(conn: Connection, state: DossierState, form: dict[str, str], request: Request, now: datetime,
              _code: str | None) -> str:
    category, about = form.get("category"), form.get("about")
    if category not in v.COMPLAINT_CATEGORIES:
        raise v.VoiceError("Vui lòng chọn loại: phản ánh hoặc kiến nghị.")
    if about not in v.COMPLAINT_ABOUT:
        raise v.VoiceError("Vui lòng chọn nội dung phản ánh về hồ sơ, thủ tục hay cán bộ.")
    text = v.clean_public_text(form.get("text"), field="nội dung", limit=v.MAX_COMPLAINT, minimum=v.MIN_COMPLAINT)
    if state.voided_at is not None:
        raise _Refused(409, "Hồ sơ đã bị hủy: không nhận phản ánh qua hồ sơ này.")
    c = t.complaints.c
    client = _client(request)
    digest = hashlib.sha256(" ".join(text.split()).lower().encode()).hexdigest()
    if conn.execute(sa.select(c.id).where(c.dossier_id == state.id, c.text_hash == digest)).first() is not None:
        raise _Refused(409, "Phản ánh này đã được gửi trước đó; không gửi lại.")
    recent = conn.execute(sa.select(sa.func.count()).select_from(t.complaints)
                          .where(c.client == client, c.created_at > now - timedelta(hours=1))).scalar_one()
    today = conn.execute(sa.select(sa.func.count()).select_from(t.complaints)
                         .where(c.dossier_id == state.id, c.created_at > now - timedelta(days=1))).scalar_one()
    if recent >= COMPLAINTS_PER_CLIENT_HOUR or today >= COMPLAINTS_PER_DOSSIER_DAY:
        raise _Refused(429, "Ông/bà đã gửi nhiều phản ánh trong thời gian ngắn; vui lòng thử lại sau.")
    local = now.astimezone(VN_TZ)
    n = conn.execute(sa.select(sa.func.count()).select_from(t.complaints)
                     .where(c.office_id == state.office_id, c.code.like(v.complaint_code(state.office_id, local, 0)[:-3] + "%"))
                     ).scalar_one() + 1
    conn.execute(sa.insert(t.complaints).values(
        code=v.complaint_code(state.office_id, local, n), office_id=state.office_id, dossier_id=state.id,
        category=category, about=about, text=text, text_hash=digest, client=client, status="open",
        deadline_at=deadline(now, request.app.state.complaint_days).astimezone(UTC), created_at=now))
    return "phan-anh"


def _rate_handling(conn: Connection, state: DossierState, form: dict[str, str], _request: Request, now: datetime,
                   code: str | None) -> str:
    value, _ = v.check_rating(form.get("value"))
    c = t.complaints.c
    row = conn.execute(sa.select(c.id, c.answer, c.handling_rating).where(c.code == code, c.dossier_id == state.id)).first()
    if row is None:
        raise _Refused(404, "Không tìm thấy phản ánh này.")
    if not row.answer:
        raise _Refused(409, "Phản ánh chưa được trả lời: ông/bà đánh giá sau khi nhận trả lời.")
    if row.handling_rating:
        raise _Refused(409, "Ông/bà đã đánh giá việc xử lý phản ánh này.")
    conn.execute(sa.update(t.complaints).where(c.id == row.id).values(handling_rating=value, handling_rated_at=now))
    return "xu-ly"


router.add_api_route("/t/{token}/danh-gia", _post(_rate), methods=["POST"], include_in_schema=False)
router.add_api_route("/t/{token}/phan-anh", _post(_complain), methods=["POST"], include_in_schema=False)
router.add_api_route("/t/{token}/phan-anh/{code}/danh-gia", _post(_rate_handling), methods=["POST"],
                     include_in_schema=False)


def voice_link(page: str, token: str) -> str:
    """The tracking page with a card linking to the rating and complaint page."""
    link = (f"<div class=\"card\"><a href=\"{rating_path(quote(token))}\" id=\"voice\">Đánh giá sự hài lòng, "
            "gửi phản ánh, kiến nghị</a></div><footer>")
    return page.replace("<footer>", link, 1)


# --- the station API -----------------------------------------------------------------------------------------

def _json_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


def _auth(request: Request, conn: Connection) -> Any:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    info = lookup(conn, token) if scheme.lower() == "bearer" and token.strip() else None
    if info is None:
        raise _Refused(401, "Mã truy cập sai hoặc đã bị thu hồi.")
    return info


def _supervisor(conn: Connection, office_id: str, username: Any) -> str:
    from counter.domain.permissions import Action, Role, can

    u = t.users.c
    name = username.strip().lower() if isinstance(username, str) else ""
    row = conn.execute(sa.select(u.role, u.locked).where(u.office_id == office_id, u.username == name)).first()
    if row is None or row.locked or not can(Role(row.role), Action.VIEW_QUEUE):
        raise _Refused(403, "Chỉ lãnh đạo / giám sát của cơ quan được xử lý phản ánh, kiến nghị.")
    return name


def _api(fn):  # type: ignore[no-untyped-def]
    async def handler(request: Request) -> Response:
        kw = {k: val for k, val in request.path_params.items()}
        body: Any = None
        if request.method == "POST":
            raw = await request.body()
            if len(raw) > 64 * 1024:
                return _json_error(413, "Thân yêu cầu quá lớn.")
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return _json_error(422, "Thân yêu cầu không phải JSON hợp lệ.")
            if not isinstance(body, dict):
                return _json_error(422, "Thân yêu cầu phải là một đối tượng JSON.")
        engine = request.app.state.engine.execution_options(immediate=True)
        now = _clock(request)

        def work() -> Any:
            with engine.begin() as conn:
                auth = _auth(request, conn)
                return fn(conn, auth, request, body, now, **kw)

        try:
            out = await _run_sync(work)
        except _Refused as exc:
            return _json_error(exc.status, exc.message)
        except v.VoiceError as exc:
            return _json_error(422, exc.message)
        return JSONResponse(out, headers={"Cache-Control": "no-store"})

    return handler


def _iso(dt: datetime | None) -> str | None:
    return v.aware(dt).isoformat() if dt is not None else None


def complaint_wire(r: Any) -> dict[str, Any]:
    return {"code": r.code, "dossier_id": r.dossier_id, "category": r.category, "about": r.about, "text": r.text,
            "status": r.status, "owner": r.owner, "deadline_at": _iso(r.deadline_at),
            "answer": r.answer, "answered_by": r.answered_by,
            "answered_at": _iso(r.answered_at), "closed_at": _iso(r.closed_at),
            "handling_rating": r.handling_rating, "created_at": _iso(r.created_at),
            "dossier_code": getattr(r, "dossier_code", None)}


def _list_complaints(conn: Connection, auth: Any, request: Request, _body: Any, _now: datetime) -> dict[str, Any]:
    c = t.complaints.c
    status = request.query_params.get("status") or ""
    stmt = (sa.select(t.complaints, t.dossiers.c.code.label("dossier_code"))
            .join(t.dossiers, t.dossiers.c.id == c.dossier_id).where(c.office_id == auth.office_id))
    if status == "open":
        stmt = stmt.where(c.status.in_(("open", "assigned", "answered")))
    elif status:
        stmt = stmt.where(c.status == status)
    rows = conn.execute(stmt.order_by(c.deadline_at, c.id).limit(500)).all()
    return {"complaints": [complaint_wire(r) for r in rows]}


def _act(conn: Connection, auth: Any, _request: Request, body: dict[str, Any], now: datetime, code: str) -> dict[str, Any]:
    who = _supervisor(conn, auth.office_id, body.get("by"))
    c = t.complaints.c
    row = conn.execute(sa.select(t.complaints).where(c.code == code, c.office_id == auth.office_id)).first()
    if row is None:
        raise _Refused(404, f"Không có phản ánh {code[:80]}.")
    action = body.get("action")
    if row.status == "closed":
        raise _Refused(409, f"Phản ánh {row.code} đã kết thúc.")
    if action == "assign":
        owner = body.get("owner")
        u = t.users.c
        if not isinstance(owner, str) or conn.execute(sa.select(u.id).where(
                u.office_id == auth.office_id, u.username == owner.strip().lower())).first() is None:
            raise _Refused(422, "Người được giao không có trong danh sách người dùng của cơ quan.")
        values: dict[str, Any] = {"owner": owner.strip().lower(), "status": "assigned" if row.status == "open" else row.status}
    elif action == "answer":
        text = v.clean_public_text(body.get("answer"), field="nội dung trả lời", limit=v.MAX_ANSWER, minimum=5)
        values = {"answer": text, "answered_by": who, "answered_at": now, "status": "answered",
                  "owner": row.owner or who}
    elif action == "close":
        if not row.answer:
            raise _Refused(409, "Phản ánh chưa được trả lời: trả lời trước khi kết thúc.")
        values = {"status": "closed", "closed_at": now}
    else:
        raise _Refused(422, "Thao tác phải là assign, answer hoặc close.")
    conn.execute(sa.update(t.complaints).where(c.id == row.id).values(**values))
    out = conn.execute(sa.select(t.complaints, t.dossiers.c.code.label("dossier_code"))
                       .join(t.dossiers, t.dossiers.c.id == c.dossier_id).where(c.id == row.id)).one()
    return complaint_wire(out)


def _period(request: Request) -> tuple[datetime, datetime]:
    def parse(name: str, default: datetime) -> datetime:
        raw = request.query_params.get(name)
        if not raw:
            return default
        try:
            d = date.fromisoformat(raw)
        except ValueError:
            raise _Refused(422, f"Ngày “{raw[:20]}” không hợp lệ (YYYY-MM-DD).") from None
        return datetime.combine(d, time(0), VN_TZ)

    start = parse("from", datetime(2000, 1, 1, tzinfo=VN_TZ))
    end = parse("to", datetime(2999, 1, 1, tzinfo=VN_TZ))
    return start, end + timedelta(days=1) if request.query_params.get("to") else end


def rating_rows(conn: Connection, office_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Current ratings in [start, end) by (staff, procedure, channel): counts per answer."""
    r = t.ratings.c
    rows = conn.execute(sa.select(r.staff, r.procedure_code, r.channel, r.value, sa.func.count().label("n"))
                        .where(r.office_id == office_id, r.current, r.at >= start, r.at < end)
                        .group_by(r.staff, r.procedure_code, r.channel, r.value)).all()
    return [{"staff": x.staff, "procedure_code": x.procedure_code, "channel": x.channel, "value": x.value, "n": x.n}
            for x in rows]


def _ratings(conn: Connection, auth: Any, request: Request, _body: Any, _now: datetime) -> dict[str, Any]:
    start, end = _period(request)
    return {"ratings": rating_rows(conn, auth.office_id, start, end)}


def _notices(conn: Connection, auth: Any, _request: Request, _body: Any, _now: datetime, dossier_id: str) -> dict[str, Any]:
    office = conn.execute(sa.select(t.dossiers.c.office_id).where(t.dossiers.c.id == dossier_id)).scalar()
    if office != auth.office_id:
        raise _Refused(404, "Không có hồ sơ này trên máy chủ.")
    return {"notices": notify.history(conn, dossier_id)}


def scorecard_days(conn: Connection, office_id: str, start: datetime, end: datetime,
                   now: datetime) -> dict[str, dict[str, tuple[int, int]]]:
    """766 criteria 5.2, 5.3, 5.4 (domain.md's numbering) per local day: {"2026-11-23": {"5.2": (n, d), …}}.
    A complaint counts on the day of its deadline, a rating on the day it was given (current ratings only);
    each figure is a count, so a period's figures are the sums of its days (the stations add them up)."""
    r, c = t.ratings.c, t.complaints.c
    ratings: dict[str, list[str]] = {}
    for at, value in conn.execute(sa.select(r.at, r.value).where(r.office_id == office_id, r.current,
                                                                   r.at >= start, r.at < end)).all():
        ratings.setdefault(local_date(v.aware(at)).isoformat(), []).append(value)
    complaints: dict[str, list[Any]] = {}
    for x in conn.execute(sa.select(c.deadline_at, c.answered_at, c.handling_rating)
                          .where(c.office_id == office_id, c.deadline_at >= start, c.deadline_at < end)).all():
        complaints.setdefault(local_date(v.aware(x.deadline_at)).isoformat(), []).append(x)
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for day in sorted(set(ratings) | set(complaints)):
        rows = complaints.get(day, [])
        out[day] = {"5.2": v.ratio_on_time([(x.deadline_at, x.answered_at) for x in rows], now),
                    "5.3": v.ratio_handling_satisfied([x.handling_rating for x in rows]),
                    "5.4": v.ratio_satisfied(ratings.get(day, []))}
    return out


def scorecard(conn: Connection, office_id: str, start: datetime, end: datetime, now: datetime) -> dict[str, tuple[int, int]]:
    """766 criteria 5.2 (complaints answered on time), 5.3 (satisfied with their handling), 5.4 (satisfied
    ratings of dossiers) as (numerator, denominator) over [start, end): the sums of `scorecard_days`."""
    return v.sum_days(scorecard_days(conn, office_id, start, end, now).values())


def _scorecard(conn: Connection, auth: Any, request: Request, _body: Any, now: datetime) -> dict[str, Any]:
    """The period's totals; with `by=day` the figures per local day and when they were computed (what the
    stations fetch at each sync: services.voice.pull_scorecard)."""
    start, end = _period(request)
    if request.query_params.get("by") == "day":
        days = scorecard_days(conn, auth.office_id, start, end, now)
        return {"computed_at": now.astimezone(UTC).isoformat(), "office_id": auth.office_id,
                "from": local_date(start).isoformat(),
                "days": {d: {k: list(x) for k, x in f.items()} for d, f in days.items()}}
    return {k: list(x) for k, x in scorecard(conn, auth.office_id, start, end, now).items()}


router.add_api_route("/api/v1/voice/complaints", _api(_list_complaints), methods=["GET"], include_in_schema=False)
router.add_api_route("/api/v1/voice/complaints/{code}", _api(_act), methods=["POST"], include_in_schema=False)
router.add_api_route("/api/v1/voice/ratings", _api(_ratings), methods=["GET"], include_in_schema=False)
router.add_api_route("/api/v1/voice/notices/{dossier_id}", _api(_notices), methods=["GET"], include_in_schema=False)
router.add_api_route("/api/v1/voice/scorecard", _api(_scorecard), methods=["GET"], include_in_schema=False)
