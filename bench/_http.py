"""A small HTTP/1.1 keep-alive client on asyncio's Protocol, for load generators (bench/province.py).

Thousands of simulated stations share two cores with the servers they load; httpx's pure-Python stack costs
~2.5 ms of CPU per request (measured: as much as the server spends answering it), so the generator itself
became the bottleneck. This client parses only what a bench needs (status line, headers, Content-Length or
chunked bodies) in ~0.1 ms. Connections are pooled per server (LIFO, so the hot ones are reused and the idle
ones may time out), bounded in number; a request on a reused connection the server closed before answering
is sent once more on a new one (as browsers and httpcore do), anything else is an error.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlencode


class HTTPError(Exception):
    pass


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    def json(self):  # type: ignore[no-untyped-def]
        import json

        return json.loads(self.content)


class _Conn(asyncio.Protocol):
    def __init__(self) -> None:
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.used = 0  # answers received on it

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is not None and not self.waiter.done():
            try:
                answer = self._parse()
            except Exception as exc:  # a malformed answer: this connection is done
                self.waiter.set_exception(HTTPError(f"bad answer: {exc}"))
                self._close()
                return
            if answer is not None:
                self.waiter.set_result(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionResetError("closed"))

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _parse(self) -> Answer | None:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        start = end + 4
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body, pos = bytearray(), start
            while True:
                eol = self.buf.find(b"\r\n", pos)
                if eol < 0:
                    return None
                size = int(bytes(self.buf[pos:eol]).split(b";")[0], 16)
                if len(self.buf) < eol + 2 + size + 2:
                    return None
                body += self.buf[eol + 2:eol + 2 + size]
                pos = eol + 2 + size + 2
                if size == 0:
                    break
            content, used = bytes(body), pos
        else:
            n = 0 if status in (204, 304) or 100 <= status < 200 else int(headers.get("content-length", "0"))
            if len(self.buf) < start + n:
                return None
            content, used = bytes(self.buf[start:start + n]), start + n
        del self.buf[:used]
        if headers.get("connection", "").lower() == "close":
            self._close()
        self.used += 1
        return Answer(status, headers, content)

    async def exchange(self, raw: bytes, timeout: float) -> Answer:
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        assert self.transport is not None
        self.transport.write(raw)
        try:
            return await asyncio.wait_for(self.waiter, timeout)
        finally:
            self.waiter = None


class Client:
    """`await client.request("GET", "http://127.0.0.1:8780/path", params=..., headers=..., content=..., json=...)`
    -> Answer; at most `max_connections` per host:port; HTTPError when no answer comes within `timeout`."""

    def __init__(self, max_connections: int = 10, timeout: float = 30.0):
        self.max, self.timeout = max_connections, timeout
        self._idle: dict[tuple[str, int], list[_Conn]] = {}
        self._open: dict[tuple[str, int], int] = {}
        self._freed: dict[tuple[str, int], asyncio.Condition] = {}

    async def _acquire(self, key: tuple[str, int]) -> _Conn:
        idle = self._idle.setdefault(key, [])
        freed = self._freed.setdefault(key, asyncio.Condition())
        while True:
            while idle:
                conn = idle.pop()
                if not conn.closed:
                    return conn
                self._open[key] -= 1
            if self._open.get(key, 0) < self.max:
                self._open[key] = self._open.get(key, 0) + 1
                try:
                    _, conn = await asyncio.get_running_loop().create_connection(_Conn, *key)
                except OSError:
                    self._open[key] -= 1
                    raise
                return conn
            async with freed:
                await freed.wait()

    async def _release(self, key: tuple[str, int], conn: _Conn) -> None:
        if conn.closed:
            self._open[key] -= 1
        else:
            self._idle[key].append(conn)
        async with self._freed[key]:
            self._freed[key].notify()

    async def request(self, method: str, url: str, *, params: dict[str, str] | None = None,
                      headers: dict[str, str] | None = None, content: bytes = b"", json=None) -> Answer:  # type: ignore[no-untyped-def]
        if json is not None:
            import json as _json

            content = _json.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
            headers = {**(headers or {}), "Content-Type": "application/json"}
        rest = url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        key = (host, int(port or 80))
        target = "/" + path + ("?" + urlencode(params) if params else "")
        head = [f"{method} {target} HTTP/1.1", f"Host: {hostport}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if content or method in ("POST", "PUT"):
            head.append(f"Content-Length: {len(content)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + content
        for attempt in (0, 1):
            try:
                conn = await self._acquire(key)
            except OSError as exc:
                raise HTTPError(f"connect: {exc}") from None
            reused = conn.used > 0
            try:
                answer = await conn.exchange(raw, self.timeout)
                return answer
            except ConnectionResetError:
                if attempt == 0 and reused and not conn.buf:
                    continue  # the server closed an idle keep-alive connection as we sent: once more
                raise HTTPError("connection closed") from None
            except TimeoutError:
                conn._close()
                raise HTTPError("timeout") from None
            except HTTPError:
                raise
            finally:
                await self._release(key, conn)
        raise HTTPError("unreachable")

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for c in conns:
                c._close()
