"""The `counter` command given bad input, a few hundred times (issue 14): every case ends with a non-zero exit
code, a Vietnamese message, no traceback, no raw control character echoed, and the store as it was."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from counter.cli import app
from tests.badinput.conftest import digest, record, vietnamese

from tests.badinput.cases import CASES, HTTP_CASES
runner = CliRunner()

def test_the_corpus_is_large():
    assert len(CASES) + len(HTTP_CASES) >= 400, len(CASES) + len(HTTP_CASES)
    assert len({c[0] for c in CASES}) == len(CASES), "case names are unique"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inputs")
    from PIL import Image

    Image.new("RGB", (600, 800), "white").save(d / "ok.png")
    Image.new("RGB", (4, 4), "white").save(d / "tiny.png")
    (d / "empty.png").write_bytes(b"")
    (d / "text.png").write_text("không phải ảnh", "utf-8")
    (d / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 200)
    (d / "fake.pdf").write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    os.mkfifo(d / "fifo.png")
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    (d / "deep-objects.json").write_text('{"a":' * 50_000 + "1" + "}" * 50_000, "utf-8")
    (d / "bad.json").write_text('{"version": 1, "procedures": [', "utf-8")
    (d / "utf16.csv").write_text("code,name\n", "utf-16")
    (d / "binary.csv").write_bytes(bytes(range(256)) * 10)
    (d / "rows.csv").write_text("code,name\n1.2,x\n", "utf-8")
    (d / "empty.csv").write_text("", "utf-8")
    (d / "huge-days.csv").write_text(
        "code,name,field,level,working_days,fee,fee_note,channels,postal_allowed,in_person,certification,papers\n"
        "1.001193,Đăng ký khai sinh,Hộ tịch,xa,99999999999999999999,99999999999999999999,,1,1,0,0,Tờ khai\n", "utf-8")
    (d / "nested-procs.json").write_text('{"version": 1, "procedures": [[[[[[[[1]]]]]]]]}', "utf-8")
    (d / "notalist.json").write_text('{"version": 1, "procedures": "tất cả"}', "utf-8")
    (d / "x.txt").write_text("code,name\n", "utf-8")
    (d / "zero.json").symlink_to("/dev/zero")
    (d / "good.csv").write_text(
        "code,name,field,level,working_days,fee,fee_note,channels,postal_allowed,in_person,certification,papers\n"
        "1.001193,Đăng ký khai sinh,Hộ tịch,commune,3,0,,1;2;3,1,0,0,Tờ khai [1/0/0]\n", "utf-8")
    return d


@pytest.fixture(scope="module")
def state(store_copy) -> dict:
    con = sqlite3.connect(store_copy / "counter.sqlite3")
    code = con.execute("SELECT code FROM dossiers WHERE status = 2 AND voided_at IS NULL ORDER BY seq DESC "
                       "LIMIT 1").fetchone()[0]
    con.close()
    return {"code": code, "digest": digest(store_copy)}


@pytest.mark.parametrize("name, args, login", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_clean_error(name, args, login, store_copy, files, state, monkeypatch):
    monkeypatch.setenv("COUNTER_LOCK_WAIT", "2")
    argv = [a.replace("{CODE}", state["code"]).replace("{DIR}", str(files)) for a in args]
    env = {"COUNTER_HOME": str(store_copy), "COUNTER_USER": None, "COUNTER_PASSWORD": None}
    if login:
        env.update(COUNTER_USER=login[0], COUNTER_PASSWORD=login[1])
    result = runner.invoke(app, argv, env=env)
    after = digest(store_copy)
    changed, state["digest"] = after != state["digest"], after
    out = result.output
    traceback = "Traceback" in out or (result.exception is not None and not isinstance(result.exception, SystemExit))
    raw = any(c in out for c in ("\x1b", "\x07", "\u202e"))
    record(traceback=traceback, changed=changed, ok_status=result.exit_code != 0, vi=vietnamese(out),
           raw_control=raw)
    assert not traceback, (out, result.exception)
    assert result.exit_code != 0, out
    assert not changed, f"the store changed: {out}"
    assert vietnamese(out), out
    assert not raw, repr(out)


