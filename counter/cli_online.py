"""`counter serve online ...`: the central server's online filing (issue 15).

    counter serve online cleanup    delete the uploads no dossier names, older than [server] upload_lifetime_hours
                                    (the worker inside `counter serve` does it every hour)
"""

from __future__ import annotations

from typing import Annotated

import typer

from counter.cli import DataDir, command_group, fail, handle_errors
from counter.cli_sync import CentralDb, _central_blobs, _now, _settings, serve_app

online_app = command_group(serve_app, "online", "Nộp hồ sơ trực tuyến trên máy chủ trung tâm.")


@online_app.command("cleanup")
@handle_errors
def online_cleanup(hours: Annotated[float | None, typer.Option(
                       "--hours", help="Xóa tệp tải lên quá số giờ này mà không hồ sơ nào dùng (mặc định: [server] "
                                       "upload_lifetime_hours; tối thiểu 6)")] = None,
                   db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Xóa các tệp công dân đã tải lên nhưng không nộp (không hồ sơ nào dùng đến) sau thời hạn lưu giữ."""
    from counter.central.online import cleanup_uploads

    server = _settings(data_dir).server
    lifetime = server.upload_lifetime_hours if hours is None else hours
    if not 6 <= lifetime <= 24 * 365:
        fail(f"Thời hạn lưu giữ phải từ 6 đến {24 * 365} giờ (một tệp đang chờ xác nhận nộp có hiệu lực 6 giờ), "
             f"nhận được {lifetime:g}")
    with _central_blobs(db, data_dir, server.blob_url) as (engine, blobs):
        done = cleanup_uploads(engine, blobs, _now(), lifetime)
    typer.echo(f"Đã xóa {done.removed} tệp tải lên không được nộp; giữ {done.kept} tệp đã thuộc hồ sơ.")
