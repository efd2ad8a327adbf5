"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Phí, lệ phí (issue 18): counter fee show|pay|refund|reissue|print, and counter report cash --date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from counter.cli import (DataDir, PasswordOpt, UserOpt, app, cli_actor, command_group, handle_errors, open_store,
                         signed_in)
from counter.cli_reports import report_app

fee_app = command_group(app, "fee", "Thu phí, lệ phí: xem số phải nộp, thu tiền và cấp biên lai, hoàn trả, hủy và "
                                    "cấp lại biên lai, in biên lai hoặc thông báo nộp phí (mã VietQR).")

Code = Annotated[str, typer.Argument(metavar="MÃ_HỒ_SƠ", help="Mã hồ sơ, ví dụ H55.242-261202-1001")]


@fee_app.command("show")
@handle_errors
def fee_show(code: Code, data_dir: DataDir = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Các khoản phải nộp của hồ sơ, từng dòng; đã nộp chưa; các biên lai."""
    from counter.domain.fees import KINDS, METHODS, money
    from counter.services import fees

    v = fees.fee_view(*signed_in(data_dir, user, password), code)
    typer.echo(f"Hồ sơ {v.code} · {v.owner_name} · {v.procedure_name}")
    for line in v.lines:
        typer.echo(f"  {KINDS[line.kind]}: {line.name}: {line.detail} = {money(line.amount)}")
    if v.exemption:
        typer.echo(f"  Miễn: {v.exemption}")
    typer.echo(f"Tổng phải nộp: {money(v.fee)}" + (f" · đã nộp ({METHODS.get(v.method, 'đã ghi nhận')})"
                                                    if v.paid else " · chưa nộp"))
    for r in v.receipts:
        mark = f" · ĐÃ HỦY: {r.cancelled}" if r.cancelled else ""
        typer.echo(f"  Biên lai {r.series} {r.number} · {money(r.amount)} · {r.collector}{mark}")
    if v.refunded:
        typer.echo(f"Đã hoàn trả: {money(v.refunded)}")
    if v.vietqr:
        typer.echo(f"VietQR: {v.vietqr}")


@fee_app.command("pay")
@handle_errors
def fee_pay(code: Code,
            amount: Annotated[str, typer.Option("--amount", help="Số tiền (đồng), đúng số phải nộp")],
            method: Annotated[str, typer.Option("--method", help="cash (tiền mặt) | transfer (chuyển khoản "
                                                "VietQR) | online (Cổng DVC báo về)")] = "cash",
            reference: Annotated[str, typer.Option("--reference", help="Mã giao dịch trực tuyến")] = "",
            payer: Annotated[str, typer.Option("--payer", help="Người nộp tiền (mặc định: chủ hồ sơ)")] = "",
            data_dir: DataDir = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Ghi nhận nộp phí, lệ phí và cấp biên lai (tiền mặt, chuyển khoản) hoặc ghi nhận thanh toán trực tuyến."""
    from counter.domain.fees import money
    from counter.services import fees

    done = fees.pay(*signed_in(data_dir, user, password), code, method, amount, payer, reference)
    typer.echo(f"Đã thu {money(done.amount)} của hồ sơ {done.code}"
               + (f" · biên lai {done.receipt}" if done.receipt else " · thanh toán trực tuyến"))


@fee_app.command("refund")
@handle_errors
def fee_refund(code: Code, amount: Annotated[str, typer.Option("--amount", help="Số tiền hoàn trả (đồng)")],
               reason: Annotated[str, typer.Option("--reason", help="Lý do hoàn trả")] = "",
               data_dir: DataDir = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Hoàn trả phí, lệ phí đã nộp (không quá số đã nộp)."""
    from counter.domain.fees import money
    from counter.services import fees

    typer.echo("Đã ghi nhận hoàn trả; tổng đã hoàn trả của hồ sơ: "
               + money(fees.refund(*signed_in(data_dir, user, password), code, amount, reason)))


@fee_app.command("reissue")
@handle_errors
def fee_reissue(code: Code, reason: Annotated[str, typer.Option("--reason", help="Lý do hủy biên lai")] = "",
                payer: Annotated[str, typer.Option("--payer", help="Người nộp tiền ghi trên biên lai mới")] = "",
                data_dir: DataDir = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Hủy biên lai đang có của hồ sơ (giữ số, đánh dấu đã hủy) và cấp biên lai mới."""
    from counter.services import fees

    done = fees.reissue(*signed_in(data_dir, user, password), code, reason, payer)
    typer.echo(f"Đã hủy biên lai cũ và cấp biên lai {done.receipt} cho hồ sơ {done.code}")


@fee_app.command("print")
@handle_errors
def fee_print(code: Code,
              notice: Annotated[bool, typer.Option("--notice", help="In thông báo nộp phí (có mã VietQR)")] = False,
              number: Annotated[str | None, typer.Option("--number", help="Số biên lai (mặc định: biên lai "
                                                          "đang có hiệu lực)")] = None,
              fmt: Annotated[str | None, typer.Option("--format", help="pdf-a5 | escpos")] = None,
              out: Annotated[Path | None, typer.Option("--out", help="Ghi ra tệp này")] = None,
              data_dir: DataDir = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """In biên lai thu phí, lệ phí (A5 hoặc giấy 80 mm) hoặc thông báo nộp phí."""
    from counter.services import fees

    done = fees.print_fee_paper(*signed_in(data_dir, user, password), code, "notice" if notice else "receipt",
                                fmt, out, number)
    typer.echo(f"{done.what}: {done.where}")


@report_app.command("cash")
@handle_errors
def report_cash(day: Annotated[str | None, typer.Option("--date", help="Ngày (dd/mm/yyyy hoặc yyyy-mm-dd); "
                                                        "mặc định: hôm nay")] = None,
                out: Annotated[Path | None, typer.Option("--out", help="Thư mục ghi tệp PDF và XLSX (mặc định: "
                                                         "exports/ của kho dữ liệu)")] = None,
                data_dir: DataDir = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Báo cáo thu phí, lệ phí trong ngày theo người thu và cả đơn vị (PDF và XLSX), để nộp kèm tiền mặt."""
    from counter.domain.fees import money
    from counter.domain.scorecard import local_date, parse_day
    from counter.services import fees

    store = open_store(data_dir)
    when = parse_day(day) if day else local_date(store.clock.now())
    actor = cli_actor(store, user, password)
    pdf, xlsx = fees.write_cash_report(store, actor, when, out or store.data_dir / "exports")
    report = fees.cash_report(store, actor, when)
    for t in (*report.collectors, report.office):
        typer.echo(f"{t.collector}: {t.issued} biên lai ({t.cancelled} đã hủy) · tiền mặt phải nộp "
                   f"{money(t.cash_to_hand_over)} · tổng {money(t.total)}")
    typer.echo(f"Đã ghi {pdf}\nĐã ghi {xlsx}")
