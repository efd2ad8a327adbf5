"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Ký số và kết quả điện tử (issue 20): counter verify, counter sign file|form|paper, counter result issue|list
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from counter.cli import DataDir, PasswordOpt, UserOpt, app, command_group, fail, handle_errors, open_store, signed_in
from counter.domain.errors import unreadable

sign_app = command_group(app, "sign", "Ký số biểu mẫu, giấy tờ số hóa và tệp PDF (khóa ký số của cán bộ).")
result_app = command_group(app, "result", "Kết quả giải quyết điện tử của hồ sơ.")

PIN_ENV = "COUNTER_SIGNING_PIN"  # for scripts; otherwise asked on the terminal. Never written anywhere.
DossierCode = Annotated[str, typer.Argument(metavar="DOSSIER_CODE", help="Mã hồ sơ")]


@app.command()
@handle_errors
def verify(
    file: Annotated[Path, typer.Argument(metavar="FILE.pdf", help="Tệp PDF cần kiểm tra chữ ký số")],
    trust_root: Annotated[list[Path] | None, typer.Option(
        "--trust-root", help="Chứng thư gốc tin cậy (PEM/DER), thêm vào [signing] trust_roots; lặp lại được")] = None,
    data_dir: DataDir = None,
) -> None:
    """Kiểm tra chữ ký số của một tệp PDF: còn toàn vẹn không, ai ký, ký lúc nào, chứng thư có tin cậy không."""
    from counter.settings import Settings
    from counter.signing import verify_pdf
    from counter.signing.verify import load_roots

    data = _read(file)
    paths = list(Settings.load(data_dir).signing.trust_roots) + [str(p) for p in trust_root or []]
    try:
        roots = load_roots(paths)
    except (OSError, ValueError):
        fail("Không đọc được chứng thư gốc tin cậy: " + ", ".join(paths) + " (cần tệp PEM hoặc DER).")
    report = verify_pdf(data, roots, file.name)
    for line in report.lines():
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(unreadable(exc, path))
        raise  # fail() always exits


def _signer(data_dir: Path | None, user: str | None, password: str | None, action: Any) -> tuple[Any, Any, Any]:
    """The store, the officer allowed `action` and the station's signing key, unlocked for them."""
    from counter import compose

    store, actor = signed_in(data_dir, user, password, action)
    signing = compose.station(data_dir, store=store).signing
    _unlock(signing, actor)
    return store, actor, signing


def _signing_pdf(path: Path, data_dir: Path | None, user: str | None, password: str | None,
                 action: Any) -> tuple[bytes, Any, Any, Any]:
    """The prologue of a command that signs a PDF file it is given: the file's bytes (one that cannot be read is
    said before the login and the PIN are asked), then the store, the officer and the unlocked key (_signer)."""
    data = _read(path)
    return (data, *_signer(data_dir, user, password, action))


def _unlock(signing: Any, actor: Any) -> None:
    """The PIN (or the key file's password), from COUNTER_SIGNING_PIN or asked on the terminal."""
    if not signing.configured:
        fail("Máy này chưa cấu hình khóa ký số: khai báo [signing] pkcs12 (tệp .p12) hoặc pkcs11_lib và "
             "token_label (USB token) trong config.toml.")
    secret = os.environ.get(PIN_ENV)
    if not secret:
        if not sys.stdin.isatty():
            fail(f"Thiếu {signing.secret_label}: đặt biến {PIN_ENV}, hoặc chạy trong terminal để nhập.")
        secret = typer.prompt(f"Nhập {signing.secret_label}", hide_input=True)
    info = signing.unlock(secret, actor.user_id)
    typer.echo(f"Ký bằng chứng thư số của {info.label} (hiệu lực đến {info.not_after:%d/%m/%Y}).", err=True)


def _write(out: Path, data: bytes) -> None:
    from counter.fsutil import write_atomic

    try:
        write_atomic(data, out)
    except OSError:
        fail(f"Không ghi được tệp {out}.")


