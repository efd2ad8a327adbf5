"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Hàng đợi và báo cáo: counter report ledger|scorecard|queue (issue 7), online (issue 15)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from counter.cli import DataDir, PasswordOpt, UserOpt, app, cli_actor, command_group, fail, handle_errors, open_store

report_app = command_group(app, "report", "Báo cáo của bộ phận: sổ theo dõi (Mẫu 07), bộ chỉ số 766, hàng đợi.")

From = Annotated[str | None, typer.Option("--from", help="Từ ngày (dd/mm/yyyy hoặc yyyy-mm-dd); mặc định: "
                                             "đầu tháng này")]
To = Annotated[str | None, typer.Option("--to", help="Đến ngày (dd/mm/yyyy hoặc yyyy-mm-dd); mặc định: "
                                           "hôm nay")]
Out = Annotated[Path | None, typer.Option("--out", help="Ghi ra tệp này (mặc định: thư mục exports/ của "
                                             "kho dữ liệu)")]


def _run(kind: str, fmt: str, date_from: str | None, date_to: str | None, out: Path | None, data_dir: Path | None,
         user: str | None, password: str | None, bucket: str = "overdue") -> None:
    from counter.domain.permissions import Action, require
    from counter.domain.scorecard import Period, local_date, parse_day
    from counter.services import reports

    store = open_store(data_dir)
    today = local_date(store.clock.now())
    start = parse_day(date_from) if date_from else today.replace(day=1)  # bad dates: refused before the login
    end = parse_day(date_to) if date_to else today
    Period(start, end)
    actor = cli_actor(store, user, password)
    require(actor.role, Action.VIEW_QUEUE if kind == "queue" else Action.VIEW_REPORTS)
    path = reports.export(store, actor, kind, Period(start, end), fmt.lower(), out, bucket=bucket)
    typer.echo(f"Đã ghi {path}")


@report_app.command("ledger")
@handle_errors
def report_ledger(date_from: From = None, date_to: To = None,
                  format: Annotated[str, typer.Option("--format", help="xlsx | pdf | csv")] = "xlsx",
                  out: Out = None, data_dir: DataDir = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Sổ theo dõi hồ sơ (Mẫu 07) của các hồ sơ tiếp nhận trong kỳ."""
    _run("ledger", format, date_from, date_to, out, data_dir, user, password)


@report_app.command("scorecard")
@handle_errors
def report_scorecard(date_from: From = None, date_to: To = None,
                     format: Annotated[str, typer.Option("--format", help="csv")] = "csv",
                     out: Out = None, data_dir: DataDir = None, user: UserOpt = None,
                     password: PasswordOpt = None) -> None:
    """Bộ chỉ số 766 của kỳ và số liệu theo cán bộ (CSV)."""
    _run("scorecard", format, date_from, date_to, out, data_dir, user, password)


@report_app.command("queue")
@handle_errors
def report_queue(date_from: From = None, date_to: To = None,
                 format: Annotated[str, typer.Option("--format", help="csv")] = "csv",
                 bucket: Annotated[str, typer.Option("--bucket", help="due_today | overdue | due_soon | waiting | "
                                                     "ready | returned_today")] = "overdue",
                 out: Out = None, data_dir: DataDir = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Hàng đợi hiện tại của một nhóm (mặc định: quá hạn) ra CSV. --from/--to không dùng cho hàng đợi."""
    from counter.services.queue import BUCKETS

    if bucket not in BUCKETS:
        fail(f"Nhóm không hợp lệ: “{bucket}” ({', '.join(BUCKETS)})")
    _run("queue", format, date_from, date_to, out, data_dir, user, password, bucket)


@report_app.command("online")
@handle_errors
def report_online(date_from: Annotated[str | None, typer.Option("--from", help="Từ ngày (dd/mm/yyyy hoặc "
                                                                "yyyy-mm-dd); mặc định: đầu năm nay")] = None,
                  date_to: To = None,
                  format: Annotated[str, typer.Option("--format", help="pdf | xlsx | all (cả hai)")] = "all",
                  out: Annotated[Path | None, typer.Option("--out", help="Thư mục ghi tệp (mặc định: exports/ "
                                                           "của kho dữ liệu)")] = None,
                  data_dir: DataDir = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Tỷ lệ hồ sơ nộp trực tuyến theo tháng và theo thủ tục so với mục tiêu năm, và tỷ lệ hỗ trợ nộp (PDF, XLSX)."""
    from counter.domain.scorecard import Period, local_date, parse_day, percent
    from counter.services import online_report

    fmt = format.lower()
    if fmt not in ("pdf", "xlsx", "all"):
        fail(f"Định dạng không hợp lệ: “{format}” (pdf, xlsx hoặc all)")
    store = open_store(data_dir)
    today = local_date(store.clock.now())
    start = parse_day(date_from) if date_from else today.replace(month=1, day=1)
    end = parse_day(date_to) if date_to else today
    period = Period(start, end)  # a bad period: refused before the login
    actor = cli_actor(store, user, password)
    report = online_report.online_report(store, actor, period)
    t = report.total
    typer.echo(f"{period.label}: tiếp nhận {t.received}, nộp trực tuyến {t.online} ({percent(t.share)}), "
               f"hỗ trợ nộp {t.assisted} ({percent(t.assisted_share)} số hồ sơ trực tuyến); chỉ số 3.x "
               f"{percent(t.share_3x)}" + (f", mục tiêu {percent(report.target, 0)}" if report.target else ""))
    for kind in (("pdf", "xlsx") if fmt == "all" else (fmt,)):
        target = None if out is None else out / online_report.file_name(period, kind)
        typer.echo(f"Đã ghi {online_report.write_online_report(store, actor, period, kind, target)}")
