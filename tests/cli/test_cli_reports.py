"""`counter report ledger|scorecard|queue` through Typer's CliRunner on the hand-built store."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from counter.cli import app
from tests.conftest import PASSWORD
from tests.reports_store import ReportStore, build

runner = CliRunner()


@pytest.fixture(scope="module")
def rs(tmp_path_factory) -> ReportStore:
    r = build(tmp_path_factory.mktemp("cli-reports") / "data")
    r.store.close()  # the command opens the directory itself
    return r


def report(rs: ReportStore, *args: str, user: str = "giamsat"):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["report", *args, "--data-dir", str(rs.store.data_dir), "--user", user],
                         env={"COUNTER_PASSWORD": PASSWORD})  # issue 14: never on the command line


def test_ledger_xlsx_and_pdf_for_a_period_with_vietnamese_dates(rs, tmp_path):
    result = report(rs, "ledger", "--from", "19/11/2026", "--to", "2026-11-20", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    path = rs.store.data_dir / "exports" / "so-theo-doi-20261119-20261120.xlsx"
    assert f"Đã ghi {path}" in result.output
    ws = load_workbook(path).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=6)]
    assert [r[1] for r in rows] == [rs.codes[k] for k in ("A", "L", "P", "Q", "M", "I", "E")]
    assert rows[0][7] == datetime(2026, 11, 19)
    out = tmp_path / "so.pdf"
    result = report(rs, "ledger", "--from", "01/11/2026", "--to", "30/11/2026", "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


def test_scorecard_and_queue_csv(rs, tmp_path):
    out = tmp_path / "chi-so.csv"
    result = report(rs, "scorecard", "--from", "01/11/2026", "--to", "30/11/2026", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    # (the command runs on the real clock, so only figures that do not depend on "now" are checked here)
    assert next(r for r in rows if r[0] == "3.x")[2:5] == ["1", "15", "6,7%"]
    assert next(r for r in rows if r[0] == "3.6")[2:5] == ["", "", "chưa có dữ liệu"]  # issue 17: no payments yet
    assert next(r for r in rows if r[0] == "2.1")[3] == "14"
    assert next(r for r in rows if r and r[0] == "Cán bộ")  # the per-clerk table follows
    out = tmp_path / "q.csv"
    result = report(rs, "queue", "--format", "csv", "--bucket", "waiting", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == [rs.codes["G"]]


@pytest.mark.parametrize("args, user, message", [
    (("ledger",), "canbo", "không được phép xem báo cáo"),
    (("queue",), "buudien", "không được phép xem hàng đợi"),
    (("ledger", "--from", "31/02/2026"), "giamsat", "Ngày không hợp lệ"),
    (("ledger", "--from", "20/11/2026", "--to", "19/11/2026"), "giamsat", "Kỳ báo cáo không hợp lệ"),
    (("scorecard", "--format", "xlsx"), "giamsat", "không xuất được dạng"),
    (("queue", "--bucket", "all"), "giamsat", "Nhóm không hợp lệ"),
])
def test_errors_are_one_vietnamese_line(rs, args, user, message):
    result = report(rs, *args, user=user)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
