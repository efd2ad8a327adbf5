"""Issue 15: the online share report, counted on a hand-built store (every figure worked out by hand below),
checked against the 766 scorecard's 3.x on the same store, and written as PDF and XLSX by `counter report online`.

Procedures: 1.001193 Đăng ký khai sinh (toàn trình, no presence: 3.x counts it), 1.000894 Đăng ký kết hôn (một
phần, in person: online but not 3.x), 2.000815 Chứng thực bản sao (counter only). Now = Mon 23/11/2026 09:00.

| | procedure | filed | assisted | received | counted |
|---|---|---|---|---|---|
| a | 1.001193 | online | yes | Tue 20/10 09:00 | October |
| b | 1.001193 | counter | | Wed 21/10 09:00 | October |
| c | 1.001193 | online | | Tue 10/11 09:00 | November |
| d | 1.001193 | online | yes | Thu 12/11 09:00 | November |
| e | 1.000894 | online | | Thu 12/11 10:00 | November |
| f | 1.000894 | counter | | Fri 13/11 09:00 | November |
| g | 2.000815 | counter | | Fri 13/11 10:00 | November |
| h | 1.001193 | online | yes | (waiting at the online desk) | nowhere |
| i | 1.001193 | counter | | Mon 16/11 09:00, voided | nowhere |
| j | 1.001193 | online | | Wed 30/09 09:00 | before the period |

Period 01/10–23/11/2026: October 2 received, 1 online (1 assisted), 3.x 1/2; November 5 received, 3 online
(1 assisted), 3.x 2/2; the period 7 received, 4 online (2 assisted: half of the online ones), 3.x 3/4.
"""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from counter.domain.calendar import VN_TZ
from counter.domain.intake import Applicant, ReceiveRequest
from counter.domain.permissions import PermissionDenied
from counter.domain.scorecard import Period
from counter.services import online, online_report, reports
from counter.services.dossiers import default_papers, receive_in, void
from tests.conftest import PASSWORD, actor_for, make_store
from tests.helpers.online import online_dossier

PERIOD = Period(date(2026, 10, 1), date(2026, 11, 23))


