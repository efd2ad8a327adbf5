"""Issue 13: a field added to a payload's declaration, in one place, is checked by the station's reducer,
travels on the wire and is checked the same way by the central server (docs/contracts.md lists the three
places a field of the dossier itself needs)."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import Field

from counter.domain import contracts
from counter.domain.errors import CounterError
from counter.domain.hashing import chain_hash
from counter.services import dossiers
from tests.central.conftest import add_token, auth, push_body, wire_events
from tests.conftest import actor_for, receive


class RatedNote(contracts.NotePayload):
    """A test-only field on the note's payload: the citizen's rating, 1 to 5."""

    rating: Annotated[int, Field(ge=1, le=5)] | None = None


@pytest.fixture
def rated(monkeypatch):
    monkeypatch.setitem(contracts.PAYLOADS, "note_added", RatedNote)
    monkeypatch.setitem(contracts.FIELD_LABELS, "rating", "điểm đánh giá")
    monkeypatch.setattr(contracts, "_ADAPTERS", {})


async def test_a_declared_field_is_checked_on_the_station_and_the_server(rated, central, station_store):
    client, engine = central
    token = add_token(engine)
    clerk = actor_for(station_store, "canbo")
    code = receive(station_store, clerk)
    with pytest.raises(CounterError, match="điểm đánh giá tối đa 5"):
        dossiers.record(station_store, clerk, code, "note_added", {"text": "Hài lòng", "rating": 9})
    dossiers.record(station_store, clerk, code, "note_added", {"text": "Hài lòng", "rating": 4})
    received, note = wire_events(station_store)
    assert note["payload"] == {"text": "Hài lòng", "rating": 4}  # on the wire as declared
    r = await client.post("/api/v1/events", json=push_body(station_store, [received, note]), headers=auth(token))
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "accepted"]
    pulled = (await client.get("/api/v1/events", headers=auth(token))).json()["events"]
    assert pulled[1]["payload"]["rating"] == 4
    # a station that skips the check: the server refuses the same value with the same message
    body = {**note, "id": note["id"][:-1] + ("0" if note["id"][-1] != "0" else "1"), "station_seq": 3,
            "prev_hash": note["hash"], "payload": {"text": "Hài lòng", "rating": 9}}
    keys = ("id", "dossier_id", "office_id", "station_id", "station_seq", "parent", "kind", "actor_id", "at",
            "payload")
    body["hash"] = chain_hash(body["prev_hash"], {k: body[k] for k in keys})
    [res] = (await client.post("/api/v1/events", json=push_body(station_store, [body]),
                               headers=auth(token))).json()["results"]
    assert res["status"] == "rejected" and "điểm đánh giá tối đa 5" in res["reason"]
