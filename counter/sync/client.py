"""HTTP adapter for the central server's API (notes/sync-api.md): one method per endpoint.

Only a 2xx answer with valid JSON of the expected shape counts as an answer; everything else raises
`SyncUnavailable` (retry later, maybe after `retry_after` seconds) or `SyncAuthError` (401/403: the token
is wrong, revoked or bound to another station; the outbox is kept and the loop keeps trying). No storage
here: counter.services.sync turns rows into wire events and back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import ValidationError as PydanticError

from counter.domain import contracts

log = logging.getLogger("counter.sync")

#: connect quickly (the server is usually on the office LAN or the province's network), read patiently
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class SyncError(Exception):
    """Any failed exchange with the central server; `message` is Vietnamese, for the footer and the CLI."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class SyncUnavailable(SyncError):
    """Network down, timeout, 5xx, 429, a non-JSON or malformed answer: try again later."""


class SyncAuthError(SyncError):
    """401/403: the station's token is missing, wrong, revoked or bound to another station."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)  # only to turn an HTTP date into a delay
    return max(0.0, (when - now).total_seconds())


#: one event's outcome, as declared (contracts.PushResult: accepted | duplicate | rejected | retry)
PushResult = contracts.PushResult


@dataclass(frozen=True)
class PullPage:
    events: list[dict[str, Any]]
    cursor: str
    has_more: bool


@dataclass(frozen=True)
class StationInfo:
    office_id: str
    station_number: int
    station_id: str | None  # the machine the token is bound to (None before its first push)
    last_seq: int  # the last station_seq the server settled for that machine
    last_hash: str
    free: list[int]  # the office's station numbers no other live token holds
    clash: str | None  # why this number is not free (another machine syncs under it), else None


class SyncClient:
    """A station's client for one server URL and token. `transport` lets tests run the server in-process."""

    def __init__(self, url: str, token: str, transport: httpx.BaseTransport | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT):
        self.url = url.rstrip("/")
        self.server_time: str | None = None  # the server's clock in its last push answer
        self.max_batch: int | None = None  # the most events the server said it takes in one push
        self.outbox_depth: int | None = None  # reported to the server with each pull (its metrics)
        self._caught_up: str | None = None  # the cursor of the last page that had nothing more (its ETag)
        self._http = httpx.Client(base_url=self.url, transport=transport, timeout=timeout,
                                  headers={"Authorization": f"Bearer {token}"}, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- one exchange --------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kw: Any) -> tuple[int, Any]:
        try:
            response = self._http.request(method, path, **kw)
            body = response.read()
        except httpx.TimeoutException:
            raise SyncUnavailable("Máy chủ không trả lời kịp") from None
        except httpx.HTTPError as exc:
            log.info("sync: %s %s: %r", method, path, exc)
            raise SyncUnavailable("Không kết nối được máy chủ") from None
        status = response.status_code
        if status in (401, 403):
            raise SyncAuthError(f"Máy chủ từ chối mã truy cập của quầy ({status}): {_detail(body)}")
        if status in (429, 503) or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            what = "đang quá tải" if status == 429 else "tạm thời lỗi"
            raise SyncUnavailable(f"Máy chủ {what} ({status})", retry_after=retry_after)
        if status not in ok:
            raise SyncUnavailable(f"Máy chủ trả lời không như mong đợi ({status}): {_detail(body)}")
        if status == 304:
            return status, None
        try:
            data = json.loads(body)
        except ValueError:
            raise SyncUnavailable(f"Máy chủ trả lời không phải JSON hợp lệ ({status})") from None
        return status, data

    # ---- endpoints -----------------------------------------------------------------------------------------

    def health(self) -> bool:
        try:
            return self._http.get("/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    def missing_blobs(self, hashes: list[str]) -> list[str]:
        _, data = self._request("POST", "/api/v1/blobs/missing", json={"hashes": hashes})
        try:
            return contracts.MissingBlobsResponse.model_validate(data).missing
        except PydanticError:
            raise SyncUnavailable("Máy chủ trả lời thiếu danh sách tệp còn thiếu") from None

    def put_blob(self, sha256: str, data: bytes, mime: str = "application/octet-stream") -> bool:
        """Upload one file. True when stored (or already there); False when the server found its SHA-256
        different from the name (422: the local file is damaged; nothing stored)."""
        status, _ = self._request("PUT", f"/api/v1/blobs/{sha256}", ok=(200, 201, 422), content=data,
                                  headers={"Content-Type": mime})
        return status != 422

    def assist_ticket(self) -> str:
        """The server's ticket for its /nop pages in assisted mode ("hỗ trợ nộp trực tuyến", issue 15)."""
        _, data = self._request("POST", "/api/v1/online/assist")
        ticket = data.get("ticket") if isinstance(data, dict) else None
        if not isinstance(ticket, str) or not ticket:
            raise SyncUnavailable("Máy chủ trả lời thiếu vé hỗ trợ nộp trực tuyến")
        return ticket

    def get_blob(self, sha256: str) -> bytes | None:
        """One file of the office (GET /api/v1/blobs/{sha256}), or None when the server has no such file for this
        office (404). A 307 to the object store's presigned URL is followed without the station's token. The
        bytes are not checked here: the caller (services.remote_blobs.ensure_blob) checks them."""
        try:
            response = self._http.get(f"/api/v1/blobs/{sha256}")
            if response.status_code in (302, 303, 307) and response.headers.get("location"):
                response = httpx.get(response.headers["location"], timeout=self._http.timeout)
        except httpx.TimeoutException:
            raise SyncUnavailable("Máy chủ không trả lời kịp") from None
        except httpx.HTTPError as exc:
            log.info("sync: GET blob %s: %r", sha256[:12], exc)
            raise SyncUnavailable("Không kết nối được máy chủ") from None
        status = response.status_code
        if status == 404:
            return None
        if status in (401, 403):
            raise SyncAuthError(f"Máy chủ từ chối mã truy cập của quầy ({status}): {_detail(response.content)}")
        if status != 200:
            raise SyncUnavailable(f"Máy chủ không trả được tệp ({status})",
                                  retry_after=parse_retry_after(response.headers.get("Retry-After")))
        return response.content

    def push(self, station_id: str, office: dict[str, Any], events: list[dict[str, Any]]) -> list[PushResult]:
        return self.push_encoded(station_id, office, [e["id"] for e in events], [_json(e) for e in events])

    def push_encoded(self, station_id: str, office: dict[str, Any], ids: list[str],
                     texts: list[str]) -> list[PushResult]:
        """`push` of wire events already written as JSON texts (the station splices each stored payload's text
        in instead of parsing it and encoding it again); `ids[i]` is the id of `texts[i]`."""
        body = (f'{{"station_id":{_json(station_id)},"office":{_json(office)},"events":[{",".join(texts)}]}}'
                .encode())
        _, data = self._request("POST", "/api/v1/events", content=body,
                                headers={"Content-Type": "application/json"})
        try:
            answer = contracts.PUSH_RESPONSE.validate_python(data)
        except PydanticError as exc:
            missing = any(e["type"] in ("missing", "model_type", "list_type") and e["loc"][:1] in ((), ("results",))
                          for e in exc.errors(include_url=False))
            if missing:
                raise SyncUnavailable("Máy chủ trả lời thiếu kết quả từng sự kiện") from None
            raise SyncUnavailable("Máy chủ trả lời kết quả không khớp với lô đã gửi") from None
        self.server_time = answer.server_time
        self.max_batch = answer.max_batch
        sent = set(ids)
        if any(r.id not in sent for r in answer.results):
            raise SyncUnavailable("Máy chủ trả lời kết quả không khớp với lô đã gửi")
        return answer.results

    def station(self) -> StationInfo:
        """What the server knows of this token's station (GET /api/v1/station)."""
        _, data = self._request("GET", "/api/v1/station")
        try:
            return StationInfo(str(data["office_id"]), int(data["station_number"]), data.get("station_id"),
                               int(data["last_seq"]), str(data["last_hash"]), [int(n) for n in data["free"]],
                               data.get("clash"))
        except (KeyError, TypeError, ValueError):
            raise SyncUnavailable("Máy chủ trả lời thông tin quầy không đúng dạng") from None

    def bind(self, station_id: str) -> str | None:
        """Bind the token to this station now (POST /api/v1/station/bind); the server's refusal, or None."""
        status, data = self._request("POST", "/api/v1/station/bind", ok=(200, 409), json={"station_id": station_id})
        if status == 409:
            return str(data.get("detail")) if isinstance(data, dict) else "Máy chủ từ chối gắn mã truy cập"
        return None

    def station_events(self, after_seq: int, limit: int = 500) -> PullPage:
        """This station's own accepted events after `after_seq` (GET /api/v1/station/events); `cursor` is empty."""
        _, data = self._request("GET", "/api/v1/station/events", params={"after_seq": after_seq, "limit": limit})
        try:
            page = PullPage(list(data["events"]), "", bool(data["has_more"]))
        except (KeyError, TypeError):
            raise SyncUnavailable("Máy chủ trả lời trang sự kiện không đúng dạng") from None
        if not all(isinstance(e, dict) and "id" in e and "office_seq" in e and "station_seq" in e
                   for e in page.events):
            raise SyncUnavailable("Máy chủ trả lời sự kiện không đúng dạng")
        return page

    def pull(self, after: str = "", limit: int = 500) -> PullPage:
        """A page of the office's events after `after`. Asked again at the cursor where the last page ended with
        nothing more, the request carries If-None-Match and the server answers 304 (no body) when the office
        still has nothing new: an idle station's pull costs the server one key lookup."""
        headers = {}
        if after and after == self._caught_up:
            headers["If-None-Match"] = f'"{after}"'
        if self.outbox_depth is not None:
            headers["X-Counter-Outbox"] = str(self.outbox_depth)
        status, data = self._request("GET", "/api/v1/events", ok=(200, 304),
                                     params={"after": after, "limit": limit}, headers=headers)
        if status == 304:
            return PullPage([], after, False)
        try:  # the page's declaration (contracts.PullResponse); the events stay the dicts the server sent
            contracts.PULL_RESPONSE.validate_python(data)
        except PydanticError as exc:
            if any(e["loc"][:1] == ("events",) and len(e["loc"]) > 1 for e in exc.errors(include_url=False)):
                raise SyncUnavailable("Máy chủ trả lời sự kiện không đúng dạng") from None
            raise SyncUnavailable("Máy chủ trả lời trang sự kiện không đúng dạng") from None
        self._caught_up = data["cursor"] if not data["has_more"] else None
        return PullPage(data["events"], data["cursor"], data["has_more"])

    def users(self) -> tuple[str, list[dict[str, Any]]] | None:
        """(the token's office, its users as the server keeps them, with their password hashes for offline
        login), or None when the server predates the list (404)."""
        status, data = self._request("GET", "/api/v1/users", ok=(200, 404))
        if status == 404:
            return None
        found = data.get("users") if isinstance(data, dict) else None
        if not isinstance(found, list) or not all(isinstance(u, dict) for u in found) \
                or not isinstance(data.get("office_id"), str):
            raise SyncUnavailable("Máy chủ trả lời danh sách người dùng không đúng dạng")
        return data["office_id"], found

    def voice_scorecard(self, start: str) -> dict[str, Any] | None:
        """The office's 766 figures 5.2-5.4 per local day from `start` (YYYY-MM-DD) on, as the server computed
        them (GET /api/v1/voice/scorecard?by=day): {"computed_at", "office_id", "from", "days": {day: {code:
        [n, d]}}}; None when the server predates them (404)."""
        status, data = self._request("GET", "/api/v1/voice/scorecard", ok=(200, 404),
                                     params={"by": "day", "from": start})
        if status == 404:
            return None
        try:
            datetime.fromisoformat(data["computed_at"])
            days = data["days"]
            date.fromisoformat(data["from"])
            for day in days:
                date.fromisoformat(day)
            ok = isinstance(data["office_id"], str) and isinstance(data["from"], str) and isinstance(days, dict) \
                and all(isinstance(f, dict) and all(isinstance(x, list) and len(x) == 2 and
                                                    all(type(n) is int and n >= 0 for n in x) for x in f.values())
                        for f in days.values())
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise SyncUnavailable("Máy chủ trả lời số liệu 766 (5.2–5.4) không đúng dạng")
        return data


def _json(value: Any) -> str:
    """JSON as httpx's `json=` writes it (UTF-8 text, no spaces, no NaN)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _detail(body: bytes) -> str:
    try:
        data = json.loads(body)
        if isinstance(data, dict) and isinstance(data.get("detail"), str):
            return data["detail"][:200]
    except ValueError:
        pass
    return body[:120].decode("utf-8", "replace")
