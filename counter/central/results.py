"""Public pages of issue 20 on the central server: the electronic result's download and the signature check.

- `/t/{token}/ket-qua`: the owner downloads the signed result after a second check, the last 4 digits of the
  ID number or of the phone the dossier was received with (the tracking token alone shows only the progress).
  Wrong answers are limited per dossier (5 an hour per process) on top of the per-client limit of the pages.
- `/kiem-tra-chu-ky`: anyone uploads a PDF and reads, in Vietnamese, whether its signatures are intact, who
  signed, when, and whether the certificate chains to a trusted root ([signing] trust_roots of the server).

Included from app.py with `app.include_router(results.router)`.
"""

from __future__ import annotations

import html
import json
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any
from urllib.parse import parse_qs, quote

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from counter.central import tables as t
from counter.central.track import CSP, NOT_FOUND_HTML, TOO_MANY_HTML, RateLimiter, _page
from counter.domain.calendar import format_vn
from counter.domain.codes import parse_token

router = APIRouter(include_in_schema=False)
_NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
#: these pages post a form to themselves (the tracking page's policy allows no form at all)
FORM_CSP = CSP.replace("form-action 'none'", "form-action 'self'")
MAX_UPLOAD = 30 * 1024 * 1024
_wrong = RateLimiter(rate=5 / 3600, burst=5)  # wrong second checks per dossier token


def _headers() -> dict[str, str]:
    return {**_NO_STORE, "Content-Security-Policy": FORM_CSP}


def _limited(request: Request) -> Response | None:
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is None:
        return None
    wait = limiter.take(request.client.host if request.client else "?")
    if wait:
        return HTMLResponse(TOO_MANY_HTML, status_code=429, headers={"Retry-After": limiter.retry_after(wait)})
    return None


def _dossier(request: Request, token: str) -> tuple[Any, list[dict[str, Any]]] | None:
    """(the dossier's state JSON, its results [{name, sha256, at, signed_by}] oldest first), or None."""
    token = parse_token(token)  # type: ignore[assignment]
    if token is None:
        return None
    engine = request.app.state.engine
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.dossiers.c.id, t.dossiers.c.state).where(t.dossiers.c.token == token)).first()
        if row is None:
            return None
        wires = conn.execute(sa.select(t.events.c.wire).where(
            t.events.c.dossier_id == row.id, t.events.c.kind == "result_issued",
            t.events.c.status == "accepted").order_by(t.events.c.office_seq)).scalars().all()
    results = []
    for w in wires:
        e = json.loads(w)
        p = e.get("payload") or {}
        for sha in p.get("blobs") or []:
            results.append({"name": p.get("name", "Kết quả"), "sha256": sha, "at": e.get("at"),
                            "signed_by": p.get("signed_by", "")})
    return json.loads(row.state), results


def _form(token: str, results: list[dict[str, Any]], error: str = "") -> str:
    e = html.escape
    if not results:
        body = ("<h1>Kết quả điện tử</h1><div class=\"card\">Hồ sơ chưa có kết quả điện tử. Vui lòng theo dõi "
                f"tiến độ tại <a href=\"/t/{e(token)}\">trang tra cứu</a>.</div>")
        return _page("Kết quả điện tử", body)
    from datetime import datetime

    options = "".join(
        f"<p><label><input type=\"radio\" name=\"kq\" value=\"{i}\"{' checked' if i == len(results) - 1 else ''}> "
        f"{e(r['name'])}" + (f" — ký ngày {e(format_vn(datetime.fromisoformat(r['at'])))}" if r.get("at") else "")
        + "</label></p>" for i, r in enumerate(results))
    err = f"<p id=\"error\"><strong>{e(error)}</strong></p>" if error else ""
    body = ("<h1>Tải kết quả điện tử</h1>"
            f"<form class=\"card\" method=\"post\" action=\"/t/{e(token)}/ket-qua\">{options}"
            "<p><label for=\"so\">Để bảo vệ thông tin, nhập 4 số cuối của số định danh cá nhân (CCCD) hoặc số điện "
            "thoại đã đăng ký khi nộp hồ sơ:</label></p>"
            "<p><input id=\"so\" name=\"so_cuoi\" inputmode=\"numeric\" pattern=\"[0-9]{4}\" maxlength=\"4\" "
            "autocomplete=\"off\" required></p>"
            f"{err}<p><button id=\"tai\" type=\"submit\">Tải kết quả (PDF có chữ ký số)</button></p></form>"
            f"<footer><a href=\"/t/{e(token)}\">Quay lại trang tra cứu</a> · "
            "<a href=\"/kiem-tra-chu-ky\">Kiểm tra chữ ký số của tệp</a></footer>")
    return _page("Tải kết quả điện tử", body)


def second_check(state: dict[str, Any], digits: str) -> bool:
    """The last 4 digits of the owner's ID number or phone (the submitter's too: they were at the counter)."""
    digits = "".join(ch for ch in digits if ch.isdigit())
    if len(digits) != 4:
        return False
    known = [state.get(k) or "" for k in ("owner_id_number", "owner_phone", "submitter_id_number", "submitter_phone")]
    return any(len(v) >= 4 and "".join(ch for ch in v if ch.isdigit())[-4:] == digits for v in known)


@router.get("/t/{token}/ket-qua", response_class=HTMLResponse)
def result_page(token: str, request: Request) -> Response:
    if (limited := _limited(request)) is not None:
        return limited
    found = _dossier(request, token)
    if found is None:
        return HTMLResponse(NOT_FOUND_HTML, status_code=404, headers=_NO_STORE)
    return HTMLResponse(_form(token.upper(), found[1]), headers=_headers())


