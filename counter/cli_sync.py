"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Đồng bộ: counter serve, counter sync, counter export portal (issue 8)
"""

from __future__ import annotations


# === counter serve: central server and its station tokens (issue 8, part A) ================================
# Everything between this line and the matching "end" line is the `counter serve` group. The sync client's
# commands (`counter sync ...`, `counter export portal`) go below it.

from pathlib import Path as _Path
from typing import Annotated as _Annotated, Optional as _Optional

import typer as _typer

from counter.cli import DataDir, PasswordOpt, UserOpt, app, cli_actor, default_data_dir, fail, handle_errors

serve_app = _typer.Typer(help="Máy chủ trung tâm: nhận đồng bộ từ các quầy và trang tra cứu công khai.",
                         invoke_without_command=True)
serve_token_app = _typer.Typer(help="Mã truy cập của các máy trạm.", no_args_is_help=True)
app.add_typer(serve_app, name="serve")
serve_app.add_typer(serve_token_app, name="token")

CentralDb = _Annotated[_Optional[str], _typer.Option(
    "--db", envvar="COUNTER_CENTRAL_DB",
    help="CSDL trung tâm: postgresql+psycopg://... (mặc định: sqlite trong thư mục dữ liệu, chỉ để thử)")]


def _central_url(db: str | None, data_dir: _Path | None) -> str:
    if db:
        return db
    base = data_dir or default_data_dir()
    base.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{base / 'central.sqlite3'}"


def _central_engine(db: str | None, data_dir: _Path | None):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from counter.central import db as central_db

    engine = central_db.make_engine(_central_url(db, data_dir), pool_size=2)
    try:
        central_db.upgrade(engine)
    except sa.exc.OperationalError as exc:
        fail(f"Không kết nối được CSDL trung tâm: {exc.orig}")
    except central_db.NotCentralDatabase as exc:  # an empty file, another program's database: left untouched
        engine.dispose()
        fail(exc.message)
    return engine


@serve_app.callback()
@handle_errors
def serve(ctx: _typer.Context, db: CentralDb = None,
          host: _Annotated[str, _typer.Option(help="Địa chỉ lắng nghe")] = "127.0.0.1",
          port: _Annotated[int, _typer.Option(min=1, max=65535, help="Cổng")] = 8780,
          track_rate: _Annotated[float, _typer.Option(min=0, max=1e6, help="Số lượt tra cứu/giây cho mỗi máy khách (0 = không giới hạn)")] = 2.0,
          track_burst: _Annotated[int, _typer.Option(min=0, max=10**6, help="Số lượt tra cứu liên tiếp tối đa")] = 20,
          track_cache: _Annotated[float, _typer.Option(min=0, max=86400, help="Giây giữ trang tra cứu trong bộ nhớ (0 = không)")] = 1.0,
          workers: _Annotated[int, _typer.Option(min=1, max=64, help="Số tiến trình phục vụ")] = 1,
          data_dir: DataDir = None) -> None:
    """Chạy máy chủ trung tâm (FastAPI + uvicorn); cập nhật lược đồ CSDL trước khi chạy."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from counter.central.app import create_app

    from counter.central.db import check_url

    url = check_url(_central_url(db, data_dir))
    _central_engine(db, data_dir).dispose()  # migrations, with a clean error when the database is unreachable
    _typer.echo(f"Máy chủ trung tâm: http://{host}:{port}  (CSDL: {url.split('@')[-1]})")
    if workers > 1:  # each worker process builds its own app from the environment
        import os

        os.environ.update(COUNTER_CENTRAL_DB=url, COUNTER_TRACK_RATE=str(track_rate),
                          COUNTER_TRACK_BURST=str(track_burst), COUNTER_TRACK_CACHE=str(track_cache))
        uvicorn.run("counter.central.app:app_from_env", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", proxy_headers=True)
        return
    application = create_app(url, migrate=False, track_rate=track_rate, track_burst=track_burst,
                             track_cache=track_cache)
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=True)


