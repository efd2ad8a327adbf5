"""F3: a clerk signs a digitized paper with the token; the PIN is asked once per session (issue 20)."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input, Static

from counter.app import build_app
from counter.screens.sign import AskSecret
from counter.services import digitize as dg
from counter.signing import verify_pdf
from counter.signing.verify import load_roots
from tests.conftest import actor_for, make_store, receive
from tests.helpers.images import jpeg
from tests.helpers.pilot import SIZE, open_scan, settle, visible

ID = "001090123456"


def _store(tmp_path, keys):  # type: ignore[no-untyped-def]
    store = make_store(tmp_path / "data")
    (store.data_dir / "config.toml").write_text(
        f'[signing]\npkcs11_lib = "{keys.lib}"\ntoken_label = "{keys.token.label}"\n'
        f'key_label = "{keys.token.key_label}"\n', "utf-8")
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, id_number=ID)
    dg.save_files(store, clerk, code, 1, [jpeg(tmp_path / "a.jpg")])
    dg.save_files(store, clerk, code, 2, [jpeg(tmp_path / "b.jpg", color=(10, 120, 10))])
    return store, code


async def _pin(app, pilot, pin: str) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(app.screen, AskSecret)
    box = app.screen.query_one(".modal-box").region  # in the middle like every prompt, not in the top-left corner
    width, height = app.size
    assert abs(box.x - (width - box.right)) <= 1 and abs(box.y - (height - box.bottom)) <= 1, box
    field = app.screen.query_one("#sign-pin", Input)
    assert field.password  # masked on screen
    field.value = pin
    await pilot.press("enter")
    await settle(app, pilot)


async def test_sign_a_digitized_paper_pin_asked_once(tmp_path, keys):
    store, code = _store(tmp_path, keys)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_scan(app, pilot, code)
        await pilot.press("ctrl+k")
        await settle(app, pilot)
        await _pin(app, pilot, "000000")
        assert isinstance(app.screen, AskSecret)  # a wrong PIN: said, asked again, nothing signed
        assert "Mã PIN của token ký số không đúng" in visible(app.screen.query_one("#sign-error", Static))
        assert store.query("SELECT count(*) AS n FROM dossier_events WHERE payload LIKE '%signed_by%'")[0]["n"] == 0
        await _pin(app, pilot, keys.pin)
        assert app.screen is screen
        status = visible(screen.query_one("#scan-status", Static))
        assert "Đã ký số “Tờ khai đăng ký khai sinh”" in status and "Trần Thị Bình" in status
        sha = dg.load_target(store, code).items[0].blobs[0]
        assert verify_pdf(dg.get_blob(store, sha), load_roots([str(keys.root)])).ok

        screen.query_one("#scan-items", DataTable).move_cursor(row=1)
        await pilot.press("ctrl+k")  # the second paper: no PIN asked again in this session
        await settle(app, pilot)
        assert not isinstance(app.screen, AskSecret)
        assert "Đã ký số “Giấy chứng sinh" in visible(screen.query_one("#scan-status", Static))
        signed = store.query("SELECT payload FROM dossier_events WHERE payload LIKE '%signed_by%'")
        assert [json.loads(r["payload"])["position"] for r in signed] == [1, 2]

        await pilot.press("ctrl+l")  # lock: the PIN is forgotten with the session
        await settle(app, pilot)
        assert not app.services.signing.unlocked_for(actor_for(store, "canbo").user_id)


async def test_sign_without_a_key_configured_says_so(tmp_path, keys):
    store, code = _store(tmp_path, keys)
    (store.data_dir / "config.toml").write_text("", "utf-8")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_scan(app, pilot, code)
        await pilot.press("ctrl+k")
        await settle(app, pilot)
        assert not isinstance(app.screen, AskSecret)
        assert any("chưa cấu hình khóa ký số" in n.message for n in app._notifications)
