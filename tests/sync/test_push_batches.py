"""Issue 21: a push carries up to the server's MAX_BATCH events (1000), which the server names in each answer;
a station starts at contracts.LEGACY_BATCH (100) and keeps to it with a server that names nothing."""

from __future__ import annotations

import json

import httpx

from counter.central import ingest
from counter.domain.contracts import LEGACY_BATCH
from counter.services import sync as sync_service
from tests.conftest import actor_for, receive
from tests.sync.conftest import assert_converged


def _receive_many(station, n: int) -> None:
    actor = actor_for(station.store, "canbo")
    for i in range(n):
        receive(station.store, actor, name=f"Nguyễn Văn {'ABCDEFGHIK'[i % 10]}{'ABCDEFGHIK'[i // 10 % 10]}")


def _push_sizes(central) -> list[int]:
    return [n for method, path, n in central.transport.sizes]


def _counting(central) -> None:
    """Note the number of events of every push request the station sends."""
    central.transport.sizes = []
    inner = central.transport.forward

    def forward(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v1/events":
            central.transport.sizes.append((request.method, request.url.path,
                                            len(json.loads(request.content)["events"])))
        return inner(request)

    central.transport.forward = forward


def test_push_grows_to_the_batch_the_server_names(stations, central):
    s1, _ = stations
    _receive_many(s1, 2 * LEGACY_BATCH + 30)
    _counting(central)
    with s1.client() as client:
        report = sync_service.push(s1.store, client)
        assert client.max_batch == ingest.MAX_BATCH
    assert report.accepted == 2 * LEGACY_BATCH + 30
    # the first request before any answer, the second read while the first was on its way: then the server's
    assert _push_sizes(central) == [LEGACY_BATCH, LEGACY_BATCH, 30]
    s1.drain()
    _receive_many(s1, LEGACY_BATCH + 50)
    with s1.client() as client:
        client.max_batch = ingest.MAX_BATCH  # as after the answer of a first push
        report = sync_service.push(s1.store, client)
    assert report.accepted == LEGACY_BATCH + 50, report
    assert _push_sizes(central)[-1] == LEGACY_BATCH + 50  # one request, more than the old limit
    s1.drain()  # and the pull that follows
    assert_converged(central, s1)


def test_a_server_that_names_no_batch_gets_the_old_size(stations, central):
    s1, _ = stations
    _receive_many(s1, 2 * LEGACY_BATCH + 30)
    _counting(central)

    def older_server(request: httpx.Request, forward) -> httpx.Response:
        response = forward(request)
        body = response.json()
        body.pop("max_batch", None)
        return httpx.Response(response.status_code, json=body)

    central.transport.faults = [("POST /api/v1/events", older_server) for _ in range(5)]
    with s1.client() as client:
        sync_service.push(s1.store, client)
        assert client.max_batch is None
    assert _push_sizes(central) == [LEGACY_BATCH, LEGACY_BATCH, 30]
    s1.drain()
    assert_converged(central, s1)
