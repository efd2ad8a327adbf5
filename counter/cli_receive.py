"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Tiếp nhận: counter receive (and its one flow "trả ngay", issue 17)
"""

from __future__ import annotations

from typing import Annotated

import typer

from counter.cli import DataDir, PasswordOpt, UserOpt, app, handle_errors, signed_in

Opt = Annotated[str | None, typer.Option()]


@app.command("receive")
@handle_errors
def receive(
    procedure: Annotated[str, typer.Argument(help="Mã thủ tục, vd 2.000884")],
    name: Annotated[str | None, typer.Option("--name", help="Họ tên chủ hồ sơ (hoặc --qr)")] = None,
    qr: Annotated[str | None, typer.Option("--qr", help="Nội dung mã QR trên CCCD của chủ hồ sơ")] = None,
    id_number: Annotated[str | None, typer.Option("--id-number", help="Số CCCD / định danh 12 chữ số")] = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date", help="Ngày sinh dd/mm/yyyy")] = None,
    address: Opt = None, phone: Opt = None, email: Opt = None,
    papers: Annotated[str | None, typer.Option(help="Giấy tờ đã nhận, ngăn cách bằng ; (mặc định: mọi giấy tờ "
                                                    "bắt buộc của thủ tục)")] = None,
    pages: Annotated[str | None, typer.Option(help="Số trang mỗi bản (thủ tục tính phí theo trang)")] = None,
    copies: Annotated[str | None, typer.Option(help="Số bản (thủ tục tính phí theo bản)")] = None,
    signatures: Annotated[str | None, typer.Option(help="Số chữ ký (thủ tục tính phí theo chữ ký)")] = None,
    pay: Annotated[bool, typer.Option("--pay", help="Thu tiền mặt ngay, cấp biên lai")] = False,
    on_the_spot: Annotated[bool, typer.Option("--on-the-spot", help="Trả ngay: tiếp nhận, giải quyết và trả kết quả "
                                                                   "cho chủ hồ sơ trong một bước (thủ tục được "
                                                                   "đánh dấu trả ngay)")] = False,
    result: Annotated[str | None, typer.Option("--result", help="Trả ngay: tên kết quả trao cho công dân")] = None,
    result_count: Annotated[int, typer.Option("--result-count", min=1, max=99, help="Trả ngay: số bản kết "
                                                                                     "quả")] = 1,
    print_slip: Annotated[bool, typer.Option("--print/--no-print", help="In Giấy tiếp nhận (Mẫu 01); với trả ngay: "
                                                                       "chỉ khi công dân yêu cầu")] = False,
    user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None,
) -> None:
    """Tiếp nhận một hồ sơ tại quầy (cùng quy tắc, quyền và lịch sử như màn hình F2)."""
    from counter.domain.calendar import format_vn
    from counter.domain.cccd import parse_cccd
    from counter.domain.fees import money
    from counter.domain.intake import Applicant, PaperInput, ReceiveRequest, ValidationError
    from counter.domain.scorecard import local_date
    from counter.domain.text import nfc
    from counter.services.catalogue import get_procedure
    from counter.services.printing import print_dossier

    store, actor = signed_in(data_dir, user, password)
    proc = get_procedure(store, procedure)
    owner = Applicant(name=name or "", id_number=id_number, birth_date=birth_date, address=address, phone=phone,
                      email=email)
    source = "typed"
    if qr:
        card = parse_cccd(qr, today=local_date(store.clock.now()))
        owner = Applicant(name=name or card.full_name, id_number=card.id_number,
                          birth_date=card.birth_date.strftime("%d/%m/%Y"), address=address or card.address,
                          phone=phone, email=email)
        source = "cccd_qr"
    known = {nfc(p.name).casefold(): p for p in proc.papers}
    wanted = [nfc(x).strip() for x in papers.split(";") if x.strip()] if papers is not None else \
        [p.name for p in proc.papers if p.required]
    chosen = [known[w.casefold()] for w in wanted if w.casefold() in known]
    extra = tuple(w for w in wanted if w.casefold() not in known)
    units = {k: v for k, v in (("pages", pages), ("copies", copies), ("signatures", signatures)) if v is not None}
    req = ReceiveRequest(procedure_code=proc.code, owner=owner, extra_papers=extra, fee_paid=pay, units=units or None,
                         papers=tuple(PaperInput(p.name, p.originals, p.certified_copies, p.photocopies)
                                      for p in chosen))
    if on_the_spot:
        from counter.services.on_the_spot import receive_on_the_spot

        done = receive_on_the_spot(store, actor, req, result or "", result_count, print_slip, source)
        paid = f" · đã thu {money(done.fee)}, biên lai {done.receipt} (in: counter fee print {done.code})" \
            if done.receipt else ""
        typer.echo(f"{done.code}: đã tiếp nhận, giải quyết và trả kết quả ngay lúc {format_vn(done.at)} — kết quả: "
                   f"{done.result} ({result_count} bản){paid}")
        if not print_slip:
            typer.echo(f"Không in giấy tiếp nhận (công dân không yêu cầu; in sau: counter print receipt {done.code})")
        code = done.code
    else:
        from counter.services.dossiers import receive as receive_dossier

        if result:
            raise ValidationError({"spot_result": "--result chỉ dùng với --on-the-spot (trả ngay)"})
        got = receive_dossier(store, actor, req)
        paid = f" · đã thu {money(got.fee)}, biên lai {got.receipt}" if got.receipt else ""
        due = format_vn(got.due_at) if got.due_at else "—"
        typer.echo(f"{got.code}: đã tiếp nhận — hẹn trả {due}{paid}")
        if not print_slip:
            typer.echo(f"In giấy tiếp nhận: counter print receipt {got.code}")
        code = got.code
    if print_slip:
        printed = print_dossier(store, code, "01")
        typer.echo(f"Đã in mẫu {printed.form}: {printed.where}")
