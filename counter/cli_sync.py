"""Commands of one area, registered on the main `counter` app when counter.cli imports this module.

Đồng bộ: counter serve, counter sync, counter export portal (issue 8)
"""

from __future__ import annotations


# === counter serve: central server and its station tokens (issue 8, part A) ================================
# Everything between this line and the matching "end" line is the `counter serve` group. The sync client's
# commands (`counter sync ...`, `counter export portal`) go below it.

from contextlib import contextmanager as _contextmanager
from pathlib import Path as _Path
from typing import Annotated as _Annotated

import typer as _typer

from counter.cli import (DataDir, FullNameOpt, PasswordOpt, RoleOpt, StationTokenOpt, UserOpt, app, command_group,
                         default_data_dir, fail, handle_errors, signed_in, users_app)

serve_app = command_group(app, "serve", "Máy chủ trung tâm: nhận đồng bộ từ các quầy và trang tra cứu công khai.",
                          runs_alone=True)
serve_token_app = command_group(serve_app, "token", "Mã truy cập của các máy trạm.")

SERVER_MISSING = "Máy này chưa cài phần máy chủ trung tâm: cài bằng lệnh  pip install 'counter[server]'"
CentralDb = _Annotated[str | None, _typer.Option(
    "--db", envvar="COUNTER_CENTRAL_DB",
    help="CSDL trung tâm: postgresql+psycopg://... (mặc định: sqlite trong thư mục dữ liệu, chỉ để thử)")]
OfficeOpt = _Annotated[str, _typer.Option("--office", help="Mã cơ quan, ví dụ H55.242")]
OfficeFilterOpt = _Annotated[str | None, _typer.Option("--office", help="Chỉ một cơ quan")]
#: the server's blob store (`serve`, and the target of `serve blobs migrate`): the flag, else [server] blob_url
BlobUrlOpt = _Annotated[str | None, _typer.Option(
    "--blob-url", help="Kho tệp: file:///thu/muc hoặc s3://thung (khóa S3 từ COUNTER_S3_*); mặc định: [server] "
                       "blob_url, không có thì bảng trong CSDL")]


def _central_url(db: str | None, data_dir: _Path | None) -> str:
    """--db (or COUNTER_CENTRAL_DB), else [server] db of the settings, else sqlite in the data dir (trying only)."""
    db = db or _settings(data_dir).server.db
    if db:
        return db
    base = data_dir or default_data_dir()
    base.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{base / 'central.sqlite3'}"


def _central_engine(db: str | None, data_dir: _Path | None, migrate: bool = True):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from counter.central import db as central_db

    try:
        engine = central_db.make_engine(_central_url(db, data_dir), pool_size=2)
    except ImportError as exc:  # postgresql+psycopg:// on a station installed without the server extra
        fail(f"{SERVER_MISSING} (thiếu {exc.name})")
    try:
        if migrate or engine.dialect.name != "postgresql":
            central_db.upgrade(engine)
        else:
            central_db.check_database(engine)
            central_db.check_at_head(engine)
    except central_db.NotAtHead as exc:
        engine.dispose()
        fail(exc.message)
    except sa.exc.OperationalError as exc:
        fail(f"Không kết nối được CSDL trung tâm: {exc.orig}")
    except central_db.NotCentralDatabase as exc:  # an empty file, another program's database: left untouched
        engine.dispose()
        fail(exc.message)
    return engine


