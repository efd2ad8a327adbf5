"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Hàng đợi và báo cáo: counter report ledger|scorecard|queue (issue 7)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from counter.cli import DataDir, PasswordOpt, UserOpt, app, cli_actor, fail, handle_errors, open_store

report_app = typer.Typer(help="Báo cáo của bộ phận: sổ theo dõi (Mẫu 07), bộ chỉ số 766, hàng đợi.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")

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
