"""766 5.2-5.4 at the station (issue 19): the central server computes them from the ratings and complaints it
holds; each sync fetches its figures per day and the station's scorecard (F6, `counter report scorecard`) adds
up the period's days, noted with the time the server computed them. A station that never synced, and a period
before the fetched days, keep "Chưa có dữ liệu"; an offline station keeps its last figures with their time."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from counter.domain.calendar import VN_TZ
from counter.domain.scorecard import NO_DATA, Period
from counter.services import dossiers, progress, reports, voice
from counter.services import sync as sync_service
from tests.conftest import NOW, actor_for, receive

RETURN = {"receiver_name": "Nguyễn Văn An", "receiver_id_number": "001090123456", "receiver_source": "typed",
          "papers": [{"name": "Giấy xác nhận", "count": 1}]}
SERVER_NOW = NOW + timedelta(minutes=5)  # the Central fixture's clock
NOTE = f"theo máy chủ lúc {SERVER_NOW.astimezone(VN_TZ):%H:%M %d/%m}"  # "theo máy chủ lúc 09:05 23/11"


def returned(store, name: str) -> tuple[str, str]:
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, name=name)
    progress.record_event(store, clerk, code, "resolved", {"note": "Giấy xác nhận"})
    dossiers.record(store, clerk, code, "returned", RETURN)
    return code, store.query("SELECT token FROM dossiers WHERE code = ?", (code,))[0]["token"]


def card(store, period: Period) -> dict[str, tuple[bool, int, int, str]]:
    sc = reports.scorecard(store, actor_for(store, "giamsat"), period, trend=False)
    return {i.code: (i.available, i.numerator, i.denominator, i.note) for i in sc.indicators
            if i.code in ("5.2", "5.3", "5.4")}


def no_data() -> dict[str, tuple[bool, int, int, str]]:
    return {code: (False, 0, 0, NO_DATA) for code in ("5.2", "5.3", "5.4")}


NOVEMBER, DECEMBER = Period.month(date(2026, 11, 1)), Period.month(date(2026, 12, 1))
BOTH = Period(date(2026, 11, 1), date(2026, 12, 31))


def test_the_servers_ratings_and_complaints_reach_the_station_scorecard(stations, central):
    s1, s2 = stations
    assert card(s1.store, NOVEMBER) == no_data()  # never synced
    a, tok_a = returned(s1.store, "Nguyễn Văn An")
    b, _ = returned(s1.store, "Trần Thị Bình")
    clerk = actor_for(s1.store, "canbo")
    voice.rate_at_counter(s1.store, clerk, a, "very_satisfied")
    voice.rate_at_counter(s1.store, clerk, b, "unsatisfied", "late")
    s1.drain()
    assert card(s1.store, NOVEMBER) == {"5.2": (True, 0, 0, NOTE), "5.3": (True, 0, 0, NOTE),
                                        "5.4": (True, 1, 2, NOTE)}  # the server's figures, with their time
    # on the tracking page: a web rating (its own channel) and a complaint, answered by the supervisor
    http = central.test_client
    assert http.post(f"/t/{tok_a}/danh-gia", data={"value": "satisfied"}, follow_redirects=False).status_code == 303
    r = http.post(f"/t/{tok_a}/phan-anh", data={"category": "suggestion", "about": "procedure",
                                               "text": "Đề nghị niêm yết thêm mẫu tờ khai ở quầy."},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    boss = actor_for(s1.store, "giamsat")
    (pa,) = voice.complaints(s1.store, boss, transport=central.transport)
    voice.act_on_complaint(s1.store, boss, pa.code, "answer", answer="Đã niêm yết từ hôm nay, xin cảm ơn.",
                           transport=central.transport)
    assert http.post(f"/t/{tok_a}/phan-anh/{pa.code}/danh-gia", data={"value": "very_satisfied"},
                     follow_redirects=False).status_code == 303
    assert pa.deadline_at.month == 12  # 10 working days after 23/11: the complaint counts in December
    assert card(s1.store, NOVEMBER)["5.4"] == (True, 1, 2, NOTE)  # not fetched yet: the last sync's figures
    asked = lambda: sum(1 for m, path, _ in central.transport.log if path == "/api/v1/voice/scorecard")  # noqa: E731
    before = asked()
    s1.sync()  # within 5 minutes of the last fetch: the 10 s loop does not ask again
    assert asked() == before and card(s1.store, NOVEMBER)["5.4"] == (True, 1, 2, NOTE)
    s1.store.clock.advance(minutes=6)
    s1.sync()
    assert asked() == before + 1
    assert card(s1.store, NOVEMBER) == {"5.2": (True, 0, 0, NOTE), "5.3": (True, 0, 0, NOTE),
                                        "5.4": (True, 2, 3, NOTE)}
    assert card(s1.store, DECEMBER) == {"5.2": (True, 1, 1, NOTE), "5.3": (True, 1, 1, NOTE),
                                        "5.4": (True, 0, 0, NOTE)}
    got = {i.code: i for i in reports.scorecard(s1.store, boss, BOTH, trend=False).indicators}
    assert got["5.4"].ratio == pytest.approx(2 / 3) and got["5.4"].score == got["5.4"].points * 2 / 3
    assert got["5.2"].score == got["5.2"].points == got["5.3"].score  # full points: 1 of 1 against 100%
    # `counter report scorecard` (CSV): numerator, denominator, points and where the figures come from
    text = reports.scorecard_csv(reports.scorecard(s1.store, boss, BOTH, trend=False))
    rows = {r[0]: r for r in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
    assert rows["5.4"][2:9] == ["2", "3", "66,7%", "100%", "6", "4", NOTE]
    assert rows["5.2"][2:9] == ["1", "1", "100,0%", "100%", "6", "6", NOTE]
    # a period before the days the server sent: no data, not a partial sum
    assert card(s1.store, Period.month(date(2024, 11, 1))) == no_data()
    # the other station of the office never synced: no data
    assert card(s2.store, BOTH) == no_data()
    # offline: the last figures stay, with the time the server computed them
    central.transport.down = True
    with pytest.raises(sync_service.SyncError):
        s1.sync()
    assert card(s1.store, BOTH)["5.4"] == (True, 2, 3, NOTE)


def test_a_malformed_answer_is_refused_and_the_last_figures_kept(stations, central):
    import httpx

    s1, _ = stations
    a, _ = returned(s1.store, "Nguyễn Văn An")
    voice.rate_at_counter(s1.store, actor_for(s1.store, "canbo"), a, "satisfied")
    s1.drain()
    before = card(s1.store, NOVEMBER)
    assert before["5.4"] == (True, 1, 1, NOTE)
    bad = {"computed_at": "hôm qua", "office_id": "H55.242", "from": "2025-01-01", "days": {}}
    central.transport.faults.append(("GET /api/v1/voice/scorecard",
                                     lambda req, fwd: httpx.Response(200, json=bad, request=req)))
    s1.store.clock.advance(minutes=6)
    with pytest.raises(sync_service.SyncError) as err:
        s1.sync()
    assert "số liệu 766" in err.value.message
    assert card(s1.store, NOVEMBER) == before


@pytest.mark.ui
async def test_f6_scorecard_tab_shows_the_servers_figures_and_a_never_synced_station_none(stations, central):
    from textual.widgets import DataTable, TabbedContent

    from counter.app import build_app
    from counter.screens.queue import QueueScreen
    from tests.helpers.pilot import SIZE, login, settle

    s1, s2 = stations
    clerk = actor_for(s1.store, "canbo")
    for name, value in (("Nguyễn Văn An", "very_satisfied"), ("Trần Thị Bình", "unsatisfied")):
        code, _ = returned(s1.store, name)
        voice.rate_at_counter(s1.store, clerk, code, value)
    s1.drain()
    shown = {}
    for st in (s1, s2):
        app = build_app(store=st.store)
        async with app.run_test(size=SIZE) as pilot:
            await login(app, pilot, "giamsat")
            await pilot.press("f6")
            await settle(app, pilot)
            assert isinstance(app.screen, QueueScreen)
            app.screen.query_one("#queue-tabs", TabbedContent).active = "tab-score"
            await settle(app, pilot)
            table = app.screen.query_one("#score-table", DataTable)
            shown[st.number] = {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)]
                                for i in range(table.row_count)}
    # code, name, numerator/denominator, ratio, target, points, note (November: the clock's month)
    assert shown[1]["5.4"][2:] == ["1/2", "50,0% ✗", "100%", "3/6", NOTE]
    assert shown[1]["5.2"][2:] == ["0/0", "—", "100%", "—/6", NOTE]
    assert shown[2]["5.4"][2:] == ["—", "—", "100%", "—/6", NO_DATA]