@serve_token_app.command("add")
@handle_errors
def serve_token_add(office: _Annotated[str, _typer.Option("--office", help="Mã cơ quan, ví dụ H55.242")],
                    station: _Annotated[int, _typer.Option("--station", min=1, max=9, help="Số máy trạm (1–9)")],
                    db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Cấp mã truy cập cho một máy trạm; dòng cuối cùng là mã (chỉ hiện một lần)."""
    from counter.central import tokens
    from counter.domain.clock import SystemClock

    token_id, token = tokens.add(_central_engine(db, data_dir), office, station, SystemClock().now())
    _typer.echo(f"Đã cấp mã truy cập số {token_id} cho máy trạm {station} của {office.strip()} "
                "(lưu lại ngay: máy chủ chỉ giữ mã băm):")
    _typer.echo(token)


@serve_token_app.command("list")
@handle_errors
def serve_token_list(db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Liệt kê các mã truy cập (không hiện mã)."""
    from counter.central import tokens
    from counter.domain.calendar import format_vn

    rows = tokens.list_tokens(_central_engine(db, data_dir))
    if not rows:
        _typer.echo("Chưa có mã truy cập nào.")
    for r in rows:
        state = f"thu hồi {format_vn(r.revoked_at)}" if r.revoked_at else "còn hiệu lực"
        _typer.echo(f"{r.id:>4}  {r.office_id:<12} máy {r.station_number:<3} {r.station_id or '(chưa gắn máy)':<36}  "
                    f"cấp {format_vn(r.created_at)}  {state}")


@serve_token_app.command("revoke")
@handle_errors
def serve_token_revoke(token_id: _Annotated[_Optional[int], _typer.Option("--id", min=1, max=2**62, help="Số của mã (xem token list)")] = None,
                       office: _Annotated[_Optional[str], _typer.Option("--office")] = None,
                       station: _Annotated[_Optional[int], _typer.Option("--station", min=1, max=9)] = None,
                       db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Thu hồi mã truy cập (theo --id, hoặc mọi mã của --office/--station)."""
    from counter.central import tokens
    from counter.domain.clock import SystemClock

    n = tokens.revoke(_central_engine(db, data_dir), token_id=token_id, office_id=office, station_number=station,
                      now=SystemClock().now())
    _typer.echo(f"Đã thu hồi {n} mã truy cập.")

@serve_app.command("verify")
@handle_errors
def serve_verify(office: _Annotated[_Optional[str], _typer.Option("--office", help="Chỉ một cơ quan")] = None,
                 db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Kiểm tra chuỗi băm và số thứ tự liên tục của các sự kiện đã nhận, theo từng cơ quan."""
    import sqlalchemy as sa

    from counter.central import ingest
    from counter.central.tables import offices

    engine = _central_engine(db, data_dir)
    bad = 0
    with engine.connect() as conn:
        ids = [office] if office else list(conn.execute(sa.select(offices.c.id).order_by(offices.c.id)).scalars())
        for office_id in ids:
            n, problem = ingest.verify_office_chain(conn, office_id)
            if problem:
                bad += 1
                _typer.echo(f"{office_id}: LỖI ở sự kiện thứ {n}: {problem}")
            else:
                _typer.echo(f"{office_id}: {n} sự kiện, chuỗi băm đúng")
    if bad:
        raise _typer.Exit(1)


@serve_app.command("new-epoch")
@handle_errors
def serve_new_epoch(db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Sau khi khôi phục CSDL từ bản sao lưu: đổi kỳ (epoch) để các quầy tải lại từ đầu và gửi lại phần thiếu."""
    from counter.central import db as central_db

    _typer.echo(f"Kỳ mới: {central_db.new_epoch(_central_engine(db, data_dir))}")


# === end of counter serve ==================================================================================


# === counter sync / counter export portal: the station's sync client (issue 8, part B) =====================

sync_app = _typer.Typer(help="Đồng bộ quầy với máy chủ trung tâm.", invoke_without_command=True)
app.add_typer(sync_app, name="sync")
export_app = _typer.Typer(help="Xuất dữ liệu cho hệ thống khác.", no_args_is_help=True)
app.add_typer(export_app, name="export")


def _vn_time(value) -> str:  # type: ignore[no-untyped-def]
    from counter.domain.calendar import format_vn

    return format_vn(value) if value is not None else "chưa có"


def _report_line(report) -> str:  # type: ignore[no-untyped-def]
    return (f"Đã gửi {report.pushed} sự kiện (nhận {report.accepted}, trùng {report.duplicate}, "
            f"từ chối {report.rejected}, chờ gửi lại {report.retry}), {report.blobs} tệp; "
            f"đã nhận {report.pulled} sự kiện ({report.applied} mới).")


@sync_app.callback()
@handle_errors
def sync(ctx: _typer.Context,
         once: _Annotated[bool, _typer.Option("--once", help="Đồng bộ một lần rồi thoát")] = False,
         interval: _Annotated[float, _typer.Option(min=0.1, max=86400, help="Số giây giữa hai lần đồng bộ")] = 15.0,
         data_dir: DataDir = None) -> None:
    """Đồng bộ với máy chủ: gửi hàng đợi (tệp trước, rồi sự kiện), nhận sự kiện của quầy khác; lặp lại mãi
    (Ctrl+C để dừng), hoặc một lần với --once."""
    if ctx.invoked_subcommand is not None:
        return
    import threading

    from counter.cli import open_store
    from counter.services import sync as sync_service
    from counter.sync.client import SyncError
    from counter.sync.loop import run_forever

    store = open_store(data_dir)
    client = sync_service.client_for(store)
    try:
        if once:
            try:
                report = sync_service.run_cycle(store, client)
            except SyncError as exc:
                fail(f"Đồng bộ với {client.url} không thành công: {exc.message} (hàng đợi vẫn giữ nguyên)")
            _typer.echo(_report_line(report))
            status = sync_service.status(store)
            _typer.echo(f"Còn chờ gửi: {status.pending}; xung đột: {status.conflicts}.")
            if report.problems:
                _typer.echo("Lưu ý: " + "; ".join(report.problems))
            return
        stop = threading.Event()

        def cycle() -> None:
            report = sync_service.run_cycle(store, client)
            if report.pushed or report.pulled or report.problems:
                _typer.echo(_report_line(report))

        def on_error(exc: BaseException, delay: float) -> None:
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            _typer.echo(f"Lỗi đồng bộ: {message}; thử lại sau {delay:.0f} giây.", err=True)

        _typer.echo(f"Đồng bộ với {client.url} mỗi {interval:g} giây (Ctrl+C để dừng).")
        try:
            run_forever(cycle, stop, interval=interval, on_error=on_error)
        except KeyboardInterrupt:
            stop.set()
            _typer.echo("Đã dừng đồng bộ.")
    finally:
        client.close()


@sync_app.command("status")
@handle_errors
def sync_status(data_dir: DataDir = None) -> None:
    """Tình trạng đồng bộ: máy chủ, số sự kiện chờ gửi, lần thành công và lỗi gần nhất, xung đột."""
    from counter.cli import open_store
    from counter.services import sync as sync_service

    store = open_store(data_dir)
    st = sync_service.status(store)
    _typer.echo(f"Máy chủ: {st.url or 'chưa cài đặt (counter sync setup --url URL --token MÃ)'}")
    _typer.echo(f"Chờ gửi: {st.pending} sự kiện")
    _typer.echo(f"Lần đồng bộ thành công gần nhất: {_vn_time(st.last_success)}")
    if st.last_error:
        _typer.echo(f"Lỗi gần nhất ({_vn_time(st.last_error_at)}): {st.last_error}")
    else:
        _typer.echo("Lỗi gần nhất: không có")
    _typer.echo(f"Xung đột (máy chủ không nhận) chưa xử lý: {st.conflicts}")
    for c in sync_service.conflicts(store)[:20]:
        _typer.echo(f"  {c.dossier_code}  {c.kind_label} lúc {_vn_time(c.event_at)}: {c.reason}")
    settled = [c for c in sync_service.conflicts(store, include_resolved=True) if not c.is_open]
    if settled:
        _typer.echo(f"Đã xử lý {len(settled)} xung đột (làm lại hoặc bỏ qua kèm ghi chú; xem ở màn hình "
                    "“Xung đột đồng bộ”, phím A).")
    elif st.conflicts:
        _typer.echo("Xử lý từng xung đột trong ứng dụng: Ctrl+P → “Xung đột đồng bộ” (mở hồ sơ, làm lại, bỏ qua).")


@sync_app.command("setup")
@handle_errors
def sync_setup(url: _Annotated[str, _typer.Option("--url", help="Địa chỉ máy chủ, ví dụ http://127.0.0.1:8780")],
               token: _Annotated[str, _typer.Option("--token", help="Mã truy cập do “counter serve token add” cấp")],
               user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Nối quầy này với máy chủ trung tâm (quản trị)."""
    from counter.cli import open_store
    from counter.domain.permissions import Action
    from counter.services import sync as sync_service

    url = sync_service.validate_server_url(url)  # a bad address or token is refused before the login is asked
    token = sync_service.validate_token(token)
    store = open_store(data_dir)
    cli_actor(store, user, password, Action.MANAGE_DEVICES)
    sync_service.setup(store, url, token)
    client = sync_service.client_for(store)
    try:
        reachable = client.health()
    finally:
        client.close()
    _typer.echo(f"Đã nối quầy với {url.rstrip('/')}." + ("" if reachable else
                " Máy chủ hiện chưa trả lời: hàng đợi sẽ được gửi khi có kết nối."))


@export_app.command("portal")
@handle_errors
def export_portal(start: _Annotated[str, _typer.Option("--from", help="Từ ngày (YYYY-MM-DD), theo ngày tiếp nhận")],
                  end: _Annotated[str, _typer.Option("--to", help="Đến ngày (YYYY-MM-DD), kể cả ngày này")],
                  out: _Annotated[_Optional[_Path], _typer.Option("--out", help="Tệp JSON (mặc định: in ra)")] = None,
                  user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Xuất hồ sơ theo cấu trúc của Cổng dịch vụ công quốc gia (MaHoSo, NgayTiepNhan yyyyMMddHHmmss, …)."""
    import json
    from datetime import date

    from counter.cli import open_store, say
    from counter.domain.permissions import Action
    from counter.services import portal

    from counter.domain.scorecard import MAX_YEAR, MIN_YEAR

    try:
        a, b = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        fail("Ngày phải có dạng YYYY-MM-DD, ví dụ 2026-11-23")
    if not (MIN_YEAR <= a.year <= MAX_YEAR and MIN_YEAR <= b.year <= MAX_YEAR):
        fail(f"Ngày nằm ngoài khoảng cho phép (năm {MIN_YEAR}–{MAX_YEAR})")
    store = open_store(data_dir)
    cli_actor(store, user, password, Action.VIEW_REPORTS)  # every dossier's applicant, ID number, address
    payload = portal.export(store, a, b)
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    if out is None:
        say(text)
    else:
        try:
            from counter.fsutil import write_atomic

            write_atomic((text + "\n").encode("utf-8"), out)  # 0600: the export names citizens
        except OSError as exc:
            fail(f"Không ghi được {out}: {exc.strerror}")
        _typer.echo(f"Đã xuất {payload['SoLuong']} hồ sơ vào {out}")
