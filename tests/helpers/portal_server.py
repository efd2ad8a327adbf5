"""A national-portal protocol test server (domain.md, "The national portal's integration"), for tests and the
bench only: a real HTTP server on 127.0.0.1 (port 0) speaking

    POST /auth      {"username", "password"}                        -> {"session", "error_code": 0}
    POST /service   {"session", "madonvi", "service": ..., ...}     -> {"error_code": 0, "result"} or a message
      DongBoHoSoMC          {"isUpdating", "data": [dossier...]}   (a create of a known MaHoSo: error_code 1)
      CapNhatTienDoHoSoMC   {"QuaTrinhXuLy": [step...]}             (a step of an unknown MaHoSo: error_code 2)
      TraCuuHoSo            {"MaHoSo"} -> the dossier with its QuaTrinhXuLy (error_code 3 when unknown)

Failure modes, one per call, taken in order from `faults` (a service name key, or "*" for any call):
  "error"     error_code 99, nothing committed
  "drop"      commit, then close the connection without an answer
  "slow"      commit, then answer after `slow_seconds`
  "expired"   the session expires before this call (error_code 401, nothing committed)
  "partial"   DongBoHoSoMC keeps the first dossier of the batch, then answers error_code 98 (a portal that
              commits part of a batch)
`session_ttl` expires every session that old. `commits` records every committed change, in order: the tests'
"nothing sent twice". The state lives in `PortalState`, so `restart()` (a new server on the same port) keeps
the portal's data and forgets its sessions, as a real restart would.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class PortalState:
    username: str = "portal-user"
    password: str = "portal-pass"
    agency: str = "000.00.00.H55"
    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    commits: list[tuple[str, str, str]] = field(default_factory=list)  # (service, MaHoSo, what)
    sessions: dict[str, float] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    calls: list[str] = field(default_factory=list)
    logins: int = 0
    session_ttl: float = 3600.0
    slow_seconds: float = 2.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self, service: str, *modes: str) -> None:
        self.faults[service].extend(modes)

    def _take(self, service: str) -> str | None:
        for key in (service, "*"):
            if self.faults.get(key):
                return self.faults[key].pop(0)
        return None

    def sent_twice(self) -> list[tuple[str, str, str]]:
        seen: set[tuple[str, str, str]] = set()
        twice = []
        for c in self.commits:
            if c in seen:
                twice.append(c)
            seen.add(c)
        return twice


class _Drop(Exception):
    pass


def _handler(state: PortalState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _answer(self, body: dict[str, Any], status: int = 200) -> None:
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._answer({"error_code": 400, "message": "JSON không hợp lệ"})
            if self.path == "/auth":
                return self._login(body)
            if self.path == "/service":
                return self._service(body)
            self._answer({"error_code": 404, "message": "Not found"}, 404)

        def _login(self, body: dict[str, Any]) -> None:
            with state.lock:
                state.calls.append("login")
                state.logins += 1
                if body.get("username") != state.username or body.get("password") != state.password:
                    return self._answer({"error_code": 1, "message": "Sai tên đăng nhập hoặc mật khẩu"})
                session = secrets.token_hex(8)
                state.sessions[session] = time.monotonic()
            self._answer({"session": session, "error_code": 0})

        def _service(self, body: dict[str, Any]) -> None:
            service = str(body.get("service") or "")
            with state.lock:
                state.calls.append(service)
                mode = state._take(service)
                session = body.get("session")
                started = state.sessions.get(session) if isinstance(session, str) else None
                if mode == "expired" or started is None or time.monotonic() - started > state.session_ttl:
                    state.sessions.pop(session, None) if isinstance(session, str) else None
                    answer: dict[str, Any] = {"error_code": 401, "message": "Session expired"}
                elif body.get("madonvi") != state.agency:
                    answer = {"error_code": 4, "message": "Mã đơn vị không đúng"}
                elif mode == "error":
                    answer = {"error_code": 99, "message": "Lỗi hệ thống Cổng (thử lại sau)"}
                elif mode == "partial" and service == "DongBoHoSoMC":
                    self._commit(service, {**body, "data": (body.get("data") or [])[:1]})
                    answer = {"error_code": 98, "message": "Lỗi khi lưu hồ sơ thứ 2"}
                else:
                    answer = self._commit(service, body)
            if mode == "drop" and answer.get("error_code") == 0:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if mode == "slow":
                time.sleep(state.slow_seconds)
            self._answer(answer)

        def _commit(self, service: str, body: dict[str, Any]) -> dict[str, Any]:
            if service == "DongBoHoSoMC":
                data = body.get("data") or []
                updating = bool(body.get("isUpdating"))
                for d in data:
                    code = d.get("MaHoSo")
                    if not updating and code in state.dossiers:
                        return {"error_code": 1, "message": f"Hồ sơ {code} đã tồn tại"}
                    if updating and code not in state.dossiers:
                        return {"error_code": 3, "message": f"Không có hồ sơ {code}"}
                for d in data:
                    state.dossiers[d["MaHoSo"]] = dict(d)
                    state.commits.append((service, d["MaHoSo"], "update:" + json.dumps(d, sort_keys=True)
                                          if updating else "create"))
                return {"error_code": 0, "result": len(data)}
            if service == "CapNhatTienDoHoSoMC":
                steps = body.get("QuaTrinhXuLy") or []
                for s in steps:
                    if s.get("MaHoSo") not in state.dossiers:
                        return {"error_code": 2, "message": f"Không có hồ sơ {s.get('MaHoSo')}"}
                for s in steps:
                    state.steps[s["MaHoSo"]].append(dict(s))
                    state.commits.append((service, s["MaHoSo"], json.dumps(s, sort_keys=True)))
                return {"error_code": 0, "result": len(steps)}
            if service == "TraCuuHoSo":
                code = body.get("MaHoSo")
                if code not in state.dossiers:
                    return {"error_code": 3, "message": f"Không có hồ sơ {code}"}
                return {"error_code": 0, "result": {**state.dossiers[code], "QuaTrinhXuLy": state.steps.get(code, [])}}
            return {"error_code": 5, "message": f"Dịch vụ {service} không có"}

    return Handler


class PortalServer:
    def __init__(self, state: PortalState | None = None, port: int = 0):
        self.state = state or PortalState()
        self._port = port
        self.httpd: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self._port), _handler(self.state))
        self.httpd.daemon_threads = True
        self._port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def restart(self) -> None:
        """The portal restarted: same port and data, no sessions."""
        self.stop()
        self.state.sessions.clear()
        self.start()

    def settings(self, **more: Any) -> Any:
        """A [server] section pointing at this server (the password goes through the environment)."""
        from counter.settings import ServerSection

        return ServerSection(portal_adapter_url=self.url, portal_auth_endpoint="/auth",
                             portal_service_endpoint="/service", portal_user=self.state.username,
                             portal_agency=self.state.agency, **more)


if __name__ == "__main__":  # trying things by hand: python -m tests.helpers.portal_server PORT
    import sys

    server = PortalServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(5)
            print(f"{len(server.state.dossiers)} hồ sơ, {sum(len(v) for v in server.state.steps.values())} bước, "
                  f"{len(server.state.sent_twice())} gửi trùng", flush=True)
    except KeyboardInterrupt:
        server.stop()
