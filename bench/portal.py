"""Dossiers pushed per second to the national portal's protocol test server on 127.0.0.1 (tests/helpers/
portal_server.py) through the central server's outbox (enqueue from the accepted events, batches, the
in-doubt marks, confirmations), against the same payloads posted bare with httpx (one session, the same
batches, no database), in the same run. Prints one JSON line.

    .venv/bin/python bench/portal.py [--n 300] [--batch 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from counter.central import portal_out  # noqa: E402
from counter.central import tables as t  # noqa: E402
from counter.central.app import create_app  # noqa: E402
from counter.central.portal_client import PASSWORD_ENV, PortalClient  # noqa: E402
from counter.domain.clock import FixedClock  # noqa: E402
from tests.central.conftest import add_server_users, add_token, auth, push_body, wire_events  # noqa: E402
from tests.conftest import NOW, actor_for, make_store, receive  # noqa: E402
from tests.helpers.portal_server import PortalServer  # noqa: E402


def build(folder: Path, n: int):  # type: ignore[no-untyped-def]
    """A central SQLite database holding `n` received dossiers of one station."""
    store = make_store(folder / "station")
    clerk = actor_for(store, "canbo")
    for i in range(n):
        receive(store, clerk, name=f"Nguyễn Văn {chr(65 + i % 26)}", at=NOW + timedelta(seconds=i))
    app = create_app(f"sqlite:///{folder / 'central.sqlite3'}", track_rate=0)
    engine = app.state.engine
    add_server_users(engine)
    token = add_token(engine)
    events = wire_events(store)

    async def push() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as client:
            for i in range(0, len(events), 100):
                r = await client.post("/api/v1/events", json=push_body(store, events[i:i + 100]), headers=auth(token))
                r.raise_for_status()

    asyncio.run(push())
    store.close()
    return engine


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--batch", type=int, default=20)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp:
        engine = build(Path(tmp), a.n)
        ours = PortalServer()
        os.environ[PASSWORD_ENV] = ours.state.password
        clock = FixedClock(NOW + timedelta(hours=1))
        client = PortalClient.from_settings(ours.settings())
        t0 = time.perf_counter()
        portal_out.enqueue(engine, clock.now())
        enqueue_s = time.perf_counter() - t0
        result = portal_out.push_until_done(engine, client, clock, batch=a.batch)
        ours_s = time.perf_counter() - t0
        client.close()
        assert result.confirmed >= a.n and not ours.state.sent_twice(), result
        o = t.portal_outbox.c
        with engine.connect() as conn:
            bodies = [(r.kind, json.loads(r.body)) for r in conn.execute(
                sa.select(o.kind, o.body).order_by(o.id))]
        engine.dispose()
        ours.stop()

        bare = PortalServer()
        dossiers = [b for k, b in bodies if k == "dossier"]
        steps = [b for k, b in bodies if k == "step"]
        with httpx.Client(timeout=30) as http:
            t0 = time.perf_counter()
            session = http.post(bare.url + "/auth", json={"username": bare.state.username,
                                                          "password": bare.state.password}).json()["session"]
            base = {"session": session, "madonvi": bare.state.agency}
            for i in range(0, len(dossiers), a.batch):
                r = http.post(bare.url + "/service", json={**base, "service": "DongBoHoSoMC", "isUpdating": False,
                                                           "data": dossiers[i:i + a.batch]}).json()
                assert r["error_code"] == 0, r
            for i in range(0, len(steps), a.batch * 5):
                r = http.post(bare.url + "/service", json={**base, "service": "CapNhatTienDoHoSoMC",
                                                           "QuaTrinhXuLy": steps[i:i + a.batch * 5]}).json()
                assert r["error_code"] == 0, r
            bare_s = time.perf_counter() - t0
        bare.stop()
    print(json.dumps({
        "bench": "portal", "dossiers": a.n, "items": len(bodies), "batch": a.batch,
        "ours_dossiers_per_s": round(a.n / ours_s, 1), "bare_httpx_dossiers_per_s": round(a.n / bare_s, 1),
        "ours_s": round(ours_s, 3), "ours_enqueue_s": round(enqueue_s, 3), "bare_s": round(bare_s, 3),
        "overhead_x": round(ours_s / bare_s, 2),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
