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
from datetime import datetime, timezone
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
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)  # only to turn an HTTP date into a delay
    return max(0.0, (when - now).total_seconds())


#: one event's outcome, as declared (contracts.PushResult: accepted | duplicate | rejected | retry)
PushResult = contracts.PushResult


@dataclass(frozen=True)
class PullPage:
    events: list[dict[str, Any]]
    cursor: str
    has_more: bool


class SyncClient:
    """A station's client for one server URL and token. `transport` lets tests run the server in-process."""

    def __init__(self, url: str, token: str, transport: httpx.BaseTransport | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT):
        self.url = url.rstrip("/")
        self.server_time: str | None = None  # the server's clock in its last push answer
        self._http = httpx.Client(base_url=self.url, transport=transport, timeout=timeout,
                                  headers={"Authorization": f"Bearer {token}"}, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "SyncClient":
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

    def push(self, station_id: str, office: dict[str, Any], events: list[dict[str, Any]]) -> list[PushResult]:
        return self.push_encoded(station_id, office, [e["id"] for e in events], [_json(e) for e in events])

    def push_encoded(self, station_id: str, office: dict[str, Any], ids: list[str],
                     texts: list[str]) -> list[PushResult]:
        """`push` of wire events already written as JSON texts (the station splices each stored payload's text
        in instead of parsing it and encoding it again); `ids[i]` is the id of `texts[i]`."""
        body = (f'{{"station_id":{_json(station_id)},"office":{_json(office)},"events":[{",".join(texts)}]}}'
                .encode("utf-8"))
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
        sent = set(ids)
        if any(r.id not in sent for r in answer.results):
            raise SyncUnavailable("Máy chủ trả lời kết quả không khớp với lô đã gửi")
        return answer.results

    def pull(self, after: str = "", limit: int = 500) -> PullPage:
        _, data = self._request("GET", "/api/v1/events", params={"after": after, "limit": limit})
        try:  # the page's declaration (contracts.PullResponse); the events stay the dicts the server sent
            contracts.PULL_RESPONSE.validate_python(data)
        except PydanticError as exc:
            if any(e["loc"][:1] == ("events",) and len(e["loc"]) > 1 for e in exc.errors(include_url=False)):
                raise SyncUnavailable("Máy chủ trả lời sự kiện không đúng dạng") from None
            raise SyncUnavailable("Máy chủ trả lời trang sự kiện không đúng dạng") from None
        return PullPage(data["events"], data["cursor"], data["has_more"])


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
