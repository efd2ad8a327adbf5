"""The `counter` command (Typer). Every command takes --data-dir (or COUNTER_HOME)."""

from __future__ import annotations

import functools
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from collections.abc import Callable

import typer

from counter.cli_vi import VietnameseGroup
from counter.domain.calendar import MAX_WORKING_DAYS  # not the catalogue: its parsers weigh on every command
from counter.domain.errors import CounterError

if TYPE_CHECKING:
    from counter.services.store import Actor, Store

app = typer.Typer(help="Một cửa — phần mềm quầy tiếp nhận và trả kết quả.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=True, cls=VietnameseGroup)


def command_group(parent: typer.Typer, name: str, help: str, *, runs_alone: bool = False) -> typer.Typer:
    """The group of commands `… name …` under `parent` (every area module makes its own). Typed without a command
    it shows its help; with runs_alone it runs its own callback instead (counter serve, counter sync)."""
    group = (typer.Typer(help=help, invoke_without_command=True) if runs_alone
             else typer.Typer(help=help, no_args_is_help=True))
    parent.add_typer(group, name=name)
    return group


db_app = command_group(app, "db", "Kho dữ liệu SQLite của quầy.")
catalogue_app = command_group(app, "catalogue", "Danh mục thủ tục hành chính.")
users_app = command_group(app, "users", "Người dùng.")
calendar_app = command_group(app, "calendar", "Lịch làm việc và ngày hẹn trả.")
override_app = command_group(calendar_app, "override", "Ngày nghỉ / ngày làm bù của cơ quan.")
cccd_app = command_group(app, "cccd", "Mã QR trên thẻ CCCD.")
audit_app = command_group(app, "audit", "Kiểm tra toàn vẹn nhật ký sự kiện.")
print_app = command_group(app, "print", "In (hoặc in lại) biểu mẫu của hồ sơ.")
office_app = command_group(app, "office", "Thông tin cơ quan: tên, địa chỉ tra cứu công khai trên giấy tiếp nhận.")

def _print_version(value: bool) -> None:
    if value:
        from counter import __version__

        typer.echo(f"counter {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                                help="In số phiên bản rồi thoát.")] = False) -> None:
    pass


DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="COUNTER_HOME",
                                                 help="Thư mục dữ liệu (mặc định: thư mục dữ liệu người dùng)")]


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("counter", appauthor=False))


def say(text: str, err: bool = False) -> None:
    """Print a line that carries user data (names, notes, codes typed by someone): control characters are
    shown escaped, so a note holding ESC ] 0 ; … BEL cannot retitle or reprogram the terminal."""
    from counter.domain.text import printable

    typer.echo(printable(text), err=err)


def fail(message: str, code: int = 1) -> None:
    say(f"Lỗi: {message}", err=True)  # messages quote what was typed or stored
    raise typer.Exit(code)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Errors meant for people become one Vietnamese line on stderr and exit 1; never a traceback. A store
    that is locked by another program or on a full disk, a number too big for SQLite, a document nested too
    deep are said in Vietnamese too (services.store.failure_message); the write was rolled back."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
        except typer.Exit as exc:
            if exc.exit_code == 0:
                _remember_login()
            raise
        except CounterError as exc:
            _LOGINS.clear()
            fail(exc.message)
        except Exception as exc:
            _LOGINS.clear()
            from counter.services.store import failure_message

            message = failure_message(exc)
            if message is None:
                if isinstance(exc, ValueError):  # domain validation (dates, hours) without a CounterError
                    fail(str(exc))
                raise
            fail(message)
        else:
            _remember_login()
            return result
        finally:
            _LOGINS.clear()

    return wrapper


def require_store(data_dir: Path | None) -> Path:
    """The data folder of a command that works on an existing store (run, show, search …): when it holds no
    store, say how to make one and stop, creating nothing (only `init` and `demo` create a store)."""
    from counter.db import DB_FILE

    path = (data_dir or default_data_dir()).expanduser()
    if not (path / DB_FILE).is_file():
        fail(f"Chưa có kho dữ liệu tại {path}. Tạo kho mới: “counter init --data-dir {path} --office-id MÃ_CƠ_QUAN "
             f"--office-name \"TÊN BỘ PHẬN MỘT CỬA\" --public-url https://ĐỊA_CHỈ_TRA_CỨU”, hoặc kho mẫu để dùng thử: "
             f"“counter demo --data-dir {path}”.")
    return path


MAX_PAGE = 100_000  # pages of search results (20 a page): far beyond any office, far inside SQLite's integers


