"""Electronic results on the screens (issue 20): F5 records whether the paper, the electronic result or both were
handed over; F2 offers the owner's earlier results for the checklist (digitization 3); the processing side issues a
signed result from the dossier's progress screen."""

from __future__ import annotations

from textual.widgets import Input, Select

from counter.app import build_app
from counter.printing import forms
from counter.printing.pdf import render_pdf
from counter.screens.giveback import ConfirmReturn
from counter.services import dossiers, progress
from counter.services.signing import Signing, issue_result
from tests.conftest import actor_for, make_store, receive
from tests.helpers.pilot import login, settle, visible
from tests.helpers.printing import DATA, pdf_text
from tests.helpers.store import snapshot

SIZE = (120, 40)
ID = "001090123456"
OWNER_QR = "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2, xã Phục Linh, tỉnh Thái Nguyên|15042021"


def _resolved(store, clerk) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    code = receive(store, clerk, id_number=ID, address="Thôn 2, xã Phục Linh")
    progress.record_event(store, clerk, code, "resolved", {"note": "Giấy khai sinh bản chính"})
    return code, f"http://127.0.0.1:8780/t/{dossiers.get_detail(store, code).token}"


def _issue(store, clerk, code, keys, p12_cfg) -> None:  # type: ignore[no-untyped-def]
    signing = Signing(lambda: p12_cfg, store.clock.now)
    signing.unlock(keys.p12_password, clerk.user_id)
    issue_result(store, signing, clerk, code, render_pdf(forms.receipt(DATA)), "Giấy khai sinh (bản điện tử)")


async def _open_on(app, pilot, url: str):  # type: ignore[no-untyped-def]
    await login(app, pilot, "canbo")
    await pilot.press("f5")
    await settle(app, pilot)
    screen = app.screen
    screen.query_one("#find", Input).value = url
    screen.query_one("#find", Input).focus()
    await pilot.press("enter")
    await settle(app, pilot)
    screen.query_one("#cccd", Input).value = OWNER_QR
    screen.query_one("#cccd", Input).focus()
    await pilot.press("enter")
    await settle(app, pilot)
    return screen


async def test_f5_electronic_refused_without_an_issued_result(tmp_path):
    store = make_store(tmp_path / "data")
    _code, url = _resolved(store, actor_for(store, "canbo"))
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_on(app, pilot, url)
        choice = screen.query_one("#result_form", Select)
        assert choice.value == "paper"  # no electronic result: the paper by default
        before = snapshot(store)
        choice.value = "electronic"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmReturn)
        assert "chưa có kết quả điện tử đã ký" in visible(screen.query_one("#return-result"))
        assert snapshot(store) == before


async def test_f5_hands_over_both_shown_in_the_confirm_box_and_on_the_note(tmp_path, keys, p12_cfg):
    store = make_store(tmp_path / "data")
    clerk = actor_for(store, "canbo")
    code, url = _resolved(store, clerk)
    _issue(store, clerk, code, keys, p12_cfg)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_on(app, pilot, url)
        assert screen.query_one("#result_form", Select).value == "both"  # an electronic result exists
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmReturn)
        shown = " ".join(visible(app.screen.query_one("#confirm-lines")).split())
        assert "Kết quả bàn giao cả bản giấy và bản điện tử" in shown, shown
        await pilot.press("enter")
        await settle(app, pilot)
    row = store.query("SELECT return_form FROM dossiers WHERE code = ?", (code,))[0]
    assert row["return_form"] == "both"
    note = pdf_text((store.data_dir / "prints" / f"{code}-mauBG.pdf").read_bytes(), tmp_path)
    assert "Kết quả bàn giao: Cả bản giấy và bản điện tử" in note, note


async def test_f5_electronic_only_needs_no_paper_list(tmp_path, keys, p12_cfg):
    store = make_store(tmp_path / "data")
    clerk = actor_for(store, "canbo")
    code, url = _resolved(store, clerk)
    _issue(store, clerk, code, keys, p12_cfg)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_on(app, pilot, url)
        screen.query_one("#result_form", Select).value = "electronic"
        screen.query_one("#papers", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmReturn)
        shown = " ".join(visible(app.screen.query_one("#confirm-lines")).split())
        assert "Kết quả bàn giao bản điện tử" in shown, shown
        await pilot.press("enter")
        await settle(app, pilot)
    assert store.query("SELECT return_form FROM dossiers WHERE code = ?", (code,))[0]["return_form"] == "electronic"