@serve_app.callback()
@handle_errors
def serve(ctx: _typer.Context, db: CentralDb = None,
          host: _Annotated[str | None, _typer.Option(help="Địa chỉ lắng nghe (mặc định 127.0.0.1)")] = None,
          port: _Annotated[int | None, _typer.Option(min=1, max=65535, help="Cổng (mặc định 8780)")] = None,
          track_rate: _Annotated[float | None, _typer.Option(min=0, max=1e6, help="Số lượt tra cứu/giây cho mỗi máy "
                                                                  "khách (0 = không giới hạn; mặc định 2)")] = None,
          track_burst: _Annotated[int | None, _typer.Option(min=0, max=10**6, help="Số lượt tra cứu liên tiếp tối đa "
                                                                "(mặc định 20)")] = None,
          track_cache: _Annotated[float | None, _typer.Option(min=0, max=86400, help="Giây giữ trang tra cứu trong bộ "
                                                                   "nhớ (0 = không; mặc định 1)")] = None,
          workers: _Annotated[int | None, _typer.Option(min=1, max=64, help="Số tiến trình phục vụ (mặc định 1)")] = None,
          forwarded_allow_ips: _Annotated[str | None, _typer.Option(
              "--forwarded-allow-ips", help="Proxy tin cậy (ví dụ 127.0.0.1, 10.0.0.0/8): chỉ từ các địa chỉ này "
                                            "mới tin X-Forwarded-For (mặc định: không tin ai)")] = None,
          blob_url: BlobUrlOpt = None,
          data_dir: DataDir = None) -> None:
    """Chạy máy chủ trung tâm (FastAPI + uvicorn). SQLite (thử): cập nhật lược đồ khi chạy; PostgreSQL: lược đồ
    phải ở phiên bản mới nhất (chạy `counter serve migrate` trước)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        import uvicorn

        import counter.central.app  # noqa: F401  (a clerk's PC has the station without the server extra)
    except ImportError as exc:
        fail(f"{SERVER_MISSING} (thiếu {exc.name})")
    from counter import compose

    settings = _settings(data_dir, server=dict(host=host, port=port, track_rate=track_rate, track_burst=track_burst,
                                               track_cache=track_cache, workers=workers, db=db,
                                               forwarded_allow_ips=forwarded_allow_ips, blob_url=blob_url))
    s = settings.server
    from counter.central.db import check_url

    s.db = url = check_url(_central_url(s.db or None, data_dir))
    # SQLite (one process, trying things): migrated here; PostgreSQL: only checked (a separate release step)
    _central_engine(url, data_dir, migrate=url.startswith("sqlite")).dispose()
    from counter.central import blobs as central_blobs
    from counter.central import ops

    try:
        ops.parse_networks(s.forwarded_allow_ips)
        central_blobs.open_store(s.blob_url, None)  # checks the address only
    except central_blobs.BlobStoreError as exc:
        fail(exc.message)
    if s.json_logs:
        ops.json_logging()
    _typer.echo(f"Máy chủ trung tâm: http://{s.host}:{s.port}  (CSDL: {url.split('@')[-1]})")
    if s.portal_adapter_url:  # issue 16: the outbox worker runs inside the server
        _typer.echo(f"Gửi hồ sơ lên Cổng DVCQG {s.portal_adapter_url} mỗi {s.portal_interval:g} giây "
                    "(xem: counter serve portal status)")
    if s.workers > 1:  # each worker process builds its own app from the Settings (its environment: these)
        import os

        os.environ.update(s.environment())
        uvicorn.run("counter.central.app:app_from_env", factory=True, workers=s.workers, host=s.host, port=s.port,
                    log_level="warning", proxy_headers=False)  # the app reads X-Forwarded-For (--forwarded-allow-ips)
        return
    uvicorn.run(compose.server(settings), host=s.host, port=s.port, log_level="warning", proxy_headers=False)


@serve_app.command("migrate")
@handle_errors
def serve_migrate(db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Cập nhật lược đồ CSDL trung tâm lên phiên bản mới nhất (bước phát hành, giữ khóa tư vấn của PostgreSQL:
    hai lần chạy cùng lúc lần lượt nối tiếp nhau)."""
    from counter.central import db as central_db

    engine = _central_engine(db, data_dir)
    try:
        _typer.echo(f"Lược đồ CSDL trung tâm ở phiên bản mới nhất: {central_db.current_revision(engine)}")
    finally:
        engine.dispose()


serve_blobs_app = command_group(serve_app, "blobs", "Kho tệp của máy chủ trung tâm.")


