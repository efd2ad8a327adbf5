"""The central server's HTTP API given bad requests (issue 14): every case answers a 4xx with a Vietnamese
message, never a 5xx, and the central database stays as it was. Runs on a SQLite central database (the one
where a cursor past the 64-bit range used to end in a 500)."""

from __future__ import annotations


import pytest
from starlette.testclient import TestClient

from counter.central import tokens
from counter.central.app import create_app
from counter.domain.clock import FixedClock
from tests.badinput.conftest import digest, record, vietnamese
from tests.conftest import NOW, OFFICE

from tests.badinput.cases import EPOCH, HTTP_CASES, TOKEN


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