def open_store(data_dir: Path | None, *, need_init: bool = True, create: bool = False):  # type: ignore[no-untyped-def]
    """The store of the data folder, which must hold one (`create`: init and demo make a new one, in a new or
    empty folder only). need_init: it must be initialised too (every command but db upgrade and the
    catalogue's)."""
    from counter.services.store import Store

    if not create:
        require_store(data_dir)
    store = Store.open(data_dir or default_data_dir(), create=create)
    if need_init and not store.is_initialized():
        fail(f"Kho dữ liệu {store.data_dir} chưa được khởi tạo: chạy “counter init” hoặc “counter demo”")
    return store


UserOpt = Annotated[str | None, typer.Option(
    "--user", envvar="COUNTER_USER",
    help="Đăng nhập với tên này (mật khẩu: biến COUNTER_PASSWORD, hoặc nhập khi được hỏi); mọi thao tác ghi tên "
         "người làm")]
# The login's password never comes from the command line (every user of the PC sees it in `ps` and it stays in
# the shell's history): an old `--password` is still recognised, to say so, and is hidden from the help.
PasswordOpt = Annotated[str | None, typer.Option("--password", hidden=True)]
PASSWORD_ENV = "COUNTER_PASSWORD"
LOGIN_HINT = ("dùng --user TÊN_ĐĂNG_NHẬP (hoặc biến COUNTER_USER); mật khẩu nhập khi được hỏi, hoặc đặt trong biến "
              "COUNTER_PASSWORD")

# Options that more than one command takes (the station's and the central server's), declared once.
FullNameOpt = Annotated[str, typer.Option("--name", help="Họ tên")]
RoleOpt = Annotated[str, typer.Option("--role", help="clerk | postal | supervisor | admin")]
#: required by `counter sync setup`; `counter init` takes it with --server
StationTokenOpt = Annotated[str | None, typer.Option("--token", help="Mã truy cập do “counter serve token add” cấp")]


def cli_actor(store: Any, user: str | None, password: str | None = None, action: Any = None) -> Any:
    """The login of every command that changes the store or shows personal data: the app's login (lockout,
    disabled accounts) and its permission table (`action`, a domain.permissions.Action, is required of the
    role). Password: COUNTER_PASSWORD, else asked on the terminal; never an argument. Only `init` and `demo`
    (which make the store and its first admin) run without one. A valid ticket of an earlier login
    (services/cli_session.py, like sudo's timestamp) stands for the password; a command that succeeds after a
    password login leaves one."""
    import os

    from counter.domain.permissions import require
    from counter.services import cli_session

    if password:
        fail("Không nhập mật khẩu đăng nhập trên dòng lệnh (người khác trên máy xem được): đặt biến "
             "COUNTER_PASSWORD hoặc nhập khi được hỏi.")
    if not user:
        fail(f"Lệnh này cần đăng nhập: {LOGIN_HINT}.")
    assert user is not None  # fail() exits
    minutes = _session_minutes(store)
    actor = cli_session.check(store, user, minutes)
    if actor is not None:
        if action is not None:
            require(actor.role, action)
        return actor
    from counter.services.auth import login

    secret = os.environ.get(PASSWORD_ENV)
    if not secret:
        if not sys.stdin.isatty():
            fail("Thiếu mật khẩu đăng nhập: đặt biến COUNTER_PASSWORD, hoặc chạy trong terminal để nhập.")
        secret = typer.prompt("Mật khẩu", hide_input=True)
    actor = login(store, user, secret)
    if action is not None:
        require(actor.role, action)
    _LOGINS.append((store, actor, minutes))
    return actor


def signed_in(data_dir: Path | None, user: str | None, password: str | None,
              action: Any = None) -> tuple[Store, Actor]:
    """The prologue of a command that changes the store or shows personal data: the store of the data folder and
    the officer signed in to it (cli_actor; allowed `action`, when one is given)."""
    store = open_store(data_dir)
    return store, cli_actor(store, user, password, action)


#: password logins of the running command, each remembered as a ticket once the command has succeeded
_LOGINS: list[tuple[Any, Any, float]] = []


def _remember_login() -> None:
    from counter.services import cli_session

    for store, actor, minutes in _LOGINS:
        cli_session.issue(store, actor, minutes)
    _LOGINS.clear()


def _session_minutes(store: Any) -> float:
    """[app] cli_session_minutes of the store's settings (a bad config.toml is said as the app says it)."""
    from counter.settings import Settings

    return Settings.load(store.data_dir).app.cli_session_minutes


