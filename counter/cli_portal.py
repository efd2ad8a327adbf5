"""`counter serve portal ...`: the central server's push to the national portal (issue 16).

    counter serve portal status [--from D --to D]   pending, in doubt, confirmed, last error, 766 figure 1.4
    counter serve portal push                       one pass now (the worker inside `counter serve` does it
                                                    every [server] portal_interval seconds)
    counter serve portal map list|set|remove        the mapping tables (procedure, status, field codes)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from counter.cli import DataDir, command_group, fail, handle_errors, say
from counter.cli_sync import CentralDb, _central_engine, _settings, serve_app

portal_app = command_group(serve_app, "portal", "Đồng bộ hồ sơ lên Cổng dịch vụ công quốc gia.")
portal_map_app = command_group(portal_app, "map",
                               "Bảng ánh xạ mã thủ tục, trạng thái, lĩnh vực sang mã của Cổng DVCQG.")

NOT_SET = ("Chưa cấu hình Cổng DVCQG: đặt [server] portal_adapter_url, portal_user, portal_agency trong "
           "config.toml và mật khẩu trong biến môi trường COUNTER_SERVER__PORTAL_PASSWORD")


def _day(text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail("Ngày phải có dạng YYYY-MM-DD, ví dụ 2026-11-23")
    raise AssertionError  # pragma: no cover


def _shown(iso: str) -> str:
    if not iso:
        return "chưa có"
    from counter.domain.calendar import format_vn

    try:
        return format_vn(datetime.fromisoformat(iso))
    except ValueError:
        return iso


@portal_app.command("status")
@handle_errors
def portal_status(start: Annotated[str | None, typer.Option("--from", help="Chỉ số 1.4 từ ngày (mặc định: đầu tháng)")] = None,
                  end: Annotated[str | None, typer.Option("--to", help="đến ngày (mặc định: hôm nay)")] = None,
                  db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Hàng đợi gửi lên Cổng DVCQG: chờ gửi, lỗi gần nhất, số đã được Cổng xác nhận; chỉ số 1.4 theo cơ quan."""
    from counter.central import portal_out
    from counter.domain.calendar import VN_TZ
    from counter.domain.clock import SystemClock

    server = _settings(data_dir).server
    today = SystemClock().now().astimezone(VN_TZ).date()
    a, b = _day(start, today.replace(day=1)), _day(end, today)
    if b < a:
        fail("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu")
    engine = _central_engine(db, data_dir)
    try:
        st = portal_out.status(engine)
        figure = portal_out.confirmed_per_office(engine, a, b)
    finally:
        engine.dispose()
    if server.portal_adapter_url:
        say(f"Cổng DVCQG: {server.portal_adapter_url} (mã đơn vị {server.portal_agency or '—'}, "
            f"tài khoản {server.portal_user or '—'})")
    else:
        say(NOT_SET)
    doubt = f" ({st.in_doubt} mục chưa rõ Cổng đã nhận, sẽ tra cứu trước khi gửi lại)" if st.in_doubt else ""
    say(f"Chờ gửi: {st.pending} mục{doubt}")
    say(f"Đã được Cổng xác nhận: {st.confirmed} mục")
    if st.oldest_pending is not None:
        say(f"Mục chờ lâu nhất từ: {_shown(st.oldest_pending.isoformat())}")
    say(f"Gửi thành công gần nhất: {_shown(st.last_ok)}")
    say(f"Lỗi gần nhất: {st.last_error or 'không có'}" + (f" (lúc {_shown(st.last_error_at)})" if st.last_error
                                                            and st.last_error_at else ""))
    say(f"Chỉ số 1.4 (hồ sơ tiếp nhận {a:%d/%m/%Y}–{b:%d/%m/%Y} đã được Cổng xác nhận):")
    if not figure:
        say("  chưa có hồ sơ nào")
    for office, (confirmed, total) in figure.items():
        share = f"{100 * confirmed / total:.1f}".replace(".", ",") if total else "0"
        say(f"  {office}: {confirmed}/{total} hồ sơ ({share}%)")


@portal_app.command("push")
@handle_errors
def portal_push(db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Gửi ngay các hồ sơ và bước xử lý đang chờ lên Cổng DVCQG (một lượt)."""
    from counter.central import portal_out
    from counter.central.portal_client import password

    server = _settings(data_dir).server
    if not server.portal_adapter_url or not server.portal_user or not password():
        fail(NOT_SET)
    engine = _central_engine(db, data_dir)
    pusher = portal_out.Pusher(engine, server)
    try:
        result = pusher.once()
        st = portal_out.status(engine)
    finally:
        pusher.stop()
        engine.dispose()
    say(f"Đã gửi {result.sent} mục, Cổng xác nhận {result.confirmed} mục; còn chờ {st.pending} mục.")
    if st.pending and (result.error or st.last_error):
        say(f"Lỗi: {result.error or st.last_error}", err=True)
        raise typer.Exit(1)


@portal_map_app.command("list")
@handle_errors
def portal_map_list(db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Các dòng của bảng ánh xạ."""
    from counter.central import portal_out

    engine = _central_engine(db, data_dir)
    try:
        rows = portal_out.list_codes(engine)
    finally:
        engine.dispose()
    if not rows:
        say("Bảng ánh xạ trống: mã của hệ thống được gửi nguyên như vậy.")
    for kind, ours, theirs in rows:
        say(f"{kind:<10} {ours:<30} → {theirs}")


@portal_map_app.command("set")
@handle_errors
def portal_map_set(kind: Annotated[str, typer.Argument(help="procedure | status | field")],
                   ours: Annotated[str, typer.Argument(help="Mã của hệ thống (mã thủ tục, số trạng thái, tên lĩnh vực)")],
                   theirs: Annotated[str, typer.Argument(help="Mã tương ứng trên Cổng DVCQG")],
                   db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Đặt (hoặc sửa) một dòng; áp dụng cho các hồ sơ đưa vào hàng đợi từ nay."""
    from counter.central import portal_out
    from counter.domain.clock import SystemClock

    engine = _central_engine(db, data_dir)
    try:
        kind, ours, theirs = portal_out.set_code(engine, kind, ours, theirs, SystemClock().now())
    finally:
        engine.dispose()
    say(f"Đã đặt {kind} {ours} → {theirs}")


@portal_map_app.command("remove")
@handle_errors
def portal_map_remove(kind: Annotated[str, typer.Argument(help="procedure | status | field")],
                      ours: Annotated[str, typer.Argument(help="Mã của hệ thống")],
                      db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Bỏ một dòng (mã đó lại được gửi nguyên như vậy)."""
    from counter.central import portal_out

    engine = _central_engine(db, data_dir)
    try:
        n = portal_out.remove_code(engine, kind, ours)
    finally:
        engine.dispose()
    if not n:
        fail(f"Không có dòng {kind} “{ours}” trong bảng ánh xạ")
    say(f"Đã bỏ {kind} {ours}")


__all__ = ["portal_app"]
