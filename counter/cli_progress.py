"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Xử lý và trả kết quả: counter event (issue 6)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from counter.cli import (DataDir, PasswordOpt, UserOpt, app, calendar_app, cli_actor, fail, handle_errors,
                         open_store, signed_in)

if TYPE_CHECKING:
    from counter.services.store import Actor, Store

Opt = Annotated[str | None, typer.Option()]
CodeArg = Annotated[str, typer.Argument(help="Mã hồ sơ, hoặc nội dung mã QR trên giấy tiếp nhận")]


def _dossier(data_dir: Path | None, user: str | None, password: str | None, code: str) -> tuple[Store, Actor, str]:
    """The store, the logged-in actor and the dossier's code (a receipt's QR content is read as its code)."""
    from counter.services import giveback

    store, actor = signed_in(data_dir, user, password)
    return store, actor, giveback.locate(store, actor, code)

KINDS_HELP = ("transferred (chuyển / nhận lại: --to, --direction out|back, --person, --note) · supplement_requested "
              "(Mẫu 02: --papers \"A; B:2; C:1/0/2\" (bản chính/chứng thực/photo), --reason; lần thứ hai: lãnh đạo, "
              "--override-reason) · supplement_received · "
              "fee_requested (--amount) · fee_paid "
              "(thu tiền mặt, cấp biên lai: --amount) · resolved (--note) · withdrawn (--reason) · stopped (Mẫu 05: --reason) · "
              "extended (Mẫu 04, một lần, chậm nhất 01 ngày làm việc trước hạn: --days, --reason, --agency) · "
              "verification_extended (thời gian xác minh theo luật: --reason) · refused_after_appraisal (Mẫu 03 "
              "sau thẩm định: --reason) · note_added (--text) · returned (tại quầy: --receiver owner|"
              "authorized, --receiver-qr (nội dung QR CCCD) hoặc --receiver-name, --receiver-id (nhập tay), "
              "--authorization (loại giấy), --auth-number, --auth-date, --auth-issuer, --auth-scan, --result-papers, "
              "--fee-collected; qua bưu chính: --tracking, --address, --result-papers) · delivered")


@app.command("event")
@handle_errors
def event(
    code: CodeArg,
    kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
    to: Opt = None, direction: Opt = None, person: Opt = None, note: Opt = None, papers: Opt = None,
    reason: Opt = None, amount: Opt = None, days: Opt = None, text: Opt = None,
    receiver: Annotated[str, typer.Option(help="owner | authorized")] = "owner",
    receiver_name: Opt = None, receiver_id: Opt = None, receiver_qr: Opt = None, authorization: Opt = None,
    auth_number: Opt = None, auth_date: Opt = None, auth_issuer: Opt = None, auth_scan: Opt = None,
    result_papers: Opt = None,
    fee_collected: Opt = None, tracking: Opt = None, address: Opt = None, agency: Opt = None,
    override_reason: Annotated[str | None, typer.Option("--override-reason", help="Yêu cầu bổ sung lần thứ hai "
                                                        "(lãnh đạo / giám sát): lý do")] = None,
    print_form: Annotated[bool, typer.Option("--print/--no-print",
                                             help="In mẫu đi kèm (02, 04, 05, BG) ra máy in / tệp theo cấu hình")] = False,
    user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None,
) -> None:
    """Ghi một bước xử lý / trả kết quả của hồ sơ (cùng quy tắc, quyền và lịch sử như trong ứng dụng)."""
    from counter.domain.calendar import format_vn
    from counter.services import giveback, progress
    from counter.services.printing import print_dossier

    store, actor, code = _dossier(data_dir, user, password, code)
    kind = kind.strip().lower()
    form = None
    if kind == "returned":
        if tracking:
            view = giveback.send_by_post(store, actor, code, tracking, address or "", result_papers, fee_collected,
                                         note or "")
        else:
            from counter.domain.cccd import parse_cccd

            paper = giveback.Authorization(authorization or "", auth_number or "", auth_date or "", auth_issuer or "",
                                           auth_scan or "") if receiver == "authorized" else None
            if receiver_qr:  # the collector's card, as its QR reads
                card = parse_cccd(receiver_qr, today=store.clock.now().date())
                who = giveback.Collector.from_card(card, receiver, paper, name=receiver_name)
            else:  # typed from an ID paper without a chip (nhập tay)
                who = giveback.Collector(receiver, receiver_name or "", receiver_id or "", "typed", "", paper)
            view = giveback.return_at_counter(store, actor, code, who, result_papers, fee_collected, note or "")
        form = "BG"
        typer.echo(f"{view.code}: {view.status_label} — {view.message}")
    elif kind == "delivered":
        view = giveback.mark_delivered(store, actor, code, note or "")
        typer.echo(f"{view.code}: {view.message}")
    else:
        fields = {"to": to, "direction": direction, "person": person, "note": note, "papers": papers,
                  "reason": reason, "amount": amount, "days": days, "text": text,
                  "agency": agency, "override_reason": override_reason}
        result = progress.record_event(store, actor, code, kind, {k: v for k, v in fields.items() if v})
        due = format_vn(result.due_at) if result.due_at else "—"
        typer.echo(f"{result.code}: đã ghi “{result.label}” — trạng thái {result.status_label}, hẹn trả {due}"
                   + (f" · biên lai {result.receipt} (in: counter fee print {result.code})" if result.receipt else ""))
        form = result.form
    if form and print_form:
        printed = print_dossier(store, code, form)
        typer.echo(f"Đã in mẫu {printed.form}: {printed.where}")
    elif form:
        typer.echo(f"In mẫu {form}: counter print form {form} {code}")


