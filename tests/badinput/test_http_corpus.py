"""The central server's HTTP API given bad requests (issue 14): every case answers a 4xx with a Vietnamese
message, never a 5xx, and the central database stays as it was. Runs on a SQLite central database (the one
where a cursor past the 64-bit range used to end in a 500)."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from counter.central import tokens
from counter.central.app import create_app
from counter.domain.clock import FixedClock
from tests.badinput.conftest import digest, record, vietnamese
from tests.conftest import NOW, OFFICE

TOKEN = "{TOKEN}"
EPOCH = "{EPOCH}"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SHA = "a" * 64


def _deep(opening: str, closing: str, n: int) -> bytes:
    return (opening * n + closing * n).encode()


def http_cases() -> list[tuple[str, str, str, dict[str, str], bytes | None]]:
    out: list[tuple[str, str, str, dict[str, str], bytes | None]] = []
    bodies: list[tuple[str, bytes]] = [
        *((f"deep [ x{n}", _deep("[", "]", n)) for n in (65, 1000, 5000, 100_000)),
        *((f"deep {{ x{n}", ('{"a":' * n + "1" + "}" * n).encode()) for n in (65, 1000, 100_000)),
        ("deep in events", b'{"station_id": "s", "events": ' + _deep("[", "]", 100_000) + b"}"),
        ("deep unbalanced", b"[" * 100_000),
        ("empty", b""), ("space", b"   "), ("brace", b"{"), ("bad utf-8", b"\xff\xfe\x00"),
        ("utf-16", json.dumps({"events": []}).encode("utf-16")), ("nul", b"\x00"), ("null", b"null"),
        ("number", b"1"), ("string", b'"x"'), ("list", b"[]"), ("true", b"true"), ("nan", b"NaN"),
        ("huge number", b"9" * 5000), ("1e999", b'{"events": 1e999}'), ("trailing", b'{"events": []} x'),
        ("events string", b'{"station_id": "s", "events": "x"}'), ("events dict", b'{"station_id": "s", "events": {}}'),
        ("no station", b'{"events": []}'), ("station number", b'{"station_id": 5, "events": []}'),
        ("station list", b'{"station_id": [], "events": []}'), ("events null", b'{"station_id": "s", "events": null}'),
        ("duplicate keys", b'{"station_id": "s", "station_id": 1, "events": []}'),
        ("escapes", b'{"station_id": "\\ud800", "events": 1}'), ("long string", b'"' + b"x" * 100_000),
        ("comment", b"// x\n{}"), ("single quotes", b"{'events': []}"),
    ]
    for name, body in bodies:
        out.append((f"POST events {name}", "POST", "/api/v1/events", AUTH, body))
    for name, body in [*bodies[:12], ("hashes string", b'{"hashes": "x"}'), ("hashes numbers", b'{"hashes": [1, 2]}'),
                                      ("hashes many", json.dumps({"hashes": [SHA] * 10_001}).encode()),
                                      ("no hashes", b"{}"), ("list", b"[]"), ("null", b"null")]:
        out.append((f"POST blobs/missing {name}", "POST", "/api/v1/blobs/missing", AUTH, body))
    cursors = [f"{EPOCH}.{'9' * 20}", f"{EPOCH}.{'9' * 19}", f"{EPOCH}.-1", f"{EPOCH}.abc", f"{EPOCH}.١٢",
               f"{EPOCH}.1e5", f"{EPOCH}.", f"{EPOCH}.{'1' * 5000}", f"{EPOCH}. 1", f"{EPOCH}.+1", f"{EPOCH}.0x10",
               f"{EPOCH}.1.2"]
    for c in cursors:
        out.append((f"GET events after={c[-20:]!r}", "GET", f"/api/v1/events?after={c}", AUTH, None))
    for lim in ("abc", "1.5", "", "nan", "1e3", "0x10"):
        out.append((f"GET events limit={lim[:10]!r}", "GET", f"/api/v1/events?limit={lim}", AUTH, None))
    for name, headers in (("no auth", {}), ("empty bearer", {"Authorization": "Bearer "}),
                          ("basic", {"Authorization": "Basic eDp5"}), ("wrong token", {"Authorization": "Bearer x"}),
                          ("long token", {"Authorization": "Bearer " + "x" * 10_000}),
                          ("token with spaces", {"Authorization": "Bearer a b c"})):
        for method, path, body in (("POST", "/api/v1/events", b'{"station_id": "s", "events": []}'),
                                   ("GET", "/api/v1/events", None),
                                   ("POST", "/api/v1/blobs/missing", b'{"hashes": []}'),
                                   ("PUT", f"/api/v1/blobs/{SHA}", b"x")):
            out.append((f"{method} {path[:20]} {name}", method, path, headers, body))
    for sha in ("x", "A" * 63, "g" * 64, "a" * 65, "..%2f..%2fetc", "%00" * 3):
        out.append((f"PUT blobs bad sha {sha[:10]!r}", "PUT", f"/api/v1/blobs/{sha}", AUTH, b"data"))
    out.append(("PUT blobs wrong content", "PUT", f"/api/v1/blobs/{SHA}", AUTH, b"not the hash"))
    out.append(("PUT blobs empty wrong", "PUT", f"/api/v1/blobs/{SHA}", AUTH, b""))
    out.append(("PUT blobs too large", "PUT", f"/api/v1/blobs/{SHA}", {**AUTH, "Content-Length": str(10**12)}, b"x"))
    for tok in ("x", "A" * 15, "A" * 65, "AAAAAAAAAAAAAAAA", "%1b%5d0%3bx%07AAAAAAAAAAAAAA", "1" * 20, "aaaa-bbbb",
                "<script>", "..%2f..%2f", "A" * 10_000):
        out.append((f"GET /t/ {tok[:12]!r}", "GET", f"/t/{tok}", {}, None))
        out.append((f"GET track json {tok[:12]!r}", "GET", f"/api/v1/track/{tok}", {}, None))
    for method, path in (("GET", "/nope"), ("DELETE", "/api/v1/events"), ("PUT", "/api/v1/events"),
                         ("GET", "/api/v1/blobs/missing"), ("POST", "/healthz"), ("GET", "/api/v2/events"),
                         ("PATCH", "/t/AAAAAAAAAAAAAAAA"), ("GET", "/" + "x" * 5000)):
        out.append((f"{method} {path[:20]}", method, path, AUTH, None))
    return out


HTTP_CASES = http_cases()


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    folder = tmp_path_factory.mktemp("central")
    url = f"sqlite:///{folder / 'central.sqlite3'}"
    app = create_app(url, clock=FixedClock(NOW), track_rate=0, pool_size=1)
    token = tokens.add(app.state.engine, OFFICE, 1, NOW)[1]
    with TestClient(app, raise_server_exceptions=False) as client:
        epoch = client.get("/healthz").json()["epoch"]
        yield {"client": client, "folder": folder, "token": token, "epoch": epoch,
               "digest": digest(folder, "central.sqlite3")}
    app.state.engine.dispose()


@pytest.mark.parametrize("name, method, path, headers, body", HTTP_CASES, ids=[c[0] for c in HTTP_CASES])
def test_bad_request_is_a_4xx(name, method, path, headers, body, central):
    fill = lambda s: s.replace(TOKEN, central["token"]).replace(EPOCH, central["epoch"])  # noqa: E731
    response = central["client"].request(method, fill(path), headers={k: fill(v) for k, v in headers.items()},
                                         content=body)
    after = digest(central["folder"], "central.sqlite3")
    changed, central["digest"] = after != central["digest"], after
    text = response.text
    server_error = response.status_code >= 500
    record(traceback="Traceback" in text, changed=changed, ok_status=400 <= response.status_code < 500,
           vi=vietnamese(text), server_error=server_error)
    assert not server_error, (response.status_code, text[:300])
    assert 400 <= response.status_code < 500, (response.status_code, text[:300])
    assert not changed, text[:300]
    assert vietnamese(text), text[:300]