def vn(day: int, month: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    store = make_store(tmp_path_factory.mktemp("online-report") / "data")
    clerk = actor_for(store, "canbo")

    def counter(procedure: str, at: datetime, channel: int = 1) -> str:
        with store.write() as s:
            return receive_in(s, clerk, ReceiveRequest(procedure_code=procedure, owner=Applicant(name="Chủ Hồ Sơ"),
                                                       papers=default_papers(s, procedure), channel=channel), at).code

    def filed_online(at: datetime, assisted: bool) -> None:
        code = online_dossier(store, clerk, assisted=assisted, at=at)
        store.clock.at = at  # the counter receives it then
        online.receive(store, clerk, code)

    filed_online(vn(20, 10), True)  # a
    counter("1.001193", vn(21, 10))  # b
    filed_online(vn(10, 11), False)  # c
    filed_online(vn(12, 11), True)  # d
    counter("1.000894", vn(12, 11, 10), channel=2)  # e
    counter("1.000894", vn(13, 11))  # f
    counter("2.000815", vn(13, 11, 10))  # g
    store.clock.at = vn(23, 11)
    online_dossier(store, clerk, assisted=True)  # h: not received
    store.clock.at = vn(16, 11, 10)
    voided = counter("1.001193", vn(16, 11))  # i
    void(store, actor_for(store, "giamsat"), voided, "Nhận nhầm hồ sơ")  # the same day
    filed_online(vn(30, 9), False)  # j
    store.clock.at = vn(23, 11)
    yield store
    store.close()


def figures(row) -> tuple:
    return (row.received, row.online, row.assisted, row.eligible, row.eligible_online)


def test_the_online_share_by_month_and_by_procedure_as_worked_out_by_hand(built):
    r = online_report.online_report(built, actor_for(built, "giamsat"), PERIOD)
    assert [(m.key, m.label, figures(m)) for m in r.months] == [
        ("2026-10", "Tháng 10/2026", (2, 1, 1, 2, 1)),
        ("2026-11", "Tháng 11/2026", (5, 3, 1, 2, 2)),
    ]
    assert figures(r.total) == (7, 4, 2, 4, 3)
    assert (r.total.share, r.total.assisted_share, r.total.share_3x) == (Fraction(4, 7), Fraction(1, 2),
                                                                           Fraction(3, 4))
    assert [(p.key, p.level, figures(p)[:3]) for p in r.procedures] == [
        ("1.001193", "toan_trinh", (4, 3, 2)),
        ("1.000894", "mot_phan", (2, 1, 0)),
        ("2.000815", None, (1, 0, 0)),
    ]
    assert r.target == Fraction(3, 10)  # [scorecard] online_target_percent's default, the 3.x target
    assert [m.met(r.target) for m in r.months] == [True, True]  # 3.x: 50% and 100%
    assert [p.met(r.target) for p in r.procedures] == [True, True, None]  # 75%, 50%, not offered online


def test_the_period_s_3x_is_the_scorecard_s(built):
    sc = reports.scorecard(built, actor_for(built, "giamsat"), PERIOD, trend=False)
    x = next(i for i in sc.indicators if i.code == "3.x")
    r = online_report.online_report(built, actor_for(built, "giamsat"), PERIOD)
    assert (x.numerator, x.denominator) == (r.total.eligible_online, r.total.eligible) == (3, 4)
    assert sc.channels[2] == r.total.online


@pytest.mark.parametrize(("target", "months", "procedures"), [
    ("0", [None, None], [None, None, None]),  # no target set: nothing judged
    ("60", [False, True], [True, False, None]),
    ("100", [False, True], [False, False, None]),
])
def test_the_yearly_target_is_the_scorecard_setting(built, target, months, procedures):
    path = built.data_dir / "config.toml"
    path.write_text(f"[scorecard]\nonline_target_percent = {target}\n", encoding="utf-8")
    try:
        r = online_report.online_report(built, actor_for(built, "giamsat"), PERIOD)
    finally:
        path.unlink()
    assert r.target == Fraction(int(target), 100)
    assert [m.met(r.target) for m in r.months] == months
    assert [p.met(r.target) for p in r.procedures] == procedures


def test_a_clerk_may_not_see_the_report_and_an_empty_period_counts_nothing(built):
    with pytest.raises(PermissionDenied):
        online_report.online_report(built, actor_for(built, "canbo"), PERIOD)
    r = online_report.online_report(built, actor_for(built, "giamsat"), Period(date(2026, 8, 1), date(2026, 8, 31)))
    assert (r.months, r.procedures, figures(r.total), r.total.share) == ([], [], (0, 0, 0, 0, 0), None)


def test_counter_report_online_writes_the_pdf_and_the_xlsx(built, tmp_path):
    from counter.cli import app

    built.close()  # the command opens the folder itself
    result = CliRunner().invoke(app, ["report", "online", "--from", "01/10/2026", "--to", "2026-11-23",
                                      "--out", str(tmp_path), "--data-dir", str(built.data_dir), "--user", "giamsat"],
                                env={"COUNTER_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert "tiếp nhận 7, nộp trực tuyến 4 (57,1%), hỗ trợ nộp 2 (50,0% số hồ sơ trực tuyến); chỉ số 3.x 75,0%, " \
           "mục tiêu 30%" in result.output
    pdf, xlsx = tmp_path / "truc-tuyen-20261001-20261123.pdf", tmp_path / "truc-tuyen-20261001-20261123.xlsx"
    assert f"Đã ghi {pdf}" in result.output and f"Đã ghi {xlsx}" in result.output
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "BÁO CÁO TỶ LỆ HỒ SƠ NỘP TRỰC TUYẾN" in text and "5 3 60,0% 1 33,3% 100,0% (2/2) 30% Đạt" in text
    assert "Cả kỳ 7 4 57,1% 2 50,0% 75,0% (3/4) 30% Đạt" in text and "Đăng ký khai sinh" in text
    wb = load_workbook(xlsx)
    rows = [[c.value for c in r] for r in wb["Theo kỳ"].iter_rows(min_row=6)]
    assert rows[-1][:5] == ["Cả kỳ", 7, 4, round(4 / 7, 4), 2]
    per = [[c.value for c in r] for r in wb["Theo thủ tục"].iter_rows(min_row=2)]
    assert [(p[0], p[3], p[4], p[6]) for p in per] == [("1.001193", 4, 3, 2), ("1.000894", 2, 1, 0),
                                                        ("2.000815", 1, 0, 0)]
    bad = CliRunner().invoke(app, ["report", "online", "--format", "doc", "--data-dir", str(built.data_dir),
                                   "--user", "giamsat"], env={"COUNTER_PASSWORD": PASSWORD})
    assert bad.exit_code == 1 and "Định dạng không hợp lệ" in bad.output