@calendar_app.command("numbering")
@handle_errors
def numbering(
    mode: Annotated[str, typer.Argument(help="single (một quầy: 0001, 0002… mỗi ngày) | blocks (nhiều quầy: N001…)")],
    user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None,
) -> None:
    """Cách đánh số mã hồ sơ và số thứ tự sổ: một quầy (0001…) hoặc theo khối của từng quầy (N001…)."""
    from counter.services.office import set_single_station

    if mode.strip().lower() not in ("single", "blocks"):
        fail(f"Cách đánh số không hợp lệ: “{mode}” (single hoặc blocks)")
    single = set_single_station(*signed_in(data_dir, user, password), mode.strip().lower() == "single")
    typer.echo("Đánh số: một quầy, mỗi ngày từ 0001" if single else "Đánh số: theo khối của từng quầy (N001…)")


@calendar_app.command("supplement-rule")
@handle_errors
def supplement_rule(
    rule: Annotated[str | None, typer.Argument(help="restart (tính lại từ đầu) | pause (cộng thêm ngày chờ)")] = None,
    user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None,
) -> None:
    """Xem hoặc đặt cách tính thời hạn khi công dân nộp đủ giấy tờ bổ sung."""
    from counter.services import progress
    from counter.services.office import this_station

    store = open_store(data_dir)
    if rule is None:
        with store.read() as session:
            current = progress.supplement_rule(session, this_station(session).office_id)
        typer.echo(f"{current.value}: {current.label}")
        return
    actor = cli_actor(store, user, password)
    new = progress.set_supplement_rule(store, actor, rule)
    typer.echo(f"Đã đặt: {new.value} — {new.label}")


# ---- issue 12: correct the applicant's details, void a dossier received by mistake ----------------------

@app.command("correct")
@handle_errors
def correct(
    code: CodeArg,
    reason: Annotated[str | None, typer.Option(help="Lý do sửa (bắt buộc)")] = None,
    name: Annotated[str | None, typer.Option(help="Họ tên chủ hồ sơ")] = None,
    phone: Annotated[str | None, typer.Option(help="Số điện thoại (\"\" để xóa)")] = None,
    address: Annotated[str | None, typer.Option(help="Địa chỉ (\"\" để xóa)")] = None,
    id_number: Annotated[str | None, typer.Option("--id-number", help="Số định danh 12 chữ số")] = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date", help="Ngày sinh dd/mm/yyyy")] = None,
    submitter_name: Annotated[str | None, typer.Option("--submitter-name", help="Họ tên người nộp")] = None,
    submitter_phone: Annotated[str | None, typer.Option("--submitter-phone")] = None,
    submitter_id_number: Annotated[str | None, typer.Option("--submitter-id-number")] = None,
    user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None,
) -> None:
    """Sửa thông tin người nộp / chủ hồ sơ (cán bộ: hồ sơ mình tiếp nhận, trước khi chuyển đi; lãnh đạo: mọi hồ sơ)."""
    from counter.domain.intake import ValidationError
    from counter.services import dossiers

    store, actor, code = _dossier(data_dir, user, password, code)
    given = {"owner_name": name, "owner_phone": phone, "owner_address": address, "owner_id_number": id_number,
             "owner_birth_date": birth_date, "submitter_name": submitter_name, "submitter_phone": submitter_phone,
             "submitter_id_number": submitter_id_number}
    values: dict[str, str | None] = {k: v for k, v in given.items() if v is not None}
    if not values:
        raise ValidationError({"changes": "Chưa có thông tin nào để sửa (--name, --phone, --address, --id-number, "
                                          "--birth-date …)"})
    done = dossiers.correct(store, actor, code, values, reason or "")
    typer.echo(f"{done.code}: đã sửa thông tin — {done.summary}")
    typer.echo(f"In lại giấy tiếp nhận: counter print receipt {done.code}")


@app.command("void")
@handle_errors
def void(
    code: CodeArg,
    reason: Annotated[str | None, typer.Option(help="Lý do hủy (bắt buộc)")] = None,
    user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None,
) -> None:
    """Hủy hồ sơ tiếp nhận nhầm (lãnh đạo / giám sát, trong ngày tiếp nhận). Mã hồ sơ không được dùng lại."""
    from counter.domain.calendar import format_vn
    from counter.services import dossiers

    store, actor, code = _dossier(data_dir, user, password, code)
    state = dossiers.void(store, actor, code, reason or "")
    assert state.voided_at is not None  # void() returns the dossier it has just voided
    typer.echo(f"{state.code}: đã hủy lúc {format_vn(state.voided_at)} — lý do: {state.void_reason}. "
               "Mã hồ sơ không được dùng lại.")
