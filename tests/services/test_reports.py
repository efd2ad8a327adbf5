"""Scorecard, per-clerk figures, ledger rows and exports on the hand-built store of tests/reports_store.py."""

from __future__ import annotations

import csv
import io
from datetime import date
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from counter.domain.errors import CounterError
from counter.domain.permissions import PermissionDenied
from counter.domain.scorecard import DEFS, Period
from counter.services import queue, reports
from tests.conftest import actor_for
from tests.reports_store import ReportStore, build

NOVEMBER = Period.month(date(2026, 11, 1))


@pytest.fixture(scope="module")
def rs(tmp_path_factory) -> ReportStore:
    r = build(tmp_path_factory.mktemp("reports") / "data")
    yield r
    r.store.close()


def test_scorecard_ratios_by_hand(rs):
    sc = reports.scorecard(rs.store, actor_for(rs.store, "giamsat"), NOVEMBER)
    # received in November: A B C D E F G H I J K L M P Q = 15 (R was refused); handled = 15 - L (withdrawn) = 14
    # late: B, C (open past due), J (resolved after due), K (needed an extension) = 4; the rest on time = 10
    assert (sc.received, sc.handled, sc.on_time, sc.late) == (15, 14, 10, 4)
    assert sc.channels == {1: 14, 2: 1, 3: 0}
    assert sc.avg_days == pytest.approx((2 + 1 + 4) / 3)  # H 18→20/11, I 20→23/11, J 10→16/11 (working days)
    got = {i.code: i for i in sc.indicators}
    # issue 17: the table of domain.md; records other parts bring show "Chưa có dữ liệu" (never a made-up 0)
    for code in ("1.4", "3.5", "3.5b", "3.6", "4.1", "4.4", "5.2", "5.3", "5.4"):
        assert not got[code].available and got[code].ratio is None and got[code].note == "Chưa có dữ liệu", code
    assert (got["2.1"].numerator, got["2.1"].denominator) == (10, 14)
    assert got["2.1"].score == Fraction(10, 14) * 20
    # 3.x: all three procedures can be done fully online; M is the one online dossier of the 15
    assert (got["3.x"].numerator, got["3.x"].denominator) == (1, 15) and got["3.x"].target == Fraction(3, 10)
    assert got["3.x"].score == Fraction(1, 15) / Fraction(3, 10) * 12
    assert got["4.2"].ratio == Fraction(2, 15)  # A digitized; B's only paper reused from a digitized one
    assert got["4.3"].ratio == Fraction(1, 15)  # B
    assert got["4.2"].score == Fraction(2, 15) / Fraction(4, 5) * DEFS["4.2"].points


def test_portal_share_is_not_the_central_sync_share(tmp_path):
    """1.4 counts the national portal's confirmations (another part brings them): events that left the outbox for
    the office's central server are not that, so 1.4 stays "Chưa có dữ liệu"."""
    r = build(tmp_path / "data")
    with r.store.write() as s:  # what the sync helper does when the server confirms events
        s.execute(text("DELETE FROM outbox"))
    sc = reports.scorecard(r.store, actor_for(r.store, "giamsat"), NOVEMBER)
    one = next(i for i in sc.indicators if i.code == "1.4")
    assert not one.available and one.note == "Chưa có dữ liệu"
    r.store.close()


def test_daily_trend(rs):
    sc = reports.scorecard(rs.store, actor_for(rs.store, "giamsat"), Period(date(2026, 11, 16), date(2026, 11, 23)))
    by_day = {t.day: (t.received, t.returned, t.late) for t in sc.trend}
    assert by_day[date(2026, 11, 19)] == (5, 0, 0)  # A, L, M, P, Q
    assert by_day[date(2026, 11, 20)] == (2, 1, 0)  # E, I received; J returned
    assert by_day[date(2026, 11, 16)] == (1, 0, 1)  # G received; J resolved late
    assert by_day[date(2026, 11, 23)] == (1, 1, 0)  # D received; I returned
    assert by_day[date(2026, 11, 21)] == (0, 0, 0) and len(sc.trend) == 8


def test_per_clerk_figures_for_day_week_month(rs):
    boss = actor_for(rs.store, "giamsat")
    month = {f.full_name: f for f in reports.clerk_figures(rs.store, boss, NOVEMBER)}
    canbo, minh = month["Người Dùng Canbo"], month["Lê Văn Minh"]
    assert (canbo.received, canbo.returned, canbo.late, canbo.resolved) == (13, 1, 1, 2)  # late: B
    assert canbo.avg_days == pytest.approx(1.5)  # H 2, I 1
    assert (minh.received, minh.returned, minh.late, minh.resolved, minh.avg_days) == (2, 1, 2, 1, 4.0)  # C, J
    day = {f.full_name: f for f in reports.clerk_figures(rs.store, boss, Period.day(date(2026, 11, 23)))}
    assert (day["Người Dùng Canbo"].received, day["Người Dùng Canbo"].returned) == (1, 1)  # D; I
    week = {f.full_name: f for f in reports.clerk_figures(rs.store, boss, Period.week(date(2026, 11, 18)))}
    w = week["Người Dùng Canbo"]  # Mon 16 - Sun 22/11: received A B E F G H I L M P Q; H resolved; B went late
    assert (w.received, w.returned, w.late, w.resolved, w.avg_days) == (11, 0, 1, 1, 2.0)
    assert "Hoàng" not in "".join(month)  # admins have no line


