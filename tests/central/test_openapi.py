"""The station API's OpenAPI schema comes from the declared contracts (counter/domain/contracts.py); the
public tracking pages stay out of it."""

from __future__ import annotations

from counter.domain import contracts


async def test_openapi_documents_the_station_api_from_the_contracts(central):
    client, _ = central
    r = await client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert set(doc["paths"]) == {"/api/v1/events", "/api/v1/blobs/missing", "/api/v1/blobs/{sha256}",
                                 "/api/v1/station", "/api/v1/station/bind", "/api/v1/station/events", "/api/v1/users"}
    assert not any(p.startswith(("/t/", "/api/v1/track", "/healthz")) for p in doc["paths"])  # public pages
    push = doc["paths"]["/api/v1/events"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PushRequest"}
    assert push["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PushResponse"}
    schemas = doc["components"]["schemas"]
    assert schemas["WireEvent"]["required"] == list(contracts.WireEvent.model_json_schema()["required"])
    days = schemas["CreatedPayload"]["properties"]["working_days"]
    assert days["minimum"] == 0 and days["maximum"] == 365
    # every $ref points at a schema the document holds
    import json
    import re

    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(doc)))
    assert refs <= set(schemas)


async def test_blobs_missing_checks_its_declared_body(central):
    from tests.central.conftest import add_token, auth

    client, engine = central
    token = add_token(engine)
    ok = await client.post("/api/v1/blobs/missing", json={"hashes": ["a" * 64]}, headers=auth(token))
    assert ok.status_code == 200 and ok.json() == {"missing": ["a" * 64]}
    for bad in ({"hashes": "x"}, {"hashes": [1]}, [], {"hashes": ["a" * 65]}):
        r = await client.post("/api/v1/blobs/missing", json=bad, headers=auth(token))
        assert r.status_code == 422 and "SHA-256" in r.json()["detail"]
    r = await client.post("/api/v1/blobs/missing", content=b"{", headers=auth(token))
    assert r.status_code == 422