@serve_blobs_app.command("migrate")
@handle_errors
def serve_blobs_migrate(blob_url: BlobUrlOpt = None, db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Chuyển các tệp đang nằm trong CSDL sang kho tệp (thư mục hoặc S3); chạy lại được nếu bị ngắt."""
    url = blob_url or _settings(data_dir).server.blob_url
    with _central_blobs(db, data_dir, url) as (_, store):
        moved, size = store.migrate()
    _typer.echo(f"Đã chuyển {moved} tệp ({size / 1048576:.1f} MB) từ CSDL sang kho tệp {url}.")


@_contextmanager
def _central_blobs(db: str | None, data_dir: _Path | None, url: str):  # type: ignore[no-untyped-def]
    """The central database's engine and its blob store at `url`, disposed at the end; the store's error is one
    line and exit 1."""
    from counter.central import blobs as central_blobs

    engine = _central_engine(db, data_dir)
    try:
        yield engine, central_blobs.CentralBlobs(engine, central_blobs.open_store(url, engine))
    except central_blobs.BlobStoreError as exc:
        fail(exc.message)
    finally:
        engine.dispose()


def _settings(data_dir: _Path | None, **flags):  # type: ignore[no-untyped-def]
    from counter.domain.errors import CounterError
    from counter.settings import Settings

    try:
        return Settings.load(data_dir or default_data_dir(), **flags)
    except CounterError as exc:
        fail(exc.message)


def _now():  # type: ignore[no-untyped-def]
    """The time a command of the central server records (tokens, users, online uploads)."""
    from counter.domain.clock import SystemClock

    return SystemClock().now()


@serve_token_app.command("add")
@handle_errors
def serve_token_add(office: OfficeOpt,
                    station: _Annotated[int | None, _typer.Option("--station", min=1, max=9,
                                                                  help="Số máy trạm (1–9)")] = None,
                    portal: _Annotated[bool, _typer.Option("--portal", help="Mã của Cổng DVCQG gửi hồ sơ trực tuyến "
                                                                            "của cơ quan (thay cho --station)")] = False,
                    db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Cấp mã truy cập cho một máy trạm (hoặc cho Cổng DVCQG: --portal); dòng cuối cùng là mã (chỉ hiện một lần)."""
    from counter.central import tokens

    if portal == (station is not None):
        fail("Cần --station SỐ (mã của máy trạm) hoặc --portal (mã của Cổng DVCQG), không dùng cả hai.")
    token_id, token = tokens.add(_central_engine(db, data_dir), office, station or 0, _now(),
                                 portal=portal)
    who = "Cổng DVCQG" if portal else f"máy trạm {station}"
    _typer.echo(f"Đã cấp mã truy cập số {token_id} cho {who} của {office.strip()} "
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
        who = "Cổng DVCQG" if r.portal else f"máy {r.station_number:<3} {r.station_id or '(chưa gắn máy)':<36}"
        _typer.echo(f"{r.id:>4}  {r.office_id:<12} {who:<41}  "
                    f"cấp {format_vn(r.created_at)}  {state}")


@serve_token_app.command("revoke")
@handle_errors
def serve_token_revoke(token_id: _Annotated[int | None, _typer.Option("--id", min=1, max=2**62,
                                                                      help="Số của mã (xem token list)")] = None,
                       office: _Annotated[str | None, _typer.Option("--office")] = None,
                       station: _Annotated[int | None, _typer.Option("--station", min=1, max=9)] = None,
                       db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Thu hồi mã truy cập (theo --id, hoặc mọi mã của --office/--station)."""
    from counter.central import tokens

    n = tokens.revoke(_central_engine(db, data_dir), token_id=token_id, office_id=office, station_number=station,
                      now=_now())
    _typer.echo(f"Đã thu hồi {n} mã truy cập.")

@serve_app.command("verify")
@handle_errors
def serve_verify(office: OfficeFilterOpt = None,
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


# --- counter serve users: the office's users, kept by the server (issue 14, item 3) -------------------------

serve_users_app = command_group(serve_app, "users",
                                "Người dùng của các cơ quan (máy chủ giữ danh sách; quầy nhận khi đồng bộ).")


def _user_line(u) -> str:  # type: ignore[no-untyped-def]
    return f"{u.username} ({u.role_label}, {'khóa' if u.locked else 'hoạt động'}) của {u.office_id}"


@serve_users_app.command("add")
@handle_errors
def serve_users_add(username: str, office: OfficeOpt,
                    name: FullNameOpt,
                    role: RoleOpt,
                    password: _Annotated[str | None, _typer.Option(help="Mật khẩu (hỏi nếu bỏ trống)")] = None,
                    db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Thêm người dùng cho một cơ quan; các quầy của cơ quan nhận ở lần đồng bộ sau."""
    from counter.central import users
    from counter.cli import _password

    u = users.add(_central_engine(db, data_dir), office, username, name, role, _password(password), _now())
    _typer.echo(f"Đã thêm {_user_line(u)}; các quầy nhận ở lần đồng bộ sau.")


@serve_users_app.command("list")
@handle_errors
def serve_users_list(office: OfficeFilterOpt = None,
                     db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Danh sách người dùng (không hiện mật khẩu)."""
    from counter.central import users
    from counter.domain.calendar import format_vn

    rows = users.list_users(_central_engine(db, data_dir), office)
    if not rows:
        _typer.echo("Chưa có người dùng nào trên máy chủ" + (f" cho {office.strip()}." if office else "."))
    for u in rows:
        _typer.echo(f"{u.office_id:<12} {u.username:<16} {u.role:<11} {'khóa' if u.locked else 'hoạt động':<10} "
                    f"{u.full_name}  (sửa {format_vn(u.updated_at)})")


@serve_users_app.command("passwd")
@handle_errors
def serve_users_passwd(username: str, office: OfficeOpt,
                       password: _Annotated[str | None, _typer.Option(help="Mật khẩu mới (hỏi nếu bỏ trống)")] = None,
                       db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Đặt mật khẩu mới; các quầy nhận ở lần đồng bộ sau."""
    from counter.central import users
    from counter.cli import _password

    u = users.set_password(_central_engine(db, data_dir), office, username, _password(password, "Mật khẩu mới"),
                           _now())
    _typer.echo(f"Đã đổi mật khẩu của {_user_line(u)}; các quầy nhận ở lần đồng bộ sau.")


@serve_users_app.command("lock")
@handle_errors
def serve_users_lock(username: str, office: OfficeOpt,
                     unlock: _Annotated[bool, _typer.Option("--unlock", help="Mở khóa")] = False,
                     db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Khóa (hoặc mở với --unlock) một tài khoản: máy chủ không nhận sự kiện của tài khoản bị khóa."""
    from counter.central import users

    u = users.set_locked(_central_engine(db, data_dir), office, username, not unlock, _now())
    _typer.echo(f"Đã {'mở khóa' if unlock else 'khóa'} {_user_line(u)}.")


@serve_users_app.command("role")
@handle_errors
def serve_users_role(username: str, role: _Annotated[str, _typer.Argument(help="clerk | postal | supervisor | admin")],
                     office: OfficeOpt, db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Đổi vai trò: máy chủ xét mọi sự kiện gửi lên theo vai trò này, các quầy nhận ở lần đồng bộ sau."""
    from counter.central import users

    u = users.set_role(_central_engine(db, data_dir), office, username, role, _now())
    _typer.echo(f"Đã đổi vai trò: {_user_line(u)}.")


@serve_users_app.command("import")
@handle_errors
def serve_users_import(file: _Path,
                       office: _Annotated[str | None,
                                          _typer.Option("--office", help="Mã cơ quan (mặc định: theo tệp)")] = None,
                       db: CentralDb = None, data_dir: DataDir = None) -> None:
    """Chuyển người dùng của một quầy cũ lên máy chủ, một lần (tệp của “counter users export”); không nhận khi
    máy chủ đã có người dùng của cơ quan đó."""
    from counter.central import users

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"Không đọc được {file}: {getattr(exc, 'strerror', None) or 'không phải văn bản UTF-8'}")
    office_id, n = users.import_users(_central_engine(db, data_dir), text, _now(), office)
    _typer.echo(f"Đã nhập {n} người dùng cho {office_id}; từ nay quản lý bằng “counter serve users …”, "
                "các quầy nhận ở lần đồng bộ sau.")


# === end of counter serve ==================================================================================


# === counter sync / counter export portal: the station's sync client (issue 8, part B) =====================

sync_app = command_group(app, "sync", "Đồng bộ quầy với máy chủ trung tâm.", runs_alone=True)
export_app = command_group(app, "export", "Xuất dữ liệu cho hệ thống khác.")


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
         interval: _Annotated[float | None, _typer.Option(min=0.1, max=86400, help="Số giây giữa hai lần đồng bộ "
                                                                     "(mặc định 15)")] = None,
         data_dir: DataDir = None) -> None:
    """Đồng bộ với máy chủ: gửi hàng đợi (tệp trước, rồi sự kiện), nhận sự kiện của quầy khác; lặp lại mãi
    (Ctrl+C để dừng), hoặc một lần với --once."""
    if ctx.invoked_subcommand is not None:
        return
    import threading

    from counter import compose
    from counter.cli import open_store
    from counter.sync.client import SyncError

    runner = compose.station(data_dir, open_store=open_store, sync={"interval": interval}).sync  # the app's runner
    url = runner.url()
    if once:
        try:
            report = runner.cycle()
        except SyncError as exc:
            fail(f"Đồng bộ với {url} không thành công: {exc.message} (hàng đợi vẫn giữ nguyên)")
        except Exception:  # recorded by run_cycle: `counter sync status` shows it; never a traceback here
            fail(f"Đồng bộ với {url} không thành công: {runner.status().last_error} (hàng đợi vẫn giữ nguyên)")
        _typer.echo(_report_line(report))
        for old, new in report.renumbered:
            _typer.echo(f"Mã hồ sơ đổi: {old} → {new} (quầy khôi phục từ bản sao lưu; báo mã mới cho người nộp)")
        status = runner.status()
        _typer.echo(f"Còn chờ gửi: {status.pending}; xung đột: {status.conflicts}.")
        if report.problems:
            _typer.echo("Lưu ý: " + "; ".join(report.problems))
        return
    stop = threading.Event()

    def reported(report) -> None:  # type: ignore[no-untyped-def]
        if report.pushed or report.pulled or report.problems:
            _typer.echo(_report_line(report))

    def on_error(exc: BaseException, delay: float) -> None:
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        _typer.echo(f"Lỗi đồng bộ: {message}; thử lại sau {delay:.0f} giây.", err=True)

    runner.on_report, runner.on_error = reported, on_error
    _typer.echo(f"Đồng bộ với {url} mỗi {runner.interval:g} giây (Ctrl+C để dừng).")
    try:
        runner.run(stop)
    except KeyboardInterrupt:
        stop.set()
        _typer.echo("Đã dừng đồng bộ.")


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
               token: StationTokenOpt,
               user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Nối quầy này với máy chủ trung tâm (quản trị)."""
    from counter.domain.permissions import Action
    from counter.services import sync as sync_service

    url = sync_service.validate_server_url(url)  # a bad address or token is refused before the login is asked
    token = sync_service.validate_token(token)
    store, _ = signed_in(data_dir, user, password, Action.MANAGE_DEVICES)
    sync_service.setup(store, url, token)
    client = sync_service.client_for(store)
    try:
        reachable = client.health()
    finally:
        client.close()
    _typer.echo(f"Đã nối quầy với {url.rstrip('/')}." + ("" if reachable else
                " Máy chủ hiện chưa trả lời: hàng đợi sẽ được gửi khi có kết nối."))


@users_app.command("export")
@handle_errors
def users_export(out: _Annotated[_Path, _typer.Option("--out", help="Tệp JSON (có mã băm mật khẩu: giữ kín)")],
                 data_dir: DataDir = None) -> None:
    """Xuất người dùng của quầy (kèm mã băm mật khẩu) để nhập lên máy chủ trung tâm một lần
    (“counter serve users import TỆP”)."""
    import json

    from counter.cli import open_store
    from counter.fsutil import write_atomic
    from counter.services import auth

    data = auth.export_users(open_store(data_dir))
    try:
        write_atomic((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), out)  # 0600
    except OSError as exc:
        fail(f"Không ghi được {out}: {exc.strerror}")
    _typer.echo(f"Đã xuất {len(data['users'])} người dùng của {data['office_id']} vào {out}")


@export_app.command("portal")
@handle_errors
def export_portal(start: _Annotated[str, _typer.Option("--from", help="Từ ngày (YYYY-MM-DD), theo ngày tiếp nhận")],
                  end: _Annotated[str, _typer.Option("--to", help="Đến ngày (YYYY-MM-DD), kể cả ngày này")],
                  out: _Annotated[_Path | None, _typer.Option("--out", help="Tệp JSON (mặc định: in ra)")] = None,
                  user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Xuất hồ sơ theo cấu trúc của Cổng dịch vụ công quốc gia (MaHoSo, NgayTiepNhan yyyyMMddHHmmss, …)."""
    import json
    from datetime import date

    from counter.cli import say
    from counter.domain.permissions import Action
    from counter.services import portal

    from counter.domain.scorecard import MAX_YEAR, MIN_YEAR

    try:
        a, b = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        fail("Ngày phải có dạng YYYY-MM-DD, ví dụ 2026-11-23")
    if not (MIN_YEAR <= a.year <= MAX_YEAR and MIN_YEAR <= b.year <= MAX_YEAR):
        fail(f"Ngày nằm ngoài khoảng cho phép (năm {MIN_YEAR}–{MAX_YEAR})")
    store, _ = signed_in(data_dir, user, password, Action.VIEW_REPORTS)  # every dossier's applicant, ID number, address
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


from counter import cli_portal  # noqa: E402,F401  (issue 16: counter serve portal ...)
from counter import cli_online  # noqa: E402,F401  (issue 15: counter serve online ...)
