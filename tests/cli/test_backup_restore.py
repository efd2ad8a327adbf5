"""Issue 14: `counter backup FILE` / `counter restore FILE` from the command line (CliRunner)."""

from __future__ import annotations

import tarfile

import sqlalchemy as sa
from typer.testing import CliRunner

from counter.cli import app
from counter.services.store import Store
from tests.conftest import PASSWORD, actor_for, make_store, receive


def test_backup_then_restore_into_a_new_folder_and_the_refusals(tmp_path):
    store = make_store(tmp_path / "quay")
    code = receive(store, actor_for(store, "canbo"))
    run = CliRunner().invoke
    out = tmp_path / "sao-luu.tar"
    login = {"COUNTER_PASSWORD": PASSWORD}
    r = run(app, ["backup", str(out), "--user", "canbo", "--data-dir", str(store.data_dir)], env=login)
    assert r.exit_code == 1 and "không được phép" in r.output and not out.exists()  # an admin's job
    r = run(app, ["backup", str(out), "--user", "quantri", "--data-dir", str(store.data_dir)],
            env=login)  # while the store is open
    assert r.exit_code == 0, r.output
    assert "Đã sao lưu quầy 1 của H55.242: 1 hồ sơ" in r.output
    assert out.stat().st_mode & 0o777 == 0o600
    with tarfile.open(out) as tar:
        assert {"counter-backup.json", "counter.sqlite3"} <= set(tar.getnames())
    receive(store, actor_for(store, "canbo"), name="Trần Thị Bình")  # after the backup
    store.close()
    r = run(app, ["restore", str(out), "--data-dir", str(tmp_path / "quay")])
    assert r.exit_code == 1 and "đã có dữ liệu" in r.output and "--force" in r.output
    r = run(app, ["restore", str(tmp_path / "quay" / "counter.sqlite3"), "--data-dir", str(tmp_path / "x")])
    assert r.exit_code == 1 and "không phải bản sao lưu của counter" in r.output and not (tmp_path / "x").exists()
    r = run(app, ["restore", str(out), "--data-dir", str(tmp_path / "moi")])
    assert r.exit_code == 0, r.output
    assert "Đã khôi phục quầy 1 của H55.242 (1 hồ sơ" in r.output and "Sự kiện cuối của quầy trong bản sao lưu: số 1" in r.output
    restored = Store.open(tmp_path / "moi")
    try:
        with restored.read() as s:
            assert list(s.execute(sa.text("SELECT code FROM dossiers")).scalars()) == [code]
            assert s.execute(sa.text("SELECT value FROM sync_state WHERE key = 'sync_restored_seq'")).scalar() == "1"
    finally:
        restored.close()
    r = run(app, ["restore", str(out), "--force", "--data-dir", str(tmp_path / "quay")])
    assert r.exit_code == 0 and "đã được chuyển sang" in r.output, r.output
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("quay-truoc-khoi-phuc-")]
    assert len(aside) == 1 and (aside[0] / "counter.sqlite3").is_file()  # moved aside, never deleted