def test_clerks_see_only_their_own_figures_and_no_scorecard(rs):
    clerk = actor_for(rs.store, "canbo2")
    figs = reports.clerk_figures(rs.store, clerk, NOVEMBER)
    assert [f.full_name for f in figs] == ["Lê Văn Minh"]
    postal = actor_for(rs.store, "buudien")
    assert [f.full_name for f in reports.clerk_figures(rs.store, postal, NOVEMBER)] == ["Người Dùng Buudien"]
    for who in (clerk, postal):
        with pytest.raises(PermissionDenied):
            reports.scorecard(rs.store, who, NOVEMBER)
        with pytest.raises(PermissionDenied):
            reports.ledger(rs.store, who, NOVEMBER)
        with pytest.raises(PermissionDenied):
            reports.export(rs.store, who, "scorecard", NOVEMBER, "csv")


def test_ledger_rows_for_a_period(rs):
    led = reports.ledger(rs.store, actor_for(rs.store, "giamsat"), Period(date(2026, 11, 19), date(2026, 11, 19)))
    back = {v: k for k, v in rs.codes.items()}
    assert [back[r.code] for r in led.rows] == ["A", "L", "P", "Q", "M"]  # by receipt time
    a = led.rows[0]
    # issue 17: the line's number is the Số thứ tự of the receipt book (Mẫu 01), station 1's block
    book_no = rs.store.query("SELECT book_no FROM dossiers WHERE code = ?", (a.code,))[0][0]
    assert a.no == int(book_no) and book_no.startswith("1")
    assert (a.received, a.due, a.returned, a.receiver) == (date(2026, 11, 19), date(2026, 11, 25), None,
                                                                 "Người Dùng Canbo")
    assert led.rows[1].note.startswith("Công dân yêu cầu rút hồ sơ")
    i = next(r for r in reports.ledger(rs.store, actor_for(rs.store, "giamsat"), NOVEMBER).rows
             if r.code == rs.codes["I"])
    assert (i.returned, i.note) == (date(2026, 11, 23), "")
    k = next(r for r in reports.ledger(rs.store, actor_for(rs.store, "giamsat"), NOVEMBER).rows
             if r.code == rs.codes["K"])
    assert "gia hạn 1 lần" in k.note and k.due == date(2026, 11, 25)


def test_exports_write_into_the_data_dirs_exports_folder(rs):
    boss = actor_for(rs.store, "giamsat")
    path = reports.export(rs.store, boss, "ledger", NOVEMBER, "xlsx")
    assert path.parent == rs.store.data_dir / "exports" and path.name == "so-theo-doi-20261101-20261130.xlsx"
    ws = load_workbook(path).active
    codes = [ws.cell(row=r, column=2).value for r in range(6, ws.max_row + 1)]
    assert len(codes) == 15 and set(codes) == {v for k, v in rs.codes.items() if k != "R"}
    score = reports.export(rs.store, boss, "scorecard", NOVEMBER, "csv")
    rows = list(csv.reader(io.StringIO(score.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Chỉ số" and any(r[:4] == ["2.1", DEFS["2.1"].name, "10", "14"] for r in rows)
    q = reports.export(rs.store, boss, "queue", NOVEMBER, "csv", bucket="overdue")
    qrows = list(csv.reader(io.StringIO(q.read_text(encoding="utf-8-sig"))))
    assert [r[1] for r in qrows[1:]] == [rs.codes["C"], rs.codes["B"]] and qrows[1][11] == "5"
    with pytest.raises(CounterError, match="không xuất được"):
        reports.export(rs.store, boss, "scorecard", NOVEMBER, "pdf")
    assert queue.counts(rs.store, boss)["overdue"] == 2


def test_per_clerk_returned_counts_who_handed_the_result_over(store):
    """canbo receives and resolves; buudien hands the result over: "Đã trả" is buudien's, not the assignee's."""
    from counter.services import giveback, progress
    from tests.conftest import receive

    clerk, postal, boss = actor_for(store, "canbo"), actor_for(store, "buudien"), actor_for(store, "giamsat")
    code = receive(store, clerk, "Nguyễn Văn An", id_number="001090123456")
    progress.record_event(store, clerk, code, "resolved", {})
    giveback.return_at_counter(store, postal, code, giveback.Collector("owner", "Nguyễn Văn An", "001090123456"),
                               "Giấy khai sinh:1")
    day = Period.day(date(2026, 11, 23))
    figures = {f.full_name: (f.received, f.returned) for f in reports.clerk_figures(store, boss, day)}
    assert figures["Người Dùng Canbo"] == (1, 0)
    assert figures["Người Dùng Buudien"] == (0, 1)
    assert [(f.received, f.returned) for f in reports.clerk_figures(store, postal, day)] == [(0, 1)]