async def _pick_1193(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*"1193")
    await pilot.pause(0.2)
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_f2_offers_the_owners_earlier_result_for_a_paper(tmp_path, keys, p12_cfg):
    from textual.widgets import SelectionList, Static

    from counter.screens.modals import Confirm
    from counter.services import digitize
    from counter.services.signing import results_of
    from tests.helpers.pilot import QR, open_receive

    store = make_store(tmp_path / "data")
    clerk = actor_for(store, "canbo")
    first = receive(store, clerk, id_number=ID)
    _issue(store, clerk, first, keys, p12_cfg)
    [earlier] = results_of(store, first)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_receive(app, pilot)
        await _pick_1193(app, pilot)
        screen = app.screen
        screen.query_one("#qr", Input).value = QR
        await pilot.press("enter")
        await settle(app, pilot)
        offer = visible(screen.query_one("#reuse-msg", Static))
        assert "Công dân có 1 kết quả điện tử của hồ sơ trước" in offer and first in offer, offer
        assert "Ctrl+K trên giấy tờ để tái sử dụng" in offer, offer
        assert isinstance(app.focused, SelectionList)
        await pilot.press("ctrl+k")  # on the first paper
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("enter")
        await settle(app, pilot)
        assert 1 in screen.query_one("#papers", SelectionList).selected  # ticked as received
        assert "Tờ khai đăng ký khai sinh: tái sử dụng kết quả" in visible(screen.query_one("#reuse-msg", Static))
        await pilot.press("down", "space", "ctrl+s")
        await settle(app, pilot)
        result = visible(screen.query_one("#result", Static))
        assert "đã in mẫu 01" in result, result
        code = result.split()[2].rstrip(":")
    items = digitize.load_target(store, code).items
    assert (items[0].digitization, items[0].blobs) == (3, (earlier.sha256,))
    assert items[1].digitization == 0
    [linked] = store.query("SELECT payload FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id "
                           "WHERE d.code = ? AND e.kind = 'document_scanned'", (code,))
    assert f'"from_code":"{first}"' in linked["payload"]


async def test_f2_without_earlier_results_says_so(tmp_path):
    from tests.helpers.pilot import QR, open_receive

    store = make_store(tmp_path / "data")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_receive(app, pilot)
        await _pick_1193(app, pilot)
        app.screen.query_one("#qr", Input).value = QR
        await pilot.press("enter")
        await settle(app, pilot)
        assert not app.screen.query_one("#reuse-msg").display
        await pilot.press("ctrl+k")
        await settle(app, pilot)
        assert any("chưa có kết quả điện tử nào" in n.message for n in app._notifications)


def _token_store(tmp_path, keys):  # type: ignore[no-untyped-def]
    store = make_store(tmp_path / "data")
    (store.data_dir / "config.toml").write_text(
        f'[signing]\npkcs11_lib = "{keys.lib}"\ntoken_label = "{keys.token.label}"\n'
        f'key_label = "{keys.token.key_label}"\n', "utf-8")
    return store


async def _issue_step(app, pilot, screen, source: str, name: str, data_store: str = ""):  # type: ignore[no-untyped-def]
    from textual.widgets import OptionList

    from counter.screens.progress import EventForm

    actions = screen.query_one("#actions", OptionList)
    index = next(i for i in range(actions.option_count) if actions.get_option_at_index(i).id == "result_issued")
    actions.focus()
    actions.highlighted = index
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, EventForm)
    assert "ký số bằng khóa của bạn" in visible(app.screen.query_one("#event-explain"))
    app.screen.query_one("#f-source", Input).value = source
    app.screen.query_one("#f-name", Input).value = name
    app.screen.query_one("#f-data_store", Input).value = data_store
    await pilot.press("ctrl+s")
    await settle(app, pilot)


async def test_f4_issues_a_signed_result_pin_once(tmp_path, keys):
    from textual.widgets import Static

    from counter.screens.progress import ProgressScreen
    from counter.screens.sign import AskSecret
    from counter.services import digitize
    from counter.services.signing import results_of
    from counter.signing import verify_pdf
    from counter.signing.verify import load_roots
    from tests.helpers.images import jpeg
    from tests.helpers.pilot import open_on_code

    store = _token_store(tmp_path, keys)
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, id_number=ID)
    digitize.save_files(store, clerk, code, 2, [jpeg(tmp_path / "kq.jpg")])  # the paper result, scanned in F3
    born_digital = tmp_path / "ket-qua.pdf"
    born_digital.write_bytes(render_pdf(forms.receipt(DATA)))
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_on_code(app, pilot, "f4", ProgressScreen, "#find", code)
        before = snapshot(store)
        await _issue_step(app, pilot, screen, str(born_digital), "Giấy khai sinh (bản điện tử)", "c")
        assert isinstance(app.screen, AskSecret)
        app.screen.query_one("#sign-pin", Input).value = "000000"  # a wrong PIN: said, nothing written
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Mã PIN của token ký số không đúng" in visible(app.screen.query_one("#sign-error", Static))
        assert snapshot(store) == before
        app.screen.query_one("#sign-pin", Input).value = keys.pin
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        shown = " ".join(visible(screen.query_one("#progress-result", Static)).split())
        assert "Đã phát hành kết quả điện tử “Giấy khai sinh (bản điện tử)”" in shown and "Trần Thị Bình" in shown
        assert "đưa vào kho dữ liệu công dân" in shown

        await _issue_step(app, pilot, screen, "2", "Trích lục khai sinh")  # the scan from F3: no PIN asked again
        assert not isinstance(app.screen, AskSecret)
        assert "Trích lục khai sinh" in visible(screen.query_one("#progress-result", Static))

        await _issue_step(app, pilot, screen, str(tmp_path / "khong-co.pdf"), "")
        assert "Không phát hành được: Không thấy tệp" in " ".join(visible(screen.query_one("#progress-result", Static)).split())
    first, second = results_of(store, code)
    assert (first.name, first.data_store, second.name, second.data_store) == (
        "Giấy khai sinh (bản điện tử)", True, "Trích lục khai sinh", False)
    roots = load_roots([str(keys.root)])
    for result in (first, second):
        report = verify_pdf(digitize.get_blob(store, result.sha256), roots)
        assert report.ok and report.signatures[0].signer.name == "Trần Thị Bình", report.lines()
