"""`counter verify`, `counter sign paper|form|file` and `counter result issue` with the SoftHSM2 token."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from counter.cli import app
from tests.conftest import PASSWORD, actor_for, make_store, receive
from tests.helpers.images import jpeg

runner = CliRunner()


def _home(tmp_path, keys):  # type: ignore[no-untyped-def]
    home = tmp_path / "data"
    store = make_store(home)
    code = receive(store, actor_for(store, "canbo"), id_number="001090123456")
    store.close()
    (home / "config.toml").write_text(
        f'[signing]\npkcs11_lib = "{keys.lib}"\ntoken_label = "{keys.token.label}"\n'
        f'key_label = "{keys.token.key_label}"\ntrust_roots = [{json.dumps(str(keys.root))}]\n', "utf-8")
    return home, code


def run(home, *args, pin=None):  # type: ignore[no-untyped-def]
    env = {"COUNTER_HOME": str(home), "COUNTER_USER": "canbo", "COUNTER_PASSWORD": PASSWORD}
    if pin is not None:
        env["COUNTER_SIGNING_PIN"] = pin
    return runner.invoke(app, list(args), env=env)


def test_sign_a_paper_issue_a_result_and_verify_them(tmp_path, keys):
    home, code = _home(tmp_path, keys)
    assert run(home, "scan", code, "--item", "1", "--file", str(jpeg(tmp_path / "p.jpg"))).exit_code == 0
    signed = run(home, "sign", "paper", code, "--item", "1", pin=keys.pin)
    assert signed.exit_code == 0, signed.output
    assert "người ký Trần Thị Bình" in signed.output
    sha = signed.output.split("SHA-256 ")[1].split()[0]
    paper = home / "blobs" / sha[:2] / sha[2:]
    out = run(home, "verify", str(paper))
    assert out.exit_code == 0, out.output
    assert "Trần Thị Bình" in out.output and "Toàn vẹn" in out.output and "tất cả chữ ký hợp lệ" in out.output

    form = run(home, "sign", "form", code, str(tmp_path / "m01.pdf"), "--form", "01", pin=keys.pin)
    assert form.exit_code == 0, form.output
    issued = run(home, "result", "issue", code, str(tmp_path / "m01.pdf"), "--name", "Giấy khai sinh",
                 "--data-store", pin=keys.pin)
    assert issued.exit_code == 0, issued.output
    listed = run(home, "result", "list", code)
    assert "Giấy khai sinh" in listed.output and "[kho dữ liệu]" in listed.output
    sha = issued.output.split("SHA-256 ")[1].split()[0]
    result = (home / "blobs" / sha[:2] / sha[2:]).read_bytes()
    twice = run(home, "verify", str(home / "blobs" / sha[:2] / sha[2:]))
    assert twice.exit_code == 0 and twice.output.count("Trần Thị Bình") == 2, twice.output  # the form's and the result's

    bad = bytearray(result)
    bad[len(bad) // 3] ^= 0x20
    (tmp_path / "sua.pdf").write_bytes(bytes(bad))
    changed = run(home, "verify", str(tmp_path / "sua.pdf"))
    assert changed.exit_code == 1 and "Traceback" not in changed.output
    assert "KHÔNG TOÀN VẸN" in changed.output or "không đọc được" in changed.output, changed.output


def test_wrong_pin_and_no_key_say_so(tmp_path, keys):
    home, code = _home(tmp_path, keys)
    out = run(home, "sign", "form", code, str(tmp_path / "x.pdf"), pin="000000")
    assert out.exit_code == 1 and "Mã PIN của token ký số không đúng" in out.output
    assert not (tmp_path / "x.pdf").exists()
    (home / "config.toml").write_text("", "utf-8")
    out = run(home, "sign", "form", code, str(tmp_path / "x.pdf"), pin="1")
    assert out.exit_code == 1 and "chưa cấu hình khóa ký số" in out.output
    (tmp_path / "plain.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    out = run(home, "verify", str(tmp_path / "plain.pdf"))
    assert out.exit_code == 1 and ("không có chữ ký số" in out.output or "không đọc được" in out.output)


def test_verify_without_a_trusted_root_says_so_without_a_traceback(tmp_path, keys):
    """No [signing] trust_roots: one Vietnamese line for the chain, exit 1, and none of pyHanko's log (it wrote
    "Failed to build path …" and a Traceback on the terminal)."""
    home, code = _home(tmp_path, keys)
    assert run(home, "scan", code, "--item", "1", "--file", str(jpeg(tmp_path / "p.jpg"))).exit_code == 0
    signed = run(home, "sign", "paper", code, "--item", "1", pin=keys.pin)
    sha = signed.output.split("SHA-256 ")[1].split()[0]
    (home / "config.toml").write_text("", "utf-8")
    # a real process: pytest's log capture would hide what Python's last-resort handler prints on a terminal
    out = subprocess.run([sys.executable, "-m", "counter", "verify", str(home / "blobs" / sha[:2] / sha[2:])],
                         capture_output=True, text=True, env={**os.environ, "COUNTER_HOME": str(home)}, timeout=120)
    assert out.returncode == 1 and "chưa khai báo [signing] trust_roots" in out.stdout, out.stdout
    assert out.stderr == "", out.stderr


def test_a_file_to_sign_that_cannot_be_read_is_named_for_what_it_is(tmp_path):
    """Read before the login and the PIN, with the one message of every file someone names (errors.unreadable):
    missing, a folder; exit 1 and nothing written."""
    home = tmp_path / "data"
    make_store(home).close()
    out = run(home, "sign", "file", str(tmp_path / "khong-co.pdf"), str(tmp_path / "out.pdf"))
    assert out.exit_code == 1 and f"Không tìm thấy tệp “{tmp_path / 'khong-co.pdf'}”." in out.output
    out = run(home, "result", "issue", "H55.242-261123-1001", str(tmp_path))
    assert out.exit_code == 1 and f"“{tmp_path}” là một thư mục, không phải tệp." in out.output
    assert "Traceback" not in out.output and not (tmp_path / "out.pdf").exists()
