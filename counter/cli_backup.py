"""`counter backup FILE` and `counter restore FILE` (issue 14), registered on the main `counter` app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from counter.cli import (
    DataDir,
    PasswordOpt,
    UserOpt,
    app,
    default_data_dir,
    handle_errors,
    signed_in,
)


@app.command("backup")
@handle_errors
def backup_cmd(file: Annotated[Path, typer.Argument(help="Tệp sao lưu sẽ ghi, ví dụ /media/usb/quay1-2026-12-02.tar")],
               user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Sao lưu kho dữ liệu của quầy (cả tệp số hóa) vào một tệp, kể cả khi ứng dụng đang chạy (quản trị)."""
    from counter.domain.permissions import Action
    from counter.services import backup

    store, _ = signed_in(data_dir, user, password, Action.MANAGE_DEVICES)
    info = backup.backup(store, file)
    typer.echo(f"Đã sao lưu quầy {info.station_number} của {info.office_id}: {info.dossiers} hồ sơ, "
               f"{info.events} sự kiện, {info.blobs} tệp số hóa vào {info.path} (chỉ người dùng này đọc được).")
    typer.echo(f"Khôi phục: counter restore {info.path} --data-dir THƯ_MỤC_MỚI")


@app.command("restore")
@handle_errors
def restore_cmd(file: Annotated[Path, typer.Argument(help="Tệp do “counter backup” ghi")],
                force: Annotated[bool, typer.Option("--force", help="Thư mục dữ liệu đã có dữ liệu: chuyển dữ liệu "
                                                    "đó sang thư mục bên cạnh (không xóa) rồi khôi phục")] = False,
                data_dir: DataDir = None) -> None:
    """Khôi phục kho dữ liệu từ bản sao lưu vào một thư mục mới hoặc trống; lần đồng bộ tới lấy lại từ máy chủ
    những gì quầy đã gửi sau lúc sao lưu và cấp lại số cho những gì làm sau khi khôi phục."""
    from counter.services import backup

    target = (data_dir or default_data_dir()).expanduser()
    info, aside, last = backup.restore(file, target, force=force)
    if aside is not None:
        typer.echo(f"Dữ liệu cũ của {target} đã được chuyển sang {aside} (không xóa).")
    typer.echo(f"Đã khôi phục quầy {info.station_number} của {info.office_id} ({info.dossiers} hồ sơ, "
               f"{info.events} sự kiện, {info.blobs} tệp số hóa; sao lưu lúc {_when(info.made_at)}) vào {target}.")
    typer.echo(f"Sự kiện cuối của quầy trong bản sao lưu: số {last}. Lần đồng bộ tới (counter sync --once) sẽ lấy "
               "lại từ máy chủ những gì quầy đã gửi sau lúc sao lưu, rồi đánh số lại những gì làm sau khi khôi phục "
               "(mã hồ sơ nào đổi sẽ được báo).")


def _when(iso: str) -> str:
    from datetime import datetime

    from counter.domain.calendar import format_vn

    try:
        return format_vn(datetime.fromisoformat(iso))
    except ValueError:
        return iso or "không rõ"
