"""The national portal's adapter (domain.md, "The national portal's integration"): a session login, then
service calls, every answer judged by its `error_code`.

    POST {adapter_url}{auth_endpoint}     {"username", "password"}                 -> {"session", "error_code": 0}
    POST {adapter_url}{service_endpoint}  {"session", "madonvi", "service", ...}   -> {"error_code": 0, "result"}

What a call's outcome means for the outbox (the one question that matters: did the portal commit?):
  Answer(ok=True)            the portal confirmed it
  Answer(ok=False)           the portal answered with an error: nothing committed, send again later
  NotSent                    the request never left (refused connection, connect timeout)
  InDoubt                    it may have arrived (dropped connection, read timeout, a 5xx, a garbled answer):
                             look the dossier up (TraCuuHoSo) before sending it again

An expired session (HTTP 401, or an error_code answer naming the session) logs in again and repeats the call
once: the portal did not commit it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD_ENV = "COUNTER_SERVER__PORTAL_PASSWORD"
SESSION_CODES = frozenset({"401", "-401", "403"})


def password() -> str:
    """The portal account's password: from the environment only."""
    return os.environ.get(PASSWORD_ENV, "")


@dataclass(frozen=True)
class Answer:
    ok: bool
    code: str
    message: str
    result: Any = None


class NotSent(Exception):
    pass


class InDoubt(Exception):
    pass


class LoginFailed(Exception):
    pass


def _session_expired(status: int, body: Any) -> bool:
    if status in (401, 403):
        return True
    if not isinstance(body, dict):
        return False
    code = str(body.get("error_code", "")).strip()
    text = str(body.get("message") or body.get("error") or "").lower()
    return code in SESSION_CODES or (code not in ("0", "") and ("session" in text or "phiên" in text))


class PortalClient:
    def __init__(self, adapter_url: str, auth_endpoint: str, service_endpoint: str, user: str, secret: str,
                 agency: str, timeout: float = 30.0, transport: httpx.BaseTransport | None = None):
        base = adapter_url.rstrip("/")
        self.auth_url = base + auth_endpoint
        self.service_url = base + service_endpoint
        self.user, self.secret, self.agency = user, secret, agency
        self.session: str | None = None
        self.logins = 0
        self.http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), transport=transport)

    @classmethod
    def from_settings(cls, server: Any, transport: httpx.BaseTransport | None = None) -> PortalClient:
        return cls(server.portal_adapter_url, server.portal_auth_endpoint, server.portal_service_endpoint,
                   server.portal_user, password(), server.portal_agency, server.portal_timeout, transport)

    def close(self) -> None:
        self.http.close()

    def _post(self, url: str, body: dict[str, Any]) -> tuple[int, Any]:
        try:
            r = self.http.post(url, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise NotSent(f"Không kết nối được Cổng DVCQG: {exc}") from None
        except httpx.HTTPError as exc:  # sent, maybe received: the answer is lost
            raise InDoubt(f"Không nhận được trả lời của Cổng DVCQG ({type(exc).__name__})") from None
        try:
            data = r.json()
        except ValueError:
            data = None
        if r.status_code >= 500 or (r.status_code < 300 and not isinstance(data, dict)):
            raise InDoubt(f"Cổng DVCQG trả lời HTTP {r.status_code} không đọc được")
        return r.status_code, data

    def login(self) -> None:
        try:
            status, data = self._post(self.auth_url, {"username": self.user, "password": self.secret})
        except InDoubt as exc:  # a login commits nothing: just not logged in
            raise LoginFailed(str(exc)) from None
        except NotSent as exc:
            raise LoginFailed(str(exc)) from None
        self.logins += 1
        if not isinstance(data, dict) or str(data.get("error_code", "")) != "0" or not data.get("session"):
            message = (data or {}).get("message") if isinstance(data, dict) else None
            raise LoginFailed(f"Đăng nhập Cổng DVCQG không thành công (HTTP {status}): {message or 'không rõ lý do'}")
        self.session = str(data["session"])

    def call(self, service: str, **fields: Any) -> Answer:
        """One service call (logging in first, and again once when the session expired)."""
        for attempt in (1, 2):
            if self.session is None:
                self.login()
            body = {"session": self.session, "madonvi": self.agency, "service": service, **fields}
            status, data = self._post(self.service_url, body)
            if _session_expired(status, data):
                self.session = None
                if attempt == 1:
                    continue
                return Answer(False, str((data or {}).get("error_code", status)), "Phiên đăng nhập hết hạn")
            if not isinstance(data, dict):
                return Answer(False, str(status), f"HTTP {status}")
            code = str(data.get("error_code", "")).strip()
            message = str(data.get("message") or data.get("error") or "")
            return Answer(code == "0", code, message, data.get("result"))
        raise AssertionError("unreachable")  # pragma: no cover
