"""F2's procedure picker: Enter acts on the results of the text now in the field, never on a stale list."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList, Static

from counter.app import build_app
from counter.screens.receive import ReceiveScreen
from tests.conftest import make_store
from tests.helpers.pilot import login, settle, visible
from tests.ui.fast import type_fast

SIZE = (120, 40)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = make_store(tmp_path_factory.mktemp("pick"))
    yield s
    s.close()


async def open_receive(app, pilot, username: str = "canbo"):  # type: ignore[no-untyped-def]
    await login(app, pilot, username)
    await pilot.press("f2")
    await settle(app, pilot)
    assert isinstance(app.screen, ReceiveScreen)
    return app.screen


def message(screen) -> str:  # type: ignore[no-untyped-def]
    return " ".join(visible(screen.query_one("#err-procedure", Static)).split())  # the line may wrap


async def test_khai_sinh_typed_fast_then_enter_picks_birth_registration(store):
    """'khai sinh⏎' typed fast picked '2.000815 Chứng thực bản sao' (the first row of the empty query's list)."""
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_receive(app, pilot)
        await pilot.press(*"khai sinh", "enter")  # no pause for the search between the keys and the Enter
        await settle(app, pilot)
        assert screen.procedure is not None and screen.procedure.code == "1.001193", screen.procedure
        assert app.focused is screen.query_one("#qr")
        screen.reset_form()
        await settle(app, pilot)
        type_fast(app, "khai sinh\r")  # the whole burst queued before the app handles the first key
        await settle(app, pilot)
        await pilot.pause(0.2)
        await settle(app, pilot)
        assert screen.procedure is not None and screen.procedure.code == "1.001193", screen.procedure


async def test_enter_on_an_empty_field_or_no_match_picks_nothing_and_says_so(store):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_receive(app, pilot)
        assert screen.query_one("#proc-list", OptionList).option_count  # the empty query lists procedures…
        await pilot.press("enter")  # …but Enter on the empty field picks none of them
        await settle(app, pilot)
        assert screen.procedure is None and app.focused is screen.query_one("#proc")
        assert "Không tìm thấy thủ tục" in message(screen)
        await pilot.press(*"xyz khong co", "enter")
        await settle(app, pilot)
        assert screen.procedure is None
        assert "Không tìm thấy thủ tục “xyz khong co”" in message(screen)


@pytest.mark.parametrize("typed", ["1193", "1.001193"])
async def test_an_exact_code_wins(store, typed):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_receive(app, pilot)
        await pilot.press(*typed, "enter")
        await settle(app, pilot)
        assert screen.procedure is not None and screen.procedure.code == "1.001193"


async def test_an_exact_short_code_wins_over_other_codes_holding_it(store):
    from counter.services.catalogue import search_procedures

    codes = [p.code for p in search_procedures(store, "0008", limit=8)]
    assert (codes and codes[0] != "2.000815") or "2.000815" in codes  # the catalogue holds 2.000815
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_receive(app, pilot)
        await pilot.press(*"815", "enter")
        await settle(app, pilot)
        assert screen.procedure is not None and screen.procedure.code == "2.000815"


async def test_postal_staff_see_what_they_may_not_receive_and_cannot_pick_it(store):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_receive(app, pilot, "buudien")
        await pilot.press(*"chung thuc ban sao")
        await pilot.pause(0.2)
        await settle(app, pilot)
        ol = screen.query_one("#proc-list", OptionList)
        listed = "\n".join(str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count))
        assert "2.000815" in listed and "bưu điện không nhận: cần chứng thực từ bản chính" in listed, listed
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.procedure is None
        assert ("Nhân viên bưu điện không được tiếp nhận thủ tục “2.000815 Chứng thực bản sao từ bản chính giấy tờ” "
                "(cần chứng thực từ bản chính)") in message(screen)
        screen.query_one("#proc", Input).value = ""
        await pilot.press(*"ket hon", "enter")
        await settle(app, pilot)
        assert screen.procedure is None and "cần người nộp có mặt" in message(screen)
        screen.query_one("#proc", Input).value = ""
        await pilot.press(*"khai sinh", "enter")  # one postal staff may receive
        await settle(app, pilot)
        assert screen.procedure is not None and screen.procedure.code == "1.001193"


async def test_a_clerk_sees_no_postal_marks(store):
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_receive(app, pilot)
        await pilot.press(*"chung thuc ban sao")
        await pilot.pause(0.2)
        await settle(app, pilot)
        ol = screen.query_one("#proc-list", OptionList)
        assert ol.option_count and "bưu điện không nhận" not in str(ol.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.procedure is not None and screen.procedure.code == "2.000815"


async def test_editing_the_chosen_procedure_text_unchooses_it(store):
    """The field must always name what is chosen: typing over a chosen procedure leaves none chosen (Ctrl+S then
    asks for one) instead of saving the old one under the new text."""
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_receive(app, pilot)
        await pilot.press(*"khai sinh", "enter")
        await settle(app, pilot)
        assert screen.procedure is not None and message(screen) == ""  # no "not found" for the chosen label
        proc = screen.query_one("#proc", Input)
        proc.focus()
        await pilot.press("end", *" x")
        await settle(app, pilot)
        assert screen.procedure is None and not screen.query_one("#papers").option_count  # type: ignore[attr-defined]


async def test_esc_closes_an_open_list_then_leaves(store):
    """One Esc closes the open list (the procedure list, a Select's), the next leaves the screen: never three."""
    from textual.widgets import Select

    from counter.screens.search import SearchScreen

    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_receive(app, pilot)
        await pilot.press(*"khai")
        await pilot.pause(0.2)
        await settle(app, pilot)
        assert screen.query_one("#proc-list").display
        await pilot.press("escape")
        assert not screen.query_one("#proc-list").display and app.screen is screen
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("f2")
        await settle(app, pilot)
        screen = app.screen
        kind = screen.query_one("#owner_kind", Select)
        kind.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert kind.expanded
        await pilot.press("escape")
        await pilot.pause()
        assert not kind.expanded and app.screen is screen
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
