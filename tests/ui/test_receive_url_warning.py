"""Issue 12: the receive screen warns while the receipts' QR points at a loopback address, and says nothing once
the office has a public address."""

from __future__ import annotations

from textual.widgets import Static

from counter.app import build_app
from counter.services.office import set_public_url
from tests.conftest import actor_for, make_store
from tests.helpers.pilot import open_receive
from tests.helpers.pilot import settle


async def title_text(store) -> str:  # type: ignore[no-untyped-def]
    app = build_app(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_receive(app, pilot)
        for _ in range(20):  # the warning is read in a worker
            await settle(app, pilot)
            text = str(app.screen.query_one("#receive-title", Static).render())
            if "Cảnh báo" in text:
                break
        return text


async def test_receive_screen_warns_while_the_public_url_is_loopback(tmp_path):
    store = make_store(tmp_path / "data")  # the model's default: http://127.0.0.1:8780
    text = await title_text(store)
    assert "TIẾP NHẬN HỒ SƠ" in text and "Cảnh báo" in text and "127.0.0.1" in text
    assert "counter office set --public-url" in text


async def test_no_warning_with_a_public_address(tmp_path):
    store = make_store(tmp_path / "data")
    set_public_url(store, actor_for(store, "quantri"), "https://motcua.phuclinh.gov.vn")
    text = await title_text(store)
    assert "TIẾP NHẬN HỒ SƠ" in text and "Cảnh báo" not in text
