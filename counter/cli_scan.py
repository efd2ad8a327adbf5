"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Số hóa: counter scan, counter blobs verify|open (issue 5)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from counter.cli import (DataDir, PasswordOpt, UserOpt, app, cli_actor, command_group, fail, handle_errors,
                         open_store, signed_in)

blobs_app = command_group(app, "blobs", "Kho tệp số hóa (theo mã băm SHA-256).")


@app.command()
@handle_errors
def scan(
    code: Annotated[str, typer.Argument(metavar="DOSSIER_CODE", help="Mã hồ sơ (hoặc đường dẫn QR giấy tiếp nhận)")],
    item: Annotated[int, typer.Option("--item", min=1, max=999, help="Số thứ tự thành phần hồ sơ (xem “counter show”)")],
    device: Annotated[str | None, typer.Option("--device", help="Máy quét SANE (mặc định: cấu hình [scanner])")] = None,
    file: Annotated[list[Path] | None, typer.Option("--file", help="Nhập tệp JPEG/PNG/PDF thay vì quét (lặp lại được)")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Flatbed | \"Automatic Document Feeder\"")] = None,
    pages: Annotated[int | None, typer.Option("--pages", min=1, max=999, help="Số trang tối đa khi quét từ khay nạp")] = None,
    user: UserOpt = None,
    password: PasswordOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Số hóa một thành phần hồ sơ: quét (hoặc nhập tệp) thành một tệp PDF gắn vào hồ sơ."""
    from counter.domain.permissions import Action
    from counter.services import digitize

    store = open_store(data_dir)
    page_list = digitize.import_pages(file) if file else []  # bad files: refused before the login is asked
    actor = cli_actor(store, user, password, Action.DIGITIZE)
    target = digitize.load_target(store, code)
    if not file:
        page_list = digitize.scan_pages(store, device, source=source, max_pages=pages,
                                        on_page=lambda n: typer.echo(f"  đã quét {n} trang", err=True))
    try:
        result = digitize.save_pages(store, actor, target.code, item, page_list)
    finally:
        if not file:
            digitize.discard_spool(store, page_list)
    typer.echo(f"Đã số hóa “{result.name}” của hồ sơ {result.code}: {result.pages} trang, "
               f"{result.size:,} byte".replace(",", ".") + f" — {result.summary}")
    typer.echo(f"SHA-256 {result.sha256}")
    cfg = digitize.scanner_config(store)
    if cfg.ocr:
        from counter.domain.errors import CounterError

        try:
            n = digitize.ocr_blob(store, result.sha256, cfg.ocr_lang)
            typer.echo(f"OCR: {n} ký tự đưa vào tra cứu")
        except CounterError as exc:
            typer.echo(f"Cảnh báo: {exc.message}", err=True)


@blobs_app.command("verify")
@handle_errors
def blobs_verify(data_dir: DataDir = None) -> None:
    """Kiểm tra mọi tệp số hóa còn khớp mã băm; báo tệp mồ côi (không hồ sơ nào dùng)."""
    from counter.services.digitize import verify_blobs

    store = open_store(data_dir)
    report = verify_blobs(store)
    for line in report.bad:
        typer.echo(f"HỎNG  {line}", err=True)
    for line in report.dangling:
        typer.echo(f"THIẾU {line}", err=True)
    for sha in report.orphans:
        typer.echo(f"Mồ côi (không hồ sơ nào dùng, có thể xóa): {sha}")
    if not report.ok:
        fail(f"{len(report.bad) + len(report.dangling)} vấn đề trong {report.checked} tệp số hóa")
    typer.echo(f"Toàn vẹn: {report.checked} tệp số hóa khớp mã băm; {len(report.orphans)} tệp mồ côi.")


@blobs_app.command("fetch")
@handle_errors
def blobs_fetch(sha: Annotated[str | None, typer.Argument(metavar="[SHA]", help="Mã băm SHA-256 của tệp "
                                                                              "(mặc định: mọi tệp còn thiếu)")] = None,
                user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Tải từ máy chủ trung tâm các tệp số hóa của cơ quan mà máy này chưa có (quét ở quầy khác), kiểm tra mã băm."""
    from counter.domain.permissions import Action
    from counter.services.remote_blobs import ensure_blob, missing_blobs
    from counter.sync.client import SyncError

    store, _ = signed_in(data_dir, user, password, Action.SEARCH)
    wanted = [sha] if sha else missing_blobs(store)
    for i, h in enumerate(wanted, start=1):
        try:
            path = ensure_blob(store, h)
        except SyncError as exc:
            fail(f"Không tải được tệp {h[:12]}…: {exc.message}")
        typer.echo(f"[{i}/{len(wanted)}] {h[:12]}… → {path}")
    typer.echo(f"Đã có đủ {len(wanted)} tệp số hóa." if wanted else "Máy này đã có mọi tệp số hóa của hồ sơ.")


@blobs_app.command("open")
@handle_errors
def blobs_open(sha: Annotated[str, typer.Argument(metavar="SHA", help="Mã băm SHA-256 của tệp")],
               user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Mở tệp số hóa bằng trình xem của hệ thống (xdg-open); nếu không có, in đường dẫn tệp."""
    from counter.domain.permissions import Action
    from counter.services.digitize import known_blob, open_with_viewer

    store, _ = signed_in(data_dir, user, password, Action.SEARCH)  # scanned papers: ID cards, certificates
    path = known_blob(store, sha)
    if open_with_viewer(path):
        typer.echo(f"Đã mở {path}")
    else:
        typer.echo(f"Không có trình xem trên máy này; tệp nằm tại: {path}")
