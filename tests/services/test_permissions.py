"""Personal data is not readable by other users of the PC (issue 14, item 6): the data dir 0700 and every file
counter writes in it 0600 whatever the umask; the sync token in the OS keyring or a 0600 file, never in the
database; `counter doctor` reports and fixes."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring
from typer.testing import CliRunner

from counter.cli import app
from counter.db import DB_FILE
from counter.domain.scorecard import Period
from counter.services import reports, sync, token_store
from counter.services.printing import print_dossier
from counter.services.store import Store
from tests.conftest import actor_for, make_store, receive

runner = CliRunner()
TOKEN = "tok-secret-7f3a9c51e2d4"
INIT = ("init", "--office-id", "H55.242", "--office-name", "Bộ phận Một cửa xã Phục Linh", "--password",
        "quantri123")


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def no_keyring():
    """The headless Linux of a counter PC: keyring's fail backend."""
    from keyring.backends import fail

    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(old)


class FileKeyring(PlaintextKeyring):
    """keyrings.alt's real file backend, ranked as a recommended one (as Secret Service / Keychain are) and kept in
    the test's folder: the path counter takes when the PC has an OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.file_path = str(path)


@pytest.fixture
def os_keyring(tmp_path):
    old = keyring.get_keyring()
    backend = FileKeyring(tmp_path / "keyring.cfg")
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(old)


def all_modes(root: Path) -> dict[str, int]:
    out = {".": mode(root)}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = mode(p)
    return out


def assert_private(root: Path) -> None:
    loose = {k: oct(v) for k, v in all_modes(root).items() if v & 0o077}
    assert not loose, loose


def test_store_open_makes_dir_db_wal_shm_private(tmp_path, umask022):
    store = Store.open(tmp_path / "data", create=True)
    try:
        with store.write() as s:
            s.execute(sync.sa.text("INSERT INTO sync_state(key, value) VALUES ('x', 'y')"))
        d = store.data_dir
        assert mode(d) == 0o700
        for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm"):
            assert (d / name).exists() and mode(d / name) == 0o600, name
        assert_private(d)
    finally:
        store.close()


def test_store_open_tightens_an_existing_store(tmp_path, umask022):
    make_store(tmp_path / "data").close()
    d = tmp_path / "data"
    os.chmod(d, 0o755)
    os.chmod(d / DB_FILE, 0o644)
    Store.open(d).close()
    assert mode(d) == 0o700 and mode(d / DB_FILE) == 0o600


def test_counter_init_is_private(tmp_path, umask022):
    home = tmp_path / "home"
    r = runner.invoke(app, list(INIT), env={"COUNTER_HOME": str(home)})
    assert r.exit_code == 0, r.output
    assert mode(home) == 0o700
    assert_private(home)


def test_print_and_exports_are_private(tmp_path, umask022):
    store = make_store(tmp_path / "data")
    try:
        clerk = actor_for(store, "canbo")
        code = receive(store, clerk)
        res = print_dossier(store, code, "01")
        printed = Path(res.where)
        assert printed.is_file() and printed.parent == store.data_dir / "prints"
        path = reports.export(store, actor_for(store, "giamsat"), "ledger", Period(date(2026, 11, 1),
                              date(2026, 11, 30)), "csv")
        assert path.parent == store.data_dir / "exports"
        assert mode(printed) == 0o600 and mode(printed.parent) == 0o700
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
        assert_private(store.data_dir)
    finally:
        store.close()


def grep_store(d: Path, needle: str) -> list[str]:
    return [p.name for p in d.iterdir() if p.name.startswith(DB_FILE) and needle.encode() in p.read_bytes()]


def test_sync_setup_keeps_the_token_out_of_the_database_in_a_0600_file(store, umask022, no_keyring):
    sync.setup(store, "http://127.0.0.1:9", TOKEN)
    assert grep_store(store.data_dir, TOKEN) == []
    con = sqlite3.connect(store.db_path)
    try:
        assert con.execute("SELECT count(*) FROM sync_state WHERE value LIKE ?", (f"%{TOKEN}%",)).fetchone()[0] == 0
    finally:
        con.close()
    f = store.data_dir / token_store.TOKEN_FILE
    assert f.read_text() == TOKEN and mode(f) == 0o600
    assert sync.settings(store) == sync.SyncSettings("http://127.0.0.1:9", TOKEN)
    assert sync.status(store).configured


def test_cli_sync_setup_token_not_in_database(tmp_path, umask022, no_keyring):
    home = tmp_path / "home"
    assert runner.invoke(app, list(INIT), env={"COUNTER_HOME": str(home)}).exit_code == 0
    r = runner.invoke(app, ["sync", "setup", "--url", "http://127.0.0.1:9", "--token", TOKEN],
                      env={"COUNTER_HOME": str(home), "COUNTER_USER": "admin", "COUNTER_PASSWORD": INIT[-1]})
    assert r.exit_code == 0, r.output
    assert grep_store(home, TOKEN) == []
    assert mode(home / token_store.TOKEN_FILE) == 0o600


def test_keyring_is_used_when_the_pc_has_one(store, os_keyring):
    sync.setup(store, "http://127.0.0.1:9", TOKEN)
    assert not (store.data_dir / token_store.TOKEN_FILE).exists()
    assert grep_store(store.data_dir, TOKEN) == []
    assert os_keyring.get_password(token_store.SERVICE, str(store.data_dir.resolve())) == TOKEN
    assert sync.settings(store).token == TOKEN
    assert token_store.location(store.data_dir) == token_store.KEYRING


def test_plaintext_and_fail_backends_are_not_an_os_keyring(tmp_path):
    from keyring.backends import fail, null

    old = keyring.get_keyring()
    try:
        for backend in (fail.Keyring(), null.Keyring(), PlaintextKeyring()):
            keyring.set_keyring(backend)
            assert token_store.keyring_backend() is None, backend
    finally:
        keyring.set_keyring(old)


def put_token_in_database(d: Path) -> None:
    """What stores made before this change hold: the token in clear in sync_state."""
    con = sqlite3.connect(d / DB_FILE)
    con.execute("INSERT INTO sync_state(key, value) VALUES ('sync_url', 'http://127.0.0.1:9'), "
                "('sync_token', ?)", (TOKEN,))
    con.commit()
    con.close()


def test_an_old_store_moves_its_token_out_at_the_next_open(tmp_path, no_keyring):
    make_store(tmp_path / "data").close()
    d = tmp_path / "data"
    put_token_in_database(d)
    assert grep_store(d, TOKEN)
    store = Store.open(d)
    try:
        assert grep_store(d, TOKEN) == []  # secure_delete + a truncated WAL: the bytes are gone
        assert (d / token_store.TOKEN_FILE).read_text() == TOKEN
        assert sync.settings(store).token == TOKEN
    finally:
        store.close()


def doctor(d: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["doctor", "--data-dir", str(d), *args])


def test_doctor_reports_then_fixes(tmp_path, no_keyring):
    make_store(tmp_path / "data").close()
    d = tmp_path / "data"
    put_token_in_database(d)
    (d / "exports").mkdir(mode=0o700)
    (d / "exports" / "old.csv").write_text("Nguyễn Văn An")
    os.chmod(d, 0o755)
    os.chmod(d / DB_FILE, 0o644)
    os.chmod(d / "exports" / "old.csv", 0o644)
    r = doctor(d)
    assert r.exit_code == 1
    assert "còn nằm trong cơ sở dữ liệu" in r.output
    assert f"0755 → 0700  {d}\n" in r.output
    assert f"0644 → 0600  {d / DB_FILE}\n" in r.output
    assert f"0644 → 0600  {d / 'exports' / 'old.csv'}\n" in r.output
    assert "counter doctor --fix" in r.output
    assert mode(d) == 0o755 and grep_store(d, TOKEN)  # reporting changes nothing
    r = doctor(d, "--fix")
    assert r.exit_code == 0, r.output
    assert "Đã chuyển mã truy cập đồng bộ ra khỏi cơ sở dữ liệu." in r.output
    assert_private(d)
    assert grep_store(d, TOKEN) == []
    r = doctor(d)
    assert r.exit_code == 0, r.output
    assert "chỉ người dùng này đọc được (0700/0600)" in r.output
    assert f"Mã truy cập đồng bộ: trong tệp {d / token_store.TOKEN_FILE}" in r.output


def test_doctor_names_the_keyring(store, os_keyring):
    sync.setup(store, "http://127.0.0.1:9", TOKEN)
    r = doctor(store.data_dir)
    assert r.exit_code == 0, r.output
    assert "Mã truy cập đồng bộ: trong kho khóa của hệ điều hành" in r.output