def _password(value: str | None, prompt: str = "Mật khẩu") -> str:
    if value:
        return value
    if not sys.stdin.isatty():
        fail("Thiếu mật khẩu: dùng --password hoặc chạy trong terminal để nhập")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=True)


@app.command()
@handle_errors
def run(data_dir: DataDir = None) -> None:
    """Mở ứng dụng quầy (màn hình đăng nhập)."""
    from counter.app import build_app

    build_app(data_dir=require_store(data_dir)).run()


@app.command()
@handle_errors
def init(
    office_id: Annotated[str, typer.Option("--office-id", help="Mã định danh cơ quan, ví dụ H55.242")],
    office_name: Annotated[str, typer.Option("--office-name", help="Tên bộ phận một cửa")],
    station: Annotated[int | None, typer.Option(help="Số quầy 1–9 (mỗi quầy một khối số hồ sơ; mặc định 1, "
                                                        "hoặc số quầy của mã truy cập khi có --server)")] = None,
    admin: Annotated[str, typer.Option(help="Tên đăng nhập của quản trị")] = "admin",
    admin_name: Annotated[str, typer.Option(help="Họ tên quản trị")] = "Quản trị",
    password: Annotated[str | None, typer.Option(help="Mật khẩu quản trị (hỏi nếu bỏ trống)")] = None,
    parent_name: Annotated[str, typer.Option(help="Cơ quan chủ quản, ví dụ UBND XÃ PHỤC LINH")] = "",
    place_name: Annotated[str, typer.Option(help="Địa danh ghi trên biểu mẫu")] = "",
    public_url: Annotated[str | None, typer.Option(
        "--public-url", help="Địa chỉ trang tra cứu công khai mà điện thoại của công dân mở được (mã QR trên giấy "
                             "tiếp nhận trỏ tới đây), ví dụ https://motcua.phuclinh.gov.vn")] = None,
    server: Annotated[str | None, typer.Option(
        "--server", help="Địa chỉ máy chủ trung tâm: số quầy lấy theo mã truy cập (--token), máy chủ kiểm tra "
                         "không trùng với máy khác, rồi quầy được nối với máy chủ")] = None,
    token: StationTokenOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Khởi tạo kho dữ liệu: cơ quan, quầy, tài khoản quản trị, danh mục và lịch mặc định."""
    from counter.services import auth, catalogue, office

    if (server is None) != (token is None):
        fail("Cần cả --server và --token (mã truy cập của quầy), hoặc không dùng cả hai")
    if server is not None:  # the server says which number this station has, and that no other machine has it
        from counter.services.sync import station_number_from_server

        station = station_number_from_server(server, token or "", office_id, station)
    station = 1 if station is None else station
    url = office.validate_public_url(public_url) if public_url is not None else None  # before anything is made
    pw = _password(password)
    auth.hash_password(pw)  # check the rule before anything is made
    store = open_store(data_dir, need_init=False, create=True)  # a new or empty folder only
    try:
        catalogue.load_default_catalogue(store)
        with store.write() as session:
            st = office.create_office(session, office_id=office_id, name=office_name, station_number=station,
                                      parent_name=parent_name, place_name=place_name, public_base_url=url)
            office.load_default_overrides(session, st.office_id)
            auth.create_user(session, st.office_id, admin, admin_name, "admin", pw, store.clock.now())
        if server is not None:
            from counter.services import sync as sync_service

            sync_service.setup(store, server, token or "")
            sync_service.bind_station(store)
    except BaseException:
        store.discard()  # a failed init leaves nothing: no folder, no half store
        raise
    typer.echo(f"Đã khởi tạo {office_name} ({st.office_id}), quầy {station}, quản trị “{admin}” tại {store.data_dir}")
    if server is not None:
        typer.echo(f"Quầy đã được nối với máy chủ {server.rstrip('/')} (số quầy {station} do máy chủ xác nhận).")
    info = office.office_info(store)
    typer.echo(f"Địa chỉ tra cứu trên giấy tiếp nhận: {info.public_base_url}")
    warning = office.public_url_warning(info)
    if warning:
        typer.echo(warning.replace(office.SET_PUBLIC_URL, f"{office.SET_PUBLIC_URL} --user {admin} --data-dir "
                                                          f"{store.data_dir}"), err=True)


@app.command()
@handle_errors
def demo(
    data_dir: DataDir = None,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Không làm gì nếu kho đã có dữ liệu")] = False,
    count: Annotated[int, typer.Option(min=0, max=1_000_000, help="Số hồ sơ mẫu")] = 360,
    stations: Annotated[int, typer.Option("--stations", min=1, max=2,
                                          help="Số quầy: 2 (quầy 2 là một kho riêng trong thư mục con quay-2) "
                                               "hoặc 1")] = 2,
) -> None:
    """Tạo kho dữ liệu demo: một xã, hai quầy (mỗi quầy một kho), người dùng mọi vai trò, vài trăm hồ sơ."""
    from counter.services.demo import build_demo
    from counter.services.office import is_initialized

    from counter.db import DB_FILE

    existing = if_missing and ((data_dir or default_data_dir()).expanduser() / DB_FILE).is_file()
    store = open_store(data_dir, need_init=False, create=not existing)  # a new store: a new or empty folder
    if existing and is_initialized(store):
        typer.echo(f"Kho demo đã có tại {store.data_dir}")
        return
    try:
        result = build_demo(store, count=count, stations=stations)
    except BaseException:
        if not existing:
            store.discard()
        raise
    where = f"{store.data_dir}"
    if result.second_dir is not None:
        where = (f"quầy 1: {result.per_station[0]} hồ sơ tại {store.data_dir}; "
                 f"quầy 2: {result.per_station[1]} hồ sơ tại {result.second_dir}")
    typer.echo(f"Đã tạo kho demo: cơ quan {result.office_id}, {result.dossiers} hồ sơ ({where}).")
    typer.echo("Tài khoản demo (tên đăng nhập / mật khẩu / vai trò):")
    for username, password, role, full_name in result.users:
        typer.echo(f"  {username:<8} / {password:<11} / {role:<10} {full_name}")
    admin = next((u for u, _, role, _ in result.users if role == "admin"), "quantri")  # sync setup: admin login
    central = store.data_dir / "may-chu"
    typer.echo("Thử đồng bộ với máy chủ trung tâm (mỗi quầy gửi hồ sơ của mình, không có xung đột):")
    typer.echo(f"  counter serve --data-dir {central}          (để chạy, mở cửa sổ khác)")
    # the server judges every event by its own list of the office's users: the demo's go up once (issue 14)
    users_file = store.data_dir / "exports" / "nguoi-dung.json"
    typer.echo(f"  counter users export --out {users_file} --data-dir {store.data_dir}")
    typer.echo(f"  counter serve users import {users_file} --data-dir {central}")
    for number, folder in ((1, store.data_dir), (2, result.second_dir)):
        if folder is None:
            continue
        typer.echo(f"  counter serve token add --office {result.office_id} --station {number} --data-dir {central}")
        typer.echo(f"  counter sync setup --url http://127.0.0.1:8780 --token MÃ_QUẦY_{number} --user {admin} "
                   f"--data-dir {folder}")
        typer.echo(f"  counter sync --once --data-dir {folder}")


@db_app.command("upgrade")
@handle_errors
def db_upgrade(data_dir: DataDir = None) -> None:
    """Nâng cấp cấu trúc kho dữ liệu lên phiên bản mới nhất (Alembic)."""
    from counter.db import current_revision

    store = open_store(data_dir, need_init=False)
    typer.echo(f"Kho dữ liệu {store.db_path} ở phiên bản {current_revision(store.engine)}")


@catalogue_app.command("import")
@handle_errors
def catalogue_import(file: Path, user: UserOpt = None, password: PasswordOpt = None,
                     data_dir: DataDir = None) -> None:
    """Nhập danh mục thủ tục từ tệp CSV hoặc JSON (quản trị; không nhập gì nếu có dòng lỗi)."""
    from counter.domain.permissions import Action
    from counter.services.catalogue import import_specs, read_catalogue

    store = open_store(data_dir)
    specs = read_catalogue(file)  # a bad file is refused before the login is asked
    cli_actor(store, user, password, Action.MANAGE_CATALOGUE)
    with store.write() as session:
        result = import_specs(session, specs)
    typer.echo(f"Đã nhập {result.added} thủ tục mới, cập nhật {result.updated} thủ tục.")


@catalogue_app.command("steps")
@handle_errors
def catalogue_steps(file: Path, user: UserOpt = None, password: PasswordOpt = None,
                    data_dir: DataDir = None) -> None:
    """Nhập các bước xử lý nội bộ của thủ tục từ tệp CSV (quản trị; không nhập gì nếu có dòng lỗi)."""
    from counter.domain.permissions import Action
    from counter.services.catalogue import import_steps_file

    store, _ = signed_in(data_dir, user, password, Action.MANAGE_CATALOGUE)
    count = import_steps_file(store, file)
    typer.echo(f"Đã nhập các bước xử lý của {count} thủ tục.")


@catalogue_app.command("list")
@handle_errors
def catalogue_list(text: Annotated[str, typer.Argument()] = "", data_dir: DataDir = None) -> None:
    """Liệt kê (hoặc tìm) thủ tục trong danh mục."""
    from counter.services.catalogue import search_procedures

    store = open_store(data_dir, need_init=False)
    for p in search_procedures(store, text, limit=1000):
        say(f"{p.code:<12} {p.time_label:<18} {p.fee_label:<12} {p.name}")


@users_app.command("add")
@handle_errors
def users_add(
    username: str,
    name: FullNameOpt,
    role: RoleOpt,
    password: Annotated[str | None, typer.Option(help="Mật khẩu của người dùng mới (hỏi nếu bỏ trống)")] = None,
    user: UserOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Thêm người dùng (quản trị đăng nhập bằng --user)."""
    from counter.domain.permissions import Action
    from counter.services.auth import add_user

    store, actor = signed_in(data_dir, user, None, Action.MANAGE_USERS)
    added = add_user(store, username, name, role, _password(password), by=actor)
    say(f"Đã thêm {added.username} ({added.role_label})")


@users_app.command("list")
@handle_errors
def users_list(data_dir: DataDir = None) -> None:
    """Danh sách người dùng."""
    from counter.services.auth import list_users

    for u in list_users(open_store(data_dir)):
        state = "khóa" if u.disabled else "hoạt động"
        say(f"{u.username:<12} {u.role:<11} {state:<10} {u.full_name}")


@users_app.command("passwd")
@handle_errors
def users_passwd(username: str,
                 password: Annotated[str | None, typer.Option(help="Mật khẩu mới (hỏi nếu bỏ trống)")] = None,
                 user: UserOpt = None, data_dir: DataDir = None) -> None:
    """Đặt lại mật khẩu (quản trị; mở cả khóa tạm do nhập sai)."""
    from counter.domain.permissions import Action
    from counter.services.auth import set_password

    store, _ = signed_in(data_dir, user, None, Action.MANAGE_USERS)
    set_password(store, username, _password(password, "Mật khẩu mới"))
    say(f"Đã đổi mật khẩu của {username}")


@users_app.command("lock")
@handle_errors
def users_lock(username: str, unlock: Annotated[bool, typer.Option("--unlock", help="Mở khóa")] = False,
               user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Khóa (hoặc mở khóa với --unlock) một tài khoản (quản trị)."""
    from counter.domain.permissions import Action
    from counter.services.auth import set_disabled

    store, _ = signed_in(data_dir, user, password, Action.MANAGE_USERS)
    set_disabled(store, username, not unlock)
    say(f"Đã {'mở khóa' if unlock else 'khóa'} tài khoản {username}")


@calendar_app.command("due")
@handle_errors
def calendar_due(
    received: Annotated[str, typer.Option(help="Thời điểm nhận: \"YYYY-MM-DD HH:MM\" (giờ Việt Nam)")],
    days: Annotated[int, typer.Option(min=0, max=MAX_WORKING_DAYS, help="Số ngày làm việc (0 = trong ngày, quy tắc 15 "
                                                                      "giờ)")],
    data_dir: DataDir = None,
) -> None:
    """In ngày giờ hẹn trả: YYYY-MM-DD HH:MM."""
    from counter.domain.calendar import WorkCalendar, format_local, parse_local

    from counter.domain.scorecard import MAX_YEAR, MIN_YEAR

    at = parse_local(received)
    if not MIN_YEAR <= at.year <= MAX_YEAR:
        fail(f"Thời điểm nhận “{received}” nằm ngoài khoảng cho phép (năm {MIN_YEAR}–{MAX_YEAR})")
    from counter.db import DB_FILE

    cal = WorkCalendar()  # the national calendar, unless a store gives the office's hours and overrides
    if ((data_dir or default_data_dir()) / DB_FILE).exists():  # Typer already read COUNTER_HOME into data_dir
        from counter.services.office import calendar_for, is_initialized

        store = open_store(data_dir, need_init=False)
        if is_initialized(store):
            cal = calendar_for(store)
    typer.echo(format_local(cal.due_at(at, days)))


def _parse_date(text: str) -> date:
    """A YYYY-MM-DD argument, within the years a calendar or a report can name (domain.scorecard)."""
    from counter.domain.scorecard import MAX_YEAR, MIN_YEAR

    try:
        day = date.fromisoformat(text)
    except ValueError:
        fail(f"Ngày không hợp lệ: “{text}” (định dạng YYYY-MM-DD)")
        raise
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        fail(f"Ngày “{text}” nằm ngoài khoảng cho phép (năm {MIN_YEAR}–{MAX_YEAR})")
    return day


@override_app.command("add")
@handle_errors
def override_add(
    day: Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD")],
    off: Annotated[bool, typer.Option("--off", help="Ngày nghỉ thêm")] = False,
    work: Annotated[bool, typer.Option("--work", help="Ngày làm việc thêm (làm bù)")] = False,
    note: Annotated[str, typer.Option(help="Ghi chú, ví dụ số văn bản")] = "",
    user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None,
) -> None:
    """Thêm ngày nghỉ hoặc ngày làm bù (quản trị)."""
    from counter.domain.permissions import Action
    from counter.services.office import add_override

    if off == work:
        fail("Chọn đúng một trong --off hoặc --work")
    d = _parse_date(day)
    store, actor = signed_in(data_dir, user, password, Action.MANAGE_CALENDAR)
    add_override(store, d, "off" if off else "work", note, by=actor)
    typer.echo(f"Đã ghi {d:%d/%m/%Y} là {'ngày nghỉ' if off else 'ngày làm việc'}")


@override_app.command("list")
@handle_errors
def override_list(data_dir: DataDir = None) -> None:
    """Liệt kê ngày nghỉ / làm bù của cơ quan."""
    from counter.services.office import list_overrides

    for o in list_overrides(open_store(data_dir)):
        say(f"{o.day:%Y-%m-%d} {'nghỉ' if o.kind == 'off' else 'làm việc':<9} {o.note}")


@cccd_app.command("parse")
@handle_errors
def cccd_parse(text: str) -> None:
    """Đọc chuỗi QR của thẻ CCCD, in các trường dạng JSON (để kiểm tra máy quét)."""
    from counter.domain.cccd import CccdError, parse_cccd
    from counter.domain.clock import SystemClock
    from counter.domain.calendar import VN_TZ

    try:
        data = parse_cccd(text, today=SystemClock().now().astimezone(VN_TZ).date())
    except CccdError as exc:
        fail(exc.message)
        return
    typer.echo(json.dumps(data.to_dict(), ensure_ascii=False, indent=2))
    for warning in data.warnings:
        typer.echo(f"Cảnh báo: {warning}", err=True)


@app.command()
@handle_errors
def logout(user: Annotated[str | None, typer.Option("--user", envvar="COUNTER_USER",
                                                    help="Chỉ đăng xuất người này (mặc định: mọi người)")] = None,
           data_dir: DataDir = None) -> None:
    """Đăng xuất: các lệnh sau lại hỏi mật khẩu (bỏ phiên đăng nhập ngắn hạn của người dùng máy này)."""
    from counter.services import cli_session

    store = open_store(data_dir, need_init=False)
    gone = cli_session.drop(store, user)
    typer.echo("Đã đăng xuất: lệnh sau sẽ hỏi lại mật khẩu." if gone else "Không có phiên đăng nhập nào để bỏ.")


@app.command()
@handle_errors
def search(text: str, page: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="Trang (từ 1)")] = 1,
           user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Tìm hồ sơ theo mã, họ tên, số điện thoại hoặc số CCCD (có dấu hay không dấu)."""
    from counter.domain.calendar import format_vn
    from counter.domain.permissions import Action
    from counter.services.lookup import search as do_search

    from counter.domain.text import search_text

    store = open_store(data_dir)
    text = search_text(text)  # a 100,000-character text is refused before the login is asked
    cli_actor(store, user, password, Action.SEARCH)  # the list names citizens
    result = do_search(store, text, page=page - 1)
    for d in result.items:
        due = format_vn(d.due_at) if d.due_at else "—"
        say(f"{d.code:<22} {d.status_label:<24} hẹn {due:<16} {d.owner_name} — {d.procedure_name}")
    more = f" (còn trang sau: --page {page + 1})" if result.has_next else ""
    typer.echo(f"Trang {page}: {len(result.items)} hồ sơ{more}")
    if not result.items:
        raise typer.Exit(1)


@app.command()
@handle_errors
def show(code: str, user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """Xem một hồ sơ và toàn bộ lịch sử sự kiện."""
    from counter.domain.calendar import format_vn
    from counter.domain.permissions import Action
    from counter.services.dossiers import get_detail

    store, _ = signed_in(data_dir, user, password, Action.SEARCH)  # names, ID number, address, phone
    d = get_detail(store, code)
    f = lambda dt: format_vn(dt) if dt else "—"  # noqa: E731
    lines = [
        f"Mã hồ sơ:   {d.code}",
        f"Trạng thái: {d.status_label} ({d.status})",
        f"Thủ tục:    {d.procedure_name} ({d.procedure_code}) — {d.field}",
        f"Chủ hồ sơ:  {d.owner_name}" + (f", CCCD {d.owner_id_number}" if d.owner_id_number else ""),
        f"Địa chỉ:    {d.owner_address or '—'}",
        f"Điện thoại: {d.owner_phone or '—'}",
        f"Nhận lúc:   {f(d.received_at)}   Hẹn trả: {f(d.due_at)}"
        + (f" (hẹn ban đầu {f(d.original_due_at)})" if d.original_due_at != d.due_at else ""),
        f"Người nhận: {d.received_by_name or '—'}   Cán bộ xử lý: {d.assignee or '—'}",
    ]
    if d.closed_reason:
        lines.append(f"Lý do:      {d.closed_reason}")
    if d.voided_at:
        lines.insert(2, f"ĐÃ HỦY:     {f(d.voided_at)} — lý do: {d.void_reason}")
    lines.append("Thành phần hồ sơ:")
    for doc in d.documents:
        lines.append(f"  {doc.position}. {doc.name} (chính {doc.originals}, chứng thực {doc.certified_copies}, "
                     f"photo {doc.photocopies})")
    lines.append("Lịch sử:")
    for e in d.events:
        lines.append(f"  {f(e.at)}  {e.label:<26} {e.actor}" + (f" — {e.details}" if e.details else ""))
    say("\n".join(lines))


@audit_app.command("verify")
@handle_errors
def audit_verify(data_dir: DataDir = None) -> None:
    """Kiểm tra chuỗi băm của sự kiện và đối chiếu hồ sơ với lịch sử."""
    from counter.services.audit import verify

    report = verify(open_store(data_dir))
    if report.ok:
        typer.echo(f"Toàn vẹn: {report.events} sự kiện của {report.stations} quầy, {report.dossiers} hồ sơ khớp lịch sử.")
        return
    for problem in report.problems:
        typer.echo(problem, err=True)
    fail(f"Phát hiện {len(report.problems)} vấn đề trong nhật ký sự kiện")


@office_app.command("show")
@handle_errors
def office_show(data_dir: DataDir = None) -> None:
    """Xem cơ quan, quầy này và địa chỉ tra cứu in trên giấy tiếp nhận."""
    from counter.services.office import office_info, public_url_warning

    info = office_info(open_store(data_dir))
    typer.echo(f"Cơ quan:  {info.name} ({info.id})" + (f" — {info.parent_name}" if info.parent_name else ""))
    typer.echo(f"Quầy:     {info.station_name} (số {info.station_number})")
    typer.echo(f"Địa chỉ tra cứu công khai: {info.public_base_url}")
    warning = public_url_warning(info)
    if warning:
        typer.echo(warning, err=True)


@office_app.command("set")
@handle_errors
def office_set(
    public_url: Annotated[str, typer.Option("--public-url", help="Địa chỉ trang tra cứu công khai (http:// hoặc "
                                                                 "https://), ví dụ https://motcua.phuclinh.gov.vn")],
    user: UserOpt = None, password: PasswordOpt = None, data_dir: DataDir = None,
) -> None:
    """Đặt địa chỉ tra cứu công khai của cơ quan (quản trị): mã QR trên các giấy tiếp nhận in từ nay trỏ tới đó."""
    from counter.domain.permissions import Action
    from counter.services.office import public_url_warning, set_public_url, validate_public_url

    url = validate_public_url(public_url)  # a bad address is refused before the login is asked
    store, actor = signed_in(data_dir, user, password, Action.MANAGE_DEVICES)
    url = set_public_url(store, actor, url)
    typer.echo(f"Đã đặt địa chỉ tra cứu công khai: {url} (giấy tiếp nhận in từ nay trỏ tới {url}/t/…)")
    warning = public_url_warning(url)
    if warning:
        typer.echo(warning, err=True)


Format = Annotated[str | None, typer.Option("--format", help="pdf-a5 | pdf-a4 | escpos (mặc định: cấu hình)")]
Out = Annotated[Path | None, typer.Option("--out", help="Ghi ra tệp này thay vì gửi tới máy in")]


def _print(code: str, form: str, fmt: str | None, out: Path | None, data_dir: Path | None, user: str | None,
           password: str | None) -> None:
    from counter.domain.permissions import Action
    from counter.services.printing import print_dossier

    from counter.services.office import receipt_url_warning

    store, _ = signed_in(data_dir, user, password, Action.SEARCH)  # the forms carry names and ID numbers
    result = print_dossier(store, code, form, fmt, out)
    typer.echo(f"Đã in mẫu {result.form}: {result.where}")
    warning = receipt_url_warning(store) if result.form in ("01", "02") else ""  # the forms that carry the URL
    if warning:
        typer.echo(warning, err=True)


@print_app.command("receipt")
@handle_errors
def print_receipt(code: str, format: Format = None, out: Out = None, user: UserOpt = None,
                  password: PasswordOpt = None, data_dir: DataDir = None) -> None:
    """In lại Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)."""
    _print(code, "01", format, out, data_dir, user, password)


@print_app.command("form")
@handle_errors
def print_form(form: Annotated[str, typer.Argument(help="01 | 02 | 03 | 04 | 05 | 06 | BG")], code: str,
               format: Format = None, out: Out = None, user: UserOpt = None, password: PasswordOpt = None,
               data_dir: DataDir = None) -> None:
    """In một biểu mẫu của hồ sơ (01 tiếp nhận, 02 yêu cầu bổ sung, 03 từ chối, 04 xin lỗi và gia hạn, 05 dừng
    giải quyết, 06 phiếu kiểm soát quá trình, BG phiếu bàn giao kết quả)."""
    _print(code, form.zfill(2), format, out, data_dir, user, password)


# Each area's commands live in a module of their own and register on `app` as it is imported.
@app.command()
@handle_errors
def doctor(fix: Annotated[bool, typer.Option("--fix", help="Sửa những gì tìm thấy")] = False,
           data_dir: DataDir = None) -> None:
    """Kiểm tra quyền truy cập thư mục dữ liệu (chỉ người dùng này được đọc) và nơi giữ mã truy cập đồng bộ."""
    from counter.db import DB_FILE
    from counter.fsutil import loose_modes, tighten
    from counter.services import token_store

    path = require_store(data_dir)
    problems = 0
    if token_store.token_in_database(path / DB_FILE):
        if fix:
            from counter.services.store import Store

            Store.open(path).close()  # the one-time move runs at the store's opening
            typer.echo("Đã chuyển mã truy cập đồng bộ ra khỏi cơ sở dữ liệu.")
        else:
            problems += 1
            typer.echo("Mã truy cập đồng bộ: còn nằm trong cơ sở dữ liệu (người đọc được tệp là đọc được mã); "
                       "sẽ được chuyển ra ở lần mở kho tới.")
    loose = loose_modes(path)
    if not loose:
        typer.echo(f"Quyền truy cập: thư mục {path} và mọi tệp trong đó chỉ người dùng này đọc được (0700/0600).")
    else:
        typer.echo(f"Quyền truy cập: {len(loose)} mục người dùng khác trên máy đọc được:")
        for item in loose:
            typer.echo(f"  {item.mode:04o} → {item.wanted:04o}  {item.path}")
        if fix:
            failed = tighten(loose)
            for item, reason in failed:
                typer.echo(f"  Không sửa được {item.path}: {reason}", err=True)
            problems += len(failed)
            typer.echo(f"Đã sửa {len(loose) - len(failed)} mục.")
        else:
            problems += len(loose)
            typer.echo("Chạy “counter doctor --fix” để sửa.")
    where = token_store.location(path)
    if where == token_store.KEYRING:
        typer.echo(f"Mã truy cập đồng bộ: trong kho khóa của hệ điều hành ({token_store.keyring_name()}).")
    elif where == token_store.FILE:
        typer.echo(f"Mã truy cập đồng bộ: trong tệp {path / token_store.TOKEN_FILE} (chỉ người dùng này đọc được; "
                   "máy không có kho khóa của hệ điều hành).")
    elif not problems or fix:
        typer.echo("Mã truy cập đồng bộ: chưa cài đặt (quầy chưa nối với máy chủ trung tâm).")
    if problems:
        raise typer.Exit(1)


from counter import cli_backup, cli_progress, cli_reports, cli_scan, cli_sign, cli_sync, cli_voice  # noqa: E402,F401
from counter import cli_fees  # noqa: E402,F401  (issue 18)
from counter import cli_receive  # noqa: E402,F401  (issue 17)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
