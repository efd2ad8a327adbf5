"""Issue 14, item 7, the cases that need a scene: a store another program holds locked, a full disk, a note
that carries terminal escapes. Each: a Vietnamese message, exit code 1, the store as it was."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from counter.cli import app
from tests.badinput.conftest import digest, record, vietnamese
from tests.badinput.cases import ADMIN, CLERK

runner = CliRunner()
ESC_NOTE = "trước \x1b]0;ĐÃ BỊ CHIẾM\x07 sau \x1b[2J \u202e"


def _code(home: Path) -> str:
    con = sqlite3.connect(home / "counter.sqlite3")
    try:
        return con.execute("SELECT code FROM dossiers WHERE status = 2 ORDER BY seq DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()


def commands(code: str) -> list[tuple[list[str], tuple[str, str]]]:
    return [(["event", code, "note_added", "--text", "x" * 3000], CLERK),
            (["users", "add", "hoa", "--name", "Nguyễn Thị Hoa", "--role", "clerk", "--password", "hoa12345"], ADMIN)]


def invoke(home: Path, args: list[str], login: tuple[str, str]):  # type: ignore[no-untyped-def]
    return runner.invoke(app, args, env={"COUNTER_HOME": str(home), "COUNTER_USER": login[0],
                                         "COUNTER_PASSWORD": login[1], "COUNTER_LOCK_WAIT": "1"})


def check(result, before: str, after: str, words: str) -> None:  # type: ignore[no-untyped-def]
    tb = "Traceback" in result.output or (result.exception is not None and not isinstance(result.exception,
                                                                                            SystemExit))
    record(traceback=tb, changed=before != after, ok_status=result.exit_code != 0, vi=vietnamese(result.output))
    assert result.exit_code == 1 and not tb, (result.output, result.exception)
    assert words in result.output, result.output
    assert after == before


def test_a_store_locked_by_another_program(store_copy):
    code = _code(store_copy)
    before = digest(store_copy)
    holder = sqlite3.connect(store_copy / "counter.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        results = [invoke(store_copy, args, login) for args, login in commands(code)]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for result in results:
        check(result, before, digest(store_copy), "đang bị một chương trình khác giữ khóa")


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs (root only: skipped elsewhere), unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                                           capture_output=True, check=False).returncode != 0:
        pytest.skip("a small disk needs root and tmpfs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path, leave: int) -> Path:
    filler = folder / "filler"
    free = shutil.disk_usage(folder).free
    with open(filler, "wb") as f:
        f.truncate(0)
        f.write(b"\0" * max(0, free - leave))
        try:
            f.write(b"\0" * 1024 * 1024)  # whatever the estimate missed
        except OSError:
            pass
    return filler


@pytest.mark.parametrize("leave", [0, 100 * 1024], ids=["no byte left", "100 KB left"])
def test_a_full_disk(prepared_store, small_disk, leave):
    home = small_disk / "store"
    shutil.copytree(prepared_store, home, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    code = _code(home)
    before = digest(home)
    filler = _fill(small_disk, leave)
    if leave:  # a little room: the store opens, the write itself meets the full disk (SQLITE_FULL)
        filler.unlink()
        _fill(small_disk, leave)
    results = [invoke(home, args, login) for args, login in commands(code)[: 1 if leave else 2]]
    for f in small_disk.glob("filler"):
        f.unlink()
    for result in results:
        check(result, before, digest(home), "Đĩa đã đầy")


def test_show_does_not_echo_terminal_escapes(store_copy):
    code = _code(store_copy)
    noted = invoke(store_copy, ["event", code, "note_added", "--text", ESC_NOTE], CLERK)
    assert noted.exit_code == 1 and "ký tự điều khiển" in noted.output, noted.output  # the payload's rule
    # what an older store may already hold (before the declared payloads refused control characters)
    con = sqlite3.connect(store_copy / "counter.sqlite3")
    with con:
        con.execute("UPDATE dossiers SET owner_address = ? WHERE code = ?", (ESC_NOTE, code))
    con.close()
    shown = invoke(store_copy, ["show", code], CLERK)
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\x07" not in shown.output and "\u202e" not in shown.output
    assert "\\x1b]0;ĐÃ BỊ CHIẾM\\x07" in shown.output and "\\u202e" in shown.output


def test_sync_setup_saves_nothing_when_the_url_is_bad(store_copy):
    before = digest(store_copy)
    for url in ("http://" + "a" * 5000 + ".vn", "http://x:99999", "htp:/x", "http://x y"):
        result = invoke(store_copy, ["sync", "setup", "--url", url, "--token", "abcdef"], ADMIN)
        check(result, before, digest(store_copy), "Địa chỉ máy chủ")
    status = invoke(store_copy, ["sync", "status"], ADMIN)
    assert "chưa cài đặt" in status.output