@router.post("/t/{token}/ket-qua")
async def result_download(token: str, request: Request) -> Response:
    if (limited := _limited(request)) is not None:
        return limited
    raw = await request.body()
    fields = parse_qs(raw[:4096].decode("utf-8", "replace"))
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(lambda: _download(request, token, fields))


def _download(request: Request, token: str, fields: dict[str, list[str]]) -> Response:
    found = _dossier(request, token)
    if found is None:
        return HTMLResponse(NOT_FOUND_HTML, status_code=404, headers=_NO_STORE)
    state, results = found
    token = token.upper()
    if not results:
        return HTMLResponse(_form(token, results), headers=_headers())
    try:
        index = int((fields.get("kq") or [str(len(results) - 1)])[0])
        chosen = results[index]
    except (ValueError, IndexError):
        return HTMLResponse(_form(token, results, "Kết quả đã chọn không có."), status_code=400, headers=_headers())
    digits = (fields.get("so_cuoi") or [""])[0]
    if not second_check(state, digits):
        wait = _wrong.take(token)
        if wait:
            return HTMLResponse(_form(token, results, "Đã nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút "
                                                      "hoặc liên hệ bộ phận một cửa."), status_code=429,
                                headers={**_headers(), "Retry-After": RateLimiter.retry_after(wait)})
        return HTMLResponse(_form(token, results, "4 số cuối không đúng với số định danh (CCCD) hoặc số điện thoại "
                                                  "đã đăng ký. Vui lòng kiểm tra lại."), status_code=403,
                            headers=_headers())
    data = request.app.state.blobs.read(chosen["sha256"])  # the blob store (central/blobs.py), whichever it is
    if data is None:
        return HTMLResponse(_page("Chưa có tệp", "<h1>Chưa có tệp kết quả</h1><div class=\"card\">Tệp kết quả "
                                  "đang được đồng bộ lên máy chủ. Vui lòng thử lại sau.</div>"), status_code=404,
                            headers=_NO_STORE)
    name = f"ket-qua-{state.get('code', 'ho-so')}.pdf"
    return Response(bytes(data), media_type="application/pdf", headers={
        **_NO_STORE, "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"})


# ---- the signature check ----------------------------------------------------------------------------------

def _roots(request: Request) -> list[Any]:
    roots = getattr(request.app.state, "trust_roots", None)
    if roots is None:
        from counter.settings import Settings
        from counter.signing.verify import load_roots

        try:
            roots = load_roots(Settings.load().signing.trust_roots)
        except (OSError, ValueError):
            roots = []
        request.app.state.trust_roots = roots
    return roots


_UPLOAD_FORM = ("<form class=\"card\" method=\"post\" action=\"/kiem-tra-chu-ky\" enctype=\"multipart/form-data\">"
                "<p><label for=\"tep\">Chọn tệp PDF có chữ ký số (kết quả, giấy tờ đã chứng thực, biểu mẫu):</label></p>"
                "<p><input id=\"tep\" type=\"file\" name=\"tep\" accept=\"application/pdf\" required></p>"
                "<p><button id=\"kiemtra\" type=\"submit\">Kiểm tra</button></p></form>")


@router.get("/kiem-tra-chu-ky", response_class=HTMLResponse)
def verify_page(request: Request) -> Response:
    if (limited := _limited(request)) is not None:
        return limited
    return HTMLResponse(_page("Kiểm tra chữ ký số", "<h1>Kiểm tra chữ ký số</h1>" + _UPLOAD_FORM), headers=_headers())


def _uploaded(content_type: str, body: bytes) -> tuple[str, bytes] | None:
    """(file name, bytes) of the form's file field, parsed with the standard library's MIME parser."""
    if not content_type.startswith("multipart/form-data"):
        return None
    msg = BytesParser(policy=email_policy).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    for part in msg.iter_parts():
        if part.get_param("name", header="content-disposition") == "tep":
            data = part.get_payload(decode=True)
            return part.get_filename() or "tệp.pdf", data if isinstance(data, bytes) else b""
    return None


@router.post("/kiem-tra-chu-ky", response_class=HTMLResponse)
async def verify_upload(request: Request) -> Response:
    if (limited := _limited(request)) is not None:
        return limited
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_UPLOAD:
        return HTMLResponse(_page("Tệp quá lớn", "<h1>Tệp quá lớn</h1><div class=\"card\">Chỉ kiểm tra tệp đến 30 MB."
                                  "</div>" + _UPLOAD_FORM), status_code=413, headers=_headers())
    body = await request.body()
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(lambda: _verify(request, body))


def _verify(request: Request, body: bytes) -> Response:
    from counter.signing import verify_pdf

    e = html.escape
    got = _uploaded(request.headers.get("content-type", ""), body[:MAX_UPLOAD])
    if got is None or not got[1]:
        return HTMLResponse(_page("Kiểm tra chữ ký số", "<h1>Kiểm tra chữ ký số</h1><div class=\"card\">Chưa chọn "
                                  "tệp PDF.</div>" + _UPLOAD_FORM), status_code=400, headers=_headers())
    name, data = got
    report = verify_pdf(data, _roots(request), name)
    lines = report.lines()
    verdict = "Hợp lệ" if report.ok else "Không hợp lệ hoặc chưa được tin cậy"
    items = "".join(f"<li>{e(line.strip())}</li>" for line in lines[1:-1]) if report.signatures else ""
    body_html = (f"<h1>Kiểm tra chữ ký số</h1><div class=\"card\"><div class=\"st{' done' if report.ok else ''}\" "
                 f"id=\"verdict\">{e(verdict)}</div><p>{e(lines[0])}</p><ul id=\"report\">{items}</ul>"
                 f"<p>{e(lines[-1]) if report.signatures else ''}</p></div>" + _UPLOAD_FORM)
    return HTMLResponse(_page("Kiểm tra chữ ký số", body_html), headers=_headers())
