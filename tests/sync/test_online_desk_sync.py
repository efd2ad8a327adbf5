"""An online dossier filed on the central server (its online desk) reaches a station by the normal pull; the
station fetches its files on demand (GET /api/v1/blobs/{sha256}, checked, cached), the clerk receives it, and
the `received` event goes back: the server's tracking shows it received."""

from __future__ import annotations

import pytest

from counter.central.online import OnlineConfig, check_uploads, file_dossier, load_catalogue, next_desk_code, \
    registered_payload
from counter.services import online
from counter.services.blobs import blob_store
from counter.services.remote_blobs import ensure_blob
from tests.conftest import NOW, OFFICE, actor_for
from tests.helpers.online import BIRTH_CERT, BIRTH_FORM, pdf_bytes
from tests.helpers.printing import pdf_text
from tests.sync.conftest import Station, make_station

pytestmark = [pytest.mark.pg]


def file_online(central) -> tuple[str, str, list[bytes]]:
    spec = load_catalogue()["1.001193"]
    files = [pdf_bytes(1, "to khai"), pdf_bytes(2, "chung sinh")]
    uploads = check_uploads([("to-khai.pdf", files[0], BIRTH_FORM), ("chung-sinh.pdf", files[1], BIRTH_CERT)],
                            OnlineConfig())
    owner = {"owner_kind": 1, "owner_name": "Phan Thị Hồng", "owner_id_number": "001203004567",
             "owner_phone": "0912345678"}
    with central.engine.begin() as conn:
        code = next_desk_code(conn, OFFICE, NOW)
        payload = registered_payload(OFFICE, spec, owner, [u.ref() for u in uploads], code=code)
        file_dossier(central.app.state.blobs, conn, payload, uploads, NOW)
    return code, payload["token"], files


def test_an_online_dossier_is_pulled_its_files_fetched_and_its_receipt_pushed(tmp_path, central):
    station = Station(make_station(tmp_path / "s1", 1), central, 1)
    try:
        code, token, files = file_online(central)
        station.drain()
        clerk = actor_for(station.store, "canbo")
        waiting = online.waiting_list(station.store, clerk)
        assert [w.code for w in waiting.waiting] == [code]
        d = online.open_dossier(station.store, clerk, code)
        sha = d.files[0].sha256
        assert not blob_store(station.store).has(sha)  # metadata first
        assert ensure_blob(station.store, sha, transport=central.transport).read_bytes() == files[0]
        assert blob_store(station.store).has(sha)  # cached: the next read is local
        assert ("GET", f"/api/v1/blobs/{sha}", 200) in central.transport.log
        blob_store(station.store).put(files[1])
        online.receive(station.store, clerk, code)
        station.drain()
        tracked = central.track(token)
        assert (tracked["status"], tracked["status_label"]) == (2, "Được tiếp nhận") and tracked["due_at"]
        # the tracking page's Mẫu 01 lists the papers as the files they came as (every count was 0 before)
        receipt = central.test_client.get(f"/t/{token}/mau-01.pdf")
        assert receipt.status_code == 200
        text = pdf_text(receipt.content, tmp_path)
        assert "Bản điện tử" in text
    finally:
        station.store.close()