@sign_app.command("file")
@handle_errors
def sign_file(
    src: Annotated[Path, typer.Argument(metavar="IN.pdf", help="Tệp PDF cần ký (biểu mẫu, sổ Mẫu 07, biên lai…)")],
    out: Annotated[Path, typer.Argument(metavar="OUT.pdf", help="Tệp PDF đã ký (ghi khi ký xong)")],
    reason: Annotated[str, typer.Option("--reason", help="Lý do ký")] = "Ký số của cơ quan",
    user: UserOpt = None,
    password: PasswordOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Ký số một tệp PDF bất kỳ bằng khóa của cán bộ (tệp .p12 hoặc USB token)."""
    from counter.domain.permissions import Action
    from counter.services.signing import sign_any_pdf

    data, _, actor, signing = _signing_pdf(src, data_dir, user, password, Action.CERTIFY)
    _write(out, sign_any_pdf(signing, actor, data, reason))
    typer.echo(f"Đã ký: {out}")


@sign_app.command("form")
@handle_errors
def sign_form_cmd(
    code: DossierCode,
    out: Annotated[Path, typer.Argument(metavar="OUT.pdf", help="Tệp PDF đã ký")],
    form: Annotated[str, typer.Option("--form", help="Mẫu: 01 02 03 04 05 06 BG (mặc định: theo hồ sơ)")] = "auto",
    user: UserOpt = None,
    password: PasswordOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Xuất biểu mẫu của hồ sơ ra PDF có chữ ký số (ô “Chữ ký số của Tổ chức”)."""
    from counter.domain.permissions import Action
    from counter.services.signing import sign_form

    store, actor, signing = _signer(data_dir, user, password, Action.CERTIFY)
    form, data = sign_form(store, signing, actor, code, form)
    _write(out, data)
    typer.echo(f"Đã ký Mẫu {form} của hồ sơ {code.strip().upper()}: {out}")


@sign_app.command("paper")
@handle_errors
def sign_paper(
    code: DossierCode,
    item: Annotated[int, typer.Option("--item", min=1, max=999, help="Số thứ tự thành phần hồ sơ đã số hóa")],
    user: UserOpt = None,
    password: PasswordOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Ký số bản điện tử của một giấy tờ đã số hóa (chứng thực bản sao điện tử)."""
    from counter.domain.permissions import Action
    from counter.services.signing import sign_document

    store, actor, signing = _signer(data_dir, user, password, Action.CERTIFY)
    done = sign_document(store, signing, actor, code, item)
    typer.echo(f"Đã ký “{done.name}” của hồ sơ {done.code} ({done.pages} trang), người ký {done.signer}.")
    typer.echo(f"SHA-256 {done.sha256}")


@result_app.command("issue")
@handle_errors
def result_issue(
    code: DossierCode,
    file: Annotated[Path, typer.Argument(metavar="FILE.pdf", help="Kết quả (PDF điện tử hoặc bản quét kết quả giấy đã ký)")],
    name: Annotated[str, typer.Option("--name", help="Tên giấy tờ kết quả")] = "Kết quả giải quyết hồ sơ",
    data_store: Annotated[bool, typer.Option("--data-store", help="Đưa vào kho dữ liệu của công dân (cổng DVC)")] = False,
    user: UserOpt = None,
    password: PasswordOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Phát hành kết quả điện tử của hồ sơ: ký số và gắn vào hồ sơ; công dân tải về từ trang tra cứu."""
    from counter.domain.permissions import Action
    from counter.services.signing import issue_result

    data, store, actor, signing = _signing_pdf(file, data_dir, user, password, Action.DECIDE)
    done = issue_result(store, signing, actor, code, data, name, data_store)
    typer.echo(f"Đã phát hành kết quả điện tử “{done.name}” của hồ sơ {done.code}, người ký {done.signer}.")
    typer.echo(f"SHA-256 {done.sha256}")


@result_app.command("list")
@handle_errors
def result_list(
    code: DossierCode,
    data_dir: DataDir = None,
) -> None:
    """Các kết quả điện tử của hồ sơ."""
    from counter.domain.calendar import format_vn
    from counter.services.signing import results_of

    store = open_store(data_dir)
    rows = results_of(store, code)
    if not rows:
        typer.echo(f"Hồ sơ {code.strip().upper()} chưa có kết quả điện tử.")
    for r in rows:
        typer.echo(f"{format_vn(r.at)}  {r.name}  ({r.pages} trang, ký bởi {r.signed_by})"
                   + ("  [kho dữ liệu]" if r.data_store else "") + f"  {r.sha256[:12]}…")
