"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Ý kiến công dân: counter report ratings (issue 19)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from counter.cli import DataDir, PasswordOpt, UserOpt, cli_actor, handle_errors, open_store
from counter.cli_reports import From, To, report_app


@report_app.command("ratings")
@handle_errors
def report_ratings(date_from: From = None, date_to: To = None, data_dir: DataDir = None, user: UserOpt = None,
                   password: PasswordOpt = None,
                   local: Annotated[bool, typer.Option("--local", help="Chỉ đánh giá tại quầy có trong máy này "
                                                                       "(không hỏi máy chủ)")] = False) -> None:
    """Đánh giá sự hài lòng theo cán bộ và thủ tục (tại quầy và trên trang tra cứu)."""
    from counter.domain.scorecard import parse_day
    from counter.services import voice

    store = open_store(data_dir)
    start = parse_day(date_from) if date_from else None
    end = parse_day(date_to) if date_to else None
    actor = cli_actor(store, user, password)
    rows = voice.local_ratings(store, start, end) if local else voice.ratings(store, actor, start, end)
    if not rows:
        typer.echo("Chưa có đánh giá nào trong kỳ.")
        return
    typer.echo(f"{'Cán bộ':<16} {'Thủ tục':<12} {'Rất hài lòng':>12} {'Hài lòng':>9} {'Không HL':>9} {'Tỷ lệ HL':>9}")
    for r in rows:
        typer.echo(f"{r.staff:<16} {r.procedure_code:<12} {r.very_satisfied:>12} {r.satisfied:>9} "
                   f"{r.unsatisfied:>9} {r.percent_satisfied:>8.1f}%")
    total = sum(r.total for r in rows)
    happy = sum(r.very_satisfied + r.satisfied for r in rows)
    typer.echo(f"Tổng: {total} đánh giá, hài lòng {100.0 * happy / total:.1f}%")


_ = Path  # (typer resolves DataDir's type)
