"""Only `init` and `demo` make a store, only in a new or empty folder; a failed init leaves nothing; a file that is
not a counter store (empty, another program's SQLite) is refused by every command and left as it was."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from counter.cli import app

runner = CliRunner()
GOOD = ["--office-id", "H55.242", "--office-name", "Bộ phận Một cửa UBND xã Phục Linh", "--password", "matkhau123",
        "--public-url", "https://motcua.phuclinh.gov.vn"]


def run(*args: str, home=None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COUNTER_HOME": str(home)} if home else {})


def _with(args: list[str], option: str, value: str) -> list[str]:
    out = list(args)
    out[out.index(option) + 1] = value
    return out


def _tree(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("bad", [("--office-id", "khong-hop-le"), ("--office-id", "H55.242; DROP"),
                                 ("--public-url", "ftp://x"), ("--password", "ngan")])
def test_a_failed_init_leaves_nothing(tmp_path, bad):
    args = _with(GOOD, *bad)
    new = tmp_path / "moi" / "kho"
    r = run("init", *args, home=new)
    assert r.exit_code == 1 and r.output.startswith("Lỗi: ") and "Traceback" not in r.output, r.output
    assert not (tmp_path / "moi").exists()  # no folder, no half store
    empty = tmp_path / "trong"
    empty.mkdir()
    r = run("init", *args, home=empty)
    assert r.exit_code == 1 and _tree(empty) == [], (r.output, _tree(empty))
    assert run("init", *GOOD, home=empty).exit_code == 0  # and the folder is still good for a real init


def test_init_refuses_a_folder_with_a_store_or_other_files(tmp_path):
    home = tmp_path / "kho"
    assert run("init", *GOOD, home=home).exit_code == 0
    before = (home / "counter.sqlite3").read_bytes(), _tree(home)
    r = run("init", *_with(GOOD, "--office-name", "Khác"), home=home)
    assert r.exit_code == 1 and "đã có dữ liệu" in r.output
    assert ((home / "counter.sqlite3").read_bytes(), _tree(home)) == before
    other = tmp_path / "tai-lieu"
    other.mkdir()
    (other / "bao-cao.xlsx").write_bytes(b"x")
    r = run("init", *GOOD, home=other)
    assert r.exit_code == 1 and "không trống" in r.output and _tree(other) == ["bao-cao.xlsx"]
    r = run("demo", "--count", "5", home=other)
    assert r.exit_code == 1 and "không trống" in r.output and _tree(other) == ["bao-cao.xlsx"]


@pytest.mark.parametrize("kind", ["empty", "foreign"])
def test_an_empty_or_foreign_file_is_never_turned_into_a_store(tmp_path, kind):
    home = tmp_path / kind
    home.mkdir()
    path = home / "counter.sqlite3"
    if kind == "empty":
        path.touch()
    else:
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE contacts (name TEXT)")
        con.commit()
        con.close()
    before = path.read_bytes()
    expected = "tệp rỗng" if kind == "empty" else "chương trình khác"
    for args in (("search", "nguyen"), ("db", "upgrade"), ("catalogue", "list"), ("users", "list"),
                 ("demo", "--if-missing", "--count", "5")):
        r = run(*args, home=home)
        assert r.exit_code == 1 and expected in r.output and "Traceback" not in r.output, (args, r.output)
    for args in (("init", *GOOD), ("demo", "--count", "5")):
        r = run(*args, home=home)
        assert r.exit_code == 1 and "đã có dữ liệu" in r.output, (args, r.output)
    assert path.read_bytes() == before and _tree(home) == ["counter.sqlite3"]
